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

// In a fresh process whose main thread never loads the addon, so the last
// worker's exit is the last unload; some workers are terminated while a
// training (pool threads, progress callbacks) is still running.
const CHILD_SOURCE = `
const { Worker } = require('node:worker_threads')
const WORKER = ${JSON.stringify(`
const { parentPort, workerData } = require('node:worker_threads')
const { train } = require(workerData.packagePath + '/train-workflow-models.js')
const { WorkflowPredictor } = require(workerData.packagePath + '/workflow-predictors.js')
let events = 0
train({ outDir: null, bootstrapResamples: 10, counts: { freestyle: workerData.rows }, onProgress: () => events++ }).then((s) => {
  const p = new WorkflowPredictor({ modelsDir: workerData.modelsDir })
  p.initializeSync()
  parentPort.postMessage({ models: s.models.length, events, risk: p.predictSync({ workflowType: 'ai-memory' }).riskLevel })
})
`)}
async function round(packagePath, modelsDir) {
  const runs = [0, 1, 2, 3].map((i) => new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { packagePath, modelsDir, rows: i % 2 ? 200000 : 150 } })
    w.once('error', reject)
    if (i % 2) {
      // Terminate mid-training.
      setTimeout(() => w.terminate().then(() => resolve('terminated'), reject), 50)
    } else {
      w.once('message', (m) => w.terminate().then(() => resolve(m), reject))
    }
  }))
  return Promise.all(runs)
}
;(async () => {
  const out = []
  for (let r = 0; r < 3; r++) out.push(await round(process.argv[1], process.argv[2]))
  process.stdout.write(JSON.stringify(out))
})().catch((e) => { console.error(e); process.exit(1) })
`

describe('worker_threads in a process that never loads the addon itself', () => {
  it('trains, predicts and is terminated mid-training without crashing', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process')
    const out = execFileSync(process.execPath, ['-e', CHILD_SOURCE, path.resolve(__dirname, '..'), OLD_MODELS_DIR], { encoding: 'utf8', timeout: 120000 })
    const rounds = JSON.parse(out)
    expect(rounds).toHaveLength(3)
    for (const r of rounds) {
      expect(r[1]).toBe('terminated')
      expect(r[3]).toBe('terminated')
      for (const done of [r[0], r[2]]) {
        expect(done.models).toBe(8)
        expect(done.events).toBeGreaterThan(0)
        expect(done.risk).toBeOneOf(['low', 'medium', 'high', 'critical'])
      }
    }
  })
})
