'use strict'
// What every fuzz target accepts: a coded error, or a result checked here.
// A failed check throws an Error saying what broke; fast-check shrinks the
// input that caused it.

/** Thrown by the hostile getters and proxy traps of the arbitraries: the caller's own error passes through. */
const SENTINEL = new Error('fuzz: thrown by a hostile getter')

const RISK_LEVELS = ['critical', 'high', 'medium', 'low']

function fail(message) {
  throw new Error(message)
}

/** A coded error: `code` starts with ERR_ and is not ERR_INTERNAL (an engine bug). Returns the code, or null for SENTINEL. */
function codedError(e, where) {
  if (e === SENTINEL) return null
  const code = e && e.code
  if (typeof code !== 'string' || !code.startsWith('ERR_')) fail(`${where}: uncoded ${e && e.name}: ${e && e.message}`)
  if (code === 'ERR_INTERNAL') fail(`${where}: ERR_INTERNAL: ${e.message}`)
  if (typeof e.message !== 'string' || e.message.length === 0) fail(`${where}: ${code} without a message`)
  return code
}

function probability(p, where) {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) fail(`${where}: probability ${p}`)
}

function riskLevelOf(p) {
  return p >= 0.8 ? 'critical' : p >= 0.6 ? 'high' : p >= 0.4 ? 'medium' : 'low'
}

/** A prediction of `workflowType`: every number finite, the level and confidence those of the probability. */
function prediction(r, workflowType, where) {
  if (r === null || typeof r !== 'object') fail(`${where}: prediction ${r}`)
  if (r.workflowType !== workflowType) fail(`${where}: workflowType ${r.workflowType}, expected ${workflowType}`)
  probability(r.failureProbability, where)
  if (!RISK_LEVELS.includes(r.riskLevel) || r.riskLevel !== riskLevelOf(r.failureProbability)) {
    fail(`${where}: riskLevel ${r.riskLevel} for ${r.failureProbability}`)
  }
  if (Math.abs(r.confidence - Math.abs(r.failureProbability - 0.5) * 2) > 1e-12) fail(`${where}: confidence ${r.confidence}`)
  if (!Array.isArray(r.criticalFactors) || r.criticalFactors.length > 5) fail(`${where}: criticalFactors`)
  for (const f of r.criticalFactors) {
    for (const k of ['value', 'weight', 'contribution']) {
      if (!Number.isFinite(f[k])) fail(`${where}: criticalFactors ${f.feature}.${k} = ${f[k]}`)
    }
  }
  if (!Array.isArray(r.recommendations) || !r.recommendations.every((s) => typeof s === 'string')) fail(`${where}: recommendations`)
  if (!Array.isArray(r.imputedFeatures)) fail(`${where}: imputedFeatures`)
}

/** Run `f`; `{ value }` or `{ error }` (the error already checked as coded). */
function outcome(f, where) {
  try {
    return { value: f() }
  } catch (e) {
    return { error: e, code: codedError(e, where) }
  }
}

async function outcomeAsync(f, where) {
  try {
    return { value: await f() }
  } catch (e) {
    return { error: e, code: codedError(e, where) }
  }
}

module.exports = { SENTINEL, RISK_LEVELS, fail, codedError, probability, prediction, outcome, outcomeAsync }
