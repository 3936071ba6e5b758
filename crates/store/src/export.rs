//! Export of recorded outcomes as training data: JSONL, one
//! `{"features": <raw feature object>, "failed": <bool>}` per line, the
//! "recorded outcomes" format `dawg-ml train --data` reads. An outcome's
//! features are those of its logged champion prediction, or the run's own
//! when it was never predicted; outcomes whose prediction was not logged
//! with features (sampled out, or logging off) cannot be exported and are
//! counted instead.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::store::Store;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportFilter {
    pub workflow_type: Option<String>,
    /// Only outcomes recorded at or after this time (ms since the epoch).
    pub since: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    /// Lines written.
    pub rows: u64,
    /// Outcomes left out because their features are unknown.
    pub without_features: u64,
}

impl Store {
    /// Write the outcomes as JSONL to `out`, streaming (rows are never all in memory).
    pub fn export_jsonl_to(&self, out: &mut dyn Write, filter: &ExportFilter) -> Result<Exported> {
        let mut sql = String::from(
            "SELECT coalesce(o.features, p.features), o.failed
             FROM outcomes o
             LEFT JOIN predictions p ON p.prediction_id = o.prediction_id AND p.role = 'champion'
             WHERE 1",
        );
        let mut params: Vec<Box<dyn rusqlite::types::ToSql>> = Vec::new();
        if let Some(w) = &filter.workflow_type {
            params.push(Box::new(w.clone()));
            sql.push_str(&format!(
                " AND coalesce(o.workflow_type, p.workflow_type) = ?{}",
                params.len()
            ));
        }
        if let Some(since) = filter.since {
            params.push(Box::new(since));
            sql.push_str(&format!(" AND o.recorded_at >= ?{}", params.len()));
        }
        sql.push_str(" ORDER BY o.outcome_id");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.fail(e))?;
        let refs: Vec<&dyn rusqlite::types::ToSql> = params.iter().map(|p| p.as_ref()).collect();
        let mut rows = stmt.query(refs.as_slice()).map_err(|e| self.fail(e))?;
        let mut exported = Exported {
            rows: 0,
            without_features: 0,
        };
        let io = |source| StoreError::Io {
            path: "(export output)".into(),
            source,
        };
        while let Some(row) = rows.next().map_err(|e| self.fail(e))? {
            let features: Option<String> = row.get(0).map_err(|e| self.fail(e))?;
            let failed: bool = row.get(1).map_err(|e| self.fail(e))?;
            match features {
                // The text was checked to be a JSON object when it was stored.
                Some(f) => {
                    writeln!(out, "{{\"features\":{f},\"failed\":{failed}}}").map_err(io)?;
                    exported.rows += 1;
                }
                None => exported.without_features += 1,
            }
        }
        Ok(exported)
    }

    /// `export_jsonl_to` a file, atomically: a temporary file next to it,
    /// synced, then renamed over `path`, so a reader never sees half an export.
    pub fn export_jsonl(&self, path: &Path, filter: &ExportFilter) -> Result<Exported> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| StoreError::Io { path: p, source }
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(io(dir))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.export.tmp", std::process::id()));
        let result = (|| {
            let file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)
                .map_err(io(&tmp))?;
            let mut w = BufWriter::new(file);
            let exported = self.export_jsonl_to(&mut w, filter)?;
            let file = w.into_inner().map_err(|e| io(&tmp)(e.into_error()))?;
            file.sync_all().map_err(io(&tmp))?;
            fs::rename(&tmp, path).map_err(io(path))?;
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(exported)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}
