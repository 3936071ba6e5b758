// The production loop end to end: a stream of freestyle runs whose traffic
// drifts. The predictor predicts and its outcomes are recorded; the monitor
// sees the drift; a challenger is retrained from the outcomes and scored in
// shadow; it is promoted when it beats the champion; the world changes
// again, the promoted version degrades and is rolled back. Each step is
// asserted from the predictor's events and from the store and registry.
import fs from 'node:fs'
import path from 'node:path'
import { WorkflowPredictor } from '../workflow-predictors'
import { generateTrainingDataSync } from '../generate-training-data'
import { train } from '../train-workflow-models'
import { ModelRegistry, Monitor, OutcomeStore, retrainFromOutcomes } from '../production'
import { OLD_MODELS_DIR, recordingLogger, sampleInputs, tempDir } from './helpers'

/** A small seeded generator (mulberry32), so the stream is the same every run. */
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Raw = Record<string, unknown>
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

/**
 * `n` freestyle runs of a world: the generator's inputs (seeded), then, for a
 * drifted world, CPU load moved to 0.5-1.0 and the failure driven by it
 * (`direction` +1: high load fails; -1: the opposite).
 */
function world(seed: number, n: number, drift: { direction: 1 | -1 } | null) {
  const scenarios = generateTrainingDataSync({ seed, counts: { freestyle: n, 'melody-to-vocals': 0, 'stem-separation': 0, 'ai-mastering': 0, 'live-vocal-analysis': 0, 'ai-memory': 0, 'voice-commands': 0, 'budget-alerts': 0 } }) as unknown as Array<{ raw: Raw; failed: boolean }>
  const draw = random(seed * 7919)
  return scenarios.map((s) => {
    if (!drift) return { features: s.raw, failed: s.failed }
    const cpu = 0.5 + 0.5 * draw()
    const features = { ...s.raw, cpuUtilization: cpu }
    return { features, failed: draw() < sigmoid(drift.direction * 14 * (cpu - 0.75)) }
  })
}

describe('the production loop on a drifting stream', () => {
  const dir = tempDir('loop')
  const modelsDir = path.join(dir, 'models')
  const storePath = path.join(dir, 'outcomes.sqlite')
  const logger = recordingLogger()
  const events: Array<{ type: string; payload: Record<string, unknown> }> = []
  let predictor: WorkflowPredictor
  let store: OutcomeStore

  /** Predict each run, then record its outcome (in one batch, as a monitor would after the runs). */
  async function stream(runs: Array<{ features: Raw; failed: boolean }>) {
    const outcomes = runs.map((r) => ({ predictionId: predictor.predictSync(r.features as never).predictionId, failed: r.failed }))
    await predictor.recordOutcomes(outcomes)
  }

  beforeAll(async () => {
    // v1: trained on generated scenarios, written as a registry version.
    const summary = await train({ outDir: modelsDir, registry: true, seed: 42 })
    expect(summary.version).toBe('v1')
    store = await OutcomeStore.open(storePath, { synchronous: 'normal', flushIntervalMs: 0 })
    predictor = new WorkflowPredictor({
      modelsDir,
      store,
      logger,
      evaluateEvery: 0,
      monitor: {
        window: { last: 600 },
        drift: { threshold: 0.25, minRows: 150 },
        promotion: { margin: 0.02, minPairs: 200, alpha: 0.01 },
        degradation: { margin: 0.05, minRows: 200, alpha: 0.01 },
      },
    })
    for (const type of ['drift', 'degraded', 'promoted', 'rolledBack'] as const) predictor.on(type, (payload) => events.push({ type, payload: payload as never }))
    await predictor.initialize()
  }, 60000)

  afterAll(async () => {
    await predictor.close()
    await store.close()
  })

  it('predicts with v1, logs every prediction with its features and sees no drift on familiar traffic', async () => {
    expect(predictor.modelVersion).toBe('v1')
    await stream(world(1, 300, null))
    expect(await predictor.evaluate()).toEqual([])
    const counts = store.countsSync()
    expect(counts).toMatchObject({ predictions: 300, outcomes: 300 })
    const [group] = await predictor.getLiveMetrics('freestyle')
    expect(group).toMatchObject({ workflowType: 'freestyle', predictions: 300, labelled: 300 })
    // The generator's world is graded and noisy (Bayes AUC 0.79-0.92): clearly informative, not perfect.
    expect(group.metrics.auc).toBeGreaterThan(0.75)
    // A v1 model file carries the reference histograms of its training rows.
    expect(predictor.getModelStats('freestyle')).toHaveProperty('reference.rows', 150)
  })

  it('sees the drift of the CPU load before outcomes arrive', async () => {
    const drifted = world(2, 300, { direction: 1 })
    for (const r of drifted) predictor.predictSync(r.features as never)
    const found = await predictor.evaluate()
    expect(found.map((e) => e.type)).toEqual(['drift'])
    const drift = found[0].payload as { workflowType: string; features: Array<{ feature: string; psi: number }>; referenceSource: string; expectedLogLoss: number }
    expect(drift.workflowType).toBe('freestyle')
    expect(drift.referenceSource).toBe('model')
    expect(drift.features[0].feature).toBe('cpuUtilization')
    expect(drift.features[0].psi).toBeGreaterThan(0.25)
    expect(drift.expectedLogLoss).toBeGreaterThan(0)
    expect(events.map((e) => e.type)).toEqual(['drift'])
    expect(store.eventsSync({ kind: 'drift' }).events).toHaveLength(1)
    // Reported once while it lasts.
    expect(await predictor.evaluate()).toEqual([])
  })

  it('retrains a challenger from the recent outcomes and scores it in shadow', async () => {
    const since = Date.now()
    await stream(world(3, 500, { direction: 1 }))
    const summary = await retrainFromOutcomes({ store, modelsDir, minOutcomes: 300, since })
    expect(summary.version).toBe('v2')
    expect(summary.outcomes.freestyle).toBe(500)
    expect(summary.outcomes['ai-memory']).toBe(0)
    const registry = new ModelRegistry(modelsDir)
    const v2 = registry.manifestSync('v2')
    expect(v2.workflows.freestyle?.origin).toBe('trained')
    expect(v2.workflows['ai-memory']).toMatchObject({ origin: 'inherited', from: 'v1' })
    expect(registry.stateSync()).toMatchObject({ current: 'v1', challenger: 'v2' })

    await predictor.reload()
    expect(predictor.challengerVersion).toBe('v2')
    const p = predictor.predictSync(world(4, 1, { direction: 1 })[0].features as never)
    // The caller sees the champion's prediction only; the challenger's is logged beside it.
    expect(p.modelVersion).toBe(registry.manifestSync('v1').workflows.freestyle?.modelVersion)
    await store.flush()
    const shadow = store.predictionsSync({ role: 'challenger' }).rows
    expect(shadow.map((r) => r.predictionId)).toEqual([p.predictionId])
    expect(shadow[0].modelVersion).toBe(v2.workflows.freestyle?.modelVersion)
  })

  it('promotes the challenger once its live log-loss beats the champion by the margin', async () => {
    await stream(world(5, 400, { direction: 1 }))
    const found = await predictor.evaluate()
    // v1 has degraded on the drifted traffic, but there is nothing to roll back to.
    expect(found.map((e) => e.type)).toEqual(['degraded', 'promoted'])
    expect(found[0].payload).toMatchObject({ version: 'v1', workflowType: 'freestyle' })
    const promoted = found[1].payload as { from: string; to: string; test: { overall: { promote: boolean; pairs: number; pValue: number; championLogLoss: number; challengerLogLoss: number } } }
    expect(promoted).toMatchObject({ from: 'v1', to: 'v2' })
    expect(promoted.test.overall.pairs).toBeGreaterThanOrEqual(400)
    expect(promoted.test.overall.pValue).toBeLessThan(0.01)
    expect(promoted.test.overall.challengerLogLoss).toBeLessThan(promoted.test.overall.championLogLoss - 0.02)
    expect(predictor.modelVersion).toBe('v2')
    expect(predictor.challengerVersion).toBeNull()
    // The decision and its figures, in the store and in the registry's history.
    expect(store.eventsSync({ kind: 'promoted' }).events[0].figures).toMatchObject({ from: 'v1', to: 'v2' })
    const last = new ModelRegistry(modelsDir).stateSync()!.history.at(-1)!
    expect(last).toMatchObject({ action: 'promote', version: 'v2', from: 'v1' })
    expect(last.figures).toHaveProperty('overall.pairs', promoted.test.overall.pairs)
  })

  it('rolls a promoted version back when the world turns and it degrades', async () => {
    await stream(world(6, 300, { direction: -1 }))
    const found = await predictor.evaluate()
    expect(found.map((e) => e.type)).toEqual(['degraded', 'rolledBack'])
    const degraded = found[0].payload as { version: string; workflowType: string; test: { logLoss: number; referenceLogLoss: number; degraded: boolean } }
    expect(degraded).toMatchObject({ version: 'v2', workflowType: 'freestyle' })
    expect(degraded.test.logLoss).toBeGreaterThan(degraded.test.referenceLogLoss + 0.05)
    expect(found[1].payload).toMatchObject({ from: 'v2', to: 'v1' })
    expect(predictor.modelVersion).toBe('v1')
    expect(store.eventsSync().events.map((e) => e.kind)).toEqual(['drift', 'degraded', 'promoted', 'degraded', 'rolledBack'])
    expect(events.map((e) => e.type)).toEqual(['drift', 'degraded', 'promoted', 'degraded', 'rolledBack'])
    const state = new ModelRegistry(modelsDir).stateSync()!
    expect(state.history.map((d) => `${d.action}:${d.version}`)).toEqual(['promote:v1', 'challenger:v2', 'promote:v2', 'rollback:v1'])
    // Every version stays on disk, readable as a flat models directory by the old loader.
    expect(fs.readdirSync(path.join(modelsDir, 'versions')).sort()).toEqual(['v1', 'v2'])
  })

  it('exports what it recorded as training data', async () => {
    const out = path.join(dir, 'export.jsonl')
    const r = await store.exportJsonl(out)
    // 300 + 500 + 400 + 300 outcomes (the 300 runs of the drift step had none).
    expect(r).toEqual({ rows: 1500, withoutFeatures: 0 })
    const first = JSON.parse(fs.readFileSync(out, 'utf8').split('\n')[0])
    expect(Object.keys(first).sort()).toEqual(['failed', 'features'])
    expect(first.features.workflowType).toBe('freestyle')
  })
})

describe('a predictor after close()', () => {
  it('still predicts, logs nothing more, and refuses outcome calls with ERR_STORE_CLOSED naming the store', async () => {
    const storePath = path.join(tempDir('closed-predictor'), 'o.sqlite')
    const predictor = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, store: storePath })
    await predictor.initialize()
    const input = sampleInputs().freestyle as never
    const { predictionId } = predictor.predictSync(input)
    await predictor.close()
    expect(predictor.predictSync(input).failureProbability).toBeGreaterThan(0)
    await expect(predictor.recordOutcome(predictionId, true)).rejects.toMatchObject({
      code: 'ERR_STORE_CLOSED',
      message: expect.stringContaining(`This predictor was closed, and with it its use of the outcome store ${storePath}`),
    })
    const reopened = OutcomeStore.openSync(storePath)
    expect(reopened.countsSync()).toMatchObject({ predictions: 1, outcomes: 0 })
    reopened.closeSync()
  })

  it('predicts while it closes, and records outcomes again once initialised again', async () => {
    const storePath = path.join(tempDir('closing-predictor'), 'o.sqlite')
    const logger = recordingLogger()
    const predictor = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, store: storePath, logger })
    await predictor.initialize()
    const input = sampleInputs().freestyle as never
    let closed = false
    const closing = predictor.close().then(() => (closed = true))
    // The close runs on the pool; predictions made meanwhile (between turns of the event loop) are answered, unlogged.
    let during = 0
    while (!closed) {
      expect(predictor.predictSync(input).failureProbability).toBeGreaterThan(0)
      during++
      await new Promise((resolve) => setImmediate(resolve))
    }
    await closing
    expect(during).toBeGreaterThan(0)
    await predictor.initialize()
    const { predictionId } = predictor.predictSync(input)
    await expect(predictor.recordOutcome(predictionId, false)).resolves.toMatchObject({ outcomeId: expect.any(Number) })
    await predictor.close()
    expect(logger.warnings).toEqual([])
  })

  it('answers a prediction its store cannot log as it is, warning once', async () => {
    const logger = recordingLogger()
    const predictor = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, store: path.join(tempDir('unloggable'), 'o.sqlite'), logger, unknownFields: 'ignore' })
    await predictor.initialize()
    // An unknown field is ignored by the model, but JSON would turn the Date into a string.
    const input = { ...sampleInputs().freestyle, seenAt: new Date(0) } as never
    for (let i = 0; i < 3; i++) expect(predictor.predictSync(input).failureProbability).toBeGreaterThan(0)
    expect(logger.warnings).toEqual([expect.stringContaining("A prediction was not logged (ERR_INVALID_FEATURE: Invalid feature 'prediction.features.seenAt'")])
    await predictor.close()
  })
})

describe('a monitor whose registry moved after it read it', () => {
  // A registry stand-in: the state a monitor reads, and the rollback it then asks for.
  function registryStub(rollback: (options: Record<string, unknown>) => Promise<unknown>) {
    const state = {
      revision: 7,
      current: 'v2',
      previous: ['v1'],
      challenger: null,
      history: [{ action: 'promote', version: 'v2', from: 'v1', at: new Date(Date.now() - 60_000).toISOString() }],
    }
    return {
      state: async () => state,
      manifest: async () => ({ workflows: { freestyle: { origin: 'trained', modelVersion: 'm2' } } }),
      rollback,
    }
  }

  async function degradedStore() {
    const store = await OutcomeStore.open(path.join(tempDir('moved-registry'), 'o.sqlite'), { flushIntervalMs: 0 })
    // m2 says 0.95 for runs that all succeed: far worse than the 0.2 it was promoted with.
    for (let i = 0; i < 40; i++) store.logPrediction({ predictionId: `p${i}`, workflowType: 'freestyle', modelVersion: 'm2', probability: 0.95 })
    await store.recordOutcomes(Array.from({ length: 40 }, (_, i) => ({ predictionId: `p${i}`, failed: false })))
    return store
  }

  const options = { degradation: { minRows: 10, margin: 0.05, alpha: 0.05 } }
  const champion = [{ workflowType: 'freestyle' as const, modelVersion: 'm2', logLoss: 0.2 }]

  it('rolls back only the state it read: ifCurrent and ifRevision go with the decision', async () => {
    const store = await degradedStore()
    const asked: Array<Record<string, unknown>> = []
    const registry = registryStub(async (o) => {
      asked.push(o)
      return { current: 'v1' }
    })
    const events = await new Monitor({ store, registry: registry as never, options }).evaluate({ champion, challenger: null })
    expect(events.map((e) => e.type)).toEqual(['degraded', 'rolledBack'])
    expect(asked).toEqual([expect.objectContaining({ ifCurrent: 'v2', ifRevision: 7 })])
    await store.close()
  })

  it('skips the decision, without an error, when the registry refuses it as stale', async () => {
    const store = await degradedStore()
    const stale = Object.assign(new Error('Models registry x: revision 9 is current now, not revision 7'), { code: 'ERR_VERSION_CHANGED' })
    const registry = registryStub(async () => {
      throw stale
    })
    const events = await new Monitor({ store, registry: registry as never, options }).evaluate({ champion, challenger: null })
    expect(events.map((e) => e.type)).toEqual(['degraded'])
    await store.close()
  })
})
