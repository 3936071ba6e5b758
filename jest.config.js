/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__test__'],
  testMatch: ['**/*.test.ts', '**/*.test.js'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/__test__/tsconfig.json' }] },
  setupFilesAfterEnv: ['jest-extended/all'],
  // The drop-in suite runs in its own project config with a moduleNameMapper;
  // the risk project is run, in a temporary git repository, by risk-ordering.test.ts.
  testPathIgnorePatterns: ['/node_modules/', '/__test__/drop-in/', '/__test__/pack/', '/__test__/risk-project/'],
  testTimeout: 60000,
}
