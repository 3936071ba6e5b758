'use strict'
// Errors raised by the JavaScript layer, and re-creation of native errors in the
// caller's realm.
//
// The addon creates its errors in the main V8 context. Code running in another
// context (Jest runs every test file in its own vm context) would then see
// `error instanceof TypeError` as false. This module is evaluated in the
// caller's context, so errors rebuilt here have the classes the caller expects.

/** Longest text taken from the input into an error message (as the engine's `error::shown`). */
const SHOWN_CHARS = 100

/**
 * A value as error messages show it: JSON-quoted, or its type when it has
 * no JSON form, shortened to its first SHOWN_CHARS characters and its length.
 */
function shown(value) {
  if (typeof value === 'string') {
    return value.length > SHOWN_CHARS ? `${JSON.stringify(value.slice(0, SHOWN_CHARS))}… (${value.length} characters)` : JSON.stringify(value)
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  return Array.isArray(value) ? 'array' : typeof value
}

function engineError(code, message, Base = Error, cause) {
  const error = cause === undefined ? new Base(message) : new Base(message, { cause })
  error.code = code
  return error
}

// Codes napi-rs gives its own argument-conversion failures (a JS value of
// the wrong type for a declared Rust parameter). They surface as ours.
const NAPI_CONVERSION_CODES = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected',
  'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected',
])

// napi-rs words a conversion failure in Rust's terms ("Failed to convert
// JavaScript value `Number 5 ` into rust type `String` on
// NativeTrainOptions.split"); this says it in the caller's.
const NAPI_CONVERSION = /^Failed to convert (?:napi value ?(\w*)|JavaScript value `(\w+)[^`]*`) into rust type `([^`]+)`(?: on \w+\.(\w+))?/
const RUST_TYPES = { f64: 'a number', f32: 'a number', u32: 'a number', i32: 'a number', i64: 'a number', u64: 'a number', String: 'a string', bool: 'a boolean' }

/** The napi-rs conversion message `message` in the caller's terms, or null when it has another form. */
function conversionMessage(message) {
  const m = NAPI_CONVERSION.exec(message)
  if (m === null) return null
  const [, napiType, jsType, rustType, field] = m
  const expected = RUST_TYPES[rustType] ?? (rustType.startsWith('Vec') ? 'an array' : `a value of the ${rustType} kind`)
  const got = (napiType || jsType || '').toLowerCase()
  return `Invalid argument${field ? ` '${field}'` : ''}: expected ${expected}${got ? `, received ${got}` : ''}`
}

function localise(error) {
  if (error === null || typeof error !== 'object' || typeof error.message !== 'string') return error
  if (NAPI_CONVERSION_CODES.has(error.code)) {
    return engineError('ERR_INVALID_ARG', conversionMessage(error.message) ?? `Invalid argument: ${error.message}`, TypeError, error)
  }
  if (error instanceof Error) return error
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

/** How an error message describes a value it refused: its type, or a number's value. */
function received(value) {
  if (value === '') return 'an empty string'
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? `number ${value}` : typeof value
}

/** The ERR_INVALID_ARG TypeError for argument `name`, which should be `expected`. */
function invalidArg(name, expected, value) {
  return engineError('ERR_INVALID_ARG', `Invalid argument '${name}': expected ${expected}, received ${received(value)}`, TypeError)
}

/** `value` if it is undefined or a plain object (not null, not an array), else ERR_INVALID_ARG naming `name`. */
function optionalObject(name, value, expected) {
  if (value === undefined) return value
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidArg(name, expected, value)
  return value
}

/** `value` if it is a non-empty string, else ERR_INVALID_ARG naming `name`. */
function requiredPath(name, value, expected) {
  if (typeof value !== 'string' || value === '') throw invalidArg(name, expected, value)
  return value
}

/** `value` if it is undefined, null or a non-empty string, else ERR_INVALID_ARG naming `name` (an empty path would mean the working directory). */
function optionalPath(name, value, expected = 'a non-empty path or null') {
  if (value === undefined || value === null) return value
  return requiredPath(name, value, expected)
}

/**
 * Check an options object: an object (or undefined) whose keys are all known
 * (an unknown key holding undefined is let through).
 * Returns it, or `{}` for undefined.
 */
function checkOptions(options, known, what = 'options') {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw engineError('ERR_INVALID_ARG', `Invalid argument '${what}': expected an object, received ${options === null ? 'null' : Array.isArray(options) ? 'array' : typeof options}`, TypeError)
  }
  for (const key of Object.keys(options)) {
    // A key set to undefined carries nothing, as if absent (options spread from another call's).
    if (!known.has(key) && options[key] !== undefined) {
      throw engineError('ERR_INVALID_ARG', `Invalid argument '${what}': unknown option '${key}' (known: ${[...known].join(', ')})`, TypeError)
    }
  }
  return options
}

/** `callNative` for a native call that returns a promise: sync throws and rejections are both re-created here. */
async function awaitNative(fn, ...args) {
  try {
    return await fn(...args)
  } catch (error) {
    throw localise(error)
  }
}

module.exports = { engineError, invalidArg, optionalObject, optionalPath, requiredPath, localise, callNative, awaitNative, checkOptions, shown }
