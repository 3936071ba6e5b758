'use strict'
// @dawg-ai/ml-engine/jest-reporter: records each test file's outcome, its
// workflows, its duration and the order it ran in, one history file per run
// (see history.js for the format), so that the sequencer learns from the
// project's own runs. Jest calls reporters in its parent process only, so
// any number of workers share one reporter; concurrent Jest processes write
// separate files.
//
// A test that fails and then passes on a retry (jest.retryTimes) makes its
// file "flaky", not "failed": flaky outcomes never count as failures of the
// file or of its workflows.

const { resolveOptions } = require('./options')
const { takeRun, warnOnce } = require('./context')
const { newRunId, writeRun } = require('./history')

/** 'failed' | 'flaky' | 'skipped' | 'passed', and the per-test counts, of one file's result. */
function classify(testResult) {
  const counts = { passed: 0, failed: 0, flaky: 0, skipped: 0 }
  const flakyTests = []
  for (const a of testResult.testResults ?? []) {
    if (a.status === 'failed') counts.failed++
    else if (a.status === 'passed') {
      const retried = (a.invocations ?? 1) > 1 || (a.retryReasons?.length ?? 0) > 0
      if (retried) {
        counts.flaky++
        flakyTests.push(a.fullName ?? a.title)
      } else counts.passed++
    } else counts.skipped++
  }
  // testExecError: the file itself failed (a syntax error, a throwing hook).
  const failed = counts.failed > 0 || testResult.numFailingTests > 0 || Boolean(testResult.testExecError)
  let status
  if (failed) status = 'failed'
  else if (testResult.skipped || counts.passed + counts.flaky === 0) status = 'skipped'
  else if (counts.flaky > 0) status = 'flaky'
  else status = 'passed'
  return { status, counts, flakyTests }
}

class RiskReporter {
  #rootDir
  #options
  #context = null
  #startedAt = null
  #records = []
  #position = 0
  #positions = new Map()

  constructor(globalConfig, options = {}) {
    this.#rootDir = globalConfig?.rootDir ?? process.cwd()
    this.#options = resolveOptions(this.#rootDir, options ?? {})
  }

  onRunStart() {
    this.#startedAt = new Date()
    this.#records = []
    this.#position = 0
    this.#positions = new Map()
    this.#context = takeRun(this.#rootDir, this.#options)
  }

  onTestFileStart(test) {
    if (!this.#positions.has(test.path)) this.#positions.set(test.path, this.#position++)
  }

  onTestFileResult(test, testResult) {
    const context = this.#context ?? (this.#context = takeRun(this.#rootDir, this.#options))
    const [described] = context.describeTests([test.path])
    const { status, counts, flakyTests } = classify(testResult)
    const perf = testResult.perfStats ?? {}
    const durationMs = perf.runtime ?? (perf.end && perf.start ? perf.end - perf.start : null)
    const chosen = context.order?.get(described.file)
    this.#records.push({
      file: described.file,
      status,
      durationMs: typeof durationMs === 'number' && Number.isFinite(durationMs) ? durationMs : null,
      workflows: described.workflows,
      kept: chosen ? chosen.kept : described.kept,
      rank: chosen ? chosen.rank : null,
      position: this.#positions.get(test.path) ?? null,
      counts,
      flakyTests,
    })
  }

  onRunComplete(_contexts, results) {
    const context = this.#context
    if (!context || this.#records.length === 0) return
    const startedAt = this.#startedAt ?? new Date()
    // A history that cannot be written is a warning: it must never fail a run that passed.
    try {
      this.#writeRun(context, results, startedAt)
    } catch (error) {
      warnOnce(`could not write the test history to ${this.#options.historyDir} (${error.code ?? error.message}); the run's results stand`)
    }
    this.#context = null
  }

  #writeRun(context, results, startedAt) {
    writeRun(
      this.#options.historyDir,
      {
        runId: newRunId(),
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        interrupted: Boolean(results?.wasInterrupted),
        changes: context.changes,
        affectedWorkflows: context.affectedWorkflows,
        workflowRisk: context.workflowRisk,
        selection: context.selection,
        tests: this.#records,
      },
      { maxRuns: this.#options.maxRuns },
    )
  }

  getLastError() {
    return undefined
  }
}

module.exports = RiskReporter
module.exports.classify = classify
