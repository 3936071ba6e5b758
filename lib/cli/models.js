'use strict'
// dawg-ml models list|promote <id>|rollback

const { UsageError } = require('./args')
const { MODELS_FLAG, modelsDir } = require('./locations')

function line(v) {
  const marks = [v.current ? 'current' : null, v.challenger ? 'challenger' : null].filter(Boolean).join(', ')
  const trained = Object.entries(v.workflows).filter(([, e]) => e.origin === 'trained').map(([t]) => t)
  const what = trained.length ? `trained: ${trained.join(', ')}` : `${Object.keys(v.workflows).length} workflows (${v.source})`
  return `${v.id.padEnd(6)} ${v.createdAt}  ${v.source.padEnd(24)} ${what}${marks ? `  [${marks}]` : ''}`
}

module.exports = {
  name: 'models',
  usage: 'list | promote <id> | rollback [options]',
  positionals: true,
  summary: 'List the versions of the models registry, promote one, or roll back.',
  description:
    'list: every version, oldest first, with what it trained and which is current.\n' +
    'promote <id>: make version <id> (v3 or 3) current.\n' +
    'rollback: return to the version that was current before the current one.\n' +
    'Every move is recorded in current.json with its reason.',
  flags: [
    MODELS_FLAG,
    { flag: '--reason', key: 'reason', value: 'TEXT', description: 'Why (recorded with the decision).' },
    { flag: '--json', key: 'json', description: 'Print JSON instead of text.' },
  ],
  async run(args, { stdout }) {
    const { ModelRegistry } = require('../registry')
    const registry = new ModelRegistry(modelsDir(args))
    const [sub, ...rest] = args._
    const decision = args.reason ? { reason: args.reason } : { reason: `dawg-ml models ${sub}` }
    const print = (value, text) => stdout.write(args.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`)
    switch (sub) {
      case 'list': {
        if (rest.length) throw new UsageError(`models list takes no argument, received ${rest.join(' ')}`)
        const versions = await registry.list()
        const text = versions.length ? versions.map(line).join('\n') : `${registry.dir}: no versions (a flat models directory, or empty)`
        print(versions, text)
        return 0
      }
      case 'promote': {
        if (rest.length !== 1) throw new UsageError('models promote needs one version id, e.g. models promote v3')
        const state = await registry.promote(rest[0], decision)
        print(state, `${state.current} is current (was ${state.history.at(-1).from ?? 'none'})`)
        return 0
      }
      case 'rollback': {
        if (rest.length) throw new UsageError(`models rollback takes no argument, received ${rest.join(' ')}`)
        const state = await registry.rollback(decision)
        print(state, `${state.current} is current again (rolled back from ${state.history.at(-1).from})`)
        return 0
      }
      default:
        throw new UsageError(sub === undefined ? 'models needs a subcommand: list, promote <id> or rollback' : `unknown models subcommand: ${sub}`)
    }
  },
}
