// Where models live: training never writes into the package when it is a
// dependency; getWorkflowPredictor() picks the project's trained models up
// without a code change, and falls back to the shipped ones per workflow.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './helpers'

const ROOT = path.resolve(__dirname, '..')
const CLI = path.join(ROOT, 'bin', 'dawg-ml.js')

/** Run `script` with node in `cwd` (a user project), the package required by path. */
function inProject(cwd: string, script: string, env: Record<string, string> = {}) {
  const prelude = `const pkg = require(${JSON.stringify(ROOT)});`
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env }
  if (!('DAWG_ML_MODELS_DIR' in env)) delete childEnv.DAWG_ML_MODELS_DIR
  const r = spawnSync(process.execPath, ['-e', prelude + script], { cwd, encoding: 'utf8', env: childEnv })
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

function project(packageJson: Record<string, unknown>) {
  const dir = tempDir('project')
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-app', ...packageJson }))
  fs.mkdirSync(path.join(dir, 'src', 'deep'), { recursive: true })
  return dir
}

const SMALL = "{ counts: { freestyle: 200 }, bootstrapResamples: 10, seed: 5 }"

describe('models directories', () => {
  it('resolves the env variable, then package.json, then <project>/.dawg-ml/models; the package clone keeps models/', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { resolveModelsDir, SHIPPED_MODELS_DIR } = require('../lib/model-dirs')
    const configured = project({ 'dawg-ml': { modelsDir: 'ml/models' } })
    const plain = project({})
    const deep = path.join(configured, 'src', 'deep')
    expect(resolveModelsDir({ env: {}, cwd: deep })).toEqual({ dir: path.join(configured, 'ml', 'models'), source: `${path.join(configured, 'package.json')} "dawg-ml".modelsDir` })
    expect(resolveModelsDir({ env: {}, cwd: plain })).toEqual({ dir: path.join(plain, '.dawg-ml', 'models'), source: 'project default' })
    expect(resolveModelsDir({ env: { DAWG_ML_MODELS_DIR: 'elsewhere' }, cwd: plain })).toEqual({ dir: path.join(plain, 'elsewhere'), source: 'DAWG_ML_MODELS_DIR' })
    expect(resolveModelsDir({ env: {}, cwd: ROOT })).toEqual({ dir: SHIPPED_MODELS_DIR, source: 'package' })
    // A package.json inside node_modules is not the project.
    const nested = path.join(plain, 'node_modules', 'some-dep')
    fs.mkdirSync(nested, { recursive: true })
    fs.writeFileSync(path.join(nested, 'package.json'), '{}')
    expect(resolveModelsDir({ env: {}, cwd: nested }).dir).toBe(path.join(plain, '.dawg-ml', 'models'))
  })

  it('trains into the project directory and predicts from it, falling back to the shipped models per workflow', () => {
    const dir = project({ 'dawg-ml': { modelsDir: 'ml/models' } })
    const shipped = fs.readdirSync(path.join(ROOT, 'models')).map((f) => [f, fs.readFileSync(path.join(ROOT, 'models', f))] as const)
    const out = JSON.parse(inProject(dir, `pkg.train(${SMALL}).then((s) => console.log(JSON.stringify(s.written)))`))
    const trained = path.join(dir, 'ml', 'models')
    expect(out).toContain(path.join(trained, 'freestyle-model.json'))
    expect(out.every((f: string) => f.startsWith(trained))).toBe(true)
    // The package's own models are untouched.
    for (const [f, bytes] of shipped) expect(fs.readFileSync(path.join(ROOT, 'models', f)).equals(bytes)).toBe(true)
    fs.rmSync(path.join(trained, 'ai-memory-model.json'))
    const result = JSON.parse(
      inProject(
        dir,
        `const warnings = []; console.warn = (m) => warnings.push(m);
         pkg.getWorkflowPredictor().then((p) => console.log(JSON.stringify({ dir: p.modelsDir, sources: p.modelSources, warnings })))`,
      ),
    )
    expect(result.dir).toBe(trained)
    expect(result.sources.freestyle.path).toBe(path.join(trained, 'freestyle-model.json'))
    expect(result.sources['ai-memory'].path).toBe(path.join(ROOT, 'models', 'ai-memory-model.json'))
    expect(result.warnings).toEqual([
      expect.stringMatching(/^\[ml-engine\] Using .*models\/ai-memory-model\.json for the ai-memory model \(I\/O error on .*ml\/models\/ai-memory-model\.json/),
      `[ml-engine] Models: freestyle, melody-to-vocals, stem-separation, ai-mastering, live-vocal-analysis, voice-commands, budget-alerts from ${trained}; ai-memory from the shipped models (${path.join(ROOT, 'models')})`,
    ])
  })

  it('uses the shipped models silently when the project has trained none', () => {
    const dir = project({})
    const result = JSON.parse(
      inProject(dir, `const w = []; console.warn = (m) => w.push(m); pkg.getWorkflowPredictor().then((p) => console.log(JSON.stringify({ src: p.modelSources.freestyle.path, w })))`),
    )
    expect(result).toEqual({ src: path.join(ROOT, 'models', 'freestyle-model.json'), w: [] })
  })

  it('dawg-ml train writes to <project>/.dawg-ml/models by default, or DAWG_ML_MODELS_DIR', () => {
    const dir = project({})
    const r = spawnSync(process.execPath, [CLI, 'train', '--counts', 'freestyle=200', '--seed', '5'], { cwd: dir, encoding: 'utf8', env: { ...process.env, DAWG_ML_MODELS_DIR: '' } })
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(`Wrote 11 files to ${path.join(dir, '.dawg-ml', 'models')}`)
    expect(fs.existsSync(path.join(dir, '.dawg-ml', 'models', 'budget-alerts-model.json'))).toBe(true)
    const other = path.join(tempDir('env-models'), 'm')
    const viaEnv = spawnSync(process.execPath, [CLI, 'train', '--counts', 'freestyle=200', '--seed', '5'], { cwd: dir, encoding: 'utf8', env: { ...process.env, DAWG_ML_MODELS_DIR: other } })
    expect(viaEnv.status).toBe(0)
    expect(fs.existsSync(path.join(other, 'freestyle-model.json'))).toBe(true)
  })
})
