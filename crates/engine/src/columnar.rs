//! Scoring many runs of one workflow at once from row-major feature
//! vectors (the columnar API): the length and finiteness checks, and the
//! scoring itself, in parallel for large inputs.

use crate::calibration::Calibration;
use crate::error::{EngineError, Result};
use crate::model::LoadedModel;
use crate::predict::probability;
use crate::schema::Workflow;

/// What columnar scoring needs of a model, owned so it can leave the JS thread.
pub struct Columnar {
    workflow: &'static Workflow,
    /// Weights and bias of a model that is a logistic function of the
    /// vector, or the family of one that is not (it reads raw fields).
    linear: std::result::Result<(Vec<f64>, f64), &'static str>,
    calibration: Option<Calibration>,
}

/// Inputs of at least this many values are scored in parallel.
const PARALLEL_VALUES: usize = 1 << 16;
/// Rows per unit of parallel work.
const BLOCK_ROWS: usize = 2048;

impl Columnar {
    pub fn of(model: &LoadedModel) -> Columnar {
        Columnar {
            workflow: model.workflow,
            linear: model
                .model
                .scorer()
                .linear()
                .map(|(w, b)| (w.to_vec(), b))
                .ok_or(model.model.model_type()),
            calibration: model.calibration.clone(),
        }
    }

    /// Validate `data` (length, finiteness) and score every row.
    pub fn probabilities(&self, data: &[f64]) -> Result<Vec<f64>> {
        let mut out = vec![0.0; data.len() / self.workflow.vector.len().max(1)];
        self.probabilities_into(data, &mut out)?;
        Ok(out)
    }

    /// `probabilities`, written into `out` (one entry per row).
    ///
    /// Each value is read once: a row is copied into local memory, the copy
    /// is checked and the copy is scored. What is validated is exactly what
    /// is scored, even if the input changes during the call.
    pub fn probabilities_into(&self, data: &[f64], out: &mut [f64]) -> Result<()> {
        use rayon::prelude::*;
        let workflow_type = self.workflow.workflow_type();
        let (weights, bias) = match &self.linear {
            Ok((w, b)) => (w.as_slice(), *b),
            Err(model_type) => {
                return Err(EngineError::InvalidArgument {
                    name: "rows".to_string(),
                    reason: format!(
                        "the {workflow_type} model ({model_type}) reads raw fields, not vectors: score raw feature objects instead"
                    ),
                })
            }
        };
        let d = weights.len();
        if !data.len().is_multiple_of(d) {
            return Err(EngineError::InvalidArgument {
                name: "rows".to_string(),
                reason: format!(
                    "length {} is not a multiple of the {d} features of {workflow_type}",
                    data.len()
                ),
            });
        }
        let n = data.len() / d;
        if out.len() != n {
            return Err(EngineError::Internal(format!(
                "output has {} entries for {n} rows",
                out.len()
            )));
        }
        // Blocks of rows; within a block, row by row: copy, check, score.
        // The first non-finite value is the smallest index any block reports.
        let score_block = |(b, (probabilities, rows)): (usize, (&mut [f64], &[f64]))| {
            let mut row = vec![0.0; d];
            for (r, (p, source)) in probabilities
                .iter_mut()
                .zip(rows.chunks_exact(d))
                .enumerate()
            {
                row.copy_from_slice(source);
                if let Some(k) = row.iter().position(|x| !x.is_finite()) {
                    return Some((b * BLOCK_ROWS + r) * d + k);
                }
                let raw = probability(weights, bias, &row);
                *p = match &self.calibration {
                    Some(c) => c.apply(raw),
                    None => raw,
                };
            }
            None
        };
        let non_finite = if data.len() >= PARALLEL_VALUES {
            out.par_chunks_mut(BLOCK_ROWS)
                .zip(data.par_chunks(BLOCK_ROWS * d))
                .enumerate()
                .filter_map(score_block)
                .min()
        } else {
            out.chunks_mut(BLOCK_ROWS)
                .zip(data.chunks(BLOCK_ROWS * d))
                .enumerate()
                .find_map(score_block)
        };
        if let Some(i) = non_finite {
            return Err(EngineError::InvalidArgument {
                name: "rows".to_string(),
                reason: format!(
                    "value at index {i} (row {}, feature '{}') is not finite",
                    i / d,
                    self.workflow.vector[i % d].feature
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::find_workflow;

    fn model(workflow_type: &str) -> LoadedModel {
        let w = find_workflow(workflow_type).unwrap();
        let weights: serde_json::Map<String, serde_json::Value> = w
            .feature_names()
            .enumerate()
            .map(|(i, n)| (n.to_string(), serde_json::json!(0.1 * i as f64 - 1.0)))
            .collect();
        let file = serde_json::json!({
            "workflowType": workflow_type, "weights": weights, "bias": 0.25,
            "featureNames": w.feature_names().collect::<Vec<_>>(), "trainedAt": "x",
            "accuracy": 0, "precision": 0, "recall": 0, "f1Score": 0,
            "trainingSize": 1, "validationSize": 1
        });
        LoadedModel::parse(w, &file.to_string(), None).unwrap()
    }

    #[test]
    fn scores_every_row_as_the_single_prediction_does() {
        let m = model("ai-memory");
        let (weights, bias) = m.model.scorer().linear().unwrap();
        let d = weights.len();
        // Enough rows to take the parallel path, with distinct values per row.
        let n = PARALLEL_VALUES / d + 7;
        let data: Vec<f64> = (0..n * d).map(|k| ((k * 37) % 101) as f64 / 50.0).collect();
        let out = Columnar::of(&m).probabilities(&data).unwrap();
        assert_eq!(out.len(), n);
        for (i, p) in out.iter().enumerate() {
            assert_eq!(*p, probability(weights, bias, &data[i * d..(i + 1) * d]));
        }
        assert!(Columnar::of(&m).probabilities(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_calibrated_model_scores_rows_as_the_single_prediction_does() {
        let mut m = model("voice-commands");
        m.calibration = Some(crate::calibration::Calibration::Isotonic {
            x: vec![0.1, 0.9],
            y: vec![0.2, 0.3],
        });
        let d = m.workflow.vector.len();
        let data: Vec<f64> = (0..5 * d).map(|k| (k % 7) as f64 / 7.0).collect();
        let out = Columnar::of(&m).probabilities(&data).unwrap();
        for (i, p) in out.iter().enumerate() {
            let input = crate::family::Input {
                vector: &data[i * d..(i + 1) * d],
                record: None,
            };
            assert_eq!(*p, m.probability(input));
            assert!((0.2..=0.3).contains(p));
        }
    }

    #[test]
    fn a_length_that_is_not_a_whole_number_of_rows_is_refused() {
        let m = model("freestyle");
        let d = m.workflow.vector.len();
        let e = Columnar::of(&m)
            .probabilities(&vec![0.0; d + 1])
            .unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_ARG");
        assert_eq!(
            e.to_string(),
            format!("Invalid argument 'rows': length {} is not a multiple of the {d} features of freestyle", d + 1)
        );
    }

    #[test]
    fn the_first_non_finite_value_is_named_in_either_path() {
        let m = model("freestyle");
        let d = m.workflow.vector.len();
        for n in [3, PARALLEL_VALUES / d + 1] {
            let mut data = vec![0.5; n * d];
            let late = (n - 1) * d + 2;
            data[late] = f64::INFINITY;
            data[d + 1] = f64::NAN;
            let e = Columnar::of(&m).probabilities(&data).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "Invalid argument 'rows': value at index {} (row 1, feature '{}') is not finite",
                    d + 1,
                    m.workflow.vector[1].feature
                )
            );
        }
    }
}
