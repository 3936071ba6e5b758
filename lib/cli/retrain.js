'use strict'
// dawg-ml retrain --from-outcomes

const { UsageError, wholeNumber } = require('./args')
const { MODELS_FLAG, STORE_FLAG, modelsDir, openStore } = require('./locations')
const { progressBar } = require('./progress')

module.exports = {
  name: 'retrain',
  usage: '--from-outcomes [options]',
  summary: 'Train a challenger version from the recorded outcomes.',
  description:
    'Exports the outcome store, trains one model per workflow with enough outcomes, and writes the\n' +
    'result as a new version of the models registry, set as the challenger: predictors score it in\n' +
    'shadow until its live log-loss beats the current version (then it is promoted), or promote it\n' +
    'yourself with --promote or `dawg-ml models promote`.',
  flags: [
    { flag: '--from-outcomes', key: 'fromOutcomes', description: 'Train on the outcome store (required; the only source).' },
    { flag: '--min-outcomes', key: 'minOutcomes', value: 'N', description: 'Outcomes a workflow needs to be retrained (default 50).' },
    { flag: '--prior', key: 'prior', value: 'keep|generated', description: 'Below --min-outcomes: keep the current model (default), or train on the outcomes plus generated scenarios.' },
    { flag: '--promote', key: 'promote', description: 'Make the new version current at once instead of shadowing it.' },
    { flag: '--seed', key: 'seed', value: 'N', description: 'Seed of the split, the folds and any generated prior (default 42).' },
    MODELS_FLAG,
    STORE_FLAG,
  ],
  async run(args, { stdout }) {
    if (!args.fromOutcomes) throw new UsageError('retrain needs --from-outcomes')
    if (args.prior !== undefined && !['keep', 'generated'].includes(args.prior)) throw new UsageError(`--prior expects keep or generated, received ${JSON.stringify(args.prior)}`)
    const { retrainFromOutcomes } = require('../retrain')
    const store = await openStore(args)
    const bar = progressBar()
    try {
      const summary = await retrainFromOutcomes({
        store,
        modelsDir: modelsDir(args),
        minOutcomes: args.minOutcomes === undefined ? undefined : wholeNumber('--min-outcomes', args.minOutcomes),
        prior: args.prior,
        promote: args.promote === true,
        seed: args.seed === undefined ? undefined : wholeNumber('--seed', args.seed),
        onProgress: (e) => bar.update(e),
      }).finally(() => bar.end())
      stdout.write(`${summary.table}\n`)
      const counts = Object.entries(summary.outcomes).map(([t, n]) => `${t} ${n}`).join(', ')
      stdout.write(`Outcomes per workflow: ${counts}\n`)
      stdout.write(`Wrote ${summary.version} (${args.promote ? 'now current' : 'the challenger, scored in shadow'}) in ${modelsDir(args)}\n`)
      return 0
    } finally {
      await store.close()
    }
  },
}
