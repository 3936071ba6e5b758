// The addon survives being loaded, used and unloaded by worker threads over and
// over (the gnu build is linked with -z nodelete for this).
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { OLD_MODELS_DIR, sampleInputs } from './helpers'

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { WorkflowPredictor } = require(workerData.packagePath + '/workflow-predictors.js')
const p = new WorkflowPredictor({ modelsDir: workerData.modelsDir })
p.initializeSync()
const result = p.predictSync(workerData.input)
parentPort.postMessage({ probability: result.failureProbability, risk: result.riskLevel })
`

function runWorker(input: Record<string, unknown>): Promise<{ probability: number; risk: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { packagePath: path.resolve(__dirname, '..'), modelsDir: OLD_MODELS_DIR, input },
    })
    worker.once('message', (m) => {
      worker.terminate().then(() => resolve(m), reject)
    })
    worker.once('error', reject)
  })
}

describe('worker_threads', () => {
  it('loads, predicts and terminates in 4 workers at once, 5 times over', async () => {
    const inputs = Object.values(sampleInputs()).slice(0, 4)
    const { WorkflowPredictor } = await import('../workflow-predictors')
    const main = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR })
    main.initializeSync()
    const expected = inputs.map((i) => main.predictSync(i as never).failureProbability)
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(inputs.map(runWorker))
      expect(results.map((r) => r.probability)).toEqual(expected)
    }
    // The main thread's instance still works after all the unloads.
    expect(main.predictSync(inputs[0] as never).failureProbability).toBe(expected[0])
  })
})
