//! The knowledge graph for JavaScript: load a graph, ask which workflows a
//! change affects and which workflows a test covers. Every answer is JSON
//! text that `lib/knowledge-graph.js` parses, so the objects callers see are
//! built in their own realm.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::run;
use crate::error::EngineError;
use dawg_ml_engine::graph::KnowledgeGraph;

/// A loaded, validated graph with its globs compiled.
#[napi]
pub struct NativeKnowledgeGraph {
    graph: KnowledgeGraph,
}

fn to_json(value: &impl serde::Serialize) -> crate::error::Result<String> {
    serde_json::to_string(value)
        .map_err(|e| EngineError::Internal(format!("serialising the graph: {e}")))
}

/// Read and validate the graph file at `path`.
#[napi]
pub fn load_knowledge_graph_file(env: Env, path: String) -> Result<NativeKnowledgeGraph> {
    run(&env, || {
        Ok(NativeKnowledgeGraph {
            graph: KnowledgeGraph::load(&PathBuf::from(&path))?,
        })
    })
}

/// Validate graph JSON `text`; `origin` names it in error messages.
#[napi]
pub fn parse_knowledge_graph(
    env: Env,
    text: String,
    origin: String,
) -> Result<NativeKnowledgeGraph> {
    run(&env, || {
        Ok(NativeKnowledgeGraph {
            graph: KnowledgeGraph::from_json_str(&text, &origin)?,
        })
    })
}

#[napi]
impl NativeKnowledgeGraph {
    /// The graph in the extended format's vocabulary, as JSON text:
    /// `{ format, root, shared: [...], workflows: [...] }` (schema order).
    #[napi]
    pub fn describe(&self, env: Env) -> Result<String> {
        run(&env, || to_json(&self.graph.describe()))
    }

    /// `{ workflows: [{ workflowType, reasons }], unmatchedFiles }` as JSON
    /// text, for paths relative to the graph's root.
    #[napi]
    pub fn affected(&self, env: Env, changed_files: Vec<String>) -> Result<String> {
        run(&env, || {
            to_json(&self.graph.affected_workflows(&changed_files))
        })
    }

    /// For each test path (relative to the root), the workflows whose test
    /// globs match it: a JSON array of arrays, in input order.
    #[napi]
    pub fn workflows_of_tests(&self, env: Env, test_files: Vec<String>) -> Result<String> {
        run(&env, || {
            let out: Vec<Vec<&str>> = test_files
                .iter()
                .map(|t| self.graph.workflows_of_test(t))
                .collect();
            to_json(&out)
        })
    }
}
