//! Step 1 of training a workflow: validate its rows, impute omitted fields
//! with the training means, and lay the vectors out as one matrix.

use super::data::Dataset;
use super::MIN_ROWS;
use crate::error::{EngineError, Result};
use crate::features::RawRecord;
use crate::schema::Workflow;

/// One workflow's rows, ready for the families.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub workflow: &'static Workflow,
    /// Row-major vectors, omitted fields imputed with `means`.
    pub x: Vec<f64>,
    pub records: Vec<Option<RawRecord>>,
    pub y: Vec<bool>,
    pub means: Vec<f64>,
    /// The generator's true probability of every row, when all have one.
    pub true_probability: Option<Vec<f64>>,
    pub timestamps: Vec<Option<i64>>,
    /// Source row numbers (1-based), for error messages.
    pub lines: Vec<usize>,
    /// Raw fields some rows omitted, with how many rows omitted each.
    pub omitted: Vec<(&'static str, usize)>,
    pub positives: usize,
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

pub fn insufficient(w: &Workflow, reason: String) -> EngineError {
    EngineError::InsufficientData {
        workflow: w.workflow_type().to_string(),
        reason,
    }
}

/// Validate every row (never fit on NaN), check there is enough data, and
/// impute. A vector entry's mean is taken over the rows where its field is
/// present; rows that omitted the field take that mean, as prediction
/// imputes with a model's stored means.
pub fn prepare(dataset: &Dataset) -> Result<Prepared> {
    let w = dataset.workflow;
    let d = w.vector.len();
    let bad = |line: usize, field: String, reason: String| EngineError::InvalidData {
        file: dataset.source.clone(),
        row: line,
        field,
        reason,
    };
    for r in &dataset.rows {
        if r.vector.len() != d {
            return Err(bad(
                r.line,
                "features".to_string(),
                format!(
                    "has {} values, {} expects {d}",
                    r.vector.len(),
                    w.workflow_type()
                ),
            ));
        }
        if let Some(j) = r.vector.iter().position(|x| !x.is_finite()) {
            return Err(bad(
                r.line,
                w.vector[j].feature.to_string(),
                format!("expected a finite number, received {}", r.vector[j]),
            ));
        }
        if r.record.as_ref().is_some_and(|rec| {
            rec.values.len() != w.fields.len() || rec.missing.len() != w.fields.len()
        }) {
            return Err(bad(
                r.line,
                "features".to_string(),
                "record does not match the workflow's fields".to_string(),
            ));
        }
        if r.true_probability
            .is_some_and(|p| !(0.0..=1.0).contains(&p))
        {
            return Err(bad(
                r.line,
                "trueFailureProbability".to_string(),
                "expected a probability in [0, 1]".to_string(),
            ));
        }
    }
    let n = dataset.rows.len();
    let positives = dataset.rows.iter().filter(|r| r.failed).count();
    if n < MIN_ROWS {
        return Err(insufficient(
            w,
            format!("only {n} rows (at least {MIN_ROWS} needed)"),
        ));
    }
    if positives == 0 || positives == n {
        let class = if positives == 0 {
            "succeeded"
        } else {
            "failed"
        };
        return Err(insufficient(
            w,
            format!("all {n} rows {class}: only one class"),
        ));
    }

    let omitted_in = |r: &super::data::Row, field: usize| {
        r.record.as_ref().is_some_and(|rec| rec.missing[field])
    };
    let mut sums = vec![0.0; d];
    let mut present = vec![0usize; d];
    for r in &dataset.rows {
        for (j, entry) in w.vector.iter().enumerate() {
            if !omitted_in(r, entry.field_index) {
                sums[j] += r.vector[j];
                present[j] += 1;
            }
        }
    }
    // An entry no row carries keeps the schema default every row already holds.
    let means: Vec<f64> = (0..d)
        .map(|j| {
            if present[j] > 0 {
                sums[j] / present[j] as f64
            } else {
                dataset.rows[0].vector[j]
            }
        })
        .collect();
    let mut x = Vec::with_capacity(n * d);
    for r in &dataset.rows {
        for (j, entry) in w.vector.iter().enumerate() {
            x.push(if omitted_in(r, entry.field_index) {
                means[j]
            } else {
                r.vector[j]
            });
        }
    }
    let omitted = w
        .fields
        .iter()
        .enumerate()
        .filter_map(|(f, spec)| {
            let k = dataset.rows.iter().filter(|r| omitted_in(r, f)).count();
            (k > 0).then_some((spec.name, k))
        })
        .collect();
    Ok(Prepared {
        workflow: w,
        x,
        records: dataset.rows.iter().map(|r| r.record.clone()).collect(),
        y: dataset.rows.iter().map(|r| r.failed).collect(),
        means,
        true_probability: dataset.rows.iter().map(|r| r.true_probability).collect(),
        timestamps: dataset.rows.iter().map(|r| r.timestamp_ms).collect(),
        lines: dataset.rows.iter().map(|r| r.line).collect(),
        omitted,
        positives,
    })
}
