//! Quantile bins per feature, placed on (a sample of) the training rows.
//!
//! Bin 0 holds the missing values. A value `x` falls in bin `1 + i`, where
//! `i` is the first edge with `x <= edges[i]` (or `edges.len()` past the
//! last edge), so "bin ≤ t" is exactly "x ≤ edges[t - 1]": a split found on
//! bins is stored as that raw threshold and scores new rows identically.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;

use super::data::FeatureMatrix;

/// The binned training matrix, row-major: `bins[r * cols + f]`. Row-major
/// because histograms are built over the scattered rows of one leaf: each
/// row's bins are one contiguous read.
pub(crate) struct BinnedMatrix {
    pub rows: usize,
    pub cols: usize,
    pub bins: Vec<u8>,
    /// The same bins column-major, `columns[f * rows + r]`: partitioning a
    /// leaf on one feature reads one byte per row, and here those bytes are
    /// adjacent.
    pub columns: Vec<u8>,
    /// Per feature, the upper edges of its value bins.
    pub edges: Vec<Vec<f64>>,
    /// Per feature, where its bins start in a histogram (`offsets[cols]` = total).
    pub offsets: Vec<usize>,
}

/// The bin of `x` for a feature with these edges (see the module comment).
pub(crate) fn bin_of(x: f64, edges: &[f64]) -> u8 {
    if x.is_nan() {
        0
    } else {
        (1 + edges.partition_point(|e| *e < x)) as u8
    }
}

/// Edges for one feature from its sampled non-missing values: one bin per
/// distinct value when there are at most `max_bins` of them (booleans, enum
/// indices, small counts), otherwise bins of about equal row counts.
pub(crate) fn feature_edges(mut values: Vec<f64>, max_bins: usize) -> Vec<f64> {
    values.sort_unstable_by(f64::total_cmp);
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for v in values {
        match distinct.last_mut() {
            Some((last, count)) if *last == v => *count += 1,
            _ => distinct.push((v, 1)),
        }
    }
    // The edge between two adjacent values: their midpoint, or the lower
    // value itself when the midpoint rounds up onto the upper one.
    let edge = |a: f64, b: f64| {
        let mid = a + (b - a) / 2.0;
        if mid < b {
            mid
        } else {
            a
        }
    };
    if distinct.len() <= max_bins {
        return distinct.windows(2).map(|w| edge(w[0].0, w[1].0)).collect();
    }
    let mut edges = Vec::with_capacity(max_bins - 1);
    let mut rows_left: usize = distinct.iter().map(|d| d.1).sum();
    let mut in_bin = 0usize;
    for j in 0..distinct.len() - 1 {
        in_bin += distinct[j].1;
        let bins_left = max_bins - edges.len();
        if bins_left <= 1 {
            break;
        }
        // Close the bin once it holds its share of what is left, or when
        // adding the next value would overshoot that share by more than
        // stopping short of it undershoots.
        let target = rows_left as f64 / bins_left as f64;
        let next = distinct[j + 1].1 as f64;
        let here = in_bin as f64;
        if here >= target || (here + next - target) > (target - here) {
            edges.push(edge(distinct[j].0, distinct[j + 1].0));
            rows_left -= in_bin;
            in_bin = 0;
        }
    }
    edges
}

/// Place the edges on a seeded sample of at most `sample` rows, then bin
/// every row. Deterministic for a given seed, whatever the thread count.
pub(crate) fn bin_matrix(
    features: &FeatureMatrix,
    max_bins: usize,
    sample: usize,
    seed: u64,
) -> BinnedMatrix {
    let (rows, cols) = (features.rows(), features.cols());
    let sampled: Vec<usize> = if rows <= sample {
        (0..rows).collect()
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6269_6e73);
        let threshold = ((sample as f64 / rows as f64) * 4_294_967_296.0) as u64;
        (0..rows)
            .filter(|_| (rng.next_u32() as u64) < threshold)
            .collect()
    };
    let edges: Vec<Vec<f64>> = (0..cols)
        .into_par_iter()
        .map(|f| {
            let values: Vec<f64> = sampled
                .iter()
                .map(|&r| features.row(r)[f])
                .filter(|x| !x.is_nan())
                .collect();
            feature_edges(values, max_bins)
        })
        .collect();
    let mut offsets = Vec::with_capacity(cols + 1);
    let mut total = 0;
    for e in &edges {
        offsets.push(total);
        total += e.len() + 2;
    }
    offsets.push(total);
    let mut bins = vec![0u8; rows * cols];
    const CHUNK: usize = 4096;
    bins.par_chunks_mut(CHUNK * cols)
        .enumerate()
        .for_each(|(c, out)| {
            let start = c * CHUNK;
            for (i, row_bins) in out.chunks_mut(cols).enumerate() {
                let row = features.row(start + i);
                for f in 0..cols {
                    row_bins[f] = bin_of(row[f], &edges[f]);
                }
            }
        });
    let mut columns = vec![0u8; rows * cols];
    columns
        .par_chunks_mut(rows.max(1))
        .enumerate()
        .for_each(|(f, column)| {
            for (r, b) in column.iter_mut().enumerate() {
                *b = bins[r * cols + f];
            }
        });
    BinnedMatrix {
        rows,
        columns,
        cols,
        bins,
        edges,
        offsets,
    }
}
