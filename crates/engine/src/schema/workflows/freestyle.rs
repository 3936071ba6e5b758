//! Freestyle Recording (`freestyle`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::*;
use crate::schema::types::*;

pub const SCHEMA: WorkflowSchema = WorkflowSchema {
    workflow_type: "freestyle",
    display_name: "Freestyle Recording",
    interface: "FreestyleFeatures",
    fields: FIELDS,
    vector: VECTOR,
    critical_features: CRITICAL,
    recommendation_rules: RULES,
    failure_modes: FAILURE_MODES,
    monotone: MONOTONE,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "microphonePermission",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.9),
    },
    FieldSpec {
        name: "audioContextState",
        ty: FieldType::Enum(&["running", "suspended", "closed", "error"]),
        default: FieldDefault::Enum("running"),
        note: None,
        gen: Gen::Choice(&[
            ("running", 0.92),
            ("suspended", 0.05),
            ("closed", 0.015),
            ("error", 0.015),
        ]),
    },
    FieldSpec {
        name: "sampleRate",
        ty: FieldType::Number,
        default: FieldDefault::Number(48000.0),
        note: None,
        gen: Gen::NumberChoice(&[(44100.0, 0.35), (48000.0, 0.65)]),
    },
    FieldSpec {
        name: "bufferSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(512.0),
        note: None,
        gen: Gen::NumberChoice(&[(256.0, 0.2), (512.0, 0.4), (1024.0, 0.3), (2048.0, 0.1)]),
    },
    FieldSpec {
        name: "recordingDuration",
        ty: FieldType::Number,
        default: FieldDefault::Number(90.0),
        note: None,
        gen: Gen::LogNormal {
            median: 90.0,
            sigma: 0.6,
            min: 5.0,
            max: 600.0,
            dp: 1,
        },
    },
    FieldSpec {
        name: "beatSyncEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.7),
    },
    FieldSpec {
        name: "beatFileSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(4000000.0),
        note: None,
        gen: Gen::LogNormal {
            median: 4000000.0,
            sigma: 0.5,
            min: 200000.0,
            max: 10000000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "speechRecognitionSupported",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.95),
    },
    FieldSpec {
        name: "transcriptionAccuracy",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.82),
        note: Some("0-1"),
        // Usually clear speech; sometimes a poor take (noise, mumbling, accent mismatch).
        gen: Gen::TwoRegimes {
            lo: 0.78,
            hi: 0.98,
            degraded_lo: 0.45,
            degraded_hi: 0.68,
            p_degraded: 0.11,
            dp: 3,
        },
    },
    FieldSpec {
        name: "languageModel",
        ty: FieldType::Enum(&["en-US", "other"]),
        default: FieldDefault::Enum("en-US"),
        note: None,
        gen: Gen::Choice(&[("en-US", 0.85), ("other", 0.15)]),
    },
    FieldSpec {
        name: "voiceCommandsEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(false),
        note: None,
        gen: Gen::Bernoulli(0.4),
    },
    FieldSpec {
        name: "commandRecognitionRate",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.85),
        note: Some("0-1"),
        gen: Gen::Normal {
            mean: 0.85,
            sd: 0.08,
            min: 0.4,
            max: 0.99,
            dp: 3,
        },
    },
    FieldSpec {
        name: "currentTakeNumber",
        ty: FieldType::Number,
        default: FieldDefault::Number(3.0),
        note: None,
        gen: Gen::IntRange { lo: 1, hi: 8 },
    },
    FieldSpec {
        name: "totalTakes",
        ty: FieldType::Number,
        default: FieldDefault::Number(5.0),
        note: None,
        gen: Gen::IntRange { lo: 1, hi: 12 },
    },
    FieldSpec {
        name: "audioChunksCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(90.0),
        note: None,
        gen: Gen::Derived(Derived::ScaledFrom {
            a: "recordingDuration",
            factor: 1.0,
            jitter: 0.1,
            dp: 0,
        }),
    },
    FieldSpec {
        name: "lyricsSegmentsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(14.0),
        note: None,
        gen: Gen::Derived(Derived::ScaledFrom {
            a: "recordingDuration",
            factor: 0.15,
            jitter: 0.3,
            dp: 0,
        }),
    },
    FieldSpec {
        name: "previousTranscriptionFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousAudioUploadFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousBeatSyncIssues",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
];

const VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "micPermission",
        field: "microphonePermission",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "audioContextOk",
        field: "audioContextState",
        normalisation: Normalisation::EnumEquals("running"),
    },
    VectorEntry {
        feature: "sampleRate",
        field: "sampleRate",
        normalisation: Normalisation::Scaled(48000.0),
    },
    VectorEntry {
        feature: "recordingDuration",
        field: "recordingDuration",
        normalisation: Normalisation::Capped(600.0),
    },
    VectorEntry {
        feature: "beatSync",
        field: "beatSyncEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "beatFileSize",
        field: "beatFileSize",
        normalisation: Normalisation::Capped(10000000.0),
    },
    VectorEntry {
        feature: "speechRecognitionOk",
        field: "speechRecognitionSupported",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "transcriptionAccuracy",
        field: "transcriptionAccuracy",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "voiceCommandsOn",
        field: "voiceCommandsEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "commandRecognition",
        field: "commandRecognitionRate",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "takeNumber",
        field: "currentTakeNumber",
        normalisation: Normalisation::Capped(20.0),
    },
    VectorEntry {
        feature: "totalTakes",
        field: "totalTakes",
        normalisation: Normalisation::Capped(20.0),
    },
    VectorEntry {
        feature: "audioChunks",
        field: "audioChunksCount",
        normalisation: Normalisation::Capped(1000.0),
    },
    VectorEntry {
        feature: "lyricsSegments",
        field: "lyricsSegmentsCount",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "prevTranscriptionFails",
        field: "previousTranscriptionFailures",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevUploadFails",
        field: "previousAudioUploadFailures",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevBeatSyncIssues",
        field: "previousBeatSyncIssues",
        normalisation: Normalisation::Capped(10.0),
    },
];

const CRITICAL: &[&str] = &[
    "networkLatency",
    "apiAvailable",
    "cpuUtilization",
    "systemMemory",
    "micPermission",
    "audioContextOk",
    "speechRecognitionOk",
    "transcriptionAccuracy",
    "prevTranscriptionFails",
];

const RULES: &[RecommendationRule] = &[
    RecommendationRule {
        feature: "micPermission",
        test: RuleTest::Below(0.5),
        texts: &["Request microphone permission before starting recording"],
    },
    RecommendationRule {
        feature: "audioContextOk",
        test: RuleTest::Below(0.5),
        texts: &["Initialize AudioContext on user gesture (button click)"],
    },
    RecommendationRule {
        feature: "transcriptionAccuracy",
        test: RuleTest::Below(0.7),
        texts: &["Implement fallback transcription service or manual lyrics entry"],
    },
];

/// DESIGN.md section 4 (see `failure_modes` for the shape of a hazard).
const FAILURE_MODES: &[FailureMode] = &[
    // Likely, not certain, once permission is denied.
    FailureMode {
        name: "microphone-permission-denied",
        severity: Severity::Critical,
        base_logit: -4.2,
        terms: &[term(5.2, Signal::IsFalse("microphonePermission"))],
    },
    // A context that is not running; long takes on a busy CPU (duration x CPU) too.
    FailureMode {
        name: "audio-context-failed",
        severity: Severity::High,
        base_logit: -4.5,
        terms: &[
            term(4.3, Signal::EnumIsNot("audioContextState", "running")),
            term(
                2.0,
                Signal::Product {
                    a: "recordingDuration",
                    a_scale: 300.0,
                    b: "cpuUtilization",
                    b_scale: 1.0,
                },
            ),
        ],
    },
    // Graded in transcription accuracy; no speech recognition, past failures and the noisy evening hours add to it.
    FailureMode {
        name: "low-transcription-accuracy",
        severity: Severity::Medium,
        base_logit: -3.6,
        terms: &[
            term(
                1.5,
                Signal::Shortfall {
                    field: "transcriptionAccuracy",
                    threshold: 0.85,
                    scale: 0.1,
                },
            ),
            term(4.0, Signal::IsFalse("speechRecognitionSupported")),
            term(0.35, Signal::Scaled("previousTranscriptionFailures", 1.0)),
            term(
                0.8,
                Signal::HourWindow {
                    field: "timeOfDay",
                    from: 19.0,
                    to: 24.0,
                },
            ),
        ],
    },
];

/// Known directions of effect (see `failure_modes::Monotone`), beside the base ones.
const MONOTONE: &[(&str, Monotone)] = &[
    ("previousTranscriptionFailures", Monotone::Increasing),
    ("previousAudioUploadFailures", Monotone::Increasing),
    ("previousBeatSyncIssues", Monotone::Increasing),
];
