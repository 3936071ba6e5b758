'use strict'
// The package root: every module of the old engine, plus train().

const features = require('./workflow-features')
const predictors = require('./workflow-predictors')

module.exports = { ...features, ...predictors }

// Training modules land with the trainer; load them only when present.
for (const extra of ['./train-workflow-models', './generate-training-data']) {
  try {
    Object.assign(module.exports, require(extra))
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error
  }
}
