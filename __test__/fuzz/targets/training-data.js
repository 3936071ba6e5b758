'use strict'
// Target: the training-data reader. Small files (at most 12 rows, so no
// workflow ever has enough rows to train and each case stays cheap) of
// valid rows of both formats, rows with a hostile value, broken JSON and
// arbitrary text, as JSONL or a JSON array, read by trainSync with and
// without skipInvalid. Invariant: ERR_INVALID_DATA naming the file and the
// row, or ERR_INSUFFICIENT_DATA. Reference (one case in four): the same
// JSONL with CRLF endings and a BOM gives the same error as with LF.
const fc = require('fast-check')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { trainSync } = require('../../../train-workflow-models')
const { fail, outcome } = require('../invariants')

function setup() {
  return { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'ml-engine-fuzz-data-')) }
}

function teardown(ctx) {
  fs.rmSync(ctx.dir, { recursive: true, force: true })
}

const value = fc.oneof(
  fc.constantFrom('1', '0', 'true', 'false', 'null', '"x"', '1e999', '-1e308', '[]', '{}', '"running"'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
)
const workflow = fc.constantFrom('ai-memory', 'freestyle', 'budget-alerts', 'nope', '')
const field = fc.constantFrom('dbConnected', 'databaseConnected', 'networkLatencyMs', 'microphonePermission', 'audioContextState', 'bogus')
const line = fc.oneof(
  fc.tuple(workflow, field, value, value).map(([w, f, v, failed]) => `{"features":{"workflowType":"${w}","${f}":${v}},"failed":${failed}}`),
  fc.tuple(workflow, field, value, fc.constantFrom('true', 'false', '1', '"yes"')).map(([w, f, v, failed]) => `{"workflowType":"${w}","features":{"${f}":${v}},"failed":${failed}}`),
  value,
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
).map((l) => l.replace(/[\r\n\u2028\u2029]/g, ' '))

const dataFile = fc.record({
  lines: fc.array(line, { maxLength: 12 }),
  array: fc.boolean(),
  skipInvalid: fc.boolean(),
  dataFormat: fc.constantFrom('auto', 'old', 'outcomes'),
  crlf: fc.nat({ max: 3 }).map((k) => k === 0),
})

function read(file, f) {
  return outcome(() => trainSync({ data: file, outDir: null, skipInvalid: f.skipInvalid, dataFormat: f.dataFormat, bootstrapResamples: 10 }), 'trainSync')
}

function check(ctx, f) {
  const ext = f.array ? 'json' : 'jsonl'
  const file = path.join(ctx.dir, `data.${ext}`)
  fs.writeFileSync(file, f.array ? `[${f.lines.join(',\n')}]` : f.lines.map((l) => `${l}\n`).join(''))
  const r = read(file, f)
  if (!r.error) fail(`trained from ${f.lines.length} rows: ${r.value.modelsCount} models`)
  if (r.code !== 'ERR_INVALID_DATA' && r.code !== 'ERR_INSUFFICIENT_DATA') fail(`${r.code}: ${r.error.message}`)
  if (r.code === 'ERR_INVALID_DATA') {
    if (!r.error.message.includes(file)) fail(`ERR_INVALID_DATA names no file: ${r.error.message}`)
    if (!/row \d+/.test(r.error.message)) fail(`ERR_INVALID_DATA names no row: ${r.error.message}`)
  }
  if (!f.array && f.crlf) {
    const crlf = path.join(ctx.dir, 'crlf.jsonl')
    fs.writeFileSync(crlf, '\ufeff' + f.lines.map((l) => `${l}\r\n`).join(''))
    const again = read(crlf, f)
    const same = again.error && again.code === r.code && again.error.message.split(crlf).join(file) === r.error.message
    if (!same) fail(`CRLF and a BOM change the outcome: ${again.code} ${again.error && again.error.message} vs ${r.error.message}`)
  }
  return false
}

module.exports = {
  name: 'js/training-data',
  setup,
  teardown,
  property: (ctx, stats) =>
    fc.property(dataFile, (f) => {
      stats[check(ctx, f) ? 'results' : 'errors']++
    }),
}
