//! The acceptance criterion over many seeds: for each seed, train on
//! generated data at `factor`× the default counts and report every
//! workflow's gap between the Bayes AUC (of `trueFailureProbability`) and
//! the model's held-out AUC on the same rows.
//!
//! `cargo run --release --example acceptance_sweep -- [--seeds 1-20] [--factor 1] [--bound 0.05] [--verbose]`

use std::sync::atomic::AtomicBool;

use dawg_ml_engine::synth::Counts;
use dawg_ml_engine::train::{self, TrainOptions, TrainSettings};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seeds = (1u64, 20u64);
    let mut factor = 1usize;
    let mut bound = 0.05;
    let mut verbose = false;
    let mut folds = TrainSettings::default().folds;
    let mut grid = TrainSettings::default().grid;
    let mut k = 0;
    while k < args.len() {
        match args[k].as_str() {
            "--seeds" => {
                let s = &args[k + 1];
                seeds = match s.split_once('-') {
                    Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                    None => (s.parse().unwrap(), s.parse().unwrap()),
                };
                k += 1;
            }
            "--factor" => {
                factor = args[k + 1].parse().unwrap();
                k += 1;
            }
            "--bound" => {
                bound = args[k + 1].parse().unwrap();
                k += 1;
            }
            "--verbose" => verbose = true,
            "--folds" => {
                folds = args[k + 1].parse().unwrap();
                k += 1;
            }
            "--grid" => {
                // log10 range lo:hi:step
                let v: Vec<f64> = args[k + 1].split(':').map(|x| x.parse().unwrap()).collect();
                let steps = ((v[1] - v[0]) / v[2]).round() as usize;
                grid = (0..=steps)
                    .map(|j| 10f64.powf(v[0] + v[2] * j as f64))
                    .collect();
                k += 1;
            }
            other => panic!("unknown argument {other}"),
        }
        k += 1;
    }
    let mut within = 0;
    let mut worst_all: f64 = f64::NEG_INFINITY;
    let mut per_workflow_worst = std::collections::BTreeMap::<&str, (f64, usize, f64)>::new();
    let mut f1_zero = 0;
    let mut gaps_all: Vec<f64> = Vec::new();
    let mut worst_sum = 0.0;
    let n_seeds = seeds.1 - seeds.0 + 1;
    for seed in seeds.0..=seeds.1 {
        let options = TrainOptions {
            settings: TrainSettings {
                seed,
                folds,
                grid: grid.clone(),
                ..TrainSettings::default()
            },
            counts: Counts::default().scaled(factor),
            ..TrainOptions::default()
        };
        let report = train::run(&options, &|_| {}, &AtomicBool::new(false)).unwrap();
        let mut worst = (f64::NEG_INFINITY, "");
        for w in &report.results {
            let auc = w.metrics.auc.unwrap_or(0.0);
            let bayes = w.bayes.as_ref().and_then(|b| b.auc).unwrap_or(0.0);
            let gap = bayes - auc;
            if gap > worst.0 {
                worst = (gap, w.workflow_type);
            }
            let e =
                per_workflow_worst
                    .entry(w.workflow_type)
                    .or_insert((f64::NEG_INFINITY, 0, 0.0));
            e.0 = e.0.max(gap);
            e.1 += usize::from(gap > bound);
            e.2 += gap;
            gaps_all.push(gap);
            if w.metrics.f1 <= 0.0 {
                f1_zero += 1;
            }
            if verbose {
                println!(
                    "  seed {seed:>3} {:<20} n_val {:>3} C {:<8} auc {auc:.4} bayes {bayes:.4} gap {gap:+.4} f1 {:.3}",
                    w.workflow_type, w.validation_size, w.hyperparameters["C"], w.metrics.f1
                );
            }
        }
        let ok = worst.0 <= bound && report.results.len() == 8;
        within += usize::from(ok);
        worst_all = worst_all.max(worst.0);
        worst_sum += worst.0;
        println!(
            "seed {seed:>3}: worst gap {:+.4} ({}){}",
            worst.0,
            worst.1,
            if ok { "" } else { "  > bound" }
        );
    }
    println!("per workflow over the seeds: worst gap, seeds over the bound, mean gap");
    for (w, (worst, over, sum)) in &per_workflow_worst {
        println!(
            "  {w:<20} worst {worst:+.4}  over {over:>2}  mean {:+.4}",
            sum / n_seeds as f64
        );
    }
    let over = gaps_all.iter().filter(|g| **g > bound).count();
    let mean_gap = gaps_all.iter().sum::<f64>() / gaps_all.len() as f64;
    println!(
        "mean gap {mean_gap:+.4}; mean worst gap per seed {:+.4}; {over}/{} models over the bound",
        worst_sum / n_seeds as f64,
        gaps_all.len()
    );
    println!(
        "factor {factor}: {within}/{n_seeds} seeds with every gap <= {bound}; worst gap {worst_all:+.4}; F1 = 0 in {f1_zero} models"
    );
}
