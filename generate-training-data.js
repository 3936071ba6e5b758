'use strict'
// Reproducible synthetic scenarios for all 8 workflows (generated in Rust).

const native = require('./lib/binding')
const { awaitNative, callNative, checkOptions, optionalObject, optionalPath } = require('./lib/errors')
const { slicer } = require('./lib/time-slices')

const KNOWN_OPTIONS = new Set(['seed', 'counts', 'outputPath', 'returnScenarios'])

/** The options, checked where the addon would coerce or misread them. */
function checked(options) {
  const o = checkOptions(options, KNOWN_OPTIONS)
  optionalObject('counts', o.counts, 'an object of scenario counts by workflow type')
  optionalPath('outputPath', o.outputPath, 'a non-empty file path')
  return o
}

function summary(generated, options) {
  return { outputPath: options.outputPath, scenarios: generated.scenarios, failed: generated.failed }
}

/**
 * Generate labelled scenarios. The same seed gives byte-identical output on
 * every platform. Resolves to the scenario array (at most 100,000 in all;
 * more is refused up front); with `outputPath`, also writes them there as
 * JSON, streamed and atomically. With `{ outputPath, returnScenarios: false }`
 * any count is written and the promise resolves to
 * `{ outputPath, scenarios, failed }`. The array is parsed in pieces that
 * yield to the event loop.
 */
async function generateTrainingData(options) {
  const o = checked(options)
  const generated = await awaitNative(native.generateTrainingData, o)
  if (o.returnScenarios === false) return summary(generated, o)
  const pause = slicer()
  const out = []
  for (const chunk of generated.chunks) {
    for (const s of JSON.parse(chunk)) out.push(s)
    await pause()
  }
  return out
}

function generateTrainingDataSync(options) {
  const o = checked(options)
  const generated = callNative(native.generateTrainingDataSync, o)
  if (o.returnScenarios === false) return summary(generated, o)
  const out = []
  for (const chunk of generated.chunks) for (const s of JSON.parse(chunk)) out.push(s)
  return out
}

module.exports = { generateTrainingData, generateTrainingDataSync }
