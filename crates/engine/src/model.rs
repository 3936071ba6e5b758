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
        if let Some(scale) = self
            .calibration
            .as_ref()
            .map(Calibration::contribution_scale)
        {
            if scale != 1.0 {
                // Clamped as the linear family clamps its own products: a
                // huge slope must not turn a contribution infinite.
                out.iter_mut().for_each(|a| {
                    a.contribution = (a.contribution * scale).clamp(-f64::MAX, f64::MAX)
                });
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

/// The largest model file read by default (64 MiB). The files this engine
/// writes are a few kilobytes; parsing takes memory several times a file's
/// size, so a file beyond the cap is refused rather than read.
pub const DEFAULT_MAX_MODEL_BYTES: u64 = 64 << 20;

/// How model files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoadOptions {
    /// A larger file is skipped with a warning naming it and the cap.
    pub max_model_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_model_bytes: DEFAULT_MAX_MODEL_BYTES,
        }
    }
}

/// Load every workflow's model from `dir`. Never fails: a missing, unreadable
/// or invalid file leaves that workflow without a model and adds a warning
/// naming the file.
pub fn load_dir(dir: &Path) -> ModelSet {
    load_layered(&[dir.to_path_buf()])
}

/// `load_layered_with` the default options.
pub fn load_layered(dirs: &[PathBuf]) -> ModelSet {
    load_layered_with(dirs, &LoadOptions::default())
}

/// Load every workflow's model from the first of `dirs` that has a usable
/// file for it (a user's models first, say, then the shipped ones). A
/// workflow that needed a later directory gets a warning naming the file it
/// used and why the earlier ones could not serve; one that no directory
/// serves is skipped with the warning of the first directory's failure.
/// Files are read by `read_model_file`: never a FIFO, a device or a
/// directory, never beyond `options.max_model_bytes`, never through a
/// symbolic link that leads out of its directory.
pub fn load_layered_with(dirs: &[PathBuf], options: &LoadOptions) -> ModelSet {
    let mut set = ModelSet::default();
    // Each directory resolved once; a directory that cannot be resolved
    // (it does not exist) serves nothing, and each file says why.
    let resolved: Vec<Option<PathBuf>> = dirs.iter().map(|d| fs::canonicalize(d).ok()).collect();
    for workflow in all_workflows() {
        let mut failures: Vec<EngineError> = Vec::new();
        let mut found = None;
        for (dir, real_dir) in dirs.iter().zip(&resolved) {
            let path = model_path(dir, workflow.workflow_type());
            let loaded = read_model_file(&path, real_dir.as_deref(), options)
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
        if let Some(warning) = found.as_ref().and_then(weights_name_no_feature) {
            set.warnings.push(warning);
        }
        set.models.push(found);
    }
    set
}

/// A warning when a model's weights exist but none of them names a feature
/// of its workflow: such a model loads (the old engine ignored unknown
/// weights too) but predicts from its bias alone, which is almost always a
/// file written for another schema.
fn weights_name_no_feature(model: &LoadedModel) -> Option<String> {
    let weights = &model.file.weights;
    let w = model.workflow;
    if weights.is_empty() || weights.keys().any(|name| w.feature_index(name).is_some()) {
        return None;
    }
    let examples: Vec<String> = weights
        .keys()
        .take(3)
        .map(|k| format!("'{}'", crate::error::shown(k)))
        .collect();
    Some(format!(
        "The {} model {} has {} weights, and none names a feature of {} (such as {}): it predicts from its bias alone",
        w.workflow_type(),
        model.path.as_deref().unwrap_or(Path::new("?")).display(),
        weights.len(),
        w.workflow_type(),
        examples.join(", ")
    ))
}

/// The text of one model file, read so that nothing can hang or exhaust
/// memory: the file is opened without blocking (a FIFO would otherwise wait
/// for a writer forever), must be a regular file (not a FIFO, a device such
/// as `/dev/zero`, a socket or a directory), and is read up to
/// `options.max_model_bytes`. With `dir` (the resolved directory the file
/// is listed in), a file that resolves outside it, through a symbolic link,
/// is refused.
pub fn read_model_file(path: &Path, dir: Option<&Path>, options: &LoadOptions) -> Result<String> {
    use std::io::Read;
    let refuse = |reason: String| EngineError::InvalidModel {
        path: path.to_path_buf(),
        reason,
    };
    if let Some(dir) = dir {
        let real = fs::canonicalize(path).map_err(|e| EngineError::io(path, e))?;
        if !real.starts_with(dir) {
            return Err(refuse(format!(
                "it is a symbolic link to {}, outside the models directory {}; refused",
                real.display(),
                dir.display()
            )));
        }
    }
    let file = open_without_blocking(path).map_err(|e| EngineError::io(path, e))?;
    let meta = file.metadata().map_err(|e| EngineError::io(path, e))?;
    if !meta.is_file() {
        return Err(refuse(format!(
            "it is {}, not a regular file",
            file_kind(&meta)
        )));
    }
    let cap = options.max_model_bytes;
    let too_large = |size: String| {
        refuse(format!(
            "{size} bytes is more than the cap of {cap} bytes (the maxModelBytes option)"
        ))
    };
    if meta.len() > cap {
        return Err(too_large(meta.len().to_string()));
    }
    // The size can change after the check: read at most one byte past the cap.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| EngineError::io(path, e))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(format!("more than {cap}")));
    }
    String::from_utf8(bytes).map_err(|e| {
        refuse(format!(
            "it is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<fs::File> {
    // Named pipes live outside the file system on Windows; a directory or
    // device found by `metadata` is refused before it is opened.
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", file_kind(&meta)),
        ));
    }
    fs::File::open(path)
}

fn file_kind(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Write `bytes` to `path` so that readers see either the old file or the
/// whole new one: write a temporary file in the same directory, flush it to
/// disk, then rename it over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |out| {
        out.write_all(bytes).map_err(|e| EngineError::io(path, e))
    })
}

/// `write_atomic` for content produced piece by piece: `write` writes it
/// to a (buffered) temporary file, which replaces `path` only when `write`
/// succeeded. Temporary files left by writers that died (`.<name>.<pid>.<n>.tmp`
/// of a process that no longer exists) are removed first.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::orphans::remove_orphaned_temporaries(dir, &name);
    // Unique per write, so that concurrent writers of the same file (two
    // trainings into one directory, in one process or several) never share
    // or truncate each other's temporary file; the last rename wins whole.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let serial = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(crate::orphans::temporary_name(
        &name,
        std::process::id(),
        serial,
    ));
    let result = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| EngineError::io(path, e))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
        write(&mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| EngineError::io(path, e.into_error()))?;
        file.sync_all().map_err(|e| EngineError::io(path, e))?;
        fs::rename(&tmp, path).map_err(|e| EngineError::io(path, e))
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
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

    /// A fresh empty directory, removed (with all it holds) when the guard
    /// drops at the end of the test, whether it passes or panics.
    fn tempdir(tag: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("ml-engine-model-{tag}-"))
            .tempdir()
            .unwrap()
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
        let tmp = tempdir("rewrite");
        let dir = tmp.path().to_path_buf();
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
        let input = Input {
            vector: &vector,
            record: None,
        };
        let raw = m.model.scorer().probability(input);
        let z = (raw / (1.0 - raw)).ln();
        assert!((m.probability(input) - 1.0 / (1.0 + (-2.0 * z).exp())).abs() < 1e-12);
        // A huge slope scales contributions past f64::MAX: they are clamped, never infinite.
        file.calibration = Some(Calibration::Platt { a: 1e308, b: 0.0 });
        let m = LoadedModel::from_file(w, file.clone(), None).unwrap();
        let mut mic = vec![0.0; w.vector.len()];
        mic[w.feature_index("micPermission").unwrap()] = 1.0;
        let mut out = vec![Attribution::default(); w.vector.len()];
        m.explain(
            Input {
                vector: &mic,
                record: None,
            },
            &mut out,
        );
        assert_eq!(
            out[w.feature_index("micPermission").unwrap()]
                .contribution
                .abs(),
            f64::MAX
        );
        assert!(out.iter().all(|a| a.contribution.is_finite()));
        // A zero slope (a constant, which training can write) loads; a negative one does not.
        file.calibration = Some(Calibration::Platt { a: 0.0, b: -1.0 });
        assert!(LoadedModel::from_file(w, file.clone(), None).is_ok());
        file.calibration = Some(Calibration::Platt { a: -0.5, b: 0.0 });
        let e = LoadedModel::from_file(w, file.clone(), None).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_MODEL");
        assert!(
            e.to_string()
                .contains("calibration: a must not be negative (got -0.5)"),
            "{e}"
        );
        file.calibration = Some(Calibration::Isotonic {
            x: vec![0.5, 0.2],
            y: vec![0.1, 0.2],
        });
        assert!(LoadedModel::from_file(w, file, None)
            .unwrap_err()
            .to_string()
            .contains("isotonic x must increase"));
    }

    #[test]
    fn content_version_is_the_sha256_prefix() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223...
        assert_eq!(content_version(b"abc"), "sha256:ba7816bf8f01cfea");
    }

    #[test]
    fn bad_files_are_skipped_with_a_warning_naming_the_file() {
        let tmp = tempdir("bad");
        let dir = tmp.path().to_path_buf();
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
        let user_tmp = tempdir("layered-user");
        let user = user_tmp.path().to_path_buf();
        let shipped_tmp = tempdir("layered-shipped");
        let shipped = shipped_tmp.path().to_path_buf();
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
    fn non_regular_files_are_refused_without_blocking_or_reading_them() {
        let tmp = tempdir("special");
        let dir = tmp.path().to_path_buf();
        // A directory where a file should be.
        fs::create_dir_all(model_path(&dir, "ai-mastering")).unwrap();
        #[cfg(unix)]
        {
            // A FIFO with no writer: opening it for reading would wait forever.
            let fifo = model_path(&dir, "freestyle");
            let status = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap();
            assert!(status.success());
            // A device inside the directory (a symbolic link to /dev/zero is
            // refused before that, as outside the directory).
            std::os::unix::fs::symlink("/dev/zero", model_path(&dir, "ai-memory")).unwrap();
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let d = dir.clone();
        std::thread::spawn(move || tx.send(load_dir(&d)).unwrap());
        let set = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("loading returns: nothing blocks on a FIFO or reads /dev/zero");
        assert!(set.models.iter().all(Option::is_none));
        let warning = |t: &str| {
            set.warnings
                .iter()
                .find(|w| w.contains(&format!("{t}-model.json")))
                .unwrap()
                .clone()
        };
        assert!(
            warning("ai-mastering").ends_with("it is a directory, not a regular file"),
            "{}",
            warning("ai-mastering")
        );
        #[cfg(unix)]
        {
            assert!(
                warning("freestyle").ends_with("it is a FIFO (named pipe), not a regular file"),
                "{}",
                warning("freestyle")
            );
            assert!(
                warning("ai-memory")
                    .contains("is a symbolic link to /dev/zero, outside the models directory"),
                "{}",
                warning("ai-memory")
            );
            // Without the directory check, the device itself is refused by type.
            let e =
                read_model_file(Path::new("/dev/zero"), None, &LoadOptions::default()).unwrap_err();
            assert_eq!(e.code(), "ERR_INVALID_MODEL");
            assert!(
                e.to_string()
                    .ends_with("it is a character device, not a regular file"),
                "{e}"
            );
        }
    }

    #[test]
    fn files_over_the_cap_are_refused_naming_file_and_cap() {
        let tmp = tempdir("cap");
        let dir = tmp.path().to_path_buf();
        let path = save_model(&dir, &minimal("freestyle")).unwrap();
        let size = fs::metadata(&path).unwrap().len();
        let exact = LoadOptions {
            max_model_bytes: size,
        };
        assert!(load_layered_with(std::slice::from_ref(&dir), &exact)
            .models
            .iter()
            .any(Option::is_some));
        let under = LoadOptions {
            max_model_bytes: size - 1,
        };
        let set = load_layered_with(std::slice::from_ref(&dir), &under);
        assert!(set.models.iter().all(Option::is_none));
        let warning = set
            .warnings
            .iter()
            .find(|w| w.contains("freestyle"))
            .unwrap();
        assert_eq!(
            warning,
            &format!(
                "Skipping freestyle model: Invalid model file {}: {size} bytes is more than the cap of {} bytes (the maxModelBytes option)",
                path.display(),
                size - 1
            )
        );
        assert_eq!(DEFAULT_MAX_MODEL_BYTES, 64 * 1024 * 1024);
        // Not UTF-8: refused, naming the offset.
        fs::write(
            model_path(&dir, "ai-memory"),
            b"{\"workflowType\": \"\xff\"}",
        )
        .unwrap();
        let set = load_dir(&dir);
        assert!(
            set.warnings
                .iter()
                .any(|w| w.contains("ai-memory-model.json")
                    && w.contains("not UTF-8 text (invalid byte at offset 18)")),
            "{:?}",
            set.warnings
        );
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_load_inside_the_directory_and_are_refused_outside_it() {
        let tmp = tempdir("links");
        let dir = tmp.path().to_path_buf();
        let outside_tmp = tempdir("links-outside");
        let outside = outside_tmp.path().to_path_buf();
        save_model(&outside, &minimal("freestyle")).unwrap();
        std::os::unix::fs::symlink(
            model_path(&outside, "freestyle"),
            model_path(&dir, "freestyle"),
        )
        .unwrap();
        fs::create_dir_all(dir.join("v2")).unwrap();
        let mut memory = minimal("ai-memory");
        memory.bias = 2.0;
        save_model(&dir.join("v2"), &memory).unwrap();
        std::os::unix::fs::symlink("v2/ai-memory-model.json", model_path(&dir, "ai-memory"))
            .unwrap();
        let set = load_dir(&dir);
        let w = |t: &str| find_workflow(t).unwrap().index;
        assert!(set.models[w("freestyle")].is_none());
        assert_eq!(set.models[w("ai-memory")].as_ref().unwrap().file.bias, 2.0);
        let warning = set
            .warnings
            .iter()
            .find(|m| m.contains("freestyle"))
            .unwrap();
        assert!(
            warning.contains(&format!(
                "is a symbolic link to {}, outside the models directory {}; refused",
                fs::canonicalize(model_path(&outside, "freestyle"))
                    .unwrap()
                    .display(),
                fs::canonicalize(&dir).unwrap().display()
            )),
            "{warning}"
        );
        // A models directory that is itself a link is resolved first.
        let alias = outside.join("alias");
        std::os::unix::fs::symlink(&dir, &alias).unwrap();
        assert!(load_dir(&alias).models[w("ai-memory")].is_some());
    }

    #[test]
    fn a_model_whose_weights_name_no_feature_loads_with_a_warning() {
        let tmp = tempdir("no-feature");
        let dir = tmp.path().to_path_buf();
        let mut file = minimal("freestyle");
        file.weights = [
            ("notAFeature".to_string(), 5.0),
            ("alsoNot".to_string(), 1.0),
        ]
        .into_iter()
        .collect();
        let path = save_model(&dir, &file).unwrap();
        let set = load_dir(&dir);
        assert!(set.models[find_workflow("freestyle").unwrap().index].is_some());
        assert!(set.warnings.contains(&format!(
            "The freestyle model {} has 2 weights, and none names a feature of freestyle (such as 'alsoNot', 'notAFeature'): it predicts from its bias alone",
            path.display()
        )), "{:?}", set.warnings);
        // One known weight is enough; no weights at all is another family's business.
        save_model(&dir, &minimal("freestyle")).unwrap();
        assert!(load_dir(&dir)
            .warnings
            .iter()
            .all(|w| !w.contains("none names a feature")));
        file.weights.clear();
        save_model(&dir, &file).unwrap();
        assert!(load_dir(&dir)
            .warnings
            .iter()
            .all(|w| !w.contains("none names a feature")));
    }

    #[test]
    fn concurrent_atomic_writes_of_one_file_each_land_whole() {
        let tmp = tempdir("concurrent");
        let dir = tmp.path().to_path_buf();
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
        let tmp = tempdir("atomic");
        let dir = tmp.path().to_path_buf();
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
