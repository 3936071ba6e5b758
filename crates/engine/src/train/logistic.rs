//! L2-regularised logistic regression fit by Newton's method (IRLS).
//!
//! Objective, as scikit-learn's `LogisticRegression(C=C)` (lbfgs, L2) on
//! standardised features: minimise
//!
//! ```text
//!   C · Σ_i logloss(y_i, σ(b + z_i·w))  +  ½ ‖w‖²
//! ```
//!
//! where `z_i` is row `i` standardised with the fit's own column means and
//! population standard deviations (sklearn's `StandardScaler`; a constant
//! column gets scale 1, so it is all zeros and its weight is 0). The bias
//! `b` is not penalised. The fitted weights are transformed back to the
//! unstandardised vector, so `σ(bias + x·weights)` is the same prediction.
//!
//! Stopping rule: `‖∇‖∞ ≤ TOLERANCE · max(1, C·n)`, i.e. the gradient of
//! the objective divided by its data scale is below 1e-8, or `MAX_ITERATIONS`.
//! Each Newton step is halved until the objective decreases (Armijo).
//!
//! Implementation: the fit borrows the row-major matrix. Rows of at most
//! `STANDARDISED_COPY_VALUES` values in all are standardised once into a
//! copy that every pass reads in place; larger data is standardised on the
//! fly (column means and scales applied inside the loops), so a large fit
//! copies nothing. `fit_rows` reads any row source, e.g. the selected rows
//! of a training set. One pass over the rows gives the objective, the
//! gradient and the Hessian at a point, so a Newton step whose full length
//! is accepted costs one pass. A `Path` (fits of the same rows at several
//! values of C) standardises once and starts each fit from the previous
//! solution and its pass: the data parts of the objective do not depend on
//! C, so that first pass is free. Rows are processed in fixed chunks of
//! `CHUNK_ROWS`: with more than one chunk the chunks run on rayon and their
//! partial sums are added in chunk order, so the result does not depend on
//! the number of threads. Within a chunk every sum runs in row order (the
//! Hessian update is blocked over four rows for speed, with the additions in
//! the same order), so a fit of one chunk or less gives the same bits as a
//! plain row-by-row loop. From `WARM_START_MIN_ROWS` rows, Newton starts from
//! the fit of an evenly strided subsample of about `WARM_START_ROWS` rows
//! (same standardisation, `C` scaled by the sampling ratio) instead of zero;
//! the full-data iterations then only polish it, to the same tolerance.

use rayon::prelude::*;

use crate::error::{EngineError, Result};

pub const TOLERANCE: f64 = 1e-8;
pub const MAX_ITERATIONS: usize = 100;
/// Rows per chunk of a pass (the unit of parallel work).
pub const CHUNK_ROWS: usize = 8192;
/// Fits of at least this many rows start from a subsample's fit.
pub const WARM_START_MIN_ROWS: usize = 200_000;
/// About this many rows in the warm-start subsample.
pub const WARM_START_ROWS: usize = 50_000;

/// Row-major design matrix: `n` rows of `d` features.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub data: Vec<f64>,
    pub n: usize,
    pub d: usize,
}

impl Matrix {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(indices.len() * self.d);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Matrix {
            data,
            n: indices.len(),
            d: self.d,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Fit {
    /// Weights on the unstandardised features.
    pub weights: Vec<f64>,
    pub bias: f64,
    /// Newton iterations on the full data (not counting the warm start's).
    pub iterations: usize,
    pub converged: bool,
}

impl Fit {
    pub fn probability(&self, x: &[f64]) -> f64 {
        let z = self.bias + x.iter().zip(&self.weights).map(|(a, b)| a * b).sum::<f64>();
        sigmoid(z)
    }

    /// Probabilities of the rows of a row-major matrix.
    pub fn probabilities(&self, x: &[f64]) -> Vec<f64> {
        x.chunks_exact(self.weights.len().max(1))
            .map(|row| self.probability(row))
            .collect()
    }
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The rows a fit reads, by index: a borrowed matrix, or selected rows of
/// the caller's data (so cross-validation folds need no copies).
pub trait Rows: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `i` (`0 ≤ i < len`), of the fit's `d` values.
    fn row(&self, i: usize) -> &[f64];
}

/// A row-major matrix of `d` columns, borrowed.
pub struct Dense<'a> {
    pub x: &'a [f64],
    pub d: usize,
}

impl Rows for Dense<'_> {
    fn len(&self) -> usize {
        self.x.len() / self.d
    }

    #[inline(always)]
    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}

/// Fit on the row-major matrix `x` (`y.len()` rows of `d` features, borrowed,
/// not copied) and labels `y` with regularisation `c` (> 0).
pub fn fit(x: &[f64], d: usize, y: &[bool], c: f64) -> Result<Fit> {
    if d == 0 || x.len() != y.len() * d {
        return Err(EngineError::Internal(format!(
            "logistic fit called with {} values of {d} features and {} labels",
            x.len(),
            y.len()
        )));
    }
    fit_rows(&Dense { x, d }, d, y, c)
}

/// Fit on rows of `d` features from any row source (`x.len()` rows, label
/// `y[i]` for row `i`) with regularisation `c` (> 0).
pub fn fit_rows<R: Rows>(x: &R, d: usize, y: &[bool], c: f64) -> Result<Fit> {
    Path::new(x, d, y)?.fit(c)
}

/// Fits of the same rows at a sequence of values of C (a regularisation
/// path, e.g. increasing C): the standardisation is computed once, and each
/// fit after the first starts from the previous solution with the pass at
/// it (gradient and Hessian without C): fewer steps than a cold fit, and no
/// pass before the first step. Each fit meets the same stopping rule as a
/// cold one.
pub struct Path<'r, R: Rows> {
    x: &'r R,
    d: usize,
    y: &'r [bool],
    mean: Vec<f64>,
    scale: Vec<f64>,
    /// The last solution (bias first, then standardised weights); zero
    /// before the first fit.
    beta: Vec<f64>,
    /// The pass at `beta` (its data parts do not depend on C), once there is
    /// a solution.
    pass: Option<Pass>,
    /// The rows standardised once (row-major), when they are few enough to
    /// copy: every pass then reads them as they are.
    standardised: Option<Vec<f64>>,
}

/// A `Path` keeps a standardised copy of at most this many values (32 MB).
const STANDARDISED_COPY_VALUES: usize = 4 << 20;

impl<'r, R: Rows> Path<'r, R> {
    pub fn new(x: &'r R, d: usize, y: &'r [bool]) -> Result<Self> {
        let n = y.len();
        if d == 0 || x.len() != n || n == 0 {
            return Err(EngineError::Internal(format!(
                "logistic fit called with {} rows of {d} features and {n} labels",
                x.len()
            )));
        }
        if let Some(i) = (0..n).find(|i| x.row(*i).len() != d) {
            return Err(EngineError::Internal(format!(
                "logistic fit: row {i} has {} values, expected {d}",
                x.row(i).len()
            )));
        }
        let (mean, scale) = standardisation(x, d, n);
        let standardised = (n * d <= STANDARDISED_COPY_VALUES).then(|| {
            let std = Standardise {
                mean: &mean,
                scale: &scale,
                identity: false,
            };
            let mut z = vec![0.0; n * d];
            for (i, out) in z.chunks_exact_mut(d).enumerate() {
                std.apply(x.row(i), out);
            }
            z
        });
        Ok(Path {
            x,
            d,
            y,
            mean,
            scale,
            beta: vec![0.0; d + 1],
            pass: None,
            standardised,
        })
    }

    /// The fit at `c` (> 0), from where the path is.
    pub fn fit(&mut self, c: f64) -> Result<Fit> {
        let (x, d, y, n) = (self.x, self.d, self.y, self.y.len());
        if !(c > 0.0 && c.is_finite()) {
            return Err(EngineError::Internal(format!(
                "logistic fit called with C = {c}"
            )));
        }
        let std = Standardise {
            mean: &self.mean,
            scale: &self.scale,
            identity: false,
        };
        if self.pass.is_none() && n >= WARM_START_MIN_ROWS {
            let stride = n / WARM_START_ROWS;
            let m = n / stride;
            let mut sub = Vec::with_capacity(m * d);
            let mut sub_y = Vec::with_capacity(m);
            for k in 0..m {
                let i = k * stride;
                sub.extend_from_slice(x.row(i));
                sub_y.push(y[i]);
            }
            let positives = sub_y.iter().filter(|v| **v).count();
            if positives > 0 && positives < m {
                let c_sub = c * n as f64 / m as f64;
                let sub = Dense { x: &sub, d };
                if let Ok(start) = newton(&sub, d, &sub_y, c_sub, &std, vec![0.0; d + 1], None) {
                    self.beta = start.beta;
                }
            }
        }
        let (beta, pass) = (std::mem::take(&mut self.beta), self.pass.take());
        let solved = match &self.standardised {
            Some(z) => {
                let identity = Standardise {
                    identity: true,
                    ..std
                };
                newton(&Dense { x: z, d }, d, y, c, &identity, beta, pass)?
            }
            None => newton(x, d, y, c, &std, beta, pass)?,
        };
        let beta = solved.beta;
        // Back to the unstandardised scale: w_j = β_j / s_j, b = β_0 − Σ β_j m_j / s_j.
        let weights: Vec<f64> = (0..d).map(|j| beta[j + 1] / self.scale[j]).collect();
        let bias = beta[0] - (0..d).map(|j| weights[j] * self.mean[j]).sum::<f64>();
        self.beta = beta;
        self.pass = Some(solved.pass);
        Ok(Fit {
            weights,
            bias,
            iterations: solved.iterations,
            converged: solved.converged,
        })
    }
}

/// Column means and population standard deviations (1 for a constant column).
fn standardisation<R: Rows>(x: &R, d: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut mean = column_sums(x, d, n, |_, v| v);
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut scale = column_sums(x, d, n, |j, v| {
        let t = v - mean[j];
        t * t
    });
    for s in scale.iter_mut() {
        let sd = (*s / n as f64).sqrt();
        *s = if sd > 1e-12 { sd } else { 1.0 };
    }
    (mean, scale)
}

/// `Σ_i f(j, x_ij)` per column `j`, over chunks of rows in chunk order.
fn column_sums<R: Rows>(
    x: &R,
    d: usize,
    n: usize,
    f: impl Fn(usize, f64) -> f64 + Sync,
) -> Vec<f64> {
    let chunk = |rows: std::ops::Range<usize>| {
        let mut s = vec![0.0; d];
        for i in rows {
            for (j, (acc, v)) in s.iter_mut().zip(x.row(i)).enumerate() {
                *acc += f(j, *v);
            }
        }
        s
    };
    if n <= CHUNK_ROWS {
        return chunk(0..n);
    }
    let parts: Vec<Vec<f64>> = (0..n.div_ceil(CHUNK_ROWS))
        .into_par_iter()
        .map(|k| chunk(k * CHUNK_ROWS..((k + 1) * CHUNK_ROWS).min(n)))
        .collect();
    let mut total = vec![0.0; d];
    for p in parts {
        total.iter_mut().zip(p).for_each(|(t, v)| *t += v);
    }
    total
}

struct Standardise<'a> {
    mean: &'a [f64],
    scale: &'a [f64],
    /// The rows are standardised already (a `Path`'s copy): taken as they are.
    identity: bool,
}

impl Standardise<'_> {
    #[inline(always)]
    fn apply(&self, row: &[f64], z: &mut [f64]) {
        if self.identity {
            z.copy_from_slice(row);
            return;
        }
        for (((z, x), m), s) in z.iter_mut().zip(row).zip(self.mean).zip(self.scale) {
            *z = (x - m) / s;
        }
    }
}

/// The data part of the objective at a point, without C: `Σ loss`, its
/// gradient and its Hessian (lower triangle and first row, row-major p×p).
struct Pass {
    loss: f64,
    grad: Vec<f64>,
    hess: Vec<f64>,
}

/// A Newton solution: the point (bias first, then standardised weights),
/// the steps taken, whether the gradient met the tolerance, and the pass at
/// the point (which the next fit of a `Path` starts from).
struct Solved {
    beta: Vec<f64>,
    iterations: usize,
    converged: bool,
    pass: Pass,
}

/// Newton from `beta`; `start` is the pass at `beta` when the caller has it
/// (a `Path`'s previous solution: the data parts do not depend on C).
fn newton<R: Rows>(
    x: &R,
    d: usize,
    y: &[bool],
    c: f64,
    std: &Standardise,
    mut beta: Vec<f64>,
    start: Option<Pass>,
) -> Result<Solved> {
    let n = y.len();
    let p = d + 1;
    let objective = |pass: &Pass, beta: &[f64]| {
        c * pass.loss + 0.5 * beta[1..].iter().map(|w| w * w).sum::<f64>()
    };
    let limit = TOLERANCE * (c * n as f64).max(1.0);
    let mut cur = start.unwrap_or_else(|| evaluate(x, d, y, std, &beta));
    let mut f = objective(&cur, &beta);
    let mut converged = false;
    let mut iterations = 0;
    loop {
        // The gradient and Hessian of the objective: C times the data's,
        // plus the penalty on the weights; the first column from the first row.
        let grad: Vec<f64> = (0..p)
            .map(|a| c * cur.grad[a] + if a > 0 { beta[a] } else { 0.0 })
            .collect();
        let gmax = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if gmax <= limit {
            converged = true;
            break;
        }
        if iterations >= MAX_ITERATIONS {
            break;
        }
        iterations += 1;
        let mut hess: Vec<f64> = cur.hess.iter().map(|h| c * h).collect();
        for a in 1..p {
            hess[a * p + a] += 1.0;
            hess[a * p] = hess[a];
        }
        let step = solve_spd(&hess, &grad, p).ok_or_else(|| {
            EngineError::Internal("logistic fit: Hessian is not positive definite".to_string())
        })?;
        // Backtracking: halve the Newton step until the objective decreases
        // enough. Each trial's pass also gives its gradient and Hessian.
        let slope: f64 = grad.iter().zip(&step).map(|(g, s)| g * s).sum();
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..60 {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - t * s).collect();
            let next = evaluate(x, d, y, std, &trial);
            let ft = objective(&next, &trial);
            if ft <= f - 1e-4 * t * slope {
                beta = trial;
                f = ft;
                cur = next;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            // At the floating-point floor: no step decreases the objective.
            converged = gmax <= limit * 1e3;
            break;
        }
    }
    if !beta.iter().all(|b| b.is_finite()) {
        return Err(EngineError::Internal(
            "logistic fit produced a non-finite weight".to_string(),
        ));
    }
    Ok(Solved {
        beta,
        iterations,
        converged,
        pass: cur,
    })
}

/// One pass over the rows: the data part of the objective, its gradient and
/// its Hessian at `beta`, all without C.
fn evaluate<R: Rows>(x: &R, d: usize, y: &[bool], std: &Standardise, beta: &[f64]) -> Pass {
    let n = y.len();
    if n <= CHUNK_ROWS {
        return accumulate(x, 0..n, d, y, std, beta);
    }
    let parts: Vec<Pass> = (0..n.div_ceil(CHUNK_ROWS))
        .into_par_iter()
        .map(|k| {
            accumulate(
                x,
                k * CHUNK_ROWS..((k + 1) * CHUNK_ROWS).min(n),
                d,
                y,
                std,
                beta,
            )
        })
        .collect();
    let p = d + 1;
    let mut total = Pass {
        loss: 0.0,
        grad: vec![0.0; p],
        hess: vec![0.0; p * p],
    };
    for part in parts {
        total.loss += part.loss;
        total
            .grad
            .iter_mut()
            .zip(&part.grad)
            .for_each(|(t, v)| *t += v);
        total
            .hess
            .iter_mut()
            .zip(&part.hess)
            .for_each(|(t, v)| *t += v);
    }
    total
}

/// `accumulate_rows`, compiled for AVX2 when the CPU has it (no FMA: the
/// arithmetic, and so the result, is the same either way).
fn accumulate<R: Rows>(
    x: &R,
    range: std::ops::Range<usize>,
    d: usize,
    y: &[bool],
    std: &Standardise,
    beta: &[f64],
) -> Pass {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { accumulate_avx2(x, range, d, y, std, beta) };
        }
    }
    accumulate_rows(x, range, d, y, std, beta)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_avx2<R: Rows>(
    x: &R,
    range: std::ops::Range<usize>,
    d: usize,
    y: &[bool],
    std: &Standardise,
    beta: &[f64],
) -> Pass {
    accumulate_rows(x, range, d, y, std, beta)
}

/// Rows processed together by the Hessian update.
const BLOCK: usize = 4;

/// Rows `range` of `x`, in order.
#[inline(always)]
fn accumulate_rows<R: Rows>(
    x: &R,
    range: std::ops::Range<usize>,
    d: usize,
    y: &[bool],
    std: &Standardise,
    beta: &[f64],
) -> Pass {
    let p = d + 1;
    let mut loss = 0.0;
    let mut grad = vec![0.0; p];
    let mut hess = vec![0.0; p * p];
    let mut buffer = vec![0.0; BLOCK * d];
    let mut s = [0.0; BLOCK];
    let mut yv = [0.0; BLOCK];
    // The start value of `Iterator::sum` for f64, so that `eta` is the same
    // value as `beta[0] + Σ z·w` written with `Iterator::sum`.
    let zero: f64 = std::iter::empty::<f64>().sum();
    let mut rows = range.map(|i| (x.row(i), &y[i]));
    loop {
        // Up to BLOCK rows, standardised into the buffer unless they are already.
        let mut raw: [&[f64]; BLOCK] = [&[]; BLOCK];
        let mut rows_in_block = 0;
        while rows_in_block < BLOCK {
            let Some((row, yi)) = rows.next() else { break };
            raw[rows_in_block] = row;
            yv[rows_in_block] = f64::from(u8::from(*yi));
            rows_in_block += 1;
        }
        if !std.identity {
            for k in 0..rows_in_block {
                std.apply(raw[k], &mut buffer[k * d..(k + 1) * d]);
            }
        }
        let z: [&[f64]; BLOCK] = std::array::from_fn(|k| {
            if std.identity && k < rows_in_block {
                raw[k]
            } else {
                &buffer[k * d..(k + 1) * d]
            }
        });
        // η of each row, the rows' dot products interleaved (each one still
        // summed in feature order).
        let mut dot = [zero; BLOCK];
        for (a, w) in beta[1..].iter().enumerate() {
            for k in 0..BLOCK {
                dot[k] += z[k][a] * w;
            }
        }
        // Loss, gradient, the Hessian's first row, row by row.
        for k in 0..rows_in_block {
            let eta = beta[0] + dot[k];
            // e = exp(−|η|): σ(η) and softplus(η) = max(η, 0) + ln(1 + e).
            let e = (-eta.abs()).exp();
            let mu = if eta >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let softplus = if eta > 0.0 {
                eta + e.ln_1p()
            } else {
                e.ln_1p()
            };
            loss += softplus - yv[k] * eta;
            let r = mu - yv[k];
            let sk = mu * (1.0 - mu);
            grad[0] += r;
            hess[0] += sk;
            for (a, za) in z[k].iter().enumerate() {
                grad[a + 1] += r * za;
                hess[a + 1] += sk * za;
            }
            s[k] = sk;
        }
        if rows_in_block == BLOCK {
            hessian_block::<BLOCK>(&mut hess, z, &s, d);
        } else {
            for j in 0..rows_in_block {
                hessian_block::<1>(&mut hess, [z[j]], &s[j..j + 1], d);
            }
            break;
        }
    }
    Pass { loss, grad, hess }
}

/// Add `Σ_k s_k z_k z_kᵀ` (rows `k` in order) to the lower triangle of the
/// weights' block of the Hessian. Each row of the triangle is extended to a
/// multiple of 4 entries (within the matrix) so the loop has no scalar tail;
/// the extra entries are in the upper triangle, which nothing reads.
#[inline(always)]
fn hessian_block<const R: usize>(hess: &mut [f64], z: [&[f64]; R], s: &[f64], d: usize) {
    let p = d + 1;
    for a in 0..d {
        let sa: [f64; R] = std::array::from_fn(|k| s[k] * z[k][a]);
        let len = (a + 1).next_multiple_of(4).min(d);
        let h = &mut hess[(a + 1) * p + 1..(a + 1) * p + 1 + len];
        let zb: [&[f64]; R] = std::array::from_fn(|k| &z[k][..len]);
        // Four entries at a time (one AVX2 vector), then the rest.
        let mut quads = h.chunks_exact_mut(4);
        let mut b = 0;
        for hq in &mut quads {
            let mut v = [hq[0], hq[1], hq[2], hq[3]];
            for k in 0..R {
                let zq = &zb[k][b..b + 4];
                for l in 0..4 {
                    v[l] += sa[k] * zq[l];
                }
            }
            hq.copy_from_slice(&v);
            b += 4;
        }
        for h in quads.into_remainder() {
            let mut v = *h;
            for k in 0..R {
                v += sa[k] * zb[k][b];
            }
            *h = v;
            b += 1;
        }
    }
}

/// Solve `A x = b` for symmetric positive definite `A` (p×p, row-major,
/// lower triangle read) by Cholesky. If rounding makes `A` look indefinite,
/// retry with a tiny ridge.
fn solve_spd(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let trace: f64 = (0..p).map(|i| a[i * p + i]).sum();
    for jitter in [0.0, 1e-12, 1e-9, 1e-6] {
        if let Some(lt) = cholesky(a, p, jitter * trace.max(1.0)) {
            // Forward then back substitution; L[i][k] is lt[k·p + i].
            let mut y = vec![0.0; p];
            for i in 0..p {
                let s: f64 = (0..i).map(|k| lt[k * p + i] * y[k]).sum();
                y[i] = (b[i] - s) / lt[i * p + i];
            }
            let mut x = vec![0.0; p];
            for i in (0..p).rev() {
                let s: f64 = (i + 1..p).map(|k| lt[i * p + k] * x[k]).sum();
                x[i] = (y[i] - s) / lt[i * p + i];
            }
            if x.iter().all(|v| v.is_finite()) {
                return Some(x);
            }
        }
    }
    None
}

/// The Cholesky factor `L` of `A + ridge·I`, stored transposed (column `k`
/// of `L` is row `k` of the result), or `None` if a pivot is not positive.
/// Column by column: the dot products `Σ_{k<j} L[i][k]·L[j][k]` of all rows
/// `i ≥ j` advance together over `k` (contiguous, vectorisable), each one
/// summed in increasing `k` as a row-by-row dot product would be.
fn cholesky(a: &[f64], p: usize, ridge: f64) -> Option<Vec<f64>> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { cholesky_avx2(a, p, ridge) };
        }
    }
    cholesky_columns(a, p, ridge)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn cholesky_avx2(a: &[f64], p: usize, ridge: f64) -> Option<Vec<f64>> {
    cholesky_columns(a, p, ridge)
}

#[inline(always)]
fn cholesky_columns(a: &[f64], p: usize, ridge: f64) -> Option<Vec<f64>> {
    let mut lt = vec![0.0; p * p];
    // The start value of `Iterator::sum` for f64, so the sums are the same.
    let zero: f64 = std::iter::empty::<f64>().sum();
    let mut s = vec![zero; p];
    for j in 0..p {
        s[j..].iter_mut().for_each(|v| *v = zero);
        for k in 0..j {
            let col = &lt[k * p..(k + 1) * p];
            let ljk = col[j];
            for (v, l) in s[j..].iter_mut().zip(&col[j..]) {
                *v += l * ljk;
            }
        }
        let v = a[j * p + j] + ridge - s[j];
        if v <= 0.0 || !v.is_finite() {
            return None;
        }
        let ljj = v.sqrt();
        let col = &mut lt[j * p..(j + 1) * p];
        col[j] = ljj;
        for i in j + 1..p {
            col[i] = (a[i * p + j] - s[i]) / ljj;
        }
    }
    Some(lt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[f64]]) -> Matrix {
        Matrix {
            data: rows.iter().flat_map(|r| r.iter().copied()).collect(),
            n: rows.len(),
            d: rows[0].len(),
        }
    }

    #[test]
    fn gradient_vanishes_at_the_solution_in_raw_coordinates() {
        // x2 is constant: it must get weight 0 and not break the fit.
        let x = matrix(&[
            &[0.1, 5.0],
            &[0.4, 5.0],
            &[0.35, 5.0],
            &[0.8, 5.0],
            &[0.9, 5.0],
            &[0.2, 5.0],
            &[0.7, 5.0],
            &[0.6, 5.0],
        ]);
        let y = [false, false, true, true, true, false, false, true];
        let c = 2.0;
        let fit = fit(&x.data, x.d, &y, c).unwrap();
        assert!(fit.converged && fit.iterations < 20, "{fit:?}");
        assert_eq!(fit.weights[1], 0.0);
        // Check the optimality conditions independently of the solver:
        // C·Σ(p−y) = 0 (unpenalised bias) and C·Σ(p−y)·z = −β for the
        // standardised column z of x1.
        let p = fit.probabilities(&x.data);
        let r: Vec<f64> = p
            .iter()
            .zip(&y)
            .map(|(p, y)| p - f64::from(u8::from(*y)))
            .collect();
        assert!(r.iter().sum::<f64>().abs() < 1e-8);
        let xs: Vec<f64> = (0..x.n).map(|i| x.row(i)[0]).collect();
        let m = xs.iter().sum::<f64>() / 8.0;
        let sd = (xs.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 8.0).sqrt();
        let beta = fit.weights[0] * sd;
        let g: f64 = c * r
            .iter()
            .zip(&xs)
            .map(|(r, v)| r * (v - m) / sd)
            .sum::<f64>()
            + beta;
        assert!(g.abs() < 1e-7, "gradient {g}");
        assert!(fit.weights[0] > 0.0);
    }

    #[test]
    fn separable_data_stays_finite_and_stronger_c_gives_larger_weights() {
        let x = matrix(&[&[0.0], &[0.1], &[0.2], &[0.8], &[0.9], &[1.0]]);
        let y = [false, false, false, true, true, true];
        let weak = fit(&x.data, 1, &y, 0.01).unwrap();
        let strong = fit(&x.data, 1, &y, 100.0).unwrap();
        assert!(strong.converged && weak.converged);
        assert!(strong.weights[0] > weak.weights[0] && weak.weights[0] > 0.0);
        assert!(strong.weights[0].is_finite());
    }

    #[test]
    fn a_warm_start_from_a_nearby_c_reaches_the_same_solution_in_fewer_steps() {
        let (x, y) = synthetic(5000, 6);
        let rows = Dense { x: &x, d: 6 };
        let mut path = Path::new(&rows, 6, &y).unwrap();
        path.fit(0.3).unwrap();
        let cold = fit_rows(&rows, 6, &y, 1.0).unwrap();
        let warm = path.fit(1.0).unwrap();
        assert!(
            warm.converged && warm.iterations < cold.iterations,
            "{} vs {}",
            warm.iterations,
            cold.iterations
        );
        for (a, b) in warm.weights.iter().zip(&cold.weights) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert!((warm.bias - cold.bias).abs() < 1e-6);
    }

    #[test]
    fn a_path_reaches_every_cold_solution_even_after_a_large_jump_in_c() {
        // Neighbouring values of C, and a jump from 1e-3 to 100, where the
        // previous solution is a poor start and the line search must act.
        let (x, y) = synthetic(3000, 7);
        let rows = Dense { x: &x, d: 7 };
        let mut path = Path::new(&rows, 7, &y).unwrap();
        for c in [1e-4, 3e-4, 1e-3, 100.0, 300.0, 0.01] {
            let on_path = path.fit(c).unwrap();
            let cold = fit_rows(&rows, 7, &y, c).unwrap();
            assert!(on_path.converged, "C = {c}");
            for (a, b) in on_path
                .weights
                .iter()
                .zip(&cold.weights)
                .chain([(&on_path.bias, &cold.bias)])
            {
                assert!(
                    (a - b).abs() < 1e-6 * (1.0 + b.abs()),
                    "C = {c}: {a} vs {b}"
                );
            }
        }
        assert!(Path::new(&rows, 7, &y).unwrap().fit(0.0).is_err());
    }

    #[test]
    fn bad_arguments_are_errors() {
        let x = matrix(&[&[0.0]]);
        assert!(fit(&x.data, 1, &[true, false], 1.0).is_err());
        assert!(fit(&x.data, 1, &[true], 0.0).is_err());
    }

    /// Rows from a fixed linear model with a deterministic generator.
    fn synthetic(n: usize, d: usize) -> (Vec<f64>, Vec<bool>) {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut x = Vec::with_capacity(n * d);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let mut eta = -1.0;
            for j in 0..d {
                let v = uniform() * (j + 1) as f64 + j as f64;
                eta += (if j % 2 == 0 { 1.5 } else { -0.7 }) * (v - j as f64) / (j + 1) as f64;
                x.push(v);
            }
            y.push(uniform() < sigmoid(eta));
        }
        (x, y)
    }

    #[test]
    fn large_fits_are_parallel_warm_started_optimal_and_thread_count_independent() {
        // Several chunks and the warm-start path.
        let (n, d) = (WARM_START_MIN_ROWS + 1234, 4);
        let (x, y) = synthetic(n, d);
        let c = 0.5;
        let many = fit(&x, d, &y, c).unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| fit(&x, d, &y, c).unwrap());
        assert_eq!(many.weights, one.weights);
        assert_eq!(many.bias, one.bias);
        assert!(many.converged && many.iterations <= 4, "{many:?}");
        // Optimality in raw coordinates, summed independently of the solver:
        // C·Σ(p−y) = 0 and C·Σ(p−y)(x_j − m_j)/s_j + β_j = 0, β_j = w_j·s_j.
        let mut r_sum = 0.0;
        let mut rx = vec![0.0; d];
        let mut mean = vec![0.0; d];
        for row in x.chunks_exact(d) {
            mean.iter_mut()
                .zip(row)
                .for_each(|(m, v)| *m += v / n as f64);
        }
        let mut sd = vec![0.0; d];
        for row in x.chunks_exact(d) {
            sd.iter_mut()
                .zip(row)
                .zip(&mean)
                .for_each(|((s, v), m)| *s += (v - m) * (v - m) / n as f64);
        }
        sd.iter_mut().for_each(|s| *s = s.sqrt());
        for (row, yi) in x.chunks_exact(d).zip(&y) {
            let r = many.probability(row) - f64::from(u8::from(*yi));
            r_sum += r;
            for j in 0..d {
                rx[j] += r * (row[j] - mean[j]) / sd[j];
            }
        }
        let scale = c * n as f64;
        assert!((c * r_sum).abs() / scale < 1e-7, "{r_sum}");
        for j in 0..d {
            let g = c * rx[j] + many.weights[j] * sd[j];
            assert!(g.abs() / scale < 1e-7, "feature {j}: gradient {g}");
        }
    }
}
