// A project set up the way the README documents risk-driven testing: the
// sequencer orders (and with DAWG_ML_CONFIDENCE subsets) the test files, the
// reporter records each run under .dawg-ml/. __test__/risk-ordering.test.ts
// copies it into a temporary git repository (with node_modules/@dawg-ai/ml-engine
// linked to this checkout) and runs it several times. Workflow risk comes from
// the project's own models/ (a fixed copy of earlier shipped models), so that
// the orderings the test expects do not move when the package's models are
// retrained.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/*.test.js'],
  testSequencer: '@dawg-ai/ml-engine/jest-sequencer',
  reporters: ['default', ['@dawg-ai/ml-engine/jest-reporter', { minRuns: 3, modelsDir: 'models' }]],
}
