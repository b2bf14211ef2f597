//! Storage of agreements: one append-only log of lifecycle events per agreement (the
//! documents, signatures and state machine live in `mosaic-agreements`).
//!
//! The store keeps events, never state. Loading replays the log through the state
//! machine, which verifies every signature again: an event edited in the database makes
//! the agreement fail to load ([`StoreError::Corrupt`]) instead of quietly changing what
//! may be shared.
//!
//! Appends are optimistic: the writer says at which position the event goes (the number
//! of events it based its decision on); if another writer got there first the append is
//! refused with [`AgreementStoreError::Conflict`], so two concurrent signatures or a
//! suspension racing a signature are each checked against the state they really follow.
//!
//! Every backend implements [`AgreementStore`] and runs `conformance_agreements`
//! (feature `conformance`).

use mosaic_agreements::{AgreementEvent, AgreementId, AgreementState, LifecycleError};

use crate::{Result, StoreError};

/// Errors of the agreement store.
#[derive(Debug, thiserror::Error)]
pub enum AgreementStoreError {
    /// The transition is not allowed (typed, from the state machine).
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error("agreement {id} changed meanwhile (event {expected} was expected to be next, the log has {found}); reload and try again")]
    Conflict {
        id: AgreementId,
        expected: u64,
        found: u64,
    },
    #[error("there is no agreement {0}")]
    NotFound(AgreementId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Storage of agreements' event logs.
#[async_trait::async_trait]
pub trait AgreementStore: Send + Sync {
    /// Appends `event` as event number `position` (0-based) of agreement `id`; refuses
    /// with `Conflict` if the log does not have exactly `position` events. The store does
    /// not judge the event: use [`record`], which checks it against the state first.
    async fn append_agreement_event(
        &self,
        id: &AgreementId,
        position: u64,
        event: &AgreementEvent,
    ) -> std::result::Result<(), AgreementStoreError>;

    /// The log of one agreement, in order (empty if unknown).
    async fn agreement_events(&self, id: &AgreementId) -> Result<Vec<AgreementEvent>>;

    /// Every agreement id, in order.
    async fn agreement_ids(&self) -> Result<Vec<AgreementId>>;
}

/// Loads an agreement by replaying its log.
pub async fn load(
    store: &dyn AgreementStore,
    id: &AgreementId,
) -> std::result::Result<Option<AgreementState>, AgreementStoreError> {
    let events = store.agreement_events(id).await?;
    if events.is_empty() {
        return Ok(None);
    }
    let s = AgreementState::replay(&events).map_err(|e| {
        StoreError::Corrupt(format!(
            "agreement {id}: its stored log does not replay: {e}"
        ))
    })?;
    if &s.id != id {
        return Err(
            StoreError::Corrupt(format!("agreement {id}: its log is the log of {}", s.id)).into(),
        );
    }
    Ok(Some(s))
}

/// Loads every agreement (what [`mosaic_agreements::decide`] decides against).
pub async fn load_all(
    store: &dyn AgreementStore,
) -> std::result::Result<Vec<AgreementState>, AgreementStoreError> {
    let mut out = Vec::new();
    for id in store.agreement_ids().await? {
        if let Some(s) = load(store, &id).await? {
            out.push(s);
        }
    }
    Ok(out)
}

/// Checks `event` against agreement `id`'s current state and appends it; returns the
/// new state. A proposal of version 1 starts a new agreement.
pub async fn record(
    store: &dyn AgreementStore,
    id: &AgreementId,
    event: &AgreementEvent,
) -> std::result::Result<AgreementState, AgreementStoreError> {
    let (position, state) = match load(store, id).await? {
        Some(mut s) => {
            let position = s.events;
            s.apply(event)?;
            (position, s)
        }
        None => {
            if !matches!(event, AgreementEvent::Proposed { .. }) {
                return Err(AgreementStoreError::NotFound(id.clone()));
            }
            let s = AgreementState::start(event)?;
            if &s.id != id {
                return Err(LifecycleError::WrongAgreement {
                    expected: id.clone(),
                    found: s.id,
                }
                .into());
            }
            (0, s)
        }
    };
    store.append_agreement_event(id, position, event).await?;
    Ok(state)
}
