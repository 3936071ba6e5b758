// dawg-ml affected, in a temporary git repository: which changes count, the
// reasons, the predicted risk, the tests, and the errors.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './helpers'
import { WorkflowPredictor } from '../workflow-predictors'

const CLI = path.resolve(__dirname, '..', 'bin', 'dawg-ml.js')

function dawgMl(cwd: string, args: string[], input?: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DAWG_ML_')))
  const r = spawnSync(process.execPath, [CLI, 'affected', ...args], { cwd, encoding: 'utf8', input, env })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function git(cwd: string, ...args: string[]) {
  const r = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}

function write(dir: string, file: string, text = `// ${file}\n`) {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  fs.writeFileSync(path.join(dir, file), text)
}

const GRAPH = {
  version: 2,
  shared: { db: { files: ['src/db/**'] } },
  workflows: {
    freestyle: { sources: ['src/freestyle/**'], tests: ['tests/freestyle/**/*.test.ts'], criticalPaths: ['mic_permission'] },
    'live-vocal-analysis': { sources: ['src/vocal/**'], tests: ['vocal.test.ts'] },
    'ai-memory': { sources: ['src/memory/**'], tests: ['tests/memory/*.test.ts'], sharedFiles: ['db'] },
    'budget-alerts': { sources: ['src/budget/**'], sharedFiles: ['db'], dependsOn: ['ai-memory'] },
  },
}

describe('dawg-ml affected', () => {
  let repo: string
  const predictor = new WorkflowPredictor()
  predictor.initializeSync()
  const risk = (w: string) => predictor.predictSync({ workflowType: w } as never)

  beforeAll(() => {
    repo = tempDir('cli-affected')
    git(repo, 'init', '-q', '-b', 'main')
    write(repo, 'package.json', JSON.stringify({ name: 'app', 'dawg-ml': { knowledgeGraph: 'graph/workflows.json' } }))
    write(repo, 'graph/workflows.json', JSON.stringify(GRAPH))
    for (const f of ['src/freestyle/a.ts', 'src/memory/b.ts', 'src/budget/c.ts', 'tests/freestyle/rec.test.ts', 'tests/memory/b.test.ts', 'e2e/vocal.test.ts', 'README.md']) write(repo, f)
    git(repo, 'add', '-A')
    git(repo, 'commit', '-q', '-m', 'base')
    git(repo, 'checkout', '-q', '-b', 'feature')
    write(repo, 'src/memory/b.ts', '// changed on the branch\n')
    git(repo, 'commit', '-q', '-am', 'branch change')
    // A later commit on main is not part of this branch's change.
    git(repo, 'checkout', '-q', 'main')
    write(repo, 'src/freestyle/a.ts', '// changed on main\n')
    git(repo, 'commit', '-q', '-am', 'main change')
    git(repo, 'checkout', '-q', 'feature')
    write(repo, 'README.md', '# unstaged\n')
    write(repo, 'tests/memory/b.test.ts', '// staged\n')
    git(repo, 'add', 'tests/memory/b.test.ts')
    write(repo, 'src/vocal/new.ts') // untracked
  })

  it('against --base: the branch since its merge base, plus staged, unstaged and untracked files', () => {
    const r = dawgMl(repo, ['--base', 'main', '--json'])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.graph).toBe(path.join(repo, 'graph', 'workflows.json'))
    expect(out.changes).toMatchObject({ source: 'git', base: 'main', mergeBase: git(repo, 'merge-base', 'main', 'HEAD'), untracked: 1 })
    expect(out.changes.files).toEqual(['README.md', 'src/memory/b.ts', 'src/vocal/new.ts', 'tests/memory/b.test.ts'])
    expect(out.workflows.map((w: { workflowType: string }) => w.workflowType)).toEqual(['live-vocal-analysis', 'ai-memory', 'budget-alerts'])
    const [vocal, memory, budget] = out.workflows
    expect(vocal.reasons).toEqual([{ kind: 'source', file: 'src/vocal/new.ts', pattern: 'src/vocal/**' }])
    expect(vocal.tests).toEqual({ patterns: ['vocal.test.ts'], files: ['e2e/vocal.test.ts'] })
    expect(memory.reasons).toEqual([
      { kind: 'source', file: 'src/memory/b.ts', pattern: 'src/memory/**' },
      { kind: 'test', file: 'tests/memory/b.test.ts', pattern: 'tests/memory/*.test.ts' },
    ])
    expect(memory.tests).toEqual({ patterns: ['tests/memory/*.test.ts'], files: ['tests/memory/b.test.ts'] })
    expect(budget.reasons).toEqual([{ kind: 'dependency', chain: ['ai-memory', 'budget-alerts'], files: ['src/memory/b.ts'] }])
    expect(budget.tests).toEqual({ patterns: [], files: [] })
    for (const w of out.workflows) {
      const expected = risk(w.workflowType)
      expect(w.risk).toEqual({ failureProbability: expected.failureProbability, riskLevel: expected.riskLevel })
    }
    expect(out.unmatchedFiles).toEqual(['README.md'])
  })

  it('finds the same changes through a symlink to the repository (git reports real paths)', () => {
    const link = path.join(tempDir('cli-affected-link'), 'repo')
    fs.symlinkSync(repo, link)
    const r = dawgMl(link, ['--base', 'main', '--json', '--root', link, '--graph', path.join(link, 'graph', 'workflows.json')])
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.changes.files).toEqual(['README.md', 'src/memory/b.ts', 'src/vocal/new.ts', 'tests/memory/b.test.ts'])
    expect(out.workflows.map((w: { workflowType: string }) => w.workflowType)).toEqual(['live-vocal-analysis', 'ai-memory', 'budget-alerts'])
    expect(out.workflows[0].tests.files).toEqual(['e2e/vocal.test.ts'])
  })

  it('without --base: only uncommitted changes (staged, unstaged, untracked), printed as text', () => {
    const r = dawgMl(path.join(repo, 'src'), [])
    expect(r.status).toBe(0)
    const pct = (w: string) => `${(risk(w).failureProbability * 100).toFixed(1)} % (${risk(w).riskLevel})`
    expect(r.stdout).toBe(
      [
        `3 changed files against HEAD (merge base ${git(repo, 'rev-parse', 'HEAD').slice(0, 12)}), 1 untracked; graph ${path.join(repo, 'graph', 'workflows.json')}`,
        '2 affected workflows:',
        '',
        `live-vocal-analysis  predicted risk ${pct('live-vocal-analysis')}`,
        '  source  src/vocal/new.ts  (matches src/vocal/**)',
        '  tests   vocal.test.ts',
        '          e2e/vocal.test.ts',
        '',
        `ai-memory  predicted risk ${pct('ai-memory')}`,
        '  test    tests/memory/b.test.ts  (matches tests/memory/*.test.ts)',
        '  tests   tests/memory/*.test.ts',
        '          tests/memory/b.test.ts',
        '',
        'Files no workflow claims (1):',
        '  README.md',
        '',
      ].join('\n'),
    )
  })

  it('reads the changes from --stdin, relative to the working directory', () => {
    const r = dawgMl(path.join(repo, 'src'), ['--stdin', '--json'], 'db/client.ts\nfreestyle/a.ts\n')
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.changes).toEqual({ source: 'stdin', files: ['src/db/client.ts', 'src/freestyle/a.ts'] })
    expect(out.workflows.map((w: { workflowType: string; reasons: Array<{ kind: string }> }) => [w.workflowType, w.reasons.map((x: { kind: string }) => x.kind)])).toEqual([
      ['freestyle', ['source']],
      ['ai-memory', ['shared']],
      ['budget-alerts', ['shared', 'dependency']],
    ])
    expect(out.workflows[0].criticalPaths).toEqual(['mic_permission'])
  })

  it('fails with the code and message of the problem', () => {
    const bad = path.join(tempDir('cli-affected-bad'), 'g.json')
    fs.writeFileSync(bad, JSON.stringify({ freestyle: { files: [1] } }))
    const graph = dawgMl(repo, ['--graph', bad])
    expect(graph.status).toBe(1)
    expect(graph.stderr).toBe(`dawg-ml: [ERR_INVALID_GRAPH] Invalid knowledge graph ${bad}: $.freestyle.files[0]: expected a string, received number\n`)
    const ref = dawgMl(repo, ['--base', 'no-such-branch'])
    expect(ref.status).toBe(1)
    expect(ref.stderr).toMatch(/^dawg-ml: \[ERR_GIT\] git merge-base no-such-branch HEAD failed in .*: fatal: Not a valid object name no-such-branch/)
    const outside = tempDir('cli-affected-nogit')
    const noGit = dawgMl(outside, ['--graph', path.join(repo, 'graph', 'workflows.json')])
    expect(noGit.status).toBe(1)
    expect(noGit.stderr).toContain('[ERR_GIT] git rev-parse --show-toplevel failed')
    const usage = dawgMl(repo, ['--stdin', '--base', 'main'])
    expect(usage.status).toBe(2)
    expect(usage.stderr).toContain('dawg-ml: --base and --stdin exclude each other')
  })

  it('explains its flags with --help and is listed among the commands', () => {
    const help = dawgMl(repo, ['--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: dawg-ml affected \[--base <git-ref>\] \[--graph FILE\] \[--json\]/)
    for (const flag of ['--base <git-ref>', '--graph FILE', '--root DIR', '--models DIR', '--stdin', '--json']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\S`, 'm'))
    }
    const all = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' })
    expect(all.stdout).toMatch(/^  affected +List the workflows a change touches/m)
  })
})
