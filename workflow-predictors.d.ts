import type { WorkflowType, WorkflowFeatures, PartialWorkflowFeatures } from './workflow-features'
import type { LiveMetricsGroup, LiveMetricsOptions, MonitorOptions, MoveOptions, OutcomeRecord, OutcomeStore, RegistryState, VersionInfo } from './production'

// The prediction's shape is generated from its single declaration (src/prediction_shape.rs).
import type { CriticalFactor, WorkflowPrediction } from './prediction'
export type { CriticalFactor, WorkflowPrediction }

/** A model file: the old format plus the optional fields the native trainer writes. */
export interface WorkflowModel {
  workflowType: WorkflowType
  weights: Record<string, number>
  bias: number
  featureNames: string[]
  trainedAt: string
  accuracy: number
  precision: number
  recall: number
  f1Score: number
  trainingSize: number
  validationSize: number
  modelType?: string
  threshold?: number
  featureMeans?: Record<string, number>
  auc?: number
  logLoss?: number
  brier?: number
  ece?: number
  baselineAccuracy?: number
  bayes?: Record<string, unknown>
  verdict?: 'ok' | 'no-signal' | 'inconclusive'
  hyperparameters?: Record<string, unknown>
  seed?: number
  engineVersion?: string
  [key: string]: unknown
}

export interface WorkflowPredictorOptions {
  /**
   * Directory of `<workflowType>-model.json` files. Default: the user's models
   * (`DAWG_ML_MODELS_DIR`, else a `"dawg-ml": { "modelsDir" }` entry in the
   * project's package.json, else `<project>/.dawg-ml/models`), with the
   * shipped models as a per-workflow fallback. Given explicitly, only this
   * directory is read unless `fallbackModelsDir` is set.
   */
  modelsDir?: string
  /**
   * Where a workflow the first directory lacks is loaded from. Default: the
   * shipped models when `modelsDir` is not given, none when it is. `null`: none.
   */
  fallbackModelsDir?: string | null
  /** Reject inputs with missing fields (ERR_MISSING_FEATURE) instead of imputing them; implies `unknownFields: 'error'`. */
  strict?: boolean
  /**
   * A key of the input that is not a field of its workflow (a typo such as
   * `microphonePermision`): `'warn'` (default) warns once per workflow and key
   * with a "did you mean" suggestion, `'error'` throws a TypeError
   * ERR_UNKNOWN_FIELD, `'ignore'` says nothing. Unknown keys never affect a prediction.
   */
  unknownFields?: 'warn' | 'error' | 'ignore'
  /** Receives the warnings (models skipped or taken from the fallback, unknown keys, models trained with a no-signal or inconclusive verdict). Default: console. */
  logger?: { warn(...args: unknown[]): void }
  /**
   * The largest model file read, in bytes (default 64 MiB = 67108864). A
   * larger file is skipped with a warning naming it and the cap, unread.
   */
  maxModelBytes?: number
  /**
   * The outcome store predictions are logged to and outcomes recorded in:
   * `true` (the default location: DAWG_ML_STORE, package.json
   * "dawg-ml".store, or <project>/.dawg-ml/outcomes.sqlite), a file path, or
   * an open OutcomeStore. Default: none (recordOutcome throws ERR_NO_STORE).
   */
  store?: boolean | string | OutcomeStore
  /** With a store: 'all' (default), 'sampled' (a random `sampleRate` share) or 'off'. */
  logPredictions?: 'all' | 'sampled' | 'off'
  /** The share of predictions logged with 'sampled' (default 0.1). */
  sampleRate?: number
  /** Score the registry's challenger in shadow on every logged prediction (default true). Its predictions are logged, never returned. */
  shadow?: boolean
  /** Reload when the registry's current pointer moves (polled; default every 1000 ms). */
  watch?: boolean | { intervalMs: number }
  /** The monitor's thresholds, or false for none. */
  monitor?: MonitorOptions | false
  /** Run the monitor after this many recorded outcomes (default 100; 0: only evaluate()). */
  evaluateEvery?: number
}

/** Payloads of the predictor's events. */
export interface PredictorEvents {
  drift: [{ workflowType: WorkflowType; modelVersion: string; rows: number; threshold: number; scorePsi: number | null; features: Array<{ feature: string; psi: number }>; drifted: string[]; referenceSource: string; expectedLogLoss: number | null; liveLogLoss: number | null; referenceLogLoss: number | null }]
  degraded: [{ version: string; workflowType: WorkflowType; modelVersion: string; test: Record<string, unknown> }]
  promoted: [{ from: string | null; to: string; reason: string; test?: Record<string, unknown>; manual?: boolean }]
  rolledBack: [{ from: string | null; to: string; reason: string; degraded?: unknown[]; manual?: boolean }]
  reloaded: [{ from: string | null; to: string | null }]
}

export interface ModelSource {
  /** The file the model was loaded from. */
  path: string
  modelVersion: string
  verdict: 'ok' | 'no-signal' | 'inconclusive' | null
}

/**
 * A WorkflowPredictor is a Node EventEmitter (declared here without
 * @types/node, so that projects without Node's types compile).
 */
export declare class WorkflowPredictor {
  constructor(options?: WorkflowPredictorOptions)
  on<E extends keyof PredictorEvents>(event: E, listener: (...args: PredictorEvents[E]) => void): this
  once<E extends keyof PredictorEvents>(event: E, listener: (...args: PredictorEvents[E]) => void): this
  off<E extends keyof PredictorEvents>(event: E, listener: (...args: PredictorEvents[E]) => void): this
  removeAllListeners(event?: keyof PredictorEvents): this
  listenerCount(event: keyof PredictorEvents): number
  /** The registry version predictions come from (null for a flat directory). */
  readonly modelVersion: string | null
  /** The version scored in shadow, or null. */
  readonly challengerVersion: string | null
  readonly outcomeStore: OutcomeStore | null
  /** Record a run's outcome (ERR_NO_STORE without a store); resolves once committed. */
  recordOutcome(predictionId: string, failed: boolean, options?: { failureType?: string | null; recordedAt?: Date | number }): Promise<{ outcomeId: number }>
  recordOutcome(outcome: OutcomeRecord): Promise<{ outcomeId: number }>
  recordOutcomeSync(predictionId: string, failed: boolean, options?: { failureType?: string | null; recordedAt?: Date | number }): { outcomeId: number }
  recordOutcomeSync(outcome: OutcomeRecord): { outcomeId: number }
  recordOutcomes(outcomes: OutcomeRecord[]): Promise<{ outcomeIds: number[] }>
  recordOutcomesSync(outcomes: OutcomeRecord[]): { outcomeIds: number[] }
  /** Live metrics per workflow and model version over the window. */
  getLiveMetrics(workflowType?: WorkflowType | null, options?: LiveMetricsOptions): Promise<LiveMetricsGroup[]>
  getLiveMetricsSync(workflowType?: WorkflowType | null, options?: LiveMetricsOptions): LiveMetricsGroup[]
  /** Run the monitor now; emits and resolves to its events. */
  evaluate(): Promise<Array<{ type: 'drift' | 'degraded' | 'promoted' | 'rolledBack'; payload: Record<string, unknown> }>>
  /** Load the registry's current version (and challenger) again and swap them in whole. */
  reload(): Promise<string | null>
  listVersions(): Promise<VersionInfo[]>
  promote(id: string | number, options?: MoveOptions): Promise<RegistryState>
  rollback(options?: MoveOptions): Promise<RegistryState>
  /**
   * Stop watching, write the queued predictions, close a store this predictor opened.
   * Predictions still work afterwards, and are no longer logged; recordOutcome and the
   * other outcome-store calls then reject with ERR_STORE_CLOSED.
   */
  close(): Promise<void>
  /** The directory models are loaded from first. */
  readonly modelsDir: string
  /** Where each loaded model came from, by workflow type. */
  readonly modelSources: Partial<Record<WorkflowType, ModelSource>>
  /** Whether missing fields are rejected (ERR_MISSING_FEATURE) instead of imputed. */
  readonly strict: boolean
  /** Load the models off the main thread. Missing or invalid files are skipped with a warning. */
  initialize(): Promise<void>
  initializeSync(): void
  /**
   * Rejects with TypeError ERR_INVALID_FEATURE for invalid fields, Error
   * ERR_MODEL_NOT_FOUND ("No model found for workflow: <type>") for a workflow
   * without a model, Error ERR_NOT_INITIALIZED before initialize().
   */
  predict(features: WorkflowFeatures | PartialWorkflowFeatures): Promise<WorkflowPrediction>
  predictSync(features: WorkflowFeatures | PartialWorkflowFeatures): WorkflowPrediction
  predictBatch(featuresArray: Array<WorkflowFeatures | PartialWorkflowFeatures>): Promise<WorkflowPrediction[]>
  predictBatchSync(featuresArray: Array<WorkflowFeatures | PartialWorkflowFeatures>): WorkflowPrediction[]
  /**
   * Probabilities only, for many runs of one workflow. With `layout: 'vector'`
   * (default), `rows` holds `rows.length / featureCount` row-major normalised
   * vectors in `featuresToVector` order; a length that is not a multiple of the
   * feature count or a non-finite value throws ERR_INVALID_ARG, and so does a
   * model that reads raw fields (trees, as every shipped model). With
   * `layout: 'raw'`, `rows` is an array of raw feature objects of this
   * workflow, validated like `predict` (errors name the index); it scores every model.
   */
  predictProbabilities(workflowType: WorkflowType, rows: Float64Array, options?: { layout?: 'vector' }): Float64Array
  predictProbabilities(
    workflowType: WorkflowType,
    rows: Array<WorkflowFeatures | PartialWorkflowFeatures>,
    options: { layout: 'raw' },
  ): Float64Array
  /** `predictProbabilities` with vector rows, scored off the JS thread on all cores (the rows are copied). */
  predictProbabilitiesAsync(workflowType: WorkflowType, rows: Float64Array, options?: { layout?: 'vector' }): Promise<Float64Array>
  getModelStats(workflowType: WorkflowType): WorkflowModel | undefined
  getAllModels(): WorkflowModel[]
}

/**
 * The process-wide predictor, initialised on first call: from the user's
 * models with the shipped ones as per-workflow fallback (see
 * `WorkflowPredictorOptions.modelsDir`), or from `modelsDir`.
 */
export declare function getWorkflowPredictor(options?: WorkflowPredictorOptions): Promise<WorkflowPredictor>

/** The package's own (shipped) models directory. */
export declare const DEFAULT_MODELS_DIR: string
