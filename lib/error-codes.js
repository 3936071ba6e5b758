'use strict'
// Every `code` an error thrown by this package can carry: the one list the
// generated errors.d.ts union, the README's error table and the codes used in
// the sources are checked against (__test__/error-codes.test.ts).

// In the order of the README's table.
const ERROR_CODES = Object.freeze([
  'ERR_INVALID_FEATURE',
  'ERR_MISSING_FEATURE',
  'ERR_UNKNOWN_FIELD',
  'ERR_MODEL_NOT_FOUND',
  'ERR_UNKNOWN_WORKFLOW',
  'ERR_NOT_INITIALIZED',
  'ERR_PREDICTOR_CONFLICT',
  'ERR_INVALID_ARG',
  'ERR_INVALID_DATA',
  'ERR_INSUFFICIENT_DATA',
  'ERR_INVALID_MODEL',
  'ERR_IO',
  'ERR_ABORTED',
  'ERR_PROGRESS_LISTENER',
  'ERR_NO_STORE',
  'ERR_STORE_CLOSED',
  'ERR_STORE_BUSY',
  'ERR_STORE_VERSION',
  'ERR_STORE_NOT_A_STORE',
  'ERR_STORE_CORRUPT',
  'ERR_STORE',
  'ERR_VERSION_NOT_FOUND',
  'ERR_NO_PREVIOUS_VERSION',
  'ERR_VERSION_CHANGED',
  'ERR_INVALID_REGISTRY',
  'ERR_INVALID_GRAPH',
  'ERR_GRAPH_NOT_FOUND',
  'ERR_GIT',
  'ERR_NATIVE_BINDING_NOT_FOUND',
  'ERR_INTERNAL',
])

const KNOWN = new Set(ERROR_CODES)

/**
 * Whether `error` is an error of this package (an object with one of its
 * codes), and, when `code` is given, one with that code. It reads `code`
 * only, so it holds across realms (Jest's vm contexts), where `instanceof`
 * would not.
 */
function isMlEngineError(error, code) {
  if (error === null || typeof error !== 'object' || !KNOWN.has(error.code)) return false
  return code === undefined || error.code === code
}

module.exports = { ERROR_CODES, isMlEngineError }
