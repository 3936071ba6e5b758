//! Scenario generation and training, run off the JS thread.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::cancel::{CancelFlag, Flags};
use super::errors::run;
use super::task::{EngineTask, Work};
use crate::error::EngineError;
use crate::errors::JsNumber;
use crate::synth::{self, Counts};
use crate::train;

/// Default generator seed (the documented `npm run train` seed).
pub const DEFAULT_SEED: u64 = 42;

#[napi(object)]
pub struct GenerateOptions {
    /// Whole number in [0, 2^53). Default 42.
    pub seed: Option<f64>,
    /// Scenarios per workflow type; unspecified workflows keep the defaults
    /// (freestyle 150, melody-to-vocals 120, others 110).
    pub counts: Option<HashMap<String, f64>>,
    /// Also write the scenarios to this JSON file (atomically, streamed).
    pub output_path: Option<String>,
    /// Whether the scenarios are returned (default true); `false` needs
    /// `outputPath` and returns only the counts.
    pub return_scenarios: Option<bool>,
}

/// What generation returns: the scenarios as JSON arrays of at most
/// `synth::stream::CHUNK` each (empty with `returnScenarios: false`), and counts.
#[napi(object)]
pub struct GeneratedScenarios {
    pub chunks: Vec<String>,
    pub scenarios: u32,
    pub failed: u32,
}

pub fn parse_seed(seed: Option<f64>) -> crate::error::Result<u64> {
    match seed {
        None => Ok(DEFAULT_SEED),
        Some(s) if s.is_finite() && s >= 0.0 && s.fract() == 0.0 && s < 9_007_199_254_740_992.0 => {
            Ok(s as u64)
        }
        Some(s) => Err(EngineError::InvalidArgument {
            name: "seed".to_string(),
            reason: format!(
                "expected a whole number from 0 to 2^53 - 1, received {}",
                JsNumber(s)
            ),
        }),
    }
}

pub fn parse_counts(counts: Option<&HashMap<String, f64>>) -> crate::error::Result<Counts> {
    let Some(counts) = counts else {
        return Ok(Counts::default());
    };
    let mut checked = Vec::with_capacity(counts.len());
    for (name, n) in counts {
        checked.push((name.as_str(), synth::check_count(name, *n)?));
    }
    Counts::with_overrides(checked)
}

pub struct Generate {
    seed: u64,
    counts: Counts,
    output_path: Option<PathBuf>,
    return_scenarios: bool,
}

impl Generate {
    /// The options, checked before any work: a result too large to hand
    /// back in memory is refused here, not after generating it.
    fn from_options(options: Option<GenerateOptions>) -> crate::error::Result<Generate> {
        let options = options.unwrap_or(GenerateOptions {
            seed: None,
            counts: None,
            output_path: None,
            return_scenarios: None,
        });
        let counts = parse_counts(options.counts.as_ref())?;
        let return_scenarios = options.return_scenarios.unwrap_or(true);
        let max = synth::stream::MAX_RETURNED;
        if !return_scenarios && options.output_path.is_none() {
            return Err(EngineError::InvalidArgument {
                name: "returnScenarios".to_string(),
                reason: "false needs 'outputPath' (otherwise nothing would be produced)"
                    .to_string(),
            });
        }
        if return_scenarios && counts.total() > max {
            return Err(EngineError::InvalidArgument {
                name: "counts".to_string(),
                reason: format!(
                    "{} scenarios in all are more than the {max} that can be returned in memory; \
                     write them to a file instead with {{ outputPath, returnScenarios: false }} \
                     (streamed: any count is fine there)",
                    counts.total()
                ),
            });
        }
        Ok(Generate {
            seed: parse_seed(options.seed)?,
            counts,
            output_path: options.output_path.map(PathBuf::from),
            return_scenarios,
        })
    }
}

impl Work for Generate {
    type Output = synth::stream::Generated;
    type Js = GeneratedScenarios;

    fn run(&mut self) -> crate::error::Result<synth::stream::Generated> {
        synth::stream::generate_json(
            self.seed,
            &self.counts,
            self.output_path.as_deref(),
            self.return_scenarios,
        )
    }

    fn resolve_js(&mut self, _env: Env, g: synth::stream::Generated) -> Result<GeneratedScenarios> {
        Ok(GeneratedScenarios {
            chunks: g.chunks,
            scenarios: g.scenarios as u32,
            failed: g.failed as u32,
        })
    }
}

/// Generate labelled scenarios; returns them as JSON arrays and counts.
#[napi]
pub fn generate_training_data_sync(
    env: Env,
    options: Option<GenerateOptions>,
) -> Result<GeneratedScenarios> {
    let mut work = run(&env, || Generate::from_options(options))?;
    let generated = run(&env, || work.run())?;
    work.resolve_js(env, generated)
}

/// `generateTrainingDataSync` on the thread pool.
#[napi(ts_return_type = "Promise<GeneratedScenarios>")]
pub fn generate_training_data(
    env: Env,
    options: Option<GenerateOptions>,
) -> Result<AsyncTask<EngineTask<Generate>>> {
    let work = run(&env, || Generate::from_options(options))?;
    Ok(AsyncTask::new(EngineTask::new(work)))
}

// ---------------------------------------------------------------- training

/// Options of `train`, as the JS wrapper passes them (it resolves defaults
/// such as the output directory).
#[napi(object)]
pub struct NativeTrainOptions {
    pub seed: Option<f64>,
    pub counts: Option<HashMap<String, f64>>,
    /// A training-data file; generated scenarios when absent.
    pub data: Option<String>,
    /// `'auto'` (default), `'old'` (old training-data format) or `'outcomes'`.
    pub data_format: Option<String>,
    /// Where to write models and reports; nothing is written when absent.
    pub out_dir: Option<String>,
    pub skip_invalid: Option<bool>,
    /// Cross-validation folds, 2 to 20. Default: 5, or 3 for a workflow
    /// with 20,000 rows or more; a given value holds at every size.
    pub folds: Option<f64>,
    pub grid: Option<Vec<f64>>,
    pub bootstrap_resamples: Option<f64>,
    /// `trainedAt` for the model files (ISO-8601); now when absent.
    pub trained_at: Option<String>,
    /// `'cv'` (default: metrics out-of-fold over all rows) or `'time'`
    /// (the latest 20 % of rows by timestamp held out).
    pub split: Option<String>,
}

#[napi(object)]
pub struct TrainProgress {
    /// `'load'`, `'train'`, `'write'` or `'done'`.
    pub stage: String,
    pub workflow_type: Option<String>,
    pub done: u32,
    pub total: u32,
}

fn whole(
    name: &str,
    value: Option<f64>,
    min: f64,
    max: f64,
) -> crate::error::Result<Option<usize>> {
    match value {
        None => Ok(None),
        Some(x) if x.is_finite() && x.fract() == 0.0 && (min..=max).contains(&x) => {
            Ok(Some(x as usize))
        }
        Some(x) => Err(EngineError::InvalidArgument {
            name: name.to_string(),
            reason: format!(
                "expected a whole number from {min} to {max}, received {}",
                JsNumber(x)
            ),
        }),
    }
}

fn train_options(o: NativeTrainOptions) -> crate::error::Result<train::TrainOptions> {
    let mut settings = train::TrainSettings {
        seed: parse_seed(o.seed)?,
        ..Default::default()
    };
    if let Some(folds) = whole("folds", o.folds, 2.0, 20.0)? {
        settings.folds = folds;
        // The caller's folds hold at every size.
        settings.large_folds = None;
    }
    if let Some(grid) = o.grid {
        settings.grid = grid;
    }
    if let Some(n) = whole("bootstrapResamples", o.bootstrap_resamples, 0.0, 100_000.0)? {
        settings.bootstrap_resamples = n;
    }
    settings.trained_at = match o.trained_at {
        None => crate::synth::time::now_iso(),
        // Compared and sorted as times (README, "Model files"): a time it must be.
        Some(t) if crate::synth::time::parse_iso_ms(&t).is_some() => t,
        Some(t) => {
            return Err(EngineError::InvalidArgument {
                name: "trainedAt".to_string(),
                reason: format!(
                    "expected an ISO-8601 time such as 2026-01-02T03:04:05.678Z, received {:?}",
                    crate::error::shown(&t)
                ),
            })
        }
    };
    settings.split = match o.split.as_deref() {
        None | Some("cv") => train::SplitMode::Cv,
        Some("time") => train::SplitMode::Time,
        Some(other) => {
            return Err(EngineError::InvalidArgument {
                name: "split".to_string(),
                reason: format!("expected 'cv' or 'time', received {other:?}"),
            })
        }
    };
    settings.validate()?;
    let data = match (o.data, o.data_format.as_deref()) {
        (None, None) => train::DataSource::Generated,
        (None, Some(_)) => {
            return Err(EngineError::InvalidArgument {
                name: "dataFormat".to_string(),
                reason: "given without 'data'".to_string(),
            })
        }
        (Some(path), None | Some("auto")) => train::DataSource::File(path.into()),
        (Some(path), Some("old")) => train::DataSource::OldFormatFile(path.into()),
        (Some(path), Some("outcomes")) => train::DataSource::OutcomesFile(path.into()),
        (Some(_), Some(other)) => {
            return Err(EngineError::InvalidArgument {
                name: "dataFormat".to_string(),
                reason: format!(
                    "expected 'auto', 'old' or 'outcomes', received {:?}",
                    crate::error::shown(other)
                ),
            })
        }
    };
    Ok(train::TrainOptions {
        settings,
        counts: parse_counts(o.counts.as_ref())?,
        data,
        out_dir: o.out_dir.map(PathBuf::from),
        skip_invalid: o.skip_invalid.unwrap_or(false),
    })
}

/// The report handed to JavaScript, as JSON text: the summary, the rendered
/// table and markdown, and the files written.
fn report_json(report: &train::TrainReport) -> String {
    serde_json::json!({
        "summary": report.summary,
        "table": train::report::render_table(report),
        "markdown": report.markdown,
        "written": report.written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "models": report.results.iter().map(|r| &r.model).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Run a training on a rayon pool of its own, not the global one: the
/// global pool also scores large `predictProbabilities` inputs for the JS
/// thread, which must not queue behind minutes of training work.
fn in_training_pool<T: Send>(
    work: impl FnOnce() -> crate::error::Result<T> + Send,
) -> crate::error::Result<T> {
    match rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("ml-engine-train-{i}"))
        .build()
    {
        Ok(pool) => pool.install(work),
        // No threads to be had: train on the global pool rather than fail.
        Err(_) => work(),
    }
}

type ProgressCallback = ThreadsafeFunction<TrainProgress, (), TrainProgress, Status, false, true>;

pub struct Train {
    options: train::TrainOptions,
    on_progress: Option<Arc<ProgressCallback>>,
    cancel: Arc<Flags>,
}

impl Work for Train {
    type Output = String;
    type Js = String;

    fn run(&mut self) -> crate::error::Result<String> {
        if !self.cancel.start() {
            return Err(EngineError::Aborted);
        }
        let callback = self.on_progress.clone();
        let progress = move |e: train::ProgressEvent| {
            if let Some(cb) = &callback {
                let event = TrainProgress {
                    stage: e.stage.to_string(),
                    workflow_type: e.workflow.map(str::to_string),
                    done: e.done as u32,
                    total: e.total as u32,
                };
                // Non-blocking: a slow listener must not stall training.
                cb.call(event, ThreadsafeFunctionCallMode::NonBlocking);
            }
        };
        let report =
            in_training_pool(|| train::run(&self.options, &progress, self.cancel.cancelled()))?;
        Ok(report_json(&report))
    }

    fn resolve_js(&mut self, _env: Env, text: String) -> Result<String> {
        Ok(text)
    }
}

/// Train on the thread pool (rayon inside). Resolves to the report as JSON
/// text; rejects with `ERR_ABORTED` once `cancel` is set.
#[napi(ts_return_type = "Promise<string>")]
pub fn train(
    env: Env,
    options: NativeTrainOptions,
    on_progress: Option<ProgressCallback>,
    cancel: &CancelFlag,
) -> Result<AsyncTask<EngineTask<Train>>> {
    let options = run(&env, || train_options(options))?;
    let work = Train {
        options,
        on_progress: on_progress.map(Arc::new),
        cancel: cancel.flags(),
    };
    Ok(AsyncTask::new(EngineTask::new(work)))
}

/// `train`, blocking the JS thread (no progress callback).
#[napi]
pub fn train_sync(env: Env, options: NativeTrainOptions) -> Result<String> {
    run(&env, || {
        let options = train_options(options)?;
        let report = in_training_pool(|| train::run(&options, &|_| {}, &AtomicBool::new(false)))?;
        Ok(report_json(&report))
    })
}

/// The old `trainWorkflowModel(workflowType, scenarios)`: one workflow from
/// rows given as JSON text; the result is the model file as JSON text.
pub struct TrainOne {
    workflow: &'static crate::schema::Workflow,
    settings: train::TrainSettings,
    rows: Rows,
    cancel: Arc<Flags>,
}

/// The rows of `trainWorkflowModel` as JSON text, whole or in pieces.
enum Rows {
    Json(String),
    /// UTF-8 pieces of `row,row,...` (no brackets), joined into an array
    /// on the pool thread: arrays V8 owns that no JavaScript can reach (the
    /// JS layer encoded them for this call), kept alive by their references.
    Chunks(Vec<Uint8Array>),
}

impl Rows {
    fn text(&self) -> crate::error::Result<std::borrow::Cow<'_, str>> {
        match self {
            Rows::Json(text) => Ok(std::borrow::Cow::Borrowed(text)),
            Rows::Chunks(chunks) => {
                let mut bytes =
                    Vec::with_capacity(chunks.iter().map(|c| c.len() + 1).sum::<usize>() + 2);
                bytes.push(b'[');
                for (i, chunk) in chunks.iter().enumerate() {
                    if i > 0 {
                        bytes.push(b',');
                    }
                    bytes.extend_from_slice(chunk);
                }
                bytes.push(b']');
                String::from_utf8(bytes)
                    .map(std::borrow::Cow::Owned)
                    .map_err(|e| EngineError::Internal(format!("rows are not UTF-8: {e}")))
            }
        }
    }
}

impl TrainOne {
    fn new(
        workflow_type: &str,
        rows: Rows,
        options: Option<NativeTrainOptions>,
    ) -> crate::error::Result<TrainOne> {
        let workflow = crate::schema::find_workflow(workflow_type)
            .ok_or_else(|| crate::features::unknown_workflow(workflow_type))?;
        let settings = match options {
            Some(o) => train_options(o)?.settings,
            None => train::TrainSettings {
                trained_at: crate::synth::time::now_iso(),
                ..Default::default()
            },
        };
        Ok(TrainOne {
            workflow,
            settings,
            rows,
            cancel: Arc::new(Flags::default()),
        })
    }
}

impl Work for TrainOne {
    type Output = String;
    type Js = String;

    fn run(&mut self) -> crate::error::Result<String> {
        if !self.cancel.start() {
            return Err(EngineError::Aborted);
        }
        let rows = self.rows.text()?;
        let (workflow_type, settings) = (self.workflow.workflow_type(), &self.settings);
        let cancel = self.cancel.cancelled();
        let result = in_training_pool(|| {
            train::train_workflow_from_json(workflow_type, &rows, settings, cancel)
        })?;
        serde_json::to_string(&result.model).map_err(|e| EngineError::Internal(e.to_string()))
    }

    fn resolve_js(&mut self, _env: Env, text: String) -> Result<String> {
        Ok(text)
    }
}

/// `trainWorkflowModel`, blocking.
#[napi]
pub fn train_workflow_model_sync(
    env: Env,
    workflow_type: String,
    rows_json: String,
    options: Option<NativeTrainOptions>,
) -> Result<String> {
    run(&env, || {
        TrainOne::new(&workflow_type, Rows::Json(rows_json), options)?.run()
    })
}

/// `trainWorkflowModel` on the thread pool, from the rows as UTF-8 pieces
/// of `row,row,...` (see `Rows::Chunks`: the JS layer encodes them in
/// slices, so no step on the JS thread handles all the rows at once);
/// rejects with `ERR_ABORTED` once `cancel` is set.
#[napi(ts_return_type = "Promise<string>")]
pub fn train_workflow_model(
    env: Env,
    workflow_type: String,
    rows_json_chunks: Vec<Uint8Array>,
    options: Option<NativeTrainOptions>,
    cancel: Option<&CancelFlag>,
) -> Result<AsyncTask<EngineTask<TrainOne>>> {
    let rows = Rows::Chunks(rows_json_chunks);
    let mut work = run(&env, || TrainOne::new(&workflow_type, rows, options))?;
    if let Some(c) = cancel {
        work.cancel = c.flags();
    }
    Ok(AsyncTask::new(EngineTask::new(work)))
}

/// The default scenario count of each workflow (freestyle 150,
/// melody-to-vocals 120, the others 110).
#[napi]
pub fn get_default_counts() -> HashMap<String, u32> {
    let counts = Counts::default();
    crate::schema::all_workflows()
        .iter()
        .map(|w| (w.workflow_type().to_string(), counts.get(w) as u32))
        .collect()
}
