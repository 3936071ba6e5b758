//! Budget Alerts (`budget-alerts`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::FailureMode;
use crate::schema::types::*;

pub const SCHEMA: WorkflowSchema = WorkflowSchema {
    workflow_type: "budget-alerts",
    display_name: "Budget Alerts",
    interface: "BudgetAlertsFeatures",
    fields: FIELDS,
    vector: VECTOR,
    critical_features: CRITICAL,
    recommendation_rules: RULES,
    failure_modes: FAILURE_MODES,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "dailyLimitSet",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "monthlyLimitSet",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "alertThreshold",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1 (e.g., 0.8 = 80%)"),
    },
    FieldSpec {
        name: "pauseOnExceedEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "dailySpent",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "monthlySpent",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "dailyPercentage",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-100"),
    },
    FieldSpec {
        name: "monthlyPercentage",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-100"),
    },
    FieldSpec {
        name: "operationType",
        ty: FieldType::Enum(&[
            "check_budget",
            "create_alert",
            "resolve_alert",
            "reset_budget",
        ]),
        default: FieldDefault::Enum("check_budget"),
        note: None,
    },
    FieldSpec {
        name: "isOverDailyBudget",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "isOverMonthlyBudget",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
    },
    FieldSpec {
        name: "unreadAlertsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "unresolvedAlertsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "alertSeverity",
        ty: FieldType::Enum(&["info", "warning", "critical"]),
        default: FieldDefault::Enum("info"),
        note: None,
    },
    FieldSpec {
        name: "apiLogsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "servicesUsedCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "costCalculationComplexity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("0-1"),
    },
    FieldSpec {
        name: "previousCostCalculationErrors",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousAlertCreationFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "previousThresholdDetectionMisses",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
    },
    FieldSpec {
        name: "averageAlertLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("ms"),
    },
    FieldSpec {
        name: "spendingTrendDirection",
        ty: FieldType::Enum(&["increasing", "decreasing", "stable"]),
        default: FieldDefault::Enum("increasing"),
        note: None,
    },
    FieldSpec {
        name: "spendingVelocity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("$ per day"),
    },
    FieldSpec {
        name: "projectedMonthlyOverage",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: Some("$"),
    },
];

const VECTOR: &[VectorEntry] = &[
    VectorEntry {
        feature: "dailyLimitSet",
        field: "dailyLimitSet",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "monthlyLimitSet",
        field: "monthlyLimitSet",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "alertThreshold",
        field: "alertThreshold",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "pauseOnExceed",
        field: "pauseOnExceedEnabled",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "dailySpent",
        field: "dailySpent",
        normalisation: Normalisation::Capped(100.0),
    },
    VectorEntry {
        feature: "monthlySpent",
        field: "monthlySpent",
        normalisation: Normalisation::Capped(500.0),
    },
    VectorEntry {
        feature: "dailyPct",
        field: "dailyPercentage",
        normalisation: Normalisation::Scaled(100.0),
    },
    VectorEntry {
        feature: "monthlyPct",
        field: "monthlyPercentage",
        normalisation: Normalisation::Scaled(100.0),
    },
    VectorEntry {
        feature: "opCheckBudget",
        field: "operationType",
        normalisation: Normalisation::EnumEquals("check_budget"),
    },
    VectorEntry {
        feature: "opCreateAlert",
        field: "operationType",
        normalisation: Normalisation::EnumEquals("create_alert"),
    },
    VectorEntry {
        feature: "overDaily",
        field: "isOverDailyBudget",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "overMonthly",
        field: "isOverMonthlyBudget",
        normalisation: Normalisation::Bool,
    },
    VectorEntry {
        feature: "unreadAlerts",
        field: "unreadAlertsCount",
        normalisation: Normalisation::Capped(20.0),
    },
    VectorEntry {
        feature: "unresolvedAlerts",
        field: "unresolvedAlertsCount",
        normalisation: Normalisation::Capped(20.0),
    },
    VectorEntry {
        feature: "severityCritical",
        field: "alertSeverity",
        normalisation: Normalisation::EnumEquals("critical"),
    },
    VectorEntry {
        feature: "apiLogsCount",
        field: "apiLogsCount",
        normalisation: Normalisation::Capped(1000.0),
    },
    VectorEntry {
        feature: "servicesUsed",
        field: "servicesUsedCount",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "costCalcComplexity",
        field: "costCalculationComplexity",
        normalisation: Normalisation::Identity,
    },
    VectorEntry {
        feature: "prevCostCalcErrors",
        field: "previousCostCalculationErrors",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevAlertFails",
        field: "previousAlertCreationFailures",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "prevThresholdMisses",
        field: "previousThresholdDetectionMisses",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "avgAlertLatency",
        field: "averageAlertLatency",
        normalisation: Normalisation::Capped(1000.0),
    },
    VectorEntry {
        feature: "trendIncreasing",
        field: "spendingTrendDirection",
        normalisation: Normalisation::EnumEquals("increasing"),
    },
    VectorEntry {
        feature: "spendingVelocity",
        field: "spendingVelocity",
        normalisation: Normalisation::Capped(10.0),
    },
    VectorEntry {
        feature: "projectedOverage",
        field: "projectedMonthlyOverage",
        normalisation: Normalisation::Capped(100.0),
    },
];

const CRITICAL: &[&str] = &[
    "networkLatency",
    "apiAvailable",
    "cpuUtilization",
    "systemMemory",
    "dailyPct",
    "monthlyPct",
    "overDaily",
    "overMonthly",
    "prevCostCalcErrors",
];

const RULES: &[RecommendationRule] = &[
    RecommendationRule {
        feature: "overDaily",
        test: RuleTest::Above(0.5),
        texts: &[
            "Implement daily spending rate limiting",
            "Send proactive alerts at 80% threshold",
        ],
    },
    RecommendationRule {
        feature: "overMonthly",
        test: RuleTest::Above(0.5),
        texts: &[
            "Enable automatic pause when monthly limit exceeded",
            "Show spending projection to warn users early",
        ],
    },
    RecommendationRule {
        feature: "prevCostCalcErrors",
        test: RuleTest::Above(0.5),
        texts: &[
            "Add cost calculation validation and error logging",
            "Implement fallback cost estimation when APIs fail",
        ],
    },
];

const FAILURE_MODES: &[FailureMode] = &[];
