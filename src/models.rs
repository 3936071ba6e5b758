//! `NativeModels`: a loaded set of workflow models and the prediction calls on
//! it. The JavaScript `WorkflowPredictor` wraps one of these.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::convert;
use super::errors::{run, to_js};
use super::task::{EngineTask, Work};
use crate::error::EngineError;
use crate::features::RawRecord;
use crate::model::{load_dir, LoadedModel, ModelSet};
use crate::columnar::Columnar;
use crate::predict::{predict_record, probability_record};
use crate::schema::{find_workflow, Workflow};

// Declared for the generated TypeScript types; the values are built directly.
#[allow(dead_code)]
#[napi(object)]
pub struct CriticalFactor {
    pub feature: String,
    pub value: f64,
    pub weight: f64,
    pub contribution: f64,
}

// The TypeScript shape of what `predict` returns (built by
// `convert::write_prediction`).
#[allow(dead_code)]
#[napi(object)]
pub struct WorkflowPrediction {
    pub workflow_type: String,
    pub failure_probability: f64,
    #[napi(ts_type = "'critical' | 'high' | 'medium' | 'low'")]
    pub risk_level: String,
    pub confidence: f64,
    pub critical_factors: Vec<CriticalFactor>,
    pub recommendations: Vec<String>,
    /// Raw fields that were missing from the input and were filled in.
    pub imputed_features: Vec<String>,
}

/// A JS value built by hand (see `convert::write_prediction`), returned as is.
pub struct JsRaw(sys::napi_value);

impl TypeName for JsRaw {
    fn type_name() -> &'static str {
        "object"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for JsRaw {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        Ok(val.0)
    }
}

/// Models loaded from one directory, one slot per workflow.
#[napi]
pub struct NativeModels {
    set: ModelSet,
    dir: String,
    /// JS strings for property names and returned texts, made on first use
    /// in the environment this instance lives in.
    strings: convert::StringCache,
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

    fn new(set: ModelSet, dir: String) -> NativeModels {
        NativeModels {
            set,
            dir,
            strings: Default::default(),
        }
    }

    /// Validate one JS object: its workflow, that workflow's model, the record.
    ///
    /// # Safety
    /// `strings` must belong to the current call (same env, live handle scope)
    /// and `value` must be a value of that call.
    unsafe fn read_js(
        &self,
        strings: &convert::Strings,
        value: sys::napi_value,
        strict: bool,
    ) -> crate::error::Result<(&'static Workflow, &LoadedModel, RawRecord)> {
        let mut fast = None;
        if let Some(helpers) = strings.helpers() {
            if let Some(workflow) = convert::read_workflow_fast(helpers, value)? {
                let model = self.model(workflow)?;
                fast = convert::read_record_fast(helpers, workflow, strict)?
                    .map(|record| (workflow, model, record));
            }
        }
        let (workflow, model, record) = match fast {
            Some(read) => read,
            None => {
                let workflow = convert::read_workflow_cached(strings, value, |t| {
                    EngineError::ModelNotFound(t.to_string())
                })?;
                let model = self.model(workflow)?;
                let record = convert::read_record_cached(strings, value, workflow, strict)?;
                (workflow, model, record)
            }
        };
        Ok((workflow, model, record))
    }

    /// Validate one JS object, predict for it and build the JS result.
    ///
    /// # Safety
    /// As for `read_js`.
    unsafe fn predict_js(
        &self,
        strings: &convert::Strings,
        value: sys::napi_value,
        strict: bool,
    ) -> crate::error::Result<sys::napi_value> {
        let (workflow, model, record) = self.read_js(strings, value, strict)?;
        let prediction = predict_record(model, &record);
        let imputed = if record.any_missing() {
            record.imputed_fields(workflow)
        } else {
            Vec::new()
        };
        convert::write_prediction(strings, &prediction, &imputed)
    }
}

/// Load the models in `dir` (blocking). Missing or invalid files are skipped
/// with a warning, never an error.
#[napi]
pub fn load_models_sync(env: Env, dir: String) -> Result<NativeModels> {
    run(&env, || {
        Ok(NativeModels::new(load_dir(&PathBuf::from(&dir)), dir))
    })
}

pub struct LoadModels {
    dir: String,
}

impl Work for LoadModels {
    type Output = ModelSet;
    type Js = NativeModels;

    fn run(&mut self) -> crate::error::Result<ModelSet> {
        Ok(load_dir(&PathBuf::from(&self.dir)))
    }

    fn into_js(&mut self, _env: Env, set: ModelSet) -> Result<NativeModels> {
        Ok(NativeModels::new(set, std::mem::take(&mut self.dir)))
    }
}

/// Load the models in `dir` on the libuv thread pool.
#[napi(ts_return_type = "Promise<NativeModels>")]
pub fn load_models(dir: String) -> AsyncTask<EngineTask<LoadModels>> {
    AsyncTask::new(EngineTask::new(LoadModels { dir }))
}

#[napi]
impl NativeModels {
    /// The directory the models were loaded from.
    #[napi(getter)]
    pub fn dir(&self) -> String {
        self.dir.clone()
    }

    /// One message per workflow whose model could not be loaded.
    #[napi(getter)]
    pub fn warnings(&self) -> Vec<String> {
        self.set.warnings.clone()
    }

    /// Workflow types that have a model, in schema order.
    #[napi(getter)]
    pub fn loaded_workflows(&self) -> Vec<String> {
        self.set
            .models
            .iter()
            .flatten()
            .map(|m| m.workflow.workflow_type().to_string())
            .collect()
    }

    /// The model file of a workflow as JSON text (parsed once by the JS
    /// wrapper for `getModelStats`), or null without a model.
    #[napi]
    pub fn model_json(&self, env: Env, workflow_type: String) -> Result<Option<String>> {
        run(&env, || match self.model_for_type(&workflow_type) {
            Ok(m) => serde_json::to_string(&m.file)
                .map(Some)
                .map_err(|e| EngineError::Internal(e.to_string())),
            Err(_) => Ok(None),
        })
    }

    /// Predict for one raw feature object.
    #[napi(
        ts_args_type = "features: object, strict: boolean",
        ts_return_type = "WorkflowPrediction"
    )]
    pub fn predict(&self, env: Env, features: Unknown, strict: bool) -> Result<JsRaw> {
        run(&env, || {
            // SAFETY: `env` and `features` are this call's; the strings are
            // fetched for this call and used only within it.
            unsafe {
                let strings = convert::Strings::get(&self.strings, env.raw())?;
                self.predict_js(&strings, features.raw(), strict).map(JsRaw)
            }
        })
    }

    /// Predict for each object of an array, in order. The first invalid
    /// object rejects the whole batch, naming its index.
    #[napi(
        ts_args_type = "features: object[], strict: boolean",
        ts_return_type = "Array<WorkflowPrediction>"
    )]
    pub fn predict_batch(&self, env: Env, features: Array, strict: bool) -> Result<JsRaw> {
        let raw_env = env.raw();
        let n = features.len();
        // SAFETY: every value below is created or read in this call's env and
        // handle scope, and used only within this call.
        let (strings, out) = run(&env, || unsafe {
            let strings = convert::Strings::get(&self.strings, raw_env)?;
            let mut out = std::ptr::null_mut();
            if sys::napi_create_array_with_length(raw_env, n as usize, &mut out)
                != sys::Status::napi_ok
            {
                return Err(EngineError::Internal(
                    "cannot create the result array".to_string(),
                ));
            }
            Ok((strings, out))
        })?;
        for i in 0..n {
            let item: Unknown = features.get(i)?.unwrap_or_else(|| unsafe {
                Unknown::from_raw_unchecked(raw_env, std::ptr::null_mut())
            });
            let predicted = super::errors::guard(|| unsafe {
                let value = self.predict_js(&strings, item.raw(), strict)?;
                if sys::napi_set_element(raw_env, out, i, value) != sys::Status::napi_ok {
                    return Err(EngineError::Internal(
                        "cannot fill the result array".to_string(),
                    ));
                }
                Ok(())
            });
            if let Err(e) = predicted {
                return Err(to_js(&env, &at_index(e, i)));
            }
        }
        Ok(JsRaw(out))
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
            let columnar = Columnar::of(model);
            Ok(Float64Array::new(columnar.probabilities(&rows)?))
        })
    }

    /// Failure probabilities only, for raw feature objects that must all be
    /// of `workflow_type` (validated like `predict`; the first invalid object
    /// rejects, naming its index). Skips building result objects.
    #[napi(ts_args_type = "workflowType: string, features: object[], strict: boolean")]
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
        // SAFETY: the strings are fetched for this call and used only within it.
        let strings = run(&env, || unsafe {
            convert::Strings::get(&self.strings, raw_env)
        })?;
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n {
            let item: Unknown = features.get(i)?.unwrap_or_else(|| unsafe {
                Unknown::from_raw_unchecked(raw_env, std::ptr::null_mut())
            });
            // SAFETY: `item` is an element of this call's array, read in this call.
            let scored = super::errors::guard(|| unsafe {
                let (workflow, model, record) = self.read_js(&strings, item.raw(), strict)?;
                if workflow.index != expected.index {
                    return Err(EngineError::InvalidArgument {
                        name: "features".to_string(),
                        reason: format!(
                            "workflowType is '{}', expected '{workflow_type}' for every object",
                            workflow.workflow_type()
                        ),
                    });
                }
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
