//! What a training run reports: `training-summary.json` (the old format plus
//! the new per-model fields, the settings and the skipped workflows), the
//! per-workflow table for the CLI, and `TRAINING_REPORT.md`.

use std::fmt::Write as _;

use serde_json::json;

use super::build::{FamilyScore, SELECTION_RULE};
use super::{evaluate, logistic, pipeline, TrainReport, WorkflowResult};

fn opt(x: Option<f64>) -> serde_json::Value {
    x.map_or(serde_json::Value::Null, |v| json!(v))
}

pub fn summary_json(r: &TrainReport) -> serde_json::Value {
    let models: Vec<serde_json::Value> = r
        .results
        .iter()
        .map(|w| {
            json!({
                "workflowType": w.workflow_type,
                "accuracy": w.metrics.accuracy,
                "precision": w.metrics.precision,
                "recall": w.metrics.recall,
                "f1Score": w.metrics.f1,
                "trainingSize": w.training_size,
                "validationSize": w.validation_size,
                "scenarios": w.scenarios,
                "failureRate": w.failure_rate,
                "threshold": w.metrics.threshold,
                "auc": opt(w.metrics.auc),
                "aucInterval": w.auc_interval.map(|(lo, hi)| [lo, hi]),
                "prAuc": opt(w.metrics.pr_auc),
                "logLoss": w.metrics.log_loss,
                "brier": w.metrics.brier,
                "ece": w.metrics.ece,
                "baselineAccuracy": w.metrics.baseline_accuracy,
                "bayes": w.bayes.as_ref().map(|b| b.to_json()),
                "verdict": w.verdict,
                "verdictReason": w.verdict_reason,
                "permutationTest": w.permutation_test.map(|t| t.to_json()),
                "evaluationRows": w.evaluation_rows,
                "modelType": w.model_type,
                "calibration": w.calibration,
                "cvLogLoss": w.cv_log_loss,
                "hyperparameters": w.hyperparameters,
                "families": w.families.iter().map(FamilyScore::to_json).collect::<Vec<_>>(),
                "absentFeatures": w.absent_features,
                "omittedFields": w.omitted_fields.iter().map(|(f, k)| (f.to_string(), json!(k))).collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    json!({
        "trainedAt": r.settings.trained_at,
        "totalScenarios": r.total_scenarios,
        "modelsCount": r.results.len(),
        "models": models,
        "skipped": r.skipped.iter().map(|s| json!({
            "workflowType": s.workflow_type, "rows": s.rows, "reason": s.reason,
        })).collect::<Vec<_>>(),
        "invalidRowsSkipped": r.invalid_rows_skipped,
        "settings": settings_json(r),
        "engineVersion": env!("CARGO_PKG_VERSION"),
    })
}

fn settings_json(r: &TrainReport) -> serde_json::Value {
    json!({
        "source": r.source,
        "seed": r.settings.seed,
        "families": crate::family::known_model_types(),
        "split": r.settings.split.as_str(),
        "evaluation": match r.settings.split {
            super::SplitMode::Cv => "out-of-fold predictions over all rows".to_string(),
            super::SplitMode::Time => format!("the latest {:.0}% of rows by timestamp, held out", 100.0 * pipeline::TIME_HOLDOUT_SHARE),
        },
        "folds": r.settings.folds,
        "largeFolds": r.settings.large_folds.map(|k| json!({ "fromRows": pipeline::LARGE_ROWS, "folds": k })),
        "grid": r.settings.grid,
        "selection": SELECTION_RULE,
        "threshold": "maximises F1 on out-of-fold predictions",
        "verdicts": evaluate::rule(),
        "tolerance": logistic::TOLERANCE,
        "maxIterations": logistic::MAX_ITERATIONS,
        "bootstrapResamples": r.settings.bootstrap_resamples,
        "minRows": super::MIN_ROWS,
    })
}

fn f3(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.3}"))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

const COLUMNS: usize = 13;

const HEADERS: [&str; COLUMNS] = [
    "workflow",
    "rows",
    "evaluated",
    "fail rate",
    "model",
    "calibration",
    "log-loss",
    "Bayes log-loss",
    "AUC",
    "Bayes AUC",
    "ECE",
    "F1",
    "verdict",
];

fn f4(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.4}"))
}

fn cells(w: &WorkflowResult) -> [String; COLUMNS] {
    [
        w.workflow_type.to_string(),
        w.scenarios.to_string(),
        format!("{} {}", w.validation_size, w.evaluation_rows),
        pct(w.failure_rate),
        w.model_type.to_string(),
        w.calibration.to_string(),
        f4(Some(w.metrics.log_loss)),
        f4(w.bayes.as_ref().map(|b| b.log_loss)),
        f3(w.metrics.auc),
        f3(w.bayes.as_ref().and_then(|b| b.auc)),
        f3(Some(w.metrics.ece)),
        f3(Some(w.metrics.f1)),
        w.verdict.to_string(),
    ]
}

fn warnings(r: &TrainReport) -> Vec<String> {
    let mut out: Vec<String> = r
        .results
        .iter()
        .filter(|w| w.verdict != "ok")
        .map(|w| {
            let what = if w.verdict == "no-signal" {
                "NO SIGNAL"
            } else {
                "an INCONCLUSIVE evaluation"
            };
            format!(
                "WARNING: {} model has {what} ({}). Do not trust its predictions.",
                w.workflow_type,
                w.verdict_reason
                    .as_deref()
                    .unwrap_or("not better than the baseline")
            )
        })
        .collect();
    out.extend(r.skipped.iter().map(|s| {
        format!(
            "WARNING: {} was not trained ({} rows): {}",
            s.workflow_type, s.rows, s.reason
        )
    }));
    if r.invalid_rows_skipped > 0 {
        out.push(format!(
            "WARNING: {} invalid rows were skipped",
            r.invalid_rows_skipped
        ));
    }
    out
}

/// The per-workflow table as aligned plain text, then any warnings.
pub fn render_table(r: &TrainReport) -> String {
    let rows: Vec<[String; COLUMNS]> = r.results.iter().map(cells).collect();
    let widths: Vec<usize> = (0..COLUMNS)
        .map(|c| {
            rows.iter()
                .map(|row| row[c].len())
                .chain([HEADERS[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| -> String {
        let mut s = String::new();
        for (c, v) in values.iter().enumerate() {
            if c == 0 {
                let _ = write!(s, "{v:<w$}", w = widths[c]);
            } else {
                let _ = write!(s, "  {v:>w$}", w = widths[c]);
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(HEADERS.to_vec());
    out += &line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for row in &rows {
        out += &line(row.iter().map(String::as_str).collect());
    }
    for w in warnings(r) {
        out += &w;
        out.push('\n');
    }
    out
}

pub fn markdown(r: &TrainReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Training report\n");
    let _ = writeln!(
        s,
        "Generated by dawg-ml-engine {} at {}.\n",
        env!("CARGO_PKG_VERSION"),
        if r.settings.trained_at.is_empty() {
            "(no time given)"
        } else {
            &r.settings.trained_at
        }
    );
    let warnings = warnings(r);
    for w in &warnings {
        let _ = writeln!(s, "> **{w}**\n");
    }
    let _ = writeln!(s, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(s, "|{}", " --- |".repeat(HEADERS.len()));
    for w in &r.results {
        let _ = writeln!(s, "| {} |", cells(w).join(" | "));
    }
    let _ = writeln!(
        s,
        "\n*Evaluated* says which rows every metric comes from: `out-of-fold` means \
         out-of-fold predictions over all rows (each row scored by a model fitted \
         without its fold, calibrated by a calibrator fitted without it); \
         `time-holdout` means the latest rows by timestamp, held out from the \
         choice and the fit. The shipped model is then refitted on all rows. \
         Accuracy, precision, recall and F1 use the threshold that maximises F1 \
         out-of-fold. *Bayes* columns are the generator's true failure probability \
         on the same rows (the best any model can do), shown when the data carries it.\n\n\
         Selection: {SELECTION_RULE}.\n\n\
         Verdicts: {}.\n",
        evaluate::rule(),
    );
    if r.results.iter().any(|w| w.bayes.is_some()) {
        let _ = writeln!(s, "## Gap to the Bayes limit\n");
        let _ = writeln!(s, "| workflow | log-loss | Bayes log-loss | gap (nats) | share of the achievable gain | AUC | Bayes AUC | gap |");
        let _ = writeln!(s, "| --- | --- | --- | --- | --- | --- | --- | --- |");
        for w in &r.results {
            let Some(b) = &w.bayes else { continue };
            // The achievable gain: from a constant (the base rate) to the Bayes limit.
            let base = constant_log_loss(w.failure_rate);
            let share = (base - w.metrics.log_loss) / (base - b.log_loss);
            let _ = writeln!(
                s,
                "| {} | {:.4} | {:.4} | {:+.4} | {:.0}% | {} | {} | {} |",
                w.workflow_type,
                w.metrics.log_loss,
                b.log_loss,
                w.metrics.log_loss - b.log_loss,
                100.0 * share,
                f3(w.metrics.auc),
                f3(b.auc),
                match (w.metrics.auc, b.auc) {
                    (Some(a), Some(b)) => format!("{:+.3}", b - a),
                    _ => "-".to_string(),
                },
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## Models\n");
    let _ = writeln!(s, "| workflow | model | hyperparameters | calibration | folds | CV log-loss | candidates (CV log-loss) | threshold | Brier | PR-AUC | AUC 95% CI |");
    let _ = writeln!(
        s,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for w in &r.results {
        let candidates: Vec<String> = w
            .families
            .iter()
            .map(|f| match &f.outcome {
                Ok((cv, scores, _)) => format!(
                    "{}: {:.4} (Platt {:.4}, isotonic {:.4})",
                    f.model_type, cv.log_loss, scores[1], scores[2]
                ),
                Err(reason) => format!("{}: not tried ({reason})", f.model_type),
            })
            .collect();
        let chosen = w
            .families
            .iter()
            .find(|f| f.model_type == w.model_type)
            .and_then(|f| f.outcome.as_ref().ok())
            .map_or("-".to_string(), |(cv, _, _)| cv.chosen.to_string());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {:.4} | {} | {:.3} | {:.4} | {} | {} |",
            w.workflow_type,
            w.model_type,
            chosen,
            w.calibration,
            w.folds,
            w.cv_log_loss,
            candidates.join("; "),
            w.metrics.threshold,
            w.metrics.brier,
            f3(w.metrics.pr_auc),
            w.auc_interval
                .map_or("-".to_string(), |(lo, hi)| format!("[{lo:.3}, {hi:.3}]")),
        );
    }
    if r.results.iter().any(|w| !w.omitted_fields.is_empty()) {
        let _ = writeln!(s, "\nRaw fields omitted by some rows (imputed with the training mean of their vector entries):\n");
        for w in r.results.iter().filter(|w| !w.omitted_fields.is_empty()) {
            let list: Vec<String> = w
                .omitted_fields
                .iter()
                .map(|(f, k)| format!("{f} ({k})"))
                .collect();
            let _ = writeln!(s, "- {}: {}", w.workflow_type, list.join(", "));
        }
    }
    if r.results.iter().any(|w| !w.absent_features.is_empty()) {
        let _ = writeln!(s, "\nFeatures absent from the data (weight 0):\n");
        for w in r.results.iter().filter(|w| !w.absent_features.is_empty()) {
            let _ = writeln!(s, "- {}: {}", w.workflow_type, w.absent_features.join(", "));
        }
    }
    if !r.skipped.is_empty() {
        let _ = writeln!(s, "\n## Skipped workflows\n");
        for k in &r.skipped {
            let _ = writeln!(s, "- {} ({} rows): {}", k.workflow_type, k.rows, k.reason);
        }
    }
    let _ = writeln!(s, "\n## Settings\n");
    let _ = writeln!(
        s,
        "```json\n{}\n```",
        serde_json::to_string_pretty(&settings_json(r)).unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "\nTotal rows: {}. Invalid rows skipped: {}.",
        r.total_scenarios, r.invalid_rows_skipped
    );
    for e in &r.skipped_row_examples {
        let _ = writeln!(s, "- {e}");
    }
    s
}

/// The log-loss of always predicting the base rate `rate`.
fn constant_log_loss(rate: f64) -> f64 {
    let r = rate.clamp(1e-15, 1.0 - 1e-15);
    -(r * r.ln() + (1.0 - r) * (1.0 - r).ln())
}
