//! Drift: reference histograms of a model's training features and scores,
//! and the population stability index (PSI) of live traffic against them.
//!
//! A feature with at most `bins` distinct training values (flags, enums,
//! small counts) gets one bin per value; live values outside them fall in
//! an extra bin the reference gives no mass. Any other feature (and the
//! score) gets `bins` quantile bins: cut points at the training quantiles
//! `i / bins`, a value `x` falling in the first bin whose cut point is
//! `≥ x`. The score, a probability, gets 5 equal-width bins over [0, 1]
//! instead: scores pile up near 0 and 1, where quantile cut points would
//! fall between nearly equal values; and a reference scored on the model's
//! own training rows is more extreme than its scores on new runs, which
//! finer bins would read as drift.
//!
//! PSI = Σ (a − e) · ln(a / e) over the bins, where each side's share of a
//! bin is smoothed with half a row: `(count + 0.5) / (n + 0.5 k)` for `k`
//! bins. An empty bin then counts as rare, not impossible, and a bin that
//! holds a handful of a small sample does not dominate the sum. Rule of
//! thumb: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a
//! major one; with `n` reference and `m` live rows, sampling alone gives
//! about `(k − 1)(1/n + 1/m)`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::schema::Workflow;

/// Rows added to every bin, on both sides, before shares are compared.
pub const PSEUDO_COUNT: f64 = 0.5;
/// Equal-width bins of the score histogram.
pub const SCORE_BINS: usize = 5;
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

    /// The histogram of probabilities `values` over `bins` equal-width bins of [0, 1].
    pub fn of_probabilities(values: &[f64], bins: usize) -> Histogram {
        let edges: Vec<f64> = (1..bins).map(|i| i as f64 / bins as f64).collect();
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

    /// PSI of `values` against this reference, built from `reference_rows`
    /// rows; `None` without values.
    pub fn psi(&self, values: &[f64], reference_rows: usize) -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        let live = self.live_shares(values);
        let mut expected = self.proportions.clone();
        // The categorical "outside" bin has no reference mass.
        expected.resize(live.len(), 0.0);
        Some(psi(&expected, reference_rows, &live, values.len()))
    }

    fn validate(&self, name: &str) -> Result<()> {
        let bad = |reason: String| EngineError::InvalidArgument {
            name: format!("reference.{name}"),
            reason,
        };
        let bins = match (&self.categories, &self.edges) {
            (Some(c), None) => c.len(),
            (None, Some(e)) => {
                // NaN edges compare as neither, and are rejected too.
                if e.windows(2)
                    .any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
                {
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

/// The population stability index of `actual` shares (of `actual_rows`
/// rows) against `expected` shares (of `expected_rows`), both smoothed.
pub fn psi(expected: &[f64], expected_rows: usize, actual: &[f64], actual_rows: usize) -> f64 {
    let k = expected.len() as f64;
    let smooth =
        |share: f64, n: usize| (share * n as f64 + PSEUDO_COUNT) / (n as f64 + PSEUDO_COUNT * k);
    expected
        .iter()
        .zip(actual)
        .map(|(e, a)| {
            let (e, a) = (smooth(*e, expected_rows), smooth(*a, actual_rows));
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
            score: Histogram::of_probabilities(scores, SCORE_BINS),
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
            h.psi(&column, reference.rows).map(|psi| FeatureDrift {
                feature: name.to_string(),
                psi,
            })
        })
        .collect();
    features.sort_by(|a, b| b.psi.total_cmp(&a.psi));
    let score_psi = reference.score.psi(scores, reference.rows);
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
        // 100 rows each, two bins: shares (50.5, 50.5) / 101 and (70.5, 30.5) / 101.
        let (e, a1, a2): (f64, f64, f64) = (50.5 / 101.0, 70.5 / 101.0, 30.5 / 101.0);
        let want = (a1 - e) * (a1 / e).ln() + (a2 - e) * (a2 / e).ln();
        assert!((psi(&[0.5, 0.5], 100, &[0.7, 0.3], 100) - want).abs() < 1e-15);
        // With many rows the smoothing vanishes: (.2) ln(1.4) + (.2) ln(5/3).
        assert!((psi(&[0.5, 0.5], 1 << 40, &[0.7, 0.3], 1 << 40) - 0.169_459_572_08).abs() < 1e-9);
        assert_eq!(psi(&[0.25; 4], 80, &[0.25; 4], 80), 0.0);
        // An empty live bin is smoothed, not infinite.
        let (e, a1, a2): (f64, f64, f64) = (10.5 / 21.0, 20.5 / 21.0, 0.5 / 21.0);
        let want = (a1 - e) * (a1 / e).ln() + (a2 - e) * (a2 / e).ln();
        assert!((psi(&[0.5, 0.5], 20, &[1.0, 0.0], 20) - want).abs() < 1e-15);
    }

    #[test]
    fn a_flag_is_categorical_and_a_new_value_counts_against_it() {
        let values: Vec<f64> = (0..100).map(|i| f64::from(u8::from(i % 10 != 0))).collect();
        let h = Histogram::of(&values, 10);
        assert_eq!(h.categories, Some(vec![0.0, 1.0]));
        assert_eq!(h.proportions, [0.1, 0.9]);
        assert!(h.psi(&values, 100).unwrap().abs() < 1e-15);
        // Live: half of 10 runs now lack the permission. Three bins with the
        // one outside the categories: reference (10.5, 90.5, 0.5) / 101.5,
        // live (5.5, 5.5, 0.5) / 11.5.
        let live: Vec<f64> = (0..10).map(|i| f64::from(u8::from(i % 2 == 0))).collect();
        let term = |a: f64, e: f64| (a - e) * (a / e).ln();
        let want = term(5.5 / 11.5, 10.5 / 101.5)
            + term(5.5 / 11.5, 90.5 / 101.5)
            + term(0.5 / 11.5, 0.5 / 101.5);
        assert!((h.psi(&live, 100).unwrap() - want).abs() < 1e-12);
        // Values never seen in training fall outside every category.
        let unseen = h.psi(&[0.5, 0.5], 100).unwrap();
        let want = term(0.5 / 3.5, 10.5 / 101.5)
            + term(0.5 / 3.5, 90.5 / 101.5)
            + term(2.5 / 3.5, 0.5 / 101.5);
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
        assert!(h.psi(&values, 1000).unwrap().abs() < 1e-12);
        // Shifted up by 300: the top bins fill, the bottom ones empty.
        let shifted: Vec<f64> = values.iter().map(|v| v + 300.0).collect();
        assert!(h.psi(&shifted, 1000).unwrap() > 1.0);
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
        // Scores over five equal-width bins: 0.05 falls in the first, 0.95 in the last.
        assert_eq!(
            reference.score.edges.as_deref(),
            Some(&[0.2, 0.4, 0.6, 0.8][..])
        );
        assert_eq!(reference.score.proportions, [0.9, 0.0, 0.0, 0.0, 0.1]);
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
