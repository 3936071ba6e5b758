use super::*;
use crate::model::{load_dir, ModelFile};

fn fixture_models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ts-ml-engine/models")
}

/// A fresh directory holding the old engine's flat model files, removed
/// (with all it holds) when the guard drops at the end of the test, whether
/// it passes or panics.
fn flat_dir(tag: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("ml-engine-registry-{tag}-"))
        .tempdir()
        .unwrap();
    for w in all_workflows() {
        let name = format!("{}-model.json", w.workflow_type());
        fs::copy(fixture_models().join(&name), dir.path().join(&name)).unwrap();
    }
    dir
}

/// A registry over the fixture models (imported as v1) with `retrained`
/// versions v2 ..= v(1 + n) beside it, none promoted.
fn registry_with(tag: &str, n: usize) -> (tempfile::TempDir, Registry) {
    let tmp = flat_dir(tag);
    let r = Registry::new(tmp.path());
    for _ in 0..n {
        r.create_version(&[retrained("freestyle", 0.5)], new_version("train"))
            .unwrap();
    }
    (tmp, r)
}

/// The fixture model of `workflow_type` with another bias, as file bytes.
fn retrained(workflow_type: &str, bias: f64) -> (String, Vec<u8>) {
    let name = format!("{workflow_type}-model.json");
    let text = fs::read_to_string(fixture_models().join(&name)).unwrap();
    let mut file: ModelFile = serde_json::from_str(&text).unwrap();
    file.bias = bias;
    (name, serde_json::to_vec_pretty(&file).unwrap())
}

fn new_version(source: &str) -> NewVersion {
    NewVersion {
        source: source.to_string(),
        ..NewVersion::default()
    }
}

#[test]
fn the_flat_layout_resolves_to_the_directory_itself() {
    let tmp = flat_dir("flat");
    let dir = tmp.path().to_path_buf();
    let r = Registry::new(&dir);
    assert_eq!(r.state().unwrap(), None);
    assert_eq!(
        r.resolve().unwrap(),
        Resolved {
            dir: dir.clone(),
            version: None
        }
    );
    assert!(r.list().unwrap().is_empty());
    assert_eq!(load_dir(&r.resolve().unwrap().dir).warnings.len(), 0);
}

#[test]
fn a_partial_version_inherits_the_other_workflows_and_the_flat_files_become_v1() {
    let tmp = flat_dir("partial");
    let dir = tmp.path().to_path_buf();
    let r = Registry::new(&dir);
    let v2 = r
        .create_version(&[retrained("freestyle", 0.25)], new_version("train"))
        .unwrap();
    assert_eq!(v2.id, "v2");
    assert_eq!(v2.parent.as_deref(), Some("v1"));
    let state = r.state().unwrap().unwrap();
    assert_eq!(
        state.current, "v1",
        "a new version is not current until promoted"
    );
    assert_eq!(state.history[0].action, Action::Import);
    let v1 = r.manifest("v1").unwrap();
    assert_eq!(v1.workflows.len(), 8);
    assert_eq!(v1.workflows["freestyle"].origin, "imported");

    assert_eq!(v2.workflows["freestyle"].origin, "trained");
    assert_ne!(
        v2.workflows["freestyle"].model_version,
        v1.workflows["freestyle"].model_version
    );
    let memory = &v2.workflows["ai-memory"];
    assert_eq!(
        (memory.origin.as_str(), memory.from.as_deref()),
        ("inherited", Some("v1"))
    );
    assert_eq!(
        memory.model_version,
        v1.workflows["ai-memory"].model_version
    );
    // An inherited file is the parent's, byte for byte; a version directory
    // is a flat models directory the old loader reads whole.
    let name = "ai-memory-model.json";
    assert_eq!(
        fs::read(r.version_dir("v2").join(name)).unwrap(),
        fs::read(fixture_models().join(name)).unwrap()
    );
    let set = load_dir(&r.version_dir("v2"));
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    let freestyle = set.models[0].as_ref().unwrap();
    assert_eq!(freestyle.file.bias, 0.25);
    assert_eq!(freestyle.version, v2.workflows["freestyle"].model_version);

    let listed: Vec<(String, bool)> = r
        .list()
        .unwrap()
        .into_iter()
        .map(|v| (v.manifest.id, v.current))
        .collect();
    assert_eq!(
        listed,
        [("v1".to_string(), true), ("v2".to_string(), false)]
    );
}

#[test]
fn promote_and_rollback_move_the_pointer_and_keep_every_decision() {
    let tmp = flat_dir("promote");
    let dir = tmp.path().to_path_buf();
    let r = Registry::new(&dir);
    r.create_version(&[retrained("freestyle", 0.5)], new_version("train"))
        .unwrap();
    r.create_version(&[retrained("freestyle", 0.75)], new_version("train"))
        .unwrap();
    let figures =
        serde_json::json!({ "logLossChampion": 0.31, "logLossChallenger": 0.22, "n": 400 });
    let s = r
        .promote(
            "2",
            &Guard::default(),
            Some("beats the champion".to_string()),
            Some(figures.clone()),
        )
        .unwrap();
    assert_eq!(
        (s.current.as_str(), s.previous.as_slice()),
        ("v2", &["v1".to_string()][..])
    );
    let s = r.promote("v3", &Guard::default(), None, None).unwrap();
    assert_eq!(s.previous, ["v1", "v2"]);
    assert_eq!(r.resolve().unwrap().dir, r.version_dir("v3"));

    let s = r
        .rollback(
            &Guard::default(),
            Some("degraded".to_string()),
            Some(serde_json::json!({ "logLoss": 0.5 })),
        )
        .unwrap();
    assert_eq!(s.current, "v2");
    let s = r.rollback(&Guard::default(), None, None).unwrap();
    assert_eq!(s.current, "v1");
    let e = r.rollback(&Guard::default(), None, None).unwrap_err();
    assert_eq!(e.code(), "ERR_NO_PREVIOUS_VERSION");
    assert!(
        e.to_string()
            .contains("nothing to roll back to (v1 has been current"),
        "{e}"
    );

    let history = r.state().unwrap().unwrap().history;
    let moves: Vec<(Action, Option<&str>, Option<&str>)> = history
        .iter()
        .map(|d| (d.action, d.version.as_deref(), d.from.as_deref()))
        .collect();
    assert_eq!(
        moves,
        [
            (Action::Import, Some("v1"), None),
            (Action::Promote, Some("v2"), Some("v1")),
            (Action::Promote, Some("v3"), Some("v2")),
            (Action::Rollback, Some("v2"), Some("v3")),
            (Action::Rollback, Some("v1"), Some("v2")),
        ]
    );
    assert_eq!(history[1].figures.as_ref(), Some(&figures));
    assert_eq!(history[1].reason.as_deref(), Some("beats the champion"));
    // One write each: the import and four moves (the refused rollback wrote nothing).
    assert_eq!(r.state().unwrap().unwrap().revision, 5);

    let e = r.promote("v9", &Guard::default(), None, None).unwrap_err();
    assert_eq!(e.code(), "ERR_VERSION_NOT_FOUND");
    assert!(
        e.to_string()
            .ends_with("no version 'v9' (known: v1, v2, v3)"),
        "{e}"
    );
}

#[test]
fn a_challenger_is_set_cleared_and_taken_by_its_promotion() {
    let tmp = flat_dir("challenger");
    let dir = tmp.path().to_path_buf();
    let r = Registry::new(&dir);
    r.create_version(
        &[retrained("ai-memory", 0.1)],
        new_version("retrain --from-outcomes"),
    )
    .unwrap();
    let e = r.set_challenger(Some("v1"), None, None).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_ARG");
    let s = r.set_challenger(Some("v2"), None, None).unwrap();
    assert_eq!(s.challenger.as_deref(), Some("v2"));
    assert_eq!(
        r.resolve_challenger().unwrap().unwrap().dir,
        r.version_dir("v2")
    );
    assert!(r.list().unwrap()[1].challenger);
    let s = r.promote("v2", &Guard::default(), None, None).unwrap();
    assert_eq!(s.challenger, None);
    assert_eq!(r.resolve_challenger().unwrap(), None);
}

#[test]
fn version_ids_must_be_ids_in_arguments_and_in_the_pointer() {
    let (tmp, r) = registry_with("ids", 1);
    let dir = tmp.path().to_path_buf();
    // A manifest outside versions/ that an unchecked id could reach.
    std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
    std::fs::copy(
        r.version_dir("v2").join("manifest.json"),
        dir.join("elsewhere").join("manifest.json"),
    )
    .unwrap();
    for id in ["../elsewhere", "v1/../v2", "/tmp", "", ".hidden", "a\\b"] {
        let e = r.promote(id, &Guard::default(), None, None).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_ARG", "{id}");
        assert_eq!(
            e.to_string(),
            format!(
                "Invalid argument 'id': expected a version id such as v3 (or 3), received {id:?}"
            )
        );
    }
    assert_eq!(r.state().unwrap().unwrap().current, "v1");
    // A hand-made version with a name of its own still works.
    fs::rename(r.version_dir("v2"), r.version_dir("baseline-2026.1")).unwrap();
    assert_eq!(
        r.promote("baseline-2026.1", &Guard::default(), None, None)
            .unwrap()
            .current,
        "baseline-2026.1"
    );
    assert_eq!(r.resolve().unwrap().dir, r.version_dir("baseline-2026.1"));
    // A hand-edited pointer naming a path is refused as it is read.
    let pointer = dir.join("current.json");
    let mut edited: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&pointer).unwrap()).unwrap();
    edited["current"] = serde_json::json!("../elsewhere");
    std::fs::write(&pointer, edited.to_string()).unwrap();
    let e = r.resolve().unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_REGISTRY");
    assert!(
        e.to_string().ends_with(
            "it names \"../elsewhere\", which is not a version directory's name (v1, v2, ...)"
        ),
        "{e}"
    );
}

#[test]
fn a_move_with_if_current_applies_only_to_the_state_it_was_decided_on() {
    let (_tmp, r) = registry_with("if-current", 2);
    r.promote("v2", &Guard::current("v1"), None, None).unwrap();
    r.promote("v3", &Guard::current("v2"), None, None).unwrap();
    // Two monitors decided to roll v3 back; the first did.
    r.rollback(&Guard::current("v3"), None, None).unwrap();
    let before = r.state().unwrap().unwrap();
    let e = r.rollback(&Guard::current("v3"), None, None).unwrap_err();
    assert_eq!(e.code(), "ERR_VERSION_CHANGED");
    assert!(e.to_string().ends_with("v2 is current now, not v3; the decision was made on an earlier state and is not applied"), "{e}");
    let e = r
        .promote("v3", &Guard::current("3"), None, None)
        .unwrap_err();
    assert_eq!(e.code(), "ERR_VERSION_CHANGED");
    assert_eq!(r.state().unwrap().unwrap(), before);
    // A promote and a rollback since the read leave v2 current but change
    // the previous stack: only the revision tells.
    let read = r.state().unwrap().unwrap().revision;
    r.promote("v3", &Guard::default(), None, None).unwrap();
    r.rollback(&Guard::default(), None, None).unwrap();
    let stale = Guard {
        if_current: Some("v2".to_string()),
        if_revision: Some(read),
    };
    let e = r.rollback(&stale, None, None).unwrap_err();
    assert_eq!(e.code(), "ERR_VERSION_CHANGED");
    assert!(
        e.to_string().contains(&format!(
            "revision {} is current now, not revision {read}",
            read + 2
        )),
        "{e}"
    );
    let fresh = Guard {
        if_revision: Some(read + 2),
        ..stale
    };
    assert_eq!(r.rollback(&fresh, None, None).unwrap().current, "v1");
}

#[test]
fn the_pointer_keeps_a_bounded_history_and_the_decisions_the_monitor_reads() {
    let (_tmp, r) = registry_with("trim", 2);
    r.promote(
        "v2",
        &Guard::default(),
        Some("the promotion".to_string()),
        None,
    )
    .unwrap();
    // Many more decisions than are kept, none about the current version.
    for i in 0..KEPT_DECISIONS + 50 {
        let id = if i % 2 == 0 { Some("v3") } else { None };
        r.set_challenger(id, None, None).unwrap();
    }
    let s = r.state().unwrap().unwrap();
    assert_eq!(s.history.len(), KEPT_DECISIONS + 1);
    assert_eq!(s.history[0].action, Action::Promote);
    assert_eq!(s.history[0].reason.as_deref(), Some("the promotion"));
    assert_eq!(s.previous, ["v1"]);
    // previous is bounded too.
    for i in 0..KEPT_PREVIOUS + 10 {
        r.promote(["v3", "v2"][i % 2], &Guard::default(), None, None)
            .unwrap();
    }
    assert_eq!(r.state().unwrap().unwrap().previous.len(), KEPT_PREVIOUS);
}

#[test]
fn a_decision_about_a_missing_directory_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("modles");
    let r = Registry::new(&missing);
    for e in [
        r.promote("v1", &Guard::default(), None, None).unwrap_err(),
        r.rollback(&Guard::default(), None, None).unwrap_err(),
    ] {
        assert_eq!(e.code(), "ERR_IO");
        assert!(e.to_string().contains("no such models directory"), "{e}");
    }
    assert!(!missing.exists());
}

#[test]
fn a_rollback_onto_the_challenger_clears_the_challenger() {
    let (_tmp, r) = registry_with("rollback-challenger", 2);
    r.promote("v2", &Guard::default(), None, None).unwrap();
    r.set_challenger(Some("v1"), None, None).unwrap();
    let s = r.rollback(&Guard::default(), None, None).unwrap();
    assert_eq!((s.current.as_str(), s.challenger.as_deref()), ("v1", None));
    let all = r.resolve_all().unwrap();
    assert_eq!((all.challenger, all.revision), (None, Some(s.revision)));
    // A challenger whose version is gone is reported, and the current version still resolves.
    r.set_challenger(Some("v2"), None, None).unwrap();
    std::fs::remove_dir_all(r.version_dir("v2")).unwrap();
    let all = r.resolve_all().unwrap();
    assert_eq!(all.current.version.as_deref(), Some("v1"));
    assert_eq!(all.challenger, None);
    assert_eq!(
        all.challenger_problem.unwrap().code(),
        "ERR_INVALID_REGISTRY"
    );
    assert_eq!(
        r.resolve_challenger().unwrap_err().code(),
        "ERR_INVALID_REGISTRY"
    );
}

#[test]
fn a_version_with_a_bad_model_file_is_never_created() {
    let tmp = flat_dir("bad");
    let dir = tmp.path().to_path_buf();
    let r = Registry::new(&dir);
    let (name, _) = retrained("freestyle", 0.0);
    let e = r
        .create_version(&[(name, b"{ not json".to_vec())], new_version("train"))
        .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_MODEL");
    // The flat files were imported as v1; the bad version left nothing behind.
    let entries: Vec<String> = fs::read_dir(r.versions_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["v1"]);
    let e = r
        .create_version(
            &[("../escape.json".to_string(), b"{}".to_vec())],
            new_version("x"),
        )
        .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_ARG");
}

#[test]
fn the_import_leaves_out_a_flat_file_the_loader_would_skip() {
    let tmp = flat_dir("import-bad");
    let dir = tmp.path().to_path_buf();
    fs::write(dir.join("ai-memory-model.json"), "{\"broken\":").unwrap();
    let r = Registry::new(&dir);
    // A partial training: freestyle only, the rest inherited from v1.
    r.create_version(&[retrained("freestyle", 0.5)], new_version("train"))
        .unwrap();
    for id in ["v1", "v2"] {
        let m = r.manifest(id).unwrap();
        assert!(!m.workflows.contains_key("ai-memory"), "{id}");
        assert_eq!(m.workflows.len(), all_workflows().len() - 1, "{id}");
    }
    let state = r.state().unwrap().unwrap();
    assert!(
        state.history[0]
            .reason
            .as_deref()
            .unwrap()
            .ends_with("without those the loader skips: ai-memory"),
        "{:?}",
        state.history[0].reason
    );
}

#[test]
fn concurrent_writers_get_distinct_versions() {
    let tmp = flat_dir("concurrent");
    let dir = tmp.path().to_path_buf();
    let r = Registry::new(&dir);
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let r = r.clone();
                s.spawn(move || {
                    r.create_version(&[retrained("freestyle", i as f64)], new_version("train"))
                        .unwrap()
                        .id
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = ids.clone();
    sorted.sort_by_key(|id| version_number(id));
    assert_eq!(sorted, ["v2", "v3", "v4", "v5", "v6", "v7"]);
    assert_eq!(r.state().unwrap().unwrap().current, "v1");
}

/// Readers resolving and loading while a writer promotes and rolls back
/// without pause: every load sees the 8 models of exactly one version.
#[test]
fn a_reader_always_loads_one_whole_version_while_the_pointer_moves() {
    let tmp = flat_dir("atomic");
    let dir = tmp.path().to_path_buf();
    let r = Registry::new(&dir);
    for k in 0..3 {
        let files: Vec<(String, Vec<u8>)> = all_workflows()
            .iter()
            .map(|w| retrained(w.workflow_type(), k as f64))
            .collect();
        r.create_version(&files, new_version("train")).unwrap();
    }
    r.promote("v2", &Guard::default(), None, None).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let loads = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let resolved = r.resolve().unwrap();
                    let set = load_dir(&resolved.dir);
                    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
                    let biases: Vec<f64> = set
                        .models
                        .iter()
                        .map(|m| m.as_ref().unwrap().file.bias)
                        .collect();
                    assert!(
                        biases.iter().all(|b| *b == biases[0]),
                        "mixed versions: {biases:?}"
                    );
                    loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
        for i in 0..60 {
            if i % 2 == 0 {
                r.promote(["v3", "v4"][i / 2 % 2], &Guard::default(), None, None)
                    .unwrap();
            } else {
                r.rollback(&Guard::default(), None, None).unwrap();
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert!(loads.load(std::sync::atomic::Ordering::Relaxed) > 0);
    assert_eq!(r.state().unwrap().unwrap().history.len(), 1 + 1 + 60);
}

#[test]
fn a_damaged_pointer_is_reported_not_guessed() {
    let tmp = flat_dir("damaged");
    let dir = tmp.path().to_path_buf();
    fs::write(dir.join(POINTER_FILE), "{ \"format\": 1, ").unwrap();
    let e = Registry::new(&dir).resolve().unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_REGISTRY");
    fs::write(
        dir.join(POINTER_FILE),
        r#"{"format":1,"revision":3,"current":"v7"}"#,
    )
    .unwrap();
    let e = Registry::new(&dir).resolve().unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_REGISTRY");
    assert!(e.to_string().contains("names version 'v7'"), "{e}");
}
