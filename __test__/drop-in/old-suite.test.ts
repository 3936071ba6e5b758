// An existing suite, unchanged: it imports the old engine by relative path.
import path from 'node:path'
import { getWorkflowPredictor, WorkflowPredictor } from './ml-engine/workflow-predictors'
import { featuresToVector, getWorkflowDisplayName, type FreestyleFeatures } from './ml-engine/workflow-features'

const packageRoot = path.resolve(__dirname, '..', '..')

describe('existing imports through ./ml-engine/*', () => {
  it('resolve to the native package', () => {
    expect(require.resolve('./ml-engine/workflow-predictors')).toBe(path.join(packageRoot, 'workflow-predictors.js'))
    expect(require.resolve('./ml-engine/workflow-features')).toBe(path.join(packageRoot, 'workflow-features.js'))
  })

  it('predict with the singleton and the shipped models', async () => {
    const predictor = await getWorkflowPredictor()
    expect(predictor).toBeInstanceOf(WorkflowPredictor)
    expect(await getWorkflowPredictor()).toBe(predictor)
    expect(predictor.getAllModels()).toHaveLength(8)
    const features: FreestyleFeatures = {
      workflowType: 'freestyle', timestamp: new Date(0).toISOString(),
      networkLatencyMs: 40, apiAvailable: true, userConcurrency: 3, systemMemoryMB: 16384, cpuUtilization: 0.2,
      timeOfDay: 14, dayOfWeek: 2, isWeekend: false,
      microphonePermission: true, audioContextState: 'running', sampleRate: 48000, bufferSize: 512,
      recordingDuration: 90, beatSyncEnabled: true, beatFileSize: 4_000_000, speechRecognitionSupported: true,
      transcriptionAccuracy: 0.92, languageModel: 'en-US', voiceCommandsEnabled: false, commandRecognitionRate: 0.9,
      currentTakeNumber: 1, totalTakes: 1, audioChunksCount: 30, lyricsSegmentsCount: 8,
      previousTranscriptionFailures: 0, previousAudioUploadFailures: 0, previousBeatSyncIssues: 0,
    }
    const p = await predictor.predict(features)
    expect(p.riskLevel).toBe('low')
    expect(Object.keys(featuresToVector(features))[8]).toBe('micPermission')
    expect(getWorkflowDisplayName('freestyle')).toBe('Freestyle Recording')
  })
})

describe('the training modules through relative paths', () => {
  it('resolve through a path with directories before ml-engine', async () => {
    const { generateTrainingData } = await import('../drop-in/ml-engine/generate-training-data')
    const { trainWorkflowModel } = await import('./ml-engine/train-workflow-models')
    expect(require.resolve('../drop-in/ml-engine/generate-training-data')).toBe(path.join(packageRoot, 'generate-training-data.js'))
    const rows = (await generateTrainingData({ seed: 2, counts: { 'ai-memory': 120 } })).filter((s) => s.workflowType === 'ai-memory')
    expect(rows).toHaveLength(120)
    const model = await trainWorkflowModel('ai-memory', rows)
    expect(model.workflowType).toBe('ai-memory')
  })
})
