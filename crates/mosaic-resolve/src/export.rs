//! `source_record_id,entity_id`: the resolution as CSV, so anyone can score it with their
//! own tools. `source_record_id` is the entity id a mention's statements carry;
//! `entity_id` is the id of the resolved entity (cluster) it belongs to. Versioned by
//! its header; one row per record, sorted by `source_record_id`.

use std::io::Write;

use crate::resolver::Resolver;
use crate::ResolveError;

/// The header line (the format's version is its column list).
pub const HEADER: [&str; 2] = ["source_record_id", "entity_id"];

/// Writes the resolution CSV; returns the number of rows.
pub fn write_resolution_csv<W: Write>(resolver: &Resolver, out: W) -> Result<u64, ResolveError> {
    let io = |e: csv::Error| ResolveError::Io {
        what: "the resolution CSV".into(),
        source: std::io::Error::other(e),
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER).map_err(io)?;
    let mut n = 0;
    for (rec, cluster) in resolver.assignments() {
        w.write_record([rec.as_str(), cluster.as_str()])
            .map_err(io)?;
        n += 1;
    }
    w.flush().map_err(|e| ResolveError::Io {
        what: "the resolution CSV".into(),
        source: e,
    })?;
    Ok(n)
}
