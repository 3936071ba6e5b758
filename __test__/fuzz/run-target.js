'use strict'
// Runs one fuzz target with fast-check: `numRuns` cases from `seed`, and
// reports the cases run, how many gave a result or a coded error, and the
// finding (the shrunk counterexample, its seed and path) if any.
const fc = require('fast-check')

async function runTarget(target, { numRuns, seed, timeoutMs }) {
  const ctx = target.setup ? await target.setup() : {}
  const stats = { results: 0, errors: 0 }
  const started = Date.now()
  try {
    const details = await fc.check(target.property(ctx, stats), {
      numRuns,
      seed,
      // async properties: a case that does not settle in time is a finding (a hang).
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
      endOnFailure: false,
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
