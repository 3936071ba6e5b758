//! The synthetic generator's world model, as data: how each raw field is
//! drawn (`Gen`, attached to every `FieldSpec`) and how failures arise from
//! the drawn fields (`FailureMode`, declared per workflow next to its fields).
//!
//! A failure mode is a hazard: `h = logistic(base_logit + Σ weight·signal)`.
//! A scenario fails with probability `1 − Π(1 − h_i)`; each mode fires
//! independently and the most severe one that fired is reported.
//!
//! The trained model is a logistic regression on the normalised vector,
//! fitted on ~90 rows of ~25-33 features at the default counts, and judged
//! by its held-out AUC against the AUC of the true probability on the same
//! 22-30 rows. So the world is built to be learnable from few rows:
//! - every signal reads only raw fields that feed a vector entry (tested),
//!   and fields no mode reads do not affect failure at all;
//! - each mode has one *primary driver*: a boolean/enum flag, or a
//!   continuous field drawn in two well-separated regimes
//!   (`Gen::TwoRegimes`: healthy most of the time, clearly degraded
//!   sometimes, with an empty band between). The hazard is steep in it,
//!   through a flag or an `Excess`/`Shortfall` hinge placed in that empty
//!   band: about 0.0001 in the healthy regime and 0.95-0.999 in the degraded
//!   one. On the data, this is linear in the vector within each regime.
//!   The regimes are far apart compared with the healthy spread, so a linear
//!   score separates them even with noisy weights on the other features;
//! - the other drivers DESIGN.md names are small graded terms (weights
//!   0.1-3 per unit of the vector entry, or 0.3 per previous incident), so
//!   they shade the hazard without creating a band of uncertain labels, and
//!   the few interactions (`RatioExcess`) are smaller still;
//! - a low healthy hazard keeps "surprise" failures (a failing row the
//!   drivers call healthy) rare: each one can move a 25-row AUC by up to
//!   1/(number of positives), for the model and the true probability alike
//!   but in different directions.
//! Two modes combine as `1 − Π(1 − h)`; with near-0/1 hazards this is an OR
//! of the degraded regimes, which an additive logit with large weights
//! ranks correctly. Mode frequencies follow DESIGN.md §4 (the degraded
//! regime's probability times its hazard), and every workflow fails 20–40 %
//! of the time (tested).

/// How bad a failure is. Scenarios that did not fail are reported as `Low`,
/// as the old training data did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// One input to a hazard, computed from the raw (not normalised) fields.
/// Booleans read as 0/1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Signal {
    /// 1 when the boolean field is true.
    IsTrue(&'static str),
    /// 1 when the boolean field is false.
    IsFalse(&'static str),
    /// 1 when the enum field has this value.
    EnumIs(&'static str, &'static str),
    /// 1 when the enum field has any other value.
    EnumIsNot(&'static str, &'static str),
    /// `x / divisor`: a graded, linear effect.
    Scaled(&'static str, f64),
    /// `min(x / divisor, 1)`: a graded effect that saturates, as the vector's
    /// capped entries do.
    Capped(&'static str, f64),
    /// `max(0, x − threshold) / scale`: grows once `x` passes the threshold.
    Excess {
        field: &'static str,
        threshold: f64,
        scale: f64,
    },
    /// `max(0, threshold − x) / scale`: grows once `x` falls below the threshold.
    Shortfall {
        field: &'static str,
        threshold: f64,
        scale: f64,
    },
    /// `max(0, numerator / denominator − threshold) / scale`: an interaction,
    /// e.g. memory required against memory available. A zero denominator
    /// counts as the ratio being infinite, capped at `threshold + 10·scale`.
    RatioExcess {
        numerator: &'static str,
        denominator: &'static str,
        threshold: f64,
        scale: f64,
    },
}

impl Signal {
    /// The raw fields this signal reads.
    pub fn fields(&self) -> Vec<&'static str> {
        match *self {
            Signal::IsTrue(f)
            | Signal::IsFalse(f)
            | Signal::EnumIs(f, _)
            | Signal::EnumIsNot(f, _)
            | Signal::Scaled(f, _)
            | Signal::Capped(f, _) => vec![f],
            Signal::Excess { field, .. } | Signal::Shortfall { field, .. } => vec![field],
            Signal::RatioExcess {
                numerator,
                denominator,
                ..
            } => vec![numerator, denominator],
        }
    }
}

/// `weight · signal`, one summand of a hazard's logit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    pub weight: f64,
    pub signal: Signal,
}

/// Shorthand for declaring terms.
pub const fn term(weight: f64, signal: Signal) -> Term {
    Term { weight, signal }
}

/// One way a workflow run fails.
#[derive(Debug, Clone, Copy)]
pub struct FailureMode {
    /// Reported as `failureType`.
    pub name: &'static str,
    pub severity: Severity,
    /// The hazard's logit when every signal is 0.
    pub base_logit: f64,
    pub terms: &'static [Term],
}

/// How the generator draws one raw field. Continuous draws are rounded to
/// `dp` decimals so that the raw JSON looks like measured data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gen {
    /// Not drawn: `workflowType` is the workflow's own, `timestamp` is built
    /// from `timeOfDay` and `dayOfWeek`.
    Fixed,
    /// `true` with probability `p`.
    Bernoulli(f64),
    /// Uniform on `[lo, hi)`.
    Uniform { lo: f64, hi: f64, dp: u8 },
    /// A uniform integer in `lo..=hi`.
    IntRange { lo: i64, hi: i64 },
    /// `median · e^(sigma·Z)`, Z standard normal, clamped to `[min, max]`:
    /// latencies, sizes and durations are right-skewed.
    LogNormal {
        median: f64,
        sigma: f64,
        min: f64,
        max: f64,
        dp: u8,
    },
    /// `mean + sd·Z`, clamped to `[min, max]`.
    Normal {
        mean: f64,
        sd: f64,
        min: f64,
        max: f64,
        dp: u8,
    },
    /// Two regimes: with probability `p_degraded` uniform on
    /// `[degraded_lo, degraded_hi)`, else uniform on `[lo, hi)`. Systems are
    /// usually healthy and sometimes clearly not (a congested network, a
    /// noisy room), which is also what makes the effect learnable from few rows.
    TwoRegimes {
        lo: f64,
        hi: f64,
        degraded_lo: f64,
        degraded_hi: f64,
        p_degraded: f64,
        dp: u8,
    },
    /// A count of past incidents: geometric with this mean, capped at `max`.
    Count { mean: f64, max: i64 },
    /// One enum value, by weight.
    Choice(&'static [(&'static str, f64)]),
    /// One number out of a set (sample rates, FFT sizes), by weight.
    NumberChoice(&'static [(f64, f64)]),
    /// Computed from other fields after the drawn ones (see `Derived`).
    Derived(Derived),
}

/// Fields that are functions of others, so that the raw object is consistent.
/// Sources are drawn fields or derived fields declared earlier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Derived {
    /// `true` for day 0 (Sunday) or 6 (Saturday), as JavaScript's `getDay()` counts.
    IsWeekend(&'static str),
    /// `a · b · factor`, times `e^(jitter·Z)` when `jitter > 0`, rounded to `dp`.
    Product {
        a: &'static str,
        b: &'static str,
        factor: f64,
        jitter: f64,
        dp: u8,
    },
    /// `a · factor`, times `e^(jitter·Z)`, rounded to `dp`.
    ScaledFrom {
        a: &'static str,
        factor: f64,
        jitter: f64,
        dp: u8,
    },
    /// `floor(a / b)` (0 when `b` is 0): frame counts.
    FloorQuotient { a: &'static str, b: &'static str },
    /// `true` when `a >= threshold`: flags consistent with the number they summarise.
    AtLeast { a: &'static str, threshold: f64 },
    /// `intercept + Σ coef·field + sd·Z`, clamped to `[min, max]`, rounded to
    /// `dp`: a measurement that depends on others (e.g. match confidence on
    /// microphone quality and background noise).
    Linear {
        terms: &'static [(&'static str, f64)],
        intercept: f64,
        sd: f64,
        min: f64,
        max: f64,
        dp: u8,
    },
}

impl Gen {
    /// The fields a derived value reads (empty for drawn fields).
    pub fn sources(&self) -> Vec<&'static str> {
        match *self {
            Gen::Derived(Derived::IsWeekend(a))
            | Gen::Derived(Derived::ScaledFrom { a, .. })
            | Gen::Derived(Derived::AtLeast { a, .. }) => vec![a],
            Gen::Derived(Derived::Product { a, b, .. })
            | Gen::Derived(Derived::FloorQuotient { a, b }) => vec![a, b],
            Gen::Derived(Derived::Linear { terms, .. }) => terms.iter().map(|t| t.0).collect(),
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{all_workflows, FieldType, Workflow};

    fn field_type(w: &Workflow, name: &str) -> FieldType {
        let i = w
            .field_index(name)
            .unwrap_or_else(|| panic!("{}: unknown field {name}", w.workflow_type()));
        w.fields[i].ty
    }

    #[test]
    fn every_signal_reads_a_vectorised_field_of_the_right_type() {
        for w in all_workflows() {
            assert!(
                !w.schema.failure_modes.is_empty(),
                "{} declares no failure modes",
                w.workflow_type()
            );
            for mode in w.schema.failure_modes {
                for t in mode.terms {
                    for f in t.signal.fields() {
                        let i = w.field_index(f).unwrap();
                        // A hazard on a field no vector entry reads could never be learned.
                        assert!(
                            w.vector.iter().any(|e| e.field_index == i),
                            "{}/{}: {f} feeds no vector entry",
                            w.workflow_type(),
                            mode.name
                        );
                    }
                    let ty = field_type(w, t.signal.fields()[0]);
                    let ok = match t.signal {
                        Signal::IsTrue(_) | Signal::IsFalse(_) => ty == FieldType::Boolean,
                        Signal::EnumIs(_, v) | Signal::EnumIsNot(_, v) => {
                            matches!(ty, FieldType::Enum(values) if values.contains(&v))
                        }
                        _ => t
                            .signal
                            .fields()
                            .iter()
                            .all(|f| field_type(w, f) == FieldType::Number),
                    };
                    assert!(ok, "{}/{}: {:?}", w.workflow_type(), mode.name, t.signal);
                }
            }
        }
    }

    #[test]
    fn every_generator_fits_its_field_and_derived_fields_read_earlier_ones() {
        for w in all_workflows() {
            let mut available: Vec<&str> = w
                .fields
                .iter()
                .filter(|f| !matches!(f.gen, Gen::Derived(_)))
                .map(|f| f.name)
                .collect();
            for f in &w.fields {
                let ok = match (f.gen, f.ty) {
                    (Gen::Fixed, FieldType::Text | FieldType::WorkflowType) => true,
                    (Gen::Bernoulli(p), FieldType::Boolean) => (0.0..=1.0).contains(&p),
                    (Gen::Choice(options), FieldType::Enum(values)) => {
                        options.iter().all(|(v, p)| values.contains(v) && *p > 0.0)
                    }
                    (
                        Gen::Derived(Derived::IsWeekend(_) | Derived::AtLeast { .. }),
                        FieldType::Boolean,
                    ) => true,
                    (Gen::Derived(_), FieldType::Number) => true,
                    (
                        Gen::Uniform { .. }
                        | Gen::IntRange { .. }
                        | Gen::LogNormal { .. }
                        | Gen::Normal { .. }
                        | Gen::Count { .. }
                        | Gen::TwoRegimes { .. }
                        | Gen::NumberChoice(_),
                        FieldType::Number,
                    ) => true,
                    _ => false,
                };
                assert!(
                    ok,
                    "{}.{}: {:?} vs {:?}",
                    w.workflow_type(),
                    f.name,
                    f.gen,
                    f.ty
                );
                if let Gen::Derived(_) = f.gen {
                    for s in f.gen.sources() {
                        assert!(
                            available.contains(&s),
                            "{}.{} reads {s} before it exists",
                            w.workflow_type(),
                            f.name
                        );
                    }
                    available.push(f.name);
                }
            }
        }
    }
}
