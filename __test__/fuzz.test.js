// Bounded fuzz runs in npm test: each fast-check target of __test__/fuzz
// (npm run fuzz runs them a million cases each) for a few thousand cases
// from a fixed seed (FUZZ_SEED to change it). A finding fails with its
// shrunk input, seed and path; each target must also have produced both
// outcomes its generators aim at, so a generator that only ever builds
// invalid input is caught.
const { runTarget } = require('./fuzz/run-target')

const SEED = Number(process.env.FUZZ_SEED ?? 20261202)

const targets = [
  ['features', 2000, { results: true, errors: true }],
  ['columnar', 2000, { results: true, errors: true }],
  ['model-files', 1000, { results: true, errors: true }],
  // Files of at most 12 rows never train: every case is a coded error.
  ['training-data', 1000, { results: false, errors: true }],
]

describe.each(targets)('fuzz target %s', (name, numRuns, expected) => {
  it(`holds its invariant for ${numRuns} cases`, async () => {
    const report = await runTarget(require(`./fuzz/targets/${name}`), { numRuns, seed: SEED, timeoutMs: 10000 })
    if (report.findings) {
      throw new Error(`${report.target}: ${report.error}\ncounterexample: ${report.counterexample}\nseed ${report.seed}, path ${report.path}`)
    }
    expect(report.cases).toBe(numRuns)
    expect(report.results + report.errors).toBe(numRuns)
    expect(report.results > 0).toBe(expected.results)
    expect(report.errors > 0).toBe(expected.errors)
  })
})
