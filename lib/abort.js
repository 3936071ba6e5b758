'use strict'
// Cancelling native tasks through the caller's AbortSignal, the same way in
// every state the task can be in:
// - already aborted when the call is made: rejected at once;
// - aborted while the task waits for a pool thread: rejected at once (the
//   task, when it gets a thread, does nothing);
// - aborted while it runs: the task stops at its next check and the promise
//   rejects when it has (nothing it writes is left half-done).
// Each time with code ERR_ABORTED and `signal.reason` as the cause. The
// signal is listened to here (never by the addon), and anything that is not
// a real AbortSignal is refused. Builtins are captured at load.

const native = require('./binding')
const { awaitNative, engineError } = require('./errors')

const call = Function.prototype.call
const uncurry = (fn) => call.bind(fn)
const abortedOf = uncurry(Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get)
const reasonOf = uncurry(Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'reason').get)
const addListener = uncurry(EventTarget.prototype.addEventListener)
const removeListener = uncurry(EventTarget.prototype.removeEventListener)

/** Throw ERR_INVALID_ARG unless `signal` is undefined or an AbortSignal (of any realm). */
function checkSignal(signal, name = 'signal') {
  if (signal === undefined) return
  try {
    // The getter checks that its receiver is an AbortSignal.
    abortedOf(signal)
  } catch {
    const received = signal === null ? 'null' : Array.isArray(signal) ? 'array' : typeof signal
    throw engineError('ERR_INVALID_ARG', `Invalid argument '${name}': expected an AbortSignal, received ${received}`, TypeError)
  }
}

function abortError(signal) {
  return engineError('ERR_ABORTED', 'The operation was aborted', Error, reasonOf(signal))
}

/**
 * Start the native task `start(flag)` (it returns a promise and stops once
 * `flag` is cancelled) under `signal`, which `checkSignal` accepted.
 */
function cancellable(signal, start) {
  if (signal !== undefined && abortedOf(signal)) return Promise.reject(abortError(signal))
  const flag = new native.CancelFlag()
  const task = awaitNative(start, flag)
  if (signal === undefined) return task
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      // Not started yet: it never will, so there is nothing to wait for.
      if (!flag.cancel()) {
        removeListener(signal, 'abort', onAbort)
        task.catch(() => {})
        reject(abortError(signal))
      }
    }
    addListener(signal, 'abort', onAbort)
    task.then(
      (value) => {
        removeListener(signal, 'abort', onAbort)
        resolve(value)
      },
      (error) => {
        removeListener(signal, 'abort', onAbort)
        reject(error?.code === 'ERR_ABORTED' ? abortError(signal) : error)
      },
    )
  })
}

module.exports = { checkSignal, abortError, cancellable }
