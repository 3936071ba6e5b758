//! End-to-end training: acceptance numbers on generated data, the old
//! training file, bad data, and the written outputs.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use dawg_ml_engine::model;
use dawg_ml_engine::synth::{self, Counts};
use dawg_ml_engine::train::{self, DataSource, ProgressEvent, TrainOptions, TrainReport};

fn never() -> AtomicBool {
    AtomicBool::new(false)
}

fn run(options: &TrainOptions) -> TrainReport {
    train::run(options, &|_| {}, &never()).unwrap()
}

fn generated(factor: usize) -> TrainOptions {
    TrainOptions {
        counts: Counts::default().scaled(factor),
        ..TrainOptions::default()
    }
}

/// A fresh empty directory, removed (with all it holds) when the guard
/// drops at the end of the test, whether it passes or panics.
fn tempdir(tag: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("ml-engine-train-{tag}-"))
        .tempdir()
        .unwrap()
}

/// (workflow, model AUC, Bayes AUC, log-loss gap to the Bayes limit) per trained workflow.
fn gaps(report: &TrainReport) -> Vec<(&'static str, f64, f64, f64)> {
    report
        .results
        .iter()
        .map(|w| {
            let bayes = w.bayes.as_ref().unwrap();
            (
                w.workflow_type,
                w.metrics.auc.unwrap(),
                bayes.auc.unwrap(),
                w.metrics.log_loss - bayes.log_loss,
            )
        })
        .collect()
}

#[test]
fn default_counts_learn_every_workflow_and_none_is_called_signal_free() {
    let report = run(&generated(1));
    assert_eq!(report.results.len(), 8, "{:?}", report.skipped);
    for (w, auc, bayes, ll_gap) in gaps(&report) {
        let r = report
            .results
            .iter()
            .find(|r| r.workflow_type == w)
            .unwrap();
        eprintln!(
            "1x {w:<20} auc {auc:.4} bayes {bayes:.4} gap {:+.4} ll gap {ll_gap:+.4} {} {:?}",
            bayes - auc,
            r.verdict,
            r.verdict_reason
        );
        // 110-150 rows, out-of-fold over all of them: an honest, noisy
        // measurement, but every workflow has real signal and its interval
        // says so. Rows this few leave the permutation test little power
        // (a rerun on shuffled labels can reach an AUC near 0.75), so an
        // `ok` may fall to `inconclusive` there, never to `no-signal`.
        let (lo, _) = r.auc_interval.unwrap();
        assert!(lo > 0.5, "{w}: {:?}", r.auc_interval);
        let fell = r
            .verdict_reason
            .as_deref()
            .is_some_and(|t| t.contains("reached an AUC of"));
        assert!(
            r.verdict == "ok" || (r.verdict == "inconclusive" && fell),
            "{w}: {} {:?}",
            r.verdict,
            r.verdict_reason
        );
        assert!(bayes - auc <= 0.15, "{w}: AUC {auc} vs Bayes {bayes}");
    }
}

#[test]
fn five_thousand_rows_per_workflow_approach_the_bayes_limit() {
    let report = run(&TrainOptions {
        counts: Counts([5000; 8]),
        ..TrainOptions::default()
    });
    for (w, auc, bayes, ll_gap) in gaps(&report) {
        eprintln!(
            "5000 {w:<20} auc {auc:.4} bayes {bayes:.4} gap {:+.4} ll gap {ll_gap:+.4}",
            bayes - auc
        );
        // A logistic model of the normalised vector misses the interactions
        // and hinges of the world; it still gets close.
        assert!(bayes - auc <= 0.05, "{w}: AUC {auc} vs Bayes {bayes}");
        assert!(ll_gap <= 0.08, "{w}: log-loss {ll_gap} above the limit");
    }
}

/// 3,000 generated rows of workflow `index` with labels drawn independently
/// of the features, at a 25 % rate, from `seed`.
fn pure_noise(seed: u64, index: usize) -> dawg_ml_engine::train::data::Dataset {
    use dawg_ml_engine::schema::all_workflows;
    use dawg_ml_engine::train::data;
    let w = &all_workflows()[index];
    let mut d =
        data::from_scenarios(&synth::generate_workflow(seed, w, 3000)).datasets[w.index].clone();
    for (k, r) in d.rows.iter_mut().enumerate() {
        r.failed = (k * 7919 + seed as usize * 104_729).is_multiple_of(4);
        r.true_probability = Some(0.25);
    }
    d
}

#[test]
fn an_ok_on_pure_noise_that_the_bootstrap_alone_would_give_falls_to_the_permutation_test() {
    // A seed whose labels happen to give an out-of-fold AUC interval above
    // 0.5 (found by a search over seeds 1 to 119, in which 8 did; 6 of them
    // fall to the test).
    let d = pure_noise(58, 2);
    let r = train::train_dataset(&d, &train::TrainSettings::default(), &never()).unwrap();
    assert_eq!(r.verdict, "no-signal", "{:?}", r.verdict_reason);
    assert_eq!(
        r.permutation_test,
        Some(train::null_test::NullTest {
            reruns: 1,
            reached: true
        })
    );
    assert_eq!(
        r.verdict_reason.as_deref(),
        Some(
            "AUC 0.524: its 95% bootstrap interval [0.501, 0.547] lies above 0.5, yet rerun 1 of up to 39 of the whole selection on the labels shuffled at random reached an AUC of 0.524 or more, and the interval excludes any useful signal (AUC 0.6 or more)"
        )
    );
}

#[test]
fn the_permutation_test_grows_the_progress_total_and_ticks_its_reruns() {
    // The seed-58 workflow alone: its test stops at rerun 1, so 38 of the
    // 39 announced reruns are counted done at once.
    let mut loaded = dawg_ml_engine::train::data::from_scenarios(&[]);
    loaded.datasets = vec![pure_noise(58, 2)];
    let settings = train::TrainSettings::default();
    let events = Mutex::new(Vec::<ProgressEvent>::new());
    let report = train::train_loaded(
        &loaded,
        "pure noise",
        &settings,
        &|e| events.lock().unwrap().push(e),
        &never(),
    )
    .unwrap();
    assert!(report.results[0].permutation_test.is_some());
    let events = events.into_inner().unwrap();
    let planned = train::pipeline::units(&settings, 3000);
    assert_eq!(events[0].total, planned);
    let last = events.last().unwrap();
    assert_eq!(last.done, last.total);
    // 39 reruns, each announced at the selection's own cost (the planned
    // units less the final fit, 1 unit).
    assert_eq!(last.total - planned, 39 * (planned - 1));
    // Rerun 1 ticked its units before the rest were counted done.
    assert!(events
        .iter()
        .any(|e| e.done > planned && e.done < last.total));
    assert!(events.iter().all(|e| e.done <= e.total));
    assert!(events.windows(2).all(|p| p[0].total <= p[1].total));
}

#[test]
fn pure_noise_is_no_signal_from_3000_rows_and_real_signal_never_is() {
    let never = never();
    let settings = train::TrainSettings::default();
    for seed in [1, 2, 3] {
        let d = pure_noise(seed, seed as usize);
        let w = d.workflow;
        let r = train::train_dataset(&d, &settings, &never).unwrap();
        eprintln!(
            "noise {} {} {:?}",
            w.workflow_type(),
            r.verdict,
            r.verdict_reason
        );
        assert_eq!(
            r.verdict,
            "no-signal",
            "{}: {:?}",
            w.workflow_type(),
            r.verdict_reason
        );
    }
    for n in [60, 300, 1000, 3000] {
        let report = run(&TrainOptions {
            counts: Counts([n; 8]),
            ..TrainOptions::default()
        });
        for r in &report.results {
            eprintln!(
                "signal n={n} {} {} {:?}",
                r.workflow_type, r.verdict, r.verdict_reason
            );
            assert_ne!(
                r.verdict, "no-signal",
                "n={n} {}: {:?}",
                r.workflow_type, r.verdict_reason
            );
            if n >= 300 {
                assert_eq!(
                    r.verdict, "ok",
                    "n={n} {}: {:?}",
                    r.workflow_type, r.verdict_reason
                );
            }
        }
    }
}

#[test]
fn the_old_training_file_trains_and_six_workflows_are_inconclusive() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/ts-ml-engine/workflow-training-data.json");
    let report = run(&TrainOptions {
        data: DataSource::File(path),
        ..TrainOptions::default()
    });
    assert_eq!(report.total_scenarios, 930);
    for w in &report.results {
        let has_own_features = matches!(w.workflow_type, "freestyle" | "melody-to-vocals");
        eprintln!("{} {} {:?}", w.workflow_type, w.verdict, w.verdict_reason);
        // 110 rows of random features: never `ok`, and too few rows (under
        // 130) to rule out a useful signal, so `inconclusive`.
        let fine = if has_own_features {
            w.verdict == "ok"
        } else {
            w.verdict == "inconclusive"
        };
        assert!(
            fine,
            "{}: {} {:?}",
            w.workflow_type, w.verdict, w.verdict_reason
        );
        assert_eq!(w.model.verdict.as_deref(), Some(w.verdict));
        if !has_own_features {
            // Only the 8 common features are present; the rest are absent and unused.
            assert_eq!(w.absent_features.len(), w.model.feature_names.len() - 8);
            for f in &w.absent_features {
                assert_eq!(w.model.weights[*f], 0.0, "{f}");
            }
        }
    }
    assert!(report.results.iter().all(|w| w.bayes.is_none()));
    let table = train::report::render_table(&report);
    let warned = table.matches("NO SIGNAL").count() + table.matches("INCONCLUSIVE").count();
    assert_eq!(warned, 6, "{table}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn from_file(path: &Path, skip_invalid: bool) -> Result<TrainReport, dawg_ml_engine::EngineError> {
    train::run(
        &TrainOptions {
            data: DataSource::File(path.to_path_buf()),
            skip_invalid,
            ..TrainOptions::default()
        },
        &|_| {},
        &never(),
    )
}

/// A recorded outcome `{ features: <raw>, failed: false }` built from a
/// generated scenario of `workflow`, with its raw object edited by `edit`.
fn outcome_row(workflow: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let scenarios = synth::generate(3, &Counts([5; 8]));
    let s = scenarios
        .iter()
        .find(|s| s.workflow.workflow_type() == workflow)
        .unwrap();
    let mut raw = dawg_ml_engine::features::record_to_json(s.workflow, &s.record, &s.timestamp);
    edit(&mut raw);
    serde_json::json!({ "features": raw, "failed": false }).to_string()
}

#[test]
fn bad_rows_name_file_row_and_field_or_are_skipped_and_counted() {
    let tmp = tempdir("bad");
    let dir = tmp.path().to_path_buf();
    let good = r#"{"workflowType":"ai-memory","features":{"dbConnected":1},"failed":true}"#;
    let cases = [
        // (row 2 content, expected field, expected words)
        (
            r#"{"workflowType":"ai-memory","features":{"dbConnected":"yes"},"failed":true}"#,
            "features.dbConnected",
            "received string",
        ),
        (
            r#"{"workflowType":"ai-memory","features":{"dbConnected":null},"failed":true}"#,
            "features.dbConnected",
            "received null",
        ),
        (
            r#"{"workflowType":"karaoke","features":{},"failed":true}"#,
            "workflowType",
            "karaoke",
        ),
        (
            r#"{"workflowType":"ai-memory","features":{"dbConnected":1}}"#,
            "failed",
            "received undefined",
        ),
        (
            &outcome_row("freestyle", |raw| {
                raw["sampleRate"] = serde_json::json!("fast");
            }),
            "features.sampleRate",
            "received string",
        ),
        (
            &outcome_row("freestyle", |raw| {
                raw["bufferSize"] = serde_json::json!([512]);
            }),
            "features.bufferSize",
            "expected a finite number, received array",
        ),
    ];
    for (k, (bad, field, words)) in cases.iter().enumerate() {
        let path = write(&dir, &format!("case{k}.json"), &format!("[{good},\n{bad}]"));
        let e = from_file(&path, false).unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.code(), "ERR_INVALID_DATA");
        assert!(
            msg.contains(&path.display().to_string())
                && msg.contains("row 2")
                && msg.contains(&format!("'{field}'"))
                && msg.contains(words),
            "{msg}"
        );
    }
    // JSONL: a NaN literal is not JSON; the row is named by its line.
    let path = write(
        &dir,
        "rows.jsonl",
        &format!(
            "{good}\n\n{}\n",
            r#"{"workflowType":"ai-memory","features":{"dbConnected":NaN},"failed":true}"#
        ),
    );
    let msg = from_file(&path, false).unwrap_err().to_string();
    assert!(msg.contains("row 3") && msg.contains("'(json)'"), "{msg}");

    // skip_invalid: every bad row above is skipped and counted; as no
    // workflow is left with enough rows, the run fails loudly instead of
    // "succeeding" with no model, and says how many rows it skipped.
    let all: Vec<&str> = std::iter::once(good)
        .chain(cases.iter().map(|c| c.0))
        .collect();
    let path = write(&dir, "mixed.jsonl", &all.join("\n"));
    let e = from_file(&path, true).unwrap_err();
    assert_eq!(e.code(), "ERR_INSUFFICIENT_DATA");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!(
            "(1 valid rows, {} invalid rows skipped, the first: ",
            cases.len()
        )) && msg.contains("row 2"),
        "{msg}"
    );
}

#[test]
fn recorded_outcomes_in_jsonl_train_like_the_generated_rows() {
    // The same scenarios as raw outcomes give the same vectors, so the same models.
    let tmp = tempdir("outcomes");
    let dir = tmp.path().to_path_buf();
    let counts = Counts([60; 8]);
    let scenarios = synth::generate(42, &counts);
    let lines: Vec<String> = scenarios
        .iter()
        .map(|s| {
            let raw = dawg_ml_engine::features::record_to_json(s.workflow, &s.record, &s.timestamp);
            serde_json::json!({ "features": raw, "failed": s.failed }).to_string()
        })
        .collect();
    let path = write(&dir, "outcomes.jsonl", &lines.join("\n"));
    let from_outcomes = run(&TrainOptions {
        data: DataSource::OutcomesFile(path),
        ..TrainOptions::default()
    });
    let generated = run(&TrainOptions {
        counts,
        ..TrainOptions::default()
    });
    assert_eq!(from_outcomes.results.len(), 8);
    for (a, b) in from_outcomes.results.iter().zip(&generated.results) {
        assert_eq!(a.model.weights, b.model.weights, "{}", a.workflow_type);
        assert!(a.bayes.is_none() && b.bayes.is_some());
    }
}

#[test]
fn too_few_rows_or_one_class_are_reported_and_skipped() {
    let report = run(&TrainOptions {
        counts: Counts::with_overrides([("stem-separation", 12), ("ai-memory", 0)]).unwrap(),
        ..TrainOptions::default()
    });
    assert_eq!(report.results.len(), 6);
    let reasons: Vec<(&str, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.workflow_type, s.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("stem-separation", "only 12 rows (at least 20 needed)"),
            ("ai-memory", "only 0 rows (at least 20 needed)")
        ]
    );
    assert_eq!(
        report.summary["skipped"][0]["workflowType"],
        "stem-separation"
    );
    assert_eq!(report.summary["modelsCount"], 6);
}

#[test]
fn outputs_are_written_atomically_models_first_summary_last() {
    let tmp = tempdir("out");
    let dir = tmp.path().to_path_buf();
    let events = Mutex::new(Vec::<ProgressEvent>::new());
    let options = TrainOptions {
        out_dir: Some(dir.clone()),
        settings: train::TrainSettings {
            trained_at: "2026-01-02T03:04:05.678Z".to_string(),
            ..Default::default()
        },
        ..TrainOptions::default()
    };
    let report = train::run(&options, &|e| events.lock().unwrap().push(e), &never()).unwrap();
    // Written in order: 8 models, the two reports, the summary last.
    let names: Vec<String> = report
        .written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 11);
    assert!(names[..8].iter().all(|n| n.ends_with("-model.json")));
    assert_eq!(
        names[8..],
        ["TRAINING_REPORT.md", "report.html", "training-summary.json"]
    );
    // No temporary files remain, and every model loads.
    let listed = fs::read_dir(&dir).unwrap().count();
    assert_eq!(listed, 11);
    let set = model::load_dir(&dir);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    let m = set.models[0].as_ref().unwrap();
    assert_eq!(m.file.trained_at, "2026-01-02T03:04:05.678Z");
    assert_eq!(m.file.model_type.as_deref(), Some("logistic-regression-l2"));
    assert!(m.feature_means.is_some() && m.file.threshold.is_some() && m.file.bayes.is_some());
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("training-summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["totalScenarios"], 930);
    assert_eq!(summary["models"].as_array().unwrap().len(), 8);
    let md = fs::read_to_string(dir.join("TRAINING_REPORT.md")).unwrap();
    assert!(md.contains("| freestyle | 150 | 150 out-of-fold |"), "{md}");
    assert!(md.contains("## Gap to the Bayes limit"), "{md}");
    // Progress ends with the writes and then "done"; train progress never
    // exceeds its total, and reaches it.
    let events = events.into_inner().unwrap();
    assert_eq!(events.last().unwrap().stage, "done");
    assert!(events.iter().all(|e| e.done <= e.total));
    // Four workflows needed the permutation test here: the total grew.
    let train: Vec<&ProgressEvent> = events.iter().filter(|e| e.stage == "train").collect();
    let last = train.last().unwrap();
    assert_eq!(last.done, last.total);
    assert!(last.total > train[0].total);
    // A second run over the same directory replaces the files in place.
    train::run(&options, &|_| {}, &never()).unwrap();
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 11);
}

#[test]
fn cancelling_aborts_the_run_without_writing() {
    let tmp = tempdir("cancel");
    let dir = tmp.path().to_path_buf();
    let options = TrainOptions {
        out_dir: Some(dir.clone()),
        ..TrainOptions::default()
    };
    let e = train::run(&options, &|_| {}, &AtomicBool::new(true)).unwrap_err();
    assert_eq!(e.code(), "ERR_ABORTED");
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
}
