// The performance paths: the JS feature reader (encode in JS, validate in
// Rust) must behave exactly like the N-API path it hands edge cases to, and
// the asynchronous, parallel columnar API must agree with the synchronous one
// and reject bad input with the same errors. No timing assertions here.
import path from 'node:path'
import { WorkflowPredictor } from '../workflow-predictors'
import { featuresToVector } from '../workflow-features'
import { loadGolden, OLD_MODELS_DIR, recordingLogger, sampleInputs, withoutPredictionId } from './helpers'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require('../lib/binding')

const golden = loadGolden()
const samples = sampleInputs()

function load() {
  return native.loadModelsSync([OLD_MODELS_DIR])
}

function thrown(f: () => unknown): { code?: string; message: string; name: string } {
  try {
    f()
  } catch (e) {
    return e as never
  }
  throw new Error('expected a throw')
}

function predictor() {
  const p = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, logger: recordingLogger() })
  p.initializeSync()
  return p
}

describe('predict: the JS reader and the N-API path agree', () => {
  const p = predictor()
  const models = load()
  // The N-API path, through the same builder: what the reader hands over to.
  const viaNapi = (input: unknown) => {
    const out = new Float64Array(512)
    const n = models.predictObject(input, false, out)
    const q = p.predictSync(input as never)
    return { flat: Array.from(out.subarray(0, n)), q }
  }

  it('matches the golden predictions, twice in a row on one instance, with the full key set', () => {
    for (let round = 0; round < 2; round++) {
      for (const c of golden.cases.slice(0, 300)) {
        const got = p.predictSync(c.input as never)
        expect(Math.abs(got.failureProbability - c.prediction.failureProbability)).toBeLessThanOrEqual(1e-12)
        expect(got.riskLevel).toBe(c.prediction.riskLevel)
        expect(got.criticalFactors).toEqual(c.prediction.criticalFactors)
        expect(got.recommendations).toEqual(c.prediction.recommendations)
        expect(got.imputedFeatures).toEqual([])
        expect(Object.keys(got)).toEqual(['workflowType', 'failureProbability', 'riskLevel', 'confidence', 'criticalFactors', 'recommendations', 'imputedFeatures', 'modelVersion', 'verdict', 'predictionId'])
      }
    }
  })

  it('writes the same flat prediction from an encoded object as from N-API', () => {
    const f64 = new Float64Array(512)
    const tags = new Uint8Array(512)
    const handle = models.attachScratch(f64, tags)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reader = require('../lib/feature-reader')
    for (const c of golden.cases.filter((_, i) => i % 10 === 0)) {
      const w = reader.workflowOf(c.input)
      expect(reader.encode(w, c.input, f64, tags, 0)).toBe(Object.keys(c.input).length)
      const n = native.predictScratch(handle, w, false)
      const flat = viaNapi(c.input).flat
      expect(n).toBe(flat.length)
      expect(Array.from(f64.subarray(0, n))).toEqual(flat)
    }
    expect(() => models.attachScratch(new Float64Array(8), tags)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }))
    // Attaching again replaces the handle: the old one no longer reaches the buffers.
    const other = models.attachScratch(new Float64Array(512), new Uint8Array(512))
    expect(other).not.toBe(handle)
    const stale = thrown(() => native.predictScratch(handle, 0, false))
    expect(stale.code).toBe('ERR_INTERNAL')
    expect(stale.message).toContain(`no scratch buffers attached under handle ${handle}`)
    expect(thrown(() => native.predictScratch(2 ** 31, 0, false)).message).toContain('no scratch buffers attached under handle 2147483648')
    // Values and tags in one buffer would be written while they are read.
    const shared = new ArrayBuffer(512 * 8)
    const overlap = thrown(() => models.attachScratch(new Float64Array(shared), new Uint8Array(shared, 8, 64)))
    expect(overlap.code).toBe('ERR_INVALID_ARG')
    expect(overlap.message).toContain('the values and the tags share memory')
  })

  it('reads fields through getters, prototypes and proxies like a property read', () => {
    const input = samples.freestyle
    const expected = p.predictSync(input as never)
    const proto = Object.create(input)
    proto.workflowType = 'freestyle'
    expect(withoutPredictionId(p.predictSync(proto))).toEqual(withoutPredictionId(expected))
    expect(withoutPredictionId(p.predictSync(new Proxy({ ...input }, {}) as never))).toEqual(withoutPredictionId(expected))
    const getters = Object.fromEntries(Object.keys(input).map((k) => [k, { get: () => input[k], enumerable: true }]))
    expect(withoutPredictionId(p.predictSync(Object.defineProperties({}, getters) as never))).toEqual(withoutPredictionId(expected))
  })

  it('survives a getter that predicts again while the object is read', () => {
    const other = samples['ai-memory']
    const otherExpected = p.predictSync(other as never)
    const expected = p.predictSync(samples.freestyle as never)
    let nested: unknown
    const input = { ...samples.freestyle }
    Object.defineProperty(input, 'cpuUtilization', {
      enumerable: true,
      get() {
        nested = p.predictSync(other as never)
        return samples.freestyle.cpuUtilization
      },
    })
    expect(withoutPredictionId(p.predictSync(input as never))).toEqual(withoutPredictionId(expected))
    expect(withoutPredictionId(nested)).toEqual(withoutPredictionId(otherExpected))
    expect(withoutPredictionId(p.predictBatchSync([input, other, input] as never))).toEqual(withoutPredictionId([expected, otherExpected, expected]))
    const vector = featuresToVector(samples.freestyle as never)
    const reading = { ...samples.freestyle }
    let inner: unknown
    Object.defineProperty(reading, 'sampleRate', {
      enumerable: true,
      get() {
        inner = featuresToVector(other as never)
        return samples.freestyle.sampleRate
      },
    })
    expect(featuresToVector(reading as never)).toEqual(vector)
    expect(inner).toEqual(featuresToVector(other as never))
  })

  it('reports the first invalid field, whichever path sees it', () => {
    const base = samples.freestyle
    // An unknown enum string (handed to the N-API path) after an invalid number.
    const both = { ...base, networkLatencyMs: NaN, audioContextState: 'paused' }
    expect(thrown(() => p.predictSync(both as never)).message).toContain("field 'networkLatencyMs'")
    const enumOnly = { ...base, audioContextState: 'paused' }
    const e = thrown(() => p.predictSync(enumOnly as never))
    expect(e.code).toBe('ERR_INVALID_FEATURE')
    expect(e).toBeInstanceOf(TypeError)
    expect(e.message).toContain('received string "paused"')
    for (const bad of [null, [], { a: 1 }, Symbol('s'), () => 1]) {
      const m = thrown(() => p.predictSync({ ...base, microphonePermission: bad } as never)).message
      expect(m).toContain("field 'microphonePermission' expected a boolean")
    }
    expect(thrown(() => p.predictSync({ ...base, workflowType: 'karaoke' } as never)).message).toBe('No model found for workflow: karaoke')
    expect(thrown(() => p.predictSync({ ...base, workflowType: 7 } as never)).code).toBe('ERR_INVALID_FEATURE')
    expect(thrown(() => p.predictSync([base] as never)).message).toContain('received array')
  })

  it('lets the event loop turn during a large async predictBatch, with the same results as the sync form', async () => {
    const batch: Array<Record<string, unknown>> = Array.from({ length: 50000 }, (_, i) => golden.cases[i % golden.cases.length].input)
    // Whether the event loop had turned by the time the last element was read.
    let turned = false
    let turnedBeforeLast: boolean | undefined
    const last = batch[batch.length - 1]
    batch[batch.length - 1] = Object.defineProperty({ ...last }, 'workflowType', {
      enumerable: true,
      get: () => ((turnedBeforeLast ??= turned), last.workflowType),
    })
    setImmediate(() => (turned = true))
    const got = await p.predictBatch(batch as never)
    expect(turnedBeforeLast).toBe(true)
    expect(got).toHaveLength(50000)
    expect(got.slice(0, 1200).map(withoutPredictionId)).toEqual(p.predictBatchSync(batch.slice(0, 1200) as never).map(withoutPredictionId))
    // The first invalid element still rejects the batch, naming its index.
    const bad = [...batch.slice(0, 3000), { ...samples.freestyle, sampleRate: 'x' }]
    await expect(p.predictBatch(bad as never)).rejects.toMatchObject({ code: 'ERR_INVALID_FEATURE', message: expect.stringMatching(/^features\[3000\]: /) })
  })

  it('imputes missing fields and names them', () => {
    const partial: Record<string, unknown> = { ...samples['stem-separation'] }
    delete partial.fftSize
    delete partial.timestamp
    const got = p.predictSync(partial as never)
    expect(got.imputedFeatures).toEqual(['timestamp', 'fftSize'])
    const strict = new WorkflowPredictor({ modelsDir: OLD_MODELS_DIR, strict: true, logger: recordingLogger() })
    strict.initializeSync()
    expect(thrown(() => strict.predictSync(partial as never)).code).toBe('ERR_MISSING_FEATURE')
  })

  it('carries nothing from one call to the next (the scratch path reuses its buffers)', () => {
    // Shipped tree models and old logistic files; one predictor per set, so
    // that every call goes through the same reused record and lists.
    for (const modelsDir of [undefined, OLD_MODELS_DIR]) {
      const q = new WorkflowPredictor({ modelsDir, logger: recordingLogger() })
      q.initializeSync()
      const fresh = native.loadModelsSync(modelsDir === undefined ? [path.join(__dirname, '..', 'models')] : [modelsDir])
      const alone = (input: unknown) => {
        const out = new Float64Array(512)
        const n = fresh.predictObject(input, false, out)
        return Array.from(out.subarray(0, n))
      }
      const partial: Record<string, unknown> = { ...samples['stem-separation'] }
      delete partial.fftSize
      delete partial.timestamp
      const invalid = { ...samples.freestyle, sampleRate: 'x' }
      const sequence: unknown[] = [partial, ...golden.cases.slice(0, 40).map((c) => c.input), partial, invalid, samples.freestyle, partial, samples['stem-separation']]
      for (const input of sequence) {
        if (input === invalid) {
          expect(thrown(() => q.predictSync(input as never)).code).toBe('ERR_INVALID_FEATURE')
          continue
        }
        const got = q.predictSync(input as never)
        const flat = alone(input)
        // The builder's input is the flat layout; compare what it carries.
        expect(got.failureProbability).toBe(flat[2])
        expect(got.imputedFeatures).toEqual(input === partial ? ['timestamp', 'fftSize'] : [])
        const again = new WorkflowPredictor({ modelsDir, logger: recordingLogger() })
        again.initializeSync()
        expect(withoutPredictionId(got)).toEqual(withoutPredictionId(again.predictSync(input as never)))
      }
    }
  })

  it('is not fooled by builtins patched after the package loaded', () => {
    const expected = p.predictSync(samples.freestyle as never)
    const saved = { get: Map.prototype.get, indexOf: Array.prototype.indexOf, keys: Object.keys, isArray: Array.isArray }
    // Jest's own matchers need the real builtins: collect while patched, assert after.
    let got: unknown, unknownEnum: { code?: string }, array: { message: string }
    try {
      Map.prototype.get = function () {
        return 5
      }
      Array.prototype.indexOf = function () {
        return 0
      }
      Object.keys = (() => []) as typeof Object.keys
      Array.isArray = ((() => false) as unknown) as typeof Array.isArray
      got = p.predictSync(samples.freestyle as never)
      unknownEnum = thrown(() => p.predictSync({ ...samples.freestyle, audioContextState: 'paused' } as never))
      array = thrown(() => p.predictSync([samples.freestyle] as never))
    } finally {
      Map.prototype.get = saved.get
      Array.prototype.indexOf = saved.indexOf
      Object.keys = saved.keys
      Array.isArray = saved.isArray
    }
    expect(withoutPredictionId(got)).toEqual(withoutPredictionId(expected))
    expect(unknownEnum.code).toBe('ERR_INVALID_FEATURE')
    expect(array.message).toContain('received array')
  })

  it.each([0, 99, -7, 2 ** 31])('is not fooled by Array.prototype.indexOf patched to return %p (an unknown enum is refused, never a panic)', (index) => {
    const expected = p.predictSync(samples.freestyle as never)
    const expectedVector = featuresToVector(samples.freestyle as never)
    const indexOf = Array.prototype.indexOf
    const get = Map.prototype.get
    let got: unknown, vector: unknown, unknownEnum: { code?: string; message: string }, batch: unknown, columnar: unknown
    try {
      Array.prototype.indexOf = function () {
        return index
      }
      // The other reproducer: every Map lookup answers ai-memory's index.
      Map.prototype.get = function () {
        return 5
      }
      got = p.predictSync(samples.freestyle as never)
      vector = featuresToVector(samples.freestyle as never)
      unknownEnum = thrown(() => p.predictSync({ ...samples.freestyle, audioContextState: 'paused' } as never))
      batch = p.predictBatchSync([samples.freestyle] as never)
      columnar = p.predictProbabilities('freestyle', [samples.freestyle] as never, { layout: 'raw' })
    } finally {
      Array.prototype.indexOf = indexOf
      Map.prototype.get = get
    }
    expect(withoutPredictionId(got)).toEqual(withoutPredictionId(expected))
    expect(vector).toEqual(expectedVector)
    expect([unknownEnum.code, unknownEnum.message]).toEqual(['ERR_INVALID_FEATURE', expect.stringContaining('received string "paused"')])
    expect((batch as unknown[]).map(withoutPredictionId)).toEqual([withoutPredictionId(expected)])
    expect(Array.from(columnar as Float64Array)).toEqual([expected.failureProbability])
  })

  it('gives the same results where code generation from strings is disabled', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { execFileSync } = require('node:child_process')
    const script = `const { WorkflowPredictor } = require(${JSON.stringify(require.resolve('../workflow-predictors'))});
      const p = new WorkflowPredictor({ modelsDir: ${JSON.stringify(OLD_MODELS_DIR)} }); p.initializeSync();
      const inputs = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      process.stdout.write(JSON.stringify(inputs.map((x) => p.predictSync(x))))`
    const input = JSON.stringify(golden.cases.slice(0, 200).map((c) => c.input))
    const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], { input, encoding: 'utf8', maxBuffer: 1 << 26 })
    expect(withoutPredictionId(JSON.parse(out))).toEqual(golden.cases.slice(0, 200).map((c) => withoutPredictionId(JSON.parse(JSON.stringify(p.predictSync(c.input as never))))))
  })

  it("lets a throwing getter's own exception through, as a property read in JavaScript would", () => {
    const input = { ...samples.freestyle }
    const own = new RangeError('from a getter')
    Object.defineProperty(input, 'sampleRate', {
      get() {
        throw own
      },
    })
    expect(thrown(() => p.predictSync(input as never))).toBe(own)
    expect(thrown(() => p.predictBatchSync([samples.freestyle, input] as never))).toBe(own)
    // The instance stays usable afterwards.
    expect(p.predictSync(samples.freestyle as never)).toHaveProperty('workflowType', 'freestyle')
  })
})

describe('predictProbabilitiesAsync (rayon, off the JS thread)', () => {
  const models = predictor()
  const d = golden.cases[0].vector.length

  function randomRows(n: number, seed: number): Float64Array {
    const rows = new Float64Array(n * d)
    let s = seed
    for (let i = 0; i < rows.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648
      rows[i] = (s / 2147483648) * 2 - 0.5
    }
    return rows
  }

  it('equals the synchronous result, small and large', async () => {
    for (const n of [0, 1, 37, 20000]) {
      const rows = randomRows(n, n + 1)
      const sync = models.predictProbabilities('freestyle', rows)
      const async = await models.predictProbabilitiesAsync('freestyle', rows)
      expect(async).toHaveLength(n)
      expect(Array.from(async)).toEqual(Array.from(sync))
    }
  })

  it('matches the golden probabilities', async () => {
    const cases = golden.cases.filter((c) => c.workflowType === 'freestyle')
    const rows = new Float64Array(cases.flatMap((c) => c.vector.map(([, v]) => v)))
    const probs = await models.predictProbabilitiesAsync('freestyle', rows)
    cases.forEach((c, i) => expect(Math.abs(probs[i] - c.prediction.failureProbability)).toBeLessThanOrEqual(1e-12))
  })

  it('rejects a wrong length and non-finite values like the synchronous call', async () => {
    const short = new Float64Array(5 * d + 3)
    const syncError = thrown(() => models.predictProbabilities('freestyle', short))
    await expect(models.predictProbabilitiesAsync('freestyle', short)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: syncError.message })
    for (const bad of [NaN, Infinity, -Infinity]) {
      const rows = randomRows(20000, 3)
      rows[12345 * d + 4] = bad
      rows[15000 * d + 1] = NaN
      const message = "Invalid argument 'rows': value at index " + (12345 * d + 4) + " (row 12345, feature 'cpuUtilization') is not finite"
      expect(thrown(() => models.predictProbabilities('freestyle', rows)).message).toBe(message)
      await expect(models.predictProbabilitiesAsync('freestyle', rows)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message })
    }
    await expect(models.predictProbabilitiesAsync('karaoke' as never, new Float64Array(0))).rejects.toMatchObject({ code: 'ERR_MODEL_NOT_FOUND' })
  })

  it('never returns NaN for rows in a SharedArrayBuffer another thread is writing', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads')
    const n = 2048
    const shared = new Float64Array(new SharedArrayBuffer(n * d * 8)).fill(0.5)
    // The writer flips every 7th value between NaN and 0.5 as fast as it can.
    const writer = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads'); const a = new Float64Array(workerData); parentPort.postMessage('go');
       for (;;) { for (let i = 0; i < a.length; i += 7) a[i] = NaN; for (let i = 0; i < a.length; i += 7) a[i] = 0.5 }`,
      { eval: true, workerData: shared.buffer },
    )
    await new Promise((resolve) => writer.once('message', resolve))
    let nan = 0
    let refused = 0
    let scored = 0
    try {
      for (let call = 0; call < 20000; call++) {
        try {
          const out = models.predictProbabilities('freestyle', shared)
          if (out.some(Number.isNaN)) nan++
          else scored++
        } catch (e) {
          if ((e as { code?: string }).code !== 'ERR_INVALID_ARG') throw e
          refused++
        }
      }
    } finally {
      await writer.terminate()
    }
    // Unfixed, about 1 call in 150 returned NaN probabilities.
    expect(nan).toBe(0)
    expect(refused + scored).toBe(20000)
    // The rows as they were when the writer stopped score like a private copy.
    expect(Array.from(models.predictProbabilities('freestyle', new Float64Array(shared).map((x) => (Number.isNaN(x) ? 0.5 : x))))).toEqual(Array.from(models.predictProbabilities('freestyle', new Float64Array(n * d).fill(0.5))))
  })

  it('is not affected by changes to the input after the call', async () => {
    const rows = randomRows(20000, 9)
    const expected = models.predictProbabilities('freestyle', rows)
    const pending = models.predictProbabilitiesAsync('freestyle', rows)
    rows.fill(NaN)
    expect(Array.from(await pending)).toEqual(Array.from(expected))
  })
})
