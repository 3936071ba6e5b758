#!/usr/bin/env node
'use strict'
// Risk-driven test ordering and selection on a simulated project history,
// against Jest's default order (its real @jest/test-sequencer, with its
// duration/failure cache), in the same run.
//
//   node benchmark/test-selection.js [--seeds 1-5] [--commits 600] [--warmup 100]
//
// Writes benchmark/results-test-selection.json and the "Test ordering and
// selection" section of benchmark/RESULTS.md (npm run bench re-renders that
// section from the JSON). Not part of npm test.
//
// The simulated world (all seeded):
// - the schema's workflows, each with 6-12 source files and 3-8 test files,
//   3 shared file groups used by 2-3 workflows each, 3 acyclic workflow
//   dependencies, 8 utility tests that belong to no workflow, 20 library
//   files and 5 config files the graph does not map; each library file is
//   secretly coupled to 1-4 random tests;
// - a workflow's risk is its shipped model's predicted probability for a
//   typical run (what the sequencer uses); a test of a workflow whose code a
//   commit touches fails with probability min(0.9, 3 · risk · s), s ~ U(0.5,
//   1.5) per test; half that through a dependency; 0.25 when the test file
//   itself changes; 0.4 when a coupled library file changes; 0.001 always;
// - 12 % of tests are flaky: with probability U(0.05, 0.25) per run their
//   first attempt fails and the retry passes (recorded "flaky", not a
//   failure, and not a fault to find);
// - each commit touches 1-3 change units: a workflow's sources (60 %), a
//   shared file (15 %), a library or config file (20 %), a test file (5 %).
// Every commit's full run is recorded in the history as the reporter would
// (order, ranks, outcomes), and Jest's cache is updated with the same
// results; the subset is evaluated as a what-if on each commit.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { WORKFLOW_TYPES } = require('../workflow-features')
const { readKnowledgeGraph } = require('../lib/knowledge-graph')
const { currentRisk } = require('../lib/workflow-risk')
const { scoreTests, orderTests, selectSubset } = require('../lib/jest/risk-model')
const { affectedWorkflowTypes, describeTestFiles } = require('../lib/jest/context')
const { machine, median } = require('./lib/util')

const ROOT = '/sim'
const RESULTS_JSON = path.join(__dirname, 'results-test-selection.json')
const RESULTS_MD = path.join(__dirname, 'RESULTS.md')
const START = '<!-- test-selection:start -->'
const END = '<!-- test-selection:end -->'
const TARGETS = [0.9, 0.95]
const MODEL_OPTIONS = { halfLife: 30, flipWeight: 0.5, minRuns: 5 }
const HISTORY_RUNS = 200

function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function world(seed, risk) {
  const rand = mulberry32(seed)
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1))
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  const sample = (xs, k) => [...xs].sort(() => rand() - 0.5).slice(0, k)

  const workflows = WORKFLOW_TYPES.map((w) => ({
    type: w,
    sources: Array.from({ length: int(6, 12) }, (_, k) => `src/${w}/module${k}.ts`),
    tests: Array.from({ length: int(3, 8) }, (_, k) => `tests/${w}/case${k}.test.ts`),
    shared: [],
    dependsOn: [],
  }))
  const shared = ['audio-core', 'db', 'api-client'].map((name) => {
    const group = { name, files: Array.from({ length: 4 }, (_, k) => `src/shared/${name}/part${k}.ts`) }
    for (const w of sample(workflows, int(2, 3))) w.shared.push(name)
    return group
  })
  for (let e = 0; e < 3; e++) {
    const i = int(1, workflows.length - 1)
    const j = int(0, i - 1)
    if (!workflows[i].dependsOn.includes(workflows[j].type)) workflows[i].dependsOn.push(workflows[j].type)
  }
  const tests = []
  for (const w of workflows) for (const file of w.tests) tests.push({ file, workflow: w.type })
  for (let k = 0; k < 8; k++) tests.push({ file: `tests/util/helper${k}.test.ts`, workflow: null })
  for (const t of tests) {
    t.sensitivity = 0.5 + rand()
    t.durationMs = Math.round(300 * Math.exp(rand() * 2.5))
    t.size = Math.round(t.durationMs * (0.5 + rand()))
    t.flaky = rand() < 0.12 ? 0.05 + 0.2 * rand() : 0
  }
  const library = Array.from({ length: 20 }, (_, k) => ({ file: `src/lib/util${k}.ts`, coupled: sample(tests, int(1, 4)).map((t) => t.file) }))
  const config = Array.from({ length: 5 }, (_, k) => ({ file: `config/setting${k}.json`, coupled: [] }))
  const graph = {
    version: 2,
    shared: Object.fromEntries(shared.map((g) => [g.name, { files: [`src/shared/${g.name}/**`] }])),
    workflows: Object.fromEntries(
      workflows.map((w) => [w.type, { sources: [`src/${w.type}/**`], tests: [`tests/${w.type}/**/*.test.ts`], sharedFiles: w.shared, dependsOn: w.dependsOn }]),
    ),
  }

  function commit() {
    const touched = new Set()
    for (let u = int(1, 3); u > 0; u--) {
      const x = rand()
      if (x < 0.6) {
        const w = pick(workflows)
        for (const f of sample(w.sources, int(1, 3))) touched.add(f)
      } else if (x < 0.75) touched.add(pick(pick(shared).files))
      else if (x < 0.95) touched.add(pick(rand() < 0.8 ? library : config).file)
      else touched.add(pick(tests).file)
    }
    return [...touched]
  }

  /** Outcome of every test for a commit: 'failed' | 'flaky' | 'passed'. */
  function outcomes(changed) {
    const changedSet = new Set(changed)
    const direct = new Set()
    for (const w of workflows) {
      if (changed.some((f) => f.startsWith(`src/${w.type}/`)) || w.shared.some((g) => changed.some((f) => f.startsWith(`src/shared/${g}/`)))) direct.add(w.type)
    }
    const viaDependency = new Set()
    let grew = true
    while (grew) {
      grew = false
      for (const w of workflows) {
        if (direct.has(w.type) || viaDependency.has(w.type)) continue
        if (w.dependsOn.some((d) => direct.has(d) || viaDependency.has(d))) {
          viaDependency.add(w.type)
          grew = true
        }
      }
    }
    const coupled = new Set(library.filter((l) => changedSet.has(l.file)).flatMap((l) => l.coupled))
    const out = new Map()
    for (const t of tests) {
      const q = t.workflow ? Math.min(0.9, 3 * risk[t.workflow] * t.sensitivity) : 0
      let pass = 1 - 0.001
      if (t.workflow && direct.has(t.workflow)) pass *= 1 - q
      else if (t.workflow && viaDependency.has(t.workflow)) pass *= 1 - q / 2
      if (changedSet.has(t.file)) pass *= 1 - 0.25
      if (coupled.has(t.file)) pass *= 1 - 0.4
      const failed = rand() >= pass
      out.set(t.file, failed ? 'failed' : t.flaky && rand() < t.flaky ? 'flaky' : 'passed')
    }
    return out
  }

  return { tests, graph, commit, outcomes, rand }
}

/** Jest's own default sequencer, with its cache in a temporary file. */
function jestDefault(tests) {
  const Base = require('@jest/test-sequencer').default
  const cacheFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jest-seq-')), 'perf-cache')
  class Sequencer extends Base {
    _getCachePath() {
      return cacheFile
    }
  }
  const sizes = new Map(tests.map((t) => [path.join(ROOT, t.file), t.size]))
  const context = { config: { cache: true, rootDir: ROOT, id: 'sim' }, hasteFS: { getSize: (p) => sizes.get(p) } }
  const sequencer = new Sequencer({ contexts: new Set([context]), globalConfig: {} })
  return {
    order: () => sequencer.sort(tests.map((t) => ({ path: path.join(ROOT, t.file), context }))).map((t) => path.relative(ROOT, t.path)),
    record(results) {
      const jestTests = tests.map((t) => ({ path: path.join(ROOT, t.file), context }))
      sequencer.cacheResults(jestTests, {
        testResults: tests.map((t) => ({
          testFilePath: path.join(ROOT, t.file),
          numFailingTests: results.get(t.file) === 'failed' ? 1 : 0,
          perfStats: { runtime: t.durationMs },
          skipped: false,
        })),
      })
    },
  }
}

function apfd(order, failing) {
  const n = order.length
  const m = failing.size
  let sum = 0
  order.forEach((f, i) => {
    if (failing.has(f)) sum += i + 1
  })
  return 1 - sum / (n * m) + 1 / (2 * n)
}

function simulate(seed, { commits, warmup, risk }) {
  const w = world(seed, risk)
  const graphFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sim-graph-')), 'graph.json')
  fs.writeFileSync(graphFile, JSON.stringify(w.graph))
  const graph = readKnowledgeGraph(graphFile, { root: ROOT })
  const absolute = w.tests.map((t) => path.join(ROOT, t.file))
  const jest = jestDefault(w.tests)
  const runs = []
  const rand = mulberry32(seed * 7919 + 1)
  const acc = {
    apfd: { jest: [], risk: [], riskNoHistory: [], historyOnly: [], random: [], optimal: [] },
    subsets: Object.fromEntries(TARGETS.map((c) => [c, { failures: 0, caught: 0, commitsAllCaught: 0, commitsWithFailures: 0, testShare: [], timeShare: [], estimated: [] }])),
    failingCommits: 0,
    evaluated: 0,
    failures: 0,
    flakyOutcomes: 0,
  }
  const totalTime = w.tests.reduce((a, t) => a + t.durationMs, 0)
  const durations = new Map(w.tests.map((t) => [t.file, t.durationMs]))

  for (let c = 0; c < commits; c++) {
    const changed = w.commit()
    const results = w.outcomes(changed)
    const analysis = graph.analyzeChanges(changed)
    const affected = affectedWorkflowTypes(analysis)
    const changedSet = new Set(changed.map((f) => path.join(ROOT, f)))
    const described = describeTestFiles(graph, ROOT, absolute, changedSet, affected)
    const window = runs.slice(-HISTORY_RUNS)
    const ordered = orderTests(scoreTests(described, window, risk, { ...MODEL_OPTIONS, changedFiles: changed }))
    const jestOrder = jest.order()

    if (c >= warmup) {
      acc.evaluated++
      const failing = new Set([...results].filter(([, s]) => s === 'failed').map(([f]) => f))
      acc.flakyOutcomes += [...results.values()].filter((s) => s === 'flaky').length
      if (failing.size) {
        acc.failingCommits++
        acc.failures += failing.size
        acc.apfd.risk.push(apfd(ordered.map((t) => t.file), failing))
        acc.apfd.jest.push(apfd(jestOrder, failing))
        acc.apfd.riskNoHistory.push(apfd(orderTests(scoreTests(described, [], risk, MODEL_OPTIONS)).map((t) => t.file), failing))
        const blind = described.map((d) => ({ ...d, workflows: [], kept: null }))
        acc.apfd.historyOnly.push(apfd(orderTests(scoreTests(blind, window, {}, { ...MODEL_OPTIONS, changedFiles: changed })).map((t) => t.file), failing))
        const shuffled = [...jestOrder].sort(() => rand() - 0.5)
        acc.apfd.random.push(apfd(shuffled, failing))
        acc.apfd.optimal.push(apfd([...failing, ...jestOrder.filter((f) => !failing.has(f))], failing))
      }
      for (const target of TARGETS) {
        const s = selectSubset(ordered, window, { ...MODEL_OPTIONS, confidence: target })
        const chosen = new Set(s.selected.map((t) => t.file))
        const a = acc.subsets[target]
        const caught = [...failing].filter((f) => chosen.has(f)).length
        a.failures += failing.size
        a.caught += caught
        if (failing.size) {
          a.commitsWithFailures++
          if (caught === failing.size) a.commitsAllCaught++
        }
        a.testShare.push(chosen.size / w.tests.length)
        a.timeShare.push([...chosen].reduce((x, f) => x + durations.get(f), 0) / totalTime)
        if (s.estimatedShare !== null) a.estimated.push(s.estimatedShare)
      }
    }

    // Record the full run, as the reporter would, and update Jest's cache.
    runs.push({
      runId: `c${c}`,
      changes: { files: changed },
      tests: ordered.map((t) => ({ file: t.file, status: results.get(t.file), durationMs: durations.get(t.file), workflows: t.workflows, kept: t.kept ?? (t.isNew ? 'new' : null), rank: t.rank })),
    })
    jest.record(results)
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
  return {
    seed,
    tests: w.tests.length,
    flakyTests: w.tests.filter((t) => t.flaky).length,
    evaluatedCommits: acc.evaluated,
    failingCommits: acc.failingCommits,
    failures: acc.failures,
    flakyOutcomes: acc.flakyOutcomes,
    apfd: Object.fromEntries(Object.entries(acc.apfd).map(([k, xs]) => [k, { mean: mean(xs), median: median(xs) }])),
    riskBeatsJest: acc.apfd.risk.filter((x, i) => x > acc.apfd.jest[i]).length / acc.apfd.risk.length,
    riskTiesJest: acc.apfd.risk.filter((x, i) => x === acc.apfd.jest[i]).length / acc.apfd.risk.length,
    subsets: Object.fromEntries(
      Object.entries(acc.subsets).map(([target, a]) => [
        target,
        {
          caught: a.caught / a.failures,
          commitsAllCaught: a.commitsAllCaught / a.commitsWithFailures,
          testShare: mean(a.testShare),
          timeShare: mean(a.timeShare),
          estimated: a.estimated.length ? mean(a.estimated) : null,
        },
      ]),
    ),
  }
}

function parseSeeds(text) {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text)
  if (!m) throw new Error(`--seeds expects N or N-M, received ${text}`)
  const lo = Number(m[1])
  const hi = Number(m[2] ?? m[1])
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)
}

function run(argv = process.argv.slice(2)) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(name)
    return i >= 0 ? argv[i + 1] : fallback
  }
  const seeds = parseSeeds(arg('--seeds', '1-5'))
  const commits = Number(arg('--commits', '600'))
  const warmup = Number(arg('--warmup', '100'))
  const started = new Date()
  const riskByWorkflow = currentRisk(WORKFLOW_TYPES)
  const risk = Object.fromEntries(Object.entries(riskByWorkflow).map(([w, r]) => [w, r.failureProbability]))
  const perSeed = []
  for (const seed of seeds) {
    process.stderr.write(`seed ${seed}...\n`)
    perSeed.push(simulate(seed, { commits, warmup, risk }))
  }
  const argsText = argv.length ? ` ${argv.join(' ')}` : ''
  const result = {
    date: started.toISOString(),
    command: `node benchmark/test-selection.js${argsText}`,
    seconds: (Date.now() - started) / 1000,
    machine: machine(),
    settings: { seeds, commits, warmup, historyRuns: HISTORY_RUNS, ...MODEL_OPTIONS },
    workflowRisk: risk,
    perSeed,
  }
  fs.writeFileSync(RESULTS_JSON, `${JSON.stringify(result, null, 2)}\n`)
  const section = renderSection(result)
  const md = fs.existsSync(RESULTS_MD) ? fs.readFileSync(RESULTS_MD, 'utf8') : ''
  const start = md.indexOf(START)
  const end = md.indexOf(END)
  const updated = start >= 0 && end > start ? md.slice(0, start) + section + md.slice(end + END.length) : `${md.trimEnd()}\n\n${section}\n`
  fs.writeFileSync(RESULTS_MD, updated)
  process.stdout.write(`${section}\n`)
}

const pct = (x) => `${(100 * x).toFixed(1)} %`
const f3 = (x) => x.toFixed(3)

/** The RESULTS.md section, between its markers, from a results object. */
function renderSection(r) {
  const seeds = r.perSeed
  const med = (get) => median(seeds.map(get))
  const range = (get) => {
    const xs = seeds.map(get)
    return `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`
  }
  const L = [START, '## Test ordering and selection (knowledge graph + Jest sequencer)', '']
  L.push(`Generated by \`${r.command}\` on ${r.date}, in ${r.seconds.toFixed(0)} s (${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}). Not part of \`npm test\`; \`npm run bench\` re-renders this section from \`benchmark/results-test-selection.json\`.`, '')
  L.push(
    `Method: a simulated project (the schema's ${Object.keys(r.workflowRisk).length} workflows with their source and test files, shared file groups, workflow dependencies, files the graph does not map with hidden couplings to tests, and flaky tests; see the top of \`benchmark/test-selection.js\`), ${r.settings.commits} commits per seed, the first ${r.settings.warmup} only building history, seeds ${r.settings.seeds[0]}–${r.settings.seeds[r.settings.seeds.length - 1]}. Tests of a workflow whose code a commit touches fail with probability min(0.9, 3 · risk · s), where risk is the shipped model's predicted probability for a typical run of the workflow (the same figure the sequencer uses). Every commit's full run is recorded as the reporter would; Jest's baseline is its real \`@jest/test-sequencer\` (last failures first, then longest first) with its cache fed the same results. APFD (average percentage of faults detected; each genuinely failing test file is a fault; flaky outcomes are not) is averaged over the commits with at least one failure. Subsets are what-ifs on every evaluated commit, from the same history.`,
    '',
  )
  L.push('| seed | test files | flaky | commits with failures | failures | APFD Jest default | APFD dawg-ml | ratio | dawg-ml better / tied | APFD random | APFD optimal |')
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const s of seeds) {
    L.push(`| ${s.seed} | ${s.tests} | ${s.flakyTests} | ${s.failingCommits} of ${s.evaluatedCommits} | ${s.failures} | ${f3(s.apfd.jest.mean)} | ${f3(s.apfd.risk.mean)} | ${(s.apfd.risk.mean / s.apfd.jest.mean).toFixed(2)}× | ${pct(s.riskBeatsJest)} / ${pct(s.riskTiesJest)} | ${f3(s.apfd.random.mean)} | ${f3(s.apfd.optimal.mean)} |`)
  }
  L.push('')
  L.push(`Median over seeds: APFD ${f3(med((s) => s.apfd.risk.mean))} (dawg-ml) against ${f3(med((s) => s.apfd.jest.mean))} (Jest default), ${(med((s) => s.apfd.risk.mean / s.apfd.jest.mean)).toFixed(2)}×.`, '')
  L.push('Where the gain comes from (mean APFD, median over seeds, range):', '')
  L.push('| order | APFD |', '|---|---:|')
  L.push(`| dawg-ml: graph + model risk + history | ${f3(med((s) => s.apfd.risk.mean))} (${range((s) => s.apfd.risk.mean)}) |`)
  L.push(`| graph + model risk, no history | ${f3(med((s) => s.apfd.riskNoHistory.mean))} (${range((s) => s.apfd.riskNoHistory.mean)}) |`)
  L.push(`| history only, no graph | ${f3(med((s) => s.apfd.historyOnly.mean))} (${range((s) => s.apfd.historyOnly.mean)}) |`)
  L.push(`| Jest default | ${f3(med((s) => s.apfd.jest.mean))} (${range((s) => s.apfd.jest.mean)}) |`)
  L.push(`| random | ${f3(med((s) => s.apfd.random.mean))} (${range((s) => s.apfd.random.mean)}) |`)
  L.push('')
  L.push('Subsets at a confidence target (median over seeds, range in brackets): failures caught (pooled over commits), commits whose every failure was caught, test files run and test time run (mean share of the suite), and the share of recorded failures the sequencer estimated it would catch.', '')
  L.push('| target | failures caught | commits fully caught | test files run | test time run | estimated |', '|---:|---:|---:|---:|---:|---:|')
  for (const target of Object.keys(seeds[0].subsets)) {
    const g = (k) => (s) => s.subsets[target][k]
    const cell = (k) => `${pct(med(g(k)))} (${pct(Math.min(...seeds.map(g(k))))}–${pct(Math.max(...seeds.map(g(k))))})`
    L.push(`| ${pct(Number(target))} | ${cell('caught')} | ${cell('commitsAllCaught')} | ${cell('testShare')} | ${cell('timeShare')} | ${cell('estimated')} |`)
  }
  L.push('', END)
  return L.join('\n')
}

module.exports = { renderSection, RESULTS_JSON }

if (require.main === module) run()
