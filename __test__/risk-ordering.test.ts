// The Jest sequencer and reporter in a real Jest project (__test__/risk-project),
// configured as the README documents. The project is copied into a temporary git
// repository whose node_modules/@dawg-ai/ml-engine links to this checkout, and
// run several times: the reporter records each run, and the sequencer learns
// that the mastering test is the risky one, that the vocal test is only flaky,
// and keeps the tests of a workflow whose sources changed.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './helpers'

const ROOT = path.resolve(__dirname, '..')
const PROJECT = path.join(__dirname, 'risk-project')
const JEST = require.resolve('jest/bin/jest')

function sh(cwd: string, command: string, args: string[]) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

function jest(cwd: string, env: Record<string, string>, ...args: string[]) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DAWG_ML_') && k !== 'RISK_PROJECT_BREAK'))
  return spawnSync(process.execPath, [JEST, '--config', path.join(cwd, 'jest.config.js'), '--ci', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...clean, ...env },
  })
}

/** Test files as --listTests prints them (in the sequencer's order), relative to the project. */
function listed(cwd: string, env: Record<string, string> = {}) {
  const r = jest(cwd, env, '--listTests')
  expect(r.status).toBe(0)
  return { files: r.stdout.trim().split('\n').map((f) => path.relative(cwd, f)), stderr: r.stderr }
}

interface RecordedTest {
  file: string
  status: string
  position: number
  workflows: string[]
  durationMs: number
  kept: string | null
  flakyTests: string[]
}

function history(cwd: string): Array<{ format: string; version: number; tests: RecordedTest[] }> {
  const dir = path.join(cwd, '.dawg-ml', 'test-history')
  return fs.readdirSync(dir).sort().map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
}

const inOrder = (tests: RecordedTest[]) => [...tests].sort((a, b) => a.position - b.position).map((t) => t.file)

describe('the risk project', () => {
  let cwd: string

  beforeAll(() => {
    cwd = tempDir('risk-project')
    fs.cpSync(PROJECT, cwd, { recursive: true })
    fs.mkdirSync(path.join(cwd, 'node_modules', '@dawg-ai'), { recursive: true })
    fs.symlinkSync(ROOT, path.join(cwd, 'node_modules', '@dawg-ai', 'ml-engine'), 'dir')
    sh(cwd, 'git', ['init', '-q'])
    sh(cwd, 'git', ['add', '-A'])
    sh(cwd, 'git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'risk project'])
  })

  it('orders the known-risky test first after a few recorded runs, and not a flaky one', () => {
    for (let run = 0; run < 3; run++) {
      const r = jest(cwd, { RISK_PROJECT_BREAK: 'mastering' })
      expect(r.status).toBe(1) // the mastering test fails
      expect(r.stderr).toContain('mastering doubles')
    }
    const runs = history(cwd)
    expect(runs).toHaveLength(3)
    for (const run of runs) {
      expect(run.format).toBe('dawg-ml-test-run')
      expect(run.version).toBe(1)
      const byFile = Object.fromEntries(run.tests.map((t) => [t.file, t]))
      expect(byFile['tests/mastering.test.js'].status).toBe('failed')
      expect(byFile['tests/mastering.test.js'].workflows).toEqual(['ai-mastering'])
      // Failed on its first attempt, passed on the retry: flaky, not failed.
      expect(byFile['tests/vocal.test.js'].status).toBe('flaky')
      expect(byFile['tests/vocal.test.js'].flakyTests).toEqual(['vocal doubles'])
      expect(byFile['tests/melody.test.js'].status).toBe('passed')
      for (const t of run.tests) expect(t.durationMs).toBeGreaterThan(0)
    }
    // With no history, the workflows' predicted risk orders the tests: the
    // mastering test (a low-risk workflow) was not first.
    expect(inOrder(runs[0].tests)[0]).not.toBe('tests/mastering.test.js')
    expect(inOrder(runs[2].tests)[0]).toBe('tests/mastering.test.js')

    const { files } = listed(cwd)
    expect(files[0]).toBe('tests/mastering.test.js')
    // Three flaky failures count for nothing: the vocal test (lowest
    // workflow risk) stays last.
    expect(files[files.length - 1]).toBe('tests/vocal.test.js')
    expect(files).toHaveLength(5)
    const lastOrder = JSON.parse(fs.readFileSync(path.join(cwd, '.dawg-ml', 'last-order.json'), 'utf8'))
    const vocal = lastOrder.tests.find((t: { file: string }) => t.file === 'tests/vocal.test.js')
    expect(vocal).toMatchObject({ runs: 3, failures: 0, flaky: 3, flipRate: 0 })
  })

  it('runs the tests of a workflow whose sources changed first, and keeps them in a subset', () => {
    fs.appendFileSync(path.join(cwd, 'src', 'memory', 'index.js'), '// changed\n')
    const { files } = listed(cwd)
    expect(files.slice(0, 2)).toEqual(['tests/memory.test.js', 'tests/mastering.test.js'])
    const lastOrder = JSON.parse(fs.readFileSync(path.join(cwd, '.dawg-ml', 'last-order.json'), 'utf8'))
    expect(lastOrder.affectedWorkflows).toEqual(['ai-memory'])
    expect(lastOrder.changes.files).toEqual(['src/memory/index.js'])

    // minRuns is 3 in the project's reporter options; 3 runs are recorded.
    const subset = listed(cwd, { DAWG_ML_CONFIDENCE: '0.95' })
    expect(subset.files.slice(0, 2)).toEqual(['tests/memory.test.js', 'tests/mastering.test.js'])
    expect(subset.files).not.toContain('tests/vocal.test.js')
    expect(subset.files.length).toBeLessThan(5)
    expect(subset.stderr).toContain(`[dawg-ml] running ${subset.files.length} of 5 test files for a 95 % confidence target, 100.0 % of 3 recorded failures`)

    // Observation first: with more runs required, every test runs.
    const all = listed(cwd, { DAWG_ML_CONFIDENCE: '0.95', DAWG_ML_MIN_RUNS: '10' })
    expect(all.files).toHaveLength(5)
    expect(all.stderr).toContain('(all tests: 3 recorded runs, 10 needed before selecting a subset)')
  })

  it("does not count its own state as a change, even where .gitignore does not list it", () => {
    const gitignore = path.join(cwd, '.gitignore')
    const kept = fs.readFileSync(gitignore, 'utf8')
    fs.writeFileSync(gitignore, 'node_modules/\n')
    try {
      listed(cwd)
      const lastOrder = JSON.parse(fs.readFileSync(path.join(cwd, '.dawg-ml', 'last-order.json'), 'utf8'))
      expect(lastOrder.changes.files).toEqual(['.gitignore', 'src/memory/index.js'])
    } finally {
      fs.writeFileSync(gitignore, kept)
    }
  })

  it('warns, and does not fail a passing run, when its state cannot be written', () => {
    const notADir = path.join(tempDir('risk-state'), 'a-file')
    fs.writeFileSync(notADir, '')
    const r = jest(cwd, { DAWG_ML_DIR: notADir })
    expect(r.status).toBe(0)
    expect(r.stderr).toContain(`[dawg-ml] could not read the test history in ${path.join(notADir, 'test-history')} (ENOTDIR); ordering without it`)
    // mkdir of a path that is a file: EEXIST.
    expect(r.stderr).toContain(`[dawg-ml] could not write ${path.join(notADir, 'last-order.json')} (EEXIST)`)
    expect(r.stderr).toContain(`[dawg-ml] could not write the test history to ${path.join(notADir, 'test-history')} (ENOTDIR)`)
  })

  it('rejects a bad option naming the variable', () => {
    const r = jest(cwd, { DAWG_ML_CONFIDENCE: '95%' }, '--listTests')
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('Invalid DAWG_ML_CONFIDENCE: expected a number from 0.01 to 1, received "95%"')
  })
})
