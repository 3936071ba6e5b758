//! Evaluation metrics on held-out rows. Definitions:
//!
//! - accuracy, precision, recall, F1 at a threshold `t`: predicted positive
//!   when `p ≥ t`; precision is 0 with no predicted positives, recall 0 with
//!   no positives, F1 0 when precision + recall is 0.
//! - ROC-AUC: the probability that a random positive scores above a random
//!   negative, ties counting one half (Mann–Whitney with average ranks).
//!   `None` with only one class.
//! - PR-AUC: average precision, `Σ_k (R_k − R_{k−1}) · P_k` over the
//!   distinct score values taken as thresholds from high to low (tied scores
//!   enter together), as scikit-learn's `average_precision_score`.
//!   `None` without positives.
//! - log-loss: mean of `−[y ln p + (1−y) ln(1−p)]`, `p` clipped to
//!   `[1e-15, 1 − 1e-15]`.
//! - Brier: mean of `(p − y)²`.
//! - ECE: 10 equal-width bins of `p` over [0, 1] (bin `⌊10p⌋`, `p = 1` in
//!   the last); `Σ_bins (n_b / n) · |mean(y)_b − mean(p)_b|`.
//! - baseline accuracy: the share of the majority class (always predicting it).

use serde_json::json;

const EPS: f64 = 1e-15;

#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub threshold: f64,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub auc: Option<f64>,
    pub pr_auc: Option<f64>,
    pub log_loss: f64,
    pub brier: f64,
    pub ece: f64,
    pub baseline_accuracy: f64,
}

impl Metrics {
    pub fn compute(p: &[f64], y: &[bool], threshold: f64) -> Metrics {
        let c = Confusion::at(p, y, threshold);
        Metrics {
            threshold,
            accuracy: c.accuracy(),
            precision: c.precision(),
            recall: c.recall(),
            f1: c.f1(),
            auc: auc(p, y),
            pr_auc: average_precision(p, y),
            log_loss: log_loss(p, y),
            brier: brier(p, y),
            ece: ece(p, y),
            baseline_accuracy: baseline_accuracy(y),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "threshold": self.threshold,
            "accuracy": self.accuracy,
            "precision": self.precision,
            "recall": self.recall,
            "f1Score": self.f1,
            "auc": self.auc,
            "prAuc": self.pr_auc,
            "logLoss": self.log_loss,
            "brier": self.brier,
            "ece": self.ece,
            "baselineAccuracy": self.baseline_accuracy,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Confusion {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
}

impl Confusion {
    pub fn at(p: &[f64], y: &[bool], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for (p, y) in p.iter().zip(y) {
            match (*p >= threshold, *y) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.tp + self.tn + self.fp + self.fn_)
    }

    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Indices sorted by score, ascending (NaN-free input; ties keep index order).
fn order(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    idx
}

/// Rows of equal score, in score order: the curve-based metrics below all
/// step through the scores one distinct value at a time.
struct TieGroup {
    /// Position of the group's first row in score order (0-based).
    start: usize,
    len: usize,
    positives: usize,
    score: f64,
    /// The score of the following group, if any.
    next_score: Option<f64>,
}

fn tie_groups(p: &[f64], y: &[bool], descending: bool) -> Vec<TieGroup> {
    let mut idx = order(p);
    if descending {
        idx.reverse();
    }
    let mut groups = Vec::new();
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        groups.push(TieGroup {
            start: i,
            len: j - i + 1,
            positives: idx[i..=j].iter().filter(|k| y[**k]).count(),
            score: p[idx[i]],
            next_score: idx.get(j + 1).map(|k| p[*k]),
        });
        i = j + 1;
    }
    groups
}

pub fn auc(p: &[f64], y: &[bool]) -> Option<f64> {
    let n_pos = y.iter().filter(|b| **b).count();
    let n_neg = y.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    // Average ranks (1-based) over ties, then Mann–Whitney U.
    let mut rank_sum = 0.0;
    for g in tie_groups(p, y, false) {
        // Tied rows share the average of their 1-based ranks.
        let avg_rank = (2 * g.start + g.len + 1) as f64 / 2.0;
        rank_sum += avg_rank * g.positives as f64;
    }
    let u = rank_sum - (n_pos * (n_pos + 1)) as f64 / 2.0;
    Some(u / (n_pos * n_neg) as f64)
}

pub fn average_precision(p: &[f64], y: &[bool]) -> Option<f64> {
    let n_pos = y.iter().filter(|b| **b).count();
    if n_pos == 0 {
        return None;
    }
    let (mut tp, mut seen, mut prev_recall, mut ap) = (0usize, 0usize, 0.0, 0.0);
    for g in tie_groups(p, y, true) {
        tp += g.positives;
        seen += g.len;
        let recall = tp as f64 / n_pos as f64;
        ap += (recall - prev_recall) * (tp as f64 / seen as f64);
        prev_recall = recall;
    }
    Some(ap)
}

pub fn log_loss(p: &[f64], y: &[bool]) -> f64 {
    if p.is_empty() {
        return 0.0;
    }
    let sum: f64 = p
        .iter()
        .zip(y)
        .map(|(p, y)| {
            let p = p.clamp(EPS, 1.0 - EPS);
            if *y {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    sum / p.len() as f64
}

pub fn brier(p: &[f64], y: &[bool]) -> f64 {
    if p.is_empty() {
        return 0.0;
    }
    p.iter()
        .zip(y)
        .map(|(p, y)| (p - f64::from(u8::from(*y))).powi(2))
        .sum::<f64>()
        / p.len() as f64
}

pub fn ece(p: &[f64], y: &[bool]) -> f64 {
    const BINS: usize = 10;
    let mut count = [0usize; BINS];
    let mut sum_p = [0.0; BINS];
    let mut sum_y = [0.0; BINS];
    for (p, y) in p.iter().zip(y) {
        let b = ((p * BINS as f64).floor() as usize).min(BINS - 1);
        count[b] += 1;
        sum_p[b] += p;
        sum_y[b] += f64::from(u8::from(*y));
    }
    let n = p.len().max(1) as f64;
    (0..BINS)
        .filter(|b| count[*b] > 0)
        .map(|b| (sum_y[b] - sum_p[b]).abs() / n)
        .sum()
}

/// The share of true labels (0 for no labels).
pub fn failure_rate(y: &[bool]) -> f64 {
    ratio(y.iter().filter(|b| **b).count(), y.len())
}

pub fn baseline_accuracy(y: &[bool]) -> f64 {
    let pos = y.iter().filter(|b| **b).count();
    ratio(pos.max(y.len() - pos), y.len())
}

/// The threshold that maximises F1 on `(p, y)`: candidates are the distinct
/// scores (positive when `p ≥ s`); the returned threshold is the midpoint
/// between the best score and the next lower one, so it generalises to
/// unseen scores in the gap. 0.5 when there are no positives.
pub fn best_f1_threshold(p: &[f64], y: &[bool]) -> f64 {
    let n_pos = y.iter().filter(|b| **b).count();
    if n_pos == 0 || p.is_empty() {
        return 0.5;
    }
    let (mut tp, mut seen) = (0usize, 0usize);
    let mut best = (-1.0, 0.5);
    for g in tie_groups(p, y, true) {
        tp += g.positives;
        seen += g.len;
        let f1 = 2.0 * tp as f64 / (seen + n_pos) as f64;
        if f1 > best.0 {
            let threshold = match g.next_score {
                Some(next) => (g.score + next) / 2.0,
                None => g.score,
            };
            best = (f1, threshold);
        }
    }
    best.1
}

/// Most times one row is drawn in a resample: P(Poisson(1) > 12) ≈ 1e-10.
const POISSON_MAX: usize = 12;

/// `P(Poisson(1) <= k)` for k = 0..POISSON_MAX, in units of 2^-32: a draw
/// from one uniform `u32` is the number of these it reaches.
fn poisson_one_thresholds() -> [u64; POISSON_MAX] {
    let mut t = [0u64; POISSON_MAX];
    let (mut term, mut cdf) = ((-1.0f64).exp(), 0.0);
    for (k, slot) in t.iter_mut().enumerate() {
        cdf += term;
        term /= (k + 1) as f64;
        *slot = (cdf * 4_294_967_296.0) as u64;
    }
    t
}

/// SplitMix64's output function: a bijection of `u64` whose outputs, for
/// consecutive inputs, pass the usual statistical test batteries.
#[inline(always)]
fn splitmix64(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// How often each row (in score order) is drawn by resample `r`, written
/// to `out`: Poisson(1) counts from the two 32-bit halves of each SplitMix64
/// output of resample `r`'s own sequence (its start is a hash of `seed`,
/// `stream` and `r`), so a resample's draws do not depend on which thread
/// makes them. (A ChaCha8 word per row through an iterator had cost about
/// three times as much; the interval is a report figure, not a secret.)
fn poisson_counts(
    seed: u64,
    stream: u64,
    r: usize,
    thresholds: &[u64; POISSON_MAX],
    out: &mut [u8],
) {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    let start = splitmix64(splitmix64(splitmix64(seed) ^ stream) ^ r as u64);
    let count = |u: u64| -> u8 {
        // Branch-free up to 4 (P = 0.98), where a branch on the draw would
        // be mispredicted half the time; the rare rest counts on.
        let c = u8::from(u >= thresholds[0])
            + u8::from(u >= thresholds[1])
            + u8::from(u >= thresholds[2])
            + u8::from(u >= thresholds[3]);
        if c < 4 {
            c
        } else {
            4 + thresholds[4..].iter().take_while(|t| u >= **t).count() as u8
        }
    };
    for (k, pair) in out.chunks_mut(2).enumerate() {
        let word = splitmix64(start.wrapping_add((k as u64).wrapping_mul(GAMMA)));
        pair[0] = count(word & 0xffff_ffff);
        if let Some(second) = pair.get_mut(1) {
            *second = count(word >> 32);
        }
    }
}

/// The integer type twice a resample's Mann–Whitney U is counted in: `u64`
/// where it cannot overflow (1,000 resamples of 30,000 rows 84-87 ms against
/// 93-94 ms in `u128`, one thread), `u128` beyond.
trait Tally: Copy + std::ops::Add<Output = Self> + std::ops::Mul<Output = Self> {
    fn of(v: u64) -> Self;
    fn as_f64(self) -> f64;
}
impl Tally for u64 {
    fn of(v: u64) -> u64 {
        v
    }
    fn as_f64(self) -> f64 {
        self as f64
    }
}
impl Tally for u128 {
    fn of(v: u64) -> u128 {
        u128::from(v)
    }
    fn as_f64(self) -> f64 {
        self as f64
    }
}
/// Below this many rows every count of twice U fits in a `u64`: a resample
/// draws at most `POISSON_MAX · n` rows, and 2U ≤ (POISSON_MAX · n)² / 2.
const U64_TALLY_ROWS: usize = 1 << 28;

/// One resample's AUC, or `None` when it drew one class only.
fn resample_auc<T: Tally>(counts: &[u8], tie_start: &[bool], positive: &[bool]) -> Option<f64> {
    // 2U = Σ over score levels of positives × (2 × negatives below
    // + negatives level with them), in integers.
    let (mut twice_u, mut below, mut n_pos) = (T::of(0), 0u64, 0u64);
    let (mut pos, mut neg) = (0u64, 0u64);
    for ((&c, &starts), &is_positive) in counts.iter().zip(tie_start).zip(positive) {
        let c = u64::from(c);
        if starts {
            twice_u = twice_u + T::of(pos) * T::of(2 * below + neg);
            below += neg;
            n_pos += pos;
            (pos, neg) = (0, 0);
        }
        let is_positive = u64::from(is_positive);
        pos += c * is_positive;
        neg += c * (1 - is_positive);
    }
    twice_u = twice_u + T::of(pos) * T::of(2 * below + neg);
    let (n_pos, n_neg) = (n_pos + pos, below + neg);
    (n_pos > 0 && n_neg > 0).then(|| twice_u.as_f64() / (2.0 * n_pos as f64 * n_neg as f64))
}

/// Percentile bootstrap 95 % interval of the AUC, by the Poisson bootstrap:
/// in each of `resamples` resamples every row is drawn a Poisson(1) number
/// of times (seeded, `seed` and `stream`), which approximates drawing n rows
/// with replacement and lets one pass over the rows in score order count
/// the resample's Mann–Whitney U, without random access (a 30,000-row
/// interval of 1,000 resamples takes tens of milliseconds). Resamples with
/// one class are discarded. Returns `(low, high, resamples used)`, or
/// `None` if none was usable.
pub fn bootstrap_auc_interval(
    p: &[f64],
    y: &[bool],
    resamples: usize,
    seed: u64,
    stream: u64,
) -> Option<(f64, f64, usize)> {
    use rayon::prelude::*;
    let n = p.len();
    if n == 0 {
        return None;
    }
    let idx = order(p);
    // Where each run of equal scores starts, in score order.
    let tie_start: Vec<bool> = (0..n)
        .map(|k| k == 0 || p[idx[k]] != p[idx[k - 1]])
        .collect();
    let positive: Vec<bool> = idx.iter().map(|i| y[*i]).collect();
    let thresholds = poisson_one_thresholds();
    let mut aucs: Vec<f64> = (0..resamples)
        .into_par_iter()
        .map_init(
            || vec![0u8; n],
            |counts, r| {
                poisson_counts(seed, stream, r, &thresholds, counts);
                if n < U64_TALLY_ROWS {
                    resample_auc::<u64>(counts, &tie_start, &positive)
                } else {
                    resample_auc::<u128>(counts, &tie_start, &positive)
                }
            },
        )
        .flatten()
        .collect();
    if aucs.is_empty() {
        return None;
    }
    aucs.sort_by(f64::total_cmp);
    let at = |q: f64| aucs[((q * (aucs.len() - 1) as f64).round()) as usize];
    Some((at(0.025), at(0.975), aucs.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [f64; 6] = [0.9, 0.8, 0.6, 0.6, 0.3, 0.1];
    const Y: [bool; 6] = [true, false, true, false, true, false];

    #[test]
    fn auc_counts_ties_as_half() {
        // Pairs (pos, neg): 0.9 beats 0.8, 0.6, 0.1 (3); 0.6 vs 0.8 loses,
        // vs 0.6 ties (½), vs 0.1 wins (1.5); 0.3 loses to 0.8 and 0.6, beats 0.1 (1).
        assert_eq!(auc(&P, &Y), Some(5.5 / 9.0));
        assert_eq!(auc(&[0.2, 0.2], &[true, false]), Some(0.5));
        assert_eq!(auc(&[0.2, 0.3], &[true, true]), None);
    }

    #[test]
    fn average_precision_by_hand() {
        // Thresholds 0.9: P=1, R=1/3; 0.8: R unchanged; 0.6 (tie, 1 pos of 2):
        // P=2/4, R=2/3; 0.3: P=3/5, R=1. AP = 1/3·1 + 1/3·1/2 + 1/3·3/5.
        let expected = (1.0 + 0.5 + 0.6) / 3.0;
        assert!((average_precision(&P, &Y).unwrap() - expected).abs() < 1e-15);
        assert_eq!(average_precision(&[0.4], &[false]), None);
    }

    #[test]
    fn threshold_metrics_by_hand() {
        let c = Confusion::at(&P, &Y, 0.6);
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 2,
                tn: 1,
                fn_: 1
            }
        );
        let m = Metrics::compute(&P, &Y, 0.6);
        assert_eq!(m.accuracy, 0.5);
        assert_eq!(m.precision, 0.5);
        assert!((m.recall - 2.0 / 3.0).abs() < 1e-15);
        assert!((m.f1 - 4.0 / 7.0).abs() < 1e-15);
        assert_eq!(m.baseline_accuracy, 0.5);
        let none = Confusion::at(&P, &Y, 0.95);
        assert_eq!(
            (none.precision(), none.recall(), none.f1()),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn probability_scores_by_hand() {
        let p = [0.8, 0.25, 1.0];
        let y = [true, false, false];
        // p = 1 for a negative is clipped to 1 − 1e-15 (as a float: 1 − 9.99e-16).
        let clipped = 1.0 - (1.0 - 1e-15f64);
        let ll = (-(0.8f64.ln()) - 0.75f64.ln() - clipped.ln()) / 3.0;
        assert!((log_loss(&p, &y) - ll).abs() < 1e-12);
        assert!((brier(&p, &y) - (0.04 + 0.0625 + 1.0) / 3.0).abs() < 1e-15);
        // Bins: 0.8 → bin 8 (y 1), 0.25 → bin 2 (y 0), 1.0 → bin 9 (y 0).
        let e = (0.2 + 0.25 + 1.0) / 3.0;
        assert!((ece(&p, &y) - e).abs() < 1e-15);
    }

    #[test]
    fn f1_threshold_sits_between_scores() {
        // Top one: F1 2/3; top three (2 tp, 1 fp): 4/5, the best; all: 4/7.
        let p = [0.9, 0.7, 0.65, 0.2, 0.1];
        let y = [true, false, true, false, false];
        assert!((best_f1_threshold(&p, &y) - 0.425).abs() < 1e-15);
        assert_eq!(best_f1_threshold(&p, &[false; 5]), 0.5);
    }

    #[test]
    fn bootstrap_interval_brackets_the_auc_and_is_seeded() {
        let p: Vec<f64> = (0..40).map(|i| i as f64 / 40.0).collect();
        let y: Vec<bool> = (0..40).map(|i| (i * 7) % 10 < 3 + i / 10).collect();
        let a = auc(&p, &y).unwrap();
        let (lo, hi, used) = bootstrap_auc_interval(&p, &y, 500, 3, 0).unwrap();
        assert!(lo < a && a < hi && used == 500, "{lo} {a} {hi}");
        assert_eq!(
            bootstrap_auc_interval(&p, &y, 500, 3, 0),
            Some((lo, hi, used))
        );
    }

    #[test]
    fn bootstrap_counts_give_the_same_aucs_as_repeating_rows_and_sorting() {
        // Scores with ties; the reference repeats every row as often as the
        // resample draws it and runs `auc` on the repeated rows.
        let p: Vec<f64> = (0..37).map(|i| ((i * 13) % 11) as f64 / 10.0).collect();
        let y: Vec<bool> = (0..37).map(|i| (i * 5) % 7 < 3).collect();
        let (seed, stream, resamples) = (9, 4, 300);
        let idx = order(&p);
        let thresholds = poisson_one_thresholds();
        let mut aucs = Vec::new();
        let mut drawn = 0u64;
        for r in 0..resamples {
            let (mut bp, mut by) = (Vec::new(), Vec::new());
            let mut counts = vec![0u8; p.len()];
            poisson_counts(seed, stream, r, &thresholds, &mut counts);
            for (k, &c) in counts.iter().enumerate() {
                drawn += u64::from(c);
                for _ in 0..c {
                    bp.push(p[idx[k]]);
                    by.push(y[idx[k]]);
                }
            }
            aucs.extend(auc(&bp, &by));
        }
        // Poisson(1) counts: a resample draws about n rows on average.
        let mean = drawn as f64 / (resamples * p.len()) as f64;
        assert!((mean - 1.0).abs() < 0.05, "{mean}");
        aucs.sort_by(f64::total_cmp);
        let at = |q: f64| aucs[((q * (aucs.len() - 1) as f64).round()) as usize];
        assert_eq!(
            bootstrap_auc_interval(&p, &y, resamples, seed, stream),
            Some((at(0.025), at(0.975), aucs.len()))
        );
    }

    #[test]
    fn poisson_thresholds_are_the_poisson_one_distribution() {
        let t = poisson_one_thresholds();
        assert!(t.windows(2).all(|w| w[0] < w[1]) && t[POISSON_MAX - 1] < 1 << 32);
        // P(0) = P(1) = 1/e, P(2) = 1/(2e).
        let e = (-1.0f64).exp() * 4_294_967_296.0;
        assert!(
            (t[0] as f64 - e).abs() < 2.0
                && (t[1] as f64 - 2.0 * e).abs() < 2.0
                && (t[2] as f64 - 2.5 * e).abs() < 2.0
        );
    }
}
