'use strict'
// Reproducible synthetic scenarios for all 8 workflows (generated in Rust).

const native = require('./lib/binding')
const { awaitNative, callNative, checkOptions } = require('./lib/errors')

const KNOWN_OPTIONS = new Set(['seed', 'counts', 'outputPath'])

/**
 * Generate labelled scenarios. The same seed gives byte-identical output on
 * every platform. Resolves to the scenario array; with `outputPath`, also
 * writes it there as JSON (atomically).
 */
async function generateTrainingData(options) {
  const checked = checkOptions(options, KNOWN_OPTIONS)
  return JSON.parse(await awaitNative(native.generateTrainingData, checked))
}

function generateTrainingDataSync(options) {
  const checked = checkOptions(options, KNOWN_OPTIONS)
  return JSON.parse(callNative(native.generateTrainingDataSync, checked))
}

module.exports = { generateTrainingData, generateTrainingDataSync }
