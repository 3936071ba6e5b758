//! `NativeModels`: a loaded set of workflow models and the prediction calls on
//! it. The JavaScript `WorkflowPredictor` wraps one of these.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::convert;
use super::errors::{run, to_js};
use super::task::{EngineTask, Work};
use crate::error::EngineError;
use crate::features::{vectorise, RawRecord};
use crate::model::{load_dir, LoadedModel, ModelSet};
use crate::predict::{predict, probability, Prediction};
use crate::schema::{find_workflow, Workflow};

#[napi(object)]
pub struct CriticalFactor {
    pub feature: String,
    pub value: f64,
    pub weight: f64,
    pub contribution: f64,
}

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

fn to_js_prediction(p: Prediction, imputed: Vec<&'static str>) -> WorkflowPrediction {
    WorkflowPrediction {
        workflow_type: p.workflow_type.to_string(),
        failure_probability: p.failure_probability,
        risk_level: p.risk_level.as_str().to_string(),
        confidence: p.confidence,
        critical_factors: p
            .critical_factors
            .into_iter()
            .map(|f| CriticalFactor {
                feature: f.feature.to_string(),
                value: f.value,
                weight: f.weight,
                contribution: f.contribution,
            })
            .collect(),
        recommendations: p.recommendations.into_iter().map(str::to_string).collect(),
        imputed_features: imputed.into_iter().map(str::to_string).collect(),
    }
}

/// Models loaded from one directory, one slot per workflow.
#[napi]
pub struct NativeModels {
    set: ModelSet,
    dir: String,
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

    /// Validate one JS object and predict for it.
    unsafe fn predict_raw(
        &self,
        env: sys::napi_env,
        value: sys::napi_value,
        strict: bool,
    ) -> crate::error::Result<(Prediction, RawRecord, &LoadedModel)> {
        let workflow =
            convert::read_workflow(env, value, |t| EngineError::ModelNotFound(t.to_string()))?;
        let model = self.model(workflow)?;
        let record = convert::read_record(env, value, workflow, strict)?;
        let vector = vectorise(workflow, &record, model.feature_means.as_deref());
        Ok((predict(model, &vector), record, model))
    }
}

/// Load the models in `dir` (blocking). Missing or invalid files are skipped
/// with a warning, never an error.
#[napi]
pub fn load_models_sync(env: Env, dir: String) -> Result<NativeModels> {
    run(&env, || {
        Ok(NativeModels {
            set: load_dir(&PathBuf::from(&dir)),
            dir,
        })
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
        Ok(NativeModels { set, dir: std::mem::take(&mut self.dir) })
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
    #[napi(ts_args_type = "features: object, strict: boolean")]
    pub fn predict(&self, env: Env, features: Unknown, strict: bool) -> Result<WorkflowPrediction> {
        run(&env, || {
            let (p, record, model) =
                unsafe { self.predict_raw(env.raw(), features.raw(), strict)? };
            Ok(to_js_prediction(p, record.imputed_fields(model.workflow)))
        })
    }

    /// Predict for each object of an array, in order. The first invalid
    /// object rejects the whole batch, naming its index.
    #[napi(ts_args_type = "features: object[], strict: boolean")]
    pub fn predict_batch(
        &self,
        env: Env,
        features: Array,
        strict: bool,
    ) -> Result<Vec<WorkflowPrediction>> {
        let n = features.len();
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n {
            let item: Unknown = features.get(i)?.unwrap_or_else(|| unsafe {
                Unknown::from_raw_unchecked(env.raw(), std::ptr::null_mut())
            });
            let predicted = super::errors::guard(|| unsafe {
                let (p, record, model) = self.predict_raw(env.raw(), item.raw(), strict)?;
                Ok(to_js_prediction(p, record.imputed_fields(model.workflow)))
            });
            match predicted {
                Ok(p) => out.push(p),
                Err(e) => return Err(to_js(&env, &at_index(e, i))),
            }
        }
        Ok(out)
    }

    /// Failure probabilities only, for row-major normalised vectors in
    /// `featuresToVector` order (`rows.length` must be a multiple of the
    /// workflow's feature count; every value must be finite).
    #[napi]
    pub fn predict_probabilities(
        &self,
        env: Env,
        workflow_type: String,
        rows: Float64Array,
    ) -> Result<Float64Array> {
        run(&env, || {
            let model = self.model_for_type(&workflow_type)?;
            let d = model.weights.len();
            let data: &[f64] = &rows;
            if data.len() % d != 0 {
                return Err(EngineError::InvalidArgument {
                    name: "rows".to_string(),
                    reason: format!(
                        "length {} is not a multiple of the {d} features of {workflow_type}",
                        data.len()
                    ),
                });
            }
            if let Some(i) = data.iter().position(|x| !x.is_finite()) {
                return Err(EngineError::InvalidArgument {
                    name: "rows".to_string(),
                    reason: format!(
                        "value at index {i} (row {}, feature '{}') is not finite",
                        i / d,
                        model.workflow.vector[i % d].feature
                    ),
                });
            }
            let out: Vec<f64> = data
                .chunks_exact(d)
                .map(|row| probability(&model.weights, model.bias, row))
                .collect();
            Ok(Float64Array::new(out))
        })
    }
}

/// Name the batch position in an error.
fn at_index(e: EngineError, index: u32) -> EngineError {
    EngineError::InBatch {
        index: index as usize,
        source: Box::new(e),
    }
}
