use super::*;
use dawg_ml_store::{Batch, LoggedPrediction, Outcome, StoreOptions, Subject, Synchronous};

/// A store in a fresh directory; the directory, with the database and its
/// -wal and -shm files, is removed when this drops at the end of the test,
/// whether it passes or panics. It derefs to the `Store`.
struct TempStore {
    // Declared first, so closed before the directory is removed.
    store: Store,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl std::ops::DerefMut for TempStore {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

fn temp_store(tag: &str) -> TempStore {
    let dir = tempfile::Builder::new()
        .prefix(&format!("ml-engine-analysis-{tag}-"))
        .tempdir()
        .unwrap();
    let options = StoreOptions {
        synchronous: Synchronous::Normal,
        ..StoreOptions::default()
    };
    // The store's own directory does not exist yet: opening creates it.
    let store = Store::open(&dir.path().join("store").join("outcomes.sqlite"), options).unwrap();
    TempStore { store, _dir: dir }
}

fn logged(
    id: &str,
    role: Role,
    version: &str,
    p: f64,
    at: i64,
    features: Option<String>,
) -> LoggedPrediction {
    LoggedPrediction {
        prediction_id: id.to_string(),
        role,
        workflow_type: "freestyle".to_string(),
        model_version: version.to_string(),
        probability: p,
        features,
        created_at: at,
        sample_rate: 1.0,
    }
}

/// Eight labelled predictions `r0`..`r7` of `version` (AUC 0.8), with their outcomes.
const LABELLED_P: [f64; 8] = [0.9, 0.85, 0.7, 0.65, 0.45, 0.3, 0.2, 0.1];
const LABELLED_Y: [bool; 8] = [true, false, true, false, true, false, false, false];

fn labelled_rows(version: &str) -> (Vec<LoggedPrediction>, Vec<Outcome>) {
    let preds = LABELLED_P
        .iter()
        .enumerate()
        .map(|(i, p)| {
            logged(
                &format!("r{i}"),
                Role::Champion,
                version,
                *p,
                i as i64,
                None,
            )
        })
        .collect();
    let outcomes = LABELLED_Y
        .iter()
        .enumerate()
        .map(|(i, f)| Outcome {
            subject: Subject::Prediction(format!("r{i}")),
            failed: *f,
            failure_type: None,
            recorded_at: 50,
        })
        .collect();
    (preds, outcomes)
}

fn write_rows(store: &mut Store, predictions: &[LoggedPrediction], outcomes: &[Outcome]) {
    store
        .write(Batch {
            predictions,
            outcomes,
            ..Batch::default()
        })
        .unwrap();
}

fn ask(store: &Store, request: Value) -> Value {
    answer(store, parse_request(&request.to_string()).unwrap()).unwrap()
}

#[test]
fn live_metrics_from_the_store_are_the_monitors_on_the_labelled_rows() {
    let mut store = temp_store("metrics");
    let (p, y) = (LABELLED_P, LABELLED_Y);
    let (mut preds, outcomes) = labelled_rows("v1");
    // Two more predictions whose outcomes are not in yet, of another version.
    preds.push(logged("u0", Role::Champion, "v2", 0.5, 100, None));
    preds.push(logged("u1", Role::Champion, "v2", 0.1, 101, None));
    write_rows(&mut store, &preds, &outcomes);
    let got = ask(
        &store,
        json!({ "op": "liveMetrics", "workflowType": "freestyle", "resamples": 0 }),
    );
    let groups = got["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["modelVersion"], "v1");
    assert_eq!(groups[0]["labelled"], 8);
    let direct = serde_json::to_value(live_metrics(
        &p,
        &y,
        IntervalOptions {
            resamples: 0,
            seed: 0,
        },
    ))
    .unwrap();
    assert_eq!(groups[0]["metrics"], direct);
    assert_eq!(groups[0]["metrics"]["auc"], 0.8);
    assert_eq!(groups[1]["labelled"], 0);
    assert_eq!(groups[1]["metrics"]["logLoss"], Value::Null);
    // Without outcomes, the expectation from the probabilities alone.
    let h = |p: f64| -(p * p.ln() + (1.0 - p) * (1.0 - p).ln());
    let expected_ll = groups[1]["expected"]["logLoss"].as_f64().unwrap();
    assert!((expected_ll - (h(0.5) + h(0.1)) / 2.0).abs() < 1e-12);

    // The newest 4 predictions only: u0, u1, r6, r7.
    let got = ask(
        &store,
        json!({ "op": "liveMetrics", "window": { "last": 4 }, "resamples": 0 }),
    );
    let counts: Vec<(u64, u64)> = got["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["predictions"].as_u64().unwrap(),
                g["labelled"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [(2, 2), (2, 0)]);

    let e = answer(
        &store,
        parse_request(r#"{"op":"liveMetrics","workflowType":"nope"}"#).unwrap(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_ARG");
    assert!(e.to_string().contains("Unknown workflow type: nope"), "{e}");
    let e = parse_request(r#"{"op":"liveMetrics","windw":{}}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field `windw`"), "{e}");
}

#[test]
fn the_promotion_test_leaves_out_runs_both_versions_score_alike() {
    let mut store = temp_store("promotion");
    let mut preds = Vec::new();
    let mut outcomes = Vec::new();
    for i in 0..300 {
        let id = format!("r{i}");
        let failed = i % 4 == 0;
        let (champ, chal) = if failed { (0.3, 0.7) } else { (0.4, 0.1) };
        preds.push(logged(&id, Role::Champion, "c", champ, i, None));
        preds.push(logged(&id, Role::Challenger, "s", chal, i, None));
        outcomes.push(Outcome {
            subject: Subject::Prediction(id),
            failed,
            failure_type: None,
            recorded_at: 1000,
        });
    }
    for i in 0..50 {
        let id = format!("same{i}");
        preds.push(logged(&id, Role::Champion, "inherited", 0.2, 400 + i, None));
        preds.push(logged(
            &id,
            Role::Challenger,
            "inherited",
            0.2,
            400 + i,
            None,
        ));
        outcomes.push(Outcome {
            subject: Subject::Prediction(id),
            failed: false,
            failure_type: None,
            recorded_at: 1000,
        });
    }
    write_rows(&mut store, &preds, &outcomes);
    let got = ask(
        &store,
        json!({ "op": "promotionTest", "rule": { "margin": 0.05, "minPairs": 100 } }),
    );
    assert_eq!(got["unchangedPairs"], 50);
    assert_eq!(got["overall"]["pairs"], 300);
    assert_eq!(got["overall"]["promote"], true);
    assert_eq!(got["byWorkflow"][0]["workflowType"], "freestyle");
    let too_strict = ask(
        &store,
        json!({ "op": "promotionTest", "rule": { "minPairs": 301 } }),
    );
    assert_eq!(too_strict["overall"]["promote"], false);
    let e = answer(
        &store,
        parse_request(r#"{"op":"promotionTest","rule":{"alpha":2}}"#).unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid argument 'rule.alpha': expected a number in (0, 1), received 2"
    );
}

#[test]
fn drift_against_a_baseline_of_the_first_logged_predictions() {
    use crate::features::record_to_json;
    use crate::synth::{generate, Counts};
    let mut store = temp_store("drift");
    let scenarios = generate(5, &Counts([400, 0, 0, 0, 0, 0, 0, 0]));
    let w = find_workflow("freestyle").unwrap();
    let mic = w
        .fields
        .iter()
        .position(|f| f.name == "microphonePermission")
        .unwrap();
    let mut preds = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        let mut record = s.record.clone();
        // The second half of the traffic has the permission denied.
        if i >= 200 {
            record.values[mic] = 0.0;
        }
        let raw = record_to_json(w, &record, &s.timestamp);
        preds.push(logged(
            &format!("s{i}"),
            Role::Champion,
            "v1",
            s.true_failure_probability,
            i as i64,
            Some(raw.to_string()),
        ));
    }
    store.log_predictions(&preds).unwrap();
    let got = ask(
        &store,
        json!({ "op": "drift", "workflowType": "freestyle", "modelVersion": "v1", "baselineRows": 200, "threshold": 0.25 }),
    );
    assert_eq!(got["referenceSource"], "baseline");
    assert_eq!(got["referenceRows"], 200);
    assert_eq!(got["rows"], 200, "the baseline is not compared with itself");
    assert_eq!(got["features"][0]["feature"], "micPermission");
    assert!(got["drifted"]
        .as_array()
        .unwrap()
        .contains(&json!("micPermission")));

    // The same traffic against itself: nothing drifted.
    let calm = ask(
        &store,
        json!({ "op": "drift", "workflowType": "freestyle", "modelVersion": "v1", "baselineRows": 100, "window": { "until": 200 } }),
    );
    assert!(
        !calm["drifted"]
            .as_array()
            .unwrap()
            .contains(&json!("micPermission")),
        "{calm}"
    );
    let none = ask(
        &store,
        json!({ "op": "drift", "workflowType": "freestyle", "modelVersion": "v9" }),
    );
    assert_eq!(none["referenceSource"], "none");
}

#[test]
fn the_live_report_shows_each_version_and_writes_the_page_atomically() {
    let mut store = temp_store("live-report");
    let (mut preds, outcomes) = labelled_rows("sha256:one");
    preds.push(logged("u0", Role::Champion, "sha256:two", 0.5, 100, None));
    preds.push(logged(
        "s0",
        Role::Challenger,
        "sha256:three",
        0.4,
        101,
        None,
    ));
    write_rows(&mut store, &preds, &outcomes);
    let models_tmp = tempfile::Builder::new()
        .prefix("ml-engine-live-models-")
        .tempdir()
        .unwrap();
    let models = models_tmp.path().to_path_buf();
    let got = ask(
        &store,
        json!({ "op": "liveReport", "modelsDir": models.display().to_string(), "generatedAt": "now" }),
    );
    let freestyle = got["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workflowType"] == "freestyle")
        .unwrap();
    let versions: Vec<(&str, &str, u64, u64)> = freestyle["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["modelVersion"].as_str().unwrap(),
                v["role"].as_str().unwrap(),
                v["predictions"].as_u64().unwrap(),
                v["labelled"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            ("sha256:one", "champion", 8, 8),
            ("sha256:two", "champion", 1, 0),
            ("sha256:three", "challenger", 1, 0)
        ]
    );
    let html = got["html"].as_str().unwrap();
    assert!(html.contains("data-version=\"sha256:one\"") && html.contains("data-plot=\"roc\""));
    assert!(html.contains("champion: not in the models directory"));
    // Logged without features, and no reference: drift is said to be unmeasurable.
    assert!(html.contains("Drift is not measured: no reference histograms in the model file"));
    let out = models.join("live-report.html");
    let written = ask(
        &store,
        json!({ "op": "liveReport", "modelsDir": models.display().to_string(), "generatedAt": "now", "out": out.display().to_string() }),
    );
    assert_eq!(written["path"], out.display().to_string());
    assert!(written.get("html").is_none());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), html);
    let bad = answer(
        &store,
        parse_request(
            &json!({ "op": "liveReport", "modelsDir": "", "generatedAt": "now" }).to_string(),
        )
        .unwrap(),
    )
    .unwrap_err();
    assert!(bad.to_string().contains("modelsDir"), "{bad}");
}
