'use strict'
// Target: the feature parser. One hostile input through predictSync,
// predictBatchSync, predictProbabilities (raw layout) and featuresToVector,
// strict and not. Invariant: every path gives a coded error or a checked
// prediction; the paths agree with each other (same code, same
// probability); a valid input's vector scored through the vector layout
// gives the same probability when nothing was imputed.
const fc = require('fast-check')
const path = require('node:path')
const { WorkflowPredictor } = require('../../../workflow-predictors')
const { featuresToVector } = require('../../../workflow-features')
const { anyInput, materialise } = require('../arbitraries')
const { fail, outcome, prediction } = require('../invariants')

const MODELS_DIR = path.resolve(__dirname, '..', '..', '..', 'models')
const silent = { warn() {} }

function setup() {
  const make = (strict) => {
    const p = new WorkflowPredictor({ modelsDir: MODELS_DIR, fallbackModelsDir: null, logger: silent, strict })
    p.initializeSync()
    return p
  }
  return { lenient: make(false), strict: make(true) }
}

const sameCode = (a, b) => a === b || (a === 'ERR_MODEL_NOT_FOUND' && b === 'ERR_UNKNOWN_WORKFLOW')

function check(ctx, d, strict) {
  const p = strict ? ctx.strict : ctx.lenient
  const input = materialise(d)
  const one = outcome(() => p.predictSync(input), 'predictSync')
  const batch = outcome(() => p.predictBatchSync([input]), 'predictBatchSync')
  const vector = outcome(() => featuresToVector(input, { strict }), 'featuresToVector')
  if (one.error) {
    if (!batch.error || batch.code !== one.code) fail(`predictSync ${one.code} but predictBatchSync ${batch.code ?? 'succeeded'}`)
    if (one.code !== null && batch.code !== null && !batch.error.message.includes('[0]')) fail(`batch error names no index: ${batch.error.message}`)
    if (one.code === 'ERR_INVALID_FEATURE' || one.code === 'ERR_MISSING_FEATURE') {
      if (!/'[^']*'|features/.test(one.error.message)) fail(`${one.code} names no field: ${one.error.message}`)
      if (!vector.error || vector.code !== one.code) fail(`predictSync ${one.code} but featuresToVector ${vector.code ?? 'succeeded'}`)
    }
    if (one.code === 'ERR_MODEL_NOT_FOUND' && !vector.error && typeof input.workflowType === 'string') {
      fail(`no model for '${input.workflowType}' but featuresToVector succeeded`)
    }
    return false
  }
  const r = one.value
  let expected
  try {
    expected = input.workflowType
  } catch {
    fail('predictSync succeeded on an input whose workflowType throws')
  }
  prediction(r, String(expected), 'predictSync')
  if (batch.error) fail(`predictSync succeeded but predictBatchSync threw ${batch.code}: ${batch.error.message}`)
  if (batch.value.length !== 1 || batch.value[0].failureProbability !== r.failureProbability) fail('predictBatchSync differs')
  if (vector.error) fail(`predictSync succeeded but featuresToVector threw ${vector.code}: ${vector.error.message}`)
  const raw = outcome(() => p.predictProbabilities(r.workflowType, [input], { layout: 'raw' }), 'raw layout')
  if (raw.error || raw.value.length !== 1 || raw.value[0] !== r.failureProbability) fail(`raw layout: ${raw.code ?? raw.value[0]} vs ${r.failureProbability}`)
  const values = Object.values(vector.value)
  if (!values.every(Number.isFinite)) fail(`featuresToVector: non-finite ${JSON.stringify(vector.value)}`)
  // The vector layout is the logistic models' (a tree model reads raw fields
  // and refuses vectors with a coded error).
  const vectorModel = p.getModelStats(r.workflowType).modelType !== 'gradient-boosted-trees'
  if (r.imputedFeatures.length === 0 && vectorModel) {
    const v = p.predictProbabilities(r.workflowType, Float64Array.from(values))
    if (v.length !== 1 || v[0] !== r.failureProbability) fail(`vector layout ${v[0]} vs ${r.failureProbability}`)
  }
  return true
}

module.exports = {
  name: 'js/feature-parser',
  setup,
  property: (ctx, stats) =>
    fc.property(anyInput, fc.boolean(), (d, strict) => {
      stats[check(ctx, d, strict) ? 'results' : 'errors']++
    }),
}
