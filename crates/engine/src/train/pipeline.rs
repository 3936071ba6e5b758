//! Training one workflow, step by step:
//!
//! 1. `prepare`: validate the rows, impute omitted fields, check there is
//!    enough data;
//! 2. `plan`: which rows choose and evaluate the model. By default every
//!    row: metrics are computed on out-of-fold predictions over all rows.
//!    With `SplitMode::Time`, the latest 20 % by timestamp are held out
//!    and the rest choose the model; metrics come from the held-out rows;
//! 3. `cross_validate` each candidate family on the same stratified folds
//!    (each family picks its own hyperparameters by out-of-fold log-loss);
//! 4. `calibrate` each family's out-of-fold probabilities (kept only where
//!    cross-fitted log-loss improves, see `calibrate`);
//! 5. `select` the family with the lowest (calibrated) out-of-fold log-loss;
//! 6. `evaluate` on the plan's evaluation rows, with the verdict (out of
//!    fold: each fold's rows scored by the family the other folds select,
//!    see `cross_fitted_selection`; an `ok` close to 0.5 must also pass
//!    `null_test`, steps 3 to 6 rerun on shuffled labels);
//! 7. `refit` the chosen configuration on all rows (the shipped model);
//! 8. `build` the model file, recording the choice and every candidate's score.

use super::build::{self, Choice, FamilyScore};
use super::calibrate::{self, Calibrated};
use super::data::Dataset;
use super::evaluate::{self, Evaluation};
use super::fitting::{check_cancel, CrossValidation, FitContext, Folds, TrainingSet};
use super::metrics;
use super::null_test;
use super::prepare::{insufficient, prepare, Prepared};
use super::report_rows;
use super::{SplitMode, TrainSettings, WorkflowResult};
use crate::calibration::Calibration;
use crate::error::{EngineError, Result};
use crate::family::{fitters, Fitted, Fitter};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A workflow with this many rows or more is cross-validated on
/// `TrainSettings::large_folds` folds (3 by default) unless the caller set
/// the folds: its out-of-fold estimates are already tight (each fold holds
/// thousands of rows), and every fold is one more fit of every candidate.
/// scikit-learn's `HistGradientBoostingClassifier` draws a similar line
/// (early stopping on by default from 10,000 rows).
pub const LARGE_ROWS: usize = 20_000;

/// The folds wanted for a workflow of `rows` rows (before the class counts
/// of the choosing rows cap them).
pub fn folds_for(settings: &TrainSettings, rows: usize) -> usize {
    match settings.large_folds {
        Some(k) if rows >= LARGE_ROWS => k.min(settings.folds),
        _ => settings.folds,
    }
}

/// Share of the rows held out, latest first, by `SplitMode::Time`.
pub const TIME_HOLDOUT_SHARE: f64 = 0.2;

/// Which rows choose the model and which measure it.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// All rows choose; metrics are out-of-fold over all rows.
    OutOfFold,
    /// The rows in `choose` (earlier) choose; `holdout` (the latest) measure.
    TimeHoldout {
        choose: Vec<usize>,
        holdout: Vec<usize>,
    },
}

impl Plan {
    pub fn rows_label(&self) -> &'static str {
        match self {
            Plan::OutOfFold => "out-of-fold",
            Plan::TimeHoldout { .. } => "time-holdout",
        }
    }
}

/// Progress units training one workflow of `rows` rows announces (as
/// `tick` reports them) before it starts. A verdict's permutation test adds
/// its own when it begins (`train_workflow`'s `announce`): whether one is
/// needed is known only once the selection has run.
pub fn units(settings: &TrainSettings, rows: usize) -> usize {
    let folds = folds_for(settings, rows);
    let cv: usize = fitters()
        .iter()
        .map(|f| f.cross_validation_units(settings, rows, folds))
        .sum();
    cv + 1 + usize::from(settings.split == SplitMode::Time)
}

fn plan(p: &Prepared, split: SplitMode, source: &str) -> Result<Plan> {
    match split {
        SplitMode::Cv => Ok(Plan::OutOfFold),
        SplitMode::Time => {
            if let Some(k) = p.timestamps.iter().position(Option::is_none) {
                return Err(EngineError::InvalidData {
                    file: source.to_string(),
                    row: p.lines[k],
                    field: "timestamp".to_string(),
                    reason:
                        "is missing or not an ISO-8601 time, and split 'time' orders rows by it"
                            .to_string(),
                });
            }
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by_key(|i| (p.timestamps[*i], *i));
            let n_holdout = ((p.len() as f64 * TIME_HOLDOUT_SHARE).round() as usize).max(1);
            let (choose, holdout) = order.split_at(p.len() - n_holdout);
            let mut choose = choose.to_vec();
            let mut holdout = holdout.to_vec();
            choose.sort_unstable();
            holdout.sort_unstable();
            Ok(Plan::TimeHoldout { choose, holdout })
        }
    }
}

/// A family's cross-validation and calibration, or why it was not tried.
struct Tried<'f> {
    fitter: &'f dyn Fitter,
    outcome: std::result::Result<(CrossValidation, Calibrated), String>,
}

/// Score the set's rows `rows` with a fitted model and its calibration.
fn score(
    set: &TrainingSet,
    fitted: &Fitted,
    calibration: Option<&Calibration>,
    rows: &[usize],
) -> Vec<f64> {
    let scorer = fitted.model.scorer();
    rows.iter()
        .map(|i| {
            let p = scorer.probability(set.input(*i));
            calibration.map_or(p, |c| c.apply(p))
        })
        .collect()
}

/// The out-of-fold probabilities of the whole selection: fold f's rows take
/// the calibrated out-of-fold probabilities of the family that the *other*
/// folds select (lowest calibrated log-loss over their rows). So no row's
/// label chose the family its probability comes from, as none chose its
/// model, its calibrator or (for trees) its round: the evaluation measures
/// the procedure, not the luckiest family. Aligned with `members`.
fn cross_fitted_selection(
    tried: &[Tried],
    members: &[usize],
    y: &[bool],
    folds: &Folds,
) -> Vec<f64> {
    let usable: Vec<&Calibrated> = tried
        .iter()
        .filter_map(|t| t.outcome.as_ref().ok().map(|(_, c)| c))
        .collect();
    let mut out = vec![0.0; members.len()];
    for f in 0..folds.k {
        let others = |c: &Calibrated| {
            let (mut loss, mut rows) = (0.0, 0usize);
            for (p, i) in c.oof.iter().zip(members) {
                if folds.fold_of[*i] != f {
                    loss += metrics::log_loss(&[*p], &[y[*i]]);
                    rows += 1;
                }
            }
            loss / rows.max(1) as f64
        };
        let scores: Vec<f64> = usable.iter().map(|c| others(c)).collect();
        // The first family on ties, as `select` prefers.
        let best = (0..usable.len()).fold(0, |b, k| if scores[k] < scores[b] { k } else { b });
        for (k, i) in members.iter().enumerate() {
            if folds.fold_of[*i] == f {
                out[k] = usable[best].oof[k];
            }
        }
    }
    out
}

/// Steps 3 and 4 on the set's labels: `k` stratified folds of `members`
/// (seeded per workflow), and every usable family cross-validated and
/// calibrated on them. The verdict's permutation test reruns exactly this
/// (and `cross_fitted_selection`) on shuffled labels, so both must go
/// through here.
fn cross_validate_families(
    set: &TrainingSet,
    members: &[usize],
    k: usize,
    ctx: &FitContext,
) -> Result<(Folds, Vec<Tried<'static>>)> {
    let folds = Folds::stratified(
        members,
        set.y,
        k,
        ctx.settings.seed,
        1000 + set.workflow.index as u64,
    );
    let mut tried = Vec::new();
    for fitter in fitters() {
        check_cancel(ctx.cancel)?;
        let outcome = match fitter.unusable(set) {
            Some(reason) => Err(reason),
            None => {
                let cv = fitter.cross_validate(set, members, &folds, ctx)?;
                let calibrated = calibrate::choose(&cv.oof, members, set.y, &folds)?;
                Ok((cv, calibrated))
            }
        };
        tried.push(Tried {
            fitter: *fitter,
            outcome,
        });
    }
    Ok((folds, tried))
}

/// Fold a Platt calibration into the model where its family can express
/// it; returns the calibration still to apply after the model.
fn attach(fitted: &mut Fitted, calibration: Option<Calibration>) -> Option<Calibration> {
    match calibration {
        Some(Calibration::Platt { a, b }) if fitted.model.absorb_platt(a, b) => None,
        other => other,
    }
}

/// Train one workflow. `tick(n)`: `n` progress units done, of the
/// `units(settings, rows)` planned, plus any that `announce(n)` adds on the
/// way (the permutation test's reruns), all of which are ticked too.
pub fn train_workflow(
    dataset: &Dataset,
    settings: &TrainSettings,
    tick: &(dyn Fn(usize) + Sync),
    announce: &(dyn Fn(usize) + Sync),
    cancel: &AtomicBool,
) -> Result<WorkflowResult> {
    let w = dataset.workflow;
    let prepared = prepare(dataset)?;
    let plan = plan(&prepared, settings.split, &dataset.source)?;
    let all: Vec<usize> = (0..prepared.len()).collect();
    let members: &[usize] = match &plan {
        Plan::OutOfFold => &all,
        Plan::TimeHoldout { choose, .. } => choose,
    };
    let y = &prepared.y;
    let member_positives = members.iter().filter(|i| y[**i]).count();
    let k = folds_for(settings, prepared.len())
        .min(member_positives)
        .min(members.len() - member_positives);
    if k < 2 {
        return Err(insufficient(
            w,
            "too few rows of one class among the rows that choose the model for cross-validation"
                .to_string(),
        ));
    }
    let set = TrainingSet {
        workflow: w,
        x: &prepared.x,
        d: w.vector.len(),
        records: &prepared.records,
        y,
        means: &prepared.means,
    };
    let ctx = FitContext {
        settings,
        cancel,
        tick,
    };

    let (folds, tried) = cross_validate_families(&set, members, k, &ctx)?;
    // Select: the lowest calibrated out-of-fold log-loss (first on ties).
    let chosen = tried
        .iter()
        .enumerate()
        .filter_map(|(k, t)| t.outcome.as_ref().ok().map(|(_, c)| (k, c.log_loss())))
        .fold(None, |best: Option<(usize, f64)>, (k, l)| match best {
            Some((_, b)) if b <= l => best,
            _ => Some((k, l)),
        })
        .map(|(k, _)| k)
        .ok_or_else(|| {
            EngineError::Internal(format!("no model family can train {}", w.workflow_type()))
        })?;
    let fitter = tried[chosen].fitter;
    let (cv, calibrated) = match &tried[chosen].outcome {
        Ok(x) => x,
        Err(reason) => return Err(EngineError::Internal(reason.clone())),
    };
    let y_members: Vec<bool> = members.iter().map(|i| y[*i]).collect();
    let threshold = metrics::best_f1_threshold(&calibrated.oof, &y_members);

    // Evaluate on the plan's rows.
    let true_p = |rows: &[usize]| -> Option<Vec<f64>> {
        prepared
            .true_probability
            .as_ref()
            .map(|tp| rows.iter().map(|i| tp[*i]).collect())
    };
    let evaluate = |p: &[f64], rows: &[usize]| -> Evaluation {
        let labels: Vec<bool> = rows.iter().map(|i| y[*i]).collect();
        evaluate::evaluate(
            p,
            &labels,
            true_p(rows).as_deref(),
            threshold,
            settings.bootstrap_resamples,
            settings.seed,
            2000 + w.index as u64,
        )
    };
    let (evaluation, evaluated_rows, evaluated_p) = match &plan {
        Plan::OutOfFold => {
            let p = cross_fitted_selection(&tried, members, y, &folds);
            (evaluate(&p, members), members, p)
        }
        Plan::TimeHoldout { holdout, .. } => {
            let mut earlier = fitter.fit(&set, members, &cv.chosen, &ctx)?;
            let calibration = attach(&mut earlier, calibrated.calibration.clone());
            let p = score(&set, &earlier, calibration.as_ref(), holdout);
            (evaluate(&p, holdout), holdout.as_slice(), p)
        }
    };

    // An `ok` close to 0.5 must also stand against the whole selection rerun
    // on shuffled labels (`null_test`). A time holdout scores one fitted
    // model on rows it never saw, which the bootstrap interval describes.
    let evaluation = match &plan {
        Plan::OutOfFold if evaluation.needs_null_test(&y_members) => {
            let observed = evaluation.metrics.auc.unwrap_or(0.5);
            // Every rerun is announced up front, so progress keeps moving
            // through the reruns; an early stop counts the rest as done.
            let planned = null_test::PERMUTATIONS
                * fitters()
                    .iter()
                    .filter(|f| f.unusable(&set).is_none())
                    .map(|f| f.cross_validation_units(settings, members.len(), k))
                    .sum::<usize>();
            announce(planned);
            let rerun_ticks = AtomicUsize::new(0);
            let rerun_tick = |n: usize| {
                rerun_ticks.fetch_add(n, Ordering::Relaxed);
                tick(n);
            };
            let rerun_ctx = FitContext {
                settings,
                cancel,
                tick: &rerun_tick,
            };
            let test = null_test::run(
                &y_members,
                observed,
                settings.seed,
                3000 + w.index as u64,
                |shuffled| {
                    let mut y_shuffled = y.clone();
                    for (m, i) in members.iter().enumerate() {
                        y_shuffled[*i] = shuffled[m];
                    }
                    let set = TrainingSet {
                        y: &y_shuffled,
                        ..set
                    };
                    let (folds, tried) = cross_validate_families(&set, members, k, &rerun_ctx)?;
                    let p = cross_fitted_selection(&tried, members, &y_shuffled, &folds);
                    Ok(metrics::auc(&p, shuffled).unwrap_or(0.5))
                },
            )?;
            tick(planned.saturating_sub(rerun_ticks.load(Ordering::Relaxed)));
            evaluation.with_null_test(&y_members, test)
        }
        _ => evaluation,
    };

    // Refit on all rows: the shipped model.
    let mut shipped = fitter.fit(&set, &all, &cv.chosen, &ctx)?;
    let report_rows = report_rows::collect(
        &set,
        evaluated_rows,
        &evaluated_p,
        prepared.true_probability.as_deref(),
        &shipped,
    );
    let evaluated_rows = evaluated_rows.len();
    let calibration = attach(&mut shipped, calibrated.calibration.clone());

    let scores: Vec<FamilyScore> = tried
        .iter()
        .map(|t| FamilyScore {
            model_type: t.fitter.model_type(),
            outcome: t
                .outcome
                .as_ref()
                .map(|(cv, c)| (cv.clone(), c.scores, c.method))
                .map_err(Clone::clone),
        })
        .collect();
    let choice = Choice {
        model_type: fitter.model_type(),
        calibration_method: calibrated.method,
        calibration,
        cv_log_loss: calibrated.log_loss(),
        folds: k,
        plan_rows: plan.rows_label(),
        evaluated_rows,
        threshold,
    };
    Ok(build::result(
        w,
        &prepared,
        dataset,
        settings,
        shipped,
        choice,
        scores,
        evaluation,
        report_rows,
    ))
}
