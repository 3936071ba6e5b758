//! Budget Alerts (`budget-alerts`): raw fields, vector, critical features and recommendation rules.

use crate::schema::failure_modes::*;
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
    monotone: MONOTONE,
};

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "dailyLimitSet",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.85),
    },
    FieldSpec {
        name: "monthlyLimitSet",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.85),
    },
    FieldSpec {
        name: "alertThreshold",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.8),
        note: Some("0-1 (e.g., 0.8 = 80%)"),
        gen: Gen::NumberChoice(&[(0.5, 0.1), (0.75, 0.3), (0.8, 0.4), (0.9, 0.2)]),
    },
    FieldSpec {
        name: "pauseOnExceedEnabled",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(true),
        note: None,
        gen: Gen::Bernoulli(0.5),
    },
    FieldSpec {
        name: "dailySpent",
        ty: FieldType::Number,
        default: FieldDefault::Number(9.0),
        note: None,
        gen: Gen::Derived(Derived::ScaledFrom {
            a: "dailyPercentage",
            factor: 0.2,
            jitter: 0.15,
            dp: 2,
        }),
    },
    FieldSpec {
        name: "monthlySpent",
        ty: FieldType::Number,
        default: FieldDefault::Number(100.0),
        note: None,
        gen: Gen::Derived(Derived::ScaledFrom {
            a: "monthlyPercentage",
            factor: 2.0,
            jitter: 0.15,
            dp: 2,
        }),
    },
    FieldSpec {
        name: "dailyPercentage",
        ty: FieldType::Number,
        default: FieldDefault::Number(45.0),
        note: Some("0-100"),
        gen: Gen::LogNormal {
            median: 45.0,
            sigma: 0.6,
            min: 1.0,
            max: 250.0,
            dp: 1,
        },
    },
    FieldSpec {
        name: "monthlyPercentage",
        ty: FieldType::Number,
        default: FieldDefault::Number(50.0),
        note: Some("0-100"),
        gen: Gen::LogNormal {
            median: 50.0,
            sigma: 0.5,
            min: 1.0,
            max: 200.0,
            dp: 1,
        },
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
        gen: Gen::Choice(&[
            ("check_budget", 0.5),
            ("create_alert", 0.2),
            ("resolve_alert", 0.2),
            ("reset_budget", 0.1),
        ]),
    },
    FieldSpec {
        name: "isOverDailyBudget",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(false),
        note: None,
        gen: Gen::Derived(Derived::AtLeast {
            a: "dailyPercentage",
            threshold: 100.0,
        }),
    },
    FieldSpec {
        name: "isOverMonthlyBudget",
        ty: FieldType::Boolean,
        default: FieldDefault::Boolean(false),
        note: None,
        gen: Gen::Derived(Derived::AtLeast {
            a: "monthlyPercentage",
            threshold: 100.0,
        }),
    },
    FieldSpec {
        name: "unreadAlertsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(2.0),
        note: None,
        gen: Gen::Count { mean: 3.0, max: 20 },
    },
    FieldSpec {
        name: "unresolvedAlertsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(1.0),
        note: None,
        gen: Gen::Count { mean: 2.0, max: 20 },
    },
    FieldSpec {
        name: "alertSeverity",
        ty: FieldType::Enum(&["info", "warning", "critical"]),
        default: FieldDefault::Enum("info"),
        note: None,
        gen: Gen::Choice(&[("info", 0.6), ("warning", 0.3), ("critical", 0.1)]),
    },
    FieldSpec {
        name: "apiLogsCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(200.0),
        note: None,
        gen: Gen::LogNormal {
            median: 200.0,
            sigma: 0.8,
            min: 0.0,
            max: 1000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "servicesUsedCount",
        ty: FieldType::Number,
        default: FieldDefault::Number(4.0),
        note: None,
        gen: Gen::IntRange { lo: 1, hi: 10 },
    },
    FieldSpec {
        name: "costCalculationComplexity",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.5),
        note: Some("0-1"),
        gen: Gen::TwoRegimes {
            lo: 0.0,
            hi: 0.35,
            degraded_lo: 0.75,
            degraded_hi: 1.0,
            p_degraded: 0.21,
            dp: 3,
        },
    },
    FieldSpec {
        name: "previousCostCalculationErrors",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.5, max: 10 },
    },
    FieldSpec {
        name: "previousAlertCreationFailures",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.4, max: 10 },
    },
    FieldSpec {
        name: "previousThresholdDetectionMisses",
        ty: FieldType::Number,
        default: FieldDefault::Number(0.0),
        note: None,
        gen: Gen::Count { mean: 0.4, max: 10 },
    },
    FieldSpec {
        name: "averageAlertLatency",
        ty: FieldType::Number,
        default: FieldDefault::Number(150.0),
        note: Some("ms"),
        gen: Gen::LogNormal {
            median: 150.0,
            sigma: 0.6,
            min: 10.0,
            max: 1000.0,
            dp: 0,
        },
    },
    FieldSpec {
        name: "spendingTrendDirection",
        ty: FieldType::Enum(&["increasing", "decreasing", "stable"]),
        default: FieldDefault::Enum("stable"),
        note: None,
        gen: Gen::Choice(&[("increasing", 0.35), ("decreasing", 0.25), ("stable", 0.4)]),
    },
    FieldSpec {
        name: "spendingVelocity",
        ty: FieldType::Number,
        default: FieldDefault::Number(2.0),
        note: Some("$ per day"),
        gen: Gen::LogNormal {
            median: 2.0,
            sigma: 0.7,
            min: 0.0,
            max: 10.0,
            dp: 2,
        },
    },
    FieldSpec {
        name: "projectedMonthlyOverage",
        ty: FieldType::Number,
        default: FieldDefault::Number(5.0),
        note: Some("$"),
        gen: Gen::LogNormal {
            median: 5.0,
            sigma: 1.2,
            min: 0.0,
            max: 100.0,
            dp: 2,
        },
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

/// DESIGN.md section 4 (see `failure_modes` for the shape of a hazard).
const FAILURE_MODES: &[FailureMode] = &[
    // Complex calculations over many services fail.
    FailureMode {
        name: "cost-calculation-error",
        severity: Severity::High,
        base_logit: -4.5,
        terms: &[
            term(
                1.8,
                Signal::Excess {
                    field: "costCalculationComplexity",
                    threshold: 0.4,
                    scale: 0.2,
                },
            ),
            term(0.2, Signal::Scaled("servicesUsedCount", 1.0)),
            term(0.35, Signal::Scaled("previousCostCalculationErrors", 1.0)),
        ],
    },
    // Graded past 90 % of the monthly budget; over the daily one adds to it, pausing on a hit softens it.
    FailureMode {
        name: "budget-severely-exceeded",
        severity: Severity::Critical,
        base_logit: -2.6,
        terms: &[
            term(
                1.5,
                Signal::Excess {
                    field: "monthlyPercentage",
                    threshold: 90.0,
                    scale: 30.0,
                },
            ),
            term(0.8, Signal::IsTrue("isOverDailyBudget")),
            term(-1.5, Signal::IsTrue("pauseOnExceedEnabled")),
        ],
    },
];

/// Known directions of effect (see `failure_modes::Monotone`), beside the base ones.
const MONOTONE: &[(&str, Monotone)] = &[
    ("previousCostCalculationErrors", Monotone::Increasing),
    ("previousAlertCreationFailures", Monotone::Increasing),
    ("previousThresholdDetectionMisses", Monotone::Increasing),
];
