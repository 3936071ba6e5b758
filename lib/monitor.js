'use strict'
// The production loop's decisions, from what the outcome store holds:
// drift of each champion model's traffic, degradation of a promoted version
// (rolled back when it has a predecessor), and promotion of a shadowed
// challenger. The tests themselves run in the addon (crates/engine/src/
// monitor, through the store); this module decides what they mean, moves the
// registry's pointer, and stores every decision with its figures (as an
// event in the store, and in the registry's history).
//
// Thresholds (all options, defaults below):
//   drift:       PSI ≥ threshold for a feature or the score, over ≥ minRows
//                logged predictions of the version in the window.
//   promotion:   one-sided paired t test on per-run log-loss differences
//                (champion − challenger) over the runs both scored since the
//                challenger was set: promote when n ≥ minPairs and the mean
//                difference exceeds margin at level alpha.
//   degradation: one-sided t test of a promoted version's per-run log-loss
//                (since its promotion) against the log-loss it showed in
//                shadow when it was promoted (or, lacking that, its model
//                file's held-out log-loss): degraded when n ≥ minRows and it
//                exceeds that by more than margin at level alpha.

const { checkOptions, engineError, invalidArg } = require('./errors')
const { nativeWindow } = require('./outcome-store')

const DEFAULTS = {
  window: { last: 2000 },
  drift: { threshold: 0.25, minRows: 100, baselineRows: 500 },
  promotion: { auto: true, margin: 0.01, minPairs: 200, alpha: 0.05 },
  degradation: { auto: true, margin: 0.05, minRows: 200, alpha: 0.05 },
}

const SECTIONS = {
  drift: ['threshold', 'minRows', 'baselineRows'],
  promotion: ['auto', 'margin', 'minPairs', 'alpha'],
  degradation: ['auto', 'margin', 'minRows', 'alpha'],
}

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v)
const wholeAtLeast = (min) => [`a whole number ≥ ${min}`, (v) => Number.isInteger(v) && v >= min]
/**
 * What each option must be, checked when the monitor is made: a value the
 * tests cannot use would otherwise fail every later evaluation, which runs
 * in the background of a predictor and only warns.
 */
const RULES = {
  'drift.threshold': ['a number > 0', (v) => isNumber(v) && v > 0],
  'drift.minRows': wholeAtLeast(1),
  'drift.baselineRows': wholeAtLeast(2),
  'promotion.auto': ['a boolean', (v) => typeof v === 'boolean'],
  'promotion.margin': ['a number ≥ 0', (v) => isNumber(v) && v >= 0],
  'promotion.minPairs': wholeAtLeast(2),
  'promotion.alpha': ['a number between 0 and 1 (exclusive)', (v) => isNumber(v) && v > 0 && v < 1],
  'degradation.auto': ['a boolean', (v) => typeof v === 'boolean'],
  'degradation.margin': ['a number ≥ 0', (v) => isNumber(v) && v >= 0],
  'degradation.minRows': wholeAtLeast(2),
  'degradation.alpha': ['a number between 0 and 1 (exclusive)', (v) => isNumber(v) && v > 0 && v < 1],
}

/** The monitor's options with the defaults filled in; unknown keys and bad values refused. */
function monitorOptions(options) {
  const o = checkOptions(options, new Set(['window', ...Object.keys(SECTIONS)]), 'monitor')
  const out = { window: o.window ?? DEFAULTS.window }
  // Checked as the store will read it (a `ms` window is resolved at each evaluation).
  nativeWindow(out.window, 'monitor.window')
  for (const [section, keys] of Object.entries(SECTIONS)) {
    const given = checkOptions(o[section], new Set(keys), `monitor.${section}`)
    out[section] = { ...DEFAULTS[section], ...given }
    for (const key of keys) {
      const v = out[section][key]
      const [expected, ok] = RULES[`${section}.${key}`]
      if (!ok(v)) {
        throw engineError('ERR_INVALID_ARG', `Invalid argument 'monitor.${section}.${key}': expected ${expected}, received ${JSON.stringify(v) ?? typeof v}`, TypeError)
      }
    }
  }
  return out
}

/** `evaluate`'s input: `{ champion: [...], challenger: { version, models } | null }`. */
function checkEvaluation(input) {
  if (input === undefined) throw invalidArg('input', 'an object { champion, challenger }', input)
  const o = checkOptions(input, new Set(['champion', 'challenger']), 'input')
  if (!Array.isArray(o.champion)) throw invalidArg('champion', 'an array of { workflowType, modelVersion }', o.champion)
  o.champion.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof m.workflowType !== 'string' || typeof m.modelVersion !== 'string') {
      throw invalidArg(`champion[${i}]`, 'an object { workflowType, modelVersion }', m)
    }
  })
  const c = o.challenger
  if (c !== undefined && c !== null && (typeof c !== 'object' || typeof c.version !== 'string' || !Array.isArray(c.models))) {
    throw invalidArg('challenger', 'null or { version, models: [...] }', c)
  }
  return { champion: o.champion, challenger: c ?? null }
}

/** The last decision in `history` that made `version` current (or challenger). */
function decisionFor(history, version, actions) {
  for (let i = history.length - 1; i >= 0; i--) {
    const d = history[i]
    if (d.version === version && actions.includes(d.action)) return d
  }
  return null
}

class Monitor {
  #store
  #registry
  #options
  /** (workflow, model version) pairs whose drift was reported and has not cleared. */
  #drifting = new Set()
  /** (version, workflow) pairs reported degraded. */
  #degraded = new Set()

  /**
   * @param {{ store: import('./outcome-store').OutcomeStore, registry: import('./registry').ModelRegistry | null, options?: object }} parts
   */
  constructor(parts) {
    if (parts === undefined) throw invalidArg('parts', 'an object { store, registry, options }', parts)
    const { store, registry, options } = checkOptions(parts, new Set(['store', 'registry', 'options']), 'parts')
    // Tag checks, not instanceof: the parts may come from the caller's realm (this module is the package's).
    if (store === null || typeof store !== 'object' || typeof store.drift !== 'function') throw invalidArg('store', 'an open OutcomeStore', store)
    if (registry !== undefined && registry !== null && (typeof registry !== 'object' || typeof registry.state !== 'function')) {
      throw invalidArg('registry', 'a ModelRegistry or null', registry)
    }
    this.#store = store
    this.#registry = registry ?? null
    this.#options = monitorOptions(options)
  }

  get options() {
    return this.#options
  }

  /**
   * Run every check once. `champion` lists the loaded models
   * (`{ workflowType, modelVersion, reference, logLoss }`), `challenger` the
   * shadowed version (`{ version, models }`) or null. Returns the events,
   * in order: `{ type: 'drift' | 'degraded' | 'rolledBack' | 'promoted', payload }`.
   */
  async evaluate(input) {
    const { champion, challenger } = checkEvaluation(input)
    const events = []
    const emit = async (type, payload, tags = {}) => {
      await this.#store.recordEvent(type, payload, tags)
      events.push({ type, payload })
    }
    await this.#checkDrift(champion, emit)
    const state = this.#registry ? await this.#registry.state() : null
    if (state) {
      const rolledBack = await this.#checkDegradation(state, champion, emit)
      if (!rolledBack && challenger) await this.#checkChallenger(state, champion, challenger, emit)
    }
    return events
  }

  async #checkDrift(champion, emit) {
    const { drift, window } = this.#options
    for (const m of champion) {
      const report = await this.#store.drift({
        workflowType: m.workflowType,
        modelVersion: m.modelVersion,
        reference: m.reference ?? null,
        baselineRows: drift.baselineRows,
        window,
        threshold: drift.threshold,
      })
      const key = `${m.workflowType}\u0000${m.modelVersion}`
      if (report.rows < drift.minRows || report.drifted.length === 0) {
        this.#drifting.delete(key)
        continue
      }
      if (this.#drifting.has(key)) continue
      this.#drifting.add(key)
      const live = await this.#store.liveMetrics({ workflowType: m.workflowType, modelVersions: [m.modelVersion], window, resamples: 0 })
      const group = live.groups[0]
      await emit(
        'drift',
        {
          workflowType: m.workflowType,
          modelVersion: m.modelVersion,
          rows: report.rows,
          threshold: drift.threshold,
          scorePsi: report.scorePsi,
          features: report.features.filter((f) => f.psi >= drift.threshold),
          drifted: report.drifted,
          referenceSource: report.referenceSource,
          // Without outcomes: what the probabilities themselves lead to expect.
          expectedLogLoss: group?.expected.logLoss ?? null,
          liveLogLoss: group?.metrics.logLoss ?? null,
          referenceLogLoss: m.logLoss ?? null,
        },
        { workflowType: m.workflowType, modelVersion: m.modelVersion },
      )
    }
  }

  /** A promoted current version whose trained models degrade is rolled back. Returns whether it was. */
  async #checkDegradation(state, champion, emit) {
    const promoted = decisionFor(state.history, state.current, ['promote', 'rollback', 'import'])
    if (!promoted || promoted.action !== 'promote') return false
    const { degradation } = this.#options
    const manifest = await this.#registry.manifest(state.current)
    const since = Date.parse(promoted.at)
    const failing = []
    for (const m of champion) {
      const entry = manifest.workflows[m.workflowType]
      if (!entry || entry.origin !== 'trained' || entry.modelVersion !== m.modelVersion) continue
      const shadow = promoted.figures?.byWorkflow?.find((b) => b.workflowType === m.workflowType)?.test?.challengerLogLoss
      const reference = shadow ?? promoted.figures?.overall?.challengerLogLoss ?? m.logLoss
      if (typeof reference !== 'number') continue
      const test = await this.#store.degradationTest({
        workflowType: m.workflowType,
        modelVersions: [m.modelVersion],
        reference,
        window: { since },
        rule: { margin: degradation.margin, minRows: degradation.minRows, alpha: degradation.alpha },
      })
      if (!test.degraded) continue
      const key = `${state.current}\u0000${m.workflowType}`
      failing.push({ workflowType: m.workflowType, modelVersion: m.modelVersion, test })
      if (this.#degraded.has(key)) continue
      this.#degraded.add(key)
      await emit('degraded', { version: state.current, workflowType: m.workflowType, modelVersion: m.modelVersion, test }, { workflowType: m.workflowType, modelVersion: m.modelVersion })
    }
    if (failing.length === 0 || !degradation.auto || state.previous.length === 0) return false
    const reason = `${failing.map((f) => f.workflowType).join(', ')} degraded since ${state.current} was promoted: ${failing[0].test.reason}`
    const next = await changed(this.#registry.rollback({ reason, figures: { degraded: failing }, ifCurrent: state.current, ifRevision: state.revision }))
    if (next === null) return false
    await emit('rolledBack', { from: state.current, to: next.current, reason, degraded: failing })
    return true
  }

  async #checkChallenger(state, champion, challenger, emit) {
    const { promotion } = this.#options
    const set = decisionFor(state.history, challenger.version, ['challenger'])
    const since = set ? Date.parse(set.at) : undefined
    const test = await this.#store.promotionTest({
      championVersions: champion.map((m) => m.modelVersion),
      challengerVersions: challenger.models.map((m) => m.modelVersion),
      window: since === undefined ? {} : { since },
      rule: { margin: promotion.margin, minPairs: promotion.minPairs, alpha: promotion.alpha },
    })
    if (!test.overall.promote || !promotion.auto) return
    const next = await changed(this.#registry.promote(challenger.version, { reason: test.overall.reason, figures: test, ifCurrent: state.current, ifRevision: state.revision }))
    if (next === null) return
    await emit('promoted', { from: state.current, to: next.current, reason: test.overall.reason, test })
  }
}

/**
 * The registry's new state, or null when another process moved the pointer
 * after this evaluation read it: the decision was made for a state that is
 * gone, and the next evaluation decides on the new one.
 */
async function changed(decided) {
  try {
    return await decided
  } catch (error) {
    if (error?.code === 'ERR_VERSION_CHANGED') return null
    throw error
  }
}

module.exports = { Monitor, monitorOptions, MONITOR_DEFAULTS: DEFAULTS }
