//! `@dawg-ai/ml-engine`: workflow failure prediction.
//!
//! Data flows one way: `node` -> `train`/`predict`/`synth` -> `model`/`features`
//! -> `schema`. Only `node` knows about JavaScript.

pub mod error;
pub mod features;
pub mod model;
pub mod predict;
pub mod schema;
pub mod synth;
pub mod train;

pub mod node;

pub use error::EngineError;
