//! Which workflows a set of changed files touches, and why.
//!
//! A workflow is affected
//! - directly, when a changed file matches one of its `sources` globs
//!   (`Reason::Source`) or one of its `tests` globs (`Reason::Test`: its
//!   tests changed, not its code);
//! - through a shared file, when a changed file matches a glob of a shared
//!   group the workflow uses (`Reason::Shared`);
//! - through a dependency, when a workflow it depends on, directly or along
//!   a chain of `dependsOn`, is affected by a source or shared file
//!   (`Reason::Dependency`, with the chain). A changed test does not
//!   propagate: it changes no behaviour another workflow relies on.

use std::collections::VecDeque;

use serde::Serialize;

use super::{normalise_path, KnowledgeGraph};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Reason {
    /// `file` matched `pattern`, one of the workflow's `sources`.
    Source { file: String, pattern: String },
    /// `file` matched `pattern`, one of the workflow's `tests`.
    Test { file: String, pattern: String },
    /// `file` matched `pattern` of the shared group `group` the workflow uses.
    Shared {
        file: String,
        group: String,
        pattern: String,
    },
    /// `chain[0]` is affected through `files`, and each workflow of the
    /// chain depends on the one before it; the last is this workflow.
    Dependency {
        chain: Vec<&'static str>,
        files: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AffectedWorkflow {
    pub workflow_type: &'static str,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    /// In schema order.
    pub workflows: Vec<AffectedWorkflow>,
    /// Changed files (normalised) no glob of the graph matches.
    pub unmatched_files: Vec<String>,
}

/// Whether a normalised path lies under the root: not absolute, no `..`.
pub(super) fn inside_root(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('/') && !path.split('/').any(|s| s == "..")
}

impl KnowledgeGraph {
    /// The workflows `changed_files` (relative to the graph's root) affect,
    /// each with every reason; see the module documentation.
    pub fn affected_workflows(&self, changed_files: &[String]) -> Impact {
        let mut files: Vec<String> = Vec::with_capacity(changed_files.len());
        for f in changed_files {
            let f = normalise_path(f);
            if !files.contains(&f) {
                files.push(f);
            }
        }
        let n = self.workflows.len();
        let mut reasons: Vec<Vec<Reason>> = vec![Vec::new(); n];
        // Files through which each workflow's behaviour changed (sources and
        // shared files, not tests): the roots of dependency propagation.
        let mut changed_by: Vec<Vec<String>> = vec![Vec::new(); n];
        let mut unmatched = Vec::new();

        for file in &files {
            let mut matched = false;
            if inside_root(file) {
                for (i, node) in self.workflows.iter().enumerate() {
                    if let Some(p) = node.sources.iter().find(|p| p.glob.matches(file)) {
                        reasons[i].push(Reason::Source {
                            file: file.clone(),
                            pattern: p.as_str().to_string(),
                        });
                        changed_by[i].push(file.clone());
                        matched = true;
                    }
                    for &g in &node.shared {
                        let group = &self.shared[g];
                        if let Some(p) = group.files.iter().find(|p| p.glob.matches(file)) {
                            reasons[i].push(Reason::Shared {
                                file: file.clone(),
                                group: group.name.clone(),
                                pattern: p.as_str().to_string(),
                            });
                            if !changed_by[i].contains(file) {
                                changed_by[i].push(file.clone());
                            }
                            matched = true;
                        }
                    }
                    if let Some(p) = node.tests.iter().find(|p| p.glob.matches(file)) {
                        reasons[i].push(Reason::Test {
                            file: file.clone(),
                            pattern: p.as_str().to_string(),
                        });
                        matched = true;
                    }
                }
                // A shared group no workflow uses still claims its files.
                matched |= self
                    .shared
                    .iter()
                    .any(|g| g.files.iter().any(|p| p.glob.matches(file)));
            }
            if !matched {
                unmatched.push(file.clone());
            }
        }

        // dependents[j]: the workflows that depend on j.
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, node) in self.workflows.iter().enumerate() {
            for &j in &node.depends_on {
                dependents[j].push(i);
            }
        }
        for root in 0..n {
            if changed_by[root].is_empty() {
                continue;
            }
            // Breadth-first, so each reached workflow gets its shortest chain.
            let mut previous: Vec<Option<usize>> = vec![None; n];
            let mut seen = vec![false; n];
            seen[root] = true;
            let mut queue = VecDeque::from([root]);
            while let Some(j) = queue.pop_front() {
                for &i in &dependents[j] {
                    if seen[i] {
                        continue;
                    }
                    seen[i] = true;
                    previous[i] = Some(j);
                    queue.push_back(i);
                    let mut chain = vec![self.workflows[i].workflow_type()];
                    let mut at = j;
                    loop {
                        chain.push(self.workflows[at].workflow_type());
                        match previous[at] {
                            Some(p) => at = p,
                            None => break,
                        }
                    }
                    chain.reverse();
                    reasons[i].push(Reason::Dependency {
                        chain,
                        files: changed_by[root].clone(),
                    });
                }
            }
        }

        Impact {
            workflows: self
                .workflows
                .iter()
                .zip(reasons)
                .filter(|(_, r)| !r.is_empty())
                .map(|(node, reasons)| AffectedWorkflow {
                    workflow_type: node.workflow_type(),
                    reasons,
                })
                .collect(),
            unmatched_files: unmatched,
        }
    }
}
