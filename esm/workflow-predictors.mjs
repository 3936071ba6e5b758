import predictors from '../workflow-predictors.js'

export const { WorkflowPredictor, getWorkflowPredictor, DEFAULT_MODELS_DIR } = predictors
export default predictors
