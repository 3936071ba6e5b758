//! `dawg-ml-store-writer <db> <tag> <count> [batch] [normal|full]`
//!
//! Records `count` outcomes for predictions `<tag>-0 .. <tag>-(count-1)`
//! into the store at `<db>`, `batch` per transaction (default 1: one
//! `record_outcome` call each), then prints the count written. One of
//! several processes writing to the same store at once in the tests.

use std::path::PathBuf;
use std::process::ExitCode;

use dawg_ml_store::{now_ms, Batch, Outcome, Store, StoreOptions, Subject, Synchronous};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: dawg-ml-store-writer <db> <tag> <count> [batch] [normal|full]");
        return ExitCode::from(2);
    }
    let parse = |i: usize, default: usize| -> usize {
        args.get(i)
            .map_or(default, |s| s.parse().expect("a whole number"))
    };
    let (count, batch) = (parse(2, 0), parse(3, 1).max(1));
    let synchronous = match args.get(4).map(String::as_str) {
        None | Some("full") => Synchronous::Full,
        Some("normal") => Synchronous::Normal,
        Some(other) => {
            eprintln!("unknown synchronous mode {other}");
            return ExitCode::from(2);
        }
    };
    let options = StoreOptions {
        synchronous,
        // Four writers contend for one lock; none should ever give up.
        busy_timeout_ms: 60_000,
        ..StoreOptions::default()
    };
    let mut store = match Store::open(&PathBuf::from(&args[0]), options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("[{}] {e}", e.code());
            return ExitCode::from(1);
        }
    };
    let tag = &args[1];
    let mut written = 0usize;
    let mut pending = Vec::with_capacity(batch);
    for i in 0..count {
        pending.push(Outcome {
            subject: Subject::Prediction(format!("{tag}-{i}")),
            failed: i % 3 == 0,
            failure_type: (i % 3 == 0).then(|| "timeout".to_string()),
            recorded_at: now_ms(),
        });
        if pending.len() == batch || i + 1 == count {
            if let Err(e) = store.write(Batch {
                outcomes: &pending,
                ..Batch::default()
            }) {
                eprintln!("[{}] {e}", e.code());
                return ExitCode::from(1);
            }
            written += pending.len();
            pending.clear();
        }
    }
    println!("{written}");
    ExitCode::SUCCESS
}
