//! `dawg-ml-store`: the outcome store of `@dawg-ai/ml-engine`. One SQLite
//! file (WAL mode) holds logged predictions, recorded outcomes and the
//! monitor's events. Several processes may write at once; a write returns
//! only after it is committed (see `store` for what that guarantees). Plain
//! Rust: the napi binding wraps it, and nothing here knows about JavaScript.

pub mod error;
pub mod export;
pub mod query;
pub mod records;
pub mod schema;
pub mod store;

pub use error::{Result, StoreError};
pub use export::{ExportFilter, Exported};
pub use query::{
    Counts, GroupSummary, PairQuery, PairedRow, PredictionQuery, ScoredRow, StoredEvent,
    StoredOutcome, Window,
};
pub use records::{now_ms, Event, LoggedPrediction, Outcome, Role, Subject};
pub use store::{Batch, Pruned, Retention, Store, StoreOptions, Synchronous, Written};
