'use strict'
// Every value the package hands to JavaScript must belong to the caller's
// realm. Jest evaluates each test file (and every module it requires, this
// one and the package's .js files included) in a vm context of its own, so
// the constructors below are that context's: `toBeInstanceOf` and
// `toStrictEqual` against literals fail for objects made in another realm
// (the main context, where the addon lives). The same checks run from a
// TypeScript test file (ts-jest) and a plain CommonJS one.

const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')
const OLD_MODELS_DIR = path.join(ROOT, 'fixtures', 'ts-ml-engine', 'models')
const GOLDEN = JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures', 'ts-parity', 'golden.json'), 'utf8'))

function versionOf(file) {
  return `sha256:${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16)}`
}

function thrown(f) {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

/** Register the realm suite. `api` is the package root, as the test file imported it. */
module.exports = function realmChecks(api, { describe, it, expect, beforeAll }) {
  const first = GOLDEN.cases[0]
  const silent = { warn() {} }
  const predictor = new api.WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, logger: silent })
  beforeAll(() => predictor.initialize())

  /** The golden prediction as a literal of this realm, with the fields the new engine adds. */
  function expectedPrediction(c, p) {
    return {
      ...c.prediction,
      // exp() may differ in the last bit from JavaScript's (see fixtures/ts-parity/README.md).
      failureProbability: p.failureProbability,
      confidence: p.confidence,
      imputedFeatures: [],
      modelVersion: versionOf(path.join(OLD_MODELS_DIR, `${c.workflowType}-model.json`)),
      verdict: null,
      // New at every call (a UUID); its own suite checks its form and uniqueness.
      predictionId: p.predictionId,
    }
  }

  describe("values are the caller's realm's", () => {
    it('predict: a Promise of a plain object with plain arrays', async () => {
      const pending = predictor.predict(first.input)
      expect(pending).toBeInstanceOf(Promise)
      const p = await pending
      expect(p).toBeInstanceOf(Object)
      expect(p.criticalFactors).toBeInstanceOf(Array)
      for (const f of p.criticalFactors) expect(f).toBeInstanceOf(Object)
      expect(p.recommendations).toBeInstanceOf(Array)
      expect(p.imputedFeatures).toBeInstanceOf(Array)
      expect(Math.abs(p.failureProbability - first.prediction.failureProbability)).toBeLessThanOrEqual(1e-12)
      expect(p).toStrictEqual(expectedPrediction(first, p))
    })

    it('predictSync, with an imputed field, and from the N-API path', () => {
      const partial = { ...first.input }
      delete partial.sampleRate
      const p = predictor.predictSync(partial)
      expect(p.imputedFeatures).toBeInstanceOf(Array)
      expect(p.imputedFeatures).toStrictEqual(['sampleRate'])
      // An object the JS reader hands to the N-API path (an inherited
      // workflowType is still read there) builds the same way.
      const inherited = Object.create({ workflowType: first.input.workflowType })
      Object.assign(inherited, first.input)
      delete inherited.workflowType
      const q = predictor.predictSync(inherited)
      expect(q.criticalFactors).toBeInstanceOf(Array)
      expect(q).toStrictEqual(expectedPrediction(first, q))
    })

    it('predictBatch: a Promise of an Array of plain objects', async () => {
      const cases = GOLDEN.cases.filter((_, i) => i % 150 === 0)
      const pending = predictor.predictBatch(cases.map((c) => c.input))
      expect(pending).toBeInstanceOf(Promise)
      const batch = await pending
      expect(batch).toBeInstanceOf(Array)
      expect(batch).toStrictEqual(cases.map((c, i) => expectedPrediction(c, batch[i])))
      expect(predictor.predictBatchSync([])).toStrictEqual([])
    })

    it('predictProbabilities, both layouts, and the async form: Float64Arrays', async () => {
      const cases = GOLDEN.cases.filter((c) => c.workflowType === 'ai-memory').slice(0, 3)
      const rows = new Float64Array(cases.flatMap((c) => c.vector.map(([, v]) => v)))
      const vector = predictor.predictProbabilities('ai-memory', rows)
      expect(vector).toBeInstanceOf(Float64Array)
      const raw = predictor.predictProbabilities('ai-memory', cases.map((c) => c.input), { layout: 'raw' })
      expect(raw).toBeInstanceOf(Float64Array)
      expect(raw).toStrictEqual(new Float64Array(Array.from(vector)))
      const pending = predictor.predictProbabilitiesAsync('ai-memory', rows)
      expect(pending).toBeInstanceOf(Promise)
      const later = await pending
      expect(later).toBeInstanceOf(Float64Array)
      expect(later).toStrictEqual(new Float64Array(Array.from(vector)))
    })

    it('featuresToVector, getFeatureNames, getCriticalFeatures, WORKFLOW_TYPES', () => {
      const vector = api.featuresToVector(first.input)
      expect(vector).toBeInstanceOf(Object)
      expect(vector).toStrictEqual(Object.fromEntries(first.vector))
      // Through the N-API path too (an object the reader hands over).
      const inherited = Object.assign(Object.create({ workflowType: first.input.workflowType }), first.input)
      delete inherited.workflowType
      expect(api.featuresToVector(inherited)).toStrictEqual(Object.fromEntries(first.vector))
      const names = api.getFeatureNames(first.workflowType)
      expect(names).toBeInstanceOf(Array)
      expect(names).toStrictEqual(first.vector.map(([n]) => n))
      const critical = api.getCriticalFeatures(first.workflowType)
      expect(critical).toBeInstanceOf(Array)
      expect(critical).toStrictEqual(first.criticalFeatures)
      expect(api.WORKFLOW_TYPES).toBeInstanceOf(Array)
      expect([...api.WORKFLOW_TYPES]).toStrictEqual(GOLDEN.meta.workflows)
      expect(Object.isFrozen(api.WORKFLOW_TYPES)).toBe(true)
    })

    it('getModelStats and getAllModels', () => {
      const stats = predictor.getModelStats(first.workflowType)
      expect(stats).toBeInstanceOf(Object)
      expect(stats.featureNames).toBeInstanceOf(Array)
      expect(stats).toStrictEqual(JSON.parse(fs.readFileSync(path.join(OLD_MODELS_DIR, `${first.workflowType}-model.json`), 'utf8')))
      const all = predictor.getAllModels()
      expect(all).toBeInstanceOf(Array)
      expect(all.map((m) => m.workflowType)).toStrictEqual(GOLDEN.meta.workflows)
    })

    it('the train summaries and generateTrainingData', async () => {
      const counts = { 'ai-memory': 60 }
      const pending = api.generateTrainingData({ seed: 3, counts })
      expect(pending).toBeInstanceOf(Promise)
      const scenarios = await pending
      expect(scenarios).toBeInstanceOf(Array)
      expect(scenarios[0]).toBeInstanceOf(Object)
      const sync = api.generateTrainingDataSync({ seed: 3, counts })
      expect(sync).toBeInstanceOf(Array)
      expect(sync).toStrictEqual(JSON.parse(JSON.stringify(scenarios)))
      const training = api.train({ seed: 3, counts, outDir: null, bootstrapResamples: 10 })
      expect(training).toBeInstanceOf(Promise)
      const summary = await training
      expect(summary).toBeInstanceOf(Object)
      expect(summary.models).toBeInstanceOf(Array)
      expect(summary.modelFiles).toBeInstanceOf(Array)
      expect(summary.written).toStrictEqual([])
      const again = api.trainSync({ seed: 3, counts, outDir: null, bootstrapResamples: 10, trainedAt: summary.trainedAt })
      expect(again.models).toBeInstanceOf(Array)
      expect(again.modelFiles).toStrictEqual(JSON.parse(JSON.stringify(summary.modelFiles)))
      const rows = scenarios.filter((s) => s.workflowType === 'ai-memory')
      const one = api.trainWorkflowModel('ai-memory', rows, { bootstrapResamples: 10 })
      expect(one).toBeInstanceOf(Promise)
      const model = await one
      expect(model).toBeInstanceOf(Object)
      expect(model.featureNames).toBeInstanceOf(Array)
      expect(model.workflowType).toBe('ai-memory')
    })

    it('errors: TypeError and Error of this realm, with their codes, thrown and rejected', async () => {
      const invalid = thrown(() => predictor.predictSync({ ...first.input, sampleRate: 'fast' }))
      expect(invalid).toBeInstanceOf(TypeError)
      expect(invalid).toMatchObject({ code: 'ERR_INVALID_FEATURE' })
      const missing = thrown(() => predictor.predictSync({ ...first.input, workflowType: 'karaoke' }))
      expect(missing).toBeInstanceOf(Error)
      expect(missing.message).toBe('No model found for workflow: karaoke')
      await expect(predictor.predict(null)).rejects.toBeInstanceOf(TypeError)
      await expect(predictor.predictBatch([first.input, 5])).rejects.toBeInstanceOf(TypeError)
      const unknownField = thrown(() => {
        const strict = new api.WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, strict: true, logger: silent })
        strict.initializeSync()
        strict.predictSync({ ...first.input, microphonePermision: false })
      })
      expect(unknownField).toBeInstanceOf(TypeError)
      expect(unknownField.code).toBe('ERR_UNKNOWN_FIELD')
      expect(thrown(() => api.featuresToVector({ workflowType: 'karaoke' }))).toBeInstanceOf(Error)
      expect(thrown(() => api.getFeatureNames('karaoke'))).toBeInstanceOf(Error)
      const badRows = thrown(() => predictor.predictProbabilities('ai-memory', new Float64Array(3)))
      expect(badRows).toBeInstanceOf(Error)
      expect(badRows.code).toBe('ERR_INVALID_ARG')
      expect(thrown(() => predictor.predictProbabilities('ai-memory', [1]))).toBeInstanceOf(TypeError)
      await expect(api.train({ folds: 1 })).rejects.toBeInstanceOf(Error)
      await expect(api.generateTrainingData({ seed: -1 })).rejects.toBeInstanceOf(Error)
      const beforeInit = thrown(() => new api.WorkflowPredictor({ modelsDir: OLD_MODELS_DIR }).predictSync(first.input))
      expect(beforeInit).toBeInstanceOf(Error)
      expect(beforeInit.code).toBe('ERR_NOT_INITIALIZED')
    })

    it('initialize() and getWorkflowPredictor() return Promises', async () => {
      const p = new api.WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, logger: silent })
      const init = p.initialize()
      expect(init).toBeInstanceOf(Promise)
      await init
      const modelSources = p.modelSources
      expect(modelSources).toBeInstanceOf(Object)
      expect(Object.keys(modelSources)).toStrictEqual(GOLDEN.meta.workflows)
    })
  })
}
