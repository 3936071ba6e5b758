// Type stand-in for the deleted TypeScript engine module (see workflow-predictors.d.ts).
export * from '@dawg-ai/ml-engine/train-workflow-models'
