//! What the store holds: logged predictions, recorded outcomes and monitor
//! events, and the checks every record passes before it is written.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// Longest accepted identifier-like text (prediction ids, versions, types).
pub const MAX_ID_LEN: usize = 256;

/// Whose prediction a logged row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The model whose prediction was returned to the caller.
    Champion,
    /// A model scored in shadow on the same input: logged, never returned.
    Challenger,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Champion => "champion",
            Role::Challenger => "challenger",
        }
    }

    pub fn parse(text: &str) -> Result<Role> {
        match text {
            "champion" => Ok(Role::Champion),
            "challenger" => Ok(Role::Challenger),
            other => Err(StoreError::invalid(
                "role",
                format!("expected 'champion' or 'challenger', received {other:?}"),
            )),
        }
    }
}

/// One prediction as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedPrediction {
    pub prediction_id: String,
    pub role: Role,
    pub workflow_type: String,
    pub model_version: String,
    pub probability: f64,
    /// The raw feature object as JSON text, or `None` when not kept.
    #[serde(default)]
    pub features: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// The share of predictions being logged when this one was (1 = all).
    pub sample_rate: f64,
}

/// What an outcome is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A logged (or sampled-out) prediction.
    Prediction(String),
    /// A run that was never predicted: its workflow type and raw features (JSON text).
    Run {
        workflow_type: String,
        features: String,
    },
}

/// One recorded outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub subject: Subject,
    pub failed: bool,
    pub failure_type: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub recorded_at: i64,
}

/// Something the monitor saw or decided, with its figures (a JSON object).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: String,
    pub workflow_type: Option<String>,
    pub model_version: Option<String>,
    pub figures: String,
    pub created_at: i64,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn check_id(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(StoreError::invalid(name, "must not be empty"));
    }
    if value.len() > MAX_ID_LEN {
        return Err(StoreError::invalid(
            name,
            format!(
                "must be at most {MAX_ID_LEN} bytes, received {} bytes",
                value.len()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn check_time(name: &str, ms: i64) -> Result<()> {
    if ms < 0 {
        return Err(StoreError::invalid(
            name,
            format!("must be milliseconds since the Unix epoch (0 or more), received {ms}"),
        ));
    }
    Ok(())
}

/// A JSON object, as text: checked so that export always writes valid JSONL.
pub(crate) fn check_json_object(name: &str, text: &str) -> Result<()> {
    let starts_as_object = text.trim_start().starts_with('{');
    let parses = serde_json::from_str::<serde::de::IgnoredAny>(text);
    match (starts_as_object, parses) {
        (true, Ok(_)) => Ok(()),
        (false, _) => Err(StoreError::invalid(name, "must be a JSON object")),
        (true, Err(e)) => Err(StoreError::invalid(name, format!("is not valid JSON: {e}"))),
    }
}

impl LoggedPrediction {
    pub fn validate(&self) -> Result<()> {
        check_id("predictionId", &self.prediction_id)?;
        check_id("workflowType", &self.workflow_type)?;
        check_id("modelVersion", &self.model_version)?;
        if !(self.probability.is_finite() && (0.0..=1.0).contains(&self.probability)) {
            return Err(StoreError::invalid(
                "probability",
                format!("expected a number in [0, 1], received {}", self.probability),
            ));
        }
        if !(self.sample_rate > 0.0 && self.sample_rate <= 1.0) {
            return Err(StoreError::invalid(
                "sampleRate",
                format!("expected a number in (0, 1], received {}", self.sample_rate),
            ));
        }
        if let Some(f) = &self.features {
            check_json_object("features", f)?;
        }
        check_time("createdAt", self.created_at)
    }
}

impl Outcome {
    pub fn validate(&self) -> Result<()> {
        match &self.subject {
            Subject::Prediction(id) => check_id("predictionId", id)?,
            Subject::Run {
                workflow_type,
                features,
            } => {
                check_id("workflowType", workflow_type)?;
                check_json_object("features", features)?;
            }
        }
        if let Some(t) = &self.failure_type {
            check_id("failureType", t)?;
        }
        check_time("recordedAt", self.recorded_at)
    }
}

impl Event {
    pub fn validate(&self) -> Result<()> {
        check_id("kind", &self.kind)?;
        if let Some(w) = &self.workflow_type {
            check_id("workflowType", w)?;
        }
        if let Some(v) = &self.model_version {
            check_id("modelVersion", v)?;
        }
        check_json_object("figures", &self.figures)?;
        check_time("createdAt", self.created_at)
    }
}
