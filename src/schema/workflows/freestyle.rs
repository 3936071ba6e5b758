//! Freestyle Recording (`freestyle`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::FailureMode;
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
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "microphonePermission",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "audioContextState",
        ty: FieldType::Enum(&["running", "suspended", "closed", "error"]),
        default: FieldDefault::Enum("running"),
        note: None,
    },
    FieldSpec {
        name: "sampleRate",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "bufferSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "recordingDuration",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "beatSyncEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "beatFileSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "speechRecognitionSupported",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "transcriptionAccuracy",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "languageModel",
        ty: FieldType::Enum(&["en-US", "other"]),
        default: FieldDefault::Enum("en-US"),
        note: None,
    },
    FieldSpec {
        name: "voiceCommandsEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "commandRecognitionRate",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "currentTakeNumber",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "totalTakes",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "audioChunksCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "lyricsSegmentsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousTranscriptionFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousAudioUploadFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousBeatSyncIssues",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
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

const FAILURE_MODES: &[FailureMode] = &[];
