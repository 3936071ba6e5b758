//! Training from a large JSONL file of recorded outcomes, for memory checks.
//!
//! `cargo run --release --example outcomes_at_scale -- write FILE [N]` writes
//! N (default 1,000,000) generated `freestyle` scenarios as recorded outcomes
//! `{ features: <raw>, failed }`, one per line, in chunks (constant memory).
//!
//! `cargo run --release --example outcomes_at_scale -- train FILE` runs the
//! full training on it (`train::run`, outcomes file, default settings, no
//! output) and prints the rows, the size of their f64 matrix, the peak RSS of
//! the process (`VmHWM`) and the time.

use std::io::{BufWriter, Write};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use dawg_ml_engine::features::record_to_json;
use dawg_ml_engine::schema::find_workflow;
use dawg_ml_engine::synth;
use dawg_ml_engine::train::{self, DataSource, TrainOptions};

fn status(key: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .map(|l| l[key.len()..].trim().to_string())
        .unwrap_or_else(|| "n/a".to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, file) = (args[0].as_str(), &args[1]);
    match mode {
        "write" => {
            let n: usize = args.get(2).map_or(1_000_000, |s| s.parse().unwrap());
            let w = find_workflow("freestyle").unwrap();
            let mut out = BufWriter::new(std::fs::File::create(file).unwrap());
            let mut written = 0;
            let mut chunk = 0u64;
            while written < n {
                let take = 20_000.min(n - written);
                for s in synth::generate_workflow(1_000_003 + chunk, w, take) {
                    let raw = record_to_json(s.workflow, &s.record, &s.timestamp);
                    serde_json::to_writer(
                        &mut out,
                        &serde_json::json!({ "features": raw, "failed": s.failed }),
                    )
                    .unwrap();
                    out.write_all(b"\n").unwrap();
                }
                written += take;
                chunk += 1;
            }
            out.flush().unwrap();
            println!("wrote {n} rows to {file}");
        }
        "train" => {
            let rss_before = status("VmRSS:");
            let t = Instant::now();
            let report = train::run(
                &TrainOptions {
                    data: DataSource::OutcomesFile(file.into()),
                    ..TrainOptions::default()
                },
                &|_| {},
                &AtomicBool::new(false),
            )
            .unwrap();
            let r = &report.results[0];
            let d = r.model.feature_names.len();
            println!(
                "{} rows x {d} features: f64 matrix {:.0} MB; RSS before {rss_before}, peak RSS (VmHWM) {}; {:.1} s; C {} auc {:?}",
                r.scenarios,
                (r.scenarios * d * 8) as f64 / 1048576.0,
                status("VmHWM:"),
                t.elapsed().as_secs_f64(),
                r.hyperparameters["C"],
                r.metrics.auc,
            );
        }
        _ => panic!("mode: write or train"),
    }
}
