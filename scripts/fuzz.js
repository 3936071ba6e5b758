#!/usr/bin/env node
'use strict'
// npm run fuzz: every fuzz target for a long run. The fast-check targets
// (__test__/fuzz/targets) each in their own child process, two at a time,
// and the proptest suites of the engine crate (crates/engine/tests/fuzz_*.rs)
// through cargo with PROPTEST_CASES and PROPTEST_RNG_SEED. Prints, per
// target, the cases run, the findings and the seed; exits 1 on a finding.
//
//   npm run fuzz                          1,000,000 cases per target
//   npm run fuzz -- --runs 20000          fewer (or FUZZ_RUNS=20000)
//   npm run fuzz -- --seed 42             a given seed (or FUZZ_SEED)
//   npm run fuzz -- --only js/model-file  one target (a name or a prefix: js, rust)
//   npm run fuzz -- --jobs 1              children at a time (default 2)
//   npm run fuzz -- --quiet               no progress lines (stderr) from the JS targets
//
// Hang detection: a child that prints nothing for SILENCE_MS (120 s;
// FUZZ_SILENCE_MS overrides it, for the harness's own tests) is killed and
// reported as a hang. A fast-check child prints a heartbeat at least every
// HEARTBEAT_MS (10 s) of running cases, from inside fc.check, so a slow
// synchronous target (a 50,000-case chunk of js/model-file took minutes) is
// not mistaken for a hang, while one case that never returns still is.
// Async cases also have fast-check's own per-case timeout (10 s).
//
// A finding prints the shrunk input, its seed and, for fast-check, its path:
// rerun with the same --seed and --runs (and --only) to reproduce it.
const { spawn } = require('node:child_process')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..')
/** The fast-check target modules (__test__/fuzz/targets) and the names they report, which --only selects by (without loading them). */
const TARGETS = { features: 'js/feature-parser', columnar: 'js/columnar', 'model-files': 'js/model-file', 'training-data': 'js/training-data' }
const RUST = ['fuzz_feature_parser', 'fuzz_model_file', 'fuzz_training_data', 'fuzz_columnar']
/** A target whose child prints nothing for this long is a hang: a finding. */
const SILENCE_MS = Number(process.env.FUZZ_SILENCE_MS) || 120000
/** The longest a fast-check child runs cases without printing (well inside SILENCE_MS). */
const HEARTBEAT_MS = Math.min(10000, Math.floor(SILENCE_MS / 4))
/** Cases per fc.check: each chunk is a fresh check from seed + its index (as in the earlier runs, so a seed gives the same cases). */
const CHUNK = 50000

function options(argv) {
  const arg = (name) => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const runs = Number(arg('runs') ?? process.env.FUZZ_RUNS ?? 1000000)
  const seed = Number(arg('seed') ?? process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
  const jobs = Number(arg('jobs') ?? 2)
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || seed < 0 || !Number.isInteger(jobs) || jobs < 1) {
    throw new Error('--runs, --seed and --jobs take non-negative integers')
  }
  return { runs, seed, jobs, only: arg('only') ?? null, child: arg('child') ?? null, quiet: argv.includes('--quiet') }
}

/** In a child: run one fast-check target and print its report as one JSON line. */
async function child(name, { runs, seed }) {
  const { runTarget } = require('../__test__/fuzz/run-target')
  // A name is one of __test__/fuzz/targets; an absolute path is any target module (the harness's tests use their own).
  const target = require(path.isAbsolute(name) ? name : `../__test__/fuzz/targets/${name}`)
  const chunk = CHUNK
  const total = { target: target.name, cases: 0, findings: 0, results: 0, errors: 0, ms: 0, seed, chunks: [] }
  for (let done = 0, i = 0; done < runs; i++) {
    const n = Math.min(chunk, runs - done)
    const beat = (executions) => process.stderr.write(`  ${target.name}: ${total.cases} cases, chunk ${i} running (${executions} executions)\n`)
    const r = await runTarget(target, { numRuns: n, seed: seed + i, timeoutMs: 10000, heartbeatMs: HEARTBEAT_MS, onHeartbeat: beat })
    total.cases += r.cases
    total.results += r.results
    total.errors += r.errors
    total.ms += r.ms
    done += n
    process.stderr.write(`  ${target.name}: ${total.cases} cases\n`)
    if (r.findings) {
      total.findings += 1
      total.finding = { seed: r.seed, path: r.path, counterexample: r.counterexample, error: r.error, numRuns: n }
      break
    }
  }
  process.stdout.write(`${JSON.stringify(total)}\n`)
}

/** Run a command; resolve to its stdout; kill it after SILENCE_MS without output. `forward`: copy its stderr (a JS child's progress) to ours. */
function run(command, args, env, { forward = false } = {}) {
  return new Promise((resolve) => {
    const p = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let hung = false
    let timer
    const alive = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        hung = true
        p.kill('SIGKILL')
      }, SILENCE_MS)
    }
    alive()
    p.stdout.on('data', (d) => {
      out += d
      alive()
    })
    p.stderr.on('data', (d) => {
      // Only the tail is reported; a long run's heartbeats need not pile up.
      err = (err + d).slice(-65536)
      if (forward) process.stderr.write(d)
      alive()
    })
    p.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out, err, hung })
    })
  })
}

async function jsTarget(name, o) {
  const started = Date.now()
  const r = await run(process.execPath, [__filename, '--child', name, '--runs', String(o.runs), '--seed', String(o.seed)], {}, { forward: !o.quiet })
  const line = r.out.trim().split('\n').pop()
  let report
  try {
    report = JSON.parse(line)
  } catch {
    const last = r.err.trim().split('\n').pop() ?? ''
    report = {
      target: TARGETS[name] ?? `js/${path.basename(name, '.js')}`,
      cases: 0,
      findings: 1,
      finding: { error: r.hung ? `no output for ${SILENCE_MS} ms: a hang (last progress: ${last.trim()})` : r.err.slice(-2000) },
    }
  }
  return { ...report, wallMs: Date.now() - started }
}

async function rustTargets(o) {
  const started = Date.now()
  const args = ['test', '-p', 'dawg-ml-engine', '--quiet', ...RUST.flatMap((t) => ['--test', t]), '--', '--nocapture', '--test-threads', String(o.jobs)]
  const r = await run('cargo', args, { PROPTEST_CASES: String(o.runs), PROPTEST_RNG_SEED: String(o.seed) })
  const reports = []
  for (const m of r.out.matchAll(/fuzz (\S+): (\d+) cases, (\d+) findings, seed (\S+), (\d+) results, (\d+) errors$/gm)) {
    reports.push({ target: m[1], cases: Number(m[2]), findings: Number(m[3]), seed: m[4], results: Number(m[5]), errors: Number(m[6]) })
  }
  for (const m of r.out.matchAll(/fuzz (\S+): (\d+) cases, (\d+) findings, seed (\S+)$/gm)) {
    reports.push({ target: m[1], cases: Number(m[2]), findings: Number(m[3]), seed: m[4], finding: { error: (r.out + r.err).slice(-3000) } })
  }
  if (r.code !== 0 && !reports.some((x) => x.findings)) {
    reports.push({ target: 'rust', cases: 0, findings: 1, finding: { error: r.hung ? 'a hang' : (r.out + r.err).slice(-3000) } })
  }
  const wallMs = Date.now() - started
  return reports.map((x) => ({ ...x, wallMs }))
}

async function pool(tasks, jobs) {
  const results = []
  let next = 0
  const worker = async () => {
    while (next < tasks.length) results.push(...[].concat(await tasks[next++]()))
  }
  await Promise.all(Array.from({ length: jobs }, worker))
  return results
}

async function main() {
  const o = options(process.argv.slice(2))
  if (o.child) return child(o.child, o)
  const wanted = (name) => o.only === null || name === o.only || name.startsWith(`${o.only}/`) || o.only === name.split('/')[0]
  // Only the selected children run (--only js/model-file used to run all four JS targets and show one).
  console.log(`fuzz: ${o.runs} cases per target, seed ${o.seed}, ${o.jobs} jobs`)
  const started = Date.now()
  const tasks = Object.keys(TARGETS)
    .filter((t) => wanted(TARGETS[t]))
    .map((t) => () => jsTarget(t, o))
  if (!tasks.length && !(o.only === 'rust' || o.only.startsWith('rust/'))) throw new Error(`--only ${o.only} selects no target (${[...Object.values(TARGETS), 'rust'].join(', ')})`)
  // The cargo suites go first: they run o.jobs targets at once themselves.
  const rust = o.only === null || o.only === 'rust' || o.only.startsWith('rust/') ? await rustTargets(o) : []
  const js = await pool(tasks, o.jobs)
  const reports = [...rust, ...js].filter((r) => wanted(r.target) || r.findings)
  console.log('\n| target | cases | results | coded errors | findings | wall time |')
  console.log('|---|---:|---:|---:|---:|---:|')
  for (const r of reports) {
    console.log(`| ${r.target} | ${r.cases} | ${r.results ?? ''} | ${r.errors ?? ''} | ${r.findings} | ${(r.wallMs / 1000).toFixed(0)} s${r.target.startsWith('rust/') ? ' (all Rust)' : ''} |`)
  }
  console.log(`\ntotal wall time ${((Date.now() - started) / 1000).toFixed(0)} s, seed ${o.seed}`)
  const findings = reports.filter((r) => r.findings)
  for (const r of findings) {
    console.log(`\nFINDING in ${r.target}:`)
    console.log(JSON.stringify(r.finding, null, 2))
  }
  if (findings.length) process.exitCode = 1
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e)
    process.exitCode = 2
  })
}

module.exports = { jsTarget, TARGETS, SILENCE_MS, HEARTBEAT_MS }
