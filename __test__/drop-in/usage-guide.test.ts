// The old engine's usage-guide example for Jest, as existing suites have it:
// the singleton, a prediction before the workflow runs, and the guide's own
// assertions, `toBeInstanceOf(Array)` among them (objects built in another
// realm than the test file's would fail it). Against the shipped models.
// The one change `tsc --strict` needs is the typed `let predictor` (see the
// README's migration section).
import { getWorkflowPredictor, WorkflowPredictor } from './ml-engine/workflow-predictors'
import type { FreestyleFeatures } from './ml-engine/workflow-features'

describe('Freestyle recording: predicted risk before the run', () => {
  let predictor: WorkflowPredictor

  beforeAll(async () => {
    predictor = await getWorkflowPredictor()
  })

  it('predicts failure probability, risk level, factors and recommendations', async () => {
    const features: FreestyleFeatures = {
      workflowType: 'freestyle',
      timestamp: new Date().toISOString(),
      networkLatencyMs: 120,
      apiAvailable: true,
      userConcurrency: 25,
      systemMemoryMB: 8192,
      cpuUtilization: 0.6,
      timeOfDay: new Date().getHours(),
      dayOfWeek: new Date().getDay(),
      isWeekend: false,
      microphonePermission: false,
      audioContextState: 'suspended',
      sampleRate: 48000,
      bufferSize: 4096,
      recordingDuration: 180,
      beatSyncEnabled: true,
      beatFileSize: 5_000_000,
      speechRecognitionSupported: true,
      transcriptionAccuracy: 0.6,
      languageModel: 'en-US',
      voiceCommandsEnabled: true,
      commandRecognitionRate: 0.8,
      currentTakeNumber: 1,
      totalTakes: 3,
      audioChunksCount: 120,
      lyricsSegmentsCount: 16,
      previousTranscriptionFailures: 2,
      previousAudioUploadFailures: 0,
      previousBeatSyncIssues: 1,
    }

    const prediction = await predictor.predict(features)

    expect(prediction.workflowType).toBe('freestyle')
    expect(prediction.failureProbability).toBeGreaterThanOrEqual(0)
    expect(prediction.failureProbability).toBeLessThanOrEqual(1)
    expect(['critical', 'high', 'medium', 'low']).toContain(prediction.riskLevel)
    expect(prediction.confidence).toBeGreaterThanOrEqual(0)
    expect(prediction.criticalFactors).toBeInstanceOf(Array)
    expect(prediction.criticalFactors.length).toBeLessThanOrEqual(5)
    expect(prediction.recommendations).toBeInstanceOf(Array)
    expect(prediction).toBeInstanceOf(Object)
    for (const factor of prediction.criticalFactors) {
      expect(factor).toEqual(expect.objectContaining({ feature: expect.any(String), value: expect.any(Number), weight: expect.any(Number), contribution: expect.any(Number) }))
    }
    // A denied microphone is the strongest driver the guide's example shows.
    expect(prediction.riskLevel).not.toBe('low')
    if (prediction.riskLevel === 'critical' || prediction.riskLevel === 'high') {
      expect(prediction.recommendations.length).toBeGreaterThan(0)
    }
  })

  it('predicts a batch of workflows at once', async () => {
    const predictions = await predictor.predictBatch([])
    expect(predictions).toBeInstanceOf(Array)
    expect(predictions).toEqual([])
  })
})
