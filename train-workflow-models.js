'use strict'
// Training: generated scenarios or recorded data in, models and honest
// metrics out. The work runs in Rust on the thread pool (rayon inside).

const native = require('./lib/binding')
const { cancellable, checkSignal } = require('./lib/abort')
const { callNative, checkOptions, engineError, optionalObject, optionalPath } = require('./lib/errors')
const { resolveModelsDir } = require('./lib/model-dirs')
const { slicer } = require('./lib/time-slices')
const { registryTarget, trainVersion, trainVersionSync } = require('./lib/retrain')

const KNOWN_OPTIONS = new Set([
  'seed', 'counts', 'data', 'dataFormat', 'outDir', 'skipInvalid', 'folds', 'grid',
  'bootstrapResamples', 'trainedAt', 'split', 'onProgress', 'signal', 'registry',
])

/** What `trainWorkflowModel` takes: it trains one workflow from the rows given and writes nothing. */
const ONE_WORKFLOW_OPTIONS = new Set([...KNOWN_OPTIONS].filter((k) => !['counts', 'data', 'dataFormat', 'outDir', 'onProgress', 'registry'].includes(k)))

/** Options as the addon takes them: defaults resolved, unknown keys refused. */
function nativeOptions(options) {
  checkOptions(options, KNOWN_OPTIONS)
  optionalPath('outDir', options.outDir, 'a non-empty directory path or null')
  optionalObject('counts', options.counts, 'an object of scenario counts by workflow type')
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'onProgress': expected a function, received ${typeof options.onProgress}`, TypeError)
  }
  checkSignal(options.signal)
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
  // A listener that throws must not crash the process (the calls come from
  // the addon, outside any promise): its first error stops further events
  // and rejects the training once it has finished, as the error's cause.
  // No event is delivered once the promise has settled (events the pool
  // threads queued late are dropped).
  let listenerError
  let settled = false
  const notify = (event) => {
    if (listenerError !== undefined || settled) return
    try {
      onProgress(event)
    } catch (error) {
      listenerError = { error }
    }
  }
  // The addon reports 'load', 'train' and 'write'; 'done' is sent from here,
  // after the events still queued from the pool threads have been delivered.
  const forward = onProgress ? (event) => event.stage !== 'done' && notify(event) : undefined
  let report
  try {
    report = parseReport(await cancellable(signal, (flag) => native.train(prepared, forward, flag)))
    if (onProgress) {
      await new Promise((resolve) => setImmediate(resolve))
      notify({ stage: 'done', done: 1, total: 1 })
    }
  } finally {
    settled = true
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

/** The old entry point: generate the default scenarios, train, write the project's models directory (see lib/model-dirs.js). */
async function trainAllModels(options = {}) {
  return (await train(options)).modelFiles
}

/** The most characters of serialised rows handed to the addon. */
const MAX_ROWS_CHARS = 1024 * 1024 * 1024
/** Rows are encoded to UTF-8 in pieces of about this many characters. */
const CHUNK_CHARS = 1 << 20
const encoder = new TextEncoder()
const encode = encoder.encode.bind(encoder)

/** Marks a BigInt met while serialising a row (JSON has no form for one). */
const BIGINT = Symbol('bigint')

function jsonOfRow(row, i) {
  try {
    // undefined, a function or a symbol has no JSON form: 'null', which the addon reports as a row that is not an object.
    return JSON.stringify(row, (_key, value) => {
      if (typeof value === 'bigint') throw BIGINT
      return value
    }) ?? 'null'
  } catch (error) {
    const reason =
      error === BIGINT ? 'it holds a BigInt, which JSON cannot represent' : error instanceof TypeError && /circular/i.test(error.message) ? 'it refers to itself (a cycle), which JSON cannot represent' : null
    // Anything else (a getter of the row that throws) propagates unchanged.
    if (reason === null) throw error
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'scenarios[${i}]': ${reason}`, TypeError, error === BIGINT ? undefined : error)
  }
}

/**
 * The old per-workflow entry point: train one model from rows
 * `{ features, failed }` (old normalised format, or raw feature objects).
 * Writes nothing; resolves to the model file object. The rows are
 * serialised here in slices that yield to the event loop, then parsed and
 * trained off the JS thread; `signal` aborts it (ERR_ABORTED).
 */
async function trainWorkflowModel(workflowType, scenarios, options = {}) {
  if (!Array.isArray(scenarios)) {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'scenarios': expected an array, received ${scenarios === null ? 'null' : typeof scenarios}`, TypeError)
  }
  checkOptions(options, ONE_WORKFLOW_OPTIONS)
  const { signal, ...rest } = options
  checkSignal(signal)
  const prepared = nativeOptions({ ...rest, outDir: null })
  // Serialised and encoded here in slices that yield to the event loop (the
  // rows are JS values); joined, parsed and trained off the JS thread.
  const pause = slicer()
  const chunks = []
  let pending = []
  let pendingChars = 0
  let chars = 0
  for (let i = 0; i < scenarios.length; i++) {
    const row = scenarios[i]
    // Old-format rows carry their workflowType; rows without one are of this workflow.
    const own = row !== null && typeof row === 'object' && row.workflowType === undefined && typeof row.features?.workflowType !== 'string' ? { ...row, workflowType } : row
    const json = jsonOfRow(own, i)
    pending.push(json)
    pendingChars += json.length + 1
    chars += json.length + 1
    if (chars > MAX_ROWS_CHARS) {
      throw engineError('ERR_INVALID_ARG', `Invalid argument 'scenarios': the rows are more than ${MAX_ROWS_CHARS} characters of JSON (at row ${i}); write them to a JSONL file and train({ data }) from it, which streams`, TypeError)
    }
    if (pendingChars >= CHUNK_CHARS) {
      chunks.push(encode(pending.join(',')))
      pending = []
      pendingChars = 0
    }
    if ((i & 63) === 63) await pause()
  }
  if (pending.length > 0) chunks.push(encode(pending.join(',')))
  return JSON.parse(await cancellable(signal, (flag) => native.trainWorkflowModel(workflowType, chunks, prepared, flag)))
}

module.exports = { train, trainSync, trainAllModels, trainWorkflowModel }
