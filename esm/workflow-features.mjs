import features from '../workflow-features.js'

export const { featuresToVector, getCriticalFeatures, getWorkflowDisplayName, getFeatureNames, WORKFLOW_TYPES } = features
export default features
