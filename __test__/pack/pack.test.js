// Runs inside the temporary project made by scripts/test-pack.js, where
// @dawg-ai/ml-engine and @dawg-ai/ml-engine-linux-x64-gnu were installed from
// their npm tarballs and neither cargo nor rustc is on PATH. Not part of the
// repo's own Jest run (jest.config.js ignores __test__/pack/).
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const PROJECT = __dirname
const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT, 'pack-manifest.json'), 'utf8'))
const inputs = JSON.parse(fs.readFileSync(path.join(PROJECT, 'inputs.json'), 'utf8'))
const INSTALLED = path.join(PROJECT, 'node_modules', '@dawg-ai', 'ml-engine')
const PLATFORM_PKG = `@dawg-ai/ml-engine-${manifest.platformSuffix}`
const WORKFLOWS = [
  'freestyle',
  'melody-to-vocals',
  'stem-separation',
  'ai-mastering',
  'live-vocal-analysis',
  'ai-memory',
  'voice-commands',
  'budget-alerts',
]
const RISK = ['low', 'medium', 'high', 'critical']

function expectPrediction(result, type) {
  expect(result.workflowType).toBe(type)
  expect(result.failureProbability).toBeGreaterThanOrEqual(0)
  expect(result.failureProbability).toBeLessThanOrEqual(1)
  expect(RISK).toContain(result.riskLevel)
  expect(Array.isArray(result.recommendations)).toBe(true)
}

describe('the environment', () => {
  it('has no Rust toolchain on PATH', () => {
    for (const tool of ['cargo', 'rustc']) {
      expect(spawnSync(tool, ['--version']).error?.code).toBe('ENOENT')
    }
  })

  it('resolves the package from this project, not from the repository', () => {
    expect(require.resolve('@dawg-ai/ml-engine')).toBe(path.join(INSTALLED, 'index.js'))
    expect(require.resolve('@dawg-ai/ml-engine/workflow-predictors')).toBe(path.join(INSTALLED, 'workflow-predictors.js'))
  })
})

describe('CommonJS', () => {
  const engine = require('@dawg-ai/ml-engine')
  const { WorkflowPredictor, getWorkflowPredictor, DEFAULT_MODELS_DIR } = require('@dawg-ai/ml-engine/workflow-predictors')

  it('loads the binary from the platform package, not from the main package', () => {
    expect(fs.readdirSync(INSTALLED).filter((f) => f.endsWith('.node'))).toEqual([])
    const binary = require.resolve(PLATFORM_PKG)
    expect(path.basename(binary)).toBe(`ml-engine.${manifest.platformSuffix}.node`)
    const loaded = process.report.getReport().sharedObjects
    expect(loaded).toContain(fs.realpathSync(binary))
  })

  it('exports the same predictor from the root and the subpath', () => {
    expect(engine.WorkflowPredictor).toBe(WorkflowPredictor)
    expect(engine.getWorkflowPredictor).toBe(getWorkflowPredictor)
    expect(DEFAULT_MODELS_DIR).toBe(path.join(INSTALLED, 'models'))
  })

  it('ships one model per workflow and predicts all 8 with them', async () => {
    const predictor = new WorkflowPredictor()
    await predictor.initialize()
    expect(predictor.getAllModels().map((m) => m.workflowType).sort()).toEqual([...WORKFLOWS].sort())
    expect(Object.keys(inputs).sort()).toEqual([...WORKFLOWS].sort())
    for (const type of WORKFLOWS) expectPrediction(await predictor.predict(inputs[type]), type)
    const batch = predictor.predictBatchSync(WORKFLOWS.map((t) => inputs[t]))
    expect(batch.map((r) => r.workflowType)).toEqual(WORKFLOWS)
  })

  it('getWorkflowPredictor() initialises from the shipped models', async () => {
    const predictor = await getWorkflowPredictor()
    expect(predictor.getAllModels()).toHaveLength(8)
    expectPrediction(predictor.predictSync(inputs.freestyle), 'freestyle')
  })

  it('train({ outDir }) writes models that a new predictor loads and predicts with', async () => {
    expect(typeof engine.train).toBe('function')
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-engine-pack-train-'))
    try {
      await engine.train({ outDir })
      const written = fs.readdirSync(outDir).filter((f) => f.endsWith('-model.json'))
      expect(written).toHaveLength(8)
      const predictor = new WorkflowPredictor({ modelsDir: outDir })
      await predictor.initialize()
      expect(predictor.getAllModels()).toHaveLength(8)
      for (const type of WORKFLOWS) expectPrediction(predictor.predictSync(inputs[type]), type)
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true })
    }
  })
})

describe('ESM', () => {
  it('imports the root and the subpath and predicts all 8 workflows', () => {
    const run = spawnSync(process.execPath, [path.join(PROJECT, 'esm-check.mjs')], { cwd: PROJECT, encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out.sameClassAsRoot).toBe(true)
    expect(out.defaultHasClass).toBe(true)
    expect(out.featuresToVector).toBe('function')
    expect(out.modelsDir).toBe(path.join(INSTALLED, 'models'))
    expect(out.singletonModels).toBe(8)
    expect(Object.keys(out.probabilities).sort()).toEqual([...WORKFLOWS].sort())
    // The ESM entry must reach the very same engine: identical numbers to CJS.
    const { WorkflowPredictor } = require('@dawg-ai/ml-engine/workflow-predictors')
    const cjs = new WorkflowPredictor()
    cjs.initializeSync()
    for (const type of WORKFLOWS) expect(out.probabilities[type]).toBe(cjs.predictSync(inputs[type]).failureProbability)
  })
})

describe('the tarballs', () => {
  const mainFiles = manifest.main.files.map((f) => f.path)
  const platformFiles = manifest.platform.files.map((f) => f.path)

  it('main: contains the loader, the types, both module formats and the shipped models', () => {
    for (const f of ['package.json', 'index.js', 'index.d.ts', 'native.js', 'native.d.ts', 'lib/binding.js', 'workflow-predictors.js', 'workflow-predictors.d.ts', 'workflow-features.js', 'workflow-features.d.ts', 'esm/workflow-predictors.mjs']) {
      expect(mainFiles).toContain(f)
    }
    for (const type of WORKFLOWS) expect(mainFiles).toContain(`models/${type}-model.json`)
    for (const f of ['lib/knowledge-graph.js', 'lib/knowledge-graph.d.ts', 'esm/knowledge-graph.mjs', 'lib/cli/affected.js', 'lib/jest/sequencer.js', 'lib/jest/sequencer.d.ts', 'lib/jest/reporter.js', 'lib/jest/reporter.d.ts']) {
      expect(mainFiles).toContain(f)
    }
  })

  it('main: the Jest sequencer and reporter resolve by package name, and the graph loads', () => {
    expect(require.resolve('@dawg-ai/ml-engine/jest-sequencer')).toBe(path.join(INSTALLED, 'lib', 'jest', 'sequencer.js'))
    expect(require.resolve('@dawg-ai/ml-engine/jest-reporter')).toBe(path.join(INSTALLED, 'lib', 'jest', 'reporter.js'))
    const graphDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-graph-'))
    try {
      const graphFile = path.join(graphDir, 'graph.json')
      fs.writeFileSync(graphFile, JSON.stringify({ 'ai-memory': { files: ['src/memory.ts'], tests: ['memory.test.ts'] } }))
      const { readKnowledgeGraph } = require('@dawg-ai/ml-engine')
      const graph = readKnowledgeGraph(graphFile, { root: graphDir })
      expect(graph.affectedWorkflows(['src/memory.ts']).map((a) => a.workflowType)).toEqual(['ai-memory'])
    } finally {
      fs.rmSync(graphDir, { recursive: true, force: true })
    }
  })

  it('main: no build leftovers, sources, tests or binaries', () => {
    const leftovers = mainFiles.filter((f) => /^(target|src|node_modules|__test__|tests|scripts|npm|\.tools|\.pack|\.cargo|benchmark)\/|^Cargo\.|^build\.rs$|\.node$|\.tgz$|\.log$/.test(f))
    expect(leftovers).toEqual([])
  })

  it('main: declares every platform package as an optional dependency, at its own version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(INSTALLED, 'package.json'), 'utf8'))
    expect(Object.keys(pkg.optionalDependencies).sort()).toEqual(
      ['linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc', 'win32-x64-gnu'].map((s) => `@dawg-ai/ml-engine-${s}`).sort(),
    )
    for (const v of Object.values(pkg.optionalDependencies)) expect(v).toBe(pkg.version)
    expect(pkg.devDependencies).toBeUndefined()
  })

  it('main: stays small (no binary, models are JSON)', () => {
    // The shipped gradient-boosted-tree files are 50-150 KB each (logistic
    // files were a few KB): about 220 KB packed, 1 MiB unpacked in all. A
    // binary (>= 1 MiB) or a report/benchmark slipping in would exceed this.
    expect(manifest.main.size).toBeLessThan(320 * 1024)
    expect(manifest.main.unpackedSize).toBeLessThan(1536 * 1024)
  })

  it('platform: exactly the binary, its package.json and README, with os/cpu/libc', () => {
    expect([...platformFiles].sort()).toEqual(['README.md', `ml-engine.${manifest.platformSuffix}.node`, 'package.json'])
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT, 'node_modules', PLATFORM_PKG, 'package.json'), 'utf8'))
    expect(pkg).toMatchObject({ os: ['linux'], cpu: ['x64'], libc: ['glibc'], main: `ml-engine.${manifest.platformSuffix}.node` })
    // A release binary is ~1 MiB; far more would mean debug info or a debug build.
    expect(manifest.platform.size).toBeLessThan(8 * 1024 * 1024)
    expect(manifest.platform.size).toBeGreaterThan(100 * 1024)
  })
})

// Last: it leaves trained models in the project, which later predictors pick up.
describe('training in a project that depends on the package', () => {
  const crypto = require('node:crypto')
  const TRAINED = path.join(PROJECT, '.dawg-ml', 'models')

  /** Every file under node_modules, with a hash of its bytes (symlinks by target). */
  function snapshot(dir, out = {}) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isSymbolicLink()) out[full] = `-> ${fs.readlinkSync(full)}`
      else if (entry.isDirectory()) snapshot(full, out)
      else out[full] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex')
    }
    return out
  }

  it('npx dawg-ml train writes to <project>/.dawg-ml/models and leaves node_modules byte-identical', () => {
    const before = snapshot(path.join(PROJECT, 'node_modules'))
    const run = spawnSync('npx', ['--no-install', 'dawg-ml', 'train', '--counts', 'freestyle=300', '--seed', '7'], { cwd: PROJECT, encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toContain(`Wrote 11 files to ${TRAINED}`)
    expect(fs.readdirSync(TRAINED).filter((f) => f.endsWith('-model.json'))).toHaveLength(8)
    expect(snapshot(path.join(PROJECT, 'node_modules'))).toEqual(before)
  })

  it('the next getWorkflowPredictor() uses them, and the shipped model where one is missing', () => {
    fs.rmSync(path.join(TRAINED, 'stem-separation-model.json'))
    const script = `const warnings = []; console.warn = (m) => warnings.push(m);
      require('@dawg-ai/ml-engine').getWorkflowPredictor().then((p) => {
        const out = { dir: p.modelsDir, sources: {}, warnings, versions: {} }
        for (const [t, s] of Object.entries(p.modelSources)) out.sources[t] = s.path
        for (const t of ${JSON.stringify(WORKFLOWS)}) out.versions[t] = p.predictSync(${JSON.stringify(inputs)}[t]).modelVersion
        console.log(JSON.stringify(out))
      })`
    const run = spawnSync(process.execPath, ['-e', script], { cwd: PROJECT, encoding: 'utf8' })
    expect(run.stderr).toBe('')
    const out = JSON.parse(run.stdout)
    expect(out.dir).toBe(TRAINED)
    for (const type of WORKFLOWS) {
      const expected = type === 'stem-separation' ? path.join(INSTALLED, 'models', `${type}-model.json`) : path.join(TRAINED, `${type}-model.json`)
      expect([type, out.sources[type]]).toEqual([type, expected])
      const bytes = fs.readFileSync(expected)
      expect(out.versions[type]).toBe(`sha256:${crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`)
    }
    expect(out.warnings[0]).toContain(`Using ${path.join(INSTALLED, 'models', 'stem-separation-model.json')} for the stem-separation model`)
    expect(out.warnings[1]).toContain(`stem-separation from the shipped models (${path.join(INSTALLED, 'models')})`)
    // Then one warning per predicted workflow whose trained model is not `ok`
    // (the workflows --counts leaves at the old small defaults may be inconclusive).
    const summary = JSON.parse(fs.readFileSync(path.join(TRAINED, 'training-summary.json'), 'utf8'))
    const notOk = summary.models.filter((m) => m.verdict !== 'ok' && m.workflowType !== 'stem-separation')
    expect(out.warnings.slice(2)).toEqual(notOk.map((m) => expect.stringMatching(new RegExp(`^\\[ml-engine\\] The ${m.workflowType} model \\(sha256:[0-9a-f]{16}\\) was trained with verdict '${m.verdict}': `))))
  })
})
