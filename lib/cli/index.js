'use strict'
// The dawg-ml command table. A command is a module exporting
// { name, summary, description, usage?, flags, notes?, run(args, io) }; the
// global usage, each command's --help and the dispatch derive from this list.

const { UsageError, parseFlags, commandHelp } = require('./args')

const COMMANDS = [
  require('./train'),
  require('./generate'),
  require('./retrain'),
  require('./status'),
  require('./report'),
  require('./outcomes'),
  require('./models'),
  require('./affected'),
]

function usage() {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return [
    'Usage: dawg-ml <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'dawg-ml <command> --help' for the options of a command.",
    'Exit status: 0 on success, 1 when the work failed, 2 on a usage error (an unknown flag, or a value refused).',
  ].join('\n')
}

/**
 * Whether `error` is the engine refusing the value of one of `command`'s
 * flags or positionals (train --folds 1, models promote ../v1): a usage
 * error too. Other ERR_INVALID_ARG errors (a malformed package.json) are
 * failures of the work.
 */
function refusesAFlag(command, error) {
  if (!command || error?.code !== 'ERR_INVALID_ARG') return false
  const named = /^Invalid argument '([^'.[]+)/.exec(error.message)?.[1]
  if (named === undefined) return false
  return command.flags.some((f) => f.key === named) || (command.positionals === true && named === 'id')
}

async function main(argv, io = { stdout: process.stdout, stderr: process.stderr }) {
  const name = argv.length > 0 && !argv[0].startsWith('-') ? argv[0] : undefined
  const command = COMMANDS.find((c) => c.name === name)
  try {
    if (name === undefined) {
      if (argv.length > 0 && !['--help', '-h'].includes(argv[0])) throw new UsageError(`unknown argument: ${argv[0]}`)
      io.stdout.write(`${usage()}\n`)
      return argv.length > 0 ? 0 : 2
    }
    if (!command) throw new UsageError(`unknown command: ${name}`)
    const args = parseFlags(argv.slice(1), command.flags, command.positionals === true)
    if (args.help) {
      io.stdout.write(`${commandHelp(command)}\n`)
      return 0
    }
    return (await command.run(args, io)) ?? 0
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`dawg-ml: ${error.message}\n\n${command ? commandHelp(command) : usage()}\n`)
      return 2
    }
    io.stderr.write(`dawg-ml: ${error.code ? `[${error.code}] ` : ''}${error.message}\n`)
    return refusesAFlag(command, error) ? 2 : 1
  }
}

module.exports = { COMMANDS, main, usage }
