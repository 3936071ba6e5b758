// The production-loop commands of dawg-ml: models list|promote|rollback,
// outcomes export, status and retrain --from-outcomes, against a registry
// and a store made here.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { trainSync } from '../train-workflow-models'
import { OutcomeStore } from '../production'
import { generateTrainingDataSync } from '../generate-training-data'
import { WORKFLOW_TYPES } from '../workflow-features'
import { tempDir } from './helpers'

const CLI = path.resolve(__dirname, '..', 'bin', 'dawg-ml.js')

function dawgMl(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('dawg-ml production commands', () => {
  const dir = tempDir('cli-loop')
  const models = path.join(dir, 'models')
  const storeFile = path.join(dir, 'outcomes.sqlite')

  beforeAll(() => {
    trainSync({ outDir: models, registry: true, seed: 1 })
    trainSync({ outDir: models, seed: 2 })
    const store = OutcomeStore.openSync(storeFile, { synchronous: 'normal', flushIntervalMs: 0 })
    const scenarios = generateTrainingDataSync({ seed: 5, counts: { ...Object.fromEntries(WORKFLOW_TYPES.map((t) => [t, 0])), freestyle: 120 } }) as unknown as Array<{ raw: { workflowType: string }; failed: boolean }>
    scenarios.forEach((s, i) => {
      store.logPrediction({ predictionId: `r${i}`, workflowType: s.raw.workflowType, modelVersion: 'sha256:test', probability: s.failed ? 0.8 : 0.1, features: s.raw })
    })
    store.recordOutcomesSync(scenarios.map((s, i) => ({ predictionId: `r${i}`, failed: s.failed })))
    store.closeSync()
  }, 60000)

  it('models list shows the versions and which is current; promote and rollback move it', () => {
    let r = dawgMl('models', 'list', '--models', models)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^v1 .* train .*$/m)
    expect(r.stdout).toMatch(/^v2 .*\[current\]$/m)
    r = dawgMl('models', 'promote', '1', '--models', models, '--reason', 'by hand')
    expect([r.status, r.stdout]).toEqual([0, 'v1 is current (was v2)\n'])
    r = dawgMl('models', 'rollback', '--models', models)
    expect([r.status, r.stdout]).toEqual([0, 'v2 is current again (rolled back from v1)\n'])
    const state = JSON.parse(dawgMl('models', 'list', '--models', models, '--json').stdout)
    expect(state.map((v: { id: string; current: boolean }) => [v.id, v.current])).toEqual([['v1', false], ['v2', true]])
    const history = JSON.parse(fs.readFileSync(path.join(models, 'current.json'), 'utf8')).history
    expect(history.at(-2)).toMatchObject({ action: 'promote', version: 'v1', reason: 'by hand' })
  })

  it('reports errors with their code and usage errors with exit status 2', () => {
    let r = dawgMl('models', 'promote', 'v9', '--models', models)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("[ERR_VERSION_NOT_FOUND] Models registry")
    r = dawgMl('models', 'frobnicate', '--models', models)
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('unknown models subcommand: frobnicate')
    r = dawgMl('outcomes', 'export', '--store', path.join(dir, 'none.sqlite'))
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('no outcome store at')
  })

  it('outcomes export writes what train --data reads', () => {
    const out = path.join(dir, 'export.jsonl')
    let r = dawgMl('outcomes', 'export', '--format', 'jsonl', '--out', out, '--store', storeFile)
    expect([r.status, r.stdout]).toEqual([0, `Wrote 120 outcomes to ${out}\n`])
    r = dawgMl('outcomes', 'export', '--store', storeFile, '--workflow', 'ai-memory')
    expect([r.status, r.stdout]).toEqual([0, ''])
    r = dawgMl('train', '--data', out, '--no-write', '--json')
    expect(r.status).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary.models.map((m: { workflowType: string }) => m.workflowType)).toEqual(['freestyle'])
    expect(summary.models[0].scenarios).toBe(120)
  })

  it('status prints the live metrics table', () => {
    const r = dawgMl('status', '--store', storeFile, '--models', models)
    expect(r.status).toBe(0)
    const [registry, header, row] = r.stdout.split('\n')
    expect(registry).toBe(`Registry ${models}: current v2`)
    for (const column of ['workflow', 'model', 'role', 'preds', 'outcomes', 'fail rate', 'log-loss', 'expected', 'Brier', 'ECE', 'AUC [95%]', 'P/R critical', 'P/R high', 'P/R medium']) expect(header).toContain(column)
    expect(row).toMatch(/^freestyle\s+test\s+champion\s+120\s+120\s/)
    const json = JSON.parse(dawgMl('status', '--store', storeFile, '--models', models, '--json').stdout)
    expect(json.groups[0].metrics.count).toBe(120)
  })

  it('retrain --from-outcomes writes a challenger that inherits the workflows without outcomes', () => {
    const r = dawgMl('retrain', '--from-outcomes', '--store', storeFile, '--models', models, '--min-outcomes', '100')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('Wrote v3 (the challenger, scored in shadow)')
    const manifest = JSON.parse(fs.readFileSync(path.join(models, 'versions', 'v3', 'manifest.json'), 'utf8'))
    expect(manifest.workflows.freestyle.origin).toBe('trained')
    expect(manifest.workflows['ai-memory']).toMatchObject({ origin: 'inherited', from: 'v2' })
    expect(JSON.parse(fs.readFileSync(path.join(models, 'current.json'), 'utf8'))).toMatchObject({ current: 'v2', challenger: 'v3' })
  })

  it('derives each command\'s --help from its flags', () => {
    for (const [command, ...flags] of [['status', '--window N', '--models DIR', '--store FILE'], ['outcomes', '--format jsonl', '--store FILE'], ['models', '--reason TEXT', '--models DIR'], ['retrain', '--prior keep|generated', '--models DIR', '--store FILE']]) {
      const r = dawgMl(command, '--help')
      expect(r.status).toBe(0)
      expect(r.stdout).toContain(`Usage: dawg-ml ${command} `)
      for (const flag of flags) expect(r.stdout).toContain(flag)
    }
    expect(dawgMl('--help').stdout).toMatch(/^ {2}retrain +Train a challenger version from the recorded outcomes\.$/m)
  })
})
