'use strict'
// Target: the model-file parser. A valid seed file, mutated as JSON (a
// value replaced, a key removed or added, at any depth) or as text
// (truncated, a character changed, text inserted), written into a temporary
// directory and loaded by a new predictor. Invariant: initializeSync never
// throws; the workflow is skipped with a warning naming its file, or its
// model loads with the file's bias and predicts a checked prediction for a
// complete valid input.
//
// Seeds, per workflow (see SEEDS): the old engine's logistic file, a small
// gradient-boosted-trees file, and, in one case of 21, the shipped tree file
// itself. A fuzzer wants small seeds: the shipped files are 53-152 KB (about
// 4.5 ms a case, 75 min for a million), most of it tree arrays and report
// fields the loader does not interpret, and a mutation of a large file
// mostly lands in them. The small tree file is the shipped one with its
// trees cut to the first SMALL_TREES (still a valid model of the same
// format: baseScore, featureCount and each tree's node arrays untouched) and
// its report-only fields dropped; every field the loader reads is kept.
const fc = require('fast-check')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { WorkflowPredictor } = require('../../../workflow-predictors')
const { WORKFLOWS, hostileValue } = require('../arbitraries')
const { fail, outcome, prediction } = require('../invariants')

const MODELS_DIR = path.resolve(__dirname, '..', '..', '..', 'models')
const LOGISTIC_DIR = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'ts-ml-engine', 'models')
const GOLDEN = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'ts-parity', 'golden.json')

const SMALL_TREES = 3
/** Cases between turns of the event loop (see the property). */
const YIELD_EVERY = 500
/** Fields of a model file that only report on its training: nothing the loader interprets. */
const REPORT_ONLY = ['selection', 'omittedFields', 'bayes', 'hyperparameters', 'evaluation', 'aucInterval', 'auc', 'prAuc', 'logLoss', 'brier', 'ece', 'baselineAccuracy', 'seed']

/** The shipped tree file, small: its first SMALL_TREES trees, without its report-only fields. */
function smallTrees(text) {
  const file = JSON.parse(text)
  if (file.modelType !== 'gradient-boosted-trees') throw new Error(`the shipped ${file.workflowType} model is a ${file.modelType} model, not trees: the small tree seed needs a tree file`)
  for (const k of REPORT_ONLY) delete file[k]
  file.trees = { ...file.trees, trees: file.trees.trees.slice(0, SMALL_TREES) }
  return JSON.stringify(file, null, 2)
}

/** Which seed a case mutates: logistic and small trees alike, the full shipped file rarely (it costs ~10x a case). */
const SEEDS = fc.oneof({ weight: 10, arbitrary: fc.constant('logistic') }, { weight: 10, arbitrary: fc.constant('trees') }, { weight: 1, arbitrary: fc.constant('shipped') })

function setup() {
  const seeds = { logistic: {}, trees: {}, shipped: {} }
  for (const { workflowType: w } of WORKFLOWS) {
    seeds.shipped[w] = fs.readFileSync(path.join(MODELS_DIR, `${w}-model.json`), 'utf8')
    seeds.trees[w] = smallTrees(seeds.shipped[w])
    seeds.logistic[w] = fs.readFileSync(path.join(LOGISTIC_DIR, `${w}-model.json`), 'utf8')
  }
  const samples = {}
  for (const c of JSON.parse(fs.readFileSync(GOLDEN, 'utf8')).cases) samples[c.workflowType] ??= c.input
  return { seeds, samples, dir: fs.mkdtempSync(path.join(os.tmpdir(), 'ml-engine-fuzz-models-')), n: 0, cases: 0 }
}

function teardown(ctx) {
  fs.rmSync(ctx.dir, { recursive: true, force: true })
}

const replacement = fc.oneof(
  hostileValue.filter((v) => typeof v !== 'bigint' && typeof v !== 'symbol' && typeof v !== 'function'),
  fc.constantFrom('gbdt', 'logistic-regression-l2', 'platt', 'isotonic', 'ai-memory', 'freestyle', 'ok', 'no-signal'),
  fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 5 }),
  fc.constantFrom({ method: 'platt', a: 1e308, b: -1e308 }, { method: 'platt', a: -1, b: 0 }, { method: 'isotonic', x: [0.5, 0.2], y: [0.1, 2] }, { method: 'isotonic', x: [], y: [] }),
)

const mutation = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace'), path: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), value: replacement }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove'), path: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add'), path: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), key: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('calibration', 'modelType')), value: replacement }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate'), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert'), at: fc.nat(), text: fc.string({ maxLength: 6 }) }) },
)

/** The container `path` leads to (each step a child container by index modulo its size), and the last step. */
function walk(root, steps) {
  let node = root
  for (const s of steps.slice(0, -1)) {
    const keys = Object.keys(node)
    const child = keys.length ? node[keys[s % keys.length]] : undefined
    if (child === null || typeof child !== 'object') break
    node = child
  }
  return [node, steps[steps.length - 1]]
}

/** A fresh copy of a replacement, as the file will hold it (one value may be written twice: never the same object). */
const copy = (v) => (v === undefined || typeof v === 'function' ? undefined : JSON.parse(JSON.stringify(v)))

function mutate(text, mutations) {
  let value = JSON.parse(text)
  let out = null
  for (const m of mutations) {
    if (m.op === 'truncate' || m.op === 'insert') {
      out ??= JSON.stringify(value, null, 2)
      const at = m.at % (out.length + 1)
      out = m.op === 'truncate' ? out.slice(0, at) : out.slice(0, at) + m.text + out.slice(at)
      continue
    }
    if (out !== null) continue
    const [node, last] = walk(value, m.path)
    const keys = Object.keys(node)
    if (m.op === 'add') {
      if (Array.isArray(node)) node.splice(last % (node.length + 1), 0, copy(m.value))
      else node[m.key] = copy(m.value)
    } else if (keys.length) {
      const k = keys[last % keys.length]
      if (m.op === 'remove') Array.isArray(node) ? node.splice(Number(k), 1) : delete node[k]
      else node[k] = copy(m.value)
    }
  }
  return out ?? JSON.stringify(value, null, 2)
}

function check(ctx, w, seed, mutations) {
  // Two directories in turn: the loader caches unchanged files by path and metadata, so each path is rewritten every other case.
  const dir = path.join(ctx.dir, String(ctx.n++ % 2))
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${w.workflowType}-model.json`)
  const text = mutate(ctx.seeds[seed][w.workflowType], mutations)
  fs.writeFileSync(file, text)
  const warnings = []
  const p = new WorkflowPredictor({ modelsDir: dir, fallbackModelsDir: null, logger: { warn: (...a) => warnings.push(a.join(' ')) } })
  const init = outcome(() => p.initializeSync(), 'initializeSync')
  if (init.error) fail(`initializeSync threw ${init.code}: ${init.error.message}`)
  const stats = p.getModelStats(w.workflowType)
  fs.rmSync(file)
  if (!stats) {
    if (!warnings.some((m) => m.includes(`${w.workflowType}-model.json`))) fail(`skipped without a warning naming the file: ${JSON.stringify(warnings)}`)
    return false
  }
  let parsed
  try {
    parsed = JSON.parse(text)
  } catch {
    fail('a file that is not JSON loaded')
  }
  if (stats.bias !== parsed.bias) fail(`loaded bias ${stats.bias}, the file says ${parsed.bias}`)
  const r = outcome(() => p.predictSync(ctx.samples[w.workflowType]), 'predictSync')
  if (r.error) fail(`a loaded model refused a valid input: ${r.code} ${r.error.message}`)
  prediction(r.value, w.workflowType, 'predictSync')
  return true
}

module.exports = {
  name: 'js/model-file',
  setup,
  teardown,
  property: (ctx, stats) =>
    // Asynchronous only to let the event loop turn every YIELD_EVERY cases:
    // each case loads a file no other predictor has, so its predictor holds
    // its own parsed models (~65 KB for a small seed, ~1 MB for a shipped
    // file) until the native finalizer runs, and Node runs those only when
    // the event loop turns. A 50,000-case synchronous chunk held ~5 GB. The
    // cases are the same as a synchronous property's from the same seed.
    fc.asyncProperty(fc.constantFrom(...WORKFLOWS), SEEDS, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (w, seed, mutations) => {
      stats[check(ctx, w, seed, mutations) ? 'results' : 'errors']++
      if (++ctx.cases % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve))
    }),
  smallTrees,
}
