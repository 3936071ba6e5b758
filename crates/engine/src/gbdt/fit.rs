//! The boosting loop: logistic gradients, one tree per round, optional row
//! and feature subsampling, validation log-loss with early stopping, and a
//! cancellation check every round.

use std::sync::atomic::{AtomicBool, Ordering};

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;

use super::binning::bin_matrix;
use super::data::LabelledRows;
use super::grow::{binned_leaf, GrowParams, Grower};
use super::model::BoostedTrees;
use super::params::BoostParams;
use crate::error::{EngineError, Result};

/// What a fit returns: the model (truncated to the best round when early
/// stopping is on) and the per-round losses it was chosen by.
#[derive(Debug, Clone)]
pub struct FitOutcome {
    pub model: BoostedTrees,
    /// Trees kept: the round with the lowest validation log-loss (1-based
    /// count), or every round without early stopping.
    pub best_iteration: usize,
    /// Weighted mean validation log-loss after each round (empty without a validation set).
    pub valid_log_loss: Vec<f64>,
}

/// Rows per block in the fixed-order reductions, so sums do not depend on
/// how rayon splits the work.
const BLOCK: usize = 8192;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Log-loss of one row at raw score `z`, computed stably from the log-odds.
fn row_log_loss(z: f64, label: bool) -> f64 {
    // -log σ(z) = softplus(-z); -log(1-σ(z)) = softplus(z)
    let softplus = |x: f64| if x > 0.0 { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() };
    if label {
        softplus(-z)
    } else {
        softplus(z)
    }
}

/// Weighted mean log-loss, summed in fixed blocks and then in block order.
pub(crate) fn mean_log_loss(scores: &[f64], rows: &LabelledRows) -> f64 {
    let blocks: Vec<(f64, f64)> = scores
        .par_chunks(BLOCK)
        .enumerate()
        .map(|(b, chunk)| {
            let mut loss = 0.0;
            let mut weight = 0.0;
            for (i, &z) in chunk.iter().enumerate() {
                let r = b * BLOCK + i;
                let w = rows.weight(r);
                loss += w * row_log_loss(z, rows.labels[r]);
                weight += w;
            }
            (loss, weight)
        })
        .collect();
    let (loss, weight) = blocks.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    loss / weight
}

fn check_monotone(monotone: &[i8], cols: usize) -> Result<()> {
    if !monotone.is_empty() && monotone.len() != cols {
        return Err(EngineError::InvalidArgument {
            name: "monotone".to_string(),
            reason: format!("{} constraints for {cols} features (give one per feature, or none)", monotone.len()),
        });
    }
    if let Some(f) = monotone.iter().position(|c| !(-1..=1).contains(c)) {
        return Err(EngineError::InvalidArgument {
            name: "monotone".to_string(),
            reason: format!("feature {f}: expected -1, 0 or +1, received {}", monotone[f]),
        });
    }
    Ok(())
}

/// Fit boosted trees for binary logistic loss.
///
/// `monotone` is empty or holds one constraint per feature (+1: the score
/// never falls as the feature rises, -1: never rises, 0: free). `valid`, if
/// given, is scored every round; with `params.early_stopping_rounds` the fit
/// stops after that many rounds without a lower validation log-loss and keeps
/// the best round. `abort` is checked before every round (`ERR_ABORTED`).
/// Run it inside `rayon::ThreadPool::install` to choose the threads; the
/// model does not depend on how many there are.
pub fn fit(
    train: &LabelledRows,
    valid: Option<&LabelledRows>,
    monotone: &[i8],
    params: &BoostParams,
    abort: &AtomicBool,
) -> Result<FitOutcome> {
    params.validate()?;
    train.validate("training rows")?;
    let (n, cols) = (train.features.rows(), train.features.cols());
    if n == 0 || n > u32::MAX as usize {
        return Err(EngineError::InvalidArgument {
            name: "rows".to_string(),
            reason: format!("expected 1 to {} training rows, received {n}", u32::MAX),
        });
    }
    if let Some(v) = valid {
        v.validate("validation rows")?;
        if v.features.cols() != cols {
            return Err(EngineError::InvalidArgument {
                name: "validation".to_string(),
                reason: format!("{} features, the training rows have {cols}", v.features.cols()),
            });
        }
        if v.features.rows() == 0 {
            return Err(EngineError::InvalidArgument {
                name: "validation".to_string(),
                reason: "no rows".to_string(),
            });
        }
    } else if params.early_stopping_rounds.is_some() {
        return Err(EngineError::InvalidArgument {
            name: "earlyStoppingRounds".to_string(),
            reason: "early stopping needs a validation set".to_string(),
        });
    }
    check_monotone(monotone, cols)?;
    let monotone: Vec<i8> = if monotone.is_empty() { vec![0; cols] } else { monotone.to_vec() };

    let (mut positive, mut total) = (0.0, 0.0);
    for r in 0..n {
        let w = train.weight(r);
        total += w;
        if train.labels[r] {
            positive += w;
        }
    }
    if positive == 0.0 || positive == total {
        return Err(EngineError::InvalidArgument {
            name: "labels".to_string(),
            reason: "all training labels are equal: boosting needs both outcomes".to_string(),
        });
    }
    let base_score = (positive / (total - positive)).ln();

    if abort.load(Ordering::Relaxed) {
        return Err(EngineError::Aborted);
    }
    let binned = bin_matrix(&train.features, params.max_bins, params.binning_sample, params.seed);
    let mut grower = Grower::new(&binned);
    let mut scores = vec![base_score; n];
    let mut valid_scores = valid.map(|v| vec![base_score; v.features.rows()]);
    let mut gh = vec![[0.0; 2]; n];
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let all_rows: Vec<u32> = (0..n as u32).collect();
    let mut bag: Vec<u32> = Vec::with_capacity(n);
    let mut allowed = vec![true; cols];
    let mut trees = Vec::new();
    let mut valid_log_loss = Vec::new();
    let mut best = (f64::INFINITY, 0usize);

    for round in 0..params.rounds {
        if abort.load(Ordering::Relaxed) {
            return Err(EngineError::Aborted);
        }
        gh.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
            for (i, o) in out.iter_mut().enumerate() {
                let r = b * BLOCK + i;
                let p = sigmoid(scores[r]);
                let w = train.weight(r);
                *o = [w * (p - if train.labels[r] { 1.0 } else { 0.0 }), w * p * (1.0 - p)];
            }
        });
        let bagging = params.row_subsample < 1.0;
        if bagging {
            let threshold = (params.row_subsample * 4_294_967_296.0) as u64;
            bag.clear();
            bag.extend((0..n as u32).filter(|_| (rng.next_u32() as u64) < threshold));
            if bag.is_empty() {
                bag.push((rng.next_u32() as usize % n) as u32);
            }
        }
        if params.feature_subsample < 1.0 {
            let keep = ((params.feature_subsample * cols as f64).round() as usize).max(1);
            let mut order: Vec<usize> = (0..cols).collect();
            for i in 0..keep {
                let j = i + (rng.next_u32() as usize) % (cols - i);
                order.swap(i, j);
            }
            allowed.fill(false);
            for &f in &order[..keep] {
                allowed[f] = true;
            }
        }
        let grow_params = GrowParams {
            boost: params,
            monotone: &monotone,
            allowed: &allowed,
        };
        let grown = grower.grow(
            if bagging { &bag } else { &all_rows },
            &gh,
            train.weights,
            &grow_params,
        );
        if bagging {
            let (tree, node_bin) = (&grown.tree, &grown.node_bin);
            scores.par_chunks_mut(BLOCK).enumerate().for_each(|(b, s)| {
                for (i, z) in s.iter_mut().enumerate() {
                    *z += tree.leaf_value[binned_leaf(tree, node_bin, &binned, b * BLOCK + i)];
                }
            });
        } else {
            let rows = grower.rows();
            for (leaf, &(start, end)) in grown.leaf_ranges.iter().enumerate() {
                let v = grown.tree.leaf_value[leaf];
                for &r in &rows[start..end] {
                    scores[r as usize] += v;
                }
            }
        }
        if let (Some(v), Some(vs)) = (valid, valid_scores.as_mut()) {
            let tree = &grown.tree;
            vs.par_chunks_mut(BLOCK).enumerate().for_each(|(b, s)| {
                for (i, z) in s.iter_mut().enumerate() {
                    *z += tree.predict(v.features.row(b * BLOCK + i));
                }
            });
            let loss = mean_log_loss(vs, v);
            valid_log_loss.push(loss);
            if loss < best.0 {
                best = (loss, round + 1);
            }
        }
        trees.push(grown.tree);
        if let Some(patience) = params.early_stopping_rounds {
            if round + 1 - best.1 >= patience {
                break;
            }
        }
    }
    let best_iteration = if params.early_stopping_rounds.is_some() { best.1 } else { trees.len() };
    trees.truncate(best_iteration);
    Ok(FitOutcome {
        model: BoostedTrees::from_parts(cols, base_score, trees),
        best_iteration,
        valid_log_loss,
    })
}
