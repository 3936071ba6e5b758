//! Step: the model file and the per-workflow result, recording the choice,
//! every candidate family's scores, and which rows the metrics come from.

use std::collections::BTreeMap;

use serde_json::json;

use super::calibrate::Method;
use super::data::Dataset;
use super::evaluate::Evaluation;
use super::fitting::CrossValidation;
use super::prepare::Prepared;
use super::report_rows::ReportRows;
use super::{TrainSettings, WorkflowResult};
use crate::calibration::Calibration;
use crate::family::Fitted;
use crate::model::ModelFile;
use crate::schema::Workflow;

/// What the pipeline chose for one workflow.
#[derive(Debug, Clone)]
pub struct Choice {
    pub model_type: &'static str,
    pub calibration_method: Method,
    /// The calibration still applied after the model (a Platt scaling the
    /// family absorbed into its parameters is not).
    pub calibration: Option<Calibration>,
    /// The chosen family's calibrated out-of-fold log-loss.
    pub cv_log_loss: f64,
    pub folds: usize,
    /// `"out-of-fold"` or `"time-holdout"`.
    pub plan_rows: &'static str,
    pub evaluated_rows: usize,
    pub threshold: f64,
}

/// One candidate family: its cross-validation, the cross-fitted log-loss
/// of each calibration method and the method kept, or why it was not tried.
#[derive(Debug, Clone)]
pub struct FamilyScore {
    pub model_type: &'static str,
    pub outcome: std::result::Result<(CrossValidation, [f64; 3], Method), String>,
}

impl FamilyScore {
    pub fn to_json(&self) -> serde_json::Value {
        match &self.outcome {
            Ok((cv, scores, method)) => json!({
                "modelType": self.model_type,
                "chosen": cv.chosen,
                "cvLogLoss": cv.log_loss,
                "calibration": method.as_str(),
                "calibrationLogLoss": Method::ALL.iter().zip(scores).map(|(m, s)| (m.as_str().to_string(), json!(s))).collect::<serde_json::Map<_, _>>(),
                "candidates": cv.candidates.iter().map(|c| json!({ "params": c.params, "cvLogLoss": c.log_loss })).collect::<Vec<_>>(),
            }),
            Err(reason) => json!({ "modelType": self.model_type, "notTried": reason }),
        }
    }
}

/// How the model was selected, as the file and the report state it.
pub const SELECTION_RULE: &str = "per workflow: each family chooses its hyperparameters by the lowest out-of-fold log-loss over the choosing rows (stratified k-fold); each family's out-of-fold probabilities are calibrated (none, Platt or isotonic, by cross-fitted log-loss on the same folds, kept only if it gains at least 1e-4 nats; a Platt slope is never negative); the family with the lowest calibrated out-of-fold log-loss is refitted on all rows";

#[allow(clippy::too_many_arguments)]
pub fn result(
    w: &'static Workflow,
    prepared: &Prepared,
    dataset: &Dataset,
    settings: &TrainSettings,
    shipped: Fitted,
    choice: Choice,
    scores: Vec<FamilyScore>,
    evaluation: Evaluation,
    report_rows: ReportRows,
) -> WorkflowResult {
    let m = &evaluation.metrics;
    let names: Vec<String> = w.feature_names().map(str::to_string).collect();
    let by_name = |values: &[f64]| -> BTreeMap<String, f64> {
        names.iter().cloned().zip(values.iter().copied()).collect()
    };
    let parts = shipped.model.to_file();
    let absent = dataset.absent_features();
    let omitted: BTreeMap<&str, usize> = prepared.omitted.iter().copied().collect();
    let mut extra = parts.extra;
    extra.insert("prAuc".to_string(), json!(m.pr_auc));
    extra.insert(
        "aucInterval".to_string(),
        json!(evaluation.auc_interval.map(|(lo, hi)| [lo, hi])),
    );
    if let Some(reason) = &evaluation.verdict_reason {
        extra.insert("verdictReason".to_string(), json!(reason));
    }
    if let Some(test) = &evaluation.null_test {
        extra.insert("permutationTest".to_string(), test.to_json());
    }
    if !absent.is_empty() {
        extra.insert("absentFeatures".to_string(), json!(absent));
    }
    if !omitted.is_empty() {
        extra.insert("omittedFields".to_string(), json!(omitted));
    }
    extra.insert(
        "evaluation".to_string(),
        json!({ "rows": choice.plan_rows, "count": choice.evaluated_rows }),
    );
    extra.insert(
        "selection".to_string(),
        json!({
            "rule": SELECTION_RULE,
            "modelType": choice.model_type,
            "calibration": choice.calibration_method.as_str(),
            "cvLogLoss": choice.cv_log_loss,
            "families": scores.iter().map(FamilyScore::to_json).collect::<Vec<_>>(),
        }),
    );
    let mut hyperparameters = shipped.hyperparameters;
    if let Some(h) = hyperparameters.as_object_mut() {
        h.insert("folds".to_string(), json!(choice.folds));
        h.insert("cvLogLoss".to_string(), json!(choice.cv_log_loss));
    }
    let model = ModelFile {
        workflow_type: w.workflow_type().to_string(),
        weights: by_name(&parts.weights),
        bias: parts.bias,
        feature_names: names.clone(),
        trained_at: settings.trained_at.clone(),
        accuracy: m.accuracy,
        precision: m.precision,
        recall: m.recall,
        f1_score: m.f1,
        training_size: prepared.len(),
        validation_size: choice.evaluated_rows,
        model_type: Some(choice.model_type.to_string()),
        calibration: choice.calibration.clone(),
        threshold: Some(choice.threshold),
        feature_means: Some(by_name(&prepared.means)),
        auc: m.auc,
        log_loss: Some(m.log_loss),
        brier: Some(m.brier),
        ece: Some(m.ece),
        baseline_accuracy: Some(m.baseline_accuracy),
        bayes: evaluation
            .bayes
            .as_ref()
            .map(super::metrics::Metrics::to_json),
        verdict: Some(evaluation.verdict.as_str().to_string()),
        hyperparameters: Some(hyperparameters.clone()),
        seed: Some(settings.seed),
        engine_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        extra,
    };
    WorkflowResult {
        workflow_type: w.workflow_type(),
        scenarios: prepared.len(),
        training_size: prepared.len(),
        validation_size: choice.evaluated_rows,
        evaluation_rows: choice.plan_rows,
        failure_rate: prepared.positives as f64 / prepared.len() as f64,
        metrics: evaluation.metrics.clone(),
        bayes: evaluation.bayes.clone(),
        auc_interval: evaluation.auc_interval,
        verdict: evaluation.verdict.as_str(),
        verdict_reason: evaluation.verdict_reason.clone(),
        permutation_test: evaluation.null_test,
        model_type: choice.model_type,
        calibration: choice.calibration_method.as_str(),
        folds: choice.folds,
        cv_log_loss: choice.cv_log_loss,
        families: scores,
        hyperparameters,
        absent_features: absent,
        omitted_fields: prepared.omitted.clone(),
        model,
        report_rows,
    }
}
