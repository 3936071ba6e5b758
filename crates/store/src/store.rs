//! Opening the store and writing to it.
//!
//! Durability: the database is in WAL mode and every write is one `BEGIN
//! IMMEDIATE` transaction; a write call returns only after its `COMMIT`.
//! With `synchronous = NORMAL` a committed transaction is in the WAL file
//! (written with `write(2)`, so in the kernel's page cache) before `COMMIT`
//! returns: a process killed with `kill -9` at any moment loses nothing it
//! was told was written, because the kernel still writes those pages. What
//! NORMAL does not cover is the machine losing power or the kernel crashing
//! before the WAL is synced. `synchronous = FULL` (the default) also syncs
//! the WAL to disk at every commit, so an acknowledged outcome survives that
//! too, at the price of one `fsync` per write call; outcomes arrive at the
//! pace of workflow runs, where that price is small, and batches
//! (`write` with many rows) pay it once.
//!
//! Several processes may write at once: SQLite serialises writers on the
//! file's lock, and a writer that finds it taken waits (the busy timeout)
//! instead of failing. `BEGIN IMMEDIATE` takes the write lock at the start,
//! so a transaction never has to upgrade a read lock, which SQLite could
//! only refuse.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::error::{Result, StoreError};
use crate::records::{now_ms, Event, LoggedPrediction, Outcome, Subject};
use crate::schema::{self, Migrated, MigrationError};

/// When a commit is synced to disk (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Survives the process being killed; not a power cut.
    Normal,
    /// Survives a power cut too: one fsync per write call.
    Full,
}

impl Synchronous {
    pub fn parse(text: &str) -> Result<Synchronous> {
        match text {
            "normal" => Ok(Synchronous::Normal),
            "full" => Ok(Synchronous::Full),
            other => Err(StoreError::invalid(
                "synchronous",
                format!("expected 'normal' or 'full', received {other:?}"),
            )),
        }
    }

    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// How much history is kept. Each bound applies to predictions, outcomes
/// and events separately; the oldest rows go first.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Retention {
    /// Keep at most this many rows per table (the newest by insertion).
    pub max_rows: Option<u64>,
    /// Drop rows older than this (by their own time).
    pub max_age_ms: Option<i64>,
}

impl Retention {
    pub fn validate(&self) -> Result<()> {
        if self.max_rows == Some(0) {
            return Err(StoreError::invalid("maxRows", "must be at least 1"));
        }
        if let Some(age) = self.max_age_ms {
            if age <= 0 {
                return Err(StoreError::invalid(
                    "maxAgeMs",
                    format!("must be a positive number of milliseconds, received {age}"),
                ));
            }
        }
        Ok(())
    }

    fn is_bounded(&self) -> bool {
        self.max_rows.is_some() || self.max_age_ms.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoreOptions {
    /// How long a writer waits for another connection's lock.
    pub busy_timeout_ms: u64,
    pub synchronous: Synchronous,
    pub retention: Retention,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout_ms: 10_000,
            synchronous: Synchronous::Full,
            retention: Retention::default(),
        }
    }
}

/// Retention is enforced after this many write transactions of one
/// connection (and by `prune`), so that its cost is spread thin.
const PRUNE_EVERY: u64 = 64;

/// One write: everything in it is committed together, or nothing is.
#[derive(Debug, Default, Clone, Copy)]
pub struct Batch<'a> {
    pub predictions: &'a [LoggedPrediction],
    pub outcomes: &'a [Outcome],
    pub events: &'a [Event],
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Written {
    /// Predictions inserted (a prediction already logged under the same id and role is kept as it was).
    pub predictions: usize,
    /// The id of each outcome, in order. Recording a prediction's outcome
    /// again replaces the earlier one and keeps its id.
    pub outcome_ids: Vec<i64>,
    pub event_ids: Vec<i64>,
}

/// Rows removed by retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    pub predictions: usize,
    pub outcomes: usize,
    pub events: usize,
}

/// An open outcome store: one SQLite connection.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    options: StoreOptions,
    writes: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Open (creating it and its directory if needed) the store at `path`,
    /// and bring its schema up to date.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Store> {
        Store::open_at_version(path, options, schema::latest_version())
    }

    /// `open`, migrating only up to `version` (tests of the migrations).
    pub fn open_at_version(path: &Path, options: StoreOptions, version: i64) -> Result<Store> {
        options.retention.validate()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let timeout = options.busy_timeout_ms;
        let fail = |e| StoreError::sqlite(path, timeout, e);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(fail)?;
        conn.busy_timeout(Duration::from_millis(timeout))
            .map_err(fail)?;
        set_wal(&conn, path, timeout)?;
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {}; PRAGMA foreign_keys = OFF;",
            options.synchronous.pragma()
        ))
        .map_err(fail)?;
        match schema::migrate(&mut conn, version) {
            Ok(Migrated::Current | Migrated::From(_)) => {}
            Err(MigrationError::Sqlite(e)) => return Err(fail(e)),
            Err(MigrationError::Newer(found)) => {
                return Err(StoreError::NewerSchema {
                    path: path.to_path_buf(),
                    found,
                    known: schema::latest_version(),
                })
            }
            Err(MigrationError::Foreign(detail)) => {
                return Err(StoreError::NotAStore {
                    path: path.to_path_buf(),
                    detail,
                })
            }
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            options,
            writes: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    pub(crate) fn fail(&self, e: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, self.options.busy_timeout_ms, e)
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.fail(e))
    }

    /// Write a batch in one transaction; returns after it is committed.
    /// Every record is checked first: one bad record writes nothing and
    /// names its position.
    pub fn write(&mut self, batch: Batch) -> Result<Written> {
        let at = |what, index| {
            move |e: StoreError| StoreError::InBatch {
                what,
                index,
                source: Box::new(e),
            }
        };
        for (i, p) in batch.predictions.iter().enumerate() {
            p.validate().map_err(at("predictions", i))?;
        }
        for (i, o) in batch.outcomes.iter().enumerate() {
            o.validate().map_err(at("outcomes", i))?;
        }
        for (i, e) in batch.events.iter().enumerate() {
            e.validate().map_err(at("events", i))?;
        }
        let path = self.path.clone();
        let timeout = self.options.busy_timeout_ms;
        let fail = |e| StoreError::sqlite(&path, timeout, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let written = Written {
            predictions: insert_predictions(&tx, batch.predictions).map_err(fail)?,
            outcome_ids: insert_outcomes(&tx, batch.outcomes).map_err(fail)?,
            event_ids: insert_events(&tx, batch.events).map_err(fail)?,
        };
        self.writes += 1;
        if self.options.retention.is_bounded() && self.writes.is_multiple_of(PRUNE_EVERY) {
            prune_in(&tx, &self.options.retention, now_ms()).map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        Ok(written)
    }

    pub fn record_outcome(&mut self, outcome: &Outcome) -> Result<i64> {
        let written = self.write(Batch {
            outcomes: std::slice::from_ref(outcome),
            ..Batch::default()
        })?;
        Ok(written.outcome_ids[0])
    }

    pub fn log_predictions(&mut self, predictions: &[LoggedPrediction]) -> Result<usize> {
        Ok(self
            .write(Batch {
                predictions,
                ..Batch::default()
            })?
            .predictions)
    }

    pub fn record_event(&mut self, event: &Event) -> Result<i64> {
        let written = self.write(Batch {
            events: std::slice::from_ref(event),
            ..Batch::default()
        })?;
        Ok(written.event_ids[0])
    }

    /// Enforce the retention bounds now, as of `now` (milliseconds).
    pub fn prune(&mut self, now: i64) -> Result<Pruned> {
        let retention = self.options.retention;
        let path = self.path.clone();
        let timeout = self.options.busy_timeout_ms;
        let fail = |e| StoreError::sqlite(&path, timeout, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let pruned = prune_in(&tx, &retention, now).map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(pruned)
    }
}

fn insert_predictions(conn: &Connection, rows: &[LoggedPrediction]) -> rusqlite::Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO predictions (prediction_id, role, workflow_type, model_version,
             probability, features, created_at, sample_rate)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (prediction_id, role) DO NOTHING",
    )?;
    let mut inserted = 0;
    for p in rows {
        inserted += insert.execute(params![
            p.prediction_id,
            p.role.as_str(),
            p.workflow_type,
            p.model_version,
            p.probability,
            p.features,
            p.created_at,
            p.sample_rate
        ])?;
    }
    Ok(inserted)
}

fn insert_outcomes(conn: &Connection, rows: &[Outcome]) -> rusqlite::Result<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Update first, insert only when there is nothing to update: an upsert
    // would draw a new outcome id even when it updates, leaving gaps that
    // the row bound of retention (which counts by id) would mistake for rows.
    let mut update = conn.prepare_cached(
        "UPDATE outcomes SET failed = ?2, failure_type = ?3, recorded_at = ?4
         WHERE prediction_id = ?1 RETURNING outcome_id",
    )?;
    let mut of_prediction = conn.prepare_cached(
        "INSERT INTO outcomes (prediction_id, failed, failure_type, recorded_at)
         VALUES (?1, ?2, ?3, ?4) RETURNING outcome_id",
    )?;
    let mut of_run = conn.prepare_cached(
        "INSERT INTO outcomes (workflow_type, features, failed, failure_type, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING outcome_id",
    )?;
    rows.iter()
        .map(|o| match &o.subject {
            Subject::Prediction(id) => {
                let values = params![id, o.failed, o.failure_type, o.recorded_at];
                match update.query_row(values, |r| r.get(0)).optional()? {
                    Some(existing) => Ok(existing),
                    None => of_prediction.query_row(values, |r| r.get(0)),
                }
            }
            Subject::Run {
                workflow_type,
                features,
            } => of_run.query_row(
                params![
                    workflow_type,
                    features,
                    o.failed,
                    o.failure_type,
                    o.recorded_at
                ],
                |r| r.get(0),
            ),
        })
        .collect()
}

fn insert_events(conn: &Connection, rows: &[Event]) -> rusqlite::Result<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (kind, workflow_type, model_version, figures, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING event_id",
    )?;
    rows.iter()
        .map(|e| {
            insert.query_row(
                params![
                    e.kind,
                    e.workflow_type,
                    e.model_version,
                    e.figures,
                    e.created_at
                ],
                |r| r.get(0),
            )
        })
        .collect()
}

/// `(table, time column)` of every table retention bounds.
const BOUNDED: [(&str, &str); 3] = [
    ("predictions", "created_at"),
    ("outcomes", "recorded_at"),
    ("events", "created_at"),
];

fn prune_in(conn: &Connection, retention: &Retention, now: i64) -> rusqlite::Result<Pruned> {
    let mut removed = [0usize; 3];
    for (k, (table, time)) in BOUNDED.iter().enumerate() {
        if let Some(age) = retention.max_age_ms {
            removed[k] += conn.execute(
                &format!("DELETE FROM {table} WHERE {time} < ?1"),
                [now.saturating_sub(age)],
            )?;
        }
        if let Some(max) = retention.max_rows {
            // Rows are appended with increasing rowids and removed from the
            // old end, so the newest `max` rows are those above this bound.
            removed[k] += conn.execute(
                &format!(
                    "DELETE FROM {table} WHERE rowid <= (SELECT max(rowid) FROM {table}) - ?1"
                ),
                [max as i64],
            )?;
        }
    }
    Ok(Pruned {
        predictions: removed[0],
        outcomes: removed[1],
        events: removed[2],
    })
}

/// Switch the file to WAL. Changing the journal mode needs a moment when no
/// other connection is in the middle of opening it, so a busy answer is
/// retried until the busy timeout (the busy handler does not cover it).
fn set_wal(conn: &Connection, path: &Path, timeout_ms: u64) -> Result<()> {
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(StoreError::Sqlite {
                    path: path.to_path_buf(),
                    detail: format!("cannot switch to WAL mode (the journal mode stays {mode})"),
                })
            }
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(StoreError::sqlite(path, timeout_ms, e)),
        }
    }
}
