//! The agreement conformance suite: every backend's [`AgreementStore`] runs exactly these.
//!
//! A backend crate instantiates it with
//! `mosaic_store::conformance_agreement_tests!(async { /* -> AgreementHarness */ });`
//! where the expression builds a fresh, empty store for each test.

use std::sync::Arc;

use chrono::Duration;
use mosaic_agreements::example::{self, key, pid, t0};
use mosaic_agreements::{
    decide, AgreementEvent, AgreementId, DataCategory, LifecycleError, Notice, NoticeAct, Purpose,
    SharingRequest, Status,
};
use mosaic_model::{HandlingCode, Tlp};

use crate::agreements::*;

/// An agreement store under test plus whatever keeps it alive.
pub struct AgreementHarness {
    pub agreements: Arc<dyn AgreementStore>,
    pub keep: Box<dyn std::any::Any + Send + Sync>,
}

/// Generates one `#[tokio::test]` per agreement conformance test.
#[macro_export]
macro_rules! conformance_agreement_tests {
    ($make:expr) => {
        $crate::conformance_agreement_tests!(@each $make;
            a_lifecycle_round_trips,
            positions_are_checked,
            concurrent_writers_cannot_both_win,
            invalid_transitions_write_nothing,
            suspension_applies_at_once,
            agreements_are_listed_and_kept_apart,
            large_documents_round_trip
        );
    };
    (@each $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let h: $crate::conformance_agreements::AgreementHarness = $make.await;
                $crate::conformance_agreements::$name(&*h.agreements).await;
                drop(h);
            }
        )+
    };
}

fn aid(s: &str) -> AgreementId {
    AgreementId::parse(s).unwrap()
}

fn suspects() -> SharingRequest {
    SharingRequest {
        provider: pid("fr-ncc"),
        recipient: pid("be-ncc"),
        category: DataCategory::SuspectPersonalData,
        handling: HandlingCode::H0,
        tlp: Tlp::Amber,
        purpose: Purpose::Investigation,
        at: t0() + Duration::days(1),
    }
}

/// Records the example agreement `id` between `n` parties and brings it into force.
async fn bring_into_force(s: &dyn AgreementStore, id: &str, n: usize) {
    for e in example::in_force_events(&example::agreement(id, n)) {
        record(s, &aid(id), &e).await.unwrap();
    }
}

pub async fn a_lifecycle_round_trips(s: &dyn AgreementStore) {
    let doc = example::agreement("fr-ncc:agr:channel", 3);
    let events = example::in_force_events(&doc);
    let id = aid("fr-ncc:agr:channel");
    for (i, e) in events.iter().enumerate() {
        let st = record(s, &id, e).await.unwrap();
        assert_eq!(st.events, i as u64 + 1);
    }
    assert_eq!(s.agreement_events(&id).await.unwrap(), events);
    let st = load(s, &id).await.unwrap().unwrap();
    assert_eq!(st.status(), Status::InForce);
    assert_eq!(st.in_force().unwrap().hash, doc.hash());
    assert_eq!(st.in_force().unwrap().text, doc.canonical_text());
    assert!(load(s, &aid("fr-ncc:agr:none")).await.unwrap().is_none());
}

pub async fn positions_are_checked(s: &dyn AgreementStore) {
    let doc = example::agreement("fr-ncc:agr:channel", 2);
    let events = example::in_force_events(&doc);
    let id = aid("fr-ncc:agr:channel");
    s.append_agreement_event(&id, 0, &events[0]).await.unwrap();
    for wrong in [0, 2, 7] {
        let err = s
            .append_agreement_event(&id, wrong, &events[1])
            .await
            .unwrap_err();
        assert!(
            matches!(err, AgreementStoreError::Conflict { expected, found: 1, .. } if expected == wrong),
            "{err}"
        );
    }
    s.append_agreement_event(&id, 1, &events[1]).await.unwrap();
    assert_eq!(s.agreement_events(&id).await.unwrap(), events[..2].to_vec());
}

pub async fn concurrent_writers_cannot_both_win(s: &dyn AgreementStore) {
    let doc = example::agreement("fr-ncc:agr:channel", 2);
    let id = aid("fr-ncc:agr:channel");
    record(s, &id, &AgreementEvent::propose(&doc, t0()))
        .await
        .unwrap();
    // Two parties' signatures, both based on the state after the proposal.
    let a = AgreementEvent::sign(1, &doc.hash(), &pid("fr-ncc"), &key(1), t0());
    let b = AgreementEvent::sign(1, &doc.hash(), &pid("be-ncc"), &key(2), t0());
    let (ra, rb) = futures::future::join(
        s.append_agreement_event(&id, 1, &a),
        s.append_agreement_event(&id, 1, &b),
    )
    .await;
    assert!(ra.is_ok() != rb.is_ok(), "exactly one wins: {ra:?} {rb:?}");
    let lost = if ra.is_ok() { &b } else { &a };
    // The loser reloads and tries again: now it is the last signature.
    let st = record(s, &id, lost).await.unwrap();
    assert_eq!(st.status(), Status::InForce);
    assert_eq!(s.agreement_events(&id).await.unwrap().len(), 3);
}

pub async fn invalid_transitions_write_nothing(s: &dyn AgreementStore) {
    let doc = example::agreement("fr-ncc:agr:channel", 2);
    let id = aid("fr-ncc:agr:channel");
    // Nothing to sign yet.
    let sig = AgreementEvent::sign(1, &doc.hash(), &pid("fr-ncc"), &key(1), t0());
    assert!(matches!(
        record(s, &id, &sig).await,
        Err(AgreementStoreError::NotFound(_))
    ));
    // A proposal filed under another id.
    assert!(matches!(
        record(
            s,
            &aid("fr-ncc:agr:other"),
            &AgreementEvent::propose(&doc, t0())
        )
        .await,
        Err(AgreementStoreError::Lifecycle(
            LifecycleError::WrongAgreement { .. }
        ))
    ));
    record(s, &id, &AgreementEvent::propose(&doc, t0()))
        .await
        .unwrap();
    // A forged signature, a suspension of a draft.
    let forged = AgreementEvent::sign(1, &doc.hash(), &pid("be-ncc"), &key(1), t0());
    assert!(matches!(
        record(s, &id, &forged).await,
        Err(AgreementStoreError::Lifecycle(
            LifecycleError::BadSignature { .. }
        ))
    ));
    let n = Notice::signed(&id, NoticeAct::Suspend, &pid("fr-ncc"), "x", t0(), &key(1));
    assert!(matches!(
        record(s, &id, &AgreementEvent::Suspended { notice: n }).await,
        Err(AgreementStoreError::Lifecycle(LifecycleError::NotInForce))
    ));
    assert_eq!(s.agreement_events(&id).await.unwrap().len(), 1);
    assert_eq!(s.agreement_ids().await.unwrap(), vec![id]);
}

pub async fn suspension_applies_at_once(s: &dyn AgreementStore) {
    bring_into_force(s, "fr-ncc:agr:channel", 2).await;
    let id = aid("fr-ncc:agr:channel");
    assert!(decide(&load_all(s).await.unwrap(), &suspects()).is_allowed());
    let n = Notice::signed(
        &id,
        NoticeAct::Suspend,
        &pid("be-ncc"),
        "leak under investigation",
        t0(),
        &key(2),
    );
    record(s, &id, &AgreementEvent::Suspended { notice: n })
        .await
        .unwrap();
    let d = decide(&load_all(s).await.unwrap(), &suspects());
    assert!(!d.is_allowed(), "{d}");
    assert!(d.to_string().contains("leak under investigation"), "{d}");
    let n = Notice::signed(
        &id,
        NoticeAct::Terminate,
        &pid("fr-ncc"),
        "ended",
        t0(),
        &key(1),
    );
    record(s, &id, &AgreementEvent::Terminated { notice: n })
        .await
        .unwrap();
    assert_eq!(
        load(s, &id).await.unwrap().unwrap().status(),
        Status::Terminated
    );
}

pub async fn agreements_are_listed_and_kept_apart(s: &dyn AgreementStore) {
    for id in ["fr-ncc:agr:c", "fr-ncc:agr:a", "be-ncc:agr:b"] {
        bring_into_force(s, id, 2).await;
    }
    let ids: Vec<String> = s
        .agreement_ids()
        .await
        .unwrap()
        .iter()
        .map(|i| i.to_string())
        .collect();
    assert_eq!(ids, vec!["be-ncc:agr:b", "fr-ncc:agr:a", "fr-ncc:agr:c"]);
    for id in &ids {
        assert_eq!(s.agreement_events(&aid(id)).await.unwrap().len(), 3);
    }
    let all = load_all(s).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|a| a.status() == Status::InForce));
    // Decisions cite the first agreement by id.
    let d = decide(&all, &suspects());
    assert_eq!(d.agreement().unwrap().id.as_str(), "be-ncc:agr:b");
}

pub async fn large_documents_round_trip(s: &dyn AgreementStore) {
    let mut doc = example::agreement("fr-ncc:agr:large", 3);
    doc.confidentiality = "Annex: handling instructions. ".repeat(20_000);
    let events = example::in_force_events(&doc);
    for e in &events {
        record(s, &doc.id, e).await.unwrap();
    }
    assert_eq!(s.agreement_events(&doc.id).await.unwrap(), events);
    let st = load(s, &doc.id).await.unwrap().unwrap();
    assert_eq!(st.in_force().unwrap().doc, doc);
}
