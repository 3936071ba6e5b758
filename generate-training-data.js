'use strict'
// Reproducible synthetic scenarios for all 8 workflows (generated in Rust).

const native = require('./lib/binding')
const { localise } = require('./lib/errors')

/**
 * Generate labelled scenarios. The same seed gives byte-identical output on
 * every platform. Resolves to the scenario array; with `outputPath`, also
 * writes it there as JSON (atomically).
 */
async function generateTrainingData(options = {}) {
  try {
    return JSON.parse(await native.generateTrainingData(options))
  } catch (error) {
    throw localise(error)
  }
}

function generateTrainingDataSync(options = {}) {
  try {
    return JSON.parse(native.generateTrainingDataSync(options))
  } catch (error) {
    throw localise(error)
  }
}

module.exports = { generateTrainingData, generateTrainingDataSync }
