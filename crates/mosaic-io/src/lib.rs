//! Mosaic's files in and out of the store.
//!
//! - [`import`]: JSON Lines of reports (Mosaic's own format, `schemas/report.schema.json`)
//!   and CSV with a TOML mapping file, any common encoding, in resumable, atomic batches,
//!   with a rejects file naming line, field and rule for every bad record.
//! - [`export`]: the same JSON Lines format, so import → export → import is lossless.
#![forbid(unsafe_code)]

pub mod encoding;
pub mod export;
pub mod import;
pub mod mapping;
pub mod source;

pub use export::{export_jsonl, ExportError};
pub use import::{import_file, Format, ImportError, ImportOptions, ImportSummary, Progress, Quiet};
pub use mapping::Mapping;
