'use strict'
// The engine's predictions for test rows, with trained models.
//   node benchmark/quality/predict.js MODELS_DIR TEST.jsonl OUT.json
// OUT: { <workflowType>: { p: [...], top3: [[raw field, ...], ...] } }, the
// top three critical factors of each row named by the raw field they read (a
// factor that no vector entry names, such as freestyle's bufferSize, is named
// by its raw field already).

const fs = require('node:fs')
const readline = require('node:readline')
const { WorkflowPredictor } = require('../../workflow-predictors')
const { getSchemaJson } = require('../../lib/binding')

async function main() {
  const [dir, input, output] = process.argv.slice(2)
  const predictor = new WorkflowPredictor({ modelsDir: dir, logger: { warn() {} } })
  predictor.initializeSync()
  const schema = JSON.parse(getSchemaJson())
  const fieldOf = Object.fromEntries(schema.workflows.map((w) => [w.workflowType, Object.fromEntries(w.vector.map((e) => [e.feature, e.field]))]))
  const byType = {}
  const lines = readline.createInterface({ input: fs.createReadStream(input) })
  for await (const line of lines) {
    if (!line.trim()) continue
    const row = JSON.parse(line)
    ;(byType[row.features.workflowType] ??= []).push(row.features)
  }
  const out = {}
  for (const [type, rows] of Object.entries(byType)) {
    if (!predictor.getModelStats(type)) continue
    const p = Array.from(predictor.predictProbabilities(type, rows, { layout: 'raw' }))
    const top3 = predictor.predictBatchSync(rows).map((r) => r.criticalFactors.slice(0, 3).map((f) => fieldOf[type][f.feature] ?? f.feature))
    out[type] = { p, top3 }
  }
  fs.writeFileSync(output, JSON.stringify(out))
}

main()
