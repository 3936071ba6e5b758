'use strict'
// --counts and --scale, shared by the commands that generate scenarios.

const { UsageError, wholeNumber } = require('./args')

const COUNT_FLAGS = [
  { flag: '--counts', key: 'counts', value: 'TYPE=N,...', description: 'Scenarios per workflow, e.g. freestyle=1500,ai-memory=1100 (others keep their default).' },
  { flag: '--scale', key: 'scale', value: 'K', description: 'Multiply every default count by K (applied before --counts).' },
]

/** The generator's default counts, from the engine (the one place they are declared). */
function defaultCounts() {
  return require('../binding').getDefaultCounts()
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

module.exports = { COUNT_FLAGS, counts }
