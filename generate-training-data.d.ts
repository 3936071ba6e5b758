import type { WorkflowType, WorkflowFeatures } from './workflow-features'

export interface GenerateOptions {
  /** Whole number in [0, 2^53). Default 42. */
  seed?: number
  /** Scenarios per workflow; others keep the defaults (freestyle 150, melody-to-vocals 120, the rest 110). */
  counts?: Partial<Record<WorkflowType, number>>
  /** Also write the scenarios to this JSON file (streamed, atomically). */
  outputPath?: string
  /**
   * Whether the scenarios are returned (default true; at most 100,000 in
   * all, more is refused up front with ERR_INVALID_ARG). `false` needs
   * `outputPath`, writes any count and returns a `GenerateSummary`.
   */
  returnScenarios?: boolean
}

/** What `generateTrainingData({ outputPath, returnScenarios: false })` returns. */
export interface GenerateSummary {
  outputPath: string
  /** Scenarios written. */
  scenarios: number
  /** Of which failed. */
  failed: number
}

/** One generated run, in the old training-data format plus the generator's ground truth. */
export interface TrainingScenario {
  id: string
  workflowType: WorkflowType
  /** The normalised feature vector (featuresToVector of `raw`). */
  features: Record<string, number>
  failed: boolean
  severity: 'low' | 'medium' | 'high' | 'critical'
  timestamp: string
  /** The raw feature object the vector came from. */
  raw: WorkflowFeatures
  /** The failure mode that fired, or null. */
  failureType: string | null
  /** The generator's true failure probability (the Bayes-optimal prediction). */
  trueFailureProbability: number
}

export declare function generateTrainingData(options: GenerateOptions & { outputPath: string; returnScenarios: false }): Promise<GenerateSummary>
export declare function generateTrainingData(options?: GenerateOptions & { returnScenarios?: true }): Promise<TrainingScenario[]>
export declare function generateTrainingDataSync(options: GenerateOptions & { outputPath: string; returnScenarios: false }): GenerateSummary
export declare function generateTrainingDataSync(options?: GenerateOptions & { returnScenarios?: true }): TrainingScenario[]
