//! Step: measure the chosen model on rows it was not fitted on, and give
//! an honest verdict.
//!
//! Verdicts, from the evaluated rows' probabilities:
//! - `inconclusive`: fewer than `MIN_CLASS_ROWS` failures or successes, or
//!   a 95 % bootstrap interval of the AUC that includes 0.5 but reaches
//!   `USEFUL_AUC`: the data cannot tell a useful model from none;
//! - `no-signal`: enough rows of both classes, and the interval includes
//!   0.5 and stays below `USEFUL_AUC`: the data rules out a useful signal;
//! - `ok`: the interval lies above 0.5.

use super::metrics::{self, Metrics};

/// Fewer failures (or successes) than this cannot support a verdict.
pub const MIN_CLASS_ROWS: usize = 10;
/// An AUC the data must rule out before it is called `no-signal`.
pub const USEFUL_AUC: f64 = 0.6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    NoSignal,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::NoSignal => "no-signal",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub metrics: Metrics,
    pub bayes: Option<Metrics>,
    pub auc_interval: Option<(f64, f64)>,
    pub verdict: Verdict,
    pub verdict_reason: Option<String>,
}

/// Metrics of probabilities `p` on labels `y` at `threshold`, the Bayes
/// metrics of `true_p` on the same rows, the AUC interval and the verdict.
pub fn evaluate(
    p: &[f64],
    y: &[bool],
    true_p: Option<&[f64]>,
    threshold: f64,
    resamples: usize,
    seed: u64,
    stream: u64,
) -> Evaluation {
    let m = Metrics::compute(p, y, threshold);
    let bayes = true_p.map(|tp| Metrics::compute(tp, y, 0.5));
    let interval = metrics::bootstrap_auc_interval(p, y, resamples, seed, stream).map(|(lo, hi, _)| (lo, hi));
    let (verdict, verdict_reason) = verdict(y, m.auc, interval);
    Evaluation {
        metrics: m,
        bayes,
        auc_interval: interval,
        verdict,
        verdict_reason,
    }
}

pub fn verdict(y: &[bool], auc: Option<f64>, interval: Option<(f64, f64)>) -> (Verdict, Option<String>) {
    let positives = y.iter().filter(|v| **v).count();
    let negatives = y.len() - positives;
    if positives < MIN_CLASS_ROWS || negatives < MIN_CLASS_ROWS {
        return (
            Verdict::Inconclusive,
            Some(format!(
                "only {positives} failures and {negatives} successes among the {} evaluated rows (at least {MIN_CLASS_ROWS} of each are needed to judge)",
                y.len()
            )),
        );
    }
    match (auc, interval) {
        (Some(_), Some((lo, _))) if lo > 0.5 => (Verdict::Ok, None),
        (Some(a), Some((lo, hi))) if hi < USEFUL_AUC => (
            Verdict::NoSignal,
            Some(format!(
                "AUC {a:.3}: its 95% bootstrap interval [{lo:.3}, {hi:.3}] includes 0.5 and excludes any useful signal (AUC {USEFUL_AUC} or more)"
            )),
        ),
        (Some(a), Some((lo, hi))) => (
            Verdict::Inconclusive,
            Some(format!(
                "AUC {a:.3}: its 95% bootstrap interval [{lo:.3}, {hi:.3}] includes 0.5 but is too wide to rule out a useful signal"
            )),
        ),
        _ => (
            Verdict::Inconclusive,
            Some("no bootstrap resample had both classes".to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_need_enough_of_both_classes_and_a_narrow_interval_for_no_signal() {
        let mut y = vec![false; 100];
        y[..9].iter_mut().for_each(|v| *v = true);
        let (v, reason) = verdict(&y, Some(0.9), Some((0.8, 0.95)));
        assert_eq!(v, Verdict::Inconclusive);
        assert!(reason.unwrap().starts_with("only 9 failures and 91 successes"));
        y[9] = true;
        assert_eq!(verdict(&y, Some(0.9), Some((0.8, 0.95))).0, Verdict::Ok);
        assert_eq!(verdict(&y, Some(0.5), Some((0.45, 0.58))).0, Verdict::NoSignal);
        let (v, reason) = verdict(&y, Some(0.55), Some((0.45, 0.65)));
        assert_eq!(v, Verdict::Inconclusive);
        assert!(reason.unwrap().contains("too wide"));
        assert_eq!(verdict(&y, Some(0.55), None).0, Verdict::Inconclusive);
    }
}
