// The outcome store from JavaScript: what is recorded is read back, bad
// values are refused with a code naming the field, several processes write
// one file at once, and values come back in this realm.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { OutcomeStore, resolveStorePath } from '../production'
import { sampleInputs, tempDir } from './helpers'
import { WORKFLOW_TYPES } from '../workflow-features'

function thrown(f: () => unknown): { code?: string; message: string } & Error {
  try {
    f()
  } catch (e) {
    return e as never
  }
  throw new Error('expected a throw')
}

const samples = sampleInputs()

describe('OutcomeStore', () => {
  const dir = tempDir('store')
  const store = OutcomeStore.openSync(path.join(dir, 'o.sqlite'), { synchronous: 'normal', flushIntervalMs: 0 })
  afterAll(() => store.close())

  it('records outcomes of logged predictions and of runs never predicted, and reads them back', async () => {
    for (let i = 0; i < 4; i++) {
      store.logPrediction({ predictionId: `p${i}`, workflowType: 'freestyle', modelVersion: 'sha256:a', probability: i / 4, features: samples.freestyle })
    }
    expect(store.pending).toBe(4)
    const first = store.recordOutcomeSync('p1', true, { failureType: 'timeout' })
    // The queued predictions went with the outcome, in one transaction.
    expect(store.pending).toBe(0)
    expect(first.outcomeId).toBe(1)
    expect(await store.recordOutcome('p2', false)).toEqual({ outcomeId: 2 })
    expect(store.recordOutcomeSync('p1', false)).toEqual({ outcomeId: 1 })
    const run = await store.recordOutcome({ features: samples['ai-memory'] as never, failed: true })
    expect(run.outcomeId).toBe(3)
    expect(store.countsSync()).toEqual({ predictions: 4, outcomes: 3, runOutcomes: 1, events: 0 })
    const rows = store.predictionsSync({ window: { labelled: true } }).rows
    expect(rows.map((r) => [r.predictionId, r.failed])).toEqual([['p1', false], ['p2', false]])
    expect(rows).toBeInstanceOf(Array)
    expect(rows[0]).toBeInstanceOf(Object)
    const out = path.join(dir, 'export.jsonl')
    expect(store.exportJsonlSync(out)).toEqual({ rows: 3, withoutFeatures: 0 })
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.features.workflowType, l.failed])).toEqual([['freestyle', false], ['freestyle', false], ['ai-memory', true]])
  })

  it('refuses bad values with a code and the field named', () => {
    const cases: Array<[() => unknown, string, string]> = [
      [() => store.recordOutcomeSync('p1', 'yes' as never), 'ERR_INVALID_ARG', "Invalid argument 'outcome.failed': expected a boolean, received string"],
      [() => store.recordOutcomeSync('', true), 'ERR_INVALID_ARG', "Invalid argument 'predictionId': must not be empty"],
      [() => store.recordOutcomeSync('p1', true, { colour: 1 } as never), 'ERR_INVALID_ARG', "Invalid argument 'options': unknown option 'colour' (known: failureType, recordedAt)"],
      [() => store.recordOutcomesSync([{ predictionId: 'p1', failed: true }, { failed: true } as never]), 'ERR_INVALID_ARG', "Invalid argument 'outcomes[1].features': expected a raw feature object (with workflowType), received undefined"],
      [() => store.recordOutcomesSync([{ predictionId: 'p9', failed: true }, { features: { workflowType: 'freestyle' } as never, failed: true }]), 'ERR_MISSING_FEATURE', "outcomes[1]: Missing feature for workflow 'freestyle': field 'timestamp' (a string) is required in strict mode"],
      [() => store.logPrediction({ predictionId: 'x', workflowType: 'freestyle', modelVersion: 'v', probability: 1.5 }), 'ERR_INVALID_ARG', "Invalid argument 'probability': expected a number in [0, 1], received 1.5"],
      [() => store.liveMetricsSync({ window: { lats: 3 } as never }), 'ERR_INVALID_ARG', "Invalid argument 'window': unknown option 'lats' (known: last, first, since, until, ms, labelled)"],
      [() => store.liveMetricsSync({ resamples: 1e12 }), 'ERR_INVALID_ARG', "Invalid argument 'resamples': expected at most 10000, received 1000000000000"],
      [() => store.renderLiveReportSync({ models: dir, workflowType: 'karaoke' as never }), 'ERR_INVALID_ARG', `Invalid argument 'workflowType': Unknown workflow type: karaoke (expected one of ${WORKFLOW_TYPES.join(', ')})`],
      [() => OutcomeStore.openSync(path.join(dir, 'x.sqlite'), { synchronous: 'always' as never }), 'ERR_INVALID_ARG', "Invalid argument 'synchronous': expected 'full' or 'normal', received \"always\""],
    ]
    for (const [f, code, message] of cases) {
      const e = thrown(f)
      expect([e.code, e.message]).toEqual([code, message])
      expect(e).toBeInstanceOf(Error)
    }
    // The failed batch wrote nothing: p9 has no outcome.
    expect(store.predictionsSync().rows.find((r) => r.predictionId === 'p9')).toBeUndefined()
    expect(store.countsSync().outcomes).toBe(3)
  })

  it('refuses a file that is not an outcome store', () => {
    const file = path.join(dir, 'text.sqlite')
    fs.writeFileSync(file, 'not a database '.repeat(20))
    expect(thrown(() => OutcomeStore.openSync(file)).code).toBe('ERR_STORE_NOT_A_STORE')
  })

  it('closes: later calls throw ERR_STORE_CLOSED, and closing twice is fine', async () => {
    const s = await OutcomeStore.open(path.join(dir, 'closing.sqlite'))
    s.logPrediction({ predictionId: 'q', workflowType: 'freestyle', modelVersion: 'v', probability: 0.5 })
    expect(await s.close()).toEqual({ written: 1 })
    expect(await s.close()).toEqual({ written: 0 })
    expect(thrown(() => s.countsSync()).code).toBe('ERR_STORE_CLOSED')
    await expect(s.recordOutcome('q', true)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' })
    // A prediction logged after close is refused, not queued where no write would ever take it.
    const late = thrown(() => s.logPrediction({ predictionId: 'late', workflowType: 'freestyle', modelVersion: 'v', probability: 0.5 }))
    expect([late.code, late.message]).toEqual(['ERR_STORE_CLOSED', expect.stringContaining('closing.sqlite')])
    expect(s.pending).toBe(0)
  })

  it('a prediction logged while close() runs is written by it or refused, never lost', async () => {
    const file = path.join(dir, 'closing-race.sqlite')
    // No flush but the close's own: it must write every prediction accepted.
    const s = await OutcomeStore.open(file, { flushAt: 1e9, flushIntervalMs: 0 })
    const log = (id: string) => s.logPrediction({ predictionId: id, workflowType: 'freestyle', modelVersion: 'v', probability: 0.5 })
    log('before')
    const closing = s.close()
    let accepted = 0
    let refused = 0
    // The close runs on the pool while this thread keeps logging, until a
    // few calls have been refused (or 10 s pass, and the test fails).
    const until = Date.now() + 10_000
    for (let i = 0; refused < 50 && Date.now() < until; i++) {
      try {
        log(`during-${i}`)
        accepted++
      } catch (e) {
        expect((e as { code: string }).code).toBe('ERR_STORE_CLOSED')
        refused++
      }
    }
    const { written } = await closing
    expect(refused).toBe(50)
    expect(written).toBe(1 + accepted)
    const reopened = OutcomeStore.openSync(file)
    expect(reopened.countsSync()).toMatchObject({ predictions: 1 + accepted })
    reopened.closeSync()
  })

  it('finds the store next to the project models, or where configured', () => {
    const project = tempDir('store-project')
    fs.writeFileSync(path.join(project, 'package.json'), '{}')
    expect(resolveStorePath({ cwd: project, env: {} })).toEqual({ path: path.join(project, '.dawg-ml', 'outcomes.sqlite'), source: 'project default' })
    expect(resolveStorePath({ cwd: project, env: { DAWG_ML_STORE: 'x.db' } }).path).toBe(path.join(project, 'x.db'))
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ 'dawg-ml': { store: 'data/o.sqlite' } }))
    expect(resolveStorePath({ cwd: project, env: {} }).path).toBe(path.join(project, 'data', 'o.sqlite'))
  })

  it('takes outcomes from several processes at once: none lost', async () => {
    const file = path.join(dir, 'shared.sqlite')
    const script = (tag: string) => `const { OutcomeStore } = require(${JSON.stringify(path.resolve(__dirname, '..', 'production.js'))});
      const s = OutcomeStore.openSync(${JSON.stringify(file)}, { synchronous: 'normal', flushIntervalMs: 0 });
      for (let i = 0; i < 500; i++) s.recordOutcomeSync('${tag}-' + i, i % 2 === 0);
      s.closeSync();`
    const runs = ['a', 'b', 'c'].map(
      (tag) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, ['-e', script(tag)], { stdio: 'inherit' })
          child.on('exit', (code) => resolve(code ?? -1))
        }),
    )
    expect(await Promise.all(runs)).toEqual([0, 0, 0])
    const s = OutcomeStore.openSync(file)
    expect(s.countsSync().outcomes).toBe(1500)
    s.closeSync()
  })
})
