//! `dawg-ml-engine`: workflow failure prediction, as plain Rust.
//!
//! Data flows one way: `train`/`predict`/`synth` -> `model`/`features` ->
//! `schema`. Nothing here knows about JavaScript: the napi binding is the
//! crate at the repository root, which depends on this one.

pub mod calibration;
pub mod columnar;
pub mod error;
pub mod family;
pub mod features;
pub mod gbdt;
pub mod graph;
pub mod html_report;
pub mod model;
pub mod monitor;
pub mod predict;
pub mod registry;
pub mod schema;
pub mod synth;
pub mod train;

#[cfg(test)]
mod test_support;

pub use error::EngineError;

#[cfg(test)]
mod tests {
    /// Core and binding apart in the build, not only by convention: this
    /// crate must never depend on napi.
    #[test]
    fn the_engine_crate_has_no_napi_dependency() {
        let manifest = include_str!("../Cargo.toml");
        let dependencies: Vec<&str> = manifest
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && !l.starts_with('[') && l.contains('='))
            .filter_map(|l| l.split('=').next().map(str::trim))
            .collect();
        assert!(dependencies.contains(&"serde_json"), "{dependencies:?}");
        assert!(
            dependencies.iter().all(|d| !d.contains("napi")),
            "crates/engine/Cargo.toml depends on napi: {dependencies:?}"
        );
    }
}
