//! The import pipeline: read → validate (a blocking thread) → write in batches (async),
//! with a bounded channel between them so memory stays flat whatever the file size.
//!
//! Every batch commits its reports, its rejects and the checkpoint in one transaction, so
//! a crash leaves the store consistent and a re-run resumes after the last checkpoint.
//! A finished file (same content hash) is recognised and adds nothing.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use mosaic_model::{CentreId, Report};
use mosaic_store::{Checkpoint, Reject, Store, StoreError, WriteBatch, WriteOutcome};

use crate::mapping::{Mapping, MappingError};
use crate::source::{locate_all, CsvRows, JsonLines, RecordSource};

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    /// By extension: `.jsonl`, `.ndjson`, `.json` → JSON Lines; `.csv`, `.tsv`, `.txt` → CSV.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Mapping for CSV; default: `<file stem>.mapping.toml` beside the file.
    pub mapping: Option<PathBuf>,
    /// Force a format instead of guessing from the extension.
    pub format: Option<Format>,
    /// Reports per transaction.
    pub batch_size: usize,
    /// Where to write `<file>.rejects.jsonl`; default: beside the file.
    pub rejects_dir: Option<PathBuf>,
    /// Declared encoding for JSON Lines (CSV declares it in its mapping).
    pub encoding: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            mapping: None,
            format: None,
            batch_size: 2_000,
            rejects_dir: None,
            encoding: None,
        }
    }
}

/// What an import did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportSummary {
    pub file: String,
    pub format: Format,
    pub encoding: String,
    pub source_hash: String,
    /// Records (lines/rows) read in this run.
    pub records: u64,
    /// Records already done by an earlier, interrupted run.
    pub resumed_after: u64,
    /// The file had been imported completely before: nothing was added.
    pub already_imported: bool,
    /// Totals over all runs for this file.
    pub outcome: WriteOutcome,
    pub rejected: u64,
    pub rejects_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("{file}: {source}")]
    Store {
        file: String,
        #[source]
        source: StoreError,
    },
}

/// Progress callbacks; the CLI draws a bar, the server reports job status.
pub trait Progress: Send + Sync {
    fn begin(&self, _file: &str, _total_bytes: u64) {}
    fn advance(&self, _bytes_done: u64, _records: u64, _statements: u64) {}
    fn end(&self) {}
}

/// No progress output.
pub struct Quiet;
impl Progress for Quiet {}

struct Chunk {
    reports: Vec<Report>,
    rejects: Vec<Reject>,
    records_done: u64,
    bytes: u64,
}

/// Content hash of a file (the import's identity).
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn default_mapping(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("mapping");
    path.with_file_name(format!("{stem}.mapping.toml"))
}

/// Imports one file into the store.
pub async fn import_file(
    store: &dyn Store,
    centre: &CentreId,
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportSummary, ImportError> {
    let file = path.display().to_string();
    let ferr = |message: String| ImportError::File {
        file: file.clone(),
        message,
    };
    let format = opts.format.or_else(|| Format::of(path)).ok_or_else(|| {
        ferr("unknown file type: use .jsonl for JSON Lines or .csv with a mapping file".into())
    })?;
    let meta = std::fs::metadata(path).map_err(|e| ferr(format!("cannot read: {e}")))?;
    let source_hash = hash_file(path).map_err(|e| ferr(format!("cannot read: {e}")))?;
    let serr = |source: StoreError| ImportError::Store {
        file: file.clone(),
        source,
    };

    let mapping = match format {
        Format::Csv => {
            let mp = opts
                .mapping
                .clone()
                .unwrap_or_else(|| default_mapping(path));
            if !mp.exists() {
                return Err(ferr(format!(
                    "CSV needs a mapping file: none given and {} does not exist (see docs/import.md)",
                    mp.display()
                )));
            }
            Some(Mapping::load(&mp)?)
        }
        Format::Jsonl => None,
    };
    let declared = match &mapping {
        Some(m) => m.source.encoding.clone(),
        None => opts.encoding.clone(),
    };

    let state = store.import_state(&source_hash).await.map_err(serr)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(&file)
        .to_owned();
    let rejects_path = opts
        .rejects_dir
        .clone()
        .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default())
        .join(format!("{name}.rejects.jsonl"));
    let (reader, enc, counter) = crate::encoding::open(path, declared.as_deref())
        .map_err(|e| ferr(format!("cannot open: {e}")))?;
    let encoding = enc.name().to_owned();

    if let Some(st) = &state {
        if st.checkpoint.finished {
            let rejects_file = write_rejects(store, &source_hash, &rejects_path, &file).await?;
            tracing::info!(file = %file, "already imported; nothing to do");
            return Ok(ImportSummary {
                file,
                format,
                encoding,
                source_hash,
                records: 0,
                resumed_after: st.checkpoint.records_done,
                already_imported: true,
                outcome: st.outcome,
                rejected: st.rejected,
                rejects_file,
            });
        }
    }
    let resume = state
        .as_ref()
        .map(|s| s.checkpoint.records_done)
        .unwrap_or(0);
    if resume > 0 {
        tracing::info!(file = %file, after = resume, "resuming an interrupted import");
    }

    let mut source: Box<dyn RecordSource> = match mapping {
        Some(m) => Box::new(CsvRows::new(reader, m).map_err(&ferr)?),
        None => Box::new(JsonLines::new(reader)),
    };

    progress.begin(&file, meta.len());
    let (tx, mut rx) = mpsc::channel::<Chunk>(2);
    let centre = centre.clone();
    let batch_size = opts.batch_size.max(1);
    let producer = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
        source.skip(resume)?;
        let mut done = resume;
        let mut chunk = Chunk {
            reports: Vec::new(),
            rejects: Vec::new(),
            records_done: done,
            bytes: 0,
        };
        while let Some(rec) = source.next_record() {
            let rec = rec?;
            done += 1;
            let result = rec.value.and_then(|(v, origins)| {
                Report::from_value(&centre, &v).map_err(|e| locate_all(e, &origins))
            });
            match result {
                Ok(r) => chunk.reports.push(r),
                Err(errors) => {
                    for e in errors {
                        chunk.rejects.push(Reject {
                            line: rec.line,
                            field: e.field,
                            rule: e.rule,
                            message: e.message,
                            raw: rec.raw.clone(),
                        });
                    }
                }
            }
            if chunk.reports.len() + chunk.rejects.len() >= batch_size {
                chunk.records_done = done;
                chunk.bytes = counter.load(Ordering::Relaxed);
                let full = std::mem::replace(
                    &mut chunk,
                    Chunk {
                        reports: Vec::new(),
                        rejects: Vec::new(),
                        records_done: done,
                        bytes: 0,
                    },
                );
                if tx.blocking_send(full).is_err() {
                    return Ok(done); // the writer stopped; its error is reported
                }
            }
        }
        chunk.records_done = done;
        chunk.bytes = counter.load(Ordering::Relaxed);
        let _ = tx.blocking_send(chunk);
        Ok(done - resume)
    });

    let mut run = WriteOutcome::default();
    let mut statements = 0u64;
    let mut write_error = None;
    while let Some(chunk) = rx.recv().await {
        let batch = WriteBatch {
            reports: chunk.reports,
            rejects: chunk.rejects,
            checkpoint: Some(Checkpoint {
                source: source_hash.clone(),
                file_name: name.clone(),
                records_done: chunk.records_done,
                finished: false,
            }),
        };
        match store.write(&batch).await {
            Ok(o) => {
                run += o;
                statements += o.statements;
                progress.advance(chunk.bytes, chunk.records_done, statements);
            }
            Err(e) => {
                write_error = Some(e);
                break;
            }
        }
    }
    drop(rx);
    let produced = producer
        .await
        .map_err(|e| ferr(format!("reader failed: {e}")))?;
    progress.end();
    if let Some(e) = write_error {
        return Err(serr(e));
    }
    let records = produced.map_err(|e| ferr(format!("read error: {e}")))?;
    let done = resume + records;
    store
        .write(&WriteBatch {
            checkpoint: Some(Checkpoint {
                source: source_hash.clone(),
                file_name: name,
                records_done: done,
                finished: true,
            }),
            ..Default::default()
        })
        .await
        .map_err(serr)?;
    let st = store
        .import_state(&source_hash)
        .await
        .map_err(serr)?
        .expect("written above");
    let rejects_file = write_rejects(store, &source_hash, &rejects_path, &file).await?;
    tracing::info!(
        file = %file, records, inserted = run.inserted, duplicates = run.duplicates,
        rejected = st.rejected, "import finished"
    );
    Ok(ImportSummary {
        file,
        format,
        encoding,
        source_hash,
        records,
        resumed_after: resume,
        already_imported: false,
        outcome: st.outcome,
        rejected: st.rejected,
        rejects_file,
    })
}

/// Writes the rejects of a source to a JSON Lines file atomically (temp file + rename);
/// removes a stale one when there are none.
async fn write_rejects(
    store: &dyn Store,
    source: &str,
    path: &Path,
    file: &str,
) -> Result<Option<PathBuf>, ImportError> {
    let rejects = store
        .import_rejects(source)
        .await
        .map_err(|e| ImportError::Store {
            file: file.to_owned(),
            source: e,
        })?;
    if rejects.is_empty() {
        let _ = std::fs::remove_file(path);
        return Ok(None);
    }
    let ferr = |e: std::io::Error| ImportError::File {
        file: file.to_owned(),
        message: format!("cannot write rejects file {}: {e}", path.display()),
    };
    let tmp = path.with_extension("jsonl.tmp");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(ferr)?);
        for r in &rejects {
            let line = serde_json::json!({
                "file": file,
                "line": r.line,
                "field": r.field,
                "rule": r.rule,
                "message": r.message,
                "record": r.raw,
            });
            serde_json::to_writer(&mut w, &line).map_err(|e| ferr(e.into()))?;
            w.write_all(b"\n").map_err(ferr)?;
        }
        w.flush().map_err(ferr)?;
    }
    std::fs::rename(&tmp, path).map_err(ferr)?;
    Ok(Some(path.to_owned()))
}
