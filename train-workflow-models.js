'use strict'
// Training: generated scenarios or recorded data in, models and honest
// metrics out. The work runs in Rust on the thread pool (rayon inside).

const native = require('./lib/binding')
const { awaitNative, callNative, checkOptions, engineError } = require('./lib/errors')
const { resolveModelsDir } = require('./lib/model-dirs')
const { registryTarget, trainVersion, trainVersionSync } = require('./lib/retrain')

const KNOWN_OPTIONS = new Set([
  'seed', 'counts', 'data', 'dataFormat', 'outDir', 'skipInvalid', 'folds', 'grid',
  'bootstrapResamples', 'trainedAt', 'split', 'onProgress', 'signal', 'registry',
])

/** Options as the addon takes them: defaults resolved, unknown keys refused. */
function nativeOptions(options) {
  checkOptions(options, KNOWN_OPTIONS)
  if (options.outDir !== undefined && options.outDir !== null && typeof options.outDir !== 'string') {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'outDir': expected a string or null, received ${typeof options.outDir}`, TypeError)
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'onProgress': expected a function, received ${typeof options.onProgress}`, TypeError)
  }
  if (options.registry !== undefined && typeof options.registry !== 'boolean') {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'registry': expected a boolean, received ${typeof options.registry}`, TypeError)
  }
  const { onProgress, signal, outDir, registry, ...rest } = options
  // outDir: undefined -> the project's models directory (lib/model-dirs.js:
  // never inside node_modules unless configured so); null -> write nothing.
  const out = outDir === undefined ? resolveModelsDir().dir : outDir
  return out === null ? rest : { ...rest, outDir: out }
}

function parseReport(text) {
  const report = JSON.parse(text)
  return { ...report.summary, table: report.table, markdown: report.markdown, written: report.written, modelFiles: report.models }
}

/**
 * Train all workflows. Resolves to the training summary (per-workflow metrics,
 * verdicts, settings), with `table`, `markdown`, `written` and `modelFiles`.
 */
async function train(options = {}) {
  const prepared = nativeOptions(options)
  // Into a models registry (one already, or `registry: true`): a new version, then the pointer moves.
  const target = registryTarget(prepared.outDir, options.registry)
  if (target) return trainVersion(target, { ...options, outDir: undefined, registry: undefined })
  const { onProgress, signal } = options
  if (signal?.aborted) throw engineError('ERR_ABORTED', 'The operation was aborted', Error, signal.reason)
  // A listener that throws must not crash the process (the calls come from
  // the addon, outside any promise): its first error stops further events
  // and rejects the training once it has finished, as the error's cause.
  let listenerError
  const notify = (event) => {
    if (listenerError !== undefined) return
    try {
      onProgress(event)
    } catch (error) {
      listenerError = { error }
    }
  }
  // The addon reports 'load', 'train' and 'write'; 'done' is sent from here,
  // after the events still queued from the pool threads have been delivered.
  const forward = onProgress ? (event) => event.stage !== 'done' && notify(event) : undefined
  const report = parseReport(await awaitNative(native.train, prepared, forward, signal))
  if (onProgress) {
    await new Promise((resolve) => setImmediate(resolve))
    notify({ stage: 'done', done: 1, total: 1 })
  }
  if (listenerError !== undefined) {
    throw engineError('ERR_PROGRESS_LISTENER', `The onProgress listener threw: ${listenerError.error?.message ?? String(listenerError.error)} (training itself completed${report.written.length ? `; ${report.written.length} files were written` : ''})`, Error, listenerError.error)
  }
  return report
}

/** `train`, blocking (no `onProgress` or `signal`). */
function trainSync(options = {}) {
  if (options && (options.onProgress || options.signal)) {
    throw engineError('ERR_INVALID_ARG', "Invalid argument 'options': trainSync takes no onProgress or signal; use train()", TypeError)
  }
  const prepared = nativeOptions(options)
  const target = registryTarget(prepared.outDir, options.registry)
  if (target) return trainVersionSync(target, { ...options, outDir: undefined, registry: undefined })
  return parseReport(callNative(native.trainSync, prepared))
}

/** The old entry point: generate the default scenarios, train, write the package's models/. */
async function trainAllModels(options = {}) {
  return (await train(options)).modelFiles
}

/**
 * The old per-workflow entry point: train one model from rows
 * `{ features, failed }` (old normalised format, or raw feature objects).
 * Writes nothing; resolves to the model file object. Trains off the JS thread.
 */
async function trainWorkflowModel(workflowType, scenarios, options = {}) {
  if (!Array.isArray(scenarios)) {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'scenarios': expected an array, received ${scenarios === null ? 'null' : typeof scenarios}`, TypeError)
  }
  const { outDir, onProgress, signal, ...rest } = options
  // Old-format rows carry their workflowType; rows without one are of this workflow.
  const rows = scenarios.map((row) =>
    row !== null && typeof row === 'object' && row.workflowType === undefined && typeof row.features?.workflowType !== 'string'
      ? { ...row, workflowType }
      : row,
  )
  // Serialised here (the rows are JS values); parsed and trained off the JS thread.
  return JSON.parse(await awaitNative(native.trainWorkflowModel, workflowType, JSON.stringify(rows), nativeOptions(rest)))
}

module.exports = { train, trainSync, trainAllModels, trainWorkflowModel }
