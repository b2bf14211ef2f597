//! Storage of the audit trail: an append-only hash chain (the format, the hashing and the
//! verifier live in `mosaic-audit`; this is where entries are kept).
//!
//! What a backend guarantees:
//! - **appends are atomic and serialised**: reading the head, sealing the entry against
//!   it ([`mosaic_audit::seal`]) and inserting it happen in one write transaction that
//!   no other writer — in this process or another — can interleave with, so the chain
//!   never forks and sequence numbers have no gaps;
//! - **nothing is cut**: bodies are stored whole, byte for byte, however large;
//! - the query columns it keeps beside the body (time, actor, agency, action, object,
//!   result, prev) are derived from the body, and returned with every record so the
//!   verifier can check them.
//!
//! Every backend implements [`AuditStore`] and runs `conformance_audit` (feature
//! `conformance`).

use std::io::Write;

use chrono::{DateTime, Utc};

use mosaic_audit::{
    checkpoint_event, Actor, AuditEvent, AuditRecord, Head, Location, SigningKey, Verifier,
    VerifyOptions, VerifyReport,
};

use crate::{Result, StoreError};

/// Filters for the data-protection officer's views. Results are in sequence order.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub agency: Option<String>,
    /// An action's wire name (`read`, `export`, …).
    pub action: Option<String>,
    pub object: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Continue after this sequence number.
    pub after: Option<u64>,
    pub limit: u32,
}

/// The audit trail's storage.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one entry, built by `make` from the sequence number it will get and the
    /// hash of the entry before it (for entries that must refer to the head, such as a
    /// signed checkpoint). Head, seal and insert happen in one serialised transaction.
    async fn append_audit_with(
        &self,
        make: &(dyn for<'p> Fn(u64, &'p str) -> AuditEvent + Send + Sync),
    ) -> Result<AuditRecord>;

    /// Appends several entries, in order, in one transaction.
    async fn append_audit_batch(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>>;

    /// Appends one entry.
    async fn append_audit(&self, event: &AuditEvent) -> Result<AuditRecord> {
        self.append_audit_with(&|_, _| event.clone()).await
    }

    /// The last entry (by sequence number), if any.
    async fn audit_head(&self) -> Result<Option<Head>>;

    /// Entries stored under sequence numbers `>= from`, in order, at most `limit`.
    async fn audit_range(&self, from: u64, limit: u32) -> Result<Vec<AuditRecord>>;

    /// Entries matching the query's columns, in sequence order.
    async fn audit_search(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>>;

    /// Appends entries read from another store exactly as they are (body, hash, sequence
    /// numbers), in one serialised transaction: for copying a chain so that it still
    /// verifies. Refuses, writing nothing, entries that do not continue the head
    /// (sequence number and `prev`) or each other.
    async fn restore_audit(&self, records: &[AuditRecord]) -> Result<()>;
}

/// Checks that `records` continue the chain at `head` (sequence numbers one apart, each
/// `prev` the hash before it); what [`AuditStore::restore_audit`] requires.
pub fn check_continues(head: Option<&mosaic_audit::Head>, records: &[AuditRecord]) -> Result<()> {
    let (mut seq, mut hash) = match head {
        Some(h) => (h.seq, h.hash.clone()),
        None => (0, mosaic_audit::GENESIS.to_owned()),
    };
    for r in records {
        let prev = r.columns.as_ref().map(|c| c.prev.as_str());
        if r.seq != seq + 1 || prev != Some(hash.as_str()) {
            return Err(StoreError::Invalid(format!(
                "audit entry {} does not continue the chain after entry {seq}",
                r.seq
            )));
        }
        seq = r.seq;
        hash = r.hash.clone();
    }
    Ok(())
}

/// Rows read per page while walking the whole log.
const PAGE: u32 = 2_000;

/// Walks the stored chain from its first entry and reports the first problem.
pub async fn verify(store: &dyn AuditStore, opts: VerifyOptions) -> Result<VerifyReport> {
    let mut v = Verifier::new(opts);
    let mut from = 0;
    'pages: loop {
        let page = store.audit_range(from, PAGE).await?;
        let Some(last) = page.last() else { break };
        let next = last.seq.saturating_add(1);
        for r in &page {
            if !v.push(Location::Row(r.seq), r) {
                break 'pages;
            }
        }
        if page.len() < PAGE as usize || next == from {
            break;
        }
        from = next;
    }
    Ok(v.finish())
}

/// Writes the entries from sequence number `from` on as JSON Lines (the file
/// `mosaic_audit::verify_jsonl` checks offline). Returns the number of lines.
pub async fn export_jsonl(
    store: &dyn AuditStore,
    from: u64,
    out: &mut (dyn Write + Send),
) -> Result<u64> {
    let io = |e: std::io::Error| StoreError::Backend(format!("writing the audit export: {e}"));
    let mut n = 0u64;
    let mut from = from;
    loop {
        let page = store.audit_range(from, PAGE).await?;
        for r in &page {
            let line = mosaic_audit::export_line(r)
                .map_err(|e| StoreError::Corrupt(format!("audit entry {}: {e}", r.seq)))?;
            out.write_all(line.as_bytes()).map_err(io)?;
            out.write_all(b"\n").map_err(io)?;
            n += 1;
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => from = last.seq + 1,
            _ => break,
        }
    }
    out.flush().map_err(io)?;
    Ok(n)
}

/// Appends a checkpoint signed with `key` over the current head (inside the append
/// transaction, so the head cannot move between signing and writing).
pub async fn checkpoint(
    store: &dyn AuditStore,
    key: &SigningKey,
    actor: &Actor,
) -> Result<AuditRecord> {
    let at = Utc::now();
    store
        .append_audit_with(&|seq, prev| checkpoint_event(key, actor.clone(), at, seq - 1, prev))
        .await
}
