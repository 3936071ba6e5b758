//! Entry points for `benchmark/` only (not part of the documented API):
//! generated training matrices of one workflow, the core logistic fit on a
//! `Float64Array`, and the default training run, so the benchmark can time
//! the native trainer against JavaScript and Python peers on the same rows.

use std::sync::atomic::AtomicBool;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::run;
use crate::error::EngineError;
use crate::schema::find_workflow;
use crate::synth;
use crate::train::{self, logistic};

#[napi(object)]
pub struct BenchMatrix {
    /// Row-major vectors in `featuresToVector` order.
    pub rows: Float64Array,
    /// 1 for a failed run, else 0.
    pub labels: Uint8Array,
    /// The generator's true failure probability of each row.
    pub true_probabilities: Float64Array,
    pub d: u32,
}

/// `n` generated rows of one workflow (seeded), built in chunks so that only
/// the matrix itself stays in memory.
#[napi]
pub fn bench_generate_matrix(
    env: Env,
    workflow_type: String,
    n: u32,
    seed: u32,
) -> Result<BenchMatrix> {
    run(&env, || {
        let workflow =
            find_workflow(&workflow_type).ok_or_else(|| EngineError::UnknownWorkflow {
                received: crate::error::shown(&workflow_type),
                expected: "a workflow type".to_string(),
            })?;
        let d = workflow.vector.len();
        let n = n as usize;
        // A benchmark hook, but reachable from JS: an unbounded size would
        // abort the process on allocation failure instead of throwing.
        if n > 4_000_000 {
            return Err(EngineError::InvalidArgument {
                name: "n".to_string(),
                reason: format!("at most 4000000 rows, received {n}"),
            });
        }
        let mut rows = Vec::with_capacity(n * d);
        let mut labels = Vec::with_capacity(n);
        let mut truth = Vec::with_capacity(n);
        const CHUNK: usize = 20_000;
        let mut chunk = 0u64;
        while labels.len() < n {
            let take = CHUNK.min(n - labels.len());
            let chunk_seed = u64::from(seed) * 1_000_003 + chunk;
            for s in synth::generate_workflow(chunk_seed, workflow, take) {
                rows.extend_from_slice(&s.vector);
                labels.push(u8::from(s.failed));
                truth.push(s.true_failure_probability);
            }
            chunk += 1;
        }
        Ok(BenchMatrix {
            rows: Float64Array::new(rows),
            labels: Uint8Array::new(labels),
            true_probabilities: Float64Array::new(truth),
            d: d as u32,
        })
    })
}

#[napi(object)]
pub struct BenchFit {
    pub weights: Float64Array,
    pub bias: f64,
    pub iterations: u32,
    pub converged: bool,
}

/// The core fit (`train::logistic::fit`, regularisation `c`) on row-major
/// `rows` of `d` features and 0/1 `labels`. The fit borrows the
/// `Float64Array`'s memory (no copy of the matrix; the labels become a
/// `Vec<bool>` of one byte per row).
#[napi]
pub fn bench_fit(
    env: Env,
    rows: Float64Array,
    d: u32,
    labels: Uint8Array,
    c: f64,
) -> Result<BenchFit> {
    run(&env, || {
        let d = d as usize;
        let data: &[f64] = &rows;
        let y: Vec<bool> = labels.iter().map(|l| *l != 0).collect();
        if d == 0 || data.len() != y.len() * d {
            return Err(EngineError::InvalidArgument {
                name: "rows".to_string(),
                reason: format!(
                    "length {} is not {} labels x {d} features",
                    data.len(),
                    y.len()
                ),
            });
        }
        let fit = logistic::fit(data, d, &y, c)?;
        Ok(BenchFit {
            weights: Float64Array::new(fit.weights),
            bias: fit.bias,
            iterations: fit.iterations as u32,
            converged: fit.converged,
        })
    })
}

/// The default training run (generated scenarios, default counts, the full
/// cross-validation grid), in memory, writing nothing. Returns the number of
/// workflows trained.
#[napi]
pub fn bench_train_default(env: Env) -> Result<u32> {
    run(&env, || {
        let options = train::TrainOptions::default();
        let cancel = AtomicBool::new(false);
        let report = train::run(&options, &|_| {}, &cancel)?;
        Ok(report.results.len() as u32)
    })
}
