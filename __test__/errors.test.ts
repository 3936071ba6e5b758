// Bad input gets a clear, typed error naming the workflow and field; never NaN
// output or a silent coercion. Each case is checked for every workflow.
import { featuresToVector, getCriticalFeatures, getWorkflowDisplayName } from '../workflow-features'
import { WorkflowPredictor } from '../workflow-predictors'
import { loadGolden, OLD_MODELS_DIR, recordingLogger, sampleInputs } from './helpers'

const samples = sampleInputs()
const workflows = loadGolden().meta.workflows

/** The first field of each type in a workflow's sample. */
function fieldOfType(input: Record<string, unknown>, type: 'number' | 'boolean' | 'enum'): string {
  const skip = new Set(['workflowType', 'timestamp'])
  const enumFields: Record<string, string> = {
    freestyle: 'audioContextState',
    'melody-to-vocals': 'audioFormat',
    'stem-separation': '',
    'ai-mastering': '',
    'live-vocal-analysis': '',
    'ai-memory': 'operationType',
    'voice-commands': 'recognitionEngineType',
    'budget-alerts': 'alertSeverity',
  }
  if (type === 'enum') return enumFields[input.workflowType as string]
  return Object.keys(input).find((k) => !skip.has(k) && typeof input[k] === type)!
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (e) {
    return e as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

describe('invalid input', () => {
  const predictor = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, logger: recordingLogger() })
  const strict = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, strict: true, logger: recordingLogger() })
  beforeAll(async () => {
    await predictor.initialize()
    strict.initializeSync()
  })

  describe.each(workflows)('%s', (workflow) => {
    const base = samples[workflow]
    const numberField = fieldOfType(base, 'number')
    const boolField = fieldOfType(base, 'boolean')

    it.each([
      ['NaN', NaN, 'NaN'],
      ['Infinity', Infinity, 'Infinity'],
      ['-Infinity', -Infinity, '-Infinity'],
      ['null', null, 'null'],
      ['a numeric string', '12', 'string "12"'],
    ])('rejects %s in a number field with a TypeError', async (_label, bad, received) => {
      const e = await rejection(predictor.predict({ ...base, [numberField]: bad } as never))
      expect(e).toBeInstanceOf(TypeError)
      expect(e.code).toBe('ERR_INVALID_FEATURE')
      expect(e.message).toBe(
        `Invalid feature for workflow '${workflow}': field '${numberField}' expected a finite number, received ${received}`,
      )
    })

    it('rejects the string "false" in a boolean field instead of coercing it', async () => {
      const e = await rejection(predictor.predict({ ...base, [boolField]: 'false' } as never))
      expect(e).toBeInstanceOf(TypeError)
      expect(e.code).toBe('ERR_INVALID_FEATURE')
      expect(e.message).toBe(`Invalid feature for workflow '${workflow}': field '${boolField}' expected a boolean, received string "false"`)
    })

    // Stem separation, AI mastering and live vocal analysis have no enum field.
    const enumField = fieldOfType(base, 'enum')
    if (enumField) it('rejects an unknown enum value, listing the allowed ones', async () => {
      const e = await rejection(predictor.predict({ ...base, [enumField]: 'bogus' } as never))
      expect(e).toBeInstanceOf(TypeError)
      expect(e.code).toBe('ERR_INVALID_FEATURE')
      expect(e.message).toMatch(new RegExp(`^Invalid feature for workflow '${workflow}': field '${enumField}' expected one of '.+', received string "bogus"$`))
    })

    it('imputes a missing field, lists it, and keeps the output finite', async () => {
      const partial: Record<string, unknown> = { ...base }
      delete partial[numberField]
      delete partial[boolField]
      const p = await predictor.predict(partial as never)
      expect(p.imputedFeatures).toEqual(Object.keys(base).filter((k) => k === numberField || k === boolField))
      expect(Number.isFinite(p.failureProbability)).toBe(true)
      expect(p.failureProbability).toBeWithin(0, 1.0000001)
    })

    it('rejects a missing field in strict mode', async () => {
      const partial: Record<string, unknown> = { ...base }
      delete partial[numberField]
      const e = await rejection(strict.predict(partial as never))
      expect(e).toBeInstanceOf(TypeError)
      expect(e.code).toBe('ERR_MISSING_FEATURE')
      expect(e.message).toContain(`workflow '${workflow}': field '${numberField}'`)
      await expect(strict.predict(base as never)).resolves.toHaveProperty('imputedFeatures', [])
    })

    it('rejects the same way in featuresToVector', () => {
      expect(() => featuresToVector({ ...base, [numberField]: NaN } as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_FEATURE', name: 'TypeError' }),
      )
    })
  })

  it.each([
    ['null', null, 'received null'],
    ['a string', 'freestyle', 'received string "freestyle"'],
    ['a number', 42, 'received number 42'],
    ['an array', [1], 'received array'],
    ['undefined', undefined, 'received undefined'],
  ])('rejects %s as input with a TypeError', async (_label, input, received) => {
    const e = await rejection(predictor.predict(input as never))
    expect(e).toBeInstanceOf(TypeError)
    expect(e.code).toBe('ERR_INVALID_FEATURE')
    expect(e.message).toBe(`Invalid features: expected a feature object, received ${received.replace('received ', '')}`)
  })

  it('rejects a non-string workflowType', async () => {
    const e = await rejection(predictor.predict({ ...samples.freestyle, workflowType: 3 } as never))
    expect(e).toBeInstanceOf(TypeError)
    expect(e.code).toBe('ERR_INVALID_FEATURE')
    expect(e.message).toContain("'workflowType' is a string")
  })

  it('rejects an object without a workflowType with the old message', async () => {
    const { workflowType, ...rest } = samples.freestyle
    expect(workflowType).toBe('freestyle')
    await expect(predictor.predict(rest as never)).rejects.toMatchObject({ code: 'ERR_MODEL_NOT_FOUND', message: 'No model found for workflow: undefined' })
  })

  it('gives wrong argument types ERR_INVALID_ARG, not napi codes', () => {
    expect(() => getCriticalFeatures(5 as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG' }))
    expect(() => getWorkflowDisplayName(undefined as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }))
    expect(() => predictor.predictProbabilities(5 as never, [] as never, { layout: 'raw' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }))
    expect(() => getCriticalFeatures('karaoke' as never)).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_WORKFLOW', message: expect.stringContaining('karaoke') }))
  })

  it('rejects an unknown workflowType with the old message', async () => {
    const e = await rejection(predictor.predict({ ...samples.freestyle, workflowType: 'karaoke' } as never))
    expect(e).not.toBeInstanceOf(TypeError)
    expect(e.code).toBe('ERR_MODEL_NOT_FOUND')
    expect(e.message).toBe('No model found for workflow: karaoke')
  })

  it('names the failing batch index', async () => {
    const e = await rejection(predictor.predictBatch([samples.freestyle, { ...samples['ai-memory'], databaseConnected: 1 }] as never))
    expect(e).toBeInstanceOf(TypeError)
    expect(e.code).toBe('ERR_INVALID_FEATURE')
    expect(e.message).toBe("features[1]: Invalid feature for workflow 'ai-memory': field 'databaseConnected' expected a boolean, received number 1")
  })

  it('rejects predict before initialize', async () => {
    const fresh = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR })
    const e = await rejection(fresh.predict(samples.freestyle as never))
    expect(e.code).toBe('ERR_NOT_INITIALIZED')
    expect(e.message).toBe('WorkflowPredictor not initialized. Call initialize() first.')
  })

  it('checks the columnar API input', () => {
    const d = Object.keys(featuresToVector(samples.freestyle as never)).length
    expect(() => predictor.predictProbabilities('freestyle', new Float64Array(d + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: `Invalid argument 'rows': length ${d + 1} is not a multiple of the ${d} features of freestyle` }),
    )
    const rows = new Float64Array(2 * d)
    rows[d + 3] = NaN
    expect(() => predictor.predictProbabilities('freestyle', rows)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: "Invalid argument 'rows': value at index " + (d + 3) + " (row 1, feature 'systemMemory') is not finite" }),
    )
    expect(() => predictor.predictProbabilities('freestyle', [1, 2] as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }))
    expect(() => predictor.predictProbabilities('karaoke' as never, new Float64Array(0))).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_NOT_FOUND', message: 'No model found for workflow: karaoke' }),
    )
    expect(predictor.predictProbabilities('freestyle', new Float64Array(0))).toHaveLength(0)
  })

  it('checks the raw and async columnar inputs', async () => {
    const mixed = [samples['ai-memory'], samples.freestyle]
    expect(() => predictor.predictProbabilities('ai-memory', mixed as never, { layout: 'raw' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: "features[1]: Invalid argument 'features': workflowType is 'freestyle', expected 'ai-memory' for every object" }),
    )
    expect(() => predictor.predictProbabilities('ai-memory', [{ ...samples['ai-memory'], databaseLatency: NaN }] as never, { layout: 'raw' })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_FEATURE', message: expect.stringMatching(/^features\[0\]: .*'databaseLatency' expected a finite number, received NaN$/) }),
    )
    expect(() => predictor.predictProbabilities('ai-memory', new Float64Array(3) as never, { layout: 'raw' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }))
    expect(() => predictor.predictProbabilities('ai-memory', [] as never, { layout: 'rows' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("'layout'") }))
    await expect(predictor.predictProbabilitiesAsync('ai-memory', new Float64Array(5))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('not a multiple') })
    await expect(predictor.predictProbabilitiesAsync('karaoke' as never, new Float64Array(0))).rejects.toMatchObject({ code: 'ERR_MODEL_NOT_FOUND' })
  })

  it('shortens a long input string in its message (a 10 MB unknown workflowType)', async () => {
    const long = 'k'.repeat(10_000_000)
    const head = 'k'.repeat(100)
    const notFound = `No model found for workflow: ${head}… (10000000 characters)`
    const e = await rejection(predictor.predict({ ...samples.freestyle, workflowType: long } as never))
    expect([e.code, e.message]).toEqual(['ERR_MODEL_NOT_FOUND', notFound])
    expect(() => predictor.predictSync({ workflowType: long } as never)).toThrow(expect.objectContaining({ message: notFound }))
    expect(() => predictor.predictProbabilities(long as never, new Float64Array(0))).toThrow(expect.objectContaining({ message: notFound }))
    const unknown = `Unknown workflow type: ${head}… (10000000 characters) (expected one of`
    for (const f of [() => featuresToVector({ workflowType: long } as never), () => getCriticalFeatures(long as never), () => getWorkflowDisplayName(long as never)]) {
      let error: Error | undefined
      try {
        f()
      } catch (caught) {
        error = caught as Error
      }
      expect(error?.message.startsWith(unknown)).toBe(true)
      expect(error!.message.length).toBeLessThan(400)
    }
    expect(() => new WorkflowPredictor({ unknownFields: long } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', message: `Invalid argument 'unknownFields': expected one of 'warn', 'error', 'ignore', received "${head}"… (10000000 characters)` }))
    expect(() => predictor.predictProbabilities('freestyle', new Float64Array(0), { layout: long as never })).toThrow(expect.objectContaining({ message: `Invalid argument 'layout': expected 'vector' or 'raw', received "${head}"… (10000000 characters)` }))
  })

  it('rejects a detached Float64Array instead of scoring it as empty', async () => {
    const d = Object.keys(featuresToVector(samples.freestyle as never)).length
    const rows = new Float64Array(4 * d).fill(0.5)
    structuredClone(rows.buffer, { transfer: [rows.buffer] })
    expect(rows.length).toBe(0)
    const message = "Invalid argument 'rows': the Float64Array's buffer is detached (transferred to another thread or closed); pass an array whose memory is still there"
    expect(() => predictor.predictProbabilities('freestyle', rows)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG', message }))
    await expect(predictor.predictProbabilitiesAsync('freestyle', rows)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message })
    // An array that is empty but not detached scores as empty.
    expect(predictor.predictProbabilities('freestyle', new Float64Array(new ArrayBuffer(0)))).toHaveLength(0)
    expect(await predictor.predictProbabilitiesAsync('freestyle', new Float64Array(0))).toHaveLength(0)
  })

  it('rejects bad options', () => {
    expect(() => new WorkflowPredictor({ modelsDir: 5 } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', name: 'TypeError' }))
  })
})
