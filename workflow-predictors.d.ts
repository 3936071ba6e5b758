import type { WorkflowType, WorkflowFeatures, PartialWorkflowFeatures } from './workflow-features'

export interface CriticalFactor {
  feature: string
  /** The normalised feature value. */
  value: number
  /** The model weight (0 when the model has none). */
  weight: number
  /**
   * |weight * value| with old model files; |weight * (value - mean)| with
   * models that store `featureMeans` (how far this input moves the logit from a typical run).
   */
  contribution: number
}

export interface WorkflowPrediction {
  workflowType: WorkflowType
  /** Calibrated probability that the run fails, in [0, 1]. */
  failureProbability: number
  /** critical >= 0.8, high >= 0.6, medium >= 0.4, else low. */
  riskLevel: 'critical' | 'high' | 'medium' | 'low'
  /** |failureProbability - 0.5| * 2 */
  confidence: number
  /** Up to 5 factors, largest contribution first. */
  criticalFactors: CriticalFactor[]
  recommendations: string[]
  /** Raw fields that were missing from the input and were imputed (new in the native engine). */
  imputedFeatures: string[]
}

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
  verdict?: 'ok' | 'no-signal'
  hyperparameters?: Record<string, unknown>
  seed?: number
  engineVersion?: string
  [key: string]: unknown
}

export interface WorkflowPredictorOptions {
  /** Directory of `<workflowType>-model.json` files. Default: the package's own `models/`. */
  modelsDir?: string
  /** Reject inputs with missing fields (ERR_MISSING_FEATURE) instead of imputing them. */
  strict?: boolean
  /** Receives a warning for each model that could not be loaded. Default: console. */
  logger?: { warn(...args: unknown[]): void }
}

export declare class WorkflowPredictor {
  constructor(options?: WorkflowPredictorOptions)
  readonly modelsDir: string
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

/** The process-wide predictor, initialised on first call (from the package's models/ unless `modelsDir` is given). */
export declare function getWorkflowPredictor(options?: WorkflowPredictorOptions): Promise<WorkflowPredictor>

/** The package's own models directory. */
export declare const DEFAULT_MODELS_DIR: string
