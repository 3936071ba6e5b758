//! Training: per workflow, the steps of `pipeline` (prepare, plan,
//! cross-validate each candidate family, calibrate, select, evaluate,
//! refit on all rows, build the model file), and the reports of a run.
//!
//! Work runs in parallel with rayon across workflows × each family's
//! cross-validation fits. Nothing here knows about JavaScript: `run` takes
//! plain options, a progress callback and a cancellation flag, so it can
//! run inside a napi `AsyncTask`. Results are deterministic for a seed,
//! whatever the thread count.

pub mod build;
pub mod calibrate;
pub mod data;
pub mod evaluate;
pub mod fitting;
pub mod lines;
pub mod logistic;
pub mod metrics;
pub mod null_test;
pub mod pipeline;
pub mod prepare;
pub mod report;
pub mod report_page;
pub mod report_rows;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::{EngineError, Result};
use crate::model::{self, ModelFile};
use crate::synth::{self, Counts};
use data::{Dataset, Loaded, RowFormat};
use metrics::Metrics;

pub use crate::synth::time::now_iso;

/// A workflow needs at least this many rows to be trained.
pub const MIN_ROWS: usize = 20;
/// Which rows measure the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitMode {
    /// Out-of-fold predictions over all rows (stratified k-fold).
    Cv,
    /// The latest rows by timestamp are held out (`pipeline::TIME_HOLDOUT_SHARE`);
    /// for recorded outcomes, where the future is what matters.
    Time,
}

impl SplitMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SplitMode::Cv => "cv",
            SplitMode::Time => "time",
        }
    }
}

/// `C` from 10^-4 to 100 in steps of 10^0.5 (13 values). The strong end
/// lets a workflow without signal shrink to (nearly) its base rate.
pub fn default_grid() -> Vec<f64> {
    (0..13).map(|k| 10f64.powf(-4.0 + 0.5 * k as f64)).collect()
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
    /// Folds instead of `folds` for a workflow of at least
    /// `pipeline::LARGE_ROWS` rows (never more than `folds`).
    /// `None` when the caller chose the folds: theirs are used at any size.
    pub large_folds: Option<usize>,
    pub grid: Vec<f64>,
    pub bootstrap_resamples: usize,
    /// Written as `trainedAt`; taken from the caller so training stays deterministic.
    pub trained_at: String,
    pub split: SplitMode,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            seed: 42,
            folds: 5,
            large_folds: Some(3),
            grid: default_grid(),
            bootstrap_resamples: 1000,
            trained_at: String::new(),
            split: SplitMode::Cv,
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
        if let Some(k) = self.large_folds.filter(|k| !(2..=20).contains(k)) {
            return bad("largeFolds", format!("expected 2 to 20, received {k}"));
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
    /// `"ok"`, `"no-signal"` or `"inconclusive"` (see `evaluate`).
    pub verdict: &'static str,
    /// Why the verdict is not `ok`.
    pub verdict_reason: Option<String>,
    /// The verdict's permutation test, when an `ok` close to 0.5 needed one
    /// (`null_test`).
    pub permutation_test: Option<null_test::NullTest>,
    /// `"out-of-fold"` (metrics from out-of-fold predictions over all rows)
    /// or `"time-holdout"` (from the latest rows, held out).
    pub evaluation_rows: &'static str,
    /// The chosen family.
    pub model_type: &'static str,
    /// `"none"`, `"platt"` or `"isotonic"`.
    pub calibration: &'static str,
    pub folds: usize,
    /// The chosen family's calibrated out-of-fold log-loss.
    pub cv_log_loss: f64,
    /// Every candidate family's scores.
    pub families: Vec<build::FamilyScore>,
    pub hyperparameters: serde_json::Value,
    pub absent_features: Vec<&'static str>,
    /// Raw fields some rows omitted, with how many rows omitted each.
    pub omitted_fields: Vec<(&'static str, usize)>,
    pub model: ModelFile,
    /// The evaluated rows and mean contributions, for `report.html`.
    pub report_rows: report_rows::ReportRows,
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

use fitting::check_cancel;

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
    if report.results.is_empty() {
        return Err(nothing_trained(&report));
    }
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

/// The error of a run that trained no workflow: it must not "succeed" with
/// no model (for example when every row of a file was invalid and skipped).
fn nothing_trained(report: &TrainReport) -> EngineError {
    let mut reason = format!(
        "no workflow could be trained from {} ({} valid rows",
        report.source, report.total_scenarios
    );
    if report.invalid_rows_skipped > 0 {
        reason.push_str(&format!(
            ", {} invalid rows skipped",
            report.invalid_rows_skipped
        ));
        if let Some(first) = report.skipped_row_examples.first() {
            reason.push_str(&format!(", the first: {first}"));
        }
    }
    reason.push(')');
    EngineError::InsufficientData {
        workflow: "any workflow".to_string(),
        reason,
    }
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
    let shares: Vec<usize> = loaded
        .datasets
        .iter()
        .map(|d| pipeline::units(settings, d.rows.len()))
        .collect();
    let counter = FitCounter {
        done: AtomicUsize::new(0),
        total: AtomicUsize::new(shares.iter().sum()),
        progress,
    };
    let outcomes: Vec<Result<WorkflowResult>> = loaded
        .datasets
        .par_iter()
        .zip(&shares)
        .map(|(d, &share)| counter.train(d, settings, share, cancel))
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
    /// The units announced before training, plus those the workflows
    /// announce on the way (`pipeline::train_workflow`).
    total: AtomicUsize,
    progress: Progress<'a>,
}

impl FitCounter<'_> {
    fn tick(&self, workflow: &'static str, n: usize) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let total = self.total.load(Ordering::Relaxed);
        (self.progress)(ProgressEvent {
            stage: "train",
            workflow: Some(workflow),
            done: done.min(total),
            total,
        });
    }

    /// Train one workflow, then top the counter up to its full share (with
    /// what it announced on the way): skipped workflows and reduced fold
    /// counts fit less than was announced.
    fn train(
        &self,
        dataset: &Dataset,
        settings: &TrainSettings,
        share: usize,
        cancel: &AtomicBool,
    ) -> Result<WorkflowResult> {
        let workflow = dataset.workflow.workflow_type();
        let used = AtomicUsize::new(0);
        let added = AtomicUsize::new(0);
        let tick = |n: usize| {
            used.fetch_add(n, Ordering::Relaxed);
            self.tick(workflow, n);
        };
        // Grow the total before any of the new units is ticked.
        let announce = |n: usize| {
            added.fetch_add(n, Ordering::Relaxed);
            self.total.fetch_add(n, Ordering::Relaxed);
        };
        let result = pipeline::train_workflow(dataset, settings, &tick, &announce, cancel);
        let owed = share + added.load(Ordering::Relaxed);
        self.tick(workflow, owed.saturating_sub(used.load(Ordering::Relaxed)));
        result
    }
}

/// Train one workflow from labelled rows (the old `trainWorkflowModel`).
/// Fails with `InsufficientData` for fewer than `MIN_ROWS` rows or one class,
/// and with `InvalidData` (naming the dataset's source and the row) for a
/// wrong-length or non-finite vector.
pub fn train_dataset(
    dataset: &Dataset,
    settings: &TrainSettings,
    cancel: &AtomicBool,
) -> Result<WorkflowResult> {
    settings.validate()?;
    pipeline::train_workflow(dataset, settings, &|_| {}, &|_| {}, cancel)
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

/// Write every model, then `TRAINING_REPORT.md` and `report.html`, then `training-summary.json`,
/// each atomically: a crash at any point leaves loadable files only. The
/// directory is locked meanwhile (`dir_lock`): trainings into one directory
/// write one after the other, each run's files whole.
pub fn write_outputs(
    dir: &std::path::Path,
    report: &TrainReport,
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<Vec<PathBuf>> {
    let _lock = crate::dir_lock::DirLock::acquire(dir)?;
    let total = report.results.len() + 3;
    let mut written = Vec::with_capacity(total);
    // The models the directory holds before this training replaces them,
    // for the report's comparison on the same rows.
    let deployed = report
        .results
        .iter()
        .any(|r| model::model_path(dir, r.workflow_type).is_file())
        .then(|| model::load_dir(dir));
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
    step(None, total - 2);
    let html = dir.join("report.html");
    let page = crate::html_report::render(&report_page::input(report, deployed.as_ref()));
    model::write_atomic(&html, page.as_bytes())?;
    written.push(html);
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
