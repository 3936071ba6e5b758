// Prediction ids are made in batches (lib/prediction-ids.js): each must be
// an RFC 9562 version-4 UUID, none may repeat within or across batches, and
// two module instances (two Jest files, two workers) must not share a stream.
import { WorkflowPredictor } from '../workflow-predictors'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (): { newPredictionId: () => string } => require('../lib/prediction-ids')
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('prediction ids', () => {
  it('are version-4 UUIDs that never repeat, across many batches', () => {
    const { newPredictionId } = load()
    const seen = new Set<string>()
    for (let i = 0; i < 20_000; i++) {
      const id = newPredictionId()
      expect(id).toMatch(UUID_V4)
      seen.add(id)
    }
    expect(seen.size).toBe(20_000)
  })

  it('use every hex digit in the random positions, evenly', () => {
    const { newPredictionId } = load()
    const counts = new Map<string, number>()
    const n = 4_000
    for (let i = 0; i < n; i++) {
      // The 30 fully random digits (without the version digit and the variant digit).
      const hex = newPredictionId().replace(/-/g, '')
      const random = hex.slice(0, 12) + hex.slice(13, 16) + hex.slice(17)
      for (const c of random) counts.set(c, (counts.get(c) ?? 0) + 1)
    }
    expect(counts.size).toBe(16)
    const expected = (n * 30) / 16
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.05)
  })

  it('differ between two instances of the module', () => {
    let a: string[] = []
    let b: string[] = []
    jest.isolateModules(() => {
      const { newPredictionId } = load()
      a = Array.from({ length: 100 }, newPredictionId)
    })
    jest.isolateModules(() => {
      const { newPredictionId } = load()
      b = Array.from({ length: 100 }, newPredictionId)
    })
    const both = new Set([...a, ...b])
    expect(both.size).toBe(200)
  })

  it('are what predictSync returns', () => {
    const predictor = new WorkflowPredictor({ logger: { warn() {} } })
    predictor.initializeSync()
    const ids = new Set<string>()
    for (let i = 0; i < 1_500; i++) {
      const p = predictor.predictSync({ workflowType: 'freestyle', transcriptionAccuracy: 0.9 } as never)
      expect(p.predictionId).toMatch(UUID_V4)
      ids.add(p.predictionId)
    }
    expect(ids.size).toBe(1_500)
  })
})
