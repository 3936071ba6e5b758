'use strict'
// What a WorkflowPredictor does in production beside predicting: log its
// predictions (sampled, or not at all) to the outcome store, score the
// registry's challenger in shadow on the same inputs, record outcomes, and
// run the monitor (lib/monitor.js) every so many outcomes. The predictor
// owns the models and their swapping; this module owns the store side.

const { newPredictionId } = require('./prediction-ids')
const { checkOptions, engineError, invalidArg } = require('./errors')
const { OutcomeStore } = require('./outcome-store')
const { Monitor, monitorOptions } = require('./monitor')

const LOG_MODES = ['all', 'sampled', 'off']

/** The predictor options this module reads (`loopOptions`). */
const LOOP_OPTIONS = ['store', 'logPredictions', 'sampleRate', 'shadow', 'monitor', 'evaluateEvery']


/** The production options of a WorkflowPredictor, checked. */
function loopOptions(options) {
  const { store, logPredictions, sampleRate, shadow, monitor, evaluateEvery } = options
  if (store === '' || (store !== undefined && store !== false && store !== true && typeof store !== 'string' && !(store instanceof OutcomeStore))) {
    throw invalidArg('store', 'true, a file path or an OutcomeStore', store)
  }
  if (logPredictions !== undefined && !LOG_MODES.includes(logPredictions)) {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'logPredictions': expected one of 'all', 'sampled', 'off', received ${JSON.stringify(logPredictions)}`, TypeError)
  }
  const mode = logPredictions ?? (sampleRate !== undefined ? 'sampled' : 'all')
  const rate = sampleRate ?? (mode === 'sampled' ? 0.1 : 1)
  if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) throw invalidArg('sampleRate', 'a number in (0, 1]', sampleRate)
  if (mode === 'all' && rate !== 1) throw engineError('ERR_INVALID_ARG', "Invalid argument 'sampleRate': logPredictions 'all' logs every prediction; use 'sampled'", TypeError)
  if (shadow !== undefined && typeof shadow !== 'boolean') throw invalidArg('shadow', 'a boolean', shadow)
  if (monitor !== undefined && monitor !== false && (monitor === null || typeof monitor !== 'object')) throw invalidArg('monitor', 'an object or false', monitor)
  if (evaluateEvery !== undefined && (!Number.isInteger(evaluateEvery) || evaluateEvery < 0)) throw invalidArg('evaluateEvery', 'a whole number ≥ 0', evaluateEvery)
  return {
    store: store === false ? undefined : store,
    mode,
    rate: mode === 'off' ? 0 : rate,
    shadow: shadow !== false,
    monitor: monitor === false ? false : (monitor ?? {}),
    evaluateEvery: evaluateEvery ?? 100,
  }
}

class ProductionLoop {
  #options
  #logger
  #store = null
  #ownsStore = false
  #monitor = null
  #registry
  #outcomesSinceEvaluation = 0
  #warnedShadow = false
  /** The code of the last logging failure warned about. */
  #warnedLog = null
  /** The store's path once close() has let it go: later outcome calls name it. */
  #closedStore = null

  /** `registry` is the models directory's ModelRegistry. */
  constructor(options, { logger, registry }) {
    this.#options = loopOptions(options)
    this.#logger = logger
    this.#registry = registry
    // Checked now, not when the store opens: a bad value fails the constructor.
    if (this.#options.monitor !== false) monitorOptions(this.#options.monitor)
  }

  get enabled() {
    return this.#options.store !== undefined
  }

  get store() {
    return this.#store
  }

  get shadow() {
    return this.#options.shadow
  }

  #adoptStore(store, owned) {
    this.#store = store
    this.#ownsStore = owned
    this.#closedStore = null
    if (this.#options.monitor !== false) this.#monitor = new Monitor({ store, registry: this.#registry, options: this.#options.monitor })
  }

  /** Open the store, if one was asked for (and not given open). */
  async open() {
    const s = this.#options.store
    if (s === undefined || this.#store) return
    if (s instanceof OutcomeStore) return this.#adoptStore(s, false)
    this.#adoptStore(await OutcomeStore.open(s === true ? undefined : s, { logger: this.#logger }), true)
  }

  openSync() {
    const s = this.#options.store
    if (s === undefined || this.#store) return
    if (s instanceof OutcomeStore) return this.#adoptStore(s, false)
    this.#adoptStore(OutcomeStore.openSync(s === true ? undefined : s, { logger: this.#logger }), true)
  }

  #need() {
    if (this.#closedStore !== null) {
      throw engineError('ERR_STORE_CLOSED', `This predictor was closed, and with it its use of the outcome store ${this.#closedStore}: record outcomes before close(), or through a new predictor`)
    }
    if (this.#store === null) {
      throw engineError('ERR_NO_STORE', 'This predictor has no outcome store: create it with new WorkflowPredictor({ store: true }) (or a path, or an OutcomeStore) and initialize it')
    }
    return this.#store
  }

  /** Whether to log the prediction about to be made (the sampling draw). */
  shouldLog() {
    return this.#store !== null && this.#options.rate > 0 && (this.#options.rate === 1 || Math.random() < this.#options.rate)
  }

  /** The challenger's probability for an input, or undefined; a failure never fails the prediction. */
  scoreShadow(score) {
    try {
      return score()
    } catch (error) {
      if (!this.#warnedShadow) {
        this.#warnedShadow = true
        this.#logger.warn(`[ml-engine] The challenger could not score an input (${error.code ?? 'error'}: ${error.message}); its shadow predictions are skipped`)
      }
      return undefined
    }
  }

  newPredictionId() {
    return newPredictionId()
  }

  /**
   * Queue the prediction (and the challenger's shadow prediction) for the
   * store. Logging never fails the prediction it logs: a store closed by its
   * owner, or an input the store cannot keep as it is (an unknown field
   * holding a Date), is warned about once and the prediction goes unlogged.
   */
  log(prediction, features, shadow) {
    const store = this.#store
    const createdAt = Date.now()
    const sampleRate = this.#options.rate
    try {
      store.logPrediction({
        predictionId: prediction.predictionId,
        workflowType: prediction.workflowType,
        modelVersion: prediction.modelVersion,
        probability: prediction.failureProbability,
        features,
        createdAt,
        sampleRate,
      })
      if (shadow !== undefined) {
        store.logPrediction({ predictionId: prediction.predictionId, role: 'challenger', workflowType: prediction.workflowType, modelVersion: shadow.modelVersion, probability: shadow.probability, createdAt, sampleRate })
      }
    } catch (error) {
      if (this.#warnedLog !== error.code) {
        this.#warnedLog = error.code
        this.#logger.warn(`[ml-engine] A prediction was not logged (${error.code ?? 'error'}: ${error.message}); the prediction itself is returned`)
      }
    }
  }

  recordOutcomeSync(subject, failed, options) {
    const r = this.#need().recordOutcomeSync(subject, failed, options)
    this.#counted(1)
    return r
  }

  async recordOutcome(subject, failed, options) {
    const r = await this.#need().recordOutcome(subject, failed, options)
    this.#counted(1)
    return r
  }

  recordOutcomesSync(outcomes) {
    const r = this.#need().recordOutcomesSync(outcomes)
    this.#counted(r.outcomeIds.length)
    return r
  }

  async recordOutcomes(outcomes) {
    const r = await this.#need().recordOutcomes(outcomes)
    this.#counted(r.outcomeIds.length)
    return r
  }

  /** Set by the predictor: runs an evaluation in the background. */
  onDue = null

  #counted(n) {
    this.#outcomesSinceEvaluation += n
    const every = this.#options.evaluateEvery
    if (every > 0 && this.#monitor && this.#outcomesSinceEvaluation >= every && this.onDue) {
      this.#outcomesSinceEvaluation = 0
      this.onDue()
    }
  }

  liveMetricsSync(workflowType, options) {
    return this.#need().liveMetricsSync(metricsQuery(workflowType, options)).groups
  }

  async liveMetrics(workflowType, options) {
    return (await this.#need().liveMetrics(metricsQuery(workflowType, options))).groups
  }

  /** Run the monitor once over the given champion and challenger; the events. */
  async evaluate(champion, challenger) {
    this.#need()
    if (!this.#monitor) return []
    this.#outcomesSinceEvaluation = 0
    return this.#monitor.evaluate({ champion, challenger })
  }

  async recordEvent(kind, figures) {
    if (this.#store) await this.#store.recordEvent(kind, figures)
  }

  async close() {
    // Let go of the store first: predictions made while it closes are not logged, and do not fail.
    const store = this.#store
    if (store === null) return
    this.#store = null
    this.#closedStore = store.path
    if (this.#ownsStore) await store.close()
    else await store.flush()
  }
}

function metricsQuery(workflowType, options) {
  if (workflowType !== undefined && workflowType !== null && typeof workflowType !== 'string') throw invalidArg('workflowType', 'a workflow type', workflowType)
  const o = checkOptions(options, new Set(['window', 'role', 'modelVersions', 'resamples', 'seed']))
  return { ...o, workflowType: workflowType ?? undefined }
}

module.exports = { LOOP_OPTIONS, ProductionLoop, loopOptions }
