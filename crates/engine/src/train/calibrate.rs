//! Step: post-hoc calibration, chosen honestly.
//!
//! The candidates (none, Platt, isotonic) are compared on the family's
//! out-of-fold probabilities by cross-fitting on the same folds: for each
//! fold, a calibrator is fitted on the out-of-fold probabilities of the
//! other folds and applied to this fold's. So every calibrated probability
//! that is scored comes from a calibrator that never saw its row (nor the
//! row's model, which is already out-of-fold). A calibration is kept only
//! if its cross-fitted log-loss is lower than the uncalibrated one by at
//! least `MIN_GAIN` and by two standard errors of the mean per-row
//! difference (so noise-level gains add no calibration step); the kept
//! calibrator is then refitted on all the
//! out-of-fold probabilities. Not nested with the family's own
//! hyperparameter choice: that choice saw every fold, for all candidates
//! alike, so the comparison between them is fair, if slightly optimistic
//! in level.

use super::fitting::Folds;
use super::metrics;
use crate::calibration::Calibration;
use crate::error::Result;

/// A calibration must lower the cross-fitted log-loss by this much (nats) to be kept.
pub const MIN_GAIN: f64 = 1e-4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    None,
    Platt,
    Isotonic,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::None, Method::Platt, Method::Isotonic];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::None => "none",
            Method::Platt => "platt",
            Method::Isotonic => "isotonic",
        }
    }

    fn fit(self, p: &[f64], y: &[bool]) -> Result<Option<Calibration>> {
        Ok(match self {
            Method::None => None,
            Method::Platt => Some(Calibration::fit_platt(p, y)?),
            Method::Isotonic => Some(Calibration::fit_isotonic(p, y)),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Calibrated {
    pub method: Method,
    /// Fitted on all out-of-fold probabilities; `None` for `Method::None`.
    pub calibration: Option<Calibration>,
    /// The cross-fitted log-loss of each method, in `Method::ALL` order.
    pub scores: [f64; 3],
    /// The chosen method's cross-fitted probabilities (the out-of-fold
    /// probabilities themselves for `Method::None`), aligned with the members.
    pub oof: Vec<f64>,
}

impl Calibrated {
    pub fn log_loss(&self) -> f64 {
        self.scores[Method::ALL.iter().position(|m| *m == self.method).unwrap_or(0)]
    }
}

/// Choose the calibration of out-of-fold probabilities `oof` of `members`
/// (labels `y` by row of the set) on `folds`.
pub fn choose(oof: &[f64], members: &[usize], y: &[bool], folds: &Folds) -> Result<Calibrated> {
    let labels: Vec<bool> = members.iter().map(|i| y[*i]).collect();
    let fold: Vec<usize> = members.iter().map(|i| folds.fold_of[*i]).collect();
    let mut scores = [f64::INFINITY; 3];
    let mut gain_clear = [false; 3];
    let mut cross_fitted: Vec<Vec<f64>> = Vec::with_capacity(3);
    for (k, method) in Method::ALL.into_iter().enumerate() {
        let mut out = oof.to_vec();
        if method != Method::None {
            for f in 0..folds.k {
                let (p, l): (Vec<f64>, Vec<bool>) = (0..oof.len())
                    .filter(|m| fold[*m] != f)
                    .map(|m| (oof[m], labels[m]))
                    .unzip();
                if let Some(c) = method.fit(&p, &l)? {
                    for m in (0..oof.len()).filter(|m| fold[*m] == f) {
                        out[m] = c.apply(oof[m]);
                    }
                }
            }
        }
        scores[k] = metrics::log_loss(&out, &labels);
        if k > 0 {
            let gains: Vec<f64> = (0..out.len())
                .map(|m| row_loss(cross_fitted[0][m], labels[m]) - row_loss(out[m], labels[m]))
                .collect();
            let n = gains.len() as f64;
            let mean = gains.iter().sum::<f64>() / n;
            let var = gains.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            gain_clear[k] = mean > MIN_GAIN && mean > 2.0 * (var / n).sqrt();
        }
        cross_fitted.push(out);
    }
    // The lowest score among the calibrations that gain clearly; else none.
    let mut chosen = 0;
    for k in 1..3 {
        if gain_clear[k] && scores[k] < scores[chosen] {
            chosen = k;
        }
    }
    let method = Method::ALL[chosen];
    Ok(Calibrated {
        method,
        calibration: method.fit(oof, &labels)?,
        scores,
        oof: cross_fitted.swap_remove(chosen),
    })
}

fn row_loss(p: f64, y: bool) -> f64 {
    metrics::log_loss(&[p], &[y])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_calibration_only_when_it_helps_out_of_fold() {
        // Overconfident scores: the truth is σ(0.4 · logit(p)). Platt must win.
        let n = 4000;
        let mut u = crate::test_support::uniforms(0x5eed_u64);
        let p: Vec<f64> = (0..n).map(|_| 0.01 + 0.98 * u()).collect();
        let truth = |p: f64| crate::train::logistic::sigmoid(0.4 * crate::calibration::logit(p));
        let y: Vec<bool> = p.iter().map(|p| u() < truth(*p)).collect();
        let members: Vec<usize> = (0..n).collect();
        let folds = Folds::stratified(&members, &y, 5, 1, 0);
        let c = choose(&p, &members, &y, &folds).unwrap();
        assert_ne!(c.method, Method::None, "{:?}", c.scores);
        assert!(c.log_loss() < c.scores[0] - 0.01, "{:?}", c.scores);
        // Already calibrated scores: nothing is kept.
        let y: Vec<bool> = p.iter().map(|p| u() < *p).collect();
        let folds = Folds::stratified(&members, &y, 5, 1, 0);
        let c = choose(&p, &members, &y, &folds).unwrap();
        assert_eq!(c.method, Method::None, "{:?}", c.scores);
        assert!(c.calibration.is_none() && c.oof == p);
    }
}
