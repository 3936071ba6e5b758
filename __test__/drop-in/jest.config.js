// A Jest project configured the way a migrated user project is: the old
// relative imports of the TypeScript engine are sent to the package by the
// documented moduleNameMapper. `.modules/` stands in for the user's
// node_modules (a symlink to this repository, made by global-setup.js).
const path = require('node:path')

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.test.ts'],
  globalSetup: '<rootDir>/global-setup.js',
  modulePaths: ['<rootDir>/.modules'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.json') }] },
  setupFilesAfterEnv: ['jest-extended/all'],
  moduleNameMapper: {
    // The snippet the README documents for migrating projects:
    '^(?:\\.{1,2}/)(?:[^/]+/)*ml-engine/(workflow-predictors|workflow-features|train-workflow-models|generate-training-data)$': '@dawg-ai/ml-engine/$1',
  },
}
