//! Export in Mosaic's JSON Lines format: the canonical form of each current report, one
//! per line, in `(reported_at, id)` order — exactly what `import` reads, so a round trip
//! is lossless.

use std::io::Write;

use futures::TryStreamExt;

use mosaic_store::{Scope, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes every report the scope may see; returns how many.
pub async fn export_jsonl<W: Write + Send>(
    store: &dyn Store,
    scope: &Scope,
    mut out: W,
    mut progress: impl FnMut(u64) + Send,
) -> Result<u64, ExportError> {
    let mut n = 0u64;
    let mut stream = store.export(scope);
    while let Some(r) = stream.try_next().await? {
        out.write_all(&r.report.canonical_json())?;
        out.write_all(b"\n")?;
        n += 1;
        if n.is_multiple_of(1_000) {
            progress(n);
        }
    }
    out.flush()?;
    progress(n);
    Ok(n)
}
