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

// Hostile model directories (issue 12, faults 1, 2 and 11): nothing in them
// can hang initialize(), exhaust memory, or be read from outside.
describe('hostile model files', () => {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process')

  /** Load `dir` in a child process (a hang there fails the test instead of stalling Jest). */
  function loadInChild(dir: string, mode: 'sync' | 'async', options: Record<string, unknown> = {}): { warnings: string[]; loaded: string[] } {
    const script = `const { WorkflowPredictor } = require(${JSON.stringify(path.resolve(__dirname, '..', 'workflow-predictors'))});
      const warnings = []
      const p = new WorkflowPredictor({ modelsDir: process.argv[1], logger: { warn: (m) => warnings.push(m) }, ...JSON.parse(process.argv[2]) })
      const done = () => process.stdout.write(JSON.stringify({ warnings, loaded: Object.keys(p.modelSources) }))
      if (process.argv[3] === 'sync') { p.initializeSync(); done() } else p.initialize().then(done)`
    return JSON.parse(execFileSync(process.execPath, ['-e', script, dir, JSON.stringify(options), mode], { encoding: 'utf8', timeout: 30000 }))
  }

  const posix = process.platform === 'win32' ? it.skip : it

  posix('skips a FIFO, a link to /dev/zero and a directory without blocking, in both forms', () => {
    const dir = copyOldModels()
    execFileSync('mkfifo', [path.join(dir, 'freestyle-model.json')].map((f) => (fs.rmSync(f), f)))
    fs.rmSync(path.join(dir, 'ai-memory-model.json'))
    fs.symlinkSync('/dev/zero', path.join(dir, 'ai-memory-model.json'))
    fs.rmSync(path.join(dir, 'ai-mastering-model.json'))
    fs.mkdirSync(path.join(dir, 'ai-mastering-model.json'))
    for (const mode of ['sync', 'async'] as const) {
      const { warnings, loaded } = loadInChild(dir, mode)
      expect(loaded).toHaveLength(5)
      expect(warnings).toHaveLength(3)
      expect(warnings[0]).toBe(`[ml-engine] Skipping freestyle model: Invalid model file ${path.join(dir, 'freestyle-model.json')}: it is a FIFO (named pipe), not a regular file`)
      expect(warnings[1]).toBe(`[ml-engine] Skipping ai-mastering model: Invalid model file ${path.join(dir, 'ai-mastering-model.json')}: it is a directory, not a regular file`)
      expect(warnings[2]).toContain(`Skipping ai-memory model: Invalid model file ${path.join(dir, 'ai-memory-model.json')}: it is a symbolic link to /dev/zero, outside the models directory`)
    }
  })

  it('refuses a file over maxModelBytes (default 64 MiB), naming the file and the cap', () => {
    const dir = copyOldModels()
    // A sparse 65 MiB file: refused by its size, never read.
    const big = path.join(dir, 'budget-alerts-model.json')
    fs.truncateSync(big, 65 * 1024 * 1024)
    let { warnings } = loadInChild(dir, 'async')
    expect(warnings).toEqual([`[ml-engine] Skipping budget-alerts model: Invalid model file ${big}: ${65 * 1024 * 1024} bytes is more than the cap of ${64 * 1024 * 1024} bytes (the maxModelBytes option)`])
    const size = fs.statSync(path.join(dir, 'freestyle-model.json')).size
    ;({ warnings } = loadInChild(dir, 'sync', { maxModelBytes: size - 1 }))
    expect(warnings).toContain(`[ml-engine] Skipping freestyle model: Invalid model file ${path.join(dir, 'freestyle-model.json')}: ${size} bytes is more than the cap of ${size - 1} bytes (the maxModelBytes option)`)
    for (const bad of [0, -1, 1.5, '10', NaN]) {
      expect(() => new WorkflowPredictor({ modelsDir: dir, maxModelBytes: bad as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("'maxModelBytes'") }))
    }
  })

  it('parses no model file on the JS thread in initialize() (getModelStats parses on request)', async () => {
    const dir = copyOldModels()
    const file = path.join(dir, 'freestyle-model.json')
    const model = JSON.parse(fs.readFileSync(file, 'utf8'))
    fs.writeFileSync(file, JSON.stringify({ ...model, notes: 'x'.repeat(2_000_000) }))
    const parsed: number[] = []
    const parse = JSON.parse
    const p = new WorkflowPredictor({ modelsDir: dir, logger: recordingLogger() })
    JSON.parse = ((text: string, ...rest: never[]) => (parsed.push(String(text).length), parse(text, ...rest))) as typeof JSON.parse
    try {
      await p.initialize()
    } finally {
      JSON.parse = parse
    }
    expect(Math.max(...parsed)).toBeLessThan(100_000)
    expect(p.getModelStats('freestyle')).toHaveProperty('notes', 'x'.repeat(2_000_000))
  })

  posix('refuses a symbolic link that leads out of the models directory, and follows one inside it', () => {
    const dir = copyOldModels()
    const outside = copyOldModels()
    fs.rmSync(path.join(dir, 'freestyle-model.json'))
    fs.symlinkSync(path.join(outside, 'freestyle-model.json'), path.join(dir, 'freestyle-model.json'))
    fs.mkdirSync(path.join(dir, 'v2'))
    fs.renameSync(path.join(dir, 'ai-memory-model.json'), path.join(dir, 'v2', 'ai-memory-model.json'))
    fs.symlinkSync(path.join('v2', 'ai-memory-model.json'), path.join(dir, 'ai-memory-model.json'))
    const logger = recordingLogger()
    const p = new WorkflowPredictor({ modelsDir: dir, logger })
    p.initializeSync()
    expect(Object.keys(p.modelSources)).not.toContain('freestyle')
    expect(p.modelSources['ai-memory']?.path).toBe(path.join(dir, 'ai-memory-model.json'))
    expect(logger.warnings).toEqual([
      `[ml-engine] Skipping freestyle model: Invalid model file ${path.join(dir, 'freestyle-model.json')}: it is a symbolic link to ${fs.realpathSync(path.join(outside, 'freestyle-model.json'))}, outside the models directory ${fs.realpathSync(dir)}; refused`,
    ])
  })

  it('loads a model whose weights name no feature of its workflow, with a warning', () => {
    const dir = copyOldModels()
    const file = path.join(dir, 'voice-commands-model.json')
    const model = JSON.parse(fs.readFileSync(file, 'utf8'))
    model.weights = Object.fromEntries(Object.entries(model.weights).map(([k, v]) => [`${k}_v2`, v]))
    fs.writeFileSync(file, JSON.stringify(model))
    const logger = recordingLogger()
    const p = new WorkflowPredictor({ modelsDir: dir, logger })
    p.initializeSync()
    expect(Object.keys(p.modelSources)).toContain('voice-commands')
    expect(logger.warnings).toHaveLength(1)
    expect(logger.warnings[0]).toMatch(new RegExp(`^\\[ml-engine\\] The voice-commands model ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has ${Object.keys(model.weights).length} weights, and none names a feature of voice-commands \\(such as '.+_v2', '.+_v2', '.+_v2'\\): it predicts from its bias alone$`))
  })
})
