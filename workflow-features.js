'use strict'
// Workflow feature schemas: vectorisation, critical features, display names.
// Same exports as the old engine's workflow-features module.

const native = require('./lib/binding')
const { callNative } = require('./lib/errors')

/** The normalised feature vector of a raw feature object (keys in engine order). */
function featuresToVector(features, options = {}) {
  return callNative(native.featuresToVector, features, options.strict === true)
}

module.exports = {
  featuresToVector,
  getCriticalFeatures: (workflowType) => callNative(native.getCriticalFeatures, workflowType),
  getWorkflowDisplayName: (workflowType) => callNative(native.getWorkflowDisplayName, workflowType),
  getFeatureNames: (workflowType) => callNative(native.getFeatureNames, workflowType),
  WORKFLOW_TYPES: Object.freeze(native.getWorkflowTypes()),
}
