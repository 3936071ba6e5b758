#!/usr/bin/env node
'use strict'
// `npm run soak`: issue 12's soak. In one process, for --minutes (default
// 10), at the same time:
//   churn   worker threads that load the addon and predict / score columns /
//           train, terminated at random moments (often mid-call);
//   sync    long synchronous loops on the main thread (predictSync, columnar
//           predictProbabilities, featuresToVector, new WorkflowPredictor()
//           + initializeSync()) that do not let the event loop turn;
//   train   concurrent train() runs into temporary directories, some aborted;
//   store   predictions logged to an outcome store and their outcomes recorded.
// RSS and the V8 heap are sampled throughout; the run is judged by the growth
// of the mean RSS from the first quarter to the last (target: at most 10 %).
// Options:
//   --minutes N          duration (default 10)
//   --sample-seconds S   sampling interval (default: the run / 100, at least 1 s)
//   --warmup-seconds W   leave the first W s out of the quarters (default 30; 0: none).
//                        The run's first sample is taken before any activity
//                        has started (the addon loaded, no model parsed, no
//                        thread spawned: about 50 MB), and the activities
//                        reach their working set over their first rounds; a
//                        mean over a quarter that includes them measures the
//                        start-up, not growth. The report gives the growth
//                        without the warm-up as well.
//   --only a,b           run only these activities (churn, sync, train, store)
//   --max-growth P       the target in percent (default 10); exit code 1 above it
//   --write              write the "Soak" section of benchmark/RESULTS.md
const fs = require('node:fs')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { machine } = require('./lib/util')
const { replaceSection } = require('./lib/results-section')
const { startSampler, quarterGrowth } = require('./soak/memory-samples')
const { render } = require('./soak/report')

const ROOT = path.join(__dirname, '..')
const MODELS = path.join(ROOT, 'models')
// The shipped models are gradient-boosted trees, which score raw feature
// objects and refuse vector rows (ERR_INVALID_ARG); the vector layout of the
// columnar path is exercised with the old engine's logistic files.
const VECTOR_MODELS = path.join(ROOT, 'fixtures', 'ts-ml-engine', 'models')
const ACTIVITIES = {
  churn: require('./soak/worker-churn'),
  sync: require('./soak/sync-loops'),
  train: require('./soak/trainings'),
  store: require('./soak/store-writes'),
}

const argv = process.argv.slice(2)
const { values } = parseArgs({
  args: argv,
  options: {
    minutes: { type: 'string', default: '10' },
    'sample-seconds': { type: 'string' },
    'warmup-seconds': { type: 'string', default: '30' },
    only: { type: 'string' },
    'max-growth': { type: 'string', default: '10' },
    write: { type: 'boolean', default: false },
  },
})
const minutes = Number(values.minutes)
const warmupSeconds = Number(values['warmup-seconds'])
const limit = Number(values['max-growth'])
const sampleMs = Math.round(1000 * (values['sample-seconds'] ? Number(values['sample-seconds']) : Math.max(1, (minutes * 60) / 100)))
const activities = values.only ? values.only.split(',') : Object.keys(ACTIVITIES)
for (const [name, x] of [['--minutes', minutes], ['--sample-seconds', sampleMs], ['--max-growth', limit]]) {
  if (!(x > 0)) throw new Error(`${name} must be a positive number`)
}
if (!(warmupSeconds >= 0 && warmupSeconds < minutes * 60)) throw new Error('--warmup-seconds must be at least 0 and shorter than the run')
for (const a of activities) if (!ACTIVITIES[a]) throw new Error(`unknown activity ${a} (one of ${Object.keys(ACTIVITIES).join(', ')})`)

const command = process.env.npm_lifecycle_event === 'soak' ? `npm run soak${argv.length ? ' -- ' + argv.join(' ') : ''}` : `node benchmark/soak.js${argv.length ? ' ' + argv.join(' ') : ''}`
const inputs = JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures', 'ts-parity', 'golden.json'), 'utf8')).cases.map((c) => c.input)

/** Allocator settings in the environment, which change what RSS measures: the report names them. */
function allocatorEnv() {
  return Object.entries(process.env)
    .filter(([k]) => /^(MALLOC_|GLIBC_TUNABLES$|LD_PRELOAD$)/.test(k))
    .map(([k, v]) => `${k}=${v}`)
}

async function main() {
  const info = machine()
  const startedAt = Date.now()
  const durationMs = minutes * 60 * 1000
  const counters = {}
  let stop = false
  const stopped = () => stop

  const live = ['t (s)', 'RSS MB', 'heap MB', 'ext MB', 'workers', 'sync calls', 'trainings', 'aborted', 'outcomes']
  process.stdout.write(`${command}: ${activities.join(', ')} for ${minutes} min, a sample every ${sampleMs / 1000} s\n`)
  process.stdout.write(live.map((h) => h.padStart(10)).join(' ') + '\n')
  const sampler = startSampler({
    startedAt,
    intervalMs: sampleMs,
    extra: () => ({ ...counters }),
    onSample: (s) => {
      const sync = (s.predictSync ?? 0) + (s.columnar ?? 0) + (s.featuresToVector ?? 0) + (s.predictors ?? 0)
      const cells = [s.t.toFixed(0), s.rss.toFixed(1), s.heapUsed.toFixed(1), s.external.toFixed(1), s.workers ?? '', sync, s.trainings ?? '', s.trainingsAborted ?? '', s.outcomes ?? '']
      process.stdout.write(cells.map((c) => String(c).padStart(10)).join(' ') + '\n')
    },
  })

  const context = { root: ROOT, modelsDir: MODELS, vectorModelsDir: VECTOR_MODELS, inputs, stopped, counters }
  const running = activities.map((name) =>
    Promise.resolve()
      .then(() => ACTIVITIES[name].start(context))
      .then(
        () => null,
        (error) => `${name} stopped with ${error.code ?? ''} ${error.stack}`,
      ),
  )
  await new Promise((resolve) => setTimeout(resolve, durationMs))
  const samples = sampler.stop()
  stop = true
  const failures = (await Promise.all(running)).filter(Boolean)

  const to = samples[samples.length - 1].t
  const growth = quarterGrowth(samples, { from: warmupSeconds, to })
  const heapGrowth = quarterGrowth(samples, { from: warmupSeconds, to, key: 'heapUsed' })
  const growthWithoutWarmup = warmupSeconds > 0 ? quarterGrowth(samples, { from: 0, to }) : null
  const errors = [...failures]
  for (const [key, last] of [['workerErrors', 'lastWorkerError'], ['trainingErrors', 'lastTrainingError'], ['storeErrors', 'lastStoreError']]) {
    if (counters[key]) errors.push(`${counters[key]} × ${key} (last: ${counters[last]})`)
  }
  const md = render({ command, info, startedAt, settings: { minutes, sampleMs, warmupSeconds, activities, env: allocatorEnv() }, samples, growth, growthWithoutWarmup, heapGrowth, limit, errors })
  process.stdout.write('\n' + md)
  if (values.write) {
    const file = path.join(__dirname, 'RESULTS.md')
    fs.writeFileSync(file, replaceSection(fs.readFileSync(file, 'utf8'), 'Soak', md))
    process.stdout.write(`\nwritten to ${path.relative(process.cwd(), file)}\n`)
  }
  process.exitCode = growth.growthPercent <= limit && !errors.length ? 0 : 1
}

main().catch((error) => {
  console.error(error)
  process.exit(2)
})
