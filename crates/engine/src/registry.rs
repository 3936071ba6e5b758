//! A versioned models directory: immutable versions and an atomically moved
//! `current` pointer.
//!
//! ```text
//! <dir>/current.json          the pointer: current version, rollback stack,
//!                             challenger, and every decision with its figures
//! <dir>/versions/v1/          <type>-model.json files (the old format, so the
//! <dir>/versions/v2/          old engine reads a version directory as it read
//!                             models/) and manifest.json
//! <dir>/<type>-model.json     the old flat layout: loads when there is no pointer
//! ```
//!
//! Readers take no lock: a version directory appears (by one rename) only
//! after every file in it is written and synced, it never changes after, and
//! the pointer names only complete versions and is itself replaced by one
//! rename. So a reader that follows the pointer always loads one whole
//! version. Writers (new versions, promote, rollback) serialise on an
//! advisory lock on `<dir>/.registry.lock`, which the kernel releases if
//! the process dies, so a killed writer never leaves the registry locked.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{EngineError, Result};
use crate::model::{content_version, model_path, write_atomic, LoadedModel};
use crate::schema::all_workflows;
use crate::synth::time::now_iso;

pub const POINTER_FILE: &str = "current.json";
pub const VERSIONS_DIR: &str = "versions";
pub const MANIFEST_FILE: &str = "manifest.json";
const LOCK_FILE: &str = ".registry.lock";
const STAGING_PREFIX: &str = ".staging-";
/// Staging directories older than this were left by a writer that died.
const STALE_STAGING_SECS: u64 = 24 * 3600;
const FORMAT: u32 = 1;

/// What a decision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The flat files found in the directory became the first version.
    Import,
    Promote,
    Rollback,
    /// A version was set to be scored in shadow (or cleared, `version: null`).
    Challenger,
}

/// One move of the pointer (or of the challenger), with why and the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub action: Action,
    /// The version made current (or challenger).
    pub version: Option<String>,
    /// The version that was current before.
    pub from: Option<String>,
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<Value>,
}

/// `current.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryState {
    pub format: u32,
    /// Incremented by every write: a watcher reloads when it changes.
    pub revision: u64,
    pub current: String,
    /// Earlier current versions, most recent last: `rollback` pops one.
    #[serde(default)]
    pub previous: Vec<String>,
    #[serde(default)]
    pub challenger: Option<String>,
    #[serde(default)]
    pub history: Vec<Decision>,
}

/// Decisions `current.json` keeps: older ones are dropped (the file is read
/// at every watch tick), except the last that made the current version
/// current and the last that set the challenger, which the monitor reads.
pub const KEPT_DECISIONS: usize = 500;

/// Earlier current versions `current.json` keeps for `rollback`.
pub const KEPT_PREVIOUS: usize = 100;

impl RegistryState {
    /// Bound the file: see `KEPT_DECISIONS` and `KEPT_PREVIOUS`.
    fn trim(&mut self) {
        if self.previous.len() > KEPT_PREVIOUS {
            self.previous.drain(..self.previous.len() - KEPT_PREVIOUS);
        }
        if self.history.len() <= KEPT_DECISIONS {
            return;
        }
        let cut = self.history.len() - KEPT_DECISIONS;
        let last = |version: &str, actions: &[Action]| {
            self.history
                .iter()
                .rposition(|d| d.version.as_deref() == Some(version) && actions.contains(&d.action))
        };
        let mut kept: Vec<usize> = [
            last(
                &self.current,
                &[Action::Promote, Action::Rollback, Action::Import],
            ),
            self.challenger
                .as_deref()
                .and_then(|c| last(c, &[Action::Challenger])),
        ]
        .into_iter()
        .flatten()
        .filter(|i| *i < cut)
        .collect();
        kept.sort_unstable();
        kept.dedup();
        let mut history: Vec<Decision> = kept.iter().map(|i| self.history[*i].clone()).collect();
        history.extend(self.history.drain(cut..));
        self.history = history;
    }
}

/// Where one workflow's model in a version came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntry {
    /// The model file's content hash (what predictions carry as `modelVersion`).
    pub model_version: String,
    /// `"trained"` for this version, or `"inherited"` from `from`.
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// `versions/<id>/manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub id: String,
    pub created_at: String,
    /// The version missing workflows were taken from.
    pub parent: Option<String>,
    /// What produced it (`"train"`, `"retrain --from-outcomes"`, `"import"`, ...).
    pub source: String,
    pub workflows: BTreeMap<String, ManifestEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<Value>,
}

/// A version as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    #[serde(flatten)]
    pub manifest: Manifest,
    pub dir: PathBuf,
    pub current: bool,
    pub challenger: bool,
}

/// Where the models to load are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub dir: PathBuf,
    /// The registry version, or `None` for the old flat layout.
    pub version: Option<String>,
}

/// The current and challenger versions of one read of the pointer.
#[derive(Debug)]
pub struct Resolution {
    pub current: Resolved,
    pub challenger: Option<Resolved>,
    /// Why the challenger the pointer names cannot be used (its version is
    /// gone), when it cannot; `challenger` is `None` then.
    pub challenger_problem: Option<EngineError>,
    /// The pointer's revision; `None` for the old flat layout.
    pub revision: Option<u64>,
}

/// What a move of the pointer (`promote`, `rollback`) expects of the
/// registry; the default expects nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    /// This version is still current (`ifCurrent`).
    pub if_current: Option<String>,
    /// The pointer is still at this revision (`ifRevision`): nothing at all
    /// has changed since it was read.
    pub if_revision: Option<u64>,
}

impl Guard {
    pub fn current(id: &str) -> Guard {
        Guard {
            if_current: Some(id.to_string()),
            if_revision: None,
        }
    }
}

/// What a new version is made of, besides its model files.
#[derive(Debug, Clone, Default)]
pub struct NewVersion {
    pub source: String,
    /// Fill workflows the new files lack from this version (default: the current one).
    pub base: Option<String>,
    pub figures: Option<Value>,
}

/// A models directory, read and written as a registry.
#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
}

/// Held while a writer changes the registry; released on drop (or death).
struct WriteLock(#[allow(dead_code)] File);

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EngineError + '_ {
    move |e| EngineError::io(path, e)
}

/// Make a rename or a new entry in `dir` durable where the platform allows.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn version_number(id: &str) -> Option<u64> {
    id.strip_prefix('v')
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
}

impl Registry {
    pub fn new(dir: impl Into<PathBuf>) -> Registry {
        Registry { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn versions_dir(&self) -> PathBuf {
        self.dir.join(VERSIONS_DIR)
    }

    pub fn version_dir(&self, id: &str) -> PathBuf {
        self.versions_dir().join(id)
    }

    fn pointer_path(&self) -> PathBuf {
        self.dir.join(POINTER_FILE)
    }

    /// `"3"` and `"v3"` both name version v3.
    pub fn normalise_id(id: &str) -> Result<String> {
        Registry::normalise_named("id", id)
    }

    /// `normalise_id` for the argument `name`. The registry names its
    /// versions v1, v2, ...; a hand-made version may have another name, but
    /// only one that stays a single directory under `versions/` (letters,
    /// digits, `.`, `_`, `-`, not starting with `.`): an id becomes a path,
    /// and one such as `../elsewhere` would point the registry outside itself.
    pub fn normalise_named(name: &str, id: &str) -> Result<String> {
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(format!("v{id}"));
        }
        if Registry::is_id(id) {
            Ok(id.to_string())
        } else {
            Err(EngineError::InvalidArgument {
                name: name.to_string(),
                reason: format!(
                    "expected a version id such as v3 (or 3), received {:?}",
                    crate::error::shown(id)
                ),
            })
        }
    }

    /// Whether `id` names one directory under `versions/` (see `normalise_named`).
    fn is_id(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= 100
            && !id.starts_with('.')
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    }

    /// The pointer, or `None` when the directory is not (yet) a registry.
    pub fn state(&self) -> Result<Option<RegistryState>> {
        let path = self.pointer_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(EngineError::io(&path, e)),
        };
        let state: RegistryState =
            serde_json::from_str(&text).map_err(|e| EngineError::InvalidRegistry {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if state.format > FORMAT {
            return Err(EngineError::InvalidRegistry {
                path,
                reason: format!(
                    "format {} is newer than this engine's ({FORMAT})",
                    state.format
                ),
            });
        }
        // A hand-edited pointer must not lead outside versions/.
        let named = std::iter::once(&state.current)
            .filter(|c| !c.is_empty())
            .chain(&state.previous)
            .chain(&state.challenger);
        for id in named {
            if !Registry::is_id(id) {
                return Err(EngineError::InvalidRegistry {
                    path,
                    reason: format!(
                        "it names {:?}, which is not a version directory's name (v1, v2, ...)",
                        crate::error::shown(id)
                    ),
                });
            }
        }
        Ok(Some(state))
    }

    /// Where the current models are: the current version's directory, or
    /// the directory itself (old flat layout) when there is no pointer.
    pub fn resolve(&self) -> Result<Resolved> {
        Ok(self.resolve_all()?.current)
    }

    /// The challenger's directory, if one is set.
    pub fn resolve_challenger(&self) -> Result<Option<Resolved>> {
        let all = self.resolve_all()?;
        match all.challenger_problem {
            Some(e) => Err(e),
            None => Ok(all.challenger),
        }
    }

    /// The current and challenger versions and the revision, from one read
    /// of the pointer: read apart, a promotion between the reads would pair
    /// one revision's current with another's revision, and a predictor
    /// watching for a new revision would never load the promoted version.
    pub fn resolve_all(&self) -> Result<Resolution> {
        let Some(state) = self.state()? else {
            return Ok(Resolution {
                current: Resolved {
                    dir: self.dir.clone(),
                    version: None,
                },
                challenger: None,
                challenger_problem: None,
                revision: None,
            });
        };
        let current = Resolved {
            dir: self.resolve_version(&state.current)?,
            version: Some(state.current.clone()),
        };
        // A challenger that cannot be loaded must not stop the current
        // version from serving: it is reported beside the resolution.
        let (challenger, challenger_problem) = match &state.challenger {
            None => (None, None),
            Some(id) => match self.resolve_version(id) {
                Ok(dir) => (
                    Some(Resolved {
                        dir,
                        version: Some(id.clone()),
                    }),
                    None,
                ),
                Err(e) => (None, Some(e)),
            },
        };
        Ok(Resolution {
            current,
            challenger,
            challenger_problem,
            revision: Some(state.revision),
        })
    }

    fn resolve_version(&self, id: &str) -> Result<PathBuf> {
        let dir = self.version_dir(id);
        if dir.join(MANIFEST_FILE).is_file() {
            Ok(dir)
        } else {
            Err(EngineError::InvalidRegistry {
                path: self.pointer_path(),
                reason: format!(
                    "it names version '{id}', but {} has no manifest",
                    dir.display()
                ),
            })
        }
    }

    pub fn manifest(&self, id: &str) -> Result<Manifest> {
        let path = self.version_dir(id).join(MANIFEST_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(EngineError::VersionNotFound {
                    dir: self.dir.clone(),
                    version: id.to_string(),
                    known: self.known_ids().join(", "),
                })
            }
            Err(e) => return Err(EngineError::io(&path, e)),
        };
        serde_json::from_str(&text).map_err(|e| EngineError::InvalidRegistry {
            path,
            reason: e.to_string(),
        })
    }

    /// Ids of the complete versions, oldest first.
    fn known_ids(&self) -> Vec<String> {
        let mut ids: Vec<(u64, String)> = fs::read_dir(self.versions_dir())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let n = version_number(&name)?;
                e.path().join(MANIFEST_FILE).is_file().then_some((n, name))
            })
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    /// The id after the highest existing one (call with the lock held).
    fn next_id(&self) -> String {
        let highest = self
            .known_ids()
            .iter()
            .filter_map(|i| version_number(i))
            .max()
            .unwrap_or(0);
        format!("v{}", highest + 1)
    }

    /// Every complete version, oldest first.
    pub fn list(&self) -> Result<Vec<VersionInfo>> {
        let state = self.state()?;
        self.known_ids()
            .into_iter()
            .map(|id| {
                let manifest = self.manifest(&id)?;
                Ok(VersionInfo {
                    dir: self.version_dir(&id),
                    current: state.as_ref().is_some_and(|s| s.current == id),
                    challenger: state
                        .as_ref()
                        .is_some_and(|s| s.challenger.as_deref() == Some(id.as_str())),
                    manifest,
                })
            })
            .collect()
    }

    fn lock(&self) -> Result<WriteLock> {
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let path = self.dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        file.lock().map_err(io(&path))?;
        Ok(WriteLock(file))
    }

    /// A fresh, empty directory to write a new version's files into (for
    /// a trainer); `commit` turns it into a version.
    pub fn staging_dir(&self) -> Result<PathBuf> {
        let versions = self.versions_dir();
        fs::create_dir_all(&versions).map_err(io(&versions))?;
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = versions.join(format!(
            "{STAGING_PREFIX}{}-{serial}-{nanos}",
            std::process::id()
        ));
        fs::create_dir(&dir).map_err(io(&dir))?;
        Ok(dir)
    }

    /// Write `files` (name, bytes) as a new version (see `commit`).
    pub fn create_version(
        &self,
        files: &[(String, Vec<u8>)],
        meta: NewVersion,
    ) -> Result<Manifest> {
        let staging = self.staging_dir()?;
        let written = files.iter().try_for_each(|(name, bytes)| {
            if name.contains(['/', '\\']) || name.starts_with('.') || name == MANIFEST_FILE {
                return Err(EngineError::InvalidArgument {
                    name: "files".to_string(),
                    reason: format!("'{name}' is not a plain file name a version can hold"),
                });
            }
            write_atomic(&staging.join(name), bytes)
        });
        match written.and_then(|_| self.commit(&staging, meta)) {
            Ok(m) => Ok(m),
            Err(e) => {
                let _ = fs::remove_dir_all(&staging);
                Err(e)
            }
        }
    }

    /// Turn a staging directory into the next version: every model file in
    /// it must load; workflows it lacks are copied from the base version
    /// (default: the current one), so a partial retrain keeps the others;
    /// the manifest is written; everything is synced; then one rename makes
    /// the version appear whole. Does not move the pointer. A directory
    /// that still has the old flat layout is imported as the first version
    /// (and made current) before, so nothing that was loadable is lost.
    pub fn commit(&self, staging: &Path, meta: NewVersion) -> Result<Manifest> {
        let _lock = self.lock()?;
        let state = match self.state()? {
            Some(s) => Some(s),
            None => self.import_flat_locked()?,
        };
        let base = meta
            .base
            .clone()
            .or_else(|| state.as_ref().map(|s| s.current.clone()));
        if let Some(b) = &base {
            self.manifest(b)?;
        }
        let mut workflows = BTreeMap::new();
        for w in all_workflows() {
            let path = model_path(staging, w.workflow_type());
            let (bytes, origin, from) = match fs::read(&path) {
                Ok(bytes) => (bytes, "trained", None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let Some(b) = &base else { continue };
                    let inherited = model_path(&self.version_dir(b), w.workflow_type());
                    match fs::read(&inherited) {
                        Ok(bytes) => {
                            write_atomic(&path, &bytes)?;
                            (bytes, "inherited", Some(b.clone()))
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(EngineError::io(&inherited, e)),
                    }
                }
                Err(e) => return Err(EngineError::io(&path, e)),
            };
            let text = String::from_utf8(bytes).map_err(|_| EngineError::InvalidModel {
                path: path.clone(),
                reason: "not UTF-8 text".to_string(),
            })?;
            // A version must never hold a file the loader would skip.
            let model = LoadedModel::parse(w, &text, Some(path.clone()))?;
            workflows.insert(
                w.workflow_type().to_string(),
                ManifestEntry {
                    model_version: model.version,
                    origin: origin.to_string(),
                    from,
                },
            );
        }
        if workflows.is_empty() {
            return Err(EngineError::InvalidArgument {
                name: "version".to_string(),
                reason: format!(
                    "{} holds no model file and there is no version to inherit from",
                    staging.display()
                ),
            });
        }
        let id = self.next_id();
        let manifest = Manifest {
            id: id.clone(),
            created_at: now_iso(),
            parent: base,
            source: meta.source,
            workflows,
            figures: meta.figures,
        };
        self.seal(staging, &manifest)?;
        self.remove_stale_staging();
        Ok(manifest)
    }

    /// Write the manifest, sync the directory and rename it into place.
    fn seal(&self, staging: &Path, manifest: &Manifest) -> Result<()> {
        let text = serde_json::to_string_pretty(manifest)
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        write_atomic(&staging.join(MANIFEST_FILE), text.as_bytes())?;
        sync_dir(staging);
        let target = self.version_dir(&manifest.id);
        fs::rename(staging, &target).map_err(io(&target))?;
        sync_dir(&self.versions_dir());
        Ok(())
    }

    fn remove_stale_staging(&self) {
        let now = std::time::SystemTime::now();
        for entry in fs::read_dir(self.versions_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let stale = entry
                .file_name()
                .to_string_lossy()
                .starts_with(STAGING_PREFIX)
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| now.duration_since(t).ok())
                    .is_some_and(|age| age.as_secs() > STALE_STAGING_SECS);
            if stale {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    /// With the lock held and no pointer: make the flat files (if any) v1
    /// and point at it.
    fn import_flat_locked(&self) -> Result<Option<RegistryState>> {
        // Only files the loader would load: a version must never hold one it
        // would skip (every later version would inherit it, and fail to
        // commit). The flat directory loaded without them too, with a warning.
        let mut left_out = Vec::new();
        let flat: Vec<(String, Vec<u8>)> = all_workflows()
            .iter()
            .filter_map(|w| {
                let path = model_path(&self.dir, w.workflow_type());
                let bytes = fs::read(&path).ok()?;
                let loads = std::str::from_utf8(&bytes)
                    .is_ok_and(|text| LoadedModel::parse(w, text, Some(path.clone())).is_ok());
                if !loads {
                    left_out.push(w.workflow_type());
                    return None;
                }
                Some((format!("{}-model.json", w.workflow_type()), bytes))
            })
            .collect();
        if flat.is_empty() {
            return Ok(None);
        }
        let staging = self.staging_dir()?;
        let mut workflows = BTreeMap::new();
        for (name, bytes) in &flat {
            write_atomic(&staging.join(name), bytes)?;
            let workflow_type = name.trim_end_matches("-model.json").to_string();
            workflows.insert(
                workflow_type,
                ManifestEntry {
                    model_version: content_version(bytes),
                    origin: "imported".to_string(),
                    from: None,
                },
            );
        }
        let id = self.next_id();
        let manifest = Manifest {
            id: id.clone(),
            created_at: now_iso(),
            parent: None,
            source: "import".to_string(),
            workflows,
            figures: None,
        };
        self.seal(&staging, &manifest)?;
        let state = RegistryState {
            format: FORMAT,
            revision: 1,
            current: id.clone(),
            previous: Vec::new(),
            challenger: None,
            history: vec![Decision {
                action: Action::Import,
                version: Some(id),
                from: None,
                at: now_iso(),
                reason: Some(if left_out.is_empty() {
                    format!("the flat <type>-model.json files of {}", self.dir.display())
                } else {
                    format!(
                        "the flat <type>-model.json files of {}, without those the loader skips: {}",
                        self.dir.display(),
                        left_out.join(", ")
                    )
                }),
                figures: None,
            }],
        };
        self.write_state(&state)?;
        Ok(Some(state))
    }

    fn write_state(&self, state: &RegistryState) -> Result<()> {
        let text = serde_json::to_string_pretty(state)
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        write_atomic(&self.pointer_path(), text.as_bytes())
    }

    /// Change the state under the lock; `change` sees the current state
    /// (`None` without a pointer) and returns the new one.
    fn update(
        &self,
        change: impl FnOnce(Option<RegistryState>) -> Result<RegistryState>,
    ) -> Result<RegistryState> {
        // A decision is about versions that exist: a mistyped directory must
        // not be created (with a lock file) on the way to saying so.
        if !self.dir.is_dir() {
            return Err(EngineError::io(
                &self.dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such models directory"),
            ));
        }
        let _lock = self.lock()?;
        let state = match self.state()? {
            Some(s) => Some(s),
            None => self.import_flat_locked()?,
        };
        let mut next = change(state)?;
        next.revision += 1;
        next.trim();
        self.write_state(&next)?;
        Ok(next)
    }

    /// Make `id` current. The version that was current can be returned to
    /// with `rollback`.
    pub fn promote(
        &self,
        id: &str,
        guard: &Guard,
        reason: Option<String>,
        figures: Option<Value>,
    ) -> Result<RegistryState> {
        let id = Registry::normalise_id(id)?;
        self.update(|state| {
            self.check_guard(state.as_ref(), guard)?;
            self.manifest(&id)?;
            let mut state = state.unwrap_or(RegistryState {
                format: FORMAT,
                revision: 0,
                current: String::new(),
                previous: Vec::new(),
                challenger: None,
                history: Vec::new(),
            });
            let from = (!state.current.is_empty()).then(|| state.current.clone());
            if let Some(f) = &from {
                if *f != id {
                    state.previous.push(f.clone());
                }
            }
            state.current = id.clone();
            if state.challenger.as_deref() == Some(id.as_str()) {
                state.challenger = None;
            }
            state.history.push(Decision {
                action: Action::Promote,
                version: Some(id.clone()),
                from,
                at: now_iso(),
                reason,
                figures,
            });
            Ok(state)
        })
    }

    /// Return to the version that was current before the current one.
    pub fn rollback(
        &self,
        guard: &Guard,
        reason: Option<String>,
        figures: Option<Value>,
    ) -> Result<RegistryState> {
        self.update(|state| {
            self.check_guard(state.as_ref(), guard)?;
            let Some(mut state) = state else {
                return Err(EngineError::NoPreviousVersion {
                    dir: self.dir.clone(),
                    current: "(no version)".to_string(),
                });
            };
            let Some(to) = state.previous.pop() else {
                return Err(EngineError::NoPreviousVersion {
                    dir: self.dir.clone(),
                    current: state.current,
                });
            };
            self.manifest(&to)?;
            // A version is never current and challenger at once.
            if state.challenger.as_deref() == Some(to.as_str()) {
                state.challenger = None;
            }
            let from = std::mem::replace(&mut state.current, to.clone());
            state.history.push(Decision {
                action: Action::Rollback,
                version: Some(to),
                from: Some(from),
                at: now_iso(),
                reason,
                figures,
            });
            Ok(state)
        })
    }

    /// Refuse the decision unless the registry is as `guard` expects: a
    /// decision made on an earlier read of the pointer (a monitor's, in one
    /// of several processes) must not apply to a registry another process
    /// has changed since.
    fn check_guard(&self, state: Option<&RegistryState>, guard: &Guard) -> Result<()> {
        let current = state.map_or("", |s| s.current.as_str());
        let changed = |expected: String, now: String| EngineError::VersionChanged {
            dir: self.dir.clone(),
            expected,
            current: now,
        };
        if let Some(expected) = &guard.if_current {
            if current != Registry::normalise_named("ifCurrent", expected)? {
                let now = if current.is_empty() {
                    "(no version)"
                } else {
                    current
                };
                return Err(changed(expected.clone(), now.to_string()));
            }
        }
        if let Some(expected) = guard.if_revision {
            let revision = state.map_or(0, |s| s.revision);
            if revision != expected {
                return Err(changed(
                    format!("revision {expected}"),
                    format!("revision {revision}"),
                ));
            }
        }
        Ok(())
    }

    /// Score `id` in shadow beside the current version (`None` stops).
    pub fn set_challenger(
        &self,
        id: Option<&str>,
        reason: Option<String>,
        figures: Option<Value>,
    ) -> Result<RegistryState> {
        let id = id.map(Registry::normalise_id).transpose()?;
        self.update(|state| {
            let Some(mut state) = state else {
                return Err(EngineError::InvalidArgument {
                    name: "challenger".to_string(),
                    reason: format!(
                        "{} has no current version to shadow; promote one first",
                        self.dir.display()
                    ),
                });
            };
            if let Some(id) = &id {
                self.manifest(id)?;
                if *id == state.current {
                    return Err(EngineError::InvalidArgument {
                        name: "challenger".to_string(),
                        reason: format!("{id} is the current version"),
                    });
                }
            }
            state.challenger = id.clone();
            state.history.push(Decision {
                action: Action::Challenger,
                version: id,
                from: Some(state.current.clone()),
                at: now_iso(),
                reason,
                figures,
            });
            Ok(state)
        })
    }
}

#[cfg(test)]
mod tests;
