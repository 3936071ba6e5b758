//! The repository's fixtures, for the binding's unit tests.

use std::path::{Path, PathBuf};

use crate::model::LoadedModel;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The old engine's golden cases (`fixtures/ts-parity/golden.json`).
pub fn golden() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("ts-parity/golden.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The old engine's model of a workflow.
pub fn old_model(workflow_type: &str) -> LoadedModel {
    let path = fixtures()
        .join("ts-ml-engine/models")
        .join(format!("{workflow_type}-model.json"));
    let w = crate::schema::find_workflow(workflow_type).unwrap();
    LoadedModel::parse(w, &std::fs::read_to_string(path).unwrap(), None).unwrap()
}
