'use strict'
// Errors raised by the JavaScript layer, and re-creation of native errors in the
// caller's realm.
//
// The addon creates its errors in the main V8 context. Code running in another
// context (Jest runs every test file in its own vm context) would then see
// `error instanceof TypeError` as false. This module is evaluated in the
// caller's context, so errors rebuilt here have the classes the caller expects.

function engineError(code, message, Base = Error, cause) {
  const error = cause === undefined ? new Base(message) : new Base(message, { cause })
  error.code = code
  return error
}

function localise(error) {
  if (error instanceof Error || error === null || typeof error !== 'object' || typeof error.message !== 'string') {
    return error
  }
  const Base = { TypeError, RangeError }[error.name] ?? Error
  const local = engineError(error.code, error.message, Base, error.cause)
  if (typeof error.stack === 'string') local.stack = error.stack
  return local
}

/** Call a native function, re-creating any error it throws in this realm. */
function callNative(fn, ...args) {
  try {
    return fn(...args)
  } catch (error) {
    throw localise(error)
  }
}

module.exports = { engineError, localise, callNative }
