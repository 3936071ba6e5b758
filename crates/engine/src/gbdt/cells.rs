//! Exact contributions of small trees from one table lookup per group of trees.
//!
//! A tree's path-dependent SHAP values (and its value) depend on a row only
//! through which side of each of its thresholds the row falls, and whether
//! the tested values are missing: through the row's *cell* in the product of
//! the intervals its thresholds cut on each of its features. So do those of
//! a sum of trees reading the same few features, on the union of their
//! thresholds. Trees are grouped by the features they read (a tree joins a
//! group whose features include its own); each group keeps, per cell, the
//! summed leaf value and the summed contribution of each of its features.
//! Scoring a row finds its interval on every feature the model reads once
//! (a binary search over that feature's thresholds), then reads one table
//! entry per group: the cost no longer grows with the trees' leaves.
//!
//! Trees that read too many features, or whose group would exceed
//! `MAX_CELLS`, are left to the per-leaf tables of `explain.rs`.
//! Cell values are computed once, at build time, by the published
//! recursion (`shap.rs`) on one representative row per cell of each tree.

use super::shap::tree_shap;
use super::tree::Tree;

/// Most features one group reads.
pub(crate) const MAX_GROUP_FEATURES: usize = 4;
/// Most cells one group's table holds.
pub(crate) const MAX_CELLS: usize = 4096;

/// One group: its features and where its maps and table start.
#[derive(Debug, Clone)]
struct Group {
    width: usize,
    /// Index into `CellTables::features` of each of the group's features.
    feature: [u32; MAX_GROUP_FEATURES],
    /// The model feature of each (where its contribution is added).
    target: [u32; MAX_GROUP_FEATURES],
    /// Start in `maps` of each feature's map, indexed by the row's global interval.
    map_start: [u32; MAX_GROUP_FEATURES],
    table_start: u32,
}

/// Tables for the trees that fit in groups, and which trees are left over.
#[derive(Debug, Clone)]
pub(crate) struct CellTables {
    /// The model features any group reads.
    features: Vec<u32>,
    /// Per entry of `features`, its distinct thresholds over all groups, ascending.
    thresholds: Vec<Vec<f64>>,
    /// Ordered by width (stable), so that scoring runs a loop of fixed width per run.
    groups: Vec<Group>,
    /// Per group and feature, for each global interval (0 = missing, 1 + i
    /// = above i of the feature's thresholds), the offset it adds into the
    /// group's table (stride × entry width already applied).
    maps: Vec<u32>,
    /// Per cell of a group: its value, then one contribution per group feature.
    table: Vec<f64>,
    /// The value of trees with no split (they contribute to no feature).
    constant: f64,
}

/// The distinct features a tree splits on, ascending.
fn tree_features(tree: &Tree) -> Vec<u32> {
    let mut f = tree.feature.clone();
    f.sort_unstable();
    f.dedup();
    f
}

/// The thresholds a tree (or trees) tests on feature `f`, ascending and distinct.
fn thresholds_on<'t>(trees: impl Iterator<Item = &'t Tree>, f: u32) -> Vec<f64> {
    let mut t: Vec<f64> = trees
        .flat_map(|tree| {
            tree.feature
                .iter()
                .zip(&tree.threshold)
                .filter(move |(g, _)| **g == f)
                .map(|(_, t)| *t)
        })
        .collect();
    t.sort_unstable_by(f64::total_cmp);
    t.dedup();
    t
}

/// A value inside local interval `k` of `thresholds` (0 = missing).
fn representative(thresholds: &[f64], k: usize) -> f64 {
    match k {
        0 => f64::NAN,
        k if k - 1 < thresholds.len() => thresholds[k - 1],
        _ => f64::INFINITY,
    }
}

/// The interval of `x` among ascending `thresholds` (0 = missing, else
/// 1 + the number of thresholds below `x`): rows go left at `x <= t`.
#[inline(always)]
fn interval(thresholds: &[f64], x: f64) -> usize {
    if x.is_nan() {
        0
    } else {
        1 + thresholds.partition_point(|t| *t < x)
    }
}

fn cells_of(thresholds: &[Vec<f64>]) -> usize {
    thresholds.iter().map(|t| t.len() + 2).product()
}

/// A group being formed: its features and trees.
struct Forming {
    features: Vec<u32>,
    trees: Vec<usize>,
    thresholds: Vec<Vec<f64>>,
}

impl CellTables {
    /// Tables for `trees` (of a model with `feature_count` features), and
    /// the indices of the trees they do not cover, in model order.
    pub fn new(trees: &[Tree], feature_count: usize) -> (CellTables, Vec<usize>) {
        let sets: Vec<Vec<u32>> = trees.iter().map(tree_features).collect();
        let mut constant = 0.0;
        let mut residual = Vec::new();
        // Widest trees first, so narrower ones can join their groups.
        let mut order: Vec<usize> = (0..trees.len()).collect();
        order.sort_by_key(|&t| (std::cmp::Reverse(sets[t].len()), t));
        let mut forming: Vec<Forming> = Vec::new();
        for &t in &order {
            let set = &sets[t];
            if set.is_empty() {
                constant += trees[t].leaf_value[0];
                continue;
            }
            if set.len() > MAX_GROUP_FEATURES {
                residual.push(t);
                continue;
            }
            // The group (whose features include the tree's) that stays
            // smallest with it, if any stays within MAX_CELLS.
            let mut pick: Option<(usize, Vec<Vec<f64>>, usize)> = None;
            for (g, group) in forming.iter().enumerate() {
                if !set.iter().all(|f| group.features.contains(f)) {
                    continue;
                }
                let merged: Vec<Vec<f64>> = group
                    .features
                    .iter()
                    .zip(&group.thresholds)
                    .map(|(&f, existing)| {
                        let mut m = existing.clone();
                        m.extend(thresholds_on(std::iter::once(&trees[t]), f));
                        m.sort_unstable_by(f64::total_cmp);
                        m.dedup();
                        m
                    })
                    .collect();
                let cells = cells_of(&merged);
                if cells <= MAX_CELLS && pick.as_ref().is_none_or(|p| cells < p.2) {
                    pick = Some((g, merged, cells));
                }
            }
            match pick {
                Some((g, merged, _)) => {
                    forming[g].thresholds = merged;
                    forming[g].trees.push(t);
                }
                None => {
                    let thresholds: Vec<Vec<f64>> = set
                        .iter()
                        .map(|&f| thresholds_on(std::iter::once(&trees[t]), f))
                        .collect();
                    if cells_of(&thresholds) <= MAX_CELLS {
                        forming.push(Forming {
                            features: set.clone(),
                            trees: vec![t],
                            thresholds,
                        });
                    } else {
                        residual.push(t);
                    }
                }
            }
        }
        residual.sort_unstable();

        let mut features: Vec<u32> = forming
            .iter()
            .flat_map(|g| g.features.iter().copied())
            .collect();
        features.sort_unstable();
        features.dedup();
        let thresholds: Vec<Vec<f64>> = features
            .iter()
            .map(|&f| {
                let mut all: Vec<f64> = forming
                    .iter()
                    .flat_map(|g| {
                        g.features
                            .iter()
                            .zip(&g.thresholds)
                            .filter(|(h, _)| **h == f)
                            .flat_map(|(_, t)| t.iter().copied())
                    })
                    .collect();
                all.sort_unstable_by(f64::total_cmp);
                all.dedup();
                all
            })
            .collect();

        let mut out = CellTables {
            features,
            thresholds,
            groups: Vec::with_capacity(forming.len()),
            maps: Vec::new(),
            table: Vec::new(),
            constant,
        };
        let mut row = vec![f64::NAN; feature_count];
        let mut phi = vec![0.0; feature_count];
        for g in &forming {
            let width = g.features.len();
            let entry = width + 1;
            let sizes: Vec<usize> = g.thresholds.iter().map(|t| t.len() + 2).collect();
            // Row-major strides: the last feature varies fastest.
            let mut strides = vec![1usize; width];
            for j in (0..width.saturating_sub(1)).rev() {
                strides[j] = strides[j + 1] * sizes[j + 1];
            }
            let cells: usize = sizes.iter().product();
            let mut group = Group {
                width,
                feature: [0; MAX_GROUP_FEATURES],
                target: [0; MAX_GROUP_FEATURES],
                map_start: [0; MAX_GROUP_FEATURES],
                table_start: out.table.len() as u32,
            };
            for (j, &f) in g.features.iter().enumerate() {
                let k = out
                    .features
                    .binary_search(&f)
                    .expect("a group feature is listed");
                group.feature[j] = k as u32;
                group.target[j] = f;
                group.map_start[j] = out.maps.len() as u32;
                let global = &out.thresholds[k];
                for gk in 0..global.len() + 2 {
                    let local = interval(&g.thresholds[j], representative(global, gk));
                    out.maps.push((local * strides[j] * entry) as u32);
                }
            }
            let mut table = vec![0.0; cells * entry];
            for cell in 0..cells {
                for j in 0..width {
                    let k = cell / strides[j] % sizes[j];
                    row[g.features[j] as usize] = representative(&g.thresholds[j], k);
                }
                let at = cell * entry;
                for &t in &g.trees {
                    let tree = &trees[t];
                    table[at] += tree.predict(&row);
                    for j in 0..width {
                        phi[g.features[j] as usize] = 0.0;
                    }
                    tree_shap(tree, &row, &mut phi);
                    for j in 0..width {
                        table[at + 1 + j] += phi[g.features[j] as usize];
                    }
                }
            }
            for &f in &g.features {
                row[f as usize] = f64::NAN;
            }
            out.table.extend_from_slice(&table);
            out.groups.push(group);
        }
        out.groups.sort_by_key(|g| g.width);
        (out, residual)
    }

    pub fn heap_bytes(&self) -> usize {
        self.features.len() * 4
            + self.thresholds.iter().map(|t| t.len() * 8).sum::<usize>()
            + self.groups.len() * std::mem::size_of::<Group>()
            + self.maps.len() * 4
            + self.table.len() * 8
    }

    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Add the grouped trees' contributions for `row` to `phi`; returns the
    /// sum of their values.
    pub fn contributions(&self, row: &[f64], phi: &mut [f64]) -> f64 {
        const STACK: usize = 64;
        let mut stack = [0u32; STACK];
        let mut heap = Vec::new();
        let intervals: &mut [u32] = if self.features.len() <= STACK {
            &mut stack[..self.features.len()]
        } else {
            heap.resize(self.features.len(), 0);
            &mut heap
        };
        for ((slot, &f), t) in intervals
            .iter_mut()
            .zip(&self.features)
            .zip(&self.thresholds)
        {
            *slot = interval(t, row[f as usize]) as u32;
        }
        let mut raw = self.constant;
        let mut rest = &self.groups[..];
        while let Some(first) = rest.first() {
            let run = rest
                .iter()
                .position(|g| g.width != first.width)
                .unwrap_or(rest.len());
            let (same, next) = rest.split_at(run);
            raw += match first.width {
                1 => self.add_groups::<1>(same, intervals, phi),
                2 => self.add_groups::<2>(same, intervals, phi),
                3 => self.add_groups::<3>(same, intervals, phi),
                _ => self.add_groups::<MAX_GROUP_FEATURES>(same, intervals, phi),
            };
            rest = next;
        }
        raw
    }

    /// `contributions` for groups of `W` features (a fixed width unrolls the loops).
    #[inline(always)]
    fn add_groups<const W: usize>(
        &self,
        groups: &[Group],
        intervals: &[u32],
        phi: &mut [f64],
    ) -> f64 {
        let mut raw = 0.0;
        for g in groups {
            let mut at = g.table_start as usize;
            for j in 0..W {
                at += self.maps[g.map_start[j] as usize + intervals[g.feature[j] as usize] as usize]
                    as usize;
            }
            let entry = &self.table[at..at + 1 + W];
            raw += entry[0];
            for j in 0..W {
                phi[g.target[j] as usize] += entry[1 + j];
            }
        }
        raw
    }
}
