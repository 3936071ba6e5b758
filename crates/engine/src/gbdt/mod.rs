//! Histogram-based gradient-boosted decision trees for binary logistic loss,
//! with native missing values, monotone constraints and exact TreeSHAP
//! contributions.
//!
//! - [`fit`] takes a row-major f64 matrix ([`FeatureMatrix`], `NaN` =
//!   missing) with boolean labels ([`LabelledRows`]), per-feature monotone
//!   constraints, [`BoostParams`], an optional validation set (early
//!   stopping) and a cancellation flag, and returns a [`FitOutcome`].
//! - [`BoostedTrees`] scores rows (log-odds, probability), explains them
//!   ([`BoostedTrees::contributions`]: exact, signed, in log-odds) and
//!   serialises to compact JSON (arrays per tree); reading validates it.
//!
//! A fit gives the same model, bit for bit, whatever the number of threads
//! of the rayon pool it runs in.

mod binning;
mod cells;
mod data;
mod explain;
mod fit;
mod grow;
mod model;
mod params;
mod shap;
mod tree;

pub use data::{FeatureMatrix, LabelledRows};
pub use fit::{fit, fit_rows, BinnedRows, FitOutcome};
pub use model::{BoostedTrees, BoostedTreesData, FORMAT_VERSION};
pub use params::{BoostParams, MAX_BINS_LIMIT, MAX_DEPTH_LIMIT, MAX_LEAVES_LIMIT};
pub use tree::{Child, Tree};

#[cfg(test)]
mod tests;
