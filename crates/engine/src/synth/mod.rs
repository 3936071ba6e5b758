//! Reproducible synthetic scenarios: every raw field drawn from the
//! distribution its schema declares (`FieldSpec::gen`), failures sampled from
//! the workflow's declared failure modes.
//!
//! Reproducibility: each workflow draws from its own ChaCha8 stream (stream
//! number = the workflow's position in `WORKFLOW_SCHEMAS`) of the seed, row
//! after row. So workflows can be generated in parallel, changing one
//! workflow's count never changes another's rows, and a larger count only
//! appends rows. All arithmetic that feeds the output is IEEE-exact or uses
//! the portable `math::exp`/`math::ln`, so the same seed gives byte-identical
//! JSON on every platform.

pub mod math;
pub mod time;

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rayon::prelude::*;

use crate::error::{EngineError, Result};
use crate::features::{self, number_json, RawRecord};
use crate::schema::failure_modes::{Derived, FailureMode, Gen, Severity, Signal};
use crate::schema::{all_workflows, find_workflow, FieldType, Workflow};
use math::Draws;

/// Scenarios per workflow, indexed like `all_workflows()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts(pub [usize; 8]);

impl Default for Counts {
    /// The old generator's counts: freestyle 150, melody-to-vocals 120, the
    /// other six 110 (930 in all).
    fn default() -> Self {
        Counts([150, 120, 110, 110, 110, 110, 110, 110])
    }
}

impl Counts {
    /// Every count multiplied by `factor`.
    pub fn scaled(&self, factor: usize) -> Counts {
        Counts(self.0.map(|n| n * factor))
    }

    pub fn get(&self, workflow: &Workflow) -> usize {
        self.0[workflow.index]
    }

    /// The defaults with some workflows' counts replaced.
    pub fn with_overrides<'a>(
        overrides: impl IntoIterator<Item = (&'a str, usize)>,
    ) -> Result<Counts> {
        let mut counts = Counts::default();
        for (name, n) in overrides {
            let w = find_workflow(name).ok_or_else(|| features::unknown_workflow(name))?;
            counts.0[w.index] = n;
        }
        Ok(counts)
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// One generated workflow run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `<workflowType>-<n>`, n counting from 1 within the workflow.
    pub id: String,
    pub workflow: &'static Workflow,
    pub record: RawRecord,
    /// `features::vectorise` of the record, in vector order (omitted fields
    /// at their schema defaults, as `featuresToVector` fills them in).
    pub vector: Vec<f64>,
    pub failed: bool,
    /// The firing mode's severity, `low` when nothing failed.
    pub severity: Severity,
    pub failure_type: Option<&'static str>,
    /// `1 − Π(1 − hazard_i)`: the Bayes-optimal prediction for this row.
    pub true_failure_probability: f64,
    pub timestamp: String,
}

/// Share of generated rows that omit fields, as callers sometimes do.
pub const OMITTING_ROW_SHARE: f64 = 0.08;
/// Such a row omits 1 to this many fields (never `workflowType` or `timestamp`).
pub const MAX_OMITTED_FIELDS: i64 = 2;

/// Sunday 2025-10-05 00:00 UTC, as days since the epoch: the first day of
/// the generated timestamps, so that `dayOfWeek` 0 lands on a Sunday.
const BASE_DAY: i64 = 20_366;
/// Generated timestamps fall in the 8 weeks from `BASE_DAY`.
const WEEKS: i64 = 8;

/// Generate `counts` scenarios per workflow, workflows in schema order.
pub fn generate(seed: u64, counts: &Counts) -> Vec<Scenario> {
    let per_workflow: Vec<Vec<Scenario>> = all_workflows()
        .par_iter()
        .map(|w| generate_workflow(seed, w, counts.get(w)))
        .collect();
    per_workflow.into_iter().flatten().collect()
}

/// The first `n` scenarios of one workflow's stream.
pub fn generate_workflow(seed: u64, workflow: &'static Workflow, n: usize) -> Vec<Scenario> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(workflow.index as u64);
    let mut draws = Draws::new(rng);
    (1..=n)
        .map(|i| draw_scenario(workflow, i, &mut draws))
        .collect()
}

fn draw_scenario(w: &'static Workflow, n: usize, d: &mut Draws) -> Scenario {
    let mut values = vec![0.0; w.fields.len()];
    // Drawn fields first, in schema order; derived ones after, so they may
    // read any drawn field and the derived fields declared before them.
    for (i, spec) in w.fields.iter().enumerate() {
        values[i] = match spec.gen {
            Gen::Fixed | Gen::Derived(_) => 0.0,
            Gen::Bernoulli(p) => f64::from(u8::from(d.bernoulli(p))),
            Gen::Uniform { lo, hi, dp } => math::round_dp(lo + (hi - lo) * d.uniform(), dp),
            Gen::IntRange { lo, hi } => d.int_range(lo, hi) as f64,
            Gen::LogNormal {
                median,
                sigma,
                min,
                max,
                dp,
            } => math::round_dp(median * math::exp(sigma * d.normal()), dp).clamp(min, max),
            Gen::Normal {
                mean,
                sd,
                min,
                max,
                dp,
            } => math::round_dp(mean + sd * d.normal(), dp).clamp(min, max),
            Gen::Count { mean, max } => d.count(mean, max) as f64,
            Gen::TwoRegimes {
                lo,
                hi,
                degraded_lo,
                degraded_hi,
                p_degraded,
                dp,
            } => {
                let (a, b) = if d.bernoulli(p_degraded) {
                    (degraded_lo, degraded_hi)
                } else {
                    (lo, hi)
                };
                math::round_dp(a + (b - a) * d.uniform(), dp)
            }
            Gen::Choice(options) => {
                let k = d.weighted(options.iter().map(|(_, p)| *p));
                enum_index(spec.ty, options[k].0)
            }
            Gen::NumberChoice(options) => options[d.weighted(options.iter().map(|(_, p)| *p))].0,
        };
    }
    for (i, spec) in w.fields.iter().enumerate() {
        if let Gen::Derived(derived) = spec.gen {
            values[i] = derive(w, &values, derived, d);
        }
    }
    let timestamp = timestamp(w, &values, d);
    let mut record = RawRecord {
        missing: vec![false; values.len()],
        values,
    };

    // Each mode fires independently with its hazard, so P(fail) is exactly
    // 1 − Π(1 − h_i). When several fire, the most severe is reported (the
    // first declared among equals): it is the one a user would notice.
    let mut survive = 1.0;
    let mut fired: Option<&FailureMode> = None;
    for mode in w.schema.failure_modes {
        let h = hazard(w, &record.values, mode);
        survive *= 1.0 - h;
        if d.uniform() < h && fired.is_none_or(|f| mode.severity > f.severity) {
            fired = Some(mode);
        }
    }
    // The truth is that of the complete record; the caller then leaves a
    // field or two out of some rows. An omitted field reads as the schema
    // default, as `read_record` fills it in.
    if d.bernoulli(OMITTING_ROW_SHARE) {
        let candidates: Vec<usize> = (0..w.fields.len())
            .filter(|i| w.fields[*i].gen != Gen::Fixed)
            .collect();
        for _ in 0..d.int_range(1, MAX_OMITTED_FIELDS) {
            let i = candidates[d.int_range(0, candidates.len() as i64 - 1) as usize];
            record.missing[i] = true;
            record.values[i] = features::default_value(w.fields[i]);
        }
    }
    let vector = features::vectorise(w, &record, None);
    Scenario {
        id: format!("{}-{n}", w.workflow_type()),
        workflow: w,
        record,
        vector,
        failed: fired.is_some(),
        severity: fired.map_or(Severity::Low, |m| m.severity),
        failure_type: fired.map(|m| m.name),
        true_failure_probability: 1.0 - survive,
        timestamp,
    }
}

fn enum_index(ty: FieldType, value: &str) -> f64 {
    match ty {
        FieldType::Enum(values) => values.iter().position(|v| *v == value).unwrap_or(0) as f64,
        _ => 0.0,
    }
}

/// The value of a named field. Names are checked by the schema tests, so a
/// miss is a declaration bug; it reads as 0 rather than aborting generation.
fn field(w: &Workflow, values: &[f64], name: &str) -> f64 {
    w.field_index(name).map_or(0.0, |i| values[i])
}

fn derive(w: &Workflow, values: &[f64], derived: Derived, d: &mut Draws) -> f64 {
    let get = |name| field(w, values, name);
    let jittered = |x: f64, jitter: f64, d: &mut Draws| {
        if jitter > 0.0 {
            x * math::exp(jitter * d.normal())
        } else {
            x
        }
    };
    match derived {
        Derived::IsWeekend(day) => {
            let day = get(day);
            f64::from(u8::from(day == 0.0 || day == 6.0))
        }
        Derived::Product {
            a,
            b,
            factor,
            jitter,
            dp,
        } => math::round_dp(jittered(get(a) * get(b) * factor, jitter, d), dp),
        Derived::ScaledFrom {
            a,
            factor,
            jitter,
            dp,
        } => math::round_dp(jittered(get(a) * factor, jitter, d), dp),
        Derived::FloorQuotient { a, b } => {
            let b = get(b);
            if b == 0.0 {
                0.0
            } else {
                (get(a) / b).floor()
            }
        }
        Derived::AtLeast { a, threshold } => f64::from(u8::from(get(a) >= threshold)),
        Derived::Linear {
            terms,
            intercept,
            sd,
            min,
            max,
            dp,
        } => {
            let mean = terms.iter().fold(intercept, |acc, (f, c)| acc + c * get(f));
            math::round_dp(mean + sd * d.normal(), dp).clamp(min, max)
        }
    }
}

/// A timestamp consistent with the drawn `dayOfWeek` and `timeOfDay`.
fn timestamp(w: &Workflow, values: &[f64], d: &mut Draws) -> String {
    let week = d.int_range(0, WEEKS - 1);
    let day = BASE_DAY + week * 7 + field(w, values, "dayOfWeek") as i64;
    let hour = field(w, values, "timeOfDay") as i64;
    let ms_in_hour = d.int_range(0, 3_599_999);
    time::iso_from_unix_ms(day * 86_400_000 + hour * 3_600_000 + ms_in_hour)
}

/// One signal's value on raw field values.
pub fn signal_value(w: &Workflow, values: &[f64], signal: Signal) -> f64 {
    let get = |name| field(w, values, name);
    let is = |name: &str, wanted: &str| {
        w.field_index(name).is_some_and(|i| match w.fields[i].ty {
            FieldType::Enum(options) => options.get(values[i] as usize) == Some(&wanted),
            _ => false,
        })
    };
    let flag = |b: bool| f64::from(u8::from(b));
    match signal {
        Signal::IsTrue(f) => flag(get(f) != 0.0),
        Signal::IsFalse(f) => flag(get(f) == 0.0),
        Signal::EnumIs(f, v) => flag(is(f, v)),
        Signal::EnumIsNot(f, v) => flag(!is(f, v)),
        Signal::Scaled(f, divisor) => get(f) / divisor,
        Signal::Capped(f, divisor) => (get(f) / divisor).min(1.0),
        Signal::Excess {
            field,
            threshold,
            scale,
        } => (get(field) - threshold).max(0.0) / scale,
        Signal::Shortfall {
            field,
            threshold,
            scale,
        } => (threshold - get(field)).max(0.0) / scale,
        Signal::Product {
            a,
            a_scale,
            b,
            b_scale,
        } => (get(a) / a_scale) * (get(b) / b_scale),
        Signal::HourWindow { field, from, to } => {
            let h = get(field);
            flag(if from <= to {
                from <= h && h < to
            } else {
                h >= from || h < to
            })
        }
        Signal::RatioExcess {
            numerator,
            denominator,
            threshold,
            scale,
        } => {
            let den = get(denominator);
            let ratio = if den == 0.0 {
                threshold + 10.0 * scale
            } else {
                get(numerator) / den
            };
            (ratio - threshold).max(0.0) / scale
        }
    }
}

/// The hazard of one failure mode on raw field values.
pub fn hazard(w: &Workflow, values: &[f64], mode: &FailureMode) -> f64 {
    let logit = mode.terms.iter().fold(mode.base_logit, |acc, t| {
        acc + t.weight * signal_value(w, values, t.signal)
    });
    math::logistic(logit)
}

/// The generated data as JSON: the old format (`id, workflowType, features,
/// failed, severity, timestamp`) plus `raw`, `failureType` and
/// `trueFailureProbability`. Keys keep vector and schema order; numbers that
/// are integers are written without a fraction, as JavaScript does.
pub fn to_json(scenarios: &[Scenario]) -> String {
    let mut out = String::with_capacity(scenarios.len() * 3000);
    out.push('[');
    for (k, s) in scenarios.iter().enumerate() {
        out.push_str(if k == 0 { "\n  {" } else { ",\n  {" });
        let w = s.workflow;
        push_key(&mut out, 4, "id", &json_string(&s.id), true);
        push_key(
            &mut out,
            4,
            "workflowType",
            &json_string(w.workflow_type()),
            false,
        );
        out.push_str(",\n    \"features\": {");
        for (i, (name, x)) in w.feature_names().zip(&s.vector).enumerate() {
            push_key(&mut out, 6, name, &number_json(*x).to_string(), i == 0);
        }
        out.push_str("\n    }");
        push_key(&mut out, 4, "failed", &s.failed.to_string(), false);
        push_key(
            &mut out,
            4,
            "severity",
            &json_string(s.severity.as_str()),
            false,
        );
        push_key(&mut out, 4, "timestamp", &json_string(&s.timestamp), false);
        out.push_str(",\n    \"raw\": {");
        let raw = features::record_to_json(w, &s.record, &s.timestamp);
        let mut first = true;
        for spec in &w.fields {
            if let Some(value) = raw.get(spec.name) {
                push_key(&mut out, 6, spec.name, &value.to_string(), first);
                first = false;
            }
        }
        out.push_str("\n    }");
        let failure_type = s.failure_type.map_or("null".to_string(), json_string);
        push_key(&mut out, 4, "failureType", &failure_type, false);
        push_key(
            &mut out,
            4,
            "trueFailureProbability",
            &number_json(s.true_failure_probability).to_string(),
            false,
        );
        out.push_str("\n  }");
    }
    out.push_str(if scenarios.is_empty() { "]" } else { "\n]" });
    out
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn push_key(out: &mut String, indent: usize, key: &str, value: &str, first: bool) {
    if !first {
        out.push(',');
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
    out.push_str(&json_string(key));
    out.push_str(": ");
    out.push_str(value);
}

/// Write generated data to `path` atomically.
pub fn write_json(path: &std::path::Path, scenarios: &[Scenario]) -> Result<()> {
    crate::model::write_atomic(path, to_json(scenarios).as_bytes())
}

/// The largest scenario count per workflow.
pub const MAX_COUNT: usize = 1_000_000;

/// Check that a count is usable (the binding passes numbers from JavaScript).
pub fn check_count(workflow: &str, n: f64) -> Result<usize> {
    // Generated scenarios are held in memory and returned as one JSON string,
    // so the count is bounded well below what would exhaust memory (an
    // allocation failure aborts the process; it cannot become an error).
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= MAX_COUNT as f64 {
        Ok(n as usize)
    } else {
        Err(EngineError::InvalidArgument {
            name: format!("counts.{workflow}"),
            reason: format!("expected a whole number from 0 to {MAX_COUNT}, received {n}"),
        })
    }
}

#[cfg(test)]
mod tests;
