'use strict'
// Prediction ids: lib/prediction-ids.js against crypto.randomUUID, in turns
// in one process: 7 runs of 1M calls each; the figure is the median run.
// Usage: node benchmark/prediction-ids.js
const { randomUUID } = require('node:crypto')
const { newPredictionId } = require('../lib/prediction-ids')

const contenders = { 'lib/prediction-ids': newPredictionId, 'crypto.randomUUID': randomUUID }
const runs = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]))
let length = 0
for (let r = 0; r < 7; r++) {
  for (const [name, fn] of Object.entries(contenders)) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < 1e6; i++) length += fn().length
    runs[name].push(Number(process.hrtime.bigint() - t) / 1e6)
  }
}
if (length !== 7 * 2 * 36e6) throw new Error('an id was not 36 characters')
for (const [name, ns] of Object.entries(runs)) {
  ns.sort((a, b) => a - b)
  console.log(`${name.padEnd(20)} ${ns[3].toFixed(1)} ns per id (min ${ns[0].toFixed(1)}, max ${ns[6].toFixed(1)})`)
}
