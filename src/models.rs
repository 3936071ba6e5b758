//! `NativeModels`: a loaded set of workflow models and the prediction calls on
//! it. The JavaScript `WorkflowPredictor` wraps one of these. Nothing here
//! builds a JavaScript object: predictions leave as flat numbers
//! (`prediction_shape`), probabilities as a `Float64Array`, metadata as JSON
//! text, and the JS layer builds the values the caller sees, in the caller's
//! realm.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::columnar::Columnar;
use crate::error::EngineError;
use crate::errors::{guard, run, to_js};
use crate::features::RawRecord;
use crate::model::{load_layered, LoadedModel, ModelSet};
use crate::predict::{predict_record, probability_record};
use crate::prediction_shape::{self, Output, MAX_SLOTS};
use crate::schema::{all_workflows, find_workflow, Workflow};
use crate::task::{EngineTask, Work};
use crate::{encoded, js_object};

/// Models loaded from one or more directories, one slot per workflow.
#[napi]
pub struct NativeModels {
    set: ModelSet,
    /// The JS wrapper's buffers for encoded objects and flat predictions,
    /// attached once (`attachScratch`) so that a prediction passes no array.
    scratch: Option<(Float64Array, Uint8Array)>,
}

impl NativeModels {
    fn model(&self, workflow: &Workflow) -> crate::error::Result<&LoadedModel> {
        self.set.models[workflow.index]
            .as_ref()
            .ok_or_else(|| EngineError::ModelNotFound(workflow.workflow_type().to_string()))
    }

    fn model_for_type(&self, workflow_type: &str) -> crate::error::Result<&LoadedModel> {
        let workflow = find_workflow(workflow_type)
            .ok_or_else(|| EngineError::ModelNotFound(workflow_type.to_string()))?;
        self.model(workflow)
    }

    fn workflow_at(&self, index: u32) -> crate::error::Result<&'static Workflow> {
        all_workflows()
            .get(index as usize)
            .ok_or_else(|| EngineError::Internal(format!("no workflow at index {index}")))
    }

    /// Predict for a validated record and write the flat result into `out`.
    fn write_prediction(
        &self,
        workflow: &Workflow,
        record: &RawRecord,
        out: &mut [f64],
    ) -> crate::error::Result<usize> {
        let model = self.model(workflow)?;
        let prediction = predict_record(model, record);
        let imputed = if record.any_missing() {
            record.imputed_fields(workflow)
        } else {
            Vec::new()
        };
        let output = Output {
            workflow_index: workflow.index,
            prediction: &prediction,
            imputed: &imputed,
        };
        prediction_shape::write(&output, out).ok_or_else(|| {
            EngineError::Internal("a prediction did not fit its flat layout".to_string())
        })
    }
}

fn load(dirs: &[String]) -> ModelSet {
    let dirs: Vec<PathBuf> = dirs.iter().map(PathBuf::from).collect();
    load_layered(&dirs)
}

/// Load the models (blocking): each workflow's from the first of `dirs` that
/// has a usable file for it. Missing or invalid files are skipped with a
/// warning, never an error.
#[napi]
pub fn load_models_sync(env: Env, dirs: Vec<String>) -> Result<NativeModels> {
    run(&env, || {
        Ok(NativeModels {
            set: load(&dirs),
            scratch: None,
        })
    })
}

pub struct LoadModels {
    dirs: Vec<String>,
}

impl Work for LoadModels {
    type Output = ModelSet;
    type Js = NativeModels;

    fn run(&mut self) -> crate::error::Result<ModelSet> {
        Ok(load(&self.dirs))
    }

    fn into_js(&mut self, _env: Env, set: ModelSet) -> Result<NativeModels> {
        Ok(NativeModels { set, scratch: None })
    }
}

/// `loadModelsSync` on the libuv thread pool.
#[napi(ts_return_type = "Promise<NativeModels>")]
pub fn load_models(dirs: Vec<String>) -> AsyncTask<EngineTask<LoadModels>> {
    AsyncTask::new(EngineTask::new(LoadModels { dirs }))
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
    /// one per field of the widest workflow).
    #[napi]
    pub fn attach_scratch(
        &mut self,
        env: Env,
        values: Float64Array,
        tags: Uint8Array,
    ) -> Result<()> {
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
            Ok(())
        })?;
        self.scratch = Some((values, tags));
        Ok(())
    }

    /// Predict for an object `lib/feature-reader.js` encoded into the
    /// attached buffers (one entry per field of workflow `workflow`); the
    /// flat prediction is written back into the values buffer.
    #[napi]
    pub fn predict_scratch(&mut self, env: Env, workflow: u32, strict: bool) -> Result<()> {
        let mut scratch = self.scratch.take();
        let result = run(&env, || {
            let workflow = self.workflow_at(workflow)?;
            let (values, tags) = scratch
                .as_mut()
                .ok_or_else(|| EngineError::Internal("no scratch buffers attached".to_string()))?;
            // SAFETY: the arrays are referenced by this instance and private to
            // its JS wrapper; no JavaScript runs while they are borrowed.
            let out = unsafe { values.as_mut() };
            let record = encoded::read_record(workflow, strict, out, tags)?;
            self.write_prediction(workflow, &record, out).map(|_| ())
        });
        self.scratch = scratch;
        result
    }

    /// Predict for a feature object read through N-API (the path for what
    /// the JS reader does not encode); the flat prediction as a new array.
    #[napi(ts_args_type = "features: unknown, strict: boolean")]
    pub fn predict_object(
        &self,
        env: Env,
        features: Unknown,
        strict: bool,
    ) -> Result<Float64Array> {
        run(&env, || {
            // SAFETY: `env` and `features` are this call's.
            let (workflow, record) = unsafe {
                let workflow = js_object::read_workflow(env.raw(), features.raw(), |t| {
                    EngineError::ModelNotFound(t.to_string())
                })?;
                self.model(workflow)?;
                let record = js_object::read_record(env.raw(), features.raw(), workflow, strict)?;
                (workflow, record)
            };
            let mut out = vec![0.0; MAX_SLOTS];
            let n = self.write_prediction(workflow, &record, &mut out)?;
            out.truncate(n);
            Ok(Float64Array::new(out))
        })
    }

    /// Failure probabilities of `rows` encoded objects of workflow
    /// `workflow`, `fields` entries each (the raw columnar layout). The
    /// first invalid object rejects, naming its index.
    #[napi]
    pub fn probabilities_encoded(
        &self,
        env: Env,
        workflow: u32,
        values: Float64ArraySlice,
        tags: Uint8ArraySlice,
        rows: u32,
        strict: bool,
    ) -> Result<Float64Array> {
        run(&env, || {
            let workflow = self.workflow_at(workflow)?;
            let model = self.model(workflow)?;
            let width = workflow.fields.len();
            if values.len() < rows as usize * width || tags.len() < rows as usize * width {
                return Err(EngineError::Internal(
                    "encoded rows are too short".to_string(),
                ));
            }
            let mut out = Vec::with_capacity(rows as usize);
            for i in 0..rows as usize {
                let span = i * width..(i + 1) * width;
                let record =
                    encoded::read_record(workflow, strict, &values[span.clone()], &tags[span])
                        .map_err(|e| at_index(e, i as u32))?;
                out.push(probability_record(model, &record));
            }
            Ok(Float64Array::new(out))
        })
    }

    /// Failure probabilities only, for row-major normalised vectors in
    /// `featuresToVector` order (`rows.length` must be a multiple of the
    /// workflow's feature count; every value must be finite). Large inputs
    /// are computed on all cores (rayon) while the JS thread waits.
    #[napi]
    pub fn predict_probabilities(
        &self,
        env: Env,
        workflow_type: String,
        rows: Float64Array,
    ) -> Result<Float64Array> {
        run(&env, || {
            let model = self.model_for_type(&workflow_type)?;
            Ok(Float64Array::new(Columnar::of(model).probabilities(&rows)?))
        })
    }

    /// Failure probabilities for raw feature objects read through N-API,
    /// which must all be of `workflow_type` (validated like `predict`; the
    /// first invalid object rejects, naming its index).
    #[napi(ts_args_type = "workflowType: string, features: unknown[], strict: boolean")]
    pub fn predict_probabilities_raw(
        &self,
        env: Env,
        workflow_type: String,
        features: Array,
        strict: bool,
    ) -> Result<Float64Array> {
        let raw_env = env.raw();
        let n = features.len();
        let expected = run(&env, || {
            self.model_for_type(&workflow_type).map(|m| m.workflow)
        })?;
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n {
            let item: Unknown = features.get(i)?.unwrap_or_else(|| unsafe {
                Unknown::from_raw_unchecked(raw_env, std::ptr::null_mut())
            });
            // SAFETY: `item` is an element of this call's array, read in this call.
            let scored = guard(|| unsafe {
                let workflow = js_object::read_workflow(raw_env, item.raw(), |t| {
                    EngineError::ModelNotFound(t.to_string())
                })?;
                let model = self.model(workflow)?;
                if workflow.index != expected.index {
                    return Err(EngineError::InvalidArgument {
                        name: "features".to_string(),
                        reason: format!(
                            "workflowType is '{}', expected '{workflow_type}' for every object",
                            workflow.workflow_type()
                        ),
                    });
                }
                let record = js_object::read_record(raw_env, item.raw(), workflow, strict)?;
                Ok(probability_record(model, &record))
            });
            match scored {
                Ok(p) => out.push(p),
                Err(e) => return Err(to_js(&env, &at_index(e, i))),
            }
        }
        Ok(Float64Array::new(out))
    }

    /// `predictProbabilities` off the JS thread: the rows are copied, then
    /// validated and scored on the libuv pool with rayon. Rejects with the
    /// same errors as the synchronous call.
    #[napi(ts_return_type = "Promise<Float64Array>")]
    pub fn predict_probabilities_async(
        &self,
        workflow_type: String,
        rows: Float64Array,
    ) -> AsyncTask<EngineTask<ScoreRows>> {
        let columnar = self.model_for_type(&workflow_type).map(Columnar::of);
        let rows = if columnar.is_ok() {
            rows.to_vec()
        } else {
            Vec::new()
        };
        AsyncTask::new(EngineTask::new(ScoreRows {
            columnar: Some(columnar),
            rows,
        }))
    }
}

pub struct ScoreRows {
    /// The model, or why there is none (reported as the rejection).
    columnar: Option<crate::error::Result<Columnar>>,
    rows: Vec<f64>,
}

impl Work for ScoreRows {
    type Output = Vec<f64>;
    type Js = Float64Array;

    fn run(&mut self) -> crate::error::Result<Vec<f64>> {
        match self.columnar.take() {
            Some(Ok(columnar)) => columnar.probabilities(&self.rows),
            Some(Err(e)) => Err(e),
            None => Err(EngineError::Internal("rows scored twice".to_string())),
        }
    }

    fn into_js(&mut self, _env: Env, output: Vec<f64>) -> Result<Float64Array> {
        Ok(Float64Array::new(output))
    }
}

/// Name the batch position in an error.
fn at_index(e: EngineError, index: u32) -> EngineError {
    EngineError::InBatch {
        index: index as usize,
        source: Box::new(e),
    }
}
