import type { WorkflowType, WorkflowFeatures } from './workflow-features'

export interface GenerateOptions {
  /** Whole number in [0, 2^53). Default 42. */
  seed?: number
  /** Scenarios per workflow; others keep the defaults (freestyle 150, melody-to-vocals 120, the rest 110). */
  counts?: Partial<Record<WorkflowType, number>>
  /** Also write the scenarios to this JSON file (atomically). */
  outputPath?: string
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

export declare function generateTrainingData(options?: GenerateOptions): Promise<TrainingScenario[]>
export declare function generateTrainingDataSync(options?: GenerateOptions): TrainingScenario[]
