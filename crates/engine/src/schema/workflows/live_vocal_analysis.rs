//! Live Vocal Analysis (`live-vocal-analysis`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::*;
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
    monotone: MONOTONE,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "targetLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(50.0),
        note: Some("ms"),
        gen: Gen::NumberChoice(&[(20.0, 0.2), (50.0, 0.5), (100.0, 0.3)]),
    },
    FieldSpec {
        name: "bufferSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(512.0),
        note: None,
        gen: Gen::NumberChoice(&[(256.0, 0.2), (512.0, 0.35), (1024.0, 0.3), (2048.0, 0.15)]),
    },
    FieldSpec {
        name: "sampleRate",
        ty: FieldType::Number,
        default: FieldDefault::Number(48000.0),
        note: None,
        gen: Gen::NumberChoice(&[(44100.0, 0.4), (48000.0, 0.6)]),
    },
    FieldSpec {
        name: "processingInterval",
        ty: FieldType::Number,
        default: FieldDefault::Number(100.0),
        note: Some("ms (typically 100ms)"),
        gen: Gen::NumberChoice(&[(50.0, 0.2), (100.0, 0.6), (200.0, 0.2)]),
    },
    FieldSpec {
        name: "websocketConnected",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.88),
    },
    FieldSpec {
        name: "websocketLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(60.0),
        note: Some("ms"),
        gen: Gen::LogNormal {
            median: 60.0,
            sigma: 0.7,
            min: 5.0,
            max: 500.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "messageQueueSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(3.0),
        note: None,
        gen: Gen::Count {
            mean: 5.0,
            max: 100,
        },
    },
    FieldSpec {
        name: "pitchDetectionEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.9),
    },
    FieldSpec {
        name: "rhythmDetectionEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.7),
    },
    FieldSpec {
        name: "vibratoDetectionEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "qualityAnalysisEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.6),
    },
    FieldSpec {
        name: "referenceKeySet",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "expectedBPMSet",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "averageAnalysisTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(25.0),
        note: Some("ms"),
        gen: Gen::TwoRegimes {
            lo: 5.0,
            hi: 30.0,
            degraded_lo: 60.0,
            degraded_hi: 100.0,
            p_degraded: 0.15,
            dp: 1,
        },
    },
    FieldSpec {
        name: "droppedFramesCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count {
            mean: 6.0,
            max: 100,
        },
    },
    FieldSpec {
        name: "previousPitchDetectionFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousWebSocketDisconnects",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousLatencySpikes",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "averageReconnectionTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(800.0),
        note: None,
        gen: Gen::LogNormal {
            median: 800.0,
            sigma: 0.6,
            min: 100.0,
            max: 5000.0,
            dp: 0,
        },
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

/// DESIGN.md section 4 (see `failure_modes` for the shape of a hazard).
const FAILURE_MODES: &[FailureMode] = &[
    FailureMode {
        name: "websocket-disconnection",
        severity: Severity::Critical,
        base_logit: -4.5,
        terms: &[
            term(5.0, Signal::IsFalse("websocketConnected")),
            term(
                1.0,
                Signal::Product {
                    a: "websocketLatency",
                    a_scale: 100.0,
                    b: "userConcurrency",
                    b_scale: 20.0,
                },
            ),
            term(0.4, Signal::Scaled("previousWebSocketDisconnects", 1.0)),
        ],
    },
    // Analysis time against the latency target; dropped frames and a saturated CPU add to it.
    FailureMode {
        name: "high-latency-dropped-frames",
        severity: Severity::High,
        base_logit: -4.0,
        terms: &[
            term(
                1.4,
                Signal::RatioExcess {
                    numerator: "averageAnalysisTime",
                    denominator: "targetLatency",
                    threshold: 0.6,
                    scale: 0.3,
                },
            ),
            term(1.0, Signal::Capped("droppedFramesCount", 50.0)),
            term(
                2.0,
                Signal::Excess {
                    field: "cpuUtilization",
                    threshold: 0.7,
                    scale: 0.15,
                },
            ),
        ],
    },
];

/// Known directions of effect (see `failure_modes::Monotone`), beside the base ones.
const MONOTONE: &[(&str, Monotone)] = &[
    ("websocketLatency", Monotone::Increasing),
    ("droppedFramesCount", Monotone::Increasing),
    ("previousPitchDetectionFailures", Monotone::Increasing),
    ("previousWebSocketDisconnects", Monotone::Increasing),
    ("previousLatencySpikes", Monotone::Increasing),
];
