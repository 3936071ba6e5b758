'use strict'
// ModelRegistry: a models directory with immutable versions
// (versions/<id>/<type>-model.json + manifest.json) and an atomically moved
// current.json pointer (crates/engine/src/registry.rs). A directory without
// a pointer is the old flat layout and still loads as it is. Every value is
// built here, in the caller's realm, from the addon's JSON.

const path = require('node:path')
const native = require('./binding')
const { awaitNative, callNative, checkOptions, invalidArg, requiredPath } = require('./errors')


const DECISION = new Set(['reason', 'figures'])
const MOVE = new Set([...DECISION, 'ifCurrent', 'ifRevision'])

/** `{ reason?, figures? }`: why a decision was made and the figures it rests on. */
function decision(options, known = DECISION) {
  const o = checkOptions(options, known)
  if (o.reason !== undefined && typeof o.reason !== 'string') throw invalidArg('reason', 'a string', o.reason)
  if (o.figures !== undefined && (o.figures === null || typeof o.figures !== 'object')) throw invalidArg('figures', 'an object', o.figures)
  return { reason: o.reason, figures: o.figures }
}

/**
 * `decision` with `ifCurrent` and `ifRevision`: move the pointer only if that
 * version is still current, and the pointer still at that revision (else
 * ERR_VERSION_CHANGED).
 */
function move(options) {
  const o = checkOptions(options, MOVE)
  if (o.ifRevision !== undefined && !(Number.isSafeInteger(o.ifRevision) && o.ifRevision >= 0)) throw invalidArg('ifRevision', "a whole number ≥ 0 (a state's revision)", o.ifRevision)
  return {
    ...decision({ reason: o.reason, figures: o.figures }),
    ifCurrent: o.ifCurrent === undefined ? undefined : versionId(o.ifCurrent, 'ifCurrent'),
    ifRevision: o.ifRevision,
  }
}

function versionId(id, name = 'id') {
  if (typeof id === 'number' && Number.isInteger(id) && id > 0) return String(id)
  if (typeof id !== 'string' || id === '') throw invalidArg(name, "a version id such as 'v3' (or 3)", id)
  return id
}

class ModelRegistry {
  #dir

  constructor(dir) {
    requiredPath('dir', dir, 'a models directory')
    this.#dir = path.resolve(dir)
  }

  get dir() {
    return this.#dir
  }

  #sync(op, args = {}) {
    return JSON.parse(callNative(native.registrySync, op, this.#dir, JSON.stringify(args)))
  }

  async #async(op, args = {}) {
    return JSON.parse(await awaitNative(native.registry, op, this.#dir, JSON.stringify(args)))
  }

  /** The pointer (`{ current, previous, challenger, history, revision }`), or null for a flat directory. */
  stateSync() {
    return this.#sync('state')
  }

  state() {
    return this.#async('state')
  }

  /** Every version, oldest first, with its manifest and whether it is current or the challenger. */
  listSync() {
    return this.#sync('list')
  }

  list() {
    return this.#async('list')
  }

  /** Where to load from, from one read of the pointer: `{ current: { dir, version }, challenger: { dir, version } | null, revision }`. */
  resolveSync() {
    return this.#sync('resolve')
  }

  resolve() {
    return this.#async('resolve')
  }

  manifestSync(id) {
    return this.#sync('manifest', { id: versionId(id) })
  }

  manifest(id) {
    return this.#async('manifest', { id: versionId(id) })
  }

  /** Make version `id` current; the one it replaces can be returned to with rollback(). */
  promoteSync(id, options) {
    return this.#sync('promote', { id: versionId(id), ...move(options) })
  }

  promote(id, options) {
    return this.#async('promote', { id: versionId(id), ...move(options) })
  }

  /** Return to the version that was current before (ERR_NO_PREVIOUS_VERSION when there is none). */
  rollbackSync(options) {
    return this.#sync('rollback', move(options))
  }

  rollback(options) {
    return this.#async('rollback', move(options))
  }

  /** Score version `id` in shadow beside the current one; null stops. */
  setChallengerSync(id, options) {
    return this.#sync('setChallenger', { id: id === null ? undefined : versionId(id), ...decision(options) })
  }

  setChallenger(id, options) {
    return this.#async('setChallenger', { id: id === null ? undefined : versionId(id), ...decision(options) })
  }

  /** A fresh directory for a trainer to write a new version's files into. */
  stagingDirSync() {
    return this.#sync('stagingDir')
  }

  stagingDir() {
    return this.#async('stagingDir')
  }

  /**
   * Turn a staging directory into the next version (workflows it lacks are
   * inherited from `base`, default the current version). Does not move the
   * pointer. Returns the manifest.
   */
  commitSync(staging, options) {
    return this.#sync('commit', commitArgs(staging, options))
  }

  commit(staging, options) {
    return this.#async('commit', commitArgs(staging, options))
  }

  /**
   * Store reference histograms (of the training rows in `dataFile` and the
   * models' scores on them) in the model files of a staging directory, for
   * drift monitoring. Returns `[{ workflowType, rows }]`.
   */
  attachReferencesSync(staging, dataFile) {
    return this.#sync('attachReferences', attachArgs(staging, dataFile))
  }

  attachReferences(staging, dataFile) {
    return this.#async('attachReferences', attachArgs(staging, dataFile))
  }
}

function attachArgs(staging, dataFile) {
  requiredPath('staging', staging, 'a directory')
  requiredPath('dataFile', dataFile, 'a training-data file')
  return { staging: path.resolve(staging), data: path.resolve(dataFile) }
}

function commitArgs(staging, options) {
  requiredPath('staging', staging, 'a directory')
  const o = checkOptions(options, new Set(['source', 'base', 'figures']))
  if (o.source !== undefined && typeof o.source !== 'string') throw invalidArg('source', 'a string', o.source)
  if (o.figures !== undefined && (o.figures === null || typeof o.figures !== 'object')) throw invalidArg('figures', 'an object', o.figures)
  return { staging: path.resolve(staging), source: o.source, base: o.base === undefined ? undefined : versionId(o.base), figures: o.figures }
}

module.exports = { ModelRegistry }
