//! The napi binding of `@dawg-ai/ml-engine`: the only crate that knows about
//! JavaScript. It converts JS values, calls the engine crate
//! (`dawg-ml-engine`, which has no napi dependency and is tested with
//! `cargo test`), and maps `EngineError`s to JS errors with a stable `code`.
//! Panics are caught here and never cross into JavaScript.

// Test builds see no napi registration, so the exported items look unused there.
#![cfg_attr(test, allow(dead_code))]

// The engine's modules under their usual names, so that binding code reads
// `crate::features::...` as it did when both lived in one crate.
pub(crate) use dawg_ml_engine::{
    columnar, error, features, html_report, model, model_cache, monitor, predict, registry, schema,
    synth, train,
};

mod allocator;
mod analysis;
mod bench_hooks;
mod cancel;
mod encoded;
mod errors;
mod graph;
mod js_object;
mod live_report;
mod model_registry;
mod models;
mod prediction_shape;
mod scratch_path;
mod store;
mod string_table;
mod task;
#[cfg(test)]
mod test_fixtures;
mod training;
mod workflow_features;

/// Runs once per JavaScript environment (the main thread, each worker) that
/// loads the addon: see `allocator`.
#[cfg(not(test))]
#[napi_derive::napi(module_exports)]
pub fn module_init(_exports: napi::bindgen_prelude::Object, env: napi::Env) -> napi::Result<()> {
    allocator::trim_when_torn_down(&env)
}
