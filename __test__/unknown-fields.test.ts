// Keys that are not fields of the workflow (typos) are reported, never
// silently dropped, and never change a prediction.
import fs from 'node:fs'
import path from 'node:path'
import { WorkflowPredictor } from '../workflow-predictors'
import { OLD_MODELS_DIR, recordingLogger, sampleInputs, tempDir, withoutPredictionId } from './helpers'

const samples = sampleInputs()
const TYPO = "Unknown field for workflow 'freestyle': 'microphonePermision' is not a field of FreestyleFeatures (did you mean 'microphonePermission'?)"

function make(options: ConstructorParameters<typeof WorkflowPredictor>[0] = {}) {
  const logger = recordingLogger()
  const p = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, logger, ...options })
  p.initializeSync()
  return { p, logger }
}

describe('unknownFields', () => {
  const typo = { ...samples.freestyle, microphonePermision: false }

  it("'warn' (the default) warns once per workflow and key with a suggestion; the key changes nothing", () => {
    const { p, logger } = make()
    const clean = p.predictSync(samples.freestyle as never)
    expect(withoutPredictionId(p.predictSync(typo as never))).toEqual(withoutPredictionId(clean))
    expect(withoutPredictionId(p.predictSync(typo as never))).toEqual(withoutPredictionId(clean))
    expect(withoutPredictionId(p.predictBatchSync([typo, typo] as never))).toEqual(withoutPredictionId([clean, clean]))
    expect(logger.warnings).toEqual([`[ml-engine] ${TYPO}; the key is ignored`])
    // Another key, and the same key on another workflow, warn once each.
    p.predictSync({ ...samples.freestyle, extra: 1 } as never)
    p.predictSync({ ...samples['ai-memory'], microphonePermision: false } as never)
    expect(logger.warnings).toHaveLength(3)
    expect(logger.warnings[1]).toBe("[ml-engine] Unknown field for workflow 'freestyle': 'extra' is not a field of FreestyleFeatures; the key is ignored")
    expect(logger.warnings[2]).toContain("workflow 'ai-memory': 'microphonePermision' is not a field of AIMemoryFeatures")
  })

  it("'error', and strict: true, throw a TypeError ERR_UNKNOWN_FIELD naming the key", () => {
    for (const options of [{ unknownFields: 'error' as const }, { strict: true }]) {
      const { p } = make(options)
      expect(() => p.predictSync(typo as never)).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_FIELD', message: TYPO, name: 'TypeError' }))
      expect(() => p.predictBatchSync([samples.freestyle, typo] as never)).toThrow(`features[1]: ${TYPO}`)
      expect(() => p.predictProbabilities('freestyle', [samples.freestyle, typo] as never, { layout: 'raw' })).toThrow(`features[1]: ${TYPO}`)
    }
    // strict: true with an explicit 'warn' keeps warning.
    const { p, logger } = make({ strict: true, unknownFields: 'warn' })
    p.predictSync(typo as never)
    expect(logger.warnings).toHaveLength(1)
  })

  it("'ignore' says nothing; a bad value is refused with ERR_INVALID_ARG", () => {
    const { p, logger } = make({ unknownFields: 'ignore' })
    p.predictSync(typo as never)
    expect(logger.warnings).toEqual([])
    expect(() => new WorkflowPredictor({ unknownFields: 'loud' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: "Invalid argument 'unknownFields': expected one of 'warn', 'error', 'ignore', received \"loud\"" }),
    )
  })

  it('does not report keys of the schema set to undefined, nor inherited keys', () => {
    const { p, logger } = make({ unknownFields: 'error' })
    p.predictSync({ ...samples.freestyle, sampleRate: undefined } as never)
    p.predictSync(Object.assign(Object.create({ inheritedExtra: 1 }), samples.freestyle))
    expect(logger.warnings).toEqual([])
  })
})

describe('a prediction names its model', () => {
  it('carries modelVersion and verdict; a no-signal model warns once per workflow', () => {
    const dir = tempDir('no-signal')
    for (const f of fs.readdirSync(OLD_MODELS_DIR)) fs.copyFileSync(path.join(OLD_MODELS_DIR, f), path.join(dir, f))
    const file = path.join(dir, 'ai-memory-model.json')
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), verdict: 'no-signal' }))
    const { p, logger } = make({ modelsDir: dir })
    const memory = p.predictSync(samples['ai-memory'] as never)
    expect(memory.verdict).toBe('no-signal')
    expect(memory.modelVersion).toMatch(/^sha256:[0-9a-f]{16}$/)
    expect(memory.modelVersion).toBe(p.modelSources['ai-memory']!.modelVersion)
    p.predictSync(samples['ai-memory'] as never)
    p.predictSync(samples.freestyle as never)
    expect(logger.warnings).toHaveLength(1)
    expect(logger.warnings[0]).toMatch(/^\[ml-engine\] The ai-memory model \(sha256:[0-9a-f]{16}\) was trained with verdict 'no-signal'/)
    expect(p.predictSync(samples.freestyle as never).verdict).toBeNull()
  })

  it('an inconclusive model warns once per workflow too, with what the verdict means; ok and old files do not', () => {
    const dir = tempDir('inconclusive')
    for (const f of fs.readdirSync(OLD_MODELS_DIR)) fs.copyFileSync(path.join(OLD_MODELS_DIR, f), path.join(dir, f))
    const edit = (w: string, verdict: string) => {
      const file = path.join(dir, `${w}-model.json`)
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), verdict }))
    }
    edit('voice-commands', 'inconclusive')
    edit('ai-memory', 'ok')
    const { p, logger } = make({ modelsDir: dir })
    for (let i = 0; i < 3; i++) {
      expect(p.predictSync(samples['voice-commands'] as never).verdict).toBe('inconclusive')
      expect(p.predictSync(samples['ai-memory'] as never).verdict).toBe('ok')
      p.predictSync(samples.freestyle as never)
    }
    expect(logger.warnings).toEqual([
      expect.stringMatching(/^\[ml-engine\] The voice-commands model \(sha256:[0-9a-f]{16}\) was trained with verdict 'inconclusive': its evaluation could not tell a useful model from none \(too few rows or failures\); see TRAINING_REPORT.md$/),
    ])
  })
})
