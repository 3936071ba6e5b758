//! Several processes writing one store at once, each through its own
//! connection: the writer binary records outcomes one `record_outcome`
//! call (one transaction) at a time, all starting on a file that does not
//! exist yet, so they also race to create and migrate it.

use std::process::Command;

use dawg_ml_store::{Store, StoreOptions, Synchronous};

const WRITER: &str = env!("CARGO_BIN_EXE_dawg-ml-store-writer");

#[test]
fn four_processes_times_ten_thousand_record_calls_leave_all_forty_thousand_rows() {
    // Removed, with all the writers wrote, when `tmp` drops at the end of
    // the test; `dir` inside it does not exist yet.
    let tmp = tempfile::Builder::new()
        .prefix("dawg-store-mp-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().join("store");
    let db = dir.join("outcomes.sqlite");
    const PER_WRITER: usize = 10_000;
    let tags = ["w0", "w1", "w2", "w3"];
    // synchronous = NORMAL: this test is about concurrent writers, not
    // fsync; with FULL each of the 40,000 commits waits for the disk.
    let spawned: Vec<_> = tags
        .iter()
        .map(|tag| {
            Command::new(WRITER)
                .args([
                    db.to_str().unwrap(),
                    tag,
                    &PER_WRITER.to_string(),
                    "1",
                    "normal",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in spawned {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            PER_WRITER.to_string()
        );
    }
    let store = Store::open(
        &db,
        StoreOptions {
            synchronous: Synchronous::Normal,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        store.counts().unwrap().outcomes,
        (tags.len() * PER_WRITER) as u64
    );
    for tag in tags {
        for i in 0..PER_WRITER {
            let o = store.outcome(&format!("{tag}-{i}")).unwrap();
            assert_eq!(o.map(|o| o.failed), Some(i % 3 == 0), "{tag}-{i}");
        }
    }
}
