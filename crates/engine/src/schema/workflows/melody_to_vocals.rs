//! Melody-to-Vocals (`melody-to-vocals`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::*;
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
    monotone: MONOTONE,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "audioFileSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(9600000.0),
        note: Some("bytes"),
        gen: Gen::Derived(Derived::ScaledFrom {
            a: "audioDuration",
            factor: 160000.0,
            jitter: 0.05,
            dp: 0,
        }),
    },
    FieldSpec {
        name: "audioDuration",
        ty: FieldType::Number,
        default: FieldDefault::Number(60.0),
        note: Some("seconds"),
        // Mostly short ideas; sometimes a whole song.
        gen: Gen::TwoRegimes {
            lo: 5.0,
            hi: 100.0,
            degraded_lo: 220.0,
            degraded_hi: 300.0,
            p_degraded: 0.08,
            dp: 1,
        },
    },
    FieldSpec {
        name: "audioFormat",
        ty: FieldType::Enum(&["wav", "mp3", "webm", "other"]),
        default: FieldDefault::Enum("wav"),
        note: None,
        gen: Gen::Choice(&[
            ("wav", 0.45),
            ("mp3", 0.35),
            ("webm", 0.15),
            ("other", 0.05),
        ]),
    },
    FieldSpec {
        name: "expertMusicAIAvailable",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.89),
    },
    FieldSpec {
        name: "expertMusicAILatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(1200.0),
        note: None,
        // The service is usually responsive, sometimes congested.
        gen: Gen::TwoRegimes {
            lo: 300.0,
            hi: 1800.0,
            degraded_lo: 3500.0,
            degraded_hi: 5000.0,
            p_degraded: 0.11,
            dp: 0,
        },
    },
    FieldSpec {
        name: "aiProvider",
        ty: FieldType::Enum(&["anthropic", "openai"]),
        default: FieldDefault::Enum("anthropic"),
        note: None,
        gen: Gen::Choice(&[("anthropic", 0.6), ("openai", 0.4)]),
    },
    FieldSpec {
        name: "vocalModel",
        ty: FieldType::Enum(&["bark", "musicgen"]),
        default: FieldDefault::Enum("bark"),
        note: None,
        gen: Gen::Choice(&[("bark", 0.5), ("musicgen", 0.5)]),
    },
    FieldSpec {
        name: "expectedNoteCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(40.0),
        note: None,
        gen: Gen::IntRange { lo: 8, hi: 100 },
    },
    FieldSpec {
        name: "melodyComplexity",
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
        name: "promptLength",
        ty: FieldType::Number,
        default: FieldDefault::Number(120.0),
        note: None,
        gen: Gen::LogNormal {
            median: 120.0,
            sigma: 0.6,
            min: 10.0,
            max: 500.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "genreSpecified",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.7),
    },
    FieldSpec {
        name: "themeSpecified",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "moodSpecified",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "previousGenerationFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousModelTimeouts",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "averageProcessingTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(15000.0),
        note: None,
        gen: Gen::LogNormal {
            median: 15000.0,
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

/// DESIGN.md section 4 (see `failure_modes` for the shape of a hazard).
const FAILURE_MODES: &[FailureMode] = &[
    FailureMode {
        name: "ai-service-unavailable",
        severity: Severity::Critical,
        base_logit: -4.5,
        terms: &[
            term(5.0, Signal::IsFalse("expertMusicAIAvailable")),
            term(4.0, Signal::IsFalse("apiAvailable")),
            term(0.3, Signal::Scaled("previousGenerationFailures", 1.0)),
        ],
    },
    // Graded in the AI latency; network latency x concurrency and the evening peak add to it.
    FailureMode {
        name: "api-latency-timeout",
        severity: Severity::High,
        base_logit: -4.6,
        terms: &[
            term(
                1.6,
                Signal::Excess {
                    field: "expertMusicAILatency",
                    threshold: 1500.0,
                    scale: 1000.0,
                },
            ),
            term(
                1.2,
                Signal::Product {
                    a: "networkLatencyMs",
                    a_scale: 200.0,
                    b: "userConcurrency",
                    b_scale: 20.0,
                },
            ),
            term(0.35, Signal::Scaled("previousModelTimeouts", 1.0)),
            term(
                0.7,
                Signal::HourWindow {
                    field: "timeOfDay",
                    from: 17.0,
                    to: 22.0,
                },
            ),
        ],
    },
    // Graded past about 15 MB.
    FailureMode {
        name: "audio-file-too-large",
        severity: Severity::Medium,
        base_logit: -4.6,
        terms: &[
            term(
                1.3,
                Signal::Excess {
                    field: "audioFileSize",
                    threshold: 15000000.0,
                    scale: 5000000.0,
                },
            ),
            term(0.6, Signal::Capped("audioDuration", 300.0)),
        ],
    },
];

/// Known directions of effect (see `failure_modes::Monotone`), beside the base ones.
const MONOTONE: &[(&str, Monotone)] = &[
    ("expertMusicAILatency", Monotone::Increasing),
    ("previousGenerationFailures", Monotone::Increasing),
    ("previousModelTimeouts", Monotone::Increasing),
];
