use super::*;
use crate::family::{Explanations, Input};
use crate::schema::find_workflow;
use data::Row;

fn rows_for(workflow: &str, n: usize, seed: u64) -> Dataset {
    let w = find_workflow(workflow).unwrap();
    let loaded = data::from_scenarios(&synth::generate_workflow(seed, w, n));
    loaded.datasets[w.index].clone()
}

fn quick() -> TrainSettings {
    TrainSettings {
        grid: vec![0.1, 1.0, 10.0],
        folds: 3,
        bootstrap_resamples: 200,
        ..TrainSettings::default()
    }
}

#[test]
fn too_few_rows_and_one_class_are_insufficient_data() {
    let never = AtomicBool::new(false);
    let small = rows_for("freestyle", 19, 1);
    let e = train_dataset(&small, &quick(), &never).unwrap_err();
    assert_eq!(e.code(), "ERR_INSUFFICIENT_DATA");
    assert!(e.to_string().contains("only 19 rows"), "{e}");
    let mut one_class = rows_for("freestyle", 40, 1);
    one_class.rows.iter_mut().for_each(|r| r.failed = false);
    let e = train_dataset(&one_class, &quick(), &never).unwrap_err();
    assert!(e.to_string().contains("only one class"), "{e}");
}

#[test]
fn nan_and_wrong_length_vectors_are_rejected_with_source_row_and_feature() {
    let never = AtomicBool::new(false);
    let mut d = rows_for("ai-memory", 40, 2);
    d.rows[6].vector[9] = f64::NAN;
    let e = train_dataset(&d, &quick(), &never).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_DATA");
    let name = d.workflow.vector[9].feature;
    assert!(
        e.to_string()
            .contains(&format!("generated scenarios, row 7: field '{name}'")),
        "{e}"
    );
    let mut d = rows_for("ai-memory", 40, 2);
    d.rows[0].vector.pop();
    assert!(train_dataset(&d, &quick(), &never)
        .unwrap_err()
        .to_string()
        .contains("row 1"));
}

#[test]
fn the_model_is_chosen_by_minimum_cv_log_loss_refitted_on_all_rows_and_measured_out_of_fold() {
    let never = AtomicBool::new(false);
    let d = rows_for("voice-commands", 600, 3);
    let a = train_dataset(&d, &quick(), &never).unwrap();
    let b = train_dataset(&d, &quick(), &never).unwrap();
    assert_eq!(a.model, b.model, "deterministic for a seed");
    // Every row fits the shipped model and every row is scored out-of-fold.
    assert_eq!((a.training_size, a.validation_size), (600, 600));
    assert_eq!(a.evaluation_rows, "out-of-fold");
    assert_eq!(
        a.model.extra["evaluation"],
        serde_json::json!({"rows": "out-of-fold", "count": 600})
    );
    // Each family's choice is its candidate with the lowest out-of-fold
    // log-loss (for the logistic family: C, no 1-SE rule).
    for family in &a.families {
        let (cv, scores, method) = family.outcome.as_ref().unwrap();
        let best = cv
            .candidates
            .iter()
            .min_by(|x, y| x.log_loss.total_cmp(&y.log_loss))
            .unwrap();
        assert_eq!(cv.chosen, best.params);
        let k = calibrate::Method::ALL
            .iter()
            .position(|m| m == method)
            .unwrap();
        assert!(scores[k] <= scores[0] && scores[0] == cv.log_loss);
    }
    let (logistic, _, _) = a.families[0].outcome.as_ref().unwrap();
    assert_eq!(logistic.candidates.len(), 3);
    // The chosen family has the lowest calibrated out-of-fold log-loss, and
    // that score and its calibration are what is reported.
    let calibrated = |f: &build::FamilyScore| {
        let (_, scores, method) = f.outcome.as_ref().unwrap();
        scores[calibrate::Method::ALL
            .iter()
            .position(|m| m == method)
            .unwrap()]
    };
    let chosen = a
        .families
        .iter()
        .min_by(|x, y| calibrated(x).total_cmp(&calibrated(y)))
        .unwrap();
    assert_eq!(a.model_type, chosen.model_type);
    assert_eq!(a.cv_log_loss, calibrated(chosen));
    assert_eq!(a.calibration, chosen.outcome.as_ref().unwrap().2.as_str());
    let selection = &a.model.extra["selection"];
    assert_eq!(selection["modelType"], a.model_type);
    assert_eq!(a.model.model_type.as_deref(), Some(a.model_type));
    assert_eq!(
        selection["families"].as_array().unwrap().len(),
        crate::family::fitters().len()
    );
    for (k, key) in [(0, "C"), (1, "rounds")] {
        let (cv, _, _) = a.families[k].outcome.as_ref().unwrap();
        if a.model_type == a.families[k].model_type {
            assert_eq!(a.hyperparameters[key], cv.chosen[key]);
        }
    }
    // The stored model is signed and loads back to the same probabilities.
    let loaded = model::LoadedModel::from_file(d.workflow, a.model.clone(), None).unwrap();
    assert_eq!(loaded.explanations(), Explanations::Signed);
    let input = Input {
        vector: &d.rows[0].vector,
        record: d.rows[0].record.as_ref(),
    };
    let p = loaded.probability(input);
    assert!((0.0..=1.0).contains(&p));
    assert_eq!(a.verdict, "ok");
    assert!(a.bayes.is_some());
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let never = AtomicBool::new(false);
    let d = rows_for("stem-separation", 400, 11);
    let many = train_dataset(&d, &quick(), &never).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| train_dataset(&d, &quick(), &never).unwrap());
    assert_eq!(many.model, one.model);
}

#[test]
fn rows_with_omitted_fields_train_imputed_with_training_means_and_are_recorded() {
    let never = AtomicBool::new(false);
    let mut d = rows_for("ai-memory", 300, 4);
    let w = d.workflow;
    let field = w.field_index("databaseLatency").unwrap();
    let entry = w.feature_index("dbLatency").unwrap();
    for (k, r) in d.rows.iter_mut().enumerate() {
        r.record.as_mut().unwrap().missing[field] = k % 3 == 0;
        if k % 3 == 0 {
            r.vector[entry] = 12345.0; // must be replaced by the mean, never used
        }
    }
    let r = train_dataset(&d, &quick(), &never).unwrap();
    assert!(
        r.omitted_fields.contains(&("databaseLatency", 100)),
        "{:?}",
        r.omitted_fields
    );
    assert_eq!(r.model.extra["omittedFields"]["databaseLatency"], 100);
    let present: Vec<f64> = d
        .rows
        .iter()
        .skip(1)
        .filter(|r| r.vector[entry] != 12345.0)
        .map(|r| r.vector[entry])
        .collect();
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    let stored = r.model.feature_means.as_ref().unwrap()["dbLatency"];
    assert!((stored - mean).abs() < 1e-12, "{stored} vs {mean}");
}

#[test]
fn a_time_split_holds_out_the_latest_rows_and_needs_timestamps() {
    let never = AtomicBool::new(false);
    let d = rows_for("freestyle", 300, 5);
    let settings = TrainSettings {
        split: SplitMode::Time,
        ..quick()
    };
    let r = train_dataset(&d, &settings, &never).unwrap();
    assert_eq!(
        (r.training_size, r.validation_size, r.evaluation_rows),
        (300, 60, "time-holdout")
    );
    // The held-out rows are the 60 latest: their labels give the reported base rate.
    let mut order: Vec<usize> = (0..300).collect();
    order.sort_by_key(|i| (d.rows[*i].timestamp_ms, *i));
    let latest: Vec<bool> = order[240..].iter().map(|i| d.rows[*i].failed).collect();
    assert_eq!(
        r.metrics.baseline_accuracy,
        metrics::baseline_accuracy(&latest)
    );
    let mut untimed = d.clone();
    untimed.rows[17].timestamp_ms = None;
    let e = train_dataset(&untimed, &settings, &never).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_DATA");
    assert!(
        e.to_string()
            .contains("row 18: field 'timestamp' is missing or not an ISO-8601 time"),
        "{e}"
    );
}

#[test]
fn cancellation_aborts() {
    let cancelled = AtomicBool::new(true);
    let d = rows_for("freestyle", 60, 4);
    assert_eq!(
        train_dataset(&d, &quick(), &cancelled).unwrap_err().code(),
        "ERR_ABORTED"
    );
}

#[test]
fn old_format_rows_carry_only_vectors_and_train_the_logistic_family() {
    let never = AtomicBool::new(false);
    let w = find_workflow("ai-memory").unwrap();
    let rows: Vec<serde_json::Value> = synth::generate_workflow(8, w, 80)
        .iter()
        .map(|s| {
            let features: serde_json::Map<String, serde_json::Value> = w
                .feature_names()
                .zip(&s.vector)
                .map(|(n, x)| (n.to_string(), serde_json::json!(x)))
                .collect();
            serde_json::json!({"workflowType": "ai-memory", "features": features, "failed": s.failed})
        })
        .collect();
    let text = serde_json::to_string(&rows).unwrap();
    let r = train_workflow_from_json("ai-memory", &text, &quick(), &never).unwrap();
    assert_eq!(r.training_size, 80);
    assert_eq!(r.model_type, "logistic-regression-l2");
    assert!(r.bayes.is_none());
    let e = train_workflow_from_json("karaoke", &text, &quick(), &never).unwrap_err();
    assert_eq!(e.code(), "ERR_UNKNOWN_WORKFLOW");
    // Rows of another workflow are refused, naming how many.
    let e = train_workflow_from_json("freestyle", &text, &quick(), &never).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_ARG");
    assert!(
        e.to_string()
            .contains("80 rows belong to other workflows than 'freestyle'"),
        "{e}"
    );
    let e =
        train_workflow_from_json("ai-memory", "{\"not\": \"rows\"}", &quick(), &never).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Invalid argument 'scenarios': expected an array of training rows"),
        "{e}"
    );
    let _ = Row::from_vector(vec![], false, 1);
}

#[test]
fn report_html_compares_with_the_models_the_directory_held() {
    // The output directory does not exist yet: the first run creates it.
    let tmp = tempfile::Builder::new()
        .prefix("ml-engine-report-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().join("out");
    let run_with = |seed: u64| {
        let options = TrainOptions {
            settings: TrainSettings {
                seed,
                trained_at: format!("t{seed}"),
                ..quick()
            },
            counts: Counts::scaled(&Counts::default(), 2),
            out_dir: Some(dir.clone()),
            ..TrainOptions::default()
        };
        run(&options, &|_| {}, &AtomicBool::new(false)).unwrap();
        std::fs::read_to_string(dir.join("report.html")).unwrap()
    };
    let first = run_with(1);
    assert_eq!(
        first.matches("data-plot=\"roc\"").count(),
        all_workflows_len()
    );
    assert!(
        !first.contains("class=\"comparison\""),
        "nothing deployed yet"
    );
    let second = run_with(2);
    assert_eq!(
        second.matches("class=\"comparison\"").count(),
        all_workflows_len()
    );
    assert!(second.contains("Models: trained now (sha256:"));
    // The same data and settings again: the same models, said so, not compared.
    let again = run_with(2);
    assert!(!again.contains("class=\"comparison\""));
    assert_eq!(
        again.matches("apart from trainedAt").count(),
        all_workflows_len()
    );
}

fn all_workflows_len() -> usize {
    crate::schema::all_workflows().len()
}

#[test]
fn a_workflow_announces_the_progress_units_it_ticks_at_every_size() {
    // One C value: the logistic path ticks once per fold, never stopping
    // early, so every unit announced is ticked. From LARGE_ROWS rows the
    // trees try one shape on `large_folds` folds, which the announcement
    // must follow (it once counted every shape on `folds` folds).
    let never = AtomicBool::new(false);
    let settings = TrainSettings {
        grid: vec![1.0],
        bootstrap_resamples: 50,
        ..TrainSettings::default()
    };
    for rows in [600, pipeline::LARGE_ROWS] {
        let d = rows_for("ai-memory", rows, 9);
        let ticked = std::sync::atomic::AtomicUsize::new(0);
        let tick = |n: usize| {
            ticked.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        let announced = std::sync::atomic::AtomicUsize::new(0);
        let announce = |n: usize| {
            announced.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        let r = pipeline::train_workflow(&d, &settings, &tick, &announce, &never).unwrap();
        assert_eq!(r.permutation_test, None, "{rows} rows");
        assert_eq!(announced.into_inner(), 0, "{rows} rows");
        assert_eq!(
            ticked.into_inner(),
            pipeline::units(&settings, d.rows.len()),
            "{rows} rows"
        );
    }
}
