//! The fields every raw workflow object carries, and the 8 common vector
//! entries that start every feature vector.

use super::types::*;

pub const BASE_INTERFACE: &str = "BaseWorkflowFeatures";

pub const BASE_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "workflowType",
        ty: FieldType::WorkflowType,
        default: FieldDefault::NotApplicable,
        note: None,
    },
    FieldSpec {
        name: "timestamp",
        ty: FieldType::Text,
        default: FieldDefault::NotApplicable,
        note: Some("ISO-8601"),
    },
    FieldSpec {
        name: "networkLatencyMs",
        ty: FieldType::Number,
        default: FieldDefault::Number(80.0),
        note: Some("ms"),
    },
    FieldSpec {
        name: "apiAvailable",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "userConcurrency",
        ty: FieldType::Number,
        default: FieldDefault::Number(10.0),
        note: None,
    },
    FieldSpec {
        name: "systemMemoryMB",
        ty: FieldType::Number,
        default: FieldDefault::Number(8192.0),
        note: Some("MB"),
    },
    FieldSpec {
        name: "cpuUtilization",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.4),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "timeOfDay",
        ty: FieldType::Number,
        default: FieldDefault::Number(12.0),
        note: Some("0-23"),
    },
    FieldSpec {
        name: "dayOfWeek",
        ty: FieldType::Number,
        default: FieldDefault::Number(2.0),
        note: Some("0-6"),
    },
    FieldSpec {
        name: "isWeekend",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(false),
        note: None,
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
