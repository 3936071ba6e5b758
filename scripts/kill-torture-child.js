'use strict'
// The process scripts/kill-torture.js kills: records outcomes, or moves the
// registry's pointer, without end, printing one line after each call
// returns, so the parent knows exactly what was acknowledged.
//   node scripts/kill-torture-child.js record <store> <tag>
//   node scripts/kill-torture-child.js promote <modelsDir>

const { OutcomeStore, ModelRegistry } = require('../production')

const [mode, target, tag] = process.argv.slice(2)
const say = (line) => process.stdout.write(`${line}\n`)

if (mode === 'record') {
  const store = OutcomeStore.openSync(target, { flushIntervalMs: 0 })
  for (let i = 0; ; i++) {
    if (i % 3 === 2) {
      // A batch of 10 in one transaction: all acknowledged together.
      const ids = Array.from({ length: 10 }, (_, k) => `${tag}-${i}-${k}`)
      store.recordOutcomesSync(ids.map((predictionId, k) => ({ predictionId, failed: k % 2 === 0 })))
      for (const id of ids) say(id)
    } else {
      const id = `${tag}-${i}`
      store.recordOutcomeSync(id, i % 2 === 0, { failureType: 'timeout' })
      say(id)
    }
  }
} else if (mode === 'promote') {
  const fs = require('node:fs')
  const path = require('node:path')
  const registry = new ModelRegistry(target)
  const ids = registry.listSync().map((v) => v.id)
  const v1 = registry.listSync()[0].dir
  for (let i = 0; ; i++) {
    let state
    if (i % 5 === 4) {
      // A new version, killed perhaps while it is being written.
      const staging = registry.stagingDirSync()
      fs.copyFileSync(path.join(v1, 'freestyle-model.json'), path.join(staging, 'freestyle-model.json'))
      const manifest = registry.commitSync(staging, { source: 'torture' })
      state = registry.promoteSync(manifest.id, { reason: 'torture' })
    } else if (i % 5 === 3) {
      try {
        state = registry.rollbackSync({ reason: 'torture' })
      } catch (error) {
        if (error.code !== 'ERR_NO_PREVIOUS_VERSION') throw error
        continue
      }
    } else {
      state = registry.promoteSync(ids[i % ids.length], { reason: 'torture', figures: { i } })
    }
    say(`${state.revision} ${state.current}`)
  }
} else {
  process.stderr.write(`unknown mode ${mode}\n`)
  process.exit(2)
}
