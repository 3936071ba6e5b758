//! AI Memory (`ai-memory`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::FailureMode;
use crate::schema::types::*;

pub const SCHEMA: WorkflowSchema = WorkflowSchema {
    workflow_type: "ai-memory",
    display_name: "AI Memory",
    interface: "AIMemoryFeatures",
    fields: FIELDS,
    vector: VECTOR,
    critical_features: CRITICAL,
    recommendation_rules: RULES,
    failure_modes: FAILURE_MODES,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "databaseConnected",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "databaseLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("ms"),
    },
    FieldSpec {
        name: "totalMemoriesCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "operationType",
        ty: FieldType::Enum(&["store", "retrieve", "update", "delete", "search"]),
        default: FieldDefault::Enum("store"),
        note: None,
    },
    FieldSpec {
        name: "memoryType",
        ty: FieldType::Enum(&["preference", "fact", "context", "interaction"]),
        default: FieldDefault::Enum("preference"),
        note: None,
    },
    FieldSpec {
        name: "searchQueryComplexity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "retrievalLimit",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "minImportanceFilter",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-10"),
    },
    FieldSpec {
        name: "categoryFilterApplied",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "vectorSimilarityEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "embeddingDimensions",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "memoryContentSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("characters"),
    },
    FieldSpec {
        name: "metadataSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("characters"),
    },
    FieldSpec {
        name: "previousDatabaseTimeouts",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousRetrievalFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousAccessCountUpdateFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageRetrievalTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "expiredMemoriesCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageAccessCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
];

const VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "dbConnected",
        field: "databaseConnected",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "dbLatency",
        field: "databaseLatency",
        normalisation: Normalisation::Capped(1000.0),
    },
    VectorEntry {
        feature: "totalMemories",
        field: "totalMemoriesCount",
        normalisation: Normalisation::Capped(10000.0),
    },
    VectorEntry {
        feature: "opStore",
        field: "operationType",
        normalisation: Normalisation::EnumEquals("store"),
    },
    VectorEntry {
        feature: "opRetrieve",
        field: "operationType",
        normalisation: Normalisation::EnumEquals("retrieve"),
    },
    VectorEntry {
        feature: "opSearch",
        field: "operationType",
        normalisation: Normalisation::EnumEquals("search"),
    },
    VectorEntry {
        feature: "memTypePreference",
        field: "memoryType",
        normalisation: Normalisation::EnumEquals("preference"),
    },
    VectorEntry {
        feature: "memTypeFact",
        field: "memoryType",
        normalisation: Normalisation::EnumEquals("fact"),
    },
    VectorEntry {
        feature: "searchComplexity",
        field: "searchQueryComplexity",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "retrievalLimit",
        field: "retrievalLimit",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "minImportance",
        field: "minImportanceFilter",
        normalisation: Normalisation::Scaled(10.0),
    },
    VectorEntry {
        feature: "categoryFilter",
        field: "categoryFilterApplied",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "vectorSimilarity",
        field: "vectorSimilarityEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "contentSize",
        field: "memoryContentSize",
        normalisation: Normalisation::Capped(5000.0),
    },
    VectorEntry {
        feature: "metadataSize",
        field: "metadataSize",
        normalisation: Normalisation::Capped(1000.0),
    },
    VectorEntry {
        feature: "prevDBTimeouts",
        field: "previousDatabaseTimeouts",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevRetrievalFails",
        field: "previousRetrievalFailures",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "avgRetrievalTime",
        field: "averageRetrievalTime",
        normalisation: Normalisation::Capped(1000.0),
    },
    VectorEntry {
        feature: "expiredMemories",
        field: "expiredMemoriesCount",
        normalisation: Normalisation::Capped(100.0),
    },
];

const CRITICAL: &[&str] = &[
    "networkLatency",
    "apiAvailable",
    "cpuUtilization",
    "systemMemory",
    "dbConnected",
    "dbLatency",
    "totalMemories",
    "prevDBTimeouts",
    "prevRetrievalFails",
];

const RULES: &[RecommendationRule] = &[
    RecommendationRule {
        feature: "dbConnected",
        test: RuleTest::Below(0.5),
        texts: &[
            "Implement database connection pooling and retry logic",
            "Add fallback to in-memory cache during DB outages",
        ],
    },
    RecommendationRule {
        feature: "prevDBTimeouts",
        test: RuleTest::Above(0.5),
        texts: &[
            "Add database query timeout limits and error handling",
            "Implement query optimization and indexing",
        ],
    },
];

const FAILURE_MODES: &[FailureMode] = &[];
