//! The fields every raw workflow object carries, and the 8 common vector
//! entries that start every feature vector.

use super::failure_modes::*;
use super::types::*;

pub const BASE_INTERFACE: &str = "BaseWorkflowFeatures";

pub const BASE_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "workflowType",
        ty: FieldType::WorkflowType,
        default: FieldDefault::NotApplicable,
        note: None,
        gen: Gen::Fixed,
    },
    FieldSpec {
        name: "timestamp",
        ty: FieldType::Text,
        default: FieldDefault::NotApplicable,
        note: Some("ISO-8601"),
        gen: Gen::Fixed,
    },
    FieldSpec {
        name: "networkLatencyMs",
        ty: FieldType::Number,
        default: FieldDefault::Number(80.0),
        note: Some("ms"),
        gen: Gen::LogNormal {
            median: 80.0,
            sigma: 0.7,
            min: 5.0,
            max: 1000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "apiAvailable",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.95),
    },
    FieldSpec {
        name: "userConcurrency",
        ty: FieldType::Number,
        default: FieldDefault::Number(12.0),
        note: None,
        gen: Gen::LogNormal {
            median: 12.0,
            sigma: 0.8,
            min: 1.0,
            max: 100.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "systemMemoryMB",
        ty: FieldType::Number,
        default: FieldDefault::Number(8192.0),
        note: Some("MB"),
        gen: Gen::NumberChoice(&[
            (2048.0, 0.1),
            (4096.0, 0.25),
            (8192.0, 0.4),
            (16384.0, 0.25),
        ]),
    },
    FieldSpec {
        name: "cpuUtilization",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.45),
        note: Some("0-1"),
        // Usually moderate; sometimes saturated by other work.
        gen: Gen::TwoRegimes {
            lo: 0.15,
            hi: 0.55,
            degraded_lo: 0.9,
            degraded_hi: 1.0,
            p_degraded: 0.12,
            dp: 3,
        },
    },
    FieldSpec {
        name: "timeOfDay",
        ty: FieldType::Number,
        default: FieldDefault::Number(12.0),
        note: Some("0-23"),
        gen: Gen::IntRange { lo: 0, hi: 23 },
    },
    FieldSpec {
        name: "dayOfWeek",
        ty: FieldType::Number,
        default: FieldDefault::Number(2.0),
        note: Some("0-6"),
        gen: Gen::IntRange { lo: 0, hi: 6 },
    },
    FieldSpec {
        name: "isWeekend",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(false),
        note: None,
        gen: Gen::Derived(Derived::IsWeekend("dayOfWeek")),
    },
];

pub const BASE_VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "networkLatency",
        field: "networkLatencyMs",
        normalisation: Normalisation::Scaled(1000.0),
    },
    VectorEntry {
        feature: "apiAvailable",
        field: "apiAvailable",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "userConcurrency",
        field: "userConcurrency",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "systemMemory",
        field: "systemMemoryMB",
        normalisation: Normalisation::Scaled(16384.0),
    },
    VectorEntry {
        feature: "cpuUtilization",
        field: "cpuUtilization",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "timeOfDay",
        field: "timeOfDay",
        normalisation: Normalisation::Scaled(24.0),
    },
    VectorEntry {
        feature: "dayOfWeek",
        field: "dayOfWeek",
        normalisation: Normalisation::Scaled(7.0),
    },
    VectorEntry {
        feature: "isWeekend",
        field: "isWeekend",
        normalisation: Normalisation::Bool,
    },
];

/// Known directions of effect of base fields, in every workflow.
pub const BASE_MONOTONE: &[(&str, Monotone)] = &[("networkLatencyMs", Monotone::Increasing)];
