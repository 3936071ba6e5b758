//! AI Memory (`ai-memory`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::*;
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
    monotone: MONOTONE,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "databaseConnected",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.92),
    },
    FieldSpec {
        name: "databaseLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(60.0),
        note: Some("ms"),
        gen: Gen::LogNormal {
            median: 60.0,
            sigma: 0.8,
            min: 2.0,
            max: 1000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "totalMemoriesCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(1500.0),
        note: None,
        gen: Gen::LogNormal {
            median: 1500.0,
            sigma: 1.0,
            min: 0.0,
            max: 10000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "operationType",
        ty: FieldType::Enum(&["store", "retrieve", "update", "delete", "search"]),
        default: FieldDefault::Enum("store"),
        note: None,
        gen: Gen::Choice(&[
            ("store", 0.3),
            ("retrieve", 0.3),
            ("update", 0.1),
            ("delete", 0.05),
            ("search", 0.25),
        ]),
    },
    FieldSpec {
        name: "memoryType",
        ty: FieldType::Enum(&["preference", "fact", "context", "interaction"]),
        default: FieldDefault::Enum("preference"),
        note: None,
        gen: Gen::Choice(&[
            ("preference", 0.3),
            ("fact", 0.3),
            ("context", 0.25),
            ("interaction", 0.15),
        ]),
    },
    FieldSpec {
        name: "searchQueryComplexity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.5),
        note: Some("0-1"),
        gen: Gen::TwoRegimes {
            lo: 0.0,
            hi: 0.35,
            degraded_lo: 0.75,
            degraded_hi: 1.0,
            p_degraded: 0.19,
            dp: 3,
        },
    },
    FieldSpec {
        name: "retrievalLimit",
        ty: FieldType::Number,
        default: FieldDefault::Number(10.0),
        note: None,
        gen: Gen::NumberChoice(&[(5.0, 0.2), (10.0, 0.4), (20.0, 0.25), (50.0, 0.15)]),
    },
    FieldSpec {
        name: "minImportanceFilter",
        ty: FieldType::Number,
        default: FieldDefault::Number(4.0),
        note: Some("0-10"),
        gen: Gen::IntRange { lo: 0, hi: 8 },
    },
    FieldSpec {
        name: "categoryFilterApplied",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "vectorSimilarityEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.7),
    },
    FieldSpec {
        name: "embeddingDimensions",
        ty: FieldType::Number,
        default: FieldDefault::Number(768.0),
        note: None,
        gen: Gen::NumberChoice(&[(384.0, 0.3), (768.0, 0.4), (1536.0, 0.3)]),
    },
    FieldSpec {
        name: "memoryContentSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(600.0),
        note: Some("characters"),
        gen: Gen::LogNormal {
            median: 600.0,
            sigma: 0.8,
            min: 20.0,
            max: 5000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "metadataSize",
        ty: FieldType::Number,
        default: FieldDefault::Number(150.0),
        note: Some("characters"),
        gen: Gen::LogNormal {
            median: 150.0,
            sigma: 0.6,
            min: 10.0,
            max: 1000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "previousDatabaseTimeouts",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousRetrievalFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousAccessCountUpdateFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.4, max: 10 },
    },
    FieldSpec {
        name: "averageRetrievalTime",
        ty: FieldType::Number,
        default: FieldDefault::Number(120.0),
        note: None,
        gen: Gen::LogNormal {
            median: 120.0,
            sigma: 0.6,
            min: 10.0,
            max: 1000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "expiredMemoriesCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(5.0),
        note: None,
        gen: Gen::Count {
            mean: 10.0,
            max: 100,
        },
    },
    FieldSpec {
        name: "averageAccessCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(4.0),
        note: None,
        gen: Gen::LogNormal {
            median: 4.0,
            sigma: 0.7,
            min: 0.0,
            max: 100.0,
            dp: 1,
        },
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

/// DESIGN.md section 4 (see `failure_modes` for the shape of a hazard).
const FAILURE_MODES: &[FailureMode] = &[
    FailureMode {
        name: "database-connection-lost",
        severity: Severity::Critical,
        base_logit: -3.8,
        terms: &[
            term(5.2, Signal::IsFalse("databaseConnected")),
            term(0.4, Signal::Scaled("previousDatabaseTimeouts", 1.0)),
        ],
    },
    // Slow database x complex query; a large store, searches and the morning peak add to it.
    FailureMode {
        name: "query-timeout",
        severity: Severity::High,
        base_logit: -3.0,
        terms: &[
            term(
                2.2,
                Signal::Product {
                    a: "databaseLatency",
                    a_scale: 100.0,
                    b: "searchQueryComplexity",
                    b_scale: 1.0,
                },
            ),
            term(0.8, Signal::Capped("totalMemoriesCount", 10000.0)),
            term(0.5, Signal::EnumIs("operationType", "search")),
            term(0.35, Signal::Scaled("previousDatabaseTimeouts", 1.0)),
            term(
                0.6,
                Signal::HourWindow {
                    field: "timeOfDay",
                    from: 9.0,
                    to: 12.0,
                },
            ),
        ],
    },
];

/// Known directions of effect (see `failure_modes::Monotone`), beside the base ones.
const MONOTONE: &[(&str, Monotone)] = &[
    ("databaseLatency", Monotone::Increasing),
    ("previousDatabaseTimeouts", Monotone::Increasing),
    ("previousRetrievalFailures", Monotone::Increasing),
    ("previousAccessCountUpdateFailures", Monotone::Increasing),
];
