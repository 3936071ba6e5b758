'use strict'
// Concurrent trainings: `concurrency` lanes of train() with small counts,
// each into a fresh temporary directory (every fifth run into a directory
// another lane may be writing, so that the directory lock is exercised),
// a third of them aborted through an AbortSignal at a random moment.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { WORKFLOWS } = require('./workflows')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function start({ root, concurrency = 2, pauseMs = 100, stopped, counters }) {
  const { train } = require(root + '/train-workflow-models.js')
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dawg-ml-soak-train-'))
  const contended = path.join(base, 'contended')
  counters.trainings = 0
  counters.trainingsAborted = 0
  counters.trainingErrors = 0

  async function one(lane, run) {
    const intoContended = run % 5 === 0
    const outDir = intoContended ? contended : fs.mkdtempSync(path.join(base, `lane${lane}-`))
    const controller = new AbortController()
    const abort = Math.random() < 1 / 3
    const timer = abort ? setTimeout(() => controller.abort(new Error('soak abort')), Math.random() * 150) : null
    const counts = Object.fromEntries(WORKFLOWS.map((w) => [w, 40 + Math.floor(Math.random() * 60)]))
    try {
      await train({ outDir, counts, folds: 3, bootstrapResamples: 50, seed: run, signal: controller.signal })
      counters.trainings++
    } catch (error) {
      if (error.code === 'ERR_ABORTED') counters.trainingsAborted++
      else {
        counters.trainingErrors++
        counters.lastTrainingError = `${error.code ?? ''} ${error.message}`
      }
    } finally {
      clearTimeout(timer)
      if (!intoContended) fs.rmSync(outDir, { recursive: true, force: true })
    }
  }

  async function lane(id) {
    for (let run = id; !stopped(); run += concurrency) {
      await one(id, run)
      await sleep(pauseMs)
    }
  }
  return Promise.all(Array.from({ length: concurrency }, (_, i) => lane(i))).finally(() =>
    fs.rmSync(base, { recursive: true, force: true }),
  )
}

module.exports = { start }
