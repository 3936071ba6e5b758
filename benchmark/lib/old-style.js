'use strict'
// The prediction algorithm of DESIGN.md §2/§6 written the way the old
// TypeScript engine is described: the feature vector is a Record<string,
// number> built per call, weights are looked up by name, the critical
// factors come from Object.entries().map().filter().sort().slice(), and
// rules look factors up with find(). No input validation. Written for the
// benchmark from the design document and schema.json; not the old code.

const fs = require('node:fs')
const path = require('node:path')
const { RULES, GENERAL_CRITICAL, GENERAL_HIGH } = require('./rules')

function loadSchema(schemaPath) {
  return JSON.parse(fs.readFileSync(schemaPath, 'utf8'))
}

function createOldStylePredictor(schema, modelsDir) {
  const workflows = {}
  for (const w of schema.workflows) workflows[w.workflowType] = w
  const models = {}
  for (const w of schema.workflows) {
    models[w.workflowType] = JSON.parse(fs.readFileSync(path.join(modelsDir, `${w.workflowType}-model.json`), 'utf8'))
  }

  function featuresToVector(features) {
    const spec = workflows[features.workflowType]
    const vector = {}
    for (const entry of spec.vector) {
      const raw = features[entry.field]
      switch (entry.kind) {
        case 'bool': vector[entry.feature] = raw ? 1 : 0; break
        case 'enumEquals': vector[entry.feature] = raw === entry.value ? 1 : 0; break
        case 'scaled': vector[entry.feature] = raw / entry.divisor; break
        case 'capped': vector[entry.feature] = Math.min(raw / entry.divisor, 1); break
        case 'shifted': vector[entry.feature] = (raw + entry.offset) / entry.divisor; break
        default: vector[entry.feature] = raw
      }
    }
    return vector
  }

  function getCriticalFeatures(workflowType) {
    return workflows[workflowType].criticalFeatures
  }

  function predict(features) {
    const model = models[features.workflowType]
    if (!model) throw new Error(`No model found for workflow: ${features.workflowType}`)
    const vector = featuresToVector(features)
    let z = model.bias
    for (const [name, value] of Object.entries(vector)) z += (model.weights[name] || 0) * value
    z = Math.max(-100, Math.min(100, z))
    const failureProbability = 1 / (1 + Math.exp(-z))
    const riskLevel = failureProbability >= 0.8 ? 'critical' : failureProbability >= 0.6 ? 'high' : failureProbability >= 0.4 ? 'medium' : 'low'
    const critical = getCriticalFeatures(features.workflowType)
    const criticalFactors = Object.entries(vector)
      .map(([feature, value]) => {
        const weight = model.weights[feature] || 0
        return { feature, value, weight, contribution: Math.abs(weight * value) }
      })
      .filter((f) => critical.includes(f.feature) || f.contribution > 0.1)
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, 5)
    const recommendations = []
    for (const [feature, test, threshold, texts] of RULES[features.workflowType]) {
      const factor = criticalFactors.find((f) => f.feature === feature)
      if (factor && (test === 'below' ? factor.value < threshold : factor.value > threshold)) recommendations.push(...texts)
    }
    if (failureProbability >= 0.8) recommendations.push(...GENERAL_CRITICAL)
    else if (failureProbability >= 0.6) recommendations.push(...GENERAL_HIGH)
    return {
      workflowType: features.workflowType,
      failureProbability,
      riskLevel,
      confidence: Math.abs(failureProbability - 0.5) * 2,
      criticalFactors,
      recommendations,
    }
  }

  return { predict, featuresToVector }
}

module.exports = { createOldStylePredictor, loadSchema }
