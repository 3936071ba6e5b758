'use strict'
// Training figures: the default train() (930 scenarios, 8 workflows, full CV
// grid), then n rows of one workflow fitted by the native core, scikit-learn
// (lbfgs, when python3 + scikit-learn are available), plain-JS gradient
// descent with the old settings and ml-logistic-regression from npm, each
// scored by log-loss on the same 100k held-out rows. Also peak RSS of a
// predictor process and of the largest native fit (child processes).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const native = require('../lib/binding')
const { gradientDescent } = require('./lib/gd')
const { median, OLD_MODELS, GOLDEN } = require('./lib/util')

const WORKFLOW = 'freestyle'
const C = 1.0
const HELD_OUT = 100000
const PYTHON = process.env.BENCH_PYTHON ?? path.join(__dirname, '.venv', 'bin', 'python')

function ms(f) {
  const t = process.hrtime.bigint()
  const out = f()
  return [Number(process.hrtime.bigint() - t) / 1e6, out]
}

function logLoss(rows, d, labels, weights, bias) {
  let sum = 0
  const n = labels.length
  for (let i = 0; i < n; i++) {
    let z = bias
    for (let j = 0; j < d; j++) z += weights[j] * rows[i * d + j]
    let p = 1 / (1 + Math.exp(-z))
    p = Math.min(Math.max(p, 1e-15), 1 - 1e-15)
    sum -= labels[i] ? Math.log(p) : Math.log(1 - p)
  }
  return sum / n
}

function hasSklearn() {
  try {
    execFileSync(PYTHON, ['-c', 'import sklearn, numpy'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function sklearnFit(m, runs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dawg-bench-'))
  try {
    const rowsPath = path.join(dir, 'rows.f64')
    const labelsPath = path.join(dir, 'labels.u8')
    fs.writeFileSync(rowsPath, Buffer.from(m.rows.buffer, m.rows.byteOffset, m.rows.byteLength))
    fs.writeFileSync(labelsPath, Buffer.from(m.labels.buffer, m.labels.byteOffset, m.labels.byteLength))
    const out = execFileSync(PYTHON, [path.join(__dirname, 'sklearn_fit.py'), rowsPath, labelsPath, String(m.d), String(C), String(runs)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    })
    return JSON.parse(out)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function mlLogisticRegression(m) {
  const LogisticRegression = require('ml-logistic-regression')
  const { Matrix } = require('ml-matrix')
  const n = m.labels.length
  const d = m.d
  // An intercept column (the package fits none), and the learning rate over
  // n because the package sums the gradient over rows: the old settings.
  const X = new Matrix(n, d + 1)
  for (let i = 0; i < n; i++) {
    X.set(i, 0, 1)
    for (let j = 0; j < d; j++) X.set(i, j + 1, m.rows[i * d + j])
  }
  const Y = Matrix.columnVector(Array.from(m.labels))
  const model = new LogisticRegression({ numSteps: 500, learningRate: 0.1 / n })
  const [t] = ms(() => model.train(X, Y))
  // classifiers[0] separates class 0 (label 0) from the rest: P(failed).
  const w = model.classifiers[0].weights.to1DArray()
  return { ms: t, weights: Float64Array.from(w.slice(1)), bias: w[0] }
}

/** Fit n rows with each method; returns time (median of runs) and held-out log-loss. */
function scalePoint(n, heldOut, { js, mlLr, sklearn, runs }) {
  const [genMs, m] = ms(() => native.benchGenerateMatrix(WORKFLOW, n, 1))
  const d = m.d
  const point = { n, d, matrixMB: (m.rows.byteLength / 2 ** 20), generateMs: genMs, methods: {} }
  const record = (name, times, weights, bias, extra = {}) => {
    point.methods[name] = { ms: median(times), runs: times.length, logLoss: logLoss(heldOut.rows, d, heldOut.labels, weights, bias), ...extra }
  }
  const nativeTimes = []
  let fit
  for (let r = 0; r < runs; r++) {
    const [t, f] = ms(() => native.benchFit(m.rows, d, m.labels, C))
    nativeTimes.push(t)
    fit = f
  }
  record('native (Newton, C=1)', nativeTimes, fit.weights, fit.bias, { iterations: fit.iterations, converged: fit.converged })
  if (sklearn) {
    const s = sklearnFit(m, runs)
    record('scikit-learn lbfgs (C=1)', s.times_ms, s.weights, s.bias, { iterations: s.iterations, versions: { sklearn: s.sklearn, numpy: s.numpy, python: s.python } })
  }
  if (js) {
    const jsRuns = n >= 1e6 ? 1 : n >= 1e5 ? 1 : 3
    const times = []
    let g
    for (let r = 0; r < jsRuns; r++) {
      const [t, out] = ms(() => gradientDescent(m.rows, d, m.labels))
      times.push(t)
      g = out
    }
    record('plain-JS gradient descent (lr 0.1, 500 it.)', times, g.weights, g.bias)
  }
  if (mlLr) {
    const r = mlLogisticRegression(m)
    record('ml-logistic-regression (lr 0.1/n, 500 steps)', [r.ms], r.weights, r.bias)
  }
  return point
}

function slope(points, method) {
  const xs = [], ys = []
  for (const p of points) {
    const m = p.methods[method]
    if (m) {
      xs.push(Math.log(p.n))
      ys.push(Math.log(m.ms))
    }
  }
  if (xs.length < 2) return null
  const mx = xs.reduce((a, b) => a + b) / xs.length
  const my = ys.reduce((a, b) => a + b) / ys.length
  let num = 0, den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return num / den
}

/** Peak RSS of a child running `mode` (see the bottom of this file). */
function child(mode, arg) {
  const out = execFileSync(process.execPath, [__filename, `--child=${mode}`, String(arg ?? '')], { encoding: 'utf8', maxBuffer: 1 << 24 })
  return JSON.parse(out.trim().split('\n').pop())
}

async function run({ large = false, quick = false } = {}) {
  const results = { workflow: WORKFLOW, c: C, heldOut: HELD_OUT }
  // Default train(): 930 scenarios, 8 workflows, the full CV grid, in
  // memory (outDir: null writes nothing), through the public API.
  const { train, trainSync } = require('../train-workflow-models')
  const runs = quick ? 3 : 11
  const stats = (times) => ({ ms: median(times), runs: times.length, min: Math.min(...times), max: Math.max(...times) })
  await train({ outDir: null })
  const asyncTimes = []
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint()
    const report = await train({ outDir: null })
    asyncTimes.push(Number(process.hrtime.bigint() - t) / 1e6)
    results.defaultTrainScenarios = report.totalScenarios ?? report.scenarios ?? null
  }
  const syncTimes = []
  for (let r = 0; r < runs; r++) syncTimes.push(ms(() => trainSync({ outDir: null }))[0])
  const coreTimes = []
  for (let r = 0; r < runs; r++) coreTimes.push(ms(() => native.benchTrainDefault())[0])
  results.defaultTrain = stats(asyncTimes)
  results.defaultTrainSync = stats(syncTimes)
  results.defaultTrainCore = stats(coreTimes)

  const heldOut = native.benchGenerateMatrix(WORKFLOW, HELD_OUT, 777)
  const sklearn = hasSklearn()
  results.sklearnAvailable = sklearn
  const sizes = quick ? [10000] : large ? [10000, 100000, 1000000] : [10000, 100000]
  results.points = []
  for (const n of sizes) {
    process.stderr.write(`  training n=${n}\n`)
    // ml-logistic-regression takes ~5 s at 10k rows here (it allocates matrices
    // every step), so 100k rows only with --large, and never 1M.
    results.points.push(scalePoint(n, heldOut, { js: true, mlLr: n <= (large ? 100000 : 10000), sklearn, runs: n >= 1e6 ? 3 : 5 }))
  }
  results.slopes = {}
  for (const name of Object.keys(results.points[0].methods)) results.slopes[name] = slope(results.points, name)

  results.predictorRss = child('predictor')
  if (large) results.fitRss = child('fit', 1000000)
  return results
}

module.exports = { run }

const childArg = process.argv.find((a) => a.startsWith('--child='))
if (childArg) {
  const mode = childArg.slice('--child='.length)
  if (mode === 'predictor') {
    const { WorkflowPredictor } = require('../workflow-predictors')
    const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8'))
    const inputs = golden.cases.map((c) => c.input)
    const p = new WorkflowPredictor({ modelsDir: OLD_MODELS })
    p.initializeSync()
    const before = process.memoryUsage().rss
    let s = 0
    for (let i = 0; i < 200000; i++) s += p.predictSync(inputs[i % inputs.length]).failureProbability
    const batch = Array.from({ length: 10000 }, (_, i) => inputs[i % inputs.length])
    for (let r = 0; r < 10; r++) s += p.predictBatchSync(batch).length
    console.log(JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024, rssAfterInitMB: before / 2 ** 20, calls: 200000, batches: 10, checksum: s > 0 }))
  } else if (mode === 'fit') {
    const n = Number(process.argv[process.argv.indexOf(childArg) + 1])
    const m = native.benchGenerateMatrix(WORKFLOW, n, 1)
    const rssBeforeFit = process.memoryUsage().rss / 2 ** 20
    const maxBeforeFit = process.resourceUsage().maxRSS / 1024
    // Generating the matrix peaks higher than the fit (the Vec and the
    // ArrayBuffer coexist for a moment), so maxRSS alone cannot show the fit's
    // peak: reset the kernel's high-water mark (VmHWM) just before the fit.
    const hwm = () => {
      try {
        const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))
        return line ? Number(line.split(/\s+/)[1]) / 1024 : null
      } catch {
        return null
      }
    }
    let hwmReset = false
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5')
      hwmReset = hwm() !== null && hwm() < maxBeforeFit
    } catch {}
    const [t, f] = ms(() => native.benchFit(m.rows, m.d, m.labels, C))
    const fitPeak = hwmReset ? hwm() : null
    console.log(JSON.stringify({
      n,
      matrixMB: m.rows.byteLength / 2 ** 20,
      rssBeforeFitMB: rssBeforeFit,
      maxRssBeforeFitMB: maxBeforeFit,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      fitPeakRssMB: fitPeak,
      fitMs: t,
      iterations: f.iterations,
    }))
  }
} else if (require.main === module) {
  run({ large: process.argv.includes('--large'), quick: process.argv.includes('--quick') }).then((r) => console.log(JSON.stringify(r, null, 2)))
}
