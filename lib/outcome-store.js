'use strict'
// OutcomeStore: logged predictions, recorded outcomes and monitor events in
// one SQLite file (WAL mode; several processes may write at once). The
// addon does the work (crates/store, src/store.rs); this module checks the
// caller's values, names the field that is wrong, and builds every value it
// returns here, in the caller's realm.
//
// Durability: recordOutcome*/recordOutcomes* return (or resolve) only after
// the outcome is committed. Predictions passed to logPrediction are queued
// and written with the next write, by flush(), or by the flush timer
// (flushIntervalMs); a process that dies loses only queued predictions,
// never an acknowledged outcome.

const path = require('node:path')
const native = require('./binding')
const { awaitNative, callNative, checkOptions, engineError, invalidArg, optionalPath, requiredPath } = require('./errors')
const { faithful } = require('./faithful-json')
const { findProjectRoot } = require('./model-dirs')

const STORE_ENV_VAR = 'DAWG_ML_STORE'
const DEFAULT_STORE_FILE = path.join('.dawg-ml', 'outcomes.sqlite')

/**
 * Where the store lives, and where that setting came from: an explicit
 * path; the DAWG_ML_STORE environment variable; a "dawg-ml": { "store":
 * "<path>" } entry in the project's package.json; else
 * <project>/.dawg-ml/outcomes.sqlite, next to the project's models.
 */
function resolveStorePath({ storePath, env = process.env, cwd = process.cwd() } = {}) {
  if (typeof storePath === 'string' && storePath !== '') return { path: path.resolve(cwd, storePath), source: 'argument' }
  const fromEnv = env[STORE_ENV_VAR]
  if (typeof fromEnv === 'string' && fromEnv !== '') return { path: path.resolve(cwd, fromEnv), source: STORE_ENV_VAR }
  const project = findProjectRoot(cwd) ?? cwd
  let configured
  try {
    configured = JSON.parse(require('node:fs').readFileSync(path.join(project, 'package.json'), 'utf8'))?.['dawg-ml']?.store
  } catch {
    configured = undefined
  }
  if (typeof configured === 'string' && configured !== '') {
    return { path: path.resolve(project, configured), source: `${path.join(project, 'package.json')} "dawg-ml".store` }
  }
  return { path: path.join(project, DEFAULT_STORE_FILE), source: 'project default' }
}


const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Milliseconds since the epoch from a Date or a number; undefined stays undefined. */
function toMs(name, value) {
  if (value === undefined || value === null) return undefined
  const ms = Object.prototype.toString.call(value) === '[object Date]' ? value.getTime() : value
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) throw invalidArg(name, 'a Date or whole milliseconds since the epoch', value)
  return ms
}

function wholeNumber(name, value, min = 1) {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidArg(name, `a whole number ≥ ${min}`, value)
  return value
}

function optionalString(name, value) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalidArg(name, 'a string', value)
  return value
}

function versions(name, value) {
  if (value === undefined || value === null) return undefined
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) throw invalidArg(name, 'a version string or an array of them', value)
  return list
}

const WINDOW_KEYS = new Set(['last', 'first', 'since', 'until', 'ms', 'labelled'])

/**
 * A window as the addon takes it. A number is `{ last: n }`; `{ ms }` is the
 * last `ms` milliseconds; `since`/`until` take Dates or milliseconds.
 */
function nativeWindow(window, name = 'window') {
  if (window === undefined) return {}
  if (typeof window === 'number') return { last: wholeNumber(name, window) }
  checkOptions(window, WINDOW_KEYS, name)
  const out = {
    last: wholeNumber(`${name}.last`, window.last),
    first: wholeNumber(`${name}.first`, window.first),
    since: toMs(`${name}.since`, window.since),
    until: toMs(`${name}.until`, window.until),
  }
  if (window.ms !== undefined) {
    const ms = wholeNumber(`${name}.ms`, window.ms)
    out.since = Math.max(out.since ?? 0, Date.now() - ms)
  }
  if (window.labelled !== undefined) {
    if (typeof window.labelled !== 'boolean') throw invalidArg(`${name}.labelled`, 'a boolean', window.labelled)
    out.labelled = window.labelled
  }
  return out
}

/** One outcome as the addon takes it: `{ predictionId, failed, ... }` or `{ features, failed, ... }`. */
function nativeOutcome(outcome, name) {
  if (!isObject(outcome)) throw invalidArg(name, 'an object { predictionId, failed } or { features, failed }', outcome)
  checkOptions(outcome, OUTCOME_KEYS, name)
  const { predictionId, features, failed, failureType, recordedAt } = outcome
  if (typeof failed !== 'boolean') throw invalidArg(`${name}.failed`, 'a boolean', failed)
  const out = { failed, failureType: optionalString(`${name}.failureType`, failureType), recordedAt: toMs(`${name}.recordedAt`, recordedAt) }
  if (predictionId !== undefined) {
    if (features !== undefined) throw engineError('ERR_INVALID_ARG', `Invalid argument '${name}': give a predictionId or the run's features, not both`, TypeError)
    if (typeof predictionId !== 'string') throw invalidArg(`${name}.predictionId`, 'a string', predictionId)
    out.predictionId = predictionId
  } else {
    if (!isObject(features)) throw invalidArg(`${name}.features`, 'a raw feature object (with workflowType)', features)
    out.features = faithful(features, `${name}.features`, 'ERR_INVALID_FEATURE')
  }
  return out
}
const OUTCOME_KEYS = new Set(['predictionId', 'features', 'failed', 'failureType', 'recordedAt'])

/** `recordOutcome(id, failed, { failureType })` or `recordOutcome({ features, failed })` as one outcome object. */
function outcomeArgs(subject, failed, options) {
  if (isObject(subject)) {
    if (failed !== undefined) throw engineError('ERR_INVALID_ARG', "Invalid argument 'failed': pass it inside the outcome object", TypeError)
    return nativeOutcome(subject, 'outcome')
  }
  if (typeof subject !== 'string') throw invalidArg('predictionId', 'a string (or an outcome object { features, failed })', subject)
  const o = checkOptions(options, new Set(['failureType', 'recordedAt']))
  return nativeOutcome({ predictionId: subject, failed, ...o }, 'outcome')
}

const STORE_OPTIONS = new Set(['busyTimeoutMs', 'synchronous', 'maxRows', 'maxAgeMs', 'flushIntervalMs', 'flushAt', 'logger'])

function nativeStoreOptions(options) {
  const o = checkOptions(options, STORE_OPTIONS)
  if (o.synchronous !== undefined && o.synchronous !== 'full' && o.synchronous !== 'normal') {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'synchronous': expected 'full' or 'normal', received ${JSON.stringify(o.synchronous)}`, TypeError)
  }
  if (o.logger !== undefined && (o.logger === null || typeof o.logger.warn !== 'function')) throw invalidArg('logger', 'an object with a warn() method', o.logger)
  return JSON.stringify({
    busyTimeoutMs: wholeNumber('busyTimeoutMs', o.busyTimeoutMs, 0),
    synchronous: o.synchronous,
    maxRows: wholeNumber('maxRows', o.maxRows),
    maxAgeMs: wholeNumber('maxAgeMs', o.maxAgeMs),
  })
}

const parse = (text) => JSON.parse(text)

class OutcomeStore {
  #native
  #timer = null
  #flushAt
  #logger
  #flushing = null

  /** Use OutcomeStore.open / openSync. */
  constructor(nativeStore, options = {}) {
    if (!(nativeStore instanceof native.NativeOutcomeStore)) {
      throw engineError('ERR_INVALID_ARG', 'Use OutcomeStore.open(path, options) or OutcomeStore.openSync(path, options)', TypeError)
    }
    this.#native = nativeStore
    this.#logger = options.logger ?? console
    this.#flushAt = wholeNumber('flushAt', options.flushAt) ?? 256
    const interval = wholeNumber('flushIntervalMs', options.flushIntervalMs, 0) ?? 1000
    if (interval > 0) {
      this.#timer = setInterval(() => {
        if (this.#native.pending > 0) this.#background()
      }, interval)
      this.#timer.unref?.()
    }
  }

  /** Open (creating it and its directory if needed) the store at `storePath` (see resolveStorePath), off the main thread. */
  static async open(storePath, options = {}) {
    optionalPath('storePath', storePath, 'a non-empty file path, or undefined for the configured store')
    const prepared = nativeStoreOptions(options)
    const file = resolveStorePath({ storePath }).path
    return new OutcomeStore(await awaitNative(native.openOutcomeStore, file, prepared), options)
  }

  static openSync(storePath, options = {}) {
    optionalPath('storePath', storePath, 'a non-empty file path, or undefined for the configured store')
    const prepared = nativeStoreOptions(options)
    const file = resolveStorePath({ storePath }).path
    return new OutcomeStore(callNative(native.openOutcomeStoreSync, file, prepared), options)
  }

  /** The database file. */
  get path() {
    return this.#native.path
  }

  /** Predictions queued and not yet written. */
  get pending() {
    return this.#native.pending
  }

  /** A flush from the timer or the queue size: its failure is a warning, never an unhandled rejection. */
  #background() {
    if (this.#flushing) return
    this.#flushing = awaitNative(() => this.#native.flush())
      .catch((error) => this.#logger.warn(`[ml-engine] Could not write ${this.#native.pending} logged predictions to ${this.path}: ${error.message}`))
      .finally(() => {
        this.#flushing = null
      })
  }

  /**
   * Queue a prediction to be logged: `{ predictionId, workflowType,
   * modelVersion, probability, features?, role?, createdAt?, sampleRate? }`.
   * `features` (the raw object) makes it exportable as training data and
   * usable for drift. Returns the number queued.
   */
  logPrediction(prediction) {
    if (!isObject(prediction)) throw invalidArg('prediction', 'an object', prediction)
    checkOptions(prediction, PREDICTION_KEYS, 'prediction')
    const { predictionId, workflowType, modelVersion, probability, features, role = 'champion', createdAt, sampleRate = 1 } = prediction
    for (const [k, v] of [['predictionId', predictionId], ['workflowType', workflowType], ['modelVersion', modelVersion]]) {
      if (typeof v !== 'string') throw invalidArg(`prediction.${k}`, 'a string', v)
    }
    if (role !== 'champion' && role !== 'challenger') throw invalidArg('prediction.role', "'champion' or 'challenger'", role)
    if (typeof probability !== 'number') throw invalidArg('prediction.probability', 'a number in [0, 1]', probability)
    if (typeof sampleRate !== 'number') throw invalidArg('prediction.sampleRate', 'a number in (0, 1]', sampleRate)
    if (features !== undefined && features !== null && !isObject(features)) throw invalidArg('prediction.features', 'a raw feature object', features)
    const text = features === undefined || features === null ? null : JSON.stringify(faithful(features, 'prediction.features', 'ERR_INVALID_FEATURE'))
    const n = callNative(() => this.#native.logPrediction(predictionId, role, workflowType, modelVersion, probability, text, toMs('prediction.createdAt', createdAt), sampleRate))
    if (n >= this.#flushAt) this.#background()
    return n
  }

  /**
   * Record an outcome: `(predictionId, failed, { failureType?, recordedAt? })`,
   * or `({ features, failed, failureType? })` for a run never predicted
   * (its features must be complete and valid). Returns `{ outcomeId }`
   * once committed. Recording a prediction's outcome again replaces it.
   */
  recordOutcomeSync(subject, failed, options) {
    const o = outcomeArgs(subject, failed, options)
    if (o.predictionId !== undefined) {
      return { outcomeId: Number(callNative(() => this.#native.recordOutcomeSync(o.predictionId, o.failed, o.failureType, o.recordedAt))) }
    }
    return { outcomeId: parse(callNative(() => this.#native.writeSync(JSON.stringify({ outcomes: [o] })))).outcomeIds[0] }
  }

  async recordOutcome(subject, failed, options) {
    const o = outcomeArgs(subject, failed, options)
    if (o.predictionId !== undefined) {
      return { outcomeId: Number(await awaitNative(() => this.#native.recordOutcome(o.predictionId, o.failed, o.failureType, o.recordedAt))) }
    }
    return { outcomeId: parse(await awaitNative(() => this.#native.write(JSON.stringify({ outcomes: [o] })))).outcomeIds[0] }
  }

  /** Record many outcomes in one transaction: all or none. Returns `{ outcomeIds }`. */
  recordOutcomesSync(outcomes) {
    const batch = outcomesBatch(outcomes)
    return { outcomeIds: parse(callNative(() => this.#native.writeSync(batch))).outcomeIds }
  }

  async recordOutcomes(outcomes) {
    const batch = outcomesBatch(outcomes)
    return { outcomeIds: parse(await awaitNative(() => this.#native.write(batch))).outcomeIds }
  }

  /** Store a monitor event (`kind`, its figures) with the queued predictions. */
  recordEventSync(kind, figures, options) {
    return { eventId: parse(callNative(() => this.#native.writeSync(eventBatch(kind, figures, options)))).eventIds[0] }
  }

  async recordEvent(kind, figures, options) {
    return { eventId: parse(await awaitNative(() => this.#native.write(eventBatch(kind, figures, options)))).eventIds[0] }
  }

  /** Write the queued predictions now. Returns `{ written }`. */
  flushSync() {
    return { written: Number(callNative(() => this.#native.flushSync())) }
  }

  async flush() {
    if (this.#flushing) await this.#flushing
    return { written: Number(await awaitNative(() => this.#native.flush())) }
  }

  #querySync(request) {
    return parse(callNative(() => this.#native.querySync(JSON.stringify(request))))
  }

  async #query(request) {
    return parse(await awaitNative(() => this.#native.query(JSON.stringify(request))))
  }

  /**
   * Metrics per workflow and model version over `window` (of predictions):
   * `{ groups: [{ workflowType, modelVersion, predictions, labelled,
   * metrics, expected }] }`.
   */
  liveMetricsSync(options) {
    return this.#querySync(liveMetricsRequest(options))
  }

  liveMetrics(options) {
    return this.#query(liveMetricsRequest(options))
  }

  /** PSI per feature and of the score for one workflow and model version. */
  driftSync(options) {
    return this.#querySync(driftRequest(options))
  }

  drift(options) {
    return this.#query(driftRequest(options))
  }

  /**
   * The live report: per workflow and model version, the training report's
   * plots from the recorded outcomes, and the drift per feature. `{ models,
   * workflowType, window, out, threshold, baselineRows }` (with `workflowType`,
   * that workflow's section alone); with `out` the page is written
   * there atomically, else returned as `html`. Resolves to `{ html? | path?,
   * workflows }`.
   */
  renderLiveReportSync(options) {
    return this.#querySync(liveReportRequest(options))
  }

  renderLiveReport(options) {
    return this.#query(liveReportRequest(options))
  }

  /** The paired test of a shadowed challenger against the champion. */
  promotionTestSync(options) {
    return this.#querySync(promotionRequest(options))
  }

  promotionTest(options) {
    return this.#query(promotionRequest(options))
  }

  /** Whether the champion's live log-loss exceeds `reference` by more than the margin. */
  degradationTestSync(options) {
    return this.#querySync(degradationRequest(options))
  }

  degradationTest(options) {
    return this.#query(degradationRequest(options))
  }

  /** Logged predictions (with outcomes when recorded), oldest first: `{ rows }`. */
  predictionsSync(options) {
    return this.#querySync(predictionsRequest(options))
  }

  predictions(options) {
    return this.#query(predictionsRequest(options))
  }

  /** The recorded outcomes of `predictionIds`: `{ [predictionId]: { outcomeId, failed, failureType, recordedAt } }` for those that have one. */
  outcomesSync(predictionIds) {
    return this.#querySync(outcomesRequest(predictionIds)).outcomes
  }

  async outcomes(predictionIds) {
    return (await this.#query(outcomesRequest(predictionIds))).outcomes
  }

  /** Predictions, outcomes and failures per workflow, model version and role: `{ groups }`. */
  summarySync() {
    return this.#querySync({ op: 'summary' })
  }

  summary() {
    return this.#query({ op: 'summary' })
  }

  /** `{ predictions, outcomes, runOutcomes, events }`. */
  countsSync() {
    return this.#querySync({ op: 'counts' })
  }

  counts() {
    return this.#query({ op: 'counts' })
  }

  /** Stored events, oldest first: `{ events }`. */
  eventsSync(options) {
    return this.#querySync(eventsRequest(options))
  }

  events(options) {
    return this.#query(eventsRequest(options))
  }

  /**
   * Write the outcomes as JSONL training data (`{ features, failed }` per
   * line, what `dawg-ml train --data` reads) to `file`, atomically.
   * Returns `{ rows, withoutFeatures }`.
   */
  exportJsonlSync(file, filter) {
    const [target, f] = exportArgs(file, filter)
    return parse(callNative(() => this.#native.exportJsonlSync(target, f)))
  }

  async exportJsonl(file, filter) {
    const [target, f] = exportArgs(file, filter)
    return parse(await awaitNative(() => this.#native.exportJsonl(target, f)))
  }

  /** Enforce the retention bounds now: `{ predictions, outcomes, events }` removed. */
  pruneSync() {
    return parse(callNative(() => this.#native.pruneSync()))
  }

  async prune() {
    return parse(await awaitNative(() => this.#native.prune()))
  }

  /** Write the queued predictions and close. Later calls reject with ERR_STORE_CLOSED. */
  closeSync() {
    this.#stopTimer()
    return { written: Number(callNative(() => this.#native.closeSync())) }
  }

  async close() {
    this.#stopTimer()
    if (this.#flushing) await this.#flushing
    return { written: Number(await awaitNative(() => this.#native.close())) }
  }

  #stopTimer() {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }
}

const PREDICTION_KEYS = new Set(['predictionId', 'workflowType', 'modelVersion', 'probability', 'features', 'role', 'createdAt', 'sampleRate'])

function outcomesBatch(outcomes) {
  if (!Array.isArray(outcomes)) throw invalidArg('outcomes', 'an array of outcomes', outcomes)
  return JSON.stringify({ outcomes: outcomes.map((o, i) => nativeOutcome(o, `outcomes[${i}]`)) })
}

function eventBatch(kind, figures, options) {
  if (typeof kind !== 'string') throw invalidArg('kind', 'a string', kind)
  if (!isObject(figures)) throw invalidArg('figures', 'an object', figures)
  const o = checkOptions(options, new Set(['workflowType', 'modelVersion', 'createdAt']))
  return JSON.stringify({
    events: [{ kind, figures: faithful(figures, 'figures', 'ERR_INVALID_ARG', { convert: true }), workflowType: optionalString('workflowType', o.workflowType), modelVersion: optionalString('modelVersion', o.modelVersion), createdAt: toMs('createdAt', o.createdAt) }],
  })
}

function liveMetricsRequest(options) {
  const o = checkOptions(options, new Set(['workflowType', 'role', 'modelVersions', 'window', 'resamples', 'seed']))
  return {
    op: 'liveMetrics',
    workflowType: optionalString('workflowType', o.workflowType),
    role: o.role,
    modelVersions: versions('modelVersions', o.modelVersions),
    window: nativeWindow(o.window),
    resamples: wholeNumber('resamples', o.resamples, 0),
    seed: wholeNumber('seed', o.seed, 0),
  }
}

function driftRequest(options) {
  const o = checkOptions(options, new Set(['workflowType', 'modelVersion', 'reference', 'baselineRows', 'window', 'threshold']))
  if (typeof o.workflowType !== 'string') throw invalidArg('workflowType', 'a workflow type', o.workflowType)
  if (typeof o.modelVersion !== 'string') throw invalidArg('modelVersion', 'a model version', o.modelVersion)
  if (o.threshold !== undefined && typeof o.threshold !== 'number') throw invalidArg('threshold', 'a number', o.threshold)
  return {
    op: 'drift',
    workflowType: o.workflowType,
    modelVersion: o.modelVersion,
    reference: o.reference ?? null,
    baselineRows: wholeNumber('baselineRows', o.baselineRows, 2),
    window: nativeWindow(o.window),
    threshold: o.threshold,
  }
}

/** The window in words, for the report's header. */
function windowSaid(w) {
  const parts = []
  if (w.last !== undefined) parts.push(`the newest ${w.last} predictions`)
  if (w.first !== undefined) parts.push(`the first ${w.first} predictions`)
  if (w.since !== undefined) parts.push(`since ${new Date(w.since).toISOString()}`)
  if (w.until !== undefined) parts.push(`until ${new Date(w.until).toISOString()}`)
  if (w.labelled) parts.push('with a recorded outcome')
  return parts.length ? parts.join(', ') : 'every logged prediction'
}

function liveReportRequest(options) {
  const o = checkOptions(options, new Set(['models', 'workflowType', 'window', 'out', 'threshold', 'baselineRows']))
  if (o.models !== undefined && (typeof o.models !== 'string' || o.models === '')) throw invalidArg('models', 'a models directory', o.models)
  if (o.out !== undefined && (typeof o.out !== 'string' || o.out === '')) throw invalidArg('out', 'a file path', o.out)
  if (o.threshold !== undefined && (typeof o.threshold !== 'number' || !(o.threshold > 0))) throw invalidArg('threshold', 'a PSI > 0', o.threshold)
  const window = nativeWindow(o.window)
  return {
    op: 'liveReport',
    workflowType: optionalString('workflowType', o.workflowType),
    modelsDir: o.models === undefined ? require('./model-dirs').resolveModelsDir().dir : path.resolve(o.models),
    window,
    windowSaid: windowSaid(window),
    out: o.out === undefined ? undefined : path.resolve(o.out),
    generatedAt: new Date().toISOString(),
    threshold: o.threshold,
    baselineRows: wholeNumber('baselineRows', o.baselineRows, 2),
  }
}

function rule(value, keys) {
  const o = checkOptions(value, new Set(keys), 'rule')
  for (const k of keys) if (o[k] !== undefined && typeof o[k] !== 'number') throw invalidArg(`rule.${k}`, 'a number', o[k])
  return o
}

function promotionRequest(options) {
  const o = checkOptions(options, new Set(['workflowType', 'championVersions', 'challengerVersions', 'window', 'rule']))
  return {
    op: 'promotionTest',
    workflowType: optionalString('workflowType', o.workflowType),
    championVersions: versions('championVersions', o.championVersions),
    challengerVersions: versions('challengerVersions', o.challengerVersions),
    window: nativeWindow(o.window),
    rule: rule(o.rule, ['margin', 'minPairs', 'alpha']),
  }
}

function degradationRequest(options) {
  const o = checkOptions(options, new Set(['workflowType', 'modelVersions', 'reference', 'window', 'rule']))
  if (typeof o.reference !== 'number') throw invalidArg('reference', 'the log-loss expected of the model', o.reference)
  return {
    op: 'degradationTest',
    workflowType: optionalString('workflowType', o.workflowType),
    modelVersions: versions('modelVersions', o.modelVersions),
    reference: o.reference,
    window: nativeWindow(o.window),
    rule: rule(o.rule, ['margin', 'minRows', 'alpha']),
  }
}

function predictionsRequest(options) {
  const o = checkOptions(options, new Set(['role', 'workflowType', 'modelVersions', 'window', 'withFeatures']))
  return {
    op: 'predictions',
    role: o.role,
    workflowType: optionalString('workflowType', o.workflowType),
    modelVersions: versions('modelVersions', o.modelVersions),
    window: nativeWindow(o.window),
    withFeatures: o.withFeatures === true,
  }
}

function outcomesRequest(predictionIds) {
  if (!Array.isArray(predictionIds) || predictionIds.some((id) => typeof id !== 'string')) throw invalidArg('predictionIds', 'an array of strings', predictionIds)
  return { op: 'outcomes', predictionIds }
}

function eventsRequest(options) {
  const o = checkOptions(options, new Set(['kind', 'last']))
  return { op: 'events', kind: optionalString('kind', o.kind), last: wholeNumber('last', o.last) }
}

function exportArgs(file, filter) {
  requiredPath('file', file, 'a file path')
  const o = checkOptions(filter, new Set(['workflowType', 'since']), 'filter')
  return [path.resolve(file), JSON.stringify({ workflowType: optionalString('workflowType', o.workflowType), since: toMs('since', o.since) })]
}

module.exports = { OutcomeStore, resolveStorePath, nativeWindow, STORE_ENV_VAR, DEFAULT_STORE_FILE }
