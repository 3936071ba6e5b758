//! The vocabulary in which every workflow is declared. The declarations
//! themselves live in `base.rs` and `workflows/*.rs`; everything else in the
//! engine (validation, vectorisation, recommendations, generation, the
//! TypeScript types) is derived from them.

/// The JavaScript type a raw field must have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    Number,
    Boolean,
    /// Free text (only `timestamp`, an ISO-8601 string).
    Text,
    /// The workflow discriminator itself.
    WorkflowType,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
}

/// The value used for a raw field that the caller left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldDefault {
    Number(f64),
    Boolean(bool),
    Enum(&'static str),
    /// No sensible default; the field is filled with an empty value that no
    /// vector entry reads (only `timestamp` and `workflowType`).
    NotApplicable,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    /// Neutral value for imputation: the typical value of a healthy run.
    pub default: FieldDefault,
    /// Unit or range, as the old engine documented it.
    pub note: Option<&'static str>,
    /// How the synthetic generator draws this field.
    pub gen: super::failure_modes::Gen,
}

/// How one raw field becomes one number of the feature vector. These are the
/// five kinds the old engine used, plus the identity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Normalisation {
    /// `true` -> 1, `false` -> 0.
    Bool,
    /// 1 when the enum field equals the value, else 0.
    EnumEquals(&'static str),
    /// `x / divisor`.
    Scaled(f64),
    /// `min(x / divisor, 1)`.
    Capped(f64),
    /// `(x + offset) / divisor`.
    Shifted { offset: f64, divisor: f64 },
    /// `x`.
    Identity,
}

#[derive(Debug, Clone, Copy)]
pub struct VectorEntry {
    /// The feature name, the key in the vector and in model weights.
    pub feature: &'static str,
    /// The raw field it is computed from.
    pub field: &'static str,
    pub normalisation: Normalisation,
}

/// When a recommendation rule fires, on the normalised value of its factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleTest {
    Below(f64),
    Above(f64),
}

impl RuleTest {
    pub fn passes(self, value: f64) -> bool {
        match self {
            RuleTest::Below(t) => value < t,
            RuleTest::Above(t) => value > t,
        }
    }
}

/// If `feature` is among a prediction's top critical factors and its value
/// passes `test`, `texts` are appended to the recommendations.
#[derive(Debug, Clone, Copy)]
pub struct RecommendationRule {
    pub feature: &'static str,
    pub test: RuleTest,
    pub texts: &'static [&'static str],
}

/// One workflow, declared once.
#[derive(Debug, Clone, Copy)]
pub struct WorkflowSchema {
    pub workflow_type: &'static str,
    pub display_name: &'static str,
    /// The TypeScript interface name of the raw object.
    pub interface: &'static str,
    /// The workflow's own raw fields (the base fields come first, from `base.rs`).
    pub fields: &'static [FieldSpec],
    /// The workflow's own vector entries, after the 8 common ones.
    pub vector: &'static [VectorEntry],
    pub critical_features: &'static [&'static str],
    pub recommendation_rules: &'static [RecommendationRule],
    pub failure_modes: &'static [super::failure_modes::FailureMode],
    /// Raw fields whose direction of effect on the risk is known, beside
    /// `base::BASE_MONOTONE`.
    pub monotone: &'static [(&'static str, super::failure_modes::Monotone)],
}
