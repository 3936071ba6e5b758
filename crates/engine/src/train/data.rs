//! Training data: labelled feature vectors per workflow, from generated
//! scenarios, from the old training-data format or from recorded outcomes.
//!
//! Row formats (detected per row unless the caller forces one):
//! - old format: `{ workflowType, features: {name: normalised value}, failed, ... }`,
//!   optionally `trueFailureProbability`. Vector features a row lacks are
//!   filled with 0; a feature no row of the workflow carries is reported as
//!   absent (the model cannot use it, its weight stays 0).
//! - recorded outcome: `{ features: <raw WorkflowFeatures, with workflowType>, failed }`,
//!   validated as prediction does. Fields may be omitted: the row keeps its
//!   raw record with the missing mask, and training imputes the vector's
//!   entries from the training means (as prediction does with a model's
//!   means) or, for a family that reads raw fields, uses the mask itself.
//!
//! Files: a JSON array (streamed element by element) or JSONL (one object
//! per line, read line by line). A `.jsonl`/`.ndjson` extension means JSONL;
//! otherwise a file whose first non-blank character is `[` is an array. A
//! UTF-8 byte-order mark at the start is ignored. JSONL lines end at `\n`,
//! `\r\n` or a lone `\r`, and each line is decoded on its own: a line that
//! is not UTF-8 is one invalid row (named, and skipped with `skipInvalid`).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use rayon::prelude::*;
use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{EngineError, Result};
use crate::features::{self, describe, observe_json, RawRecord};
use crate::schema::{all_workflows, Workflow};
use crate::synth::time::parse_iso_ms;
use crate::synth::Scenario;

use super::lines;

/// One labelled example.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// In the workflow's vector order, all finite. Entries of omitted raw
    /// fields hold the schema default here; training re-imputes them.
    pub vector: Vec<f64>,
    /// The validated raw record (recorded outcomes and generated rows);
    /// `None` for old-format rows, which only carry a vector.
    pub record: Option<RawRecord>,
    pub failed: bool,
    /// The generator's true probability, when the row has one.
    pub true_probability: Option<f64>,
    /// When the run happened (milliseconds since the epoch), from
    /// `features.timestamp` or an old-format row's `timestamp`.
    pub timestamp_ms: Option<i64>,
    /// The row's number in its source (1-based), for error messages.
    pub line: usize,
}

impl Row {
    /// A row of a vector alone, numbered `line`.
    pub fn from_vector(vector: Vec<f64>, failed: bool, line: usize) -> Row {
        Row {
            vector,
            record: None,
            failed,
            true_probability: None,
            timestamp_ms: None,
            line,
        }
    }
}

/// All rows of one workflow.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub workflow: &'static Workflow,
    /// Where the rows came from (a file name, or a description), for errors.
    pub source: String,
    pub rows: Vec<Row>,
    /// Per vector entry: no row carried this feature (old-format files only).
    pub absent: Vec<bool>,
}

impl Dataset {
    pub fn new(workflow: &'static Workflow) -> Dataset {
        Dataset {
            workflow,
            source: "<input>".to_string(),
            rows: Vec::new(),
            absent: vec![false; workflow.vector.len()],
        }
    }

    pub fn absent_features(&self) -> Vec<&'static str> {
        self.workflow
            .feature_names()
            .zip(&self.absent)
            .filter(|(_, a)| **a)
            .map(|(n, _)| n)
            .collect()
    }
}

/// How to read each row of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    /// Decide per row: `features.workflowType` present means a raw outcome.
    Auto,
    OldFormat,
    Outcome,
}

/// Datasets for all 8 workflows (schema order) and the count of rows skipped.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub datasets: Vec<Dataset>,
    pub invalid_rows_skipped: usize,
    /// The first few skipped rows' errors, for the report.
    pub skipped_examples: Vec<String>,
}

impl Loaded {
    fn empty() -> Loaded {
        Loaded {
            datasets: all_workflows().iter().map(Dataset::new).collect(),
            invalid_rows_skipped: 0,
            skipped_examples: Vec::new(),
        }
    }

    pub fn total_rows(&self) -> usize {
        self.datasets.iter().map(|d| d.rows.len()).sum()
    }
}

/// Datasets from generated scenarios (every feature present).
pub fn from_scenarios(scenarios: &[Scenario]) -> Loaded {
    let mut loaded = Loaded::empty();
    for d in &mut loaded.datasets {
        d.source = "generated scenarios".to_string();
    }
    for s in scenarios {
        let rows = &mut loaded.datasets[s.workflow.index].rows;
        let line = rows.len() + 1;
        rows.push(Row {
            vector: s.vector.clone(),
            record: Some(s.record.clone()),
            failed: s.failed,
            true_probability: Some(s.true_failure_probability),
            timestamp_ms: parse_iso_ms(&s.timestamp),
            line,
        });
    }
    loaded
}

/// Tracks, per workflow and feature, whether any old-format row carried it.
struct Collector {
    loaded: Loaded,
    seen_feature: Vec<Vec<bool>>,
    any_old_format: Vec<bool>,
    skip_invalid: bool,
    format: RowFormat,
    source: String,
}

impl Collector {
    fn new(source: &str, format: RowFormat, skip_invalid: bool) -> Collector {
        Collector {
            loaded: Loaded::empty(),
            seen_feature: all_workflows()
                .iter()
                .map(|w| vec![false; w.vector.len()])
                .collect(),
            any_old_format: vec![false; 8],
            skip_invalid,
            format,
            source: source.to_string(),
        }
    }

    fn add(&mut self, row_number: usize, value: &Value) -> Result<()> {
        self.accept(row_number, parse_row(value, self.format))
    }

    /// Take one row's parse (or name why it was rejected).
    fn accept(
        &mut self,
        row_number: usize,
        parsed: std::result::Result<Parsed, RowError>,
    ) -> Result<()> {
        match parsed {
            Ok(mut parsed) => {
                parsed.row.line = row_number;
                let i = parsed.workflow.index;
                if let Some(seen) = parsed.seen {
                    self.any_old_format[i] = true;
                    for (s, here) in self.seen_feature[i].iter_mut().zip(seen) {
                        *s |= here;
                    }
                } else {
                    self.seen_feature[i].iter_mut().for_each(|s| *s = true);
                }
                self.loaded.datasets[i].rows.push(parsed.row);
                Ok(())
            }
            Err((field, reason)) => self.reject(row_number, field, reason),
        }
    }

    fn reject(&mut self, row: usize, field: String, reason: String) -> Result<()> {
        let error = EngineError::InvalidData {
            file: self.source.clone(),
            row,
            field,
            reason,
        };
        if self.skip_invalid {
            self.loaded.invalid_rows_skipped += 1;
            if self.loaded.skipped_examples.len() < 10 {
                self.loaded.skipped_examples.push(error.to_string());
            }
            Ok(())
        } else {
            Err(error)
        }
    }

    fn finish(mut self) -> Loaded {
        for (i, d) in self.loaded.datasets.iter_mut().enumerate() {
            d.source = self.source.clone();
            if self.any_old_format[i] && !d.rows.is_empty() {
                d.absent = self.seen_feature[i].iter().map(|s| !s).collect();
            }
        }
        self.loaded
    }
}

struct Parsed {
    workflow: &'static Workflow,
    row: Row,
    /// Old format: which vector features the row carried.
    seen: Option<Vec<bool>>,
}

type RowError = (String, String);

/// Interpret one JSON row. Errors name the offending field.
fn parse_row(value: &Value, format: RowFormat) -> std::result::Result<Parsed, RowError> {
    let object = value.as_object().ok_or_else(|| {
        (
            "(row)".to_string(),
            format!(
                "must be an object, received {}",
                describe(&observe_json(Some(value)))
            ),
        )
    })?;
    let failed = match object.get("failed") {
        Some(Value::Bool(b)) => *b,
        other => {
            return Err((
                "failed".to_string(),
                format!(
                    "expected a boolean, received {}",
                    describe(&observe_json(other))
                ),
            ))
        }
    };
    let features = object.get("features");
    let raw = match format {
        RowFormat::Outcome => true,
        RowFormat::OldFormat => false,
        RowFormat::Auto => features
            .and_then(Value::as_object)
            .is_some_and(|f| f.contains_key("workflowType")),
    };
    let true_probability = match object.get("trueFailureProbability") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => Some(p),
            _ => {
                return Err((
                    "trueFailureProbability".to_string(),
                    format!("expected a probability in [0, 1], received {n}"),
                ))
            }
        },
        other => {
            return Err((
                "trueFailureProbability".to_string(),
                format!(
                    "expected a number, received {}",
                    describe(&observe_json(other))
                ),
            ))
        }
    };
    if raw {
        let features = features.ok_or_else(|| {
            (
                "features".to_string(),
                "is missing (expected a raw feature object)".to_string(),
            )
        })?;
        // Omitted fields are allowed and marked missing in the record.
        let (workflow, record) =
            features::record_from_json(features, false).map_err(|e| match e {
                EngineError::InvalidFeature {
                    field,
                    expected,
                    received,
                    ..
                } => (
                    format!("features.{field}"),
                    format!("expected {expected}, received {received}"),
                ),
                EngineError::UnknownWorkflow { received, expected } => (
                    "features.workflowType".to_string(),
                    format!("unknown workflow type '{received}' (expected one of {expected})"),
                ),
                EngineError::InvalidInput { expected, received } => (
                    "features".to_string(),
                    format!("expected {expected}, received {received}"),
                ),
                other => ("features".to_string(), other.to_string()),
            })?;
        let vector = features::vectorise(workflow, &record, None);
        let timestamp_ms = features
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(parse_iso_ms);
        return Ok(Parsed {
            workflow,
            row: Row {
                vector,
                record: Some(record),
                failed,
                true_probability,
                timestamp_ms,
                line: 0,
            },
            seen: None,
        });
    }

    let workflow = match object.get("workflowType") {
        Some(Value::String(s)) => crate::schema::find_workflow(s).ok_or_else(|| {
            (
                "workflowType".to_string(),
                format!(
                    "unknown workflow type '{s}' (expected one of {})",
                    crate::schema::workflow_types()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?,
        other => {
            return Err((
                "workflowType".to_string(),
                format!(
                    "expected a workflow type string, received {}",
                    describe(&observe_json(other))
                ),
            ))
        }
    };
    let features = match features {
        Some(Value::Object(map)) => map,
        other => {
            return Err((
                "features".to_string(),
                format!(
                    "expected an object of feature values, received {}",
                    describe(&observe_json(other))
                ),
            ))
        }
    };
    let mut vector = vec![0.0; workflow.vector.len()];
    let mut seen = vec![false; workflow.vector.len()];
    for (name, v) in features {
        let i = workflow.feature_index(name).ok_or_else(|| {
            (
                format!("features.{name}"),
                format!(
                    "is not a feature of workflow '{}'",
                    workflow.workflow_type()
                ),
            )
        })?;
        match v.as_f64() {
            Some(x) if x.is_finite() => {
                vector[i] = x;
                seen[i] = true;
            }
            _ => {
                return Err((
                    format!("features.{name}"),
                    format!(
                        "expected a finite number, received {}",
                        describe(&observe_json(Some(v)))
                    ),
                ))
            }
        }
    }
    let timestamp_ms = object
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_iso_ms);
    Ok(Parsed {
        workflow,
        row: Row {
            vector,
            record: None,
            failed,
            true_probability,
            timestamp_ms,
            line: 0,
        },
        seen: Some(seen),
    })
}

/// Rows given as JSON values (e.g. from JavaScript), named `source` in errors.
pub fn from_values(
    values: &[Value],
    source: &str,
    format: RowFormat,
    skip_invalid: bool,
) -> Result<Loaded> {
    let mut c = Collector::new(source, format, skip_invalid);
    for (i, v) in values.iter().enumerate() {
        c.add(i + 1, v)?;
    }
    Ok(c.finish())
}

/// Read a training-data file (JSON array or JSONL), streaming.
pub fn from_file(path: &Path, format: RowFormat, skip_invalid: bool) -> Result<Loaded> {
    let file = File::open(path).map_err(|e| EngineError::io(path, e))?;
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let jsonl = matches!(extension.as_str(), "jsonl" | "ndjson").then_some(true);
    from_reader(
        BufReader::with_capacity(1 << 16, file),
        &path.display().to_string(),
        jsonl,
        format,
        skip_invalid,
    )
    .map_err(|e| match e {
        // Read errors name the file.
        EngineError::Io { source, .. } => EngineError::io(path, source),
        other => other,
    })
}

/// Lines of a JSONL file parsed in parallel at a time.
const LINE_BATCH: usize = 4096;

/// What one JSONL line holds.
enum LineOutcome {
    Blank,
    Row(std::result::Result<Parsed, RowError>),
    /// Not a row at all: `(field, reason)` for the rejection.
    Rejected(String, String),
}

fn parse_line(line: &[u8], format: RowFormat) -> LineOutcome {
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(e) => {
            return LineOutcome::Rejected(
                "(encoding)".to_string(),
                format!(
                    "is not UTF-8 text (invalid byte at column {})",
                    e.valid_up_to() + 1
                ),
            )
        }
    };
    if text.trim().is_empty() {
        return LineOutcome::Blank;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => LineOutcome::Row(parse_row(&v, format)),
        Err(e) => LineOutcome::Rejected("(json)".to_string(), format!("is not valid JSON: {e}")),
    }
}

/// `from_file` over any reader, named `source` in errors. `jsonl`: `Some`
/// to force the layout, `None` to detect it from the first non-blank byte.
pub fn from_reader(
    mut reader: impl BufRead,
    source: &str,
    jsonl: Option<bool>,
    format: RowFormat,
    skip_invalid: bool,
) -> Result<Loaded> {
    let io = |e| EngineError::io(source, e);
    lines::skip_bom(&mut reader).map_err(io)?;
    let is_jsonl = match jsonl {
        Some(j) => j,
        None => lines::peek_non_blank(&mut reader).map_err(io)? != Some(b'['),
    };
    let mut c = Collector::new(source, format, skip_invalid);
    if is_jsonl {
        // Lines are read in batches and parsed in parallel (parsing is pure);
        // the collector takes the batch's outcomes in line order, so rows,
        // rejections and the first error are those of a sequential read.
        let mut lines = lines::Lines::new(reader);
        let mut batch: Vec<Vec<u8>> = Vec::new();
        let mut number = 0;
        // A read error ends the file, but only after the lines before it:
        // an invalid row among them is the first error, as in a sequential read.
        let mut read_error = None;
        loop {
            let mut used = 0;
            while used < LINE_BATCH {
                if batch.len() == used {
                    batch.push(Vec::new());
                }
                match lines.next_into(&mut batch[used]) {
                    Ok(true) => used += 1,
                    Ok(false) => break,
                    Err(e) => {
                        read_error = Some(e);
                        break;
                    }
                }
            }
            let outcomes: Vec<LineOutcome> = batch[..used]
                .par_iter()
                .map(|line| parse_line(line, format))
                .collect();
            for outcome in outcomes {
                number += 1;
                match outcome {
                    LineOutcome::Blank => {}
                    LineOutcome::Row(parsed) => c.accept(number, parsed)?,
                    LineOutcome::Rejected(field, reason) => c.reject(number, field, reason)?,
                }
            }
            // A short batch is the last: the file ended, or a read failed.
            if used < LINE_BATCH {
                break;
            }
        }
        if let Some(e) = read_error {
            return Err(io(e));
        }
    } else {
        read_array(reader, &mut c)?;
    }
    Ok(c.finish())
}

/// Stream the elements of a top-level JSON array into the collector, one
/// `Value` at a time, so the file is never held whole in memory.
fn read_array(reader: impl Read, c: &mut Collector) -> Result<()> {
    struct Sink<'a> {
        c: &'a mut Collector,
        failure: &'a mut Option<EngineError>,
        row: &'a mut usize,
    }
    impl<'de> Visitor<'de> for Sink<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of training rows")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            loop {
                *self.row += 1;
                match seq.next_element::<Value>()? {
                    None => return Ok(()),
                    Some(v) => {
                        if let Err(e) = self.c.add(*self.row, &v) {
                            *self.failure = Some(e);
                            return Err(A::Error::custom("row rejected"));
                        }
                    }
                }
            }
        }
    }
    impl<'de> DeserializeSeed<'de> for Sink<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    let mut failure = None;
    let mut row = 0;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let result = Sink {
        c,
        failure: &mut failure,
        row: &mut row,
    }
    .deserialize(&mut de)
    .and_then(|_| de.end());
    match (failure, result) {
        (Some(e), _) => Err(e),
        (None, Ok(())) => Ok(()),
        // A syntax error cannot be skipped inside an array: there is no way
        // to find where the next element starts.
        (None, Err(e)) => Err(EngineError::InvalidData {
            file: c.source.clone(),
            row: row.max(1),
            field: "(json)".to_string(),
            reason: format!("is not valid JSON: {e}"),
        }),
    }
}

#[cfg(test)]
#[path = "data_tests.rs"]
mod tests;
