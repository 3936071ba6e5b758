//! Fuzzing the columnar path: arbitrary f64 buffers of any length (NaN,
//! ±Infinity, subnormals, huge magnitudes) scored by `Columnar` with each
//! shipped model. Invariant: ERR_INVALID_ARG exactly when the length is not
//! a multiple of the feature count or a value is not finite (naming the
//! first such value), else one probability in [0, 1] per row, equal to the
//! model's own probability for that row.

mod fuzz_support;

use dawg_ml_engine::columnar::Columnar;
use dawg_ml_engine::family::Input;
use dawg_ml_engine::schema::all_workflows;
use proptest::prelude::*;
use std::sync::OnceLock;

fn columnars() -> &'static [Columnar] {
    static COLUMNARS: OnceLock<Vec<Columnar>> = OnceLock::new();
    COLUMNARS.get_or_init(|| {
        fuzz_support::vector_models()
            .iter()
            .map(Columnar::of)
            .collect()
    })
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -3.0f64..3.0,
        2 => any::<f64>(),
        1 => prop::sample::select(vec![
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324, -0.0, 1e300, -1e300,
        ]),
    ]
}

/// Mostly finite buffers (so most cases are scored), of lengths near whole rows.
fn buffer() -> impl Strategy<Value = (usize, Vec<f64>)> {
    (
        0..all_workflows().len(),
        0usize..5,
        prop::sample::select(vec![0i64, 0, 0, 0, -1, 1, 2]),
    )
        .prop_flat_map(|(k, rows, skew)| {
            let d = all_workflows()[k].vector.len() as i64;
            let len = (rows as i64 * d + skew).max(0) as usize;
            let values =
                prop::collection::vec(prop_oneof![20 => -3.0f64..3.0, 1 => value()], len..=len);
            (Just(k), values)
        })
}

fn check(k: usize, data: &[f64]) -> Result<bool, TestCaseError> {
    let (model, columnar) = (&fuzz_support::vector_models()[k], &columnars()[k]);
    let d = model.workflow.vector.len();
    let first_bad = data.iter().position(|x| !x.is_finite());
    Ok(match columnar.probabilities(data) {
        Ok(ps) => {
            prop_assert_eq!(data.len() % d, 0);
            prop_assert_eq!(first_bad, None);
            prop_assert_eq!(ps.len(), data.len() / d);
            for (r, (p, row)) in ps.iter().zip(data.chunks_exact(d)).enumerate() {
                fuzz_support::probability(&format!("row {r}"), *p)?;
                let reference = model.probability(Input {
                    vector: row,
                    record: None,
                });
                prop_assert_eq!(
                    p.to_bits(),
                    reference.to_bits(),
                    "row {}: {} vs {}",
                    r,
                    p,
                    reference
                );
            }
            true
        }
        Err(e) => {
            prop_assert_eq!(fuzz_support::coded(&e)?, "ERR_INVALID_ARG");
            let message = e.to_string();
            if !data.len().is_multiple_of(d) {
                prop_assert!(
                    message.contains(&format!("length {}", data.len())),
                    "{message}"
                );
            } else {
                let i = first_bad.expect("an error for finite rows");
                prop_assert!(message.contains(&format!("index {i} ")), "{message}");
            }
            false
        }
    })
}

#[test]
fn fuzz_columnar() {
    fuzz_support::run("rust/columnar", buffer(), |(k, data)| check(k, &data));
}

#[test]
fn fuzz_columnar_any_values() {
    let strategy = (
        0..all_workflows().len(),
        prop::collection::vec(value(), 0..100),
    );
    fuzz_support::run("rust/columnar-any-values", strategy, |(k, data)| {
        check(k, &data)
    });
}
