'use strict'
// WorkflowPredictor and the process-wide getWorkflowPredictor() singleton,
// with the old engine's API. Prediction itself runs in the native addon.

const path = require('node:path')
const native = require('./lib/binding')
const { awaitNative, callNative, engineError } = require('./lib/errors')

/** The models shipped with the package. */
const DEFAULT_MODELS_DIR = path.join(__dirname, 'models')

class WorkflowPredictor {
  #modelsDir
  #strict
  #logger
  #models = null
  #stats = new Map()

  /**
   * @param {{ modelsDir?: string, strict?: boolean, logger?: { warn(...args: unknown[]): void } }} [options]
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') {
      throw engineError('ERR_INVALID_ARG', `Invalid argument 'options': expected an object, received ${options === null ? 'null' : typeof options}`, TypeError)
    }
    if (options.modelsDir !== undefined && typeof options.modelsDir !== 'string') {
      throw engineError('ERR_INVALID_ARG', `Invalid argument 'modelsDir': expected a string, received ${typeof options.modelsDir}`, TypeError)
    }
    this.#modelsDir = path.resolve(options.modelsDir ?? DEFAULT_MODELS_DIR)
    this.#strict = options.strict === true
    this.#logger = options.logger ?? console
  }

  /** The directory models are loaded from. */
  get modelsDir() {
    return this.#modelsDir
  }

  /** Whether missing fields are rejected instead of imputed. */
  get strict() {
    return this.#strict
  }

  /** Load the models (off the main thread). A workflow whose file is missing or invalid is skipped with a warning. */
  async initialize() {
    this.#adopt(await awaitNative(native.loadModels, this.#modelsDir))
  }

  /** `initialize()`, blocking. */
  initializeSync() {
    this.#adopt(callNative(native.loadModelsSync, this.#modelsDir))
  }

  #adopt(models) {
    for (const warning of models.warnings) this.#logger.warn(`[ml-engine] ${warning}`)
    this.#models = models
    this.#stats = new Map(models.loadedWorkflows.map((type) => [type, JSON.parse(models.modelJson(type))]))
  }

  #loaded() {
    if (this.#models === null) {
      throw engineError('ERR_NOT_INITIALIZED', 'WorkflowPredictor not initialized. Call initialize() first.')
    }
    return this.#models
  }

  /** Predict for one raw feature object. Rejects on invalid input. */
  async predict(features) {
    return this.predictSync(features)
  }

  predictSync(features) {
    const models = this.#loaded()
    return callNative(() => models.predict(features, this.#strict))
  }

  /** Predict for many objects, in order. */
  async predictBatch(featuresArray) {
    return this.predictBatchSync(featuresArray)
  }

  predictBatchSync(featuresArray) {
    if (!Array.isArray(featuresArray)) {
      throw engineError('ERR_INVALID_ARG', `Invalid argument 'featuresArray': expected an array, received ${featuresArray === null ? 'null' : typeof featuresArray}`, TypeError)
    }
    const models = this.#loaded()
    return callNative(() => models.predictBatch(featuresArray, this.#strict))
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
      return localArray(callNative(() => models.predictProbabilitiesRaw(workflowType, rows, this.#strict)))
    }
    checkVectorRows(rows)
    return localArray(callNative(() => models.predictProbabilities(workflowType, rows)))
  }

  /** `predictProbabilities` with `layout: 'vector'`, scored off the JS thread (the rows are copied). */
  async predictProbabilitiesAsync(workflowType, rows, options = {}) {
    if (checkLayout(options) !== 'vector') {
      throw engineError('ERR_INVALID_ARG', "Invalid argument 'layout': predictProbabilitiesAsync takes only 'vector' rows", TypeError)
    }
    checkVectorRows(rows)
    const models = this.#loaded()
    return localArray(await awaitNative(() => models.predictProbabilitiesAsync(workflowType, rows)))
  }

  /** The loaded model file of a workflow, or undefined. */
  getModelStats(workflowType) {
    return this.#stats.get(workflowType)
  }

  /** Every loaded model file. */
  getAllModels() {
    return Array.from(this.#stats.values())
  }
}

function checkLayout(options) {
  const layout = options?.layout ?? 'vector'
  if (layout !== 'vector' && layout !== 'raw') {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'layout': expected 'vector' or 'raw', received ${JSON.stringify(layout)}`, TypeError)
  }
  return layout
}

function invalidRows(expected, rows) {
  return engineError('ERR_INVALID_ARG', `Invalid argument 'rows': expected ${expected}, received ${rows?.constructor?.name ?? typeof rows}`, TypeError)
}

function checkVectorRows(rows) {
  // A tag check rather than instanceof: the array may come from another realm.
  if (Object.prototype.toString.call(rows) !== '[object Float64Array]') throw invalidRows('a Float64Array', rows)
}

/** A view in this realm over a Float64Array the addon made (no copy). */
function localArray(values) {
  return new Float64Array(values.buffer, values.byteOffset, values.length)
}

let singleton = null

/**
 * The process-wide predictor, initialised on first call from the package's
 * `models/` (or `options.modelsDir`). Later calls return the same instance;
 * asking for a different `modelsDir` then rejects with ERR_PREDICTOR_CONFLICT.
 */
async function getWorkflowPredictor(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'options': expected an object, received ${options === null ? 'null' : typeof options}`, TypeError)
  }
  const wanted = path.resolve(options.modelsDir ?? DEFAULT_MODELS_DIR)
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
