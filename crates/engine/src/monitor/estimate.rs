//! Performance expected from the predictions alone, while outcomes are
//! missing (the idea of NannyML's CBPE). If the model is calibrated, a run
//! predicted at `p` fails with probability `p`, so its expected log-loss is
//! the binary entropy `H(p) = −p ln p − (1 − p) ln(1 − p)` and its expected
//! Brier score `p (1 − p)`; their means over the window estimate the
//! window's metrics. The estimate is only as good as the calibration: it
//! sees inputs moving into regions where the model is unsure (covariate
//! shift), not a world whose failures no longer follow the inputs the way
//! they did (concept shift); for that, outcomes are needed.

use serde::Serialize;

const EPS: f64 = 1e-15;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expected {
    /// Predictions the estimate is over (labelled or not).
    pub predictions: usize,
    /// The failure rate the model expects: the mean probability.
    pub failure_rate: Option<f64>,
    pub log_loss: Option<f64>,
    pub brier: Option<f64>,
}

/// The binary entropy of `p`, in nats (`p` clipped as in log-loss).
pub fn entropy(p: f64) -> f64 {
    let p = p.clamp(EPS, 1.0 - EPS);
    -(p * p.ln() + (1.0 - p) * (1.0 - p).ln())
}

pub fn expected(p: &[f64]) -> Expected {
    let n = p.len();
    let mean =
        |f: &dyn Fn(f64) -> f64| (n > 0).then(|| p.iter().map(|x| f(*x)).sum::<f64>() / n as f64);
    Expected {
        predictions: n,
        failure_rate: mean(&|x| x),
        log_loss: mean(&entropy),
        brier: mean(&|x| x * (1.0 - x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_and_expected_metrics_by_hand() {
        assert!((entropy(0.5) - 2f64.ln()).abs() < 1e-15);
        // H(.1) = −(.1 ln .1 + .9 ln .9) = 0.325082973...
        assert!((entropy(0.1) - 0.325_082_973_391_448).abs() < 1e-12);
        assert!(entropy(0.0) < 1e-12 && entropy(1.0) < 1e-12);
        let e = expected(&[0.1, 0.5]);
        assert_eq!(e.predictions, 2);
        assert_eq!(e.failure_rate, Some(0.3));
        assert!((e.log_loss.unwrap() - (0.325_082_973_391_448 + 2f64.ln()) / 2.0).abs() < 1e-12);
        assert!((e.brier.unwrap() - (0.09 + 0.25) / 2.0).abs() < 1e-15);
        assert_eq!(expected(&[]).log_loss, None);
    }

    /// For a calibrated model, the estimate converges on the realised log-loss.
    #[test]
    fn the_estimate_matches_the_realised_log_loss_of_calibrated_predictions() {
        use crate::train::metrics::log_loss;
        // Probabilities on a grid, outcomes in exactly those proportions.
        let mut p = Vec::new();
        let mut y = Vec::new();
        for k in 1..10 {
            let q = k as f64 / 10.0;
            for i in 0..100 {
                p.push(q);
                y.push((i as f64) < q * 100.0);
            }
        }
        let e = expected(&p).log_loss.unwrap();
        assert!(
            (e - log_loss(&p, &y)).abs() < 1e-12,
            "{e} {}",
            log_loss(&p, &y)
        );
    }
}
