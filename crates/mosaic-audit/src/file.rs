//! The exported audit file: JSON Lines, one entry per line, each line the entry's
//! canonical JSON with its `hash` added. Verifying it needs nothing but this crate (no
//! database, no network): a data-protection officer can check a copy on another machine.
//!
//! The hash is recomputed over the canonical form of the line minus `hash`, so a line
//! reformatted by a tool (key order, spacing) still verifies, while any change to a value
//! does not.

use std::io::BufRead;

use serde_json::Value;

use crate::{is_hash, AuditError, AuditRecord, Location, Verifier, VerifyOptions, VerifyReport};
use mosaic_model::jcs;

/// The line (without newline) for a record.
pub fn export_line(rec: &AuditRecord) -> Result<String, AuditError> {
    let mut v: Value = serde_json::from_str(&rec.body)
        .map_err(|e| AuditError::Malformed(format!("entry {}: body is not JSON: {e}", rec.seq)))?;
    let m = v.as_object_mut().ok_or_else(|| {
        AuditError::Malformed(format!("entry {}: body is not a JSON object", rec.seq))
    })?;
    m.insert("hash".into(), Value::from(rec.hash.clone()));
    Ok(jcs::to_string(&v))
}

/// Reads one line back into a record (the body re-canonicalised, the hash taken out).
pub fn parse_line(line: &str) -> Result<AuditRecord, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut m) = v else {
        return Err("a line is one JSON object".into());
    };
    let hash = match m.remove("hash") {
        Some(Value::String(h)) if is_hash(&h) => h,
        _ => return Err("the line has no \"hash\" (64 lowercase hex digits)".into()),
    };
    let seq = m.get("seq").and_then(Value::as_u64).unwrap_or(0);
    Ok(AuditRecord {
        seq,
        hash,
        body: jcs::to_string(&Value::Object(m)),
        columns: None,
    })
}

/// Verifies an exported file. Blank lines are skipped; line numbers in the report are
/// the file's own.
pub fn verify_jsonl<R: BufRead>(mut r: R, opts: VerifyOptions) -> std::io::Result<VerifyReport> {
    let mut v = Verifier::new(opts);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        // No length cap: an entry is never truncated, so neither is its line.
        if r.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let at = Location::Line(line_no);
        let keep_going = match std::str::from_utf8(&buf) {
            Err(e) => v.push_unreadable(at, format!("not UTF-8: {e}")),
            Ok(s) if s.trim().is_empty() => true,
            Ok(s) => match parse_line(s.trim_end_matches(['\n', '\r'])) {
                Ok(rec) => v.push(at, &rec),
                Err(reason) => v.push_unreadable(at, reason),
            },
        };
        if !keep_going {
            break;
        }
    }
    Ok(v.finish())
}
