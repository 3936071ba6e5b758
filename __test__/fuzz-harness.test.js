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

describe('runTarget heartbeats', () => {
  it('beats from inside a long synchronous check, without changing its cases', async () => {
    const seen = []
    const slow = {
      name: 'test/slow',
      property: (ctx, stats) =>
        fc.property(fc.nat(), (n) => {
          seen.push(n)
          const until = Date.now() + 20
          while (Date.now() < until);
          stats.results++
        }),
    }
    const beats = []
    const r = await runTarget(slow, { numRuns: 40, seed: 3, heartbeatMs: 100, onHeartbeat: (n) => beats.push(n) })
    expect(r).toMatchObject({ findings: 0, cases: 40 })
    // 40 cases of 20 ms each: about 800 ms, a beat every 100 ms.
    expect(beats.length).toBeGreaterThanOrEqual(4)
    expect(beats).toEqual([...beats].sort((a, b) => a - b))
    const withBeats = seen.splice(0)
    await runTarget(slow, { numRuns: 40, seed: 3 })
    expect(seen).toEqual(withBeats)
  })
})

describe('scripts/fuzz.js watchdog', () => {
  const path = require('node:path')
  const { spawnSync } = require('node:child_process')
  const script = path.join(__dirname, '..', 'scripts', 'fuzz.js')
  const target = (name) => path.join(__dirname, 'fuzz', 'harness-targets', `${name}.js`)
  // A 3 s silence window (heartbeats every 750 ms) keeps these tests short.
  const jsTarget = (name, runs, env = {}) => {
    const code = `require(${JSON.stringify(script)}).jsTarget(${JSON.stringify(target(name))}, { runs: ${runs}, seed: 1 }).then((r) => console.log(JSON.stringify(r)))`
    const r = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, FUZZ_SILENCE_MS: '3000', ...env }, encoding: 'utf8', timeout: 30000 })
    return JSON.parse(r.stdout.trim().split('\n').pop())
  }

  it('knows the name each target module reports, which --only selects by', () => {
    const { TARGETS } = require(script)
    for (const [file, name] of Object.entries(TARGETS)) expect(require(`./fuzz/targets/${file}`).name).toBe(name)
    expect(Object.keys(TARGETS).sort()).toEqual(require('node:fs').readdirSync(path.join(__dirname, 'fuzz', 'targets')).map((f) => path.basename(f, '.js')).sort())
  })

  it('does not take a synchronous chunk that outlasts the silence window for a hang', () => {
    // 100 cases of 80 ms: one 8 s synchronous chunk, 2.7 silence windows.
    const r = jsTarget('slow-sync', 100, { FUZZ_TEST_CASE_MS: '80' })
    expect(r).toMatchObject({ target: 'test/slow-sync', cases: 100, findings: 0, results: 100 })
    expect(r.wallMs).toBeGreaterThan(8000)
  })

  it('still reports a synchronous case that never returns as a hang', () => {
    const r = jsTarget('hang-sync', 10)
    expect(r.findings).toBe(1)
    expect(r.finding.error).toContain('a hang')
    expect(r.wallMs).toBeLessThan(20000)
  })
})
