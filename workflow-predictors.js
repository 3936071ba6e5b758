'use strict'
// WorkflowPredictor and the process-wide getWorkflowPredictor() singleton,
// with the old engine's API. Validation and prediction run in the native
// addon; every value handed back is built here, in the caller's realm (Jest
// runs each test file in its own vm context, and objects the addon made would
// fail `toBeInstanceOf(Array)` there).

const path = require('node:path')
const native = require('./lib/binding')
const { awaitNative, callNative, engineError, localise, shown } = require('./lib/errors')
const reader = require('./lib/feature-reader')
const buildPrediction = require('./lib/generated/build-prediction')
const { SHIPPED_MODELS_DIR, resolveModelsDir } = require('./lib/model-dirs')
const typed = require('./lib/typed-arrays')
const { slicer } = require('./lib/time-slices')

/** The models shipped with the package. */
const DEFAULT_MODELS_DIR = SHIPPED_MODELS_DIR

const NAMES = Array.from(native.getStringTable())
const SHAPE = JSON.parse(native.getPredictionShape())
const UNKNOWN_FIELDS = ['warn', 'error', 'ignore']

function invalidArg(name, expected, value) {
  const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  return engineError('ERR_INVALID_ARG', `Invalid argument '${name}': expected ${expected}, received ${received}`, TypeError)
}

/** Buffers one encoded object and its flat prediction fit in. */
function scratch() {
  return { f64: new Float64Array(SHAPE.maxSlots), tags: new Uint8Array(SHAPE.maxSlots) }
}

class WorkflowPredictor {
  #modelsDir
  #dirs
  #loadOptions
  #strict
  #unknownFields
  #logger
  #models = null
  /** Per workflow index: { workflowType, modelVersion, verdict, path } or null. */
  #info = []
  #statsCache = new Map()
  /** The buffers attached to the addon's models (see NativeModels.attachScratch). */
  #scratch = scratch()
  /** Calls in progress: a getter of an input may predict again while it is read. */
  #depth = 0
  #warnedKeys = new Set()
  #warnedNoSignal = new Set()

  /**
   * @param {import('./workflow-predictors').WorkflowPredictorOptions} [options]
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidArg('options', 'an object', options)
    const { modelsDir, fallbackModelsDir, strict, unknownFields, logger, maxModelBytes } = options
    if (modelsDir !== undefined && typeof modelsDir !== 'string') throw invalidArg('modelsDir', 'a string', modelsDir)
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
    for (const m of this.#info) if (m) out[m.workflowType] = { path: m.path, modelVersion: m.modelVersion, verdict: m.verdict }
    return out
  }

  /** Load the models (off the main thread). A workflow whose file is missing or invalid is skipped with a warning. */
  async initialize() {
    this.#adopt(await awaitNative(native.loadModels, this.#dirs, this.#loadOptions))
  }

  /** `initialize()`, blocking. */
  initializeSync() {
    this.#adopt(callNative(native.loadModelsSync, this.#dirs, this.#loadOptions))
  }

  #adopt(models) {
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
    models.attachScratch(this.#scratch.f64, this.#scratch.tags)
    this.#models = models
    this.#info = info
    this.#statsCache = new Map()
  }

  #loaded() {
    if (this.#models === null) {
      throw engineError('ERR_NOT_INITIALIZED', 'WorkflowPredictor not initialized. Call initialize() first.')
    }
    return this.#models
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

  #warnNoSignal(w) {
    const m = this.#info[w]
    if (!this.#warnedNoSignal.has(w)) {
      this.#warnedNoSignal.add(w)
      this.#logger.warn(`[ml-engine] The ${m.workflowType} model (${m.modelVersion}) was trained with verdict 'no-signal': its predictions carry no information about failures; see TRAINING_REPORT.md`)
    }
  }

  /** Predict for one raw feature object. Rejects on invalid input. */
  async predict(features) {
    return this.predictSync(features)
  }

  predictSync(features) {
    const models = this.#loaded()
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
        try {
          models.predictScratch(w, this.#strict)
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
    }
    const prediction = buildPrediction(flat, NAMES, this.#info)
    if (this.#info[flat[0]].verdict === 'no-signal') this.#warnNoSignal(flat[0])
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
    this.#loaded()
    const out = []
    for (let i = 0; i < featuresArray.length; i++) {
      try {
        out[i] = this.predictSync(featuresArray[i])
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
    const layout = checkLayout(options)
    const models = this.#loaded()
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
    if (checkLayout(options) !== 'vector') {
      throw engineError('ERR_INVALID_ARG', "Invalid argument 'layout': predictProbabilitiesAsync takes only 'vector' rows", TypeError)
    }
    // A private copy (later changes to the caller's array, or another
    // thread's, do not reach the scoring) and a fresh output: the pool
    // thread reads and writes only these.
    const copy = typed.privateCopy(vectorRows(rows))
    const models = this.#loaded()
    const out = new Float64Array(rowCount(workflowType, copy))
    await awaitNative(() => models.predictProbabilitiesAsync(workflowType, copy, out))
    return out
  }

  /** The loaded model file of a workflow, or undefined. */
  getModelStats(workflowType) {
    const models = this.#models
    if (models === null || typeof workflowType !== 'string') return undefined
    // Parsed on first request (here, in the caller's realm), not at load.
    if (!this.#statsCache.has(workflowType)) {
      const text = models.modelJson(workflowType)
      this.#statsCache.set(workflowType, text === null ? undefined : JSON.parse(text))
    }
    return this.#statsCache.get(workflowType)
  }

  /** Every loaded model file, in workflow order. */
  getAllModels() {
    return this.#info.filter((m) => m !== null).map((m) => this.getModelStats(m.workflowType))
  }
}

/** The same error with the batch position in front of its message, as the addon names it. */
function atIndex(error, i) {
  if (error === null || typeof error !== 'object' || typeof error.message !== 'string' || typeof error.code !== 'string') return error
  const Base = error instanceof TypeError ? TypeError : Error
  const wrapped = engineError(error.code, `features[${i}]: ${error.message}`, Base, error.cause)
  return wrapped
}

function checkLayout(options) {
  const layout = options?.layout ?? 'vector'
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
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidArg('options', 'an object', options)
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
