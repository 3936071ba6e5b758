'use strict'
// Rows of the engine's own generator as recorded outcomes, one JSON object
// per line: { features: <raw>, failed, trueFailureProbability }.
//   node benchmark/quality/rows.js SEED N_PER_WORKFLOW OUT.jsonl
// Generated in chunks of workflows x CHUNK rows (seed SEED*1000+chunk), so
// memory stays small at any N.

const fs = require('node:fs')
const { generateTrainingDataSync } = require('../../generate-training-data')
const { WORKFLOW_TYPES } = require('../../workflow-features')

const CHUNK = 5000
const [seed, n, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]]
const fd = fs.openSync(out, 'w')
for (const type of WORKFLOW_TYPES) {
  for (let chunk = 0, done = 0; done < n; chunk++) {
    const take = Math.min(CHUNK, n - done)
    const rows = generateTrainingDataSync({ seed: seed * 1000 + chunk, counts: Object.fromEntries(WORKFLOW_TYPES.map((t) => [t, t === type ? take : 0])) })
    fs.writeSync(fd, rows.map((s) => JSON.stringify({ features: s.raw, failed: s.failed, trueFailureProbability: s.trueFailureProbability })).join('\n') + '\n')
    done += take
  }
}
fs.closeSync(fd)
