'use strict'
// Long synchronous loops on the main thread that never let the event loop
// turn inside a burst (issue 12, fault 7): predictSync over the golden
// inputs, columnar predictProbabilities (vector rows on the logistic files,
// raw feature objects on the shipped tree models), featuresToVector, and
// new WorkflowPredictor() + initializeSync(). Each burst runs for about
// `burstMs`, then the loop yields once and pauses briefly.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function start({ root, modelsDir, vectorModelsDir, inputs, burstMs = 1500, pauseMs = 200, stopped, counters }) {
  const { WorkflowPredictor } = require(root + '/workflow-predictors.js')
  const { featuresToVector } = require(root + '/workflow-features.js')
  const quiet = { warn() {} }
  const predictor = new WorkflowPredictor({ modelsDir, logger: quiet })
  predictor.initializeSync()
  const vectors = new WorkflowPredictor({ modelsDir: vectorModelsDir, fallbackModelsDir: null, logger: quiet })
  vectors.initializeSync()
  const objects = Array.from({ length: 100 }, (_, i) => inputs.filter((x) => x.workflowType === 'freestyle')[i % 10])
  const rows = new Float64Array(100 * 25)
  for (let i = 0; i < rows.length; i++) rows[i] = (i % 89) / 89
  counters.predictSync = 0
  counters.columnar = 0
  counters.featuresToVector = 0
  counters.predictors = 0

  const kinds = [
    ['predictSync', (i) => predictor.predictSync(inputs[i % inputs.length])],
    ['columnar', (i) => (i & 1 ? predictor.predictProbabilities('freestyle', objects, { layout: 'raw' }) : vectors.predictProbabilities('freestyle', rows))],
    ['featuresToVector', (i) => featuresToVector(inputs[i % inputs.length])],
    [
      'predictors',
      () => {
        const p = new WorkflowPredictor({ modelsDir, logger: quiet })
        p.initializeSync()
      },
    ],
  ]

  async function run() {
    for (let round = 0; !stopped(); round++) {
      const [name, call] = kinds[round % kinds.length]
      const until = Date.now() + burstMs
      let n = 0
      // Check the clock every 64 calls only: the burst stays synchronous.
      while ((n & 63) !== 0 || Date.now() < until) call(n++)
      counters[name] += n
      await sleep(pauseMs)
    }
  }
  return run()
}

module.exports = { start }
