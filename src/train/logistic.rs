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

use crate::error::{EngineError, Result};

pub const TOLERANCE: f64 = 1e-8;
pub const MAX_ITERATIONS: usize = 100;

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
    pub iterations: usize,
    pub converged: bool,
}

impl Fit {
    pub fn probability(&self, x: &[f64]) -> f64 {
        let z = self.bias + x.iter().zip(&self.weights).map(|(a, b)| a * b).sum::<f64>();
        sigmoid(z)
    }

    pub fn probabilities(&self, x: &Matrix) -> Vec<f64> {
        (0..x.n).map(|i| self.probability(x.row(i))).collect()
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

/// `log(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Fit on `x` (rows) and labels `y` with regularisation `c` (> 0).
pub fn fit(x: &Matrix, y: &[bool], c: f64) -> Result<Fit> {
    if x.n != y.len() || x.n == 0 || !(c > 0.0 && c.is_finite()) {
        return Err(EngineError::Internal(format!(
            "logistic fit called with {} rows, {} labels, C = {c}",
            x.n,
            y.len()
        )));
    }
    let (n, d) = (x.n, x.d);
    // Standardise: column means and population standard deviations.
    let mut mean = vec![0.0; d];
    for i in 0..n {
        for (m, v) in mean.iter_mut().zip(x.row(i)) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut scale = vec![0.0; d];
    for i in 0..n {
        for j in 0..d {
            let t = x.row(i)[j] - mean[j];
            scale[j] += t * t;
        }
    }
    for s in scale.iter_mut() {
        let sd = (*s / n as f64).sqrt();
        *s = if sd > 1e-12 { sd } else { 1.0 };
    }
    let z: Vec<f64> = (0..n * d)
        .map(|k| (x.data[k] - mean[k % d]) / scale[k % d])
        .collect();
    let yv: Vec<f64> = y.iter().map(|b| f64::from(u8::from(*b))).collect();

    // Parameters: beta[0] = bias, beta[1..] = standardised weights.
    let p = d + 1;
    let mut beta = vec![0.0; p];
    let objective = |beta: &[f64]| -> f64 {
        let mut loss = 0.0;
        for i in 0..n {
            let eta = linear(beta, &z[i * d..(i + 1) * d]);
            loss += softplus(eta) - yv[i] * eta;
        }
        c * loss + 0.5 * beta[1..].iter().map(|w| w * w).sum::<f64>()
    };
    let limit = TOLERANCE * (c * n as f64).max(1.0);
    let mut f = objective(&beta);
    let mut converged = false;
    let mut iterations = 0;
    let mut grad = vec![0.0; p];
    let mut hess = vec![0.0; p * p];
    while iterations < MAX_ITERATIONS {
        // Gradient and Hessian of the objective at beta.
        grad.iter_mut().for_each(|g| *g = 0.0);
        hess.iter_mut().for_each(|h| *h = 0.0);
        for i in 0..n {
            let row = &z[i * d..(i + 1) * d];
            let mu = sigmoid(linear(&beta, row));
            let r = c * (mu - yv[i]);
            let s = c * mu * (1.0 - mu);
            grad[0] += r;
            hess[0] += s;
            for a in 0..d {
                grad[a + 1] += r * row[a];
                hess[a + 1] += s * row[a]; // (a+1, 0), mirrored below
                for b in 0..=a {
                    hess[(a + 1) * p + b + 1] += s * row[a] * row[b];
                }
            }
        }
        for a in 1..p {
            grad[a] += beta[a];
            hess[a * p + a] += 1.0;
            hess[a * p] = hess[a];
        }
        let gmax = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if gmax <= limit {
            converged = true;
            break;
        }
        iterations += 1;
        let step = solve_spd(&hess, &grad, p).ok_or_else(|| {
            EngineError::Internal("logistic fit: Hessian is not positive definite".to_string())
        })?;
        // Backtracking: halve the Newton step until the objective decreases enough.
        let slope: f64 = grad.iter().zip(&step).map(|(g, s)| g * s).sum();
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..60 {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - t * s).collect();
            let ft = objective(&trial);
            if ft <= f - 1e-4 * t * slope {
                beta = trial;
                f = ft;
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
    // Back to the unstandardised scale: w_j = β_j / s_j, b = β_0 − Σ β_j m_j / s_j.
    let weights: Vec<f64> = (0..d).map(|j| beta[j + 1] / scale[j]).collect();
    let bias = beta[0] - (0..d).map(|j| weights[j] * mean[j]).sum::<f64>();
    Ok(Fit {
        weights,
        bias,
        iterations,
        converged,
    })
}

fn linear(beta: &[f64], row: &[f64]) -> f64 {
    beta[0] + row.iter().zip(&beta[1..]).map(|(a, b)| a * b).sum::<f64>()
}

/// Solve `A x = b` for symmetric positive definite `A` (p×p, row-major) by
/// Cholesky. If rounding makes `A` look indefinite, retry with a tiny ridge.
fn solve_spd(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let trace: f64 = (0..p).map(|i| a[i * p + i]).sum();
    for jitter in [0.0, 1e-12, 1e-9, 1e-6] {
        if let Some(l) = cholesky(a, p, jitter * trace.max(1.0)) {
            // Forward then back substitution.
            let mut y = vec![0.0; p];
            for i in 0..p {
                let s: f64 = (0..i).map(|k| l[i * p + k] * y[k]).sum();
                y[i] = (b[i] - s) / l[i * p + i];
            }
            let mut x = vec![0.0; p];
            for i in (0..p).rev() {
                let s: f64 = (i + 1..p).map(|k| l[k * p + i] * x[k]).sum();
                x[i] = (y[i] - s) / l[i * p + i];
            }
            if x.iter().all(|v| v.is_finite()) {
                return Some(x);
            }
        }
    }
    None
}

fn cholesky(a: &[f64], p: usize, ridge: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * p + k] * l[j * p + k]).sum();
            if i == j {
                let v = a[i * p + i] + ridge - s;
                if v <= 0.0 || !v.is_finite() {
                    return None;
                }
                l[i * p + i] = v.sqrt();
            } else {
                l[i * p + j] = (a[i * p + j] - s) / l[j * p + j];
            }
        }
    }
    Some(l)
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
        let fit = fit(&x, &y, c).unwrap();
        assert!(fit.converged && fit.iterations < 20, "{fit:?}");
        assert_eq!(fit.weights[1], 0.0);
        // Check the optimality conditions independently of the solver:
        // C·Σ(p−y) = 0 (unpenalised bias) and C·Σ(p−y)·z = −β for the
        // standardised column z of x1.
        let p = fit.probabilities(&x);
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
        let weak = fit(&x, &y, 0.01).unwrap();
        let strong = fit(&x, &y, 100.0).unwrap();
        assert!(strong.converged && weak.converged);
        assert!(strong.weights[0] > weak.weights[0] && weak.weights[0] > 0.0);
        assert!(strong.weights[0].is_finite());
    }

    #[test]
    fn bad_arguments_are_errors() {
        let x = matrix(&[&[0.0]]);
        assert!(fit(&x, &[true, false], 1.0).is_err());
        assert!(fit(&x, &[true], 0.0).is_err());
    }
}
