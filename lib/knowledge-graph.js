'use strict'
// The workflow knowledge graph: where the default graph is, loading it, and
// impact analysis. Validation and matching run in the engine; every object
// returned here is built in this (the caller's) realm from the JSON text the
// addon returns.
//
// Where the default graph is (first match wins):
//   1. the DAWG_ML_KNOWLEDGE_GRAPH environment variable (relative to the cwd);
//   2. "dawg-ml": { "knowledgeGraph": "<file>" } in the nearest package.json
//      at or above the cwd (relative to that package.json);
//   3. workflow-knowledge-graph.json in the project root (the directory of
//      that nearest package.json, else the cwd).
// Paths in the graph are relative to its root: options.root, else the
// extended format's "root" (relative to the graph file), else the project root.

const fs = require('node:fs')
const path = require('node:path')
const native = require('./binding')
const { callNative, checkOptions, engineError } = require('./errors')

const GRAPH_ENV = 'DAWG_ML_KNOWLEDGE_GRAPH'
const PACKAGE_KEY = 'dawg-ml'
const DEFAULT_GRAPH_FILE = 'workflow-knowledge-graph.json'
const LOAD_OPTIONS = new Set(['root', 'cwd'])

/** The nearest directory at or above `from` with a package.json, and that file parsed (or null). */
function findProject(from) {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json')
    if (fs.existsSync(file)) {
      let manifest = null
      try {
        manifest = JSON.parse(fs.readFileSync(file, 'utf8'))
      } catch (cause) {
        throw engineError('ERR_INVALID_ARG', `Cannot read ${file}: ${cause.message}`, Error, cause)
      }
      return { dir, file, manifest }
    }
    if (path.dirname(dir) === dir) return { dir: path.resolve(from), file: null, manifest: null }
  }
}

/**
 * Where the default graph is: `{ file, projectRoot, source }`, where source says
 * which rule found it ('env', 'package.json' or 'default'). Throws
 * ERR_GRAPH_NOT_FOUND, listing what was tried, when there is none.
 */
function findKnowledgeGraph(options = {}) {
  const { cwd = process.cwd(), env = process.env } = checkOptions(options, new Set(['cwd', 'env']))
  const project = findProject(cwd)
  const tried = []
  const fromEnv = env[GRAPH_ENV]
  if (typeof fromEnv === 'string' && fromEnv !== '') {
    const file = path.resolve(cwd, fromEnv)
    if (!fs.existsSync(file)) {
      throw engineError('ERR_GRAPH_NOT_FOUND', `Knowledge graph not found: ${GRAPH_ENV}=${fromEnv} names ${file}, which does not exist`)
    }
    return { file, projectRoot: project.dir, source: 'env' }
  }
  tried.push(`${GRAPH_ENV} (not set)`)
  const configured = project.manifest?.[PACKAGE_KEY]?.knowledgeGraph
  if (configured !== undefined) {
    if (typeof configured !== 'string' || configured === '') {
      throw engineError('ERR_INVALID_ARG', `Invalid "${PACKAGE_KEY}".knowledgeGraph in ${project.file}: expected a file name, received ${JSON.stringify(configured)}`, TypeError)
    }
    const file = path.resolve(project.dir, configured)
    if (!fs.existsSync(file)) {
      throw engineError('ERR_GRAPH_NOT_FOUND', `Knowledge graph not found: "${PACKAGE_KEY}".knowledgeGraph in ${project.file} names ${file}, which does not exist`)
    }
    return { file, projectRoot: project.dir, source: 'package.json' }
  }
  tried.push(project.file ? `"${PACKAGE_KEY}".knowledgeGraph in ${project.file} (not set)` : 'no package.json at or above the working directory')
  const file = path.join(project.dir, DEFAULT_GRAPH_FILE)
  if (fs.existsSync(file)) return { file, projectRoot: project.dir, source: 'default' }
  tried.push(`${file} (does not exist)`)
  throw engineError('ERR_GRAPH_NOT_FOUND', `No knowledge graph found. Tried: ${tried.join('; ')}. Pass a file, set ${GRAPH_ENV}, or add "${PACKAGE_KEY}": { "knowledgeGraph": "<file>" } to package.json.`)
}

function checkPathList(value, name) {
  if (!Array.isArray(value)) {
    throw engineError('ERR_INVALID_ARG', `Invalid argument '${name}': expected an array of file paths, received ${value === null ? 'null' : typeof value}`, TypeError)
  }
  value.forEach((f, i) => {
    if (typeof f !== 'string') {
      throw engineError('ERR_INVALID_ARG', `Invalid argument '${name}[${i}]': expected a string, received ${f === null ? 'null' : typeof f}`, TypeError)
    }
  })
  return value
}

/** The real path of `dir`, or `dir` itself when it cannot be resolved. */
function realDir(dir) {
  try {
    return fs.realpathSync(dir)
  } catch {
    return dir
  }
}

/**
 * The graph's view of `files`: absolute paths made relative to `root`,
 * `/`-separated. git and process.cwd() give real paths, so a root reached
 * through a symlink (macOS's /tmp and /var are) would put every changed file
 * at '../…' and match nothing: a file outside the root as written is tried
 * against the root's real path too (resolved once, when first needed).
 */
function graphPaths(root, files) {
  const outside = (r) => r === '..' || r.startsWith(`..${path.sep}`)
  let real
  return files.map((file) => {
    let relative = file
    if (path.isAbsolute(file)) {
      relative = path.relative(root, file)
      if (outside(relative)) {
        real ??= realDir(root)
        const viaReal = path.relative(real, file)
        if (!outside(viaReal)) relative = viaReal
      }
    }
    return path.sep === '\\' ? relative.replaceAll('\\', '/') : relative
  })
}

class KnowledgeGraph {
  #native
  #file
  #root
  #description

  /** @internal Use loadKnowledgeGraph() or readKnowledgeGraph(). */
  constructor(nativeGraph, description, file, root) {
    this.#native = nativeGraph
    this.#description = description
    this.#file = file
    this.#root = root
  }

  /** The graph file. */
  get file() {
    return this.#file
  }

  /** The directory paths in the graph are relative to. */
  get root() {
    return this.#root
  }

  /** 'legacy' (the old engine's format) or 'extended' (version 2). */
  get format() {
    return this.#description.format
  }

  /** Each workflow the graph declares, keyed by type, in schema order: a fresh copy. */
  get workflows() {
    const out = {}
    for (const { workflowType, ...node } of this.#description.workflows) out[workflowType] = structuredClone(node)
    return out
  }

  /** The shared file groups, keyed by name (always empty in the old format). */
  get shared() {
    const out = {}
    for (const { name, ...group } of this.#description.shared) out[name] = structuredClone(group)
    return out
  }

  /**
   * Which workflows `changedFiles` affect, with the reasons, and which files
   * no workflow claims. Paths are absolute or relative to `root`.
   */
  analyzeChanges(changedFiles) {
    checkPathList(changedFiles, 'changedFiles')
    const files = graphPaths(this.#root, changedFiles)
    const impact = JSON.parse(callNative(() => this.#native.affected(files)))
    const nodes = new Map(this.#description.workflows.map((n) => [n.workflowType, n]))
    return {
      affected: impact.workflows.map(({ workflowType, reasons }) => {
        const node = nodes.get(workflowType)
        return {
          workflowType,
          reasons,
          tests: [...node.tests],
          criticalPaths: [...node.criticalPaths],
          services: [...node.services],
        }
      }),
      unmatchedFiles: impact.unmatchedFiles,
    }
  }

  /** `analyzeChanges(changedFiles).affected`. */
  affectedWorkflows(changedFiles) {
    return this.analyzeChanges(changedFiles).affected
  }

  /** The workflows whose test globs match each file, in input order (absolute or root-relative paths). */
  workflowsOfTests(testFiles) {
    checkPathList(testFiles, 'testFiles')
    return JSON.parse(callNative(() => this.#native.workflowsOfTests(graphPaths(this.#root, testFiles))))
  }

  /** The graph as an extended-format (version 2) document, whatever format it was read in. */
  toJSON() {
    const { root, shared, workflows } = this.#description
    const document = { version: 2 }
    if (root !== null) document.root = root
    if (shared.length) {
      document.shared = {}
      for (const { name, description, files } of shared) document.shared[name] = description === null ? { files } : { description, files }
    }
    document.workflows = {}
    for (const { workflowType, description, ...node } of workflows) {
      document.workflows[workflowType] = description === null ? node : { description, ...node }
    }
    return document
  }
}

/**
 * Read and validate a graph file (or the default one) without making it the
 * current graph. `options.root` overrides the directory paths are relative
 * to; `options.cwd` is where relative names are resolved.
 */
function readKnowledgeGraph(file, options) {
  if (file !== undefined && (typeof file !== 'string' || file === '')) {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'file': expected a file name, received ${file === null ? 'null' : typeof file}`, TypeError)
  }
  const { root, cwd = process.cwd() } = checkOptions(options, LOAD_OPTIONS)
  if (root !== undefined && (typeof root !== 'string' || root === '')) {
    throw engineError('ERR_INVALID_ARG', `Invalid argument 'root': expected a directory, received ${root === null ? 'null' : typeof root}`, TypeError)
  }
  const found = file === undefined ? findKnowledgeGraph({ cwd }) : { file: path.resolve(cwd, file), projectRoot: findProject(cwd).dir }
  const nativeGraph = callNative(native.loadKnowledgeGraphFile, found.file)
  const description = JSON.parse(callNative(() => nativeGraph.describe()))
  const graphRoot = root !== undefined
    ? path.resolve(cwd, root)
    : description.root !== null ? path.resolve(path.dirname(found.file), description.root) : found.projectRoot
  return new KnowledgeGraph(nativeGraph, description, found.file, graphRoot)
}

/** `readKnowledgeGraph`, then make the graph the current one (see getKnowledgeGraph). */
function loadKnowledgeGraph(file, options) {
  current = readKnowledgeGraph(file, options)
  return current
}

let current = null

/** The current graph: the last one loaded, else the default one (loaded now). */
function getKnowledgeGraph() {
  return current ?? loadKnowledgeGraph()
}

/** `getKnowledgeGraph().affectedWorkflows(changedFiles)`. */
function affectedWorkflows(changedFiles) {
  return getKnowledgeGraph().affectedWorkflows(changedFiles)
}

module.exports = {
  graphPaths,
  KnowledgeGraph,
  loadKnowledgeGraph,
  readKnowledgeGraph,
  getKnowledgeGraph,
  affectedWorkflows,
  findKnowledgeGraph,
  DEFAULT_GRAPH_FILE,
  GRAPH_ENV,
}
