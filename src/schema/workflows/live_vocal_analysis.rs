//! Live Vocal Analysis (`live-vocal-analysis`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::FailureMode;
use crate::schema::types::*;

pub const SCHEMA: WorkflowSchema = WorkflowSchema {
    workflow_type: "live-vocal-analysis",
    display_name: "Live Vocal Analysis",
    interface: "LiveVocalAnalysisFeatures",
    fields: FIELDS,
    vector: VECTOR,
    critical_features: CRITICAL,
    recommendation_rules: RULES,
    failure_modes: FAILURE_MODES,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "targetLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("ms"),
    },
    FieldSpec {
        name: "bufferSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "sampleRate",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "processingInterval",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("ms (typically 100ms)"),
    },
    FieldSpec {
        name: "websocketConnected",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "websocketLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("ms"),
    },
    FieldSpec {
        name: "messageQueueSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "pitchDetectionEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "rhythmDetectionEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "vibratoDetectionEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "qualityAnalysisEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "referenceKeySet",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "expectedBPMSet",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "averageAnalysisTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("ms"),
    },
    FieldSpec {
        name: "droppedFramesCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousPitchDetectionFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousWebSocketDisconnects",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousLatencySpikes",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageReconnectionTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
];

const VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "targetLatency",
        field: "targetLatency",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "bufferSize",
        field: "bufferSize",
        normalisation: Normalisation::Scaled(4096.0),
    },
    VectorEntry {
        feature: "sampleRate",
        field: "sampleRate",
        normalisation: Normalisation::Scaled(48000.0),
    },
    VectorEntry {
        feature: "processingInterval",
        field: "processingInterval",
        normalisation: Normalisation::Scaled(1000.0),
    },
    VectorEntry {
        feature: "wsConnected",
        field: "websocketConnected",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "wsLatency",
        field: "websocketLatency",
        normalisation: Normalisation::Capped(500.0),
    },
    VectorEntry {
        feature: "queueSize",
        field: "messageQueueSize",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "pitchDetection",
        field: "pitchDetectionEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "rhythmDetection",
        field: "rhythmDetectionEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "vibratoDetection",
        field: "vibratoDetectionEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "qualityAnalysis",
        field: "qualityAnalysisEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "refKeySet",
        field: "referenceKeySet",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "bpmSet",
        field: "expectedBPMSet",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "avgAnalysisTime",
        field: "averageAnalysisTime",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "droppedFrames",
        field: "droppedFramesCount",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "prevPitchFails",
        field: "previousPitchDetectionFailures",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevWSDisconnects",
        field: "previousWebSocketDisconnects",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevLatencySpikes",
        field: "previousLatencySpikes",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "avgReconnectTime",
        field: "averageReconnectionTime",
        normalisation: Normalisation::Capped(5000.0),
    },
];

const CRITICAL: &[&str] = &[
    "networkLatency",
    "apiAvailable",
    "cpuUtilization",
    "systemMemory",
    "wsConnected",
    "wsLatency",
    "targetLatency",
    "avgAnalysisTime",
    "prevWSDisconnects",
];

const RULES: &[RecommendationRule] = &[
    RecommendationRule {
        feature: "wsConnected",
        test: RuleTest::Below(0.5),
        texts: &[
            "Implement WebSocket auto-reconnect with exponential backoff",
            "Buffer analysis results locally during disconnection",
        ],
    },
    RecommendationRule {
        feature: "wsLatency",
        test: RuleTest::Above(0.6),
        texts: &[
            "Reduce analysis frequency or buffer size to decrease latency",
            "Implement latency monitoring and adaptive quality adjustment",
        ],
    },
    RecommendationRule {
        feature: "droppedFrames",
        test: RuleTest::Above(0.5),
        texts: &[
            "Increase audio buffer size to prevent frame drops",
            "Optimize analysis algorithms for real-time performance",
        ],
    },
];

const FAILURE_MODES: &[FailureMode] = &[];
