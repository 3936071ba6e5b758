//! Live metrics of one workflow and model version over a window of
//! predictions whose outcomes are known. The definitions are the trainer's
//! (`train::metrics`): log-loss with `p` clipped to [1e-15, 1 − 1e-15],
//! Brier, ECE over 10 equal-width bins, ROC-AUC with ties counting one half
//! and a percentile-bootstrap 95 % interval. Precision and recall are given
//! at each risk level's threshold (a run is flagged at a level when its
//! probability reaches the level's threshold): `None` where undefined (no
//! run flagged, or no failure in the window), never a made-up 0.

use serde::Serialize;

use crate::predict::RISK_THRESHOLDS;
use crate::train::metrics::{auc, bootstrap_auc_interval, brier, ece, log_loss};

/// Precision and recall of flagging runs at one risk level or above.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AtRiskLevel {
    pub level: &'static str,
    pub threshold: f64,
    /// Runs predicted at this level or above.
    pub flagged: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveMetrics {
    /// Predictions with a recorded outcome.
    pub count: usize,
    pub failures: usize,
    pub failure_rate: Option<f64>,
    pub mean_probability: Option<f64>,
    pub log_loss: Option<f64>,
    pub brier: Option<f64>,
    pub ece: Option<f64>,
    /// `None` with only one class in the window.
    pub auc: Option<f64>,
    /// 95 % percentile-bootstrap interval of the AUC.
    pub auc_interval: Option<[f64; 2]>,
    pub at_risk_levels: Vec<AtRiskLevel>,
}

/// How the AUC interval is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntervalOptions {
    /// 0 skips the interval.
    pub resamples: usize,
    pub seed: u64,
}

impl Default for IntervalOptions {
    fn default() -> Self {
        IntervalOptions {
            resamples: 1000,
            seed: 42,
        }
    }
}

fn mean(x: impl ExactSizeIterator<Item = f64>) -> Option<f64> {
    let n = x.len();
    (n > 0).then(|| x.sum::<f64>() / n as f64)
}

/// The metrics of probabilities `p` against outcomes `y` (same length).
pub fn live_metrics(p: &[f64], y: &[bool], interval: IntervalOptions) -> LiveMetrics {
    let n = p.len().min(y.len());
    let (p, y) = (&p[..n], &y[..n]);
    let failures = y.iter().filter(|f| **f).count();
    let at_risk_levels = RISK_THRESHOLDS
        .iter()
        .map(|(level, threshold)| {
            let flagged = p.iter().filter(|x| **x >= *threshold).count();
            let hits = p
                .iter()
                .zip(y)
                .filter(|(x, f)| **x >= *threshold && **f)
                .count();
            AtRiskLevel {
                level: level.as_str(),
                threshold: *threshold,
                flagged,
                precision: (flagged > 0).then(|| hits as f64 / flagged as f64),
                recall: (failures > 0).then(|| hits as f64 / failures as f64),
            }
        })
        .collect();
    let some = |x: f64| (n > 0).then_some(x);
    let auc = auc(p, y);
    let auc_interval = match (auc, interval.resamples) {
        (Some(_), r) if r > 0 => {
            bootstrap_auc_interval(p, y, r, interval.seed, 0).map(|(low, high, _)| [low, high])
        }
        _ => None,
    };
    LiveMetrics {
        count: n,
        failures,
        failure_rate: mean(y.iter().map(|f| f64::from(u8::from(*f)))),
        mean_probability: mean(p.iter().copied()),
        log_loss: some(log_loss(p, y)),
        brier: some(brier(p, y)),
        ece: some(ece(p, y)),
        auc,
        auc_interval,
        at_risk_levels,
    }
}

/// Each row's log-loss (the terms whose mean is `log_loss`).
pub fn row_losses(p: &[f64], y: &[bool]) -> Vec<f64> {
    p.iter()
        .zip(y)
        .map(|(p, y)| log_loss(std::slice::from_ref(p), std::slice::from_ref(y)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight runs worked by hand.
    #[test]
    fn metrics_of_a_small_window_match_hand_computed_values() {
        let p = [0.9, 0.85, 0.7, 0.65, 0.45, 0.3, 0.2, 0.1];
        let y = [true, false, true, false, true, false, false, false];
        let m = live_metrics(&p, &y, IntervalOptions::default());
        assert_eq!((m.count, m.failures), (8, 3));
        assert_eq!(m.failure_rate, Some(0.375));
        assert!((m.mean_probability.unwrap() - 4.15 / 8.0).abs() < 1e-15);
        // −mean[ln .9, ln .15, ln .7, ln .35, ln .45, ln .7, ln .8, ln .9]
        let ll = -(0.9f64.ln()
            + 0.15f64.ln()
            + 0.7f64.ln()
            + 0.35f64.ln()
            + 0.45f64.ln()
            + 0.7f64.ln()
            + 0.8f64.ln()
            + 0.9f64.ln())
            / 8.0;
        assert!((m.log_loss.unwrap() - ll).abs() < 1e-15);
        assert!((m.log_loss.unwrap() - 0.611_583_034_5).abs() < 1e-9);
        // (.01 + .7225 + .09 + .4225 + .3025 + .09 + .04 + .01) / 8
        assert!((m.brier.unwrap() - 1.6875 / 8.0).abs() < 1e-15);
        // Bins (by ⌊10p⌋): 9:{.9 y} 8:{.85 n} 7:{.7 y} 6:{.65 n} 4:{.45 y} 3:{.3 n} 2:{.2 n} 1:{.1 n}
        // Σ |y − p| / 8 = (.1 + .85 + .3 + .65 + .55 + .3 + .2 + .1) / 8
        assert!((m.ece.unwrap() - 3.05 / 8.0).abs() < 1e-12);
        // Positives at ranks 8, 6, 4 of 8: U = (8 + 6 + 4) − 6 = 12 of 15 pairs.
        assert_eq!(m.auc, Some(0.8));
        let [lo, hi] = m.auc_interval.unwrap();
        assert!(
            lo <= 0.8 && 0.8 <= hi && lo >= 0.0 && hi <= 1.0,
            "{lo} {hi}"
        );
        let levels: Vec<(&str, usize, Option<f64>, Option<f64>)> = m
            .at_risk_levels
            .iter()
            .map(|l| (l.level, l.flagged, l.precision, l.recall))
            .collect();
        assert_eq!(
            levels,
            [
                // ≥ .8: .9 (fail), .85 (ok)
                ("critical", 2, Some(0.5), Some(1.0 / 3.0)),
                // ≥ .6: + .7 (fail), .65 (ok)
                ("high", 4, Some(0.5), Some(2.0 / 3.0)),
                // ≥ .4: + .45 (fail)
                ("medium", 5, Some(0.6), Some(1.0)),
            ]
        );
    }

    #[test]
    fn undefined_figures_are_none_not_zero() {
        let m = live_metrics(&[], &[], IntervalOptions::default());
        assert_eq!(m.count, 0);
        assert_eq!((m.failure_rate, m.log_loss, m.auc), (None, None, None));
        let m = live_metrics(&[0.1, 0.2], &[false, false], IntervalOptions::default());
        assert_eq!(m.auc, None);
        assert_eq!(m.auc_interval, None);
        assert!(m
            .at_risk_levels
            .iter()
            .all(|l| l.precision.is_none() && l.recall.is_none()));
    }

    #[test]
    fn row_losses_average_to_the_log_loss() {
        let p = [0.9, 0.2, 0.6];
        let y = [true, true, false];
        let rows = row_losses(&p, &y);
        assert!((rows[1] - -(0.2f64.ln())).abs() < 1e-15);
        assert!((rows.iter().sum::<f64>() / 3.0 - log_loss(&p, &y)).abs() < 1e-15);
    }
}
