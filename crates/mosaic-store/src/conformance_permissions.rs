//! The permission conformance suite: every backend's [`PermissionStore`] runs these.
//!
//! Instantiate with `mosaic_store::conformance_permission_tests!(async { /* -> PermissionHarness */ });`.

use std::sync::Arc;

use chrono::Utc;

use mosaic_model::{AgencyId, ReportId};

use crate::permissions::*;

/// A permission store under test plus whatever keeps it alive.
pub struct PermissionHarness {
    pub permissions: Arc<dyn PermissionStore>,
    pub keep: Box<dyn std::any::Any + Send + Sync>,
}

/// Generates one `#[tokio::test]` per permission conformance test.
#[macro_export]
macro_rules! conformance_permission_tests {
    ($make:expr) => {
        $crate::conformance_permission_tests!(@each $make;
            request_grant_refuse_and_list,
            a_request_is_decided_once,
            requests_restore_verbatim
        );
    };
    (@each $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let h: $crate::conformance_permissions::PermissionHarness = $make.await;
                $crate::conformance_permissions::$name(&*h.permissions).await;
                drop(h);
            }
        )+
    };
}

fn req(report: &str, provider: &str, requester: &str) -> NewPermissionRequest {
    NewPermissionRequest {
        report_id: ReportId::parse(report).unwrap(),
        provider: AgencyId::parse(provider).unwrap(),
        requester: AgencyId::parse(requester).unwrap(),
        requested_by: "user:fr-ncc:usr:1".into(),
        purpose: "case 42: prosecution file".into(),
        at: Utc::now(),
    }
}

pub async fn request_grant_refuse_and_list(s: &dyn PermissionStore) {
    let paf = AgencyId::parse("fr-paf").unwrap();
    let gn = AgencyId::parse("fr-gn").unwrap();
    let douane = AgencyId::parse("fr-douane").unwrap();
    let rid = ReportId::parse("fr-ncc:rep:r1").unwrap();
    let a = s
        .request_permission(&req("fr-ncc:rep:r1", "fr-paf", "fr-gn"))
        .await
        .unwrap();
    assert_eq!(a.status, PermissionStatus::Pending);
    assert!(!s.permission_granted(&rid, &gn).await.unwrap());
    // only the provider decides; another agency's attempt is like no request at all
    assert!(s
        .decide_permission(a.id, &douane, true, "user:x", Utc::now(), None)
        .await
        .unwrap()
        .is_none());
    let g = s
        .decide_permission(a.id, &paf, true, "user:p", Utc::now(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.status, PermissionStatus::Granted);
    assert!(s.permission_granted(&rid, &gn).await.unwrap());
    assert!(!s.permission_granted(&rid, &douane).await.unwrap());
    // decided once
    assert!(s
        .decide_permission(a.id, &paf, false, "user:p", Utc::now(), None)
        .await
        .unwrap()
        .is_none());
    let b = s
        .request_permission(&req("fr-ncc:rep:r2", "fr-paf", "fr-douane"))
        .await
        .unwrap();
    assert!(b.id > a.id);
    let r = s
        .decide_permission(b.id, &paf, false, "user:p", Utc::now(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, PermissionStatus::Refused);
    assert_eq!(s.permissions_of(&paf).await.unwrap().len(), 2);
    assert_eq!(s.permissions_of(&gn).await.unwrap(), vec![g]);
    assert_eq!(s.permissions_of(&douane).await.unwrap(), vec![r]);
    assert!(s
        .request_permission(&NewPermissionRequest {
            purpose: " ".into(),
            ..req("fr-ncc:rep:r3", "fr-paf", "fr-gn")
        })
        .await
        .is_err());
}

pub async fn a_request_is_decided_once(s: &dyn PermissionStore) {
    let paf = AgencyId::parse("fr-paf").unwrap();
    let a = s
        .request_permission(&req("fr-ncc:rep:r1", "fr-paf", "fr-gn"))
        .await
        .unwrap();
    // Racing decisions: exactly one of them takes effect.
    let decisions = (0..6).map(|i| {
        let paf = paf.clone();
        async move {
            s.decide_permission(
                a.id,
                &paf,
                i % 2 == 0,
                &format!("user:{i}"),
                Utc::now(),
                None,
            )
            .await
            .unwrap()
        }
    });
    let won: Vec<_> = futures::future::join_all(decisions)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(won.len(), 1, "{won:?}");
    let stored = s.permissions_of(&paf).await.unwrap();
    assert_eq!(stored, won);
}

pub async fn requests_restore_verbatim(s: &dyn PermissionStore) {
    let at = chrono::DateTime::from_timestamp_micros(1_740_000_000_123_456).unwrap();
    let r = |id: i64, status: PermissionStatus| PermissionRequest {
        id,
        report_id: ReportId::parse("fr-ncc:rep:r1").unwrap(),
        provider: AgencyId::parse("fr-paf").unwrap(),
        requester: AgencyId::parse("fr-gn").unwrap(),
        requested_by: "user:fr-ncc:usr:1".into(),
        purpose: format!("copied {id}"),
        status,
        decided_by: (status != PermissionStatus::Pending).then(|| "user:p".to_owned()),
        requested_at: at,
        decided_at: (status != PermissionStatus::Pending).then_some(at),
        expires_at: (status == PermissionStatus::Revoked).then_some(at),
        revoked_by: (status == PermissionStatus::Revoked).then(|| "user:p".to_owned()),
        revoked_at: (status == PermissionStatus::Revoked).then_some(at),
    };
    let copied = vec![
        r(3, PermissionStatus::Granted),
        r(5, PermissionStatus::Revoked),
        r(7, PermissionStatus::Pending),
    ];
    s.restore_permission_requests(&copied).await.unwrap();
    assert_eq!(s.permission_requests_page(0, 100).await.unwrap(), copied);
    assert_eq!(
        s.permission_requests_page(3, 100).await.unwrap(),
        copied[1..].to_vec()
    );
    assert!(s
        .permission_granted(&copied[0].report_id, &copied[0].requester)
        .await
        .unwrap());
    let next = s
        .request_permission(&req("fr-ncc:rep:r2", "fr-paf", "fr-gn"))
        .await
        .unwrap();
    assert!(next.id > 7, "{}", next.id);
    assert!(s
        .restore_permission_requests(&[
            r(20, PermissionStatus::Refused),
            r(7, PermissionStatus::Refused)
        ])
        .await
        .is_err());
    // the three copied and the one requested since: the failed restore left nothing
    assert_eq!(s.permission_requests_page(0, 100).await.unwrap().len(), 4);
}
