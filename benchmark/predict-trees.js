'use strict'
// predictSync with the shipped tree models (contributions included: every
// prediction carries its signed criticalFactors) against the old engine's
// logistic files, in the same process. Blocks of 1,000 calls over the 1,200
// golden inputs alternate between the two predictors, so that both see the
// same noise from a shared machine; a round is 400 blocks of each, and its
// figure is the median block time per call.
// Usage: node benchmark/predict-trees.js [rounds]
const path = require('node:path')
const { WorkflowPredictor } = require('../workflow-predictors.js')
const golden = require('../fixtures/ts-parity/golden.json')
const inputs = golden.cases.map((c) => c.input)

function predictor(dir) {
  const p = new WorkflowPredictor({ modelsDir: dir, fallbackModelsDir: null, logger: { warn() {} } })
  p.initializeSync()
  return p
}

const contenders = [
  { name: 'trees', p: predictor(path.join(__dirname, '..', 'models')) },
  { name: 'old logistic', p: predictor(path.join(__dirname, '..', 'fixtures', 'ts-ml-engine', 'models')) },
]
const rounds = Number(process.argv[2] ?? 3)
let sink = 0
const quantile = (sorted, q) => sorted[Math.floor(q * (sorted.length - 1))]
for (let round = 0; round < rounds; round++) {
  const samples = contenders.map(() => [])
  for (let b = 0; b < 400; b++) {
    contenders.forEach(({ p }, k) => {
      const t = process.hrtime.bigint()
      for (let i = 0; i < 1000; i++) sink += p.predictSync(inputs[(b * 1000 + i) % inputs.length]).failureProbability
      samples[k].push(Number(process.hrtime.bigint() - t) / 1e6)
    })
  }
  const [trees, old] = samples.map((s) => s.sort((a, b) => a - b))
  const fmt = (s) => `${quantile(s, 0.5).toFixed(2)} µs (p25-p75 ${quantile(s, 0.25).toFixed(2)}-${quantile(s, 0.75).toFixed(2)})`
  console.log(`round ${round}: trees ${fmt(trees)}, old logistic ${fmt(old)}, ratio ${(quantile(trees, 0.5) / quantile(old, 0.5)).toFixed(2)}`)
}
if (!Number.isFinite(sink)) throw new Error('a probability was not finite')
