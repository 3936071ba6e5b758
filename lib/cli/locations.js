'use strict'
// --models and --store, shared by the commands of the production loop:
// declared once here, resolved as the library resolves them.

const path = require('node:path')

const MODELS_FLAG = { flag: '--models', key: 'models', value: 'DIR', description: 'The models directory (registry). Default: as the library resolves it (DAWG_ML_MODELS_DIR, package.json "dawg-ml".modelsDir, <project>/.dawg-ml/models).' }
const STORE_FLAG = { flag: '--store', key: 'store', value: 'FILE', description: 'The outcome store. Default: DAWG_ML_STORE, package.json "dawg-ml".store, or <project>/.dawg-ml/outcomes.sqlite.' }

function modelsDir(args) {
  return args.models ? path.resolve(args.models) : require('../model-dirs').resolveModelsDir().dir
}

function storePath(args) {
  return require('../outcome-store').resolveStorePath({ storePath: args.store }).path
}

/** Open the store for a command; a store that does not exist yet is not created by a read. */
async function openStore(args, { create = false } = {}) {
  const { UsageError } = require('./args')
  const file = storePath(args)
  if (!create && !require('node:fs').existsSync(file)) throw new UsageError(`no outcome store at ${file} (pass --store FILE)`)
  return require('../outcome-store').OutcomeStore.open(file, { flushIntervalMs: 0 })
}

module.exports = { MODELS_FLAG, STORE_FLAG, modelsDir, storePath, openStore }
