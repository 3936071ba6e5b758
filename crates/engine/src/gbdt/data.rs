//! The rows a fit reads: a row-major dense matrix of f64 features (`NaN`
//! meaning missing), boolean labels and optional positive weights, checked
//! once before any work starts.

use crate::error::{EngineError, Result};

/// A dense, row-major view: row `r` is `values[r * cols .. (r + 1) * cols]`.
/// `NaN` is a missing value; numeric, boolean (0/1) and enum-index features
/// all arrive as numbers.
#[derive(Debug, Clone, Copy)]
pub struct FeatureMatrix<'a> {
    values: &'a [f64],
    rows: usize,
    cols: usize,
}

impl<'a> FeatureMatrix<'a> {
    /// A view of `values` as `rows × cols`; `ERR_INVALID_ARG` when the length
    /// does not match or there are no columns.
    pub fn new(values: &'a [f64], rows: usize, cols: usize) -> Result<Self> {
        if cols == 0 {
            return Err(EngineError::InvalidArgument {
                name: "cols".to_string(),
                reason: "expected at least 1 feature, received 0".to_string(),
            });
        }
        if rows.checked_mul(cols) != Some(values.len()) {
            return Err(EngineError::InvalidArgument {
                name: "values".to_string(),
                reason: format!(
                    "length {} does not match {rows} rows × {cols} features",
                    values.len()
                ),
            });
        }
        Ok(FeatureMatrix { values, rows, cols })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `r` (`r < rows()`).
    pub fn row(&self, r: usize) -> &'a [f64] {
        &self.values[r * self.cols..(r + 1) * self.cols]
    }

    pub fn values(&self) -> &'a [f64] {
        self.values
    }
}

/// Features with their labels (`true` = the workflow failed) and optional
/// per-row weights (finite and > 0; absent means 1).
#[derive(Debug, Clone, Copy)]
pub struct LabelledRows<'a> {
    pub features: FeatureMatrix<'a>,
    pub labels: &'a [bool],
    pub weights: Option<&'a [f64]>,
}

impl<'a> LabelledRows<'a> {
    pub fn new(
        features: FeatureMatrix<'a>,
        labels: &'a [bool],
        weights: Option<&'a [f64]>,
    ) -> Self {
        LabelledRows {
            features,
            labels,
            weights,
        }
    }

    pub fn weight(&self, r: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[r])
    }

    /// Shapes agree, weights are finite and positive, and no feature is
    /// ±Infinity (`NaN` is allowed: it is a missing value). `what` names the
    /// set in the error ("training rows", "validation rows").
    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        let rows = self.features.rows();
        if self.labels.len() != rows {
            return Err(EngineError::InvalidArgument {
                name: "labels".to_string(),
                reason: format!("{what}: {} labels for {rows} rows", self.labels.len()),
            });
        }
        if let Some(weights) = self.weights {
            if weights.len() != rows {
                return Err(EngineError::InvalidArgument {
                    name: "weights".to_string(),
                    reason: format!("{what}: {} weights for {rows} rows", weights.len()),
                });
            }
            if let Some(r) = weights.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
                return Err(EngineError::InvalidData {
                    file: what.to_string(),
                    row: r,
                    field: "weight".to_string(),
                    reason: format!("must be a finite number > 0, received {}", weights[r]),
                });
            }
        }
        if let Some(i) = self.features.values().iter().position(|x| x.is_infinite()) {
            let cols = self.features.cols();
            return Err(EngineError::InvalidData {
                file: what.to_string(),
                row: i / cols,
                field: format!("feature {}", i % cols),
                reason: format!(
                    "must be finite or NaN (missing), received {}",
                    self.features.values()[i]
                ),
            });
        }
        Ok(())
    }
}
