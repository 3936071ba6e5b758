'use strict'
// Training into a models registry: every training writes a new immutable
// version (trained into a staging directory, reference histograms attached
// for drift, then committed whole; workflows it did not train are
// inherited from the current version) and then moves the current pointer,
// or, for a retrain from recorded outcomes, sets it as the challenger to be
// scored in shadow until the monitor promotes it.

const fs = require('node:fs')
const path = require('node:path')
const native = require('./binding')
const { awaitNative, callNative, checkOptions, engineError } = require('./errors')
const { ModelRegistry } = require('./registry')

/** Per-workflow summary figures a version's manifest records. */
function trainingFigures(summary) {
  return {
    source: summary.source,
    models: summary.models.map((m) => ({ workflowType: m.workflowType, scenarios: m.scenarios, logLoss: m.logLoss, auc: m.auc, verdict: m.verdict })),
    skipped: summary.skipped ?? [],
  }
}

/**
 * Train with `trainOptions` (those of `train()`) into a new version of
 * `registry`. `then`: 'promote' (the default: move the pointer) or
 * 'challenger' (shadow it). `dataFile`: the training data for the
 * reference histograms (default: trainOptions.data, or the generated
 * scenarios written to a temporary file).
 */
async function trainVersion(registry, trainOptions, { source = 'train', then = 'promote', dataFile, figures } = {}) {
  const { train } = require('../train-workflow-models')
  const staging = await registry.stagingDir()
  let temp = null
  try {
    const summary = await train({ ...trainOptions, outDir: staging, registry: false })
    let data = dataFile ?? trainOptions.data
    if (data === undefined) {
      // The generated scenarios the models were trained on, for their reference histograms,
      // in a staging directory of the registry's own: one a kill -9 leaves behind is swept
      // with the other orphaned staging directories, not left in the OS temp directory.
      temp = await registry.stagingDir()
      data = path.join(temp, 'scenarios.json')
      await awaitNative(native.generateTrainingData, { seed: trainOptions.seed, counts: trainOptions.counts, outputPath: data })
    }
    if (summary.models.length > 0) await registry.attachReferences(staging, data)
    const manifest = await registry.commit(staging, { source, figures: { ...trainingFigures(summary), ...figures } })
    const state =
      then === 'promote'
        ? await registry.promote(manifest.id, { reason: `${source}: ${summary.models.length} workflows trained`, figures: trainingFigures(summary) })
        : await registry.setChallenger(manifest.id, { reason: `${source}: scored in shadow until promoted`, figures: trainingFigures(summary) })
    return { ...summary, version: manifest.id, manifest, registry: state }
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw error
  } finally {
    if (temp) fs.rmSync(temp, { recursive: true, force: true })
  }
}

/** `trainVersion`, blocking (no onProgress or signal). */
function trainVersionSync(registry, trainOptions, { source = 'train', then = 'promote' } = {}) {
  const { trainSync } = require('../train-workflow-models')
  const staging = registry.stagingDirSync()
  let temp = null
  try {
    const summary = trainSync({ ...trainOptions, outDir: staging, registry: false })
    let data = trainOptions.data
    if (data === undefined) {
      temp = registry.stagingDirSync()
      data = path.join(temp, 'scenarios.json')
      callNative(native.generateTrainingDataSync, { seed: trainOptions.seed, counts: trainOptions.counts, outputPath: data })
    }
    if (summary.models.length > 0) registry.attachReferencesSync(staging, data)
    const manifest = registry.commitSync(staging, { source, figures: trainingFigures(summary) })
    const state =
      then === 'promote'
        ? registry.promoteSync(manifest.id, { reason: `${source}: ${summary.models.length} workflows trained`, figures: trainingFigures(summary) })
        : registry.setChallengerSync(manifest.id, { reason: `${source}: scored in shadow until promoted`, figures: trainingFigures(summary) })
    return { ...summary, version: manifest.id, manifest, registry: state }
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw error
  } finally {
    if (temp) fs.rmSync(temp, { recursive: true, force: true })
  }
}

const PRIORS = ['keep', 'generated']
const RETRAIN_OPTIONS = new Set(['store', 'modelsDir', 'minOutcomes', 'prior', 'seed', 'promote', 'since', 'onProgress', 'signal'])

/**
 * Train a challenger from the outcomes in `store` (an OutcomeStore) into
 * the registry at `modelsDir`. A workflow with fewer than `minOutcomes`
 * exportable outcomes keeps its current model (`prior: 'keep'`, the
 * default) or is trained on its outcomes plus generated scenarios as a
 * prior (`prior: 'generated'`). Resolves to the training summary with the
 * new `version` and `outcomes` per workflow.
 */
async function retrainFromOutcomes(options) {
  const o = checkOptions(options, RETRAIN_OPTIONS)
  if (!o.store || typeof o.store.exportJsonl !== 'function') {
    throw engineError('ERR_INVALID_ARG', "Invalid argument 'store': expected an OutcomeStore", TypeError)
  }
  if (typeof o.modelsDir !== 'string') throw engineError('ERR_INVALID_ARG', "Invalid argument 'modelsDir': expected the registry's directory", TypeError)
  const prior = o.prior ?? 'keep'
  if (!PRIORS.includes(prior)) throw engineError('ERR_INVALID_ARG', `Invalid argument 'prior': expected 'keep' or 'generated', received ${JSON.stringify(prior)}`, TypeError)
  const minOutcomes = o.minOutcomes ?? 50
  if (!Number.isInteger(minOutcomes) || minOutcomes < 1) throw engineError('ERR_INVALID_ARG', `Invalid argument 'minOutcomes': expected a whole number ≥ 1, received ${minOutcomes}`, TypeError)
  const workflowTypes = Object.keys(native.getDefaultCounts())
  const registry = new ModelRegistry(o.modelsDir)
  // The exported outcomes go in a staging directory of the registry (swept if a kill -9 leaves it).
  const temp = await registry.stagingDir()
  try {
    const outcomes = {}
    const parts = []
    for (const workflowType of workflowTypes) {
      const file = path.join(temp, `${workflowType}.jsonl`)
      const exported = await o.store.exportJsonl(file, { workflowType, since: o.since })
      outcomes[workflowType] = exported.rows
      if (exported.rows >= minOutcomes) parts.push(file)
      else if (prior === 'generated') {
        parts.push(file)
        const { generateTrainingData } = require('../generate-training-data')
        const counts = Object.fromEntries(workflowTypes.map((t) => [t, 0]))
        counts[workflowType] = native.getDefaultCounts()[workflowType]
        const scenarios = await generateTrainingData({ seed: o.seed, counts })
        const generated = path.join(temp, `${workflowType}.prior.jsonl`)
        fs.writeFileSync(generated, scenarios.map((s) => JSON.stringify({ features: s.raw, failed: s.failed })).join('\n') + '\n')
        parts.push(generated)
      }
    }
    const data = path.join(temp, 'outcomes.jsonl')
    const out = fs.createWriteStream(data)
    for (const part of parts) {
      await new Promise((resolve, reject) => {
        const input = fs.createReadStream(part)
        input.on('error', reject).on('end', resolve)
        input.pipe(out, { end: false })
      })
    }
    await new Promise((resolve, reject) => out.on('error', reject).end(resolve))
    const trainOptions = { data, dataFormat: 'outcomes', skipInvalid: true, seed: o.seed, onProgress: o.onProgress, signal: o.signal }
    for (const key of Object.keys(trainOptions)) if (trainOptions[key] === undefined) delete trainOptions[key]
    const summary = await trainVersion(registry, trainOptions, {
      source: 'retrain --from-outcomes',
      then: o.promote ? 'promote' : 'challenger',
      figures: { outcomes, minOutcomes, prior },
    })
    return { ...summary, outcomes }
  } finally {
    fs.rmSync(temp, { recursive: true, force: true })
  }
}

/** A registry to train into: `registry: true`, or an output directory that already is one. */
function registryTarget(outDir, registry) {
  if (registry === false || typeof outDir !== 'string') return null
  if (registry === true || fs.existsSync(path.join(outDir, 'current.json'))) return new ModelRegistry(outDir)
  return null
}

module.exports = { trainVersion, trainVersionSync, retrainFromOutcomes, registryTarget }
