// Training and generation through the JavaScript API: reproducibility,
// honest verdicts, progress and abort, bad data, and the files written.
import fs from 'node:fs'
import path from 'node:path'
import { generateTrainingData, generateTrainingDataSync } from '../generate-training-data'
import { train, trainSync, trainWorkflowModel } from '../train-workflow-models'
import { featuresToVector } from '../workflow-features'
import { WorkflowPredictor } from '../workflow-predictors'
import { FIXTURES, recordingLogger, tempDir } from './helpers'

const OLD_DATA = path.join(FIXTURES, 'ts-ml-engine', 'workflow-training-data.json')

describe('generateTrainingData', () => {
  it('is reproducible: the same seed gives byte-identical files, another seed differs', async () => {
    const dir = tempDir('gen')
    const a = path.join(dir, 'a.json')
    const b = path.join(dir, 'b.json')
    const c = path.join(dir, 'c.json')
    await generateTrainingData({ seed: 7, outputPath: a })
    generateTrainingDataSync({ seed: 7, outputPath: b })
    await generateTrainingData({ seed: 8, outputPath: c })
    // Buffer.equals: a byte comparison (Jest's deep equality is slow on megabytes).
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true)
    expect(fs.readFileSync(a).equals(fs.readFileSync(c))).toBe(false)
    expect(fs.statSync(a).size).toBeGreaterThan(100_000)
  })

  it('produces the old format plus raw, failureType and trueFailureProbability, with the default counts', async () => {
    const scenarios = await generateTrainingData({ seed: 42 })
    expect(scenarios).toHaveLength(930)
    const byType = new Map<string, number>()
    for (const s of scenarios) byType.set(s.workflowType, (byType.get(s.workflowType) ?? 0) + 1)
    expect(byType.get('freestyle')).toBe(150)
    expect(byType.get('melody-to-vocals')).toBe(120)
    expect(byType.get('budget-alerts')).toBe(110)
    let omitting = 0
    for (const s of scenarios) {
      // The stored vector is exactly what prediction computes from the raw
      // object (fields some rows omit read as the schema defaults).
      expect(s.features).toEqual(featuresToVector(s.raw))
      if (Object.keys(s.raw).length < Object.keys(s.features).length) omitting++
      expect(s.trueFailureProbability).toBeWithin(0, 1.0000001)
      expect(s.failed ? s.failureType : null).toBe(s.failureType)
      expect(s.failed ? s.severity : 'low').toBe(s.severity)
    }
    for (const [type, n] of byType) {
      const rate = scenarios.filter((s) => s.workflowType === type && s.failed).length / n
      expect([type, rate >= 0.15 && rate <= 0.45]).toEqual([type, true])
    }
    // Graded and noisy: the true probabilities are not all near 0 or 1.
    const uncertain = scenarios.filter((s) => s.trueFailureProbability > 0.2 && s.trueFailureProbability < 0.8).length
    expect(uncertain / scenarios.length).toBeGreaterThan(0.1)
    expect(omitting).toBeGreaterThan(0)
  })

  it('rejects a non-object and unknown options instead of ignoring them', async () => {
    await expect(generateTrainingData(5 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('expected an object, received number') })
    await expect(generateTrainingData({ sed: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("unknown option 'sed'") })
    expect(() => generateTrainingDataSync({ counts: { freestyle: '10' } } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }))
    await expect(generateTrainingData({ counts: { freestyle: 1_000_001 } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('from 0 to 1000000') })
  })

  it('refuses up front a result too large for memory, pointing at outputPath, and streams any count to a file', async () => {
    const dir = tempDir('gen-large')
    const file = path.join(dir, 'large.json')
    // The reproducer: 300k rows failed only after the work, in napi's string conversion.
    const counts = { freestyle: 300_000 }
    for (const call of [() => generateTrainingData({ counts, outputPath: file }), async () => generateTrainingDataSync({ counts })]) {
      await expect(call()).rejects.toMatchObject({
        code: 'ERR_INVALID_ARG',
        message: "Invalid argument 'counts': 300780 scenarios in all are more than the 100000 that can be returned in memory; write them to a file instead with { outputPath, returnScenarios: false } (streamed: any count is fine there)",
      })
    }
    // Refused before any work: nothing was written.
    expect(fs.existsSync(file)).toBe(false)
    await expect(generateTrainingData({ returnScenarios: false } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("'returnScenarios'") })
    // Streamed: the file holds exactly the scenarios the in-memory call returns.
    const small = { 'ai-memory': 2500, freestyle: 3 }
    const written = await generateTrainingData({ seed: 9, counts: small, outputPath: file, returnScenarios: false })
    const returned = generateTrainingDataSync({ seed: 9, counts: small })
    expect(written).toEqual({ outputPath: file, scenarios: returned.length, failed: returned.filter((s) => s.failed).length })
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(returned)
    expect(fs.readdirSync(dir)).toEqual(['large.json'])
  })

  it('rejects bad options with the option named', async () => {
    await expect(generateTrainingData({ seed: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("'seed'") })
    await expect(generateTrainingData({ counts: { karaoke: 5 } as never })).rejects.toMatchObject({ code: 'ERR_UNKNOWN_WORKFLOW' })
    await expect(generateTrainingData({ counts: { freestyle: 1.5 } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining('counts.freestyle') })
  })
})

describe('train', () => {
  it('trains all 8 workflows on generated data, writes loadable models and reports honestly', async () => {
    const dir = tempDir('train')
    const events: Array<{ stage: string; done: number; total: number }> = []
    const summary = await train({ outDir: dir, onProgress: (e) => events.push(e), trainedAt: '2026-01-01T00:00:00.000Z' })
    expect(summary.models).toHaveLength(8)
    for (const m of summary.models) {
      expect([m.workflowType, m.f1Score > 0]).toEqual([m.workflowType, true])
      // 110-150 rows per workflow (the old default counts): every interval
      // lies above 0.5, and the verdict is ok unless a rerun of the
      // selection on shuffled labels reached the AUC (the permutation test
      // has little power on rows this few); never no-signal.
      expect([m.workflowType, m.aucInterval![0] > 0.5]).toEqual([m.workflowType, true])
      if (m.verdict !== 'ok') {
        expect([m.workflowType, m.verdict, m.verdictReason]).toEqual([m.workflowType, 'inconclusive', expect.stringContaining('on the labels shuffled at random reached an AUC of')])
        expect([m.workflowType, m.permutationTest?.reached]).toEqual([m.workflowType, true])
      } else if (m.permutationTest !== null) {
        // An ok that needed the test passed all 39 reruns.
        expect([m.workflowType, m.permutationTest]).toEqual([m.workflowType, { reruns: 39, reached: false }])
      }
      expect(m.auc).toBeGreaterThan(0.6)
      expect(m.bayes).not.toBeNull()
      // Metrics are out-of-fold over every row; the model is refitted on all of them.
      expect([m.evaluationRows, m.trainingSize, m.validationSize]).toEqual(['out-of-fold', m.scenarios, m.scenarios])
      // Both families are cross-validated; the one with the lowest calibrated
      // out-of-fold log-loss is chosen (the first on ties), and its score is reported.
      const families = m.families as Array<{ modelType: string; calibration: string; calibrationLogLoss: Record<string, number> }>
      expect(families.map((f) => f.modelType)).toEqual(['logistic-regression-l2', 'gradient-boosted-trees'])
      const calibrated = families.map((f) => f.calibrationLogLoss[f.calibration])
      const best = calibrated.indexOf(Math.min(...calibrated))
      expect([m.workflowType, m.modelType]).toEqual([m.workflowType, families[best].modelType])
      expect(m.cvLogLoss).toBe(calibrated[best])
    }
    // Progress arrives on the main thread, ends with 'done', never goes backwards within a stage.
    expect(events.length).toBeGreaterThan(8)
    expect(events.at(-1)).toMatchObject({ stage: 'done', done: 1, total: 1 })
    const trainEvents = events.filter((e) => e.stage === 'train')
    expect(trainEvents.at(-1)!.done).toBe(trainEvents.at(-1)!.total)
    // At these counts some verdicts need the permutation test, whose reruns grow the total.
    expect(summary.models.some((m) => m.permutationTest !== null)).toBe(true)
    expect(trainEvents.at(-1)!.total).toBeGreaterThan(trainEvents[0].total)
    // Files: 8 models, the summary last, the report; no temporary files left behind.
    const names = summary.written.map((f) => path.basename(f))
    expect(names.slice(0, 8)).toEqual(summary.models.map((m) => `${m.workflowType}-model.json`))
    expect(names.slice(8).sort()).toEqual(['TRAINING_REPORT.md', 'report.html', 'training-summary.json'])
    expect(names.at(-1)).toBe('training-summary.json')
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'freestyle-model.json'), 'utf8'))
    const freestyle = summary.models.find((m) => m.workflowType === 'freestyle')!
    expect(written).toMatchObject({ workflowType: 'freestyle', modelType: freestyle.modelType, trainedAt: '2026-01-01T00:00:00.000Z', seed: 42 })
    expect(written.selection).toMatchObject({ modelType: freestyle.modelType, rule: expect.stringContaining('lowest out-of-fold log-loss') })
    expect(written.selection.families).toHaveLength(2)
    expect(written.evaluation).toEqual({ rows: 'out-of-fold', count: 150 })
    expect(Object.keys(written.featureMeans).sort()).toEqual([...written.featureNames].sort())
    // The report names the selection rule the trainer applies.
    const report = fs.readFileSync(path.join(dir, 'TRAINING_REPORT.md'), 'utf8')
    expect(report).toContain('the family with the lowest calibrated out-of-fold log-loss is refitted on all rows')
    expect(report).not.toContain('one-standard-error')
    const logger = recordingLogger()
    const predictor = new WorkflowPredictor({ modelsDir: dir, logger })
    await predictor.initialize()
    expect(logger.warnings).toEqual([])
    expect(predictor.getAllModels()).toHaveLength(8)
  })

  it('is deterministic for a fixed seed and trainedAt', () => {
    const trainedAt = '2026-03-04T05:06:07.000Z'
    const a = trainSync({ outDir: null, seed: 3, trainedAt })
    const b = trainSync({ outDir: null, seed: 3, trainedAt })
    expect(a.modelFiles).toEqual(b.modelFiles)
    expect(a.modelFiles[0].trainedAt).toBe(trainedAt)
    expect(a.written).toEqual([])
    // trainedAt is compared as a time, so it must be one.
    expect(() => trainSync({ outDir: null, trainedAt: 'x' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG', message: `Invalid argument 'trainedAt': expected an ISO-8601 time such as 2026-01-02T03:04:05.678Z, received "x"` }),
    )
  })

  it('never calls the old training file\'s six workflows without specific features ok', async () => {
    const summary = await train({ data: OLD_DATA, outDir: null })
    const ok = Object.fromEntries(summary.models.map((m) => [m.workflowType, m.verdict === 'ok']))
    expect(ok).toEqual({
      freestyle: true,
      'melody-to-vocals': true,
      'stem-separation': false,
      'ai-mastering': false,
      'live-vocal-analysis': false,
      'ai-memory': false,
      'voice-commands': false,
      'budget-alerts': false,
    })
    // 110 rows of random features: too few to rule out a useful signal
    // (no-signal needs 130 rows at least), so inconclusive, and loudly so.
    for (const m of summary.models.filter((m) => m.verdict !== 'ok')) {
      expect(m.verdict).toBe('inconclusive')
      expect(summary.table).toContain(`WARNING: ${m.workflowType} model has`)
    }
  })

  it("holds out the latest rows with split: 'time'", async () => {
    const summary = await train({ outDir: null, split: 'time', counts: { freestyle: 400 } })
    const freestyle = summary.models.find((m) => m.workflowType === 'freestyle')!
    expect([freestyle.evaluationRows, freestyle.trainingSize, freestyle.validationSize]).toEqual(['time-holdout', 400, 80])
    await expect(train({ outDir: null, split: 'random' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("'split'") })
  })

  it('aborts through an AbortSignal', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(train({ outDir: null, signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    // Abort while the pool threads are training (at the first progress event).
    const running = new AbortController()
    const dir = tempDir('aborted')
    const promise = train({ outDir: dir, counts: { freestyle: 20000 }, signal: running.signal, onProgress: () => running.abort() })
    await expect(promise).rejects.toMatchObject({ code: 'ERR_ABORTED', message: 'The operation was aborted', cause: expect.objectContaining({ name: 'AbortError' }) })
    expect(fs.readdirSync(dir)).toEqual([])
  })

  describe('aborts (one code, the reason as cause, no event after settling)', () => {
    const reason = new Error('shutting down')

    it('rejects an already aborted signal with ERR_ABORTED and its reason', async () => {
      const controller = new AbortController()
      controller.abort(reason)
      await expect(train({ outDir: null, signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: reason })
      await expect(trainWorkflowModel('ai-memory', [], { signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: reason })
    })

    it('rejects a training aborted while it runs with its reason, and delivers no event after the rejection', async () => {
      const controller = new AbortController()
      const events: string[] = []
      let settled = false
      const promise = train({
        outDir: null,
        counts: { freestyle: 20000 },
        signal: controller.signal,
        onProgress: (e) => {
          events.push(settled ? `after:${e.stage}` : e.stage)
          controller.abort(reason)
        },
      })
      const error = await promise.catch((e) => e)
      settled = true
      expect(error).toMatchObject({ code: 'ERR_ABORTED', message: 'The operation was aborted', cause: reason })
      expect(error).toBeInstanceOf(Error)
      // Events the pool threads queued before they saw the abort would arrive now.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(events.length).toBeGreaterThan(0)
      expect(events.filter((e) => e.startsWith('after:'))).toEqual([])
    })

    it('rejects a training aborted while it waits for a pool thread at once, with the same code', async () => {
      // Four long trainings take the four libuv threads; the fifth waits.
      const busy = [1, 2, 3, 4].map(() => new AbortController())
      const order: string[] = []
      const running = busy.map((c, i) =>
        train({ outDir: null, counts: { freestyle: 60000 }, bootstrapResamples: 0, signal: c.signal }).then(
          () => order.push(`busy ${i} done`),
          () => order.push(`busy ${i} aborted`),
        ),
      )
      const queued = new AbortController()
      const waiting = train({ outDir: null, signal: queued.signal }).catch((e) => (order.push('queued rejected'), e))
      await new Promise((resolve) => setTimeout(resolve, 50))
      queued.abort(reason)
      const error = await waiting
      busy.forEach((c) => c.abort())
      await Promise.all(running)
      expect(error).toMatchObject({ code: 'ERR_ABORTED', message: 'The operation was aborted', cause: reason })
      expect(order[0]).toBe('queued rejected')
    })

    it('refuses a signal that is not an AbortSignal', async () => {
      for (const signal of [{}, { aborted: false, addEventListener() {} }, 'abort', null]) {
        await expect(train({ outDir: null, signal: signal as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', name: 'TypeError', message: expect.stringContaining("Invalid argument 'signal': expected an AbortSignal") })
        await expect(trainWorkflowModel('ai-memory', [], { signal: signal as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' })
      }
    })

    it('aborts trainWorkflowModel through its signal', async () => {
      const rows = (await generateTrainingData({ seed: 5, counts: { 'ai-memory': 3000 } })).filter((s) => s.workflowType === 'ai-memory')
      const controller = new AbortController()
      const promise = trainWorkflowModel('ai-memory', rows, { signal: controller.signal })
      controller.abort(reason)
      await expect(promise).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: reason })
    })
  })

  it('trainWorkflowModel lets the event loop turn while it serialises many rows', async () => {
    const rows = (await generateTrainingData({ seed: 5, counts: { 'ai-memory': 20000 } })).filter((s) => s.workflowType === 'ai-memory') as unknown as Array<Record<string, unknown>>
    // Whether the event loop had turned by the time the last row was read.
    let turned = false
    let turnedBeforeLastRow: boolean | undefined
    setImmediate(() => (turned = true))
    const last = rows[rows.length - 1]
    rows[rows.length - 1] = Object.defineProperty({ ...last }, 'features', {
      enumerable: true,
      get: () => ((turnedBeforeLastRow ??= turned), last.features),
    })
    const model = await trainWorkflowModel('ai-memory', rows as never, { bootstrapResamples: 0, grid: [1] })
    expect(turnedBeforeLastRow).toBe(true)
    expect(model.workflowType).toBe('ai-memory')
  })

  it('trainWorkflowModel refuses cyclic and BigInt rows with ERR_INVALID_ARG naming the row', async () => {
    const rows = (await generateTrainingData({ seed: 5, counts: { 'ai-memory': 30 } })).filter((s) => s.workflowType === 'ai-memory')
    const cyclic: Record<string, unknown> = { ...rows[3] }
    cyclic.self = cyclic
    await expect(trainWorkflowModel('ai-memory', [...rows.slice(0, 3), cyclic] as never)).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG',
      message: "Invalid argument 'scenarios[3]': it refers to itself (a cycle), which JSON cannot represent",
    })
    const big = { ...rows[1], features: { ...rows[1].features, dbLatency: 10n } }
    await expect(trainWorkflowModel('ai-memory', [rows[0], big] as never)).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG',
      message: "Invalid argument 'scenarios[1]': it holds a BigInt, which JSON cannot represent",
    })
    // A getter's own exception propagates unchanged.
    const own = new RangeError('from a getter')
    const throwing = Object.defineProperty({ ...rows[0] }, 'failed', { enumerable: true, get: () => { throw own } })
    await expect(trainWorkflowModel('ai-memory', [throwing])).rejects.toBe(own)
  })

  describe('bad data', () => {
    const dir = tempDir('bad')
    // A generated scenario's raw object, edited per case.
    const raw = generateTrainingDataSync({ seed: 3, counts: { 'ai-memory': 1 } }).find((s) => s.workflowType === 'ai-memory')!.raw as unknown as Record<string, unknown>
    const good = JSON.stringify({ features: { ...raw, databaseConnected: true }, failed: false })
    const cases: Array<[string, string, string]> = [
      ['a wrong type', JSON.stringify({ features: { ...raw, databaseConnected: 'yes' }, failed: true }), "row 2: field 'features.databaseConnected' expected a boolean, received string \"yes\""],
      ['an unknown enum value', JSON.stringify({ features: { ...raw, operationType: 'merge' }, failed: true }), "row 2: field 'features.operationType' expected one of 'store'"],
      ['an unknown workflow', '{"features":{"workflowType":"karaoke"},"failed":true}', "row 2: field 'features.workflowType' unknown workflow type 'karaoke'"],
      ['a missing label', '{"features":{"workflowType":"ai-memory"}}', "row 2: field 'failed' expected a boolean, received undefined"],
      // JSON has no NaN or Infinity: such rows fail to parse, and still name their row.
      ['NaN', '{"features":{"workflowType":"ai-memory","databaseLatency":NaN},"failed":true}', "row 2: field '(json)' is not valid JSON"],
      ['an overflowing number', '{"workflowType":"ai-memory","features":{"dbLatency":1e999},"failed":true}', "row 2: field '(json)' is not valid JSON: number out of range"],
    ]

    it.each(cases)('rejects %s, naming file, row and field', async (_label, line, expected) => {
      const file = path.join(dir, `${_label.replace(/\W+/g, '-')}.jsonl`)
      fs.writeFileSync(file, `${good}\n${line}\n`)
      await expect(train({ data: file, outDir: null })).rejects.toMatchObject({
        code: 'ERR_INVALID_DATA',
        message: expect.stringContaining(`Invalid training data in ${file}, ${expected}`),
      })
    })

    it('skips and counts invalid rows with skipInvalid; a run left with no trainable workflow fails loudly', async () => {
      const file = path.join(dir, 'mixed.jsonl')
      fs.writeFileSync(file, [good, ...cases.map((c) => c[1])].join('\n') + '\n')
      // Every workflow is left with too few rows: no "success" with 0 models.
      await expect(train({ data: file, outDir: null, skipInvalid: true })).rejects.toMatchObject({
        code: 'ERR_INSUFFICIENT_DATA',
        message: expect.stringContaining(`Cannot train any workflow: no workflow could be trained from ${file} (1 valid rows, ${cases.length} invalid rows skipped, the first: `),
      })
      // With enough valid rows of one workflow, that one trains and the others are skipped and named.
      const rows = generateTrainingDataSync({ seed: 6, counts: { 'ai-memory': 200 } }).filter((s) => s.workflowType === 'ai-memory')
      const enough = path.join(dir, 'enough.jsonl')
      fs.writeFileSync(enough, [...rows.map(({ raw, failed }) => JSON.stringify({ features: raw, failed })), good, ...cases.map((c) => c[1])].join('\n') + '\n')
      const summary = await train({ data: enough, outDir: null, skipInvalid: true })
      expect(summary.invalidRowsSkipped).toBe(cases.length)
      expect(summary.models.map((m) => m.workflowType)).toEqual(['ai-memory'])
    })
  })

  it('trains on recorded outcomes that omit fields, imputing and recording them', async () => {
    const rows = generateTrainingDataSync({ seed: 6, counts: { 'ai-memory': 300 } }).filter((s) => s.workflowType === 'ai-memory')
    const file = path.join(tempDir('omitted'), 'outcomes.jsonl')
    fs.writeFileSync(file, rows.map(({ raw, failed }, i) => {
      const { databaseLatency: _latency, ...rest } = raw as unknown as Record<string, unknown>
      return JSON.stringify({ features: i % 4 === 0 ? rest : raw, failed })
    }).join('\n'))
    const summary = await train({ data: file, outDir: null })
    const memory = summary.models.find((m) => m.workflowType === 'ai-memory')!
    expect(memory.omittedFields.databaseLatency).toBeGreaterThanOrEqual(75)
    expect(memory.verdict).toBe('ok')
  })

  it('trainWorkflowModel trains one workflow from old-format rows', async () => {
    const rows = (await generateTrainingData({ seed: 5, counts: { 'ai-memory': 200 } })).filter((s) => s.workflowType === 'ai-memory')
    // Rows without a workflowType are taken to be of the workflow named.
    const model = await trainWorkflowModel('ai-memory', rows.map(({ features, failed }) => ({ features, failed })))
    expect(model.workflowType).toBe('ai-memory')
    expect(model.featureNames).toContain('dbConnected')
    await expect(trainWorkflowModel('ai-memory', rows.slice(0, 5))).rejects.toMatchObject({ code: 'ERR_INSUFFICIENT_DATA' })
    await expect(trainWorkflowModel('karaoke' as never, rows)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_WORKFLOW' })
  })

  it('survives a throwing progress listener and reports it once, after training', async () => {
    let calls = 0
    const boom = new Error('listener bug')
    const dir = tempDir('listener')
    const promise = train({ outDir: dir, bootstrapResamples: 10, onProgress: () => { calls++; throw boom } })
    await expect(promise).rejects.toMatchObject({ code: 'ERR_PROGRESS_LISTENER', cause: boom, message: expect.stringContaining('training itself completed; 11 files were written') })
    expect(calls).toBe(1)
  })

  it('lets concurrent trainings write into one directory one after the other: every file whole, every model of the summary\'s run', async () => {
    const dir = tempDir('concurrent')
    const results = await Promise.allSettled([1, 2, 3, 4].map((seed) => train({ outDir: dir, seed, bootstrapResamples: 10 })))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'))
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))
    const { seed } = read('training-summary.json').settings
    expect(files.filter((f) => f.endsWith('-model.json')).map((f) => [f, read(f).seed])).toEqual(files.filter((f) => f.endsWith('-model.json')).map((f) => [f, seed]))
    expect(new WorkflowPredictor({ modelsDir: dir, logger: recordingLogger() }).initializeSync()).toBeUndefined()
  })

  const linux = process.platform === 'linux' ? it : it.skip

  linux('waits to write while another writer holds the directory lock, and a killed holder frees it', async () => {
    const { spawn } = require('node:child_process') as typeof import('node:child_process')
    const dir = tempDir('locked')
    const lockFile = path.join(dir, '.dawg-ml-write.lock')
    fs.writeFileSync(lockFile, '')
    // util-linux flock(1) holds the lock (-o: its command, cat, does not inherit it).
    const holder = spawn('flock', ['-o', lockFile, 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] })
    await new Promise((resolve) => setTimeout(resolve, 200))
    let trained!: () => void
    const allTrained = new Promise<void>((resolve) => (trained = resolve))
    const promise = train({ outDir: dir, bootstrapResamples: 10, onProgress: (e) => e.stage === 'train' && e.done === e.total && trained() })
    await allTrained
    await new Promise((resolve) => setTimeout(resolve, 300))
    const whileHeld = fs.readdirSync(dir)
    holder.kill('SIGKILL')
    holder.stdin!.end()
    const summary = await promise
    expect(whileHeld).toEqual(['.dawg-ml-write.lock'])
    expect(summary.written.map((f) => path.basename(f)).at(-1)).toBe('training-summary.json')
    expect(fs.readdirSync(dir).sort()).toEqual(summary.written.map((f) => path.basename(f)).sort())
    // The file the killed holder left was locked by the training, which removed it when done.
    expect(fs.existsSync(lockFile)).toBe(false)
  })

  it('removes the temporary files a killed writer left behind', async () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process')
    const dir = tempDir('orphans')
    // A process that has exited: its PID names no live writer.
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }))
    const orphans = ['freestyle-model.json', 'training-summary.json'].map((name) => path.join(dir, `.${name}.${dead}.0.tmp`))
    const old = new Date(Date.now() - 120_000)
    for (const f of orphans) {
      fs.writeFileSync(f, '{"half": ')
      fs.utimesSync(f, old, old)
    }
    // One of a live process (this one) is another writer's and stays.
    const live = path.join(dir, `.ai-memory-model.json.${process.ppid}.0.tmp`)
    fs.writeFileSync(live, 'x')
    fs.utimesSync(live, old, old)
    await train({ outDir: dir, bootstrapResamples: 10 })
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([path.basename(live)])
  })

  it('refuses unknown options', async () => {
    await expect(train({ outdir: 'x' } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("unknown option 'outdir'") })
  })
})
