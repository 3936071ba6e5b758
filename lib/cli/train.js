'use strict'
// dawg-ml train

const path = require('node:path')
const { UsageError, wholeNumber } = require('./args')
const { COUNT_FLAGS, counts, perWorkflow } = require('./counts')
const { progressBar } = require('./progress')

// Generated scenarios per workflow when neither --data nor a count flag is
// given: enough for a model to come close to the generator's Bayes limit,
// and still seconds of training. (generateTrainingData keeps the old counts.)
const SCENARIOS_PER_WORKFLOW = 5000

module.exports = {
  name: 'train',
  summary: 'Train one model per workflow and write the models and reports.',
  description:
    `Trains one model per workflow on generated scenarios (${SCENARIOS_PER_WORKFLOW} per workflow unless --counts,\n` +
    '--scale or --per-workflow say otherwise) or on --data, and prints\n' +
    'the per-workflow table. Writes <type>-model.json, training-summary.json and TRAINING_REPORT.md\n' +
    'to --out, or to the default models directory (see the README, "Where models live").',
  flags: [
    { flag: '--data', key: 'data', value: 'FILE', description: 'Train on this file instead of generated scenarios: old training-data JSON, or JSON/JSONL of recorded outcomes {features, failed}.' },
    { flag: '--data-format', key: 'dataFormat', value: 'auto|old|outcomes', description: 'How to read --data rows (default auto: decided per row).' },
    { flag: '--out', key: 'out', value: 'DIR', description: 'Write the models and reports here.' },
    { flag: '--seed', key: 'seed', value: 'N', description: 'Seed of the generator, the split and the folds (default 42).' },
    ...COUNT_FLAGS,
    { flag: '--folds', key: 'folds', value: 'K', description: 'Cross-validation folds, 2 to 20 (default 5, or 3 for a workflow with 20,000 rows or more; a given K holds at every size).' },
    { flag: '--split', key: 'split', value: 'cv|time', description: 'Which rows measure the models: cv (default, out-of-fold over all rows) or time (the latest 20% of rows by timestamp, held out). The shipped models are refitted on all rows either way.' },
    { flag: '--skip-invalid', key: 'skipInvalid', description: 'Skip and count invalid rows of --data instead of failing on the first.' },
    { flag: '--no-write', key: 'noWrite', description: 'Train and print, but write no file.' },
    { flag: '--json', key: 'json', description: 'Print the training summary as JSON instead of the table.' },
  ],
  async run(args, { stdout }) {
    const { train } = require('../../train-workflow-models')
    if (args.split !== undefined && !['cv', 'time'].includes(args.split)) throw new UsageError(`--split expects cv or time, received ${JSON.stringify(args.split)}`)
    const bar = progressBar()
    const options = {
      seed: args.seed === undefined ? undefined : wholeNumber('--seed', args.seed),
      counts: counts(args) ?? (args.data ? undefined : perWorkflow(SCENARIOS_PER_WORKFLOW)),
      data: args.data && path.resolve(args.data),
      dataFormat: args.dataFormat,
      outDir: args.noWrite ? null : args.out && path.resolve(args.out),
      skipInvalid: args.skipInvalid === true,
      folds: args.folds === undefined ? undefined : wholeNumber('--folds', args.folds),
      split: args.split,
      onProgress: (e) => bar.update(e),
    }
    for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key]
    const started = process.hrtime.bigint()
    const summary = await train(options).finally(() => bar.end())
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    if (args.json) {
      const { table, markdown, modelFiles, ...rest } = summary
      stdout.write(`${JSON.stringify(rest, null, 2)}\n`)
      return 0
    }
    stdout.write(`${summary.table}\n`)
    stdout.write(`Trained ${summary.models.length} models on ${summary.totalScenarios} rows in ${seconds.toFixed(2)} s.\n`)
    for (const s of summary.skipped ?? []) stdout.write(`Skipped ${s.workflowType} (${s.rows} rows): ${s.reason}\n`)
    if (summary.written.length) stdout.write(`Wrote ${summary.written.length} files to ${path.dirname(summary.written[0])}\n`)
    return 0
  },
}
