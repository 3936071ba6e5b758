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

/// One leaf. Bit `k` of the masks is the tree's internal node `k`.
#[derive(Debug, Clone)]
struct LeafTable {
    value: f64,
    /// The internal nodes on the root-to-leaf path.
    path_mask: u64,
    /// Of those, the ones where the path goes left.
    left_mask: u64,
    /// Range into `slot_*`: one slot per distinct feature on the path (D).
    slot_start: u32,
    slots: u32,
    /// Start of this leaf's 2^D entries of `table` (−v·T(Q)).
    table_start: u32,
}

#[derive(Debug, Clone, Copy)]
struct TreeRange {
    node_start: u32,
    nodes: u32,
    leaf_start: u32,
    leaves: u32,
}

/// Tables for every tree of a model, in flat arrays read in order.
#[derive(Debug, Clone)]
pub(crate) struct Explainer {
    trees: Vec<TreeRange>,
    node_feature: Vec<u32>,
    node_threshold: Vec<f64>,
    node_missing_left: Vec<bool>,
    leaves: Vec<LeafTable>,
    slot_feature: Vec<u32>,
    /// The path nodes testing the slot's feature.
    slot_nodes: Vec<u64>,
    /// −(1 − z)/z: times −v·T(M∖{i}) gives φ_i of a satisfied slot.
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
    /// Tables for `trees`; each has at most 64 internal nodes (the loader and
    /// the learner both cap leaves at `MAX_LEAVES_LIMIT` = 64).
    pub fn new(trees: &[Tree]) -> Explainer {
        let mut ex = Explainer {
            trees: Vec::with_capacity(trees.len()),
            node_feature: vec![],
            node_threshold: vec![],
            node_missing_left: vec![],
            leaves: vec![],
            slot_feature: vec![],
            slot_nodes: vec![],
            slot_coef: vec![],
            table: vec![],
        };
        for tree in trees {
            assert!(tree.internal_count() <= 64, "trees are capped at 64 leaves");
            let range = TreeRange {
                node_start: ex.node_feature.len() as u32,
                nodes: tree.internal_count() as u32,
                leaf_start: ex.leaves.len() as u32,
                leaves: tree.leaf_count() as u32,
            };
            ex.node_feature.extend_from_slice(&tree.feature);
            ex.node_threshold.extend_from_slice(&tree.threshold);
            ex.node_missing_left.extend_from_slice(&tree.missing_left);
            let mut leaves: Vec<Option<LeafTable>> = vec![None; tree.leaf_count()];
            // Depth-first walk carrying the path (node, went left) from the root.
            let mut stack: Vec<(Child, Vec<(usize, bool)>)> = vec![(
                if tree.feature.is_empty() {
                    Child::Leaf(0)
                } else {
                    Child::Node(0)
                },
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
                        let (mut path_mask, mut left_mask) = (0u64, 0u64);
                        let mut features: Vec<u32> = vec![];
                        let mut nodes: Vec<u64> = vec![];
                        let mut z: Vec<f64> = vec![];
                        for &(n, went_left) in &path {
                            path_mask |= 1 << n;
                            if went_left {
                                left_mask |= 1 << n;
                            }
                            let f = tree.feature[n];
                            let child = Child::decode(if went_left {
                                tree.left[n]
                            } else {
                                tree.right[n]
                            });
                            let share = tree.child_cover(child) / tree.cover[n];
                            match features.iter().position(|&g| g == f) {
                                Some(s) => {
                                    z[s] *= share;
                                    nodes[s] |= 1 << n;
                                }
                                None => {
                                    features.push(f);
                                    z.push(share);
                                    nodes.push(1 << n);
                                }
                            }
                        }
                        let value = tree.leaf_value[leaf];
                        let slot_start = ex.slot_feature.len() as u32;
                        ex.slot_feature.extend_from_slice(&features);
                        ex.slot_nodes.extend_from_slice(&nodes);
                        ex.slot_coef.extend(z.iter().map(|&zj| -(1.0 - zj) / zj));
                        let table_start = ex.table.len() as u32;
                        ex.table.extend(subset_table(&z).iter().map(|t| -value * t));
                        leaves[leaf] = Some(LeafTable {
                            value,
                            path_mask,
                            left_mask,
                            slot_start,
                            slots: features.len() as u32,
                            table_start,
                        });
                    }
                }
            }
            ex.leaves.extend(
                leaves
                    .into_iter()
                    .map(|l| l.expect("every leaf is reached")),
            );
            ex.trees.push(range);
        }
        ex
    }

    pub fn tree_count(&self) -> usize {
        self.trees.len()
    }

    /// Bytes of heap the tables use.
    pub fn heap_bytes(&self) -> usize {
        self.trees.len() * std::mem::size_of::<TreeRange>()
            + self.node_feature.len() * 13
            + self.leaves.len() * std::mem::size_of::<LeafTable>()
            + self.slot_feature.len() * 20
            + self.table.len() * 8
    }

    /// Add every tree's contributions for `row` to `phi`; returns the sum of
    /// the leaves the row reaches (the raw score less the base score).
    pub fn contributions(&self, row: &[f64], phi: &mut [f64]) -> f64 {
        let mut raw = 0.0;
        for t in &self.trees {
            // Bit k: the row goes left at internal node k.
            let mut went_left = 0u64;
            let n0 = t.node_start as usize;
            for k in 0..t.nodes as usize {
                let x = row[self.node_feature[n0 + k] as usize];
                let left = (x <= self.node_threshold[n0 + k])
                    | (x.is_nan() & self.node_missing_left[n0 + k]);
                went_left |= (left as u64) << k;
            }
            let l0 = t.leaf_start as usize;
            for leaf in &self.leaves[l0..l0 + t.leaves as usize] {
                // Path nodes where the row takes the path's branch.
                let agree = !(went_left ^ leaf.left_mask) & leaf.path_mask;
                if agree == leaf.path_mask {
                    raw += leaf.value;
                }
                let (s0, d) = (leaf.slot_start as usize, leaf.slots as usize);
                let nodes = &self.slot_nodes[s0..s0 + d];
                let mut m = 0usize;
                for (s, &mask) in nodes.iter().enumerate() {
                    m |= (((agree & mask) == mask) as usize) << s;
                }
                let table =
                    &self.table[leaf.table_start as usize..leaf.table_start as usize + (1 << d)];
                let unsatisfied = table[m].to_bits();
                let features = &self.slot_feature[s0..s0 + d];
                let coefs = &self.slot_coef[s0..s0 + d];
                for s in 0..d {
                    let satisfied = (coefs[s] * table[m ^ (1 << s)]).to_bits();
                    // Select without a branch: the bit is as likely 0 as 1.
                    let keep = 0u64.wrapping_sub((m >> s & 1) as u64);
                    phi[features[s] as usize] +=
                        f64::from_bits((satisfied & keep) | (unsatisfied & !keep));
                }
            }
        }
        raw
    }
}
