// Every golden case of the old TypeScript engine reproduces exactly through the
// public JavaScript API (the same check runs in Rust in tests/golden_parity.rs).
import { featuresToVector, getCriticalFeatures, getWorkflowDisplayName } from '../workflow-features'
import { WorkflowPredictor } from '../workflow-predictors'
import { loadGolden, OLD_MODELS_DIR, recordingLogger } from './helpers'

const golden = loadGolden()

describe('golden parity with the old engine', () => {
  const predictor = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, logger: recordingLogger() })
  beforeAll(() => predictor.initialize())

  it('has 1,200 cases, 150 per workflow', () => {
    expect(golden.cases).toHaveLength(1200)
    for (const w of golden.meta.workflows) expect(golden.cases.filter((c) => c.workflowType === w)).toHaveLength(150)
  })

  it('reproduces vector keys, order and values exactly', () => {
    for (const c of golden.cases) {
      const vector = featuresToVector(c.input as never)
      expect([c.id, Object.entries(vector)]).toEqual([c.id, c.vector])
    }
  })

  it('reproduces critical features and display names', () => {
    for (const c of golden.cases) {
      expect(getCriticalFeatures(c.workflowType as never)).toEqual(c.criticalFeatures)
      expect(getWorkflowDisplayName(c.workflowType as never)).toBe(c.displayName)
    }
  })

  it('reproduces every prediction (probability and confidence within 1e-12, the rest exactly)', async () => {
    let matched = 0
    for (const c of golden.cases) {
      const p = await predictor.predict(c.input as never)
      const want = c.prediction
      expect(Math.abs(p.failureProbability - want.failureProbability)).toBeLessThanOrEqual(1e-12)
      expect(Math.abs(p.confidence - want.confidence)).toBeLessThanOrEqual(1e-12)
      expect([c.id, p.workflowType, p.riskLevel, p.criticalFactors, p.recommendations]).toEqual([
        c.id,
        want.workflowType,
        want.riskLevel,
        want.criticalFactors,
        want.recommendations,
      ])
      expect(p.imputedFeatures).toEqual([])
      matched++
    }
    expect(matched).toBe(1200)
  })

  it('gives the same results through predictBatch', async () => {
    const inputs = golden.cases.map((c) => c.input)
    const batch = await predictor.predictBatch(inputs as never)
    expect(batch).toHaveLength(1200)
    batch.forEach((p, i) => {
      expect(p.riskLevel).toBe(golden.cases[i].prediction.riskLevel)
      expect(Math.abs(p.failureProbability - golden.cases[i].prediction.failureProbability)).toBeLessThanOrEqual(1e-12)
    })
  })

  it('gives the same probabilities through the columnar API', () => {
    for (const w of golden.meta.workflows) {
      const cases = golden.cases.filter((c) => c.workflowType === w)
      const d = cases[0].vector.length
      const rows = new Float64Array(cases.length * d)
      cases.forEach((c, i) => c.vector.forEach(([, v], j) => (rows[i * d + j] = v)))
      const probs = predictor.predictProbabilities(w as never, rows)
      expect(probs).toBeInstanceOf(Float64Array)
      expect(probs).toHaveLength(cases.length)
      cases.forEach((c, i) => expect(Math.abs(probs[i] - c.prediction.failureProbability)).toBeLessThanOrEqual(1e-12))
      // The raw layout validates and vectorises the objects itself.
      const fromRaw = predictor.predictProbabilities(w as never, cases.map((c) => c.input) as never, { layout: 'raw' })
      expect(Array.from(fromRaw)).toEqual(Array.from(probs))
    }
  })

  it('gives the same probabilities off the JS thread', async () => {
    const cases = golden.cases.filter((c) => c.workflowType === 'ai-memory')
    const d = cases[0].vector.length
    const rows = new Float64Array(cases.flatMap((c) => c.vector.map(([, v]) => v)))
    expect(rows).toHaveLength(cases.length * d)
    const probs = await predictor.predictProbabilitiesAsync('ai-memory', rows)
    expect(probs).toBeInstanceOf(Float64Array)
    expect(Array.from(probs)).toEqual(Array.from(predictor.predictProbabilities('ai-memory', rows)))
  })
})
