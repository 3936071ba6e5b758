//! Requests against the outcome store's rows, answered with the engine's
//! monitor: live metrics, drift, the promotion and degradation tests, and
//! plain reads. A request is JSON (`{ "op": ..., ... }`), and so is the
//! answer, which the JS layer parses in the caller's realm. Pure Rust over a
//! `Store`: no JavaScript here, so `cargo test` covers it.

use std::collections::BTreeMap;

use dawg_ml_store::{PairQuery, PredictionQuery, Role, ScoredRow, Store, Window};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{EngineError, Result};
use crate::errors::JsNumber;
use crate::features::{record_from_json, vectorise};
use crate::monitor::{
    degradation_test, drift, expected, live_metrics, promotion_test, DegradationRule,
    IntervalOptions, PromotionRule, Reference,
};
use crate::schema::{all_workflows, find_workflow};

/// The most bootstrap resamples one `liveMetrics` call takes (each is a pass
/// over the window's predictions).
const MAX_RESAMPLES: usize = 10_000;

/// A store error as an engine error, keeping its code.
pub fn store_error(e: dawg_ml_store::StoreError) -> EngineError {
    EngineError::Component {
        code: e.code(),
        message: e.to_string(),
        type_error: e.is_type_error(),
    }
}

fn invalid(name: &str, reason: impl Into<String>) -> EngineError {
    EngineError::InvalidArgument {
        name: name.to_string(),
        reason: reason.into(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowJson {
    last: Option<u64>,
    first: Option<u64>,
    since: Option<i64>,
    until: Option<i64>,
    /// Only predictions whose outcome is recorded.
    #[serde(default)]
    labelled: bool,
}

impl WindowJson {
    pub(crate) fn window(&self) -> Window {
        Window {
            last: self.last,
            first: self.first,
            since: self.since,
            until: self.until,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleJson {
    margin: Option<f64>,
    min_pairs: Option<usize>,
    min_rows: Option<usize>,
    alpha: Option<f64>,
}

fn check_share(name: &str, x: f64) -> Result<f64> {
    if x.is_finite() && x > 0.0 && x < 1.0 {
        Ok(x)
    } else {
        Err(invalid(
            name,
            format!("expected a number in (0, 1), received {}", JsNumber(x)),
        ))
    }
}

fn check_margin(name: &str, x: f64) -> Result<f64> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(invalid(
            name,
            format!("expected a finite number ≥ 0, received {}", JsNumber(x)),
        ))
    }
}

impl RuleJson {
    fn promotion(&self) -> Result<PromotionRule> {
        let d = PromotionRule::default();
        Ok(PromotionRule {
            margin: check_margin("rule.margin", self.margin.unwrap_or(d.margin))?,
            min_pairs: self.min_pairs.unwrap_or(d.min_pairs).max(2),
            alpha: check_share("rule.alpha", self.alpha.unwrap_or(d.alpha))?,
        })
    }

    fn degradation(&self) -> Result<DegradationRule> {
        let d = DegradationRule::default();
        Ok(DegradationRule {
            margin: check_margin("rule.margin", self.margin.unwrap_or(d.margin))?,
            min_rows: self.min_rows.unwrap_or(d.min_rows).max(2),
            alpha: check_share("rule.alpha", self.alpha.unwrap_or(d.alpha))?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum Request {
    /// Metrics per workflow and model version over the window.
    #[serde(rename_all = "camelCase")]
    LiveMetrics {
        workflow_type: Option<String>,
        #[serde(default)]
        role: Option<Role>,
        model_versions: Option<Vec<String>>,
        #[serde(default)]
        window: WindowJson,
        /// Bootstrap resamples of the AUC interval (default 1000, 0 for none).
        resamples: Option<usize>,
        seed: Option<u64>,
    },
    /// PSI of one workflow and model version's live traffic.
    #[serde(rename_all = "camelCase")]
    Drift {
        workflow_type: String,
        model_version: String,
        /// The model file's `reference`, or null for a baseline of the
        /// version's own first logged predictions.
        reference: Option<Value>,
        baseline_rows: Option<u64>,
        #[serde(default)]
        window: WindowJson,
        threshold: Option<f64>,
    },
    #[serde(rename_all = "camelCase")]
    PromotionTest {
        workflow_type: Option<String>,
        champion_versions: Option<Vec<String>>,
        challenger_versions: Option<Vec<String>>,
        #[serde(default)]
        window: WindowJson,
        #[serde(default)]
        rule: RuleJson,
    },
    #[serde(rename_all = "camelCase")]
    DegradationTest {
        workflow_type: Option<String>,
        model_versions: Option<Vec<String>>,
        /// The log-loss the models were expected to have.
        reference: f64,
        #[serde(default)]
        window: WindowJson,
        #[serde(default)]
        rule: RuleJson,
    },
    #[serde(rename_all = "camelCase")]
    Predictions {
        #[serde(default)]
        role: Option<Role>,
        workflow_type: Option<String>,
        model_versions: Option<Vec<String>>,
        #[serde(default)]
        window: WindowJson,
        #[serde(default)]
        with_features: bool,
    },
    /// The recorded outcomes of these predictions (those that have one).
    #[serde(rename_all = "camelCase")]
    Outcomes {
        prediction_ids: Vec<String>,
    },
    /// The live report page (see `live_report.rs`).
    #[serde(rename_all = "camelCase")]
    LiveReport {
        models_dir: String,
        /// Only this workflow's section (default: every workflow).
        workflow_type: Option<String>,
        #[serde(default)]
        window: WindowJson,
        window_said: Option<String>,
        out: Option<String>,
        generated_at: String,
        threshold: Option<f64>,
        baseline_rows: Option<u64>,
    },
    Summary,
    Counts,
    #[serde(rename_all = "camelCase")]
    Events {
        kind: Option<String>,
        last: Option<u64>,
    },
}

pub fn parse_request(text: &str) -> Result<Request> {
    serde_json::from_str(text).map_err(|e| invalid("request", e.to_string()))
}

pub(crate) fn query(
    role: Option<Role>,
    workflow_type: Option<String>,
    model_versions: Option<Vec<String>>,
    window: &WindowJson,
    with_features: bool,
) -> PredictionQuery {
    PredictionQuery {
        role: role.unwrap_or(Role::Champion),
        workflow_type,
        model_versions,
        window: window.window(),
        labelled_only: window.labelled,
        with_features,
    }
}

fn check_workflow(name: &str, workflow_type: &Option<String>) -> Result<()> {
    match workflow_type {
        Some(t) if find_workflow(t).is_none() => Err(EngineError::UnknownWorkflow {
            received: t.clone(),
            expected: crate::schema::workflow_types()
                .collect::<Vec<_>>()
                .join(", "),
        })
        .map_err(|e| invalid(name, e.to_string())),
        _ => Ok(()),
    }
}

/// Answer `request` from `store`, as JSON.
pub fn answer(store: &Store, request: Request) -> Result<Value> {
    match request {
        Request::LiveMetrics {
            workflow_type,
            role,
            model_versions,
            window,
            resamples,
            seed,
        } => {
            check_workflow("workflowType", &workflow_type)?;
            let rows = store
                .predictions(&query(role, workflow_type, model_versions, &window, false))
                .map_err(store_error)?;
            let resamples = resamples.unwrap_or(IntervalOptions::default().resamples);
            if resamples > MAX_RESAMPLES {
                return Err(invalid(
                    "resamples",
                    format!("expected at most {MAX_RESAMPLES}, received {resamples}"),
                ));
            }
            let interval = IntervalOptions {
                resamples,
                seed: seed.unwrap_or(IntervalOptions::default().seed),
            };
            Ok(json!({ "groups": metrics_by_group(&rows, interval) }))
        }
        Request::Drift {
            workflow_type,
            model_version,
            reference,
            baseline_rows,
            window,
            threshold,
        } => drift_of(
            store,
            &workflow_type,
            &model_version,
            reference,
            baseline_rows.unwrap_or(500),
            &window,
            threshold.unwrap_or(0.25),
        ),
        Request::PromotionTest {
            workflow_type,
            champion_versions,
            challenger_versions,
            window,
            rule,
        } => {
            check_workflow("workflowType", &workflow_type)?;
            let rule = rule.promotion()?;
            let pairs = store
                .paired(&PairQuery {
                    workflow_type,
                    champion_versions,
                    challenger_versions,
                    window: window.window(),
                })
                .map_err(store_error)?;
            // A workflow the challenger inherited unchanged scores the same:
            // its pairs say nothing about which version is better.
            let (changed, unchanged): (Vec<_>, Vec<_>) = pairs
                .iter()
                .partition(|p| p.champion_version != p.challenger_version);
            let test = |rows: &[&dawg_ml_store::PairedRow]| {
                let c: Vec<f64> = rows.iter().map(|p| p.champion_probability).collect();
                let s: Vec<f64> = rows.iter().map(|p| p.challenger_probability).collect();
                let y: Vec<bool> = rows.iter().map(|p| p.failed).collect();
                promotion_test(&c, &s, &y, rule)
            };
            let mut by_workflow = Vec::new();
            for w in all_workflows() {
                let rows: Vec<&dawg_ml_store::PairedRow> = changed
                    .iter()
                    .copied()
                    .filter(|p| p.workflow_type == w.workflow_type())
                    .collect();
                if !rows.is_empty() {
                    by_workflow
                        .push(json!({ "workflowType": w.workflow_type(), "test": test(&rows) }));
                }
            }
            Ok(json!({
                "overall": test(&changed),
                "unchangedPairs": unchanged.len(),
                "byWorkflow": by_workflow,
            }))
        }
        Request::DegradationTest {
            workflow_type,
            model_versions,
            reference,
            mut window,
            rule,
        } => {
            check_workflow("workflowType", &workflow_type)?;
            if !(reference.is_finite() && reference >= 0.0) {
                return Err(invalid(
                    "reference",
                    format!("expected a log-loss ≥ 0, received {}", JsNumber(reference)),
                ));
            }
            let rule = rule.degradation()?;
            window.labelled = true;
            let rows = store
                .predictions(&query(None, workflow_type, model_versions, &window, false))
                .map_err(store_error)?;
            let p: Vec<f64> = rows.iter().map(|r| r.probability).collect();
            let y: Vec<bool> = rows.iter().map(|r| r.failed.unwrap_or(false)).collect();
            Ok(
                serde_json::to_value(degradation_test(&p, &y, reference, rule))
                    .map_err(|e| EngineError::Internal(e.to_string()))?,
            )
        }
        Request::Predictions {
            role,
            workflow_type,
            model_versions,
            window,
            with_features,
        } => {
            let rows = store
                .predictions(&query(
                    role,
                    workflow_type,
                    model_versions,
                    &window,
                    with_features,
                ))
                .map_err(store_error)?;
            Ok(json!({ "rows": rows }))
        }
        Request::Outcomes { prediction_ids } => {
            if prediction_ids.len() > 100_000 {
                return Err(invalid(
                    "predictionIds",
                    format!(
                        "at most 100,000 per call, received {}",
                        prediction_ids.len()
                    ),
                ));
            }
            let mut found = serde_json::Map::new();
            for id in prediction_ids {
                if let Some(o) = store.outcome(&id).map_err(store_error)? {
                    found.insert(
                        id,
                        serde_json::to_value(o)
                            .map_err(|e| EngineError::Internal(e.to_string()))?,
                    );
                }
            }
            Ok(json!({ "outcomes": found }))
        }
        Request::LiveReport {
            models_dir,
            workflow_type,
            window,
            window_said,
            out,
            generated_at,
            threshold,
            baseline_rows,
        } => {
            if models_dir.is_empty() {
                return Err(invalid("modelsDir", "expected a models directory"));
            }
            check_workflow("workflowType", &workflow_type)?;
            let baseline_rows = baseline_rows.unwrap_or(500);
            if baseline_rows < 2 {
                return Err(invalid(
                    "baselineRows",
                    format!("expected at least 2, received {baseline_rows}"),
                ));
            }
            crate::live_report::answer(
                store,
                crate::live_report::LiveReportRequest {
                    models_dir,
                    workflow_type,
                    window_said: window_said
                        .unwrap_or_else(|| "every logged prediction".to_string()),
                    window,
                    out,
                    generated_at,
                    threshold: threshold.unwrap_or(0.25),
                    baseline_rows,
                },
            )
        }
        Request::Summary => Ok(json!({ "groups": store.summary().map_err(store_error)? })),
        Request::Counts => Ok(serde_json::to_value(store.counts().map_err(store_error)?)
            .map_err(|e| EngineError::Internal(e.to_string()))?),
        Request::Events { kind, last } => {
            let events = store.events(kind.as_deref(), last).map_err(store_error)?;
            let events: Vec<Value> = events
                .into_iter()
                .map(|e| {
                    json!({
                        "eventId": e.event_id, "kind": e.kind, "workflowType": e.workflow_type,
                        "modelVersion": e.model_version, "createdAt": e.created_at,
                        "figures": serde_json::from_str::<Value>(&e.figures).unwrap_or(Value::Null),
                    })
                })
                .collect();
            Ok(json!({ "events": events }))
        }
    }
}

/// Metrics of each (workflow, model version) in `rows`: over the labelled
/// rows, plus what the probabilities of all rows lead to expect.
fn metrics_by_group(rows: &[ScoredRow], interval: IntervalOptions) -> Vec<Value> {
    let mut groups: BTreeMap<(usize, String), Vec<&ScoredRow>> = BTreeMap::new();
    for r in rows {
        let order = find_workflow(&r.workflow_type).map_or(usize::MAX, |w| w.index);
        groups
            .entry((order, r.model_version.clone()))
            .or_default()
            .push(r);
    }
    let mut out: Vec<(i64, usize, Value)> = groups
        .into_iter()
        .map(|((order, version), rows)| {
            let labelled: Vec<&&ScoredRow> = rows.iter().filter(|r| r.failed.is_some()).collect();
            let p: Vec<f64> = labelled.iter().map(|r| r.probability).collect();
            let y: Vec<bool> = labelled.iter().map(|r| r.failed == Some(true)).collect();
            let all: Vec<f64> = rows.iter().map(|r| r.probability).collect();
            let first = rows.iter().map(|r| r.created_at).min().unwrap_or(0);
            let last = rows.iter().map(|r| r.created_at).max().unwrap_or(0);
            let value = json!({
                "workflowType": rows[0].workflow_type,
                "modelVersion": version,
                "predictions": rows.len(),
                "labelled": labelled.len(),
                "firstAt": first,
                "lastAt": last,
                "metrics": live_metrics(&p, &y, interval),
                "expected": expected(&all),
            });
            (first, order, value)
        })
        .collect();
    out.sort_by_key(|(first, order, _)| (*order, *first));
    out.into_iter().map(|(_, _, v)| v).collect()
}

/// The vectors (and probabilities) of rows whose features parse; the count of those that did not.
fn vectors_of(
    rows: &[ScoredRow],
    workflow: &'static crate::schema::Workflow,
) -> (Vec<Vec<f64>>, Vec<f64>, usize) {
    let mut vectors = Vec::with_capacity(rows.len());
    let mut scores = Vec::with_capacity(rows.len());
    let mut unusable = 0;
    for r in rows {
        let parsed = r
            .features
            .as_deref()
            .and_then(|f| serde_json::from_str::<Value>(f).ok())
            .and_then(|v| record_from_json(&v, false).ok())
            .filter(|(w, _)| w.index == workflow.index);
        match parsed {
            Some((w, record)) => {
                vectors.push(vectorise(w, &record, None));
                scores.push(r.probability);
            }
            None => unusable += 1,
        }
    }
    (vectors, scores, unusable)
}

/// A drift measurement, or why there is none.
pub enum DriftOutcome {
    Measured {
        report: crate::monitor::DriftReport,
        /// "model" (the file's reference) or "baseline" (the version's first logged predictions).
        source: &'static str,
        reference_rows: usize,
        rows_without_features: usize,
    },
    NoReference {
        threshold: f64,
        reason: &'static str,
    },
}

fn drift_of(
    store: &Store,
    workflow_type: &str,
    model_version: &str,
    reference: Option<Value>,
    baseline_rows: u64,
    window: &WindowJson,
    threshold: f64,
) -> Result<Value> {
    let reference = match reference {
        Some(v) if !v.is_null() => Some(Reference::from_value(&v)?),
        _ => None,
    };
    let outcome = measure_drift(
        store,
        workflow_type,
        model_version,
        reference,
        baseline_rows,
        window,
        threshold,
    )?;
    Ok(match outcome {
        DriftOutcome::NoReference { threshold, reason } => json!({
            "rows": 0, "scorePsi": null, "features": [], "threshold": threshold, "drifted": [],
            "referenceSource": "none",
            "reason": reason,
        }),
        DriftOutcome::Measured {
            report,
            source,
            reference_rows,
            rows_without_features,
        } => {
            let mut value =
                serde_json::to_value(report).map_err(|e| EngineError::Internal(e.to_string()))?;
            value["referenceSource"] = json!(source);
            value["referenceRows"] = json!(reference_rows);
            value["rowsWithoutFeatures"] = json!(rows_without_features);
            value
        }
    })
}

/// PSI of one workflow and model version's champion traffic in `window`
/// against `reference`, or, without one, against a baseline of the
/// version's first `baseline_rows` logged predictions with features.
pub fn measure_drift(
    store: &Store,
    workflow_type: &str,
    model_version: &str,
    reference: Option<Reference>,
    baseline_rows: u64,
    window: &WindowJson,
    threshold: f64,
) -> Result<DriftOutcome> {
    let workflow = find_workflow(workflow_type).ok_or_else(|| {
        invalid(
            "workflowType",
            format!("unknown workflow type '{workflow_type}'"),
        )
    })?;
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(invalid(
            "threshold",
            format!("expected a PSI > 0, received {threshold}"),
        ));
    }
    let versions = Some(vec![model_version.to_string()]);
    let (reference, source, skip_baseline) = match reference {
        Some(r) => (r, "model", None),
        None => {
            if baseline_rows < 2 {
                return Err(invalid(
                    "baselineRows",
                    format!("expected at least 2, received {baseline_rows}"),
                ));
            }
            let baseline = store
                .predictions(&query(
                    None,
                    Some(workflow_type.to_string()),
                    versions.clone(),
                    &WindowJson {
                        first: Some(baseline_rows),
                        ..WindowJson::default()
                    },
                    true,
                ))
                .map_err(store_error)?;
            let (vectors, scores, _) = vectors_of(&baseline, workflow);
            if vectors.len() < 2 {
                return Ok(DriftOutcome::NoReference {
                    threshold,
                    reason: "no reference histograms in the model file, and fewer than 2 logged predictions with features to build a baseline from",
                });
            }
            let refs: Vec<&[f64]> = vectors.iter().map(Vec::as_slice).collect();
            // The baseline's own rows are not compared with themselves.
            let last_baseline = baseline.last().map(|r| r.created_at);
            (
                Reference::from_rows(
                    workflow,
                    &refs,
                    &scores,
                    crate::monitor::drift::DEFAULT_BINS,
                ),
                "baseline",
                last_baseline,
            )
        }
    };
    let mut live_window = window.window();
    if let Some(after) = skip_baseline {
        live_window.since = Some(live_window.since.map_or(after + 1, |s| s.max(after + 1)));
    }
    let live = store
        .predictions(&PredictionQuery {
            role: Role::Champion,
            workflow_type: Some(workflow_type.to_string()),
            model_versions: versions,
            window: live_window,
            labelled_only: window.labelled,
            with_features: true,
        })
        .map_err(store_error)?;
    let (vectors, scores, unusable) = vectors_of(&live, workflow);
    let refs: Vec<&[f64]> = vectors.iter().map(Vec::as_slice).collect();
    Ok(DriftOutcome::Measured {
        report: drift(&reference, workflow, &refs, &scores, threshold),
        source,
        reference_rows: reference.rows,
        rows_without_features: unusable,
    })
}

#[cfg(test)]
mod tests;
