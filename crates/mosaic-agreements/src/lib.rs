//! Agreements (MoUs and protocols) as first-class, signed documents — the machine-readable
//! form of paragraphs 25 and 26 of the reference text — and the deny-by-default decision
//! every exchange goes through (DESIGN §2 "Agreement", §4 rule 4).
//!
//! - [`document`]: what an agreement says (parties with their keys, purpose and
//!   principles, target group, the clauses of exchange, channel and contact points,
//!   meetings, dispute resolution, confidentiality and data-protection declarations,
//!   retention, onward transfer, each partner's responsibilities), validation by field,
//!   and the canonical text (RFC 8785) whose SHA-256 every party signs;
//! - [`keys`]: ed25519 keys and the key files of the data folder;
//! - [`lifecycle`]: draft → signed by each party → in force → amended → suspended →
//!   terminated, as events checked by a state machine;
//! - [`decide()`]: allowed only under an in-force agreement's clause that covers every
//!   dimension of the request, naming the agreement, version and clause; otherwise
//!   denied, saying why.
//!
//! Storage is `mosaic_store::agreements::AgreementStore` (an append-only event log per
//! agreement); this crate does no I/O except reading and writing key files.
#![forbid(unsafe_code)]

pub mod decide;
pub mod document;
pub mod example;
pub mod keys;
pub mod lifecycle;

pub use decide::{decide, AgreementRef, Decision, Denial, Gap, SharingRequest};
pub use document::{
    Agreement, AgreementId, AgreementKind, Clause, ClauseId, DataCategory, InvalidDocument,
    OnwardRule, Party, PartyId, PartyKind, Purpose, FORMAT,
};
pub use keys::{KeyError, PublicKey, SecretKey};
pub use lifecycle::{
    AgreementEvent, AgreementState, LifecycleError, Notice, NoticeAct, Status, VersionRecord,
    VersionStatus,
};

#[cfg(test)]
mod tests;
