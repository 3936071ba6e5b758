'use strict'
// The production loop: the outcome store, the models registry, the monitor
// and retraining from outcomes (see the README, "Production monitoring").
// WorkflowPredictor uses them through its options; they are exported for
// monitors and tools that work with them directly.

const { OutcomeStore, resolveStorePath } = require('./lib/outcome-store')
const { ModelRegistry } = require('./lib/registry')
const { Monitor, MONITOR_DEFAULTS } = require('./lib/monitor')
const { retrainFromOutcomes } = require('./lib/retrain')

module.exports = { OutcomeStore, resolveStorePath, ModelRegistry, Monitor, MONITOR_DEFAULTS, retrainFromOutcomes }
