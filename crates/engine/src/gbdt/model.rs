//! A fitted ensemble: scoring, exact contributions, and its stored form.
//!
//! Stored form (JSON, via serde): `{ "format": 1, "featureCount": F,
//! "baseScore": b, "trees": [ { "feature": [...], "threshold": [...],
//! "missingLeft": [...], "left": [...], "right": [...], "cover": [...],
//! "leafValue": [...], "leafCover": [...] }, ... ] }` (see `tree.rs` for the
//! arrays). Reading it validates the structure first (see `validate`), so a
//! malformed tree is an `ERR_INVALID_MODEL`, never a panic at scoring time.

use std::path::Path;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cells::CellTables;
use super::data::FeatureMatrix;
use super::explain::Explainer;
use super::params::{MAX_DEPTH_LIMIT, MAX_LEAVES_LIMIT};
use super::shap::tree_shap;
use super::tree::{Child, Tree};
use crate::error::{EngineError, Result};

/// The version of the stored form this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The largest |baseScore| and |leaf value| a stored model may hold, in
/// log-odds. A fit's leaf is at most its learning rate times its rows (the
/// gradient of each row is at most 1, the regulariser at least 1), and a
/// probability is 0 or 1 to the last bit past |log-odds| 37; the bound
/// keeps every sum and difference of `raw_score` and TreeSHAP finite (two
/// leaves near ±f64::MAX would make them infinite or NaN).
pub const MAX_LOG_ODDS: f64 = 1e9;
/// The largest cover a stored model may hold: row counts (or sums of row
/// weights) stay far below it, and products of covers and values stay finite.
pub const MAX_COVER: f64 = 1e15;

/// The stored form, field for field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BoostedTreesData {
    pub format: u32,
    pub feature_count: usize,
    /// Log-odds of the training failure rate; every tree adds to it.
    pub base_score: f64,
    pub trees: Vec<Tree>,
}

/// Boosted trees for binary logistic loss: raw score (log-odds) = base score
/// + Σ tree values.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "BoostedTreesData")]
pub struct BoostedTrees {
    feature_count: usize,
    base_score: f64,
    trees: Vec<Tree>,
    /// Built on the first explained row (fits in cross-validation never need it).
    explainer: OnceLock<Contributions>,
}

impl Serialize for BoostedTrees {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct View<'a> {
            format: u32,
            feature_count: usize,
            base_score: f64,
            trees: &'a [Tree],
        }
        View {
            format: FORMAT_VERSION,
            feature_count: self.feature_count,
            base_score: self.base_score,
            trees: &self.trees,
        }
        .serialize(s)
    }
}

impl TryFrom<BoostedTreesData> for BoostedTrees {
    type Error = String;
    fn try_from(data: BoostedTreesData) -> std::result::Result<Self, String> {
        validate(&data)?;
        Ok(BoostedTrees::from_parts(
            data.feature_count,
            data.base_score,
            data.trees,
        ))
    }
}

/// Check everything scoring and explaining rely on; the message names the
/// tree and node at fault.
/// The contribution tables of a model: cell tables for the trees that fit
/// them (`cells.rs`), per-leaf tables for the rest (`explain.rs`).
#[derive(Debug, Clone)]
struct Contributions {
    cells: CellTables,
    leaves: Explainer,
}

impl Contributions {
    fn new(trees: &[Tree], feature_count: usize) -> Contributions {
        let (cells, residual) = CellTables::new(trees, feature_count);
        let rest: Vec<Tree> = residual.iter().map(|&t| trees[t].clone()).collect();
        Contributions {
            cells,
            leaves: Explainer::new(&rest),
        }
    }
}

fn validate(data: &BoostedTreesData) -> std::result::Result<(), String> {
    if data.format != FORMAT_VERSION {
        return Err(format!(
            "format {} is not supported (expected {FORMAT_VERSION})",
            data.format
        ));
    }
    if data.feature_count == 0 || data.feature_count > u32::MAX as usize {
        return Err(format!(
            "featureCount {} is out of range",
            data.feature_count
        ));
    }
    if !data.base_score.is_finite() {
        return Err("baseScore is not a finite number".to_string());
    }
    if data.base_score.abs() > MAX_LOG_ODDS {
        return Err(format!(
            "baseScore {:e} is beyond ±{MAX_LOG_ODDS:e} log-odds",
            data.base_score
        ));
    }
    for (t, tree) in data.trees.iter().enumerate() {
        validate_tree(tree, data.feature_count).map_err(|e| format!("trees[{t}]: {e}"))?;
    }
    Ok(())
}

fn validate_tree(tree: &Tree, feature_count: usize) -> std::result::Result<(), String> {
    let internal = tree.feature.len();
    for (name, len) in [
        ("threshold", tree.threshold.len()),
        ("missingLeft", tree.missing_left.len()),
        ("left", tree.left.len()),
        ("right", tree.right.len()),
        ("cover", tree.cover.len()),
    ] {
        if len != internal {
            return Err(format!("{name} has {len} entries, feature has {internal}"));
        }
    }
    let leaves = tree.leaf_value.len();
    if leaves != internal + 1 || tree.leaf_cover.len() != leaves {
        return Err(format!(
            "{internal} internal nodes need {} leaves; leafValue has {leaves}, leafCover {}",
            internal + 1,
            tree.leaf_cover.len()
        ));
    }
    if leaves > MAX_LEAVES_LIMIT {
        return Err(format!("{leaves} leaves, more than {MAX_LEAVES_LIMIT}"));
    }
    for (l, (&v, &c)) in tree.leaf_value.iter().zip(&tree.leaf_cover).enumerate() {
        if !(v.is_finite() && c.is_finite() && c > 0.0) {
            return Err(format!(
                "leaf {l}: value {v} and cover {c} must be finite, the cover > 0"
            ));
        }
        if v.abs() > MAX_LOG_ODDS || c > MAX_COVER {
            return Err(format!(
                "leaf {l}: value {v:e} or cover {c:e} is out of range (|value| at most {MAX_LOG_ODDS:e} log-odds, cover at most {MAX_COVER:e})"
            ));
        }
    }
    let mut node_parents = vec![0u32; internal];
    let mut leaf_parents = vec![0u32; leaves];
    let mut depth = vec![0usize; internal];
    for n in 0..internal {
        if tree.feature[n] as usize >= feature_count {
            return Err(format!(
                "node {n}: feature {} is not below featureCount {feature_count}",
                tree.feature[n]
            ));
        }
        if !tree.threshold[n].is_finite() {
            return Err(format!("node {n}: threshold is not a finite number"));
        }
        if !(tree.cover[n].is_finite() && tree.cover[n] > 0.0 && tree.cover[n] <= MAX_COVER) {
            return Err(format!(
                "node {n}: cover must be a number > 0 and at most {MAX_COVER:e}"
            ));
        }
        for c in [tree.left[n], tree.right[n]] {
            match Child::decode(c) {
                Child::Node(k) => {
                    if k <= n || k >= internal {
                        return Err(format!(
                            "node {n}: child node {k} must come after it and exist"
                        ));
                    }
                    node_parents[k] += 1;
                    depth[k] = depth[n] + 1;
                }
                Child::Leaf(l) => {
                    if l >= leaves {
                        return Err(format!("node {n}: child leaf {l} does not exist"));
                    }
                    leaf_parents[l] += 1;
                    if depth[n] + 1 > MAX_DEPTH_LIMIT {
                        return Err(format!("leaf {l} is deeper than {MAX_DEPTH_LIMIT}"));
                    }
                }
            }
        }
        let children = tree.child_cover(Child::decode(tree.left[n]))
            + tree.child_cover(Child::decode(tree.right[n]));
        if (children - tree.cover[n]).abs() > 1e-9 * tree.cover[n] {
            return Err(format!(
                "node {n}: cover {} is not the sum of its children's, {children}",
                tree.cover[n]
            ));
        }
    }
    if let Some(k) = (1..internal).find(|&k| node_parents[k] != 1) {
        return Err(format!(
            "node {k} has {} parents (expected 1)",
            node_parents[k]
        ));
    }
    if internal > 0 {
        if let Some(l) = (0..leaves).find(|&l| leaf_parents[l] != 1) {
            return Err(format!(
                "leaf {l} has {} parents (expected 1)",
                leaf_parents[l]
            ));
        }
    }
    Ok(())
}

impl BoostedTrees {
    pub(crate) fn from_parts(feature_count: usize, base_score: f64, trees: Vec<Tree>) -> Self {
        BoostedTrees {
            feature_count,
            base_score,
            trees,
            explainer: OnceLock::new(),
        }
    }

    /// Read the stored form, validating it; `source` names the file in the error.
    pub fn from_data(data: BoostedTreesData, source: &Path) -> Result<Self> {
        BoostedTrees::try_from(data).map_err(|reason| EngineError::InvalidModel {
            path: source.to_path_buf(),
            reason,
        })
    }

    /// Parse and validate JSON text of the stored form.
    pub fn from_json(text: &str, source: &Path) -> Result<Self> {
        serde_json::from_str::<BoostedTrees>(text).map_err(|e| EngineError::InvalidModel {
            path: source.to_path_buf(),
            reason: e.to_string(),
        })
    }

    /// The stored form as compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a model of finite numbers serialises")
    }

    pub fn feature_count(&self) -> usize {
        self.feature_count
    }

    pub fn base_score(&self) -> f64 {
        self.base_score
    }

    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// The model of the first `rounds` trees (all of them if there are fewer).
    pub fn truncated(&self, rounds: usize) -> BoostedTrees {
        BoostedTrees::from_parts(
            self.feature_count,
            self.base_score,
            self.trees[..rounds.min(self.trees.len())].to_vec(),
        )
    }

    fn check_row(&self, row: &[f64]) -> Result<()> {
        if row.len() != self.feature_count {
            return Err(EngineError::InvalidArgument {
                name: "row".to_string(),
                reason: format!(
                    "{} values for a model of {} features",
                    row.len(),
                    self.feature_count
                ),
            });
        }
        Ok(())
    }

    /// Log-odds of failure for one row (`NaN` = missing).
    pub fn raw_score(&self, row: &[f64]) -> Result<f64> {
        self.check_row(row)?;
        let trees: f64 = self.trees.iter().fold(0.0, |a, t| a + t.predict(row));
        Ok(self.base_score + trees)
    }

    /// Probability of failure for one row.
    pub fn probability(&self, row: &[f64]) -> Result<f64> {
        Ok(1.0 / (1.0 + (-self.raw_score(row)?).exp()))
    }

    /// Log-odds for every row of a matrix, in parallel.
    pub fn raw_scores(&self, rows: &FeatureMatrix) -> Result<Vec<f64>> {
        if rows.cols() != self.feature_count {
            return Err(EngineError::InvalidArgument {
                name: "rows".to_string(),
                reason: format!(
                    "{} features for a model of {}",
                    rows.cols(),
                    self.feature_count
                ),
            });
        }
        Ok((0..rows.rows())
            .into_par_iter()
            .map(|r| {
                let row = rows.row(r);
                self.base_score + self.trees.iter().fold(0.0, |a, t| a + t.predict(row))
            })
            .collect())
    }

    /// The mean raw score over the training cover: the SHAP base value, so
    /// that `expected_value() + Σ contributions = raw score` for every row.
    pub fn expected_value(&self) -> f64 {
        self.base_score + self.trees.iter().fold(0.0, |a, t| a + t.expected_value())
    }

    fn explainer(&self) -> &Contributions {
        self.explainer
            .get_or_init(|| Contributions::new(&self.trees, self.feature_count))
    }

    /// Memory held by the contribution tables (built if not yet).
    pub fn explanation_bytes(&self) -> usize {
        let e = self.explainer();
        e.cells.heap_bytes() + e.leaves.heap_bytes()
    }

    /// How the contribution tables cover the model: groups of trees with
    /// cell tables, and trees left to per-leaf tables.
    pub fn explanation_layout(&self) -> (usize, usize) {
        let e = self.explainer();
        (e.cells.groups(), e.leaves.tree_count())
    }

    /// Build the contribution tables now rather than on the first explained row.
    pub fn prepare_explanations(&self) {
        self.explainer();
    }

    /// Exact path-dependent TreeSHAP values of `row` in log-odds, written to
    /// `out` (one per feature; overwritten). Returns the raw score: `raw_score(row)`
    /// up to rounding (the same leaf values, added in another order).
    pub fn contributions(&self, row: &[f64], out: &mut [f64]) -> Result<f64> {
        self.check_row(row)?;
        if out.len() != self.feature_count {
            return Err(EngineError::InvalidArgument {
                name: "out".to_string(),
                reason: format!(
                    "{} slots for a model of {} features",
                    out.len(),
                    self.feature_count
                ),
            });
        }
        out.fill(0.0);
        let e = self.explainer();
        let grouped = e.cells.contributions(row, out);
        let rest = e.leaves.contributions(row, out);
        Ok(self.base_score + grouped + rest)
    }

    /// The same values by the published O(L·D²) TreeSHAP recursion: the
    /// reference `contributions` is tested against (slower; no tables).
    pub fn contributions_reference(&self, row: &[f64]) -> Result<Vec<f64>> {
        self.check_row(row)?;
        let mut phi = vec![0.0; self.feature_count];
        for tree in &self.trees {
            tree_shap(tree, row, &mut phi);
        }
        Ok(phi)
    }
}
