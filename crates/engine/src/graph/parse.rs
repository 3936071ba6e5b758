//! Graph JSON (either format) -> `KnowledgeGraph`, with every problem
//! reported as `ERR_INVALID_GRAPH` naming the JSON path of the offending
//! value: a wrong type, an unknown or repeated key, an invalid glob, a
//! reference to an unknown workflow or shared group, a dependency cycle.

use super::json::{Json, JsonPath};
use super::{GraphFormat, KnowledgeGraph, Pattern, SharedGroup, WorkflowNode};
use crate::error::{EngineError, Result};
use crate::graph::glob::Glob;
use crate::schema::{find_workflow, workflow_types, Workflow};

/// The version number of the extended format this engine reads.
pub const EXTENDED_VERSION: f64 = 2.0;

const LEGACY_KEYS: &[&str] = &[
    "files",
    "features",
    "dependencies",
    "tests",
    "criticalPaths",
];
const EXTENDED_TOP_KEYS: &[&str] = &[
    "version",
    "$schema",
    "description",
    "root",
    "shared",
    "workflows",
];
const EXTENDED_NODE_KEYS: &[&str] = &[
    "description",
    "sources",
    "tests",
    "services",
    "criticalPaths",
    "features",
    "sharedFiles",
    "dependsOn",
];
const SHARED_KEYS: &[&str] = &["description", "files"];

struct Parser<'a> {
    origin: &'a str,
}

/// A workflow entry of the document: its workflow, its members, its path.
type Entry<'j> = (&'static Workflow, &'j [(String, Json)], JsonPath);

/// A node while parsing: references still by name, with their JSON paths.
struct Draft {
    node: WorkflowNode,
    shared_names: Vec<(String, JsonPath)>,
    depends_names: Vec<(String, JsonPath)>,
}

pub fn parse(text: &str, origin: &str) -> Result<KnowledgeGraph> {
    // Some Windows editors start a file with a byte-order mark, which JSON
    // parsers refuse; it carries nothing, in a file or in a string.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let p = Parser { origin };
    let root = JsonPath::root();
    let json: Json =
        serde_json::from_str(text).map_err(|e| p.error(&root, format!("not valid JSON: {e}")))?;
    let members = p.object(&json, &root)?;
    let has = |k: &str| members.iter().any(|(key, _)| key == k);
    if has("version") {
        p.extended(members)
    } else if has("workflows") {
        Err(p.error(
            &root.key("version"),
            "missing: a graph in the extended format declares \"version\": 2 \
             (a graph in the old format has workflow types as its top-level keys)",
        ))
    } else {
        p.legacy(members)
    }
}

impl Parser<'_> {
    fn error(&self, path: &JsonPath, reason: impl Into<String>) -> EngineError {
        EngineError::InvalidGraph {
            file: self.origin.to_string(),
            path: path.to_string(),
            reason: reason.into(),
        }
    }

    fn expected(&self, path: &JsonPath, what: &str, got: &Json) -> EngineError {
        self.error(
            path,
            format!("expected {what}, received {}", got.type_name()),
        )
    }

    fn object<'j>(&self, v: &'j Json, path: &JsonPath) -> Result<&'j [(String, Json)]> {
        match v {
            Json::Object(members) => Ok(members),
            other => Err(self.expected(path, "an object", other)),
        }
    }

    /// Reject unknown and repeated keys.
    fn check_keys(
        &self,
        members: &[(String, Json)],
        path: &JsonPath,
        known: &[&str],
    ) -> Result<()> {
        for (i, (key, _)) in members.iter().enumerate() {
            if !known.contains(&key.as_str()) {
                return Err(self.error(
                    &path.key(key),
                    format!("unknown field (expected one of {})", known.join(", ")),
                ));
            }
            if members[..i].iter().any(|(k, _)| k == key) {
                return Err(self.error(&path.key(key), "declared twice"));
            }
        }
        Ok(())
    }

    fn strings(&self, v: &Json, path: &JsonPath) -> Result<Vec<String>> {
        let Json::Array(items) = v else {
            return Err(self.expected(path, "an array of strings", v));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Json::String(s) => Ok(s.clone()),
                other => Err(self.expected(&path.index(i), "a string", other)),
            })
            .collect()
    }

    /// Strings that are names: non-empty, each listed once.
    fn names(&self, v: &Json, path: &JsonPath) -> Result<Vec<(String, JsonPath)>> {
        let names = self.strings(v, path)?;
        let mut out: Vec<(String, JsonPath)> = Vec::with_capacity(names.len());
        for (i, name) in names.into_iter().enumerate() {
            let at = path.index(i);
            if name.is_empty() {
                return Err(self.error(&at, "expected a name, received an empty string"));
            }
            if let Some(first) = out.iter().position(|(n, _)| *n == name) {
                return Err(self.error(&at, format!("\"{name}\" is already listed at [{first}]")));
            }
            out.push((name, at));
        }
        Ok(out)
    }

    fn patterns(&self, v: &Json, path: &JsonPath) -> Result<Vec<Pattern>> {
        self.strings(v, path)?
            .iter()
            .enumerate()
            .map(|(i, text)| {
                Glob::new(text)
                    .map(|glob| Pattern { glob })
                    .map_err(|e| self.error(&path.index(i), format!("invalid glob {text:?}: {e}")))
            })
            .collect()
    }

    fn optional_text(&self, v: &Json, path: &JsonPath) -> Result<String> {
        match v {
            Json::String(s) => Ok(s.clone()),
            other => Err(self.expected(path, "a string", other)),
        }
    }

    fn workflow(&self, name: &str, path: &JsonPath) -> Result<&'static Workflow> {
        find_workflow(name).ok_or_else(|| {
            self.error(
                path,
                format!(
                    "unknown workflow \"{name}\" (expected one of {})",
                    workflow_types().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    fn empty_node(workflow: &'static Workflow) -> WorkflowNode {
        WorkflowNode {
            workflow,
            description: None,
            sources: Vec::new(),
            tests: Vec::new(),
            services: Vec::new(),
            critical_paths: Vec::new(),
            features: Vec::new(),
            shared: Vec::new(),
            depends_on: Vec::new(),
        }
    }

    /// Workflow entries keyed by workflow type, in document order.
    fn workflow_entries<'j>(
        &self,
        members: &'j [(String, Json)],
        path: &JsonPath,
    ) -> Result<Vec<Entry<'j>>> {
        if members.is_empty() {
            return Err(self.error(path, "the graph declares no workflow"));
        }
        let mut out: Vec<Entry<'j>> = Vec::new();
        for (key, value) in members {
            let at = path.key(key);
            let workflow = self.workflow(key, &at)?;
            if out.iter().any(|(w, _, _)| w.index == workflow.index) {
                return Err(self.error(&at, format!("workflow \"{key}\" is declared twice")));
            }
            out.push((workflow, self.object(value, &at)?, at));
        }
        Ok(out)
    }

    fn legacy(&self, members: &[(String, Json)]) -> Result<KnowledgeGraph> {
        let mut workflows = Vec::new();
        for (workflow, entry, at) in self.workflow_entries(members, &JsonPath::root())? {
            self.check_keys(entry, &at, LEGACY_KEYS)?;
            let mut node = Self::empty_node(workflow);
            for (key, value) in entry {
                let path = at.key(key);
                match key.as_str() {
                    "files" => node.sources = self.patterns(value, &path)?,
                    "tests" => node.tests = self.patterns(value, &path)?,
                    "dependencies" => node.services = self.strings(value, &path)?,
                    "criticalPaths" => node.critical_paths = self.strings(value, &path)?,
                    "features" => node.features = self.strings(value, &path)?,
                    _ => unreachable!("check_keys admitted {key}"),
                }
            }
            workflows.push(node);
        }
        workflows.sort_by_key(|n| n.workflow.index);
        Ok(KnowledgeGraph {
            format: GraphFormat::Legacy,
            root: None,
            workflows,
            shared: Vec::new(),
        })
    }

    fn extended(&self, members: &[(String, Json)]) -> Result<KnowledgeGraph> {
        let top = JsonPath::root();
        let get = |k: &str| members.iter().find(|(key, _)| key == k).map(|(_, v)| v);

        let version_path = top.key("version");
        match get("version") {
            Some(Json::Number(v)) if *v == EXTENDED_VERSION => {}
            Some(Json::Number(v)) => {
                return Err(self.error(
                    &version_path,
                    format!("unsupported version {v} (this engine reads version 2; the old format has no version field)"),
                ))
            }
            Some(other) => return Err(self.expected(&version_path, "the number 2", other)),
            None => unreachable!("extended() is only called with a version"),
        }
        // After the version: a file with another "version" (a package.json)
        // is told that first.
        self.check_keys(members, &top, EXTENDED_TOP_KEYS)?;
        let root = match get("root") {
            None => None,
            Some(v) => {
                let root = self.optional_text(v, &top.key("root"))?;
                if root.is_empty() {
                    return Err(self.error(
                        &top.key("root"),
                        "expected a directory, received an empty string",
                    ));
                }
                Some(root)
            }
        };
        if let Some(v) = get("description") {
            self.optional_text(v, &top.key("description"))?;
        }
        if let Some(v) = get("$schema") {
            self.optional_text(v, &top.key("$schema"))?;
        }

        let mut shared = Vec::new();
        if let Some(v) = get("shared") {
            let at = top.key("shared");
            for (name, group) in self.object(v, &at)? {
                let gpath = at.key(name);
                if name.is_empty() {
                    return Err(self.error(&gpath, "a shared group needs a non-empty name"));
                }
                if shared.iter().any(|g: &SharedGroup| g.name == *name) {
                    return Err(
                        self.error(&gpath, format!("shared group \"{name}\" is declared twice"))
                    );
                }
                let fields = self.object(group, &gpath)?;
                self.check_keys(fields, &gpath, SHARED_KEYS)?;
                let mut group = SharedGroup {
                    name: name.clone(),
                    description: None,
                    files: Vec::new(),
                };
                let mut has_files = false;
                for (key, value) in fields {
                    match key.as_str() {
                        "files" => {
                            group.files = self.patterns(value, &gpath.key(key))?;
                            has_files = true;
                        }
                        "description" => {
                            group.description = Some(self.optional_text(value, &gpath.key(key))?)
                        }
                        _ => unreachable!("check_keys admitted {key}"),
                    }
                }
                if !has_files {
                    return Err(self.error(
                        &gpath.key("files"),
                        "missing: a shared group lists its files (globs)",
                    ));
                }
                shared.push(group);
            }
        }

        let workflows_path = top.key("workflows");
        let workflows_json = get("workflows").ok_or_else(|| {
            self.error(&workflows_path, "missing: the graph declares no workflow")
        })?;
        let mut drafts = Vec::new();
        for (workflow, entry, at) in self.workflow_entries(
            self.object(workflows_json, &workflows_path)?,
            &workflows_path,
        )? {
            self.check_keys(entry, &at, EXTENDED_NODE_KEYS)?;
            let mut draft = Draft {
                node: Self::empty_node(workflow),
                shared_names: Vec::new(),
                depends_names: Vec::new(),
            };
            for (key, value) in entry {
                let path = at.key(key);
                let node = &mut draft.node;
                match key.as_str() {
                    "description" => node.description = Some(self.optional_text(value, &path)?),
                    "sources" => node.sources = self.patterns(value, &path)?,
                    "tests" => node.tests = self.patterns(value, &path)?,
                    "services" => node.services = self.strings(value, &path)?,
                    "criticalPaths" => node.critical_paths = self.strings(value, &path)?,
                    "features" => node.features = self.strings(value, &path)?,
                    "sharedFiles" => draft.shared_names = self.names(value, &path)?,
                    "dependsOn" => draft.depends_names = self.names(value, &path)?,
                    _ => unreachable!("check_keys admitted {key}"),
                }
            }
            drafts.push(draft);
        }
        drafts.sort_by_key(|d| d.node.workflow.index);

        // Resolve names to indices now that every node is known.
        let declared: Vec<&'static str> = drafts.iter().map(|d| d.node.workflow_type()).collect();
        let mut edges_at: Vec<Vec<JsonPath>> = Vec::with_capacity(drafts.len());
        for d in &mut drafts {
            for (name, at) in &d.shared_names {
                let index = shared.iter().position(|g| g.name == *name).ok_or_else(|| {
                    let known: Vec<&str> = shared.iter().map(|g| g.name.as_str()).collect();
                    self.error(
                        at,
                        if known.is_empty() {
                            format!(
                                "unknown shared group \"{name}\" (none is declared under $.shared)"
                            )
                        } else {
                            format!(
                                "unknown shared group \"{name}\" (declared: {})",
                                known.join(", ")
                            )
                        },
                    )
                })?;
                d.node.shared.push(index);
            }
            let mut paths = Vec::new();
            for (name, at) in &d.depends_names {
                let workflow = self.workflow(name, at)?;
                let index = declared
                    .iter()
                    .position(|t| *t == workflow.workflow_type())
                    .ok_or_else(|| {
                        self.error(at, format!("workflow \"{name}\" is not declared in this graph (under $.workflows)"))
                    })?;
                d.node.depends_on.push(index);
                paths.push(at.clone());
            }
            edges_at.push(paths);
        }
        let workflows: Vec<WorkflowNode> = drafts.into_iter().map(|d| d.node).collect();
        if let Some((from, edge, cycle)) = find_cycle(&workflows) {
            let names: Vec<&str> = cycle
                .iter()
                .map(|&i| workflows[i].workflow_type())
                .collect();
            return Err(self.error(
                &edges_at[from][edge],
                format!("dependency cycle {}", names.join(" -> ")),
            ));
        }
        Ok(KnowledgeGraph {
            format: GraphFormat::Extended,
            root,
            workflows,
            shared,
        })
    }
}

/// The first cycle of `depends_on` edges, found by depth-first search in
/// schema order: (node the closing edge leaves, index of that edge in its
/// `depends_on`, the cycle as node indices from its start back to it).
fn find_cycle(nodes: &[WorkflowNode]) -> Option<(usize, usize, Vec<usize>)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnStack,
        Done,
    }
    let mut mark = vec![Mark::New; nodes.len()];
    for start in 0..nodes.len() {
        if mark[start] != Mark::New {
            continue;
        }
        // (node, next edge to follow)
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::OnStack;
        while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
            let Some(&next) = nodes[node].depends_on.get(*edge) else {
                mark[node] = Mark::Done;
                stack.pop();
                continue;
            };
            let taken = *edge;
            *edge += 1;
            match mark[next] {
                Mark::New => {
                    mark[next] = Mark::OnStack;
                    stack.push((next, 0));
                }
                Mark::OnStack => {
                    let from = stack
                        .iter()
                        .position(|&(n, _)| n == next)
                        .expect("on the stack");
                    let mut cycle: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                    cycle.push(next);
                    return Some((node, taken, cycle));
                }
                Mark::Done => {}
            }
        }
    }
    None
}
