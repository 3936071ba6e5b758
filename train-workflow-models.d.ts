import type { WorkflowType } from './workflow-features'
import type { WorkflowModel } from './workflow-predictors'

export interface TrainOptions {
  /** Seed of the generator, the split, the folds and the bootstrap. Default 42. */
  seed?: number
  /** Generated scenarios per workflow (defaults: freestyle 150, melody-to-vocals 120, others 110). */
  counts?: Partial<Record<WorkflowType, number>>
  /** Train on this file instead: old training-data JSON, or JSON/JSONL of `{ features: <raw>, failed }`. */
  data?: string
  /** How to read `data` rows. Default 'auto' (per row). */
  dataFormat?: 'auto' | 'old' | 'outcomes'
  /**
   * Where to write models, training-summary.json and TRAINING_REPORT.md. Default: the project's models
   * directory (`DAWG_ML_MODELS_DIR`, a `"dawg-ml": { "modelsDir" }` entry in package.json, or
   * `<project>/.dawg-ml/models`; the shipped models/ in the package's own clone), never node_modules.
   * null writes nothing.
   */
  outDir?: string | null
  /** Skip and count invalid rows instead of rejecting with ERR_INVALID_DATA. */
  skipInvalid?: boolean
  /** Cross-validation folds (2-20). Default 5. */
  folds?: number
  /** Values of C (inverse L2 strength) to choose from by CV log-loss. */
  grid?: number[]
  /** Bootstrap resamples for the AUC interval. Default 1000. */
  bootstrapResamples?: number
  /** `trainedAt` written into the models. Default: now. */
  trainedAt?: string
  /**
   * Which rows measure the model. 'cv' (default): out-of-fold predictions over all rows.
   * 'time': the latest 20 % of rows by timestamp are held out (recorded outcomes).
   * Either way the shipped model is refitted on all rows.
   */
  split?: 'cv' | 'time'
  /**
   * Called from the main thread as training advances; never after the promise has settled.
   * In the 'train' stage, `total` grows when a verdict needs its permutation test (by the
   * 39 reruns that test may take), and the last 'train' event has `done === total`.
   */
  onProgress?: (event: { stage: 'load' | 'train' | 'write' | 'done'; workflowType?: string; done: number; total: number }) => void
  /**
   * Aborts training: the promise rejects with an Error ERR_ABORTED whose
   * `cause` is `signal.reason`, whether the signal was aborted before the
   * call, while the training waited for a thread (at once), or while it ran
   * (at its next step; no file is left half-written). Anything other than an
   * AbortSignal is ERR_INVALID_ARG.
   */
  signal?: AbortSignal
  /**
   * Write a new version of a models registry (and make it current) instead
   * of flat files. Default: when `outDir` already is a registry (has a
   * current.json). `false`: always flat files.
   */
  registry?: boolean
}

export interface WorkflowTrainingResult {
  workflowType: WorkflowType
  scenarios: number
  trainingSize: number
  validationSize: number
  failureRate: number
  accuracy: number
  precision: number
  recall: number
  f1Score: number
  threshold: number
  auc: number | null
  aucInterval: [number, number] | null
  prAuc: number | null
  logLoss: number
  brier: number
  ece: number
  baselineAccuracy: number
  /** The same metrics for the generator's true probability (when known). */
  bayes: Record<string, number | null> | null
  verdict: 'ok' | 'no-signal' | 'inconclusive'
  verdictReason: string | null
  /**
   * The verdict's permutation test, run when the AUC interval lies above
   * 0.5 but the AUC is less than five null standard errors above it (see
   * the README, "Verdicts"): how many reruns on shuffled labels were done,
   * and whether one reached the AUC (then the verdict is not `ok`). `null`
   * when no test was needed.
   */
  permutationTest: { reruns: number; reached: boolean } | null
  /** Which rows the metrics come from. */
  evaluationRows: 'out-of-fold' | 'time-holdout'
  /** The chosen model family. */
  modelType: string
  calibration: 'none' | 'platt' | 'isotonic'
  /** The chosen family's calibrated out-of-fold log-loss. */
  cvLogLoss: number
  hyperparameters: Record<string, unknown>
  /** Every candidate family's cross-validation scores. */
  families: Array<Record<string, unknown>>
  absentFeatures: string[]
  /** Raw fields some rows omitted, with how many rows omitted each. */
  omittedFields: Record<string, number>
  [key: string]: unknown
}

export interface TrainingSummary {
  trainedAt: string
  totalScenarios: number
  modelsCount: number
  models: WorkflowTrainingResult[]
  skipped: Array<{ workflowType: WorkflowType; rows: number; reason: string }>
  /** The per-workflow table, as printed by the CLI. */
  table: string
  /** TRAINING_REPORT.md */
  markdown: string
  /** Files written, in order (models first, summary last). */
  written: string[]
  /** The model files as written. */
  modelFiles: WorkflowModel[]
  /** Trained into a registry: the new version's id. */
  version?: string
  [key: string]: unknown
}

export declare function train(options?: TrainOptions): Promise<TrainingSummary>
export declare function trainSync(options?: Omit<TrainOptions, 'onProgress' | 'signal'>): TrainingSummary
export declare function trainAllModels(options?: TrainOptions): Promise<WorkflowModel[]>
export declare function trainWorkflowModel(
  workflowType: WorkflowType,
  scenarios: Array<{ features: Record<string, unknown>; failed: boolean }>,
  options?: Omit<TrainOptions, 'outDir' | 'onProgress' | 'data' | 'dataFormat' | 'counts' | 'registry'>,
): Promise<WorkflowModel>
