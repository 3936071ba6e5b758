'use strict'
// Load one built addon directly and predict once per workflow.
// Usage: node smoke-addon.js <addon.node> <modelsDir> <inputs.json>
// Prints one JSON line: { arch, workflows, probabilities: { workflow: p } }.
// Run by `npm run artifacts` with this machine's Node, or under qemu with an
// arm64 Node, so it uses nothing but Node built-ins and the addon.

const [addonPath, modelsDir, inputsPath] = process.argv.slice(2)
const addon = require(addonPath)
const inputs = JSON.parse(require('node:fs').readFileSync(inputsPath, 'utf8'))
const models = addon.loadModelsSync([modelsDir])
const types = addon.getWorkflowTypes()
if (models.warnings.length) throw new Error(`model warnings: ${models.warnings.join('; ')}`)
const probabilities = {}
for (const type of types) {
  const input = inputs[type]
  if (!input) throw new Error(`no sample input for ${type}`)
  // The raw columnar call: validates the object as a row of `type` and scores it.
  const out = new Float64Array(1)
  models.predictProbabilitiesRaw(type, [input], false, out)
  const p = out[0]
  if (!(p >= 0 && p <= 1)) throw new Error(`${type}: failureProbability ${p} is not in [0, 1]`)
  probabilities[type] = p
}
process.stdout.write(JSON.stringify({ arch: process.arch, workflows: types.length, loaded: JSON.parse(models.modelInfoJson()).filter(Boolean).length, probabilities }) + '\n')
