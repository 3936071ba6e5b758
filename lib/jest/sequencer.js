'use strict'
// @dawg-ai/ml-engine/jest-sequencer: a Jest testSequencer that runs the
// riskiest test files first (the tests of affected workflows first), and,
// with a confidence target, only the subset that would have caught that
// share of the recorded failures. See risk-model.js for the scoring and the
// README ("Risk-driven testing with Jest") for the configuration.
//
//   // jest.config.js
//   testSequencer: '@dawg-ai/ml-engine/jest-sequencer',
//   reporters: ['default', ['@dawg-ai/ml-engine/jest-reporter', { confidence: 0.95 }]],

const path = require('node:path')
const { resolveOptions, reporterOptions } = require('./options')
const { startRun, warnOnce } = require('./context')
const { readRuns, writeFileAtomic } = require('./history')
const { scoreTests, orderTests, selectSubset } = require('./risk-model')

/**
 * Jest's own sequencer, from the project's Jest installation, so that
 * sharding, --onlyFailures and Jest's duration cache behave as usual.
 */
function jestSequencer() {
  // Hoisted next to the project's jest, or (pnpm and other strict layouts)
  // only reachable from jest's own directory.
  const places = [process.cwd(), __dirname]
  for (const from of [process.cwd(), __dirname]) {
    try {
      places.push(path.dirname(require.resolve('jest/package.json', { paths: [from] })))
    } catch {
      // no jest there
    }
  }
  for (const from of places) {
    try {
      const resolved = require(require.resolve('@jest/test-sequencer', { paths: [from] }))
      return resolved.default ?? resolved
    } catch {
      // try the next location
    }
  }
  throw new Error(`@dawg-ai/ml-engine/jest-sequencer needs @jest/test-sequencer (installed with jest); looked from ${places.join(', ')}`)
}

const BaseSequencer = jestSequencer()

class RiskSequencer extends BaseSequencer {
  #globalConfig

  constructor(options) {
    super(options)
    this.#globalConfig = options?.globalConfig ?? {}
  }

  #options() {
    const rootDir = this.#globalConfig.rootDir ?? process.cwd()
    return { rootDir, options: resolveOptions(rootDir, reporterOptions(this.#globalConfig)) }
  }

  sort(tests) {
    const { rootDir, options } = this.#options()
    if (options.order === 'jest') return super.sort(tests)
    return this.#order(tests, rootDir, options, true)
  }

  /** --onlyFailures: the failed tests, riskiest first, never subset. */
  allFailedTests(tests) {
    const { rootDir, options } = this.#options()
    const failed = tests.filter((t) => this.hasFailed(t))
    return options.order === 'jest' ? super.sort(failed) : this.#order(failed, rootDir, options, false)
  }

  #order(tests, rootDir, options, subset) {
    // Jest's scheduler reads the recorded durations (to decide on running in band).
    for (const test of tests) test.duration = this.time(test)
    const context = startRun(rootDir, options)
    const { runs } = readOrWarn(options)
    const described = context.describeTests(tests.map((t) => t.path)).map((d, index) => ({ ...d, index }))
    const ordered = orderTests(scoreTests(described, runs, context.workflowRisk, { ...options, changedFiles: context.changes?.files ?? [] }))
    const selection = subset ? selectSubset(ordered, runs, options) : selectSubset(ordered, runs, {})
    const chosen = new Set(selection.selected.map((t) => t.index))

    context.order = new Map(ordered.map((t) => [t.file, { kept: t.kept ?? (t.isNew && options.confidence !== undefined ? 'new' : null), rank: t.rank, selected: chosen.has(t.index) }]))
    context.selection = options.confidence === undefined ? null : { confidence: options.confidence, selected: chosen.size, total: ordered.length, reason: selection.reason }
    saveOrWarn(
      path.join(options.dir, 'last-order.json'),
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          changes: context.changes,
          affectedWorkflows: context.affectedWorkflows,
          workflowRisk: context.workflowRisk,
          selection: { ...selection, selected: undefined, count: chosen.size, total: ordered.length },
          tests: ordered.map(({ index, ...t }) => ({ ...t, selected: chosen.has(index) })),
        },
        null,
        2,
      )}\n`,
    )
    if (options.confidence !== undefined) {
      const share = selection.estimatedShare === null ? '' : `, ${(selection.estimatedShare * 100).toFixed(1)} % of ${selection.pastFailures} recorded failures`
      const why = selection.reason ? ` (all tests: ${selection.reason})` : ''
      process.stderr.write(`[dawg-ml] running ${chosen.size} of ${ordered.length} test files for a ${(options.confidence * 100).toFixed(0)} % confidence target${share}${why}\n`)
    }
    return ordered.filter((t) => chosen.has(t.index)).map((t) => tests[t.index])
  }
}

/** The recorded runs, or none (with a warning) when the history cannot be read. */
function readOrWarn(options) {
  try {
    return readRuns(options.historyDir, { maxRuns: options.maxRuns })
  } catch (error) {
    warnOnce(`could not read the test history in ${options.historyDir} (${error.code ?? error.message}); ordering without it`)
    return { runs: [], skipped: [] }
  }
}

/**
 * Write a state file; a failure (a read-only checkout, a state directory
 * that is a file) is a warning: the ordering helps a run, it must never
 * fail one that would pass without it.
 */
function saveOrWarn(file, text) {
  try {
    writeFileAtomic(file, text)
  } catch (error) {
    warnOnce(`could not write ${file} (${error.code ?? error.message}); the tests run, and this run's order is not saved`)
  }
}

module.exports = RiskSequencer
