//! Step: what the HTML report needs of one trained workflow: the rows its
//! metrics come from, with their outcomes, the chosen model's predictions
//! for them (out-of-fold, or on the time holdout), the generator's true
//! probabilities when known, and the shipped model's mean contributions.
//! Each row's vector and raw record are kept so that the deployed model can
//! be scored on exactly the same rows when the report is written.
//!
//! At most `MAX_ROWS` rows are kept (every k-th of the evaluated rows, in
//! order), which bounds the memory a large training holds for its report.

use crate::family::{Attribution, Fitted, Input};
use crate::features::RawRecord;
use crate::schema::Workflow;
use crate::train::fitting::TrainingSet;

pub const MAX_ROWS: usize = 20_000;

/// One evaluated row.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub vector: Vec<f64>,
    pub record: Option<RawRecord>,
    pub failed: bool,
    /// The chosen model's probability for the row, as the metrics use it.
    pub probability: f64,
    pub true_probability: Option<f64>,
}

impl ReportRow {
    pub fn input(&self) -> Input<'_> {
        Input {
            vector: &self.vector,
            record: self.record.as_ref(),
        }
    }
}

/// A vector entry's contributions over the kept rows, in log-odds: the mean
/// |contribution| over all of them, and the mean signed contribution over
/// the runs that failed (SHAP values average to about zero over the training
/// rows, so the signed mean over all rows would say nothing; over the
/// failures it says whether the feature drove them up or down).
#[derive(Debug, Clone, PartialEq)]
pub struct MeanEffect {
    pub feature: &'static str,
    pub mean_abs: f64,
    pub mean_signed: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportRows {
    /// How many rows were evaluated (the kept rows are a subset when more than `MAX_ROWS`).
    pub evaluated: usize,
    pub rows: Vec<ReportRow>,
    /// By mean |contribution|, largest first.
    pub effects: Vec<MeanEffect>,
}

/// The kept rows of `evaluated` (indices into `set`, aligned with
/// `probabilities`), and the mean contributions of `shipped` over them.
pub fn collect(
    set: &TrainingSet,
    evaluated: &[usize],
    probabilities: &[f64],
    true_probability: Option<&[f64]>,
    shipped: &Fitted,
) -> ReportRows {
    let step = evaluated.len().div_ceil(MAX_ROWS).max(1);
    let rows: Vec<ReportRow> = evaluated
        .iter()
        .zip(probabilities)
        .step_by(step)
        .map(|(i, p)| ReportRow {
            vector: set.row(*i).to_vec(),
            record: set.records[*i].clone(),
            failed: set.y[*i],
            probability: *p,
            true_probability: true_probability.map(|t| t[*i]),
        })
        .collect();
    ReportRows {
        evaluated: evaluated.len(),
        effects: mean_effects(set.workflow, &rows, shipped),
        rows,
    }
}

fn mean_effects(w: &'static Workflow, rows: &[ReportRow], shipped: &Fitted) -> Vec<MeanEffect> {
    let d = w.explanation_slots();
    let scorer = shipped.model.scorer();
    let mut sum_abs = vec![0.0; d];
    let mut sum_failed = vec![0.0; d];
    let mut out = vec![Attribution::default(); d];
    for r in rows {
        scorer.explain(r.input(), &mut out);
        for (k, a) in out.iter().enumerate() {
            sum_abs[k] += a.contribution.abs();
            if r.failed {
                sum_failed[k] += a.contribution;
            }
        }
    }
    let n = rows.len().max(1) as f64;
    let failures = rows.iter().filter(|r| r.failed).count().max(1) as f64;
    let mut effects: Vec<MeanEffect> = w
        .explanation_slot_names()
        .enumerate()
        .map(|(k, feature)| MeanEffect {
            feature,
            mean_abs: sum_abs[k] / n,
            mean_signed: sum_failed[k] / failures,
        })
        .collect();
    effects.sort_by(|a, b| b.mean_abs.total_cmp(&a.mean_abs));
    effects
}
