//! The runner every `fuzz_*` target uses: proptest's own configuration
//! (PROPTEST_CASES, PROPTEST_RNG_SEED; 256 cases by default, as `cargo test`
//! runs them), no regression files, and one summary line per target that
//! `npm run fuzz` reads: `fuzz <target>: <cases> cases, <findings> findings,
//! seed <seed>, <results> results, <errors> errors`. A case's test returns
//! whether the input gave a result (`true`) or a coded error (`false`). A
//! finding panics with the shrunk input.

#![allow(dead_code)]

use dawg_ml_engine::EngineError;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn run<S>(target: &str, strategy: S, test: impl Fn(S::Value) -> Result<bool, TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let cases = config.cases;
    let seed = match config.rng_seed {
        RngSeed::Fixed(s) => s.to_string(),
        RngSeed::Random => "random".to_string(),
    };
    let mut runner = TestRunner::new(config);
    let results = AtomicUsize::new(0);
    let runs = AtomicUsize::new(0);
    let outcome = runner.run(&strategy, |input| {
        runs.fetch_add(1, Ordering::Relaxed);
        if test(input)? {
            results.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    let (results, runs) = (results.into_inner(), runs.into_inner());
    match outcome {
        Ok(()) => println!(
            "fuzz {target}: {cases} cases, 0 findings, seed {seed}, {results} results, {} errors",
            runs - results
        ),
        Err(TestError::Fail(reason, input)) => {
            println!("fuzz {target}: {cases} cases, 1 findings, seed {seed}");
            panic!("fuzz {target} (seed {seed}): {reason}\nshrunk input: {input:#?}");
        }
        Err(TestError::Abort(reason)) => {
            println!("fuzz {target}: {cases} cases, 1 findings, seed {seed}");
            panic!("fuzz {target} (seed {seed}) aborted: {reason}");
        }
    }
}

/// A coded error of the engine: any code but ERR_INTERNAL (a bug by definition).
pub fn coded(e: &EngineError) -> Result<&'static str, TestCaseError> {
    let code = e.code();
    if !code.starts_with("ERR_") || code == "ERR_INTERNAL" {
        return Err(TestCaseError::fail(format!("{code}: {e}")));
    }
    Ok(code)
}

/// A probability: finite and in [0, 1].
pub fn probability(what: &str, p: f64) -> Result<(), TestCaseError> {
    if p.is_finite() && (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!("{what}: probability {p}")))
    }
}

/// The text of a shipped model file (`models/<type>-model.json`).
pub fn shipped_model_text(workflow_type: &str) -> String {
    model_text("../../models", workflow_type)
}

fn model_text(dir: &str, workflow_type: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(dir)
        .join(format!("{workflow_type}-model.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Models that score the old vector layout, in schema order: the old
/// engine's logistic files (the shipped models may be trees, which read raw
/// fields and refuse vectors with a coded error).
pub fn vector_models() -> &'static [dawg_ml_engine::model::LoadedModel] {
    use dawg_ml_engine::model::LoadedModel;
    static MODELS: std::sync::OnceLock<Vec<LoadedModel>> = std::sync::OnceLock::new();
    MODELS.get_or_init(|| {
        dawg_ml_engine::schema::all_workflows()
            .iter()
            .map(|w| {
                let text = model_text("../../fixtures/ts-ml-engine/models", w.workflow_type());
                LoadedModel::parse(w, &text, None).expect("old engine model")
            })
            .collect()
    })
}

/// Every shipped model, in schema order, parsed once per test binary.
pub fn shipped_models() -> &'static [dawg_ml_engine::model::LoadedModel] {
    use dawg_ml_engine::model::LoadedModel;
    static MODELS: std::sync::OnceLock<Vec<LoadedModel>> = std::sync::OnceLock::new();
    MODELS.get_or_init(|| {
        dawg_ml_engine::schema::all_workflows()
            .iter()
            .map(|w| {
                LoadedModel::parse(w, &shipped_model_text(w.workflow_type()), None)
                    .expect("shipped model")
            })
            .collect()
    })
}
