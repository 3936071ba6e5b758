//! AI Mastering (`ai-mastering`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::*;
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
    monotone: MONOTONE,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "audioFileSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(35280000.0),
        note: None,
        gen: Gen::Derived(Derived::ScaledFrom {
            a: "audioDuration",
            factor: 176400.0,
            jitter: 0.05,
            dp: 0,
        }),
    },
    FieldSpec {
        name: "audioDuration",
        ty: FieldType::Number,
        default: FieldDefault::Number(200.0),
        note: None,
        gen: Gen::LogNormal {
            median: 200.0,
            sigma: 0.4,
            min: 30.0,
            max: 600.0,
            dp: 1,
        },
    },
    FieldSpec {
        name: "peakLevel",
        ty: FieldType::Number,
        default: FieldDefault::Number(-3.0),
        note: Some("dB"),
        gen: Gen::Normal {
            mean: -3.0,
            sd: 2.5,
            min: -20.0,
            max: 0.0,
            dp: 2,
        },
    },
    FieldSpec {
        name: "rmsLevel",
        ty: FieldType::Number,
        default: FieldDefault::Number(-16.0),
        note: Some("dB"),
        gen: Gen::Normal {
            mean: -16.0,
            sd: 4.0,
            min: -40.0,
            max: -3.0,
            dp: 2,
        },
    },
    FieldSpec {
        name: "dynamicRange",
        ty: FieldType::Number,
        default: FieldDefault::Number(12.0),
        note: Some("dB"),
        gen: Gen::Normal {
            mean: 12.0,
            sd: 4.0,
            min: 3.0,
            max: 30.0,
            dp: 1,
        },
    },
    FieldSpec {
        name: "targetLUFS",
        ty: FieldType::Number,
        default: FieldDefault::Number(-14.0),
        note: None,
        gen: Gen::NumberChoice(&[(-16.0, 0.2), (-14.0, 0.5), (-11.0, 0.2), (-9.0, 0.1)]),
    },
    FieldSpec {
        name: "enableLimiter",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.8),
    },
    FieldSpec {
        name: "enableEQ",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.7),
    },
    FieldSpec {
        name: "enableCompression",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.75),
    },
    FieldSpec {
        name: "enableStereoWidening",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(false),
        note: None,
        gen: Gen::Bernoulli(0.4),
    },
    FieldSpec {
        name: "targetClipping",
        ty: FieldType::Number,
        default: FieldDefault::Number(-0.5),
        note: Some("threshold"),
        gen: Gen::Uniform {
            lo: -1.0,
            hi: -0.1,
            dp: 2,
        },
    },
    FieldSpec {
        name: "targetFrequencyBalance",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.5),
        note: Some("0-1"),
        gen: Gen::Uniform {
            lo: 0.0,
            hi: 1.0,
            dp: 3,
        },
    },
    FieldSpec {
        name: "estimatedProcessingComplexity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.5),
        note: Some("0-1"),
        gen: Gen::TwoRegimes {
            lo: 0.0,
            hi: 0.35,
            degraded_lo: 0.75,
            degraded_hi: 1.0,
            p_degraded: 0.12,
            dp: 3,
        },
    },
    FieldSpec {
        name: "parallelProcessingEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.6),
    },
    FieldSpec {
        name: "previousClippingIssues",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousLUFSAccuracyErrors",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousProcessingTimeouts",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "averageMasteringTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(12000.0),
        note: None,
        gen: Gen::LogNormal {
            median: 12000.0,
            sigma: 0.5,
            min: 2000.0,
            max: 60000.0,
            dp: 0,
        },
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

/// DESIGN.md section 4 (see `failure_modes` for the shape of a hazard).
const FAILURE_MODES: &[FailureMode] = &[
    // Mostly a disabled limiter; hot peaks and loud targets add to it.
    FailureMode {
        name: "output-clipping",
        severity: Severity::High,
        base_logit: -4.3,
        terms: &[
            term(3.6, Signal::IsFalse("enableLimiter")),
            term(
                0.7,
                Signal::Excess {
                    field: "peakLevel",
                    threshold: -3.0,
                    scale: 1.0,
                },
            ),
            term(
                0.2,
                Signal::Excess {
                    field: "targetLUFS",
                    threshold: -14.0,
                    scale: 1.0,
                },
            ),
            term(0.35, Signal::Scaled("previousClippingIssues", 1.0)),
        ],
    },
    // Complex material misses its target; wide dynamics add to it.
    FailureMode {
        name: "lufs-target-miss",
        severity: Severity::Medium,
        base_logit: -4.1,
        terms: &[
            term(
                1.6,
                Signal::Excess {
                    field: "estimatedProcessingComplexity",
                    threshold: 0.4,
                    scale: 0.2,
                },
            ),
            term(
                0.15,
                Signal::Excess {
                    field: "dynamicRange",
                    threshold: 12.0,
                    scale: 1.0,
                },
            ),
            term(0.35, Signal::Scaled("previousLUFSAccuracyErrors", 1.0)),
        ],
    },
];

/// Known directions of effect (see `failure_modes::Monotone`), beside the base ones.
const MONOTONE: &[(&str, Monotone)] = &[
    ("previousClippingIssues", Monotone::Increasing),
    ("previousLUFSAccuracyErrors", Monotone::Increasing),
    ("previousProcessingTimeouts", Monotone::Increasing),
];
