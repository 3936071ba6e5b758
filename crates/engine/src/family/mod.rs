//! Model families: what a model file's `modelType` names.
//!
//! Two interfaces, one per side of a model's life:
//! - [`Scorer`]: a fitted model scores one input (a failure log-odds, then a
//!   probability) and explains it (a signed contribution per vector entry,
//!   in log-odds). [`Model`] is the closed set of scorers, dispatched by
//!   variant; it also reads itself from, and writes itself to, a model file.
//! - [`Fitter`]: a family fits models: it cross-validates its own
//!   hyperparameters on the folds it is given (returning out-of-fold
//!   probabilities) and fits a chosen configuration on given rows.
//!   [`fitters`] lists the candidates the training pipeline compares.
//!
//! Adding a family (e.g. gradient-boosted trees) is one file here that
//! implements both traits, one `Model` variant (with its arms in `Model`'s
//! `match`es and its tag in `Model::from_file`), and one entry in `fitters`.

pub mod linear;
pub mod trees;

use std::collections::BTreeMap;

use crate::error::Result;
use crate::features::RawRecord;
use crate::model::ModelFile;
use crate::schema::Workflow;
use crate::train::fitting::{CrossValidation, FitContext, Folds, TrainingSet};
use crate::train::TrainSettings;

/// What a model scores: the record's feature vector (missing fields
/// imputed with the model's feature means) and, when there is one, the
/// validated raw record itself (with its missing mask). Rows of the old
/// training-data format have only the vector.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub vector: &'a [f64],
    pub record: Option<&'a RawRecord>,
}

/// One vector entry's part in a prediction. `contribution` is in log-odds:
/// signed for models trained by this engine, a magnitude for old files.
/// `weight` is the entry's coefficient for linear models; families without
/// one report the contribution per unit of `value − mean`, or 0.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Attribution {
    pub weight: f64,
    pub contribution: f64,
}

/// How a model's contributions are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explanations {
    /// The old engine's `|weight · value|` (or `|weight · (value − mean)|`
    /// when the file stores means): magnitudes, ranked by size.
    Unsigned,
    /// Exact SHAP values in log-odds: positive raises the failure
    /// probability. Ranked by contribution toward failure.
    Signed,
}

/// Scoring and explaining, the same for every family.
pub trait Scorer {
    /// The failure probability. Implementations keep the old engine's
    /// arithmetic for old files (the logit is clamped to [-100, 100]).
    fn probability(&self, input: Input) -> f64;
    /// One attribution per explanation slot, written into `out`: the vector
    /// entries in vector order, then, when `out` has room for them, the raw
    /// fields outside the vector (`Workflow::fields_outside_vector`; 0 for
    /// families that read only the vector). For `Explanations::Signed` they
    /// add up to the log-odds minus the model's expected log-odds (its base
    /// value).
    fn explain(&self, input: Input, out: &mut [Attribution]);
    /// `probability` and `explain` at once, for families whose explanation
    /// computes the score anyway. The probability is `probability(input)`.
    fn probability_and_explain(&self, input: Input, out: &mut [Attribution]) -> f64 {
        self.explain(input, out);
        self.probability(input)
    }
    fn explanations(&self) -> Explanations;
    /// Weights (vector order) and bias when the model is a logistic
    /// function of the normalised vector alone; columnar scoring of
    /// vectors needs it. `None` for families that read raw fields.
    fn linear(&self) -> Option<(&[f64], f64)>;
}

/// A fitted model of any family.
// A workflow holds one model for as long as it is loaded, so the size of
// the larger variant costs nothing, and boxing it would add an indirection
// to every `predict`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    Linear(linear::LinearModel),
    Trees(trees::TreeModel),
}

/// The old-format fields and the family's own fields of a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileParts {
    /// `weights` in vector order (0 for entries the family has no weight for).
    pub weights: Vec<f64>,
    pub bias: f64,
    /// Fields of the family's own, written beside the common ones.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Model {
    /// The model a file describes, by its `modelType`. `means` are the
    /// file's feature means laid out in vector order, when it has them.
    pub fn from_file(
        workflow: &'static Workflow,
        file: &ModelFile,
        means: Option<&[f64]>,
    ) -> std::result::Result<Model, String> {
        match file.model_type.as_deref() {
            None => linear::LinearModel::from_file(workflow, file, means, Explanations::Unsigned)
                .map(Model::Linear),
            Some(linear::MODEL_TYPE) => {
                linear::LinearModel::from_file(workflow, file, means, Explanations::Signed)
                    .map(Model::Linear)
            }
            Some(trees::MODEL_TYPE) => {
                trees::TreeModel::from_file(workflow, file).map(Model::Trees)
            }
            Some(other) => Err(format!(
                "unknown modelType '{other}' (known: {})",
                known_model_types().join(", ")
            )),
        }
    }

    pub fn model_type(&self) -> &'static str {
        match self {
            Model::Linear(_) => linear::MODEL_TYPE,
            Model::Trees(_) => trees::MODEL_TYPE,
        }
    }

    pub fn to_file(&self) -> FileParts {
        match self {
            Model::Linear(m) => m.to_file(),
            Model::Trees(m) => m.to_file(),
        }
    }

    /// Replace the model by `σ(a · logit + b)` of itself, if its family can
    /// express that exactly (a logistic model can: its weights and bias
    /// are scaled and shifted). Returns whether it did.
    pub fn absorb_platt(&mut self, a: f64, b: f64) -> bool {
        match self {
            Model::Linear(m) => {
                m.absorb_platt(a, b);
                true
            }
            // A Platt scaling of a sum of trees is not a sum of trees.
            Model::Trees(_) => false,
        }
    }

    pub fn scorer(&self) -> &dyn Scorer {
        match self {
            Model::Linear(m) => m,
            Model::Trees(m) => m,
        }
    }
}

/// The `modelType` tags this engine reads (files without one are the old format).
pub fn known_model_types() -> Vec<&'static str> {
    fitters().iter().map(|f| f.model_type()).collect()
}

/// What a fit produced: the model and the hyperparameters it used.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub model: Model,
    /// Written to the model file as `hyperparameters`.
    pub hyperparameters: serde_json::Value,
}

/// Fitting, the same for every family.
pub trait Fitter: Sync {
    /// The `modelType` of the models it fits.
    fn model_type(&self) -> &'static str;
    /// Why this family cannot be trained on `set` (for example, a family
    /// that reads raw fields, given rows that only carry vectors), or `None`.
    fn unusable(&self, set: &TrainingSet) -> Option<String>;
    /// Progress units `cross_validate` reports through `FitContext::tick`
    /// (a fit reports 1) for a workflow of `rows` rows on `folds` folds, at
    /// most.
    fn cross_validation_units(&self, settings: &TrainSettings, rows: usize, folds: usize) -> usize;
    /// Choose the family's hyperparameters by k-fold cross-validation of
    /// the rows `members` on `folds`, by lowest out-of-fold log-loss over
    /// all of them, and return the out-of-fold probabilities at the choice
    /// (aligned with `members`) with every candidate's score.
    fn cross_validate(
        &self,
        set: &TrainingSet,
        members: &[usize],
        folds: &Folds,
        ctx: &FitContext,
    ) -> Result<CrossValidation>;
    /// Fit the configuration `chosen` (from `cross_validate`) on `members`.
    fn fit(
        &self,
        set: &TrainingSet,
        members: &[usize],
        chosen: &serde_json::Value,
        ctx: &FitContext,
    ) -> Result<Fitted>;
}

/// The families the training pipeline compares, in order of preference
/// on equal scores.
pub fn fitters() -> &'static [&'static dyn Fitter] {
    &[&linear::LogisticFitter, &trees::TreeFitter]
}
