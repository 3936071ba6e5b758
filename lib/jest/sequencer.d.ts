// @dawg-ai/ml-engine/jest-sequencer: Jest loads it by name from
// `testSequencer`; it extends Jest's own TestSequencer (@jest/test-sequencer).

interface JestTest {
  path: string
  duration?: number
  context: unknown
}

/**
 * Orders test files by risk: the tests of affected workflows (and changed
 * test files) first, then the others, each riskiest first; with a confidence
 * target, only the subset that would have caught that share of the recorded
 * failures. Configured through the options of the jest-reporter entry and
 * DAWG_ML_* environment variables.
 */
declare class RiskSequencer {
  constructor(options: { contexts: unknown; globalConfig: { rootDir?: string; reporters?: unknown } })
  sort<T extends JestTest>(tests: T[]): T[]
  allFailedTests<T extends JestTest>(tests: T[]): T[]
  shard<T extends JestTest>(tests: T[], options: { shardIndex: number; shardCount: number }): T[]
  cacheResults(tests: JestTest[], results: unknown): void
}

export = RiskSequencer
