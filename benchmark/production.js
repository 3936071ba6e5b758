#!/usr/bin/env node
'use strict'
// `npm run bench:production`: the production loop's costs, written to
// benchmark/RESULTS-production.md.
//   1. Outcome-recording throughput: OutcomeStore single calls and batches
//      (synchronous = full and normal) against a plain-JS JSONL appender
//      with the same durability (fsync per call, or write(2) only).
//   2. The added cost per predictSync of prediction logging (all, sampled
//      10 %, all with a shadowed challenger), against predictSync without a
//      store and a plain-JS peer that only serialises the input.
//   3. Four processes recording at once (aggregate throughput).
// Options: --quick (few iterations; figures not meaningful), --json.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { OutcomeStore } = require('../production')
const { WorkflowPredictor } = require('../workflow-predictors')
const { trainSync } = require('../train-workflow-models')
const { GOLDEN, machine, timeSideBySide, median } = require('./lib/util')

const quick = process.argv.includes('--quick')
const f = (x, digits = 2) => (x === null || x === undefined ? 'n/a' : Number(x).toFixed(digits))
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dawg-ml-bench-production-'))

/** A plain-JS outcome log: one JSON line per outcome appended to a file, optionally fsync'd. */
function jsonlAppender(file, { fsync }) {
  const fd = fs.openSync(file, 'a')
  return {
    record(predictionId, failed) {
      fs.writeSync(fd, `${JSON.stringify({ predictionId, failed, recordedAt: Date.now() })}\n`)
      if (fsync) fs.fsyncSync(fd)
    },
    recordMany(outcomes) {
      fs.writeSync(fd, outcomes.map((o) => JSON.stringify({ ...o, recordedAt: Date.now() })).join('\n') + '\n')
      if (fsync) fs.fsyncSync(fd)
    },
    close: () => fs.closeSync(fd),
  }
}

async function recording() {
  const BLOCK = 100
  const stores = {
    full: OutcomeStore.openSync(path.join(tmp, 'full.sqlite'), { synchronous: 'full', flushIntervalMs: 0 }),
    normal: OutcomeStore.openSync(path.join(tmp, 'normal.sqlite'), { synchronous: 'normal', flushIntervalMs: 0 }),
  }
  const peers = {
    fsync: jsonlAppender(path.join(tmp, 'fsync.jsonl'), { fsync: true }),
    write: jsonlAppender(path.join(tmp, 'write.jsonl'), { fsync: false }),
  }
  let serial = 0
  const ids = () => Array.from({ length: BLOCK }, () => `p${serial++}`)
  const single = (record) => () => {
    for (const id of ids()) record(id)
  }
  const tasks = {
    'OutcomeStore.recordOutcomeSync, synchronous=full (a commit and fsync per call)': single((id) => stores.full.recordOutcomeSync(id, true)),
    'plain JS: JSONL line + fsync per call': single((id) => peers.fsync.record(id, true)),
    'OutcomeStore.recordOutcomeSync, synchronous=normal (a commit per call)': single((id) => stores.normal.recordOutcomeSync(id, true)),
    'plain JS: JSONL line per call (write, no fsync)': single((id) => peers.write.record(id, true)),
    'OutcomeStore.recordOutcomesSync, batches of 100, full': () => stores.full.recordOutcomesSync(ids().map((predictionId) => ({ predictionId, failed: true }))),
    'OutcomeStore.recordOutcomesSync, batches of 100, normal': () => stores.normal.recordOutcomesSync(ids().map((predictionId) => ({ predictionId, failed: true }))),
    'plain JS: 100 JSONL lines per write + fsync': () => peers.fsync.recordMany(ids().map((predictionId) => ({ predictionId, failed: true }))),
    'await OutcomeStore.recordOutcome (async, off the JS thread), normal': async () => {
      for (const id of ids()) await stores.normal.recordOutcome(id, true)
    },
  }
  const out = await timeSideBySide(tasks, { block: BLOCK, time: quick ? 200 : 4000, iterations: quick ? 3 : 20, warmupTime: 100 })
  const rows = { full: stores.full.countsSync().outcomes, normal: stores.normal.countsSync().outcomes }
  for (const s of Object.values(stores)) s.closeSync()
  for (const p of Object.values(peers)) p.close()
  return { results: out, rows }
}

async function logging() {
  const BLOCK = 1000
  const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8'))
  const inputs = golden.cases.map((c) => c.input)
  // A registry with a current version and a challenger, so that shadow scoring has something to score.
  const modelsDir = path.join(tmp, 'models')
  trainSync({ outDir: modelsDir, registry: true, seed: 1 })
  trainSync({ outDir: modelsDir, seed: 2 })
  const { ModelRegistry } = require('../production')
  const registry = new ModelRegistry(modelsDir)
  registry.promoteSync('v1')
  registry.setChallengerSync('v2')
  const silent = { warn() {} }
  const make = (options) => {
    const p = new WorkflowPredictor({ modelsDir, fallbackModelsDir: null, logger: silent, unknownFields: 'ignore', evaluateEvery: 0, ...options })
    p.initializeSync()
    return p
  }
  const storeOf = (name) => OutcomeStore.openSync(path.join(tmp, `${name}.sqlite`), { synchronous: 'normal' })
  const plain = make({})
  const all = make({ store: storeOf('all'), shadow: false })
  const sampled = make({ store: storeOf('sampled'), logPredictions: 'sampled', sampleRate: 0.1, shadow: false })
  const shadowed = make({ store: storeOf('shadow') })
  if (shadowed.challengerVersion !== 'v2') throw new Error('the challenger did not load')
  const queue = []
  const cycle = (fn) => {
    let i = 0
    return () => {
      let s = 0
      for (let k = 0; k < BLOCK; k++) {
        s += fn(inputs[i]).failureProbability
        i = i + 1 === inputs.length ? 0 : i + 1
      }
      if (s < 0) throw new Error('unreachable')
    }
  }
  const tasks = {
    'predictSync, no store': cycle((x) => plain.predictSync(x)),
    'plain JS peer: predictSync + JSON.stringify(input) into an array': cycle((x) => {
      const p = plain.predictSync(x)
      queue.push(JSON.stringify({ id: p.predictionId, p: p.failureProbability, features: x }))
      if (queue.length > 10000) queue.length = 0
      return p
    }),
    "predictSync, logPredictions 'all'": cycle((x) => all.predictSync(x)),
    "predictSync, logPredictions 'sampled', sampleRate 0.1": cycle((x) => sampled.predictSync(x)),
    "predictSync, 'all' + challenger scored in shadow": cycle((x) => shadowed.predictSync(x)),
  }
  const out = await timeSideBySide(tasks, { block: BLOCK, time: quick ? 300 : 3000, iterations: quick ? 20 : 100 })
  const logged = {}
  for (const [name, p] of Object.entries({ all, sampled, shadowed })) {
    await p.outcomeStore.flush()
    logged[name] = p.outcomeStore.countsSync().predictions
    await p.close()
  }
  return { results: out, logged }
}

/** Four writer processes, each recording `n` outcomes one call at a time (normal). */
async function concurrent(n) {
  const file = path.join(tmp, 'concurrent.sqlite')
  OutcomeStore.openSync(file, { synchronous: 'normal' }).closeSync()
  const script = (tag) => `const { OutcomeStore } = require(${JSON.stringify(path.join(__dirname, '..', 'production.js'))});
    const s = OutcomeStore.openSync(${JSON.stringify(file)}, { synchronous: 'normal', flushIntervalMs: 0 });
    for (let i = 0; i < ${n}; i++) s.recordOutcomeSync('${tag}-' + i, true);
    s.closeSync();`
  const runs = []
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    const started = process.hrtime.bigint()
    await Promise.all(['a', 'b', 'c', 'd'].map((tag) => new Promise((resolve, reject) => spawn(process.execPath, ['-e', script(`${tag}${r}`)], { stdio: 'inherit' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)))))))
    runs.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  const s = OutcomeStore.openSync(file)
  const rows = s.countsSync().outcomes
  s.closeSync()
  return { n, runs, medianMs: median(runs), rows }
}

function render({ started, info, rec, log, conc, seconds }) {
  const L = []
  L.push('# Production loop benchmark', '')
  L.push(`Generated by \`npm run bench:production\` (benchmark/production.js) on ${started.toISOString()}, in ${f(seconds, 0)} s.${quick ? ' **Quick smoke run: figures not meaningful.**' : ''}`, '')
  L.push(`Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGB} GB, Node ${info.node}, ${info.platform}; load average at start ${info.loadavg.join(', ')}. The files live on the machine's disk (${os.tmpdir()}). The machine is shared: compare the ratios within a table, not absolute figures across runs.`, '')
  L.push('Method: tinybench, every task of a table in the same process and run after a warm-up; one iteration runs a block (100 outcomes, or 1,000 predictions cycling through the 1,200 golden inputs); the figure is the median iteration time divided by the block size, p25–p75 the quartiles of the same samples.', '')
  L.push('## Recording outcomes', '')
  const r = rec.results
  const base = r['plain JS: JSONL line + fsync per call'].perOpUs
  L.push('| task | median µs/outcome | p25–p75 µs | outcomes/s | outcomes timed | vs JSONL + fsync per call |', '|---|---:|---:|---:|---:|---:|')
  for (const [name, x] of Object.entries(r)) L.push(`| ${name} | ${f(x.perOpUs, 1)} | ${f(x.p25Us, 1)}–${f(x.p75Us, 1)} | ${Math.round(1e6 / x.perOpUs).toLocaleString('en')} | ${x.ops.toLocaleString('en')} | ${f(x.perOpUs / base, 2)}× |`)
  L.push('')
  L.push(`Rows in the stores afterwards: full ${rec.rows.full.toLocaleString('en')}, normal ${rec.rows.normal.toLocaleString('en')} (every timed and warm-up call).`, '')
  L.push('Durability of each: `full` and the JSONL + fsync peer survive a power cut; `normal` and the JSONL write-only peer survive the process being killed (kill -9), not a power cut. The store also keeps the outcome joinable to its prediction (one row per prediction, replaced when recorded again), queryable by window, and safe with several writing processes, which the JSONL file is not.', '')
  L.push('## Added cost per predict of prediction logging', '')
  const l = log.results
  const p0 = l['predictSync, no store'].perOpUs
  L.push('| task | median µs/call | p25–p75 µs | calls timed | added vs no store |', '|---|---:|---:|---:|---:|')
  for (const [name, x] of Object.entries(l)) L.push(`| ${name} | ${f(x.perOpUs, 3)} | ${f(x.p25Us, 3)}–${f(x.p75Us, 3)} | ${x.ops.toLocaleString('en')} | ${name === 'predictSync, no store' ? '' : `+${f(x.perOpUs - p0, 3)} µs (${f(x.perOpUs / p0, 2)}×)`} |`)
  L.push('')
  L.push(`Predictions logged during the run: all ${log.logged.all.toLocaleString('en')}, sampled ${log.logged.sampled.toLocaleString('en')}, shadowed ${log.logged.shadowed.toLocaleString('en')} (the last counts the challenger's rows too). A logged prediction costs its \`JSON.stringify\` of the input and one N-API call that checks and queues it; queued predictions are written in one transaction per 256 (or per second) on the libuv pool, off the JS thread. Shadow scoring adds the challenger's probability (\`probabilitiesEncoded\` on the already encoded input) and a second queued row.`, '')
  L.push('## Four processes recording at once', '')
  L.push(`Four Node processes, each ${conc.n.toLocaleString('en')} \`recordOutcomeSync\` calls (synchronous=normal, one transaction each) into one store: wall time median ${f(conc.medianMs, 0)} ms over ${conc.runs.length} runs (${conc.runs.map((x) => f(x, 0)).join(', ')} ms), including process start-up; ${Math.round((4 * conc.n) / (conc.medianMs / 1000)).toLocaleString('en')} outcomes/s in aggregate; ${conc.rows.toLocaleString('en')} rows at the end (${(4 * conc.n * conc.runs.length).toLocaleString('en')} written: none lost).`, '')
  return L.join('\n') + '\n'
}

async function main() {
  const started = new Date()
  const info = machine()
  process.stderr.write('recording...\n')
  const rec = await recording()
  process.stderr.write('logging...\n')
  const log = await logging()
  process.stderr.write('four processes...\n')
  const conc = await concurrent(quick ? 200 : 2500)
  const seconds = (Date.now() - started) / 1000
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ rec, log, conc }, null, 2)}\n`)
  const md = render({ started, info, rec, log, conc, seconds })
  if (!quick) fs.writeFileSync(path.join(__dirname, 'RESULTS-production.md'), md)
  process.stdout.write(md)
  fs.rmSync(tmp, { recursive: true, force: true })
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
