//! Exact path-dependent TreeSHAP from tables built once per model.
//!
//! For a leaf with value `v` whose path tests D distinct features, with
//! `z_j` the share of training cover kept by the path's branch(es) on
//! feature `j`, the conditional expectation given a coalition `S` is
//! `v · Π_{j∈S} o_j · Π_{j∉S} z_j`, where `o_j` is 1 when the row takes the
//! path's branch(es) on `j` and 0 otherwise. Its Shapley values depend on the
//! row only through `M`, the set of path features the row agrees with:
//!
//! ```text
//! T(Q)  = Σ_{S ⊆ Q} |S|! (D−|S|−1)! / D! · Π_{j ∉ S} z_j
//! φ_i   = v (1 − z_i) / z_i · T(M \ {i})     for i ∈ M
//! φ_i   = −v · T(M)                          for i ∉ M
//! ```
//!
//! (Fast TreeSHAP v2's idea: precompute per leaf what depends only on the
//! pattern of satisfied tests.) `T` has 2^D entries per leaf, built at load
//! time; scoring a row costs one pass over the leaves' paths. The published
//! O(L·D²) algorithm in `shap.rs` is the test oracle.

use super::tree::{Child, Tree};

#[derive(Debug, Clone)]
struct LeafTable {
    value: f64,
    /// Range into `path_node` / `path_left` / `path_slot`.
    path_start: u32,
    path_len: u16,
    /// Range into `slot_feature` / `slot_coef`; `slots` = D.
    slot_start: u32,
    slots: u16,
    /// Start of this leaf's 2^D entries of `table`.
    table_start: u32,
}

#[derive(Debug, Clone)]
struct TreeTables {
    feature: Vec<u32>,
    threshold: Vec<f64>,
    missing_left: Vec<bool>,
    leaves: Vec<LeafTable>,
}

/// Tables for every tree of a model.
#[derive(Debug, Clone)]
pub(crate) struct Explainer {
    trees: Vec<TreeTables>,
    max_internal: usize,
    path_node: Vec<u16>,
    path_left: Vec<bool>,
    path_slot: Vec<u8>,
    slot_feature: Vec<u32>,
    slot_coef: Vec<f64>,
    table: Vec<f64>,
}

/// `T(Q)` for every `Q ⊆ {0..D}` (bit `j` of the index = slot `j` in `Q`).
fn subset_table(z: &[f64]) -> Vec<f64> {
    let d = z.len();
    if d == 0 {
        return vec![0.0];
    }
    // Shapley weights w(s) = s! (D-s-1)! / D!, built by ratios to stay exact-ish.
    let mut w = vec![0.0; d];
    w[0] = 1.0 / d as f64;
    for s in 1..d {
        w[s] = w[s - 1] * s as f64 / (d - s) as f64;
    }
    let mut out = vec![0.0; 1 << d];
    let mut e = vec![0.0; d + 1];
    for (q, slot) in out.iter_mut().enumerate() {
        // Elementary symmetric polynomials of the z's in Q, and Π z outside Q.
        e.fill(0.0);
        e[0] = 1.0;
        let mut size = 0;
        let mut outside = 1.0;
        for (j, &zj) in z.iter().enumerate() {
            if q >> j & 1 == 1 {
                size += 1;
                for k in (1..=size).rev() {
                    e[k] += zj * e[k - 1];
                }
            } else {
                outside *= zj;
            }
        }
        // Σ_{S⊆Q, |S|=k} Π_{j∈Q\S} z_j = e_{|Q|-k}. Coalitions exclude the
        // explained feature, so |S| < D (T of the full set is never read).
        let inner: f64 = (0..=size.min(d - 1)).map(|k| w[k] * e[size - k]).sum();
        *slot = outside * inner;
    }
    out
}

impl Explainer {
    pub fn new(trees: &[Tree]) -> Explainer {
        let mut ex = Explainer {
            trees: Vec::with_capacity(trees.len()),
            max_internal: 0,
            path_node: vec![],
            path_left: vec![],
            path_slot: vec![],
            slot_feature: vec![],
            slot_coef: vec![],
            table: vec![],
        };
        for tree in trees {
            ex.max_internal = ex.max_internal.max(tree.internal_count());
            let mut leaves: Vec<Option<LeafTable>> = vec![None; tree.leaf_count()];
            // Depth-first walk carrying the path (node, went left) from the root.
            let mut stack: Vec<(Child, Vec<(usize, bool)>)> = vec![(
                if tree.feature.is_empty() { Child::Leaf(0) } else { Child::Node(0) },
                vec![],
            )];
            while let Some((node, path)) = stack.pop() {
                match node {
                    Child::Node(n) => {
                        let mut l = path.clone();
                        l.push((n, true));
                        let mut r = path;
                        r.push((n, false));
                        stack.push((Child::decode(tree.left[n]), l));
                        stack.push((Child::decode(tree.right[n]), r));
                    }
                    Child::Leaf(leaf) => {
                        let mut slot_features: Vec<u32> = vec![];
                        let mut z: Vec<f64> = vec![];
                        let path_start = ex.path_node.len() as u32;
                        for &(n, went_left) in &path {
                            let f = tree.feature[n];
                            let child = Child::decode(if went_left { tree.left[n] } else { tree.right[n] });
                            let share = tree.child_cover(child) / tree.cover[n];
                            let slot = match slot_features.iter().position(|&g| g == f) {
                                Some(s) => {
                                    z[s] *= share;
                                    s
                                }
                                None => {
                                    slot_features.push(f);
                                    z.push(share);
                                    slot_features.len() - 1
                                }
                            };
                            ex.path_node.push(n as u16);
                            ex.path_left.push(went_left);
                            ex.path_slot.push(slot as u8);
                        }
                        let value = tree.leaf_value[leaf];
                        let slot_start = ex.slot_feature.len() as u32;
                        ex.slot_feature.extend_from_slice(&slot_features);
                        ex.slot_coef.extend(z.iter().map(|&zj| value * (1.0 - zj) / zj));
                        let table_start = ex.table.len() as u32;
                        ex.table.extend(subset_table(&z));
                        leaves[leaf] = Some(LeafTable {
                            value,
                            path_start,
                            path_len: path.len() as u16,
                            slot_start,
                            slots: slot_features.len() as u16,
                            table_start,
                        });
                    }
                }
            }
            ex.trees.push(TreeTables {
                feature: tree.feature.clone(),
                threshold: tree.threshold.clone(),
                missing_left: tree.missing_left.clone(),
                leaves: leaves.into_iter().map(|l| l.expect("every leaf is reached")).collect(),
            });
        }
        ex
    }

    /// Add every tree's contributions for `row` to `phi`; returns the sum of
    /// the leaves the row reaches (the raw score less the base score).
    pub fn contributions(&self, row: &[f64], phi: &mut [f64]) -> f64 {
        let mut went_left = vec![false; self.max_internal];
        let mut raw = 0.0;
        for t in &self.trees {
            for (n, out) in went_left.iter_mut().enumerate().take(t.feature.len()) {
                let x = row[t.feature[n] as usize];
                *out = if x.is_nan() { t.missing_left[n] } else { x <= t.threshold[n] };
            }
            for leaf in &t.leaves {
                let d = leaf.slots as usize;
                let full = (1usize << d) - 1;
                let mut m = full;
                let p0 = leaf.path_start as usize;
                for k in p0..p0 + leaf.path_len as usize {
                    if went_left[self.path_node[k] as usize] != self.path_left[k] {
                        m &= !(1usize << self.path_slot[k]);
                    }
                }
                if m == full {
                    raw += leaf.value;
                }
                let table = &self.table[leaf.table_start as usize..];
                let unsatisfied = -leaf.value * table[m];
                let s0 = leaf.slot_start as usize;
                for s in 0..d {
                    let f = self.slot_feature[s0 + s] as usize;
                    phi[f] += if m >> s & 1 == 1 {
                        self.slot_coef[s0 + s] * table[m ^ (1 << s)]
                    } else {
                        unsatisfied
                    };
                }
            }
        }
        raw
    }
}
