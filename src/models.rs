//! `NativeModels`: a loaded set of workflow models and the prediction calls on
//! it. The JavaScript `WorkflowPredictor` wraps one of these. Nothing here
//! builds a JavaScript object: predictions leave as flat numbers
//! (`prediction_shape`), metadata as JSON text, and the JS layer builds the
//! values the caller sees, in the caller's realm.
//!
//! Outputs are written into arrays the JS layer allocated (`out`), never
//! into buffers allocated here: memory V8 owns is freed by its garbage
//! collector as soon as it is unreachable, and with the isolate when a
//! worker thread is terminated mid-call, where an external buffer's
//! finalizer may never run.

use std::path::PathBuf;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::columnar::Columnar;
use crate::error::EngineError;
use crate::errors::JsNumber;
use crate::errors::{guard, run, to_js};
use crate::features::RawRecord;
use crate::model::{LoadOptions, LoadedModel, ModelSet};
use crate::model_cache::load_shared;
use crate::predict::{predict_record_into, probability_record, Prediction};
use crate::prediction_shape::{self, Output, MAX_SLOTS};
use crate::schema::{all_workflows, find_workflow, Workflow};
use crate::task::{EngineTask, Work};
use crate::{encoded, js_object, scratch_path};

/// Models loaded from one or more directories, one slot per workflow.
#[napi]
pub struct NativeModels {
    /// Shared with every other instance loaded from the same unchanged files.
    set: Arc<ModelSet>,
    /// The JS wrapper's buffers for encoded objects and flat predictions,
    /// attached once (`attachScratch`) so that a prediction passes no array.
    scratch: Option<(Float64Array, Uint8Array)>,
    /// Their handle in `scratch_path`'s table, once attached.
    handle: Option<u32>,
}

impl Drop for NativeModels {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            scratch_path::release(handle);
        }
    }
}

impl NativeModels {
    fn model(&self, workflow: &Workflow) -> crate::error::Result<&LoadedModel> {
        model_of(&self.set, workflow)
    }

    fn model_for_type(&self, workflow_type: &str) -> crate::error::Result<&LoadedModel> {
        let workflow = find_workflow(workflow_type)
            .ok_or_else(|| EngineError::model_not_found(workflow_type))?;
        self.model(workflow)
    }

    /// Predict for a validated record and write the flat result into `out`.
    fn write_prediction(
        &self,
        workflow: &Workflow,
        record: &RawRecord,
        out: &mut [f64],
    ) -> crate::error::Result<usize> {
        write_prediction(
            self.model(workflow)?,
            record,
            &mut Prediction::empty(),
            &mut Vec::new(),
            out,
        )
    }
}

/// The model of `workflow` in `set`, or the error that it has none.
pub(crate) fn model_of<'s>(
    set: &'s ModelSet,
    workflow: &Workflow,
) -> crate::error::Result<&'s LoadedModel> {
    set.models[workflow.index]
        .as_ref()
        .ok_or_else(|| EngineError::ModelNotFound(workflow.workflow_type().to_string()))
}

/// The workflow at a schema index the JS layer passed.
pub(crate) fn workflow_at(index: u32) -> crate::error::Result<&'static Workflow> {
    all_workflows()
        .get(index as usize)
        .ok_or_else(|| EngineError::Internal(format!("no workflow at index {index}")))
}

/// What one prediction fills, kept between calls on the scratch path so that
/// a prediction allocates nothing once they have grown to size.
#[derive(Default)]
pub(crate) struct PredictionBuffers {
    record: RawRecord,
    prediction: Prediction,
    imputed: Vec<&'static str>,
}

impl PredictionBuffers {
    /// Validate the object encoded in `values`/`tags` (workflow `model`'s
    /// fields), predict, and write the flat prediction over `values`.
    pub(crate) fn predict_encoded(
        &mut self,
        model: &LoadedModel,
        strict: bool,
        values: &mut [f64],
        tags: &[u8],
    ) -> crate::error::Result<usize> {
        encoded::read_record_into(model.workflow, strict, values, tags, &mut self.record)?;
        write_prediction(
            model,
            &self.record,
            &mut self.prediction,
            &mut self.imputed,
            values,
        )
    }
}

/// Predict for a validated record with `model` and write the flat result
/// into `out`; `prediction` and `imputed` are filled on the way (their
/// allocations reused).
fn write_prediction(
    model: &LoadedModel,
    record: &RawRecord,
    prediction: &mut Prediction,
    imputed: &mut Vec<&'static str>,
    out: &mut [f64],
) -> crate::error::Result<usize> {
    let workflow = model.workflow;
    predict_record_into(model, record, prediction);
    imputed.clear();
    if record.any_missing() {
        imputed.extend(record.imputed_fields_iter(workflow));
    }
    let output = Output {
        workflow_index: workflow.index,
        prediction,
        imputed,
    };
    prediction_shape::write(&output, out).ok_or_else(|| {
        EngineError::Internal("a prediction did not fit its flat layout".to_string())
    })
}

#[napi(object)]
pub struct NativeLoadOptions {
    /// The largest model file read, in bytes (default 64 MiB).
    pub max_model_bytes: Option<f64>,
}

fn load_options(options: Option<NativeLoadOptions>) -> crate::error::Result<LoadOptions> {
    let mut out = LoadOptions::default();
    if let Some(max) = options.and_then(|o| o.max_model_bytes) {
        if !(max.is_finite()
            && max.fract() == 0.0
            && (1.0..=9_007_199_254_740_991.0).contains(&max))
        {
            return Err(EngineError::InvalidArgument {
                name: "maxModelBytes".to_string(),
                reason: format!(
                    "expected a whole number of bytes from 1 to 2^53 - 1, received {}",
                    JsNumber(max)
                ),
            });
        }
        out.max_model_bytes = max as u64;
    }
    Ok(out)
}

fn load(dirs: &[String], options: &LoadOptions) -> Arc<ModelSet> {
    let dirs: Vec<PathBuf> = dirs.iter().map(PathBuf::from).collect();
    load_shared(&dirs, options)
}

/// Load the models (blocking): each workflow's from the first of `dirs` that
/// has a usable file for it. Missing or invalid files are skipped with a
/// warning, never an error.
#[napi]
pub fn load_models_sync(
    env: Env,
    dirs: Vec<String>,
    options: Option<NativeLoadOptions>,
) -> Result<NativeModels> {
    run(&env, || {
        Ok(NativeModels {
            set: load(&dirs, &load_options(options)?),
            scratch: None,
            handle: None,
        })
    })
}

pub struct LoadModels {
    dirs: Vec<String>,
    options: LoadOptions,
}

impl Work for LoadModels {
    type Output = Arc<ModelSet>;
    type Js = NativeModels;

    fn run(&mut self) -> crate::error::Result<Arc<ModelSet>> {
        Ok(load(&self.dirs, &self.options))
    }

    fn resolve_js(&mut self, _env: Env, set: Arc<ModelSet>) -> Result<NativeModels> {
        Ok(NativeModels {
            set,
            scratch: None,
            handle: None,
        })
    }
}

/// `loadModelsSync` on the libuv thread pool: every file is read and parsed
/// there; the JS thread only wraps the result.
#[napi(ts_return_type = "Promise<NativeModels>")]
pub fn load_models(
    env: Env,
    dirs: Vec<String>,
    options: Option<NativeLoadOptions>,
) -> Result<AsyncTask<EngineTask<LoadModels>>> {
    let options = run(&env, || load_options(options))?;
    Ok(AsyncTask::new(EngineTask::new(LoadModels {
        dirs,
        options,
    })))
}

/// `out` must hold exactly `n` values: the JS layer sizes it.
fn check_out(out: &[f64], n: usize) -> crate::error::Result<()> {
    if out.len() == n {
        Ok(())
    } else {
        Err(EngineError::Internal(format!(
            "output array has {} entries, {n} needed",
            out.len()
        )))
    }
}

#[napi]
impl NativeModels {
    /// One message per workflow whose model could not be loaded from the
    /// first directory.
    #[napi(getter)]
    pub fn warnings(&self) -> Vec<String> {
        self.set.warnings.clone()
    }

    /// Per workflow (schema order), null without a model, else
    /// `{ workflowType, modelVersion, verdict, path }`, as JSON text.
    #[napi]
    pub fn model_info_json(&self) -> String {
        let info: Vec<serde_json::Value> = self
            .set
            .models
            .iter()
            .map(|m| match m {
                None => serde_json::Value::Null,
                Some(m) => serde_json::json!({
                    "workflowType": m.workflow.workflow_type(),
                    "modelVersion": m.version,
                    "verdict": m.file.verdict,
                    "path": m.path.as_ref().map(|p| p.display().to_string()),
                }),
            })
            .collect();
        serde_json::Value::Array(info).to_string()
    }

    /// The model file of a workflow as JSON text, or null without a model.
    #[napi]
    pub fn model_json(&self, env: Env, workflow_type: String) -> Result<Option<String>> {
        run(&env, || match self.model_for_type(&workflow_type) {
            Ok(m) => serde_json::to_string(&m.file)
                .map(Some)
                .map_err(|e| EngineError::Internal(e.to_string())),
            Err(_) => Ok(None),
        })
    }

    /// Attach the buffers `predictScratch` reads encoded objects from and
    /// writes flat predictions to (`values` needs `MAX_SLOTS` entries, `tags`
    /// one per field of the widest workflow). Returns the handle to pass to
    /// `predictScratch` (on this thread); attaching again replaces it.
    #[napi]
    pub fn attach_scratch(
        &mut self,
        env: Env,
        mut values: Float64Array,
        tags: Uint8Array,
    ) -> Result<u32> {
        run(&env, || {
            let widest = all_workflows()
                .iter()
                .map(|w| w.fields.len())
                .max()
                .unwrap_or(0);
            if values.len() < MAX_SLOTS || tags.len() < widest {
                return Err(EngineError::InvalidArgument {
                    name: "scratch".to_string(),
                    reason: format!("needs {MAX_SLOTS} values and {widest} tags"),
                });
            }
            // A prediction writes the values while it reads the tags.
            let v = values.as_ptr() as usize..values.as_ptr() as usize + values.len() * 8;
            let t = tags.as_ptr() as usize..tags.as_ptr() as usize + tags.len();
            if v.start < t.end && t.start < v.end {
                return Err(EngineError::InvalidArgument {
                    name: "scratch".to_string(),
                    reason: "the values and the tags share memory".to_string(),
                });
            }
            Ok(())
        })?;
        if let Some(old) = self.handle.take() {
            scratch_path::release(old);
        }
        // SAFETY: `self` keeps both arrays referenced until it releases the
        // handle (when attached again, or when finalized), and they do not
        // overlap (checked above). The JS layer passes buffers of its own,
        // which it never transfers, shares or resizes; a caller of this
        // internal API must do the same.
        let handle = unsafe { scratch_path::register(self.set.clone(), values.as_mut(), &tags) }
            .map_err(|e| crate::errors::to_js(&env, &e))?;
        self.scratch = Some((values, tags));
        self.handle = Some(handle);
        Ok(handle)
    }

    /// Predict for a feature object read through N-API (the path for what
    /// the JS reader does not encode); the flat prediction is written into
    /// `out` (`MAX_SLOTS` entries). Returns the number of slots written.
    #[napi(ts_args_type = "features: unknown, strict: boolean, out: Float64Array")]
    pub fn predict_object(
        &self,
        env: Env,
        features: Unknown,
        strict: bool,
        mut out: Float64ArraySlice,
    ) -> Result<u32> {
        run(&env, || {
            // SAFETY: `env` and `features` are this call's.
            let (workflow, record) = unsafe {
                let workflow = js_object::read_workflow(env.raw(), features.raw(), |t| {
                    EngineError::model_not_found(t)
                })?;
                self.model(workflow)?;
                let record = js_object::read_record(env.raw(), features.raw(), workflow, strict)?;
                (workflow, record)
            };
            // SAFETY: `out` is this call's argument, a fresh array of the JS layer.
            let out = unsafe { out.as_mut() };
            check_out(out, MAX_SLOTS)?;
            self.write_prediction(workflow, &record, out)
                .map(|n| n as u32)
        })
    }

    /// Failure probabilities of `rows` encoded objects of workflow
    /// `workflow`, `fields` entries each (the raw columnar layout), into
    /// `out` (`rows` entries). The first invalid object rejects, naming its
    /// index.
    // The parameters are the JS call's (lib/columnar.js), one typed array each.
    #[allow(clippy::too_many_arguments)]
    #[napi]
    pub fn probabilities_encoded(
        &self,
        env: Env,
        workflow: u32,
        values: Float64ArraySlice,
        tags: Uint8ArraySlice,
        rows: u32,
        strict: bool,
        mut out: Float64ArraySlice,
    ) -> Result<()> {
        run(&env, || {
            let workflow = workflow_at(workflow)?;
            let model = self.model(workflow)?;
            let width = workflow.fields.len();
            if values.len() < rows as usize * width || tags.len() < rows as usize * width {
                return Err(EngineError::Internal(
                    "encoded rows are too short".to_string(),
                ));
            }
            // SAFETY: `out` is this call's argument, a fresh array of the JS layer.
            let out = unsafe { out.as_mut() };
            check_out(out, rows as usize)?;
            for (i, p) in out.iter_mut().enumerate() {
                let span = i * width..(i + 1) * width;
                let record =
                    encoded::read_record(workflow, strict, &values[span.clone()], &tags[span])
                        .map_err(|e| at_index(e, i as u32))?;
                *p = probability_record(model, &record);
            }
            Ok(())
        })
    }

    /// Failure probabilities only, for row-major normalised vectors in
    /// `featuresToVector` order (`rows.length` must be a multiple of the
    /// workflow's feature count; every value must be finite), into `out`
    /// (one entry per row). Large inputs are computed on all cores (rayon)
    /// while the JS thread waits. `rows` must not be shared memory another
    /// thread may write (the JS layer copies a `SharedArrayBuffer` first).
    #[napi]
    pub fn predict_probabilities(
        &self,
        env: Env,
        workflow_type: String,
        rows: Float64ArraySlice,
        mut out: Float64ArraySlice,
    ) -> Result<()> {
        run(&env, || {
            let model = self.model_for_type(&workflow_type)?;
            // SAFETY: `out` is this call's argument, a fresh array of the JS layer.
            Columnar::of(model).probabilities_into(&rows, unsafe { out.as_mut() })
        })
    }

    /// Failure probabilities for raw feature objects read through N-API,
    /// which must all be of `workflow_type` (validated like `predict`; the
    /// first invalid object rejects, naming its index).
    #[napi(
        ts_args_type = "workflowType: string, features: unknown[], strict: boolean, out: Float64Array"
    )]
    pub fn predict_probabilities_raw(
        &self,
        env: Env,
        workflow_type: String,
        features: Array,
        strict: bool,
        mut out: Float64ArraySlice,
    ) -> Result<()> {
        let raw_env = env.raw();
        let n = features.len();
        let expected = run(&env, || {
            let model = self.model_for_type(&workflow_type)?;
            check_out(&out, n as usize)?;
            Ok(model.workflow)
        })?;
        // SAFETY: `out` is this call's argument, a fresh array of the JS
        // layer that no getter of the input can reach.
        let out = unsafe { out.as_mut() };
        for i in 0..n {
            let item: Unknown = features.get(i)?.unwrap_or_else(|| unsafe {
                Unknown::from_raw_unchecked(raw_env, std::ptr::null_mut())
            });
            // SAFETY: `item` is an element of this call's array, read in this call.
            let scored = guard(|| unsafe {
                let workflow = js_object::read_workflow(raw_env, item.raw(), |t| {
                    EngineError::model_not_found(t)
                })?;
                let model = self.model(workflow)?;
                if workflow.index != expected.index {
                    return Err(EngineError::InvalidArgument {
                        name: "features".to_string(),
                        reason: format!(
                            "workflowType is '{}', expected '{}' for every object",
                            workflow.workflow_type(),
                            crate::error::shown(&workflow_type)
                        ),
                    });
                }
                let record = js_object::read_record(raw_env, item.raw(), workflow, strict)?;
                Ok(probability_record(model, &record))
            });
            match scored {
                Ok(p) => out[i as usize] = p,
                Err(e) => return Err(to_js(&env, &at_index(e, i))),
            }
        }
        Ok(())
    }

    /// `predictProbabilities` off the JS thread: validated and scored on the
    /// libuv pool with rayon, resolving when `out` is filled. `rows` and
    /// `out` must be arrays no JavaScript can reach while the task runs (the
    /// JS layer passes a private copy of the caller's rows and a fresh
    /// output array): both are memory V8 owns, kept alive by the task's
    /// references, so nothing is left behind if the worker thread that
    /// started the task is terminated. Rejects with the same errors as the
    /// synchronous call.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn predict_probabilities_async(
        &self,
        workflow_type: String,
        rows: Float64Array,
        out: Float64Array,
    ) -> AsyncTask<EngineTask<ScoreRows>> {
        AsyncTask::new(EngineTask::new(ScoreRows {
            columnar: Some(self.model_for_type(&workflow_type).map(Columnar::of)),
            rows,
            out,
        }))
    }
}

pub struct ScoreRows {
    /// The model, or why there is none (reported as the rejection).
    columnar: Option<crate::error::Result<Columnar>>,
    rows: Float64Array,
    out: Float64Array,
}

impl Work for ScoreRows {
    type Output = ();
    type Js = ();

    fn run(&mut self) -> crate::error::Result<()> {
        match self.columnar.take() {
            // SAFETY: both arrays are private to the JS layer's call (see
            // `predict_probabilities_async`) and kept alive by their references.
            Some(Ok(columnar)) => {
                columnar.probabilities_into(&self.rows, unsafe { self.out.as_mut() })
            }
            Some(Err(e)) => Err(e),
            None => Err(EngineError::Internal("rows scored twice".to_string())),
        }
    }

    fn resolve_js(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }
}

/// Name the batch position in an error.
fn at_index(e: EngineError, index: u32) -> EngineError {
    EngineError::InBatch {
        index: index as usize,
        source: Box::new(e),
    }
}
