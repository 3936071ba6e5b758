// The fuzz harness itself: the invariant rejects what it must (uncoded
// errors, ERR_INTERNAL, NaN probabilities, a risk level that is not the
// probability's), and runTarget reports a broken property as a finding with
// a shrunk counterexample and the seed that reproduces it.
const fc = require('fast-check')
const { runTarget } = require('./fuzz/run-target')
const { SENTINEL, codedError, prediction, probability } = require('./fuzz/invariants')

const coded = (code, message = 'm') => Object.assign(new Error(message), { code })

describe('the invariant', () => {
  it('accepts coded errors and the hostile getters own error, and nothing else', () => {
    expect(codedError(coded('ERR_INVALID_FEATURE'), 'x')).toBe('ERR_INVALID_FEATURE')
    expect(codedError(SENTINEL, 'x')).toBeNull()
    expect(() => codedError(coded('ERR_INTERNAL'), 'x')).toThrow('ERR_INTERNAL')
    expect(() => codedError(new TypeError('plain'), 'x')).toThrow('uncoded TypeError')
    expect(() => codedError(coded('GenericFailure'), 'x')).toThrow('uncoded')
    expect(() => codedError(coded('ERR_IO', ''), 'x')).toThrow('without a message')
  })

  it('rejects NaN, out-of-range probabilities and inconsistent predictions', () => {
    for (const p of [NaN, Infinity, -0.1, 1.5, '0.5']) expect(() => probability(p, 'x')).toThrow('probability')
    const good = { workflowType: 'ai-memory', failureProbability: 0.7, riskLevel: 'high', confidence: 0.4, criticalFactors: [], recommendations: [], imputedFeatures: [] }
    expect(() => prediction(good, 'ai-memory', 'x')).not.toThrow()
    expect(() => prediction({ ...good, riskLevel: 'low' }, 'ai-memory', 'x')).toThrow('riskLevel')
    expect(() => prediction({ ...good, confidence: 0.1 }, 'ai-memory', 'x')).toThrow('confidence')
    expect(() => prediction({ ...good, workflowType: 'freestyle' }, 'ai-memory', 'x')).toThrow('workflowType')
    expect(() => prediction({ ...good, criticalFactors: [{ feature: 'f', value: NaN, weight: 1, contribution: 0 }] }, 'ai-memory', 'x')).toThrow('f.value')
  })
})

describe('runTarget', () => {
  const broken = {
    name: 'test/broken',
    property: (ctx, stats) =>
      fc.property(fc.integer({ min: 0, max: 1000 }), (n) => {
        stats.results++
        if (n >= 100) throw new Error(`too big: ${n}`)
      }),
  }

  it('reports a finding shrunk to the smallest failing input, reproducible from its seed and path', async () => {
    const r = await runTarget(broken, { numRuns: 1000, seed: 7 })
    expect(r.findings).toBe(1)
    expect(r.counterexample).toBe('[100]')
    expect(r.error).toContain('too big: 100')
    expect(r.seed).toBe(7)
    const replay = fc.check(broken.property({}, { results: 0 }), { seed: r.seed, path: r.path, numRuns: 1 })
    expect(replay.failed).toBe(true)
    expect(replay.counterexample).toEqual([100])
  })

  it('reports no finding for a property that holds, with every case counted', async () => {
    const r = await runTarget({ name: 'test/ok', property: (ctx, stats) => fc.property(fc.nat(), () => void stats.results++) }, { numRuns: 321, seed: 1 })
    expect(r).toMatchObject({ findings: 0, cases: 321, counterexample: null })
    expect(r.results).toBeGreaterThanOrEqual(321)
  })
})
