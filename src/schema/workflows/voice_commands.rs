//! Voice Commands (`voice-commands`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::FailureMode;
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
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "speechRecognitionSupported",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "recognitionEngineType",
        ty: FieldType::Enum(&["webkit", "standard", "none"]),
        default: FieldDefault::Enum("webkit"),
        note: None,
    },
    FieldSpec {
        name: "continuousMode",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "interimResultsEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "microphonePermission",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "microphoneQuality",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "backgroundNoiseLevel",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "registeredCommandsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "commandCategory",
        ty: FieldType::Enum(&["recording", "playback", "navigation", "ai", "general"]),
        default: FieldDefault::Enum("recording"),
        note: None,
    },
    FieldSpec {
        name: "fuzzyMatchingEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "minConfidenceThreshold",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "transcriptLength",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("words"),
    },
    FieldSpec {
        name: "transcriptComplexity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "commandHasParameters",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "parameterCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "asyncCommandExecution",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "previousRecognitionErrors",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousPermissionDenials",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousCommandMismatches",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousExecutionFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageRecognitionLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageCommandMatchConfidence",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
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

const FAILURE_MODES: &[FailureMode] = &[];
