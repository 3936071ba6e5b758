'use strict'
// Worker churn: `concurrency` worker threads at a time, each loading the
// addon and calling it (churn-worker.js), terminated at a random moment:
// a quarter of them before they are ready (while the addon loads or the
// models are read), the rest 0-400 ms after, mostly in the middle of a call.
const path = require('node:path')
const { Worker } = require('node:worker_threads')

const WORKER = path.join(__dirname, 'churn-worker.js')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function start({ root, modelsDir, vectorModelsDir, inputs, rows = 100000, concurrency = 2, stopped, counters }) {
  counters.workers = 0
  counters.workersEarly = 0
  counters.workerErrors = 0
  const workerData = { root, modelsDir, vectorModelsDir, inputs, rows }

  async function one() {
    const worker = new Worker(WORKER, { workerData })
    counters.workers++
    const early = Math.random() < 0.25
    const ready = new Promise((resolve) => {
      worker.on('message', (m) => {
        if (m === 'ready') resolve()
        else if (m && m.error) {
          counters.workerErrors++
          counters.lastWorkerError = m.error
        }
      })
      worker.once('error', (error) => {
        counters.workerErrors++
        counters.lastWorkerError = error.message
        resolve()
      })
      worker.once('exit', resolve)
    })
    if (early) {
      counters.workersEarly++
      await sleep(Math.random() * 60)
    } else {
      await ready
      await sleep(Math.random() * 400)
    }
    await worker.terminate()
  }

  async function lane() {
    while (!stopped()) await one()
  }
  return Promise.all(Array.from({ length: concurrency }, lane))
}

module.exports = { start }
