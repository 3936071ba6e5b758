use std::path::PathBuf;

use super::*;
use crate::schema::workflow_types;

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/ts-ml-engine/workflow-knowledge-graph.json")
}

fn old_graph() -> KnowledgeGraph {
    KnowledgeGraph::load(&fixture_path()).expect("the old engine's graph loads")
}

fn files(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn affected_types(g: &KnowledgeGraph, changed: &[&str]) -> Vec<&'static str> {
    g.affected_workflows(&files(changed))
        .workflows
        .iter()
        .map(|w| w.workflow_type)
        .collect()
}

/// The graph error for `text`: (code, message).
fn graph_error(text: &str) -> (String, String) {
    let e = KnowledgeGraph::from_json_str(text, "g.json").expect_err("the graph is rejected");
    (e.code().to_string(), e.to_string())
}

fn assert_graph_error(text: &str, message: &str) {
    let (code, got) = graph_error(text);
    assert_eq!(code, "ERR_INVALID_GRAPH", "{got}");
    assert_eq!(got, format!("Invalid knowledge graph g.json: {message}"));
}

#[test]
fn the_old_graph_loads_with_the_counts_the_old_report_lists() {
    let g = old_graph();
    assert_eq!(g.format, GraphFormat::Legacy);
    let types: Vec<_> = g.workflows.iter().map(|n| n.workflow_type()).collect();
    assert_eq!(types, workflow_types().collect::<Vec<_>>());
    // The old report: 13 workflow files, 30 critical paths, 18 dependencies.
    let count = |f: fn(&WorkflowNode) -> usize| g.workflows.iter().map(f).sum::<usize>();
    assert_eq!(count(|n| n.sources.len()), 13);
    assert_eq!(count(|n| n.critical_paths.len()), 30);
    assert_eq!(count(|n| n.services.len()), 18);
    let freestyle = g.node("freestyle").unwrap();
    assert_eq!(
        freestyle.services,
        ["Web Audio API", "Speech Recognition API", "MediaRecorder"]
    );
    assert_eq!(
        freestyle.features,
        ["recording", "transcription", "voice-commands", "beat-sync"]
    );
    assert_eq!(
        freestyle
            .tests
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>(),
        ["freestyle-recording.test.ts", "voice-commands.test.ts"]
    );
}

#[test]
fn affected_workflows_on_the_old_graph() {
    let g = old_graph();
    // (changed files, affected workflows in schema order, unmatched files)
    let cases: &[(&[&str], &[&str], &[&str])] = &[
        (
            &["src/audio/ai/StemSeparator.ts"],
            &["stem-separation"],
            &[],
        ),
        (
            &["./src/audio/ai/AIMasteringEngine.ts"],
            &["ai-mastering"],
            &[],
        ),
        // A file two workflows list: both.
        (
            &["src/services/voiceCommandService.ts"],
            &["freestyle", "voice-commands"],
            &[],
        ),
        (&["src/ui/recording/LyricsWidget.tsx"], &["freestyle"], &[]),
        (
            &[
                "src/api/websocket/vocal-analysis-handlers.ts",
                "src/backend/services/ai-memory-service.ts",
            ],
            &["live-vocal-analysis", "ai-memory"],
            &[],
        ),
        (
            &["src/backend/services/budget-management-service.ts"],
            &["budget-alerts"],
            &[],
        ),
        (
            &["src/backend/services/melody-vocals-service.ts"],
            &["melody-to-vocals"],
            &[],
        ),
        // Test names without a directory match at any depth.
        (
            &["tests/e2e/voice-commands.test.ts"],
            &["freestyle", "voice-commands"],
            &[],
        ),
        (
            &["websocket-handlers.test.ts"],
            &["live-vocal-analysis"],
            &[],
        ),
        (
            &["README.md", "src/audio/ai/Other.ts"],
            &[],
            &["README.md", "src/audio/ai/Other.ts"],
        ),
        // Near misses: another extension, another directory, a prefix.
        (
            &[
                "src/audio/ai/StemSeparator.tsx",
                "lib/src/audio/ai/StemSeparator.ts",
                "src/audio",
            ],
            &[],
            &[
                "src/audio/ai/StemSeparator.tsx",
                "lib/src/audio/ai/StemSeparator.ts",
                "src/audio",
            ],
        ),
        // Outside the root never matches, even a test name.
        (
            &["../voice-commands.test.ts"],
            &[],
            &["../voice-commands.test.ts"],
        ),
        (&[], &[], &[]),
    ];
    for (changed, expected, unmatched) in cases {
        let impact = g.affected_workflows(&files(changed));
        let got: Vec<_> = impact.workflows.iter().map(|w| w.workflow_type).collect();
        assert_eq!(&got, expected, "changed {changed:?}");
        assert_eq!(&impact.unmatched_files, unmatched, "changed {changed:?}");
    }
}

#[test]
fn every_match_of_the_old_graph_carries_its_glob() {
    let g = old_graph();
    let impact = g.affected_workflows(&files(&[
        "src/services/voiceCommandService.ts",
        "tests/voice-commands.test.ts",
    ]));
    let source = Reason::Source {
        file: "src/services/voiceCommandService.ts".into(),
        pattern: "src/services/voiceCommandService.ts".into(),
    };
    let test = Reason::Test {
        file: "tests/voice-commands.test.ts".into(),
        pattern: "voice-commands.test.ts".into(),
    };
    assert_eq!(
        impact.workflows,
        vec![
            AffectedWorkflow {
                workflow_type: "freestyle",
                reasons: vec![source.clone(), test.clone()]
            },
            AffectedWorkflow {
                workflow_type: "voice-commands",
                reasons: vec![source, test]
            },
        ]
    );
    assert_eq!(
        serde_json::to_value(&impact.workflows[0].reasons[0]).unwrap(),
        serde_json::json!({ "kind": "source", "file": "src/services/voiceCommandService.ts", "pattern": "src/services/voiceCommandService.ts" })
    );
}

#[test]
fn every_workflow_of_the_old_graph_is_reached_by_each_of_its_files() {
    let g = old_graph();
    for node in &g.workflows {
        for p in &node.sources {
            let got = affected_types(&g, &[p.as_str()]);
            assert!(
                got.contains(&node.workflow_type()),
                "{} not affected by {}",
                node.workflow_type(),
                p.as_str()
            );
        }
    }
}

#[test]
fn tests_map_to_the_workflows_that_list_them() {
    let g = old_graph();
    assert_eq!(
        g.workflows_of_test("__tests__/voice-commands.test.ts"),
        ["freestyle", "voice-commands"]
    );
    assert_eq!(g.workflows_of_test("ai-memory.test.ts"), ["ai-memory"]);
    assert_eq!(
        g.workflows_of_test("ai-memory.test.tsx"),
        Vec::<&str>::new()
    );
    assert_eq!(
        g.workflows_of_test("/abs/ai-memory.test.ts"),
        Vec::<&str>::new()
    );
}

const EXTENDED: &str = r#"{
  "version": 2,
  "root": "..",
  "description": "a test graph",
  "shared": {
    "audio-core": { "files": ["src/audio/core/**"], "description": "used by three workflows" },
    "db": { "files": ["src/db/*.ts", "prisma/schema.prisma"] }
  },
  "workflows": {
    "voice-commands": {
      "sources": ["src/services/voiceCommandService.ts"],
      "tests": ["tests/voice/**/*.test.ts"],
      "services": ["Web Speech API"]
    },
    "freestyle": {
      "sources": ["src/ui/freestyle/**/*.{ts,tsx}"],
      "tests": ["tests/freestyle/**"],
      "sharedFiles": ["audio-core"],
      "dependsOn": ["voice-commands"],
      "criticalPaths": ["mic_permission"]
    },
    "live-vocal-analysis": {
      "sources": ["src/vocal/"],
      "sharedFiles": ["audio-core"],
      "dependsOn": ["freestyle"]
    },
    "ai-memory": { "sources": ["src/memory/**"], "sharedFiles": ["db"] },
    "budget-alerts": { "sources": ["src/budget/**"], "sharedFiles": ["db"], "dependsOn": ["ai-memory"] }
  }
}"#;

#[test]
fn the_extended_format_loads() {
    let g = KnowledgeGraph::from_json_str(EXTENDED, "g.json").unwrap();
    assert_eq!(g.format, GraphFormat::Extended);
    assert_eq!(g.root.as_deref(), Some(".."));
    let types: Vec<_> = g.workflows.iter().map(|n| n.workflow_type()).collect();
    // Schema order, not document order.
    assert_eq!(
        types,
        [
            "freestyle",
            "live-vocal-analysis",
            "ai-memory",
            "voice-commands",
            "budget-alerts"
        ]
    );
    let d = serde_json::to_value(g.describe()).unwrap();
    assert_eq!(
        d["workflows"][0]["sharedFiles"],
        serde_json::json!(["audio-core"])
    );
    assert_eq!(
        d["workflows"][0]["dependsOn"],
        serde_json::json!(["voice-commands"])
    );
    assert_eq!(
        d["shared"][1]["files"],
        serde_json::json!(["src/db/*.ts", "prisma/schema.prisma"])
    );
    assert_eq!(d["format"], "extended");
}

#[test]
fn impact_follows_shared_files_and_dependency_chains_with_reasons() {
    let g = KnowledgeGraph::from_json_str(EXTENDED, "g.json").unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["src/ui/freestyle/Session.tsx"],
            &["freestyle", "live-vocal-analysis"],
        ),
        (
            &["src/services/voiceCommandService.ts"],
            &["freestyle", "live-vocal-analysis", "voice-commands"],
        ),
        (
            &["src/audio/core/fft.ts"],
            &["freestyle", "live-vocal-analysis"],
        ),
        (&["src/db/client.ts"], &["ai-memory", "budget-alerts"]),
        (&["src/memory/store.ts"], &["ai-memory", "budget-alerts"]),
        (&["src/budget/alerts.ts"], &["budget-alerts"]),
        (&["src/vocal/pitch/yin.ts"], &["live-vocal-analysis"]),
        // A changed test affects its workflow only: no propagation.
        (&["tests/voice/commands/match.test.ts"], &["voice-commands"]),
        (&["src/ui/freestyle/Session.css"], &[]),
    ];
    for (changed, expected) in cases {
        assert_eq!(
            &affected_types(&g, changed),
            expected,
            "changed {changed:?}"
        );
    }

    let impact = g.affected_workflows(&files(&[
        "src/services/voiceCommandService.ts",
        "src/audio/core/fft.ts",
    ]));
    let lva = impact
        .workflows
        .iter()
        .find(|w| w.workflow_type == "live-vocal-analysis")
        .unwrap();
    assert_eq!(
        lva.reasons,
        vec![
            Reason::Shared {
                file: "src/audio/core/fft.ts".into(),
                group: "audio-core".into(),
                pattern: "src/audio/core/**".into()
            },
            Reason::Dependency {
                chain: vec!["freestyle", "live-vocal-analysis"],
                files: vec!["src/audio/core/fft.ts".into()]
            },
            Reason::Dependency {
                chain: vec!["voice-commands", "freestyle", "live-vocal-analysis"],
                files: vec!["src/services/voiceCommandService.ts".into()],
            },
        ]
    );
    assert_eq!(
        serde_json::to_value(&lva.reasons[2]).unwrap(),
        serde_json::json!({ "kind": "dependency", "chain": ["voice-commands", "freestyle", "live-vocal-analysis"], "files": ["src/services/voiceCommandService.ts"] })
    );
    assert!(impact.unmatched_files.is_empty());
}

#[test]
fn malformed_graphs_name_the_json_path() {
    let cases: &[(&str, &str)] = &[
        (r#"{"freestyle": {"files": ["a.ts", "b.ts", 3]}}"#, "$.freestyle.files[2]: expected a string, received number"),
        (r#"{"freestyle": {"files": "a.ts"}}"#, "$.freestyle.files: expected an array of strings, received string"),
        (r#"{"freestyle": {"tests": [null]}}"#, "$.freestyle.tests[0]: expected a string, received null"),
        (r#"{"freestyle": []}"#, "$.freestyle: expected an object, received array"),
        (r#"[]"#, "$: expected an object, received array"),
        (r#"{}"#, "$: the graph declares no workflow"),
        (
            r#"{"freestyle": {"file": []}}"#,
            "$.freestyle.file: unknown field (expected one of files, features, dependencies, tests, criticalPaths)",
        ),
        (r#"{"freestyle": {"files": [], "files": []}}"#, "$.freestyle.files: declared twice"),
        (r#"{"freestyle": {}, "freestyle": {}}"#, "$.freestyle: workflow \"freestyle\" is declared twice"),
        (
            r#"{"freestyle": {"files": ["src/{a.ts"]}}"#,
            "$.freestyle.files[0]: invalid glob \"src/{a.ts\": unclosed '{' at character 5",
        ),
        (r#"{"melody-to-vocals": {"criticalPaths": [true]}}"#, "$.melody-to-vocals.criticalPaths[0]: expected a string, received boolean"),
        (r#"{"version": 3, "workflows": {}}"#, "$.version: unsupported version 3 (this engine reads version 2; the old format has no version field)"),
        (r#"{"version": "2", "workflows": {}}"#, "$.version: expected the number 2, received string"),
        (r#"{"name": "app", "version": "1.0.0"}"#, "$.version: expected the number 2, received string"),
        (
            r#"{"workflows": {}}"#,
            "$.version: missing: a graph in the extended format declares \"version\": 2 (a graph in the old format has workflow types as its top-level keys)",
        ),
        (r#"{"version": 2}"#, "$.workflows: missing: the graph declares no workflow"),
        (r#"{"version": 2, "workflows": {"freestyle": {"sources": [1]}}}"#, "$.workflows.freestyle.sources[0]: expected a string, received number"),
        (
            r#"{"version": 2, "workflows": {"freestyle": {"files": []}}}"#,
            "$.workflows.freestyle.files: unknown field (expected one of description, sources, tests, services, criticalPaths, features, sharedFiles, dependsOn)",
        ),
        (r#"{"version": 2, "shared": {"x": {}}, "workflows": {"freestyle": {}}}"#, "$.shared.x.files: missing: a shared group lists its files (globs)"),
        (r#"{"version": 2, "shared": {"x": {"files": [""]}}, "workflows": {"freestyle": {}}}"#, "$.shared.x.files[0]: invalid glob \"\": an empty pattern matches nothing"),
        (
            r#"{"version": 2, "workflows": {"freestyle": {"sharedFiles": ["audio"]}}}"#,
            "$.workflows.freestyle.sharedFiles[0]: unknown shared group \"audio\" (none is declared under $.shared)",
        ),
        (
            r#"{"version": 2, "shared": {"db": {"files": ["db/**"]}}, "workflows": {"freestyle": {"sharedFiles": ["db", "audio"]}}}"#,
            "$.workflows.freestyle.sharedFiles[1]: unknown shared group \"audio\" (declared: db)",
        ),
        (
            r#"{"version": 2, "workflows": {"freestyle": {"dependsOn": ["ai-memory"]}}}"#,
            "$.workflows.freestyle.dependsOn[0]: workflow \"ai-memory\" is not declared in this graph (under $.workflows)",
        ),
        (
            r#"{"version": 2, "workflows": {"freestyle": {}, "ai-memory": {"dependsOn": ["freestyle", "freestyle"]}}}"#,
            "$.workflows.ai-memory.dependsOn[1]: \"freestyle\" is already listed at [0]",
        ),
        (r#"{"version": 2, "root": 1, "workflows": {"freestyle": {}}}"#, "$.root: expected a string, received number"),
        (r#"{"version": 2, "extra": 1, "workflows": {"freestyle": {}}}"#, "$.extra: unknown field (expected one of version, $schema, description, root, shared, workflows)"),
    ];
    for (text, message) in cases {
        assert_graph_error(text, message);
    }
    let (code, message) = graph_error("{\"freestyle\": {\"files\": [\n");
    assert_eq!(code, "ERR_INVALID_GRAPH");
    assert!(
        message.starts_with("Invalid knowledge graph g.json: $: not valid JSON: EOF while parsing"),
        "{message}"
    );
}

#[test]
fn unknown_workflows_are_rejected_where_they_are_named() {
    let expected = workflow_types().collect::<Vec<_>>().join(", ");
    assert_graph_error(
        r#"{"freestyle": {}, "karaoke": {"files": []}}"#,
        &format!("$.karaoke: unknown workflow \"karaoke\" (expected one of {expected})"),
    );
    assert_graph_error(
        r#"{"version": 2, "workflows": {"karaoke": {}}}"#,
        &format!("$.workflows.karaoke: unknown workflow \"karaoke\" (expected one of {expected})"),
    );
    assert_graph_error(
        r#"{"version": 2, "workflows": {"freestyle": {"dependsOn": ["voice-commands", "karaoke"]}, "voice-commands": {}}}"#,
        &format!("$.workflows.freestyle.dependsOn[1]: unknown workflow \"karaoke\" (expected one of {expected})"),
    );
}

#[test]
fn dependency_cycles_are_rejected_naming_the_cycle() {
    assert_graph_error(
        r#"{"version": 2, "workflows": {
            "freestyle": {"dependsOn": ["voice-commands"]},
            "voice-commands": {"dependsOn": ["ai-memory"]},
            "ai-memory": {"dependsOn": ["budget-alerts", "freestyle"]},
            "budget-alerts": {}
        }}"#,
        "$.workflows.ai-memory.dependsOn[1]: dependency cycle freestyle -> voice-commands -> ai-memory -> freestyle",
    );
    assert_graph_error(
        r#"{"version": 2, "workflows": {"ai-memory": {"dependsOn": ["ai-memory"]}}}"#,
        "$.workflows.ai-memory.dependsOn[0]: dependency cycle ai-memory -> ai-memory",
    );
    // A diamond is not a cycle.
    let diamond = r#"{"version": 2, "workflows": {
        "freestyle": {"dependsOn": ["voice-commands", "ai-memory"]},
        "voice-commands": {"dependsOn": ["budget-alerts"]},
        "ai-memory": {"dependsOn": ["budget-alerts"]},
        "budget-alerts": {"sources": ["src/budget/**"]}
    }}"#;
    let g = KnowledgeGraph::from_json_str(diamond, "g.json").unwrap();
    let impact = g.affected_workflows(&files(&["src/budget/x.ts"]));
    let freestyle = impact
        .workflows
        .iter()
        .find(|w| w.workflow_type == "freestyle")
        .unwrap();
    assert_eq!(
        freestyle.reasons.len(),
        1,
        "one shortest chain per changed workflow: {:?}",
        freestyle.reasons
    );
    assert_eq!(
        affected_types(&g, &["src/budget/x.ts"]),
        ["freestyle", "ai-memory", "voice-commands", "budget-alerts"]
    );
}

#[test]
fn a_missing_file_is_an_io_error() {
    let e = KnowledgeGraph::load(std::path::Path::new("/nonexistent/graph.json")).unwrap_err();
    assert_eq!(e.code(), "ERR_IO");
    assert!(e.to_string().contains("/nonexistent/graph.json"), "{e}");
}

#[test]
fn a_file_with_a_byte_order_mark_loads_and_one_not_utf8_is_an_invalid_graph() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"version":2,"workflows":{"freestyle":{"sources":["src/**"]}}}"#;
    let bom = dir.path().join("bom.json");
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    let g = KnowledgeGraph::load(&bom).unwrap();
    assert!(g.node("freestyle").is_some());
    let g = KnowledgeGraph::from_json_str(&format!("\u{feff}{text}"), "a string").unwrap();
    assert!(g.node("freestyle").is_some());
    let latin1 = dir.path().join("latin1.json");
    let mut bytes = text.as_bytes().to_vec();
    bytes.insert(text.find("src").unwrap(), 0xe9);
    std::fs::write(&latin1, bytes).unwrap();
    let e = KnowledgeGraph::load(&latin1).err().unwrap();
    assert_eq!(e.code(), "ERR_INVALID_GRAPH");
    assert!(
        e.to_string()
            .contains("the file is not UTF-8 text (invalid byte at offset 51)"),
        "{e}"
    );
}
