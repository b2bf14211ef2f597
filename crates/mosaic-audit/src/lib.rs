//! The tamper-evident audit trail (DESIGN §4 rule 5, §5.7).
//!
//! Every read, search, export, exchange and change is an [`AuditEvent`]: who (actor and
//! agency), what action, on which object, for what stated purpose (and case), with what
//! result, when, plus free-form `detail` that is **never truncated** (MISP drops diffs over
//! 64 KiB; an audit that forgets is not an audit).
//!
//! Entries form a hash chain. [`seal`] turns an event into an [`AuditRecord`]: the entry
//! gets its sequence number (1, 2, 3 … without gaps) and the previous entry's hash
//! ([`GENESIS`] for the first), is serialised canonically (RFC 8785 JSON, format tag
//! [`FORMAT`]) and hashed with SHA-256. Changing, removing, inserting or reordering an
//! entry breaks the chain, and the [`Verifier`] says what happened and where.
//!
//! A chain alone cannot tell a genuine log from one rewritten wholesale from some point on,
//! nor notice that its tail was cut off. Two things close that gap:
//! - **signed checkpoints** ([`checkpoint_event`]): an entry carrying an ed25519 signature
//!   by the centre's key over the sequence number and hash of the entry before it. Anyone
//!   without the key cannot rewrite history before a checkpoint unnoticed (when the
//!   verifier is given the centre's public key);
//! - **anchors** ([`Anchor`]): a (sequence, hash) pair kept *outside* the system — for
//!   example the line of the latest checkpoint, held by the data-protection officer. The
//!   verifier then reports a log that ends before the anchor as truncated.
//!
//! No I/O beyond `std::io` readers lives here: the storage trait is
//! `mosaic_store::audit::AuditStore`, and the offline check of an exported file is
//! [`verify_jsonl`].
#![forbid(unsafe_code)]

mod checkpoint;
mod file;
mod verify;

use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use mosaic_model::{jcs, AgencyId, CaseId};

pub use checkpoint::{check_checkpoint, checkpoint_event, checkpoint_message, CheckpointDetail};
/// The key types checkpoints are signed and checked with.
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use file::{export_line, parse_line, verify_jsonl};
pub use verify::{Anchor, Edit, Head, Location, Problem, Verifier, VerifyOptions, VerifyReport};

/// Format tag inside every entry; a new serialisation gets a new tag, and verifiers
/// refuse tags they do not know rather than guessing.
pub const FORMAT: &str = "mosaic.audit/1";

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Errors building or reading audit entries.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("not an audit entry: {0}")]
    Malformed(String),
}

/// Who acted: a user (`user:<id>`), an API token (`token:<id>`), or the system
/// (`system:<what>`, e.g. `system:cli:alice` for the administrator's command line).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub id: String,
    /// The agency the actor acts for, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyId>,
}

impl Actor {
    pub fn new(id: impl Into<String>, agency: Option<AgencyId>) -> Actor {
        Actor {
            id: id.into(),
            agency,
        }
    }

    /// A system actor (no agency), e.g. `Actor::system("cli:alice")` → `system:cli:alice`.
    pub fn system(what: &str) -> Actor {
        Actor {
            id: format!("system:{what}"),
            agency: None,
        }
    }
}

/// What was done. The snake_case names are stable: they are hashed into the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A sign-in (denied: a failed attempt).
    Login,
    Logout,
    /// Reading one object (a report, an entity, an agreement).
    Read,
    /// A search or list query; the query goes in `detail`.
    Search,
    /// Data leaving through an export.
    Export,
    /// Data coming in through an import.
    Import,
    /// Sending to or receiving from a partner centre.
    Exchange,
    /// Creating, changing or removing data or settings (the change goes in `detail`).
    Change,
    /// A permission asked for or given (e.g. to disseminate H2 material).
    Grant,
    /// A user acknowledged the provider's conditions on H3 material (the entry is the
    /// record of it).
    Acknowledge,
    /// A check of the audit trail itself.
    Verify,
    /// A signed checkpoint of the chain (see [`checkpoint_event`]).
    Checkpoint,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::Login,
        AuditAction::Logout,
        AuditAction::Read,
        AuditAction::Search,
        AuditAction::Export,
        AuditAction::Import,
        AuditAction::Exchange,
        AuditAction::Change,
        AuditAction::Grant,
        AuditAction::Acknowledge,
        AuditAction::Verify,
        AuditAction::Checkpoint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::Logout => "logout",
            AuditAction::Read => "read",
            AuditAction::Search => "search",
            AuditAction::Export => "export",
            AuditAction::Import => "import",
            AuditAction::Exchange => "exchange",
            AuditAction::Change => "change",
            AuditAction::Grant => "grant",
            AuditAction::Acknowledge => "acknowledge",
            AuditAction::Verify => "verify",
            AuditAction::Checkpoint => "checkpoint",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allowed,
    Denied,
    /// Nothing the actor may see answers to the name (absent or hidden: the two are
    /// indistinguishable to the actor, and recorded the same).
    NotFound,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::NotFound => "not_found",
            Outcome::Error => "error",
        }
    }
}

impl Outcome {
    pub const ALL: &'static [Outcome] = &[
        Outcome::Allowed,
        Outcome::Denied,
        Outcome::NotFound,
        Outcome::Error,
    ];

    /// The outcome with this wire name.
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.iter().copied().find(|o| o.as_str() == s)
    }
}

impl AuditAction {
    /// The action with this wire name.
    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing that happened, as the caller reports it (before it is chained).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub action: AuditAction,
    /// What was acted on: an object id (`fr-ncc:rep:…`, an agreement id and version, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The purpose the actor stated (empty only where none applies, e.g. a login).
    #[serde(default)]
    pub purpose: String,
    /// The case the purpose refers to, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseId>,
    pub result: Outcome,
    /// Anything else worth keeping (a query, a diff, the clause a decision rests on).
    /// Kept whole, whatever its size.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl AuditEvent {
    /// An event now, with empty purpose and no object or detail (fill in the rest).
    pub fn new(actor: Actor, action: AuditAction, result: Outcome) -> AuditEvent {
        AuditEvent {
            at: Utc::now(),
            actor,
            action,
            object: None,
            purpose: String::new(),
            case: None,
            result,
            detail: Value::Null,
        }
    }

    pub fn object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = purpose.into();
        self
    }

    pub fn case(mut self, case: CaseId) -> Self {
        self.case = Some(case);
        self
    }

    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// An entry of the chain, parsed: its position, its link and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub seq: u64,
    pub prev: String,
    pub event: AuditEvent,
}

/// An entry as stored and exported: the canonical text that was hashed, and the hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// The position the store keeps the entry at (its sequence-number column); for a
    /// record read from a file, the sequence number inside the entry.
    pub seq: u64,
    /// SHA-256 (lowercase hex) of `body`.
    pub hash: String,
    /// The entry in RFC 8785 canonical JSON: exactly the bytes hashed.
    pub body: String,
    /// The backend's query columns, cross-checked against `body` by the verifier (a
    /// changed column is reported like a changed entry). `None` for file records.
    pub columns: Option<IndexColumns>,
}

impl AuditRecord {
    /// Parses the body into an entry.
    pub fn entry(&self) -> Result<AuditEntry, AuditError> {
        let v: Value = serde_json::from_str(&self.body)
            .map_err(|e| AuditError::Malformed(format!("body is not JSON: {e}")))?;
        entry_from_value(v)
    }
}

/// The columns a backend keeps beside the body to filter on (for the data-protection
/// officer's views). Derived from the body only, so they can be checked against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexColumns {
    pub prev: String,
    /// Microseconds since the Unix epoch.
    pub at: i64,
    pub actor: String,
    pub agency: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub result: String,
}

impl IndexColumns {
    /// The columns of an entry body; `None` if the body lacks a required field.
    pub fn from_body(v: &Value) -> Option<IndexColumns> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let at = DateTime::parse_from_rfc3339(v.get("at")?.as_str()?)
            .ok()?
            .with_timezone(&Utc)
            .timestamp_micros();
        let actor = v.get("actor")?;
        Some(IndexColumns {
            prev: s("prev")?,
            at,
            actor: actor.get("id")?.as_str()?.to_owned(),
            agency: actor
                .get("agency")
                .and_then(Value::as_str)
                .map(str::to_owned),
            action: s("action")?,
            object: s("object"),
            result: s("result")?,
        })
    }

    /// The first column that differs from `other`, by name.
    pub fn first_difference(&self, other: &IndexColumns) -> Option<&'static str> {
        if self.prev != other.prev {
            Some("prev")
        } else if self.at != other.at {
            Some("at")
        } else if self.actor != other.actor {
            Some("actor")
        } else if self.agency != other.agency {
            Some("agency")
        } else if self.action != other.action {
            Some("action")
        } else if self.object != other.object {
            Some("object")
        } else if self.result != other.result {
            Some("result")
        } else {
            None
        }
    }
}

/// SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The entry body (as a JSON value) for an event at `seq` after `prev`.
fn entry_value(event: &AuditEvent, seq: u64, prev: &str) -> Value {
    let mut m = match serde_json::to_value(event).expect("audit events serialise") {
        Value::Object(m) => m,
        _ => unreachable!("an event serialises to an object"),
    };
    m.insert("format".into(), Value::from(FORMAT));
    m.insert("seq".into(), Value::from(seq));
    m.insert("prev".into(), Value::from(prev));
    Value::Object(m)
}

fn entry_from_value(v: Value) -> Result<AuditEntry, AuditError> {
    let Value::Object(mut m) = v else {
        return Err(AuditError::Malformed("an entry is a JSON object".into()));
    };
    let (format, seq, prev) = envelope(&m).map_err(AuditError::Malformed)?;
    if format != FORMAT {
        return Err(AuditError::Malformed(format!(
            "unknown format {format:?} (this build reads {FORMAT})"
        )));
    }
    let prev = prev.to_owned();
    for k in ["format", "seq", "prev"] {
        m.remove(k);
    }
    let event: AuditEvent = serde_json::from_value(Value::Object(m))
        .map_err(|e| AuditError::Malformed(format!("entry {seq}: {e}")))?;
    Ok(AuditEntry { seq, prev, event })
}

/// The chain fields of an entry body: format tag, sequence number, previous hash.
fn envelope(m: &Map<String, Value>) -> Result<(&str, u64, &str), String> {
    let format = m
        .get("format")
        .and_then(Value::as_str)
        .ok_or("the entry has no \"format\"")?;
    let seq = m
        .get("seq")
        .and_then(Value::as_u64)
        .filter(|s| *s >= 1)
        .ok_or("the entry has no positive integer \"seq\"")?;
    let prev = m
        .get("prev")
        .and_then(Value::as_str)
        .filter(|p| is_hash(p))
        .ok_or("the entry has no \"prev\" hash (64 lowercase hex digits)")?;
    Ok((format, seq, prev))
}

/// 64 lowercase hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Chains an event: the entry at `seq` following the entry whose hash is `prev`
/// ([`GENESIS`] for the first). Backends call this inside the write transaction that
/// read `prev` as the head, so two writers can never fork the chain.
///
/// The time is kept to the microsecond (what every backend stores in its time column).
pub fn seal(event: &AuditEvent, seq: u64, prev: &str) -> AuditRecord {
    let mut ev = event.clone();
    ev.at = ev.at.trunc_subsecs(6);
    let value = entry_value(&ev, seq, prev);
    let body = jcs::to_string(&value);
    let hash = sha256_hex(body.as_bytes());
    let columns = IndexColumns::from_body(&value);
    AuditRecord {
        seq,
        hash,
        body,
        columns,
    }
}

#[cfg(test)]
mod tests;
