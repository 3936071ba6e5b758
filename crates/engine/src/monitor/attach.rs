//! Storing reference histograms in model files: for each model in a
//! directory whose workflow has training rows, the histograms of those rows'
//! features and of the model's scores on them go under the file's
//! `reference` key (an extra field: the old engine ignores it, the loader
//! keeps it). Run on a version's staging directory before it is committed,
//! so a committed version's files never change.

use std::path::Path;

use serde::Serialize;

use super::drift::{Reference, DEFAULT_BINS};
use crate::columnar::Columnar;
use crate::error::{EngineError, Result};
use crate::family::Input;
use crate::model::{load_dir, save_model};
use crate::train::data::Loaded;

/// The key a model file stores its reference under.
pub const REFERENCE_KEY: &str = "reference";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attached {
    pub workflow_type: &'static str,
    pub rows: usize,
}

/// Attach references built from `data` to the model files in `dir`.
pub fn attach_references(dir: &Path, data: &Loaded) -> Result<Vec<Attached>> {
    let set = load_dir(dir);
    let mut attached = Vec::new();
    for (model, dataset) in set.models.iter().zip(&data.datasets) {
        let Some(model) = model else { continue };
        if dataset.rows.len() < 2 {
            continue;
        }
        let scores = if model.model.scorer().linear().is_some() {
            let flat: Vec<f64> = dataset
                .rows
                .iter()
                .flat_map(|r| r.vector.iter().copied())
                .collect();
            Columnar::of(model).probabilities(&flat)?
        } else {
            // Families that read raw fields score each row's record.
            dataset
                .rows
                .iter()
                .map(|r| {
                    model.probability(Input {
                        vector: &r.vector,
                        record: r.record.as_ref(),
                    })
                })
                .collect()
        };
        let rows: Vec<&[f64]> = dataset.rows.iter().map(|r| r.vector.as_slice()).collect();
        let reference = Reference::from_rows(model.workflow, &rows, &scores, DEFAULT_BINS);
        let mut file = model.file.clone();
        file.extra.insert(
            REFERENCE_KEY.to_string(),
            serde_json::to_value(&reference).map_err(|e| EngineError::Internal(e.to_string()))?,
        );
        save_model(dir, &file)?;
        attached.push(Attached {
            workflow_type: model.workflow.workflow_type(),
            rows: rows.len(),
        });
    }
    Ok(attached)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{model_path, LoadedModel};
    use crate::synth::{generate, Counts};
    use crate::train::data::from_scenarios;

    #[test]
    fn references_land_in_the_model_files_and_describe_the_training_rows() {
        let tmp = tempfile::Builder::new()
            .prefix("ml-engine-attach-")
            .tempdir()
            .unwrap();
        let dir = tmp.path().to_path_buf();
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ts-ml-engine/models");
        std::fs::copy(
            fixtures.join("freestyle-model.json"),
            model_path(&dir, "freestyle"),
        )
        .unwrap();
        let data = from_scenarios(&generate(1, &Counts([300, 50, 0, 0, 0, 0, 0, 0])));
        let attached = attach_references(&dir, &data).unwrap();
        // Only freestyle has a model here.
        assert_eq!(
            attached,
            [Attached {
                workflow_type: "freestyle",
                rows: 300
            }]
        );
        let text = std::fs::read_to_string(model_path(&dir, "freestyle")).unwrap();
        let w = crate::schema::find_workflow("freestyle").unwrap();
        let model = LoadedModel::parse(w, &text, None).unwrap();
        let reference = Reference::from_value(&model.file.extra[REFERENCE_KEY]).unwrap();
        assert_eq!(reference.rows, 300);
        assert_eq!(reference.features.len(), w.vector.len());
        // The stored micPermission shares are those of the training rows.
        let mic = w.feature_index("micPermission").unwrap();
        let denied = data.datasets[0]
            .rows
            .iter()
            .filter(|r| r.vector[mic] == 0.0)
            .count();
        let h = &reference.features["micPermission"];
        assert_eq!(h.categories.as_deref(), Some(&[0.0, 1.0][..]));
        assert_eq!(h.proportions[0], denied as f64 / 300.0);
        // The old fields are untouched, so predictions are too.
        let original: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures.join("freestyle-model.json")).unwrap(),
        )
        .unwrap();
        let now: serde_json::Value = serde_json::from_str(&text).unwrap();
        for key in ["weights", "bias", "featureNames", "accuracy"] {
            assert_eq!(now[key], original[key], "{key}");
        }
    }
}
