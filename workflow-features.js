'use strict'
// Workflow feature schemas: vectorisation, critical features, display names.
// Same exports as the old engine's workflow-features module. Every value is
// built here, in the caller's realm.

const native = require('./lib/binding')
const { callNative, checkOptions, invalidArg } = require('./lib/errors')
const reader = require('./lib/feature-reader')

const FEATURE_NAMES = reader.WORKFLOWS.map((w) => Array.from(native.getFeatureNames(w.workflowType)))
const scratch = { f64: new Float64Array(reader.MAX_FIELDS + 64), tags: new Uint8Array(reader.MAX_FIELDS + 64) }
let busy = false
const MAX_VECTOR = Math.max(...reader.WORKFLOWS.map((w) => w.vectorLength))

function vectorObject(w, values, offset) {
  const names = FEATURE_NAMES[w]
  const out = {}
  for (let i = 0; i < names.length; i++) out[names[i]] = values[offset + i]
  return out
}

const VECTOR_OPTIONS = new Set(['strict'])

/** `options.strict` (default false), with `options` checked. */
function strictOption(options) {
  if (options === undefined) return false
  const { strict } = checkOptions(options, VECTOR_OPTIONS)
  if (strict !== undefined && typeof strict !== 'boolean') throw invalidArg('strict', 'a boolean', strict)
  return strict === true
}

/** The normalised feature vector of a raw feature object (keys in engine order). */
function featuresToVector(features, options) {
  const strict = strictOption(options)
  const w = reader.workflowOf(features)
  if (w >= 0 && !busy) {
    busy = true
    let present
    try {
      present = reader.encode(w, features, scratch.f64, scratch.tags, 0)
    } finally {
      busy = false
    }
    if (present !== reader.EXOTIC) {
      callNative(native.vectorEncoded, w, scratch.f64, scratch.tags, strict)
      return vectorObject(w, scratch.f64, 0)
    }
  }
  // What the reader does not encode, read through N-API (which reports its error).
  const flat = new Float64Array(MAX_VECTOR + 1)
  callNative(native.featuresToVector, features, strict, flat)
  return vectorObject(flat[0], flat, 1)
}

/** `workflowType`, checked to be a string (an unknown one is the addon's ERR_UNKNOWN_WORKFLOW). */
function typeName(workflowType) {
  if (typeof workflowType !== 'string') throw invalidArg('workflowType', 'a workflow type string', workflowType)
  return workflowType
}

module.exports = {
  featuresToVector,
  getCriticalFeatures: (workflowType) => Array.from(callNative(native.getCriticalFeatures, typeName(workflowType))),
  getWorkflowDisplayName: (workflowType) => callNative(native.getWorkflowDisplayName, typeName(workflowType)),
  getFeatureNames: (workflowType) => Array.from(callNative(native.getFeatureNames, typeName(workflowType))),
  WORKFLOW_TYPES: Object.freeze(reader.WORKFLOWS.map((w) => w.workflowType)),
}
