'use strict'
// The same algorithm as plainly and cheaply as I can write it in JavaScript:
// each workflow compiled once into arrays in vector order (field name,
// normalisation code and parameters, weight, critical flag, rules by vector
// index); a call reads each field once into a reused Float64Array, sums in
// vector order, keeps the top 5 factors by insertion into a small array
// (stable: ties keep vector order) and allocates only the result.
// No input validation (the addon validates every field).

const fs = require('node:fs')
const path = require('node:path')
const { RULES, GENERAL_CRITICAL, GENERAL_HIGH } = require('./rules')

const KIND = { bool: 0, enumEquals: 1, scaled: 2, capped: 3, shifted: 4, identity: 5 }

function createCleanPredictor(schema, modelsDir) {
  const plans = new Map()
  let maxD = 0
  for (const w of schema.workflows) {
    const model = JSON.parse(fs.readFileSync(path.join(modelsDir, `${w.workflowType}-model.json`), 'utf8'))
    const d = w.vector.length
    maxD = Math.max(maxD, d)
    const critical = new Set(w.criticalFeatures)
    const index = new Map(w.vector.map((e, i) => [e.feature, i]))
    plans.set(w.workflowType, {
      workflowType: w.workflowType,
      d,
      fields: w.vector.map((e) => e.field),
      features: w.vector.map((e) => e.feature),
      kind: Uint8Array.from(w.vector, (e) => KIND[e.kind]),
      divisor: Float64Array.from(w.vector, (e) => e.divisor ?? 1),
      offset: Float64Array.from(w.vector, (e) => e.offset ?? 0),
      equals: w.vector.map((e) => e.value),
      weight: Float64Array.from(w.vector, (e) => model.weights[e.feature] ?? 0),
      critical: Uint8Array.from(w.vector, (e) => (critical.has(e.feature) ? 1 : 0)),
      bias: model.bias,
      rules: RULES[w.workflowType].map(([feature, test, threshold, texts]) => ({ at: index.get(feature), below: test === 'below', threshold, texts })),
    })
  }
  const x = new Float64Array(maxD)
  const top = new Int32Array(5)
  const topC = new Float64Array(5)

  function predict(features) {
    const plan = plans.get(features.workflowType)
    if (plan === undefined) throw new Error(`No model found for workflow: ${features.workflowType}`)
    const { d, fields, kind, divisor, offset, equals, weight, critical } = plan
    let z = plan.bias
    let n = 0
    for (let i = 0; i < d; i++) {
      const raw = features[fields[i]]
      let v
      switch (kind[i]) {
        case 0: v = raw ? 1 : 0; break
        case 1: v = raw === equals[i] ? 1 : 0; break
        case 2: v = raw / divisor[i]; break
        case 3: v = Math.min(raw / divisor[i], 1); break
        case 4: v = (raw + offset[i]) / divisor[i]; break
        default: v = raw
      }
      x[i] = v
      const w = weight[i]
      z += w * v
      const c = Math.abs(w * v)
      if (critical[i] === 1 || c > 0.1) {
        // Insert after every kept factor with contribution >= c (stable).
        let j = n < 5 ? n : 5
        while (j > 0 && topC[j - 1] < c) j--
        if (j < 5) {
          for (let k = (n < 5 ? n : 4); k > j; k--) { top[k] = top[k - 1]; topC[k] = topC[k - 1] }
          top[j] = i
          topC[j] = c
          if (n < 5) n++
        }
      }
    }
    z = z > 100 ? 100 : z < -100 ? -100 : z
    const p = 1 / (1 + Math.exp(-z))
    const criticalFactors = new Array(n)
    for (let k = 0; k < n; k++) {
      const i = top[k]
      criticalFactors[k] = { feature: plan.features[i], value: x[i], weight: weight[i], contribution: topC[k] }
    }
    const recommendations = []
    for (const rule of plan.rules) {
      for (let k = 0; k < n; k++) {
        if (top[k] === rule.at) {
          const v = x[rule.at]
          if (rule.below ? v < rule.threshold : v > rule.threshold) for (const t of rule.texts) recommendations.push(t)
          break
        }
      }
    }
    if (p >= 0.8) recommendations.push(GENERAL_CRITICAL[0], GENERAL_CRITICAL[1])
    else if (p >= 0.6) recommendations.push(GENERAL_HIGH[0], GENERAL_HIGH[1])
    return {
      workflowType: plan.workflowType,
      failureProbability: p,
      riskLevel: p >= 0.8 ? 'critical' : p >= 0.6 ? 'high' : p >= 0.4 ? 'medium' : 'low',
      confidence: Math.abs(p - 0.5) * 2,
      criticalFactors,
      recommendations,
    }
  }

  return { predict }
}

module.exports = { createCleanPredictor }
