'use strict'
// What a Jest run knows before its tests start: the knowledge graph, the
// changed files, the affected workflows, the workflows' predicted risk and
// (once the sequencer has run) the order it chose. The sequencer and the
// reporter run in Jest's parent process and share one context per run
// through this module: the sequencer creates it, the reporter takes it.

const fs = require('node:fs')
const path = require('node:path')
const { readKnowledgeGraph } = require('../knowledge-graph')
const { changedFiles } = require('../git-changes')
const { currentRisk } = require('../workflow-risk')

const toPosix = (p) => p.split(path.sep).join('/')

/** Problems are reported once per process, not once per run. */
const warned = new Set()
/** Whether `file` (a real path, as git gives) lies in `dir` once `dir`'s own symlinks are resolved. */
function realStart(file, dir) {
  try {
    return file.startsWith(`${fs.realpathSync(dir)}${path.sep}`)
  } catch {
    return false
  }
}

function warnOnce(message) {
  if (warned.has(message)) return
  warned.add(message)
  process.stderr.write(`[dawg-ml] ${message}\n`)
}

/** The workflows a change affects through their code (sources, shared files, dependencies), not only their tests. */
function affectedWorkflowTypes(analysis) {
  return new Set(analysis.affected.filter((a) => a.reasons.some((r) => r.kind !== 'test')).map((a) => a.workflowType))
}

/**
 * For absolute test paths: { file (rootDir-relative), workflows, kept }, where
 * kept is 'changed' (the file itself changed), 'affected' (it covers an
 * affected workflow) or null.
 */
function describeTestFiles(graph, rootDir, testPaths, changedSet, affected) {
  const owners = graph ? graph.workflowsOfTests(testPaths) : testPaths.map(() => [])
  return testPaths.map((p, i) => {
    const workflows = owners[i]
    const kept = changedSet.has(path.resolve(p)) ? 'changed' : workflows.some((w) => affected.has(w)) ? 'affected' : null
    return { file: toPosix(path.relative(rootDir, p)), workflows, kept }
  })
}

function createContext(rootDir, options) {
  let graph = null
  try {
    graph = readKnowledgeGraph(options.graph, { cwd: rootDir })
  } catch (error) {
    if (error.code !== 'ERR_GRAPH_NOT_FOUND') throw error
    warnOnce(`no knowledge graph (${error.message}); ordering by test history only`)
  }
  let changes = null
  try {
    const git = changedFiles({ cwd: rootDir, base: options.base })
    // This package's own state (the state directory, and <project>/.dawg-ml with its models
    // and store) is untracked and rewritten by every run: it is not a change to the code.
    const own = [options.dir, path.join(rootDir, '.dawg-ml')].map((d) => `${path.resolve(d)}${path.sep}`)
    const absolute = git.files.map((f) => path.join(git.top, f)).filter((f) => !own.some((d) => f.startsWith(d) || realStart(f, d)))
    changes = { base: git.base, mergeBase: git.mergeBase, absolute }
  } catch (error) {
    if (error.code !== 'ERR_GIT') throw error
    warnOnce(`changed files unknown (${error.message}); no workflow counts as affected`)
  }
  const analysis = graph && changes ? graph.analyzeChanges(changes.absolute) : { affected: [], unmatchedFiles: [] }
  const affected = affectedWorkflowTypes(analysis)
  const workflowTypes = graph ? Object.keys(graph.workflows) : []
  const workflowRisk = workflowTypes.length ? currentRisk(workflowTypes, { modelsDir: options.modelsDir, warn: warnOnce }) : {}
  const risk = Object.fromEntries(Object.entries(workflowRisk).map(([w, r]) => [w, r ? r.failureProbability : null]))
  const changedSet = new Set((changes?.absolute ?? []).map((f) => path.resolve(f)))

  return {
    rootDir,
    options,
    graph,
    changes: changes && { base: changes.base, mergeBase: changes.mergeBase, files: changes.absolute.map((f) => toPosix(path.relative(rootDir, f))) },
    affectedWorkflows: [...affected],
    workflowRisk: risk,
    /** Set by the sequencer: file (rootDir-relative) -> { kept, rank, selected }. */
    order: null,
    selection: null,
    /** For absolute test paths: { file (rootDir-relative), workflows, kept }. */
    describeTests: (testPaths) => describeTestFiles(graph, rootDir, testPaths, changedSet, affected),
  }
}

let pending = null

/** A fresh context for a run that is starting (the sequencer calls this). */
function startRun(rootDir, options) {
  pending = createContext(rootDir, options)
  return pending
}

/** The context the sequencer made for this run, or a fresh one (the reporter calls this once per run). */
function takeRun(rootDir, options) {
  const context = pending && pending.rootDir === rootDir && pending.options.dir === options.dir ? pending : createContext(rootDir, options)
  pending = null
  return context
}

module.exports = { startRun, takeRun, warnOnce, affectedWorkflowTypes, describeTestFiles }
