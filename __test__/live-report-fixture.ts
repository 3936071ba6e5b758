// A models registry and an outcome store holding a recorded stream, for the
// live-report tests: freestyle runs predicted by the trained model with
// their outcomes recorded, CPU load moved up for all of them (so the
// cpuUtilization feature drifts against the model's reference histograms);
// ai-memory runs predicted but without outcomes; no other workflow logged.
import path from 'node:path'
import { WorkflowPredictor } from '../workflow-predictors'
import { generateTrainingDataSync } from '../generate-training-data'
import { train } from '../train-workflow-models'
import { OutcomeStore } from '../production'
import { WORKFLOW_TYPES } from '../workflow-features'
import { recordingLogger } from './helpers'

type Raw = Record<string, unknown>

function scenarios(seed: number, counts: Record<string, number>) {
  return generateTrainingDataSync({ seed, counts: { ...Object.fromEntries(WORKFLOW_TYPES.map((t) => [t, 0])), ...counts } }) as unknown as Array<{ raw: Raw; failed: boolean }>
}

export interface LiveFixture {
  models: string
  storeFile: string
  /** getLiveMetrics('freestyle') and ('ai-memory') after the stream. */
  freestyle: Array<{ modelVersion: string; labelled: number; metrics: Record<string, unknown> }>
  aiMemory: Array<{ modelVersion: string; predictions: number; labelled: number }>
}

export async function recordLiveStream(dir: string): Promise<LiveFixture> {
  const models = path.join(dir, 'models')
  const storeFile = path.join(dir, 'outcomes.sqlite')
  await train({ outDir: models, registry: true, seed: 3, counts: { freestyle: 400, 'ai-memory': 300 }, bootstrapResamples: 50 })
  const store = await OutcomeStore.open(storeFile, { synchronous: 'normal', flushIntervalMs: 0 })
  const predictor = new WorkflowPredictor({ modelsDir: models, store, logger: recordingLogger(), evaluateEvery: 0, monitor: false })
  try {
    await predictor.initialize()
    const runs = scenarios(11, { freestyle: 300 }).map((s, i) => ({ features: { ...s.raw, cpuUtilization: 0.85 + (i % 10) / 100 }, failed: s.failed }))
    const outcomes = runs.map((r) => ({ predictionId: predictor.predictSync(r.features as never).predictionId, failed: r.failed }))
    await predictor.recordOutcomes(outcomes)
    for (const s of scenarios(12, { 'ai-memory': 40 })) predictor.predictSync(s.raw as never)
    await store.flush()
    return {
      models,
      storeFile,
      freestyle: (await predictor.getLiveMetrics('freestyle')) as never,
      aiMemory: (await predictor.getLiveMetrics('ai-memory')) as never,
    }
  } finally {
    await predictor.close()
    await store.close()
  }
}
