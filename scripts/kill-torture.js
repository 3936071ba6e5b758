#!/usr/bin/env node
'use strict'
// kill -9 torture: starts a child that records outcomes (one call, or a
// batch of 10, at a time) or moves the models registry's pointer (promote,
// rollback, new versions) without end, kills it with SIGKILL at a random
// moment, and checks after every kill that
//   - every outcome the child was told was written is in the store;
//   - the registry's current version loads whole (8 models, no warning) and
//     its pointer is at least as new as the last move the child saw return.
//
//   node scripts/kill-torture.js [--kills N] [--seed S] [--max-delay MS] [--json]
// Half the kills hit recording, half promoting. Exit status 1 on any loss.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const KILLS = option('--kills', 30)
const MAX_DELAY = option('--max-delay', 400)
let seed = option('--seed', 1) >>> 0
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const ROOT = path.join(__dirname, '..')
const CHILD = path.join(__dirname, 'kill-torture-child.js')
const { OutcomeStore, ModelRegistry } = require(path.join(ROOT, 'production'))
const { WorkflowPredictor } = require(path.join(ROOT, 'workflow-predictors'))
const { trainSync } = require(path.join(ROOT, 'train-workflow-models'))

/** Run the child until `delay` ms after it has acknowledged its first call, then SIGKILL it. */
function runAndKill(childArgs, delay) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...childArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
    let buffer = ''
    let stderr = ''
    const lines = []
    let timer = null
    child.stdout.on('data', (chunk) => {
      buffer += chunk
      const parts = buffer.split('\n')
      buffer = parts.pop()
      lines.push(...parts)
      if (timer === null && lines.length > 0) timer = setTimeout(() => child.kill('SIGKILL'), delay)
    })
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child exited with ${code ?? signal} before the kill: ${stderr}`))
      // A line cut off by the kill was never acknowledged: only whole lines count.
      resolve(lines)
    })
  })
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dawg-ml-torture-'))
  const storeFile = path.join(dir, 'outcomes.sqlite')
  const modelsDir = path.join(dir, 'models')
  trainSync({ outDir: modelsDir, registry: true, seed: 1 })
  trainSync({ outDir: modelsDir, seed: 2 })
  const registry = new ModelRegistry(modelsDir)
  const rows = []
  let acknowledged = 0
  let lost = 0
  let unloadable = 0
  let stale = 0
  for (let k = 0; k < KILLS; k++) {
    const delay = Math.floor(random() * MAX_DELAY)
    if (k % 2 === 0) {
      const ids = await runAndKill(['record', storeFile, `k${k}`], delay)
      const store = OutcomeStore.openSync(storeFile, { flushIntervalMs: 0 })
      const found = store.outcomesSync(ids)
      const rowsNow = store.countsSync().outcomes
      store.closeSync()
      const missing = ids.filter((id) => found[id] === undefined).length
      acknowledged += ids.length
      lost += missing
      rows.push({ kill: k + 1, target: 'recordOutcome', delayMs: delay, acknowledged: ids.length, storeRows: rowsNow, missing })
    } else {
      const moves = await runAndKill(['promote', modelsDir], delay)
      const state = registry.stateSync()
      const last = moves.length ? Number(moves[moves.length - 1].split(' ')[0]) : 0
      const behind = state.revision < last
      const warnings = []
      const p = new WorkflowPredictor({ modelsDir, fallbackModelsDir: null, logger: { warn: (w) => warnings.push(w) } })
      let loaded = 0
      try {
        p.initializeSync()
        loaded = p.getAllModels().length
      } catch (error) {
        warnings.push(String(error))
      }
      const ok = loaded === 8 && warnings.length === 0 && p.modelVersion === state.current
      if (!ok) unloadable++
      if (behind) stale++
      rows.push({ kill: k + 1, target: 'promote', delayMs: delay, acknowledged: moves.length, current: state.current, revision: state.revision, lastAcknowledgedRevision: last, loads: ok })
    }
  }
  const report = { kills: KILLS, acknowledgedOutcomes: acknowledged, lostOutcomes: lost, unloadableCurrent: unloadable, pointerBehindAcknowledged: stale, versions: registry.listSync().length, rows }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  else {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`)
    process.stdout.write(`${KILLS} kills: ${acknowledged} acknowledged outcomes, ${lost} lost; current version unloadable after ${unloadable} kills; pointer behind an acknowledged move after ${stale}\n`)
  }
  fs.rmSync(dir, { recursive: true, force: true })
  process.exit(lost === 0 && unloadable === 0 && stale === 0 ? 0 : 1)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
