//! The generator's world at a glance: per workflow, the failure rate, each
//! failure mode's share, the share of rows that omit fields, and the Bayes
//! AUC and log-loss (of the true probability) on a large sample.
//!
//! `cargo run --release --example generator_stats -- [N per workflow, default 50000] [seed, default 1]`

use dawg_ml_engine::schema::all_workflows;
use dawg_ml_engine::synth;
use dawg_ml_engine::train::metrics;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().map_or(50_000, |s| s.parse().expect("N"));
    let seed: u64 = args.get(1).map_or(1, |s| s.parse().expect("seed"));
    for w in all_workflows() {
        let rows = synth::generate_workflow(seed, w, n);
        let y: Vec<bool> = rows.iter().map(|s| s.failed).collect();
        let p: Vec<f64> = rows.iter().map(|s| s.true_failure_probability).collect();
        let rate = y.iter().filter(|v| **v).count() as f64 / n as f64;
        let omitting = rows.iter().filter(|s| s.record.any_missing()).count() as f64 / n as f64;
        let mut line = format!(
            "{:<20} rate {rate:.3} bayesAUC {:.3} bayesLL {:.4} omitting {omitting:.3}",
            w.workflow_type(),
            metrics::auc(&p, &y).unwrap_or(f64::NAN),
            metrics::log_loss(&p, &y)
        );
        for m in w.schema.failure_modes {
            let k = rows
                .iter()
                .filter(|s| s.failure_type == Some(m.name))
                .count();
            line += &format!(" | {} {:.3}", m.name, k as f64 / n as f64);
        }
        println!("{line}");
    }
}
