'use strict'
// A workflow's "current predicted risk", available without a production
// outcome store: the failure probability its model predicts for a typical
// run, i.e. a prediction through the public WorkflowPredictor for
// `{ workflowType }` alone, every field imputed (from the model's stored
// training means, or the schema's neutral defaults for old model files).
// It is a point estimate at a typical input, not an average failure rate.

const { WorkflowPredictor } = require('../workflow-predictors')

/**
 * `{ [workflowType]: { failureProbability, riskLevel } | null }` for each of
 * `workflowTypes` (null: no model loaded for it). `modelsDir` defaults to the
 * package's models; `warn` receives model-loading warnings.
 */
function currentRisk(workflowTypes, { modelsDir, warn = () => {} } = {}) {
  const predictor = new WorkflowPredictor({ modelsDir, logger: { warn } })
  predictor.initializeSync()
  const loaded = new Set(predictor.getAllModels().map((m) => m.workflowType))
  const out = {}
  for (const workflowType of workflowTypes) {
    if (!loaded.has(workflowType)) {
      out[workflowType] = null
      continue
    }
    const { failureProbability, riskLevel } = predictor.predictSync({ workflowType })
    out[workflowType] = { failureProbability, riskLevel }
  }
  return out
}

module.exports = { currentRisk }
