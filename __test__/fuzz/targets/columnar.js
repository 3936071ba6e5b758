'use strict'
// Target: the columnar path. predictProbabilities with vector rows of any
// length and values (NaN, ±Infinity, huge), in a Float64Array or not, sync
// and async, and with the raw layout over hostile feature objects.
// Invariant: ERR_INVALID_ARG (or the feature error, naming the row) exactly
// when the input is invalid; else one probability in [0, 1] per row, equal
// to the same row scored alone, and async equal to sync.
const fc = require('fast-check')
const path = require('node:path')
const { WorkflowPredictor } = require('../../../workflow-predictors')
const { WORKFLOWS, featureInput, build } = require('../arbitraries')
const { fail, outcome, outcomeAsync, probability } = require('../invariants')

// The old engine's logistic files: the vector layout is theirs (the shipped
// models may be trees, which read raw fields and refuse vectors).
const MODELS_DIR = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'ts-ml-engine', 'models')

function setup() {
  const p = new WorkflowPredictor({ modelsDir: MODELS_DIR, fallbackModelsDir: null, logger: { warn() {} } })
  p.initializeSync()
  return { p }
}

const special = fc.constantFrom(NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 1e300, Number.MIN_VALUE, -0)
const value = fc.oneof({ weight: 30, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) }, { weight: 1, arbitrary: special }, { weight: 1, arbitrary: fc.double() })

const vectorCase = fc
  .record({
    w: fc.constantFrom(...WORKFLOWS),
    rows: fc.nat({ max: 4 }),
    skew: fc.constantFrom(0, 0, 0, 0, -1, 1),
    container: fc.oneof({ weight: 12, arbitrary: fc.constant('Float64Array') }, fc.constantFrom('Array', 'Float32Array', 'shared', 'subarray')),
    async: fc.boolean(),
  })
  .chain((c) => {
    const d = c.w.vector.length
    const len = Math.max(0, c.rows * d + c.skew)
    return fc.record({ c: fc.constant(c), values: fc.array(value, { minLength: len, maxLength: len }) })
  })

function container(kind, values) {
  switch (kind) {
    case 'Array':
      return values
    case 'Float32Array':
      return Float32Array.from(values)
    case 'shared': {
      const a = new Float64Array(new SharedArrayBuffer(values.length * 8))
      a.set(values)
      return a
    }
    case 'subarray': {
      const a = new Float64Array(values.length + 2)
      a.set(values, 1)
      return a.subarray(1, values.length + 1)
    }
    default:
      return Float64Array.from(values)
  }
}

async function checkVector(ctx, { c, values }) {
  const d = c.w.vector.length
  const rows = container(c.container, values)
  const type = c.w.workflowType
  const sync = outcome(() => ctx.p.predictProbabilities(type, rows), 'predictProbabilities')
  const invalid = values.length % d !== 0 || !values.every(Number.isFinite) || c.container === 'Array' || c.container === 'Float32Array'
  if (c.async) {
    const later = await outcomeAsync(() => ctx.p.predictProbabilitiesAsync(type, rows), 'predictProbabilitiesAsync')
    if (!!later.error !== !!sync.error || later.code !== sync.code) fail(`async ${later.code ?? 'result'} vs sync ${sync.code ?? 'result'}`)
    if (!sync.error && !later.value.every((p, i) => p === sync.value[i])) fail('async probabilities differ from sync')
  }
  if (sync.error) {
    if (!invalid) fail(`a valid buffer was refused: ${sync.code} ${sync.error.message}`)
    if (sync.code !== 'ERR_INVALID_ARG') fail(`${sync.code}: ${sync.error.message}`)
    if (!/rows/.test(sync.error.message)) fail(`the error names no argument: ${sync.error.message}`)
    return false
  }
  if (invalid) fail(`an invalid buffer (${c.container}, ${values.length} values) was scored`)
  const ps = sync.value
  if (!(ps instanceof Float64Array) || ps.length !== values.length / d) fail(`${ps.length} probabilities for ${values.length / d} rows`)
  ps.forEach((p, r) => {
    probability(p, `row ${r}`)
    const alone = ctx.p.predictProbabilities(type, Float64Array.from(values.slice(r * d, (r + 1) * d)))
    if (alone[0] !== p) fail(`row ${r}: ${p} in the buffer, ${alone[0]} alone`)
  })
  return true
}

const rawCase = fc.record({ w: fc.constantFrom(...WORKFLOWS), rows: fc.array(featureInput, { maxLength: 3 }) })

function checkRaw(ctx, { w, rows }) {
  const objects = rows.map(build)
  const whole = outcome(() => ctx.p.predictProbabilities(w.workflowType, objects, { layout: 'raw' }), 'raw layout')
  const alone = objects.map((o, i) => outcome(() => ctx.p.predictProbabilities(w.workflowType, [o], { layout: 'raw' }), `raw row ${i}`))
  const firstBad = alone.findIndex((a) => a.error)
  if (whole.error) {
    if (firstBad < 0) fail(`raw layout refused rows each accepted alone: ${whole.code} ${whole.error.message}`)
    // A hostile getter's own error may come from any row: the rows are read before they are checked.
    if (whole.code === null && alone.some((a) => a.error && a.code === null)) return false
    if (whole.code !== alone[firstBad].code) fail(`raw layout ${whole.code}, row ${firstBad} alone ${alone[firstBad].code}`)
    if (whole.code !== null && !whole.error.message.includes(`[${firstBad}]`)) fail(`the error names no row ${firstBad}: ${whole.error.message}`)
    return false
  }
  if (firstBad >= 0) fail(`row ${firstBad} refused alone (${alone[firstBad].code}) but accepted in the batch`)
  whole.value.forEach((p, i) => {
    probability(p, `raw row ${i}`)
    if (p !== alone[i].value[0]) fail(`raw row ${i}: ${p} vs ${alone[i].value[0]} alone`)
  })
  return true
}

module.exports = {
  name: 'js/columnar',
  setup,
  property: (ctx, stats) =>
    fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: vectorCase.map((v) => ({ vector: v })) }, { weight: 1, arbitrary: rawCase.map((r) => ({ raw: r })) }), async (k) => {
      const ok = k.vector ? await checkVector(ctx, k.vector) : checkRaw(ctx, k.raw)
      stats[ok ? 'results' : 'errors']++
    }),
}
