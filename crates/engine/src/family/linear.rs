//! The logistic family: L2-regularised logistic regression on the
//! normalised feature vector. Old model files (no `modelType`) are read as
//! this family with the old, unsigned explanations.
//!
//! Explanations of models trained by this engine are exact linear SHAP
//! values: `w_i · (x_i − mean_i)` in log-odds, with the training means as
//! the baseline (features taken as independent, as linear SHAP does). They
//! add up to the log-odds minus the log-odds at the means.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde_json::json;

use super::{Attribution, Explanations, FileParts, Fitted, Fitter, Input, Model, Scorer};
use crate::error::Result;
use crate::model::ModelFile;
use crate::predict::probability;
use crate::schema::Workflow;
use crate::train::fitting::{
    check_cancel, Candidate, CrossValidation, FitContext, Folds, TrainingSet,
};
use crate::train::{logistic, metrics, TrainSettings};

pub const MODEL_TYPE: &str = "logistic-regression-l2";

#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    /// `weights[i]` for vector entry i; 0 where the file has no weight.
    pub weights: Vec<f64>,
    pub bias: f64,
    /// The explanation baseline, per vector entry (the file's feature means).
    pub means: Option<Vec<f64>>,
    pub explanations: Explanations,
}

impl LinearModel {
    pub fn from_file(
        workflow: &'static Workflow,
        file: &ModelFile,
        means: Option<&[f64]>,
        explanations: Explanations,
    ) -> std::result::Result<LinearModel, String> {
        if !file.bias.is_finite() {
            return Err("bias is not a finite number".to_string());
        }
        let mut weights = vec![0.0; workflow.vector.len()];
        for (name, w) in &file.weights {
            if !w.is_finite() {
                return Err(format!("weight '{name}' is not a finite number"));
            }
            // Weights for features the vector does not have can never contribute
            // (the old engine looked weights up by vector key); they are ignored.
            if let Some(i) = workflow.feature_index(name) {
                weights[i] = *w;
            }
        }
        Ok(LinearModel {
            weights,
            bias: file.bias,
            means: means.map(<[f64]>::to_vec),
            explanations,
        })
    }

    pub fn to_file(&self) -> FileParts {
        FileParts {
            weights: self.weights.clone(),
            bias: self.bias,
            extra: BTreeMap::new(),
        }
    }

    /// `σ(a · (bias + w·x) + b)` as a logistic model of its own.
    pub fn absorb_platt(&mut self, a: f64, b: f64) {
        self.weights.iter_mut().for_each(|w| *w *= a);
        self.bias = a * self.bias + b;
    }
}

impl Scorer for LinearModel {
    fn probability(&self, input: Input) -> f64 {
        probability(&self.weights, self.bias, input.vector)
    }

    fn explain(&self, input: Input, out: &mut [Attribution]) {
        let means = self.means.as_deref();
        let d = self.weights.len();
        if out.len() > d {
            // Raw fields outside the vector: no part in a model of the vector.
            out[d..].fill(Attribution::default());
        }
        for (i, ((a, &weight), &value)) in out
            .iter_mut()
            .zip(&self.weights)
            .zip(input.vector)
            .enumerate()
        {
            let centred = match means {
                Some(m) => value - m[i],
                None => value,
            };
            let contribution = match self.explanations {
                Explanations::Unsigned => (weight * centred).abs().min(f64::MAX),
                // An entry without weight contributes nothing, even where
                // the distance from a file's mean overflows (0 · ∞ is NaN).
                Explanations::Signed if weight == 0.0 => 0.0,
                Explanations::Signed => (weight * centred).clamp(-f64::MAX, f64::MAX),
            };
            *a = Attribution {
                weight,
                contribution,
            };
        }
    }

    fn explanations(&self) -> Explanations {
        self.explanations
    }

    fn linear(&self) -> Option<(&[f64], f64)> {
        Some((&self.weights, self.bias))
    }
}

/// The rows `idx` of a training set, as a fit's row source.
struct Selected<'a> {
    set: &'a TrainingSet<'a>,
    idx: &'a [usize],
}

impl logistic::Rows for Selected<'_> {
    fn len(&self) -> usize {
        self.idx.len()
    }

    #[inline(always)]
    fn row(&self, i: usize) -> &[f64] {
        self.set.row(self.idx[i])
    }
}

/// Fits logistic regression, choosing `C` from the settings' grid by the
/// lowest out-of-fold log-loss (ties go to the smaller `C`).
pub struct LogisticFitter;

/// A fold's regularisation path stops after this many values of C in a row
/// that lower its held-out log-loss by less than `PATH_MIN_GAIN`.
pub const PATH_PATIENCE: usize = 2;
/// Nats of held-out log-loss a larger C must gain to keep a path going:
/// past the minimum the loss of a large data set creeps down by 1e-6 per
/// step on a flat tail, which no choice of C would notice.
pub const PATH_MIN_GAIN: f64 = 1e-5;

impl LogisticFitter {
    fn fit_c(set: &TrainingSet, rows: &[usize], c: f64) -> Result<logistic::Fit> {
        let y: Vec<bool> = rows.iter().map(|i| set.y[*i]).collect();
        logistic::fit_rows(&Selected { set, idx: rows }, set.d, &y, c)
    }
}

/// The step (of `0..steps`) with the lowest `loss`; on ties the earlier
/// one (the smaller C).
fn lowest(steps: usize, loss: impl Fn(usize) -> f64) -> usize {
    (1..steps).fold(0, |b, step| if loss(step) < loss(b) { step } else { b })
}

/// Per fold f, the step with the lowest held-out loss summed over the
/// other folds. `held_loss[f][step]`: fold f's summed held-out log-loss at
/// each step every fold reached.
fn steps_chosen_by_other_folds(held_loss: &[Vec<f64>]) -> Vec<usize> {
    let steps = held_loss.iter().map(Vec::len).min().unwrap_or(0);
    (0..held_loss.len())
        .map(|f| {
            lowest(steps, |step| {
                held_loss
                    .iter()
                    .enumerate()
                    .filter(|(h, _)| *h != f)
                    .map(|(_, l)| l[step])
                    .sum()
            })
        })
        .collect()
}

/// One fold's regularisation path: its held-out members' probabilities at
/// each C reached, in path order, and their summed held-out log-loss there.
type FoldPath = (Vec<Vec<f64>>, Vec<f64>);

impl Fitter for LogisticFitter {
    fn model_type(&self) -> &'static str {
        MODEL_TYPE
    }

    fn unusable(&self, _set: &TrainingSet) -> Option<String> {
        None
    }

    fn cross_validation_units(
        &self,
        settings: &TrainSettings,
        _rows: usize,
        folds: usize,
    ) -> usize {
        settings.grid.len() * folds
    }

    fn cross_validate(
        &self,
        set: &TrainingSet,
        members: &[usize],
        folds: &Folds,
        ctx: &FitContext,
    ) -> Result<CrossValidation> {
        let grid = &ctx.settings.grid;
        let k = folds.k;
        // One task per fold: the grid in increasing C, each fit started from
        // the previous one's solution and its pass (`logistic::Path`). A fold's path
        // stops once its held-out log-loss has not improved (by
        // `PATH_MIN_GAIN`) for `PATH_PATIENCE` values of C in a row: past its minimum the
        // held-out loss of a logistic path rises or stays flat, and every
        // fit costs a pass over the rows per Newton step. Per fold, the
        // held-out members' probabilities at each C reached, in path order,
        // and their summed held-out log-loss there.
        let mut path: Vec<usize> = (0..grid.len()).collect();
        path.sort_by(|a, b| grid[*a].total_cmp(&grid[*b]));
        let per_fold: Vec<Result<FoldPath>> = (0..k)
            .into_par_iter()
            .map(|f| {
                let (fit_rows, held) = folds.split(members, f);
                let y: Vec<bool> = fit_rows.iter().map(|i| set.y[*i]).collect();
                let held_y: Vec<bool> = held.iter().map(|i| set.y[*i]).collect();
                let rows = Selected {
                    set,
                    idx: &fit_rows,
                };
                let (mut reached, mut held_loss) = (Vec::new(), Vec::new());
                let mut fits = logistic::Path::new(&rows, set.d, &y)?;
                let (mut best, mut since_best) = (f64::INFINITY, 0);
                for &g in &path {
                    check_cancel(ctx.cancel)?;
                    let fit = fits.fit(grid[g])?;
                    (ctx.tick)(1);
                    let p: Vec<f64> = held.iter().map(|i| fit.probability(set.row(*i))).collect();
                    let loss = metrics::log_loss(&p, &held_y);
                    reached.push(p);
                    held_loss.push(loss * held_y.len() as f64);
                    if loss < best - PATH_MIN_GAIN {
                        (best, since_best) = (loss, 0);
                    } else {
                        since_best += 1;
                        if since_best >= PATH_PATIENCE {
                            break;
                        }
                    }
                }
                Ok((reached, held_loss))
            })
            .collect();
        let (per_fold, held_loss): (Vec<_>, Vec<_>) = per_fold
            .into_iter()
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        // The values of C every fold reached: those have out-of-fold
        // probabilities for every member.
        let reached = per_fold.iter().map(Vec::len).min().unwrap_or(0);
        let y: Vec<bool> = members.iter().map(|i| set.y[*i]).collect();
        let oof = |step: usize| folds.assemble(members, |f| &per_fold[f][step]);
        let losses: Vec<f64> = (0..reached)
            .map(|step| metrics::log_loss(&oof(step), &y))
            .collect();
        // Lowest loss; on ties the smaller C (the earlier step).
        let best = lowest(reached, |step| losses[step]);
        // The out-of-fold probabilities are cross-fitted, as the trees'
        // are: fold f's rows take fold f's fit at the C the *other* folds
        // choose, so fold f's labels do not choose its C (they only end its
        // path, which caps the values every fold reached, as a tree fold's
        // early stop caps the rounds), and the families are compared on
        // equal terms (the C chosen on all rows is a little optimistic about
        // its own rows, most at a few hundred rows).
        let step_of = steps_chosen_by_other_folds(&held_loss);
        let oof = folds.assemble(members, |f| &per_fold[f][step_of[f]]);
        Ok(CrossValidation {
            log_loss: metrics::log_loss(&oof, &y),
            oof,
            chosen: json!({ "C": grid[path[best]] }),
            candidates: (0..reached)
                .map(|step| Candidate {
                    params: json!({ "C": grid[path[step]] }),
                    log_loss: losses[step],
                })
                .collect(),
        })
    }

    fn fit(
        &self,
        set: &TrainingSet,
        members: &[usize],
        chosen: &serde_json::Value,
        ctx: &FitContext,
    ) -> Result<Fitted> {
        check_cancel(ctx.cancel)?;
        let c = chosen["C"].as_f64().unwrap_or(1.0);
        let fit = Self::fit_c(set, members, c)?;
        (ctx.tick)(1);
        Ok(Fitted {
            model: Model::Linear(LinearModel {
                weights: fit.weights,
                bias: fit.bias,
                means: Some(set.means.to_vec()),
                explanations: Explanations::Signed,
            }),
            hyperparameters: json!({
                "C": c,
                "grid": ctx.settings.grid,
                "pathPatience": PATH_PATIENCE,
                "pathMinGain": PATH_MIN_GAIN,
                "tolerance": logistic::TOLERANCE,
                "maxIterations": logistic::MAX_ITERATIONS,
                "iterations": fit.iterations,
                "converged": fit.converged,
                "standardised": true,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::steps_chosen_by_other_folds;

    #[test]
    fn each_fold_is_scored_at_the_step_the_other_folds_choose() {
        // Fold 0 alone favours step 2, by far; folds 1 and 2 favour step 0.
        // Pooled, step 2 wins (6 + 8 + 9 = 23 against 30 + 2 + 2 = 34), yet
        // neither other fold would pick it for fold 0, and fold 0's own
        // labels do not decide its step.
        let held = vec![
            vec![30.0, 20.0, 6.0],
            vec![2.0, 5.0, 8.0],
            vec![2.0, 6.0, 9.0],
        ];
        assert_eq!(steps_chosen_by_other_folds(&held), [0, 2, 2]);
        // Ties go to the earlier step (the smaller C).
        assert_eq!(
            steps_chosen_by_other_folds(&[vec![1.0, 1.0], vec![1.0, 1.0]]),
            [0, 0]
        );
        // Only the steps every fold reached count.
        assert_eq!(
            steps_chosen_by_other_folds(&[vec![5.0, 1.0, 0.0], vec![5.0, 1.0]]),
            [1, 1]
        );
    }
}
