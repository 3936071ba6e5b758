'use strict'
// How test files are scored, ordered and subset. Pure functions of the
// current tests, the recorded runs and the workflows' predicted risk; the
// Jest sequencer and the benchmark both call them.
//
// A test's state in a run is "kept" when it covers an affected workflow or
// was itself changed, else "other". For each test:
//   r_t  = 1 − Π (1 − risk_w) over its workflows with a model (the workflow
//          prior); r̄ = mean risk of the workflows with a model;
//   ρ_t  = 2 r_t / (r_t + r̄)  (relative workflow risk, bounded to [0, 2));
//   b_s  = pooled genuine-failure rate of all tests in state s, recency
//          weighted, with one pseudo-run at r̄;
//   π_t  = min(0.99, b_s · ρ_t)  (prior for this test in its current state);
//   p_t  = (κ π_t + f_t) / (κ + n_t), where f_t and n_t are the test's own
//          recency-weighted genuine failures and runs in the same state
//          (weight 0.5^(age / halfLife), age in runs, 0 = newest), κ = 2;
//   c_t  = what the changed files say: for each file changed now, over the
//          recorded runs in which it also changed, the test's smoothed
//          failure rate there, (κ p_t + f_{t,file}) / (κ + n_file) (recency
//          weighted); c_t is the largest, or p_t when no changed file has
//          history. It learns couplings the graph does not declare;
//   P_t  = max(p_t, c_t) (the test's estimated failure probability);
//   φ_t  = flip rate: changes between failed and not failed over its last
//          20 recorded outcomes, divided by their number minus one;
//   score = 1 − (1 − P_t)(1 − flipWeight · φ_t).
// Flaky outcomes (failed, then passed on retry) and skipped ones are not
// failures; flaky ones still count as runs.
//
// Order: kept tests first, then the others; each group by score, then longer
// first (as Jest does), then by path.
//
// Subset at a confidence target c: kept tests and tests without history
// always run; of the others, the riskiest fraction q, with q the smallest
// fraction such that, replayed on the recorded runs with the ranks the tests
// had then, the tests kept at that run plus the top q would have caught a
// share s of the genuine failures (of tests that still exist) with
// s − sqrt(s (1 − s) / N) ≥ c: the share less one binomial standard error
// over the N recorded failures, so that a share measured on few failures
// needs a margin.

const PRIOR_STRENGTH = 2
const FLIP_WINDOW = 20
const RISK_WITHOUT_MODEL = 0.1

function workflowPrior(workflows, workflowRisk) {
  let pass = 1
  let known = false
  for (const w of workflows) {
    const r = workflowRisk[w]
    if (typeof r === 'number' && Number.isFinite(r)) {
      pass *= 1 - r
      known = true
    }
  }
  return known ? 1 - pass : null
}

const isFailure = (status) => status === 'failed'

/**
 * Score the current tests.
 * @param tests [{ file, workflows, kept: 'affected'|'changed'|null }]
 * @param runs recorded runs, oldest first (history.readRuns)
 * @param workflowRisk { [workflowType]: probability | null }
 * @param options.changedFiles the files changed now (as runs record them in `changes.files`)
 * @returns the tests in input order, each with score, failureProbability,
 *   flipRate, runs, failures, flaky, durationMs (last recorded) and isNew
 */
function scoreTests(tests, runs, workflowRisk, { halfLife = 30, flipWeight = 0.5, changedFiles = [] } = {}) {
  const risks = Object.values(workflowRisk).filter((r) => typeof r === 'number' && Number.isFinite(r))
  const meanRisk = risks.length ? risks.reduce((a, b) => a + b, 0) / risks.length : RISK_WITHOUT_MODEL

  // Per test file and state: weighted failures and runs; plus its outcome sequence.
  const byFile = new Map()
  const pooled = { kept: { f: 0, n: 0 }, other: { f: 0, n: 0 } }
  runs.forEach((run, i) => {
    const weight = 0.5 ** ((runs.length - 1 - i) / halfLife)
    for (const t of run.tests) {
      if (t.status === 'skipped') continue
      let entry = byFile.get(t.file)
      if (!entry) byFile.set(t.file, (entry = { kept: { f: 0, n: 0 }, other: { f: 0, n: 0 }, outcomes: [], failures: 0, flaky: 0, runs: 0, durationMs: null }))
      const state = t.kept === 'affected' || t.kept === 'changed' ? 'kept' : 'other'
      const failed = isFailure(t.status)
      entry[state].n += weight
      pooled[state].n += weight
      if (failed) {
        entry[state].f += weight
        pooled[state].f += weight
        entry.failures++
      }
      if (t.status === 'flaky') entry.flaky++
      entry.runs++
      entry.outcomes.push(failed)
      if (typeof t.durationMs === 'number') entry.durationMs = t.durationMs
    }
  })
  // For each file changed now: the weighted number of recorded runs in which
  // it changed too, and each test's weighted failures in those runs.
  const coChange = []
  const changedNow = new Set(changedFiles)
  if (changedNow.size) {
    const perFile = new Map()
    runs.forEach((run, i) => {
      const files = run.changes?.files
      if (!Array.isArray(files)) return
      const weight = 0.5 ** ((runs.length - 1 - i) / halfLife)
      for (const f of files) {
        if (!changedNow.has(f)) continue
        let entry = perFile.get(f)
        if (!entry) perFile.set(f, (entry = { n: 0, failures: new Map() }))
        entry.n += weight
        for (const t of run.tests) if (isFailure(t.status)) entry.failures.set(t.file, (entry.failures.get(t.file) ?? 0) + weight)
      }
    })
    coChange.push(...perFile.values())
  }

  const base = {
    kept: (pooled.kept.f + meanRisk) / (pooled.kept.n + 1),
    other: (pooled.other.f + meanRisk) / (pooled.other.n + 1),
  }

  return tests.map((t) => {
    const state = t.kept === 'affected' || t.kept === 'changed' ? 'kept' : 'other'
    const prior = workflowPrior(t.workflows, workflowRisk) ?? meanRisk
    const relative = (2 * prior) / (prior + meanRisk)
    const pi = Math.min(0.99, base[state] * relative)
    const entry = byFile.get(t.file)
    const own = entry ? entry[state] : { f: 0, n: 0 }
    const ownRate = (PRIOR_STRENGTH * pi + own.f) / (PRIOR_STRENGTH + own.n)
    let p = ownRate
    for (const entry of coChange) p = Math.max(p, (PRIOR_STRENGTH * ownRate + (entry.failures.get(t.file) ?? 0)) / (PRIOR_STRENGTH + entry.n))
    let flipRate = 0
    if (entry && entry.outcomes.length > 1) {
      const recent = entry.outcomes.slice(-FLIP_WINDOW)
      let flips = 0
      for (let i = 1; i < recent.length; i++) if (recent[i] !== recent[i - 1]) flips++
      flipRate = flips / (recent.length - 1)
    }
    return {
      ...t,
      score: 1 - (1 - p) * (1 - flipWeight * flipRate),
      failureProbability: p,
      workflowPrior: prior,
      flipRate,
      runs: entry?.runs ?? 0,
      failures: entry?.failures ?? 0,
      flaky: entry?.flaky ?? 0,
      durationMs: entry?.durationMs ?? null,
      isNew: !entry,
    }
  })
}

function byRisk(a, b) {
  return b.score - a.score || (b.durationMs ?? 0) - (a.durationMs ?? 0) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)
}

/**
 * Kept tests first, then the others, each by score. Each item gets `rank`:
 * its position among the others as a fraction in [0, 1) (null when kept).
 */
function orderTests(scored) {
  const kept = scored.filter((t) => t.kept === 'affected' || t.kept === 'changed').sort(byRisk)
  const others = scored.filter((t) => !(t.kept === 'affected' || t.kept === 'changed')).sort(byRisk)
  return [...kept.map((t) => ({ ...t, rank: null })), ...others.map((t, i) => ({ ...t, rank: i / others.length }))]
}

/**
 * Select the subset for `confidence` (see the top of this file) from
 * `ordered` (orderTests). Returns { selected (in order), confidence, cutoff,
 * estimatedShare, pastFailures, reason }; with no subset possible every test
 * is selected and `reason` says why.
 */
function selectSubset(ordered, runs, { confidence, minRuns = 5 } = {}) {
  const all = (reason) => ({ selected: ordered, confidence, cutoff: 1, estimatedShare: null, pastFailures: null, reason })
  if (confidence === undefined) return all('no confidence target')
  const recorded = runs.filter((r) => r.tests.length > 0)
  if (recorded.length < minRuns) return all(`${recorded.length} recorded run${recorded.length === 1 ? '' : 's'}, ${minRuns} needed before selecting a subset`)
  const currentRank = new Map(ordered.map((t) => [t.file, t.rank ?? 0]))
  let alwaysCaught = 0
  const ranks = []
  for (const run of recorded) {
    for (const t of run.tests) {
      if (!isFailure(t.status) || !currentRank.has(t.file)) continue
      if (t.kept) alwaysCaught++
      else ranks.push(typeof t.rank === 'number' ? t.rank : currentRank.get(t.file))
    }
  }
  const total = alwaysCaught + ranks.length
  if (total === 0) return all('no recorded failure of a current test to calibrate on')
  ranks.sort((a, b) => a - b)
  const meets = (caught) => {
    const share = caught / total
    return share - Math.sqrt((share * (1 - share)) / total) >= confidence - 1e-12
  }
  // The smallest number of recorded failures outside the kept tests to catch
  // (at k = all of them the share is 1, which always meets the target).
  let k = 0
  while (k < ranks.length && !meets(alwaysCaught + k)) k++
  const cutoff = k === 0 ? -1 : ranks[k - 1]
  const caught = alwaysCaught + ranks.filter((r) => r <= cutoff).length
  const selected = ordered.filter((t) => t.rank === null || t.isNew || t.rank <= cutoff)
  return { selected, confidence, cutoff: Math.max(cutoff, 0), estimatedShare: caught / total, pastFailures: total, reason: null }
}

module.exports = { scoreTests, orderTests, selectSubset }
