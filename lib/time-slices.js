'use strict'
// Long work on the JS thread, in slices: an async function that loops over
// many items calls `pause()` often; it yields to the event loop (timers, I/O,
// other requests) whenever it has run for SLICE_MS since the last yield.

const SLICE_MS = 10
const now = performance.now.bind(performance)
const immediate = setImmediate

function yieldToEventLoop() {
  return new Promise((resolve) => immediate(resolve))
}

/** A `pause()` for one piece of work. */
function slicer(sliceMs = SLICE_MS) {
  let start = now()
  return async function pause() {
    if (now() - start < sliceMs) return
    await yieldToEventLoop()
    start = now()
  }
}

module.exports = { SLICE_MS, slicer, yieldToEventLoop }
