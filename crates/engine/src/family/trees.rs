//! The boosted-trees family: gradient-boosted trees for logistic loss
//! (`crate::gbdt`) on the raw fields, without the vector's caps.
//!
//! Features: the workflow's `model_fields` in field order (numbers as they
//! are, booleans 0/1, enums as the index of their value); an omitted field is
//! missing (`NaN`) and takes the branch each split learnt for missing values.
//! Fields with a known direction (`Workflow::monotone`) are constrained to it.
//!
//! Explanations are exact path-dependent TreeSHAP values per raw field, in
//! log-odds, reported on the explanation slots (`Scorer::explain`):
//! - a field read by one vector entry: that entry's slot;
//! - an enum field read by several `EnumEquals` entries (ai-memory
//!   `operationType`): the whole contribution goes to the entry of the
//!   row's value, or to the field's first entry when no entry names that
//!   value (or the field is omitted), so the factor's value (0 or 1) says
//!   which value it is about and rules on those entries fire as before;
//! - a field no vector entry reads (freestyle `bufferSize`): its own slot
//!   after the vector's, reported under the field's name with its raw value.
//!
//! Model file: the trees in `trees` (the library's validated JSON form) and
//! the field layout in `modelFields`. The old fields stay: `weights` are all
//! 0 and `bias` is the model's expected log-odds, so the old engine, which
//! reads only those, predicts the model's average risk instead of failing.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde_json::json;

use super::{Attribution, Explanations, FileParts, Fitted, Fitter, Input, Model, Scorer};
use crate::error::{EngineError, Result};
use crate::features::RawRecord;
use crate::gbdt::{self, BinnedRows, BoostParams, BoostedTrees, FeatureMatrix};
use crate::model::ModelFile;
use crate::schema::failure_modes::Monotone;
use crate::schema::{FieldType, Normalisation, Workflow};
use crate::train::fitting::{
    check_cancel, Candidate, CrossValidation, FitContext, Folds, TrainingSet,
};
use crate::train::{metrics, TrainSettings};

pub const MODEL_TYPE: &str = "gradient-boosted-trees";

/// The logit is clamped as the logistic family's is.
const LOGIT_CLAMP: f64 = 100.0;
/// Every workflow has fewer raw fields than this (checked by a test).
const STACK_FIELDS: usize = 64;

/// Where one tree feature's contribution is reported.
#[derive(Debug, Clone, PartialEq)]
enum Route {
    /// An explanation slot (a vector entry, or the field's own slot).
    Slot(usize),
    /// An enum read by several entries: the entry of the row's value
    /// (`(value index, slot)`), else `fallback`.
    ByValue {
        entries: Vec<(usize, usize)>,
        fallback: usize,
    },
}

fn routes(workflow: &Workflow) -> Vec<Route> {
    let d = workflow.vector.len();
    workflow
        .model_fields
        .iter()
        .map(|&f| {
            let entries: Vec<usize> = workflow.entries_reading(f).collect();
            match entries.len() {
                0 => {
                    let k = workflow
                        .fields_outside_vector
                        .iter()
                        .position(|&g| g == f)
                        .expect("a field outside the vector");
                    Route::Slot(d + k)
                }
                1 => Route::Slot(entries[0]),
                _ => {
                    let values = match workflow.fields[f].ty {
                        FieldType::Enum(values) => values,
                        _ => &[],
                    };
                    Route::ByValue {
                        entries: entries
                            .iter()
                            .filter_map(|&e| match workflow.vector[e].normalisation {
                                Normalisation::EnumEquals(v) => {
                                    values.iter().position(|x| *x == v).map(|k| (k, e))
                                }
                                _ => None,
                            })
                            .collect(),
                        fallback: entries[0],
                    }
                }
            }
        })
        .collect()
}

/// The tree features of a record: its model fields, omitted ones `NaN`.
/// Without a record (rows of the old format) every field is missing.
fn features_into(workflow: &Workflow, record: Option<&RawRecord>, out: &mut [f64]) {
    for (o, &f) in out.iter_mut().zip(&workflow.model_fields) {
        *o = match record {
            Some(r) if !r.missing[f] => r.values[f],
            _ => f64::NAN,
        };
    }
}

/// A fitted boosted-trees model of one workflow.
#[derive(Debug, Clone)]
pub struct TreeModel {
    workflow: &'static Workflow,
    trees: BoostedTrees,
    routes: Vec<Route>,
}

impl PartialEq for TreeModel {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.workflow, other.workflow)
            && self.trees.base_score() == other.trees.base_score()
            && self.trees.trees() == other.trees.trees()
    }
}

impl TreeModel {
    fn new(workflow: &'static Workflow, trees: BoostedTrees) -> TreeModel {
        TreeModel {
            workflow,
            routes: routes(workflow),
            trees,
        }
    }

    pub fn trees(&self) -> &BoostedTrees {
        &self.trees
    }

    /// The names of the model's features, in tree-feature order.
    fn field_names(workflow: &Workflow) -> Vec<&'static str> {
        workflow
            .model_fields
            .iter()
            .map(|&f| workflow.fields[f].name)
            .collect()
    }

    pub fn from_file(
        workflow: &'static Workflow,
        file: &ModelFile,
    ) -> std::result::Result<TreeModel, String> {
        let names = Self::field_names(workflow);
        match file.extra.get("modelFields") {
            Some(v) if *v == json!(names) => {}
            Some(_) => {
                return Err(format!(
                    "modelFields do not match the {} fields this engine reads",
                    workflow.workflow_type()
                ))
            }
            None => return Err("a gradient-boosted-trees model needs modelFields".to_string()),
        }
        let value = file
            .extra
            .get("trees")
            .ok_or("a gradient-boosted-trees model needs trees")?;
        let trees: BoostedTrees =
            serde_json::from_value(value.clone()).map_err(|e| format!("trees: {e}"))?;
        if trees.feature_count() != names.len() {
            return Err(format!(
                "trees: featureCount {} for {} modelFields",
                trees.feature_count(),
                names.len()
            ));
        }
        trees.prepare_explanations();
        Ok(TreeModel::new(workflow, trees))
    }

    pub fn to_file(&self) -> FileParts {
        let mut extra = BTreeMap::new();
        extra.insert(
            "modelFields".to_string(),
            json!(Self::field_names(self.workflow)),
        );
        extra.insert(
            "trees".to_string(),
            serde_json::to_value(&self.trees).expect("a model of finite numbers serialises"),
        );
        FileParts {
            weights: vec![0.0; self.workflow.vector.len()],
            bias: self.trees.expected_value(),
            extra,
        }
    }

    /// The log-odds and the per-field contributions (tree-feature order) of an input.
    fn contributions(&self, input: Input, phi: &mut [f64]) -> f64 {
        let m = self.workflow.model_fields.len();
        let mut row = [0.0f64; STACK_FIELDS];
        features_into(self.workflow, input.record, &mut row[..m]);
        self.trees
            .contributions(&row[..m], phi)
            .expect("the row and the slots have the model's feature count")
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z.clamp(-LOGIT_CLAMP, LOGIT_CLAMP)).exp())
}

impl Scorer for TreeModel {
    fn probability(&self, input: Input) -> f64 {
        let mut phi = [0.0f64; STACK_FIELDS];
        sigmoid(self.contributions(input, &mut phi[..self.workflow.model_fields.len()]))
    }

    fn explain(&self, input: Input, out: &mut [Attribution]) {
        self.probability_and_explain(input, out);
    }

    fn probability_and_explain(&self, input: Input, out: &mut [Attribution]) -> f64 {
        let m = self.workflow.model_fields.len();
        let mut phi = [0.0f64; STACK_FIELDS];
        let z = self.contributions(input, &mut phi[..m]);
        out.fill(Attribution::default());
        for ((route, &c), &f) in self
            .routes
            .iter()
            .zip(&phi[..m])
            .zip(&self.workflow.model_fields)
        {
            let slot = match route {
                Route::Slot(s) => *s,
                Route::ByValue { entries, fallback } => input
                    .record
                    .filter(|r| !r.missing[f])
                    .and_then(|r| entries.iter().find(|(k, _)| *k == r.values[f] as usize))
                    .map_or(*fallback, |(_, e)| *e),
            };
            if let Some(a) = out.get_mut(slot) {
                a.contribution += c;
            }
        }
        sigmoid(z)
    }

    fn explanations(&self) -> Explanations {
        Explanations::Signed
    }

    fn linear(&self) -> Option<(&[f64], f64)> {
        None
    }
}

/// One configuration of the grid; the number of rounds is chosen by
/// cross-validation for each.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shape {
    max_leaves: usize,
    max_depth: usize,
    /// Distinct features per tree at most.
    max_features: usize,
    learning_rate: f64,
}

/// The configurations cross-validation chooses from. Small trees: their
/// exact contributions come from one table lookup per group of trees that
/// read the same features (`gbdt::cells`), which keeps `predict` within a
/// couple of microseconds.
const GRID: &[Shape] = &[
    Shape {
        max_leaves: 4,
        max_depth: 2,
        max_features: 3,
        learning_rate: 0.1,
    },
    Shape {
        max_leaves: 8,
        max_depth: 3,
        max_features: 3,
        learning_rate: 0.1,
    },
];
/// The grid of a workflow with `pipeline::LARGE_ROWS` rows or more: the larger shape
/// alone, at twice the learning rate. With that many rows the smaller trees
/// are no longer needed as a guard against overfitting (at 30,000 rows per
/// workflow they never beat the larger ones by more than 0.0005 nats of
/// out-of-fold log-loss), and each shape costs a fit per fold. The learning
/// rate 0.2 needs about half the rounds of 0.1; on both benchmark worlds at
/// 30,000 rows it changed the out-of-fold log-loss by -0.0003 to +0.0011
/// nats (benchmark/README.md, "Training speed").
const LARGE_GRID: &[Shape] = &[Shape {
    learning_rate: 0.2,
    ..GRID[1]
}];

/// The grid for a workflow of `rows` rows (all of them, whichever choose).
fn grid_for(rows: usize) -> &'static [Shape] {
    if rows >= crate::train::pipeline::LARGE_ROWS {
        LARGE_GRID
    } else {
        GRID
    }
}
/// Boosting rounds at most.
const MAX_ROUNDS: usize = 1000;
/// A fold's fit stops this many rounds after its held-out log-loss last fell.
const PATIENCE: usize = 25;
const MIN_SAMPLES_LEAF: usize = 20;
const LAMBDA: f64 = 1.0;

impl Shape {
    fn params(&self, rounds: usize, seed: u64) -> BoostParams {
        BoostParams {
            learning_rate: self.learning_rate,
            rounds,
            max_leaves: self.max_leaves,
            max_depth: self.max_depth,
            max_tree_features: Some(self.max_features),
            min_samples_leaf: MIN_SAMPLES_LEAF,
            lambda: LAMBDA,
            seed,
            ..BoostParams::default()
        }
    }

    fn to_json(self) -> serde_json::Value {
        json!({
            "maxLeaves": self.max_leaves,
            "maxDepth": self.max_depth,
            "maxFeatures": self.max_features,
            "learningRate": self.learning_rate,
        })
    }

    /// The shape with its chosen number of rounds.
    fn with_rounds(self, rounds: usize) -> serde_json::Value {
        let mut v = self.to_json();
        v["rounds"] = json!(rounds);
        v
    }

    fn from_json(v: &serde_json::Value) -> Option<(Shape, usize)> {
        Some((
            Shape {
                max_leaves: v["maxLeaves"].as_u64()? as usize,
                max_depth: v["maxDepth"].as_u64()? as usize,
                max_features: v["maxFeatures"].as_u64()? as usize,
                learning_rate: v["learningRate"].as_f64()?,
            },
            v["rounds"].as_u64()? as usize,
        ))
    }
}

/// The rows `members` of a set as a row-major matrix of tree features.
fn feature_matrix(set: &TrainingSet, members: &[usize]) -> Vec<f64> {
    let m = set.workflow.model_fields.len();
    let mut x = vec![0.0; members.len() * m];
    for (row, &i) in x.chunks_mut(m).zip(members) {
        features_into(set.workflow, set.records[i].as_ref(), row);
    }
    x
}

/// Per tree feature: +1 / -1 where the schema declares a direction, else 0.
fn monotone(workflow: &Workflow) -> Vec<i8> {
    workflow
        .model_fields
        .iter()
        .map(|f| match workflow.monotone.iter().find(|(g, _)| g == f) {
            Some((_, Monotone::Increasing)) => 1,
            Some((_, Monotone::Decreasing)) => -1,
            None => 0,
        })
        .collect()
}

/// Fits boosted trees on the raw fields. Every fold's fit of every grid
/// shape is scored on its held-out fold after every round, and stops
/// `PATIENCE` rounds after that log-loss last fell (keeping all its trees).
/// The shipped configuration is the shape and number of rounds with the
/// lowest mean held-out log-loss over all folds (early stopping chosen by
/// cross-validation). The out-of-fold probabilities are honest: fold f's
/// rows are scored by fold f's model at the shape and round chosen on the
/// other folds alone (capped at the rounds fold f's fit reached), so a
/// workflow without signal does not look like one through the choice of
/// the round.
pub struct TreeFitter;

/// One fold's fit of one shape.
struct FoldFit {
    model: BoostedTrees,
    /// Mean held-out log-loss after each round.
    curve: Vec<f64>,
    held: Vec<u32>,
}

impl Fitter for TreeFitter {
    fn model_type(&self) -> &'static str {
        MODEL_TYPE
    }

    fn unusable(&self, set: &TrainingSet) -> Option<String> {
        (!set.all_raw())
            .then(|| "rows of the old training-data format carry no raw fields".to_string())
    }

    fn cross_validation_units(
        &self,
        _settings: &TrainSettings,
        rows: usize,
        folds: usize,
    ) -> usize {
        grid_for(rows).len() * folds
    }

    fn cross_validate(
        &self,
        set: &TrainingSet,
        members: &[usize],
        folds: &Folds,
        ctx: &FitContext,
    ) -> Result<CrossValidation> {
        let w = set.workflow;
        let m = w.model_fields.len();
        let x = feature_matrix(set, members);
        let seed = ctx.settings.seed;
        let grid = grid_for(set.y.len());
        let binned = BinnedRows::new(
            &FeatureMatrix::new(&x, members.len(), m)?,
            &grid[0].params(1, seed),
        )?;
        let labels: Vec<bool> = members.iter().map(|i| set.y[*i]).collect();
        let monotone = monotone(w);
        let k = folds.k;
        // Positions (in `members`) of each fold's held-out rows.
        let held_out: Vec<Vec<u32>> = (0..k)
            .map(|f| {
                (0..members.len() as u32)
                    .filter(|&p| folds.fold_of[members[p as usize]] == f)
                    .collect()
            })
            .collect();
        let tasks: Vec<(usize, usize)> = (0..grid.len())
            .flat_map(|g| (0..k).map(move |f| (g, f)))
            .collect();
        let fits: Vec<Result<FoldFit>> = tasks
            .par_iter()
            .map(|&(g, f)| {
                check_cancel(ctx.cancel)?;
                let held = &held_out[f];
                let train: Vec<u32> = (0..members.len() as u32)
                    .filter(|p| held.binary_search(p).is_err())
                    .collect();
                let params = BoostParams {
                    early_stopping_rounds: Some(PATIENCE),
                    ..grid[g].params(MAX_ROUNDS, seed)
                };
                let fit = gbdt::fit_rows(
                    &binned, &labels, &train, held, &monotone, &params, true, ctx.cancel,
                )?;
                (ctx.tick)(1);
                Ok(FoldFit {
                    model: fit.model,
                    curve: fit.valid_log_loss,
                    held: held.clone(),
                })
            })
            .collect();
        let fits = fits.into_iter().collect::<Result<Vec<_>>>()?;
        // Mean held-out log-loss, over the folds `folds`, of shape `g` after
        // `r` rounds, and the rounds minimising it (within the rounds every
        // one of those folds reached).
        let curve = |g: usize, included: &dyn Fn(usize) -> bool, r: usize| {
            let (mut loss, mut rows) = (0.0, 0.0);
            for (_, fit) in fits[g * k..(g + 1) * k]
                .iter()
                .enumerate()
                .filter(|(f, _)| included(*f))
            {
                loss += fit.curve[r - 1] * fit.held.len() as f64;
                rows += fit.held.len() as f64;
            }
            loss / rows
        };
        let best_of = |included: &dyn Fn(usize) -> bool| -> (f64, usize, usize) {
            let mut best: Option<(f64, usize, usize)> = None;
            for g in 0..grid.len() {
                let reach = fits[g * k..(g + 1) * k]
                    .iter()
                    .enumerate()
                    .filter(|(f, _)| included(*f))
                    .map(|(_, fit)| fit.curve.len())
                    .min()
                    .unwrap_or(1);
                for r in 1..=reach {
                    let loss = curve(g, included, r);
                    if best.is_none_or(|b| loss < b.0) {
                        best = Some((loss, g, r));
                    }
                }
            }
            best.expect("the grid is not empty")
        };
        // The configuration the shipped model uses: chosen on all folds.
        let (_, g_all, rounds_all) = best_of(&|_| true);
        let candidates = (0..grid.len())
            .map(|g| {
                let only = |_: usize| true;
                let reach = fits[g * k..(g + 1) * k]
                    .iter()
                    .map(|f| f.curve.len())
                    .min()
                    .unwrap_or(1);
                let (loss, r) = (1..=reach)
                    .map(|r| (curve(g, &only, r), r))
                    .fold((f64::INFINITY, 1), |b, c| if c.0 < b.0 { c } else { b });
                Candidate {
                    params: grid[g].with_rounds(r),
                    log_loss: loss,
                }
            })
            .collect();
        // Out-of-fold probabilities: fold f's rows are scored by fold f's
        // model at the shape and round chosen on the *other* folds, so no
        // held-out label chose the prediction it is scored with.
        let mut oof = vec![0.0; members.len()];
        for f in 0..k {
            let (_, g, rounds) = if k > 1 {
                best_of(&|h| h != f)
            } else {
                (0.0, g_all, rounds_all)
            };
            let fit = &fits[g * k + f];
            let model = fit.model.truncated(rounds);
            for &p in &fit.held {
                let row = &x[p as usize * m..(p as usize + 1) * m];
                oof[p as usize] = sigmoid(model.raw_score(row)?);
            }
        }
        Ok(CrossValidation {
            log_loss: metrics::log_loss(&oof, &labels),
            oof,
            chosen: grid[g_all].with_rounds(rounds_all),
            candidates,
        })
    }

    fn fit(
        &self,
        set: &TrainingSet,
        members: &[usize],
        chosen: &serde_json::Value,
        ctx: &FitContext,
    ) -> Result<Fitted> {
        check_cancel(ctx.cancel)?;
        let (shape, rounds) = Shape::from_json(chosen)
            .ok_or_else(|| EngineError::Internal(format!("bad tree configuration {chosen}")))?;
        let w = set.workflow;
        let m = w.model_fields.len();
        let x = feature_matrix(set, members);
        let params = shape.params(rounds.max(1), ctx.settings.seed);
        let binned = BinnedRows::new(&FeatureMatrix::new(&x, members.len(), m)?, &params)?;
        let labels: Vec<bool> = members.iter().map(|i| set.y[*i]).collect();
        let all: Vec<u32> = (0..members.len() as u32).collect();
        let fit = gbdt::fit_rows(
            &binned,
            &labels,
            &all,
            &[],
            &monotone(w),
            &params,
            false,
            ctx.cancel,
        )?;
        (ctx.tick)(1);
        let trees = fit.model;
        trees.prepare_explanations();
        let (groups, left_over) = trees.explanation_layout();
        Ok(Fitted {
            model: Model::Trees(TreeModel::new(w, trees)),
            hyperparameters: json!({
                "maxLeaves": shape.max_leaves,
                "maxDepth": shape.max_depth,
                "maxFeatures": shape.max_features,
                "learningRate": shape.learning_rate,
                "rounds": rounds,
                "grid": grid_for(set.y.len()).iter().map(|s| s.to_json()).collect::<Vec<_>>(),
                "maxRounds": MAX_ROUNDS,
                "patience": PATIENCE,
                "minSamplesLeaf": MIN_SAMPLES_LEAF,
                "lambda": LAMBDA,
                "maxBins": params.max_bins,
                "explanationGroups": groups,
                "treesWithLeafTables": left_over,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::model::LoadedModel;
    use crate::predict::{predict_input, Direction};
    use crate::schema::{all_workflows, find_workflow};
    use crate::synth;
    use crate::train::{data, train_dataset};

    #[test]
    fn every_workflow_fits_the_stack_and_every_field_has_a_route() {
        for w in all_workflows() {
            assert!(w.model_fields.len() < STACK_FIELDS, "{}", w.workflow_type());
            let r = routes(w);
            assert_eq!(r.len(), w.model_fields.len());
            for route in &r {
                let slots: Vec<usize> = match route {
                    Route::Slot(s) => vec![*s],
                    Route::ByValue { entries, fallback } => {
                        entries.iter().map(|e| e.1).chain([*fallback]).collect()
                    }
                };
                assert!(
                    slots.iter().all(|&s| s < w.explanation_slots()),
                    "{route:?}"
                );
            }
        }
        // ai-memory's operationType goes to the entry of the row's value.
        let memory = find_workflow("ai-memory").unwrap();
        let op = memory.field_index("operationType").unwrap();
        let k = memory.model_fields.iter().position(|&f| f == op).unwrap();
        let Route::ByValue { entries, .. } = &routes(memory)[k] else {
            panic!("operationType is read by several entries")
        };
        let names: Vec<_> = entries
            .iter()
            .map(|&(_, e)| memory.vector[e].feature)
            .collect();
        assert_eq!(names, ["opStore", "opRetrieve", "opSearch"]);
    }

    #[test]
    fn trees_win_where_failures_interact_and_predict_with_signed_factors_toward_failure() {
        let never = AtomicBool::new(false);
        let w = find_workflow("ai-memory").unwrap();
        let d =
            data::from_scenarios(&synth::generate_workflow(5, w, 3000)).datasets[w.index].clone();
        let settings = crate::train::TrainSettings {
            folds: 3,
            bootstrap_resamples: 100,
            ..Default::default()
        };
        let r = train_dataset(&d, &settings, &never).unwrap();
        // Memory required against available is an interaction a logistic
        // model of the capped vector cannot express.
        let score = |k: usize| {
            r.families[k]
                .outcome
                .as_ref()
                .unwrap()
                .1
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min)
        };
        assert!(
            score(1) < score(0) - 0.005,
            "trees {} vs logistic {}",
            score(1),
            score(0)
        );
        assert_eq!(r.model_type, MODEL_TYPE);
        assert_eq!(r.model.model_type.as_deref(), Some(MODEL_TYPE));
        assert_eq!(
            r.model.weights.values().filter(|x| **x != 0.0).count(),
            0,
            "old readers see the average risk only"
        );

        let loaded = LoadedModel::from_file(w, r.model.clone(), None).unwrap();
        let reparsed = LoadedModel::from_file(
            w,
            serde_json::from_str(&serde_json::to_string(&r.model).unwrap()).unwrap(),
            None,
        )
        .unwrap();
        let Model::Trees(trees) = &loaded.model else {
            panic!("a tree model")
        };
        let mut raises = 0;
        for row in d.rows.iter().take(300) {
            let input = Input {
                vector: &row.vector,
                record: row.record.as_ref(),
            };
            let p = loaded.probability(input);
            assert_eq!(p, reparsed.probability(input));
            // Contributions add up to the log-odds minus the expected log-odds.
            let mut out = vec![Attribution::default(); w.explanation_slots()];
            let q = trees.probability_and_explain(input, &mut out);
            assert_eq!(q, trees.probability(input));
            let sum: f64 = out.iter().map(|a| a.contribution).sum();
            let logit = (q / (1.0 - q)).ln();
            assert!(
                (sum + trees.trees().expected_value() - logit).abs() < 1e-6,
                "{sum} {logit}"
            );
            let prediction = predict_input(&loaded, input);
            assert!((prediction.failure_probability - p).abs() < 1e-15);
            let f = &prediction.critical_factors;
            assert!(
                f.windows(2).all(|x| x[0].contribution >= x[1].contribution),
                "ranked toward failure"
            );
            for x in f {
                let expected = if x.contribution > 0.0 {
                    Direction::Raises
                } else {
                    Direction::Lowers
                };
                assert_eq!(x.direction, Some(expected));
            }
            raises += usize::from(
                f.first()
                    .is_some_and(|x| x.direction == Some(Direction::Raises)),
            );
        }
        assert!(
            raises > 100,
            "{raises} of 300 rows have a top factor raising the risk"
        );
    }

    #[test]
    fn rows_omitting_a_field_train_trees_and_score_and_a_bad_file_is_refused() {
        let never = AtomicBool::new(false);
        let w = find_workflow("ai-memory").unwrap();
        let mut d =
            data::from_scenarios(&synth::generate_workflow(5, w, 3000)).datasets[w.index].clone();
        let field = w.field_index("databaseLatency").unwrap();
        for (k, r) in d.rows.iter_mut().enumerate() {
            r.record.as_mut().unwrap().missing[field] = k % 4 == 0;
        }
        let settings = crate::train::TrainSettings {
            folds: 3,
            bootstrap_resamples: 100,
            ..Default::default()
        };
        let r = train_dataset(&d, &settings, &never).unwrap();
        assert_eq!(r.model.extra["omittedFields"]["databaseLatency"], 750);
        let Some(Model::Trees(trees)) =
            (r.model_type == MODEL_TYPE).then(|| Model::from_file(w, &r.model, None).unwrap())
        else {
            panic!("trees expected on ai-memory, chose {}", r.model_type)
        };
        let record = d.rows[1].record.as_ref().unwrap();
        let mut omitted = record.clone();
        omitted.missing[field] = true;
        let p = trees.probability(Input {
            vector: &d.rows[1].vector,
            record: Some(&omitted),
        });
        assert!(p.is_finite() && (0.0..=1.0).contains(&p));
        // A file whose field layout is not this engine's is refused.
        let mut bad = r.model.clone();
        bad.extra
            .insert("modelFields".to_string(), json!(["bufferSize"]));
        let e = LoadedModel::from_file(w, bad, None).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_MODEL");
        let mut bad = r.model.clone();
        bad.extra.remove("trees");
        assert!(LoadedModel::from_file(w, bad, None)
            .unwrap_err()
            .to_string()
            .contains("needs trees"));
    }
}
