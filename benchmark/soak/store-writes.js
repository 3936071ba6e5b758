'use strict'
// Outcome-store writes: a predictor logging every prediction to an outcome
// store in a temporary file (maxRows bounds the tables), each prediction's
// outcome recorded, batches of `batch` with a short pause between them.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function start({ root, modelsDir, inputs, batch = 50, pauseMs = 100, stopped, counters }) {
  const { WorkflowPredictor } = require(root + '/workflow-predictors.js')
  const { OutcomeStore } = require(root + '/production.js')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dawg-ml-soak-store-'))
  const store = await OutcomeStore.open(path.join(dir, 'outcomes.sqlite'), { maxRows: 5000, synchronous: 'normal' })
  const predictor = new WorkflowPredictor({ modelsDir, store, logger: { warn() {} } })
  await predictor.initialize()
  counters.logged = 0
  counters.outcomes = 0
  counters.storeErrors = 0
  try {
    for (let i = 0; !stopped(); ) {
      try {
        for (let k = 0; k < batch; k++, i++) {
          const prediction = await predictor.predict(inputs[i % inputs.length])
          counters.logged++
          await predictor.recordOutcome(prediction.predictionId, i % 4 === 0)
          counters.outcomes++
        }
      } catch (error) {
        counters.storeErrors++
        counters.lastStoreError = `${error.code ?? ''} ${error.message}`
      }
      await sleep(pauseMs)
    }
  } finally {
    await predictor.close()
    await store.close?.()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

module.exports = { start }
