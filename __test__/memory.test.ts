// Memory that must come back (issue 12, faults 3 and 7): outputs are arrays
// V8 owns, so a worker terminated mid-call leaves nothing behind and a long
// synchronous loop holds nothing until the event loop turns; predictors
// loaded from the same unchanged files share one parsed model set. Each
// scenario runs in a child process and reports its RSS growth; the bounds
// are a fraction of what the faults cost (measured on the unfixed code:
// about 1.6 MB per terminated worker, 1.2 KB per columnar call, 100 KB per
// predictor of the shipped models).
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { OLD_MODELS_DIR } from './helpers'

const PACKAGE = path.resolve(__dirname, '..')

function child(source: string, ...args: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, ['-e', source, PACKAGE, OLD_MODELS_DIR, ...args], { encoding: 'utf8', timeout: 120000 })
  return JSON.parse(out)
}

const MB = 1024 * 1024

describe('memory', () => {
  it('leaves nothing behind when workers are terminated during predictProbabilities (sync and async)', () => {
    const source = `
      const { Worker } = require('node:worker_threads')
      const [pkg, models] = process.argv.slice(1)
      const WORKER = \`
        const { parentPort, workerData } = require('node:worker_threads')
        const { WorkflowPredictor } = require(workerData.pkg + '/workflow-predictors.js')
        const p = new WorkflowPredictor({ modelsDir: workerData.models })
        p.initializeSync()
        const rows = new Float64Array(200000 * 25).fill(0.3)
        parentPort.postMessage('ready')
        ;(async () => { for (let i = 0; ; i++) { if (i % 2) await p.predictProbabilitiesAsync('freestyle', rows); else p.predictProbabilities('freestyle', rows) } })()
      \`
      async function one() {
        const w = new Worker(WORKER, { eval: true, workerData: { pkg, models } })
        await new Promise((resolve) => w.once('message', resolve))
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 15))
        await w.terminate()
      }
      ;(async () => {
        for (let i = 0; i < 3; i++) await Promise.all([one(), one()])
        const before = process.memoryUsage().rss
        for (let i = 0; i < 30; i++) await Promise.all([one(), one()])
        process.stdout.write(JSON.stringify({ workers: 60, growth: process.memoryUsage().rss - before }))
      })()`
    const { workers, growth } = child(source)
    // Unfixed: about 60 x 1.6 MB = 96 MB.
    expect([workers, growth]).toEqual([60, expect.toBeWithin(-Infinity, 30 * MB)])
  })

  it('holds no memory of 100,000 synchronous columnar calls made without turning the event loop', () => {
    const source = `
      const [pkg, models] = process.argv.slice(1)
      const { WorkflowPredictor } = require(pkg + '/workflow-predictors.js')
      const p = new WorkflowPredictor({ modelsDir: models })
      p.initializeSync()
      const rows = new Float64Array(100 * 25).fill(0.2)
      for (let i = 0; i < 1000; i++) p.predictProbabilities('freestyle', rows)
      const before = process.memoryUsage().rss
      let sum = 0
      for (let i = 0; i < 100000; i++) sum += p.predictProbabilities('freestyle', rows)[7]
      process.stdout.write(JSON.stringify({ finite: Number.isFinite(sum) ? 1 : 0, growth: process.memoryUsage().rss - before }))`
    const { finite, growth } = child(source)
    // Unfixed: about 100,000 x 1.2 KB = 115 MB.
    expect([finite, growth]).toEqual([1, expect.toBeWithin(-Infinity, 40 * MB)])
  })

  it('shares the parsed models of 2,000 predictors created from the same files', () => {
    const source = `
      const [pkg] = process.argv.slice(1)
      const { WorkflowPredictor } = require(pkg + '/workflow-predictors.js')
      const first = new WorkflowPredictor({ modelsDir: pkg + '/models' })
      first.initializeSync()
      const before = process.memoryUsage().rss
      const kept = []
      for (let i = 0; i < 2000; i++) {
        const p = new WorkflowPredictor({ modelsDir: pkg + '/models' })
        p.initializeSync()
        kept.push(p)
      }
      const same = kept.every((p) => p.predictSync({ workflowType: 'ai-memory' }).failureProbability === first.predictSync({ workflowType: 'ai-memory' }).failureProbability)
      process.stdout.write(JSON.stringify({ same: same ? 1 : 0, growth: process.memoryUsage().rss - before }))`
    const { same, growth } = child(source)
    // Unfixed: about 2,000 x 100 KB = 200 MB.
    expect([same, growth]).toEqual([1, expect.toBeWithin(-Infinity, 60 * MB)])
  })
})
