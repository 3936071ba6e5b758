'use strict'
// The package root: every module of the old engine, plus train() and the knowledge graph.

module.exports = {
  ...require('./workflow-features'),
  ...require('./workflow-predictors'),
  ...require('./train-workflow-models'),
  ...require('./generate-training-data'),
  ...require('./production'),
  ...require('./lib/knowledge-graph'),
}
