//! The knobs of a boosted-trees fit, with their defaults and their checks.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// The deepest tree the learner grows and the loader accepts. Exact
/// explanations keep, per leaf, a table of 2^(distinct features on the path)
/// values (see `explain.rs`), so depth bounds their memory: 2^12 × 8 bytes
/// = 32 KiB for the worst leaf.
pub const MAX_DEPTH_LIMIT: usize = 12;

/// Most leaves per tree the learner grows (and the loader accepts): the
/// explanation tables address a tree's internal nodes as bits of a `u64`.
pub const MAX_LEAVES_LIMIT: usize = 64;

/// Most value bins per feature; one more bin holds the missing values, so a
/// bin index always fits in a byte.
pub const MAX_BINS_LIMIT: usize = 255;

/// Parameters of [`crate::gbdt::fit`]. `Default` gives a sensible model for
/// tens of thousands of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BoostParams {
    /// Shrinkage applied to every leaf value, in (0, 1].
    pub learning_rate: f64,
    /// Boosting rounds (trees) at most; early stopping may keep fewer.
    pub rounds: usize,
    /// Leaves per tree at most (leaf-wise growth picks the best split first), ≥ 2.
    pub max_leaves: usize,
    /// Depth of a leaf at most (the root's children have depth 1), 1..=12.
    pub max_depth: usize,
    /// Training rows a leaf must keep at least, ≥ 1.
    pub min_samples_leaf: usize,
    /// Sum of hessians (p(1−p) × weight) a leaf must keep at least, ≥ 0.
    pub min_hessian_leaf: f64,
    /// L2 penalty on leaf values, ≥ 0.
    pub lambda: f64,
    /// Reduction of the regularised loss a split must bring at least, ≥ 0.
    pub min_split_gain: f64,
    /// Value bins per feature at most, 2..=255 (plus one bin for missing).
    pub max_bins: usize,
    /// Rows sampled to place the bin edges (quantiles), ≥ 1000.
    pub binning_sample: usize,
    /// Fraction of rows each round's tree is grown on, in (0, 1].
    pub row_subsample: f64,
    /// Fraction of features each tree may split on, in (0, 1].
    pub feature_subsample: f64,
    /// Distinct features one tree may split on at most (an interaction
    /// limit: once a tree uses this many, its other splits reuse them).
    /// Small trees over few features get one-lookup contributions
    /// (`cells.rs`). `None`: no limit.
    pub max_tree_features: Option<usize>,
    /// Seed of the row/feature subsampling (and of the binning sample).
    pub seed: u64,
    /// Stop after this many rounds without a better validation log-loss and
    /// keep the best round's trees; needs a validation set. `None`: run all rounds.
    pub early_stopping_rounds: Option<usize>,
}

impl Default for BoostParams {
    fn default() -> Self {
        BoostParams {
            learning_rate: 0.1,
            rounds: 200,
            max_leaves: 31,
            max_depth: 8,
            min_samples_leaf: 20,
            min_hessian_leaf: 1e-3,
            lambda: 1.0,
            min_split_gain: 0.0,
            max_bins: 255,
            binning_sample: 200_000,
            row_subsample: 1.0,
            feature_subsample: 1.0,
            max_tree_features: None,
            seed: 0,
            early_stopping_rounds: None,
        }
    }
}

impl BoostParams {
    /// Every parameter in range, or `ERR_INVALID_ARG` naming the first that is not.
    pub fn validate(&self) -> Result<()> {
        fn bad(name: &str, reason: String) -> Result<()> {
            Err(EngineError::InvalidArgument {
                name: name.to_string(),
                reason,
            })
        }
        let unit = |x: f64| x.is_finite() && x > 0.0 && x <= 1.0;
        let non_negative = |x: f64| x.is_finite() && x >= 0.0;
        if !unit(self.learning_rate) {
            return bad(
                "learningRate",
                format!(
                    "expected a number in (0, 1], received {}",
                    self.learning_rate
                ),
            );
        }
        if self.rounds == 0 || self.rounds > 100_000 {
            return bad(
                "rounds",
                format!("expected 1 to 100000, received {}", self.rounds),
            );
        }
        if !(2..=MAX_LEAVES_LIMIT).contains(&self.max_leaves) {
            return bad(
                "maxLeaves",
                format!(
                    "expected 2 to {MAX_LEAVES_LIMIT}, received {}",
                    self.max_leaves
                ),
            );
        }
        if !(1..=MAX_DEPTH_LIMIT).contains(&self.max_depth) {
            return bad(
                "maxDepth",
                format!(
                    "expected 1 to {MAX_DEPTH_LIMIT}, received {}",
                    self.max_depth
                ),
            );
        }
        if self.min_samples_leaf == 0 {
            return bad(
                "minSamplesLeaf",
                "expected at least 1, received 0".to_string(),
            );
        }
        if !non_negative(self.min_hessian_leaf) {
            return bad(
                "minHessianLeaf",
                format!(
                    "expected a finite number ≥ 0, received {}",
                    self.min_hessian_leaf
                ),
            );
        }
        if !non_negative(self.lambda) {
            return bad(
                "lambda",
                format!("expected a finite number ≥ 0, received {}", self.lambda),
            );
        }
        if !non_negative(self.min_split_gain) {
            return bad(
                "minSplitGain",
                format!(
                    "expected a finite number ≥ 0, received {}",
                    self.min_split_gain
                ),
            );
        }
        if !(2..=MAX_BINS_LIMIT).contains(&self.max_bins) {
            return bad(
                "maxBins",
                format!("expected 2 to {MAX_BINS_LIMIT}, received {}", self.max_bins),
            );
        }
        if self.binning_sample < 1000 {
            return bad(
                "binningSample",
                format!("expected at least 1000, received {}", self.binning_sample),
            );
        }
        if !unit(self.row_subsample) {
            return bad(
                "rowSubsample",
                format!(
                    "expected a number in (0, 1], received {}",
                    self.row_subsample
                ),
            );
        }
        if !unit(self.feature_subsample) {
            return bad(
                "featureSubsample",
                format!(
                    "expected a number in (0, 1], received {}",
                    self.feature_subsample
                ),
            );
        }
        if self.max_tree_features == Some(0) {
            return bad(
                "maxTreeFeatures",
                "expected at least 1, received 0".to_string(),
            );
        }
        if self.early_stopping_rounds == Some(0) {
            return bad(
                "earlyStoppingRounds",
                "expected at least 1, received 0".to_string(),
            );
        }
        Ok(())
    }
}
