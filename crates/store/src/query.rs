//! Reading the store: predictions with their outcomes over a window, pairs
//! of champion and challenger predictions of the same run, summaries and
//! events. Every read is one statement, so it sees one committed state.

use rusqlite::types::ToSql;
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::records::{Role, MAX_ID_LEN};
use crate::store::Store;

/// Which predictions a read covers. Empty means all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// Only the newest `last` rows (after every other condition).
    pub last: Option<u64>,
    /// Only the oldest `first` rows (after every other condition).
    pub first: Option<u64>,
    /// Predictions made at or after this time (ms since the epoch).
    pub since: Option<i64>,
    /// Predictions made before this time.
    pub until: Option<i64>,
}

impl Window {
    /// Rows are read newest first (then reversed) unless only the oldest are wanted.
    fn order(&self) -> &'static str {
        if self.first.is_some() {
            "ASC"
        } else {
            "DESC"
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.last == Some(0) {
            return Err(StoreError::invalid("window.last", "must be at least 1"));
        }
        if self.first == Some(0) {
            return Err(StoreError::invalid("window.first", "must be at least 1"));
        }
        if self.first.is_some() && self.last.is_some() {
            return Err(StoreError::invalid(
                "window",
                "takes first or last, not both",
            ));
        }
        if let (Some(a), Some(b)) = (self.since, self.until) {
            if a > b {
                return Err(StoreError::invalid(
                    "window",
                    format!("since ({a}) is after until ({b})"),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PredictionQuery {
    pub role: Role,
    pub workflow_type: Option<String>,
    /// Only predictions of these model versions (any when `None`).
    pub model_versions: Option<Vec<String>>,
    pub window: Window,
    /// Only predictions whose outcome is recorded.
    pub labelled_only: bool,
    /// Also read the raw features (costly for wide windows).
    pub with_features: bool,
}

impl PredictionQuery {
    pub fn new(role: Role) -> PredictionQuery {
        PredictionQuery {
            role,
            workflow_type: None,
            model_versions: None,
            window: Window::default(),
            labelled_only: false,
            with_features: false,
        }
    }
}

/// A logged prediction and, when recorded, its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoredRow {
    pub prediction_id: String,
    pub workflow_type: String,
    pub model_version: String,
    pub probability: f64,
    pub created_at: i64,
    pub sample_rate: f64,
    /// `None` while the outcome is not recorded.
    pub failed: Option<bool>,
    pub failure_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<String>,
}

/// A run scored by both the champion and a shadowed challenger, with its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairedRow {
    pub prediction_id: String,
    pub workflow_type: String,
    pub champion_version: String,
    pub champion_probability: f64,
    pub challenger_version: String,
    pub challenger_probability: f64,
    pub failed: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PairQuery {
    pub workflow_type: Option<String>,
    pub champion_versions: Option<Vec<String>>,
    pub challenger_versions: Option<Vec<String>>,
    pub window: Window,
}

/// Predictions and outcomes of one workflow, model version and role.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    pub workflow_type: String,
    pub model_version: String,
    pub role: Role,
    pub predictions: u64,
    pub labelled: u64,
    pub failures: u64,
    pub first_at: i64,
    pub last_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub predictions: u64,
    pub outcomes: u64,
    /// Outcomes of runs that were never predicted.
    pub run_outcomes: u64,
    pub events: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    pub event_id: i64,
    pub kind: String,
    pub workflow_type: Option<String>,
    pub model_version: Option<String>,
    /// The figures as JSON text.
    pub figures: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredOutcome {
    pub outcome_id: i64,
    pub failed: bool,
    pub failure_type: Option<String>,
    pub recorded_at: i64,
}

/// A WHERE clause under construction, with its parameters in order.
#[derive(Default)]
struct Conditions {
    sql: Vec<String>,
    params: Vec<Box<dyn ToSql>>,
}

impl Conditions {
    fn push(&mut self, sql: &str, value: impl ToSql + 'static) {
        self.params.push(Box::new(value));
        self.sql
            .push(sql.replace('?', &format!("?{}", self.params.len())));
    }

    fn push_in(&mut self, column: &str, values: &[String]) {
        let mut slots = Vec::with_capacity(values.len());
        for v in values {
            self.params.push(Box::new(v.clone()));
            slots.push(format!("?{}", self.params.len()));
        }
        if slots.is_empty() {
            self.sql.push("0".to_string());
        } else {
            self.sql.push(format!("{column} IN ({})", slots.join(", ")));
        }
    }

    fn window(&mut self, column: &str, w: &Window) {
        if let Some(since) = w.since {
            self.push(&format!("{column} >= ?"), since);
        }
        if let Some(until) = w.until {
            self.push(&format!("{column} < ?"), until);
        }
    }

    fn limit(&mut self, w: &Window) -> String {
        match w.last.or(w.first) {
            Some(n) => {
                self.params.push(Box::new(n as i64));
                format!(" LIMIT ?{}", self.params.len())
            }
            None => String::new(),
        }
    }

    fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.sql.join(" AND "))
        }
    }

    fn refs(&self) -> Vec<&dyn ToSql> {
        self.params.iter().map(|p| p.as_ref()).collect()
    }
}

fn check_versions(name: &str, versions: &Option<Vec<String>>) -> Result<()> {
    if let Some(vs) = versions {
        if vs.len() > 500 {
            return Err(StoreError::invalid(
                name,
                format!("at most 500 versions, received {}", vs.len()),
            ));
        }
        for v in vs {
            if v.is_empty() || v.len() > MAX_ID_LEN {
                return Err(StoreError::invalid(name, format!("invalid version {v:?}")));
            }
        }
    }
    Ok(())
}

impl Store {
    /// Predictions (with their outcomes when recorded), oldest first.
    pub fn predictions(&self, q: &PredictionQuery) -> Result<Vec<ScoredRow>> {
        q.window.validate()?;
        check_versions("modelVersions", &q.model_versions)?;
        let mut c = Conditions::default();
        c.push("p.role = ?", q.role.as_str());
        if let Some(w) = &q.workflow_type {
            c.push("p.workflow_type = ?", w.clone());
        }
        if let Some(vs) = &q.model_versions {
            c.push_in("p.model_version", vs);
        }
        c.window("p.created_at", &q.window);
        if q.labelled_only {
            c.sql.push("o.outcome_id IS NOT NULL".to_string());
        }
        let features = if q.with_features {
            ", p.features"
        } else {
            ", NULL"
        };
        let sql = format!(
            "SELECT p.prediction_id, p.workflow_type, p.model_version, p.probability,
                    p.created_at, p.sample_rate, o.failed, o.failure_type{features}
             FROM predictions p LEFT JOIN outcomes o ON o.prediction_id = p.prediction_id{}
             ORDER BY p.created_at {order}, p.rowid {order}{}",
            c.where_clause(),
            c.limit(&q.window),
            order = q.window.order()
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.fail(e))?;
        let mut rows: Vec<ScoredRow> = stmt
            .query_map(c.refs().as_slice(), |r| {
                Ok(ScoredRow {
                    prediction_id: r.get(0)?,
                    workflow_type: r.get(1)?,
                    model_version: r.get(2)?,
                    probability: r.get(3)?,
                    created_at: r.get(4)?,
                    sample_rate: r.get(5)?,
                    failed: r.get(6)?,
                    failure_type: r.get(7)?,
                    features: r.get(8)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.fail(e))?;
        if q.window.first.is_none() {
            rows.reverse();
        }
        Ok(rows)
    }

    /// Runs scored by the champion and a challenger whose outcome is
    /// recorded, oldest first.
    pub fn paired(&self, q: &PairQuery) -> Result<Vec<PairedRow>> {
        q.window.validate()?;
        check_versions("championVersions", &q.champion_versions)?;
        check_versions("challengerVersions", &q.challenger_versions)?;
        let mut c = Conditions::default();
        c.sql.push("c.role = 'champion'".to_string());
        if let Some(w) = &q.workflow_type {
            c.push("c.workflow_type = ?", w.clone());
        }
        if let Some(vs) = &q.champion_versions {
            c.push_in("c.model_version", vs);
        }
        if let Some(vs) = &q.challenger_versions {
            c.push_in("s.model_version", vs);
        }
        c.window("c.created_at", &q.window);
        let sql = format!(
            "SELECT c.prediction_id, c.workflow_type, c.model_version, c.probability,
                    s.model_version, s.probability, o.failed, c.created_at
             FROM predictions c
             JOIN predictions s ON s.prediction_id = c.prediction_id AND s.role = 'challenger'
             JOIN outcomes o ON o.prediction_id = c.prediction_id{}
             ORDER BY c.created_at {order}, c.rowid {order}{}",
            c.where_clause(),
            c.limit(&q.window),
            order = q.window.order()
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.fail(e))?;
        let mut rows: Vec<PairedRow> = stmt
            .query_map(c.refs().as_slice(), |r| {
                Ok(PairedRow {
                    prediction_id: r.get(0)?,
                    workflow_type: r.get(1)?,
                    champion_version: r.get(2)?,
                    champion_probability: r.get(3)?,
                    challenger_version: r.get(4)?,
                    challenger_probability: r.get(5)?,
                    failed: r.get(6)?,
                    created_at: r.get(7)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.fail(e))?;
        if q.window.first.is_none() {
            rows.reverse();
        }
        Ok(rows)
    }

    /// Per workflow, model version and role: predictions, labelled ones, failures.
    pub fn summary(&self) -> Result<Vec<GroupSummary>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.workflow_type, p.model_version, p.role, count(*), count(o.outcome_id),
                        coalesce(sum(o.failed), 0), min(p.created_at), max(p.created_at)
                 FROM predictions p LEFT JOIN outcomes o ON o.prediction_id = p.prediction_id
                 GROUP BY p.workflow_type, p.model_version, p.role
                 ORDER BY p.workflow_type, p.role, max(p.created_at)",
            )
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map([], |r| {
                let role: String = r.get(2)?;
                Ok(GroupSummary {
                    workflow_type: r.get(0)?,
                    model_version: r.get(1)?,
                    role: if role == "challenger" {
                        Role::Challenger
                    } else {
                        Role::Champion
                    },
                    predictions: r.get::<_, i64>(3)? as u64,
                    labelled: r.get::<_, i64>(4)? as u64,
                    failures: r.get::<_, i64>(5)? as u64,
                    first_at: r.get(6)?,
                    last_at: r.get(7)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.fail(e))?;
        Ok(rows)
    }

    pub fn counts(&self) -> Result<Counts> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM predictions), (SELECT count(*) FROM outcomes),
                        (SELECT count(*) FROM outcomes WHERE prediction_id IS NULL),
                        (SELECT count(*) FROM events)",
                [],
                |r| {
                    Ok(Counts {
                        predictions: r.get::<_, i64>(0)? as u64,
                        outcomes: r.get::<_, i64>(1)? as u64,
                        run_outcomes: r.get::<_, i64>(2)? as u64,
                        events: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .map_err(|e| self.fail(e))
    }

    /// The recorded outcome of a prediction, if any.
    pub fn outcome(&self, prediction_id: &str) -> Result<Option<StoredOutcome>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT outcome_id, failed, failure_type, recorded_at FROM outcomes WHERE prediction_id = ?1",
            )
            .map_err(|e| self.fail(e))?;
        let mut rows = stmt
            .query_map([prediction_id], |r| {
                Ok(StoredOutcome {
                    outcome_id: r.get(0)?,
                    failed: r.get(1)?,
                    failure_type: r.get(2)?,
                    recorded_at: r.get(3)?,
                })
            })
            .map_err(|e| self.fail(e))?;
        rows.next().transpose().map_err(|e| self.fail(e))
    }

    /// Events, oldest first: of one kind (all when `None`), the newest `last`.
    pub fn events(&self, kind: Option<&str>, last: Option<u64>) -> Result<Vec<StoredEvent>> {
        let mut c = Conditions::default();
        if let Some(k) = kind {
            c.push("kind = ?", k.to_string());
        }
        let window = Window {
            last,
            ..Window::default()
        };
        window.validate()?;
        let sql = format!(
            "SELECT event_id, kind, workflow_type, model_version, figures, created_at FROM events{}
             ORDER BY event_id DESC{}",
            c.where_clause(),
            c.limit(&window)
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.fail(e))?;
        let mut rows: Vec<StoredEvent> = stmt
            .query_map(c.refs().as_slice(), |r| {
                Ok(StoredEvent {
                    event_id: r.get(0)?,
                    kind: r.get(1)?,
                    workflow_type: r.get(2)?,
                    model_version: r.get(3)?,
                    figures: r.get(4)?,
                    created_at: r.get(5)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.fail(e))?;
        rows.reverse();
        Ok(rows)
    }
}
