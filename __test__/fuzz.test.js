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

describe('the model-file target’s seeds', () => {
  // A mutation of an invalid seed tests only the first error it hits: every
  // seed must load unmutated, as the family it stands for.
  it('load unmutated, the small tree seeds as gradient-boosted trees, and predict', () => {
    const fs = require('node:fs')
    const path = require('node:path')
    const target = require('./fuzz/targets/model-files')
    const { WorkflowPredictor } = require('../workflow-predictors')
    const ctx = target.setup()
    try {
      for (const [kind, family] of [['logistic', 'logistic-regression-l2'], ['trees', 'gradient-boosted-trees'], ['shipped', 'gradient-boosted-trees']]) {
        const dir = path.join(ctx.dir, kind)
        fs.mkdirSync(dir)
        for (const [w, text] of Object.entries(ctx.seeds[kind])) fs.writeFileSync(path.join(dir, `${w}-model.json`), text)
        const warnings = []
        const p = new WorkflowPredictor({ modelsDir: dir, fallbackModelsDir: null, logger: { warn: (...a) => warnings.push(a.join(' ')) } })
        p.initializeSync()
        expect(warnings).toEqual([])
        for (const [w, text] of Object.entries(ctx.seeds[kind])) {
          const stats = p.getModelStats(w)
          expect(stats).toMatchObject({ bias: JSON.parse(text).bias })
          if (kind !== 'logistic') expect(stats.modelType).toBe(family)
          expect(p.predictSync(ctx.samples[w]).failureProbability).toBeWithin(0, 1)
        }
        if (kind === 'trees') {
          for (const text of Object.values(ctx.seeds.trees)) expect(JSON.parse(text).trees.trees).toHaveLength(3)
          // Small: a fuzzer's seed, not the 53-152 KB shipped file.
          expect(Math.max(...Object.values(ctx.seeds.trees).map((t) => t.length))).toBeLessThan(12000)
        }
      }
    } finally {
      target.teardown(ctx)
    }
  })
})
