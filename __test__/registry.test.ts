// The models registry from JavaScript and the predictor over it: training
// writes versions, the old flat layout still loads, and swapping versions
// under load never fails a call nor mixes two versions within one.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { WorkflowPredictor } from '../workflow-predictors'
import { trainSync } from '../train-workflow-models'
import { ModelRegistry } from '../production'
import { OLD_MODELS_DIR, recordingLogger, sampleInputs, tempDir } from './helpers'

const samples = sampleInputs()

describe('models registry', () => {
  const modelsDir = path.join(tempDir('registry'), 'models')
  const registry = new ModelRegistry(modelsDir)

  beforeAll(() => {
    // A flat directory of the old engine's files first: it becomes v1 when the first version is trained.
    fs.mkdirSync(modelsDir, { recursive: true })
    for (const f of fs.readdirSync(OLD_MODELS_DIR)) fs.copyFileSync(path.join(OLD_MODELS_DIR, f), path.join(modelsDir, f))
  })

  it('loads a flat directory as it is', () => {
    expect(registry.stateSync()).toBeNull()
    const p = new WorkflowPredictor({ modelsDir, logger: recordingLogger() })
    p.initializeSync()
    expect(p.modelVersion).toBeNull()
    expect(p.getAllModels()).toHaveLength(8)
  })

  it('training into it writes a version, keeps the flat files as v1, and moves the pointer', () => {
    const summary = trainSync({ outDir: modelsDir, registry: true, seed: 3, counts: { freestyle: 200 } })
    expect(summary.version).toBe('v2')
    const versions = registry.listSync()
    expect(versions.map((v) => [v.id, v.source, v.current])).toEqual([['v1', 'import', false], ['v2', 'train', true]])
    expect(registry.stateSync()!.history.map((d) => d.action)).toEqual(['import', 'promote'])
    // A second training into the directory (a registry now) needs no option.
    expect(trainSync({ outDir: modelsDir, seed: 4 }).version).toBe('v3')
    // A version directory is a flat models directory: the old loader reads it whole.
    const old = new WorkflowPredictor({ modelsDir: versions[1].dir, logger: recordingLogger() })
    old.initializeSync()
    expect(old.getAllModels()).toHaveLength(8)
    expect(old.getModelStats('freestyle')).toHaveProperty('reference.rows', 200)
  })

  it('promotes and rolls back, naming unknown versions', () => {
    expect(registry.promoteSync(2, { reason: 'test' }).current).toBe('v2')
    expect(registry.rollbackSync().current).toBe('v3')
    let error: { code?: string; message?: string } = {}
    try {
      registry.promoteSync('v9')
    } catch (e) {
      error = e as never
    }
    expect(error.code).toBe('ERR_VERSION_NOT_FOUND')
    expect(error.message).toContain("no version 'v9' (known: v1, v2, v3)")
  })

  it('refuses ids that are not version ids, and moves with ifCurrent only from that version', () => {
    const thrown = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return e as { code?: string; message?: string }
      }
      throw new Error('expected a throw')
    }
    // An id is a path under versions/: one leading elsewhere is refused, whatever is there.
    expect(thrown(() => registry.promoteSync('../versions/v2'))).toMatchObject({ code: 'ERR_INVALID_ARG', message: `Invalid argument 'id': expected a version id such as v3 (or 3), received "../versions/v2"` })
    const before = registry.stateSync()!
    expect(before.current).toBe('v3')
    expect(thrown(() => registry.rollbackSync({ ifCurrent: 'v2' }))).toMatchObject({ code: 'ERR_VERSION_CHANGED', message: expect.stringContaining('v3 is current now, not v2') })
    expect(registry.stateSync()).toEqual(before)
    // resolve() gives the revision of the same read as the versions.
    expect(registry.resolveSync()).toMatchObject({ current: { version: 'v3' }, challenger: null, revision: before.revision })
    expect(registry.promoteSync(2, { ifCurrent: 3 }).current).toBe('v2')
    expect(registry.rollbackSync({ ifCurrent: 'v2' }).current).toBe('v3')
    // ifRevision: nothing at all may have changed since that state was read.
    const read = registry.stateSync()!.revision
    expect(thrown(() => registry.promoteSync(2, { ifRevision: read - 1 }))).toMatchObject({ code: 'ERR_VERSION_CHANGED', message: expect.stringContaining(`revision ${read} is current now, not revision ${read - 1}`) })
    expect(thrown(() => registry.promoteSync(2, { ifRevision: -1 }))).toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("'ifRevision'") })
    expect(registry.promoteSync(2, { ifRevision: read }).current).toBe('v2')
    expect(registry.rollbackSync().current).toBe('v3')
  })

  it('swaps versions under load: no call fails, none mixes two versions', async () => {
    const logger = recordingLogger()
    const p = new WorkflowPredictor({ modelsDir, logger, watch: { intervalMs: 2 } })
    await p.initialize()
    const byVersion = new Map<string, string>()
    for (const v of registry.listSync()) for (const [type, e] of Object.entries(v.workflows)) byVersion.set(`${type}\u0000${e!.modelVersion}`, v.id)
    const inputs = Object.values(samples)
    const seen = new Set<string>()
    let calls = 0
    const writer = (async () => {
      for (let i = 0; i < 30; i++) {
        await registry.promote(['v1', 'v2', 'v3'][i % 3])
        await new Promise((resolve) => setTimeout(resolve, 3))
      }
    })()
    let done = false
    void writer.then(() => (done = true))
    while (!done) {
      const batch = await p.predictBatch(inputs as never)
      // Inherited models are shared by versions: a batch is consistent if one version holds all its models.
      const candidates = registry.listSync().map((v) => v.id).filter((id) => batch.every((x) => registry.manifestSync(id).workflows[x.workflowType]?.modelVersion === x.modelVersion))
      expect(candidates.length).toBeGreaterThan(0)
      for (const x of batch) seen.add(byVersion.get(`${x.workflowType}\u0000${x.modelVersion}`)!)
      calls++
      await new Promise((resolve) => setImmediate(resolve))
    }
    await writer
    await p.close()
    expect(calls).toBeGreaterThan(10)
    expect(seen.size).toBeGreaterThan(1)
    // Small training sets may leave a workflow `inconclusive`: that warns once per workflow, whatever the swaps.
    const verdicts = logger.warnings.filter((w) => w.includes('was trained with verdict'))
    expect(new Set(verdicts.map((w) => w.split(' model ')[0])).size).toBe(verdicts.length)
    expect(logger.warnings.filter((w) => !w.includes('Models:') && !verdicts.includes(w))).toEqual([])
  })
})

describe('a challenger whose version is gone', () => {
  it('does not stop the predictor: the current version serves, and a warning says why', async () => {
    const modelsDir = path.join(tempDir('registry-gone'), 'models')
    fs.mkdirSync(modelsDir, { recursive: true })
    for (const f of fs.readdirSync(OLD_MODELS_DIR)) fs.copyFileSync(path.join(OLD_MODELS_DIR, f), path.join(modelsDir, f))
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()))
    expect(trainSync({ outDir: modelsDir, registry: true, seed: 3, counts: { freestyle: 200 }, bootstrapResamples: 10 }).version).toBe('v2')
    // The reference data went through a staging directory of the registry, removed after: nothing is left, here or in the OS temp directory.
    expect(fs.readdirSync(path.join(modelsDir, 'versions')).sort()).toEqual(['v1', 'v2'])
    // (Only the prefix training once used: other test files run beside this one and make temp dirs of their own.)
    expect(fs.readdirSync(os.tmpdir()).filter((f) => !tmpBefore.has(f) && f.startsWith('dawg-ml-reference-'))).toEqual([])
    const registry = new ModelRegistry(modelsDir)
    registry.setChallengerSync('v1')
    fs.rmSync(path.join(modelsDir, 'versions', 'v1'), { recursive: true })
    const resolution = registry.resolveSync()
    expect(resolution).toMatchObject({ current: { version: 'v2' }, challenger: null, challengerProblem: expect.stringContaining("it names version 'v1'") })
    const logger = recordingLogger()
    const predictor = new WorkflowPredictor({ modelsDir, logger, store: path.join(tempDir('registry-gone-store'), 'o.sqlite') })
    await predictor.initialize()
    expect(predictor.modelVersion).toBe('v2')
    expect(predictor.predictSync(samples.freestyle as never).failureProbability).toBeGreaterThan(0)
    expect(logger.warnings.filter((w) => w.includes('The challenger cannot be loaded'))).toHaveLength(1)
    await predictor.close()
  })
})
