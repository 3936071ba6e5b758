//! Loaded model sets shared between loads of the same, unchanged files.
//!
//! A service that creates a predictor per request (or a test suite that
//! creates thousands) would otherwise hold one parsed copy of every model
//! per instance. Here a load of directories whose model files are exactly
//! those of a set still alive elsewhere returns that set: "exactly" means
//! the same answer from the file system for every file the load looks at
//! (missing, or the same device, inode, size, modification time and type,
//! both of the name and of what it resolves to). The cache holds weak
//! references: a set is freed when its last user drops it.
//!
//! A file rewritten in place with the same size within one tick of the file
//! system's clock would go unnoticed; files this engine writes are replaced
//! by a rename (a new inode), which is always noticed.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::model::{load_layered_with, model_path, LoadOptions, ModelSet};
use crate::schema::all_workflows;

/// What the file system says about one name: nothing, or who it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Identity {
    /// The name itself (a symbolic link has its own identity).
    link: Option<Stamp>,
    /// What it resolves to.
    target: Option<Stamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Stamp {
    device: u64,
    inode: u64,
    size: u64,
    modified_ns: i128,
    kind: u32,
}

fn stamp(meta: &fs::Metadata) -> Stamp {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            device: meta.dev(),
            inode: meta.ino(),
            size: meta.size(),
            modified_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            kind: meta.mode() & 0o170000,
        }
    }
    #[cfg(not(unix))]
    {
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(-1, |d| d.as_nanos() as i128);
        Stamp {
            device: 0,
            inode: 0,
            size: meta.len(),
            modified_ns,
            kind: u32::from(meta.is_file()) | (u32::from(meta.is_dir()) << 1),
        }
    }
}

fn identity(path: &std::path::Path) -> Identity {
    Identity {
        link: fs::symlink_metadata(path).ok().map(|m| stamp(&m)),
        target: fs::metadata(path).ok().map(|m| stamp(&m)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    dirs: Vec<PathBuf>,
    options: LoadOptions,
    /// Per directory, the directory's identity, then each workflow's file's.
    files: Vec<Identity>,
}

fn key(dirs: &[PathBuf], options: &LoadOptions) -> Key {
    let mut files = Vec::with_capacity(dirs.len() * (all_workflows().len() + 1));
    for dir in dirs {
        files.push(identity(dir));
        for w in all_workflows() {
            files.push(identity(&model_path(dir, w.workflow_type())));
        }
    }
    Key {
        dirs: dirs.to_vec(),
        options: *options,
        files,
    }
}

type Cache = Mutex<HashMap<Key, Weak<ModelSet>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// `load_layered_with`, sharing the result with every other live load of
/// the same unchanged files.
pub fn load_shared(dirs: &[PathBuf], options: &LoadOptions) -> Arc<ModelSet> {
    let before = key(dirs, options);
    if let Some(set) = lookup(&before) {
        return set;
    }
    let set = Arc::new(load_layered_with(dirs, options));
    // Shared only when nothing changed while the files were read: the set
    // then certainly reflects the files the key describes.
    if key(dirs, options) == before {
        let mut map = cache().lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, weak| weak.strong_count() > 0);
        map.insert(before, Arc::downgrade(&set));
    }
    set
}

fn lookup(key: &Key) -> Option<Arc<ModelSet>> {
    let map = cache().lock().unwrap_or_else(|p| p.into_inner());
    map.get(key).and_then(Weak::upgrade)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::save_model;
    use crate::schema::find_workflow;

    /// A fresh empty directory, removed (with all it holds) when the guard
    /// drops at the end of the test, whether it passes or panics.
    fn tempdir(tag: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("ml-engine-cache-{tag}-"))
            .tempdir()
            .unwrap()
    }

    fn model(bias: f64) -> crate::model::ModelFile {
        serde_json::from_value(serde_json::json!({
            "workflowType": "freestyle", "weights": {"micPermission": -2.0}, "bias": bias,
            "featureNames": ["micPermission"], "trainedAt": "x", "accuracy": 0, "precision": 0, "recall": 0,
            "f1Score": 0, "trainingSize": 1, "validationSize": 1
        }))
        .unwrap()
    }

    #[test]
    fn loads_of_unchanged_files_share_one_set_and_a_rewrite_is_seen() {
        let tmp = tempdir("share");
        let dir = tmp.path().to_path_buf();
        save_model(&dir, &model(0.5)).unwrap();
        let dirs = [dir.clone()];
        let options = LoadOptions::default();
        let a = load_shared(&dirs, &options);
        let b = load_shared(&dirs, &options);
        assert!(Arc::ptr_eq(&a, &b), "the same files give the same set");
        // Other options are another load.
        let capped = load_shared(
            &dirs,
            &LoadOptions {
                max_model_bytes: 10,
            },
        );
        assert!(!Arc::ptr_eq(&a, &capped));
        assert!(capped.models.iter().all(Option::is_none));
        // A rewrite (a rename: a new inode) is a new load with the new contents.
        save_model(&dir, &model(1.5)).unwrap();
        let c = load_shared(&dirs, &options);
        assert!(!Arc::ptr_eq(&a, &c));
        let w = find_workflow("freestyle").unwrap();
        assert_eq!(c.models[w.index].as_ref().unwrap().file.bias, 1.5);
        assert_eq!(a.models[w.index].as_ref().unwrap().file.bias, 0.5);
        // A file that appears is seen too.
        let mut memory = model(0.0);
        memory.workflow_type = "ai-memory".to_string();
        save_model(&dir, &memory).unwrap();
        let d = load_shared(&dirs, &options);
        assert!(d.models[find_workflow("ai-memory").unwrap().index].is_some());
    }

    #[test]
    fn a_set_nobody_holds_is_freed() {
        let tmp = tempdir("weak");
        let dir = tmp.path().to_path_buf();
        save_model(&dir, &model(0.5)).unwrap();
        let dirs = [dir.clone()];
        let a = load_shared(&dirs, &LoadOptions::default());
        let weak = Arc::downgrade(&a);
        drop(a);
        assert!(weak.upgrade().is_none(), "the cache keeps no set alive");
        let b = load_shared(&dirs, &LoadOptions::default());
        assert!(b.models[find_workflow("freestyle").unwrap().index].is_some());
    }
}
