'use strict'
// WorkflowPredictor and the process-wide getWorkflowPredictor() singleton,
// with the old engine's API. Validation and prediction run in the native
// addon; every value handed back is built here, in the caller's realm (Jest
// runs each test file in its own vm context, and objects the addon made would
// fail `toBeInstanceOf(Array)` there).

const path = require('node:path')
const { EventEmitter } = require('node:events')
const native = require('./lib/binding')
const { awaitNative, callNative, checkOptions, engineError, invalidArg, localise, shown } = require('./lib/errors')
const reader = require('./lib/feature-reader')
const buildPrediction = require('./lib/generated/build-prediction')
const { SHIPPED_MODELS_DIR, resolveModelsDir } = require('./lib/model-dirs')
const typed = require('./lib/typed-arrays')
const { slicer } = require('./lib/time-slices')
const { ModelRegistry } = require('./lib/registry')
const { LOOP_OPTIONS, ProductionLoop } = require('./lib/production-loop')

/** The models shipped with the package. */
const DEFAULT_MODELS_DIR = SHIPPED_MODELS_DIR

const NAMES = Array.from(native.getStringTable())
const SHAPE = JSON.parse(native.getPredictionShape())
const UNKNOWN_FIELDS = ['warn', 'error', 'ignore']

/** Buffers one encoded object and its flat prediction fit in. */
function scratch() {
  return { f64: new Float64Array(SHAPE.maxSlots), tags: new Uint8Array(SHAPE.maxSlots) }
}

/**
 * What one call predicts with, swapped whole by reload(): a call reads it
 * once, so it never mixes two versions.
 * { models, scratch (the handle of models' attached buffers, for native.predictScratch),
 *   info (per workflow index: { workflowType, modelVersion, verdict, path } or null),
 *   stats (parsed model files, on demand), version (registry id or null), revision,
 *   challenger: { models, info, version } | null }
 */
function snapshot(models, scratch, info, version, revision, challenger) {
  return { models, scratch, info, stats: new Map(), version, revision, challenger }
}

const PREDICTOR_OPTIONS = new Set(['modelsDir', 'fallbackModelsDir', 'strict', 'unknownFields', 'logger', 'maxModelBytes', 'watch', ...LOOP_OPTIONS])

/** A predictor's options: an object of known keys, with a usable `modelsDir` (the rest are checked where they are read). */
function checkPredictorOptions(options) {
  checkOptions(options ?? null, PREDICTOR_OPTIONS, 'options')
  const { modelsDir } = options
  if (modelsDir !== undefined && (typeof modelsDir !== 'string' || modelsDir === '')) throw invalidArg('modelsDir', 'a non-empty directory path', modelsDir)
}

class WorkflowPredictor extends EventEmitter {
  #modelsDir
  #dirs
  #loadOptions
  #strict
  #unknownFields
  #logger
  #active = null
  #registry
  #loop
  #watch
  #watchTimer = null
  #reloading = null
  #evaluating = null
  /** The buffers attached to every loaded models object (see NativeModels.attachScratch). */
  #scratch = scratch()
  /** Calls in progress: a getter of an input may predict again while it is read. */
  #depth = 0
  #warnedKeys = new Set()
  #warnedVerdict = new Set()
  #warnedChallenger = null

  /**
   * @param {import('./workflow-predictors').WorkflowPredictorOptions} [options]
   */
  constructor(options = {}) {
    checkPredictorOptions(options)
    super()
    const { modelsDir, fallbackModelsDir, strict, unknownFields, logger, maxModelBytes, watch } = options
    if (fallbackModelsDir !== undefined && fallbackModelsDir !== null && typeof fallbackModelsDir !== 'string') {
      throw invalidArg('fallbackModelsDir', 'a string or null', fallbackModelsDir)
    }
    if (strict !== undefined && typeof strict !== 'boolean') throw invalidArg('strict', 'a boolean', strict)
    if (unknownFields !== undefined && !UNKNOWN_FIELDS.includes(unknownFields)) {
      throw engineError('ERR_INVALID_ARG', `Invalid argument 'unknownFields': expected one of 'warn', 'error', 'ignore', received ${shown(unknownFields)}`, TypeError)
    }
    if (maxModelBytes !== undefined && !(Number.isSafeInteger(maxModelBytes) && maxModelBytes >= 1)) {
      throw engineError('ERR_INVALID_ARG', `Invalid argument 'maxModelBytes': expected a whole number of bytes of at least 1, received ${shown(maxModelBytes)}`, TypeError)
    }
    this.#loadOptions = maxModelBytes === undefined ? {} : { maxModelBytes }
    if (logger !== undefined && (logger === null || typeof logger.warn !== 'function')) throw invalidArg('logger', 'an object with a warn() method', logger)
    this.#strict = strict === true
    this.#unknownFields = unknownFields ?? (this.#strict ? 'error' : 'warn')
    this.#logger = logger ?? console
    if (modelsDir !== undefined) {
      // An explicit directory: its models only, unless a fallback is named.
      this.#modelsDir = path.resolve(modelsDir)
      this.#dirs = fallbackModelsDir ? [this.#modelsDir, path.resolve(fallbackModelsDir)] : [this.#modelsDir]
    } else {
      // The user's trained models (see lib/model-dirs.js), then the shipped ones per workflow.
      const { dir } = resolveModelsDir()
      this.#modelsDir = dir
      const fallback = fallbackModelsDir === undefined ? SHIPPED_MODELS_DIR : fallbackModelsDir
      const dirs = require('node:fs').existsSync(dir) ? [dir] : []
      if (fallback && path.resolve(fallback) !== dir) dirs.push(path.resolve(fallback))
      this.#dirs = dirs.length ? dirs : [dir]
    }
    // The first directory may be a registry (versions and a current pointer).
    this.#registry = new ModelRegistry(this.#modelsDir)
    this.#loop = new ProductionLoop(options, { logger: this.#logger, registry: this.#registry })
    this.#loop.onDue = () => this.#background(() => this.evaluate())
    if (watch !== undefined && typeof watch !== 'boolean' && !(watch !== null && typeof watch === 'object' && Number.isInteger(watch.intervalMs) && watch.intervalMs > 0)) {
      throw invalidArg('watch', 'a boolean or { intervalMs }', watch)
    }
    this.#watch = watch === true ? { intervalMs: 1000 } : watch || null
  }

  /** The directory models are loaded from first. */
  get modelsDir() {
    return this.#modelsDir
  }

  /** Whether missing fields are rejected instead of imputed. */
  get strict() {
    return this.#strict
  }

  /** Where each loaded model came from: { [workflowType]: { path, modelVersion, verdict } }. */
  get modelSources() {
    const out = {}
    for (const m of this.#active?.info ?? []) if (m) out[m.workflowType] = { path: m.path, modelVersion: m.modelVersion, verdict: m.verdict }
    return out
  }

  /**
   * Load the models (off the main thread): from the registry's current
   * version when the models directory is a registry. A workflow whose file
   * is missing or invalid is skipped with a warning. Opens the outcome
   * store when one was asked for, and starts watching when `watch` is set.
   */
  async initialize() {
    await this.#loop.open()
    const { current, challenger, revision } = await this.#resolve()
    const models = await awaitNative(native.loadModels, current.dirs, this.#loadOptions)
    const shadow = challenger && (await awaitNative(native.loadModels, [challenger.dir], this.#loadOptions))
    this.#active = this.#adopt(models, current.version, revision, challenger && { models: shadow, version: challenger.version })
    this.#startWatching()
  }

  /** `initialize()`, blocking. */
  initializeSync() {
    this.#loop.openSync()
    const { current, challenger, revision } = this.#resolveSync()
    const models = callNative(native.loadModelsSync, current.dirs, this.#loadOptions)
    const shadow = challenger && callNative(native.loadModelsSync, [challenger.dir], this.#loadOptions)
    this.#active = this.#adopt(models, current.version, revision, challenger && { models: shadow, version: challenger.version })
    this.#startWatching()
  }

  /** Where to load from: the registry's current (and challenger) version, or the directories as they are. */
  #resolved(resolution) {
    const [first, ...rest] = this.#dirs
    const current = resolution.current
    const dirs = current.version === null ? this.#dirs : [current.dir, ...rest.filter((d) => d !== first)]
    const shadowing = this.#loop.shadow && this.#loop.enabled
    if (shadowing && resolution.challengerProblem && resolution.challengerProblem !== this.#warnedChallenger) {
      // Warned once per problem: the current version serves, unshadowed.
      this.#warnedChallenger = resolution.challengerProblem
      this.#logger.warn(`[ml-engine] The challenger cannot be loaded, so no shadow predictions are made: ${resolution.challengerProblem}`)
    }
    const challenger = shadowing ? resolution.challenger : null
    return { current: { dirs, version: current.version }, challenger, revision: resolution.revision }
  }

  async #resolve() {
    return this.#resolved(await this.#registry.resolve())
  }

  #resolveSync() {
    return this.#resolved(this.#registry.resolveSync())
  }

  #adopt(models, version, revision, challenger) {
    const scratch = models.attachScratch(this.#scratch.f64, this.#scratch.tags)
    for (const warning of models.warnings) this.#logger.warn(`[ml-engine] ${warning}`)
    const info = JSON.parse(models.modelInfoJson())
    if (this.#dirs.length > 1) {
      const byDir = new Map()
      for (const m of info) {
        if (!m) continue
        const dir = path.dirname(m.path)
        if (!byDir.has(dir)) byDir.set(dir, [])
        byDir.get(dir).push(m.workflowType)
      }
      if (byDir.size > 1) {
        const parts = [...byDir].map(([dir, types]) => `${types.join(', ')} from ${dir === SHIPPED_MODELS_DIR ? `the shipped models (${dir})` : dir}`)
        this.#logger.warn(`[ml-engine] Models: ${parts.join('; ')}`)
      }
    }
    const shadow = challenger && { models: challenger.models, info: JSON.parse(challenger.models.modelInfoJson()), version: challenger.version }
    return snapshot(models, scratch, info, version, revision, shadow)
  }

  #loaded() {
    if (this.#active === null) {
      throw engineError('ERR_NOT_INITIALIZED', 'WorkflowPredictor not initialized. Call initialize() first.')
    }
    return this.#active
  }

  /** Report (or refuse) keys of `features` that are not fields of its workflow. */
  #checkKeys(w, features, present) {
    if (this.#unknownFields === 'ignore') return
    const unknown = reader.unknownKeys(w, features, present)
    for (let i = 0; i < unknown.length; i++) {
      const key = unknown[i]
      const type = reader.WORKFLOWS[w].workflowType
      const once = `${type}\u0000${key}`
      if (this.#unknownFields === 'warn' && this.#warnedKeys.has(once)) continue
      let error
      try {
        native.unknownField(type, key)
      } catch (e) {
        error = localise(e)
      }
      if (this.#unknownFields === 'error') throw error
      this.#warnedKeys.add(once)
      this.#logger.warn(`[ml-engine] ${error.message}; the key is ignored`)
    }
  }

  // What a training verdict other than 'ok' means for the predictions, in
  // the warning given once per workflow.
  static #VERDICT_MEANING = {
    __proto__: null,
    'no-signal': 'its predictions carry no information about failures',
    inconclusive: 'its evaluation could not tell a useful model from none (too few rows or failures)',
  }

  #warnVerdict(active, w) {
    const m = active.info[w]
    const meaning = WorkflowPredictor.#VERDICT_MEANING[m.verdict]
    if (meaning && !this.#warnedVerdict.has(w)) {
      this.#warnedVerdict.add(w)
      this.#logger.warn(`[ml-engine] The ${m.workflowType} model (${m.modelVersion}) was trained with verdict '${m.verdict}': ${meaning}; see TRAINING_REPORT.md`)
    }
  }

  /** Predict for one raw feature object. Rejects on invalid input. */
  async predict(features) {
    return this.predictSync(features)
  }

  predictSync(features) {
    return this.#predictWith(this.#loaded(), features)
  }

  /** Predict with one snapshot of the models (and log, and shadow, when asked to). */
  #predictWith(active, features) {
    const { models, challenger } = active
    const log = this.#loop.shouldLog()
    let shadow
    const w = reader.workflowOf(features)
    let flat
    // A nested call (from a getter of an input being read) takes the N-API
    // path: the attached buffers hold the outer call's encoding.
    if (w >= 0 && this.#depth === 0) {
      const { f64, tags } = this.#scratch
      this.#depth++
      let present
      try {
        present = reader.encode(w, features, f64, tags, 0)
      } finally {
        this.#depth--
      }
      if (present !== reader.EXOTIC) {
        this.#checkKeys(w, features, present)
        // Before the champion: its flat prediction overwrites the encoded input.
        if (log && challenger?.info[w]) {
          shadow = this.#loop.scoreShadow(() => {
            const out = new Float64Array(1)
            challenger.models.probabilitiesEncoded(w, f64, tags, 1, this.#strict, out)
            return { modelVersion: challenger.info[w].modelVersion, probability: out[0] }
          })
        }
        try {
          native.predictScratch(active.scratch, w, this.#strict)
        } catch (error) {
          throw localise(error)
        }
        flat = f64
      }
    }
    // Anything the reader does not encode (or an unknown workflow, or not an
    // object at all) is read through N-API, which also produces its error.
    if (flat === undefined) {
      flat = new Float64Array(SHAPE.maxSlots)
      callNative(() => models.predictObject(features, this.#strict, flat))
      const cw = flat[0]
      if (log && challenger?.info[cw]) {
        shadow = this.#loop.scoreShadow(() => {
          const out = new Float64Array(1)
          challenger.models.predictProbabilitiesRaw(challenger.info[cw].workflowType, [features], this.#strict, out)
          return { modelVersion: challenger.info[cw].modelVersion, probability: out[0] }
        })
      }
    }
    const prediction = buildPrediction(flat, NAMES, active.info, { predictionId: this.#loop.newPredictionId() })
    if (log) this.#loop.log(prediction, features, shadow)
    this.#warnVerdict(active, flat[0])
    return prediction
  }

  /**
   * Predict for many objects, in order. Runs on the JS thread in slices of
   * about 10 ms that yield to the event loop between them, so a large batch
   * does not stall timers and I/O (an object changed by other code while the
   * batch is under way is read as it is when its turn comes).
   */
  async predictBatch(featuresArray) {
    if (!Array.isArray(featuresArray)) throw invalidArg('featuresArray', 'an array', featuresArray)
    this.#loaded()
    const pause = slicer()
    const out = []
    for (let i = 0; i < featuresArray.length; i++) {
      try {
        out[i] = this.predictSync(featuresArray[i])
      } catch (error) {
        throw atIndex(error, i)
      }
      if ((i & 255) === 255) await pause()
    }
    return out
  }

  predictBatchSync(featuresArray) {
    if (!Array.isArray(featuresArray)) throw invalidArg('featuresArray', 'an array', featuresArray)
    // One snapshot for the whole batch: a reload meanwhile never mixes versions.
    const active = this.#loaded()
    const out = []
    for (let i = 0; i < featuresArray.length; i++) {
      try {
        out[i] = this.#predictWith(active, featuresArray[i])
      } catch (error) {
        throw atIndex(error, i)
      }
    }
    return out
  }

  /**
   * Failure probabilities for many runs of one workflow at once.
   * `{ layout: 'vector' }` (default): `rows` is a Float64Array of row-major
   * normalised vectors in `featuresToVector` order.
   * `{ layout: 'raw' }`: `rows` is an array of raw feature objects of this
   * workflow, validated like `predict`.
   */
  predictProbabilities(workflowType, rows, options = {}) {
    checkWorkflowType(workflowType)
    const layout = checkLayout(options)
    const { models } = this.#loaded()
    if (layout === 'raw') {
      if (!Array.isArray(rows)) throw invalidRows('an array of feature objects', rows)
      return this.#rawProbabilities(models, workflowType, rows)
    }
    rows = vectorRows(rows)
    // Shared memory another thread may write while it is scored: copied
    // first, so that what is validated is what is scored.
    if (typed.isShared(rows)) rows = typed.privateCopy(rows)
    const out = new Float64Array(rowCount(workflowType, rows))
    callNative(() => models.predictProbabilities(workflowType, rows, out))
    return out
  }

  #rawProbabilities(models, workflowType, rows) {
    const w = reader.workflowOf({ workflowType })
    const width = w >= 0 ? reader.WORKFLOWS[w].fields.length : 0
    if (w >= 0 && this.#depth === 0 && rows.length > 0) {
      const f64 = new Float64Array(rows.length * width)
      const tags = new Uint8Array(rows.length * width)
      let encoded = true
      this.#depth++
      try {
        for (let i = 0; i < rows.length && encoded; i++) {
          const row = rows[i]
          const present = reader.workflowOf(row) === w ? reader.encode(w, row, f64, tags, i * width) : reader.EXOTIC
          if (present === reader.EXOTIC) encoded = false
          else {
            try {
              this.#checkKeys(w, row, present)
            } catch (error) {
              throw atIndex(error, i)
            }
          }
        }
      } finally {
        this.#depth--
      }
      if (encoded) {
        const out = new Float64Array(rows.length)
        callNative(() => models.probabilitiesEncoded(w, f64, tags, rows.length, this.#strict, out))
        return out
      }
    }
    const out = new Float64Array(rows.length)
    callNative(() => models.predictProbabilitiesRaw(workflowType, rows, this.#strict, out))
    return out
  }

  /** `predictProbabilities` with `layout: 'vector'`, scored off the JS thread (the rows are copied). */
  async predictProbabilitiesAsync(workflowType, rows, options = {}) {
    checkWorkflowType(workflowType)
    if (checkLayout(options) !== 'vector') {
      throw engineError('ERR_INVALID_ARG', "Invalid argument 'layout': predictProbabilitiesAsync takes only 'vector' rows", TypeError)
    }
    // A private copy (later changes to the caller's array, or another
    // thread's, do not reach the scoring) and a fresh output: the pool
    // thread reads and writes only these.
    const copy = typed.privateCopy(vectorRows(rows))
    const { models } = this.#loaded()
    const out = new Float64Array(rowCount(workflowType, copy))
    await awaitNative(() => models.predictProbabilitiesAsync(workflowType, copy, out))
    return out
  }

  /** The loaded model file of a workflow, or undefined. */
  getModelStats(workflowType) {
    const active = this.#active
    if (active === null || typeof workflowType !== 'string') return undefined
    return statsOf(active, workflowType)
  }

  /** Every loaded model file, in workflow order. */
  getAllModels() {
    const active = this.#active
    if (active === null) return []
    return active.info.filter((m) => m !== null).map((m) => statsOf(active, m.workflowType))
  }

  // ------------------------------------------------------ production loop

  /** The registry version the predictions come from (null for a flat directory). */
  get modelVersion() {
    return this.#active?.version ?? null
  }

  /** The version scored in shadow, or null. */
  get challengerVersion() {
    return this.#active?.challenger?.version ?? null
  }

  /** The outcome store this predictor logs to and records into, or null. */
  get outcomeStore() {
    return this.#loop.store
  }

  /**
   * Record a run's outcome: `(predictionId, failed, { failureType? })` for a
   * prediction, or `({ features, failed, failureType? })` for a run that was
   * never predicted. Resolves to `{ outcomeId }` once committed.
   */
  recordOutcome(subject, failed, options) {
    return this.#loop.recordOutcome(subject, failed, options)
  }

  recordOutcomeSync(subject, failed, options) {
    return this.#loop.recordOutcomeSync(subject, failed, options)
  }

  /** Record many outcomes in one transaction (all or none). */
  recordOutcomes(outcomes) {
    return this.#loop.recordOutcomes(outcomes)
  }

  recordOutcomesSync(outcomes) {
    return this.#loop.recordOutcomesSync(outcomes)
  }

  /**
   * Live metrics per workflow and model version over `window` (a number of
   * predictions, or { last, since, until, ms, labelled }): count, failure
   * rate, mean probability, log-loss, Brier, ECE, AUC with its interval,
   * precision and recall at each risk level, and the label-free expectation.
   */
  getLiveMetrics(workflowType, options) {
    return this.#loop.liveMetrics(workflowType, options)
  }

  getLiveMetricsSync(workflowType, options) {
    return this.#loop.liveMetricsSync(workflowType, options)
  }

  /**
   * Run the monitor now: drift, degradation (rolled back when automatic),
   * the challenger's promotion test (promoted when automatic). Emits each
   * event, reloads after a promotion or rollback, resolves to the events.
   */
  async evaluate() {
    if (this.#evaluating) return this.#evaluating
    this.#evaluating = (async () => {
      const active = this.#loaded()
      await this.#loop.store?.flush()
      const champion = modelsOf(active, active.info)
      const challenger = active.challenger && { version: active.challenger.version, models: modelsOf(active, active.challenger.info, false) }
      const events = await this.#loop.evaluate(champion, challenger)
      if (events.some((e) => e.type === 'promoted' || e.type === 'rolledBack')) await this.reload()
      for (const e of events) this.emit(e.type, e.payload)
      return events
    })().finally(() => {
      this.#evaluating = null
    })
    return this.#evaluating
  }

  /**
   * Load the registry's current version (and challenger) again, off the
   * main thread, and swap them in whole: predictions in progress finish
   * with the models they started with. Resolves to the version now used.
   */
  reload() {
    const previous = this.#reloading ?? Promise.resolve()
    this.#reloading = previous
      .catch(() => {})
      .then(async () => {
        const { current, challenger, revision } = await this.#resolve()
        const models = await awaitNative(native.loadModels, current.dirs, this.#loadOptions)
        const shadow = challenger && (await awaitNative(native.loadModels, [challenger.dir], this.#loadOptions))
        const before = this.#active?.version ?? null
        this.#active = this.#adopt(models, current.version, revision, challenger && { models: shadow, version: challenger.version })
        if (before !== current.version) this.emit('reloaded', { from: before, to: current.version })
        return current.version
      })
      .finally(() => {
        this.#reloading = null
      })
    return this.#reloading
  }

  /** Every version in the models registry, oldest first. */
  listVersions() {
    return this.#registry.list()
  }

  /** Make `id` current (recorded with `reason`/`figures`), reload, emit 'promoted'. */
  async promote(id, options) {
    const from = (await this.#registry.state())?.current ?? null
    const state = await this.#registry.promote(id, options)
    const payload = { from, to: state.current, reason: options?.reason ?? 'promoted by hand', manual: true }
    await this.#loop.recordEvent('promoted', payload)
    await this.reload()
    this.emit('promoted', payload)
    return state
  }

  /** Return to the previous current version, reload, emit 'rolledBack'. */
  async rollback(options) {
    const from = (await this.#registry.state())?.current ?? null
    const state = await this.#registry.rollback(options)
    const payload = { from, to: state.current, reason: options?.reason ?? 'rolled back by hand', manual: true }
    await this.#loop.recordEvent('rolledBack', payload)
    await this.reload()
    this.emit('rolledBack', payload)
    return state
  }

  /** Stop watching, write the queued predictions and close the store if this predictor opened it. */
  async close() {
    if (this.#watchTimer !== null) clearInterval(this.#watchTimer)
    this.#watchTimer = null
    await this.#evaluating?.catch(() => {})
    await this.#loop.close()
  }

  #startWatching() {
    if (!this.#watch || this.#watchTimer !== null) return
    this.#watchTimer = setInterval(() => {
      if (this.#reloading) return
      this.#background(async () => {
        const state = await this.#registry.state()
        if ((state?.revision ?? null) !== (this.#active?.revision ?? null)) await this.reload()
      })
    }, this.#watch.intervalMs)
    this.#watchTimer.unref?.()
  }

  /** Work started by a timer or an outcome count: its failure is a warning, never an unhandled rejection. */
  #background(work) {
    Promise.resolve()
      .then(work)
      .catch((error) => this.#logger.warn(`[ml-engine] ${error.code ? `[${error.code}] ` : ''}${error.message}`))
  }
}

/** The parsed model file of a workflow in a snapshot, parsed on first request in the caller's realm. */
function statsOf(active, workflowType) {
  if (!active.stats.has(workflowType)) {
    const text = active.models.modelJson(workflowType)
    active.stats.set(workflowType, text === null ? undefined : JSON.parse(text))
  }
  return active.stats.get(workflowType)
}

/** What the monitor needs of each loaded model: version, reference histograms, held-out log-loss. */
function modelsOf(active, info, withFiles = true) {
  return info
    .filter((m) => m !== null)
    .map((m) => {
      const file = withFiles ? statsOf(active, m.workflowType) : undefined
      return { workflowType: m.workflowType, modelVersion: m.modelVersion, reference: file?.reference, logLoss: file?.logLoss }
    })
}

/** The same error with the batch position in front of its message, as the addon names it. */
function atIndex(error, i) {
  if (error === null || typeof error !== 'object' || typeof error.message !== 'string' || typeof error.code !== 'string') return error
  const Base = error instanceof TypeError ? TypeError : Error
  const wrapped = engineError(error.code, `features[${i}]: ${error.message}`, Base, error.cause)
  return wrapped
}

/** A string (an unknown type is the addon's ERR_MODEL_NOT_FOUND, as from the old engine). */
function checkWorkflowType(workflowType) {
  if (typeof workflowType !== 'string') throw invalidArg('workflowType', 'a workflow type string', workflowType)
}

const LAYOUT_OPTIONS = new Set(['layout'])

function checkLayout(options) {
  const layout = checkOptions(options, LAYOUT_OPTIONS).layout ?? 'vector'
  if (layout !== 'vector' && layout !== 'raw') {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'layout': expected 'vector' or 'raw', received ${shown(layout)}`, TypeError)
  }
  return layout
}

function invalidRows(expected, rows) {
  return engineError('ERR_INVALID_ARG', `Invalid argument 'rows': expected ${expected}, received ${rows?.constructor?.name ?? typeof rows}`, TypeError)
}

/** `rows`, checked to be a Float64Array (of any realm) whose memory is still there. */
function vectorRows(rows) {
  // A tag check rather than instanceof: the array may come from another realm.
  if (!typed.isFloat64Array(rows)) throw invalidRows('a Float64Array', rows)
  if (typed.isDetached(rows)) {
    throw engineError('ERR_INVALID_ARG', "Invalid argument 'rows': the Float64Array's buffer is detached (transferred to another thread or closed); pass an array whose memory is still there", TypeError)
  }
  return rows
}

/** Rows in `rows` for `workflowType` (0 for an unknown type: the addon reports it). */
function rowCount(workflowType, rows) {
  const w = reader.workflowOf({ workflowType })
  return w < 0 ? 0 : Math.floor(typed.length(rows) / reader.WORKFLOWS[w].vectorLength)
}

let singleton = null

/**
 * The process-wide predictor, initialised on first call from the user's
 * models (see lib/model-dirs.js) with the shipped ones as per-workflow
 * fallback, or from `options.modelsDir`. Later calls return the same
 * instance; asking for a different `modelsDir` then rejects with
 * ERR_PREDICTOR_CONFLICT.
 */
async function getWorkflowPredictor(options = {}) {
  checkPredictorOptions(options)
  const wanted = options.modelsDir === undefined ? resolveModelsDir().dir : path.resolve(options.modelsDir)
  if (singleton === null) {
    const predictor = new WorkflowPredictor(options)
    singleton = predictor.initialize().then(
      () => predictor,
      (error) => {
        singleton = null
        throw error
      },
    )
  }
  const predictor = await singleton
  if (options.strict !== undefined && options.strict !== predictor.strict) {
    throw engineError('ERR_PREDICTOR_CONFLICT', `getWorkflowPredictor() was first initialised with strict: ${predictor.strict}; create a new WorkflowPredictor({ strict: ${options.strict} }) for the other mode`)
  }
  if (predictor.modelsDir !== wanted) {
    throw engineError('ERR_PREDICTOR_CONFLICT', `getWorkflowPredictor() was first initialised from ${predictor.modelsDir}; create a new WorkflowPredictor({ modelsDir: ${JSON.stringify(wanted)} }) for another directory`)
  }
  return predictor
}

module.exports = { WorkflowPredictor, getWorkflowPredictor, DEFAULT_MODELS_DIR }
