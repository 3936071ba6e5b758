//! Raw feature objects: validation against the schema, imputation of missing
//! fields, and normalisation into the named feature vector.
//!
//! Input arrives from two places, JavaScript objects (in `node`) and JSON (in
//! training data). Both describe each field as an `Observed` value and go
//! through the same `parse_field`, so they validate identically.

use crate::error::{EngineError, Result};
use crate::schema::{
    find_workflow, workflow_types, FieldDefault, FieldSpec, FieldType, Normalisation, Workflow,
};

/// What a caller put in one field, before validation.
#[derive(Debug, Clone, Copy)]
pub enum Observed<'a> {
    /// The property is absent (or `undefined`).
    Missing,
    Null,
    Number(f64),
    Bool(bool),
    Str(&'a str),
    /// Any other JavaScript/JSON type, by name ("object", "array", "function", ...).
    Other(&'static str),
}

/// A validated raw object, stored by field index. Numbers are kept as they
/// are, booleans as 0/1, enums as the index of their value; text fields
/// (`timestamp`) carry no number. `missing` marks fields the caller left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawRecord {
    pub values: Vec<f64>,
    pub missing: Vec<bool>,
}

impl RawRecord {
    pub fn any_missing(&self) -> bool {
        self.missing.iter().any(|m| *m)
    }

    /// Names of the fields that were filled in, in schema order.
    pub fn imputed_fields(&self, workflow: &Workflow) -> Vec<&'static str> {
        self.imputed_fields_iter(workflow).collect()
    }

    /// `imputed_fields`, without collecting them.
    pub fn imputed_fields_iter<'a>(
        &'a self,
        workflow: &'a Workflow,
    ) -> impl Iterator<Item = &'static str> + 'a {
        workflow
            .fields
            .iter()
            .zip(&self.missing)
            .filter(|(_, m)| **m)
            .map(|(f, _)| f.name)
    }
}

/// How a received value is described in error messages.
pub fn describe(observed: &Observed) -> String {
    match observed {
        Observed::Missing => "undefined".to_string(),
        Observed::Null => "null".to_string(),
        Observed::Number(x) if x.is_nan() => "NaN".to_string(),
        Observed::Number(x) if x.is_infinite() => {
            (if *x > 0.0 { "Infinity" } else { "-Infinity" }).to_string()
        }
        Observed::Number(x) => format!("number {x}"),
        Observed::Bool(b) => format!("boolean {b}"),
        Observed::Str(s) => {
            let shown: String = s.chars().take(60).collect();
            format!("string {shown:?}")
        }
        Observed::Other(t) => t.to_string(),
    }
}

/// What a field accepts, for error messages and generated docs.
pub fn expected_description(ty: FieldType) -> String {
    match ty {
        FieldType::Number => "a finite number".to_string(),
        FieldType::Boolean => "a boolean".to_string(),
        FieldType::Text => "a string".to_string(),
        FieldType::WorkflowType => "a workflow type string".to_string(),
        FieldType::Enum(values) => {
            let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
            format!("one of {}", quoted.join(", "))
        }
    }
}

/// The number a default stands for, in `RawRecord` encoding.
pub fn default_value(spec: &FieldSpec) -> f64 {
    match (spec.default, spec.ty) {
        (FieldDefault::Number(x), _) => x,
        (FieldDefault::Boolean(b), _) => f64::from(u8::from(b)),
        (FieldDefault::Enum(v), FieldType::Enum(values)) => {
            values.iter().position(|x| *x == v).unwrap_or(0) as f64
        }
        _ => 0.0,
    }
}

/// Validate one field. `Ok(None)` means the field is absent and may be imputed.
pub fn parse_field(
    workflow: &Workflow,
    spec: &FieldSpec,
    observed: Observed,
) -> Result<Option<f64>> {
    let invalid = || EngineError::InvalidFeature {
        workflow: workflow.workflow_type().to_string(),
        field: spec.name.to_string(),
        expected: expected_description(spec.ty),
        received: describe(&observed),
    };
    match (spec.ty, observed) {
        (_, Observed::Missing) => Ok(None),
        (FieldType::Number, Observed::Number(x)) if x.is_finite() => Ok(Some(x)),
        (FieldType::Boolean, Observed::Bool(b)) => Ok(Some(f64::from(u8::from(b)))),
        (FieldType::Text, Observed::Str(_)) => Ok(Some(0.0)),
        (FieldType::WorkflowType, Observed::Str(s)) if s == workflow.workflow_type() => {
            Ok(Some(0.0))
        }
        (FieldType::Enum(values), Observed::Str(s)) => values
            .iter()
            .position(|v| *v == s)
            .map(|i| Some(i as f64))
            .ok_or_else(invalid),
        _ => Err(invalid()),
    }
}

/// Find the workflow a raw object names. `not_found` decides the error for an
/// unknown type: prediction reports a missing model, other calls an unknown workflow.
pub fn resolve_workflow(
    observed: Observed,
    not_found: impl FnOnce(&str) -> EngineError,
) -> Result<&'static Workflow> {
    match observed {
        Observed::Str(s) => find_workflow(s).ok_or_else(|| not_found(s)),
        // The old engine looked the model up first: an object without a
        // workflowType got "No model found for workflow: undefined".
        Observed::Missing => Err(not_found("undefined")),
        other => Err(EngineError::InvalidInput {
            expected: "an object whose 'workflowType' is a string".to_string(),
            received: format!("workflowType {}", describe(&other)),
        }),
    }
}

/// The error for a key of a feature object that is not one of its
/// workflow's fields, with the nearest field name as a suggestion when one
/// is close (at most a third of the key's length away in edit distance).
pub fn unknown_field(workflow: &Workflow, key: &str) -> EngineError {
    let shown: String = key.chars().take(60).collect();
    let nearest = workflow
        .fields
        .iter()
        .map(|f| {
            (
                edit_distance(&key.to_lowercase(), &f.name.to_lowercase()),
                f.name,
            )
        })
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= (key.chars().count() / 3).max(1));
    EngineError::UnknownField {
        workflow: workflow.workflow_type().to_string(),
        field: shown,
        interface: workflow.schema.interface.to_string(),
        suggestion: nearest
            .map(|(_, name)| format!(" (did you mean '{name}'?)"))
            .unwrap_or_default(),
    }
}

/// Levenshtein distance by characters (keys are short; a long one is capped,
/// as nothing that long is close to a field name).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(200).collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

pub fn unknown_workflow(received: &str) -> EngineError {
    EngineError::UnknownWorkflow {
        received: crate::error::shown(received),
        expected: workflow_types().collect::<Vec<_>>().join(", "),
    }
}

/// Build a record by asking `read` to validate each field of the workflow,
/// in schema order (`read` returns `Ok(None)` for an absent field; it usually
/// observes the value and calls `parse_field`). With `strict`, an absent
/// field is an error; otherwise it takes the schema default and is marked missing.
pub fn read_record(
    workflow: &Workflow,
    strict: bool,
    read: impl FnMut(&FieldSpec) -> Result<Option<f64>>,
) -> Result<RawRecord> {
    let n = workflow.fields.len();
    let mut record = RawRecord {
        values: Vec::with_capacity(n),
        missing: Vec::with_capacity(n),
    };
    read_record_into(workflow, strict, read, &mut record)?;
    Ok(record)
}

/// `read_record` into `record` (cleared first), reusing its allocations. On
/// an error `record` holds the fields read before it.
pub fn read_record_into(
    workflow: &Workflow,
    strict: bool,
    mut read: impl FnMut(&FieldSpec) -> Result<Option<f64>>,
    record: &mut RawRecord,
) -> Result<()> {
    record.values.clear();
    record.missing.clear();
    for spec in &workflow.fields {
        match read(spec)? {
            Some(x) => {
                record.values.push(x);
                record.missing.push(false);
            }
            None if strict => {
                return Err(EngineError::MissingFeature {
                    workflow: workflow.workflow_type().to_string(),
                    field: spec.name.to_string(),
                    expected: expected_description(spec.ty),
                })
            }
            None => {
                record.values.push(default_value(spec));
                record.missing.push(true);
            }
        }
    }
    Ok(())
}

/// Observe one JSON value.
pub fn observe_json(value: Option<&serde_json::Value>) -> Observed<'_> {
    use serde_json::Value;
    match value {
        None => Observed::Missing,
        Some(Value::Null) => Observed::Null,
        Some(Value::Bool(b)) => Observed::Bool(*b),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(Observed::Number)
            .unwrap_or(Observed::Other("number")),
        Some(Value::String(s)) => Observed::Str(s),
        Some(Value::Array(_)) => Observed::Other("array"),
        Some(Value::Object(_)) => Observed::Other("object"),
    }
}

/// Validate a raw JSON feature object, finding its workflow from `workflowType`.
pub fn record_from_json(
    value: &serde_json::Value,
    strict: bool,
) -> Result<(&'static Workflow, RawRecord)> {
    let object = value.as_object().ok_or_else(|| EngineError::InvalidInput {
        expected: "a feature object".to_string(),
        received: describe(&observe_json(Some(value))),
    })?;
    let workflow = resolve_workflow(observe_json(object.get("workflowType")), unknown_workflow)?;
    let record = read_record(workflow, strict, |spec| {
        parse_field(workflow, spec, observe_json(object.get(spec.name)))
    })?;
    Ok((workflow, record))
}

/// Apply one normalisation to a raw number.
pub fn normalise(normalisation: Normalisation, raw: f64) -> f64 {
    match normalisation {
        Normalisation::Bool | Normalisation::Identity => raw,
        // Enum values are stored by index; the comparison needs the spec, see `vector_value`.
        Normalisation::EnumEquals(_) => raw,
        Normalisation::Scaled(d) => raw / d,
        Normalisation::Capped(d) => (raw / d).min(1.0),
        Normalisation::Shifted { offset, divisor } => (raw + offset) / divisor,
    }
}

fn vector_value(workflow: &Workflow, entry_index: usize, record: &RawRecord) -> f64 {
    let entry = &workflow.vector[entry_index];
    let raw = record.values[entry.field_index];
    match (entry.normalisation, workflow.fields[entry.field_index].ty) {
        (Normalisation::EnumEquals(wanted), FieldType::Enum(values)) => {
            f64::from(u8::from(values[raw as usize] == wanted))
        }
        (n, _) => normalise(n, raw),
    }
}

/// Write the feature vector of `record` into `out` (vector order). Entries
/// whose field is missing take `means[i]` when given, else the normalised
/// schema default that `read_record` already stored.
pub fn vectorise_into(
    workflow: &Workflow,
    record: &RawRecord,
    means: Option<&[f64]>,
    out: &mut [f64],
) {
    debug_assert_eq!(out.len(), workflow.vector.len());
    for (i, entry) in workflow.vector.iter().enumerate() {
        out[i] = match means {
            Some(m) if record.missing[entry.field_index] => m[i],
            _ => vector_value(workflow, i, record),
        };
    }
}

pub fn vectorise(workflow: &Workflow, record: &RawRecord, means: Option<&[f64]>) -> Vec<f64> {
    let mut out = vec![0.0; workflow.vector.len()];
    vectorise_into(workflow, record, means, &mut out);
    out
}

/// The raw JSON object a record stands for (used by the generator's `raw`
/// output); fields the record marks missing are left out.
pub fn record_to_json(
    workflow: &Workflow,
    record: &RawRecord,
    timestamp: &str,
) -> serde_json::Value {
    let mut map = serde_json::Map::with_capacity(workflow.fields.len());
    for ((spec, value), missing) in workflow
        .fields
        .iter()
        .zip(&record.values)
        .zip(&record.missing)
    {
        if *missing {
            continue;
        }
        let json = match spec.ty {
            FieldType::WorkflowType => serde_json::Value::from(workflow.workflow_type()),
            FieldType::Text => serde_json::Value::from(timestamp),
            FieldType::Boolean => serde_json::Value::from(*value != 0.0),
            FieldType::Enum(values) => serde_json::Value::from(values[*value as usize]),
            FieldType::Number => number_json(*value),
        };
        map.insert(spec.name.to_string(), json);
    }
    serde_json::Value::Object(map)
}

/// JSON for a finite number, written as an integer when it is one (as JavaScript would).
pub fn number_json(x: f64) -> serde_json::Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        serde_json::Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn freestyle_full() -> serde_json::Value {
        json!({
            "workflowType": "freestyle", "timestamp": "2026-01-01T00:00:00.000Z",
            "networkLatencyMs": 500, "apiAvailable": true, "userConcurrency": 250, "systemMemoryMB": 8192,
            "cpuUtilization": 0.5, "timeOfDay": 12, "dayOfWeek": 3, "isWeekend": false,
            "microphonePermission": false, "audioContextState": "suspended", "sampleRate": 48000, "bufferSize": 512,
            "recordingDuration": 1200, "beatSyncEnabled": true, "beatFileSize": 1000, "speechRecognitionSupported": true,
            "transcriptionAccuracy": 0.9, "languageModel": "en-US", "voiceCommandsEnabled": false,
            "commandRecognitionRate": 0.8, "currentTakeNumber": 2, "totalTakes": 3, "audioChunksCount": 10,
            "lyricsSegmentsCount": 4, "previousTranscriptionFailures": 3, "previousAudioUploadFailures": 0,
            "previousBeatSyncIssues": 0
        })
    }

    #[test]
    fn normalisations_follow_their_definitions() {
        let (w, r) = record_from_json(&freestyle_full(), true).unwrap();
        let v = vectorise(w, &r, None);
        let get = |name: &str| v[w.feature_index(name).unwrap()];
        assert_eq!(get("networkLatency"), 0.5); // scaled
        assert_eq!(get("userConcurrency"), 1.0); // capped
        assert_eq!(get("micPermission"), 0.0); // bool
        assert_eq!(get("audioContextOk"), 0.0); // enumEquals, not equal
        assert_eq!(get("recordingDuration"), 1.0);
        assert_eq!(get("prevTranscriptionFails"), 0.3);
        assert_eq!(
            normalise(
                Normalisation::Shifted {
                    offset: 60.0,
                    divisor: 60.0
                },
                -90.0
            ),
            -0.5
        );
    }

    #[test]
    fn wrong_types_name_workflow_field_expected_and_received() {
        let mut v = freestyle_full();
        v["microphonePermission"] = json!("false");
        let e = record_from_json(&v, false).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_FEATURE");
        assert_eq!(
            e.to_string(),
            "Invalid feature for workflow 'freestyle': field 'microphonePermission' expected a boolean, received string \"false\""
        );
        let mut v = freestyle_full();
        v["audioContextState"] = json!("paused");
        let msg = record_from_json(&v, false).unwrap_err().to_string();
        assert!(
            msg.contains("'running', 'suspended', 'closed', 'error'") && msg.contains("\"paused\""),
            "{msg}"
        );
        let mut v = freestyle_full();
        v["sampleRate"] = json!(null);
        assert!(record_from_json(&v, false)
            .unwrap_err()
            .to_string()
            .ends_with("received null"));
    }

    #[test]
    fn missing_fields_are_imputed_or_rejected_when_strict() {
        let mut v = freestyle_full();
        v.as_object_mut().unwrap().remove("sampleRate");
        let (w, r) = record_from_json(&v, false).unwrap();
        assert_eq!(r.imputed_fields(w), vec!["sampleRate"]);
        let e = record_from_json(&v, true).unwrap_err();
        assert_eq!(e.code(), "ERR_MISSING_FEATURE");
        assert!(e.to_string().contains("'sampleRate'"));
        // Means replace the schema default for the entries of missing fields only.
        let means = vec![7.0; w.vector.len()];
        let vec = vectorise(w, &r, Some(&means));
        assert_eq!(vec[w.feature_index("sampleRate").unwrap()], 7.0);
        assert_eq!(vec[w.feature_index("micPermission").unwrap()], 0.0);
    }

    #[test]
    fn unknown_workflow_and_non_objects_are_rejected() {
        let e = record_from_json(&json!({"workflowType": "karaoke"}), false).unwrap_err();
        assert_eq!(e.code(), "ERR_UNKNOWN_WORKFLOW");
        assert!(e.to_string().contains("karaoke"));
        let e = record_from_json(&json!([1, 2]), false).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_FEATURE");
        assert!(e.to_string().contains("received array"));
    }

    #[test]
    fn unknown_fields_are_named_with_the_nearest_field() {
        let w = find_workflow("freestyle").unwrap();
        let e = unknown_field(w, "microphonePermision");
        assert_eq!(e.code(), "ERR_UNKNOWN_FIELD");
        assert!(e.is_type_error());
        assert_eq!(
            e.to_string(),
            "Unknown field for workflow 'freestyle': 'microphonePermision' is not a field of FreestyleFeatures (did you mean 'microphonePermission'?)"
        );
        assert!(unknown_field(w, "SAMPLERATE")
            .to_string()
            .ends_with("(did you mean 'sampleRate'?)"));
        assert!(unknown_field(w, "zzz")
            .to_string()
            .ends_with("is not a field of FreestyleFeatures"));
        let long = "x".repeat(5000);
        assert!(unknown_field(w, &long).to_string().len() < 200);
    }

    #[test]
    fn records_round_trip_through_json() {
        let (w, r) = record_from_json(&freestyle_full(), true).unwrap();
        let back = record_to_json(w, &r, "2026-01-01T00:00:00.000Z");
        assert_eq!(back, freestyle_full());
    }
}
