//! `featuresToVector`, `getCriticalFeatures`, `getWorkflowDisplayName` and the
//! schema description the TypeScript types are generated from.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::convert;
use super::errors::run;
use crate::features::{expected_description, unknown_workflow, vectorise};
use crate::schema::{all_workflows, base, find_workflow, FieldType, Normalisation, Workflow};

fn workflow(workflow_type: &str) -> crate::error::Result<&'static Workflow> {
    find_workflow(workflow_type).ok_or_else(|| unknown_workflow(workflow_type))
}

/// The named feature vector of a raw object, keys in the engine's order.
/// Missing fields take the schema's neutral defaults (`strict` rejects them).
#[napi(
    ts_args_type = "features: object, strict: boolean",
    ts_return_type = "Record<string, number>"
)]
pub fn features_to_vector<'env>(
    env: &'env Env,
    features: Unknown<'env>,
    strict: bool,
) -> Result<Object<'env>> {
    let (workflow, vector) = run(env, || unsafe {
        let workflow = convert::read_workflow(env.raw(), features.raw(), unknown_workflow)?;
        let record = convert::read_record(env.raw(), features.raw(), workflow, strict)?;
        Ok((workflow, vectorise(workflow, &record, None)))
    })?;
    let mut object = Object::new(env)?;
    for (entry, value) in workflow.vector.iter().zip(vector) {
        object.set(entry.feature, value)?;
    }
    Ok(object)
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
