//! The live report (`dawg-ml report --live`): the training report's plots
//! drawn from recorded outcomes instead of held-out rows, per workflow and
//! per model version that served (or shadowed) it, with the drift of its
//! traffic per feature and of its score.
//!
//! The input is plain data gathered from the outcome store: per version,
//! the probabilities of its predictions whose outcome is recorded and those
//! outcomes, and its drift report. The summary figures are computed here by
//! `monitor::live_metrics` with the same interval settings as the store's
//! `liveMetrics`, so the page and `getLiveMetrics` give the same numbers.

use std::fmt::Write;

use super::charts::{self, PsiBar, Series};
use super::svg::escape;
use super::{
    confusion_rows, curves, figure, fixed, opening, optional, risk_level_rows, section_heading,
};
use crate::monitor::{live_metrics, DriftReport, IntervalOptions, LiveMetrics};

/// Below this PSI a distribution is called stable; from it up to the
/// monitor's threshold, a moderate shift.
pub const MODERATE_PSI: f64 = 0.1;

/// A version's drift, measured against a reference.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredDrift {
    pub report: DriftReport,
    /// What the live traffic was compared with, said plainly.
    pub reference: String,
    /// Logged predictions without usable features (left out of the PSI).
    pub rows_without_features: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Drift {
    Measured(MeasuredDrift),
    /// Why there is no drift figure, in plain words.
    Unavailable(String),
}

/// One model version's traffic in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveVersion {
    pub model_version: String,
    /// Where the models directory has it ("registry v2, current"); `None`
    /// when it has no such model file any more.
    pub known_as: Option<String>,
    /// "champion" or "challenger" (scored in shadow).
    pub role: String,
    /// Predictions logged in the window, with or without an outcome.
    pub predictions: usize,
    /// Of the predictions whose outcome is recorded, aligned with `outcomes`.
    pub probabilities: Vec<f64>,
    pub outcomes: Vec<bool>,
    pub drift: Drift,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveWorkflow {
    pub workflow_type: String,
    pub display_name: String,
    /// Empty when nothing of this workflow was logged in the window.
    pub versions: Vec<LiveVersion>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveReportInput {
    pub title: String,
    /// One line: what wrote the report, and when.
    pub generated: String,
    /// The outcome store, the models directory and the window, said plainly.
    pub sources: String,
    /// As the store's `liveMetrics` draws the AUC interval.
    pub interval: IntervalOptions,
    pub workflows: Vec<LiveWorkflow>,
}

impl LiveVersion {
    fn metrics(&self, interval: IntervalOptions) -> LiveMetrics {
        live_metrics(&self.probabilities, &self.outcomes, interval)
    }

    fn anchor(&self, workflow_type: &str) -> String {
        format!("{workflow_type}-{}-{}", self.role, self.model_version)
    }

    fn named(&self) -> String {
        // The role first: a registry name carries parentheses of its own
        // ("registry v1 (current)").
        format!(
            "{}: {}",
            self.role,
            self.known_as
                .as_deref()
                .unwrap_or("not in the models directory")
        )
    }
}

fn auc_with_interval(m: &LiveMetrics) -> String {
    let interval = m.auc_interval.map_or(String::new(), |[lo, hi]| {
        format!(" [{}, {}]", fixed(lo, 3), fixed(hi, 3))
    });
    format!("{}{interval}", optional(m.auc, 3))
}

fn drift_said(drift: &Drift) -> String {
    match drift {
        Drift::Measured(d) if d.report.rows == 0 => "no features logged".to_string(),
        Drift::Measured(d) if d.report.drifted.is_empty() => "none".to_string(),
        Drift::Measured(d) => d.report.drifted.join(", "),
        Drift::Unavailable(_) => "n/a".to_string(),
    }
}

fn summary_table(out: &mut String, input: &LiveReportInput) {
    out.push_str("<table class=\"summary\"><thead><tr><th>workflow</th><th>model version</th><th>role: where the models directory has it</th><th>predictions</th><th>outcomes</th><th>failure rate</th><th>mean p</th><th>log-loss</th><th>Brier</th><th>ECE</th><th>AUC [95 % interval]</th><th>drifted</th></tr></thead><tbody>");
    for w in &input.workflows {
        if w.versions.is_empty() {
            let _ = write!(
                out,
                "<tr><td><a href=\"#{id}\">{id}</a></td><td colspan=\"11\" class=\"empty\">no predictions logged in the window</td></tr>",
                id = escape(&w.workflow_type)
            );
        }
        for v in &w.versions {
            let m = v.metrics(input.interval);
            let _ = write!(
                out,
                "<tr><td><a href=\"#{anchor}\">{wt}</a></td><td>{version}</td><td>{named}</td><td>{n}</td><td>{count}</td><td>{rate}</td><td>{mean}</td><td>{ll}</td><td>{brier}</td><td>{ece}</td><td>{auc}</td><td>{drift}</td></tr>",
                anchor = escape(&v.anchor(&w.workflow_type)),
                wt = escape(&w.workflow_type),
                version = escape(&v.model_version),
                named = escape(&v.named()),
                n = v.predictions,
                count = m.count,
                rate = optional(m.failure_rate, 3),
                mean = optional(m.mean_probability, 3),
                ll = optional(m.log_loss, 4),
                brier = optional(m.brier, 4),
                ece = optional(m.ece, 4),
                auc = auc_with_interval(&m),
                drift = escape(&drift_said(&v.drift)),
            );
        }
    }
    out.push_str("</tbody></table>");
}

fn metrics_table(out: &mut String, m: &LiveMetrics) {
    let rows = [
        ("runs with a recorded outcome", m.count.to_string()),
        ("failures", m.failures.to_string()),
        ("failure rate", optional(m.failure_rate, 4)),
        (
            "mean predicted probability",
            optional(m.mean_probability, 4),
        ),
        ("log-loss (nats)", optional(m.log_loss, 4)),
        ("Brier score", optional(m.brier, 4)),
        ("ECE", optional(m.ece, 4)),
        ("AUC [95 % interval]", auc_with_interval(m)),
    ];
    out.push_str("<table class=\"live-metrics\"><tbody>");
    for (name, value) in rows {
        let _ = write!(out, "<tr><th>{name}</th><td>{}</td></tr>", escape(&value));
    }
    out.push_str("</tbody></table>");
}

fn performance(out: &mut String, v: &LiveVersion, m: &LiveMetrics) {
    if m.count == 0 {
        let _ = write!(
            out,
            "<p class=\"empty\">{} predictions logged in the window, none with a recorded outcome yet: there is nothing to measure this version's performance on, so no ROC curve, reliability diagram or histogram is drawn.</p>",
            v.predictions
        );
        return;
    }
    let _ = write!(
        out,
        "<p class=\"note\">{} predictions logged in the window; {} of them have a recorded outcome, and the figures below are of those.</p>",
        v.predictions, m.count
    );
    metrics_table(out, m);
    let (p, y) = (&v.probabilities, &v.outcomes);
    out.push_str("<div class=\"charts\">");
    let label = "live";
    if m.auc.is_some() {
        let roc = curves::roc_points(p, y);
        figure(
            out,
            &charts::roc(&[Series { label, data: &roc }]),
            "ROC curve of the recorded outcomes: each point is a threshold; the dashed line is chance.",
        );
    } else {
        let which = if m.failures == 0 {
            "succeeded"
        } else {
            "failed"
        };
        let _ = write!(
            out,
            "<p class=\"empty\">Every run with a recorded outcome {which}: a ROC curve needs both failures and successes.</p>"
        );
    }
    let bins = curves::reliability_bins(p, y);
    figure(out, &charts::reliability(&[Series { label, data: &bins }]), "Reliability: predicted probability against the observed failure rate per bin of 0.1 (bars: runs per bin). On the dashed line, probabilities are calibrated.");
    figure(
        out,
        &charts::histogram(
            &curves::histogram(p, y, true, 20),
            &curves::histogram(p, y, false, 20),
        ),
        "Predicted failure probability of the runs that failed and of those that succeeded.",
    );
    out.push_str("</div>");
    confusion_rows(out, p, y, risk_level_rows());
}

fn band(psi: f64, major: f64) -> &'static str {
    if psi >= major {
        "major shift"
    } else if psi >= MODERATE_PSI {
        "moderate shift"
    } else {
        "stable"
    }
}

fn drift_section(out: &mut String, drift: &Drift) {
    out.push_str("<div class=\"drift\"><h4>Drift</h4>");
    let d = match drift {
        Drift::Unavailable(reason) => {
            let _ = write!(out, "<p class=\"empty\">{}</p></div>", escape(reason));
            return;
        }
        Drift::Measured(d) => d,
    };
    let r = &d.report;
    if r.rows == 0 {
        out.push_str("<p class=\"empty\">No logged prediction of this version in the window carries its features, so its drift cannot be measured (log predictions with their features).</p></div>");
        return;
    }
    let _ = write!(
        out,
        "<p class=\"note\">Population stability index (PSI) of {} logged predictions against {}{}. Thresholds: below {} stable, from {} a moderate shift, from {} a major one (the monitor's drift threshold).</p>",
        r.rows,
        escape(&d.reference),
        if d.rows_without_features > 0 {
            format!("; {} predictions without usable features are left out", d.rows_without_features)
        } else {
            String::new()
        },
        fixed(MODERATE_PSI, 2),
        fixed(MODERATE_PSI, 2),
        fixed(r.threshold, 2),
    );
    if r.drifted.is_empty() {
        out.push_str("<p>No feature, and not the score, has reached the drift threshold.</p>");
    } else {
        let _ = write!(
            out,
            "<p class=\"drifted\">Drifted (PSI ≥ {}): {}.</p>",
            fixed(r.threshold, 2),
            escape(&r.drifted.join(", "))
        );
    }
    let mut entries: Vec<(&str, f64)> = Vec::new();
    if let Some(score) = r.score_psi {
        entries.push(("score", score));
    }
    entries.extend(r.features.iter().map(|f| (f.feature.as_str(), f.psi)));
    let bars: Vec<PsiBar> = entries
        .iter()
        .map(|(name, psi)| PsiBar { name, psi: *psi })
        .collect();
    out.push_str("<div class=\"charts\">");
    let _ = write!(
        out,
        "<figure class=\"wide\">{}<figcaption>PSI of the score and of each feature, largest feature first; dashed lines at {} and {}.</figcaption></figure>",
        charts::psi(&bars, MODERATE_PSI, r.threshold),
        fixed(MODERATE_PSI, 2),
        fixed(r.threshold, 2)
    );
    out.push_str("</div><table class=\"psi\"><thead><tr><th>feature</th><th>PSI</th><th>reading</th></tr></thead><tbody>");
    for (name, psi) in &entries {
        let _ = write!(
            out,
            "<tr data-feature=\"{n}\"><td>{n}</td><td>{}</td><td>{}</td></tr>",
            fixed(*psi, 4),
            band(*psi, r.threshold),
            n = escape(name),
        );
    }
    out.push_str("</tbody></table></div>");
}

fn version_section(out: &mut String, w: &LiveWorkflow, v: &LiveVersion, interval: IntervalOptions) {
    let _ = write!(
        out,
        "<div class=\"version\" id=\"{}\" data-version=\"{}\" data-role=\"{}\"><h3>Model {} <span class=\"note\">– {}</span></h3>",
        escape(&v.anchor(&w.workflow_type)),
        escape(&v.model_version),
        escape(&v.role),
        escape(&v.model_version),
        escape(&v.named())
    );
    let m = v.metrics(interval);
    performance(out, v, &m);
    drift_section(out, &v.drift);
    out.push_str("</div>");
}

/// The whole page.
pub fn render(input: &LiveReportInput) -> String {
    let mut out = String::new();
    opening(
        &mut out,
        &input.title,
        &format!("{} {}", input.generated, input.sources),
    );
    out.push_str("<p class=\"note\">Figures of the predictions whose outcome has been recorded, per workflow and model version (a challenger's are of its shadow scores on the same runs). Log-loss is in nats (lower is better); AUC 0.5 is chance. Drift compares the features and scores of the logged predictions with the reference histograms of the model's training rows.</p>");
    summary_table(&mut out, input);
    for w in &input.workflows {
        section_heading(&mut out, &w.workflow_type, &w.display_name);
        if w.versions.is_empty() {
            out.push_str("<p class=\"empty\">No prediction of this workflow was logged in the window, so there is nothing to show.</p>");
        }
        for v in &w.versions {
            version_section(&mut out, w, v, input.interval);
        }
        out.push_str("</section>");
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::drift::FeatureDrift;

    fn version(labelled: usize, drift: Drift) -> LiveVersion {
        let outcomes: Vec<bool> = (0..labelled).map(|i| (i * 37) % 100 < 30).collect();
        let probabilities = outcomes
            .iter()
            .enumerate()
            .map(|(i, y)| {
                if *y {
                    0.4 + (i % 50) as f64 / 100.0
                } else {
                    0.05 + (i % 40) as f64 / 100.0
                }
            })
            .collect();
        LiveVersion {
            model_version: format!("sha256:{labelled:016}"),
            known_as: (labelled > 0).then(|| "registry v2, current".to_string()),
            role: "champion".to_string(),
            predictions: labelled + 7,
            probabilities,
            outcomes,
            drift,
        }
    }

    fn measured() -> Drift {
        Drift::Measured(MeasuredDrift {
            report: DriftReport {
                rows: 300,
                score_psi: Some(0.31),
                features: vec![
                    FeatureDrift {
                        feature: "micPermission".to_string(),
                        psi: 0.42,
                    },
                    FeatureDrift {
                        feature: "retries".to_string(),
                        psi: 0.02,
                    },
                ],
                threshold: 0.25,
                drifted: vec!["micPermission".to_string(), "score".to_string()],
            },
            reference: "the model file's training rows (2400)".to_string(),
            rows_without_features: 0,
        })
    }

    fn page() -> (LiveReportInput, String) {
        let input = LiveReportInput {
            title: "Live report".to_string(),
            generated: "Generated by test.".to_string(),
            sources: "Store s.sqlite.".to_string(),
            interval: IntervalOptions::default(),
            workflows: vec![
                LiveWorkflow {
                    workflow_type: "freestyle".to_string(),
                    display_name: "Freestyle Recording".to_string(),
                    versions: vec![
                        version(400, measured()),
                        version(
                            0,
                            Drift::Unavailable("no reference <histograms>".to_string()),
                        ),
                    ],
                },
                LiveWorkflow {
                    workflow_type: "ai-memory".to_string(),
                    display_name: "AI Memory".to_string(),
                    versions: vec![],
                },
            ],
        };
        let html = render(&input);
        (input, html)
    }

    #[test]
    fn a_version_with_outcomes_gets_every_plot_and_its_figures() {
        let (input, html) = page();
        let v = &input.workflows[0].versions[0];
        let m = live_metrics(&v.probabilities, &v.outcomes, IntervalOptions::default());
        let section = html.split("<div class=\"version\"").nth(1).unwrap();
        for plot in ["roc", "reliability", "histogram", "psi"] {
            assert!(section.contains(&format!("data-plot=\"{plot}\"")), "{plot}");
        }
        let [lo, hi] = m.auc_interval.unwrap();
        assert!(section.contains(&format!("{:.3} [{lo:.3}, {hi:.3}]", m.auc.unwrap())));
        assert!(section.contains(&format!("<td>{:.4}</td>", m.log_loss.unwrap())));
        assert!(section.contains(&format!("<td>{:.4}</td>", m.brier.unwrap())));
        assert!(section.contains("risk critical (p ≥ 0.8)"));
        assert!(section.contains("champion: registry v2, current"));
        assert!(section.contains("<tr data-feature=\"micPermission\"><td>micPermission</td><td>0.4200</td><td>major shift</td></tr>"));
        assert!(section.contains("<tr data-feature=\"score\"><td>score</td><td>0.3100</td>"));
        assert!(section.contains("<td>0.0200</td><td>stable</td>"));
        assert!(section.contains("Drifted (PSI ≥ 0.25): micPermission, score."));
    }

    #[test]
    fn missing_outcomes_and_missing_traffic_are_said_in_words() {
        let (_, html) = page();
        let second = html.split("<div class=\"version\"").nth(2).unwrap();
        assert!(
            second.contains("7 predictions logged in the window, none with a recorded outcome yet")
        );
        assert!(!second.contains("data-plot"), "no empty plot");
        assert!(second.contains("champion: not in the models directory"));
        assert!(second.contains("no reference &lt;histograms&gt;"));
        assert!(html.contains("No prediction of this workflow was logged in the window"));
        let without_ns = html.replace("http://www.w3.org/2000/svg", "");
        for forbidden in ["<script", "http", "@import", "url(", "NaN", "inf"] {
            assert!(!without_ns.contains(forbidden), "{forbidden}");
        }
    }

    #[test]
    fn one_class_only_says_why_there_is_no_roc_curve() {
        let mut v = version(20, measured());
        v.outcomes = vec![false; 20];
        let html = render(&LiveReportInput {
            title: "t".to_string(),
            generated: String::new(),
            sources: String::new(),
            interval: IntervalOptions::default(),
            workflows: vec![LiveWorkflow {
                workflow_type: "freestyle".to_string(),
                display_name: "F".to_string(),
                versions: vec![v],
            }],
        });
        assert!(html.contains("Every run with a recorded outcome succeeded"));
        assert!(!html.contains("data-plot=\"roc\""));
        assert!(html.contains("data-plot=\"reliability\""));
    }
}
