//! Growing one tree on binned rows: gradient histograms (built for the
//! smaller child, the larger one by subtraction from its parent), the best
//! split per leaf with a learnt side for missing values, monotone bounds,
//! and leaf-wise growth (always split the leaf whose best split gains most).
//!
//! Results do not depend on the thread count: each feature's histogram is
//! summed by one thread, over the leaf's rows in their (stable) order, so
//! parallelism only decides which thread sums which feature.

use rayon::prelude::*;

use super::binning::BinnedMatrix;
use super::params::BoostParams;
use super::tree::{Child, Tree};

/// One histogram bin: sums of gradients and hessians, one 16-byte add per
/// row. Row counts are not summed per bin: the split search estimates them
/// from hessians (rows ≈ hessian × the leaf's rows per unit of hessian), as
/// LightGBM does; the children's true counts are known once rows are
/// partitioned.
pub(crate) type Cell = [f64; 2];

/// `cell += add`, lane by lane: the histogram's inner loop, written with
/// 128-bit vector adds where the target has them (the sums, and so the
/// model, are the same either way).
#[inline(always)]
fn add_cell(cell: &mut Cell, add: &Cell) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86_64 baseline; both pointers are to
    // valid, distinct [f64; 2] (unaligned loads and stores).
    unsafe {
        use std::arch::x86_64::*;
        let c = cell.as_mut_ptr();
        _mm_storeu_pd(c, _mm_add_pd(_mm_loadu_pd(c), _mm_loadu_pd(add.as_ptr())));
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: NEON is part of the aarch64 baseline; as above.
    unsafe {
        use std::arch::aarch64::*;
        let c = cell.as_mut_ptr();
        vst1q_f64(c, vaddq_f64(vld1q_f64(c), vld1q_f64(add.as_ptr())));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        cell[0] += add[0];
        cell[1] += add[1];
    }
}

/// Gradient, hessian and row count of a set of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Stats {
    pub g: f64,
    pub h: f64,
    pub n: f64,
}

impl Stats {
    /// A bin's sums, its row count estimated at `rows_per_hessian`.
    fn of(c: &Cell, rows_per_hessian: f64) -> Stats {
        Stats {
            g: c[0],
            h: c[1],
            n: c[1] * rows_per_hessian,
        }
    }
    fn plus(self, o: Stats) -> Stats {
        Stats {
            g: self.g + o.g,
            h: self.h + o.h,
            n: self.n + o.n,
        }
    }
}

/// What one tree may do: the fit's limits, and this round's constraints.
pub(crate) struct GrowParams<'a> {
    pub boost: &'a BoostParams,
    /// Per feature: +1 the score may only rise with it, -1 only fall, 0 free.
    pub monotone: &'a [i8],
    /// Per feature: whether this tree may split on it (feature subsampling).
    pub allowed: &'a [bool],
}

/// A grown tree, with what the booster needs to update training scores.
pub(crate) struct GrownTree {
    pub tree: Tree,
    /// The bin threshold of each internal node ("bin <= t" goes left).
    pub node_bin: Vec<u8>,
    /// Each leaf's rows, as a range of `Grower::rows()`.
    pub leaf_ranges: Vec<(usize, usize)>,
}

impl GrownTree {
    /// Call `f(leaf, row)` for every row the tree was grown on, leaf by
    /// leaf; `rows` is `Grower::rows()` right after this tree.
    pub fn for_each_leaf_row(&self, rows: &[u32], mut f: impl FnMut(usize, u32)) {
        for (leaf, &(start, end)) in self.leaf_ranges.iter().enumerate() {
            for &r in &rows[start..end] {
                f(leaf, r);
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Split {
    feature: usize,
    bin: usize,
    missing_left: bool,
    gain: f64,
    left: Stats,
    right: Stats,
    left_value: f64,
    right_value: f64,
}

struct Leaf {
    start: usize,
    end: usize,
    depth: usize,
    hist: Option<Vec<Cell>>,
    sums: Stats,
    /// Unshrunk leaf value, within [lo, hi].
    value: f64,
    lo: f64,
    hi: f64,
    best: Option<Split>,
    /// The internal node and side this leaf hangs from.
    parent: Option<(usize, bool)>,
}

fn leaf_weight(s: Stats, lambda: f64, lo: f64, hi: f64) -> f64 {
    let d = s.h + lambda;
    let w = if d > 0.0 { -s.g / d } else { 0.0 };
    w.clamp(lo, hi)
}

/// The regularised second-order loss of a leaf holding `s` at value `w`.
fn leaf_loss(s: Stats, w: f64, lambda: f64) -> f64 {
    s.g * w + 0.5 * (s.h + lambda) * w * w
}

/// Rows per histogram chunk. A leaf's rows are cut into chunks of this many
/// (a fixed size, so sums do not depend on the thread count); each chunk is
/// summed over all features in one pass, chunks in parallel, and the
/// chunks' histograms are added in chunk order. One pass per chunk reads a
/// row's gradient and bins once. 8,192 rows keep the extra histograms
/// (zeroed and added) small beside the rows' own traffic, and give the
/// mid-sized leaves of a large fit enough chunks to keep both cores busy:
/// the 1M x 25 fit of benchmark/gbdt.js on 2 threads took 13.0-13.3 s
/// against 15.2-15.5 s with 32,768-row chunks (4,096: 13.8 s).
const HIST_CHUNK_ROWS: usize = 8 * 1024;

/// How many rows ahead `sum_rows` asks for a row's bins and gradient. A
/// leaf's rows are ascending but scattered over the whole matrix, so each
/// one is a cache miss the hardware prefetcher cannot predict, and a row's
/// 25 or so histogram adds fill the reorder window before the next row's
/// loads issue: without the hint, the 1M x 25 fit of benchmark/gbdt.js
/// spent 149 ns per row in leaves of 10k-100k rows (21 ns at the root, whose
/// rows are consecutive), and with it 32 ns. 8 rows ahead was slower, 32 no
/// better.
const PREFETCH_AHEAD: usize = 16;

/// A hint to bring the cache line holding `p` close; it never faults, so
/// any address may be given.
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing architecturally and cannot fault.
    unsafe {
        use std::arch::x86_64::*;
        _mm_prefetch(p as *const i8, _MM_HINT_T0);
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above; PRFM is a hint.
    unsafe {
        std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) p, options(nostack, preserves_flags, readonly));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = p;
}

/// Add the (gradient, hessian) of `rows` into `hist`, every feature in one
/// pass over the rows.
fn sum_rows(data: &BinnedMatrix, rows: &[u32], gh: &[[f64; 2]], hist: &mut [Cell]) {
    let cols = data.cols;
    let offsets = &data.offsets[..cols];
    for (i, &r) in rows.iter().enumerate() {
        if let Some(&q) = rows.get(i + PREFETCH_AHEAD) {
            // A row's bins may straddle two cache lines.
            prefetch(data.bins.as_ptr().wrapping_add(q as usize * cols));
            prefetch(
                data.bins
                    .as_ptr()
                    .wrapping_add(q as usize * cols + cols - 1),
            );
            prefetch(gh.as_ptr().wrapping_add(q as usize) as *const u8);
        }
        let add = gh[r as usize];
        let at = r as usize * cols;
        let row_bins = &data.bins[at..at + cols];
        for (&start, &b) in offsets.iter().zip(row_bins) {
            debug_assert!(start + (b as usize) < hist.len());
            // SAFETY: a feature's bins are below its bin count by
            // construction (`bin_of`), and `offsets` holds each feature's
            // start in the histogram, which has `offsets[cols]` cells.
            add_cell(unsafe { hist.get_unchecked_mut(start + b as usize) }, &add);
        }
    }
}

/// Reusable buffers for growing trees on one binned matrix.
pub(crate) struct Grower<'a> {
    data: &'a BinnedMatrix,
    rows: Vec<u32>,
    scratch: Vec<u32>,
    /// Histograms of a leaf's second and later chunks (`build_hist`).
    chunk_hists: Vec<Vec<Cell>>,
    free_hists: Vec<Vec<Cell>>,
}

impl<'a> Grower<'a> {
    pub fn new(data: &'a BinnedMatrix) -> Self {
        Grower {
            data,
            rows: Vec::new(),
            scratch: Vec::new(),
            chunk_hists: Vec::new(),
            free_hists: Vec::new(),
        }
    }

    /// The row order of the last grown tree (leaf ranges index into it).
    pub fn rows(&self) -> &[u32] {
        &self.rows
    }

    fn take_hist(&mut self) -> Vec<Cell> {
        self.free_hists
            .pop()
            .unwrap_or_else(|| vec![[0.0; 2]; self.data.offsets[self.data.cols]])
    }

    /// Sum gradients into `hist` over `rows[start..end]`.
    fn build_hist(&mut self, start: usize, end: usize, gh: &[[f64; 2]], hist: &mut [Cell]) {
        let data = self.data;
        let rows = &self.rows[start..end];
        hist.fill([0.0; 2]);
        let chunks = rows.len().div_ceil(HIST_CHUNK_ROWS).max(1);
        if chunks == 1 {
            sum_rows(data, rows, gh, hist);
            return;
        }
        let cells = hist.len();
        while self.chunk_hists.len() < chunks - 1 {
            self.chunk_hists.push(vec![[0.0; 2]; cells]);
        }
        let (first, rest) = rows.split_at(HIST_CHUNK_ROWS);
        let extra = &mut self.chunk_hists[..chunks - 1];
        rayon::join(
            || sum_rows(data, first, gh, hist),
            || {
                extra
                    .par_iter_mut()
                    .zip(rest.par_chunks(HIST_CHUNK_ROWS))
                    .for_each(|(h, chunk)| {
                        h.fill([0.0; 2]);
                        sum_rows(data, chunk, gh, h);
                    })
            },
        );
        // In chunk order, so the sums are the same on any number of threads.
        for h in extra.iter() {
            for (c, add) in hist.iter_mut().zip(h) {
                add_cell(c, add);
            }
        }
    }

    /// Stable partition of `rows[start..end]`: rows going left first. Returns the boundary.
    fn partition(&mut self, start: usize, end: usize, split: &Split) -> usize {
        let column = &self.data.columns
            [split.feature * self.data.rows..(split.feature + 1) * self.data.rows];
        // Branch-free: every row is written to both sides, and only the
        // side it belongs to advances (the decision is a coin flip to the CPU).
        self.scratch.resize(end - start, 0);
        let (mut l, mut k) = (start, 0usize);
        let (bin, missing_left) = (split.bin as u8, split.missing_left);
        for i in start..end {
            let r = self.rows[i];
            let b = column[r as usize];
            let left = (b != 0 && b <= bin) | (b == 0 && missing_left);
            self.rows[l] = r;
            self.scratch[k] = r;
            l += left as usize;
            k += !left as usize;
        }
        self.rows[l..end].copy_from_slice(&self.scratch[..k]);
        l
    }

    /// The best split of `leaf`; with `only`, on those features alone (the
    /// tree's features once it uses `max_tree_features` of them).
    fn best_split(
        &self,
        leaf: &Leaf,
        hist: &[Cell],
        p: &GrowParams,
        only: Option<&[usize]>,
    ) -> Option<Split> {
        if leaf.depth >= p.boost.max_depth
            || ((leaf.end - leaf.start) as f64) < 2.0 * p.boost.min_samples_leaf as f64
        {
            return None;
        }
        if leaf.sums.h <= 0.0 {
            return None;
        }
        let rows_per_hessian = (leaf.end - leaf.start) as f64 / leaf.sums.h;
        // "At least min_samples_leaf rows" as a hessian bound (rows are
        // estimated from hessians), merged with min_hessian_leaf.
        let min_h = p
            .boost
            .min_hessian_leaf
            .max(p.boost.min_samples_leaf as f64 / rows_per_hessian);
        let parent_loss = leaf_loss(leaf.sums, leaf.value, p.boost.lambda);
        let bounded = leaf.lo > f64::NEG_INFINITY || leaf.hi < f64::INFINITY;
        let lambda = p.boost.lambda;
        // (gain, feature, threshold bin, missing goes left)
        let mut best: Option<(f64, usize, usize, bool)> = None;
        for f in 0..self.data.cols {
            if !p.allowed[f] || only.is_some_and(|o| !o.contains(&f)) {
                continue;
            }
            let bins = &hist[self.data.offsets[f]..self.data.offsets[f + 1]];
            if bins.len() < 3 {
                continue;
            }
            let [gm, hm] = bins[0];
            let (mut gp, mut hp) = (0.0, 0.0);
            for b in &bins[1..] {
                gp += b[0];
                hp += b[1];
            }
            let has_missing = hm > 0.0;
            let free = !bounded && p.monotone[f] == 0;
            let (mut gl, mut hl) = (0.0, 0.0);
            for (t, bin) in bins.iter().enumerate().take(bins.len() - 1).skip(1) {
                if bin[1] == 0.0 && t > 1 {
                    continue; // an empty bin: the same split as the threshold before
                }
                gl += bin[0];
                hl += bin[1];
                let (gr, hr) = (gp - gl, hp - hl);
                // Missing rows to the left, then to the right; without
                // missing rows here, one candidate whose missing side is the
                // one holding more rows.
                let candidates = if has_missing {
                    [
                        (gl + gm, hl + hm, gr, hr, true),
                        (gl, hl, gr + gm, hr + hm, false),
                    ]
                } else {
                    [(gl, hl, gr, hr, hl >= hr); 2]
                };
                for &(gl, hl, gr, hr, missing_left) in
                    &candidates[..if has_missing { 2 } else { 1 }]
                {
                    if hl < min_h || hr < min_h || hl + lambda <= 0.0 || hr + lambda <= 0.0 {
                        continue;
                    }
                    let gain = if free {
                        parent_loss + 0.5 * (gl * gl / (hl + lambda) + gr * gr / (hr + lambda))
                    } else {
                        let (l, r) = (
                            Stats {
                                g: gl,
                                h: hl,
                                n: 0.0,
                            },
                            Stats {
                                g: gr,
                                h: hr,
                                n: 0.0,
                            },
                        );
                        let wl = leaf_weight(l, lambda, leaf.lo, leaf.hi);
                        let wr = leaf_weight(r, lambda, leaf.lo, leaf.hi);
                        match p.monotone[f] {
                            1 if wl > wr => continue,
                            -1 if wl < wr => continue,
                            _ => {}
                        }
                        parent_loss - leaf_loss(l, wl, lambda) - leaf_loss(r, wr, lambda)
                    };
                    if gain > p.boost.min_split_gain
                        && gain > 0.0
                        && best.is_none_or(|b| gain > b.0)
                    {
                        best = Some((gain, f, t, missing_left));
                    }
                }
            }
        }
        let (gain, feature, bin, missing_left) = best?;
        // The winner's sums again, added in the same order as in the search.
        let bins = &hist[self.data.offsets[feature]..self.data.offsets[feature + 1]];
        let stats = |range: std::ops::Range<usize>| {
            let (mut g, mut h) = (0.0, 0.0);
            for b in &bins[range] {
                g += b[0];
                h += b[1];
            }
            (g, h)
        };
        let (gp, hp) = stats(1..bins.len());
        let (mut gl, mut hl) = (0.0, 0.0);
        for (t, b) in bins.iter().enumerate().take(bin + 1).skip(1) {
            if b[1] == 0.0 && t > 1 {
                continue;
            }
            gl += b[0];
            hl += b[1];
        }
        let (mut gr, mut hr) = (gp - gl, hp - hl);
        let [gm, hm] = bins[0];
        if hm > 0.0 {
            if missing_left {
                gl += gm;
                hl += hm;
            } else {
                gr += gm;
                hr += hm;
            }
        }
        let left = Stats {
            g: gl,
            h: hl,
            n: hl * rows_per_hessian,
        };
        let right = Stats {
            g: gr,
            h: hr,
            n: hr * rows_per_hessian,
        };
        Some(Split {
            feature,
            bin,
            missing_left,
            gain,
            left,
            right,
            left_value: leaf_weight(left, lambda, leaf.lo, leaf.hi),
            right_value: leaf_weight(right, lambda, leaf.lo, leaf.hi),
        })
    }

    /// Grow one tree on the rows `bag` (ascending), with per-row gradients
    /// and hessians indexed by row and optional weights for the covers.
    pub fn grow(
        &mut self,
        bag: &[u32],
        gh: &[[f64; 2]],
        weights: Option<&[f64]>,
        p: &GrowParams,
    ) -> GrownTree {
        self.rows.clear();
        self.rows.extend_from_slice(bag);
        let n = self.rows.len();
        let mut root_hist = self.take_hist();
        self.build_hist(0, n, gh, &mut root_hist);
        let f0 = self.data.offsets[1];
        let mut sums = root_hist[..f0]
            .iter()
            .fold(Stats::default(), |a, b| a.plus(Stats::of(b, 0.0)));
        sums.n = n as f64;
        let mut root = Leaf {
            start: 0,
            end: n,
            depth: 0,
            hist: None,
            sums,
            value: leaf_weight(sums, p.boost.lambda, f64::NEG_INFINITY, f64::INFINITY),
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            best: None,
            parent: None,
        };
        root.best = self.best_split(&root, &root_hist, p, None);
        if root.best.is_some() {
            root.hist = Some(root_hist);
        } else {
            self.free_hists.push(root_hist);
        }
        let mut leaves = vec![root];
        let mut tree = Tree {
            feature: vec![],
            threshold: vec![],
            missing_left: vec![],
            left: vec![],
            right: vec![],
            cover: vec![],
            leaf_value: vec![],
            leaf_cover: vec![],
        };
        let mut node_bin = Vec::new();
        // The features this tree splits on, and whether no other may join.
        let mut used: Vec<usize> = Vec::new();
        let mut full = false;

        while leaves.len() < p.boost.max_leaves {
            let mut pick: Option<usize> = None;
            for (i, leaf) in leaves.iter().enumerate() {
                if let Some(s) = leaf.best {
                    if pick.is_none_or(|j| s.gain > leaves[j].best.unwrap().gain) {
                        pick = Some(i);
                    }
                }
            }
            let Some(li) = pick else { break };
            let split = leaves[li].best.take().unwrap();
            let mut parent_hist = leaves[li].hist.take().unwrap();
            if !used.contains(&split.feature) {
                used.push(split.feature);
                if p.boost.max_tree_features.is_some_and(|k| used.len() >= k) {
                    full = true;
                    // Leaves whose best split needs another feature look again among the tree's.
                    for (j, leaf) in leaves.iter_mut().enumerate() {
                        if j == li || leaf.best.is_none_or(|b| used.contains(&b.feature)) {
                            continue;
                        }
                        let hist = leaf
                            .hist
                            .take()
                            .expect("a leaf with a split keeps its histogram");
                        leaf.best = self.best_split(leaf, &hist, p, Some(&used));
                        if leaf.best.is_some() {
                            leaf.hist = Some(hist);
                        } else {
                            self.free_hists.push(hist);
                        }
                    }
                }
            }
            let (start, end, depth) = (leaves[li].start, leaves[li].end, leaves[li].depth);
            let (lo, hi) = (leaves[li].lo, leaves[li].hi);
            let mid = self.partition(start, end, &split);

            // The new internal node replaces the leaf in its parent.
            let node = tree.feature.len();
            match leaves[li].parent {
                Some((pn, true)) => tree.left[pn] = node as i32,
                Some((pn, false)) => tree.right[pn] = node as i32,
                None => {}
            }
            let right_id = leaves.len();
            tree.feature.push(split.feature as u32);
            tree.threshold
                .push(self.data.edges[split.feature][split.bin - 1]);
            tree.missing_left.push(split.missing_left);
            tree.left.push(Child::Leaf(li).encode());
            tree.right.push(Child::Leaf(right_id).encode());
            node_bin.push(split.bin as u8);

            let mid_value = 0.5 * (split.left_value + split.right_value);
            let ((llo, lhi), (rlo, rhi)) = match p.monotone[split.feature] {
                1 => ((lo, mid_value), (mid_value, hi)),
                -1 => ((mid_value, hi), (lo, mid_value)),
                _ => ((lo, hi), (lo, hi)),
            };
            let mut left = Leaf {
                start,
                end: mid,
                depth: depth + 1,
                hist: None,
                sums: Stats {
                    n: (mid - start) as f64,
                    ..split.left
                },
                value: split.left_value,
                lo: llo,
                hi: lhi,
                best: None,
                parent: Some((node, true)),
            };
            let mut right = Leaf {
                start: mid,
                end,
                depth: depth + 1,
                hist: None,
                sums: Stats {
                    n: (end - mid) as f64,
                    ..split.right
                },
                value: split.right_value,
                lo: rlo,
                hi: rhi,
                best: None,
                parent: Some((node, false)),
            };
            let splittable = |l: &Leaf| {
                l.depth < p.boost.max_depth && (l.end - l.start) >= 2 * p.boost.min_samples_leaf
            };
            let left_is_small = (mid - start) <= (end - mid);
            let (small, large) = if left_is_small {
                (&mut left, &mut right)
            } else {
                (&mut right, &mut left)
            };
            if splittable(small) || splittable(large) {
                let mut small_hist = self.take_hist();
                self.build_hist(small.start, small.end, gh, &mut small_hist);
                for (ph, sh) in parent_hist.iter_mut().zip(&small_hist) {
                    ph[0] -= sh[0];
                    ph[1] -= sh[1];
                }
                let large_hist = parent_hist;
                for (leaf, hist) in [(small, small_hist), (large, large_hist)] {
                    leaf.best = self.best_split(leaf, &hist, p, full.then_some(&used[..]));
                    if leaf.best.is_some() {
                        leaf.hist = Some(hist);
                    } else {
                        self.free_hists.push(hist);
                    }
                }
            } else {
                self.free_hists.push(parent_hist);
            }
            leaves[li] = left;
            leaves.push(right);
        }
        for leaf in &mut leaves {
            if let Some(h) = leaf.hist.take() {
                self.free_hists.push(h);
            }
        }

        tree.leaf_value = leaves
            .iter()
            .map(|l| l.value * p.boost.learning_rate)
            .collect();
        tree.leaf_cover = leaves
            .iter()
            .map(|l| match weights {
                None => (l.end - l.start) as f64,
                Some(w) => self.rows[l.start..l.end]
                    .iter()
                    .map(|&r| w[r as usize])
                    .sum(),
            })
            .collect();
        // Children come after their parents, so one backward pass sums covers.
        tree.cover = vec![0.0; tree.feature.len()];
        for n in (0..tree.feature.len()).rev() {
            let c = tree.child_cover(Child::decode(tree.left[n]))
                + tree.child_cover(Child::decode(tree.right[n]));
            tree.cover[n] = c;
        }
        GrownTree {
            tree,
            node_bin,
            leaf_ranges: leaves.iter().map(|l| (l.start, l.end)).collect(),
        }
    }
}

/// The leaf a binned training row reaches (same decisions as `Tree::leaf_of`
/// on the raw values).
pub(crate) fn binned_leaf(tree: &Tree, node_bin: &[u8], data: &BinnedMatrix, r: usize) -> usize {
    if tree.feature.is_empty() {
        return 0;
    }
    let row = &data.bins[r * data.cols..(r + 1) * data.cols];
    let mut n = 0usize;
    loop {
        let b = row[tree.feature[n] as usize];
        let left = if b == 0 {
            tree.missing_left[n]
        } else {
            b <= node_bin[n]
        };
        match Child::decode(if left { tree.left[n] } else { tree.right[n] }) {
            Child::Leaf(l) => return l,
            Child::Node(c) => n = c,
        }
    }
}
