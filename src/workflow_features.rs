//! `featuresToVector`, `getCriticalFeatures`, `getWorkflowDisplayName` and the
//! schema description the TypeScript types are generated from.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::EngineError;
use crate::errors::run;
use crate::features::{expected_description, unknown_workflow, vectorise_into};
use crate::schema::{all_workflows, base, find_workflow, FieldType, Normalisation, Workflow};
use crate::{encoded, js_object};

fn workflow(workflow_type: &str) -> crate::error::Result<&'static Workflow> {
    find_workflow(workflow_type).ok_or_else(|| unknown_workflow(workflow_type))
}

/// The feature vector of a raw object read through N-API (the path for what
/// `lib/feature-reader.js` does not encode), written into `out` (a fresh
/// array of the JS layer, at least one entry longer than the longest
/// vector) as `[workflowIndex, ...vector]`. Missing fields take the
/// schema's neutral defaults (`strict` rejects them).
#[napi(ts_args_type = "features: unknown, strict: boolean, out: Float64Array")]
pub fn features_to_vector(
    env: Env,
    features: Unknown,
    strict: bool,
    mut out: Float64ArraySlice,
) -> Result<()> {
    run(&env, || unsafe {
        // SAFETY: `env` and `features` are this call's; `out` is a fresh
        // array no getter of the input can reach.
        let workflow = js_object::read_workflow(env.raw(), features.raw(), unknown_workflow)?;
        let record = js_object::read_record(env.raw(), features.raw(), workflow, strict)?;
        let out = out.as_mut();
        let d = workflow.vector.len();
        if out.len() <= d {
            return Err(EngineError::Internal("vector buffer too short".to_string()));
        }
        out[0] = workflow.index as f64;
        vectorise_into(workflow, &record, None, &mut out[1..=d]);
        Ok(())
    })
}

/// The feature vector of an object encoded by `lib/feature-reader.js`
/// (workflow index `workflow`), written back into `values`; returns its length.
#[napi]
pub fn vector_encoded(
    env: Env,
    workflow: u32,
    mut values: Float64ArraySlice,
    tags: Uint8ArraySlice,
    strict: bool,
) -> Result<u32> {
    run(&env, || {
        let workflow = all_workflows()
            .get(workflow as usize)
            .ok_or_else(|| EngineError::Internal(format!("no workflow at index {workflow}")))?;
        // SAFETY: the arrays are this call's arguments; no JavaScript runs
        // while they are borrowed.
        let out = unsafe { values.as_mut() };
        let record = encoded::read_record(workflow, strict, out, &tags)?;
        let d = workflow.vector.len();
        if out.len() < d {
            return Err(EngineError::Internal("vector buffer too short".to_string()));
        }
        vectorise_into(workflow, &record, None, &mut out[..d]);
        Ok(d as u32)
    })
}

/// Throws the coded error for `key`, a key of a `workflow_type` feature
/// object that is not one of its fields (with a "did you mean" suggestion).
#[napi]
pub fn unknown_field(env: Env, workflow_type: String, key: String) -> Result<()> {
    run(&env, || {
        Err(crate::features::unknown_field(
            workflow(&workflow_type)?,
            &key,
        ))
    })
}

#[napi]
pub fn get_critical_features(env: Env, workflow_type: String) -> Result<Vec<&'static str>> {
    run(&env, || {
        Ok(workflow(&workflow_type)?.schema.critical_features.to_vec())
    })
}

#[napi]
pub fn get_workflow_display_name(env: Env, workflow_type: String) -> Result<&'static str> {
    run(&env, || Ok(workflow(&workflow_type)?.schema.display_name))
}

/// The feature names of a workflow's vector, in order.
#[napi]
pub fn get_feature_names(env: Env, workflow_type: String) -> Result<Vec<&'static str>> {
    run(&env, || {
        Ok(workflow(&workflow_type)?.feature_names().collect())
    })
}

#[napi]
pub fn get_workflow_types() -> Vec<&'static str> {
    all_workflows().iter().map(|w| w.workflow_type()).collect()
}

fn field_json(spec: &crate::schema::FieldSpec) -> serde_json::Value {
    let (ty, values) = match spec.ty {
        FieldType::Number => ("number", None),
        FieldType::Boolean => ("boolean", None),
        FieldType::Text => ("string", None),
        FieldType::WorkflowType => ("workflowType", None),
        FieldType::Enum(v) => ("enum", Some(v)),
    };
    serde_json::json!({
        "field": spec.name, "type": ty, "values": values, "note": spec.note,
        "expected": expected_description(spec.ty),
    })
}

fn normalisation_json(n: Normalisation) -> serde_json::Value {
    match n {
        Normalisation::Bool => serde_json::json!({"kind": "bool"}),
        Normalisation::EnumEquals(v) => serde_json::json!({"kind": "enumEquals", "value": v}),
        Normalisation::Scaled(d) => serde_json::json!({"kind": "scaled", "divisor": d}),
        Normalisation::Capped(d) => serde_json::json!({"kind": "capped", "divisor": d}),
        Normalisation::Shifted { offset, divisor } => {
            serde_json::json!({"kind": "shifted", "offset": offset, "divisor": divisor})
        }
        Normalisation::Identity => serde_json::json!({"kind": "identity"}),
    }
}

/// The whole schema as JSON text: what `scripts/generate-types.js` turns
/// into the TypeScript feature interfaces.
#[napi]
pub fn get_schema_json() -> String {
    let workflows: Vec<serde_json::Value> = all_workflows()
        .iter()
        .map(|w| {
            serde_json::json!({
                "workflowType": w.workflow_type(),
                "displayName": w.schema.display_name,
                "interface": w.schema.interface,
                "fields": w.schema.fields.iter().map(field_json).collect::<Vec<_>>(),
                "vector": w.vector.iter().map(|e| {
                    let mut v = normalisation_json(e.normalisation);
                    v["feature"] = e.feature.into();
                    v["field"] = w.fields[e.field_index].name.into();
                    v
                }).collect::<Vec<_>>(),
                "criticalFeatures": w.schema.critical_features,
            })
        })
        .collect();
    serde_json::json!({
        "baseInterface": base::BASE_INTERFACE,
        "baseFields": base::BASE_FIELDS.iter().map(field_json).collect::<Vec<_>>(),
        "workflows": workflows,
    })
    .to_string()
}

/// The declared shape of a prediction as JSON text: what
/// `scripts/generate-types.js` turns into the JS builder and the types.
#[napi]
pub fn get_prediction_shape() -> String {
    crate::prediction_shape::shape_json().to_string()
}

/// The strings a flat prediction refers to by slot, in slot order.
#[napi]
pub fn get_string_table() -> Vec<&'static str> {
    crate::string_table::strings().texts.clone()
}
