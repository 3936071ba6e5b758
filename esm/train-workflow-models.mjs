import training from '../train-workflow-models.js'

export const { train, trainSync, trainAllModels, trainWorkflowModel } = training
export default training
