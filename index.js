'use strict'
// The package root: every module of the old engine, plus train(), the knowledge graph and the error codes.

module.exports = {
  ...require('./workflow-features'),
  ...require('./workflow-predictors'),
  ...require('./train-workflow-models'),
  ...require('./generate-training-data'),
  ...require('./production'),
  ...require('./lib/knowledge-graph'),
  ...require('./lib/error-codes'),
}
