'use strict'
// The engine's normalised vectors of raw outcome rows, for peers that
// train on the vector: entries whose raw field the row omitted are null
// (the peer imputes them, as the engine imputes training means).
//   node benchmark/quality/vectors.js IN.jsonl OUT.json
// OUT: { <workflowType>: { names, rows: [[...]], failed: [0|1] } }

const fs = require('node:fs')
const readline = require('node:readline')
const { featuresToVector } = require('../../workflow-features')
const { getSchemaJson } = require('../../lib/binding')

async function main() {
  const [input, output] = process.argv.slice(2)
  const schema = JSON.parse(getSchemaJson())
  // Each workflow's vector entries (base ones first), with the raw field each reads.
  const entries = Object.fromEntries(schema.workflows.map((w) => [w.workflowType, w.vector]))
  const out = {}
  const lines = readline.createInterface({ input: fs.createReadStream(input) })
  for await (const line of lines) {
    if (!line.trim()) continue
    const row = JSON.parse(line)
    const type = row.features.workflowType
    const vector = featuresToVector(row.features)
    const o = (out[type] ??= { names: Object.keys(vector), rows: [], failed: [] })
    o.rows.push(entries[type].map((e) => (e.field in row.features ? vector[e.feature] : null)))
    o.failed.push(row.failed ? 1 : 0)
  }
  fs.writeFileSync(output, JSON.stringify(out))
}

main()
