//! From a feature vector and a model to a prediction: probability, risk
//! level, confidence, critical factors and recommendations. The semantics are
//! the old engine's, pinned by the golden fixtures.

use crate::family::linear::LinearModel;
use crate::family::{Attribution, Explanations, Input, Scorer};
use crate::features::{vectorise_into, RawRecord};
use crate::model::LoadedModel;
use crate::schema::Workflow;

/// The sigmoid argument is clamped to this range, as in the old engine.
const LOGIT_CLAMP: f64 = 100.0;
/// With old model files, contributions above this make a non-critical
/// feature a critical factor.
const CONTRIBUTION_FLOOR: f64 = 0.1;
pub const MAX_CRITICAL_FACTORS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

/// The levels above `low` and the probability at which each begins, highest first.
pub const RISK_THRESHOLDS: [(RiskLevel, f64); 3] = [
    (RiskLevel::Critical, 0.8),
    (RiskLevel::High, 0.6),
    (RiskLevel::Medium, 0.4),
];

impl RiskLevel {
    pub fn from_probability(p: f64) -> RiskLevel {
        RISK_THRESHOLDS
            .iter()
            .find(|(_, from)| p >= *from)
            .map_or(RiskLevel::Low, |(level, _)| *level)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

/// Which way a factor pushes the failure probability. Models trained by this
/// engine report it; old model files (whose contributions are unsigned
/// magnitudes) do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Raises,
    Lowers,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Raises => "raises",
            Direction::Lowers => "lowers",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CriticalFactor {
    pub feature: &'static str,
    pub value: f64,
    pub weight: f64,
    pub contribution: f64,
    pub direction: Option<Direction>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub workflow_type: &'static str,
    pub failure_probability: f64,
    pub risk_level: RiskLevel,
    pub confidence: f64,
    pub critical_factors: Vec<CriticalFactor>,
    pub recommendations: Vec<&'static str>,
}

impl Prediction {
    /// A placeholder for the `_into` functions to fill (its lists have room
    /// for the most factors a prediction carries).
    pub fn empty() -> Prediction {
        Prediction {
            workflow_type: "",
            failure_probability: 0.0,
            risk_level: RiskLevel::Low,
            confidence: 0.0,
            critical_factors: Vec::with_capacity(MAX_CRITICAL_FACTORS),
            recommendations: Vec::new(),
        }
    }
}

impl Default for Prediction {
    fn default() -> Prediction {
        Prediction::empty()
    }
}

/// The logistic function of `bias + sum(weights[i] * vector[i])`, summed in
/// vector order (the order fixes the last bits of the result).
///
/// Every term and partial sum is kept within the finite range: validated
/// inputs are finite, but absurd magnitudes in uncapped features could
/// overflow to +inf and -inf, whose sum is NaN. For every realistic input
/// the clamps are the identity, so the result is bit-for-bit the plain sum.
pub fn probability(weights: &[f64], bias: f64, vector: &[f64]) -> f64 {
    let mut z = bias;
    for (w, x) in weights.iter().zip(vector) {
        z = (z + (w * x).clamp(-f64::MAX, f64::MAX)).clamp(-f64::MAX, f64::MAX);
    }
    let z = z.clamp(-LOGIT_CLAMP, LOGIT_CLAMP);
    1.0 / (1.0 + (-z).exp())
}

/// Up to five factors, ties in vector order.
///
/// With unsigned explanations (old model files) the candidates are the
/// entries that are critical for the workflow or contribute more than 0.1;
/// a contribution is a magnitude, `|weight * value|` (or
/// `|weight * (value - mean)|` when the file stores means), and factors are
/// ranked by it, as in the old engine. With signed ones (models trained by
/// this engine) a contribution is the entry's SHAP value in log-odds; every
/// entry with a nonzero contribution is a candidate, factors are ranked by
/// contribution toward failure, largest first (so an entry that lowers the
/// risk never outranks one that raises it), and each carries its direction.
///
/// `attributions` holds one slot per vector entry and, optionally, one per
/// raw field outside the vector (`Workflow::fields_outside_vector`, filled
/// by families that read raw fields): such a field becomes a factor named
/// by the field, with its raw value, when it is a candidate by the same
/// rule (it is never critical, and no recommendation rule reads it).
pub fn rank_factors(
    workflow: &Workflow,
    input: Input,
    attributions: &[Attribution],
    explanations: Explanations,
) -> Vec<CriticalFactor> {
    let mut factors = Vec::new();
    rank_factors_into(workflow, input, attributions, explanations, &mut factors);
    factors
}

/// `rank_factors` into `factors` (cleared first), reusing its allocation.
pub fn rank_factors_into(
    workflow: &Workflow,
    input: Input,
    attributions: &[Attribution],
    explanations: Explanations,
    factors: &mut Vec<CriticalFactor>,
) {
    let signed = explanations == Explanations::Signed;
    let direction = |c: f64| {
        signed.then_some(if c > 0.0 {
            Direction::Raises
        } else {
            Direction::Lowers
        })
    };
    // Old files: the old engine's list, the workflow's critical entries and
    // any entry above the floor. Signed: the largest contributions toward
    // failure, whatever their size or the schema's view of the entry (the
    // model's own account of the row), leaving out only the entries it does
    // not read at all (a contribution of exactly 0).
    let d = workflow.vector.len();
    let listed = |slot: usize, c: f64| {
        if signed {
            c != 0.0
        } else {
            c > CONTRIBUTION_FLOOR || (slot < d && workflow.vector[slot].critical)
        }
    };
    // Slots of the explanation: the vector's entries, then (with a record)
    // the fields outside the vector. Ranked by slot first; only the winners
    // become factors.
    let in_vector = d.min(input.vector.len()).min(attributions.len());
    let outside = match input.record {
        Some(_) => workflow
            .fields_outside_vector
            .len()
            .min(attributions.len().saturating_sub(d)),
        None => 0,
    };
    let mut top = [(0usize, 0.0f64); MAX_CRITICAL_FACTORS];
    let mut len = 0;
    for slot in (0..in_vector).chain(d..d + outside) {
        let c = attributions[slot].contribution;
        if listed(slot, c) {
            len = insert_ranked(&mut top, len, (slot, c));
        }
    }
    factors.clear();
    factors.extend(top[..len].iter().map(|&(slot, contribution)| {
        let a = &attributions[slot];
        let (feature, value) = match slot.checked_sub(d) {
            None => (workflow.vector[slot].feature, input.vector[slot]),
            Some(k) => {
                let field = workflow.fields_outside_vector[k];
                (
                    workflow.fields[field].name,
                    input.record.map_or(0.0, |r| r.values[field]),
                )
            }
        };
        CriticalFactor {
            feature,
            value,
            weight: a.weight,
            contribution,
            direction: direction(contribution),
        }
    }));
}

/// Inserts `c` (a slot and its contribution) into the first `len` entries
/// of `top` (largest contribution first) after every entry it does not
/// exceed, and returns the new length: the same list as a stable sort of
/// all candidates truncated to `MAX_CRITICAL_FACTORS` (equal contributions
/// keep their order of arrival, slot order), without sorting the twenty-odd
/// entries a signed model lists. Contributions are finite (linear ones are
/// clamped, and 0 for an entry without weight; tree ones add finite table
/// values) and never -0.0 beside +0.0 (signed lists leave zeros out,
/// unsigned ones are `|·|`), so `>` orders them as `total_cmp` would.
fn insert_ranked(
    top: &mut [(usize, f64); MAX_CRITICAL_FACTORS],
    len: usize,
    c: (usize, f64),
) -> usize {
    let mut at = len;
    if len == MAX_CRITICAL_FACTORS {
        // Most candidates of a full list exceed none of it.
        if c.1 <= top[len - 1].1 {
            return len;
        }
        at = len - 1;
    }
    while at > 0 && c.1 > top[at - 1].1 {
        top[at] = top[at - 1];
        at -= 1;
    }
    top[at] = c;
    (len + 1).min(MAX_CRITICAL_FACTORS)
}

/// The old engine's factors of a linear model: `rank_factors` on unsigned
/// contributions `|weight * value|`, or `|weight * (value - mean)|` with a
/// `baseline`.
pub fn critical_factors(
    workflow: &Workflow,
    weights: &[f64],
    vector: &[f64],
    baseline: Option<&[f64]>,
) -> Vec<CriticalFactor> {
    let model = LinearModel {
        weights: weights.to_vec(),
        bias: 0.0,
        means: baseline.map(<[f64]>::to_vec),
        explanations: Explanations::Unsigned,
    };
    let input = Input {
        vector,
        record: None,
    };
    let mut attributions = vec![Attribution::default(); vector.len()];
    model.explain(input, &mut attributions);
    rank_factors(workflow, input, &attributions, Explanations::Unsigned)
}

/// The workflow's rules that fire on these factors, in rule order, then the
/// general advice for the probability.
pub fn recommendations(
    workflow: &Workflow,
    factors: &[CriticalFactor],
    probability: f64,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    recommendations_into(workflow, factors, probability, &mut out);
    out
}

/// `recommendations` into `out` (cleared first), reusing its allocation.
pub fn recommendations_into(
    workflow: &Workflow,
    factors: &[CriticalFactor],
    probability: f64,
    out: &mut Vec<&'static str>,
) {
    out.clear();
    for rule in &workflow.rules {
        let feature = workflow.vector[rule.vector_index].feature;
        // Factors name their entry by the schema's own string: the address
        // decides without comparing the text (which still decides otherwise).
        if let Some(f) = factors
            .iter()
            .find(|f| std::ptr::eq(f.feature, feature) || f.feature == feature)
        {
            if rule.test.passes(f.value) {
                out.extend_from_slice(rule.texts);
            }
        }
    }
    if probability >= 0.8 {
        out.push("CRITICAL: Implement circuit breaker pattern to prevent cascading failures");
        out.push("Add comprehensive error monitoring and alerting");
    } else if probability >= 0.6 {
        out.push("Add retry logic with exponential backoff");
        out.push("Implement graceful degradation strategies");
    }
}

/// The whole prediction for one validated raw record: the record is
/// vectorised (missing fields take the model's feature means when it has
/// them) and scored by the model's family, which may read the vector, the
/// raw record, or both. This is the entry point the binding uses.
pub fn predict_record(model: &LoadedModel, record: &RawRecord) -> Prediction {
    let mut prediction = Prediction::empty();
    predict_record_into(model, record, &mut prediction);
    prediction
}

/// `predict_record` into `prediction`, reusing its lists' allocations (the
/// binding's per-call path, where allocating them is a tenth of the cost).
pub fn predict_record_into(model: &LoadedModel, record: &RawRecord, prediction: &mut Prediction) {
    with_vector(model, record, |vector| {
        predict_input_into(
            model,
            Input {
                vector,
                record: Some(record),
            },
            prediction,
        )
    })
}

/// The failure probability alone for one validated raw record.
pub fn probability_record(model: &LoadedModel, record: &RawRecord) -> f64 {
    with_vector(model, record, |vector| {
        model.probability(Input {
            vector,
            record: Some(record),
        })
    })
}

/// Run `f` on the record's feature vector, kept on the stack (every workflow
/// has far fewer than 64 entries).
fn with_vector<T>(model: &LoadedModel, record: &RawRecord, f: impl FnOnce(&[f64]) -> T) -> T {
    let workflow = model.workflow;
    let mut stack = [0.0f64; STACK_ENTRIES];
    let mut heap = Vec::new();
    let d = workflow.vector.len();
    let vector: &mut [f64] = if d <= stack.len() {
        &mut stack[..d]
    } else {
        heap.resize(d, 0.0);
        &mut heap
    };
    vectorise_into(workflow, record, model.feature_means.as_deref(), vector);
    f(vector)
}

const STACK_ENTRIES: usize = 64;

/// The whole prediction for one input.
pub fn predict_input(model: &LoadedModel, input: Input) -> Prediction {
    let mut prediction = Prediction::empty();
    predict_input_into(model, input, &mut prediction);
    prediction
}

/// `predict_input` into `prediction`, reusing its lists' allocations.
pub fn predict_input_into(model: &LoadedModel, input: Input, prediction: &mut Prediction) {
    let workflow = model.workflow;
    let slots = workflow.explanation_slots();
    let mut stack = [Attribution::default(); STACK_ENTRIES];
    let mut heap = Vec::new();
    let attributions: &mut [Attribution] = if slots <= stack.len() {
        &mut stack[..slots]
    } else {
        heap.resize(slots, Attribution::default());
        &mut heap
    };
    let p = model.probability_and_explain(input, attributions);
    rank_factors_into(
        workflow,
        input,
        attributions,
        model.explanations(),
        &mut prediction.critical_factors,
    );
    recommendations_into(
        workflow,
        &prediction.critical_factors,
        p,
        &mut prediction.recommendations,
    );
    prediction.workflow_type = workflow.workflow_type();
    prediction.failure_probability = p;
    prediction.risk_level = RiskLevel::from_probability(p);
    prediction.confidence = (p - 0.5).abs() * 2.0;
}

/// The whole prediction for a feature vector alone (rows of the old
/// format, which carry no raw record).
pub fn predict(model: &LoadedModel, vector: &[f64]) -> Prediction {
    predict_input(
        model,
        Input {
            vector,
            record: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::find_workflow;

    #[test]
    fn risk_thresholds_are_inclusive() {
        assert_eq!(RiskLevel::from_probability(0.8), RiskLevel::Critical);
        assert_eq!(RiskLevel::from_probability(0.7999), RiskLevel::High);
        assert_eq!(RiskLevel::from_probability(0.6), RiskLevel::High);
        assert_eq!(RiskLevel::from_probability(0.4), RiskLevel::Medium);
        assert_eq!(RiskLevel::from_probability(0.3999), RiskLevel::Low);
    }

    #[test]
    fn probability_clamps_the_logit() {
        assert_eq!(
            probability(&[1.0], 0.0, &[1e6]),
            1.0 / (1.0 + (-100f64).exp())
        );
        assert_eq!(probability(&[], 0.0, &[]), 0.5);
    }

    #[test]
    fn overflowing_inputs_give_a_probability_not_nan() {
        let p = probability(&[1e10, -1e10, 3.0], 0.0, &[1e300, 1e300, 1.0]);
        assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{p}");
        assert_eq!(
            probability(&[1e10, 1e10], 0.0, &[1e300, 1e300]),
            1.0 / (1.0 + (-100f64).exp())
        );
        let w = find_workflow("freestyle").unwrap();
        let n = w.vector.len();
        let f = critical_factors(w, &vec![1e10; n], &vec![1e300; n], None);
        assert!(f.iter().all(|x| x.contribution == f64::MAX));
    }

    #[test]
    fn factors_keep_critical_and_large_entries_sorted_stably() {
        let w = find_workflow("freestyle").unwrap();
        let n = w.vector.len();
        let mut weights = vec![0.0; n];
        let vector = vec![1.0; n];
        weights[w.feature_index("beatSync").unwrap()] = 0.5; // not critical, large
        weights[w.feature_index("sampleRate").unwrap()] = 0.05; // not critical, small: dropped
        let f = critical_factors(w, &weights, &vector, None);
        assert_eq!(f.len(), 5);
        assert_eq!(f[0].feature, "beatSync");
        // Then zero-contribution critical features in vector order.
        let rest: Vec<_> = f[1..].iter().map(|x| x.feature).collect();
        assert_eq!(
            rest,
            [
                "networkLatency",
                "apiAvailable",
                "systemMemory",
                "cpuUtilization"
            ]
        );
    }

    #[test]
    fn with_means_contributions_measure_the_distance_from_a_typical_run() {
        let w = find_workflow("freestyle").unwrap();
        let n = w.vector.len();
        let mic = w.feature_index("micPermission").unwrap();
        let mut weights = vec![0.0; n];
        weights[mic] = -3.0;
        let mut vector = vec![0.0; n];
        let means = vec![0.0; n]
            .into_iter()
            .enumerate()
            .map(|(i, _)| if i == mic { 0.9 } else { 0.0 })
            .collect::<Vec<_>>();
        assert_eq!(
            critical_factors(w, &weights, &vector, None)[0].contribution,
            0.0
        );
        let f = critical_factors(w, &weights, &vector, Some(&means));
        assert_eq!(f[0].feature, "micPermission");
        assert!((f[0].contribution - 2.7).abs() < 1e-12);
        vector[mic] = 0.9;
        assert_eq!(
            critical_factors(w, &weights, &vector, Some(&means))[0].contribution,
            0.0
        );
    }

    #[test]
    fn signed_factors_rank_toward_failure_and_carry_their_direction() {
        let w = find_workflow("freestyle").unwrap();
        let n = w.vector.len();
        let (mic, beat, tx) = (
            w.feature_index("micPermission").unwrap(),
            w.feature_index("beatSync").unwrap(),
            w.feature_index("transcriptionAccuracy").unwrap(),
        );
        let mut weights = vec![0.0; n];
        weights[mic] = -3.0; // denied permission raises the risk by 2.7
        weights[beat] = 0.5; // beat sync on, above its mean: raises by 0.25
        weights[tx] = -8.0; // accuracy above its mean: lowers by 0.8
        let mut means = vec![0.0; n];
        means[mic] = 0.9;
        means[beat] = 0.5;
        means[tx] = 0.8;
        let mut vector = means.clone();
        vector[mic] = 0.0;
        vector[beat] = 1.0;
        vector[tx] = 0.9;
        let model = LinearModel {
            weights,
            bias: 0.0,
            means: Some(means),
            explanations: Explanations::Signed,
        };
        let mut attributions = vec![Attribution::default(); n];
        let input = Input {
            vector: &vector,
            record: None,
        };
        model.explain(input, &mut attributions);
        let f = rank_factors(w, input, &attributions, Explanations::Signed);
        assert_eq!(f[0].feature, "micPermission");
        assert!((f[0].contribution - 2.7).abs() < 1e-12);
        assert_eq!(f[0].direction, Some(Direction::Raises));
        assert_eq!(f[1].feature, "beatSync");
        assert!(
            (f[1].contribution - 0.25).abs() < 1e-12,
            "small, yet listed: no floor for signed factors"
        );
        // Entries the model does not read (contribution exactly 0) are left
        // out, critical or not, so the one that lowers the risk comes third.
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!(f[2].feature, "transcriptionAccuracy");
        assert!((f[2].contribution + 0.8).abs() < 1e-12);
        assert_eq!(f[2].direction, Some(Direction::Lowers));
        assert!(f.iter().all(|x| x.direction.is_some()));
        // Old files list critical entries whatever their contribution, and
        // others only above the floor: the same small contribution is not
        // enough there.
        let mut old = attributions.clone();
        old[beat].contribution = 0.05;
        assert!(rank_factors(w, input, &old, Explanations::Unsigned)
            .iter()
            .all(|x| x.feature != "beatSync"));
        // Unsigned, the same attributions would rank it second by magnitude.
        for a in attributions.iter_mut() {
            a.contribution = a.contribution.abs();
        }
        let unsigned = rank_factors(w, input, &attributions, Explanations::Unsigned);
        assert_eq!(unsigned[1].feature, "transcriptionAccuracy");
        assert!(unsigned.iter().all(|x| x.direction.is_none()));
    }

    #[test]
    fn ranking_keeps_the_first_five_of_a_stable_sort_of_every_candidate() {
        let w = find_workflow("stem-separation").unwrap();
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        for round in 0..500 {
            // Few distinct values, so ties are common; zeros too.
            let candidates: Vec<CriticalFactor> = (0..(round % 30))
                .map(|k| CriticalFactor {
                    feature: w.vector[k % w.vector.len()].feature,
                    value: k as f64,
                    weight: 0.0,
                    contribution: [-1.0, -0.5, 0.0, 0.25, 0.5, 2.0][(next() % 6) as usize],
                    direction: None,
                })
                .collect();
            let mut sorted = candidates.clone();
            // What `rank_factors_into` did before: sort every candidate.
            sorted.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
            sorted.truncate(MAX_CRITICAL_FACTORS);
            let mut top = [(0usize, 0.0f64); MAX_CRITICAL_FACTORS];
            let mut len = 0;
            for (slot, c) in candidates.iter().enumerate() {
                len = insert_ranked(&mut top, len, (slot, c.contribution));
            }
            let ranked: Vec<CriticalFactor> = top[..len]
                .iter()
                .map(|&(slot, _)| candidates[slot])
                .collect();
            assert_eq!(ranked, sorted, "round {round}");
        }
    }

    #[test]
    fn a_signed_entry_without_weight_contributes_zero_even_past_an_overflowing_mean() {
        let w = find_workflow("freestyle").unwrap();
        let n = w.vector.len();
        let mut weights = vec![0.0; n];
        weights[1] = 2.0;
        let mut means = vec![0.0; n];
        means[0] = -1e308; // 1e308 - (-1e308) overflows to infinity
        means[1] = f64::MAX;
        let mut vector = vec![0.5; n];
        vector[0] = 1e308;
        vector[1] = -f64::MAX;
        let model = LinearModel {
            weights,
            bias: 0.0,
            means: Some(means),
            explanations: Explanations::Signed,
        };
        let mut attributions = vec![Attribution::default(); n];
        model.explain(
            Input {
                vector: &vector,
                record: None,
            },
            &mut attributions,
        );
        assert_eq!(attributions[0].contribution, 0.0, "0 · ∞ would be NaN");
        assert_eq!(attributions[1].contribution, -f64::MAX, "clamped");
        assert!(attributions.iter().all(|a| a.contribution.is_finite()));
        let f = rank_factors(
            w,
            Input {
                vector: &vector,
                record: None,
            },
            &attributions,
            Explanations::Signed,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].feature, w.vector[1].feature);
    }

    #[test]
    fn rules_fire_only_for_top_factors_that_pass_their_test() {
        let w = find_workflow("freestyle").unwrap();
        let factor = |feature, value| CriticalFactor {
            feature,
            value,
            weight: 1.0,
            contribution: 1.0,
            direction: None,
        };
        let recs = recommendations(
            w,
            &[
                factor("micPermission", 0.0),
                factor("transcriptionAccuracy", 0.9),
            ],
            0.65,
        );
        assert_eq!(
            recs,
            [
                "Request microphone permission before starting recording",
                "Add retry logic with exponential backoff",
                "Implement graceful degradation strategies"
            ]
        );
        assert!(recommendations(w, &[], 0.5).is_empty());
    }
}
