//! Fuzzing the training-data reader: small files of arbitrary lines (valid
//! rows of both formats, rows with a value replaced, broken JSON, random
//! bytes, a BOM, blank lines, CR, CRLF and LF endings), as JSONL, as a JSON
//! array and as anything, with and without skipInvalid, read by
//! `train::data::from_reader`. Invariant: ERR_INVALID_DATA naming the file
//! and the row, or a report whose counts add up (every row is kept or
//! skipped; nothing is skipped without skipInvalid).

mod fuzz_support;

use dawg_ml_engine::train::data::{from_reader, RowFormat};
use proptest::prelude::*;

const SOURCE: &str = "fuzz-data.jsonl";

fn row() -> impl Strategy<Value = String> {
    let workflow =
        prop::sample::select(vec!["ai-memory", "freestyle", "budget-alerts", "nope", ""]);
    let value = prop_oneof![
        Just("1".to_string()),
        Just("0".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("\"x\"".to_string()),
        Just("1e999".to_string()),
        Just("-1e308".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        any::<i32>().prop_map(|i| i.to_string()),
    ];
    let field = prop::sample::select(vec![
        "dbConnected",
        "dbLatency",
        "microphonePermission",
        "audioContextState",
        "bogus",
    ]);
    prop_oneof![
        // A raw outcome row: { features: { workflowType, <field>: <value> }, failed }.
        (
            workflow.clone(),
            field.clone(),
            value.clone(),
            value.clone()
        )
            .prop_map(|(w, f, v, failed)| format!(
                r#"{{"features":{{"workflowType":"{w}","{f}":{v}}},"failed":{failed}}}"#
            )),
        // An old-format row: { workflowType, features: { <field>: <value> }, failed }.
        (
            workflow,
            field,
            value.clone(),
            prop::sample::select(vec!["true", "false", "1", "\"yes\""])
        )
            .prop_map(|(w, f, v, failed)| format!(
                r#"{{"workflowType":"{w}","features":{{"{f}":{v}}},"failed":{failed}}}"#
            )),
        value,
        "[ -~]{0,20}",
        prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

#[derive(Debug, Clone)]
struct File {
    lines: Vec<String>,
    raw_bytes: Option<(usize, Vec<u8>)>,
    ending: &'static str,
    bom: bool,
    array: bool,
}

fn file() -> impl Strategy<Value = File> {
    (
        prop::collection::vec(row(), 0..8),
        prop::option::weighted(
            0.2,
            (any::<usize>(), prop::collection::vec(any::<u8>(), 1..6)),
        ),
        prop::sample::select(vec!["\n", "\r\n", "\r", "\n\n"]),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(lines, raw_bytes, ending, bom, array)| File {
            lines,
            raw_bytes,
            ending,
            bom,
            array,
        })
}

fn bytes_of(f: &File) -> Vec<u8> {
    let mut out = Vec::new();
    if f.bom {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    if f.array {
        out.push(b'[');
        out.extend_from_slice(f.lines.join(&format!(",{}", f.ending)).as_bytes());
        out.push(b']');
    } else {
        for l in &f.lines {
            out.extend_from_slice(l.as_bytes());
            out.extend_from_slice(f.ending.as_bytes());
        }
    }
    if let Some((at, raw)) = &f.raw_bytes {
        let at = at % (out.len() + 1);
        out.splice(at..at, raw.iter().copied());
    }
    out
}

#[test]
fn fuzz_training_data() {
    let strategy = (
        file(),
        prop::sample::select(vec![None, Some(true), Some(false)]),
        prop::sample::select(vec![
            RowFormat::Auto,
            RowFormat::OldFormat,
            RowFormat::Outcome,
        ]),
        any::<bool>(),
    );
    fuzz_support::run(
        "rust/training-data",
        strategy,
        |(f, jsonl, format, skip_invalid)| {
            let bytes = bytes_of(&f);
            let reader = std::io::BufReader::with_capacity(16, bytes.as_slice());
            match from_reader(reader, SOURCE, jsonl, format, skip_invalid) {
                Ok(loaded) => {
                    let rows: usize = loaded.datasets.iter().map(|d| d.rows.len()).sum();
                    if !skip_invalid {
                        prop_assert_eq!(loaded.invalid_rows_skipped, 0);
                    }
                    // Rows can only come from the file's lines or array elements.
                    let bound = bytes
                        .iter()
                        .filter(|b| matches!(b, b'\n' | b'\r' | b','))
                        .count()
                        + 1;
                    prop_assert!(
                        rows + loaded.invalid_rows_skipped <= bound,
                        "{rows} rows + {} skipped > {bound}",
                        loaded.invalid_rows_skipped
                    );
                    prop_assert!(loaded.skipped_examples.len() <= loaded.invalid_rows_skipped);
                    for e in &loaded.skipped_examples {
                        prop_assert!(e.contains("row "), "{e}");
                    }
                    Ok(true)
                }
                Err(e) => {
                    let code = fuzz_support::coded(&e)?;
                    let message = e.to_string();
                    prop_assert_eq!(code, "ERR_INVALID_DATA", "{}", message);
                    prop_assert!(message.contains(SOURCE), "{message}");
                    prop_assert!(message.contains("row "), "{message}");
                    Ok(false)
                }
            }
        },
    );
}
