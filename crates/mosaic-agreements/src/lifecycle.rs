//! The lifecycle of an agreement as a state machine over an append-only log of events.
//!
//! ```text
//!  propose v1 ──► pending ──(every party signed the same hash)──► in force ◄─┐
//!                   ▲  │                                           │   │      │ resume
//!   propose v+1 ────┘  └─(propose v+1: this one is withdrawn)      │   └─► suspended
//!   (amendment; the version in force stays in force until v+1 is)  │          │
//!                                                                  ▼          ▼
//!                                                       terminate (from any state) ──► terminated
//! ```
//!
//! Rules, each a typed [`LifecycleError`] when broken:
//! - a version comes into force only when **every** party has signed **its** hash; a
//!   signature made over any other text never counts (it does not verify);
//! - an amendment (version v+1) names the hash of version v, and needs the signatures of
//!   every party to it *and* every party to the version in force (nobody is amended out
//!   of an agreement without their consent); until then version v stays in force;
//! - suspension (by any party to the version in force) stops sharing at once; only the
//!   party that suspended can resume;
//! - termination is final: nothing happens to a terminated agreement.
//!
//! State is never stored, only events: [`AgreementState::replay`] rebuilds it and checks
//! every signature again, so an edited row in the store makes the agreement unreadable
//! rather than silently different.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use mosaic_model::jcs;

use crate::document::{text_hash, Agreement, AgreementId, InvalidDocument, PartyId};
use crate::keys::{PublicKey, SecretKey};

/// Domain separation for signatures over an agreement's text hash.
const SIGNATURE_DOMAIN: &[u8] = b"mosaic.agreement/1 signature\0";
/// Domain separation for signed notices (suspend, resume, terminate).
const NOTICE_DOMAIN: &[u8] = b"mosaic.agreement/1 notice\0";

/// The bytes a party signs to agree to the text with this hash.
pub fn signature_message(hash: &str) -> Vec<u8> {
    let mut m = SIGNATURE_DOMAIN.to_vec();
    m.extend_from_slice(&hex::decode(hash).unwrap_or_default());
    m
}

/// A party's signature (hex) over the text with this hash.
pub fn sign_hash(hash: &str, key: &SecretKey) -> String {
    key.sign(&signature_message(hash))
}

/// What a notice declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeAct {
    Suspend,
    Resume,
    Terminate,
}

/// A declaration by one party, signed with its key: suspension, resumption, termination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub agreement: AgreementId,
    pub act: NoticeAct,
    pub party: PartyId,
    pub at: DateTime<Utc>,
    pub reason: String,
    /// ed25519 over the notice without this field (see [`Notice::message`]), hex.
    pub signature: String,
}

impl Notice {
    /// A notice signed by `key`.
    pub fn signed(
        agreement: &AgreementId,
        act: NoticeAct,
        party: &PartyId,
        reason: &str,
        at: DateTime<Utc>,
        key: &SecretKey,
    ) -> Notice {
        let mut n = Notice {
            agreement: agreement.clone(),
            act,
            party: party.clone(),
            at,
            reason: reason.to_owned(),
            signature: String::new(),
        };
        n.signature = key.sign(&n.message());
        n
    }

    /// The bytes signed: domain tag and SHA-256 of the canonical notice minus signature.
    pub fn message(&self) -> Vec<u8> {
        let mut v = serde_json::to_value(self).expect("a notice serialises");
        if let Some(m) = v.as_object_mut() {
            m.remove("signature");
        }
        let mut msg = NOTICE_DOMAIN.to_vec();
        msg.extend_from_slice(&Sha256::digest(jcs::to_vec(&v)));
        msg
    }
}

/// One entry of an agreement's log. Serialised as JSON in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AgreementEvent {
    /// A version's canonical text is put forward (the original or an amendment).
    Proposed {
        version: u32,
        /// The canonical text (RFC 8785 JSON): exactly what is hashed and signed.
        text: String,
        hash: String,
        at: DateTime<Utc>,
    },
    /// A party signed a version's hash.
    Signed {
        version: u32,
        hash: String,
        party: PartyId,
        signature: String,
        at: DateTime<Utc>,
    },
    Suspended {
        notice: Notice,
    },
    Resumed {
        notice: Notice,
    },
    Terminated {
        notice: Notice,
    },
}

impl AgreementEvent {
    /// The proposal of a document (its canonical text and hash).
    pub fn propose(doc: &Agreement, at: DateTime<Utc>) -> AgreementEvent {
        let text = doc.canonical_text();
        AgreementEvent::Proposed {
            version: doc.version,
            hash: text_hash(&text),
            text,
            at,
        }
    }

    /// `party`'s signature on a version, made with `key`.
    pub fn sign(
        version: u32,
        hash: &str,
        party: &PartyId,
        key: &SecretKey,
        at: DateTime<Utc>,
    ) -> AgreementEvent {
        AgreementEvent::Signed {
            version,
            hash: hash.to_owned(),
            party: party.clone(),
            signature: sign_hash(hash, key),
            at,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            AgreementEvent::Proposed { .. } => "proposed",
            AgreementEvent::Signed { .. } => "signed",
            AgreementEvent::Suspended { .. } => "suspended",
            AgreementEvent::Resumed { .. } => "resumed",
            AgreementEvent::Terminated { .. } => "terminated",
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            AgreementEvent::Proposed { at, .. } | AgreementEvent::Signed { at, .. } => *at,
            AgreementEvent::Suspended { notice }
            | AgreementEvent::Resumed { notice }
            | AgreementEvent::Terminated { notice } => notice.at,
        }
    }
}

/// Where one version stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Awaiting signatures.
    Pending,
    InForce,
    /// Was in force; replaced by a later version.
    Superseded,
    /// Never came into force; a later version was proposed instead.
    Withdrawn,
}

impl fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionStatus::Pending => "pending signatures",
            VersionStatus::InForce => "in force",
            VersionStatus::Superseded => "superseded",
            VersionStatus::Withdrawn => "withdrawn",
        })
    }
}

/// A party's recorded signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartySignature {
    pub signature: String,
    pub at: DateTime<Utc>,
}

/// One version of an agreement and its signatures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionRecord {
    pub doc: Agreement,
    pub text: String,
    pub hash: String,
    pub proposed_at: DateTime<Utc>,
    /// Who must sign for this version to come into force, with the key each signs with.
    pub signers: BTreeMap<PartyId, PublicKey>,
    pub signatures: BTreeMap<PartyId, PartySignature>,
    pub status: VersionStatus,
    /// When the last signature arrived (for a version that came into force).
    pub in_force_since: Option<DateTime<Utc>>,
}

impl VersionRecord {
    /// Parties whose signature is still missing.
    pub fn missing(&self) -> Vec<&PartyId> {
        self.signers
            .keys()
            .filter(|p| !self.signatures.contains_key(*p))
            .collect()
    }
}

/// Where the agreement as a whole stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No version has come into force yet.
    Draft,
    InForce,
    Suspended,
    Terminated,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Draft => "draft",
            Status::InForce => "in force",
            Status::Suspended => "suspended",
            Status::Terminated => "terminated",
        })
    }
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("an agreement's log starts with the proposal of version 1")]
    NotStarted,
    #[error("agreement {0} already exists")]
    AlreadyExists(AgreementId),
    #[error("this event belongs to agreement {found}, not {expected}")]
    WrongAgreement {
        expected: AgreementId,
        found: AgreementId,
    },
    #[error(transparent)]
    Invalid(#[from] InvalidDocument),
    #[error(
        "the proposed text is not what its hash says (hash {claimed}, text hashes to {actual})"
    )]
    TextHash { claimed: String, actual: String },
    #[error("the proposed text is not in canonical form (RFC 8785)")]
    NotCanonical,
    #[error("the next version is {expected}, not {found}")]
    WrongVersion { expected: u32, found: u32 },
    #[error("version {version} must amend the hash of version {previous} ({expected})")]
    WrongAmends {
        version: u32,
        previous: u32,
        expected: String,
    },
    #[error("agreement {0} is terminated: nothing more can happen to it")]
    Terminated(AgreementId),
    #[error("there is no version {0}")]
    UnknownVersion(u32),
    #[error("version {version} is {status}: it can no longer be signed")]
    NotPending { version: u32, status: VersionStatus },
    #[error("{party} is not among the parties who sign version {version}")]
    NotASigner { party: PartyId, version: u32 },
    #[error(
        "the signature is over another text (hash {signed}); version {version} has hash {actual}"
    )]
    HashMismatch {
        version: u32,
        signed: String,
        actual: String,
    },
    #[error("{party}'s signature does not verify against its key for version {version}")]
    BadSignature { party: PartyId, version: u32 },
    #[error("{party} has already signed version {version}")]
    AlreadySigned { party: PartyId, version: u32 },
    #[error("no version of the agreement is in force")]
    NotInForce,
    #[error("the agreement is already suspended (by {0})")]
    AlreadySuspended(PartyId),
    #[error("the agreement is not suspended")]
    NotSuspended,
    #[error("only {suspended_by}, who suspended the agreement, can resume it")]
    NotTheSuspender { suspended_by: PartyId },
    #[error("{0} is not a party to the agreement")]
    NotAParty(PartyId),
    #[error("{party}'s notice does not verify against its key")]
    BadNotice { party: PartyId },
    #[error("a {act:?} notice cannot be recorded as a {event} event")]
    NoticeMismatch { act: NoticeAct, event: &'static str },
}

/// An agreement: every version, its signatures, and whether it is suspended or ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgreementState {
    pub id: AgreementId,
    /// Index `v - 1` holds version `v`.
    pub versions: Vec<VersionRecord>,
    pub suspended: Option<Notice>,
    pub terminated: Option<Notice>,
    /// Events applied so far (the expected position of the next one in the store).
    pub events: u64,
}

impl AgreementState {
    /// Rebuilds the state from its log, checking every event (and signature) again.
    pub fn replay(events: &[AgreementEvent]) -> Result<AgreementState, LifecycleError> {
        let (first, rest) = events.split_first().ok_or(LifecycleError::NotStarted)?;
        let mut s = AgreementState::start(first)?;
        for e in rest {
            s.apply(e)?;
        }
        Ok(s)
    }

    /// The state after the first event (the proposal of version 1).
    pub fn start(first: &AgreementEvent) -> Result<AgreementState, LifecycleError> {
        let AgreementEvent::Proposed { version, .. } = first else {
            return Err(LifecycleError::NotStarted);
        };
        if *version != 1 {
            return Err(LifecycleError::NotStarted);
        }
        let doc = read_proposal(first)?;
        let mut s = AgreementState {
            id: doc.id.clone(),
            versions: Vec::new(),
            suspended: None,
            terminated: None,
            events: 0,
        };
        s.apply(first)?;
        Ok(s)
    }

    /// Checks an event against the current state and applies it. On error the state is
    /// unchanged.
    pub fn apply(&mut self, event: &AgreementEvent) -> Result<(), LifecycleError> {
        if self.terminated.is_some() {
            return Err(LifecycleError::Terminated(self.id.clone()));
        }
        match event {
            AgreementEvent::Proposed { at, .. } => self.propose(event, *at)?,
            AgreementEvent::Signed {
                version,
                hash,
                party,
                signature,
                at,
            } => self.sign(*version, hash, party, signature, *at)?,
            AgreementEvent::Suspended { notice } => {
                self.check_notice(notice, NoticeAct::Suspend, "suspended")?;
                if let Some(s) = &self.suspended {
                    return Err(LifecycleError::AlreadySuspended(s.party.clone()));
                }
                if self.in_force().is_none() {
                    return Err(LifecycleError::NotInForce);
                }
                self.suspended = Some(notice.clone());
            }
            AgreementEvent::Resumed { notice } => {
                self.check_notice(notice, NoticeAct::Resume, "resumed")?;
                let Some(s) = &self.suspended else {
                    return Err(LifecycleError::NotSuspended);
                };
                if s.party != notice.party {
                    return Err(LifecycleError::NotTheSuspender {
                        suspended_by: s.party.clone(),
                    });
                }
                self.suspended = None;
            }
            AgreementEvent::Terminated { notice } => {
                self.check_notice(notice, NoticeAct::Terminate, "terminated")?;
                self.terminated = Some(notice.clone());
            }
        }
        self.events += 1;
        Ok(())
    }

    fn propose(&mut self, event: &AgreementEvent, at: DateTime<Utc>) -> Result<(), LifecycleError> {
        let doc = read_proposal(event)?;
        if doc.id != self.id {
            return Err(LifecycleError::WrongAgreement {
                expected: self.id.clone(),
                found: doc.id,
            });
        }
        let expected = self.versions.len() as u32 + 1;
        if doc.version != expected {
            return Err(if doc.version == 1 {
                LifecycleError::AlreadyExists(self.id.clone())
            } else {
                LifecycleError::WrongVersion {
                    expected,
                    found: doc.version,
                }
            });
        }
        if let Some(prev) = self.versions.last() {
            if doc.amends.as_deref() != Some(prev.hash.as_str()) {
                return Err(LifecycleError::WrongAmends {
                    version: doc.version,
                    previous: prev.doc.version,
                    expected: prev.hash.clone(),
                });
            }
        }
        // Every party to the new text signs with the key it states there; a party to the
        // version in force that the new text drops must consent too, with its old key.
        let mut signers: BTreeMap<PartyId, PublicKey> = BTreeMap::new();
        if let Some(current) = self.in_force() {
            for p in &current.doc.parties {
                signers.insert(p.id.clone(), p.public_key);
            }
        }
        for p in &doc.parties {
            signers.insert(p.id.clone(), p.public_key);
        }
        for v in &mut self.versions {
            if v.status == VersionStatus::Pending {
                v.status = VersionStatus::Withdrawn;
            }
        }
        let AgreementEvent::Proposed { text, hash, .. } = event else {
            unreachable!("read_proposal accepted it")
        };
        tracing::debug!(agreement = %self.id, version = doc.version, "version proposed");
        self.versions.push(VersionRecord {
            doc,
            text: text.clone(),
            hash: hash.clone(),
            proposed_at: at,
            signers,
            signatures: BTreeMap::new(),
            status: VersionStatus::Pending,
            in_force_since: None,
        });
        Ok(())
    }

    fn sign(
        &mut self,
        version: u32,
        hash: &str,
        party: &PartyId,
        signature: &str,
        at: DateTime<Utc>,
    ) -> Result<(), LifecycleError> {
        let idx = (version as usize)
            .checked_sub(1)
            .filter(|i| *i < self.versions.len())
            .ok_or(LifecycleError::UnknownVersion(version))?;
        let v = &self.versions[idx];
        if v.status != VersionStatus::Pending {
            return Err(LifecycleError::NotPending {
                version,
                status: v.status,
            });
        }
        let key = v.signers.get(party).ok_or(LifecycleError::NotASigner {
            party: party.clone(),
            version,
        })?;
        if v.signatures.contains_key(party) {
            return Err(LifecycleError::AlreadySigned {
                party: party.clone(),
                version,
            });
        }
        if hash != v.hash {
            return Err(LifecycleError::HashMismatch {
                version,
                signed: hash.to_owned(),
                actual: v.hash.clone(),
            });
        }
        // Verified over the version's own hash, whatever the event claims.
        if !key.verify(&signature_message(&v.hash), signature) {
            return Err(LifecycleError::BadSignature {
                party: party.clone(),
                version,
            });
        }
        let v = &mut self.versions[idx];
        v.signatures.insert(
            party.clone(),
            PartySignature {
                signature: signature.to_owned(),
                at,
            },
        );
        if v.missing().is_empty() {
            v.status = VersionStatus::InForce;
            v.in_force_since = Some(at);
            for (i, other) in self.versions.iter_mut().enumerate() {
                if i != idx && other.status == VersionStatus::InForce {
                    other.status = VersionStatus::Superseded;
                }
            }
            tracing::info!(agreement = %self.id, version, "agreement version in force");
        }
        Ok(())
    }

    /// The version whose parties and keys govern notices: the one in force, else the latest.
    pub fn governing(&self) -> &VersionRecord {
        self.in_force().unwrap_or_else(|| {
            self.versions
                .last()
                .expect("a started agreement has a version")
        })
    }

    fn check_notice(
        &self,
        notice: &Notice,
        act: NoticeAct,
        event: &'static str,
    ) -> Result<(), LifecycleError> {
        if notice.act != act {
            return Err(LifecycleError::NoticeMismatch {
                act: notice.act,
                event,
            });
        }
        if notice.agreement != self.id {
            return Err(LifecycleError::WrongAgreement {
                expected: self.id.clone(),
                found: notice.agreement.clone(),
            });
        }
        let party = self
            .governing()
            .doc
            .party(&notice.party)
            .ok_or_else(|| LifecycleError::NotAParty(notice.party.clone()))?;
        if !party
            .public_key
            .verify(&notice.message(), &notice.signature)
        {
            return Err(LifecycleError::BadNotice {
                party: notice.party.clone(),
            });
        }
        Ok(())
    }

    /// The version in force, if any (regardless of suspension).
    pub fn in_force(&self) -> Option<&VersionRecord> {
        self.versions
            .iter()
            .find(|v| v.status == VersionStatus::InForce)
    }

    /// The latest version (in force or not).
    pub fn latest(&self) -> &VersionRecord {
        self.versions
            .last()
            .expect("a started agreement has a version")
    }

    /// The version awaiting signatures, if any.
    pub fn pending(&self) -> Option<&VersionRecord> {
        self.versions
            .iter()
            .find(|v| v.status == VersionStatus::Pending)
    }

    pub fn version(&self, v: u32) -> Option<&VersionRecord> {
        (v as usize)
            .checked_sub(1)
            .and_then(|i| self.versions.get(i))
    }

    pub fn status(&self) -> Status {
        if self.terminated.is_some() {
            Status::Terminated
        } else if self.suspended.is_some() {
            Status::Suspended
        } else if self.in_force().is_some() {
            Status::InForce
        } else {
            Status::Draft
        }
    }

    /// The party whose key this is, among the signers of the pending version or the
    /// parties of the governing version.
    pub fn party_with_key(&self, key: &PublicKey) -> Option<PartyId> {
        self.pending()
            .and_then(|v| v.signers.iter().find(|(_, k)| *k == key))
            .map(|(p, _)| p.clone())
            .or_else(|| {
                self.governing()
                    .doc
                    .parties
                    .iter()
                    .find(|p| &p.public_key == key)
                    .map(|p| p.id.clone())
            })
    }
}

/// Reads a proposal's document, checking its hash, canonical form and validity.
fn read_proposal(event: &AgreementEvent) -> Result<Agreement, LifecycleError> {
    let AgreementEvent::Proposed {
        version,
        text,
        hash,
        ..
    } = event
    else {
        return Err(LifecycleError::NotStarted);
    };
    let actual = text_hash(text);
    if &actual != hash {
        return Err(LifecycleError::TextHash {
            claimed: hash.clone(),
            actual,
        });
    }
    let doc = Agreement::from_json(text)?;
    // One text, one hash: a non-canonical spelling of the same document would be a
    // second hash for the same agreement.
    if doc.canonical_text() != *text {
        return Err(LifecycleError::NotCanonical);
    }
    if doc.version != *version {
        return Err(LifecycleError::WrongVersion {
            expected: *version,
            found: doc.version,
        });
    }
    Ok(doc)
}
