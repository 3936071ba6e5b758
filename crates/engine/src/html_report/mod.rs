//! The training report as one self-contained HTML page (`report.html`):
//! inline SVG charts drawn by this module's own small plotting code, inline
//! CSS, no script, no external resource (fonts, images, stylesheets), so it
//! opens offline and from any file browser.
//!
//! The input is plain data: per workflow, the outcomes of the evaluated rows
//! and each model's predicted probabilities for them (the model just
//! trained, and optionally the deployed one on the same rows), plus what the
//! trainer knows (family, verdict, threshold, mean contributions). Every
//! metric shown is computed here from those rows, so the numbers and the
//! pictures cannot disagree.

mod charts;
mod curves;
pub mod live;
mod svg;

use std::fmt::Write;

use crate::train::metrics;
use charts::{FeatureEffect, Series};
use svg::escape;

/// One model's predicted probabilities for a workflow's evaluated rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// How the model is named in the legends, e.g. "trained now".
    pub label: String,
    /// Its `modelVersion`, named beside the label in the text.
    pub version: String,
    pub probabilities: Vec<f64>,
}

/// A feature's contributions over the evaluated rows, in log-odds: the mean
/// |contribution|, and the mean signed contribution over the failed runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub feature: String,
    pub mean_abs: f64,
    pub mean_signed: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowSection {
    pub workflow_type: String,
    pub display_name: String,
    /// The model family chosen, e.g. "gradient-boosted-trees".
    pub family: String,
    pub verdict: String,
    pub verdict_reason: Option<String>,
    /// Which rows the evaluation covers, said plainly.
    pub rows: String,
    pub outcomes: Vec<bool>,
    pub current: Evaluation,
    /// The deployed model on the same rows, when there is one.
    pub previous: Option<Evaluation>,
    /// The generator's true probabilities of the same rows, when known.
    pub true_probabilities: Option<Vec<f64>>,
    /// The decision threshold the model was tuned to.
    pub threshold: f64,
    pub auc_interval: Option<(f64, f64)>,
    pub effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    pub title: String,
    /// One line: what wrote the report, and when.
    pub generated: String,
    /// Where the training rows came from.
    pub source: String,
    pub workflows: Vec<WorkflowSection>,
}

/// Risk-level thresholds, as predictions use them.
const RISK_LEVELS: [(&str, f64); 3] = [
    ("medium or above", 0.4),
    ("high or above", 0.6),
    ("critical", 0.8),
];

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem; color: #1d2330; background: #fff; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-top: 1px solid #d8dde6; padding-top: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #d8dde6; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { color: #5b6475; font-size: 0.9rem; }
.verdict-ok { color: #137333; } .verdict-no-signal, .verdict-inconclusive { color: #b3261e; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; width: 322px; } figure.wide { width: auto; max-width: 460px; } figcaption { font-size: 0.85rem; color: #5b6475; }
svg.plot { background: #fafbfc; border: 1px solid #e3e7ee; }
svg .axis { stroke: #5b6475; fill: none; } svg .reference { stroke: #aab2bf; stroke-dasharray: 4 3; fill: none; }
svg text { font-size: 10px; fill: #3c4454; } svg .axis-title { font-size: 11px; }
svg path.series { fill: none; stroke-width: 2; }
svg .current { stroke: #1a73e8; fill: #1a73e8; } svg .previous { stroke: #e37400; fill: #e37400; }
svg .failed { stroke: #c5221f; } svg .succeeded { stroke: #188038; }
svg rect.count { fill: #c9d3e3; stroke: none; }
svg rect.raises { fill: #d93025; } svg rect.lowers { fill: #1a73e8; }
svg rect.stable { fill: #81c995; } svg rect.moderate { fill: #fbbc04; } svg rect.major { fill: #d93025; } svg .limit { stroke: #5b6475; stroke-dasharray: 2 2; fill: none; }
.empty { color: #5b6475; font-style: italic; } .version { margin-top: 1.5rem; } h3 { font-size: 1.05rem; } .drifted { color: #b3261e; font-weight: 600; }
svg text.legend.current, svg text.legend.previous { stroke: none; }
svg text.legend.failed { fill: #c5221f; stroke: none; } svg text.legend.succeeded { fill: #188038; stroke: none; }
.comparison { font-weight: 600; }
";

fn fixed(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "n/a".to_string()
    }
}

fn optional(x: Option<f64>, digits: usize) -> String {
    x.map_or("n/a".to_string(), |v| fixed(v, digits))
}

/// Log-loss of always predicting the observed failure rate.
fn baseline_log_loss(y: &[bool]) -> f64 {
    metrics::log_loss(&vec![metrics::failure_rate(y); y.len()], y)
}

/// The plain-language comparison of the new model with the deployed one.
pub fn comparison(current: &Evaluation, previous: &Evaluation, y: &[bool]) -> String {
    let (c, p) = (
        metrics::log_loss(&current.probabilities, y),
        metrics::log_loss(&previous.probabilities, y),
    );
    let auc = |e: &Evaluation| optional(metrics::auc(&e.probabilities, y), 3);
    let detail = format!(
        "log-loss {} against {}, AUC {} against {}",
        fixed(c, 4),
        fixed(p, 4),
        auc(current),
        auc(previous)
    );
    let diff = c - p;
    if diff.abs() < 0.001 {
        format!("The new and the deployed model are about equally good on these rows ({detail}).")
    } else {
        let (better, by) = if diff < 0.0 {
            ("new", -diff)
        } else {
            ("deployed", diff)
        };
        let share = if p > 0.0 && c > 0.0 {
            100.0 * by / c.max(p)
        } else {
            0.0
        };
        format!(
            "The {better} model is better on these rows: {} nats lower log-loss ({:.1} % less), {detail}.",
            fixed(by, 4),
            share
        )
    }
}

fn summary_table(out: &mut String, workflows: &[WorkflowSection]) {
    out.push_str("<table class=\"summary\"><thead><tr><th>workflow</th><th>model</th><th>verdict</th><th>rows</th><th>log-loss</th><th>AUC [95 % interval]</th><th>ECE</th><th>baseline log-loss</th><th>gap to Bayes</th></tr></thead><tbody>");
    for w in workflows {
        let p = &w.current.probabilities;
        let ll = metrics::log_loss(p, &w.outcomes);
        let interval = w.auc_interval.map_or(String::new(), |(lo, hi)| {
            format!(" [{}, {}]", fixed(lo, 3), fixed(hi, 3))
        });
        let gap = w
            .true_probabilities
            .as_ref()
            .map(|t| fixed(ll - metrics::log_loss(t, &w.outcomes), 4))
            .unwrap_or_else(|| "unknown".to_string());
        let _ = write!(
            out,
            "<tr><td><a href=\"#{id}\">{name}</a></td><td>{family}</td><td class=\"verdict-{verdict}\">{verdict}</td><td>{rows}</td><td>{ll}</td><td>{auc}{interval}</td><td>{ece}</td><td>{base}</td><td>{gap}</td></tr>",
            id = escape(&w.workflow_type),
            name = escape(&w.workflow_type),
            family = escape(&w.family),
            verdict = escape(&w.verdict),
            rows = w.outcomes.len(),
            ll = fixed(ll, 4),
            auc = optional(metrics::auc(p, &w.outcomes), 3),
            ece = fixed(metrics::ece(p, &w.outcomes), 4),
            base = fixed(baseline_log_loss(&w.outcomes), 4),
        );
    }
    out.push_str("</tbody></table>");
}

fn confusion_table(out: &mut String, w: &WorkflowSection) {
    let rows = std::iter::once((
        format!("p ≥ {} (tuned threshold)", fixed(w.threshold, 3)),
        w.threshold,
    ))
    .chain(risk_level_rows());
    confusion_rows(out, &w.current.probabilities, &w.outcomes, rows);
}

/// The rows of a confusion table at each risk level: label and threshold.
fn risk_level_rows() -> impl Iterator<Item = (String, f64)> {
    RISK_LEVELS
        .iter()
        .map(|(name, t)| (format!("risk {name} (p ≥ {t})"), *t))
}

/// A confusion table of `p` against `y`, one row per (label, threshold).
fn confusion_rows(
    out: &mut String,
    p: &[f64],
    y: &[bool],
    rows: impl Iterator<Item = (String, f64)>,
) {
    out.push_str("<table class=\"confusion\"><thead><tr><th>flagged when</th><th>true positives</th><th>false positives</th><th>true negatives</th><th>false negatives</th><th>precision</th><th>recall</th></tr></thead><tbody>");
    for (label, t) in rows {
        let c = curves::confusion(p, y, t);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&label),
            c.tp,
            c.fp,
            c.tn,
            c.fn_,
            fixed(c.precision(), 3),
            fixed(c.recall(), 3)
        );
    }
    out.push_str("</tbody></table>");
}

fn figure(out: &mut String, svg: &str, caption: &str) {
    let _ = write!(
        out,
        "<figure>{svg}<figcaption>{}</figcaption></figure>",
        escape(caption)
    );
}

fn workflow_section(out: &mut String, w: &WorkflowSection) {
    section_heading(out, &w.workflow_type, &w.display_name);
    let _ = write!(
        out,
        "<p>Model: <strong>{}</strong>; verdict <span class=\"verdict-{v}\">{v}</span>{}. <span class=\"note\">Evaluated on {}.</span></p>",
        escape(&w.family),
        w.verdict_reason.as_ref().map_or(String::new(), |r| format!(": {}", escape(r))),
        escape(&w.rows),
        v = escape(&w.verdict),
    );
    let named = |e: &Evaluation| format!("{} ({})", e.label, e.version);
    match &w.previous {
        Some(previous) => {
            let _ = write!(
                out,
                "<p class=\"note\">Models: {} and {}. The deployed model is the one the output directory held before this training; its figures are plain predictions, the new model's are as stated above, so if it was trained on some of these rows the comparison favours it.</p><p class=\"comparison\">{}</p>",
                escape(&named(&w.current)),
                escape(&named(previous)),
                escape(&comparison(&w.current, previous, &w.outcomes))
            );
        }
        None => {
            let _ = write!(
                out,
                "<p class=\"note\">Model: {}. No other deployed model to compare with.</p>",
                escape(&named(&w.current))
            );
        }
    }
    let y = &w.outcomes;
    let models: Vec<&Evaluation> = std::iter::once(&w.current)
        .chain(w.previous.as_ref())
        .collect();
    let rocs: Vec<Vec<(f64, f64)>> = models
        .iter()
        .map(|e| curves::roc_points(&e.probabilities, y))
        .collect();
    let bins: Vec<Vec<curves::Bin>> = models
        .iter()
        .map(|e| curves::reliability_bins(&e.probabilities, y))
        .collect();
    out.push_str("<div class=\"charts\">");
    let roc_series: Vec<Series<Vec<(f64, f64)>>> = models
        .iter()
        .zip(&rocs)
        .map(|(e, d)| Series {
            label: &e.label,
            data: d,
        })
        .collect();
    figure(
        out,
        &charts::roc(&roc_series),
        "ROC curve: each point is a threshold; the dashed line is chance.",
    );
    let bin_series: Vec<Series<Vec<curves::Bin>>> = models
        .iter()
        .zip(&bins)
        .map(|(e, d)| Series {
            label: &e.label,
            data: d,
        })
        .collect();
    figure(out, &charts::reliability(&bin_series), "Reliability: predicted probability against the observed failure rate per bin of 0.1 (bars: rows per bin). On the dashed line, probabilities are calibrated.");
    let p = &w.current.probabilities;
    let hist = charts::histogram(
        &curves::histogram(p, y, true, 20),
        &curves::histogram(p, y, false, 20),
    );
    figure(
        out,
        &hist,
        "Predicted failure probability of the runs that failed and of those that succeeded.",
    );
    let effects: Vec<FeatureEffect> = w
        .effects
        .iter()
        .map(|e| FeatureEffect {
            feature: &e.feature,
            mean_abs: e.mean_abs,
            mean_signed: e.mean_signed,
        })
        .collect();
    figure(out, &charts::contributions(&effects), "Mean |contribution| per feature (log-odds) over the evaluated runs; red: on average it raised the risk of the runs that failed, blue: it lowered it.");
    out.push_str("</div>");
    confusion_table(out, w);
    out.push_str("</section>");
}

/// The page's head (title and inline style), its heading and the line
/// under it saying what wrote it and from what.
fn opening(out: &mut String, title: &str, said: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1><p class=\"note\">{}</p>",
        escape(said),
        t = escape(title)
    );
}

/// The opening of a workflow's section, with its heading.
fn section_heading(out: &mut String, workflow_type: &str, display_name: &str) {
    let _ = write!(
        out,
        "<section class=\"workflow\" id=\"{t}\"><h2>{} <span class=\"note\">({t})</span></h2>",
        escape(display_name),
        t = escape(workflow_type)
    );
}

/// The whole page.
pub fn render(input: &ReportInput) -> String {
    let mut out = String::new();
    opening(
        &mut out,
        &input.title,
        &format!("{} Training rows: {}.", input.generated, input.source),
    );
    out.push_str("<p class=\"note\">Log-loss is in nats (lower is better); the baseline always predicts the observed failure rate; the gap to Bayes is the model's log-loss minus that of the generator's true probabilities on the same rows (known for generated data only). AUC 0.5 is chance.</p>");
    summary_table(&mut out, &input.workflows);
    for w in &input.workflows {
        workflow_section(&mut out, w);
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(previous: bool) -> WorkflowSection {
        let outcomes: Vec<bool> = (0..400).map(|i| (i * 37) % 100 < 30).collect();
        let probabilities: Vec<f64> = outcomes
            .iter()
            .enumerate()
            .map(|(i, y)| {
                if *y {
                    0.35 + (i % 50) as f64 / 100.0
                } else {
                    0.05 + (i % 40) as f64 / 100.0
                }
            })
            .collect();
        WorkflowSection {
            workflow_type: "freestyle".to_string(),
            display_name: "Freestyle Recording".to_string(),
            family: "logistic-regression-l2".to_string(),
            verdict: "ok".to_string(),
            verdict_reason: None,
            rows: "out-of-fold predictions for all 400 rows".to_string(),
            previous: previous.then(|| Evaluation {
                label: "deployed".to_string(),
                version: "sha256:test".to_string(),
                probabilities: vec![0.3; 400],
            }),
            current: Evaluation {
                label: "trained now".to_string(),
                version: "sha256:test".to_string(),
                probabilities,
            },
            true_probabilities: None,
            outcomes,
            threshold: 0.42,
            auc_interval: Some((0.8, 0.9)),
            effects: vec![Effect {
                feature: "micPermission".to_string(),
                mean_abs: 0.7,
                mean_signed: 0.2,
            }],
        }
    }

    #[test]
    fn the_page_is_self_contained_and_draws_every_plot() {
        let html = render(&ReportInput {
            title: "Training report".to_string(),
            generated: "Generated by test.".to_string(),
            source: "generated (seed 1)".to_string(),
            workflows: vec![section(true)],
        });
        for plot in ["roc", "reliability", "histogram", "contributions"] {
            assert!(html.contains(&format!("data-plot=\"{plot}\"")), "{plot}");
        }
        for forbidden in ["<script", "http://", "https://", "@import", "url("] {
            let without_ns = html.replace("http://www.w3.org/2000/svg", "");
            assert!(!without_ns.contains(forbidden), "{forbidden}");
        }
        assert!(html.contains("flagged when") && html.contains("risk critical (p ≥ 0.8)"));
        assert!(
            html.contains("The new model is better on these rows"),
            "comparison line"
        );
        assert!(html.contains("[0.800, 0.900]"));
        assert!(html.contains("Models: trained now (sha256:test) and deployed (sha256:test)"));
    }

    #[test]
    fn the_comparison_says_which_model_is_better_and_by_how_much() {
        let y = [true, false, true, false];
        let good = Evaluation {
            label: "a".into(),
            version: "sha256:test".to_string(),
            probabilities: vec![0.8, 0.2, 0.7, 0.3],
        };
        let poor = Evaluation {
            label: "b".into(),
            version: "sha256:test".to_string(),
            probabilities: vec![0.5, 0.5, 0.5, 0.5],
        };
        let line = comparison(&good, &poor, &y);
        assert!(
            line.starts_with("The new model is better on these rows: "),
            "{line}"
        );
        let gain =
            metrics::log_loss(&poor.probabilities, &y) - metrics::log_loss(&good.probabilities, &y);
        assert!(line.contains(&format!("{gain:.4} nats lower")), "{line}");
        assert!(comparison(&poor, &good, &y).starts_with("The deployed model is better"));
        assert!(comparison(&good, &good, &y)
            .starts_with("The new and the deployed model are about equally good"));
    }
}
