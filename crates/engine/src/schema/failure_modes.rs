//! The synthetic generator's world model, as data: how each raw field is
//! drawn (`Gen`, attached to every `FieldSpec`) and how failures arise from
//! the drawn fields (`FailureMode`, declared per workflow next to its fields).
//!
//! A failure mode is a hazard: `h = logistic(base_logit + Σ weight·signal)`.
//! A scenario fails with probability `1 − Π(1 − h_i)`; each mode fires
//! independently and the most severe one that fired is reported.
//!
//! The world is graded and noisy, as recorded outcomes are:
//! - hazards are moderate: a denied permission or a lost connection makes a
//!   failure likely (about 0.6-0.8), not certain, and healthy runs still fail
//!   now and then (about 1-5 % per mode), so labels are noisy given the
//!   fields and the best possible AUC (of the true probability) is 0.75-0.95
//!   per workflow, not 1;
//! - continuous drivers act through graded hinges (`Excess`, `Shortfall`)
//!   rather than steps;
//! - the interactions DESIGN.md names are products or ratios of fields:
//!   memory required against memory available (`RatioExcess`), latency ×
//!   concurrency and duration × CPU (`Product`), which a model linear in the
//!   normalised vector can only approximate;
//! - some workflows fail more at certain hours (`HourWindow`), a bump that
//!   is not monotone in the hour;
//! - the generator omits a field or two from some rows (see `synth`), as
//!   real callers do; the true probability is that of the complete record.
//!
//! Every signal reads raw fields that feed a vector entry (tested), and
//! fields no mode reads do not affect failure at all. Mode frequencies
//! roughly follow DESIGN.md §4 and every workflow fails 20–40 % of the time
//! (tested).

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
    /// `(a / a_scale) · (b / b_scale)`: an interaction of two loads, e.g.
    /// latency × concurrency or duration × CPU.
    Product {
        a: &'static str,
        a_scale: f64,
        b: &'static str,
        b_scale: f64,
    },
    /// 1 when the hour field is in `[from, to)` (wrapping past midnight when
    /// `from > to`): a time-of-day window such as the evening peak.
    HourWindow {
        field: &'static str,
        from: f64,
        to: f64,
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
            Signal::Excess { field, .. }
            | Signal::Shortfall { field, .. }
            | Signal::HourWindow { field, .. } => vec![field],
            Signal::Product { a, b, .. } => vec![a, b],
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

/// A known direction of a raw field's effect on the failure probability,
/// all else equal: data for families that can constrain it (trees), and
/// true of the generator's world (tested).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monotone {
    /// More of it never lowers the risk (previous failures, latencies,
    /// memory required).
    Increasing,
    /// More of it never raises the risk (memory available).
    Decreasing,
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
