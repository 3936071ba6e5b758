import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures')
export const OLD_MODELS_DIR = path.join(FIXTURES, 'ts-ml-engine', 'models')

export interface GoldenCase {
  id: string
  workflowType: string
  input: Record<string, unknown> & { workflowType: string }
  vector: Array<[string, number]>
  criticalFeatures: string[]
  displayName: string
  prediction: {
    workflowType: string
    failureProbability: number
    riskLevel: string
    confidence: number
    criticalFactors: Array<{ feature: string; value: number; weight: number; contribution: number }>
    recommendations: string[]
  }
}

let golden: { meta: { workflows: string[] }; cases: GoldenCase[] } | null = null

export function loadGolden() {
  golden ??= JSON.parse(fs.readFileSync(path.join(FIXTURES, 'ts-parity', 'golden.json'), 'utf8'))
  return golden!
}

/** The first golden input of each workflow: a complete, valid raw object. */
export function sampleInputs(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const c of loadGolden().cases) out[c.workflowType] ??= { ...c.input }
  return out
}

// Directories made by `tempDir` in this test file. Jest evaluates this
// module once per test file, so the hook below is registered at the top
// level of each file that imports it and runs when that file's tests end.
const madeDirs: string[] = []
afterAll(() => {
  for (const dir of madeDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A fresh empty directory under the OS temp dir, removed after the test file's tests. */
export function tempDir(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ml-engine-${tag}-`))
  madeDirs.push(dir)
  return dir
}

/** A silent logger that records warnings. */
export function recordingLogger() {
  const warnings: string[] = []
  return { warnings, warn: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')) }
}

/** A prediction (or a list of them) without its predictionId, which is new at every call. */
export function withoutPredictionId(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutPredictionId)
  if (x === null || typeof x !== 'object' || !('predictionId' in x)) return x
  const { predictionId, ...rest } = x as Record<string, unknown>
  expect(predictionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  return rest
}
