//! AI Mastering (`ai-mastering`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::FailureMode;
use crate::schema::types::*;

pub const SCHEMA: WorkflowSchema = WorkflowSchema {
    workflow_type: "ai-mastering",
    display_name: "AI Mastering",
    interface: "AIMasteringFeatures",
    fields: FIELDS,
    vector: VECTOR,
    critical_features: CRITICAL,
    recommendation_rules: RULES,
    failure_modes: FAILURE_MODES,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "audioFileSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "audioDuration",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "peakLevel",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("dB"),
    },
    FieldSpec {
        name: "rmsLevel",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("dB"),
    },
    FieldSpec {
        name: "dynamicRange",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("dB"),
    },
    FieldSpec {
        name: "targetLUFS",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "enableLimiter",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "enableEQ",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "enableCompression",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "enableStereoWidening",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "targetClipping",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("threshold"),
    },
    FieldSpec {
        name: "targetFrequencyBalance",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "estimatedProcessingComplexity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "parallelProcessingEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "previousClippingIssues",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousLUFSAccuracyErrors",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousProcessingTimeouts",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageMasteringTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
];

const VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "audioSize",
        field: "audioFileSize",
        normalisation: Normalisation::Capped(100000000.0),
    },
    VectorEntry {
        feature: "duration",
        field: "audioDuration",
        normalisation: Normalisation::Capped(600.0),
    },
    VectorEntry {
        feature: "peakLevel",
        field: "peakLevel",
        normalisation: Normalisation::Shifted {
            offset: 60.0,
            divisor: 60.0,
        },
    },
    VectorEntry {
        feature: "rmsLevel",
        field: "rmsLevel",
        normalisation: Normalisation::Shifted {
            offset: 60.0,
            divisor: 60.0,
        },
    },
    VectorEntry {
        feature: "dynamicRange",
        field: "dynamicRange",
        normalisation: Normalisation::Capped(40.0),
    },
    VectorEntry {
        feature: "targetLUFS",
        field: "targetLUFS",
        normalisation: Normalisation::Shifted {
            offset: 30.0,
            divisor: 30.0,
        },
    },
    VectorEntry {
        feature: "enableLimiter",
        field: "enableLimiter",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "enableEQ",
        field: "enableEQ",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "enableCompression",
        field: "enableCompression",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "enableStereoWiden",
        field: "enableStereoWidening",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "processingComplexity",
        field: "estimatedProcessingComplexity",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "parallelProcessing",
        field: "parallelProcessingEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "prevClipping",
        field: "previousClippingIssues",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevLUFSErrors",
        field: "previousLUFSAccuracyErrors",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevTimeouts",
        field: "previousProcessingTimeouts",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "avgMasterTime",
        field: "averageMasteringTime",
        normalisation: Normalisation::Capped(60000.0),
    },
];

const CRITICAL: &[&str] = &[
    "networkLatency",
    "apiAvailable",
    "cpuUtilization",
    "systemMemory",
    "processingComplexity",
    "prevClipping",
    "prevLUFSErrors",
    "avgMasterTime",
];

const RULES: &[RecommendationRule] = &[
    RecommendationRule {
        feature: "prevClipping",
        test: RuleTest::Above(0.6),
        texts: &[
            "Implement pre-mastering level detection and normalization",
            "Add clipping detection before writing output",
        ],
    },
    RecommendationRule {
        feature: "processingComplexity",
        test: RuleTest::Above(0.8),
        texts: &[
            "Enable parallel processing for complex audio",
            "Add processing time estimates to manage user expectations",
        ],
    },
];

const FAILURE_MODES: &[FailureMode] = &[];
