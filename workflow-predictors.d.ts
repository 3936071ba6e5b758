import type { WorkflowType, WorkflowFeatures, PartialWorkflowFeatures } from './workflow-features'

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
  /** Receives the warnings (models skipped or taken from the fallback, unknown keys, no-signal models). Default: console. */
  logger?: { warn(...args: unknown[]): void }
  /**
   * The largest model file read, in bytes (default 64 MiB = 67108864). A
   * larger file is skipped with a warning naming it and the cap, unread.
   */
  maxModelBytes?: number
}

export interface ModelSource {
  /** The file the model was loaded from. */
  path: string
  modelVersion: string
  verdict: 'ok' | 'no-signal' | 'inconclusive' | null
}

export declare class WorkflowPredictor {
  constructor(options?: WorkflowPredictorOptions)
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
   * feature count or a non-finite value throws ERR_INVALID_ARG. With
   * `layout: 'raw'`, `rows` is an array of raw feature objects of this
   * workflow, validated like `predict` (errors name the index).
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
