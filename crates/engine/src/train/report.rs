//! What a training run reports: `training-summary.json` (the old format plus
//! the new per-model fields, the settings and the skipped workflows), the
//! per-workflow table for the CLI, and `TRAINING_REPORT.md`.

use std::fmt::Write as _;

use serde_json::json;

use super::{logistic, TrainReport, WorkflowResult};

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
                "C": w.c,
                "absentFeatures": w.absent_features,
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
        "modelType": super::MODEL_TYPE,
        "validationShare": super::VALIDATION_SHARE,
        "folds": r.settings.folds,
        "grid": r.settings.grid,
        "selection": super::SELECTION_RULE,
        "threshold": "maximises F1 on out-of-fold predictions",
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

const HEADERS: [&str; 13] = [
    "workflow",
    "scenarios",
    "train",
    "val",
    "fail rate",
    "accuracy",
    "precision",
    "recall",
    "F1",
    "AUC",
    "baseline",
    "Bayes AUC",
    "verdict",
];

fn cells(w: &WorkflowResult) -> [String; 13] {
    [
        w.workflow_type.to_string(),
        w.scenarios.to_string(),
        w.training_size.to_string(),
        w.validation_size.to_string(),
        pct(w.failure_rate),
        pct(w.metrics.accuracy),
        pct(w.metrics.precision),
        pct(w.metrics.recall),
        f3(Some(w.metrics.f1)),
        f3(w.metrics.auc),
        pct(w.metrics.baseline_accuracy),
        f3(w.bayes.as_ref().and_then(|b| b.auc)),
        w.verdict.to_string(),
    ]
}

fn warnings(r: &TrainReport) -> Vec<String> {
    let mut out: Vec<String> = r
        .results
        .iter()
        .filter(|w| w.verdict != "ok")
        .map(|w| {
            format!(
                "WARNING: {} model has NO SIGNAL ({}). Do not trust its predictions.",
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
    let rows: Vec<[String; 13]> = r.results.iter().map(cells).collect();
    let widths: Vec<usize> = (0..13)
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
        "\nMetrics are measured on the held-out {:.0} % of each workflow, which the \
         shipped model never saw; accuracy, precision, recall and F1 use the tuned \
         threshold. *Baseline* always predicts the majority class. *Bayes AUC* is \
         the AUC of the generator's true failure probability on the same rows (the \
         best any model can do); it is shown when the data carries it. A model is \
         `no-signal` when the 95 % bootstrap interval of its AUC includes 0.5.\n",
        100.0 * super::VALIDATION_SHARE
    );
    let _ = writeln!(s, "## Models\n");
    let _ = writeln!(s, "| workflow | C | folds | CV log-loss | threshold | log-loss | Brier | ECE | PR-AUC | AUC 95% CI | Bayes log-loss |");
    let _ = writeln!(
        s,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for w in &r.results {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.4} | {:.3} | {:.4} | {:.4} | {:.4} | {} | {} | {} |",
            w.workflow_type,
            w.c,
            w.folds,
            w.cv_log_loss,
            w.metrics.threshold,
            w.metrics.log_loss,
            w.metrics.brier,
            w.metrics.ece,
            f3(w.metrics.pr_auc),
            w.auc_interval
                .map_or("-".to_string(), |(lo, hi)| format!("[{lo:.3}, {hi:.3}]")),
            w.bayes
                .as_ref()
                .map_or("-".to_string(), |b| format!("{:.4}", b.log_loss)),
        );
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
