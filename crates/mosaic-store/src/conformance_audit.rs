//! The audit conformance suite: every backend's [`AuditStore`] runs exactly these.
//!
//! A backend crate instantiates it with
//! `mosaic_store::conformance_audit_tests!(async { /* -> AuditHarness */ });`
//! where the expression builds a fresh, empty store for each test. (Tampering with the
//! stored rows is backend-specific SQL; each backend adds its own tamper tests.)

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use mosaic_audit::{
    Actor, AuditAction, AuditEvent, Outcome, Problem, SigningKey, VerifyOptions, GENESIS,
};
use mosaic_model::AgencyId;

use crate::audit::*;

/// An audit store under test plus whatever keeps it alive.
pub struct AuditHarness {
    pub audit: Arc<dyn AuditStore>,
    pub keep: Box<dyn std::any::Any + Send + Sync>,
}

/// Generates one `#[tokio::test]` per audit conformance test.
#[macro_export]
macro_rules! conformance_audit_tests {
    ($make:expr) => {
        $crate::conformance_audit_tests!(@each $make;
            an_empty_log_verifies,
            appends_chain_entries,
            ranges_page_in_order,
            batches_continue_the_chain,
            concurrent_appends_never_fork,
            nothing_is_truncated,
            checkpoints_sign_the_head,
            the_export_verifies_offline,
            search_filters_by_column,
            a_copied_chain_verifies_and_continues
        );
    };
    (@each $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let h: $crate::conformance_audit::AuditHarness = $make.await;
                $crate::conformance_audit::$name(&*h.audit).await;
                drop(h);
            }
        )+
    };
}

/// An audit event fixture: `n` varies actor, action, object and time.
pub fn event(n: u64) -> AuditEvent {
    AuditEvent {
        at: Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap() + Duration::seconds(n as i64),
        actor: Actor::new(
            format!("user:fr-ncc:usr:u{}", n % 3),
            Some(
                AgencyId::parse(if n.is_multiple_of(2) {
                    "fr-paf"
                } else {
                    "fr-gn"
                })
                .unwrap(),
            ),
        ),
        action: [AuditAction::Read, AuditAction::Search, AuditAction::Export][n as usize % 3],
        object: Some(format!("fr-ncc:rep:r{n}")),
        purpose: "case work".into(),
        case: None,
        result: Outcome::Allowed,
        detail: json!({"n": n}),
    }
}

async fn fill(s: &dyn AuditStore, n: u64) {
    let events: Vec<AuditEvent> = (1..=n).map(event).collect();
    s.append_audit_batch(&events).await.unwrap();
}

async fn assert_verifies(s: &dyn AuditStore, entries: u64) {
    let r = verify(s, VerifyOptions::default()).await.unwrap();
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.entries, entries);
}

pub async fn an_empty_log_verifies(s: &dyn AuditStore) {
    assert_eq!(s.audit_head().await.unwrap(), None);
    assert!(s.audit_range(0, 10).await.unwrap().is_empty());
    assert_verifies(s, 0).await;
}

pub async fn appends_chain_entries(s: &dyn AuditStore) {
    let mut prev = GENESIS.to_owned();
    for n in 1..=5 {
        let r = s.append_audit(&event(n)).await.unwrap();
        assert_eq!(r.seq, n);
        let e = r.entry().unwrap();
        assert_eq!((e.seq, e.prev.as_str()), (n, prev.as_str()));
        assert_eq!(e.event, event(n));
        assert_eq!(r.hash, mosaic_audit::sha256_hex(r.body.as_bytes()));
        prev = r.hash.clone();
        let head = s.audit_head().await.unwrap().unwrap();
        assert_eq!((head.seq, head.hash.as_str()), (n, r.hash.as_str()));
        // What was returned is what is stored.
        assert_eq!(s.audit_range(n, 1).await.unwrap(), vec![r]);
    }
    assert_verifies(s, 5).await;
}

pub async fn ranges_page_in_order(s: &dyn AuditStore) {
    fill(s, 25).await;
    let page = s.audit_range(10, 5).await.unwrap();
    let seqs: Vec<u64> = page.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![10, 11, 12, 13, 14]);
    assert!(page.iter().all(|r| r.columns.is_some()));
    assert_eq!(s.audit_range(24, 100).await.unwrap().len(), 2);
    assert!(s.audit_range(26, 100).await.unwrap().is_empty());
}

pub async fn batches_continue_the_chain(s: &dyn AuditStore) {
    s.append_audit(&event(1)).await.unwrap();
    let batch: Vec<AuditEvent> = (2..=11).map(event).collect();
    let recs = s.append_audit_batch(&batch).await.unwrap();
    assert_eq!(
        recs.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (2..=11).collect::<Vec<_>>()
    );
    assert!(s.append_audit_batch(&[]).await.unwrap().is_empty());
    s.append_audit(&event(12)).await.unwrap();
    assert_verifies(s, 12).await;
}

pub async fn concurrent_appends_never_fork(s: &dyn AuditStore) {
    // Borrowed store, so the writers run as joined futures on this task's runtime
    // (multi-threaded): enough to interleave at every await inside the backends.
    let writers = (0..8u64).map(|w| async move {
        for i in 0..15u64 {
            if i % 5 == 4 {
                let batch: Vec<AuditEvent> = (0..3).map(|k| event(w * 1000 + i * 10 + k)).collect();
                s.append_audit_batch(&batch).await.unwrap();
            } else {
                s.append_audit(&event(w * 1000 + i)).await.unwrap();
            }
        }
    });
    futures::future::join_all(writers).await;
    let total = 8 * (12 + 3 * 3);
    let head = s.audit_head().await.unwrap().unwrap();
    assert_eq!(head.seq, total);
    assert_verifies(s, total).await;
}

pub async fn nothing_is_truncated(s: &dyn AuditStore) {
    // 2 MiB of detail: far past what MISP keeps (64 KiB).
    let big: String = "Diff line with ünïcödé, \"quotes\" and \\ backslashes\n".repeat(40_000);
    let mut e = event(1);
    e.detail = json!({"before": big, "after": big.to_uppercase()});
    let r = s.append_audit(&e).await.unwrap();
    let back = s.audit_range(1, 1).await.unwrap().remove(0);
    assert_eq!(back.body.len(), r.body.len());
    assert_eq!(back, r);
    assert_eq!(back.entry().unwrap().event.detail, e.detail);
    assert_verifies(s, 1).await;
}

pub async fn checkpoints_sign_the_head(s: &dyn AuditStore) {
    let key = SigningKey::from_bytes(&[7; 32]);
    // On an empty log too.
    checkpoint(s, &key, &Actor::system("test")).await.unwrap();
    fill_more(s, 4).await;
    let c = checkpoint(s, &key, &Actor::system("test")).await.unwrap();
    assert_eq!(c.seq, 6);
    let trusted = VerifyOptions {
        trusted_keys: vec![key.verifying_key()],
        ..Default::default()
    };
    let r = verify(s, trusted).await.unwrap();
    assert!(r.is_ok(), "{r}");
    assert_eq!((r.checkpoints, r.last_checkpoint), (2, Some(6)));
    let other = VerifyOptions {
        trusted_keys: vec![SigningKey::from_bytes(&[8; 32]).verifying_key()],
        ..Default::default()
    };
    let r = verify(s, other).await.unwrap();
    assert!(
        matches!(r.problem, Some(Problem::BadCheckpoint { seq: 1, .. })),
        "{r}"
    );
}

async fn fill_more(s: &dyn AuditStore, n: u64) {
    for i in 0..n {
        s.append_audit(&event(100 + i)).await.unwrap();
    }
}

pub async fn the_export_verifies_offline(s: &dyn AuditStore) {
    fill(s, 30).await;
    let mut out: Vec<u8> = Vec::new();
    assert_eq!(export_jsonl(s, 0, &mut out).await.unwrap(), 30);
    let r = mosaic_audit::verify_jsonl(out.as_slice(), VerifyOptions::default()).unwrap();
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.head, s.audit_head().await.unwrap());
    // A range export verifies as a partial log.
    let mut tail: Vec<u8> = Vec::new();
    assert_eq!(export_jsonl(s, 21, &mut tail).await.unwrap(), 10);
    let partial = VerifyOptions {
        partial: true,
        ..Default::default()
    };
    assert!(mosaic_audit::verify_jsonl(tail.as_slice(), partial)
        .unwrap()
        .is_ok());
}

pub async fn search_filters_by_column(s: &dyn AuditStore) {
    fill(s, 30).await;
    let q = |f: fn(&mut AuditQuery)| {
        let mut q = AuditQuery {
            limit: 100,
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let seqs = |v: Vec<mosaic_audit::AuditRecord>| v.iter().map(|r| r.seq).collect::<Vec<_>>();
    let by_actor = s
        .audit_search(&q(|q| q.actor = Some("user:fr-ncc:usr:u1".into())))
        .await
        .unwrap();
    assert_eq!(
        seqs(by_actor),
        (1..=30).filter(|n| n % 3 == 1).collect::<Vec<_>>()
    );
    let by_object = s
        .audit_search(&q(|q| q.object = Some("fr-ncc:rep:r7".into())))
        .await
        .unwrap();
    assert_eq!(seqs(by_object), vec![7]);
    let exports_by_paf = s
        .audit_search(&q(|q| {
            q.action = Some("export".into());
            q.agency = Some("fr-paf".into());
        }))
        .await
        .unwrap();
    assert_eq!(
        seqs(exports_by_paf),
        (1..=30)
            .filter(|n| n % 3 == 2 && n % 2 == 0)
            .collect::<Vec<_>>()
    );
    let t = |n: i64| Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap() + Duration::seconds(n);
    let mut window = q(|_| {});
    window.from = Some(t(10));
    window.until = Some(t(13));
    assert_eq!(
        seqs(s.audit_search(&window).await.unwrap()),
        vec![10, 11, 12]
    );
    let mut paged = q(|_| {});
    paged.after = Some(27);
    paged.limit = 2;
    assert_eq!(seqs(s.audit_search(&paged).await.unwrap()), vec![28, 29]);
}

pub async fn a_copied_chain_verifies_and_continues(s: &dyn AuditStore) {
    // A chain sealed elsewhere (another store), restored verbatim.
    let mut prev = mosaic_audit::GENESIS.to_owned();
    let records: Vec<mosaic_audit::AuditRecord> = (1..=5u64)
        .map(|n| {
            let r = mosaic_audit::seal(&event(n), n, &prev);
            prev = r.hash.clone();
            r
        })
        .collect();
    // not continuing the (empty) head: refused, nothing written
    assert!(s.restore_audit(&records[1..]).await.is_err());
    assert!(s.audit_head().await.unwrap().is_none());
    s.restore_audit(&records[..3]).await.unwrap();
    s.restore_audit(&records[3..]).await.unwrap();
    assert_eq!(s.audit_range(1, 100).await.unwrap(), records);
    assert!(s.restore_audit(&records[4..]).await.is_err());
    let next = s.append_audit(&event(6)).await.unwrap();
    assert_eq!(next.seq, 6);
    assert_verifies(s, 6).await;
}
