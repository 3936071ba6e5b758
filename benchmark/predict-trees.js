'use strict'
// predictSync with the shipped tree models (contributions included: every
// prediction carries its signed criticalFactors) against the old engine's
// logistic files, in the same process: 400 blocks of 1,000 calls each over
// the 1,200 golden inputs; the figure is the median block time per call.
// Usage: node benchmark/predict-trees.js
const { WorkflowPredictor } = require('../workflow-predictors.js')
const golden = require('../fixtures/ts-parity/golden.json')
const inputs = golden.cases.map((c) => c.input)
function bench(dir) {
  const p = new WorkflowPredictor({ modelsDir: dir, fallbackModelsDir: null, logger: { warn() {} } })
  p.initializeSync()
  const samples = []
  let sink = 0
  for (let b = 0; b < 400; b++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < 1000; i++) sink += p.predictSync(inputs[(b * 1000 + i) % inputs.length]).failureProbability
    samples.push(Number(process.hrtime.bigint() - t) / 1000 / 1000)
  }
  samples.sort((a, b) => a - b)
  return { median: samples[200], p25: samples[100], p75: samples[300], sink }
}
for (let round = 0; round < 3; round++) {
  const trees = bench(require('node:path').join(__dirname, '..', 'models')), old = bench(require('node:path').join(__dirname, '..', 'fixtures', 'ts-ml-engine', 'models'))
  console.log(`round ${round}: trees ${trees.median.toFixed(2)} µs (p25-p75 ${trees.p25.toFixed(2)}-${trees.p75.toFixed(2)}), old logistic ${old.median.toFixed(2)} µs, ratio ${(trees.median / old.median).toFixed(2)}`)
}
