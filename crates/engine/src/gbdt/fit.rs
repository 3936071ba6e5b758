//! The boosting loop: logistic gradients, one tree per round, optional row
//! and feature subsampling, validation log-loss with early stopping, and a
//! cancellation check every round.

use std::sync::atomic::{AtomicBool, Ordering};

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;

use super::binning::{bin_matrix, BinnedMatrix};
use super::data::{FeatureMatrix, LabelledRows};
use super::grow::{binned_leaf, GrowParams, Grower};
use super::model::BoostedTrees;
use super::params::BoostParams;
use crate::error::{EngineError, Result};

/// What a fit returns: the model (truncated to the best round when early
/// stopping is on) and the per-round losses it was chosen by.
#[derive(Debug, Clone)]
pub struct FitOutcome {
    pub model: BoostedTrees,
    /// The round with the lowest validation log-loss (1-based count): the
    /// trees kept (unless `fit_rows` was asked to keep all), or every round
    /// without early stopping.
    pub best_iteration: usize,
    /// Weighted mean validation log-loss after each round (empty without a validation set).
    pub valid_log_loss: Vec<f64>,
}

/// Rows per block in the fixed-order reductions, so sums do not depend on
/// how rayon splits the work.
const BLOCK: usize = 8192;

/// From this many rows an unbagged fit updates its scores in parallel
/// blocks of rows, each row reading its leaf from a per-row leaf index that
/// one pass over the leaves' ranges wrote, instead of one thread walking
/// the leaves' rows. (Walking every row down the tree instead cost about 2
/// of the 11 s of the 1M x 25 fit in benchmark/gbdt.js: branch misses.)
const PARALLEL_SCORE_ROWS: usize = 65_536;

/// Log-loss of one row at raw score `z`, computed stably from the log-odds.
fn row_log_loss(z: f64, label: bool) -> f64 {
    // -log σ(z) = softplus(-z); -log(1-σ(z)) = softplus(z)
    let softplus = |x: f64| {
        if x > 0.0 {
            x + (-x).exp().ln_1p()
        } else {
            x.exp().ln_1p()
        }
    };
    if label {
        softplus(-z)
    } else {
        softplus(z)
    }
}

/// Every row's log-odds, with its odds `exp(z)` kept beside it: a tree
/// adds one of a few leaf values to each row, so the odds take one multiply
/// by that leaf's `exp` instead of an `exp` per row per round (the
/// gradients and the held-out log-loss read only the odds).
struct RowScores {
    z: Vec<f64>,
    odds: Vec<f64>,
}

/// Odds outside this range are recomputed from the log-odds, so a long run
/// of multiplications never parks a row at 0 or infinity.
const ODDS_RANGE: std::ops::Range<f64> = 1e-250..1e250;

impl RowScores {
    fn new(n: usize, z: f64) -> RowScores {
        RowScores {
            z: vec![z; n],
            odds: vec![z.exp(); n],
        }
    }

    #[inline]
    fn add(z: &mut f64, odds: &mut f64, v: f64, exp_v: f64) {
        *z += v;
        *odds *= exp_v;
        if !ODDS_RANGE.contains(odds) {
            *odds = z.exp();
        }
    }

    /// The probability of row `r`.
    #[inline]
    fn p(&self, r: usize) -> f64 {
        let e = self.odds[r];
        if e.is_finite() {
            e / (1.0 + e)
        } else {
            1.0
        }
    }

    /// Row `r`'s log-loss: ln(1 + e^z) for a success, ln(1 + e^-z) for a failure.
    #[inline]
    fn log_loss(&self, r: usize, label: bool) -> f64 {
        let e = self.odds[r];
        if label {
            (1.0 / e).ln_1p()
        } else {
            e.ln_1p()
        }
    }
}

fn check_monotone(monotone: &[i8], cols: usize) -> Result<()> {
    if !monotone.is_empty() && monotone.len() != cols {
        return Err(EngineError::InvalidArgument {
            name: "monotone".to_string(),
            reason: format!(
                "{} constraints for {cols} features (give one per feature, or none)",
                monotone.len()
            ),
        });
    }
    if let Some(f) = monotone.iter().position(|c| !(-1..=1).contains(c)) {
        return Err(EngineError::InvalidArgument {
            name: "monotone".to_string(),
            reason: format!(
                "feature {f}: expected -1, 0 or +1, received {}",
                monotone[f]
            ),
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
                reason: format!(
                    "{} features, the training rows have {cols}",
                    v.features.cols()
                ),
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
    let monotone: Vec<i8> = if monotone.is_empty() {
        vec![0; cols]
    } else {
        monotone.to_vec()
    };

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
    let binned = bin_matrix(
        &train.features,
        params.max_bins,
        params.binning_sample,
        params.seed,
    );
    let all_rows: Vec<u32> = (0..n as u32).collect();
    let validation = match valid {
        Some(v) => Validation::Raw(v),
        None => Validation::None,
    };
    boost(
        &binned,
        train.labels,
        train.weights,
        &all_rows,
        base_score,
        validation,
        &monotone,
        params,
        false,
        abort,
    )
}

/// Training rows binned once, so that several fits on subsets of them (the
/// folds of a cross-validation) share one binning. The bin edges are placed
/// on all the rows (features only; labels play no part).
pub struct BinnedRows {
    matrix: BinnedMatrix,
}

impl BinnedRows {
    /// Bin `features` with `params`' `max_bins`, `binning_sample` and `seed`;
    /// `ERR_INVALID_ARG`/`ERR_INVALID_DATA` for bad parameters or an
    /// infinite value, as `fit` reports them.
    pub fn new(features: &FeatureMatrix, params: &BoostParams) -> Result<BinnedRows> {
        params.validate()?;
        let labels = vec![false; features.rows()];
        LabelledRows::new(*features, &labels, None).validate("training rows")?;
        if features.rows() == 0 || features.rows() > u32::MAX as usize {
            return Err(EngineError::InvalidArgument {
                name: "rows".to_string(),
                reason: format!(
                    "expected 1 to {} rows, received {}",
                    u32::MAX,
                    features.rows()
                ),
            });
        }
        Ok(BinnedRows {
            matrix: bin_matrix(
                features,
                params.max_bins,
                params.binning_sample,
                params.seed,
            ),
        })
    }

    pub fn rows(&self) -> usize {
        self.matrix.rows
    }

    pub fn cols(&self) -> usize {
        self.matrix.cols
    }
}

/// Fit on the rows `train` of a binned set (ascending, distinct), with
/// labels for every row of the set. `valid` (rows of the same set, outside
/// `train`; may be empty) is scored every round, on the bins (the same
/// decisions as on the raw values), for `valid_log_loss` and early
/// stopping. The binning parameters of `params` are those the set was
/// binned with; the others apply as in `fit`. With `keep_all_trees`, an
/// early-stopped fit keeps every tree it grew (the patience past the best
/// round too; `best_iteration` still names the best round), so a caller can
/// score it at a round chosen on other rows.
#[allow(clippy::too_many_arguments)]
pub fn fit_rows(
    data: &BinnedRows,
    labels: &[bool],
    train: &[u32],
    valid: &[u32],
    monotone: &[i8],
    params: &BoostParams,
    keep_all_trees: bool,
    abort: &AtomicBool,
) -> Result<FitOutcome> {
    params.validate()?;
    let (n, cols) = (data.rows(), data.cols());
    if labels.len() != n {
        return Err(EngineError::InvalidArgument {
            name: "labels".to_string(),
            reason: format!("{} labels for {n} rows", labels.len()),
        });
    }
    for (name, rows) in [("train", train), ("valid", valid)] {
        if rows.windows(2).any(|w| w[0] >= w[1]) || rows.last().is_some_and(|&r| r as usize >= n) {
            return Err(EngineError::InvalidArgument {
                name: name.to_string(),
                reason: format!("expected ascending, distinct row numbers below {n}"),
            });
        }
    }
    if train.is_empty() {
        return Err(EngineError::InvalidArgument {
            name: "train".to_string(),
            reason: "no rows".to_string(),
        });
    }
    if valid.is_empty() && params.early_stopping_rounds.is_some() {
        return Err(EngineError::InvalidArgument {
            name: "earlyStoppingRounds".to_string(),
            reason: "early stopping needs a validation set".to_string(),
        });
    }
    check_monotone(monotone, cols)?;
    let monotone: Vec<i8> = if monotone.is_empty() {
        vec![0; cols]
    } else {
        monotone.to_vec()
    };
    let positive = train.iter().filter(|&&r| labels[r as usize]).count();
    if positive == 0 || positive == train.len() {
        return Err(EngineError::InvalidArgument {
            name: "labels".to_string(),
            reason: "all training labels are equal: boosting needs both outcomes".to_string(),
        });
    }
    let base_score = (positive as f64 / (train.len() - positive) as f64).ln();
    let validation = if valid.is_empty() {
        Validation::None
    } else {
        Validation::Binned(valid)
    };
    boost(
        &data.matrix,
        labels,
        None,
        train,
        base_score,
        validation,
        &monotone,
        params,
        keep_all_trees,
        abort,
    )
}

/// Where a fit's validation rows come from.
enum Validation<'a> {
    None,
    /// Separate rows, scored on their raw values.
    Raw(&'a LabelledRows<'a>),
    /// Rows of the binned training matrix outside the fit, scored on their bins.
    Binned(&'a [u32]),
}

/// Weighted mean log-loss of `count` items (`item(i)` = raw score, label,
/// weight), summed in fixed blocks and then in block order.
fn block_mean_log_loss(count: usize, item: impl Fn(usize) -> (f64, f64) + Sync) -> f64 {
    let blocks: Vec<(f64, f64)> = (0..count.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let (mut loss, mut weight) = (0.0, 0.0);
            for i in b * BLOCK..((b + 1) * BLOCK).min(count) {
                let (l, w) = item(i);
                loss += w * l;
                weight += w;
            }
            (loss, weight)
        })
        .collect();
    let (loss, weight) = blocks
        .iter()
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    loss / weight
}

/// The boosting loop on the rows `train` (ascending) of a binned matrix.
#[allow(clippy::too_many_arguments)]
fn boost(
    binned: &BinnedMatrix,
    labels: &[bool],
    weights: Option<&[f64]>,
    train: &[u32],
    base_score: f64,
    valid: Validation,
    monotone: &[i8],
    params: &BoostParams,
    keep_all_trees: bool,
    abort: &AtomicBool,
) -> Result<FitOutcome> {
    let (n, cols) = (binned.rows, binned.cols);
    let weight = |r: usize| weights.map_or(1.0, |w| w[r]);
    let mut grower = Grower::new(binned);
    let mut scores = RowScores::new(n, base_score);
    let mut raw_valid_scores = match valid {
        Validation::Raw(v) => vec![base_score; v.features.rows()],
        _ => Vec::new(),
    };
    let mut gh = vec![[0.0; 2]; n];
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let mut bag: Vec<u32> = Vec::with_capacity(train.len());
    let mut allowed = vec![true; cols];
    let mut trees = Vec::new();
    let mut valid_log_loss = Vec::new();
    let mut best = (f64::INFINITY, 0usize);
    let whole = train.len() == n;
    let mut leaf_of = vec![
        0u8;
        if whole && n >= PARALLEL_SCORE_ROWS {
            n
        } else {
            0
        }
    ];

    for round in 0..params.rounds {
        if abort.load(Ordering::Relaxed) {
            return Err(EngineError::Aborted);
        }
        // Gradients of every row (those outside `train` are never read).
        let gradient = |r: usize| {
            let p = scores.p(r);
            let w = weight(r);
            [
                w * (p - if labels[r] { 1.0 } else { 0.0 }),
                w * p * (1.0 - p),
            ]
        };
        if whole {
            gh.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = gradient(b * BLOCK + i);
                }
            });
        } else {
            // Only the training rows' gradients are read (a cross-validation
            // fit runs beside the other folds' fits, so one thread is enough).
            for &r in train {
                gh[r as usize] = gradient(r as usize);
            }
        }
        let bagging = params.row_subsample < 1.0;
        if bagging {
            let threshold = (params.row_subsample * 4_294_967_296.0) as u64;
            bag.clear();
            bag.extend(
                train
                    .iter()
                    .copied()
                    .filter(|_| (rng.next_u32() as u64) < threshold),
            );
            if bag.is_empty() {
                bag.push(train[rng.next_u32() as usize % train.len()]);
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
            monotone,
            allowed: &allowed,
        };
        let grown = grower.grow(
            if bagging { &bag } else { train },
            &gh,
            weights,
            &grow_params,
        );
        let (tree, node_bin) = (&grown.tree, &grown.node_bin);
        let exp_leaf: Vec<f64> = tree.leaf_value.iter().map(|v| v.exp()).collect();
        let add_leaf = |scores: &mut RowScores, r: usize, leaf: usize| {
            RowScores::add(
                &mut scores.z[r],
                &mut scores.odds[r],
                tree.leaf_value[leaf],
                exp_leaf[leaf],
            );
        };
        // Every row, in parallel blocks, by the leaf `leaf_at` gives it.
        let add_every_row = |scores: &mut RowScores, leaf_at: &(dyn Fn(usize) -> usize + Sync)| {
            scores
                .z
                .par_chunks_mut(BLOCK)
                .zip(scores.odds.par_chunks_mut(BLOCK))
                .enumerate()
                .for_each(|(b, (z, odds))| {
                    for (i, (z, odds)) in z.iter_mut().zip(odds.iter_mut()).enumerate() {
                        let leaf = leaf_at(b * BLOCK + i);
                        RowScores::add(z, odds, tree.leaf_value[leaf], exp_leaf[leaf]);
                    }
                });
        };
        if whole && bagging {
            // A bagged tree's leaves hold only the bag's rows: every row
            // walks down the tree.
            add_every_row(&mut scores, &|r| binned_leaf(tree, node_bin, binned, r));
        } else if whole && n >= PARALLEL_SCORE_ROWS {
            // Leaves are at most MAX_LEAVES_LIMIT (64), so a byte holds one.
            grown.for_each_leaf_row(grower.rows(), |leaf, r| leaf_of[r as usize] = leaf as u8);
            let leaf_of = &leaf_of;
            add_every_row(&mut scores, &|r| leaf_of[r] as usize);
        } else if bagging {
            for &r in train {
                add_leaf(
                    &mut scores,
                    r as usize,
                    binned_leaf(tree, node_bin, binned, r as usize),
                );
            }
        } else {
            grown.for_each_leaf_row(grower.rows(), |leaf, r| {
                add_leaf(&mut scores, r as usize, leaf)
            });
        }
        let loss = match valid {
            Validation::None => None,
            Validation::Raw(v) => {
                raw_valid_scores
                    .par_chunks_mut(BLOCK)
                    .enumerate()
                    .for_each(|(b, s)| {
                        for (i, z) in s.iter_mut().enumerate() {
                            *z += tree.predict(v.features.row(b * BLOCK + i));
                        }
                    });
                Some(block_mean_log_loss(raw_valid_scores.len(), |i| {
                    (row_log_loss(raw_valid_scores[i], v.labels[i]), v.weight(i))
                }))
            }
            Validation::Binned(rows) => {
                for &r in rows {
                    add_leaf(
                        &mut scores,
                        r as usize,
                        binned_leaf(tree, node_bin, binned, r as usize),
                    );
                }
                Some(block_mean_log_loss(rows.len(), |i| {
                    let r = rows[i] as usize;
                    (scores.log_loss(r, labels[r]), weight(r))
                }))
            }
        };
        if let Some(loss) = loss {
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
    let best_iteration = if params.early_stopping_rounds.is_some() {
        best.1
    } else {
        trees.len()
    };
    if !keep_all_trees {
        trees.truncate(best_iteration);
    }
    Ok(FitOutcome {
        model: BoostedTrees::from_parts(cols, base_score, trees),
        best_iteration,
        valid_log_loss,
    })
}
