'use strict'
// Typed-array arguments as the addon may read them: what they are, whether
// their memory is still there (a transferred buffer is detached and reads
// as empty), and a private copy when another thread may write them (a
// SharedArrayBuffer). The builtins used are captured at load, so user code
// that later patches them cannot change the answers; the checks work on
// arrays from any realm (a Jest vm context, a worker's message).

const toStringTag = Object.prototype.toString
const call = Function.prototype.call
const uncurry = (fn) => call.bind(fn)
const objectToString = uncurry(toStringTag)
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype)
const getterOf = (proto, name) => uncurry(Object.getOwnPropertyDescriptor(proto, name).get)
const bufferOf = getterOf(TypedArrayPrototype, 'buffer')
const lengthOf = getterOf(TypedArrayPrototype, 'length')
const typedSet = uncurry(TypedArrayPrototype.set)
const detachedDescriptor = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached')
const isDetachedGetter = detachedDescriptor?.get ? uncurry(detachedDescriptor.get) : null
const LocalFloat64Array = Float64Array
const LocalUint8Array = Uint8Array

function isFloat64Array(value) {
  return objectToString(value) === '[object Float64Array]'
}

/** Whether the typed array `view` is backed by a SharedArrayBuffer. */
function isShared(view) {
  return objectToString(bufferOf(view)) === '[object SharedArrayBuffer]'
}

/** Whether the typed array `view`'s buffer was detached (transferred or structured-cloned away). */
function isDetached(view) {
  if (lengthOf(view) !== 0) return false
  const buffer = bufferOf(view)
  if (objectToString(buffer) === '[object SharedArrayBuffer]') return false
  if (isDetachedGetter !== null) return isDetachedGetter(buffer)
  // Before ArrayBuffer.prototype.detached (Node < 22): only a detached
  // buffer refuses to be viewed.
  try {
    new LocalUint8Array(buffer)
    return false
  } catch {
    return true
  }
}

function length(view) {
  return lengthOf(view)
}

/** A copy of the Float64Array `view` in memory of its own (not shared), in this realm. */
function privateCopy(view) {
  const copy = new LocalFloat64Array(lengthOf(view))
  typedSet(copy, view)
  return copy
}

module.exports = { isFloat64Array, isShared, isDetached, length, privateCopy }
