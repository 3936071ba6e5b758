'use strict'
// Prediction figures: predict (object in, object out) native vs plain-JS
// peers, predictBatch of 10k objects, the columnar API on 100k rows.
// Run alone: node benchmark/predict.js [--json]

const fs = require('node:fs')
const assert = require('node:assert')
const { WorkflowPredictor } = require('../workflow-predictors')
const { createOldStylePredictor, loadSchema } = require('./lib/old-style')
const { createCleanPredictor } = require('./lib/clean')
const { GOLDEN, SCHEMA, OLD_MODELS, timeSideBySide } = require('./lib/util')

const BLOCK = 1000

/** The peers must give the addon's outputs on every golden input before they are timed. */
function checkPeers(inputs, predictor, peers) {
  for (const input of inputs) {
    const want = predictor.predictSync(input)
    for (const [name, peer] of Object.entries(peers)) {
      const got = peer.predict(input)
      const where = `${name} on ${input.workflowType}`
      assert.ok(Math.abs(got.failureProbability - want.failureProbability) <= 1e-12, `${where}: probability ${got.failureProbability} != ${want.failureProbability}`)
      assert.strictEqual(got.riskLevel, want.riskLevel, where)
      assert.ok(Math.abs(got.confidence - want.confidence) <= 1e-12, where)
      assert.deepStrictEqual(got.criticalFactors, want.criticalFactors, where)
      assert.deepStrictEqual(got.recommendations, want.recommendations, where)
      assert.strictEqual(got.workflowType, want.workflowType, where)
    }
  }
  return inputs.length
}

async function run({ quick = false } = {}) {
  const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8'))
  const inputs = golden.cases.map((c) => c.input)
  const schema = loadSchema(SCHEMA)
  const predictor = new WorkflowPredictor({ modelsDir: OLD_MODELS })
  predictor.initializeSync()
  const peers = { oldStyle: createOldStylePredictor(schema, OLD_MODELS), clean: createCleanPredictor(schema, OLD_MODELS) }
  const checked = checkPeers(inputs, predictor, peers)

  const results = { checkedInputs: checked }
  const cycle = (f) => {
    let i = 0
    return () => {
      let s = 0
      for (let k = 0; k < BLOCK; k++) {
        s += f(inputs[i]).failureProbability
        i = i + 1 === inputs.length ? 0 : i + 1
      }
      if (s < 0) throw new Error('unreachable')
    }
  }
  const opts = { block: BLOCK, time: quick ? 300 : 3000, iterations: quick ? 20 : 120 }
  const tasks = {
    'native predictSync': cycle((x) => predictor.predictSync(x)),
    'plain JS, old style': cycle((x) => peers.oldStyle.predict(x)),
    'plain JS, clean': cycle((x) => peers.clean.predict(x)),
  }
  // Optional: an older build of the addon (before results were built in
  // JavaScript, when NativeModels.predict returned the object), to compare
  // before/after in one run (BENCH_BASELINE_ADDON=/path/to/ml-engine.node).
  if (process.env.BENCH_BASELINE_ADDON) {
    const baseline = require(process.env.BENCH_BASELINE_ADDON).loadModelsSync(OLD_MODELS)
    for (const input of inputs.slice(0, 50)) assert.strictEqual(baseline.predict(input, false).failureProbability, predictor.predictSync(input).failureProbability)
    tasks[`baseline addon ${process.env.BENCH_BASELINE_LABEL ?? ''} NativeModels.predict`.replace('  ', ' ')] = cycle((x) => baseline.predict(x, false))
  }
  results.predict = await timeSideBySide(tasks, opts)
  // The async API the old engine had: one awaited call at a time.
  let ai = 0
  results.predictAsync = await timeSideBySide(
    {
      'native await predict': async () => {
        for (let k = 0; k < BLOCK; k++) {
          await predictor.predict(inputs[ai])
          ai = ai + 1 === inputs.length ? 0 : ai + 1
        }
      },
    },
    { ...opts, iterations: quick ? 10 : 50, time: quick ? 200 : 1500 },
  )

  // predictBatch of 10k objects (golden inputs repeated).
  const batch = Array.from({ length: 10000 }, (_, i) => inputs[i % inputs.length])
  const batchTimes = await timeSideBySide(
    {
      'native predictBatch(10k)': () => predictor.predictBatchSync(batch),
      'plain JS, old style, 10k': () => batch.map((x) => peers.oldStyle.predict(x)),
      'plain JS, clean, 10k': () => batch.map((x) => peers.clean.predict(x)),
    },
    { block: batch.length, time: quick ? 300 : 2000, iterations: quick ? 5 : 30 },
  )
  results.batch = batchTimes

  // Columnar: 100k rows of freestyle vectors (golden vectors repeated).
  const fcases = golden.cases.filter((c) => c.workflowType === 'freestyle')
  const d = fcases[0].vector.length
  const n = 100000
  const rows = new Float64Array(n * d)
  for (let i = 0; i < n; i++) fcases[i % fcases.length].vector.forEach(([, v], j) => (rows[i * d + j] = v))
  const sync = predictor.predictProbabilities('freestyle', rows)
  const asyncOut = await predictor.predictProbabilitiesAsync('freestyle', rows)
  assert.deepStrictEqual(Array.from(asyncOut.subarray(0, 1000)), Array.from(sync.subarray(0, 1000)))
  const w = JSON.parse(fs.readFileSync(`${OLD_MODELS}/freestyle-model.json`, 'utf8'))
  const weights = Float64Array.from(fcases[0].vector, ([name]) => w.weights[name] ?? 0)
  const jsColumnar = () => {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let z = w.bias
      const o = i * d
      for (let j = 0; j < d; j++) z += weights[j] * rows[o + j]
      z = z > 100 ? 100 : z < -100 ? -100 : z
      out[i] = 1 / (1 + Math.exp(-z))
    }
    return out
  }
  const jsOut = jsColumnar()
  for (let i = 0; i < 1000; i++) assert.ok(Math.abs(jsOut[i] - sync[i]) <= 1e-12)
  results.columnar = await timeSideBySide(
    {
      'native predictProbabilities (sync)': () => predictor.predictProbabilities('freestyle', rows),
      'native predictProbabilitiesAsync': () => predictor.predictProbabilitiesAsync('freestyle', rows),
      'plain JS loop over Float64Array': jsColumnar,
    },
    { block: n, time: quick ? 300 : 2000, iterations: quick ? 5 : 40 },
  )
  for (const r of Object.values(results.columnar)) r.perOpNs = r.perOpUs * 1000
  results.columnarShape = { rows: n, d }
  return results
}

module.exports = { run }

if (require.main === module) {
  run({ quick: process.argv.includes('--quick') }).then((r) => console.log(JSON.stringify(r, null, 2)))
}
