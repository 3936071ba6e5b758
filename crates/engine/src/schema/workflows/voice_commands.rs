//! Voice Commands (`voice-commands`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::*;
use crate::schema::types::*;

pub const SCHEMA: WorkflowSchema = WorkflowSchema {
    workflow_type: "voice-commands",
    display_name: "Voice Commands",
    interface: "VoiceCommandsFeatures",
    fields: FIELDS,
    vector: VECTOR,
    critical_features: CRITICAL,
    recommendation_rules: RULES,
    failure_modes: FAILURE_MODES,
    monotone: MONOTONE,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "speechRecognitionSupported",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.92),
    },
    FieldSpec {
        name: "recognitionEngineType",
        ty: FieldType::Enum(&["webkit", "standard", "none"]),
        default: FieldDefault::Enum("webkit"),
        note: None,
        gen: Gen::Choice(&[("webkit", 0.7), ("standard", 0.22), ("none", 0.08)]),
    },
    FieldSpec {
        name: "continuousMode",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.6),
    },
    FieldSpec {
        name: "interimResultsEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.7),
    },
    FieldSpec {
        name: "microphonePermission",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.94),
    },
    FieldSpec {
        name: "microphoneQuality",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.75),
        note: Some("0-1"),
        gen: Gen::Normal {
            mean: 0.75,
            sd: 0.15,
            min: 0.2,
            max: 1.0,
            dp: 3,
        },
    },
    FieldSpec {
        name: "backgroundNoiseLevel",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.3),
        note: Some("0-1"),
        gen: Gen::TwoRegimes {
            lo: 0.0,
            hi: 0.35,
            degraded_lo: 0.7,
            degraded_hi: 1.0,
            p_degraded: 0.2,
            dp: 3,
        },
    },
    FieldSpec {
        name: "registeredCommandsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(25.0),
        note: None,
        gen: Gen::IntRange { lo: 5, hi: 50 },
    },
    FieldSpec {
        name: "commandCategory",
        ty: FieldType::Enum(&["recording", "playback", "navigation", "ai", "general"]),
        default: FieldDefault::Enum("recording"),
        note: None,
        gen: Gen::Choice(&[
            ("recording", 0.3),
            ("playback", 0.25),
            ("navigation", 0.2),
            ("ai", 0.15),
            ("general", 0.1),
        ]),
    },
    FieldSpec {
        name: "fuzzyMatchingEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.7),
    },
    FieldSpec {
        name: "minConfidenceThreshold",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.6),
        note: Some("0-1"),
        gen: Gen::NumberChoice(&[(0.5, 0.3), (0.6, 0.3), (0.7, 0.3), (0.8, 0.1)]),
    },
    FieldSpec {
        name: "transcriptLength",
        ty: FieldType::Number,
        default: FieldDefault::Number(4.0),
        note: Some("words"),
        gen: Gen::LogNormal {
            median: 4.0,
            sigma: 0.5,
            min: 1.0,
            max: 50.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "transcriptComplexity",
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
        name: "commandHasParameters",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(false),
        note: None,
        gen: Gen::Bernoulli(0.4),
    },
    FieldSpec {
        name: "parameterCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 1.0, max: 5 },
    },
    FieldSpec {
        name: "asyncCommandExecution",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "previousRecognitionErrors",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousPermissionDenials",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.3, max: 10 },
    },
    FieldSpec {
        name: "previousCommandMismatches",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousExecutionFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "averageRecognitionLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(250.0),
        note: None,
        gen: Gen::LogNormal {
            median: 250.0,
            sigma: 0.5,
            min: 50.0,
            max: 1000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "averageCommandMatchConfidence",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.8),
        note: Some("0-1"),
        gen: Gen::Derived(Derived::Linear {
            terms: &[("microphoneQuality", 0.35), ("backgroundNoiseLevel", -0.35)],
            intercept: 0.64,
            sd: 0.06,
            min: 0.2,
            max: 1.0,
            dp: 3,
        }),
    },
];

const VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "speechRecognitionOk",
        field: "speechRecognitionSupported",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "engineWebkit",
        field: "recognitionEngineType",
        normalisation: Normalisation::EnumEquals("webkit"),
    },
    VectorEntry {
        feature: "continuous",
        field: "continuousMode",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "interimResults",
        field: "interimResultsEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "micPermission",
        field: "microphonePermission",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "micQuality",
        field: "microphoneQuality",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "noiseLevel",
        field: "backgroundNoiseLevel",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "commandsCount",
        field: "registeredCommandsCount",
        normalisation: Normalisation::Capped(50.0),
    },
    VectorEntry {
        feature: "categoryRecording",
        field: "commandCategory",
        normalisation: Normalisation::EnumEquals("recording"),
    },
    VectorEntry {
        feature: "fuzzyMatching",
        field: "fuzzyMatchingEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "minConfidence",
        field: "minConfidenceThreshold",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "transcriptLength",
        field: "transcriptLength",
        normalisation: Normalisation::Capped(50.0),
    },
    VectorEntry {
        feature: "transcriptComplexity",
        field: "transcriptComplexity",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "hasParameters",
        field: "commandHasParameters",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "paramCount",
        field: "parameterCount",
        normalisation: Normalisation::Capped(5.0),
    },
    VectorEntry {
        feature: "asyncExec",
        field: "asyncCommandExecution",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "prevRecognitionErrors",
        field: "previousRecognitionErrors",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevPermissionDenials",
        field: "previousPermissionDenials",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevMismatches",
        field: "previousCommandMismatches",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevExecFails",
        field: "previousExecutionFailures",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "avgRecogLatency",
        field: "averageRecognitionLatency",
        normalisation: Normalisation::Capped(1000.0),
    },
    VectorEntry {
        feature: "avgMatchConfidence",
        field: "averageCommandMatchConfidence",
        normalisation: Normalisation::Identity,
    },
];

const CRITICAL: &[&str] = &[
    "networkLatency",
    "apiAvailable",
    "cpuUtilization",
    "systemMemory",
    "speechRecognitionOk",
    "micPermission",
    "micQuality",
    "prevRecognitionErrors",
    "avgMatchConfidence",
];

const RULES: &[RecommendationRule] = &[
    RecommendationRule {
        feature: "speechRecognitionOk",
        test: RuleTest::Below(0.5),
        texts: &[
            "Provide fallback to manual command input",
            "Show clear messaging when speech recognition is unavailable",
        ],
    },
    RecommendationRule {
        feature: "micQuality",
        test: RuleTest::Below(0.6),
        texts: &[
            "Add microphone quality indicator to UI",
            "Suggest using external microphone for better results",
        ],
    },
    RecommendationRule {
        feature: "avgMatchConfidence",
        test: RuleTest::Below(0.6),
        texts: &[
            "Implement confirmation dialogs for low-confidence commands",
            "Show matched command to user before executing",
        ],
    },
];

/// DESIGN.md section 4 (see `failure_modes` for the shape of a hazard).
const FAILURE_MODES: &[FailureMode] = &[
    FailureMode {
        name: "speech-recognition-unavailable",
        severity: Severity::Critical,
        base_logit: -4.6,
        terms: &[
            term(5.0, Signal::IsFalse("speechRecognitionSupported")),
            term(4.5, Signal::IsFalse("microphonePermission")),
            term(0.9, Signal::EnumIsNot("recognitionEngineType", "webkit")),
            term(0.3, Signal::Scaled("previousRecognitionErrors", 1.0)),
        ],
    },
    // A noisy room ruins matching; low match confidence, a poor microphone and the evening add to it.
    FailureMode {
        name: "low-command-match-confidence",
        severity: Severity::Medium,
        base_logit: -0.8,
        terms: &[
            term(
                1.6,
                Signal::Excess {
                    field: "backgroundNoiseLevel",
                    threshold: 0.3,
                    scale: 0.2,
                },
            ),
            term(-3.0, Signal::Scaled("averageCommandMatchConfidence", 1.0)),
            term(-1.0, Signal::Scaled("microphoneQuality", 1.0)),
            term(0.3, Signal::Scaled("previousCommandMismatches", 1.0)),
            term(
                0.7,
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
    ("previousRecognitionErrors", Monotone::Increasing),
    ("previousPermissionDenials", Monotone::Increasing),
    ("previousCommandMismatches", Monotone::Increasing),
    ("previousExecutionFailures", Monotone::Increasing),
];
