//! Export exactly what the trainer saw, per workflow, for an outside check
//! (benchmark/sklearn_check.py): the training and held-out rows of the
//! seeded split, the chosen C, and our model's held-out probabilities and
//! log-loss.
//!
//! `cargo run --release --example export_split -- [--seed 42] [--factor 1] [--out split.json]`
//!
//! Without `--out` the JSON goes to stdout.

use std::sync::atomic::AtomicBool;

use dawg_ml_engine::synth::{self, Counts};
use dawg_ml_engine::train::{self, data, logistic, TrainSettings};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seed = 42u64;
    let mut factor = 1usize;
    let mut out: Option<String> = None;
    let mut k = 0;
    while k < args.len() {
        let value = args.get(k + 1).cloned();
        match (args[k].as_str(), value) {
            ("--seed", Some(v)) => seed = v.parse().expect("--seed: a whole number"),
            ("--factor", Some(v)) => factor = v.parse().expect("--factor: a whole number"),
            ("--out", Some(v)) => out = Some(v),
            (other, _) => {
                eprintln!("usage: export_split [--seed N] [--factor N] [--out FILE] ({other}?)");
                std::process::exit(2);
            }
        }
        k += 2;
    }
    let settings = TrainSettings {
        seed,
        ..TrainSettings::default()
    };
    let scenarios = synth::generate(seed, &Counts::default().scaled(factor));
    let loaded = data::from_scenarios(&scenarios);
    let report = train::train_loaded(
        &loaded,
        "export_split",
        &settings,
        &|_| {},
        &AtomicBool::new(false),
    )
    .expect("training failed");

    let mut workflows = Vec::new();
    for r in &report.results {
        let dataset = loaded
            .datasets
            .iter()
            .find(|d| d.workflow.workflow_type() == r.workflow_type)
            .unwrap();
        let rows = &dataset.rows;
        let split = train::split(rows, seed, dataset.workflow.index);
        let names = &r.model.feature_names;
        let fit = logistic::Fit {
            weights: names.iter().map(|n| r.model.weights[n]).collect(),
            bias: r.model.bias,
            iterations: r.iterations,
            converged: r.converged,
        };
        let part = |idx: &[usize]| {
            json!({
                "x": idx.iter().map(|i| &rows[*i].vector).collect::<Vec<_>>(),
                "y": idx.iter().map(|i| u8::from(rows[*i].failed)).collect::<Vec<_>>(),
                "trueP": idx.iter().map(|i| rows[*i].true_probability).collect::<Vec<_>>(),
                "ourP": idx.iter().map(|i| fit.probability(&rows[*i].vector)).collect::<Vec<_>>(),
            })
        };
        assert_eq!(split.train.len(), r.training_size);
        assert_eq!(split.validation.len(), r.validation_size);
        workflows.push(json!({
            "workflowType": r.workflow_type,
            "C": r.c,
            "featureNames": names,
            "weights": fit.weights,
            "bias": fit.bias,
            "validationLogLoss": r.metrics.log_loss,
            "validationAuc": r.metrics.auc,
            "bayesAuc": r.bayes.as_ref().and_then(|b| b.auc),
            "train": part(&split.train),
            "validation": part(&split.validation),
        }));
    }
    let doc = json!({
        "seed": seed,
        "factor": factor,
        "objective": "C * sum(logloss) + 0.5 * ||w||^2 on standardised features (population sd), intercept unpenalised",
        "workflows": workflows,
    });
    let text = serde_json::to_string(&doc).unwrap();
    match out {
        Some(path) => std::fs::write(&path, text).expect("cannot write --out"),
        None => println!("{text}"),
    }
}
