import type { WorkflowType } from '../workflow-features'

/** Why a workflow is affected by a change. Paths are relative to the graph's root. */
export type AffectedReason =
  /** `file` matched `pattern`, one of the workflow's source globs (old format: `files`). */
  | { kind: 'source'; file: string; pattern: string }
  /** `file` matched `pattern`, one of the workflow's test globs: its tests changed, not its code. */
  | { kind: 'test'; file: string; pattern: string }
  /** `file` matched `pattern` of the shared file group `group` the workflow uses. */
  | { kind: 'shared'; file: string; group: string; pattern: string }
  /** `chain[0]` changed through `files`; each workflow of the chain depends on the one before; the last is this one. */
  | { kind: 'dependency'; chain: WorkflowType[]; files: string[] }

export interface AffectedWorkflow {
  workflowType: WorkflowType
  /** Every match: direct ones first, in the order of the changed files, then dependency chains. */
  reasons: AffectedReason[]
  /** The workflow's test globs. */
  tests: string[]
  criticalPaths: string[]
  /** External services the workflow relies on (old format: `dependencies`). */
  services: string[]
}

export interface ChangeAnalysis {
  /** In schema order. */
  affected: AffectedWorkflow[]
  /** Changed files (relative to the root) no glob of the graph matches. */
  unmatchedFiles: string[]
}

/** One workflow's entry, in the extended format's vocabulary. */
export interface KnowledgeGraphWorkflow {
  description: string | null
  sources: string[]
  tests: string[]
  services: string[]
  criticalPaths: string[]
  features: string[]
  /** Names of shared file groups. */
  sharedFiles: string[]
  dependsOn: WorkflowType[]
}

export interface SharedFileGroup {
  description: string | null
  files: string[]
}

/** The extended (version 2) graph format. */
export interface KnowledgeGraphDocument {
  version: 2
  /** The directory paths are relative to, relative to the graph file. */
  root?: string
  description?: string
  shared?: Record<string, { files: string[]; description?: string }>
  workflows: Partial<Record<WorkflowType, Partial<KnowledgeGraphWorkflow> & { description?: string }>>
}

/** The old engine's format (`workflow-knowledge-graph.json`). */
export type LegacyKnowledgeGraphDocument = Partial<
  Record<WorkflowType, { files?: string[]; features?: string[]; dependencies?: string[]; tests?: string[]; criticalPaths?: string[] }>
>

export declare class KnowledgeGraph {
  private constructor()
  /** The graph file. */
  readonly file: string
  /** The absolute directory the graph's paths are relative to. */
  readonly root: string
  readonly format: 'legacy' | 'extended'
  /** The declared workflows, in schema order (a fresh copy on each access). */
  readonly workflows: Partial<Record<WorkflowType, KnowledgeGraphWorkflow>>
  readonly shared: Record<string, SharedFileGroup>
  /** Changed files (absolute, or relative to `root`) -> affected workflows with reasons, and unclaimed files. */
  analyzeChanges(changedFiles: readonly string[]): ChangeAnalysis
  affectedWorkflows(changedFiles: readonly string[]): AffectedWorkflow[]
  /** For each test file (absolute, or relative to `root`), the workflows whose test globs match it. */
  workflowsOfTests(testFiles: readonly string[]): WorkflowType[][]
  /** The graph in the extended format, whatever format it was read in. */
  toJSON(): KnowledgeGraphDocument
}

export interface LoadKnowledgeGraphOptions {
  /** The directory the graph's paths are relative to (overrides the graph's `root`). */
  root?: string
  /** Where relative names are resolved and the default graph is looked for (default `process.cwd()`). */
  cwd?: string
}

/**
 * Load (and validate) a graph file, make it the current graph and return it.
 * Without `file`: $DAWG_ML_KNOWLEDGE_GRAPH, else `"dawg-ml": { "knowledgeGraph" }` in the
 * nearest package.json, else `workflow-knowledge-graph.json` in the project root.
 * Throws ERR_INVALID_GRAPH (naming the JSON path), ERR_IO or ERR_GRAPH_NOT_FOUND.
 */
export declare function loadKnowledgeGraph(file?: string, options?: LoadKnowledgeGraphOptions): KnowledgeGraph
/** `loadKnowledgeGraph` without making the graph the current one. */
export declare function readKnowledgeGraph(file?: string, options?: LoadKnowledgeGraphOptions): KnowledgeGraph
/** The current graph: the last one loaded, else the default one (loaded now). */
export declare function getKnowledgeGraph(): KnowledgeGraph
/** `getKnowledgeGraph().affectedWorkflows(changedFiles)`. */
export declare function affectedWorkflows(changedFiles: readonly string[]): AffectedWorkflow[]
/** Where the default graph is, and which rule found it. Throws ERR_GRAPH_NOT_FOUND. */
export declare function findKnowledgeGraph(options?: { cwd?: string; env?: Record<string, string | undefined> }): {
  file: string
  projectRoot: string
  source: 'env' | 'package.json' | 'default'
}
export declare const DEFAULT_GRAPH_FILE: 'workflow-knowledge-graph.json'
export declare const GRAPH_ENV: 'DAWG_ML_KNOWLEDGE_GRAPH'
