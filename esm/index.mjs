import engine from '../index.js'

export const {
  featuresToVector, getCriticalFeatures, getWorkflowDisplayName, getFeatureNames, WORKFLOW_TYPES,
  WorkflowPredictor, getWorkflowPredictor, DEFAULT_MODELS_DIR,
  train, trainSync, trainAllModels, trainWorkflowModel,
  generateTrainingData, generateTrainingDataSync,
  KnowledgeGraph, loadKnowledgeGraph, readKnowledgeGraph, getKnowledgeGraph, affectedWorkflows, findKnowledgeGraph, DEFAULT_GRAPH_FILE, GRAPH_ENV,
} = engine
export default engine
