//! Every error the engine can report. Each variant has a stable code that the
//! Node binding exposes as `error.code`.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A raw field has the wrong type, a non-finite number or an unknown enum value.
    #[error("Invalid feature for workflow '{workflow}': field '{field}' expected {expected}, received {received}")]
    InvalidFeature {
        workflow: String,
        field: String,
        expected: String,
        received: String,
    },

    /// A raw field is absent and the caller asked for strict validation.
    #[error("Missing feature for workflow '{workflow}': field '{field}' ({expected}) is required in strict mode")]
    MissingFeature {
        workflow: String,
        field: String,
        expected: String,
    },

    /// A key of a feature object that is not a field of its workflow.
    #[error("Unknown field for workflow '{workflow}': '{field}' is not a field of {interface}{suggestion}")]
    UnknownField {
        workflow: String,
        field: String,
        interface: String,
        /// `" (did you mean 'x'?)"` or empty.
        suggestion: String,
    },

    /// The input is not a feature object at all, or its `workflowType` is not a string.
    #[error("Invalid features: expected {expected}, received {received}")]
    InvalidInput { expected: String, received: String },

    /// No model is loaded for this workflow type (including unknown types).
    /// The message is the old engine's, which callers may match on.
    #[error("No model found for workflow: {0}")]
    ModelNotFound(String),

    /// A `workflowType` outside the 8 known ones, where no model is involved.
    #[error("Unknown workflow type: {received} (expected one of {expected})")]
    UnknownWorkflow { received: String, expected: String },

    /// A model file exists but cannot be used.
    #[error("Invalid model file {path}: {reason}")]
    InvalidModel { path: PathBuf, reason: String },

    /// A training-data row cannot be used.
    #[error("Invalid training data in {file}, row {row}: field '{field}' {reason}")]
    InvalidData {
        file: String,
        row: usize,
        field: String,
        reason: String,
    },

    /// Too little or one-sided data to train a workflow.
    #[error("Cannot train {workflow}: {reason}")]
    InsufficientData { workflow: String, reason: String },

    /// A knowledge graph cannot be used: malformed JSON or values, an
    /// unknown workflow or shared group, a dependency cycle. `path` is the
    /// JSON path of the offending value (`$.freestyle.files[2]`).
    #[error("Invalid knowledge graph {file}: {path}: {reason}")]
    InvalidGraph {
        file: String,
        path: String,
        reason: String,
    },

    /// An option or argument has a bad value.
    #[error("Invalid argument '{name}': {reason}")]
    InvalidArgument { name: String, reason: String },

    /// An error about one element of a batch.
    #[error("features[{index}]: {source}")]
    InBatch {
        index: usize,
        source: Box<EngineError>,
    },

    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("The operation was aborted")]
    Aborted,

    /// A models registry has no version of this id.
    #[error("Models registry {dir}: no version '{version}' (known: {known})")]
    VersionNotFound {
        dir: PathBuf,
        version: String,
        known: String,
    },

    /// `rollback` with no earlier current version to return to.
    #[error("Models registry {dir}: nothing to roll back to ({current} has been current since the registry began)")]
    NoPreviousVersion { dir: PathBuf, current: String },

    /// A decision made for `expected` as the current version, when another
    /// is current now (`ifCurrent`).
    #[error("Models registry {dir}: {current} is current now, not {expected}; the decision was made on an earlier state and is not applied")]
    VersionChanged {
        dir: PathBuf,
        expected: String,
        current: String,
    },

    /// A registry's pointer or a version's manifest cannot be used.
    #[error("Invalid models registry {path}: {reason}")]
    InvalidRegistry { path: PathBuf, reason: String },

    /// An error of a component beside the core (the outcome store), carried
    /// with that component's own stable code.
    #[error("{message}")]
    Component {
        code: &'static str,
        message: String,
        type_error: bool,
    },

    /// A bug: a panic caught at the binding boundary.
    #[error("Internal error in ml-engine: {0}")]
    Internal(String),
}

impl EngineError {
    /// The stable code callers match on.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::InvalidFeature { .. } => "ERR_INVALID_FEATURE",
            EngineError::MissingFeature { .. } => "ERR_MISSING_FEATURE",
            EngineError::UnknownField { .. } => "ERR_UNKNOWN_FIELD",
            EngineError::InvalidInput { .. } => "ERR_INVALID_FEATURE",
            EngineError::ModelNotFound(_) => "ERR_MODEL_NOT_FOUND",
            EngineError::UnknownWorkflow { .. } => "ERR_UNKNOWN_WORKFLOW",
            EngineError::InvalidModel { .. } => "ERR_INVALID_MODEL",
            EngineError::InvalidData { .. } => "ERR_INVALID_DATA",
            EngineError::InsufficientData { .. } => "ERR_INSUFFICIENT_DATA",
            EngineError::InvalidGraph { .. } => "ERR_INVALID_GRAPH",
            EngineError::InvalidArgument { .. } => "ERR_INVALID_ARG",
            EngineError::Io { .. } => "ERR_IO",
            EngineError::Aborted => "ERR_ABORTED",
            EngineError::VersionNotFound { .. } => "ERR_VERSION_NOT_FOUND",
            EngineError::NoPreviousVersion { .. } => "ERR_NO_PREVIOUS_VERSION",
            EngineError::VersionChanged { .. } => "ERR_VERSION_CHANGED",
            EngineError::InvalidRegistry { .. } => "ERR_INVALID_REGISTRY",
            EngineError::Component { code, .. } => code,
            EngineError::Internal(_) => "ERR_INTERNAL",
            EngineError::InBatch { source, .. } => source.code(),
        }
    }

    /// Whether JavaScript should see a `TypeError` (bad input) rather than an `Error`.
    pub fn is_type_error(&self) -> bool {
        match self {
            EngineError::InBatch { source, .. } => return source.is_type_error(),
            EngineError::Component { type_error, .. } => return *type_error,
            _ => {}
        }
        matches!(
            self,
            EngineError::InvalidFeature { .. }
                | EngineError::MissingFeature { .. }
                | EngineError::UnknownField { .. }
                | EngineError::InvalidInput { .. }
        )
    }

    /// `ModelNotFound` for a workflow type taken from the input (shown shortened).
    pub fn model_not_found(workflow_type: &str) -> Self {
        EngineError::ModelNotFound(shown(workflow_type))
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Longest text taken from the input into an error message.
pub const SHOWN_CHARS: usize = 100;

/// `s` as error messages show a value taken from the input: whole when
/// short, otherwise its first `SHOWN_CHARS` characters, an ellipsis and its
/// length (an unknown 10 MB workflow type must not become a 10 MB message).
pub fn shown(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        None => s.to_string(),
        Some((end, _)) => format!("{}… ({} characters)", &s[..end], s.chars().count()),
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
