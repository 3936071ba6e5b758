'use strict'
// --counts and --scale, shared by the commands that generate scenarios.

const { UsageError, wholeNumber } = require('./args')

const COUNT_FLAGS = [
  { flag: '--counts', key: 'counts', value: 'TYPE=N,...', description: 'Scenarios per workflow, e.g. freestyle=1500,ai-memory=1100 (others keep their default).' },
  { flag: '--scale', key: 'scale', value: 'K', description: "Multiply every generator default count by K (generateTrainingData's defaults; applied before --counts)." },
  { flag: '--per-workflow', key: 'perWorkflow', value: 'N', description: 'N scenarios for every workflow (applied before --counts; not with --scale).' },
]

/** The generator's default counts, from the engine (the one place they are declared). */
function defaultCounts() {
  return require('../binding').getDefaultCounts()
}

/** The same count for every workflow. */
function perWorkflow(n) {
  return Object.fromEntries(Object.keys(defaultCounts()).map((type) => [type, n]))
}

function counts(args) {
  const DEFAULT_COUNTS = defaultCounts()
  const out = {}
  if (args.scale !== undefined && args.perWorkflow !== undefined) throw new UsageError('--scale and --per-workflow cannot be combined')
  if (args.perWorkflow !== undefined) Object.assign(out, perWorkflow(wholeNumber('--per-workflow', args.perWorkflow)))
  if (args.scale !== undefined) {
    const k = wholeNumber('--scale', args.scale)
    for (const [type, n] of Object.entries(DEFAULT_COUNTS)) out[type] = n * k
  }
  if (args.counts !== undefined) {
    const given = {}
    for (const part of args.counts.split(',')) {
      const [type, n] = part.split('=')
      if (!Object.hasOwn(DEFAULT_COUNTS, type)) throw new UsageError(`--counts: unknown workflow ${JSON.stringify(type)} (known: ${Object.keys(DEFAULT_COUNTS).join(', ')})`)
      if (Object.hasOwn(given, type)) throw new UsageError(`--counts: ${type} is given twice`)
      given[type] = true
      out[type] = wholeNumber(`--counts ${type}`, n ?? '')
    }
  }
  return Object.keys(out).length ? out : undefined
}

module.exports = { COUNT_FLAGS, counts, perWorkflow }
