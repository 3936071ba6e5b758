'use strict'
// Runs one fuzz target with fast-check: `numRuns` cases from `seed`, and
// reports the cases run, how many gave a result or a coded error, and the
// finding (the shrunk counterexample, its seed and path) if any.
//
// `onHeartbeat(executions)`, when given, is called after a case (or a
// shrinking step) whenever `heartbeatMs` have passed since the last call. It
// runs inside fc.check, so it fires during a long synchronous check too: a
// caller watching for silence (scripts/fuzz.js) then sees a slow target that
// is still advancing, while a case that never returns stops the heartbeats.
// The hook consumes no randomness: the cases are those of the same seed
// without it.
const fc = require('fast-check')

async function runTarget(target, { numRuns, seed, timeoutMs, heartbeatMs = 5000, onHeartbeat = null }) {
  const ctx = target.setup ? await target.setup() : {}
  const stats = { results: 0, errors: 0 }
  const started = Date.now()
  let executions = 0
  let lastBeat = started
  const plugins = onHeartbeat
    ? [
        fc.afterEach(() => {
          executions++
          const now = Date.now()
          if (now - lastBeat >= heartbeatMs) {
            lastBeat = now
            onHeartbeat(executions)
          }
        }),
      ]
    : []
  try {
    const details = await fc.check(target.property(ctx, stats), {
      numRuns,
      seed,
      // async properties: a case that does not settle in time is a finding (a hang).
      // A synchronous case cannot be interrupted from inside its thread: the
      // parent's silence watchdog (scripts/fuzz.js) catches one that never returns.
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
      endOnFailure: false,
      plugins,
    })
    return {
      target: target.name,
      cases: details.numRuns,
      findings: details.failed ? 1 : 0,
      seed: details.seed,
      path: details.counterexamplePath,
      counterexample: details.failed ? fc.stringify(details.counterexample) : null,
      error: details.failed ? String((details.errorInstance && details.errorInstance.message) || details.error) : null,
      results: stats.results,
      errors: stats.errors,
      ms: Date.now() - started,
    }
  } finally {
    if (target.teardown) await target.teardown(ctx)
  }
}

module.exports = { runTarget }
