import type { WorkflowType, WorkflowFeatures } from './workflow-features'
import type { TrainOptions, TrainingSummary } from './train-workflow-models'

/** A window of logged predictions: a number is `{ last: n }`. Times are Dates or ms since the epoch. */
export type Window =
  | number
  | {
      /** The newest n predictions. */
      last?: number
      /** The oldest n predictions. */
      first?: number
      since?: Date | number
      until?: Date | number
      /** The last `ms` milliseconds. */
      ms?: number
      /** Only predictions whose outcome is recorded. */
      labelled?: boolean
    }

export interface OutcomeStoreOptions {
  /** How long a writer waits for another process's lock (default 10,000 ms; then ERR_STORE_BUSY). */
  busyTimeoutMs?: number
  /**
   * 'full' (default): every commit is synced to disk, so an acknowledged
   * outcome survives a power cut too. 'normal': survives the process being
   * killed (kill -9), not a power cut; faster for high-rate writers.
   */
  synchronous?: 'full' | 'normal'
  /** Keep at most this many rows per table (the newest). */
  maxRows?: number
  /** Drop rows older than this. */
  maxAgeMs?: number
  /** Queued predictions are written at least this often (default 1000 ms; 0: only with a write or flush()). */
  flushIntervalMs?: number
  /** ...and as soon as this many are queued (default 256). */
  flushAt?: number
  logger?: { warn(...args: unknown[]): void }
}

/** An outcome: of a prediction, or of a run that was never predicted (its complete raw features). */
export type OutcomeRecord =
  | { predictionId: string; failed: boolean; failureType?: string | null; recordedAt?: Date | number }
  | { features: WorkflowFeatures; failed: boolean; failureType?: string | null; recordedAt?: Date | number }

export interface LoggedPrediction {
  predictionId: string
  workflowType: WorkflowType | string
  modelVersion: string
  probability: number
  /** The raw feature object: makes the prediction exportable as training data and usable for drift. */
  features?: object | null
  /** 'champion' (returned) or 'challenger' (scored in shadow). Default 'champion'. */
  role?: 'champion' | 'challenger'
  createdAt?: Date | number
  /** The share of predictions being logged (1 = all). */
  sampleRate?: number
}

export interface AtRiskLevel {
  level: 'critical' | 'high' | 'medium'
  threshold: number
  /** Runs predicted at this level or above. */
  flagged: number
  /** null when no run was flagged. */
  precision: number | null
  /** null when no run failed. */
  recall: number | null
}

export interface LiveMetrics {
  /** Predictions with a recorded outcome. */
  count: number
  failures: number
  failureRate: number | null
  meanProbability: number | null
  logLoss: number | null
  brier: number | null
  /** 10 equal-width bins. */
  ece: number | null
  /** null with only one class. */
  auc: number | null
  /** 95 % percentile bootstrap interval. */
  aucInterval: [number, number] | null
  atRiskLevels: AtRiskLevel[]
}

/** What the probabilities alone lead to expect (calibrated model): the label-free estimate. */
export interface ExpectedMetrics {
  predictions: number
  failureRate: number | null
  /** Mean binary entropy of the probabilities. */
  logLoss: number | null
  brier: number | null
}

export interface LiveMetricsGroup {
  workflowType: WorkflowType
  modelVersion: string
  /** Predictions in the window, labelled or not. */
  predictions: number
  labelled: number
  firstAt: number
  lastAt: number
  metrics: LiveMetrics
  expected: ExpectedMetrics
  /** Present in `dawg-ml status --json`. */
  role?: 'champion' | 'challenger'
}

export interface DriftReport {
  rows: number
  scorePsi: number | null
  /** Largest PSI first. */
  features: Array<{ feature: string; psi: number }>
  threshold: number
  /** Features (and 'score') whose PSI reaches the threshold. */
  drifted: string[]
  /** 'model': the histograms stored in the model file; 'baseline': the version's first logged predictions. */
  referenceSource: 'model' | 'baseline' | 'none'
  referenceRows?: number
  rowsWithoutFeatures?: number
}

export interface LiveReportOptions {
  /** The models directory whose versions are named and whose reference histograms drift is measured against (default: as the library resolves it). */
  models?: string
  /** Only this workflow's section, and the window counts its predictions alone (default: every workflow). */
  workflowType?: WorkflowType
  /** The predictions shown (a number is the newest N); default all. */
  window?: LiveMetricsOptions['window']
  /** Write the page here, atomically; without it the page is returned as `html`. */
  out?: string
  /** PSI at which a feature counts as drifted (default 0.25). */
  threshold?: number
  /** Rows of a baseline when a model file has no reference histograms (default 500). */
  baselineRows?: number
}

export interface LiveReport {
  /** The page, when `out` was not given. */
  html?: string
  /** The file written, when `out` was given. */
  path?: string
  bytes?: number
  workflows: Array<{
    workflowType: WorkflowType
    versions: Array<{ modelVersion: string; role: 'champion' | 'challenger'; knownAs: string | null; predictions: number; labelled: number; drifted: string[] | null }>
  }>
}

export interface PromotionTest {
  test: string
  pairs: number
  championLogLoss: number | null
  challengerLogLoss: number | null
  meanDifference: number | null
  lowerBound: number | null
  t: number | null
  pValue: number | null
  margin: number
  minPairs: number
  alpha: number
  promote: boolean
  reason: string
}

export interface DegradationTest {
  test: string
  rows: number
  logLoss: number | null
  referenceLogLoss: number
  t: number | null
  pValue: number | null
  margin: number
  minRows: number
  alpha: number
  degraded: boolean
  reason: string
}

export interface StoredEvent {
  eventId: number
  kind: string
  workflowType: string | null
  modelVersion: string | null
  createdAt: number
  figures: Record<string, unknown>
}

export declare class OutcomeStore {
  /** Open (creating it and its directory) the store at `path`, default as `resolveStorePath` finds it. */
  static open(path?: string, options?: OutcomeStoreOptions): Promise<OutcomeStore>
  static openSync(path?: string, options?: OutcomeStoreOptions): OutcomeStore
  readonly path: string
  /** Predictions queued and not yet written. */
  readonly pending: number
  /** Queue a prediction for the next write; returns the number queued. */
  logPrediction(prediction: LoggedPrediction): number
  /** Resolves once committed. Recording a prediction's outcome again replaces it. */
  recordOutcome(predictionId: string, failed: boolean, options?: { failureType?: string | null; recordedAt?: Date | number }): Promise<{ outcomeId: number }>
  recordOutcome(outcome: OutcomeRecord): Promise<{ outcomeId: number }>
  recordOutcomeSync(predictionId: string, failed: boolean, options?: { failureType?: string | null; recordedAt?: Date | number }): { outcomeId: number }
  recordOutcomeSync(outcome: OutcomeRecord): { outcomeId: number }
  /** One transaction: all or none. */
  recordOutcomes(outcomes: OutcomeRecord[]): Promise<{ outcomeIds: number[] }>
  recordOutcomesSync(outcomes: OutcomeRecord[]): { outcomeIds: number[] }
  recordEvent(kind: string, figures: object, options?: { workflowType?: string; modelVersion?: string; createdAt?: Date | number }): Promise<{ eventId: number }>
  recordEventSync(kind: string, figures: object, options?: { workflowType?: string; modelVersion?: string; createdAt?: Date | number }): { eventId: number }
  flush(): Promise<{ written: number }>
  flushSync(): { written: number }
  liveMetrics(options?: LiveMetricsOptions & { workflowType?: WorkflowType }): Promise<{ groups: LiveMetricsGroup[] }>
  liveMetricsSync(options?: LiveMetricsOptions & { workflowType?: WorkflowType }): { groups: LiveMetricsGroup[] }
  drift(options: DriftOptions): Promise<DriftReport>
  driftSync(options: DriftOptions): DriftReport
  /** The live report: the training report's plots from recorded outcomes per workflow and model version, with drift per feature (self-contained HTML). */
  renderLiveReport(options?: LiveReportOptions): Promise<LiveReport>
  renderLiveReportSync(options?: LiveReportOptions): LiveReport
  promotionTest(options?: PromotionTestOptions): Promise<{ overall: PromotionTest; unchangedPairs: number; byWorkflow: Array<{ workflowType: WorkflowType; test: PromotionTest }> }>
  promotionTestSync(options?: PromotionTestOptions): { overall: PromotionTest; unchangedPairs: number; byWorkflow: Array<{ workflowType: WorkflowType; test: PromotionTest }> }
  degradationTest(options: DegradationTestOptions): Promise<DegradationTest>
  degradationTestSync(options: DegradationTestOptions): DegradationTest
  predictions(options?: PredictionsOptions): Promise<{ rows: PredictionRow[] }>
  predictionsSync(options?: PredictionsOptions): { rows: PredictionRow[] }
  /** The recorded outcomes of these predictions, by prediction id (those without one are absent). */
  outcomes(predictionIds: string[]): Promise<Record<string, { outcomeId: number; failed: boolean; failureType: string | null; recordedAt: number }>>
  outcomesSync(predictionIds: string[]): Record<string, { outcomeId: number; failed: boolean; failureType: string | null; recordedAt: number }>
  summary(): Promise<{ groups: Array<{ workflowType: string; modelVersion: string; role: 'champion' | 'challenger'; predictions: number; labelled: number; failures: number; firstAt: number; lastAt: number }> }>
  summarySync(): { groups: Array<{ workflowType: string; modelVersion: string; role: 'champion' | 'challenger'; predictions: number; labelled: number; failures: number; firstAt: number; lastAt: number }> }
  counts(): Promise<{ predictions: number; outcomes: number; runOutcomes: number; events: number }>
  countsSync(): { predictions: number; outcomes: number; runOutcomes: number; events: number }
  events(options?: { kind?: string; last?: number }): Promise<{ events: StoredEvent[] }>
  eventsSync(options?: { kind?: string; last?: number }): { events: StoredEvent[] }
  /** JSONL of `{ features, failed }`, what `dawg-ml train --data` reads; written atomically. */
  exportJsonl(file: string, filter?: { workflowType?: WorkflowType; since?: Date | number }): Promise<{ rows: number; withoutFeatures: number }>
  exportJsonlSync(file: string, filter?: { workflowType?: WorkflowType; since?: Date | number }): { rows: number; withoutFeatures: number }
  prune(): Promise<{ predictions: number; outcomes: number; events: number }>
  pruneSync(): { predictions: number; outcomes: number; events: number }
  /** Write the queued predictions and close; later calls throw ERR_STORE_CLOSED. */
  close(): Promise<{ written: number }>
  closeSync(): { written: number }
}

export interface LiveMetricsOptions {
  window?: Window
  role?: 'champion' | 'challenger'
  modelVersions?: string | string[]
  /** Bootstrap resamples of the AUC interval (default 1000; 0: none; at most 10,000). */
  resamples?: number
  seed?: number
}

export interface DriftOptions {
  workflowType: WorkflowType
  modelVersion: string
  /** The model file's `reference`; without one, the version's first `baselineRows` logged predictions. */
  reference?: object | null
  baselineRows?: number
  window?: Window
  /** PSI at which a feature counts as drifted (default 0.25). */
  threshold?: number
}

export interface PromotionTestOptions {
  workflowType?: WorkflowType
  championVersions?: string | string[]
  challengerVersions?: string | string[]
  window?: Window
  rule?: { margin?: number; minPairs?: number; alpha?: number }
}

export interface DegradationTestOptions {
  workflowType?: WorkflowType
  modelVersions?: string | string[]
  /** The log-loss the model was expected to have. */
  reference: number
  window?: Window
  rule?: { margin?: number; minRows?: number; alpha?: number }
}

export interface PredictionsOptions {
  role?: 'champion' | 'challenger'
  workflowType?: WorkflowType
  modelVersions?: string | string[]
  window?: Window
  withFeatures?: boolean
}

export interface PredictionRow {
  predictionId: string
  workflowType: string
  modelVersion: string
  probability: number
  createdAt: number
  sampleRate: number
  /** null while the outcome is not recorded. */
  failed: boolean | null
  failureType: string | null
  /** JSON text of the raw features (withFeatures). */
  features?: string
}

/** Where the store lives: argument, DAWG_ML_STORE, package.json "dawg-ml".store, or <project>/.dawg-ml/outcomes.sqlite. */
export declare function resolveStorePath(options?: { storePath?: string; env?: Record<string, string | undefined>; cwd?: string }): { path: string; source: string }

export interface Decision {
  action: 'import' | 'promote' | 'rollback' | 'challenger'
  version: string | null
  from: string | null
  at: string
  reason?: string
  figures?: Record<string, unknown>
}

export interface RegistryState {
  format: number
  /** Incremented by every write. */
  revision: number
  current: string
  /** Earlier current versions, most recent last. */
  previous: string[]
  challenger: string | null
  history: Decision[]
}

export interface VersionManifest {
  id: string
  createdAt: string
  parent: string | null
  source: string
  workflows: Partial<Record<WorkflowType, { modelVersion: string; origin: 'trained' | 'inherited' | 'imported'; from?: string }>>
  figures?: Record<string, unknown>
}

export interface VersionInfo extends VersionManifest {
  dir: string
  current: boolean
  challenger: boolean
}

export interface Resolution {
  current: { dir: string; version: string | null }
  challenger: { dir: string; version: string } | null
  challengerProblem: string | null
  revision: number | null
}

/** A registry decision: why, the figures it rests on, and (for moves of the pointer) the version it expects current. */
export interface MoveOptions {
  reason?: string
  figures?: object
  /** Apply only if this version is still current; else ERR_VERSION_CHANGED and nothing changes. */
  ifCurrent?: string | number
  /** Apply only if the pointer is still at this revision (nothing changed since that state was read); else ERR_VERSION_CHANGED. */
  ifRevision?: number
}

export declare class ModelRegistry {
  constructor(dir: string)
  readonly dir: string
  /** null for a flat directory (no current.json). */
  state(): Promise<RegistryState | null>
  stateSync(): RegistryState | null
  list(): Promise<VersionInfo[]>
  listSync(): VersionInfo[]
  /**
   * From one read of the pointer; `revision` is null for a flat directory. A challenger whose
   * version cannot be used is null, with `challengerProblem` saying why (the current version still resolves).
   */
  resolve(): Promise<Resolution>
  resolveSync(): Resolution
  manifest(id: string | number): Promise<VersionManifest>
  manifestSync(id: string | number): VersionManifest
  promote(id: string | number, options?: MoveOptions): Promise<RegistryState>
  promoteSync(id: string | number, options?: MoveOptions): RegistryState
  /** ERR_NO_PREVIOUS_VERSION when nothing was current before. */
  rollback(options?: MoveOptions): Promise<RegistryState>
  rollbackSync(options?: MoveOptions): RegistryState
  setChallenger(id: string | number | null, options?: { reason?: string; figures?: object }): Promise<RegistryState>
  setChallengerSync(id: string | number | null, options?: { reason?: string; figures?: object }): RegistryState
  stagingDir(): Promise<string>
  stagingDirSync(): string
  commit(staging: string, options?: { source?: string; base?: string | number; figures?: object }): Promise<VersionManifest>
  commitSync(staging: string, options?: { source?: string; base?: string | number; figures?: object }): VersionManifest
  attachReferences(staging: string, dataFile: string): Promise<Array<{ workflowType: WorkflowType; rows: number }>>
  attachReferencesSync(staging: string, dataFile: string): Array<{ workflowType: WorkflowType; rows: number }>
}

export interface MonitorOptions {
  /** The window drift and metrics are computed over (default the last 2000 predictions). */
  window?: Window
  /** threshold > 0 (PSI), minRows a whole number ≥ 1, baselineRows ≥ 2. */
  drift?: { threshold?: number; minRows?: number; baselineRows?: number }
  /** margin ≥ 0, minPairs a whole number ≥ 2, alpha in (0, 1). */
  promotion?: { auto?: boolean; margin?: number; minPairs?: number; alpha?: number }
  /** margin ≥ 0, minRows a whole number ≥ 2, alpha in (0, 1). Every value is checked when the monitor (or the predictor) is made. */
  degradation?: { auto?: boolean; margin?: number; minRows?: number; alpha?: number }
}

export interface MonitorEvent {
  type: 'drift' | 'degraded' | 'promoted' | 'rolledBack'
  payload: Record<string, unknown>
}

export declare class Monitor {
  constructor(parts: { store: OutcomeStore; registry: ModelRegistry | null; options?: MonitorOptions })
  readonly options: Required<MonitorOptions>
  evaluate(input: {
    champion: Array<{ workflowType: WorkflowType; modelVersion: string; reference?: object; logLoss?: number }>
    challenger: { version: string; models: Array<{ workflowType: WorkflowType; modelVersion: string }> } | null
  }): Promise<MonitorEvent[]>
}

export declare const MONITOR_DEFAULTS: Required<MonitorOptions>

/** Train a challenger version from the store's outcomes (see `dawg-ml retrain --from-outcomes`). */
export declare function retrainFromOutcomes(options: {
  store: OutcomeStore
  modelsDir: string
  /** Outcomes a workflow needs to be retrained (default 50). */
  minOutcomes?: number
  /** Below minOutcomes: keep the current model (default) or add generated scenarios as a prior. */
  prior?: 'keep' | 'generated'
  seed?: number
  /** Make it current at once instead of shadowing it. */
  promote?: boolean
  since?: Date | number
  onProgress?: TrainOptions['onProgress']
  signal?: AbortSignal
}): Promise<TrainingSummary & { version: string; manifest: VersionManifest; registry: RegistryState; outcomes: Record<WorkflowType, number> }>
