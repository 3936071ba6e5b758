use std::path::Path;
use std::sync::atomic::AtomicBool;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use super::binning::{bin_of, feature_edges};
use super::*;
use crate::error::EngineError;

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Five features: two numeric (x1 sometimes missing), a boolean, an enum
/// index and a pure-noise column; failures come from an interaction, a sharp
/// step, one enum value and the missingness of x1.
fn synth(n: usize, seed: u64) -> (Vec<f64>, Vec<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Vec::with_capacity(n * 5);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let x0 = uniform(&mut rng);
        let x1 = if uniform(&mut rng) < 0.1 {
            f64::NAN
        } else {
            uniform(&mut rng)
        };
        let x2 = if uniform(&mut rng) < 0.5 { 1.0 } else { 0.0 };
        let x3 = (rng.next_u32() % 5) as f64;
        let x4 = uniform(&mut rng) * 10.0 - 5.0;
        let mut z = -1.5 + 3.0 * ((x0 > 0.6) as u8 as f64) * x2 + if x3 == 2.0 { 1.5 } else { 0.0 };
        z += if x1.is_nan() { 1.0 } else { 2.0 * x1 * x0 };
        x.extend_from_slice(&[x0, x1, x2, x3, x4]);
        y.push(uniform(&mut rng) < 1.0 / (1.0 + (-z).exp()));
    }
    (x, y)
}

fn quiet() -> AtomicBool {
    AtomicBool::new(false)
}

fn fit_on(x: &[f64], y: &[bool], params: &BoostParams, monotone: &[i8]) -> FitOutcome {
    let m = FeatureMatrix::new(x, y.len(), x.len() / y.len()).unwrap();
    fit(
        &LabelledRows::new(m, y, None),
        None,
        monotone,
        params,
        &quiet(),
    )
    .unwrap()
}

fn small_params() -> BoostParams {
    BoostParams {
        rounds: 40,
        max_leaves: 15,
        max_depth: 5,
        min_samples_leaf: 10,
        ..BoostParams::default()
    }
}

fn log_loss(model: &BoostedTrees, x: &[f64], y: &[bool]) -> f64 {
    let cols = model.feature_count();
    y.iter()
        .enumerate()
        .map(|(r, &label)| {
            let p = model.probability(&x[r * cols..(r + 1) * cols]).unwrap();
            -if label { p.ln() } else { (1.0 - p).ln() }
        })
        .sum::<f64>()
        / y.len() as f64
}

#[test]
fn a_fit_beats_the_constant_and_keeps_improving_on_training_rows() {
    let (x, y) = synth(4000, 1);
    let (xt, yt) = synth(4000, 2);
    let out = fit_on(&x, &y, &small_params(), &[]);
    assert_eq!(out.model.trees().len(), 40);
    let fewer = fit_on(
        &x,
        &y,
        &BoostParams {
            rounds: 10,
            ..small_params()
        },
        &[],
    );
    assert!(log_loss(&out.model, &x, &y) < log_loss(&fewer.model, &x, &y) - 0.01);
    let rate = yt.iter().filter(|&&b| b).count() as f64 / yt.len() as f64;
    let constant = -(rate * rate.ln() + (1.0 - rate) * (1.0 - rate).ln());
    let held_out = log_loss(&out.model, &xt, &yt);
    assert!(
        held_out < constant - 0.05,
        "held-out {held_out} vs constant {constant}"
    );
}

#[test]
fn the_model_is_the_same_bytes_with_one_two_or_four_threads() {
    // Enough rows that histograms are summed in parallel chunks and an
    // unbagged fit updates its scores in parallel blocks.
    let (x, y) = synth(70_000, 3);
    for (row_subsample, feature_subsample) in [(0.8, 0.8), (1.0, 1.0)] {
        let params = BoostParams {
            rounds: 6,
            row_subsample,
            feature_subsample,
            seed: 7,
            ..BoostParams::default()
        };
        let fit_with = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| fit_on(&x, &y, &params, &[0, 1, 0, 0, 0]).model.to_json())
        };
        let one = fit_with(1);
        assert!(one.len() > 1000);
        assert_eq!(one, fit_with(2));
        assert_eq!(one, fit_with(4));
    }
}

/// Failure peaks in the middle of x0: an unconstrained fit follows the bump,
/// a fit constrained to rise with x0 must never fall along a sweep.
#[test]
fn monotone_constraints_hold_along_a_sweep_where_the_free_fit_is_not_monotone() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let n = 6000;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let x0 = uniform(&mut rng);
        let x1 = uniform(&mut rng);
        let bump = (x0 > 0.4 && x0 < 0.6) as u8 as f64;
        let z = 2.0 * x0 + 4.0 * bump + 1.5 * x1 - 2.0;
        x.extend_from_slice(&[x0, x1]);
        y.push(uniform(&mut rng) < 1.0 / (1.0 + (-z).exp()));
    }
    let sweep = |model: &BoostedTrees, x1: f64| -> Vec<f64> {
        (0..=200)
            .map(|i| model.raw_score(&[i as f64 / 200.0, x1]).unwrap())
            .collect()
    };
    let falls = |s: &[f64]| s.windows(2).any(|w| w[1] < w[0] - 1e-12);
    let free = fit_on(&x, &y, &small_params(), &[]);
    assert!(
        falls(&sweep(&free.model, 0.5)),
        "the unconstrained fit should not be monotone here"
    );
    let rising = fit_on(&x, &y, &small_params(), &[1, 0]);
    let falling = fit_on(&x, &y, &small_params(), &[-1, 0]);
    for x1 in [0.0, 0.25, 0.5, 0.75, 1.0, f64::NAN] {
        let up = sweep(&rising.model, x1);
        assert!(!falls(&up), "x1 = {x1}");
        let down: Vec<f64> = sweep(&falling.model, x1).iter().map(|v| -v).collect();
        assert!(!falls(&down), "x1 = {x1}");
    }
    // The constraint still lets the model use x0.
    let up = sweep(&rising.model, 0.5);
    assert!(up[200] > up[0] + 0.5);
}

#[test]
fn a_missing_value_takes_the_branch_learnt_for_it() {
    // Missing x0 fails far more often than any present value.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..4000 {
        let missing = uniform(&mut rng) < 0.2;
        let x0 = if missing { f64::NAN } else { uniform(&mut rng) };
        let z = if missing { 2.0 } else { -2.0 + x0 };
        x.extend_from_slice(&[x0, uniform(&mut rng)]);
        y.push(uniform(&mut rng) < 1.0 / (1.0 + (-z).exp()));
    }
    let model = fit_on(&x, &y, &small_params(), &[]).model;
    let p_missing = model.probability(&[f64::NAN, 0.5]).unwrap();
    for v in [0.0, 0.5, 1.0] {
        assert!(
            p_missing > model.probability(&[v, 0.5]).unwrap() + 0.3,
            "x0 = {v}"
        );
    }
    assert!(p_missing > 0.75, "{p_missing}");
    // Its explanation says missing x0 raises the risk.
    let mut phi = vec![0.0; 2];
    model.contributions(&[f64::NAN, 0.5], &mut phi).unwrap();
    assert!(phi[0] > 1.0, "{phi:?}");
}

fn rows_with_missing(n: usize, seed: u64) -> Vec<f64> {
    let (mut x, _) = synth(n, seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
    for v in x.iter_mut() {
        if uniform(&mut rng) < 0.1 {
            *v = f64::NAN;
        }
    }
    x
}

#[test]
fn expected_value_plus_contributions_is_the_raw_score_and_tables_match_the_recursion() {
    let (x, y) = synth(5000, 8);
    let model = fit_on(
        &x,
        &y,
        &BoostParams {
            rounds: 60,
            ..small_params()
        },
        &[],
    )
    .model;
    let rows = rows_with_missing(2000, 9);
    let expected = model.expected_value();
    let mut phi = vec![0.0; 5];
    let mut worst_sum: f64 = 0.0;
    for row in rows.chunks(5) {
        let raw = model.contributions(row, &mut phi).unwrap();
        // The same sum of leaf values, added in another order.
        assert!((raw - model.raw_score(row).unwrap()).abs() < 1e-12);
        let total = expected + phi.iter().sum::<f64>();
        worst_sum = worst_sum.max((total - raw).abs());
        let reference = model.contributions_reference(row).unwrap();
        for (a, b) in phi.iter().zip(&reference) {
            assert!(
                (a - b).abs() < 1e-9,
                "tables {phi:?} vs recursion {reference:?}"
            );
        }
    }
    assert!(worst_sum < 1e-9, "{worst_sum}");
    // Contributions are not trivially zero.
    model.contributions(&rows[..5], &mut phi).unwrap();
    assert!(phi.iter().any(|v| v.abs() > 0.01), "{phi:?}");
}

#[test]
fn cell_tables_of_small_trees_match_the_recursion_on_thresholds_and_missing_values() {
    let (x, y) = synth(5000, 18);
    // Depth-2 trees read at most 3 features: every tree fits a cell table.
    let params = BoostParams {
        rounds: 150,
        max_leaves: 4,
        max_depth: 2,
        ..small_params()
    };
    let small = fit_on(&x, &y, &params, &[]).model;
    let (groups, left_over) = small.explanation_layout();
    assert!(
        groups > 0 && groups < small.trees().len(),
        "{groups} groups for {} trees",
        small.trees().len()
    );
    assert_eq!(left_over, 0);
    // Deeper trees with a few small ones: some trees go to per-leaf tables.
    let mixed = {
        let deep = fit_on(
            &x,
            &y,
            &BoostParams {
                rounds: 20,
                ..small_params()
            },
            &[],
        )
        .model;
        let mut trees = deep.trees().to_vec();
        trees.extend_from_slice(&small.trees()[..30]);
        BoostedTrees::from_parts(5, deep.base_score(), trees)
    };
    let (groups, left_over) = mixed.explanation_layout();
    assert!(
        groups > 0 && left_over > 0,
        "{groups} groups, {left_over} trees left over"
    );
    // Rows on every threshold a tree tests (the boundary belongs to the left
    // side), beside random rows with missing values.
    let mut rows = rows_with_missing(500, 19);
    let base: Vec<f64> = rows[..5].to_vec();
    for tree in small.trees().iter().take(40) {
        for (&f, &t) in tree.feature.iter().zip(&tree.threshold) {
            let mut row = base.clone();
            row[f as usize] = t;
            rows.extend_from_slice(&row);
        }
    }
    for model in [&small, &mixed] {
        let expected = model.expected_value();
        let mut phi = vec![0.0; 5];
        for row in rows.chunks(5) {
            let raw = model.contributions(row, &mut phi).unwrap();
            assert!(
                (raw - model.raw_score(row).unwrap()).abs() < 1e-12,
                "{row:?}"
            );
            assert!((expected + phi.iter().sum::<f64>() - raw).abs() < 1e-9);
            let reference = model.contributions_reference(row).unwrap();
            for (a, b) in phi.iter().zip(&reference) {
                assert!(
                    (a - b).abs() < 1e-9,
                    "cells {phi:?} vs recursion {reference:?} at {row:?}"
                );
            }
        }
    }
}

/// E[f(x) | x_S] by the tree's covers: follow the row on features in S,
/// average the children by cover elsewhere (missing follows its branch).
fn conditional_expectation(tree: &Tree, node: Child, row: &[f64], s: u32) -> f64 {
    match node {
        Child::Leaf(l) => tree.leaf_value[l],
        Child::Node(n) => {
            let f = tree.feature[n] as usize;
            let (l, r) = (Child::decode(tree.left[n]), Child::decode(tree.right[n]));
            if s >> f & 1 == 1 {
                conditional_expectation(tree, if tree.goes_left(n, row[f]) { l } else { r }, row, s)
            } else {
                (tree.child_cover(l) * conditional_expectation(tree, l, row, s)
                    + tree.child_cover(r) * conditional_expectation(tree, r, row, s))
                    / tree.cover[n]
            }
        }
    }
}

/// Shapley values by enumerating every coalition of the `cols` features.
fn brute_force_shapley(model: &BoostedTrees, row: &[f64]) -> Vec<f64> {
    let cols = model.feature_count();
    let value = |s: u32| -> f64 {
        model
            .trees()
            .iter()
            .map(|t| {
                let root = if t.feature.is_empty() {
                    Child::Leaf(0)
                } else {
                    Child::Node(0)
                };
                conditional_expectation(t, root, row, s)
            })
            .sum()
    };
    let fact = |k: usize| (1..=k).map(|v| v as f64).product::<f64>();
    let mut phi = vec![0.0; cols];
    for (i, p) in phi.iter_mut().enumerate() {
        for s in 0u32..(1 << cols) {
            if s >> i & 1 == 1 {
                continue;
            }
            let size = s.count_ones() as usize;
            let w = fact(size) * fact(cols - size - 1) / fact(cols);
            *p += w * (value(s | 1 << i) - value(s));
        }
    }
    phi
}

#[test]
fn contributions_equal_brute_force_shapley_values_on_small_trees() {
    let (x, y) = synth(3000, 12);
    let params = BoostParams {
        rounds: 6,
        max_leaves: 12,
        max_depth: 6,
        min_samples_leaf: 5,
        learning_rate: 0.5,
        ..BoostParams::default()
    };
    let model = fit_on(&x, &y, &params, &[]).model;
    // The trees must test some feature twice on a path for this to mean much.
    let repeats = model.trees().iter().any(|t| {
        (0..t.internal_count()).any(|n| {
            [t.left[n], t.right[n]].iter().any(
                |&c| matches!(Child::decode(c), Child::Node(k) if t.feature[k] == t.feature[n]),
            )
        })
    });
    assert!(repeats);
    let rows = rows_with_missing(150, 13);
    let mut phi = vec![0.0; 5];
    for row in rows.chunks(5) {
        model.contributions(row, &mut phi).unwrap();
        let brute = brute_force_shapley(&model, row);
        let reference = model.contributions_reference(row).unwrap();
        for i in 0..5 {
            assert!(
                (phi[i] - brute[i]).abs() < 1e-9,
                "{row:?}: tables {phi:?} vs brute force {brute:?}"
            );
            assert!(
                (reference[i] - brute[i]).abs() < 1e-9,
                "recursion {reference:?} vs {brute:?}"
            );
        }
    }
}

#[test]
fn the_stored_form_round_trips_and_scores_the_same() {
    let (x, y) = synth(2000, 14);
    let model = fit_on(&x, &y, &small_params(), &[]).model;
    let json = model.to_json();
    assert!(json.starts_with("{\"format\":1,\"featureCount\":5,\"baseScore\":"));
    assert!(json.contains("\"leafValue\":["));
    let back = BoostedTrees::from_json(&json, Path::new("m.json")).unwrap();
    assert_eq!(back.to_json(), json);
    let rows = rows_with_missing(200, 15);
    let (mut a, mut b) = (vec![0.0; 5], vec![0.0; 5]);
    for row in rows.chunks(5) {
        assert_eq!(model.raw_score(row).unwrap(), back.raw_score(row).unwrap());
        model.contributions(row, &mut a).unwrap();
        back.contributions(row, &mut b).unwrap();
        assert_eq!(a, b);
    }
}

fn stored(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap()
}

fn load_error(value: &serde_json::Value) -> EngineError {
    BoostedTrees::from_json(&value.to_string(), Path::new("bad.json")).unwrap_err()
}

#[test]
fn the_loader_rejects_malformed_trees_with_a_coded_error() {
    // A two-split tree: node 0 → (node 1, leaf 2); node 1 → (leaf 0, leaf 1).
    let good = stored(
        r#"{"format":1,"featureCount":2,"baseScore":-0.5,"trees":[{
        "feature":[0,1],"threshold":[0.5,1.5],"missingLeft":[true,false],
        "left":[1,-1],"right":[-3,-2],"cover":[10,6],
        "leafValue":[0.1,-0.2,0.3],"leafCover":[2,4,4]}]}"#,
    );
    let model = BoostedTrees::from_json(&good.to_string(), Path::new("ok.json")).unwrap();
    assert_eq!(model.raw_score(&[0.0, 1.0]).unwrap(), -0.5 + 0.1);
    assert_eq!(model.raw_score(&[f64::NAN, f64::NAN]).unwrap(), -0.5 - 0.2);

    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "child out of range",
            serde_json::json!([1, -1]),
            "child node",
        ),
        ("cycle", serde_json::json!([0, -1]), "must come after it"),
        (
            "leaf out of range",
            serde_json::json!([1, -7]),
            "child leaf 6 does not exist",
        ),
    ];
    for (what, left, message) in cases {
        let mut bad = good.clone();
        bad["trees"][0]["left"] = left;
        if what == "child out of range" {
            bad["trees"][0]["left"] = serde_json::json!([5, -1]);
        }
        let e = load_error(&bad);
        assert_eq!(e.code(), "ERR_INVALID_MODEL", "{what}");
        assert!(e.to_string().contains(message), "{what}: {e}");
        assert!(e.to_string().contains("bad.json"), "{e}");
    }
    let mut twice = good.clone();
    twice["trees"][0]["right"] = serde_json::json!([-3, -1]);
    twice["trees"][0]["leafCover"] = serde_json::json!([3, 4, 4]);
    assert!(load_error(&twice)
        .to_string()
        .contains("leaf 0 has 2 parents"));
    let mut feature = good.clone();
    feature["trees"][0]["feature"] = serde_json::json!([0, 2]);
    assert!(load_error(&feature)
        .to_string()
        .contains("feature 2 is not below featureCount 2"));
    let mut short = good.clone();
    short["trees"][0]["threshold"] = serde_json::json!([0.5]);
    assert!(load_error(&short)
        .to_string()
        .contains("threshold has 1 entries"));
    let mut not_a_number = good.clone();
    not_a_number["trees"][0]["leafValue"] = serde_json::json!([0.1, null, 0.3]);
    assert_eq!(load_error(&not_a_number).code(), "ERR_INVALID_MODEL");
    let mut cover = good.clone();
    cover["trees"][0]["cover"] = serde_json::json!([11, 6]);
    assert!(load_error(&cover)
        .to_string()
        .contains("not the sum of its children"));
    // Values whose sums could leave the finite numbers are refused, naming the bound.
    let mut huge = good.clone();
    huge["trees"][0]["leafValue"] = serde_json::json!([1.7e308, -1.7e308, 0.3]);
    assert!(load_error(&huge)
        .to_string()
        .contains("leaf 0: value 1.7e308 or cover 2e0 is out of range"));
    let mut base = good.clone();
    base["baseScore"] = serde_json::json!(-2e9);
    assert!(load_error(&base)
        .to_string()
        .contains("baseScore -2e9 is beyond ±1e9 log-odds"));
    let mut big_cover = good.clone();
    big_cover["trees"][0]["cover"] = serde_json::json!([2e15, 6]);
    big_cover["trees"][0]["leafCover"] = serde_json::json!([2, 4, 2e15 - 6.0]);
    assert!(load_error(&big_cover).to_string().contains("at most 1e15"));
    let mut zero_cover = good.clone();
    zero_cover["trees"][0]["leafCover"] = serde_json::json!([0, 6, 4]);
    assert!(load_error(&zero_cover).to_string().contains("leaf 0"));
    let mut version = good.clone();
    version["format"] = serde_json::json!(2);
    assert!(load_error(&version)
        .to_string()
        .contains("format 2 is not supported"));
    let mut extra = good.clone();
    extra["trees"][0]["colour"] = serde_json::json!("red");
    assert!(load_error(&extra).to_string().contains("colour"));
    let e = BoostedTrees::from_json("{not json", Path::new("bad.json")).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_MODEL");
}

#[test]
fn bad_parameters_are_coded_errors_naming_the_parameter() {
    let (x, y) = synth(200, 16);
    let m = FeatureMatrix::new(&x, 200, 5).unwrap();
    let rows = LabelledRows::new(m, &y, None);
    // The default parameters with one field changed, and the name its error must give.
    let with = |set: fn(&mut BoostParams), name: &'static str| {
        let mut params = BoostParams::default();
        set(&mut params);
        (params, name)
    };
    let bad: Vec<(BoostParams, &str)> = vec![
        with(|p| p.learning_rate = 0.0, "learningRate"),
        with(|p| p.learning_rate = f64::NAN, "learningRate"),
        with(|p| p.rounds = 0, "rounds"),
        with(|p| p.max_leaves = 1, "maxLeaves"),
        with(|p| p.max_depth = 13, "maxDepth"),
        with(|p| p.min_samples_leaf = 0, "minSamplesLeaf"),
        with(|p| p.lambda = -1.0, "lambda"),
        with(|p| p.min_split_gain = f64::INFINITY, "minSplitGain"),
        with(|p| p.max_bins = 256, "maxBins"),
        with(|p| p.row_subsample = 1.5, "rowSubsample"),
        with(|p| p.feature_subsample = 0.0, "featureSubsample"),
        with(|p| p.early_stopping_rounds = Some(0), "earlyStoppingRounds"),
        with(|p| p.early_stopping_rounds = Some(5), "earlyStoppingRounds"),
    ];
    for (params, name) in bad {
        let e = fit(&rows, None, &[], &params, &quiet()).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_ARG", "{name}");
        assert!(e.to_string().contains(&format!("'{name}'")), "{name}: {e}");
    }
    let e = fit(&rows, None, &[1, 0], &BoostParams::default(), &quiet()).unwrap_err();
    assert!(
        e.to_string().contains("'monotone'") && e.to_string().contains("2 constraints for 5"),
        "{e}"
    );
    let e = fit(
        &rows,
        None,
        &[0, 0, 2, 0, 0],
        &BoostParams::default(),
        &quiet(),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("feature 2: expected -1, 0 or +1"),
        "{e}"
    );
}

#[test]
fn bad_data_is_a_coded_error_naming_the_row_and_field() {
    let (mut x, y) = synth(300, 17);
    let e = FeatureMatrix::new(&x, 300, 4).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_ARG");
    assert!(
        e.to_string()
            .contains("does not match 300 rows × 4 features"),
        "{e}"
    );
    let params = BoostParams {
        rounds: 3,
        ..Default::default()
    };

    x[7 * 5 + 3] = f64::NEG_INFINITY;
    let m = FeatureMatrix::new(&x, 300, 5).unwrap();
    let e = fit(
        &LabelledRows::new(m, &y, None),
        None,
        &[],
        &params,
        &quiet(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_DATA");
    assert!(e.to_string().contains("row 7: field 'feature 3'"), "{e}");
    x[7 * 5 + 3] = 1.0;

    let m = FeatureMatrix::new(&x, 300, 5).unwrap();
    let e = fit(
        &LabelledRows::new(m, &y[..299], None),
        None,
        &[],
        &params,
        &quiet(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("299 labels for 300 rows"), "{e}");
    let mut w = vec![1.0; 300];
    w[12] = f64::NAN;
    let e = fit(
        &LabelledRows::new(m, &y, Some(&w)),
        None,
        &[],
        &params,
        &quiet(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_DATA");
    assert!(e.to_string().contains("row 12: field 'weight'"), "{e}");
    let same = vec![true; 300];
    let e = fit(
        &LabelledRows::new(m, &same, None),
        None,
        &[],
        &params,
        &quiet(),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("all training labels are equal"),
        "{e}"
    );
    let short_valid = FeatureMatrix::new(&x[..40], 10, 4).unwrap();
    let e = fit(
        &LabelledRows::new(m, &y, None),
        Some(&LabelledRows::new(short_valid, &y[..10], None)),
        &[],
        &params,
        &quiet(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("4 features, the training rows have 5"),
        "{e}"
    );

    let model = fit(
        &LabelledRows::new(m, &y, None),
        None,
        &[],
        &params,
        &quiet(),
    )
    .unwrap()
    .model;
    let e = model.raw_score(&[1.0, 2.0]).unwrap_err();
    assert!(
        e.to_string().contains("2 values for a model of 5 features"),
        "{e}"
    );
    let mut out = vec![0.0; 4];
    assert_eq!(
        model.contributions(&x[..5], &mut out).unwrap_err().code(),
        "ERR_INVALID_ARG"
    );
}

#[test]
fn a_raised_abort_flag_stops_the_fit() {
    let (x, y) = synth(500, 18);
    let m = FeatureMatrix::new(&x, 500, 5).unwrap();
    let e = fit(
        &LabelledRows::new(m, &y, None),
        None,
        &[],
        &BoostParams::default(),
        &AtomicBool::new(true),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_ABORTED");
}

#[test]
fn early_stopping_keeps_the_round_with_the_best_validation_loss() {
    let (x, y) = synth(1500, 19);
    let (xv, yv) = synth(1500, 20);
    let params = BoostParams {
        rounds: 400,
        learning_rate: 0.3,
        max_leaves: 31,
        min_samples_leaf: 3,
        early_stopping_rounds: Some(10),
        ..BoostParams::default()
    };
    let train = LabelledRows::new(FeatureMatrix::new(&x, 1500, 5).unwrap(), &y, None);
    let valid = LabelledRows::new(FeatureMatrix::new(&xv, 1500, 5).unwrap(), &yv, None);
    let out = fit(&train, Some(&valid), &[], &params, &quiet()).unwrap();
    let best = out.best_iteration;
    assert!(best < 390, "{best}");
    assert_eq!(out.valid_log_loss.len(), best + 10);
    assert_eq!(out.model.trees().len(), best);
    let min = out
        .valid_log_loss
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(out.valid_log_loss[best - 1], min);
    assert!((log_loss(&out.model, &xv, &yv) - min).abs() < 1e-12);
}

#[test]
fn unit_weights_give_the_unweighted_model_and_heavier_failures_raise_the_risk() {
    let (x, y) = synth(2000, 21);
    let m = FeatureMatrix::new(&x, 2000, 5).unwrap();
    let params = small_params();
    let plain = fit(
        &LabelledRows::new(m, &y, None),
        None,
        &[],
        &params,
        &quiet(),
    )
    .unwrap()
    .model;
    let ones = vec![1.0; 2000];
    let unit = fit(
        &LabelledRows::new(m, &y, Some(&ones)),
        None,
        &[],
        &params,
        &quiet(),
    )
    .unwrap()
    .model;
    assert_eq!(plain.to_json(), unit.to_json());
    let heavy: Vec<f64> = y.iter().map(|&f| if f { 3.0 } else { 1.0 }).collect();
    let weighted = fit(
        &LabelledRows::new(m, &y, Some(&heavy)),
        None,
        &[],
        &params,
        &quiet(),
    )
    .unwrap()
    .model;
    let mean = |model: &BoostedTrees| {
        (0..2000)
            .map(|r| model.probability(m.row(r)).unwrap())
            .sum::<f64>()
            / 2000.0
    };
    assert!(mean(&weighted) > mean(&plain) + 0.1);
    let batch = plain.raw_scores(&m).unwrap();
    assert_eq!(batch[17], plain.raw_score(m.row(17)).unwrap());
}

#[test]
fn bins_put_each_value_on_the_side_of_its_threshold() {
    assert_eq!(feature_edges(vec![0.0, 1.0, 1.0, 0.0], 255), vec![0.5]);
    assert_eq!(feature_edges(vec![3.0, 3.0], 255), Vec::<f64>::new());
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let mut values: Vec<f64> = (0..20_000)
        .map(|_| (uniform(&mut rng) * 1000.0).floor() / 7.0)
        .collect();
    values.extend(std::iter::repeat_n(5.0, 8000)); // one heavy value
    let edges = feature_edges(values.clone(), 64);
    assert!(edges.len() <= 63 && edges.len() >= 40, "{}", edges.len());
    assert!(edges.windows(2).all(|w| w[0] < w[1]));
    for &v in values.iter().take(3000) {
        let b = bin_of(v, &edges) as usize;
        assert!(b >= 1 && b <= edges.len() + 1);
        for t in 1..=edges.len() {
            assert_eq!(
                b <= t,
                v <= edges[t - 1],
                "value {v}, bin {b}, threshold bin {t}"
            );
        }
    }
    assert_eq!(bin_of(f64::NAN, &edges), 0);
    // Adjacent doubles: the edge must still separate them.
    let a = 1.0f64;
    let b = f64::from_bits(a.to_bits() + 1);
    let e = feature_edges(vec![a, b], 255);
    assert_eq!((bin_of(a, &e), bin_of(b, &e)), (1, 2));
}
