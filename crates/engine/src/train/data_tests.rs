//! Training-data files: encodings and line endings (issue 12, fault 6).

use super::*;

const ROW_A: &str = r#"{"workflowType":"ai-memory","features":{"dbConnected":1},"failed":true}"#;
const ROW_B: &str = r#"{"workflowType":"ai-memory","features":{"dbConnected":0},"failed":false}"#;

fn read(bytes: &[u8], jsonl: Option<bool>, skip_invalid: bool) -> Result<Loaded> {
    from_reader(
        std::io::BufReader::with_capacity(16, bytes),
        "data.jsonl",
        jsonl,
        RowFormat::Auto,
        skip_invalid,
    )
}

fn memory_rows(l: &Loaded) -> usize {
    l.datasets[crate::schema::find_workflow("ai-memory").unwrap().index]
        .rows
        .len()
}

#[test]
fn a_byte_order_mark_is_ignored_in_jsonl_and_in_an_array() {
    let jsonl = format!("\u{feff}{ROW_A}\n{ROW_B}\n");
    let loaded = read(jsonl.as_bytes(), None, false).unwrap();
    assert_eq!(memory_rows(&loaded), 2);
    let array = format!("\u{feff} [{ROW_A},{ROW_B}]");
    let loaded = read(array.as_bytes(), None, false).unwrap();
    assert_eq!(memory_rows(&loaded), 2);
    assert_eq!(loaded.invalid_rows_skipped, 0);
}

#[test]
fn a_line_that_is_not_utf8_is_one_invalid_row_named_by_its_number() {
    let mut bytes = format!("{ROW_A}\n").into_bytes();
    bytes.extend_from_slice(b"{\"workflowType\":\"ai-memory\",\"x\":\"\xff\xfe\"}\n");
    bytes.extend_from_slice(format!("{ROW_B}\n").as_bytes());
    let e = read(&bytes, None, false).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_DATA");
    assert_eq!(
        e.to_string(),
        "Invalid training data in data.jsonl, row 2: field '(encoding)' is not UTF-8 text (invalid byte at column 34)"
    );
    let loaded = read(&bytes, None, true).unwrap();
    assert_eq!((memory_rows(&loaded), loaded.invalid_rows_skipped), (2, 1));
    assert!(
        loaded.skipped_examples[0].contains("row 2: field '(encoding)'"),
        "{:?}",
        loaded.skipped_examples
    );
}

#[test]
fn cr_only_and_crlf_line_endings_are_lines() {
    for sep in ["\r", "\r\n", "\n"] {
        let text = format!("{ROW_A}{sep}{ROW_B}{sep}{{\"failed\":true}}{sep}");
        let loaded = read(text.as_bytes(), Some(true), true).unwrap();
        assert_eq!(
            (memory_rows(&loaded), loaded.invalid_rows_skipped),
            (2, 1),
            "{sep:?}"
        );
        let e = read(text.as_bytes(), Some(true), false).unwrap_err();
        assert!(
            e.to_string().contains("row 3: field 'workflowType'"),
            "{sep:?}: {e}"
        );
    }
}

#[test]
fn files_are_read_the_same_way() {
    let tmp = tempfile::Builder::new()
        .prefix("ml-engine-data-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let path = dir.join("old-mac.json");
    std::fs::write(&path, format!("\u{feff}{ROW_A}\r{ROW_B}\r")).unwrap();
    let loaded = from_file(&path, RowFormat::Auto, false).unwrap();
    assert_eq!(memory_rows(&loaded), 2);
    let missing = from_file(&dir.join("none.jsonl"), RowFormat::Auto, false).unwrap_err();
    assert_eq!(missing.code(), "ERR_IO");
    assert!(missing.to_string().contains("none.jsonl"), "{missing}");
}

/// Gives its bytes, then fails every read.
struct FailsAfter(std::io::Cursor<Vec<u8>>);

impl std::io::Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buf)? {
            0 => Err(std::io::Error::other("the disk went away")),
            n => Ok(n),
        }
    }
}

#[test]
fn a_read_error_comes_after_the_rows_read_before_it() {
    // An invalid row 2, then a read error in the same batch of lines: the
    // row's error is the first, as a line-by-line read would find it.
    let text = format!("{ROW_A}\n{{\"failed\":true}}\n{ROW_B}\n");
    let reader = |text: &str| {
        std::io::BufReader::with_capacity(
            16,
            FailsAfter(std::io::Cursor::new(text.as_bytes().to_vec())),
        )
    };
    let e = from_reader(
        reader(&text),
        "data.jsonl",
        Some(true),
        RowFormat::Auto,
        false,
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_DATA");
    assert!(
        e.to_string()
            .starts_with("Invalid training data in data.jsonl, row 2:"),
        "{e}"
    );
    // Skipping invalid rows, the read error is reported: nothing is trained on a cut file.
    let e = from_reader(
        reader(&text),
        "data.jsonl",
        Some(true),
        RowFormat::Auto,
        true,
    )
    .unwrap_err();
    assert!(e.to_string().contains("the disk went away"), "{e}");
    let valid = format!("{ROW_A}\n{ROW_B}\n");
    let e = from_reader(
        reader(&valid),
        "data.jsonl",
        Some(true),
        RowFormat::Auto,
        false,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("data.jsonl") && e.to_string().contains("the disk went away"),
        "{e}"
    );
}
