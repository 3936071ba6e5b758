//! The live report's data, gathered from the outcome store: per workflow
//! and model version (champion, and a shadowed challenger), the logged
//! predictions of the window with their recorded outcomes, and the drift of
//! the champion's traffic against the model file's reference histograms
//! (found in the models directory by model version). The engine renders
//! the page (`html_report::live`); this module only collects and passes.

use std::collections::BTreeMap;
use std::path::Path;

use dawg_ml_store::{Role, ScoredRow, Store};
use serde_json::{json, Value};

use crate::analysis::{measure_drift, query, store_error, DriftOutcome, WindowJson};
use crate::error::{EngineError, Result};
use crate::html_report::live::{
    render, Drift, LiveReportInput, LiveVersion, LiveWorkflow, MeasuredDrift,
};
use crate::model::write_atomic;
use crate::monitor::known_models::{known_models, KnownModel};
use crate::monitor::IntervalOptions;
use crate::schema::all_workflows;

/// What `dawg-ml report --live` (or `store.renderLiveReport`) asks for.
pub struct LiveReportRequest {
    pub models_dir: String,
    /// Only this workflow (a known type, checked by the caller); `None`: all.
    pub workflow_type: Option<String>,
    pub window: WindowJson,
    /// Said in the report's window line, e.g. "the newest 500 predictions".
    pub window_said: String,
    /// Where to write the page (atomically); `None` returns it.
    pub out: Option<String>,
    /// When the report was made, as the caller names it.
    pub generated_at: String,
    pub threshold: f64,
    pub baseline_rows: u64,
}

fn drift_of(
    store: &Store,
    version: &str,
    workflow_type: &str,
    known: Option<&KnownModel>,
    r: &LiveReportRequest,
) -> Result<Drift> {
    if let Some(problem) = known.and_then(|k| k.reference_problem.as_ref()) {
        return Ok(Drift::Unavailable(format!(
            "The model file's reference histograms could not be read ({problem}), so drift is not measured."
        )));
    }
    let reference = known.and_then(|k| k.reference.clone());
    Ok(
        match measure_drift(
            store,
            workflow_type,
            version,
            reference,
            r.baseline_rows,
            &r.window,
            r.threshold,
        )? {
            DriftOutcome::NoReference { reason, .. } => Drift::Unavailable(format!(
                "Drift is not measured: {reason}."
            )),
            DriftOutcome::Measured {
                report,
                source,
                reference_rows,
                rows_without_features,
            } => Drift::Measured(MeasuredDrift {
                report,
                reference: match source {
                    "model" => {
                        format!("the reference histograms of the model's {reference_rows} training rows")
                    }
                    _ => format!(
                        "a baseline of this version's first {reference_rows} logged predictions (the model file stores no reference histograms)"
                    ),
                },
                rows_without_features,
            }),
        },
    )
}

/// The groups of `rows` by (workflow, model version), in schema order and
/// then by first prediction, as `liveMetrics` orders them.
fn groups(rows: Vec<ScoredRow>) -> BTreeMap<String, Vec<(String, Vec<ScoredRow>)>> {
    let mut by: BTreeMap<(String, String), Vec<ScoredRow>> = BTreeMap::new();
    for r in rows {
        by.entry((r.workflow_type.clone(), r.model_version.clone()))
            .or_default()
            .push(r);
    }
    let mut out: BTreeMap<String, Vec<(String, Vec<ScoredRow>)>> = BTreeMap::new();
    for ((workflow_type, version), rows) in by {
        out.entry(workflow_type).or_default().push((version, rows));
    }
    for versions in out.values_mut() {
        versions.sort_by_key(|(_, rows)| rows.iter().map(|r| r.created_at).min().unwrap_or(0));
    }
    out
}

fn version_of(
    store: &Store,
    role: Role,
    workflow_type: &str,
    version: String,
    rows: &[ScoredRow],
    known: &BTreeMap<String, KnownModel>,
    r: &LiveReportRequest,
) -> Result<LiveVersion> {
    let labelled: Vec<&ScoredRow> = rows.iter().filter(|x| x.failed.is_some()).collect();
    let k = known.get(&version);
    let drift = match role {
        Role::Champion => drift_of(store, &version, workflow_type, k, r)?,
        Role::Challenger => Drift::Unavailable(
            "A challenger scores the champion's runs in shadow: their drift is in the champion's section.".to_string(),
        ),
    };
    Ok(LiveVersion {
        known_as: k.map(|k| k.known_as.clone()),
        role: match role {
            Role::Champion => "champion",
            Role::Challenger => "challenger",
        }
        .to_string(),
        predictions: rows.len(),
        probabilities: labelled.iter().map(|x| x.probability).collect(),
        outcomes: labelled.iter().map(|x| x.failed == Some(true)).collect(),
        drift,
        model_version: version,
    })
}

/// The report's input.
pub fn input(store: &Store, r: &LiveReportRequest) -> Result<LiveReportInput> {
    let known = known_models(Path::new(&r.models_dir))?;
    let mut by_role = Vec::new();
    for role in [Role::Champion, Role::Challenger] {
        let rows = store
            .predictions(&query(
                Some(role),
                r.workflow_type.clone(),
                None,
                &r.window,
                false,
            ))
            .map_err(store_error)?;
        by_role.push((role, groups(rows)));
    }
    let mut workflows = Vec::new();
    let shown = |t: &str| r.workflow_type.as_deref().is_none_or(|only| only == t);
    for w in all_workflows().iter().filter(|w| shown(w.workflow_type())) {
        let mut versions = Vec::new();
        for (role, groups) in &by_role {
            for (version, rows) in groups.get(w.workflow_type()).into_iter().flatten() {
                versions.push(version_of(
                    store,
                    *role,
                    w.workflow_type(),
                    version.clone(),
                    rows,
                    &known,
                    r,
                )?);
            }
        }
        workflows.push(LiveWorkflow {
            workflow_type: w.workflow_type().to_string(),
            display_name: w.schema.display_name.to_string(),
            versions,
        });
    }
    Ok(LiveReportInput {
        title: "Live report".to_string(),
        generated: format!(
            "Generated by dawg-ml-engine {} at {}.",
            env!("CARGO_PKG_VERSION"),
            r.generated_at
        ),
        sources: format!(
            "Outcome store {}; models {}; window: {}{}.",
            store.path().display(),
            r.models_dir,
            r.window_said,
            match &r.workflow_type {
                Some(t) => format!("; workflow: {t} only"),
                None => String::new(),
            }
        ),
        interval: IntervalOptions::default(),
        workflows,
    })
}

/// Render the report; write it to `out` when asked. Answers with what it
/// shows: per workflow, its versions with their prediction and outcome
/// counts (and the page itself when not written).
pub fn answer(store: &Store, r: LiveReportRequest) -> Result<Value> {
    let input = input(store, &r)?;
    let html = render(&input);
    let workflows: Vec<Value> = input
        .workflows
        .iter()
        .map(|w| {
            json!({
                "workflowType": w.workflow_type,
                "versions": w.versions.iter().map(|v| json!({
                    "modelVersion": v.model_version,
                    "role": v.role,
                    "knownAs": v.known_as,
                    "predictions": v.predictions,
                    "labelled": v.outcomes.len(),
                    "drifted": match &v.drift { Drift::Measured(d) => json!(d.report.drifted), Drift::Unavailable(_) => Value::Null },
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    match r.out {
        Some(out) => {
            if out.is_empty() {
                return Err(EngineError::InvalidArgument {
                    name: "out".to_string(),
                    reason: "expected a file path".to_string(),
                });
            }
            write_atomic(Path::new(&out), html.as_bytes())?;
            Ok(json!({ "path": out, "bytes": html.len(), "workflows": workflows }))
        }
        None => Ok(json!({ "html": html, "workflows": workflows })),
    }
}
