'use strict'
// Plain-JS full-batch gradient descent for logistic regression with the old
// engine's settings (learning rate 0.1, 500 iterations, mean gradient, bias,
// raw normalised features, no regularisation). Written for the benchmark.

function gradientDescent(rows, d, labels, { learningRate = 0.1, iterations = 500 } = {}) {
  const n = labels.length
  const w = new Float64Array(d)
  const grad = new Float64Array(d)
  let b = 0
  for (let it = 0; it < iterations; it++) {
    grad.fill(0)
    let gb = 0
    for (let i = 0; i < n; i++) {
      const o = i * d
      let z = b
      for (let j = 0; j < d; j++) z += w[j] * rows[o + j]
      const e = 1 / (1 + Math.exp(-z)) - labels[i]
      for (let j = 0; j < d; j++) grad[j] += e * rows[o + j]
      gb += e
    }
    for (let j = 0; j < d; j++) w[j] -= (learningRate * grad[j]) / n
    b -= (learningRate * gb) / n
  }
  return { weights: w, bias: b }
}

module.exports = { gradientDescent }
