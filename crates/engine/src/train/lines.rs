//! The lines of a training-data file, as bytes, streamed: a UTF-8
//! byte-order mark at the start is dropped, and a line ends at `\n`, `\r\n`
//! or a lone `\r` (old Mac files), so every such file has the same line
//! numbers. Decoding (UTF-8) is left to the caller, line by line, so that an
//! invalid byte spoils one row, not the file.

use std::io::{self, BufRead};

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Drop a UTF-8 byte-order mark at the current position of `reader`.
pub fn skip_bom(reader: &mut impl BufRead) -> io::Result<()> {
    let buf = reader.fill_buf()?;
    if buf.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    Ok(())
}

/// The next non-whitespace byte of `reader`, looked at without consuming
/// anything (within the first buffer: a file that begins with more blank
/// space than that is treated as having none).
pub fn peek_non_blank(reader: &mut impl BufRead) -> io::Result<Option<u8>> {
    Ok(reader
        .fill_buf()?
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace()))
}

/// Iterates over the lines of `reader` (without their terminators).
pub struct Lines<R> {
    reader: R,
    /// The previous line ended with `\r`: a `\n` right after it ends nothing.
    after_cr: bool,
    done: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Lines {
            reader,
            after_cr: false,
            done: false,
        }
    }

    /// The next line into `line` (cleared first); `false` at the end.
    pub fn next_into(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        line.clear();
        if self.done {
            return Ok(false);
        }
        // Whether any byte of this line was read (a last line has no terminator).
        let mut any = false;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                self.done = true;
                return Ok(any);
            }
            if self.after_cr {
                self.after_cr = false;
                if buf[0] == b'\n' {
                    self.reader.consume(1);
                    continue;
                }
            }
            match buf.iter().position(|b| *b == b'\n' || *b == b'\r') {
                Some(k) => {
                    line.extend_from_slice(&buf[..k]);
                    self.after_cr = buf[k] == b'\r';
                    self.reader.consume(k + 1);
                    return Ok(true);
                }
                None => {
                    line.extend_from_slice(buf);
                    let n = buf.len();
                    self.reader.consume(n);
                    any = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(bytes: &[u8], capacity: usize) -> Vec<String> {
        let mut reader = io::BufReader::with_capacity(capacity, bytes);
        skip_bom(&mut reader).unwrap();
        let mut lines = Lines::new(reader);
        let mut out = Vec::new();
        let mut line = Vec::new();
        while lines.next_into(&mut line).unwrap() {
            out.push(String::from_utf8_lossy(&line).into_owned());
        }
        out
    }

    #[test]
    fn every_line_ending_gives_the_same_lines_whatever_the_buffer_size() {
        for capacity in [3, 4, 5, 7, 64] {
            let want = ["a", "bc", "", "d"];
            assert_eq!(lines_of(b"a\nbc\n\nd", capacity), want, "LF, {capacity}");
            assert_eq!(
                lines_of(b"a\r\nbc\r\n\r\nd\r\n", capacity),
                want,
                "CRLF, {capacity}"
            );
            assert_eq!(lines_of(b"a\rbc\r\rd\r", capacity), want, "CR, {capacity}");
            assert_eq!(
                lines_of(b"\xEF\xBB\xBFa\rbc\r\n\nd", capacity),
                want,
                "BOM, mixed, {capacity}"
            );
        }
        assert!(lines_of(b"", 8).is_empty());
        assert_eq!(lines_of(b"\n", 8), [""]);
        assert_eq!(lines_of(b"\r\n", 1), [""]);
        assert_eq!(lines_of(b"\r\r\n", 8), ["", ""]);
    }

    #[test]
    fn a_bom_elsewhere_is_content() {
        assert_eq!(lines_of(b"a\n\xEF\xBB\xBFb", 64), ["a", "\u{feff}b"]);
    }
}
