//! The workflow knowledge graph: which files, tests, services and critical
//! paths belong to each workflow, and which workflows a change touches.
//!
//! Two formats load into one `KnowledgeGraph` (`parse.rs`):
//! - the old engine's `workflow-knowledge-graph.json`: top-level keys are
//!   workflow types, each with `files`, `features`, `dependencies` (services),
//!   `tests` and `criticalPaths`;
//! - the extended format (`"version": 2`): per workflow `sources` and
//!   `tests` (globs), `services`, `criticalPaths`, `features`, `sharedFiles`
//!   (names of shared file groups declared at the top level under `shared`)
//!   and `dependsOn` (other workflows); plus an optional `root`.
//!
//! Workflows are the schema's (`crate::schema`): the graph names them, it
//! never declares them. Paths are matched by the globs of `glob.rs`; impact
//! analysis is in `impact.rs`.

pub mod glob;
mod impact;
mod json;
mod parse;

use std::path::Path;

use serde::Serialize;

use crate::error::{EngineError, Result};
use crate::schema::Workflow;

pub use glob::{normalise_path, Glob};
pub use impact::{AffectedWorkflow, Impact, Reason};

/// Which format a graph was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphFormat {
    /// The old engine's format (no `version` field).
    Legacy,
    /// `"version": 2`.
    Extended,
}

/// A glob as written in the graph, compiled.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub glob: Glob,
}

impl Pattern {
    pub fn as_str(&self) -> &str {
        self.glob.as_str()
    }
}

/// Files several workflows use without owning them (a shared library, a
/// common service client). A workflow names the groups it uses.
#[derive(Debug, Clone)]
pub struct SharedGroup {
    pub name: String,
    pub description: Option<String>,
    pub files: Vec<Pattern>,
}

/// One workflow's entry in the graph.
#[derive(Debug, Clone)]
pub struct WorkflowNode {
    pub workflow: &'static Workflow,
    pub description: Option<String>,
    /// The workflow's own source files (old format: `files`).
    pub sources: Vec<Pattern>,
    pub tests: Vec<Pattern>,
    /// External services it relies on (old format: `dependencies`).
    pub services: Vec<String>,
    pub critical_paths: Vec<String>,
    pub features: Vec<String>,
    /// Indices into `KnowledgeGraph::shared`.
    pub shared: Vec<usize>,
    /// Indices into `KnowledgeGraph::workflows` of the workflows this one
    /// depends on: a change that affects one of them affects this one.
    pub depends_on: Vec<usize>,
}

impl WorkflowNode {
    pub fn workflow_type(&self) -> &'static str {
        self.workflow.workflow_type()
    }
}

#[derive(Debug, Clone)]
pub struct KnowledgeGraph {
    pub format: GraphFormat,
    /// The extended format's `root`: where paths are relative to, itself
    /// relative to the graph file's directory. Resolved by the caller.
    pub root: Option<String>,
    /// In schema order; only the workflows the graph mentions.
    pub workflows: Vec<WorkflowNode>,
    pub shared: Vec<SharedGroup>,
}

impl KnowledgeGraph {
    /// Parse graph JSON text; `origin` names it in error messages (a path).
    pub fn from_json_str(text: &str, origin: &str) -> Result<KnowledgeGraph> {
        parse::parse(text, origin)
    }

    /// Read and parse a graph file.
    pub fn load(path: &Path) -> Result<KnowledgeGraph> {
        let bytes = std::fs::read(path).map_err(|e| EngineError::io(path, e))?;
        let origin = path.display().to_string();
        // The file was read; what it holds is the graph's fault, not the disk's.
        let text = String::from_utf8(bytes).map_err(|e| EngineError::InvalidGraph {
            file: origin.clone(),
            path: "$".to_string(),
            reason: format!(
                "the file is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })?;
        parse::parse(&text, &origin)
    }

    pub fn node(&self, workflow_type: &str) -> Option<&WorkflowNode> {
        self.workflows
            .iter()
            .find(|n| n.workflow_type() == workflow_type)
    }

    /// The workflows whose `tests` globs match `test_path` (relative to the
    /// root), in schema order.
    pub fn workflows_of_test(&self, test_path: &str) -> Vec<&'static str> {
        let path = normalise_path(test_path);
        if !impact::inside_root(&path) {
            return Vec::new();
        }
        self.workflows
            .iter()
            .filter(|n| n.tests.iter().any(|p| p.glob.matches(&path)))
            .map(|n| n.workflow_type())
            .collect()
    }

    /// The graph in the extended format's vocabulary (what `describe` returns
    /// to JavaScript), whatever format it was read from.
    pub fn describe(&self) -> GraphDescription<'_> {
        let texts = |ps: &'_ [Pattern]| ps.iter().map(|p| p.as_str().to_string()).collect();
        GraphDescription {
            format: self.format,
            root: self.root.as_deref(),
            shared: self
                .shared
                .iter()
                .map(|g| SharedDescription {
                    name: &g.name,
                    description: g.description.as_deref(),
                    files: texts(&g.files),
                })
                .collect(),
            workflows: self
                .workflows
                .iter()
                .map(|n| NodeDescription {
                    workflow_type: n.workflow_type(),
                    description: n.description.as_deref(),
                    sources: texts(&n.sources),
                    tests: texts(&n.tests),
                    services: &n.services,
                    critical_paths: &n.critical_paths,
                    features: &n.features,
                    shared_files: n
                        .shared
                        .iter()
                        .map(|&g| self.shared[g].name.as_str())
                        .collect(),
                    depends_on: n
                        .depends_on
                        .iter()
                        .map(|&w| self.workflows[w].workflow_type())
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphDescription<'a> {
    pub format: GraphFormat,
    pub root: Option<&'a str>,
    pub shared: Vec<SharedDescription<'a>>,
    pub workflows: Vec<NodeDescription<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedDescription<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub files: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeDescription<'a> {
    pub workflow_type: &'static str,
    pub description: Option<&'a str>,
    pub sources: Vec<String>,
    pub tests: Vec<String>,
    pub services: &'a [String],
    pub critical_paths: &'a [String],
    pub features: &'a [String],
    pub shared_files: Vec<&'a str>,
    pub depends_on: Vec<&'static str>,
}

#[cfg(test)]
mod tests;
