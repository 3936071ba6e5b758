//! Feature objects as `lib/feature-reader.js` encodes them: per schema field
//! one number (`values`) and one type tag (`tags`). The reader makes no
//! decision of its own; every value is validated here, by the core's
//! `features::parse_field`, exactly as a value read through N-API is. The
//! reader hands anything it cannot encode exactly (an object, a symbol, a
//! string that is not one of an enum's values, ...) to the N-API path
//! instead, so that the error can describe the value.
//!
//! Pure Rust over slices: no JavaScript here.

use crate::error::EngineError;
use crate::features::{self, Observed, RawRecord};
use crate::schema::{FieldSpec, FieldType, Workflow};

/// Type tags, as `lib/feature-reader.js` writes them.
pub mod tag {
    /// Absent, or `undefined`.
    pub const MISSING: u8 = 0;
    pub const NUMBER: u8 = 1;
    /// The value is 1 for `true`, 0 for `false`.
    pub const BOOLEAN: u8 = 2;
    /// The value is the index of the string among the field's enum values.
    pub const ENUM_INDEX: u8 = 3;
    /// A string in a free-text field (only its type matters).
    pub const TEXT: u8 = 4;
    pub const NULL: u8 = 5;
}

fn unexpected(j: usize, t: u8) -> EngineError {
    EngineError::Internal(format!("feature reader wrote tag {t} for field {j}"))
}

/// Validate one encoded object of `workflow`: `values` and `tags` hold one
/// entry per field of `workflow.fields`, in order.
pub fn read_record(
    workflow: &Workflow,
    strict: bool,
    values: &[f64],
    tags: &[u8],
) -> Result<RawRecord, EngineError> {
    let mut record = RawRecord::default();
    read_record_into(workflow, strict, values, tags, &mut record)?;
    Ok(record)
}

/// `read_record` into `record`, reusing its allocations.
pub fn read_record_into(
    workflow: &Workflow,
    strict: bool,
    values: &[f64],
    tags: &[u8],
    record: &mut RawRecord,
) -> Result<(), EngineError> {
    let n = workflow.fields.len();
    if values.len() < n || tags.len() < n {
        return Err(EngineError::Internal(format!(
            "encoded object has {} values and {} tags, {} needs {n}",
            values.len(),
            tags.len(),
            workflow.workflow_type()
        )));
    }
    let mut j = 0;
    features::read_record_into(
        workflow,
        strict,
        |spec: &FieldSpec| {
            let (x, t) = (values[j], tags[j]);
            j += 1;
            // The values `parse_field` accepts, accepted directly; anything else
            // goes through it for its verdict and error.
            match (t, spec.ty) {
                (tag::NUMBER, FieldType::Number) if x.is_finite() => return Ok(Some(x)),
                (tag::BOOLEAN, FieldType::Boolean) => return Ok(Some(x)),
                (tag::ENUM_INDEX, FieldType::Enum(allowed))
                    if x >= 0.0 && x.fract() == 0.0 && (x as usize) < allowed.len() =>
                {
                    return Ok(Some(x))
                }
                (tag::TEXT, FieldType::Text) => return Ok(Some(0.0)),
                // Matched by the reader's workflow lookup.
                (tag::TEXT, FieldType::WorkflowType) => return Ok(Some(0.0)),
                _ => {}
            }
            let observed = match t {
                tag::MISSING => Observed::Missing,
                tag::NUMBER => Observed::Number(x),
                tag::BOOLEAN => Observed::Bool(x != 0.0),
                tag::TEXT => Observed::Str(""),
                tag::NULL => Observed::Null,
                _ => return Err(unexpected(j - 1, t)),
            };
            features::parse_field(workflow, spec, observed)
        },
        record,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::record_from_json;
    use crate::schema::find_workflow;

    /// Encode a JSON object the way the JS reader encodes a JS object.
    fn encode(w: &Workflow, object: &serde_json::Value) -> (Vec<f64>, Vec<u8>) {
        let mut values = Vec::new();
        let mut tags = Vec::new();
        for spec in &w.fields {
            let (x, t) = match (&object[spec.name], spec.ty) {
                (serde_json::Value::Null, _) if object.get(spec.name).is_none() => {
                    (0.0, tag::MISSING)
                }
                (serde_json::Value::Null, _) => (0.0, tag::NULL),
                (serde_json::Value::Bool(b), _) => (f64::from(u8::from(*b)), tag::BOOLEAN),
                (serde_json::Value::Number(n), _) => (n.as_f64().unwrap(), tag::NUMBER),
                (serde_json::Value::String(s), FieldType::Enum(allowed)) => (
                    allowed.iter().position(|v| v == s).unwrap() as f64,
                    tag::ENUM_INDEX,
                ),
                (serde_json::Value::String(_), _) => (0.0, tag::TEXT),
                other => panic!("not encodable: {other:?}"),
            };
            values.push(x);
            tags.push(t);
        }
        (values, tags)
    }

    fn sample() -> serde_json::Value {
        crate::test_fixtures::golden()["cases"][0]["input"].clone()
    }

    #[test]
    fn an_encoded_object_validates_as_its_json_does() {
        let input = sample();
        let w = find_workflow(input["workflowType"].as_str().unwrap()).unwrap();
        let (values, tags) = encode(w, &input);
        let (_, want) = record_from_json(&input, true).unwrap();
        assert_eq!(read_record(w, true, &values, &tags).unwrap(), want);

        let mut partial = input.clone();
        partial.as_object_mut().unwrap().remove("sampleRate");
        let (values, tags) = encode(w, &partial);
        let (_, want) = record_from_json(&partial, false).unwrap();
        assert_eq!(read_record(w, false, &values, &tags).unwrap(), want);
        let e = read_record(w, true, &values, &tags).unwrap_err();
        assert_eq!(
            e.to_string(),
            record_from_json(&partial, true).unwrap_err().to_string()
        );
    }

    #[test]
    fn wrong_types_get_the_same_errors_as_json() {
        let input = sample();
        let w = find_workflow(input["workflowType"].as_str().unwrap()).unwrap();
        for (field, bad) in [
            ("microphonePermission", serde_json::json!(1)),
            ("sampleRate", serde_json::json!(true)),
            ("sampleRate", serde_json::Value::Null),
            ("timestamp", serde_json::json!(5)),
        ] {
            let mut v = input.clone();
            v[field] = bad;
            let (values, tags) = encode(w, &v);
            let got = read_record(w, false, &values, &tags).unwrap_err();
            let want = record_from_json(&v, false).unwrap_err();
            assert_eq!(got.to_string(), want.to_string());
            assert_eq!(got.code(), "ERR_INVALID_FEATURE");
        }
        // NaN and infinities arrive as numbers and are refused.
        let (mut values, tags) = encode(w, &input);
        let j = w.field_index("sampleRate").unwrap();
        values[j] = f64::NAN;
        assert!(read_record(w, false, &values, &tags)
            .unwrap_err()
            .to_string()
            .ends_with("received NaN"));
    }

    #[test]
    fn malformed_encodings_are_internal_errors_not_panics() {
        let input = sample();
        let w = find_workflow(input["workflowType"].as_str().unwrap()).unwrap();
        let (mut values, mut tags) = encode(w, &input);
        let j = w.field_index("audioContextState").unwrap();
        values[j] = 99.0; // an enum index out of range
        assert_eq!(
            read_record(w, false, &values, &tags).unwrap_err().code(),
            "ERR_INTERNAL"
        );
        values[j] = 0.0;
        tags[j] = 9;
        assert_eq!(
            read_record(w, false, &values, &tags).unwrap_err().code(),
            "ERR_INTERNAL"
        );
        assert_eq!(
            read_record(w, false, &values[..3], &tags)
                .unwrap_err()
                .code(),
            "ERR_INTERNAL"
        );
    }
}
