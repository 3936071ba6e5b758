//! Drift: reference histograms of a model's training features and scores,
//! and the population stability index (PSI) of live traffic against them.
//!
//! A feature with at most `bins` distinct training values (flags, enums,
//! small counts) gets one bin per value; live values outside them fall in
//! an extra bin the reference gives no mass. Any other feature (and the
//! score) gets `bins` quantile bins: cut points at the training quantiles
//! `i / bins`, a value `x` falling in the first bin whose cut point is
//! `≥ x`. PSI = Σ (a − e) · ln(a / e) over the bins, with live shares `a`
//! and reference shares `e` each floored at 1e-4 so that an empty bin
//! counts as rare, not impossible. Rule of thumb: below 0.1 stable, 0.1 to
//! 0.25 a moderate shift, above 0.25 a major one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::schema::Workflow;

/// Shares below this count as this, in PSI.
pub const PSI_FLOOR: f64 = 1e-4;
/// Bins per histogram unless asked otherwise.
pub const DEFAULT_BINS: usize = 10;

/// One feature's (or the score's) reference distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Histogram {
    /// The distinct values, ascending, for a categorical histogram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<f64>>,
    /// Interior cut points, ascending, for a binned one (one fewer than the bins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edges: Option<Vec<f64>>,
    /// Share of the reference rows in each category or bin.
    pub proportions: Vec<f64>,
}

/// What a model file stores under `reference`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// Rows the histograms were built from.
    pub rows: usize,
    /// By vector feature name.
    pub features: BTreeMap<String, Histogram>,
    pub score: Histogram,
}

impl Histogram {
    /// The histogram of `values` (all finite) with at most `bins` bins.
    pub fn of(values: &[f64], bins: usize) -> Histogram {
        let mut sorted: Vec<f64> = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut distinct = sorted.clone();
        distinct.dedup();
        if distinct.len() <= bins {
            let counts = count_categories(&distinct, values);
            return Histogram {
                categories: Some(distinct),
                edges: None,
                proportions: shares(&counts[..counts.len() - 1], values.len()),
            };
        }
        let n = sorted.len();
        let mut edges: Vec<f64> = (1..bins)
            .map(|i| sorted[(i * n / bins).min(n - 1)])
            .collect();
        edges.dedup();
        // The top cut point cannot be the maximum: that bin would stay empty.
        if edges.last() == sorted.last() {
            edges.pop();
        }
        let counts = count_bins(&edges, values);
        Histogram {
            categories: None,
            edges: Some(edges),
            proportions: shares(&counts, values.len()),
        }
    }

    /// Live shares of `values` in this histogram's bins; for a categorical
    /// one, the last share is of values outside its categories.
    fn live_shares(&self, values: &[f64]) -> Vec<f64> {
        match (&self.categories, &self.edges) {
            (Some(c), _) => shares(&count_categories(c, values), values.len()),
            (None, Some(e)) => shares(&count_bins(e, values), values.len()),
            (None, None) => Vec::new(),
        }
    }

    /// PSI of `values` against this reference; `None` without values.
    pub fn psi(&self, values: &[f64]) -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        let live = self.live_shares(values);
        let mut expected = self.proportions.clone();
        // The categorical "outside" bin has no reference mass.
        expected.resize(live.len(), 0.0);
        Some(psi(&expected, &live))
    }

    fn validate(&self, name: &str) -> Result<()> {
        let bad = |reason: String| EngineError::InvalidArgument {
            name: format!("reference.{name}"),
            reason,
        };
        let bins = match (&self.categories, &self.edges) {
            (Some(c), None) => c.len(),
            (None, Some(e)) => {
                if e.windows(2).any(|w| !(w[0] < w[1])) {
                    return Err(bad("edges must be strictly increasing".to_string()));
                }
                e.len() + 1
            }
            _ => return Err(bad("needs either categories or edges".to_string())),
        };
        if self.proportions.len() != bins {
            return Err(bad(format!(
                "has {} proportions for {bins} bins",
                self.proportions.len()
            )));
        }
        if self
            .proportions
            .iter()
            .any(|p| !(p.is_finite() && *p >= 0.0 && *p <= 1.0))
        {
            return Err(bad("proportions must be shares in [0, 1]".to_string()));
        }
        Ok(())
    }
}

/// Counts per category, plus a last count for values in none.
fn count_categories(categories: &[f64], values: &[f64]) -> Vec<usize> {
    let mut counts = vec![0usize; categories.len() + 1];
    for v in values {
        let slot = categories
            .binary_search_by(|c| c.total_cmp(v))
            .unwrap_or(categories.len());
        counts[slot] += 1;
    }
    counts
}

/// Counts per bin: bin `k` holds values in (edges[k−1], edges[k]].
fn count_bins(edges: &[f64], values: &[f64]) -> Vec<usize> {
    let mut counts = vec![0usize; edges.len() + 1];
    for v in values {
        counts[edges.partition_point(|e| e < v)] += 1;
    }
    counts
}

fn shares(counts: &[usize], n: usize) -> Vec<f64> {
    let n = n.max(1) as f64;
    counts.iter().map(|c| *c as f64 / n).collect()
}

/// The population stability index of `actual` shares against `expected`.
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(e, a)| {
            let (e, a) = (e.max(PSI_FLOOR), a.max(PSI_FLOOR));
            (a - e) * (a / e).ln()
        })
        .sum()
}

impl Reference {
    /// Histograms of `rows` (vectors in the workflow's vector order) and of
    /// the model's `scores` on them.
    pub fn from_rows(
        workflow: &Workflow,
        rows: &[&[f64]],
        scores: &[f64],
        bins: usize,
    ) -> Reference {
        let features = workflow
            .feature_names()
            .enumerate()
            .map(|(i, name)| {
                let column: Vec<f64> = rows.iter().map(|r| r[i]).collect();
                (name.to_string(), Histogram::of(&column, bins))
            })
            .collect();
        Reference {
            rows: rows.len(),
            features,
            score: Histogram::of(scores, bins),
        }
    }

    /// Read and check a reference (as a model file stores it).
    pub fn from_value(value: &serde_json::Value) -> Result<Reference> {
        let reference: Reference =
            serde_json::from_value(value.clone()).map_err(|e| EngineError::InvalidArgument {
                name: "reference".to_string(),
                reason: e.to_string(),
            })?;
        reference.score.validate("score")?;
        for (name, h) in &reference.features {
            h.validate(&format!("features.{name}"))?;
        }
        Ok(reference)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureDrift {
    pub feature: String,
    pub psi: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftReport {
    /// Live rows compared.
    pub rows: usize,
    pub score_psi: Option<f64>,
    /// Largest PSI first.
    pub features: Vec<FeatureDrift>,
    pub threshold: f64,
    /// Features (and `"score"`) whose PSI reaches the threshold.
    pub drifted: Vec<String>,
}

/// PSI of live `rows` and `scores` against `reference`, per feature and
/// for the score. Features the reference lacks are left out.
pub fn drift(
    reference: &Reference,
    workflow: &Workflow,
    rows: &[&[f64]],
    scores: &[f64],
    threshold: f64,
) -> DriftReport {
    let mut features: Vec<FeatureDrift> = workflow
        .feature_names()
        .enumerate()
        .filter_map(|(i, name)| {
            let h = reference.features.get(name)?;
            let column: Vec<f64> = rows.iter().map(|r| r[i]).collect();
            h.psi(&column).map(|psi| FeatureDrift {
                feature: name.to_string(),
                psi,
            })
        })
        .collect();
    features.sort_by(|a, b| b.psi.total_cmp(&a.psi));
    let score_psi = reference.score.psi(scores);
    let mut drifted: Vec<String> = features
        .iter()
        .filter(|f| f.psi >= threshold)
        .map(|f| f.feature.clone())
        .collect();
    if score_psi.is_some_and(|p| p >= threshold) {
        drifted.push("score".to_string());
    }
    DriftReport {
        rows: rows.len(),
        score_psi,
        features,
        threshold,
        drifted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::find_workflow;

    #[test]
    fn psi_of_hand_computed_shares() {
        // (.7 − .5) ln(.7/.5) + (.3 − .5) ln(.3/.5)
        let expected = 0.2 * (1.4f64).ln() + 0.2 * (0.5f64 / 0.3).ln();
        assert!((psi(&[0.5, 0.5], &[0.7, 0.3]) - expected).abs() < 1e-15);
        assert!((psi(&[0.5, 0.5], &[0.7, 0.3]) - 0.169_459_572_08).abs() < 1e-10);
        assert_eq!(psi(&[0.25; 4], &[0.25; 4]), 0.0);
        // An empty live bin is floored, not infinite.
        let floored = psi(&[0.5, 0.5], &[1.0, 0.0]);
        assert!(
            (floored - ((1.0 - 0.5) * 2f64.ln() + (1e-4 - 0.5) * (1e-4f64 / 0.5).ln())).abs()
                < 1e-12
        );
    }

    #[test]
    fn a_flag_is_categorical_and_a_new_value_counts_against_it() {
        let values: Vec<f64> = (0..100).map(|i| f64::from(u8::from(i % 10 != 0))).collect();
        let h = Histogram::of(&values, 10);
        assert_eq!(h.categories, Some(vec![0.0, 1.0]));
        assert_eq!(h.proportions, [0.1, 0.9]);
        assert_eq!(h.psi(&values), Some(0.0));
        // Live: half the runs now lack the permission.
        let live: Vec<f64> = (0..10).map(|i| f64::from(u8::from(i % 2 == 0))).collect();
        let got = h.psi(&live).unwrap();
        let want = (0.5 - 0.1) * (0.5f64 / 0.1).ln() + (0.5 - 0.9) * (0.5f64 / 0.9).ln();
        assert!((got - want).abs() < 1e-12, "{got} {want}");
        // A value never seen in training falls outside every category.
        let unseen = h.psi(&[0.5, 0.5]).unwrap();
        let want = (PSI_FLOOR - 0.1) * (PSI_FLOOR / 0.1).ln()
            + (PSI_FLOOR - 0.9) * (PSI_FLOOR / 0.9).ln()
            + (1.0 - PSI_FLOOR) * (1.0 / PSI_FLOOR).ln();
        assert!((unseen - want).abs() < 1e-12);
    }

    #[test]
    fn a_continuous_feature_gets_quantile_bins() {
        let values: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let h = Histogram::of(&values, 10);
        assert_eq!(
            h.edges.as_deref(),
            Some(&[100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0, 900.0][..])
        );
        // (.., 100] holds 0..=100: 101 values; the last bin (900, ..) 99.
        assert_eq!(h.proportions[0], 0.101);
        assert_eq!(h.proportions[9], 0.099);
        assert!((h.proportions.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(h.psi(&values).unwrap().abs() < 1e-15);
        // Shifted up by 300: the top bins fill, the bottom ones empty.
        let shifted: Vec<f64> = values.iter().map(|v| v + 300.0).collect();
        assert!(h.psi(&shifted).unwrap() > 1.0);
        let roundtrip = Reference::from_value(&serde_json::json!({
            "rows": 1000, "features": {}, "score": h,
        }))
        .unwrap();
        assert_eq!(roundtrip.score, h);
        let e = Reference::from_value(&serde_json::json!({
            "rows": 1, "features": {}, "score": { "edges": [2, 1], "proportions": [0.5, 0.2, 0.3] },
        }))
        .unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_ARG");
        assert_eq!(
            e.to_string(),
            "Invalid argument 'reference.score': edges must be strictly increasing"
        );
    }

    #[test]
    fn drift_names_the_shifted_feature_and_the_score() {
        let w = find_workflow("freestyle").unwrap();
        let width = w.vector.len();
        let mic = w.feature_index("micPermission").unwrap();
        let make = |denied_every: usize, n: usize| -> Vec<Vec<f64>> {
            (0..n)
                .map(|i| {
                    let mut v: Vec<f64> = (0..width)
                        .map(|j| ((i * 7 + j * 3) % 13) as f64 / 13.0)
                        .collect();
                    v[mic] = f64::from(u8::from(i % denied_every != 0));
                    v
                })
                .collect()
        };
        let train = make(10, 1000);
        let refs: Vec<&[f64]> = train.iter().map(Vec::as_slice).collect();
        let scores: Vec<f64> = train.iter().map(|v| 0.05 + 0.9 * (1.0 - v[mic])).collect();
        let reference = Reference::from_rows(w, &refs, &scores, DEFAULT_BINS);
        assert_eq!(reference.rows, 1000);
        assert_eq!(reference.features.len(), width);

        let same = drift(&reference, w, &refs, &scores, 0.25);
        assert!(same.drifted.is_empty(), "{same:?}");
        assert!(same.features.iter().all(|f| f.psi.abs() < 1e-12));

        let live = make(2, 400);
        let live_refs: Vec<&[f64]> = live.iter().map(Vec::as_slice).collect();
        let live_scores: Vec<f64> = live.iter().map(|v| 0.05 + 0.9 * (1.0 - v[mic])).collect();
        let report = drift(&reference, w, &live_refs, &live_scores, 0.25);
        assert_eq!(report.rows, 400);
        assert_eq!(report.features[0].feature, "micPermission");
        assert_eq!(report.drifted, ["micPermission", "score"]);
        assert!(report.features[1].psi < 0.25, "{:?}", report.features[1]);
    }
}
