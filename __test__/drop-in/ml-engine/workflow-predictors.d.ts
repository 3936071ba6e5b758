// Type stand-in for the deleted TypeScript engine module: the compiler reads
// types from the package, Jest's moduleNameMapper supplies the code.
export * from '@dawg-ai/ml-engine/workflow-predictors'
