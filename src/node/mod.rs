//! The napi binding: the only module that knows about JavaScript. It converts
//! JS values, calls the core, and maps `EngineError`s to JS errors with a
//! stable `code`. Panics are caught here and never cross into JavaScript.

mod bench_hooks;
mod convert;
mod errors;
mod models;
mod task;
mod training;
mod workflow_features;
