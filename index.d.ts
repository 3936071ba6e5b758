export * from './workflow-features'
export * from './workflow-predictors'
export * from './train-workflow-models'
export * from './generate-training-data'
