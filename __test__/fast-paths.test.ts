// The performance paths of NativeModels: the JS-assisted predict (encode in
// JS, validate in Rust, build with object literals) must behave exactly like
// the plain napi path in the edge cases it hands over to it, and the
// asynchronous, parallel columnar API must agree with the synchronous one
// and reject bad input with the same errors. No timing assertions here.
import { loadGolden, OLD_MODELS_DIR, sampleInputs } from './helpers'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require('../lib/binding')

const golden = loadGolden()
const samples = sampleInputs()

function load() {
  return native.loadModelsSync(OLD_MODELS_DIR)
}

function thrown(f: () => unknown): { code?: string; message: string; name: string } {
  try {
    f()
  } catch (e) {
    return e as never
  }
  throw new Error('expected a throw')
}

describe('predict fast path', () => {
  const models = load()

  it('matches the golden predictions, twice in a row on one instance', () => {
    for (let round = 0; round < 2; round++) {
      for (const c of golden.cases.slice(0, 300)) {
        const p = models.predict(c.input, false)
        expect(Math.abs(p.failureProbability - c.prediction.failureProbability)).toBeLessThanOrEqual(1e-12)
        expect(p.riskLevel).toBe(c.prediction.riskLevel)
        expect(p.criticalFactors.map((f: { feature: string }) => f.feature)).toEqual(c.prediction.criticalFactors.map((f) => f.feature))
        expect(p.recommendations).toEqual(c.prediction.recommendations)
        expect(p.imputedFeatures).toEqual([])
        expect(Object.keys(p)).toEqual(['workflowType', 'failureProbability', 'riskLevel', 'confidence', 'criticalFactors', 'recommendations', 'imputedFeatures'])
      }
    }
  })

  it('reads fields through getters, prototypes and proxies like a property read', () => {
    const input = samples.freestyle
    const expected = models.predict(input, true)
    const proto = Object.create(input)
    proto.workflowType = 'freestyle'
    expect(models.predict(proto, true)).toEqual(expected)
    expect(models.predict(new Proxy({ ...input }, {}), true)).toEqual(expected)
    const getters = Object.fromEntries(Object.keys(input).map((k) => [k, { get: () => input[k], enumerable: true }]))
    expect(models.predict(Object.defineProperties({}, getters), true)).toEqual(expected)
  })

  it('survives a getter that predicts again while the object is read', () => {
    const other = samples['ai-memory']
    const otherExpected = models.predict(other, true)
    const expected = models.predict(samples.freestyle, true)
    let nested: unknown
    const input = { ...samples.freestyle }
    Object.defineProperty(input, 'cpuUtilization', {
      enumerable: true,
      get() {
        nested = models.predict(other, true)
        return samples.freestyle.cpuUtilization
      },
    })
    expect(models.predict(input, true)).toEqual(expected)
    expect(nested).toEqual(otherExpected)
    const batch = models.predictBatch([input, other, input], true)
    expect(batch).toEqual([expected, otherExpected, expected])
  })

  it('reports the first invalid field, whichever path sees it', () => {
    const base = samples.freestyle
    // An unknown enum string (handed to the napi path) after an invalid number.
    const both = { ...base, networkLatencyMs: NaN, audioContextState: 'paused' }
    expect(thrown(() => models.predict(both, false)).message).toContain("field 'networkLatencyMs'")
    const enumOnly = { ...base, audioContextState: 'paused' }
    const e = thrown(() => models.predict(enumOnly, false))
    expect(e.code).toBe('ERR_INVALID_FEATURE')
    expect(e.message).toContain('received string "paused"')
    for (const bad of [null, [], { a: 1 }, Symbol('s'), () => 1]) {
      const m = thrown(() => models.predict({ ...base, micPermission: 1, microphonePermission: bad }, false)).message
      expect(m).toContain("field 'microphonePermission' expected a boolean")
    }
    expect(thrown(() => models.predict({ ...base, workflowType: 'karaoke' }, false)).message).toBe('No model found for workflow: karaoke')
    expect(thrown(() => models.predict({ ...base, workflowType: 7 }, false)).code).toBe('ERR_INVALID_FEATURE')
    expect(thrown(() => models.predict([base], false)).message).toContain('received array')
  })

  it('imputes missing fields and names them', () => {
    const partial: Record<string, unknown> = { ...samples['stem-separation'] }
    delete partial.fftSize
    delete partial.timestamp
    const p = models.predict(partial, false)
    expect(p.imputedFeatures).toEqual(['timestamp', 'fftSize'])
    expect(thrown(() => models.predict(partial, true)).code).toBe('ERR_MISSING_FEATURE')
  })

  it('gives the same results where code generation from strings is disabled', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { execFileSync } = require('node:child_process')
    const script = `const m = require(${JSON.stringify(require.resolve('../lib/binding'))}).loadModelsSync(${JSON.stringify(OLD_MODELS_DIR)});
      const inputs = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      process.stdout.write(JSON.stringify(inputs.map((x) => m.predict(x, false))))`
    const input = JSON.stringify(golden.cases.slice(0, 200).map((c) => c.input))
    const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], { input, encoding: 'utf8', maxBuffer: 1 << 26 })
    expect(JSON.parse(out)).toEqual(golden.cases.slice(0, 200).map((c) => JSON.parse(JSON.stringify(models.predict(c.input, false)))))
  })

  it("lets a throwing getter's own exception through, as a property read in JavaScript would", () => {
    const input = { ...samples.freestyle }
    const own = new RangeError('from a getter')
    Object.defineProperty(input, 'sampleRate', {
      get() {
        throw own
      },
    })
    expect(thrown(() => models.predict(input, false))).toBe(own)
    expect(thrown(() => models.predictBatch([samples.freestyle, input], false))).toBe(own)
    // The instance stays usable afterwards.
    expect(models.predict(samples.freestyle, false)).toHaveProperty('workflowType', 'freestyle')
  })
})

describe('predictProbabilitiesAsync (rayon, off the JS thread)', () => {
  const models = load()
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
    await expect(models.predictProbabilitiesAsync('karaoke', new Float64Array(0))).rejects.toMatchObject({ code: 'ERR_MODEL_NOT_FOUND' })
  })

  it('is not affected by changes to the input after the call', async () => {
    const rows = randomRows(20000, 9)
    const expected = models.predictProbabilities('freestyle', rows)
    const pending = models.predictProbabilitiesAsync('freestyle', rows)
    rows.fill(NaN)
    expect(Array.from(await pending)).toEqual(Array.from(expected))
  })
})
