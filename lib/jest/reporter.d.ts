// @dawg-ai/ml-engine/jest-reporter: Jest loads it by name from `reporters`;
// these types are for a typed jest.config.ts.

declare namespace RiskReporter {
  /**
   * Options of the reporter entry in `reporters` (the sequencer reads the same
   * entry). Each has an environment variable, which wins.
   */
  interface Options {
    /** State directory, relative to Jest's rootDir (DAWG_ML_DIR, default '.dawg-ml'). */
    dir?: string
    /** Knowledge graph file (DAWG_ML_KNOWLEDGE_GRAPH). */
    graph?: string
    /** Git ref the changes are taken against, through its merge base with HEAD (DAWG_ML_BASE). */
    base?: string
    /** Run only the subset meeting this share of past failures, e.g. 0.95 (DAWG_ML_CONFIDENCE). */
    confidence?: number
    /** Models for the workflow risk (DAWG_ML_MODELS_DIR). */
    modelsDir?: string
    /** Recorded runs needed before a subset is selected (DAWG_ML_MIN_RUNS, default 5). */
    minRuns?: number
    /** Recorded runs kept and read (DAWG_ML_HISTORY_RUNS, default 200). */
    maxRuns?: number
    /** Runs after which a recorded outcome counts half (DAWG_ML_HALF_LIFE, default 30). */
    halfLife?: number
    /** How much a test's flip rate raises its score, 0 to 1 (DAWG_ML_FLIP_WEIGHT, default 0.5). */
    flipWeight?: number
    /** 'jest' makes the sequencer order as Jest's default one (DAWG_ML_ORDER, default 'risk'). */
    order?: 'risk' | 'jest'
  }
}

/** Records each test file's outcome, workflows, duration and position to <dir>/test-history/. */
declare class RiskReporter {
  constructor(globalConfig: { rootDir?: string }, options?: RiskReporter.Options)
  onRunStart(): void
  onTestFileStart(test: { path: string }): void
  onTestFileResult(test: { path: string }, testResult: object): void
  onRunComplete(contexts: unknown, results: { wasInterrupted?: boolean }): void
  getLastError(): undefined
}

export = RiskReporter
