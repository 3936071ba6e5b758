//! Fuzzing the feature parser: arbitrary JSON objects (schema fields with
//! valid, wrong-typed, huge, negative and long values, missing fields,
//! unknown keys, any workflowType) through `record_from_json`, strict and
//! not. Invariant: a coded error naming the field, or a record whose vector
//! is finite, whose probability under the shipped model is in [0, 1], and
//! which reads back identically from its own JSON.

mod fuzz_support;

use dawg_ml_engine::family::Input;
use dawg_ml_engine::features::{record_from_json, record_to_json, vectorise, RawRecord};
use dawg_ml_engine::schema::{all_workflows, FieldType, Workflow};
use dawg_ml_engine::EngineError;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Any JSON leaf or small container, biased to hostile numbers and strings.
fn hostile_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |x| serde_json::Number::from_f64(x)
            .map(Value::Number)),
        prop_oneof![
            Just(1e308),
            Just(-1e308),
            Just(f64::MIN_POSITIVE),
            Just(-0.0),
            Just(9.007199254740993e15)
        ]
        .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        (1usize..5000).prop_map(|n| Value::from("x".repeat(n))),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A valid value of one field.
fn valid_value(ty: FieldType, workflow_type: &'static str) -> BoxedStrategy<Value> {
    match ty {
        FieldType::Number => prop_oneof![-1e6f64..1e6, Just(0.0), (0u32..100).prop_map(f64::from)]
            .prop_map(|x| serde_json::json!(x))
            .boxed(),
        FieldType::Boolean => any::<bool>().prop_map(Value::from).boxed(),
        FieldType::Text => Just(Value::from("2024-01-01T00:00:00Z")).boxed(),
        FieldType::WorkflowType => Just(Value::from(workflow_type)).boxed(),
        FieldType::Enum(values) => prop::sample::select(values.to_vec())
            .prop_map(Value::from)
            .boxed(),
    }
}

/// A field's valid value, or `None` to leave it out.
fn slot(ty: FieldType, workflow_type: &'static str) -> impl Strategy<Value = Option<Value>> {
    prop::option::weighted(0.9, valid_value(ty, workflow_type))
}

fn object() -> impl Strategy<Value = (Value, bool)> {
    let workflow = prop::sample::select(all_workflows().iter().collect::<Vec<&'static Workflow>>());
    (workflow, any::<bool>()).prop_flat_map(|(w, strict)| {
        let slots: Vec<_> = w
            .fields
            .iter()
            .map(|f| slot(f.ty, w.workflow_type()))
            .collect();
        let extra = prop::collection::btree_map("[a-zA-Z_]{1,12}", hostile_value(), 0..3);
        // Up to two fields given a hostile value instead (a third of the objects have none).
        let hostile = prop::collection::vec((any::<prop::sample::Index>(), hostile_value()), 0..3);
        let type_override = prop::option::weighted(0.05, hostile_value());
        (slots, extra, hostile, type_override).prop_map(
            move |(slots, extra, hostile, type_override)| {
                let mut map = Map::new();
                for (k, v) in extra {
                    map.insert(k, v);
                }
                for (spec, s) in w.fields.iter().zip(slots) {
                    match s {
                        Some(v) => drop(map.insert(spec.name.to_string(), v)),
                        None => drop(map.remove(spec.name)),
                    }
                }
                for (i, v) in hostile {
                    map.insert(i.get(&w.fields).name.to_string(), v);
                }
                if let Some(t) = type_override {
                    map.insert("workflowType".to_string(), t);
                }
                (Value::Object(map), strict)
            },
        )
    })
}

fn check_error(e: &EngineError, input: &Value) -> Result<bool, TestCaseError> {
    let code = fuzz_support::coded(e)?;
    let message = e.to_string();
    match e {
        EngineError::InvalidFeature { field, .. } | EngineError::MissingFeature { field, .. } => {
            prop_assert!(
                message.contains(field.as_str()),
                "{code} does not name '{field}': {message}"
            );
            prop_assert!(
                input.get("workflowType").is_some() || field == "workflowType",
                "{message}"
            );
        }
        EngineError::UnknownWorkflow { .. } | EngineError::InvalidInput { .. } => {}
        other => prop_assert!(false, "unexpected error {code}: {other}"),
    }
    Ok(false)
}

fn check_record(
    w: &'static Workflow,
    record: &RawRecord,
    strict: bool,
) -> Result<bool, TestCaseError> {
    prop_assert_eq!(record.values.len(), w.fields.len());
    prop_assert!(!strict || !record.any_missing());
    let model = &fuzz_support::shipped_models()[w.index];
    let vector = vectorise(w, record, model.feature_means.as_deref());
    prop_assert!(
        vector.iter().all(|x| x.is_finite()),
        "non-finite vector {vector:?}"
    );
    let p = model.probability(Input {
        vector: &vector,
        record: Some(record),
    });
    fuzz_support::probability(w.workflow_type(), p)?;
    // Reference: the record written back as JSON parses to the same vector
    // (missing fields stay missing: they are left out).
    let mut again = record_to_json(w, record, "2024-01-01T00:00:00Z");
    if let Value::Object(map) = &mut again {
        for (spec, missing) in w.fields.iter().zip(&record.missing) {
            if *missing {
                map.remove(spec.name);
            }
        }
    }
    let (w2, record2) =
        record_from_json(&again, false).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    prop_assert_eq!(w2.index, w.index);
    let vector2 = vectorise(w, &record2, model.feature_means.as_deref());
    prop_assert_eq!(vector2, vector);
    Ok(true)
}

#[test]
fn fuzz_feature_parser() {
    fuzz_support::run(
        "rust/feature-parser",
        object(),
        |(input, strict)| match record_from_json(&input, strict) {
            Ok((w, record)) => check_record(w, &record, strict),
            Err(e) => check_error(&e, &input),
        },
    );
}

#[test]
fn fuzz_feature_parser_on_any_json() {
    fuzz_support::run(
        "rust/feature-parser-any-json",
        (hostile_value(), any::<bool>()),
        |(input, strict)| match record_from_json(&input, strict) {
            Ok((w, record)) => check_record(w, &record, strict),
            Err(e) => check_error(&e, &input),
        },
    );
}
