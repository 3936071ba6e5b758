//! Stem Separation (`stem-separation`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::FailureMode;
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
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "audioBufferLength",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "audioChannels",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "audioSampleRate",
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
        name: "fftSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "hopSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "harmonicMargin",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "percussiveMargin",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "medianFilterLength",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "separateVocals",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "separateDrums",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "separateBass",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "separateOther",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "estimatedSpectralFrames",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "estimatedMemoryRequirement",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("MB"),
    },
    FieldSpec {
        name: "previousSeparationFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousOutOfMemoryErrors",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageSeparationTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageSeparationQuality",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
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

const FAILURE_MODES: &[FailureMode] = &[];
