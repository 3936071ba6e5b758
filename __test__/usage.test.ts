// The old engine's documented usage examples, against the models shipped in
// models/ (trained by `npm run train`).
import { getWorkflowPredictor, WorkflowPredictor } from '../workflow-predictors'
import type { FreestyleFeatures, WorkflowFeatures } from '../workflow-features'
import { sampleInputs } from './helpers'

const RISK_LEVELS = ['critical', 'high', 'medium', 'low']

describe('usage examples with the shipped models', () => {
  let predictor: WorkflowPredictor
  beforeAll(async () => {
    predictor = await getWorkflowPredictor()
  })

  it('loads all 8 shipped models, trained by this engine', () => {
    const models = predictor.getAllModels()
    expect(models).toHaveLength(8)
    for (const m of models) {
      // Each workflow's family is the one cross-validation chose; every
      // shipped model records both families' scores.
      const selection = m.selection as { modelType: string; families: Array<{ modelType: string }> }
      expect(m.modelType).toBe(selection.modelType)
      expect(selection.families.map((f) => f.modelType)).toEqual(['logistic-regression-l2', 'gradient-boosted-trees'])
      expect(m.featureMeans).toBeObject()
      expect(m.verdict).toBe('ok')
    }
  })

  it('predicts a complete FreestyleFeatures object with the full result shape', async () => {
    const features: FreestyleFeatures = {
      workflowType: 'freestyle',
      timestamp: new Date().toISOString(),
      networkLatencyMs: 45,
      apiAvailable: true,
      userConcurrency: 12,
      systemMemoryMB: 16384,
      cpuUtilization: 0.35,
      timeOfDay: 15,
      dayOfWeek: 3,
      isWeekend: false,
      microphonePermission: true,
      audioContextState: 'running',
      sampleRate: 48000,
      bufferSize: 4096,
      recordingDuration: 180,
      beatSyncEnabled: true,
      beatFileSize: 5_000_000,
      speechRecognitionSupported: true,
      transcriptionAccuracy: 0.85,
      languageModel: 'en-US',
      voiceCommandsEnabled: true,
      commandRecognitionRate: 0.9,
      currentTakeNumber: 1,
      totalTakes: 3,
      audioChunksCount: 120,
      lyricsSegmentsCount: 16,
      previousTranscriptionFailures: 0,
      previousAudioUploadFailures: 0,
      previousBeatSyncIssues: 0,
    }
    const p = await predictor.predict(features)
    expect(p.workflowType).toBe('freestyle')
    expect(p.failureProbability).toBeWithin(0, 1)
    expect(p.riskLevel).toBeOneOf(RISK_LEVELS)
    expect(p.confidence).toBeGreaterThanOrEqual(0)
    expect(p.confidence).toBeLessThanOrEqual(1)
    expect(p.criticalFactors.length).toBeLessThanOrEqual(5)
    const model = predictor.getModelStats('freestyle')!
    for (const f of p.criticalFactors) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['feature', 'value', 'weight', 'contribution']))
      // New models explain with signed SHAP values in log-odds (see the README):
      // linear ones from the feature mean, tree ones by TreeSHAP.
      if (model.modelType === 'logistic-regression-l2') {
        expect(f.contribution).toBeCloseTo(f.weight * (f.value - model.featureMeans![f.feature]), 12)
      }
      expect(f.direction).toBe(f.contribution > 0 ? 'raises' : 'lowers')
      // Only entries the model reads are listed: none contributes exactly 0,
      // even the workflow's critical ones.
      expect(f.contribution).not.toBe(0)
    }
    expect(p.criticalFactors).toHaveLength(5)
    // Ranked by contribution toward failure, largest first.
    const contributions = p.criticalFactors.map((f) => f.contribution)
    expect(contributions).toEqual([...contributions].sort((a, b) => b - a))
    expect(p.recommendations).toBeArray()
    p.recommendations.forEach((r) => expect(r).toBeString())
    expect(p.imputedFeatures).toEqual([])
    // A healthy run is predicted as low risk by a model that learned anything.
    expect(p.riskLevel).toBe('low')
  })

  it('predicts a PARTIAL freestyle object as high or critical risk', async () => {
    const partial = {
      workflowType: 'freestyle',
      microphonePermission: false,
      audioContextState: 'suspended',
      transcriptionAccuracy: 0.4,
      previousTranscriptionFailures: 8,
    } as unknown as FreestyleFeatures
    const p = await predictor.predict(partial)
    expect(p.riskLevel).toBeOneOf(['high', 'critical'])
    expect(p.failureProbability).toBeGreaterThan(0.7)
    expect(p.imputedFeatures).toContain('sampleRate')
    expect(p.imputedFeatures).not.toContain('microphonePermission')
    expect(p.recommendations).toContain('Request microphone permission before starting recording')
  })

  it('predicts every workflow in one batch', async () => {
    const inputs = Object.values(sampleInputs()) as unknown as WorkflowFeatures[]
    const results = await predictor.predictBatch(inputs)
    expect(results.map((r) => r.workflowType)).toEqual(inputs.map((i) => i.workflowType))
    for (const r of results) expect(Number.isFinite(r.failureProbability)).toBe(true)
  })
})
