//! Model files: the old engine's JSON format plus optional new fields, loading
//! (tolerant: a bad file is skipped with a warning) and atomic saving.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::calibration::Calibration;
use crate::error::{EngineError, Result};
use crate::family::{Attribution, Explanations, Input, Model};
use crate::schema::{all_workflows, Workflow};

/// One `<workflowType>-model.json`. The first block is the old format, which
/// every file has; the rest is optional so old files load, and the old engine
/// ignores it, so new files stay readable there.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ModelFile {
    pub workflow_type: String,
    pub weights: BTreeMap<String, f64>,
    pub bias: f64,
    pub feature_names: Vec<String>,
    pub trained_at: String,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1_score: f64,
    pub training_size: usize,
    pub validation_size: usize,

    /// The model family (`family::Model::from_file`); absent in old files,
    /// which are logistic models with the old, unsigned explanations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_type: Option<String>,
    /// Post-hoc calibration applied to the family's probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
    /// Decision threshold tuned on out-of-fold predictions (the old engine used 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Mean of each feature on the training rows: used to impute missing fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_means: Option<BTreeMap<String, f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brier: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ece: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_accuracy: Option<f64>,
    /// Metrics of the generator's true probability on the same held-out rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bayes: Option<serde_json::Value>,
    /// `"ok"`, `"no-signal"` or `"inconclusive"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hyperparameters: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// Anything else a newer writer added; kept so that rewriting a file loses nothing.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A model ready to predict: its family's model, laid out in the
/// workflow's vector order, and the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub workflow: &'static Workflow,
    pub model: Model,
    /// Per vector entry, when the file stores means for every entry: they
    /// impute missing fields.
    pub feature_means: Option<Vec<f64>>,
    pub calibration: Option<Calibration>,
    pub file: ModelFile,
    pub path: Option<PathBuf>,
    /// `modelVersion`: a content hash of the model file (see `content_version`).
    pub version: String,
}

/// A model file's version: `sha256:` and the first 16 hex digits of the
/// SHA-256 of its bytes. Stable for a given file, whoever loads it, and
/// equal to `sha256sum <file> | cut -c1-16` for the files this engine writes.
pub fn content_version(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The bytes `save_model` writes for `file`.
fn file_bytes(file: &ModelFile) -> Result<String> {
    serde_json::to_string_pretty(file).map_err(|e| EngineError::Internal(e.to_string()))
}

impl LoadedModel {
    /// A model from an in-memory file; its version is that of the bytes
    /// `save_model` would write for it.
    pub fn from_file(
        workflow: &'static Workflow,
        file: ModelFile,
        path: Option<PathBuf>,
    ) -> Result<LoadedModel> {
        let version = content_version(file_bytes(&file)?.as_bytes());
        LoadedModel::build(workflow, file, path, version)
    }

    fn build(
        workflow: &'static Workflow,
        file: ModelFile,
        path: Option<PathBuf>,
        version: String,
    ) -> Result<LoadedModel> {
        let bad = |reason: String| EngineError::InvalidModel {
            path: path.clone().unwrap_or_default(),
            reason,
        };
        if file.workflow_type != workflow.workflow_type() {
            return Err(bad(format!(
                "workflowType is '{}', expected '{}'",
                file.workflow_type,
                workflow.workflow_type()
            )));
        }
        let feature_means = match &file.feature_means {
            Some(means) => {
                let laid_out: Option<Vec<f64>> = workflow
                    .feature_names()
                    .map(|n| means.get(n).copied().filter(|x| x.is_finite()))
                    .collect();
                Some(laid_out.ok_or_else(|| {
                    bad("featureMeans must give a finite mean for every feature".to_string())
                })?)
            }
            None => None,
        };
        let model = Model::from_file(workflow, &file, feature_means.as_deref()).map_err(bad)?;
        if let Some(problem) = file.calibration.as_ref().and_then(Calibration::problem) {
            return Err(bad(problem));
        }
        Ok(LoadedModel {
            workflow,
            model,
            feature_means,
            calibration: file.calibration.clone(),
            file,
            path,
            version,
        })
    }

    /// The failure probability, calibrated when the file says so.
    pub fn probability(&self, input: Input) -> f64 {
        let p = self.model.scorer().probability(input);
        match &self.calibration {
            Some(c) => c.apply(p),
            None => p,
        }
    }

    /// Each vector entry's contribution (see `family::Scorer::explain`),
    /// scaled as the calibration scales log-odds.
    pub fn explain(&self, input: Input, out: &mut [Attribution]) {
        self.model.scorer().explain(input, out);
        self.scale_contributions(out);
    }

    fn scale_contributions(&self, out: &mut [Attribution]) {
        if let Some(scale) = self.calibration.as_ref().map(Calibration::contribution_scale) {
            if scale != 1.0 {
                out.iter_mut().for_each(|a| a.contribution *= scale);
            }
        }
    }

    /// `probability` and `explain` in one pass of the family.
    pub fn probability_and_explain(&self, input: Input, out: &mut [Attribution]) -> f64 {
        let p = self.model.scorer().probability_and_explain(input, out);
        self.scale_contributions(out);
        match &self.calibration {
            Some(c) => c.apply(p),
            None => p,
        }
    }

    pub fn explanations(&self) -> Explanations {
        self.model.scorer().explanations()
    }

    pub fn parse(
        workflow: &'static Workflow,
        text: &str,
        path: Option<PathBuf>,
    ) -> Result<LoadedModel> {
        let file: ModelFile =
            serde_json::from_str(text).map_err(|e| EngineError::InvalidModel {
                path: path.clone().unwrap_or_default(),
                reason: e.to_string(),
            })?;
        LoadedModel::build(workflow, file, path, content_version(text.as_bytes()))
    }
}

/// The result of loading a models directory: a slot per workflow (in schema
/// order) and a warning for each workflow that was skipped.
#[derive(Debug, Default)]
pub struct ModelSet {
    pub models: Vec<Option<LoadedModel>>,
    pub warnings: Vec<String>,
}

pub fn model_path(dir: &Path, workflow_type: &str) -> PathBuf {
    dir.join(format!("{workflow_type}-model.json"))
}

/// Load every workflow's model from `dir`. Never fails: a missing, unreadable
/// or invalid file leaves that workflow without a model and adds a warning
/// naming the file.
pub fn load_dir(dir: &Path) -> ModelSet {
    load_layered(&[dir.to_path_buf()])
}

/// Load every workflow's model from the first of `dirs` that has a usable
/// file for it (a user's models first, say, then the shipped ones). A
/// workflow that needed a later directory gets a warning naming the file it
/// used and why the earlier ones could not serve; one that no directory
/// serves is skipped with the warning of the first directory's failure.
pub fn load_layered(dirs: &[PathBuf]) -> ModelSet {
    let mut set = ModelSet::default();
    for workflow in all_workflows() {
        let mut failures: Vec<EngineError> = Vec::new();
        let mut found = None;
        for dir in dirs {
            let path = model_path(dir, workflow.workflow_type());
            let loaded = fs::read_to_string(&path)
                .map_err(|e| EngineError::io(&path, e))
                .and_then(|text| LoadedModel::parse(workflow, &text, Some(path.clone())));
            match loaded {
                Ok(model) => {
                    found = Some(model);
                    break;
                }
                Err(e) => failures.push(e),
            }
        }
        let workflow_type = workflow.workflow_type();
        match (&found, failures.first()) {
            (Some(model), Some(first)) => set.warnings.push(format!(
                "Using {} for the {workflow_type} model ({first})",
                model.path.as_deref().unwrap_or(Path::new("?")).display()
            )),
            (None, Some(first)) => set
                .warnings
                .push(format!("Skipping {workflow_type} model: {first}")),
            _ => {}
        }
        set.models.push(found);
    }
    set
}

/// Write `bytes` to `path` so that readers see either the old file or the
/// whole new one: write a temporary file in the same directory, flush it to
/// disk, then rename it over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per write, so that concurrent writers of the same file (two
    // trainings into one directory, in one process or several) never share
    // or truncate each other's temporary file; the last rename wins whole.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let serial = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{serial}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(EngineError::io(path, e));
    }
    // Make the rename itself durable where the platform allows it.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Serialise a model file as pretty JSON and write it atomically.
pub fn save_model(dir: &Path, file: &ModelFile) -> Result<PathBuf> {
    let path = model_path(dir, &file.workflow_type);
    write_atomic(&path, file_bytes(file)?.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::find_workflow;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ml-engine-model-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn minimal(workflow_type: &str) -> ModelFile {
        serde_json::from_value(serde_json::json!({
            "workflowType": workflow_type, "weights": {"micPermission": -2.0, "notAFeature": 5.0}, "bias": 0.5,
            "featureNames": ["micPermission"], "trainedAt": "x", "accuracy": 0, "precision": 0, "recall": 0,
            "f1Score": 0, "trainingSize": 1, "validationSize": 1, "somethingNew": [1, 2]
        }))
        .unwrap()
    }

    #[test]
    fn old_format_loads_and_unknown_fields_survive_a_rewrite() {
        let w = find_workflow("freestyle").unwrap();
        let file = minimal("freestyle");
        assert_eq!(
            file.extra.get("somethingNew"),
            Some(&serde_json::json!([1, 2]))
        );
        let m = LoadedModel::from_file(w, file.clone(), None).unwrap();
        let (weights, _) = m.model.scorer().linear().unwrap();
        assert_eq!(weights[w.feature_index("micPermission").unwrap()], -2.0);
        assert_eq!(weights.iter().filter(|x| **x != 0.0).count(), 1);
        assert_eq!(m.explanations(), Explanations::Unsigned);
        let dir = tempdir("rewrite");
        save_model(&dir, &file).unwrap();
        let text = fs::read_to_string(model_path(&dir, "freestyle")).unwrap();
        let back: ModelFile = serde_json::from_str(&text).unwrap();
        assert_eq!(back, file);
        // The version is the file's content hash, the same in memory and on disk.
        let reloaded = LoadedModel::parse(w, &text, None).unwrap();
        assert_eq!(reloaded.version, m.version);
        assert_eq!(m.version, content_version(text.as_bytes()));
        assert!(
            m.version.starts_with("sha256:") && m.version.len() == 23,
            "{}",
            m.version
        );
        let mut changed = file.clone();
        changed.bias = 0.25;
        assert_ne!(
            LoadedModel::from_file(w, changed, None).unwrap().version,
            m.version
        );
    }

    #[test]
    fn the_model_type_selects_the_family_and_unknown_types_are_refused() {
        let w = find_workflow("freestyle").unwrap();
        let mut file = minimal("freestyle");
        file.model_type = Some("logistic-regression-l2".to_string());
        let m = LoadedModel::from_file(w, file.clone(), None).unwrap();
        assert_eq!(m.explanations(), Explanations::Signed);
        file.model_type = Some("random-forest".to_string());
        let e = LoadedModel::from_file(w, file.clone(), None).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_MODEL");
        assert!(e.to_string().contains("unknown modelType 'random-forest' (known: logistic-regression-l2, gradient-boosted-trees)"), "{e}");
        // A calibration is applied after the family's probability, and checked on load.
        file.model_type = None;
        file.calibration = Some(Calibration::Platt { a: 2.0, b: 0.0 });
        let m = LoadedModel::from_file(w, file.clone(), None).unwrap();
        let vector = vec![0.0; w.vector.len()];
        let input = Input { vector: &vector, record: None };
        let raw = m.model.scorer().probability(input);
        let z = (raw / (1.0 - raw)).ln();
        assert!((m.probability(input) - 1.0 / (1.0 + (-2.0 * z).exp())).abs() < 1e-12);
        file.calibration = Some(Calibration::Isotonic { x: vec![0.5, 0.2], y: vec![0.1, 0.2] });
        assert!(LoadedModel::from_file(w, file, None).unwrap_err().to_string().contains("isotonic x must increase"));
    }

    #[test]
    fn content_version_is_the_sha256_prefix() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223...
        assert_eq!(content_version(b"abc"), "sha256:ba7816bf8f01cfea");
    }

    #[test]
    fn bad_files_are_skipped_with_a_warning_naming_the_file() {
        let dir = tempdir("bad");
        save_model(&dir, &minimal("freestyle")).unwrap();
        fs::write(model_path(&dir, "ai-memory"), "{ not json").unwrap();
        fs::write(
            model_path(&dir, "ai-mastering"),
            serde_json::to_string(&minimal("freestyle")).unwrap(),
        )
        .unwrap();
        let set = load_dir(&dir);
        assert_eq!(set.models.iter().filter(|m| m.is_some()).count(), 1);
        assert_eq!(set.warnings.len(), 7);
        let memory = set
            .warnings
            .iter()
            .find(|w| w.contains("ai-memory-model.json"))
            .unwrap();
        assert!(
            memory.starts_with("Skipping ai-memory model: Invalid model file"),
            "{memory}"
        );
        assert!(set.warnings.iter().any(
            |w| w.contains("ai-mastering-model.json") && w.contains("expected 'ai-mastering'")
        ));
    }

    #[test]
    fn layered_loading_takes_each_workflow_from_the_first_directory_that_serves_it() {
        let user = tempdir("layered-user");
        let shipped = tempdir("layered-shipped");
        save_model(&user, &minimal("freestyle")).unwrap();
        fs::write(model_path(&user, "ai-memory"), "{ not json").unwrap();
        let mut memory = minimal("ai-memory");
        memory.bias = -1.5;
        save_model(&shipped, &memory).unwrap();
        let mut shipped_freestyle = minimal("freestyle");
        shipped_freestyle.bias = 9.0;
        save_model(&shipped, &shipped_freestyle).unwrap();
        let set = load_layered(&[user.clone(), shipped.clone()]);
        let at = |t: &str| set.models[find_workflow(t).unwrap().index].as_ref();
        assert_eq!(
            at("freestyle").unwrap().path,
            Some(model_path(&user, "freestyle"))
        );
        assert_eq!(at("freestyle").unwrap().file.bias, 0.5);
        assert_eq!(
            at("ai-memory").unwrap().path,
            Some(model_path(&shipped, "ai-memory"))
        );
        let memory_warning = set
            .warnings
            .iter()
            .find(|w| w.contains("ai-memory"))
            .unwrap();
        assert!(
            memory_warning.starts_with(&format!(
                "Using {} for the ai-memory model (Invalid model file {}",
                model_path(&shipped, "ai-memory").display(),
                model_path(&user, "ai-memory").display()
            )),
            "{memory_warning}"
        );
        // Six workflows no directory serves: skipped, as with one directory.
        assert_eq!(set.models.iter().filter(|m| m.is_none()).count(), 6);
        assert_eq!(
            set.warnings
                .iter()
                .filter(|w| w.starts_with("Skipping "))
                .count(),
            6
        );
        assert!(
            set.warnings.iter().all(|w| !w.contains("freestyle")),
            "{:?}",
            set.warnings
        );
    }

    #[test]
    fn concurrent_atomic_writes_of_one_file_each_land_whole() {
        let dir = tempdir("concurrent");
        let path = dir.join("m.json");
        let bodies: Vec<Vec<u8>> = (0..8u8).map(|i| vec![b'a' + i; 200_000]).collect();
        std::thread::scope(|s| {
            for body in &bodies {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(path, body).unwrap();
                    }
                });
            }
        });
        let last = fs::read(&path).unwrap();
        assert!(
            bodies.contains(&last),
            "the file holds one writer's whole body"
        );
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temporary() {
        let dir = tempdir("atomic");
        let path = dir.join("x.json");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new contents").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new contents");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A write that cannot complete leaves the old file untouched.
        let blocked = dir.join("sub");
        fs::create_dir_all(blocked.join("x.json")).unwrap();
        assert!(write_atomic(&blocked.join("x.json"), b"y").is_err());
        assert_eq!(fs::read(&path).unwrap(), b"new contents");
    }
}
