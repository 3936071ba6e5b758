//! The model versions a models directory holds, by `modelVersion` (the
//! content hash predictions carry): where each is found (registry versions,
//! which is current or the challenger, or the flat layout) and its reference
//! histograms for drift. A live report names the versions it shows this way
//! and measures their drift against their own training rows.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Result;
use crate::model::{load_dir, LoadedModel};
use crate::monitor::attach::REFERENCE_KEY;
use crate::monitor::Reference;
use crate::registry::Registry;

#[derive(Debug, Clone, PartialEq)]
pub struct KnownModel {
    pub workflow_type: String,
    /// Where it is, said plainly: "registry v1, v2 (current)" or "flat models directory".
    pub known_as: String,
    /// `None` when the file stores no reference.
    pub reference: Option<Reference>,
    /// Why a stored reference could not be read, if it could not.
    pub reference_problem: Option<String>,
}

fn reference_of(model: &LoadedModel) -> (Option<Reference>, Option<String>) {
    match model.file.extra.get(REFERENCE_KEY) {
        None => (None, None),
        Some(v) => match Reference::from_value(v) {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        },
    }
}

/// Every model in `dir`, by model version. Missing or unreadable model
/// files are left out (the directory need not hold every workflow); a
/// registry whose pointer or manifests cannot be read is an error.
pub fn known_models(dir: &Path) -> Result<BTreeMap<String, KnownModel>> {
    let registry = Registry::new(dir);
    let mut places: Vec<(String, Option<&'static str>, std::path::PathBuf)> = Vec::new();
    if registry.state()?.is_some() {
        for v in registry.list()? {
            let mark = if v.current {
                Some("current")
            } else if v.challenger {
                Some("challenger")
            } else {
                None
            };
            places.push((v.manifest.id.clone(), mark, v.dir.clone()));
        }
    } else {
        places.push((String::new(), None, dir.to_path_buf()));
    }
    // Per model version: (workflow, ids it is in with their marks, reference).
    let mut found: BTreeMap<String, (String, Vec<String>, LoadedModel)> = BTreeMap::new();
    for (id, mark, place) in places {
        for model in load_dir(&place).models.into_iter().flatten() {
            let entry = found.entry(model.version.clone()).or_insert_with(|| {
                (
                    model.workflow.workflow_type().to_string(),
                    Vec::new(),
                    model.clone(),
                )
            });
            if !id.is_empty() {
                entry.1.push(match mark {
                    Some(m) => format!("{id} ({m})"),
                    None => id.clone(),
                });
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|(version, (workflow_type, ids, model))| {
            let (reference, reference_problem) = reference_of(&model);
            let known_as = if ids.is_empty() {
                "flat models directory".to_string()
            } else {
                format!("registry {}", ids.join(", "))
            };
            (
                version,
                KnownModel {
                    workflow_type,
                    known_as,
                    reference,
                    reference_problem,
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{model_path, ModelFile};
    use crate::registry::{Guard, NewVersion};
    use std::fs;

    fn fixture(workflow_type: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/ts-ml-engine/models")
            .join(format!("{workflow_type}-model.json"))
    }

    /// A fresh empty directory, removed (with all it holds) when the guard
    /// drops at the end of the test, whether it passes or panics.
    fn fresh(tag: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("ml-engine-known-{tag}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn a_flat_directory_names_its_models_and_reads_their_references() {
        let tmp = fresh("flat");
        let dir = tmp.path().to_path_buf();
        assert!(known_models(&dir).unwrap().is_empty());
        let mut file: ModelFile =
            serde_json::from_str(&fs::read_to_string(fixture("freestyle")).unwrap()).unwrap();
        let w = crate::schema::find_workflow("freestyle").unwrap();
        let rows: Vec<Vec<f64>> = (0..20)
            .map(|i| vec![f64::from(i % 2); w.vector.len()])
            .collect();
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let reference = Reference::from_rows(w, &refs, &[0.2; 20], 10);
        file.extra.insert(
            REFERENCE_KEY.to_string(),
            serde_json::to_value(&reference).unwrap(),
        );
        crate::model::save_model(&dir, &file).unwrap();
        fs::write(model_path(&dir, "ai-memory"), "{ not json").unwrap();
        let known = known_models(&dir).unwrap();
        assert_eq!(known.len(), 1, "the unreadable file is left out");
        let (version, model) = known.iter().next().unwrap();
        assert!(version.starts_with("sha256:"));
        assert_eq!(
            (model.workflow_type.as_str(), model.known_as.as_str()),
            ("freestyle", "flat models directory")
        );
        assert_eq!(model.reference.as_ref().map(|r| r.rows), Some(20));
        // A reference that does not parse is reported, not fatal.
        file.extra.insert(
            REFERENCE_KEY.to_string(),
            serde_json::json!({ "rows": "many" }),
        );
        crate::model::save_model(&dir, &file).unwrap();
        let known = known_models(&dir).unwrap();
        let model = known.values().next().unwrap();
        assert!(model.reference.is_none());
        assert!(model
            .reference_problem
            .as_deref()
            .unwrap()
            .contains("reference"));
    }

    #[test]
    fn registry_versions_sharing_a_model_are_named_together() {
        let tmp = fresh("registry");
        let dir = tmp.path().to_path_buf();
        let bytes = |bias: f64| {
            let mut file: ModelFile =
                serde_json::from_str(&fs::read_to_string(fixture("freestyle")).unwrap()).unwrap();
            file.bias = bias;
            vec![(
                "freestyle-model.json".to_string(),
                serde_json::to_vec_pretty(&file).unwrap(),
            )]
        };
        let registry = Registry::new(&dir);
        let meta = || NewVersion {
            source: "test".to_string(),
            ..NewVersion::default()
        };
        registry.create_version(&bytes(0.1), meta()).unwrap();
        registry
            .promote("v1", &Guard::default(), None, None)
            .unwrap();
        registry.create_version(&bytes(0.2), meta()).unwrap();
        let known = known_models(&dir).unwrap();
        let mut names: Vec<&str> = known.values().map(|m| m.known_as.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["registry v1 (current)", "registry v2"]);
    }
}
