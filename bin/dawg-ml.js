#!/usr/bin/env node
'use strict'
// dawg-ml: train models and generate scenarios from the command line.

const path = require('node:path')

const USAGE = `Usage:
  dawg-ml train [--data FILE] [--data-format auto|old|outcomes] [--out DIR] [--seed N]
                [--counts TYPE=N,...] [--scale K] [--folds K] [--skip-invalid] [--no-write] [--json]
  dawg-ml generate [--seed N] [--counts TYPE=N,...] [--scale K] --out FILE

train     Trains one model per workflow on generated scenarios (default) or on
          --data (old training-data JSON, or JSON/JSONL of {features, failed}).
          Writes <type>-model.json, training-summary.json and TRAINING_REPORT.md
          to --out (default: the package's models/), and prints the table.
generate  Writes generated scenarios (old training-data format plus raw,
          failureType and trueFailureProbability) to --out.

--counts   scenarios per workflow, e.g. freestyle=1500,ai-memory=1100
--scale K  multiply the default counts (150/120/110) by K
Exit status: 0 on success, 1 when the work failed, 2 on a usage error.`

class UsageError extends Error {}

const FLAGS = {
  '--data': 'data', '--data-format': 'dataFormat', '--out': 'out', '--seed': 'seed', '--counts': 'counts',
  '--scale': 'scale', '--folds': 'folds',
}
const SWITCHES = { '--skip-invalid': 'skipInvalid', '--no-write': 'noWrite', '--json': 'json', '--help': 'help', '-h': 'help' }

function parseArgs(argv) {
  const hasCommand = argv.length > 0 && !argv[0].startsWith('-')
  const rest = hasCommand ? argv.slice(1) : argv
  const args = { command: hasCommand ? argv[0] : undefined }
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split(/=(.*)/s, 2)
    if (SWITCHES[rest[i]]) {
      args[SWITCHES[rest[i]]] = true
    } else if (FLAGS[flag]) {
      const value = inline ?? rest[++i]
      if (value === undefined) throw new UsageError(`${flag} needs a value`)
      args[FLAGS[flag]] = value
    } else {
      throw new UsageError(`unknown argument: ${rest[i]}`)
    }
  }
  return args
}

function wholeNumber(flag, text) {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} expects a whole number, received ${JSON.stringify(text)}`)
  return Number(text)
}

/** The generator's default counts, from the engine (the one place they are declared). */
function defaultCounts() {
  return require('../lib/binding').getDefaultCounts()
}

function counts(args) {
  const DEFAULT_COUNTS = defaultCounts()
  const out = {}
  if (args.scale !== undefined) {
    const k = wholeNumber('--scale', args.scale)
    for (const [type, n] of Object.entries(DEFAULT_COUNTS)) out[type] = n * k
  }
  if (args.counts !== undefined) {
    for (const part of args.counts.split(',')) {
      const [type, n] = part.split('=')
      if (!(type in DEFAULT_COUNTS)) throw new UsageError(`--counts: unknown workflow ${JSON.stringify(type)} (known: ${Object.keys(DEFAULT_COUNTS).join(', ')})`)
      out[type] = wholeNumber(`--counts ${type}`, n ?? '')
    }
  }
  return Object.keys(out).length ? out : undefined
}

/** A one-line progress bar on stderr, only on a terminal. */
function progressBar() {
  if (!process.stderr.isTTY) return { update() {}, end() {} }
  let last = ''
  return {
    update(e) {
      const width = 30
      const filled = e.total ? Math.round((width * e.done) / e.total) : 0
      const line = `${e.stage.padEnd(5)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.total} ${e.workflowType ?? ''}`
      if (line !== last) process.stderr.write(`\r${line.padEnd(80)}`)
      last = line
    },
    end() {
      if (last) process.stderr.write('\r'.padEnd(81) + '\r')
    },
  }
}

async function runTrain(args) {
  const { train } = require('../train-workflow-models')
  const bar = progressBar()
  const options = {
    seed: args.seed === undefined ? undefined : wholeNumber('--seed', args.seed),
    counts: counts(args),
    data: args.data && path.resolve(args.data),
    dataFormat: args.dataFormat,
    outDir: args.noWrite ? null : args.out && path.resolve(args.out),
    skipInvalid: args.skipInvalid === true,
    folds: args.folds === undefined ? undefined : wholeNumber('--folds', args.folds),
    onProgress: (e) => bar.update(e),
  }
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key]
  const started = process.hrtime.bigint()
  const summary = await train(options).finally(() => bar.end())
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (args.json) {
    const { table, markdown, modelFiles, ...rest } = summary
    process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`)
    return
  }
  process.stdout.write(`${summary.table}\n`)
  process.stdout.write(`Trained ${summary.models.length} models on ${summary.totalScenarios} rows in ${seconds.toFixed(2)} s.\n`)
  for (const s of summary.skipped ?? []) process.stdout.write(`Skipped ${s.workflowType} (${s.rows} rows): ${s.reason}\n`)
  if (summary.written.length) process.stdout.write(`Wrote ${summary.written.length} files to ${path.dirname(summary.written[0])}\n`)
}

async function runGenerate(args) {
  const { generateTrainingData } = require('../generate-training-data')
  if (!args.out) throw new UsageError('generate needs --out FILE')
  const options = { outputPath: path.resolve(args.out), counts: counts(args) }
  if (args.seed !== undefined) options.seed = wholeNumber('--seed', args.seed)
  if (!options.counts) delete options.counts
  const scenarios = await generateTrainingData(options)
  const failed = scenarios.filter((s) => s.failed).length
  process.stdout.write(`Wrote ${scenarios.length} scenarios (${failed} failed) to ${options.outputPath}\n`)
}

async function main(argv) {
  let args
  try {
    args = parseArgs(argv)
    if (args.help || !args.command) {
      process.stdout.write(`${USAGE}\n`)
      return args.help ? 0 : 2
    }
    if (args.command === 'train') await runTrain(args)
    else if (args.command === 'generate') await runGenerate(args)
    else throw new UsageError(`unknown command: ${args.command}`)
    return 0
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`dawg-ml: ${error.message}\n\n${USAGE}\n`)
      return 2
    }
    process.stderr.write(`dawg-ml: ${error.code ? `[${error.code}] ` : ''}${error.message}\n`)
    return 1
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  })
}

module.exports = { main, parseArgs }
