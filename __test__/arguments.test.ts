// Options and arguments outside the feature objects: a wrong type, an empty
// path or an unknown key is refused with ERR_INVALID_ARG naming it, never
// quietly replaced by a default (found by an adversarial review; each case
// below was once accepted).
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { trainSync, train, trainWorkflowModel } from '../train-workflow-models'
import { generateTrainingDataSync } from '../generate-training-data'
import { featuresToVector, getFeatureNames } from '../workflow-features'
import { WorkflowPredictor, getWorkflowPredictor } from '../workflow-predictors'
import { Monitor, OutcomeStore } from '../production'
import { OLD_MODELS_DIR, sampleInputs, tempDir } from './helpers'

const samples = sampleInputs()

function thrown(f: () => unknown): Error & { code?: string } {
  try {
    f()
  } catch (e) {
    return e as never
  }
  throw new Error('expected a throw')
}

const invalid = (message: string) => expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG', message })

describe('training and generation options', () => {
  it.each([
    [5, 'number 5'],
    [true, 'boolean'],
    [[], 'array'],
    [null, 'null'],
  ])('refuses counts %p', (counts, received) => {
    const message = `Invalid argument 'counts': expected an object of scenario counts by workflow type, received ${received}`
    expect(thrown(() => trainSync({ counts: counts as never, outDir: null }))).toEqual(invalid(message))
    expect(thrown(() => generateTrainingDataSync({ counts: counts as never }))).toEqual(invalid(message))
  })

  it('refuses an empty output path instead of writing into the working directory', async () => {
    const cwd = tempDir('empty-out')
    const before = process.cwd()
    process.chdir(cwd)
    try {
      await expect(train({ outDir: '' })).rejects.toEqual(invalid("Invalid argument 'outDir': expected a non-empty directory path or null, received an empty string"))
      expect(thrown(() => generateTrainingDataSync({ outputPath: '' }))).toEqual(invalid("Invalid argument 'outputPath': expected a non-empty file path, received an empty string"))
      expect(fs.readdirSync(cwd)).toEqual([])
    } finally {
      process.chdir(before)
    }
  })

  it('trainWorkflowModel refuses the options of train() it would ignore', async () => {
    const rows = [{ features: samples.freestyle, failed: true }]
    const given = { outDir: 'models', counts: { freestyle: 5 }, onProgress: () => {}, registry: true }
    for (const [key, value] of Object.entries(given)) {
      await expect(trainWorkflowModel('freestyle', rows, { [key]: value } as never)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARG',
        message: expect.stringContaining(`unknown option '${key}'`),
      })
    }
  })
})

describe("napi-rs's conversion failures, in the caller's terms", () => {
  it.each([
    [{ folds: '5' }, "Invalid argument 'folds': expected a number, received string"],
    [{ split: 5 }, "Invalid argument 'split': expected a string, received number"],
    [{ skipInvalid: 'yes' }, "Invalid argument 'skipInvalid': expected a boolean"],
    [{ counts: { freestyle: '5' } }, "Invalid argument 'counts': expected a number, received string"],
  ])('trainSync(%p)', (options, message) => {
    expect(thrown(() => trainSync({ ...options, outDir: null } as never))).toEqual(invalid(message))
  })

  it('shows a number from JavaScript as JavaScript does', () => {
    // A value of the right type out of range: the engine's own check (an Error, as the README's table says).
    expect(thrown(() => trainSync({ seed: Infinity, outDir: null }))).toMatchObject({
      code: 'ERR_INVALID_ARG',
      message: "Invalid argument 'seed': expected a whole number from 0 to 2^53 - 1, received Infinity",
    })
  })

  it('names workflowType where a function takes one', async () => {
    const message = "Invalid argument 'workflowType': expected a workflow type string, received undefined"
    expect(thrown(() => getFeatureNames(undefined as never))).toEqual(invalid(message))
    const predictor = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR })
    await predictor.initialize()
    expect(thrown(() => predictor.predictProbabilities(undefined as never, new Float64Array(0)))).toEqual(invalid(message))
    await expect(predictor.predictProbabilitiesAsync(undefined as never, new Float64Array(0))).rejects.toEqual(invalid(message))
    await predictor.close()
  })
})

describe('keys set to undefined', () => {
  it('count as absent, as when options are spread from another call', () => {
    expect(Object.keys(featuresToVector(samples.freestyle as never, { strict: false, stric: undefined } as never)).length).toBeGreaterThan(0)
    expect(() => new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, outDir: undefined } as never)).not.toThrow()
  })
})

describe('predictor and feature options', () => {
  it('refuses unknown keys and a bad modelsDir, in the constructor and getWorkflowPredictor', async () => {
    const e = thrown(() => new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, stict: true } as never))
    expect(e).toEqual(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("unknown option 'stict' (known: modelsDir,") }))
    for (const modelsDir of [5, '', null]) {
      expect(thrown(() => new WorkflowPredictor({ modelsDir } as never)).message).toMatch(/^Invalid argument 'modelsDir': expected a non-empty directory path, received /)
      await expect(getWorkflowPredictor({ modelsDir } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("'modelsDir'") })
    }
    await expect(getWorkflowPredictor({ bogus: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("unknown option 'bogus'") })
  })

  it('featuresToVector checks its options', () => {
    expect(thrown(() => featuresToVector(samples.freestyle as never, { strict: 'yes' } as never))).toEqual(invalid("Invalid argument 'strict': expected a boolean, received string"))
    expect(thrown(() => featuresToVector(samples.freestyle as never, { stric: true } as never))).toEqual(invalid("Invalid argument 'options': unknown option 'stric' (known: strict)"))
    expect(Object.keys(featuresToVector(samples.freestyle as never, { strict: true })).length).toBeGreaterThan(0)
  })

  it('predictProbabilities checks its options', async () => {
    const predictor = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR })
    await predictor.initialize()
    const rows = new Float64Array(0)
    expect(thrown(() => predictor.predictProbabilities('freestyle', rows, { layot: 'raw' } as never))).toEqual(invalid("Invalid argument 'options': unknown option 'layot' (known: layout)"))
    expect(thrown(() => predictor.predictProbabilities('freestyle', rows, 'raw' as never))).toEqual(invalid("Invalid argument 'options': expected an object, received string"))
    expect(predictor.predictProbabilities('freestyle', rows)).toHaveLength(0)
    await predictor.close()
  })
})

describe('outcome store paths and values', () => {
  it('refuses an empty or non-string store path instead of opening the configured store', () => {
    expect(thrown(() => OutcomeStore.openSync(''))).toEqual(invalid("Invalid argument 'storePath': expected a non-empty file path, or undefined for the configured store, received an empty string"))
    expect(thrown(() => OutcomeStore.openSync(5 as never)).message).toContain('received number 5')
  })

  it('refuses feature values that JSON would change, naming where they are', () => {
    const store = OutcomeStore.openSync(path.join(tempDir('faithful'), 'o.sqlite'), { flushIntervalMs: 0 })
    const features = samples.freestyle as never as Record<string, unknown>
    const numberField = Object.keys(features).find((k) => typeof features[k] === 'number')!
    const feature = (message: string) => expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_FEATURE', message })
    expect(thrown(() => store.recordOutcomeSync({ features: { ...features, [numberField]: new Number(5) } as never, failed: true }))).toEqual(
      feature(`Invalid feature 'outcome.features.${numberField}': is a Number object; pass the primitive value`),
    )
    expect(thrown(() => store.recordOutcomeSync({ features: { ...features, timestamp: new Date(0) } as never, failed: true }))).toEqual(
      feature("Invalid feature 'outcome.features.timestamp': is a Date with a toJSON method, which JSON would store in its place"),
    )
    expect(thrown(() => store.recordOutcomesSync([{ features: features as never, failed: true }, { features: { ...features, [numberField]: 10n } as never, failed: true }]))).toEqual(
      feature(`Invalid feature 'outcomes[1].features.${numberField}': is a BigInt, which JSON cannot store`),
    )
    expect(thrown(() => store.logPrediction({ predictionId: 'p', workflowType: 'freestyle', modelVersion: 'v', probability: 0.5, features: { ...features, [numberField]: NaN } }))).toEqual(
      feature(`Invalid feature 'prediction.features.${numberField}': is NaN, which JSON would store as null`),
    )
    expect(thrown(() => store.recordEventSync('custom', { live: { logLoss: Infinity } }))).toEqual(invalid("Invalid argument 'figures.live.logLoss': is Infinity, which JSON would store as null"))
    // Free-form figures convert as JSON does (a Date to its ISO text); only what JSON would lose is refused.
    store.recordEventSync('custom', { at: new Date(0), n: new Number(2) as never })
    expect(store.eventsSync({ kind: 'custom' }).events.at(-1)).toMatchObject({ kind: 'custom', figures: { at: '1970-01-01T00:00:00.000Z', n: 2 } })
    // Nothing of the refused calls was stored; valid ones still are.
    expect(store.countsSync()).toMatchObject({ predictions: 0, runOutcomes: 0, events: 1 })
    store.recordOutcomeSync({ features: features as never, failed: true })
    expect(store.countsSync()).toMatchObject({ runOutcomes: 1 })
    store.closeSync()
  })
})

describe('the CLI', () => {
  const CLI = path.join(__dirname, '..', 'bin', 'dawg-ml.js')
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tempDir('cli-args') })

  it('refuses an empty value and a workflow given twice in --counts', () => {
    const empty = run('train', '--out', '')
    expect([empty.status, empty.stderr]).toEqual([2, expect.stringContaining('--out needs a value, received an empty string')])
    const twice = run('train', '--no-write', '--counts', 'freestyle=30,freestyle=40')
    expect([twice.status, twice.stderr]).toEqual([2, expect.stringContaining('--counts: freestyle is given twice')])
  })

  it('takes an empty reason, which is text, not a path', () => {
    const r = run('models', 'promote', 'v1', '--models', tempDir('cli-models-empty'), '--reason', '')
    expect(r.stderr).not.toContain('needs a value')
    expect(r.status).toBe(1)
  })

  it('exits 2 on a value the engine refuses, as on any usage error', () => {
    const folds = run('train', '--no-write', '--folds', '1')
    expect([folds.status, folds.stderr]).toEqual([2, expect.stringContaining("[ERR_INVALID_ARG] Invalid argument 'folds'")])
    const id = run('models', 'promote', '../v1', '--models', tempDir('cli-models'))
    expect([id.status, id.stderr]).toEqual([2, expect.stringContaining("Invalid argument 'id': expected a version id such as v3 (or 3)")])
  })
})

describe('monitor options and inputs', () => {
  it.each([
    [{ drift: { threshold: 0 } }, "'monitor.drift.threshold': expected a number > 0, received 0"],
    [{ drift: { baselineRows: 1 } }, "'monitor.drift.baselineRows': expected a whole number ≥ 2, received 1"],
    [{ promotion: { alpha: 5 } }, "'monitor.promotion.alpha': expected a number between 0 and 1 (exclusive), received 5"],
    [{ promotion: { minPairs: 2.5 } }, "'monitor.promotion.minPairs': expected a whole number ≥ 2, received 2.5"],
    [{ degradation: { minRows: 0 } }, "'monitor.degradation.minRows': expected a whole number ≥ 2, received 0"],
    [{ window: { lst: 5 } }, "'monitor.window': unknown option 'lst' (known: last, first, since, until, ms, labelled)"],
    [{ window: -5 }, "'monitor.window': expected a whole number ≥ 1, received number -5"],
  ])('refuses %p when the monitor is made, not at every evaluation', (monitor, message) => {
    const expected = invalid(`Invalid argument ${message}`)
    // In a predictor: at construction, before any store is opened.
    expect(thrown(() => new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, store: path.join(tempDir('monitor-options'), 'o.sqlite'), monitor: monitor as never }))).toEqual(expected)
    const store = OutcomeStore.openSync(path.join(tempDir('monitor-options'), 'o.sqlite'))
    expect(thrown(() => new Monitor({ store, registry: null, options: monitor as never }))).toEqual(expected)
    store.closeSync()
  })

  it('checks its parts and the input of evaluate', async () => {
    expect(thrown(() => new (Monitor as never as new () => unknown)())).toEqual(invalid("Invalid argument 'parts': expected an object { store, registry, options }, received undefined"))
    expect(thrown(() => new Monitor({ store: {} as never, registry: null }))).toEqual(invalid("Invalid argument 'store': expected an open OutcomeStore, received object"))
    const store = OutcomeStore.openSync(path.join(tempDir('monitor-input'), 'o.sqlite'))
    const monitor = new Monitor({ store, registry: null })
    await expect(monitor.evaluate({} as never)).rejects.toEqual(invalid("Invalid argument 'champion': expected an array of { workflowType, modelVersion }, received undefined"))
    await expect(monitor.evaluate({ champion: [], challenger: { version: 'v2' } as never })).rejects.toEqual(invalid("Invalid argument 'challenger': expected null or { version, models: [...] }, received object"))
    expect(await monitor.evaluate({ champion: [], challenger: null })).toEqual([])
    store.closeSync()
  })
})
