//! Scenario generation and training, run off the JS thread.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::errors::run;
use super::task::{EngineTask, Work};
use crate::error::EngineError;
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
    /// Also write the scenarios to this JSON file (atomically).
    pub output_path: Option<String>,
}

pub fn parse_seed(seed: Option<f64>) -> crate::error::Result<u64> {
    match seed {
        None => Ok(DEFAULT_SEED),
        Some(s) if s.is_finite() && s >= 0.0 && s.fract() == 0.0 && s < 9_007_199_254_740_992.0 => {
            Ok(s as u64)
        }
        Some(s) => Err(EngineError::InvalidArgument {
            name: "seed".to_string(),
            reason: format!("expected a whole number from 0 to 2^53 - 1, received {s}"),
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
}

impl Generate {
    fn from_options(options: Option<GenerateOptions>) -> crate::error::Result<Generate> {
        let options = options.unwrap_or(GenerateOptions {
            seed: None,
            counts: None,
            output_path: None,
        });
        Ok(Generate {
            seed: parse_seed(options.seed)?,
            counts: parse_counts(options.counts.as_ref())?,
            output_path: options.output_path.map(PathBuf::from),
        })
    }
}

impl Work for Generate {
    /// The scenarios as JSON text (the JS wrapper parses it once).
    type Output = String;
    type Js = String;

    fn run(&mut self) -> crate::error::Result<String> {
        let scenarios = synth::generate(self.seed, &self.counts);
        let text = synth::to_json(&scenarios);
        if let Some(path) = &self.output_path {
            crate::model::write_atomic(path, text.as_bytes())?;
        }
        Ok(text)
    }

    fn into_js(&mut self, _env: Env, text: String) -> Result<String> {
        Ok(text)
    }
}

/// Generate labelled scenarios; returns them as JSON text.
#[napi]
pub fn generate_training_data_sync(env: Env, options: Option<GenerateOptions>) -> Result<String> {
    run(&env, || Generate::from_options(options)?.run())
}

/// `generateTrainingDataSync` on the thread pool.
#[napi(ts_return_type = "Promise<string>")]
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
            reason: format!("expected a whole number from {min} to {max}, received {x}"),
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
    }
    if let Some(grid) = o.grid {
        settings.grid = grid;
    }
    if let Some(n) = whole("bootstrapResamples", o.bootstrap_resamples, 0.0, 100_000.0)? {
        settings.bootstrap_resamples = n;
    }
    settings.trained_at = o.trained_at.unwrap_or_else(crate::synth::time::now_iso);
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
                reason: format!("expected 'auto', 'old' or 'outcomes', received {other:?}"),
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
    cancel: Arc<AtomicBool>,
}

impl Work for Train {
    type Output = String;
    type Js = String;

    fn run(&mut self) -> crate::error::Result<String> {
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
        let report = in_training_pool(|| train::run(&self.options, &progress, &self.cancel))?;
        Ok(report_json(&report))
    }

    fn into_js(&mut self, _env: Env, text: String) -> Result<String> {
        Ok(text)
    }
}

/// Train on the thread pool (rayon inside). Resolves to the report as JSON text.
#[napi(ts_return_type = "Promise<string>")]
pub fn train(
    env: Env,
    options: NativeTrainOptions,
    on_progress: Option<ProgressCallback>,
    signal: Option<AbortSignal>,
) -> Result<AsyncTask<EngineTask<Train>>> {
    let options = run(&env, || train_options(options))?;
    let cancel = Arc::new(AtomicBool::new(false));
    if let Some(s) = &signal {
        let flag = cancel.clone();
        s.on_abort(move || flag.store(true, Ordering::Relaxed));
    }
    let work = Train {
        options,
        on_progress: on_progress.map(Arc::new),
        cancel,
    };
    Ok(AsyncTask::with_optional_signal(
        EngineTask::new(work),
        signal,
    ))
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
    rows_json: String,
}

impl TrainOne {
    fn new(
        workflow_type: &str,
        rows_json: String,
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
            rows_json,
        })
    }
}

impl Work for TrainOne {
    type Output = String;
    type Js = String;

    fn run(&mut self) -> crate::error::Result<String> {
        let (workflow_type, settings, rows) = (
            self.workflow.workflow_type(),
            &self.settings,
            &self.rows_json,
        );
        let result = in_training_pool(|| {
            train::train_workflow_from_json(workflow_type, rows, settings, &AtomicBool::new(false))
        })?;
        serde_json::to_string(&result.model).map_err(|e| EngineError::Internal(e.to_string()))
    }

    fn into_js(&mut self, _env: Env, text: String) -> Result<String> {
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
        TrainOne::new(&workflow_type, rows_json, options)?.run()
    })
}

/// `trainWorkflowModel` on the thread pool.
#[napi(ts_return_type = "Promise<string>")]
pub fn train_workflow_model(
    env: Env,
    workflow_type: String,
    rows_json: String,
    options: Option<NativeTrainOptions>,
) -> Result<AsyncTask<EngineTask<TrainOne>>> {
    let work = run(&env, || TrainOne::new(&workflow_type, rows_json, options))?;
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
