//! The outcome store on one connection (or two, for locking): what is
//! written is read back, joined, windowed, bounded, migrated and exported.

use std::path::PathBuf;

use dawg_ml_store::{
    schema, Batch, Event, ExportFilter, LoggedPrediction, Outcome, PairQuery, PredictionQuery,
    Retention, Role, Store, StoreOptions, Subject, Synchronous, Window,
};

/// A database path in a fresh directory, and the directory's guard: the
/// directory, with the database and its -wal and -shm files, is removed when
/// the guard drops. Bind it for the whole test (`let (_dir, path)`, never
/// `let (_, path)`, which would drop it at once); a panicking test drops it too.
fn temp_db(tag: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("dawg-store-{tag}-"))
        .tempdir()
        .unwrap();
    let path = dir.path().join("outcomes.sqlite");
    (dir, path)
}

fn fast() -> StoreOptions {
    StoreOptions {
        synchronous: Synchronous::Normal,
        ..StoreOptions::default()
    }
}

fn prediction(id: &str, role: Role, version: &str, p: f64, at: i64) -> LoggedPrediction {
    LoggedPrediction {
        prediction_id: id.to_string(),
        role,
        workflow_type: "freestyle".to_string(),
        model_version: version.to_string(),
        probability: p,
        features: (role == Role::Champion)
            .then(|| format!(r#"{{"workflowType":"freestyle","n":{at}}}"#)),
        created_at: at,
        sample_rate: 1.0,
    }
}

fn outcome(id: &str, failed: bool, at: i64) -> Outcome {
    Outcome {
        subject: Subject::Prediction(id.to_string()),
        failed,
        failure_type: failed.then(|| "timeout".to_string()),
        recorded_at: at,
    }
}

#[test]
fn a_new_store_is_in_wal_mode_at_the_latest_schema() {
    let (_dir, path) = temp_db("wal");
    let store = Store::open(&path, StoreOptions::default()).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::latest_version());
    let conn = rusqlite_conn(&path);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, schema::APPLICATION_ID);
}

fn rusqlite_conn(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn outcomes_join_their_predictions_and_windows_select_the_newest() {
    let (_dir, path) = temp_db("join");
    let mut store = Store::open(&path, fast()).unwrap();
    let preds: Vec<LoggedPrediction> = (0..10)
        .map(|i| {
            prediction(
                &format!("p{i}"),
                Role::Champion,
                "v1",
                i as f64 / 10.0,
                1000 + i,
            )
        })
        .collect();
    assert_eq!(store.log_predictions(&preds).unwrap(), 10);
    // Logging the same prediction again keeps the first.
    let mut again = preds[0].clone();
    again.probability = 0.99;
    assert_eq!(store.log_predictions(&[again]).unwrap(), 0);
    let written = store
        .write(Batch {
            outcomes: &[
                outcome("p1", true, 2000),
                outcome("p3", false, 2001),
                outcome("p8", true, 2002),
            ],
            ..Batch::default()
        })
        .unwrap();
    assert_eq!(written.outcome_ids.len(), 3);

    let all = store
        .predictions(&PredictionQuery::new(Role::Champion))
        .unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!(all[0].prediction_id, "p0", "oldest first");
    assert_eq!(all[0].probability, 0.0);
    assert_eq!(all[1].failed, Some(true));
    assert_eq!(all[1].failure_type.as_deref(), Some("timeout"));
    assert_eq!(all[2].failed, None);
    assert!(
        all[0].features.is_none(),
        "features are read only when asked"
    );

    let mut q = PredictionQuery::new(Role::Champion);
    q.labelled_only = true;
    q.window.last = Some(2);
    q.with_features = true;
    let newest: Vec<String> = store
        .predictions(&q)
        .unwrap()
        .into_iter()
        .map(|r| {
            assert!(r.features.unwrap().contains("freestyle"));
            r.prediction_id
        })
        .collect();
    assert_eq!(newest, ["p3", "p8"]);

    let mut q = PredictionQuery::new(Role::Champion);
    q.window = Window {
        since: Some(1004),
        until: Some(1006),
        ..Window::default()
    };
    let ids = |q: &PredictionQuery| -> Vec<String> {
        store
            .predictions(q)
            .unwrap()
            .into_iter()
            .map(|r| r.prediction_id)
            .collect()
    };
    assert_eq!(ids(&q), ["p4", "p5"]);
    q.window = Window {
        first: Some(3),
        ..Window::default()
    };
    assert_eq!(ids(&q), ["p0", "p1", "p2"], "the oldest, oldest first");
    q.window.last = Some(1);
    assert_eq!(store.predictions(&q).unwrap_err().code(), "ERR_INVALID_ARG");

    q.window = Window::default();
    q.model_versions = Some(vec!["v2".to_string()]);
    assert!(store.predictions(&q).unwrap().is_empty());
}

#[test]
fn recording_an_outcome_again_replaces_it_and_keeps_its_id() {
    let (_dir, path) = temp_db("replace");
    let mut store = Store::open(&path, fast()).unwrap();
    let first = store.record_outcome(&outcome("p", true, 10)).unwrap();
    let second = store.record_outcome(&outcome("p", false, 20)).unwrap();
    assert_eq!(first, second);
    // Replacing draws no id: the next outcome's id follows on.
    assert_eq!(
        store.record_outcome(&outcome("q", false, 30)).unwrap(),
        first + 1
    );
    let stored = store.outcome("p").unwrap().unwrap();
    assert!(!stored.failed);
    assert_eq!(stored.failure_type, None);
    assert_eq!(stored.recorded_at, 20);
    assert_eq!(store.counts().unwrap().outcomes, 2);
    assert!(store.outcome("unknown").unwrap().is_none());
}

#[test]
fn a_bad_record_writes_nothing_and_names_its_position() {
    let (_dir, path) = temp_db("bad");
    let mut store = Store::open(&path, fast()).unwrap();
    let mut bad = prediction("x", Role::Champion, "v1", 0.5, 1);
    bad.probability = f64::NAN;
    let e = store
        .write(Batch {
            predictions: &[prediction("ok", Role::Champion, "v1", 0.5, 1), bad],
            outcomes: &[outcome("ok", true, 2)],
            ..Batch::default()
        })
        .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_ARG");
    assert!(e.is_type_error());
    assert_eq!(
        e.to_string(),
        "predictions[1]: Invalid argument 'probability': expected a number in [0, 1], received NaN"
    );
    let counts = store.counts().unwrap();
    assert_eq!((counts.predictions, counts.outcomes), (0, 0));

    let e = store
        .record_outcome(&Outcome {
            subject: Subject::Run {
                workflow_type: "freestyle".to_string(),
                features: "[1, 2]".to_string(),
            },
            failed: true,
            failure_type: None,
            recorded_at: 1,
        })
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "outcomes[0]: Invalid argument 'features': must be a JSON object"
    );
    let e = store.record_outcome(&outcome("", true, 1)).unwrap_err();
    assert!(
        e.to_string().ends_with("'predictionId': must not be empty"),
        "{e}"
    );
    let e = store.record_outcome(&outcome("p", true, -5)).unwrap_err();
    assert!(e.to_string().contains("'recordedAt'"), "{e}");
}

#[test]
fn champion_and_challenger_predictions_of_a_run_are_paired_with_its_outcome() {
    let (_dir, path) = temp_db("paired");
    let mut store = Store::open(&path, fast()).unwrap();
    let mut preds = Vec::new();
    for i in 0..6 {
        let id = format!("r{i}");
        preds.push(prediction(&id, Role::Champion, "champ", 0.2, i));
        if i % 2 == 0 {
            preds.push(prediction(&id, Role::Challenger, "chal", 0.7, i));
        }
    }
    let outcomes: Vec<Outcome> = (0..5)
        .map(|i| outcome(&format!("r{i}"), i == 0, 100))
        .collect();
    store
        .write(Batch {
            predictions: &preds,
            outcomes: &outcomes,
            ..Batch::default()
        })
        .unwrap();
    let pairs = store
        .paired(&PairQuery {
            workflow_type: Some("freestyle".to_string()),
            champion_versions: None,
            challenger_versions: Some(vec!["chal".to_string()]),
            window: Window::default(),
        })
        .unwrap();
    // r0, r2, r4 have a challenger prediction, and all three an outcome.
    let ids: Vec<&str> = pairs.iter().map(|p| p.prediction_id.as_str()).collect();
    assert_eq!(ids, ["r0", "r2", "r4"]);
    assert_eq!(pairs[0].champion_probability, 0.2);
    assert_eq!(pairs[0].challenger_probability, 0.7);
    assert!(pairs[0].failed && !pairs[1].failed);

    let summary = store.summary().unwrap();
    let champion = summary.iter().find(|g| g.role == Role::Champion).unwrap();
    assert_eq!(
        (champion.predictions, champion.labelled, champion.failures),
        (6, 5, 1)
    );
    let challenger = summary.iter().find(|g| g.role == Role::Challenger).unwrap();
    assert_eq!((challenger.predictions, challenger.labelled), (3, 3));
}

#[test]
fn retention_keeps_the_newest_rows_and_drops_old_ones() {
    let (_dir, path) = temp_db("retention");
    let options = StoreOptions {
        retention: Retention {
            max_rows: Some(50),
            max_age_ms: Some(60_000),
        },
        ..fast()
    };
    let mut store = Store::open(&path, options).unwrap();
    // Writes prune by age as of the clock, so the rows are recent.
    let base = dawg_ml_store::now_ms() - 30_000;
    for i in 0..200 {
        store
            .record_outcome(&outcome(&format!("o{i}"), false, base + i))
            .unwrap();
    }
    // Pruning runs every 64 writes: after 200, the store holds at most
    // 50 + 63 rows, and an explicit prune brings it to 50.
    assert!(store.counts().unwrap().outcomes <= 113);
    store.prune(base + 200).unwrap();
    assert_eq!(store.counts().unwrap().outcomes, 50);
    assert!(store.outcome("o149").unwrap().is_none());
    assert!(store.outcome("o150").unwrap().is_some());
    // By age: 60 s after the newest row was recorded, all are older than the bound.
    let pruned = store.prune(base + 199 + 60_001).unwrap();
    assert_eq!(pruned.outcomes, 50);
    assert_eq!(store.counts().unwrap().outcomes, 0);

    let e = Store::open(
        &path,
        StoreOptions {
            retention: Retention {
                max_rows: Some(0),
                max_age_ms: None,
            },
            ..fast()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_ARG");
    assert_eq!(
        e.to_string(),
        "Invalid argument 'maxRows': must be at least 1"
    );
}

#[test]
fn an_older_schema_is_migrated_with_its_rows_and_a_newer_one_is_refused() {
    let (_dir, path) = temp_db("migrate");
    {
        let mut v1 = Store::open_at_version(&path, fast(), 1).unwrap();
        assert_eq!(v1.schema_version().unwrap(), 1);
        v1.record_outcome(&outcome("kept", true, 5)).unwrap();
        assert!(
            v1.record_event(&event("drift")).is_err(),
            "no events table at version 1"
        );
    }
    let mut store = Store::open(&path, fast()).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    assert!(store.outcome("kept").unwrap().unwrap().failed);
    store.record_event(&event("drift")).unwrap();
    let events = store.events(Some("drift"), None).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].figures, r#"{"psi":0.3}"#);
    drop(store);

    rusqlite_conn(&path)
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let e = Store::open(&path, fast()).unwrap_err();
    assert_eq!(e.code(), "ERR_STORE_VERSION");
    assert!(
        e.to_string()
            .contains("has schema version 99; this engine knows versions up to 2"),
        "{e}"
    );
}

fn event(kind: &str) -> Event {
    Event {
        kind: kind.to_string(),
        workflow_type: Some("freestyle".to_string()),
        model_version: None,
        figures: r#"{"psi":0.3}"#.to_string(),
        created_at: 7,
    }
}

#[test]
fn another_applications_database_or_a_non_database_is_refused() {
    let (_dir, path) = temp_db("foreign");
    rusqlite_conn(&path)
        .execute_batch("CREATE TABLE users (name TEXT)")
        .unwrap();
    let e = Store::open(&path, fast()).unwrap_err();
    assert_eq!(e.code(), "ERR_STORE_NOT_A_STORE");
    assert!(e.to_string().contains("already has 1 tables"), "{e}");

    let (_text_dir, text) = temp_db("text");
    std::fs::write(
        &text,
        "this is not a database, just some text that is long enough to matter......",
    )
    .unwrap();
    let e = Store::open(&text, fast()).unwrap_err();
    assert_eq!(e.code(), "ERR_STORE_NOT_A_STORE", "{e}");
}

#[test]
fn a_writer_waits_for_the_lock_then_reports_busy_with_a_code() {
    let (_dir, path) = temp_db("busy");
    let _store = Store::open(&path, fast()).unwrap();
    let holder = rusqlite_conn(&path);
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut waiting = Store::open(
        &path,
        StoreOptions {
            busy_timeout_ms: 50,
            ..fast()
        },
    )
    .unwrap();
    let e = waiting.record_outcome(&outcome("p", true, 1)).unwrap_err();
    assert_eq!(e.code(), "ERR_STORE_BUSY");
    assert!(e.to_string().contains("more than 50 ms"), "{e}");
    holder.execute_batch("COMMIT").unwrap();
    waiting.record_outcome(&outcome("p", true, 1)).unwrap();
}

#[test]
fn export_writes_jsonl_that_training_reads_as_recorded_outcomes() {
    use dawg_ml_engine::features::record_to_json;
    use dawg_ml_engine::synth::{generate, Counts};
    use dawg_ml_engine::train::data::{from_file, RowFormat};

    let (_dir, path) = temp_db("export");
    let mut store = Store::open(&path, fast()).unwrap();
    let scenarios = generate(3, &Counts([12, 0, 0, 0, 0, 0, 0, 9]));
    let mut preds = Vec::new();
    let mut outcomes = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        let raw = record_to_json(s.workflow, &s.record, &s.timestamp);
        let id = format!("s{i}");
        if i % 4 == 0 {
            // A run that was never predicted carries its own features.
            outcomes.push(Outcome {
                subject: Subject::Run {
                    workflow_type: s.workflow.workflow_type().to_string(),
                    features: raw.to_string(),
                },
                failed: s.failed,
                failure_type: s.failure_type.map(str::to_string),
                recorded_at: 50,
            });
            continue;
        }
        preds.push(LoggedPrediction {
            prediction_id: id.clone(),
            role: Role::Champion,
            workflow_type: s.workflow.workflow_type().to_string(),
            model_version: "v1".to_string(),
            probability: 0.5,
            // Every fifth prediction was sampled out of feature logging.
            features: (i % 5 != 0).then(|| raw.to_string()),
            created_at: 10,
            sample_rate: 1.0,
        });
        outcomes.push(outcome(&id, s.failed, 20));
    }
    store
        .write(Batch {
            predictions: &preds,
            outcomes: &outcomes,
            ..Batch::default()
        })
        .unwrap();
    let out = path.with_file_name("outcomes.jsonl");
    let exported = store.export_jsonl(&out, &ExportFilter::default()).unwrap();
    let sampled_out = (0..scenarios.len())
        .filter(|i| i % 4 != 0 && i % 5 == 0)
        .count() as u64;
    assert_eq!(exported.without_features, sampled_out);
    assert_eq!(exported.rows, scenarios.len() as u64 - sampled_out);

    let text = std::fs::read_to_string(&out).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["failed", "features"]);

    let loaded = from_file(&out, RowFormat::Outcome, false).unwrap();
    assert_eq!(loaded.total_rows() as u64, exported.rows);
    assert_eq!(loaded.invalid_rows_skipped, 0);
    let failures_exported = loaded
        .datasets
        .iter()
        .flat_map(|d| &d.rows)
        .filter(|r| r.failed)
        .count();
    let failures_expected = scenarios
        .iter()
        .enumerate()
        .filter(|(i, s)| s.failed && !(i % 4 != 0 && i % 5 == 0))
        .count();
    assert_eq!(failures_exported, failures_expected);

    let only_budget = store
        .export_jsonl(
            &out,
            &ExportFilter {
                workflow_type: Some("budget-alerts".to_string()),
                since: None,
            },
        )
        .unwrap();
    let budget = from_file(&out, RowFormat::Outcome, false).unwrap();
    assert_eq!(budget.total_rows() as u64, only_budget.rows);
    assert_eq!(budget.datasets[7].rows.len() as u64, only_budget.rows);
    assert!(only_budget.rows > 0 && only_budget.rows < exported.rows);
}
