//! Benchmark driver for the boosted-trees library (benchmark/gbdt.js runs it):
//! writes one synthetic data set that every peer reads, fits it, and times
//! scoring and contributions.
//!
//! ```sh
//! cargo run --release --example gbdt_bench -- write DIR --train 1000000 --test 100000 --seed 1
//! cargo run --release --example gbdt_bench -- fit DIR [--rounds 100] [--leaves 31] [--depth 8] [--lr 0.1] [--threads 2] [--runs 3]
//! cargo run --release --example gbdt_bench -- explain DIR [--rows 20000]
//! ```
//!
//! Files in DIR: `train_x.f64`, `test_x.f64` (row-major little-endian f64,
//! NaN = missing), `train_y.u8`, `test_y.u8`, `meta.json` (`{"cols": 25, ...}`);
//! `fit` also writes `model.json` (the last run's model). Results are one
//! JSON object on stdout.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use dawg_ml_engine::gbdt::{fit, BoostParams, BoostedTrees, FeatureMatrix, LabelledRows};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::json;

const COLS: usize = 25;

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let (u, v) = (uniform(rng).max(1e-300), uniform(rng));
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// One row and its true failure log-odds. Columns: 0–9 numeric in [0, 1)
/// (6 and 7 missing 8 % / 15 % of the time), 10–14 booleans, 15–19 enum
/// indices, 20 an hour of day, 21 a heavy-tailed size, 22–24 noise.
fn row(rng: &mut ChaCha8Rng, out: &mut Vec<f64>) -> f64 {
    let start = out.len();
    for _ in 0..10 {
        out.push(uniform(rng));
    }
    for _ in 0..5 {
        out.push((uniform(rng) < 0.4) as u8 as f64);
    }
    for k in 0..5 {
        out.push((rng.next_u32() % (3 + k as u32)) as f64);
    }
    out.push(uniform(rng) * 24.0);
    out.push((normal(rng) * 1.2 + 3.0).exp());
    for _ in 0..3 {
        out.push(normal(rng));
    }
    if uniform(rng) < 0.08 {
        out[start + 6] = f64::NAN;
    }
    if uniform(rng) < 0.15 {
        out[start + 7] = f64::NAN;
    }
    let x = &out[start..];
    let hour = x[20];
    let mut z = -4.5;
    z += 2.5 * (x[0] > x[1]) as u8 as f64 * x[0]; // memory required against available
    z += 3.0 * x[2] * x[3]; // latency × concurrency
    z += 1.6 * (x[4] > 0.8) as u8 as f64; // a sharp step
    z += 1.2 * (x[10] == 1.0 && x[5] < 0.3) as u8 as f64;
    z += if x[15] == 2.0 { 1.0 } else { 0.0 } - if x[16] == 0.0 { 0.8 } else { 0.0 };
    z += if !(3.0..22.0).contains(&hour) {
        1.0
    } else {
        0.0
    }; // a time-of-day window
    z += if x[6].is_nan() { 0.9 } else { 0.6 * x[6] };
    z += if x[7].is_nan() {
        -0.5
    } else {
        -(x[7] - 0.5).abs()
    };
    z += 0.25 * (1.0 + x[21]).ln();
    z += 0.8 * (x[8] - 0.5) * (x[11] * 2.0 - 1.0);
    z
}

fn write_set(dir: &Path, name: &str, n: usize, rng: &mut ChaCha8Rng) -> (usize, f64) {
    let mut x = Vec::with_capacity(n * COLS);
    let mut y = Vec::with_capacity(n);
    let mut bayes = 0.0;
    for _ in 0..n {
        let z = row(rng, &mut x);
        let p = 1.0 / (1.0 + (-z).exp());
        let label = uniform(rng) < p;
        bayes += -if label { p.ln() } else { (1.0 - p).ln() };
        y.push(label as u8);
    }
    let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    fs::write(dir.join(format!("{name}_x.f64")), bytes).unwrap();
    fs::write(dir.join(format!("{name}_y.u8")), &y).unwrap();
    (y.iter().filter(|&&b| b == 1).count(), bayes / n as f64)
}

struct Set {
    x: Vec<f64>,
    y: Vec<bool>,
}

fn read_set(dir: &Path, name: &str) -> Set {
    let bytes = fs::read(dir.join(format!("{name}_x.f64"))).expect("run `write` first");
    let x = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let y = fs::read(dir.join(format!("{name}_y.u8")))
        .unwrap()
        .iter()
        .map(|&b| b == 1)
        .collect();
    Set { x, y }
}

fn log_loss_and_auc(p: &[f64], y: &[bool]) -> (f64, f64) {
    let ll = p
        .iter()
        .zip(y)
        .map(|(&p, &l)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            -if l { p.ln() } else { (1.0 - p).ln() }
        })
        .sum::<f64>()
        / p.len() as f64;
    // AUC by ranks, ties sharing their mean rank.
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && p[order[j + 1]] == p[order[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += (i..=j).filter(|&k| y[order[k]]).count() as f64 * mean_rank;
        i = j + 1;
    }
    let pos = y.iter().filter(|&&b| b).count() as f64;
    let neg = y.len() as f64 - pos;
    (ll, (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, dir) = (args[0].as_str(), PathBuf::from(&args[1]));
    let opt = |name: &str, default: f64| -> f64 {
        args.iter()
            .position(|a| a == name)
            .map(|i| {
                args[i + 1]
                    .parse()
                    .unwrap_or_else(|_| panic!("{name}: a number"))
            })
            .unwrap_or(default)
    };
    match command {
        "write" => {
            fs::create_dir_all(&dir).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(opt("--seed", 1.0) as u64);
            let (train, test) = (
                opt("--train", 100_000.0) as usize,
                opt("--test", 100_000.0) as usize,
            );
            let (train_pos, _) = write_set(&dir, "train", train, &mut rng);
            let (test_pos, bayes) = write_set(&dir, "test", test, &mut rng);
            let meta = json!({"cols": COLS, "train": train, "test": test, "trainFailures": train_pos,
                "testFailures": test_pos, "testBayesLogLoss": bayes});
            fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
            println!("{meta}");
        }
        "fit" => {
            let (train, test) = (read_set(&dir, "train"), read_set(&dir, "test"));
            let params = BoostParams {
                rounds: opt("--rounds", 100.0) as usize,
                max_leaves: opt("--leaves", 31.0) as usize,
                max_depth: opt("--depth", 8.0) as usize,
                learning_rate: opt("--lr", 0.1),
                ..BoostParams::default()
            };
            let threads = opt("--threads", 2.0) as usize;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let m = FeatureMatrix::new(&train.x, train.y.len(), COLS).unwrap();
            let rows = LabelledRows::new(m, &train.y, None);
            let mut times = vec![];
            let mut model = None;
            for _ in 0..opt("--runs", 1.0) as usize {
                let t = Instant::now();
                let out = pool
                    .install(|| fit(&rows, None, &[], &params, &AtomicBool::new(false)))
                    .unwrap();
                times.push(t.elapsed().as_secs_f64());
                model = Some(out.model);
            }
            let model = model.unwrap();
            let tm = FeatureMatrix::new(&test.x, test.y.len(), COLS).unwrap();
            let p: Vec<f64> = pool
                .install(|| model.raw_scores(&tm))
                .unwrap()
                .iter()
                .map(|z| 1.0 / (1.0 + (-z).exp()))
                .collect();
            let (ll, auc) = log_loss_and_auc(&p, &test.y);
            fs::write(dir.join("model.json"), model.to_json()).unwrap();
            // The test probabilities, for a paired comparison with a peer's (paired_logloss.py).
            let bytes: Vec<u8> = p.iter().flat_map(|x| x.to_le_bytes()).collect();
            fs::write(dir.join("test_p_dawg.f64"), bytes).unwrap();
            let leaves: usize = model.trees().iter().map(|t| t.leaf_count()).sum();
            println!(
                "{}",
                json!({"peer": "dawg gbdt", "threads": threads, "fit_s": times, "fit_s_median": median(times.clone()),
                    "log_loss": ll, "auc": auc, "trees": model.trees().len(), "leaves": leaves})
            );
        }
        "explain" => {
            let test = read_set(&dir, "test");
            let text = fs::read_to_string(dir.join("model.json")).expect("run `fit` first");
            let t = Instant::now();
            let model = BoostedTrees::from_json(&text, &dir.join("model.json")).unwrap();
            let load_s = t.elapsed().as_secs_f64();
            let t = Instant::now();
            model.prepare_explanations();
            let tables_s = t.elapsed().as_secs_f64();
            let n = (opt("--rows", 20_000.0) as usize).min(test.y.len());
            let rows: Vec<&[f64]> = test.x.chunks(COLS).take(n).collect();
            let mut phi = vec![0.0; COLS];
            // One pass per measurement over the same rows; the median of 7 passes.
            let time_per_row = |f: &mut dyn FnMut(&[f64]) -> f64| -> f64 {
                let mut runs = vec![];
                let mut sink = 0.0;
                for _ in 0..7 {
                    let t = Instant::now();
                    for r in &rows {
                        sink += f(r);
                    }
                    runs.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
                }
                assert!(sink.is_finite());
                median(runs)
            };
            let raw_us = time_per_row(&mut |r| model.raw_score(r).unwrap());
            let contrib_us = time_per_row(&mut |r| model.contributions(r, &mut phi).unwrap());
            let reference_rows = n.min(2000);
            let t = Instant::now();
            let mut worst: f64 = 0.0;
            for r in rows.iter().take(reference_rows) {
                let reference = model.contributions_reference(r).unwrap();
                model.contributions(r, &mut phi).unwrap();
                for (a, b) in phi.iter().zip(&reference) {
                    worst = worst.max((a - b).abs());
                }
            }
            let reference_us = t.elapsed().as_secs_f64() * 1e6 / reference_rows as f64;
            let leaves: usize = model.trees().iter().map(|t| t.leaf_count()).sum();
            println!(
                "{}",
                json!({"trees": model.trees().len(), "leaves": leaves, "load_ms": load_s * 1e3, "tables_ms": tables_s * 1e3,
                    "table_bytes": model.explanation_bytes(),
                    "raw_us_per_row": raw_us, "contributions_us_per_row": contrib_us,
                    "reference_treeshap_us_per_row_incl_tables": reference_us, "max_abs_diff_vs_reference": worst, "rows": n})
            );
        }
        other => panic!("unknown command {other}: write | fit | explain"),
    }
}
