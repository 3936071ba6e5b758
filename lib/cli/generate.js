'use strict'
// dawg-ml generate

const path = require('node:path')
const { UsageError, wholeNumber } = require('./args')
const { COUNT_FLAGS, counts } = require('./counts')

module.exports = {
  name: 'generate',
  usage: '--out FILE [options]',
  summary: 'Write generated scenarios to a JSON file.',
  description:
    'Writes generated, labelled scenarios to --out as a JSON array: the old training-data format\n' +
    'plus raw (the raw feature object), failureType and trueFailureProbability.',
  flags: [
    { flag: '--out', key: 'out', value: 'FILE', description: 'The JSON file to write (required; written atomically).' },
    { flag: '--seed', key: 'seed', value: 'N', description: 'Generator seed (default 42). The same seed gives byte-identical output.' },
    ...COUNT_FLAGS,
  ],
  async run(args, { stdout }) {
    const { generateTrainingData } = require('../../generate-training-data')
    if (!args.out) throw new UsageError('generate needs --out FILE')
    // Streamed to the file, never held in memory: any count works.
    const options = { outputPath: path.resolve(args.out), counts: counts(args), returnScenarios: false }
    if (args.seed !== undefined) options.seed = wholeNumber('--seed', args.seed)
    if (!options.counts) delete options.counts
    const { scenarios, failed } = await generateTrainingData(options)
    stdout.write(`Wrote ${scenarios} scenarios (${failed} failed) to ${options.outputPath}\n`)
    return 0
  },
}
