// Run by pack.test.js with plain `node` inside the temp project: the package's
// ESM entry points, resolved through its "exports" map as a user's import would be.
import { readFileSync } from 'node:fs'
import engine, { WorkflowPredictor as RootPredictor, featuresToVector } from '@dawg-ai/ml-engine'
import predictors, { WorkflowPredictor, getWorkflowPredictor, DEFAULT_MODELS_DIR } from '@dawg-ai/ml-engine/workflow-predictors'

const inputs = JSON.parse(readFileSync(new URL('./inputs.json', import.meta.url), 'utf8'))
const predictor = new WorkflowPredictor()
await predictor.initialize()
const probabilities = {}
for (const [type, input] of Object.entries(inputs)) probabilities[type] = (await predictor.predict(input)).failureProbability
const singleton = await getWorkflowPredictor()
process.stdout.write(
  JSON.stringify({
    sameClassAsRoot: RootPredictor === WorkflowPredictor,
    defaultHasClass: predictors.WorkflowPredictor === WorkflowPredictor && engine.WorkflowPredictor === WorkflowPredictor,
    featuresToVector: typeof featuresToVector,
    modelsDir: DEFAULT_MODELS_DIR,
    singletonModels: singleton.getAllModels().length,
    probabilities,
  }),
)
