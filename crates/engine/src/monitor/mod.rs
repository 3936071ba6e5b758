//! Live monitoring of deployed models: metrics over a window of predictions
//! whose outcomes are known, drift against reference histograms stored with
//! the model, performance expected while outcomes are missing, and the
//! tests that promote a challenger or roll back a degraded champion. Pure
//! functions over numbers: the rows come from the outcome store.

pub mod attach;
pub mod decide;
pub mod drift;
pub mod estimate;
pub mod known_models;
pub mod metrics;
pub mod stats;

pub use decide::{
    degradation_test, promotion_test, DegradationRule, DegradationTest, PromotionRule,
    PromotionTest,
};
pub use drift::{drift, DriftReport, Histogram, Reference};
pub use estimate::{expected, Expected};
pub use metrics::{live_metrics, IntervalOptions, LiveMetrics};
