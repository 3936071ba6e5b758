//! Training: per workflow, a seeded stratified 80/20 split; L2 logistic
//! regression whose strength `C` is chosen by stratified k-fold
//! cross-validation (mean out-of-fold log-loss) on the training part; a
//! decision threshold tuned for F1 on the out-of-fold predictions; a refit
//! on the whole training part; and honest metrics on the held-out 20 %,
//! next to the Bayes limit when the data carries true probabilities.
//!
//! Work runs in parallel with rayon across workflows × regularisation grid ×
//! folds. Nothing here knows about JavaScript: `run` takes plain options, a
//! progress callback and a cancellation flag, so it can run inside a napi
//! `AsyncTask`.

pub mod data;
pub mod logistic;
pub mod metrics;
pub mod report;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rayon::prelude::*;
use serde_json::json;

use crate::error::{EngineError, Result};
use crate::model::{self, ModelFile};
use crate::schema::Workflow;
use crate::synth::{self, math::Draws, Counts};
use data::{Dataset, Loaded, RowFormat};
use metrics::Metrics;

pub use crate::synth::time::now_iso;

/// A workflow needs at least this many rows to be trained.
pub const MIN_ROWS: usize = 20;
/// Share of each class held out for validation.
pub const VALIDATION_SHARE: f64 = 0.2;
pub const MODEL_TYPE: &str = "logistic-regression-l2";
/// How `C` is chosen, as the report states it (the rule `train_dataset_counted` applies).
pub const SELECTION_RULE: &str = "one-standard-error rule: the smallest C whose mean out-of-fold \
     log-loss is within one standard error (over the folds) of the lowest";

/// `C` from 0.01 to 100 in steps of 10^0.5 (9 values).
pub fn default_grid() -> Vec<f64> {
    (0..9).map(|k| 10f64.powf(-2.0 + 0.5 * k as f64)).collect()
}

/// Where the training rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// Generate scenarios with the options' seed and counts.
    Generated,
    /// A file; each row's format is detected (old format or raw outcome).
    File(PathBuf),
    /// A file in the old training-data format.
    OldFormatFile(PathBuf),
    /// A JSON/JSONL file of recorded outcomes `{ features: <raw>, failed }`.
    OutcomesFile(PathBuf),
}

/// Settings that affect how one workflow is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    pub seed: u64,
    pub folds: usize,
    pub grid: Vec<f64>,
    pub bootstrap_resamples: usize,
    /// Written as `trainedAt`; taken from the caller so training stays deterministic.
    pub trained_at: String,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            seed: 42,
            folds: 5,
            grid: default_grid(),
            bootstrap_resamples: 1000,
            trained_at: String::new(),
        }
    }
}

impl TrainSettings {
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, reason: String| {
            Err(EngineError::InvalidArgument {
                name: name.to_string(),
                reason,
            })
        };
        if !(2..=20).contains(&self.folds) {
            return bad(
                "folds",
                format!("expected 2 to 20, received {}", self.folds),
            );
        }
        if self.grid.is_empty() || self.grid.iter().any(|c| !(c.is_finite() && *c > 0.0)) {
            return bad("grid", "expected positive finite values of C".to_string());
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub settings: TrainSettings,
    /// Scenarios per workflow for `DataSource::Generated`.
    pub counts: Counts,
    pub data: DataSource,
    /// Where to write models, `training-summary.json` and `TRAINING_REPORT.md`;
    /// `None` writes nothing.
    pub out_dir: Option<PathBuf>,
    /// Skip (and count) invalid rows instead of failing.
    pub skip_invalid: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            settings: TrainSettings::default(),
            counts: Counts::default(),
            data: DataSource::Generated,
            out_dir: None,
            skip_invalid: false,
        }
    }
}

/// Progress: `done` of `total` units of the current stage.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressEvent {
    /// `"load"`, `"train"`, `"write"` or `"done"`.
    pub stage: &'static str,
    pub workflow: Option<&'static str>,
    pub done: usize,
    pub total: usize,
}

pub type Progress<'a> = &'a (dyn Fn(ProgressEvent) + Sync);

/// One trained workflow.
#[derive(Debug, Clone)]
pub struct WorkflowResult {
    pub workflow_type: &'static str,
    pub scenarios: usize,
    pub training_size: usize,
    pub validation_size: usize,
    /// Share of failed rows in the whole dataset.
    pub failure_rate: f64,
    /// The model on the held-out rows, at its tuned threshold.
    pub metrics: Metrics,
    /// The true probability on the same rows (threshold 0.5), when known.
    pub bayes: Option<Metrics>,
    /// Bootstrap 95 % interval of the held-out AUC.
    pub auc_interval: Option<(f64, f64)>,
    /// `"ok"` or `"no-signal"`.
    pub verdict: &'static str,
    /// Why the verdict is `no-signal`.
    pub verdict_reason: Option<String>,
    pub c: f64,
    pub folds: usize,
    pub cv_log_loss: f64,
    pub iterations: usize,
    pub converged: bool,
    pub absent_features: Vec<&'static str>,
    pub model: ModelFile,
}

/// A workflow that could not be trained.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedWorkflow {
    pub workflow_type: &'static str,
    pub rows: usize,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct TrainReport {
    pub results: Vec<WorkflowResult>,
    pub skipped: Vec<SkippedWorkflow>,
    pub total_scenarios: usize,
    pub invalid_rows_skipped: usize,
    pub skipped_row_examples: Vec<String>,
    pub settings: TrainSettings,
    /// Describes the data source, for reports.
    pub source: String,
    /// `training-summary.json` content.
    pub summary: serde_json::Value,
    /// `TRAINING_REPORT.md` content.
    pub markdown: String,
    /// Files written, models first and the summary last.
    pub written: Vec<PathBuf>,
}

fn check_cancel(cancel: &AtomicBool) -> Result<()> {
    if cancel.load(Ordering::Relaxed) {
        Err(EngineError::Aborted)
    } else {
        Ok(())
    }
}

/// Load or generate the data, train every workflow, and write the outputs
/// (models first, summary last, all atomically) when `out_dir` is set.
pub fn run(options: &TrainOptions, progress: Progress, cancel: &AtomicBool) -> Result<TrainReport> {
    options.settings.validate()?;
    progress(ProgressEvent {
        stage: "load",
        workflow: None,
        done: 0,
        total: 1,
    });
    let (loaded, source) = match &options.data {
        DataSource::Generated => {
            let scenarios = synth::generate(options.settings.seed, &options.counts);
            (
                data::from_scenarios(&scenarios),
                format!("generated (seed {})", options.settings.seed),
            )
        }
        DataSource::File(p) => (
            data::from_file(p, RowFormat::Auto, options.skip_invalid)?,
            p.display().to_string(),
        ),
        DataSource::OldFormatFile(p) => (
            data::from_file(p, RowFormat::OldFormat, options.skip_invalid)?,
            p.display().to_string(),
        ),
        DataSource::OutcomesFile(p) => (
            data::from_file(p, RowFormat::Outcome, options.skip_invalid)?,
            p.display().to_string(),
        ),
    };
    check_cancel(cancel)?;
    let mut report = train_loaded(&loaded, &source, &options.settings, progress, cancel)?;
    if let Some(dir) = &options.out_dir {
        report.written = write_outputs(dir, &report, progress, cancel)?;
    }
    progress(ProgressEvent {
        stage: "done",
        workflow: None,
        done: 1,
        total: 1,
    });
    Ok(report)
}

/// Train every dataset of `loaded` (in parallel) and build the report, without writing.
pub fn train_loaded(
    loaded: &Loaded,
    source: &str,
    settings: &TrainSettings,
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<TrainReport> {
    settings.validate()?;
    let per_workflow = settings.grid.len() * settings.folds + 1;
    let counter = FitCounter {
        done: AtomicUsize::new(0),
        total: loaded.datasets.len() * per_workflow,
        progress,
    };
    let outcomes: Vec<Result<WorkflowResult>> = loaded
        .datasets
        .par_iter()
        .map(|d| {
            let r = train_dataset_counted(d, settings, &counter, cancel);
            let used = r.as_ref().map_or(0, |r| r.folds * settings.grid.len() + 1);
            counter.finish_workflow(d.workflow.workflow_type(), per_workflow, used);
            r
        })
        .collect();
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    for (d, outcome) in loaded.datasets.iter().zip(outcomes) {
        match outcome {
            Ok(r) => results.push(r),
            Err(EngineError::InsufficientData { reason, .. }) => skipped.push(SkippedWorkflow {
                workflow_type: d.workflow.workflow_type(),
                rows: d.rows.len(),
                reason,
            }),
            Err(e) => return Err(e),
        }
    }
    let mut report = TrainReport {
        results,
        skipped,
        total_scenarios: loaded.total_rows(),
        invalid_rows_skipped: loaded.invalid_rows_skipped,
        skipped_row_examples: loaded.skipped_examples.clone(),
        settings: settings.clone(),
        source: source.to_string(),
        summary: serde_json::Value::Null,
        markdown: String::new(),
        written: Vec::new(),
    };
    report.summary = report::summary_json(&report);
    report.markdown = report::markdown(&report);
    Ok(report)
}

struct FitCounter<'a> {
    done: AtomicUsize,
    total: usize,
    progress: Progress<'a>,
}

impl FitCounter<'_> {
    fn tick(&self, workflow: &'static str, n: usize) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        (self.progress)(ProgressEvent {
            stage: "train",
            workflow: Some(workflow),
            done: done.min(self.total),
            total: self.total,
        });
    }

    /// Top the counter up to a workflow's full share: skipped workflows and
    /// reduced fold counts fit less than was announced.
    fn finish_workflow(&self, workflow: &'static str, share: usize, used: usize) {
        self.tick(workflow, share.saturating_sub(used));
    }
}

/// Train one workflow from labelled rows (the old `trainWorkflowModel`).
/// Fails with `InsufficientData` for fewer than `MIN_ROWS` rows or one class,
/// and with `InvalidData` (source `"<input>"`) for a wrong-length or
/// non-finite vector.
pub fn train_dataset(
    dataset: &Dataset,
    settings: &TrainSettings,
    cancel: &AtomicBool,
) -> Result<WorkflowResult> {
    settings.validate()?;
    let counter = FitCounter {
        done: AtomicUsize::new(0),
        total: settings.grid.len() * settings.folds + 1,
        progress: &|_| {},
    };
    train_dataset_counted(dataset, settings, &counter, cancel)
}

/// The old `trainWorkflowModel(workflowType, scenarios)`: train one workflow
/// from rows given as JSON text (an array of old-format rows or raw
/// outcomes, detected per row). Every row must belong to `workflow_type`:
/// rows of another workflow are an `InvalidArgument` naming how many.
pub fn train_workflow_from_json(
    workflow_type: &str,
    rows_json: &str,
    settings: &TrainSettings,
    cancel: &AtomicBool,
) -> Result<WorkflowResult> {
    let w = crate::schema::find_workflow(workflow_type)
        .ok_or_else(|| crate::features::unknown_workflow(workflow_type))?;
    let values: Vec<serde_json::Value> =
        serde_json::from_str(rows_json).map_err(|e| EngineError::InvalidArgument {
            name: "scenarios".to_string(),
            reason: format!("expected an array of training rows: {e}"),
        })?;
    let loaded = data::from_values(&values, "scenarios", RowFormat::Auto, false)?;
    let dataset = &loaded.datasets[w.index];
    let other = loaded.total_rows() - dataset.rows.len();
    if other > 0 {
        return Err(EngineError::InvalidArgument {
            name: "scenarios".to_string(),
            reason: format!("{other} rows belong to other workflows than '{workflow_type}'"),
        });
    }
    train_dataset(dataset, settings, cancel)
}

fn insufficient(w: &Workflow, reason: String) -> EngineError {
    EngineError::InsufficientData {
        workflow: w.workflow_type().to_string(),
        reason,
    }
}

fn train_dataset_counted(
    dataset: &Dataset,
    settings: &TrainSettings,
    counter: &FitCounter,
    cancel: &AtomicBool,
) -> Result<WorkflowResult> {
    let w = dataset.workflow;
    let rows = &dataset.rows;
    let d = w.vector.len();
    // Never fit on NaN: every vector must be complete and finite.
    for (i, r) in rows.iter().enumerate() {
        let bad = |field: String, reason: String| EngineError::InvalidData {
            file: "<input>".to_string(),
            row: i + 1,
            field,
            reason,
        };
        if r.vector.len() != d {
            return Err(bad(
                "features".to_string(),
                format!(
                    "has {} values, {} expects {d}",
                    r.vector.len(),
                    w.workflow_type()
                ),
            ));
        }
        if let Some(j) = r.vector.iter().position(|x| !x.is_finite()) {
            return Err(bad(
                w.vector[j].feature.to_string(),
                format!("expected a finite number, received {}", r.vector[j]),
            ));
        }
        if r.true_probability
            .is_some_and(|p| !(0.0..=1.0).contains(&p))
        {
            return Err(bad(
                "trueFailureProbability".to_string(),
                "expected a probability in [0, 1]".to_string(),
            ));
        }
    }
    let n = rows.len();
    let n_pos = rows.iter().filter(|r| r.failed).count();
    if n < MIN_ROWS {
        return Err(insufficient(
            w,
            format!("only {n} rows (at least {MIN_ROWS} needed)"),
        ));
    }
    if n_pos == 0 || n_pos == n {
        let class = if n_pos == 0 { "succeeded" } else { "failed" };
        return Err(insufficient(
            w,
            format!("all {n} rows {class}: only one class"),
        ));
    }

    let Split {
        train: train_idx,
        validation: val_idx,
        train_by_class,
    } = split(rows, settings.seed, w.index);

    let folds = settings
        .folds
        .min(train_by_class[0].len())
        .min(train_by_class[1].len());
    if folds < 2 {
        return Err(insufficient(
            w,
            "too few rows of one class in the training part for cross-validation".to_string(),
        ));
    }
    // Stratified folds: each class's shuffled members dealt round-robin.
    let mut fold_of = vec![0usize; n];
    for members in &train_by_class {
        for (k, i) in members.iter().enumerate() {
            fold_of[*i] = k % folds;
        }
    }

    // Fits read the rows in place (no matrix copy per fit or per workflow).
    let row = |i: usize| rows[i].vector.as_slice();
    let labels: Vec<bool> = rows.iter().map(|r| r.failed).collect();

    // Cross-validation: every (C, fold) fit in parallel.
    let tasks: Vec<(usize, usize)> = (0..settings.grid.len())
        .flat_map(|g| (0..folds).map(move |f| (g, f)))
        .collect();
    // Each task's predictions on its held-out fold, in `train_idx` order.
    let fold_predictions: Vec<Result<Vec<f64>>> = tasks
        .par_iter()
        .map(|&(g, f)| {
            check_cancel(cancel)?;
            let fit_rows: Vec<usize> = train_idx
                .iter()
                .copied()
                .filter(|i| fold_of[*i] != f)
                .collect();
            let held: Vec<usize> = train_idx
                .iter()
                .copied()
                .filter(|i| fold_of[*i] == f)
                .collect();
            let y: Vec<bool> = fit_rows.iter().map(|i| labels[*i]).collect();
            let fit = logistic::fit_rows(
                &Selected {
                    rows,
                    idx: &fit_rows,
                },
                d,
                &y,
                settings.grid[g],
            )?;
            counter.tick(w.workflow_type(), 1);
            Ok(held.iter().map(|i| fit.probability(row(*i))).collect())
        })
        .collect();
    let fold_predictions = fold_predictions.into_iter().collect::<Result<Vec<_>>>()?;
    // Out-of-fold predictions of grid value `g`, by row (0 outside the
    // training part), assembled when needed: one row-length vector at a time.
    let oof = |g: usize| -> Vec<f64> {
        let mut out = vec![0.0; n];
        for f in 0..folds {
            let preds = &fold_predictions[g * folds + f];
            let held = train_idx.iter().filter(|i| fold_of[**i] == f);
            for (i, p) in held.zip(preds) {
                out[*i] = *p;
            }
        }
        out
    };
    let y_train: Vec<bool> = train_idx.iter().map(|i| labels[*i]).collect();
    let cv_losses: Vec<f64> = (0..settings.grid.len())
        .map(|g| {
            let oof = oof(g);
            let p: Vec<f64> = train_idx.iter().map(|i| oof[*i]).collect();
            metrics::log_loss(&p, &y_train)
        })
        .collect();
    // One-standard-error rule: find the lowest mean out-of-fold log-loss,
    // then take the strongest regularisation (smallest C) whose loss is
    // within one standard error of it (SE over the folds' mean losses). With
    // few rows the minimum is noisy and overfits; this picks the simplest
    // model the data cannot tell apart from the best.
    let fold_losses = |g: usize| -> Vec<f64> {
        let oof = oof(g);
        (0..folds)
            .map(|f| {
                let (p, y): (Vec<f64>, Vec<bool>) = train_idx
                    .iter()
                    .filter(|i| fold_of[**i] == f)
                    .map(|i| (oof[*i], labels[*i]))
                    .unzip();
                metrics::log_loss(&p, &y)
            })
            .collect()
    };
    let mut min_g = 0;
    for g in 1..settings.grid.len() {
        if cv_losses[g] < cv_losses[min_g] {
            min_g = g;
        }
    }
    let per_fold = fold_losses(min_g);
    let mean = per_fold.iter().sum::<f64>() / folds as f64;
    let var = per_fold.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (folds - 1) as f64;
    let se = (var / folds as f64).sqrt();
    let mut best = min_g;
    for g in 0..settings.grid.len() {
        if cv_losses[g] <= cv_losses[min_g] + se && settings.grid[g] < settings.grid[best] {
            best = g;
        }
    }
    let c = settings.grid[best];
    let oof_best: Vec<f64> = {
        let oof = oof(best);
        train_idx.iter().map(|i| oof[*i]).collect()
    };
    let threshold = metrics::best_f1_threshold(&oof_best, &y_train);

    check_cancel(cancel)?;
    let fit = logistic::fit_rows(
        &Selected {
            rows,
            idx: &train_idx,
        },
        d,
        &y_train,
        c,
    )?;
    counter.tick(w.workflow_type(), 1);

    // Held-out evaluation.
    let y_val: Vec<bool> = val_idx.iter().map(|i| labels[*i]).collect();
    let p_val: Vec<f64> = val_idx.iter().map(|i| fit.probability(row(*i))).collect();
    let m = Metrics::compute(&p_val, &y_val, threshold);
    let true_p: Option<Vec<f64>> = val_idx.iter().map(|i| rows[*i].true_probability).collect();
    let bayes = true_p.as_ref().map(|tp| Metrics::compute(tp, &y_val, 0.5));
    let interval = metrics::bootstrap_auc_interval(
        &p_val,
        &y_val,
        settings.bootstrap_resamples,
        settings.seed,
        2000 + w.index as u64,
    )
    .map(|(lo, hi, _)| (lo, hi));
    let verdict_reason = match (m.auc, interval) {
        (None, _) => Some("the validation rows have only one class".to_string()),
        (Some(a), _) if a <= 0.5 => Some(format!("held-out AUC {a:.3} is no better than chance")),
        (Some(_), None) => Some("no bootstrap resample had both classes".to_string()),
        (Some(_), Some((lo, hi))) if lo <= 0.5 => Some(format!(
            "the 95% bootstrap interval of the AUC [{lo:.3}, {hi:.3}] includes 0.5"
        )),
        _ => None,
    };
    let verdict = if verdict_reason.is_some() {
        "no-signal"
    } else {
        "ok"
    };

    // Feature means over the training rows, for imputation and explanations.
    let mut means = vec![0.0; d];
    for i in &train_idx {
        for (m, x) in means.iter_mut().zip(row(*i)) {
            *m += x;
        }
    }
    means.iter_mut().for_each(|m| *m /= train_idx.len() as f64);

    let absent = dataset.absent_features();
    let names: Vec<String> = w.feature_names().map(str::to_string).collect();
    let by_name = |values: &[f64]| -> BTreeMap<String, f64> {
        names.iter().cloned().zip(values.iter().copied()).collect()
    };
    let mut extra = BTreeMap::new();
    extra.insert("prAuc".to_string(), json!(m.pr_auc));
    extra.insert(
        "aucInterval".to_string(),
        json!(interval.map(|(lo, hi)| [lo, hi])),
    );
    if let Some(reason) = &verdict_reason {
        extra.insert("verdictReason".to_string(), json!(reason));
    }
    if !absent.is_empty() {
        extra.insert("absentFeatures".to_string(), json!(absent));
    }
    let model = ModelFile {
        workflow_type: w.workflow_type().to_string(),
        weights: by_name(&fit.weights),
        bias: fit.bias,
        feature_names: names.clone(),
        trained_at: settings.trained_at.clone(),
        accuracy: m.accuracy,
        precision: m.precision,
        recall: m.recall,
        f1_score: m.f1,
        training_size: train_idx.len(),
        validation_size: val_idx.len(),
        model_type: Some(MODEL_TYPE.to_string()),
        threshold: Some(threshold),
        feature_means: Some(by_name(&means)),
        auc: m.auc,
        log_loss: Some(m.log_loss),
        brier: Some(m.brier),
        ece: Some(m.ece),
        baseline_accuracy: Some(m.baseline_accuracy),
        bayes: bayes.as_ref().map(Metrics::to_json),
        verdict: Some(verdict.to_string()),
        hyperparameters: Some(json!({
            "C": c,
            "folds": folds,
            "grid": settings.grid,
            "cvLogLoss": cv_losses[best],
            "tolerance": logistic::TOLERANCE,
            "maxIterations": logistic::MAX_ITERATIONS,
            "iterations": fit.iterations,
            "converged": fit.converged,
            "standardised": true,
        })),
        seed: Some(settings.seed),
        engine_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        extra,
    };
    Ok(WorkflowResult {
        workflow_type: w.workflow_type(),
        scenarios: n,
        training_size: train_idx.len(),
        validation_size: val_idx.len(),
        failure_rate: n_pos as f64 / n as f64,
        metrics: m,
        bayes,
        auc_interval: interval,
        verdict,
        verdict_reason,
        c,
        folds,
        cv_log_loss: cv_losses[best],
        iterations: fit.iterations,
        converged: fit.converged,
        absent_features: absent,
        model,
    })
}

/// The rows at `idx` of a dataset, as a fit's row source.
struct Selected<'a> {
    rows: &'a [data::Row],
    idx: &'a [usize],
}

impl logistic::Rows for Selected<'_> {
    fn len(&self) -> usize {
        self.idx.len()
    }

    #[inline(always)]
    fn row(&self, i: usize) -> &[f64] {
        &self.rows[self.idx[i]].vector
    }
}

/// The seeded, stratified, shuffled 80/20 split of one workflow's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Training rows, ascending.
    pub train: Vec<usize>,
    /// Held-out rows, ascending.
    pub validation: Vec<usize>,
    /// Training rows by class (`[succeeded, failed]`), in shuffled order;
    /// cross-validation folds deal them round-robin.
    pub train_by_class: [Vec<usize>; 2],
}

/// Split `rows` (of the workflow at `workflow_index`) with `seed`: each
/// class is shuffled and its first 20 % (rounded, at least 1 of 2 or more)
/// held out. Streams are distinct from the generator's (0..8), so the split
/// does not echo the data's draws.
pub fn split(rows: &[data::Row], seed: u64, workflow_index: usize) -> Split {
    let n = rows.len();
    let mut draws = {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1000 + workflow_index as u64);
        Draws::new(rng)
    };
    let mut train = Vec::new();
    let mut validation = Vec::new();
    let mut train_by_class: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    for class in [true, false] {
        let mut members: Vec<usize> = (0..n).filter(|i| rows[*i].failed == class).collect();
        shuffle(&mut members, &mut draws);
        let mut n_val = (members.len() as f64 * VALIDATION_SHARE).round() as usize;
        if members.len() >= 2 {
            n_val = n_val.max(1);
        }
        validation.extend_from_slice(&members[..n_val]);
        train_by_class[usize::from(class)] = members[n_val..].to_vec();
        train.extend_from_slice(&members[n_val..]);
    }
    train.sort_unstable();
    validation.sort_unstable();
    Split {
        train,
        validation,
        train_by_class,
    }
}

/// Fisher–Yates with the portable draws.
fn shuffle(v: &mut [usize], d: &mut Draws) {
    for i in (1..v.len()).rev() {
        let j = d.int_range(0, i as i64) as usize;
        v.swap(i, j);
    }
}

/// Write every model, then `TRAINING_REPORT.md`, then `training-summary.json`,
/// each atomically: a crash at any point leaves loadable files only.
pub fn write_outputs(
    dir: &std::path::Path,
    report: &TrainReport,
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<Vec<PathBuf>> {
    let total = report.results.len() + 2;
    let mut written = Vec::with_capacity(total);
    let step = |workflow: Option<&'static str>, done: usize| {
        progress(ProgressEvent {
            stage: "write",
            workflow,
            done,
            total,
        })
    };
    for (k, r) in report.results.iter().enumerate() {
        check_cancel(cancel)?;
        written.push(model::save_model(dir, &r.model)?);
        step(Some(r.workflow_type), k + 1);
    }
    let md = dir.join("TRAINING_REPORT.md");
    model::write_atomic(&md, report.markdown.as_bytes())?;
    written.push(md);
    step(None, total - 1);
    let summary = dir.join("training-summary.json");
    let text = serde_json::to_string_pretty(&report.summary)
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    model::write_atomic(&summary, text.as_bytes())?;
    written.push(summary);
    step(None, total);
    Ok(written)
}

#[cfg(test)]
mod tests;
