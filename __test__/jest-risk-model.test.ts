// The pieces behind the Jest sequencer and reporter: scoring, ordering,
// subset calibration, the history files and how a file's outcome is read.
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './helpers'

/* eslint-disable @typescript-eslint/no-require-imports */
const { scoreTests, orderTests, selectSubset } = require('../lib/jest/risk-model')
const { writeRun, readRuns, FORMAT, VERSION } = require('../lib/jest/history')
const { resolveOptions } = require('../lib/jest/options')
const { classify } = require('../lib/jest/reporter')

type Status = 'passed' | 'failed' | 'flaky' | 'skipped'
interface Rec { file: string; status: Status; workflows?: string[]; kept?: string | null; rank?: number | null; durationMs?: number }

const run = (tests: Rec[], i = 0) => ({ format: FORMAT, version: VERSION, runId: `r${i}`, startedAt: new Date(1e12 + i * 1000).toISOString(), tests: tests.map((t) => ({ workflows: [], kept: null, rank: null, ...t })) })
const test = (file: string, workflows: string[] = [], kept: string | null = null) => ({ file, workflows, kept })
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const byFile = (scored: Array<{ file: string }>): Record<string, any> => Object.fromEntries(scored.map((s) => [s.file, s]))

describe('scoreTests', () => {
  const risk = { freestyle: 0.3, 'ai-memory': 0.05 }

  it('without history, orders by the workflows\' predicted risk', () => {
    const scored = byFile(scoreTests([test('a', ['ai-memory']), test('b', ['freestyle']), test('c', [])], [], risk))
    expect(scored.b.score).toBeGreaterThan(scored.c.score)
    expect(scored.c.score).toBeGreaterThan(scored.a.score)
    expect(scored.a.isNew).toBe(true)
    for (const s of Object.values(scored)) expect(s.score).toBeGreaterThan(0)
  })

  it('recent genuine failures raise a test above a riskier workflow; flaky ones do not', () => {
    const tests = [test('risky', ['ai-memory']), test('flaky', ['ai-memory']), test('calm', ['freestyle'])]
    const runs = [0, 1, 2].map((i) => run([{ file: 'risky', status: 'failed' }, { file: 'flaky', status: 'flaky' }, { file: 'calm', status: 'passed' }], i))
    const scored = byFile(scoreTests(tests, runs, risk))
    expect(scored.risky.failureProbability).toBeGreaterThan(scored.calm.failureProbability)
    expect(scored.flaky.failureProbability).toBeLessThan(scored.calm.failureProbability)
    expect(scored.flaky).toMatchObject({ runs: 3, failures: 0, flaky: 3, flipRate: 0 })
    expect(scored.risky).toMatchObject({ runs: 3, failures: 3, flipRate: 0 })
  })

  it('weights recent runs more and raises tests that flip', () => {
    const old = [...Array(10)].map((_, i) => run([{ file: 'was', status: 'failed' }, { file: 'now', status: 'passed' }], i))
    const recent = [...Array(10)].map((_, i) => run([{ file: 'was', status: 'passed' }, { file: 'now', status: 'failed' }], 10 + i))
    const scored = byFile(scoreTests([test('was'), test('now')], [...old, ...recent], {}, { halfLife: 5 }))
    expect(scored.now.failureProbability).toBeGreaterThan(scored.was.failureProbability)

    const alternating = [...Array(10)].map((_, i) => run([{ file: 'flip', status: i % 2 ? 'failed' : 'passed' }, { file: 'steady', status: i < 5 ? 'failed' : 'passed' }], i))
    const flips = byFile(scoreTests([test('flip'), test('steady')], alternating, {}, { halfLife: 1000 }))
    expect(flips.flip.flipRate).toBeCloseTo(1)
    expect(flips.steady.flipRate).toBeCloseTo(1 / 9)
    expect(flips.flip.score).toBeGreaterThan(flips.steady.score)
    const noFlipWeight = byFile(scoreTests([test('flip')], alternating, {}, { halfLife: 1000, flipWeight: 0 }))
    expect(noFlipWeight.flip.score).toBe(noFlipWeight.flip.failureProbability)
  })
})

describe('scoreTests and the changed files', () => {
  it('raises the tests that failed when the same files changed before (couplings the graph does not declare)', () => {
    const runs = [...Array(8)].map((_, i) => ({
      ...run([{ file: 'coupled', status: i % 4 === 0 ? 'failed' : 'passed' }, { file: 'other', status: i % 4 === 1 ? 'failed' : 'passed' }], i),
      changes: { files: i % 4 === 0 ? ['src/lib/x.ts'] : ['src/app.ts'] },
    }))
    const tests = [test('coupled'), test('other')]
    const plain = byFile(scoreTests(tests, runs, {}))
    expect(plain.coupled.failureProbability).toBeCloseTo(plain.other.failureProbability, 1)
    const now = byFile(scoreTests(tests, runs, {}, { changedFiles: ['src/lib/x.ts'] }))
    expect(now.coupled.failureProbability).toBeGreaterThan(0.5)
    expect(now.other.failureProbability).toBe(plain.other.failureProbability)
    // A changed file with no recorded runs says nothing.
    expect(byFile(scoreTests(tests, runs, {}, { changedFiles: ['src/new.ts'] }))).toEqual(plain)
  })
})

describe('orderTests', () => {
  it('puts kept tests first, each group by score, ranking the others in [0, 1)', () => {
    const scored = [
      { file: 'x', kept: null, score: 0.9, durationMs: 1 },
      { file: 'y', kept: 'affected', score: 0.1, durationMs: 1 },
      { file: 'z', kept: null, score: 0.5, durationMs: 1 },
      { file: 'w', kept: 'changed', score: 0.2, durationMs: 1 },
      { file: 'v', kept: null, score: 0.5, durationMs: 9 },
    ]
    const ordered = orderTests(scored)
    expect(ordered.map((t: { file: string }) => t.file)).toEqual(['w', 'y', 'x', 'v', 'z'])
    expect(ordered.map((t: { rank: number | null }) => t.rank)).toEqual([null, null, 0, 1 / 3, 2 / 3])
  })
})

describe('selectSubset', () => {
  const suite = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9']
  const ordered = () => orderTests(suite.map((file, i) => ({ file, kept: file === 't9' ? 'affected' : null, score: 1 - i / 10, isNew: false })))

  it('keeps the smallest prefix that would have caught the target share of recorded failures, with the ranks they had', () => {
    // Six past failures: t0 at rank 0 three times, t3 at rank 0.3, t6 at 0.6 and one kept (affected) failure.
    const runs = [
      run([{ file: 't0', status: 'failed', rank: 0 }]),
      run([{ file: 't0', status: 'failed', rank: 0 }, { file: 't3', status: 'failed', rank: 0.3 }]),
      run([{ file: 't0', status: 'failed', rank: 0 }, { file: 't6', status: 'failed', rank: 0.6 }]),
      run([{ file: 't9', status: 'failed', kept: 'affected' }, { file: 'gone', status: 'failed', rank: 0 }]),
      run([{ file: 't2', status: 'flaky', rank: 0.9 }]),
    ]
    const at = (confidence: number) => selectSubset(ordered(), runs, { confidence, minRuns: 5 })
    // The share s caught, less one standard error sqrt(s(1 − s)/6), must reach the target.
    // 0.5: s = 5/6 (0.833 − 0.152 = 0.68; 4/6 gives 0.47): the kept one, t0 three
    // times and t3, at rank 0.3: the riskiest 30 % of the 9 others now (ranks 0, 1/9, 2/9).
    const half = at(0.5)
    expect(half.selected.map((t: { file: string }) => t.file)).toEqual(['t9', 't0', 't1', 't2'])
    expect(half.cutoff).toBe(0.3)
    expect(half.estimatedShare).toBeCloseTo(5 / 6)
    expect(half.pastFailures).toBe(6) // 'gone' no longer exists; the flaky outcome is no failure
    // 0.3: s = 4/6 (0.667 − 0.192 = 0.47; 3/6 gives 0.30 − a hair): t0 only.
    expect(at(0.3).selected.map((t: { file: string }) => t.file)).toEqual(['t9', 't0'])
    // 0.8: only all six (s = 1, no margin): ranks up to 0.6, t0 to t5.
    expect(at(0.8).selected).toHaveLength(7)
    expect(at(0.8).estimatedShare).toBe(1)
    expect(at(0.5).reason).toBeNull()
  })

  it('runs everything without a target, before minRuns runs, and without failures to calibrate on', () => {
    const passing = [...Array(6)].map((_, i) => run([{ file: 't0', status: 'passed', rank: 0 }], i))
    expect(selectSubset(ordered(), passing, {}).selected).toHaveLength(10)
    expect(selectSubset(ordered(), passing.slice(0, 2), { confidence: 0.9, minRuns: 5 }).reason).toBe('2 recorded runs, 5 needed before selecting a subset')
    expect(selectSubset(ordered(), passing, { confidence: 0.9, minRuns: 5 })).toMatchObject({ reason: 'no recorded failure of a current test to calibrate on', estimatedShare: null })
  })

  it('always keeps tests without history', () => {
    const withNew = orderTests(suite.map((file, i) => ({ file, kept: null, score: 1 - i / 10, isNew: file === 't8' })))
    const runs = [...Array(5)].map((_, i) => run([{ file: 't0', status: 'failed', rank: 0 }], i))
    expect(selectSubset(withNew, runs, { confidence: 0.9, minRuns: 5 }).selected.map((t: { file: string }) => t.file)).toEqual(['t0', 't8'])
  })
})

describe('the history files', () => {
  it('are written whole, one per run, pruned to maxRuns, and read oldest first skipping foreign files', () => {
    const dir = path.join(tempDir('history'), 'test-history')
    for (let i = 0; i < 5; i++) writeRun(dir, { runId: `r${i}`, startedAt: new Date(1e12 + i * 1000).toISOString(), tests: [{ file: 'a', status: 'passed', workflows: [] }] }, { maxRuns: 3 })
    const names = fs.readdirSync(dir)
    expect(names).toHaveLength(3)
    expect(names.every((n) => !n.startsWith('.tmp'))).toBe(true)
    fs.writeFileSync(path.join(dir, '9999-foreign.json'), JSON.stringify({ format: 'other', version: 1, tests: [] }))
    fs.writeFileSync(path.join(dir, '9999-torn.json'), '{"format": "dawg-ml-test-run", "vers')
    fs.writeFileSync(path.join(dir, '.tmp-in-progress.json'), '{')
    const { runs, skipped } = readRuns(dir, { maxRuns: 10 })
    expect(runs.map((r: { runId: string }) => r.runId)).toEqual(['r2', 'r3', 'r4'])
    expect(runs[0]).toMatchObject({ format: 'dawg-ml-test-run', version: 1 })
    expect(skipped.sort()).toEqual(['9999-foreign.json', '9999-torn.json'])
    expect(readRuns(path.join(dir, 'missing'))).toEqual({ runs: [], skipped: [] })
  })
})

describe('a test file\'s outcome', () => {
  const result = (statuses: Array<[string, number]>, extra = {}) => ({
    numFailingTests: statuses.filter(([s]) => s === 'failed').length,
    testResults: statuses.map(([status, invocations], i) => ({ status, invocations, retryReasons: invocations > 1 ? ['boom'] : [], fullName: `t${i}`, title: `t${i}` })),
    ...extra,
  })

  it('is flaky when a test passed only on a retry, failed when any test failed for good', () => {
    expect(classify(result([['passed', 1], ['passed', 1]])).status).toBe('passed')
    expect(classify(result([['passed', 1], ['passed', 3]]))).toEqual({ status: 'flaky', counts: { passed: 1, failed: 0, flaky: 1, skipped: 0 }, flakyTests: ['t1'] })
    expect(classify(result([['failed', 3], ['passed', 2]]))).toMatchObject({ status: 'failed', counts: { failed: 1, flaky: 1 } })
    expect(classify(result([['pending', 1], ['todo', 1]])).status).toBe('skipped')
    expect(classify(result([], { testExecError: { message: 'SyntaxError' } })).status).toBe('failed')
  })
})

describe('options', () => {
  it('come from the environment over the reporter entry over the defaults', () => {
    const o = resolveOptions('/p', { confidence: 0.9, minRuns: 3, dir: 'state' }, { DAWG_ML_CONFIDENCE: '0.95' })
    expect(o).toMatchObject({ confidence: 0.95, minRuns: 3, dir: path.resolve('/p/state'), historyDir: path.resolve('/p/state/test-history'), maxRuns: 200, order: 'risk' })
    expect(() => resolveOptions('/p', { confidance: 1 }, {})).toThrow("Invalid option 'confidance' of @dawg-ai/ml-engine/jest-reporter")
    expect(() => resolveOptions('/p', { minRuns: 2.5 }, {})).toThrow("Invalid option 'minRuns': expected a whole number from 1 to 100000, received 2.5")
    expect(() => resolveOptions('/p', {}, { DAWG_ML_ORDER: 'random' })).toThrow('Invalid DAWG_ML_ORDER: expected one of risk, jest, received "random"')
  })
})
