//! Stem Separation (`stem-separation`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::*;
use crate::schema::types::*;

pub const SCHEMA: WorkflowSchema = WorkflowSchema {
    workflow_type: "stem-separation",
    display_name: "Stem Separation",
    interface: "StemSeparationFeatures",
    fields: FIELDS,
    vector: VECTOR,
    critical_features: CRITICAL,
    recommendation_rules: RULES,
    failure_modes: FAILURE_MODES,
    monotone: MONOTONE,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "audioBufferLength",
        ty: FieldType::Number,
        default: FieldDefault::Number(3307500.0),
        note: None,
        gen: Gen::Derived(Derived::Product {
            a: "audioDuration",
            b: "audioSampleRate",
            factor: 1.0,
            jitter: 0.0,
            dp: 0,
        }),
    },
    FieldSpec {
        name: "audioChannels",
        ty: FieldType::Number,
        default: FieldDefault::Number(2.0),
        note: None,
        gen: Gen::NumberChoice(&[(1.0, 0.2), (2.0, 0.8)]),
    },
    FieldSpec {
        name: "audioSampleRate",
        ty: FieldType::Number,
        default: FieldDefault::Number(44100.0),
        note: None,
        gen: Gen::NumberChoice(&[(44100.0, 0.6), (48000.0, 0.4)]),
    },
    FieldSpec {
        name: "audioDuration",
        ty: FieldType::Number,
        default: FieldDefault::Number(75.0),
        note: None,
        // Mostly song sections; sometimes a whole long set.
        gen: Gen::TwoRegimes {
            lo: 10.0,
            hi: 75.0,
            degraded_lo: 360.0,
            degraded_hi: 600.0,
            p_degraded: 0.19,
            dp: 1,
        },
    },
    FieldSpec {
        name: "fftSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(2048.0),
        note: None,
        gen: Gen::NumberChoice(&[(1024.0, 0.2), (2048.0, 0.4), (4096.0, 0.3), (8192.0, 0.1)]),
    },
    FieldSpec {
        name: "hopSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(1024.0),
        note: None,
        // A quarter of the FFT size (75 % overlap), as the separator configures it.
        gen: Gen::Derived(Derived::ScaledFrom {
            a: "fftSize",
            factor: 0.25,
            jitter: 0.0,
            dp: 0,
        }),
    },
    FieldSpec {
        name: "harmonicMargin",
        ty: FieldType::Number,
        default: FieldDefault::Number(2.0),
        note: None,
        gen: Gen::Uniform {
            lo: 1.0,
            hi: 4.0,
            dp: 2,
        },
    },
    FieldSpec {
        name: "percussiveMargin",
        ty: FieldType::Number,
        default: FieldDefault::Number(2.0),
        note: None,
        gen: Gen::Uniform {
            lo: 1.0,
            hi: 4.0,
            dp: 2,
        },
    },
    FieldSpec {
        name: "medianFilterLength",
        ty: FieldType::Number,
        default: FieldDefault::Number(17.0),
        note: None,
        gen: Gen::NumberChoice(&[(17.0, 0.5), (31.0, 0.5)]),
    },
    FieldSpec {
        name: "separateVocals",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.9),
    },
    FieldSpec {
        name: "separateDrums",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.8),
    },
    FieldSpec {
        name: "separateBass",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.7),
    },
    FieldSpec {
        name: "separateOther",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "estimatedSpectralFrames",
        ty: FieldType::Number,
        default: FieldDefault::Number(3230.0),
        note: None,
        gen: Gen::Derived(Derived::FloorQuotient {
            a: "audioBufferLength",
            b: "hopSize",
        }),
    },
    FieldSpec {
        name: "estimatedMemoryRequirement",
        ty: FieldType::Number,
        default: FieldDefault::Number(330.0),
        note: Some("MB"),
        gen: Gen::Derived(Derived::Product {
            a: "estimatedSpectralFrames",
            b: "fftSize",
            factor: 5e-5,
            jitter: 0.1,
            dp: 0,
        }),
    },
    FieldSpec {
        name: "previousSeparationFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousOutOfMemoryErrors",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "averageSeparationTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(30000.0),
        note: None,
        gen: Gen::Derived(Derived::ScaledFrom {
            a: "estimatedMemoryRequirement",
            factor: 90.0,
            jitter: 0.3,
            dp: 0,
        }),
    },
    FieldSpec {
        name: "averageSeparationQuality",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.8),
        note: Some("0-1"),
        gen: Gen::Normal {
            mean: 0.8,
            sd: 0.08,
            min: 0.4,
            max: 0.99,
            dp: 3,
        },
    },
];

const VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "bufferLength",
        field: "audioBufferLength",
        normalisation: Normalisation::Capped(10000000.0),
    },
    VectorEntry {
        feature: "audioChannels",
        field: "audioChannels",
        normalisation: Normalisation::Scaled(2.0),
    },
    VectorEntry {
        feature: "sampleRate",
        field: "audioSampleRate",
        normalisation: Normalisation::Scaled(48000.0),
    },
    VectorEntry {
        feature: "duration",
        field: "audioDuration",
        normalisation: Normalisation::Capped(600.0),
    },
    VectorEntry {
        feature: "fftSize",
        field: "fftSize",
        normalisation: Normalisation::Capped(8192.0),
    },
    VectorEntry {
        feature: "hopSize",
        field: "hopSize",
        normalisation: Normalisation::Capped(2048.0),
    },
    VectorEntry {
        feature: "separateVocals",
        field: "separateVocals",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "separateDrums",
        field: "separateDrums",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "separateBass",
        field: "separateBass",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "separateOther",
        field: "separateOther",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "spectralFrames",
        field: "estimatedSpectralFrames",
        normalisation: Normalisation::Capped(10000.0),
    },
    VectorEntry {
        feature: "memoryReq",
        field: "estimatedMemoryRequirement",
        normalisation: Normalisation::Capped(4096.0),
    },
    VectorEntry {
        feature: "prevSepFails",
        field: "previousSeparationFailures",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevOOMErrors",
        field: "previousOutOfMemoryErrors",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "avgSepTime",
        field: "averageSeparationTime",
        normalisation: Normalisation::Capped(120000.0),
    },
    VectorEntry {
        feature: "avgQuality",
        field: "averageSeparationQuality",
        normalisation: Normalisation::Identity,
    },
];

const CRITICAL: &[&str] = &[
    "networkLatency",
    "apiAvailable",
    "cpuUtilization",
    "systemMemory",
    "memoryReq",
    "spectralFrames",
    "prevOOMErrors",
    "avgSepTime",
];

const RULES: &[RecommendationRule] = &[
    RecommendationRule {
        feature: "memoryReq",
        test: RuleTest::Above(0.8),
        texts: &[
            "Reduce FFT size or hop size to lower memory requirements",
            "Process audio in smaller chunks for long files",
        ],
    },
    RecommendationRule {
        feature: "prevOOMErrors",
        test: RuleTest::Above(0.5),
        texts: &[
            "Implement memory monitoring and early warnings",
            "Add audio duration limits or compression before processing",
        ],
    },
];

/// DESIGN.md section 4 (see `failure_modes` for the shape of a hazard).
const FAILURE_MODES: &[FailureMode] = &[
    // Memory required against memory available, graded; FFT size and past OOM errors add to it.
    FailureMode {
        name: "out-of-memory",
        severity: Severity::Critical,
        base_logit: -3.9,
        terms: &[
            term(
                1.6,
                Signal::RatioExcess {
                    numerator: "estimatedMemoryRequirement",
                    denominator: "systemMemoryMB",
                    threshold: 0.1,
                    scale: 0.1,
                },
            ),
            term(0.4, Signal::Scaled("previousOutOfMemoryErrors", 1.0)),
        ],
    },
    // Long audio on a busy CPU (duration x CPU).
    FailureMode {
        name: "processing-timeout",
        severity: Severity::High,
        base_logit: -3.4,
        terms: &[
            term(
                2.5,
                Signal::Product {
                    a: "audioDuration",
                    a_scale: 300.0,
                    b: "cpuUtilization",
                    b_scale: 1.0,
                },
            ),
            term(1.0, Signal::Capped("averageSeparationTime", 120000.0)),
        ],
    },
];

/// Known directions of effect (see `failure_modes::Monotone`), beside the base ones.
const MONOTONE: &[(&str, Monotone)] = &[
    ("estimatedMemoryRequirement", Monotone::Increasing),
    ("systemMemoryMB", Monotone::Decreasing),
    ("previousSeparationFailures", Monotone::Increasing),
    ("previousOutOfMemoryErrors", Monotone::Increasing),
];
