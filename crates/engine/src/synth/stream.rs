//! Generated scenarios as JSON, a bounded piece at a time: streamed to a
//! file (never one string of the whole output, never all scenarios in
//! memory: any count up to `MAX_COUNT` per workflow can be written), and/or
//! kept as JSON arrays of at most `CHUNK` scenarios each, for the caller to
//! parse one by one. The file's bytes are exactly `to_json` of all the
//! scenarios.

use std::path::Path;

use crate::error::{EngineError, Result};
use crate::model::write_atomic_with;
use crate::schema::all_workflows;

use super::{to_json, workflow_stream, Counts, Scenario};

/// Scenarios per piece.
pub const CHUNK: usize = 2_000;

/// The most scenarios handed back in memory in one call (about 1.8 KB of
/// JSON each, so some 180 MB of text). More must go to a file.
pub const MAX_RETURNED: usize = 100_000;

#[derive(Debug, Default)]
pub struct Generated {
    /// JSON arrays of consecutive scenarios (empty unless asked for).
    pub chunks: Vec<String>,
    pub scenarios: usize,
    pub failed: usize,
}

/// Generate `counts` scenarios from `seed` (the rows of `synth::generate`,
/// in the same order). With `output`, they are written there atomically;
/// with `keep`, returned as `chunks`.
pub fn generate_json(
    seed: u64,
    counts: &Counts,
    output: Option<&Path>,
    keep: bool,
) -> Result<Generated> {
    let mut generated = Generated::default();
    match output {
        None => each_chunk(seed, counts, &mut generated, keep, &mut |_| Ok(()))?,
        Some(path) => write_atomic_with(path, |out| {
            let io = |e| EngineError::io(path, e);
            let mut first = true;
            out.write_all(b"[").map_err(io)?;
            each_chunk(seed, counts, &mut generated, keep, &mut |text| {
                // `[` + "\n  {...},\n  {...}" + "\n]": the inner part joins with ",".
                let inner = &text[1..text.len() - 2];
                if !first {
                    out.write_all(b",").map_err(io)?;
                }
                first = false;
                out.write_all(inner.as_bytes()).map_err(io)
            })?;
            out.write_all(if first { b"]" } else { b"\n]" }).map_err(io)
        })?,
    }
    Ok(generated)
}

fn each_chunk(
    seed: u64,
    counts: &Counts,
    generated: &mut Generated,
    keep: bool,
    write: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<()> {
    for w in all_workflows() {
        let mut rows = workflow_stream(seed, w).take(counts.get(w));
        loop {
            let chunk: Vec<Scenario> = rows.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            generated.scenarios += chunk.len();
            generated.failed += chunk.iter().filter(|s| s.failed).count();
            let text = to_json(&chunk);
            write(&text)?;
            if keep {
                generated.chunks.push(text);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::generate;

    #[test]
    fn the_streamed_file_and_the_chunks_are_exactly_the_whole_output() {
        // The directory does not exist yet: writing the file creates it.
        let tmp = tempfile::Builder::new()
            .prefix("ml-engine-stream-")
            .tempdir()
            .unwrap();
        let dir = tmp.path().join("out");
        let mut counts = Counts([0; 8]);
        counts.0[0] = CHUNK + 3;
        counts.0[5] = 7;
        let path = dir.join("scenarios.json");
        let g = generate_json(11, &counts, Some(&path), true).unwrap();
        let all = generate(11, &counts);
        let whole = to_json(&all);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), whole);
        assert_eq!(g.scenarios, all.len());
        assert_eq!(g.failed, all.iter().filter(|s| s.failed).count());
        assert_eq!(g.chunks.len(), 3);
        let joined: Vec<serde_json::Value> = g
            .chunks
            .iter()
            .flat_map(|c| serde_json::from_str::<Vec<serde_json::Value>>(c).unwrap())
            .collect();
        assert_eq!(
            joined,
            serde_json::from_str::<Vec<serde_json::Value>>(&whole).unwrap()
        );
        // Nothing at all: an empty array, as `to_json` writes it.
        let none = generate_json(11, &Counts([0; 8]), Some(&path), false).unwrap();
        assert_eq!((none.scenarios, none.chunks.len()), (0, 0));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[]");
    }
}
