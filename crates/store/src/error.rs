//! Every error the outcome store reports, each with a stable code that the
//! Node binding exposes as `error.code`.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An argument or record field has a bad value.
    #[error("Invalid argument '{name}': {reason}")]
    InvalidArgument { name: String, reason: String },

    /// Another connection held the write lock for longer than the busy timeout.
    #[error("Outcome store {path} is busy: another connection held its lock for more than {timeout_ms} ms ({detail})")]
    Busy {
        path: PathBuf,
        timeout_ms: u64,
        detail: String,
    },

    /// The file was migrated by a newer engine: this one must not write to it.
    #[error("Outcome store {path} has schema version {found}; this engine knows versions up to {known} (upgrade @dawg-ai/ml-engine)")]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    /// The file is not an outcome store (another application's database, or not SQLite).
    #[error("{path} is not an outcome store: {detail}")]
    NotAStore { path: PathBuf, detail: String },

    /// SQLite reported the file damaged.
    #[error("Outcome store {path} is damaged: {detail}")]
    Corrupt { path: PathBuf, detail: String },

    /// Any other SQLite failure.
    #[error("Outcome store {path}: {detail}")]
    Sqlite { path: PathBuf, detail: String },

    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An error about one element of a batch.
    #[error("{what}[{index}]: {source}")]
    InBatch {
        what: &'static str,
        index: usize,
        source: Box<StoreError>,
    },

    #[error("The outcome store {0} is closed")]
    Closed(PathBuf),
}

impl StoreError {
    /// The stable code callers match on.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::InvalidArgument { .. } => "ERR_INVALID_ARG",
            StoreError::Busy { .. } => "ERR_STORE_BUSY",
            StoreError::NewerSchema { .. } => "ERR_STORE_VERSION",
            StoreError::NotAStore { .. } => "ERR_STORE_NOT_A_STORE",
            StoreError::Corrupt { .. } => "ERR_STORE_CORRUPT",
            StoreError::Sqlite { .. } => "ERR_STORE",
            StoreError::Io { .. } => "ERR_IO",
            StoreError::Closed(_) => "ERR_STORE_CLOSED",
            StoreError::InBatch { source, .. } => source.code(),
        }
    }

    /// Whether JavaScript should see a `TypeError` (a bad argument).
    pub fn is_type_error(&self) -> bool {
        match self {
            StoreError::InvalidArgument { .. } => true,
            StoreError::InBatch { source, .. } => source.is_type_error(),
            _ => false,
        }
    }

    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> StoreError {
        StoreError::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Classify a SQLite error on the store at `path`.
    pub fn sqlite(path: &std::path::Path, timeout_ms: u64, e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        let path = path.to_path_buf();
        let detail = e.to_string();
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
                path,
                timeout_ms,
                detail,
            },
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt { path, detail },
            Some(ErrorCode::NotADatabase) => StoreError::NotAStore { path, detail },
            _ => StoreError::Sqlite { path, detail },
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
