//! Walking the chain: the first problem, what it is and where.
//!
//! The [`Verifier`] is fed records in storage (or file) order, one at a time, so a log of
//! any size verifies in constant memory, from a database page by page or from a file line
//! by line. When something is off it looks a little further before deciding what
//! happened, because the same first symptom has several causes:
//!
//! | what it sees at the expected position | looking ahead | verdict |
//! |---|---|---|
//! | content does not hash to the stored hash | — | **edited** entry |
//! | a query column disagrees with the hashed content | — | **edited** entry (column) |
//! | the right number, but not linked to the entry before | the next entry links to this one | the entry *before* was **edited** and its hash recomputed |
//! | 〃 | the next entry is the genuine one with the same number | this entry was **inserted** |
//! | 〃 | nothing links | this entry was **edited** (replaced) |
//! | a later number | the expected number turns up further on | entries **reordered** |
//! | 〃 | it does not (within [`LOOKAHEAD`] records) | entries **deleted** |
//! | an earlier number | — | an entry **inserted** (a copy, or a second entry claiming that number) |
//!
//! Anchors (kept outside the system) catch a cut-off tail, and trusted keys make signed
//! checkpoints impossible to forge (see the crate docs).

use std::collections::VecDeque;
use std::fmt;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use serde_json::Value;

use crate::checkpoint::check_checkpoint;
use crate::{envelope, sha256_hex, AuditRecord, IndexColumns, FORMAT, GENESIS};

/// How far the verifier looks ahead for a missing sequence number before calling it
/// deleted rather than moved.
pub const LOOKAHEAD: usize = 1024;

/// How many recent entries the verifier remembers to recognise a copy.
const RECENT: usize = 1024;

/// Where a record is: a line of an exported file, or a row of the store (by the
/// sequence number it is stored under).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "n", rename_all = "snake_case")]
pub enum Location {
    Line(u64),
    Row(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Row(n) => write!(f, "stored row {n}"),
        }
    }
}

/// How an entry was changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "how", content = "column", rename_all = "snake_case")]
pub enum Edit {
    /// Its content no longer matches its hash.
    ContentChanged,
    /// Content and hash were both changed: the entry after it still commits to the
    /// original hash.
    HashRecomputed,
    /// It was replaced by an entry that links to neither neighbour.
    Replaced,
    /// Its sequence number was changed (with the hash recomputed).
    SeqChanged,
    /// A query column of the store no longer matches the hashed entry.
    Column(String),
    /// It differs from the hash an anchor recorded for it.
    DiffersFromAnchor,
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::ContentChanged => f.write_str("its content does not match its hash"),
            Edit::HashRecomputed => f.write_str(
                "its content and hash were both changed: the next entry still commits to the original",
            ),
            Edit::Replaced => f.write_str("it was replaced: it links to neither neighbour"),
            Edit::SeqChanged => f.write_str("its sequence number was changed"),
            Edit::Column(c) => write!(f, "the stored column {c:?} no longer matches the hashed entry"),
            Edit::DiffersFromAnchor => f.write_str("its hash differs from the anchor kept for it"),
        }
    }
}

/// The first thing wrong with a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// A record that cannot be read as an entry at all.
    Malformed {
        at: Location,
        reason: String,
    },
    Edited {
        seq: u64,
        at: Location,
        how: Edit,
    },
    /// Entries `first..=last` are missing; `at` is where `first` should have been.
    Deleted {
        first: u64,
        last: u64,
        at: Location,
    },
    /// An entry that does not belong: `other` is where the entry with the same sequence
    /// number is, when there is one.
    Inserted {
        seq: u64,
        at: Location,
        other: Option<Location>,
        copy: bool,
    },
    /// Entry `seq` should have been at `expected_at` but is at `found_at`.
    Reordered {
        seq: u64,
        expected_at: Location,
        found_at: Location,
    },
    /// The last entry read does not link to the one before it (the entry before was
    /// changed with its hash recomputed, or this one was replaced: nothing follows to
    /// tell which).
    Unlinked {
        seq: u64,
        at: Location,
    },
    /// The log ends at `last_seq`, before the entry an anchor vouches for.
    Truncated {
        anchor_seq: u64,
        last_seq: u64,
    },
    /// A checkpoint entry whose signature is missing, wrong or by an untrusted key.
    BadCheckpoint {
        seq: u64,
        at: Location,
        reason: String,
    },
}

impl Problem {
    /// The sequence number the problem is about (the first missing one for a deletion).
    pub fn seq(&self) -> Option<u64> {
        match self {
            Problem::Malformed { .. } => None,
            Problem::Edited { seq, .. }
            | Problem::Inserted { seq, .. }
            | Problem::Reordered { seq, .. }
            | Problem::Unlinked { seq, .. }
            | Problem::BadCheckpoint { seq, .. } => Some(*seq),
            Problem::Deleted { first, .. } => Some(*first),
            Problem::Truncated { last_seq, .. } => Some(last_seq + 1),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Malformed { at, reason } => write!(f, "{at}: not a readable audit entry: {reason}"),
            Problem::Edited { seq, at, how } => write!(f, "entry {seq} ({at}) was edited: {how}"),
            Problem::Deleted { first, last, at } if first == last => {
                write!(f, "entry {first} was deleted (it should be at {at})")
            }
            Problem::Deleted { first, last, at } => {
                write!(f, "entries {first} to {last} were deleted (they should start at {at})")
            }
            Problem::Inserted { seq, at, other, copy } => {
                write!(f, "an entry was inserted at {at}: ")?;
                match (other, copy) {
                    (Some(o), true) => write!(f, "it is a copy of entry {seq} ({o})"),
                    (Some(o), false) => write!(
                        f,
                        "it claims to be entry {seq}, and so does the entry at {o}: one of them is not genuine"
                    ),
                    (None, _) => write!(f, "it claims to be entry {seq}, which came earlier"),
                }
            }
            Problem::Reordered {
                seq,
                expected_at,
                found_at,
            } => write!(
                f,
                "entries were reordered: entry {seq} should be at {expected_at} but is at {found_at}"
            ),
            Problem::Unlinked { seq, at } => write!(
                f,
                "entry {seq} ({at}) does not link to the entry before it: that entry was edited (hash recomputed) or this one was replaced"
            ),
            Problem::Truncated {
                anchor_seq,
                last_seq,
            } => write!(
                f,
                "the log was truncated: it ends at entry {last_seq}, but an anchor vouches for entry {anchor_seq}"
            ),
            Problem::BadCheckpoint { seq, at, reason } => {
                write!(f, "checkpoint entry {seq} ({at}) is not valid: {reason}")
            }
        }
    }
}

/// A (sequence number, hash) pair known from outside the log: the log must contain that
/// entry with that hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Anchor {
    pub seq: u64,
    pub hash: String,
}

/// What to check besides the chain itself.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Checkpoints must be signed by one of these keys (when not empty).
    pub trusted_keys: Vec<VerifyingKey>,
    pub anchors: Vec<Anchor>,
    /// Accept a log that starts after entry 1 (an export of a range): its first entry's
    /// `prev` is then taken on trust.
    pub partial: bool,
}

/// The last entry of a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// The outcome of a verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Entries verified before the first problem (all of them when there is none).
    pub entries: u64,
    pub first_seq: Option<u64>,
    pub head: Option<Head>,
    /// Valid signed checkpoints seen, and the last one's sequence number.
    pub checkpoints: u64,
    pub last_checkpoint: Option<u64>,
    /// Public keys (hex) that signed the checkpoints seen.
    pub checkpoint_keys: Vec<String>,
    pub anchors_checked: u64,
    pub problem: Option<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Some(p) => write!(
                f,
                "TAMPERED: {p} ({} entries verified before it)",
                self.entries
            ),
            None => {
                match &self.head {
                    None => write!(f, "ok: the audit log is empty")?,
                    Some(h) => write!(
                        f,
                        "ok: {} entries ({} to {}), head {}",
                        self.entries,
                        self.first_seq.unwrap_or(1),
                        h.seq,
                        h.hash
                    )?,
                }
                write!(f, "; signed checkpoints: {}", self.checkpoints)?;
                if let Some(c) = self.last_checkpoint {
                    write!(f, " (last at entry {c})")?;
                }
                if self.anchors_checked > 0 {
                    write!(f, "; {} anchors matched", self.anchors_checked)?;
                }
                Ok(())
            }
        }
    }
}

/// One record, read.
#[derive(Clone, Debug)]
struct Row {
    at: Location,
    /// The sequence number inside the entry.
    seq: u64,
    /// The sequence number the store keeps it under (= `seq` for files).
    stored_seq: u64,
    prev: String,
    hash: String,
    checkpoint: Option<Value>,
}

enum Pending {
    /// The row has the expected number but does not link: look at the next one.
    Link(Row),
    /// The row has a later number than expected: look for the expected one.
    Gap { row: Row, looked: usize },
}

/// The chain verifier: feed it records in order with [`Verifier::push`], then
/// [`Verifier::finish`].
pub struct Verifier {
    opts: VerifyOptions,
    expected: u64,
    prev: String,
    last_at: Option<Location>,
    started: bool,
    recent: VecDeque<(u64, String, Location)>,
    pending: Option<Pending>,
    report: VerifyReport,
}

impl Verifier {
    pub fn new(opts: VerifyOptions) -> Verifier {
        Verifier {
            opts,
            expected: 1,
            prev: GENESIS.to_owned(),
            last_at: None,
            started: false,
            recent: VecDeque::new(),
            pending: None,
            report: VerifyReport {
                entries: 0,
                first_seq: None,
                head: None,
                checkpoints: 0,
                last_checkpoint: None,
                checkpoint_keys: Vec::new(),
                anchors_checked: 0,
                problem: None,
            },
        }
    }

    /// Whether a problem has been found (feeding more changes nothing).
    pub fn done(&self) -> bool {
        self.report.problem.is_some()
    }

    /// Feeds the next record. Returns `false` once the first problem is settled.
    pub fn push(&mut self, at: Location, rec: &AuditRecord) -> bool {
        if self.done() {
            return false;
        }
        let row = read_row(at, rec);
        if let Some(p) = self.pending.take() {
            self.resolve(p, row.ok());
            return !self.done();
        }
        match row {
            Ok(row) => self.step(row),
            Err(p) => self.report.problem = Some(p),
        }
        !self.done()
    }

    /// Feeds a record that could not even be read (a line that is not JSON).
    pub fn push_unreadable(&mut self, at: Location, reason: String) -> bool {
        if self.done() {
            return false;
        }
        if let Some(p) = self.pending.take() {
            self.resolve(p, None);
        } else {
            self.report.problem = Some(Problem::Malformed { at, reason });
        }
        !self.done()
    }

    /// Ends the walk: settles a pending question and checks the anchors.
    pub fn finish(mut self) -> VerifyReport {
        if let Some(p) = self.pending.take() {
            match p {
                Pending::Link(row) => {
                    self.report.problem = Some(Problem::Unlinked {
                        seq: row.seq,
                        at: row.at,
                    })
                }
                Pending::Gap { row, .. } => self.deleted(&row),
            }
        }
        if !self.done() {
            let last = self.report.head.as_ref().map_or(0, |h| h.seq);
            if let Some(a) = self
                .opts
                .anchors
                .iter()
                .filter(|a| a.seq > last)
                .min_by_key(|a| a.seq)
            {
                self.report.problem = Some(Problem::Truncated {
                    anchor_seq: a.seq,
                    last_seq: last,
                });
            }
        }
        self.report
    }

    fn step(&mut self, row: Row) {
        if !self.started {
            self.started = true;
            if self.opts.partial && row.seq > 1 {
                self.expected = row.seq;
                self.prev = row.prev.clone();
            }
        }
        let e = self.expected;
        if row.seq == e && row.prev == self.prev {
            self.accept(row);
        } else if row.seq == e {
            self.pending = Some(Pending::Link(row));
        } else if row.seq > e {
            if row.prev == self.prev {
                // It links to its predecessor, so nothing is missing: its number was
                // changed (and its hash recomputed).
                self.report.problem = Some(Problem::Edited {
                    seq: e,
                    at: row.at,
                    how: Edit::SeqChanged,
                });
            } else {
                self.pending = Some(Pending::Gap { row, looked: 0 });
            }
        } else {
            let earlier = self.recent.iter().find(|(s, _, _)| *s == row.seq);
            self.report.problem = Some(Problem::Inserted {
                seq: row.seq,
                at: row.at,
                other: earlier.map(|(_, _, at)| *at),
                copy: earlier.is_some_and(|(_, h, _)| *h == row.hash),
            });
        }
    }

    fn resolve(&mut self, pending: Pending, next: Option<Row>) {
        match pending {
            Pending::Link(cur) => {
                self.report.problem = Some(match next {
                    Some(n) if n.seq == cur.seq && n.prev == self.prev => Problem::Inserted {
                        seq: cur.seq,
                        at: cur.at,
                        other: Some(n.at),
                        copy: false,
                    },
                    Some(n) if n.seq == cur.seq + 1 && n.prev == cur.hash => {
                        match self.last_at {
                            // The entry before was rewritten with a fresh hash.
                            Some(at) => Problem::Edited {
                                seq: cur.seq - 1,
                                at,
                                how: Edit::HashRecomputed,
                            },
                            // The first entry's own link was rewritten.
                            None => Problem::Edited {
                                seq: cur.seq,
                                at: cur.at,
                                how: Edit::HashRecomputed,
                            },
                        }
                    }
                    Some(_) => Problem::Edited {
                        seq: cur.seq,
                        at: cur.at,
                        how: Edit::Replaced,
                    },
                    None => Problem::Unlinked {
                        seq: cur.seq,
                        at: cur.at,
                    },
                });
            }
            Pending::Gap { row, looked } => match next {
                Some(n) if n.seq == self.expected => {
                    self.report.problem = Some(Problem::Reordered {
                        seq: n.seq,
                        expected_at: row.at,
                        found_at: n.at,
                    });
                }
                _ if looked + 1 >= LOOKAHEAD => self.deleted(&row),
                _ => {
                    self.pending = Some(Pending::Gap {
                        row,
                        looked: looked + 1,
                    })
                }
            },
        }
    }

    fn deleted(&mut self, row: &Row) {
        self.report.problem = Some(Problem::Deleted {
            first: self.expected,
            last: row.seq - 1,
            at: row.at,
        });
    }

    fn accept(&mut self, row: Row) {
        if row.stored_seq != row.seq {
            self.report.problem = Some(Problem::Edited {
                seq: row.seq,
                at: row.at,
                how: Edit::Column("seq".into()),
            });
            return;
        }
        if let Some(detail) = &row.checkpoint {
            match check_checkpoint(detail, row.seq, &row.prev, &self.opts.trusted_keys) {
                Ok(key) => {
                    self.report.checkpoints += 1;
                    self.report.last_checkpoint = Some(row.seq);
                    let k = hex::encode(key.as_bytes());
                    if !self.report.checkpoint_keys.contains(&k) {
                        self.report.checkpoint_keys.push(k);
                    }
                }
                Err(reason) => {
                    self.report.problem = Some(Problem::BadCheckpoint {
                        seq: row.seq,
                        at: row.at,
                        reason,
                    });
                    return;
                }
            }
        }
        for a in self.opts.anchors.iter().filter(|a| a.seq == row.seq) {
            if a.hash != row.hash {
                self.report.problem = Some(Problem::Edited {
                    seq: row.seq,
                    at: row.at,
                    how: Edit::DiffersFromAnchor,
                });
                return;
            }
            self.report.anchors_checked += 1;
        }
        self.report.entries += 1;
        self.report.first_seq.get_or_insert(row.seq);
        self.report.head = Some(Head {
            seq: row.seq,
            hash: row.hash.clone(),
        });
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back((row.seq, row.hash.clone(), row.at));
        self.expected = row.seq + 1;
        self.prev = row.hash;
        self.last_at = Some(row.at);
    }
}

/// Reads one record: its integrity on its own (hash, format, columns).
fn read_row(at: Location, rec: &AuditRecord) -> Result<Row, Problem> {
    let hash_ok = sha256_hex(rec.body.as_bytes()) == rec.hash;
    let edited = |seq: u64| Problem::Edited {
        seq,
        at,
        how: Edit::ContentChanged,
    };
    let value: Value = match serde_json::from_str(&rec.body) {
        Ok(v) => v,
        Err(e) if hash_ok => {
            return Err(Problem::Malformed {
                at,
                reason: format!("not JSON: {e}"),
            })
        }
        Err(_) => return Err(edited(rec.seq)),
    };
    let Some(obj) = value.as_object() else {
        return Err(if hash_ok {
            Problem::Malformed {
                at,
                reason: "an entry is a JSON object".into(),
            }
        } else {
            edited(rec.seq)
        });
    };
    let (format, seq, prev) = match envelope(obj) {
        Ok(v) => v,
        Err(reason) if hash_ok => return Err(Problem::Malformed { at, reason }),
        Err(_) => return Err(edited(rec.seq)),
    };
    if !hash_ok {
        return Err(edited(seq));
    }
    if format != FORMAT {
        return Err(Problem::Malformed {
            at,
            reason: format!("unknown format {format:?} (this build reads {FORMAT})"),
        });
    }
    if let Some(cols) = &rec.columns {
        let from_body = IndexColumns::from_body(&value).ok_or_else(|| Problem::Malformed {
            at,
            reason: "the entry lacks a time, actor, action or result".into(),
        })?;
        if let Some(c) = cols.first_difference(&from_body) {
            return Err(Problem::Edited {
                seq,
                at,
                how: Edit::Column(c.into()),
            });
        }
    }
    let checkpoint = (obj.get("action").and_then(Value::as_str) == Some("checkpoint"))
        .then(|| obj.get("detail").cloned().unwrap_or(Value::Null));
    Ok(Row {
        at,
        seq,
        stored_seq: rec.seq,
        prev: prev.to_owned(),
        hash: rec.hash.clone(),
        checkpoint,
    })
}
