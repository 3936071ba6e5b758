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
      expect([m.workflowType, m.f1Score > 0, m.verdict]).toEqual([m.workflowType, true, 'ok'])
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
    const a = trainSync({ outDir: null, seed: 3, trainedAt: 'x' })
    const b = trainSync({ outDir: null, seed: 3, trainedAt: 'x' })
    expect(a.modelFiles).toEqual(b.modelFiles)
    expect(a.written).toEqual([])
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
    // 110 rows of random features: either no-signal or inconclusive, and loudly so.
    for (const m of summary.models.filter((m) => m.verdict !== 'ok')) {
      expect(['no-signal', 'inconclusive']).toContain(m.verdict)
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
    await expect(promise).rejects.toMatchObject({ code: 'ERR_ABORTED', message: 'The operation was aborted' })
    expect(fs.readdirSync(dir)).toEqual([])
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

    it('skips and counts invalid rows with skipInvalid, and skips workflows with too few rows', async () => {
      const file = path.join(dir, 'mixed.jsonl')
      fs.writeFileSync(file, [good, ...cases.map((c) => c[1])].join('\n') + '\n')
      const summary = await train({ data: file, outDir: null, skipInvalid: true })
      expect(summary.invalidRowsSkipped).toBe(cases.length)
      expect(summary.models).toEqual([])
      expect(summary.skipped).toContainEqual({ workflowType: 'ai-memory', rows: 1, reason: 'only 1 rows (at least 20 needed)' })
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

  it('lets concurrent trainings write into one directory, each file whole', async () => {
    const dir = tempDir('concurrent')
    const results = await Promise.allSettled([1, 2, 3, 4].map((seed) => train({ outDir: dir, seed, bootstrapResamples: 10 })))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) expect(() => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))).not.toThrow()
    expect(new WorkflowPredictor({ modelsDir: dir, logger: recordingLogger() }).initializeSync()).toBeUndefined()
  })

  it('refuses unknown options', async () => {
    await expect(train({ outdir: 'x' } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', message: expect.stringContaining("unknown option 'outdir'") })
  })
})
