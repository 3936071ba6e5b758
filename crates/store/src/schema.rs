//! The store's tables, versioned with SQLite's `user_version` and brought up
//! to date by an ordered list of migrations, each run once, in one
//! transaction with the version bump, under the write lock (so several
//! processes opening a new file at once migrate it exactly once).

use rusqlite::{Connection, TransactionBehavior};

/// `PRAGMA application_id`: marks a file as an outcome store ("DWML").
pub const APPLICATION_ID: i64 = 0x4457_4D4C;

/// Migration `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: logged predictions and recorded outcomes.
    "CREATE TABLE predictions (
        prediction_id TEXT NOT NULL,
        -- 'champion' (returned to the caller) or 'challenger' (scored in shadow).
        role TEXT NOT NULL CHECK (role IN ('champion', 'challenger')),
        workflow_type TEXT NOT NULL,
        model_version TEXT NOT NULL,
        probability REAL NOT NULL,
        -- The raw feature object as JSON (with workflowType), or NULL when not kept.
        features TEXT,
        created_at INTEGER NOT NULL,
        -- The share of predictions that were being logged when this one was (1 = all).
        sample_rate REAL NOT NULL,
        PRIMARY KEY (prediction_id, role)
    );
    CREATE INDEX predictions_by_time ON predictions (role, workflow_type, created_at);
    CREATE INDEX predictions_by_age ON predictions (created_at);
    CREATE TABLE outcomes (
        outcome_id INTEGER PRIMARY KEY AUTOINCREMENT,
        -- The prediction this outcome belongs to; NULL for a run never predicted.
        prediction_id TEXT UNIQUE,
        -- Runs never predicted carry their own workflow type and features.
        workflow_type TEXT,
        features TEXT,
        failed INTEGER NOT NULL CHECK (failed IN (0, 1)),
        failure_type TEXT,
        recorded_at INTEGER NOT NULL,
        CHECK ((prediction_id IS NULL) = (features IS NOT NULL))
    );
    CREATE INDEX outcomes_by_time ON outcomes (recorded_at);",
    // 2: what the monitor saw and decided (drift, degradation, promotion
    // tests, promotions, rollbacks), each with its figures.
    "CREATE TABLE events (
        event_id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        workflow_type TEXT,
        model_version TEXT,
        -- The event's figures as a JSON object.
        figures TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX events_by_kind ON events (kind, created_at);
    CREATE INDEX events_by_age ON events (created_at);",
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Outcome of bringing a connection's database up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrated {
    /// Already at the latest version.
    Current,
    /// Migrated from this version.
    From(i64),
}

/// Why a file cannot be migrated.
#[derive(Debug)]
pub enum MigrationError {
    Sqlite(rusqlite::Error),
    /// Its version is newer than this build knows.
    Newer(i64),
    /// It belongs to another application, or has tables but no version.
    Foreign(String),
}

impl From<rusqlite::Error> for MigrationError {
    fn from(e: rusqlite::Error) -> Self {
        MigrationError::Sqlite(e)
    }
}

/// Bring the database up to `target` (the latest version unless a test asks
/// for an older one).
pub fn migrate(conn: &mut Connection, target: i64) -> Result<Migrated, MigrationError> {
    let read = |conn: &Connection| -> rusqlite::Result<(i64, i64)> {
        let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let app = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        Ok((version, app))
    };
    // The common case, without taking the write lock.
    let (version, _) = read(conn)?;
    if version == target {
        check_application(conn)?;
        return Ok(Migrated::Current);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Read again under the lock: another process may have migrated meanwhile.
    let (version, app) = read(&tx)?;
    if version > latest_version() {
        return Err(MigrationError::Newer(version));
    }
    if version == 0 {
        let tables: i64 = tx.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 || (app != 0 && app != APPLICATION_ID) {
            return Err(MigrationError::Foreign(format!(
                "it already has {tables} tables and application id {app:#x}"
            )));
        }
        tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))?;
    } else if app != APPLICATION_ID {
        return Err(MigrationError::Foreign(format!(
            "application id {app:#x}, expected {APPLICATION_ID:#x}"
        )));
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(version as usize)
    {
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
    }
    tx.commit()?;
    Ok(if version == target {
        Migrated::Current
    } else {
        Migrated::From(version)
    })
}

fn check_application(conn: &Connection) -> Result<(), MigrationError> {
    let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app == APPLICATION_ID {
        Ok(())
    } else {
        Err(MigrationError::Foreign(format!(
            "application id {app:#x}, expected {APPLICATION_ID:#x}"
        )))
    }
}
