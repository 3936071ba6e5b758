//! Step: measure the chosen model on rows it was not fitted on, and give
//! an honest verdict.
//!
//! Verdicts, from the evaluated rows' probabilities, in the order they are
//! tested:
//! - `inconclusive`: fewer than `MIN_CLASS_ROWS` failures or successes;
//! - `ok`: the 95 % bootstrap interval of the AUC lies above 0.5 and, for
//!   an AUC within `null_test::NO_TEST_BEYOND_SE` null standard errors of
//!   0.5, no rerun of the selection on shuffled labels reaches it
//!   (`null_test`);
//! - `inconclusive`: the interval stays below `USEFUL_AUC`, but on class
//!   counts too small to rule `USEFUL_AUC` out at all
//!   (`can_rule_out_useful_signal`);
//! - `no-signal`: the interval stays below `USEFUL_AUC`: the data rules
//!   out a useful signal;
//! - `inconclusive`: the interval includes 0.5 and reaches `USEFUL_AUC`:
//!   the data cannot tell a useful model from none.

use super::metrics::{self, Metrics};
use super::null_test::{self, NullTest};

/// Fewer failures (or successes) than this cannot support a verdict.
pub const MIN_CLASS_ROWS: usize = 10;
/// An AUC the data must rule out before it is called `no-signal`.
pub const USEFUL_AUC: f64 = 0.6;
/// The 97.5 % normal quantile, to two decimals (the rule's text shows it).
const Z: f64 = 1.96;

/// The standard error of the AUC of a score without signal on `positives`
/// failures and `negatives` successes (from the null variance of the
/// Mann-Whitney statistic, ties aside).
fn null_auc_se(positives: usize, negatives: usize) -> f64 {
    let (p, n) = (positives as f64, negatives as f64);
    ((p + n + 1.0) / (12.0 * p * n)).sqrt()
}

/// The AUC a score without signal on these class counts reaches at most 1
/// time in 40 (one-sided 97.5 %).
fn null_reach(positives: usize, negatives: usize) -> f64 {
    0.5 + Z * null_auc_se(positives, negatives)
}

/// Whether rows of these class counts can rule out `USEFUL_AUC` at all: a
/// score without signal has to land below it with 97.5 % probability (all
/// but 1 time in 40). With fewer rows, an interval that happens to end
/// below `USEFUL_AUC` comes from an estimate that fell below 0.5 by chance,
/// not from evidence. It takes about 37 rows of the rarer class among 300,
/// 33 among 3,000, and at least 130 rows in all (65 of each).
pub fn can_rule_out_useful_signal(positives: usize, negatives: usize) -> bool {
    null_reach(positives, negatives) < USEFUL_AUC
}

/// The verdict rule in words, for the report and the summary's settings.
pub fn rule() -> String {
    format!(
        "inconclusive with fewer than {MIN_CLASS_ROWS} failures or successes among the evaluated rows; \
         else ok when the 95 % bootstrap interval of the AUC lies above 0.5 and, unless the AUC is at least \
         0.5 + {beyond} sqrt((P + N + 1) / (12 P N)), none of {perms} reruns of the whole selection on the labels \
         shuffled at random reaches it (a permutation test at 1 in {level}); \
         else no-signal when the interval stays below {USEFUL_AUC} and the rows are enough to rule out AUC {USEFUL_AUC} \
         (0.5 + {Z} sqrt((P + N + 1) / (12 P N)) below {USEFUL_AUC} for P failures and N successes: \
         a score without signal reaches {USEFUL_AUC} at most 1 time in 40); else inconclusive",
        beyond = null_test::NO_TEST_BEYOND_SE,
        perms = null_test::PERMUTATIONS,
        level = null_test::PERMUTATIONS + 1,
    )
}

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
    /// The permutation test, when the verdict needed one.
    pub null_test: Option<NullTest>,
}

impl Evaluation {
    /// Whether this `ok` rests on an AUC close enough to 0.5 to need the
    /// permutation test (`null_test`); `y` are the evaluated rows' labels.
    pub fn needs_null_test(&self, y: &[bool]) -> bool {
        let positives = y.iter().filter(|v| **v).count();
        match (self.verdict, self.metrics.auc) {
            (Verdict::Ok, Some(auc)) => {
                auc < 0.5
                    + null_test::NO_TEST_BEYOND_SE * null_auc_se(positives, y.len() - positives)
            }
            _ => false,
        }
    }

    /// The verdict again, with the permutation test's result.
    pub fn with_null_test(mut self, y: &[bool], test: NullTest) -> Evaluation {
        (self.verdict, self.verdict_reason) =
            judge(y, self.metrics.auc, self.auc_interval, Some(test));
        self.null_test = Some(test);
        self
    }
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
    let interval =
        metrics::bootstrap_auc_interval(p, y, resamples, seed, stream).map(|(lo, hi, _)| (lo, hi));
    let (verdict, verdict_reason) = verdict(y, m.auc, interval);
    Evaluation {
        metrics: m,
        bayes,
        auc_interval: interval,
        verdict,
        verdict_reason,
        null_test: None,
    }
}

/// The verdict from the bootstrap interval alone (before any permutation test).
pub fn verdict(
    y: &[bool],
    auc: Option<f64>,
    interval: Option<(f64, f64)>,
) -> (Verdict, Option<String>) {
    judge(y, auc, interval, None)
}

fn judge(
    y: &[bool],
    auc: Option<f64>,
    interval: Option<(f64, f64)>,
    test: Option<NullTest>,
) -> (Verdict, Option<String>) {
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
    // The rerun that reached the AUC, when the interval alone says `ok`:
    // below, the lower end is above 0.5 only then.
    let fell = match (test, interval) {
        (Some(t), Some((lo, _))) if t.reached && lo > 0.5 => Some(t),
        _ => None,
    };
    let place = |a: f64, hi: f64| match fell {
        Some(t) => format!(
            "lies above 0.5, yet rerun {} of up to {} of the whole selection on the labels \
             shuffled at random reached an AUC of {a:.3} or more",
            t.reruns,
            null_test::PERMUTATIONS
        ),
        None if hi < 0.5 => "lies below 0.5".to_string(),
        None => "includes 0.5".to_string(),
    };
    // How the interval's other properties follow `place`.
    let (excludes, too_wide) = match fell {
        Some(_) => (", and the interval excludes", ", and the interval is"),
        None => (" and excludes", " but is"),
    };
    match (auc, interval) {
        (Some(_), Some((lo, _))) if lo > 0.5 && fell.is_none() => (Verdict::Ok, None),
        (Some(a), Some((lo, hi))) if hi < USEFUL_AUC && !can_rule_out_useful_signal(positives, negatives) => (
            Verdict::Inconclusive,
            Some(format!(
                "AUC {a:.3}: its 95% bootstrap interval [{lo:.3}, {hi:.3}] {}, but {positives} failures and {negatives} successes are too few to rule out a useful signal (on rows like these, about 1 score in 40 without any signal reaches an AUC of {:.3} or more)",
                place(a, hi),
                null_reach(positives, negatives)
            )),
        ),
        (Some(a), Some((lo, hi))) if hi < USEFUL_AUC => (
            Verdict::NoSignal,
            Some(format!(
                "AUC {a:.3}: its 95% bootstrap interval [{lo:.3}, {hi:.3}] {}{excludes} any useful signal (AUC {USEFUL_AUC} or more)",
                place(a, hi)
            )),
        ),
        (Some(a), Some((lo, hi))) => (
            Verdict::Inconclusive,
            Some(format!(
                "AUC {a:.3}: its 95% bootstrap interval [{lo:.3}, {hi:.3}] {}{too_wide} too wide to rule out a useful signal",
                place(a, hi)
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
        assert!(reason
            .unwrap()
            .starts_with("only 9 failures and 91 successes"));
        y[9] = true;
        assert_eq!(verdict(&y, Some(0.9), Some((0.8, 0.95))).0, Verdict::Ok);
        // 10 failures among 100 rows cannot rule out AUC 0.6, whatever the interval.
        let (v, reason) = verdict(&y, Some(0.5), Some((0.45, 0.58)));
        assert_eq!(v, Verdict::Inconclusive);
        assert!(
            reason
                .unwrap()
                .contains("10 failures and 90 successes are too few to rule out a useful signal"),
            "{v:?}"
        );
        let (v, reason) = verdict(&y, Some(0.55), Some((0.45, 0.65)));
        assert_eq!(v, Verdict::Inconclusive);
        assert!(reason.unwrap().contains("too wide"));
        assert_eq!(verdict(&y, Some(0.55), None).0, Verdict::Inconclusive);
    }

    #[test]
    fn no_signal_needs_enough_failures_to_rule_out_a_useful_auc() {
        // 300 rows: 36 failures are too few, 37 enough (0.5 + 1.96 * SE0 against 0.6).
        assert!(!can_rule_out_useful_signal(36, 264));
        assert!(can_rule_out_useful_signal(37, 263));
        assert!(
            can_rule_out_useful_signal(263, 37),
            "symmetric in the classes"
        );
        let rows = |failures: usize| {
            let mut y = vec![false; 300];
            y[..failures].iter_mut().for_each(|v| *v = true);
            y
        };
        // The same narrow interval below 0.6: no-signal with 64 failures (the
        // recorded pure-noise workflow at 300 rows), inconclusive with 28.
        assert_eq!(
            verdict(&rows(64), Some(0.5), Some((0.42, 0.57))).0,
            Verdict::NoSignal
        );
        let (v, reason) = verdict(&rows(28), Some(0.48), Some((0.38, 0.59)));
        assert_eq!(v, Verdict::Inconclusive);
        assert!(reason.unwrap().ends_with("includes 0.5, but 28 failures and 272 successes are too few to rule out a useful signal (on rows like these, about 1 score in 40 without any signal reaches an AUC of 0.612 or more)"));
        // An interval wholly below 0.5 is said to lie below it.
        let (v, reason) = verdict(&rows(64), Some(0.4), Some((0.33, 0.47)));
        assert_eq!(v, Verdict::NoSignal);
        assert!(reason.unwrap().starts_with(
            "AUC 0.400: its 95% bootstrap interval [0.330, 0.470] lies below 0.5 and excludes"
        ));
        // Below 130 rows no split of the classes can rule out AUC 0.6.
        assert!(!can_rule_out_useful_signal(64, 65) && can_rule_out_useful_signal(65, 65));
    }

    fn evaluation(y: &[bool], auc: f64, interval: (f64, f64)) -> Evaluation {
        let (verdict, verdict_reason) = verdict(y, Some(auc), Some(interval));
        let p: Vec<f64> = y.iter().map(|v| if *v { 0.6 } else { 0.4 }).collect();
        Evaluation {
            metrics: Metrics {
                auc: Some(auc),
                ..Metrics::compute(&p, y, 0.5)
            },
            bayes: None,
            auc_interval: Some(interval),
            verdict,
            verdict_reason,
            null_test: None,
        }
    }

    #[test]
    fn an_ok_close_to_half_needs_the_permutation_test_and_falls_when_a_rerun_reaches_it() {
        // 600 failures among 3,000 rows: null SE 0.0132, so the test is
        // needed below 0.5 + 5 * 0.0132 = 0.566.
        let mut y = vec![false; 3000];
        y[..600].iter_mut().for_each(|v| *v = true);
        let close = evaluation(&y, 0.531, (0.505, 0.556));
        assert_eq!(close.verdict, Verdict::Ok);
        assert!(close.needs_null_test(&y));
        assert!(!evaluation(&y, 0.57, (0.545, 0.595)).needs_null_test(&y));
        assert!(
            !evaluation(&y, 0.5, (0.47, 0.53)).needs_null_test(&y),
            "not ok"
        );
        let passed = close.clone().with_null_test(
            &y,
            NullTest {
                reruns: null_test::PERMUTATIONS,
                reached: false,
            },
        );
        assert_eq!((passed.verdict, passed.verdict_reason), (Verdict::Ok, None));
        let failed = close.with_null_test(
            &y,
            NullTest {
                reruns: 3,
                reached: true,
            },
        );
        assert_eq!(failed.verdict, Verdict::NoSignal);
        assert_eq!(
            failed.verdict_reason.unwrap(),
            "AUC 0.531: its 95% bootstrap interval [0.505, 0.556] lies above 0.5, yet rerun 3 of up to 39 of the whole selection on the labels shuffled at random reached an AUC of 0.531 or more, and the interval excludes any useful signal (AUC 0.6 or more)"
        );
        assert_eq!(
            failed.null_test,
            Some(NullTest {
                reruns: 3,
                reached: true
            })
        );
        // 300 rows with `failures` failures, an interval above 0.5, and a
        // rerun that reached the AUC.
        let fell = |failures: usize, auc: f64, interval: (f64, f64), rerun: usize| {
            let mut y = vec![false; 300];
            y[..failures].iter_mut().for_each(|v| *v = true);
            let test = NullTest {
                reruns: rerun,
                reached: true,
            };
            evaluation(&y, auc, interval).with_null_test(&y, test)
        };
        // A wide interval: inconclusive, not no-signal.
        let wide = fell(60, 0.59, (0.51, 0.67), 1);
        assert_eq!(wide.verdict, Verdict::Inconclusive);
        assert!(wide
            .verdict_reason
            .unwrap()
            .ends_with("reached an AUC of 0.590 or more, and the interval is too wide to rule out a useful signal"));
        // An interval above 0.5 but below 0.6 on too few failures to rule
        // 0.6 out (an interval narrower than the null standard error says):
        // inconclusive, naming both reasons.
        let few = fell(30, 0.55, (0.51, 0.59), 7);
        assert_eq!(few.verdict, Verdict::Inconclusive);
        assert_eq!(
            few.verdict_reason.unwrap(),
            "AUC 0.550: its 95% bootstrap interval [0.510, 0.590] lies above 0.5, yet rerun 7 of up to 39 of the whole selection on the labels shuffled at random reached an AUC of 0.550 or more, but 30 failures and 270 successes are too few to rule out a useful signal (on rows like these, about 1 score in 40 without any signal reaches an AUC of 0.609 or more)"
        );
    }
}
