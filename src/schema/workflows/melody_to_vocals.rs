//! Melody-to-Vocals (`melody-to-vocals`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::FailureMode;
use crate::schema::types::*;

pub const SCHEMA: WorkflowSchema = WorkflowSchema {
    workflow_type: "melody-to-vocals",
    display_name: "Melody-to-Vocals",
    interface: "MelodyToVocalsFeatures",
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
        note: Some("bytes"),
    },
    FieldSpec {
        name: "audioDuration",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("seconds"),
    },
    FieldSpec {
        name: "audioFormat",
        ty: FieldType::Enum(&["wav", "mp3", "webm", "other"]),
        default: FieldDefault::Enum("wav"),
        note: None,
    },
    FieldSpec {
        name: "expertMusicAIAvailable",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "expertMusicAILatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "aiProvider",
        ty: FieldType::Enum(&["anthropic", "openai"]),
        default: FieldDefault::Enum("anthropic"),
        note: None,
    },
    FieldSpec {
        name: "vocalModel",
        ty: FieldType::Enum(&["bark", "musicgen"]),
        default: FieldDefault::Enum("bark"),
        note: None,
    },
    FieldSpec {
        name: "expectedNoteCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "melodyComplexity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "promptLength",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "genreSpecified",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "themeSpecified",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "moodSpecified",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "previousGenerationFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousModelTimeouts",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageProcessingTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
];

const VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "audioSize",
        field: "audioFileSize",
        normalisation: Normalisation::Capped(50000000.0),
    },
    VectorEntry {
        feature: "audioDuration",
        field: "audioDuration",
        normalisation: Normalisation::Capped(300.0),
    },
    VectorEntry {
        feature: "audioFormatWav",
        field: "audioFormat",
        normalisation: Normalisation::EnumEquals("wav"),
    },
    VectorEntry {
        feature: "expertAIAvailable",
        field: "expertMusicAIAvailable",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "expertAILatency",
        field: "expertMusicAILatency",
        normalisation: Normalisation::Capped(5000.0),
    },
    VectorEntry {
        feature: "aiProviderAnthropic",
        field: "aiProvider",
        normalisation: Normalisation::EnumEquals("anthropic"),
    },
    VectorEntry {
        feature: "vocalModelBark",
        field: "vocalModel",
        normalisation: Normalisation::EnumEquals("bark"),
    },
    VectorEntry {
        feature: "expectedNotes",
        field: "expectedNoteCount",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "melodyComplexity",
        field: "melodyComplexity",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "promptLength",
        field: "promptLength",
        normalisation: Normalisation::Capped(500.0),
    },
    VectorEntry {
        feature: "genreSet",
        field: "genreSpecified",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "themeSet",
        field: "themeSpecified",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "moodSet",
        field: "moodSpecified",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "prevGenFails",
        field: "previousGenerationFailures",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevTimeouts",
        field: "previousModelTimeouts",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "avgProcessing",
        field: "averageProcessingTime",
        normalisation: Normalisation::Capped(60000.0),
    },
];

const CRITICAL: &[&str] = &[
    "networkLatency",
    "apiAvailable",
    "cpuUtilization",
    "systemMemory",
    "expertAIAvailable",
    "expertAILatency",
    "audioSize",
    "prevGenFails",
    "prevTimeouts",
];

const RULES: &[RecommendationRule] = &[
    RecommendationRule {
        feature: "expertAIAvailable",
        test: RuleTest::Below(0.5),
        texts: &[
            "Check Expert Music AI service health before processing",
            "Implement retry logic with exponential backoff",
        ],
    },
    RecommendationRule {
        feature: "expertAILatency",
        test: RuleTest::Above(0.7),
        texts: &[
            "Add loading indicator for long-running operations",
            "Consider implementing request queue to manage API rate limits",
        ],
    },
];

const FAILURE_MODES: &[FailureMode] = &[];
