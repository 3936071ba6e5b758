'use strict'
// The body of one churned worker thread: it loads the addon, initialises a
// predictor and calls it in a loop (sync and async columnar scoring of
// vector rows on the logistic files and of raw objects on the shipped tree
// models, object predictions, a small training) until the soak terminates
// it, at a random moment, often in the middle of a call.
const { parentPort, workerData } = require('node:worker_threads')
const { WorkflowPredictor } = require(workerData.root + '/workflow-predictors.js')
const { trainWorkflowModel, train } = require(workerData.root + '/train-workflow-models.js')

const quiet = { warn() {} }
const predictor = new WorkflowPredictor({ modelsDir: workerData.modelsDir, logger: quiet })
predictor.initializeSync()
const vectors = new WorkflowPredictor({ modelsDir: workerData.vectorModelsDir, fallbackModelsDir: null, logger: quiet })
vectors.initializeSync()
const rows = new Float64Array(workerData.rows * 25)
for (let i = 0; i < rows.length; i++) rows[i] = (i % 97) / 97
const inputs = workerData.inputs
const scenarios = inputs
  .filter((x) => x.workflowType === 'freestyle')
  .map((features, i) => ({ features, failed: i % 3 === 0 }))
const freestyle = inputs.filter((x) => x.workflowType === 'freestyle')
const objects = Array.from({ length: 2000 }, (_, i) => freestyle[i % freestyle.length])
parentPort.postMessage('ready')

async function loop() {
  for (let i = 0; ; i++) {
    switch (i % 7) {
      case 0:
        vectors.predictProbabilities('freestyle', rows)
        break
      case 1:
        await vectors.predictProbabilitiesAsync('freestyle', rows)
        break
      case 6:
        predictor.predictProbabilities('freestyle', objects, { layout: 'raw' })
        break
      case 2:
        for (const x of inputs) predictor.predictSync(x)
        break
      case 3:
        await predictor.predictBatch(inputs)
        break
      case 4:
        await trainWorkflowModel('freestyle', scenarios, { folds: 2, bootstrapResamples: 20 })
        break
      case 5:
        await train({ outDir: null, counts: { freestyle: 60 }, folds: 2, bootstrapResamples: 20, seed: i })
        break
    }
  }
}
loop().catch((error) => parentPort.postMessage({ error: `${error.code ?? ''} ${error.message}` }))
