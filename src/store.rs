//! `NativeOutcomeStore`: the outcome store (crate `dawg-ml-store`) for
//! JavaScript. Arguments are primitives or JSON text, results numbers or
//! JSON text: the JS layer (`lib/outcome-store.js`) validates the caller's
//! values and builds every value it returns, in the caller's realm. Every
//! operation has a sync form and an async one that runs on the libuv pool.
//!
//! Predictions are buffered here (`logPrediction` only checks and queues)
//! and written in one transaction by `flush`, or together with the next
//! write (an outcome then never waits for its own prediction). Outcomes are
//! written before the call returns (or its promise resolves).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use dawg_ml_store::{
    now_ms, Batch, Event, ExportFilter, LoggedPrediction, Outcome, Retention, Role, Store,
    StoreOptions, Subject, Synchronous,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::analysis::{answer, parse_request, store_error};
use crate::error::EngineError;
use crate::errors::run;
use crate::errors::JsNumber;
use crate::features::record_from_json;
use crate::task::{EngineTask, Work};

type Result<T, E = EngineError> = std::result::Result<T, E>;

fn invalid(name: &str, reason: impl Into<String>) -> EngineError {
    EngineError::InvalidArgument {
        name: name.to_string(),
        reason: reason.into(),
    }
}

fn internal(e: impl std::fmt::Display) -> EngineError {
    EngineError::Internal(e.to_string())
}

/// `store.open` options, as the JS layer passes them (already checked there).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OptionsJson {
    busy_timeout_ms: Option<u64>,
    synchronous: Option<String>,
    max_rows: Option<u64>,
    max_age_ms: Option<i64>,
}

fn options_of(text: &str) -> Result<StoreOptions> {
    let o: OptionsJson =
        serde_json::from_str(text).map_err(|e| invalid("options", e.to_string()))?;
    let d = StoreOptions::default();
    Ok(StoreOptions {
        busy_timeout_ms: o.busy_timeout_ms.unwrap_or(d.busy_timeout_ms),
        synchronous: match o.synchronous.as_deref() {
            None => d.synchronous,
            Some(s) => Synchronous::parse(s).map_err(store_error)?,
        },
        retention: Retention {
            max_rows: o.max_rows,
            max_age_ms: o.max_age_ms,
        },
    })
}

/// One outcome as the JS layer serialises it: of a prediction (`predictionId`)
/// or of a run never predicted (`features`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OutcomeJson {
    prediction_id: Option<String>,
    features: Option<Value>,
    failed: bool,
    failure_type: Option<String>,
    recorded_at: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventJson {
    kind: String,
    workflow_type: Option<String>,
    model_version: Option<String>,
    figures: Value,
    created_at: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BatchJson {
    #[serde(default)]
    outcomes: Vec<OutcomeJson>,
    #[serde(default)]
    events: Vec<EventJson>,
}

/// An outcome's subject; features of a run never predicted must be a
/// complete, valid feature object (they are only useful as training data,
/// and training takes recorded values only).
fn outcome_of(o: OutcomeJson, now: i64) -> Result<Outcome> {
    let subject = match (o.prediction_id, o.features) {
        (Some(id), None) => Subject::Prediction(id),
        (None, Some(features)) => {
            let (workflow, _) = record_from_json(&features, true)?;
            Subject::Run {
                workflow_type: workflow.workflow_type().to_string(),
                features: features.to_string(),
            }
        }
        _ => {
            return Err(invalid(
                "outcome",
                "needs either a predictionId or the run's features, not both",
            ))
        }
    };
    Ok(Outcome {
        subject,
        failed: o.failed,
        failure_type: o.failure_type,
        recorded_at: o.recorded_at.unwrap_or(now),
    })
}

/// The error of element `index` of a list, named as such, keeping its code.
fn at(what: &str, index: usize, e: EngineError) -> EngineError {
    EngineError::Component {
        code: e.code(),
        message: format!("{what}[{index}]: {e}"),
        type_error: e.is_type_error(),
    }
}

/// What every handle to one store shares (the JS object and running tasks).
struct Shared {
    path: PathBuf,
    /// `None` once closed.
    store: Mutex<Option<Store>>,
    pending: Mutex<Vec<LoggedPrediction>>,
    /// Set by a close as it takes the last queued predictions, read and
    /// written only while `pending` is locked: a prediction is either queued
    /// before that (and written by the close) or refused, never queued into
    /// a store that no write will ever drain.
    closing: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock is caught at the boundary; the data
    // (a connection, a queue) stays usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn closed_error(&self) -> EngineError {
        store_error(dawg_ml_store::StoreError::Closed(self.path.clone()))
    }

    /// Write `batch` together with every queued prediction, in one transaction.
    /// If the write fails the queued predictions stay queued.
    fn write(&self, outcomes: &[Outcome], events: &[Event]) -> Result<dawg_ml_store::Written> {
        self.write_and(outcomes, events, false)
    }

    /// `write`, and with `close`, close the store in the same hold of its
    /// lock once the last predictions are written (a failed write leaves it
    /// open, its predictions queued, to be closed again).
    fn write_and(
        &self,
        outcomes: &[Outcome],
        events: &[Event],
        close: bool,
    ) -> Result<dawg_ml_store::Written> {
        let mut guard = lock(&self.store);
        let store = guard.as_mut().ok_or_else(|| self.closed_error())?;
        let predictions = {
            let mut pending = lock(&self.pending);
            if close {
                self.closing.store(true, Ordering::Relaxed);
            }
            std::mem::take(&mut *pending)
        };
        let result = store.write(Batch {
            predictions: &predictions,
            outcomes,
            events,
        });
        if result.is_err() {
            let mut pending = lock(&self.pending);
            let newer = std::mem::replace(&mut *pending, predictions);
            pending.extend(newer);
            self.closing.store(false, Ordering::Relaxed);
        } else if close {
            *guard = None;
        }
        result.map_err(store_error)
    }

    /// Queue a prediction for the next write, unless the store is closing.
    fn queue(&self, p: LoggedPrediction) -> Result<u32> {
        let mut pending = lock(&self.pending);
        if self.closing.load(Ordering::Relaxed) {
            return Err(self.closed_error());
        }
        pending.push(p);
        Ok(pending.len() as u32)
    }

    fn read<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut store = lock(&self.store);
        match store.as_mut() {
            Some(s) => f(s),
            None => Err(self.closed_error()),
        }
    }
}

/// Operations that run on the pool in their async form.
enum Op {
    Write(String),
    RecordOutcome {
        prediction_id: String,
        failed: bool,
        failure_type: Option<String>,
        recorded_at: Option<i64>,
    },
    Flush,
    Query(String),
    Export {
        path: String,
        filter: String,
    },
    Prune,
    Close,
}

fn written_json(w: &dawg_ml_store::Written) -> String {
    json!({ "predictions": w.predictions, "outcomeIds": w.outcome_ids, "eventIds": w.event_ids })
        .to_string()
}

impl Op {
    fn run(self, shared: &Shared) -> Result<String> {
        let now = now_ms();
        match self {
            Op::Write(text) => {
                let batch: BatchJson =
                    serde_json::from_str(&text).map_err(|e| invalid("batch", e.to_string()))?;
                let many = batch.outcomes.len() > 1;
                let outcomes = batch
                    .outcomes
                    .into_iter()
                    .enumerate()
                    .map(|(i, o)| {
                        outcome_of(o, now).map_err(|e| if many { at("outcomes", i, e) } else { e })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let events: Vec<Event> = batch
                    .events
                    .into_iter()
                    .map(|e| Event {
                        kind: e.kind,
                        workflow_type: e.workflow_type,
                        model_version: e.model_version,
                        figures: e.figures.to_string(),
                        created_at: e.created_at.unwrap_or(now),
                    })
                    .collect();
                Ok(written_json(&shared.write(&outcomes, &events)?))
            }
            Op::RecordOutcome {
                prediction_id,
                failed,
                failure_type,
                recorded_at,
            } => {
                let outcome = Outcome {
                    subject: Subject::Prediction(prediction_id),
                    failed,
                    failure_type,
                    recorded_at: recorded_at.unwrap_or(now),
                };
                let written = shared.write(std::slice::from_ref(&outcome), &[]);
                // A single outcome's error reads without the list position.
                match written {
                    Err(EngineError::Component {
                        code,
                        message,
                        type_error,
                    }) => Err(EngineError::Component {
                        code,
                        message: message
                            .strip_prefix("outcomes[0]: ")
                            .unwrap_or(&message)
                            .to_string(),
                        type_error,
                    }),
                    other => Ok(other?.outcome_ids[0].to_string()),
                }
            }
            Op::Flush => Ok(shared.write(&[], &[])?.predictions.to_string()),
            Op::Query(text) => {
                let request = parse_request(&text)?;
                shared.read(|s| answer(s, request)).map(|v| v.to_string())
            }
            Op::Export { path, filter } => {
                #[derive(Deserialize)]
                #[serde(rename_all = "camelCase", deny_unknown_fields)]
                struct FilterJson {
                    workflow_type: Option<String>,
                    since: Option<i64>,
                }
                let f: FilterJson =
                    serde_json::from_str(&filter).map_err(|e| invalid("filter", e.to_string()))?;
                // Predictions still queued are part of what there is to export.
                shared.write(&[], &[])?;
                let exported = shared.read(|s| {
                    s.export_jsonl(
                        &PathBuf::from(&path),
                        &ExportFilter {
                            workflow_type: f.workflow_type,
                            since: f.since,
                        },
                    )
                    .map_err(store_error)
                })?;
                serde_json::to_string(&exported).map_err(internal)
            }
            Op::Prune => {
                shared.write(&[], &[])?;
                let pruned = shared.read(|s| s.prune(now).map_err(store_error))?;
                Ok(json!({ "predictions": pruned.predictions, "outcomes": pruned.outcomes, "events": pruned.events }).to_string())
            }
            Op::Close => {
                let flushed = match shared.write_and(&[], &[], true) {
                    Ok(w) => w.predictions,
                    // Closing twice is not an error.
                    Err(_) if lock(&shared.store).is_none() => 0,
                    Err(e) => return Err(e),
                };
                Ok(flushed.to_string())
            }
        }
    }
}

pub struct StoreWork {
    shared: Arc<Shared>,
    op: Option<Op>,
}

impl Work for StoreWork {
    type Output = String;
    type Js = String;

    fn run(&mut self) -> Result<String> {
        let op = self
            .op
            .take()
            .ok_or_else(|| internal("store operation run twice"))?;
        op.run(&self.shared)
    }

    fn resolve_js(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

/// An open outcome store.
#[napi]
pub struct NativeOutcomeStore {
    shared: Arc<Shared>,
}

fn open(path: &str, options: &str) -> Result<NativeOutcomeStore> {
    let options = options_of(options)?;
    let path = PathBuf::from(path);
    let store = Store::open(&path, options).map_err(store_error)?;
    Ok(NativeOutcomeStore {
        shared: Arc::new(Shared {
            path,
            store: Mutex::new(Some(store)),
            pending: Mutex::new(Vec::new()),
            closing: AtomicBool::new(false),
        }),
    })
}

/// Open (creating it if needed) the store at `path`; `options` is JSON.
#[napi]
pub fn open_outcome_store_sync(
    env: Env,
    path: String,
    options: String,
) -> napi::Result<NativeOutcomeStore> {
    run(&env, || open(&path, &options))
}

pub struct OpenStore {
    path: String,
    options: String,
}

impl Work for OpenStore {
    type Output = NativeOutcomeStore;
    type Js = NativeOutcomeStore;

    fn run(&mut self) -> Result<NativeOutcomeStore> {
        open(&self.path, &self.options)
    }

    fn resolve_js(
        &mut self,
        _env: Env,
        store: NativeOutcomeStore,
    ) -> napi::Result<NativeOutcomeStore> {
        Ok(store)
    }
}

/// `openOutcomeStoreSync` on the libuv pool.
#[napi(ts_return_type = "Promise<NativeOutcomeStore>")]
pub fn open_outcome_store(path: String, options: String) -> AsyncTask<EngineTask<OpenStore>> {
    AsyncTask::new(EngineTask::new(OpenStore { path, options }))
}

impl NativeOutcomeStore {
    fn sync(&self, env: &Env, op: Op) -> napi::Result<String> {
        run(env, || op.run(&self.shared))
    }

    fn task(&self, op: Op) -> AsyncTask<EngineTask<StoreWork>> {
        AsyncTask::new(EngineTask::new(StoreWork {
            shared: self.shared.clone(),
            op: Some(op),
        }))
    }
}

fn time(name: &str, ms: Option<f64>) -> Result<Option<i64>> {
    match ms {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 9.0e15 => {
            Ok(Some(x as i64))
        }
        Some(x) => Err(invalid(
            name,
            format!(
                "expected milliseconds since the epoch, received {}",
                JsNumber(x)
            ),
        )),
    }
}

#[napi]
impl NativeOutcomeStore {
    #[napi(getter)]
    pub fn path(&self) -> String {
        self.shared.path.display().to_string()
    }

    /// Predictions queued and not yet written.
    #[napi(getter)]
    pub fn pending(&self) -> u32 {
        lock(&self.shared.pending).len() as u32
    }

    /// Queue a prediction for the next write; checked now.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn log_prediction(
        &self,
        env: Env,
        prediction_id: String,
        role: String,
        workflow_type: String,
        model_version: String,
        probability: f64,
        features: Option<String>,
        created_at: Option<f64>,
        sample_rate: f64,
    ) -> napi::Result<u32> {
        run(&env, || {
            let p = LoggedPrediction {
                prediction_id,
                role: Role::parse(&role).map_err(store_error)?,
                workflow_type,
                model_version,
                probability,
                features,
                created_at: time("createdAt", created_at)?.unwrap_or_else(now_ms),
                sample_rate,
            };
            p.validate().map_err(store_error)?;
            self.shared.queue(p)
        })
    }

    /// Record one prediction's outcome; returns its outcome id once committed.
    #[napi]
    pub fn record_outcome_sync(
        &self,
        env: Env,
        prediction_id: String,
        failed: bool,
        failure_type: Option<String>,
        recorded_at: Option<f64>,
    ) -> napi::Result<String> {
        let recorded_at = run(&env, || time("recordedAt", recorded_at))?;
        self.sync(
            &env,
            Op::RecordOutcome {
                prediction_id,
                failed,
                failure_type,
                recorded_at,
            },
        )
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn record_outcome(
        &self,
        env: Env,
        prediction_id: String,
        failed: bool,
        failure_type: Option<String>,
        recorded_at: Option<f64>,
    ) -> napi::Result<AsyncTask<EngineTask<StoreWork>>> {
        let recorded_at = run(&env, || time("recordedAt", recorded_at))?;
        Ok(self.task(Op::RecordOutcome {
            prediction_id,
            failed,
            failure_type,
            recorded_at,
        }))
    }

    /// Write `{ outcomes, events }` (JSON) in one transaction with the queued predictions.
    #[napi]
    pub fn write_sync(&self, env: Env, batch: String) -> napi::Result<String> {
        self.sync(&env, Op::Write(batch))
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn write(&self, batch: String) -> AsyncTask<EngineTask<StoreWork>> {
        self.task(Op::Write(batch))
    }

    /// Write the queued predictions; returns how many were new.
    #[napi]
    pub fn flush_sync(&self, env: Env) -> napi::Result<String> {
        self.sync(&env, Op::Flush)
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn flush(&self) -> AsyncTask<EngineTask<StoreWork>> {
        self.task(Op::Flush)
    }

    /// Answer a JSON request (see `analysis.rs`) with JSON.
    #[napi]
    pub fn query_sync(&self, env: Env, request: String) -> napi::Result<String> {
        self.sync(&env, Op::Query(request))
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn query(&self, request: String) -> AsyncTask<EngineTask<StoreWork>> {
        self.task(Op::Query(request))
    }

    /// Export the outcomes as training JSONL to `path`; `filter` is JSON.
    #[napi]
    pub fn export_jsonl_sync(
        &self,
        env: Env,
        path: String,
        filter: String,
    ) -> napi::Result<String> {
        self.sync(&env, Op::Export { path, filter })
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn export_jsonl(&self, path: String, filter: String) -> AsyncTask<EngineTask<StoreWork>> {
        self.task(Op::Export { path, filter })
    }

    /// Enforce the retention bounds now.
    #[napi]
    pub fn prune_sync(&self, env: Env) -> napi::Result<String> {
        self.sync(&env, Op::Prune)
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn prune(&self) -> AsyncTask<EngineTask<StoreWork>> {
        self.task(Op::Prune)
    }

    /// Write the queued predictions and close the connection.
    #[napi]
    pub fn close_sync(&self, env: Env) -> napi::Result<String> {
        self.sync(&env, Op::Close)
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn close(&self) -> AsyncTask<EngineTask<StoreWork>> {
        self.task(Op::Close)
    }
}
