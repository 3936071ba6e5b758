//! One regression tree, as parallel arrays (the stored form is the same
//! arrays, so a tree costs a handful of JSON arrays, not an object per node).
//!
//! Internal node `0` is the root (a tree with no internal node is a single
//! leaf, leaf 0). A child reference `c >= 0` is internal node `c`; `c < 0`
//! is leaf `!c`. Every child index is greater than its parent's, which the
//! loader checks and which makes cycles impossible.

use serde::{Deserialize, Serialize};

/// A decision tree over raw feature values. At internal node `n`, a row goes
/// left when `x[feature[n]] <= threshold[n]`, and, when that value is missing
/// (`NaN`), to the side learnt for missing values (`missing_left[n]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tree {
    pub feature: Vec<u32>,
    pub threshold: Vec<f64>,
    pub missing_left: Vec<bool>,
    pub left: Vec<i32>,
    pub right: Vec<i32>,
    /// Training weight (rows, or the sum of their weights) through each internal node.
    pub cover: Vec<f64>,
    /// Leaf values in log-odds, learning rate applied.
    pub leaf_value: Vec<f64>,
    /// Training weight reaching each leaf.
    pub leaf_cover: Vec<f64>,
}

/// A decoded child reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Node(usize),
    Leaf(usize),
}

impl Child {
    pub fn decode(c: i32) -> Child {
        if c >= 0 {
            Child::Node(c as usize)
        } else {
            Child::Leaf(!c as usize)
        }
    }

    pub fn encode(self) -> i32 {
        match self {
            Child::Node(n) => n as i32,
            Child::Leaf(l) => !(l as i32),
        }
    }
}

impl Tree {
    pub fn internal_count(&self) -> usize {
        self.feature.len()
    }

    pub fn leaf_count(&self) -> usize {
        self.leaf_value.len()
    }

    /// Whether a row with value `x` at node `n` goes left.
    #[inline]
    pub fn goes_left(&self, n: usize, x: f64) -> bool {
        if x.is_nan() {
            self.missing_left[n]
        } else {
            x <= self.threshold[n]
        }
    }

    /// The leaf `row` reaches.
    #[inline]
    pub fn leaf_of(&self, row: &[f64]) -> usize {
        if self.feature.is_empty() {
            return 0;
        }
        let mut n = 0usize;
        loop {
            let c = if self.goes_left(n, row[self.feature[n] as usize]) {
                self.left[n]
            } else {
                self.right[n]
            };
            if c < 0 {
                return !c as usize;
            }
            n = c as usize;
        }
    }

    pub fn predict(&self, row: &[f64]) -> f64 {
        self.leaf_value[self.leaf_of(row)]
    }

    /// Training weight through the root.
    pub fn root_cover(&self) -> f64 {
        if self.feature.is_empty() {
            self.leaf_cover[0]
        } else {
            self.cover[0]
        }
    }

    /// Cover of a child reference.
    pub fn child_cover(&self, c: Child) -> f64 {
        match c {
            Child::Node(n) => self.cover[n],
            Child::Leaf(l) => self.leaf_cover[l],
        }
    }

    /// The tree's mean value over the training weight: what it adds to the
    /// expected score (the TreeSHAP base value).
    pub fn expected_value(&self) -> f64 {
        let total = self.root_cover();
        self.leaf_value
            .iter()
            .zip(&self.leaf_cover)
            .map(|(v, c)| v * c)
            .sum::<f64>()
            / total
    }
}
