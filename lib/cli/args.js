'use strict'
// Argument parsing for dawg-ml commands. Each command declares its flags as
// data ({ flag, key, value?, description }); parsing, validation and the
// per-command help are all derived from that one declaration.

class UsageError extends Error {}

const HELP_FLAG = { flag: '--help', alias: '-h', key: 'help', description: 'Show this help and exit.' }

/**
 * Parse `argv` (after the command name) against a command's flag table.
 * Words that are not flags go to `args._` when the command takes
 * `positionals` (e.g. `models promote v3`); otherwise they are an error.
 */
function parseFlags(argv, flags, positionals = false) {
  const table = [...flags, HELP_FLAG]
  const byName = new Map()
  for (const f of table) {
    byName.set(f.flag, f)
    if (f.alias) byName.set(f.alias, f)
  }
  const args = {}
  if (positionals) args._ = []
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2)
    const spec = byName.get(name)
    if (!spec && positionals && !argv[i].startsWith('-')) {
      args._.push(argv[i])
      continue
    }
    if (!spec) throw new UsageError(`unknown argument: ${argv[i]}`)
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`${spec.flag} takes no value`)
      args[spec.key] = true
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) throw new UsageError(`${spec.flag} needs a value`)
    // An empty path would quietly mean the working directory (an empty TEXT, such as a reason, is a value).
    if (value === '' && spec.value !== 'TEXT') throw new UsageError(`${spec.flag} needs a value, received an empty string`)
    if (spec.repeat) (args[spec.key] ??= []).push(value)
    else args[spec.key] = value
  }
  return args
}

function wholeNumber(flag, text) {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} expects a whole number, received ${JSON.stringify(text)}`)
  return Number(text)
}

/** `text` when it names a workflow (its own key, not one inherited such as `constructor`), undefined when absent, else a usage error. */
function workflowType(flag, text) {
  if (text !== undefined && !Object.hasOwn(require('../binding').getDefaultCounts(), text)) throw new UsageError(`${flag}: unknown workflow ${JSON.stringify(text)}`)
  return text
}

/** A command's help: usage line, description, then every flag explained. */
function commandHelp(command) {
  const flags = [...command.flags, HELP_FLAG]
  const label = (f) => `${f.alias ? `${f.alias}, ` : ''}${f.flag}${f.value ? ` ${f.value}` : ''}`
  const width = Math.max(...flags.map((f) => label(f).length)) + 2
  const lines = [`Usage: dawg-ml ${command.name} ${command.usage ?? '[options]'}`, '', command.description, '', 'Options:']
  for (const f of flags) lines.push(`  ${label(f).padEnd(width)}${f.description}`)
  if (command.notes) lines.push('', command.notes)
  return lines.join('\n')
}

module.exports = { UsageError, parseFlags, wholeNumber, workflowType, commandHelp }
