//! The data behind the report's plots, from predicted probabilities and
//! outcomes: the ROC curve, reliability bins, per-class histograms and
//! confusion counts at thresholds. Definitions match `train::metrics` (ties
//! enter the ROC curve together; reliability bins are the ECE's ten
//! equal-width bins).

use crate::train::metrics::Confusion;

/// (false-positive rate, true-positive rate) from the highest threshold to
/// the lowest, starting at (0, 0) and ending at (1, 1). Rows with equal
/// scores move the curve together (a diagonal step). Empty when a class is
/// missing.
pub fn roc_points(p: &[f64], y: &[bool]) -> Vec<(f64, f64)> {
    let positives = y.iter().filter(|v| **v).count();
    let negatives = y.len() - positives;
    if positives == 0 || negatives == 0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
    let mut points = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < order.len() {
        let score = p[order[i]];
        while i < order.len() && p[order[i]] == score {
            if y[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        points.push((fp as f64 / negatives as f64, tp as f64 / positives as f64));
    }
    thin(points, MAX_ROC_POINTS)
}

/// The most points a drawn ROC curve keeps.
pub const MAX_ROC_POINTS: usize = 400;

/// At most about `limit` evenly spaced points of a curve, always keeping
/// its first and last (a picture of thousands of thresholds is no sharper,
/// only heavier).
fn thin(points: Vec<(f64, f64)>, limit: usize) -> Vec<(f64, f64)> {
    if points.len() <= limit {
        return points;
    }
    let step = points.len().div_ceil(limit);
    let last = *points.last().expect("more than limit points");
    let mut kept: Vec<(f64, f64)> = points.into_iter().step_by(step).collect();
    if kept.last() != Some(&last) {
        kept.push(last);
    }
    kept
}

/// One bin of the reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// Ten equal-width bins of `p` over [0, 1] (bin ⌊10p⌋, p = 1 in the last),
/// the empty ones left out.
pub fn reliability_bins(p: &[f64], y: &[bool]) -> Vec<Bin> {
    const BINS: usize = 10;
    let mut count = [0usize; BINS];
    let mut sum_p = [0.0; BINS];
    let mut sum_y = [0.0; BINS];
    for (pi, yi) in p.iter().zip(y) {
        let b = ((pi * BINS as f64).floor() as usize).min(BINS - 1);
        count[b] += 1;
        sum_p[b] += pi;
        sum_y[b] += f64::from(u8::from(*yi));
    }
    (0..BINS)
        .filter(|b| count[*b] > 0)
        .map(|b| Bin {
            lower: b as f64 / BINS as f64,
            upper: (b + 1) as f64 / BINS as f64,
            count: count[b],
            mean_predicted: sum_p[b] / count[b] as f64,
            observed_rate: sum_y[b] / count[b] as f64,
        })
        .collect()
}

/// Counts of `p` in `bins` equal-width bins over [0, 1], for the rows whose
/// outcome is `class`.
pub fn histogram(p: &[f64], y: &[bool], class: bool, bins: usize) -> Vec<usize> {
    let mut counts = vec![0usize; bins];
    for (pi, yi) in p.iter().zip(y) {
        if *yi == class {
            counts[((pi * bins as f64).floor() as usize).min(bins - 1)] += 1;
        }
    }
    counts
}

/// Confusion counts when runs with `p ≥ threshold` are flagged.
pub fn confusion(p: &[f64], y: &[bool], threshold: f64) -> Confusion {
    Confusion::at(p, y, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::metrics::{auc, ece};

    fn trapezoid(points: &[(f64, f64)]) -> f64 {
        points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
            .sum()
    }

    #[test]
    fn the_roc_curve_integrates_to_the_auc() {
        let p = [0.9, 0.8, 0.8, 0.4, 0.3, 0.3, 0.1, 0.05];
        let y = [true, true, false, true, false, false, true, false];
        let points = roc_points(&p, &y);
        assert_eq!(points.first(), Some(&(0.0, 0.0)));
        assert_eq!(points.last(), Some(&(1.0, 1.0)));
        assert!((trapezoid(&points) - auc(&p, &y).unwrap()).abs() < 1e-12);
        assert!(roc_points(&[0.5, 0.6], &[true, true]).is_empty());
        // Thousands of distinct scores are drawn with at most MAX_ROC_POINTS + 1 points.
        let p: Vec<f64> = (0..5000).map(|i| i as f64 / 5000.0).collect();
        let y: Vec<bool> = (0..5000).map(|i| (i * 7919) % 3 == 0).collect();
        let thinned = roc_points(&p, &y);
        assert!(thinned.len() <= MAX_ROC_POINTS + 1, "{}", thinned.len());
        assert_eq!(
            (thinned[0], *thinned.last().unwrap()),
            ((0.0, 0.0), (1.0, 1.0))
        );
    }

    #[test]
    fn reliability_bins_reproduce_the_ece() {
        let p: Vec<f64> = (0..200).map(|i| (i as f64 * 0.6180339) % 1.0).collect();
        let y: Vec<bool> = p
            .iter()
            .enumerate()
            .map(|(i, pi)| (i % 7) as f64 / 7.0 < *pi)
            .collect();
        let bins = reliability_bins(&p, &y);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 200);
        let n = p.len() as f64;
        let from_bins: f64 = bins
            .iter()
            .map(|b| b.count as f64 / n * (b.observed_rate - b.mean_predicted).abs())
            .sum();
        assert!((from_bins - ece(&p, &y)).abs() < 1e-12);
        assert!(bins
            .iter()
            .all(|b| b.mean_predicted >= b.lower && b.mean_predicted <= b.upper));
    }

    #[test]
    fn histograms_split_the_rows_by_class() {
        let p = [0.0, 0.1, 0.55, 0.99, 1.0];
        let y = [false, true, false, true, true];
        assert_eq!(histogram(&p, &y, true, 4), vec![1, 0, 0, 2]);
        assert_eq!(histogram(&p, &y, false, 4), vec![1, 0, 1, 0]);
        let c = confusion(&p, &y, 0.5);
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (2, 1, 1, 1));
    }
}
