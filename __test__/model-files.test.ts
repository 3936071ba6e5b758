// Model files: old files load and ignore unknown fields; a missing or corrupt
// file is skipped with a warning naming it, and nothing crashes.
import fs from 'node:fs'
import path from 'node:path'
import { WorkflowPredictor } from '../workflow-predictors'
import { OLD_MODELS_DIR, recordingLogger, sampleInputs, tempDir } from './helpers'

const samples = sampleInputs()

function copyOldModels(): string {
  const dir = tempDir('models')
  for (const f of fs.readdirSync(OLD_MODELS_DIR)) fs.copyFileSync(path.join(OLD_MODELS_DIR, f), path.join(dir, f))
  return dir
}

describe('model files', () => {
  it('loads all 8 old model files and exposes them as before', async () => {
    const logger = recordingLogger()
    const p = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, logger })
    await p.initialize()
    expect(logger.warnings).toEqual([])
    expect(p.getAllModels().map((m) => m.workflowType)).toEqual([
      'freestyle', 'melody-to-vocals', 'stem-separation', 'ai-mastering',
      'live-vocal-analysis', 'ai-memory', 'voice-commands', 'budget-alerts',
    ])
    const old = JSON.parse(fs.readFileSync(path.join(OLD_MODELS_DIR, 'freestyle-model.json'), 'utf8'))
    expect(p.getModelStats('freestyle')).toEqual(old)
    expect(p.getModelStats('karaoke' as never)).toBeUndefined()
  })

  it('skips a corrupt, a missing and a mismatched file with warnings that name them', async () => {
    const dir = copyOldModels()
    fs.writeFileSync(path.join(dir, 'ai-memory-model.json'), '{"workflowType": "ai-memory", "weights": ')
    fs.rmSync(path.join(dir, 'budget-alerts-model.json'))
    fs.copyFileSync(path.join(OLD_MODELS_DIR, 'freestyle-model.json'), path.join(dir, 'voice-commands-model.json'))
    const logger = recordingLogger()
    const p = new WorkflowPredictor({ modelsDir: dir, logger })
    await p.initialize()
    expect(logger.warnings).toHaveLength(3)
    expect(logger.warnings[0]).toContain(path.join(dir, 'ai-memory-model.json'))
    expect(logger.warnings[1]).toContain('voice-commands-model.json')
    expect(logger.warnings[1]).toContain("expected 'voice-commands'")
    expect(logger.warnings[2]).toContain(path.join(dir, 'budget-alerts-model.json'))
    expect(p.getAllModels()).toHaveLength(5)
    await expect(p.predict(samples['ai-memory'] as never)).rejects.toMatchObject({
      code: 'ERR_MODEL_NOT_FOUND',
      message: 'No model found for workflow: ai-memory',
    })
    await expect(p.predict(samples.freestyle as never)).resolves.toHaveProperty('workflowType', 'freestyle')
  })

  it('ignores unknown fields and weights for features the vector lacks', async () => {
    const dir = copyOldModels()
    const file = path.join(dir, 'freestyle-model.json')
    const model = JSON.parse(fs.readFileSync(file, 'utf8'))
    const before = await new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR }).initialize().then(() => 0)
    expect(before).toBe(0)
    fs.writeFileSync(file, JSON.stringify({ ...model, futureField: { nested: true }, weights: { ...model.weights, noSuchFeature: 99 } }))
    const original = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR })
    const extended = new WorkflowPredictor({ modelsDir: dir })
    original.initializeSync()
    extended.initializeSync()
    const { modelVersion: extendedVersion, predictionId: a, ...fromExtended } = extended.predictSync(samples.freestyle as never)
    const { modelVersion: originalVersion, predictionId: b, ...fromOriginal } = original.predictSync(samples.freestyle as never)
    expect(a).not.toBe(b)
    expect(fromExtended).toEqual(fromOriginal)
    // A different file is a different model version.
    expect(extendedVersion).not.toBe(originalVersion)
    expect(extended.getModelStats('freestyle')).toHaveProperty('futureField', { nested: true })
  })

  it('loads nothing from a directory that does not exist, with 8 warnings', () => {
    const logger = recordingLogger()
    const p = new WorkflowPredictor({ modelsDir: path.join(tempDir('none'), 'missing'), logger })
    p.initializeSync()
    expect(logger.warnings).toHaveLength(8)
    expect(p.getAllModels()).toEqual([])
  })
})
