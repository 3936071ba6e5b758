import production from '../production.js'

export const { OutcomeStore, resolveStorePath, ModelRegistry, Monitor, MONITOR_DEFAULTS, retrainFromOutcomes } = production
export default production
