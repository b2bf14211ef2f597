//! Signed checkpoints: an entry whose `detail` carries an ed25519 signature, by the
//! centre's key, over the sequence number and hash of the entry right before it.
//!
//! Why inside the chain rather than beside it: a checkpoint is then itself protected by
//! the chain, travels in every export, and is verified offline with no other file. Why
//! over the *previous* entry: the backend builds the checkpoint inside the append
//! transaction, when the head is known and cannot move.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{is_hash, Actor, AuditAction, AuditEvent, Outcome};

/// Domain separation: the centre's key also signs agreements, and a signature made for
/// one purpose must never be usable for another.
const DOMAIN: &[u8] = b"mosaic.audit/1 checkpoint\0";

/// What a checkpoint entry's `detail` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointDetail {
    /// The entry signed for (the one right before the checkpoint; 0 for an empty log).
    pub seq: u64,
    /// Its hash ([`crate::GENESIS`] for an empty log).
    pub hash: String,
    /// The signer's ed25519 public key, hex.
    pub key: String,
    /// ed25519 signature over [`checkpoint_message`], hex.
    pub signature: String,
}

/// The bytes a checkpoint signs: domain tag, sequence number (8 bytes, big-endian), hash.
pub fn checkpoint_message(seq: u64, hash: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 8 + 32);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(&hex::decode(hash).unwrap_or_default());
    m
}

/// The checkpoint event to append after the entry (`seq`, `hash`).
pub fn checkpoint_event(
    key: &SigningKey,
    actor: Actor,
    at: DateTime<Utc>,
    seq: u64,
    hash: &str,
) -> AuditEvent {
    let sig = key.sign(&checkpoint_message(seq, hash));
    let detail = CheckpointDetail {
        seq,
        hash: hash.to_owned(),
        key: hex::encode(key.verifying_key().as_bytes()),
        signature: hex::encode(sig.to_bytes()),
    };
    AuditEvent {
        at,
        actor,
        action: AuditAction::Checkpoint,
        object: None,
        purpose: "audit checkpoint".into(),
        case: None,
        result: Outcome::Allowed,
        detail: serde_json::to_value(detail).expect("checkpoint detail serialises"),
    }
}

/// Checks a checkpoint entry at `entry_seq` whose `prev` is `entry_prev`: it must sign
/// exactly the entry before it, with a valid signature, by a trusted key when any are
/// given. Returns the signer's public key.
pub fn check_checkpoint(
    detail: &Value,
    entry_seq: u64,
    entry_prev: &str,
    trusted: &[VerifyingKey],
) -> Result<VerifyingKey, String> {
    let d: CheckpointDetail = serde_json::from_value(detail.clone())
        .map_err(|e| format!("the checkpoint's detail does not read: {e}"))?;
    if d.seq + 1 != entry_seq || d.hash != entry_prev || !is_hash(&d.hash) {
        return Err(format!(
            "the checkpoint signs entry {} ({}), not the entry before it",
            d.seq,
            short(&d.hash)
        ));
    }
    let key_bytes: [u8; 32] = hex::decode(&d.key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the checkpoint's key is not 32 bytes of hex")?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| "the checkpoint's key is not an ed25519 public key")?;
    let sig_bytes: [u8; 64] = hex::decode(&d.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the checkpoint's signature is not 64 bytes of hex")?;
    key.verify(
        &checkpoint_message(d.seq, &d.hash),
        &Signature::from_bytes(&sig_bytes),
    )
    .map_err(|_| "the checkpoint's signature does not verify".to_owned())?;
    if !trusted.is_empty() && !trusted.contains(&key) {
        return Err(format!(
            "the checkpoint is signed by key {}, which is not a trusted key",
            short(&d.key)
        ));
    }
    Ok(key)
}

fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}
