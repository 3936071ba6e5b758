'use strict'
const os = require('node:os')
const path = require('node:path')
const { Bench } = require('tinybench')

const ROOT = path.join(__dirname, '..', '..')
const FIXTURES = path.join(ROOT, 'fixtures')
const GOLDEN = path.join(FIXTURES, 'ts-parity', 'golden.json')
const SCHEMA = path.join(FIXTURES, 'ts-parity', 'schema.json')
const OLD_MODELS = path.join(FIXTURES, 'ts-ml-engine', 'models')

function machine() {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${os.release()} ${process.arch}`,
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Time tasks side by side with tinybench. Each task function performs
 * `block` operations; the figure is the median over iterations of the
 * iteration time divided by `block` (µs per operation).
 */
async function timeSideBySide(tasks, { block, time = 1000, iterations = 50, warmupTime = 200 }) {
  const bench = new Bench({ time, iterations, warmupTime, warmupIterations: 5, retainSamples: true })
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn)
  await bench.run()
  const out = {}
  for (const task of bench.tasks) {
    const r = task.result
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state} ${r.error ?? ''}`)
    const samples = r.latency.samples ?? []
    out[task.name] = {
      medianMs: r.latency.p50,
      perOpUs: (r.latency.p50 * 1000) / block,
      iterations: r.latency.samplesCount,
      ops: r.latency.samplesCount * block,
      p25Us: samples.length ? (percentile(samples, 0.25) * 1000) / block : null,
      p75Us: samples.length ? (percentile(samples, 0.75) * 1000) / block : null,
    }
  }
  return out
}

function percentile(xs, q) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

module.exports = { ROOT, FIXTURES, GOLDEN, SCHEMA, OLD_MODELS, machine, median, timeSideBySide }
