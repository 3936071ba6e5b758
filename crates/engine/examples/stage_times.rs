//! Where training time goes for one workflow at scale: generation, the
//! cross-validation fits, calibration and the bootstrap, timed apart.
//!
//! `cargo run --release --example stage_times -- [rows, default 30000]`

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use dawg_ml_engine::schema::find_workflow;
use dawg_ml_engine::synth;
use dawg_ml_engine::train::{self, data, metrics, TrainSettings};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(30_000, |s| s.parse().expect("rows"));
    let w = find_workflow("freestyle").unwrap();
    let t = Instant::now();
    let d = data::from_scenarios(&synth::generate_workflow(1, w, n)).datasets[w.index].clone();
    println!("generate {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let r = train::train_dataset(&d, &TrainSettings::default(), &AtomicBool::new(false)).unwrap();
    println!(
        "train_dataset (all steps) {:.2} s, C {}",
        t.elapsed().as_secs_f64(),
        r.hyperparameters["C"]
    );
    let p: Vec<f64> = d.rows.iter().map(|r| r.true_probability.unwrap()).collect();
    let y: Vec<bool> = d.rows.iter().map(|r| r.failed).collect();
    let t = Instant::now();
    let _ = metrics::bootstrap_auc_interval(&p, &y, 1000, 1, 0);
    println!("bootstrap alone {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let folds = train::fitting::Folds::stratified(&(0..n).collect::<Vec<_>>(), &y, 5, 1, 0);
    let _ = train::calibrate::choose(&p, &(0..n).collect::<Vec<_>>(), &y, &folds).unwrap();
    println!(
        "calibration choice alone {:.2} s",
        t.elapsed().as_secs_f64()
    );
}
