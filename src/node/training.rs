//! Scenario generation and training, run off the JS thread.

use std::collections::HashMap;
use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::run;
use super::task::{EngineTask, Work};
use crate::error::EngineError;
use crate::synth::{self, Counts};

/// Default generator seed (the documented `npm run train` seed).
pub const DEFAULT_SEED: u64 = 42;

#[napi(object)]
pub struct GenerateOptions {
    /// Whole number in [0, 2^53). Default 42.
    pub seed: Option<f64>,
    /// Scenarios per workflow type; unspecified workflows keep the defaults
    /// (freestyle 150, melody-to-vocals 120, others 110).
    pub counts: Option<HashMap<String, f64>>,
    /// Also write the scenarios to this JSON file (atomically).
    pub output_path: Option<String>,
}

pub fn parse_seed(seed: Option<f64>) -> crate::error::Result<u64> {
    match seed {
        None => Ok(DEFAULT_SEED),
        Some(s) if s.is_finite() && s >= 0.0 && s.fract() == 0.0 && s < 9_007_199_254_740_992.0 => Ok(s as u64),
        Some(s) => Err(EngineError::InvalidArgument {
            name: "seed".to_string(),
            reason: format!("expected a whole number from 0 to 2^53 - 1, received {s}"),
        }),
    }
}

pub fn parse_counts(counts: Option<&HashMap<String, f64>>) -> crate::error::Result<Counts> {
    let Some(counts) = counts else { return Ok(Counts::default()) };
    let mut checked = Vec::with_capacity(counts.len());
    for (name, n) in counts {
        checked.push((name.as_str(), synth::check_count(name, *n)?));
    }
    Counts::with_overrides(checked)
}

pub struct Generate {
    seed: u64,
    counts: Counts,
    output_path: Option<PathBuf>,
}

impl Generate {
    fn from_options(options: Option<GenerateOptions>) -> crate::error::Result<Generate> {
        let options = options.unwrap_or(GenerateOptions { seed: None, counts: None, output_path: None });
        Ok(Generate {
            seed: parse_seed(options.seed)?,
            counts: parse_counts(options.counts.as_ref())?,
            output_path: options.output_path.map(PathBuf::from),
        })
    }
}

impl Work for Generate {
    /// The scenarios as JSON text (the JS wrapper parses it once).
    type Output = String;
    type Js = String;

    fn run(&mut self) -> crate::error::Result<String> {
        let scenarios = synth::generate(self.seed, &self.counts);
        let text = synth::to_json(&scenarios);
        if let Some(path) = &self.output_path {
            crate::model::write_atomic(path, text.as_bytes())?;
        }
        Ok(text)
    }

    fn into_js(&mut self, _env: Env, text: String) -> Result<String> {
        Ok(text)
    }
}

/// Generate labelled scenarios; returns them as JSON text.
#[napi]
pub fn generate_training_data_sync(env: Env, options: Option<GenerateOptions>) -> Result<String> {
    run(&env, || Generate::from_options(options)?.run())
}

/// `generateTrainingDataSync` on the thread pool.
#[napi(ts_return_type = "Promise<string>")]
pub fn generate_training_data(env: Env, options: Option<GenerateOptions>) -> Result<AsyncTask<EngineTask<Generate>>> {
    let work = run(&env, || Generate::from_options(options))?;
    Ok(AsyncTask::new(EngineTask::new(work)))
}
