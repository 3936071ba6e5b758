//! Post-hoc calibration of a model's probabilities: Platt scaling
//! (`σ(a · logit(p) + b)`) or isotonic regression (a non-decreasing map
//! fitted by pool-adjacent-violators, interpolated linearly between its
//! blocks). Stored in a model file as `calibration`; the training pipeline
//! fits them on out-of-fold predictions and keeps one only where it lowers
//! the cross-validated log-loss (see `train::calibrate`).

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::train::{logistic, metrics};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum Calibration {
    /// `σ(a · logit(p) + b)`.
    Platt { a: f64, b: f64 },
    /// Through the points `(x[k], y[k])`, `x` increasing, `y`
    /// non-decreasing; linear between them and constant outside.
    Isotonic { x: Vec<f64>, y: Vec<f64> },
}

/// Probabilities are kept this far from 0 and 1 before taking a logit.
const EDGE: f64 = 1e-12;

pub fn logit(p: f64) -> f64 {
    let p = p.clamp(EDGE, 1.0 - EDGE);
    (p / (1.0 - p)).ln()
}

impl Calibration {
    pub fn apply(&self, p: f64) -> f64 {
        match self {
            Calibration::Platt { a, b } => logistic::sigmoid(a * logit(p) + b),
            Calibration::Isotonic { x, y } => {
                let k = x.partition_point(|v| *v <= p);
                if k == 0 {
                    y[0]
                } else if k == x.len() {
                    y[x.len() - 1]
                } else {
                    let (x0, x1, y0, y1) = (x[k - 1], x[k], y[k - 1], y[k]);
                    y0 + (y1 - y0) * (p - x0) / (x1 - x0)
                }
            }
        }
    }

    /// The factor by which it scales log-odds contributions: `a` for Platt
    /// (exact: the calibrated logit is affine in the model's), 1 for
    /// isotonic (not affine; contributions stay the model's own).
    pub fn contribution_scale(&self) -> f64 {
        match self {
            Calibration::Platt { a, .. } => *a,
            Calibration::Isotonic { .. } => 1.0,
        }
    }

    /// Why a stored calibration is unusable, if it is.
    pub fn problem(&self) -> Option<String> {
        match self {
            Calibration::Platt { a, b } if !(a.is_finite() && b.is_finite()) => {
                Some("calibration: a and b must be finite numbers".to_string())
            }
            // Training holds the slope at a >= 0 (`fit_platt`); a negative one
            // would reverse the model's ranking and flip every factor's direction.
            Calibration::Platt { a, .. } if *a < 0.0 => Some(format!(
                "calibration: a must not be negative (got {a}): a negative Platt slope reverses the model's ranking"
            )),
            Calibration::Platt { .. } => None,
            Calibration::Isotonic { x, y } => {
                let finite = x.iter().chain(y).all(|v| v.is_finite());
                let ordered =
                    x.windows(2).all(|w| w[0] < w[1]) && y.windows(2).all(|w| w[0] <= w[1]);
                let in_range = y.iter().all(|v| (0.0..=1.0).contains(v));
                if x.is_empty() || x.len() != y.len() || !finite || !ordered || !in_range {
                    Some("calibration: isotonic x must increase, y must be non-decreasing probabilities, same length".to_string())
                } else {
                    None
                }
            }
        }
    }

    /// Platt scaling fitted by (nearly unregularised) logistic regression of
    /// the labels on the logits of `p`, with the slope held at `a ≥ 0`.
    ///
    /// A calibration may flatten a model's ranking but never reverse it. A
    /// negative slope is what out-of-fold scores of a model without signal
    /// invite: a leaf (or weight) fitted on the other folds leans against
    /// the held-out fold's labels, so such scores are slightly anti-correlated
    /// with them, and a free slope would turn that artefact of the split into
    /// apparent signal. The log-likelihood is concave in (a, b), so when the
    /// free optimum has a < 0 the constrained one lies on a = 0, where b is
    /// the log-odds of the failure rate: the calibrated model is the constant
    /// base rate.
    pub fn fit_platt(p: &[f64], y: &[bool]) -> Result<Calibration> {
        let z: Vec<f64> = p.iter().map(|v| logit(*v)).collect();
        let fit = logistic::fit(&z, 1, y, 1e4)?;
        if fit.weights[0] >= 0.0 {
            return Ok(Calibration::Platt {
                a: fit.weights[0],
                b: fit.bias,
            });
        }
        Ok(Calibration::Platt {
            a: 0.0,
            b: logit(metrics::failure_rate(y)),
        })
    }

    /// Isotonic regression by pool-adjacent-violators. Each block's value
    /// is `(failures + ½) / (rows + 1)`, so no block maps to exactly 0 or 1
    /// (a new row there would cost infinite log-loss).
    pub fn fit_isotonic(p: &[f64], y: &[bool]) -> Calibration {
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
        // Blocks: (sum of p, sum of y, count), merged while out of order.
        let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
        for i in order {
            let mut block = (p[i], f64::from(u8::from(y[i])), 1.0);
            while let Some(last) = blocks.last() {
                let same_x = last.0 / last.2 == block.0 / block.2;
                if last.1 / last.2 >= block.1 / block.2 || same_x {
                    let last = blocks.pop().unwrap_or_default();
                    block = (last.0 + block.0, last.1 + block.1, last.2 + block.2);
                } else {
                    break;
                }
            }
            blocks.push(block);
        }
        let mut x = Vec::with_capacity(blocks.len());
        let mut values = Vec::with_capacity(blocks.len());
        let mut floor = 0.0f64;
        for (sp, sy, n) in blocks {
            x.push(sp / n);
            floor = floor.max((sy + 0.5) / (n + 1.0));
            values.push(floor);
        }
        Calibration::Isotonic { x, y: values }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_never_reverses_the_ranking() {
        // Scores that run against the labels: a free fit would take a < 0.
        let p: Vec<f64> = (0..200)
            .map(|i| 0.05 + 0.9 * f64::from(i) / 199.0)
            .collect();
        let y: Vec<bool> = (0..200).map(|i| i % 5 == 0 || i < 40).collect();
        let c = Calibration::fit_platt(&p, &y).unwrap();
        let Calibration::Platt { a, b } = c else {
            panic!()
        };
        assert_eq!(a, 0.0);
        // 40 below i = 40, and every fifth of the 160 others.
        let rate = 72.0 / 200.0;
        assert!((logistic::sigmoid(b) - rate).abs() < 1e-12, "{b} {rate}");
        assert!((c.apply(0.05) - c.apply(0.95)).abs() < 1e-15);
        // Scores that agree with the labels keep their free fit.
        let y: Vec<bool> = (0..200).map(|i| i % 5 == 0 || i >= 160).collect();
        let Calibration::Platt { a, .. } = Calibration::fit_platt(&p, &y).unwrap() else {
            panic!()
        };
        assert!(a > 0.5, "{a}");
    }

    #[test]
    fn isotonic_is_monotone_interpolated_and_never_certain() {
        let p = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        let y = [false, true, false, false, true, true];
        let c = Calibration::fit_isotonic(&p, &y);
        assert_eq!(c.problem(), None);
        let Calibration::Isotonic { x, y: v } = &c else {
            panic!()
        };
        // PAV pools 0.2-0.4 (one failure in three) and the tied 0.5-0.6:
        // blocks at 0.1, 0.3 and 0.55.
        assert_eq!(x.len(), 3);
        assert!((x[1] - 0.3).abs() < 1e-12 && (x[2] - 0.55).abs() < 1e-12);
        assert!((v[2] - 2.5 / 3.0).abs() < 1e-12);
        assert!((v[0] - 0.25).abs() < 1e-12 && (v[1] - 1.5 / 4.0).abs() < 1e-12);
        assert!((c.apply(0.2) - (v[0] + v[1]) / 2.0).abs() < 1e-12);
        assert_eq!(c.apply(0.0), v[0]);
        assert_eq!(c.apply(1.0), *v.last().unwrap());
        assert!(*v.last().unwrap() < 1.0);
    }

    #[test]
    fn platt_recovers_a_known_miscalibration() {
        // Labels drawn from σ(2·logit(p) − 0.5): Platt should find a ≈ 2, b ≈ −0.5.
        let mut u = crate::test_support::uniforms(0x1234_5678_9abc_def0u64);
        let p: Vec<f64> = (0..20_000).map(|_| 0.05 + 0.9 * u()).collect();
        let y: Vec<bool> = p
            .iter()
            .map(|p| u() < logistic::sigmoid(2.0 * logit(*p) - 0.5))
            .collect();
        let Calibration::Platt { a, b } = Calibration::fit_platt(&p, &y).unwrap() else {
            panic!()
        };
        assert!((a - 2.0).abs() < 0.1 && (b + 0.5).abs() < 0.1, "{a} {b}");
        assert_eq!(Calibration::Platt { a, b }.contribution_scale(), a);
    }
}
