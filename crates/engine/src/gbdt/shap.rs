//! Path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, algorithm 2), as
//! published: O(leaves × depth²) per tree and row. Kept as the oracle the
//! precomputed tables of `explain.rs` are tested against; the model scores
//! contributions with those tables.

use super::tree::{Child, Tree};

#[derive(Debug, Clone, Copy)]
struct PathElement {
    /// `usize::MAX` for the root's placeholder element.
    feature: usize,
    zero: f64,
    one: f64,
    weight: f64,
}

fn extend(path: &mut Vec<PathElement>, zero: f64, one: f64, feature: usize) {
    let l = path.len();
    path.push(PathElement {
        feature,
        zero,
        one,
        weight: if l == 0 { 1.0 } else { 0.0 },
    });
    for i in (0..l).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / (l + 1) as f64;
        path[i].weight = zero * path[i].weight * (l - i) as f64 / (l + 1) as f64;
    }
}

fn unwind(path: &mut Vec<PathElement>, i: usize) {
    let l = path.len();
    let (one, zero) = (path[i].one, path[i].zero);
    let mut next = path[l - 1].weight;
    for j in (0..l - 1).rev() {
        if one != 0.0 {
            let t = path[j].weight;
            path[j].weight = next * l as f64 / ((j + 1) as f64 * one);
            next = t - path[j].weight * zero * (l - j - 1) as f64 / l as f64;
        } else {
            path[j].weight = path[j].weight * l as f64 / (zero * (l - j - 1) as f64);
        }
    }
    for j in i..l - 1 {
        path[j].feature = path[j + 1].feature;
        path[j].zero = path[j + 1].zero;
        path[j].one = path[j + 1].one;
    }
    path.pop();
}

/// Sum of the weights `unwind(path, i)` would leave, without changing `path`.
fn unwound_sum(path: &[PathElement], i: usize) -> f64 {
    let l = path.len();
    let (one, zero) = (path[i].one, path[i].zero);
    let mut next = path[l - 1].weight;
    let mut total = 0.0;
    for j in (0..l - 1).rev() {
        if one != 0.0 {
            let t = next * l as f64 / ((j + 1) as f64 * one);
            total += t;
            next = path[j].weight - t * zero * (l - j - 1) as f64 / l as f64;
        } else {
            total += path[j].weight * l as f64 / (zero * (l - j - 1) as f64);
        }
    }
    total
}

#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &Tree,
    row: &[f64],
    phi: &mut [f64],
    node: Child,
    mut path: Vec<PathElement>,
    zero: f64,
    one: f64,
    feature: usize,
) {
    extend(&mut path, zero, one, feature);
    match node {
        Child::Leaf(l) => {
            let v = tree.leaf_value[l];
            for i in 1..path.len() {
                let w = unwound_sum(&path, i);
                phi[path[i].feature] += w * (path[i].one - path[i].zero) * v;
            }
        }
        Child::Node(n) => {
            let f = tree.feature[n] as usize;
            let (left, right) = (Child::decode(tree.left[n]), Child::decode(tree.right[n]));
            let (hot, cold) = if tree.goes_left(n, row[f]) {
                (left, right)
            } else {
                (right, left)
            };
            let cover = tree.cover[n];
            let (mut iz, mut io) = (1.0, 1.0);
            if let Some(k) = path.iter().position(|e| e.feature == f) {
                iz = path[k].zero;
                io = path[k].one;
                unwind(&mut path, k);
            }
            recurse(
                tree,
                row,
                phi,
                hot,
                path.clone(),
                iz * tree.child_cover(hot) / cover,
                io,
                f,
            );
            recurse(
                tree,
                row,
                phi,
                cold,
                path,
                iz * tree.child_cover(cold) / cover,
                0.0,
                f,
            );
        }
    }
}

/// Add one tree's path-dependent SHAP values for `row` to `phi`.
pub(crate) fn tree_shap(tree: &Tree, row: &[f64], phi: &mut [f64]) {
    let root = if tree.feature.is_empty() {
        Child::Leaf(0)
    } else {
        Child::Node(0)
    };
    recurse(tree, row, phi, root, Vec::new(), 1.0, 1.0, usize::MAX);
}
