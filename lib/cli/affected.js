'use strict'
// dawg-ml affected

const fs = require('node:fs')
const path = require('node:path')
const { UsageError } = require('./args')

function describeReason(r) {
  switch (r.kind) {
    case 'source':
      return `source  ${r.file}  (matches ${r.pattern})`
    case 'test':
      return `test    ${r.file}  (matches ${r.pattern})`
    case 'shared':
      return `shared  ${r.file}  (group ${r.group}: ${r.pattern})`
    case 'dependency':
      return `via     ${r.chain.join(' -> ')}  (${r.files.join(', ')})`
    default:
      return JSON.stringify(r)
  }
}

function formatRisk(risk) {
  return risk ? `${(risk.failureProbability * 100).toFixed(1)} % (${risk.riskLevel})` : 'no model'
}

/** Paths git reports (relative to its top level) as the graph sees them (relative to the graph's root). */
function toGraphPaths(top, root, files) {
  const { graphPaths } = require('../knowledge-graph')
  return graphPaths(root, files.map((f) => path.join(top, f)))
}

module.exports = {
  name: 'affected',
  summary: 'List the workflows a change touches, why, their predicted risk and their tests.',
  description:
    'Reads the changed files from git (or --stdin), maps them to workflows through the knowledge\n' +
    'graph (directly through its globs, through shared files and through dependencies), and prints\n' +
    'each affected workflow with the reason for each match, its current predicted risk and its tests.\n' +
    'Changed files: every tracked file that differs between the merge base of --base and HEAD and the\n' +
    'working tree (committed, staged or unstaged; deletions included; a rename is a deletion plus an\n' +
    'addition), plus untracked files that are not ignored. Without --base, only uncommitted changes.',
  usage: '[--base <git-ref>] [--graph FILE] [--json]',
  flags: [
    { flag: '--base', key: 'base', value: '<git-ref>', description: 'Compare against the merge base of this ref and HEAD (e.g. origin/main). Default: HEAD.' },
    { flag: '--graph', key: 'graph', value: 'FILE', description: 'The knowledge graph. Default: $DAWG_ML_KNOWLEDGE_GRAPH, "dawg-ml".knowledgeGraph in package.json, or ./workflow-knowledge-graph.json.' },
    { flag: '--root', key: 'root', value: 'DIR', description: "The directory the graph's paths are relative to (default: the graph's root field, else the project root)." },
    { flag: '--models', key: 'models', value: 'DIR', description: "Models for the predicted risk (default: the project's models, the shipped ones as fallback)." },
    { flag: '--stdin', key: 'stdin', description: 'Read the changed files from standard input, one per line, relative to the working directory, instead of git.' },
    { flag: '--json', key: 'json', description: 'Print the result as JSON.' },
  ],
  notes:
    'Predicted risk: the probability the workflow\'s model predicts for a typical run (every input\n' +
    'imputed from the model\'s training means, or the schema defaults for old model files).\n' +
    'Tests: the graph\'s test globs, and the files of the repository that match them.',
  async run(args, { stdout }) {
    const { graphPaths, loadKnowledgeGraph } = require('../knowledge-graph')
    const { changedFiles, projectFiles } = require('../git-changes')
    const { currentRisk } = require('../workflow-risk')

    const graph = loadKnowledgeGraph(args.graph, args.root === undefined ? undefined : { root: args.root })
    let change
    if (args.stdin) {
      if (args.base !== undefined) throw new UsageError('--base and --stdin exclude each other')
      const text = fs.readFileSync(0, 'utf8')
      const files = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
      change = { source: 'stdin', files: files.map((f) => path.resolve(f)) }
    } else {
      const git = changedFiles({ base: args.base })
      change = { source: 'git', base: git.base, mergeBase: git.mergeBase, untracked: git.untracked.length, files: git.files.map((f) => path.join(git.top, f)) }
    }
    const { affected, unmatchedFiles } = graph.analyzeChanges(change.files)
    const warnings = []
    const risk = affected.length ? currentRisk(affected.map((a) => a.workflowType), { modelsDir: args.models && path.resolve(args.models), warn: (m) => warnings.push(m) }) : {}

    // The repository's files matching each affected workflow's test globs.
    let testFiles = new Map()
    if (affected.length) {
      try {
        const project = projectFiles({ cwd: graph.root })
        const candidates = toGraphPaths(project.top, graph.root, project.files)
        const owners = graph.workflowsOfTests(candidates)
        candidates.forEach((file, i) => {
          for (const w of owners[i]) testFiles.set(w, [...(testFiles.get(w) ?? []), file])
        })
      } catch (error) {
        if (error.code !== 'ERR_GIT') throw error
        testFiles = null // not a git repository: the globs only
      }
    }
    const workflows = affected.map((a) => ({
      workflowType: a.workflowType,
      risk: risk[a.workflowType] ?? null,
      reasons: a.reasons,
      tests: { patterns: a.tests, files: testFiles ? (testFiles.get(a.workflowType) ?? []).sort() : null },
      criticalPaths: a.criticalPaths,
      services: a.services,
    }))
    const changed = graphPaths(graph.root, change.files)

    if (args.json) {
      const { files, ...about } = change
      stdout.write(`${JSON.stringify({ graph: graph.file, root: graph.root, changes: { ...about, files: changed }, workflows, unmatchedFiles, warnings }, null, 2)}\n`)
      return 0
    }
    const against = change.source === 'stdin' ? 'from stdin' : `against ${change.base} (merge base ${change.mergeBase.slice(0, 12)}), ${change.untracked} untracked`
    const lines = [`${changed.length} changed file${changed.length === 1 ? '' : 's'} ${against}; graph ${graph.file}`]
    lines.push(`${workflows.length} affected workflow${workflows.length === 1 ? '' : 's'}${workflows.length ? ':' : '.'}`)
    for (const w of workflows) {
      lines.push('', `${w.workflowType}  predicted risk ${formatRisk(w.risk)}`)
      for (const r of w.reasons) lines.push(`  ${describeReason(r)}`)
      lines.push(`  tests   ${w.tests.patterns.length ? w.tests.patterns.join(', ') : '(none in the graph)'}`)
      if (w.tests.files) {
        for (const f of w.tests.files) lines.push(`          ${f}`)
        if (w.tests.patterns.length && !w.tests.files.length) lines.push('          (no file in the repository matches)')
      }
      if (w.criticalPaths.length) lines.push(`  critical paths  ${w.criticalPaths.join(', ')}`)
    }
    if (unmatchedFiles.length) lines.push('', `Files no workflow claims (${unmatchedFiles.length}):`, ...unmatchedFiles.map((f) => `  ${f}`))
    for (const w of warnings) lines.push(`warning: ${w}`)
    stdout.write(`${lines.join('\n')}\n`)
    return 0
  },
}
