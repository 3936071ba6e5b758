#!/usr/bin/env node
'use strict'
// A diagnosis aid for the soak (not part of it): worker churn alone
// (worker-churn.js, the soak's own activity) for S seconds with `rows` rows
// per worker buffer, RSS every 10 s, so that allocator settings and buffer
// sizes can be compared run against run:
//
//   node benchmark/soak/churn-alone.js 100000 90
//   MALLOC_ARENA_MAX=2 node benchmark/soak/churn-alone.js 100000 90
//   MALLOC_MMAP_THRESHOLD_=131072 node benchmark/soak/churn-alone.js 100000 90
//   DAWG_ML_NO_MALLOC_TRIM=1 node benchmark/soak/churn-alone.js 100000 90
//
// Results: benchmark/RESULTS.md, "Soak diagnosis".
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')
const rows = Number(process.argv[2] ?? 100000)
const seconds = Number(process.argv[3] ?? 90)
const inputs = require(path.join(ROOT, 'fixtures', 'ts-parity', 'golden.json')).cases.map((c) => c.input)
const counters = {}
let stop = false
// The addon loaded on the main thread too, as in the soak.
require(path.join(ROOT, 'workflow-predictors.js'))
const started = Date.now()
const running = require('./worker-churn').start({
  root: ROOT,
  modelsDir: path.join(ROOT, 'models'),
  vectorModelsDir: path.join(ROOT, 'fixtures', 'ts-ml-engine', 'models'),
  inputs,
  rows,
  stopped: () => stop,
  counters,
})
const samples = []
const timer = setInterval(() => samples.push({ t: Math.round((Date.now() - started) / 1000), rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), workers: counters.workers }), 10000)
setTimeout(async () => {
  stop = true
  clearInterval(timer)
  await running
  const env = Object.entries(process.env).filter(([k]) => /^(MALLOC_|DAWG_ML_NO_MALLOC_TRIM$)/.test(k)).map(([k, v]) => `${k}=${v}`)
  const mean = samples.reduce((a, s) => a + s.rssMB, 0) / samples.length
  console.log(JSON.stringify({ rows, seconds, env, meanRssMB: Math.round(mean), samples, workerErrors: counters.workerErrors, lastWorkerError: counters.lastWorkerError ?? null }))
}, seconds * 1000)
