import engine from '../index.js'

export const {
  featuresToVector, getCriticalFeatures, getWorkflowDisplayName, getFeatureNames, WORKFLOW_TYPES,
  WorkflowPredictor, getWorkflowPredictor, DEFAULT_MODELS_DIR,
  train, trainSync, trainAllModels, trainWorkflowModel,
  generateTrainingData, generateTrainingDataSync,
  OutcomeStore, resolveStorePath, ModelRegistry, Monitor, MONITOR_DEFAULTS, retrainFromOutcomes,
  KnowledgeGraph, loadKnowledgeGraph, readKnowledgeGraph, getKnowledgeGraph, affectedWorkflows, findKnowledgeGraph, DEFAULT_GRAPH_FILE, GRAPH_ENV,
  ERROR_CODES, isMlEngineError,
} = engine
export default engine
