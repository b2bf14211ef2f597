//! The referral conformance suite: every backend's [`ReferralStore`] runs these.
//!
//! Instantiate with `mosaic_store::conformance_referral_tests!(async { /* -> ReferralHarness */ });`.

use std::sync::Arc;

use chrono::{Duration, Utc};

use mosaic_model::{AgencyId, EntityId, ReportId};

use crate::referrals::*;

/// A referral store under test plus whatever keeps it alive.
pub struct ReferralHarness {
    pub referrals: Arc<dyn ReferralStore>,
    pub keep: Box<dyn std::any::Any + Send + Sync>,
}

/// Generates one `#[tokio::test]` per referral conformance test.
#[macro_export]
macro_rules! conformance_referral_tests {
    ($make:expr) => {
        $crate::conformance_referral_tests!(@each $make;
            create_read_list_and_withdraw,
            invalid_referrals_are_refused,
            referrals_restore_verbatim
        );
    };
    (@each $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let h: $crate::conformance_referrals::ReferralHarness = $make.await;
                $crate::conformance_referrals::$name(&*h.referrals).await;
                drop(h);
            }
        )+
    };
}

fn agency(s: &str) -> AgencyId {
    AgencyId::parse(s).unwrap()
}

/// A valid referral of person `p` from `from` to `to`.
pub fn sample(p: &str, from: &str, to: &str) -> NewReferral {
    let at = Utc::now();
    NewReferral {
        person: EntityId::parse(&format!("fr-ncc:ent:{p}")).unwrap(),
        from_agency: agency(from),
        to_agency: agency(to),
        grounds: vec![ReferralGround::Child],
        consent: Consent {
            by: ConsentBy::Guardian,
            method: ConsentMethod::Written,
            given_at: at - Duration::minutes(5),
            note: Some("explained in Tigrinya with an interpreter; form F-12".into()),
        },
        basis: ReferralBasis {
            agreement: "fr-ncc:agr:protection".into(),
            version: 1,
            clause: "3.2".into(),
        },
        package: vec![ReportId::parse("fr-ncc:rep:r1").unwrap()],
        created_by: "user:fr-ncc:usr:1".into(),
        at,
        note: None,
    }
}

pub async fn create_read_list_and_withdraw(s: &dyn ReferralStore) {
    let paf = agency("fr-paf");
    let ngo = agency("ngo-aid");
    let gn = agency("fr-gn");
    let new = sample("a", "fr-paf", "ngo-aid");
    let r = s.create_referral(&new).await.unwrap();
    assert_eq!(r.status, ReferralStatus::Active);
    assert_eq!(r.details, new);
    assert!(r.withdrawal.is_none());
    // both sides read it, a third agency cannot tell it exists
    assert_eq!(s.referral(r.id, &paf).await.unwrap().as_ref(), Some(&r));
    assert_eq!(s.referral(r.id, &ngo).await.unwrap().as_ref(), Some(&r));
    assert!(s.referral(r.id, &gn).await.unwrap().is_none());
    assert!(s.referral(r.id + 1000, &paf).await.unwrap().is_none());

    let other = s
        .create_referral(&sample("b", "fr-gn", "ngo-aid"))
        .await
        .unwrap();
    assert!(other.id > r.id);
    let ids = |v: Vec<Referral>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(s.referrals_of(&paf).await.unwrap()), vec![r.id]);
    assert_eq!(
        ids(s.referrals_of(&ngo).await.unwrap()),
        vec![r.id, other.id]
    );
    assert_eq!(ids(s.referrals_of(&gn).await.unwrap()), vec![other.id]);

    let w = Withdrawal {
        by: "user:ngo-aid:usr:2".into(),
        at: Utc::now(),
        reason: "consent withdrawn".into(),
    };
    // a third agency cannot withdraw it
    assert!(s.withdraw_referral(r.id, &gn, &w).await.unwrap().is_none());
    let done = s.withdraw_referral(r.id, &ngo, &w).await.unwrap().unwrap();
    assert_eq!(done.status, ReferralStatus::Withdrawn);
    assert_eq!(done.withdrawal.as_ref(), Some(&w));
    assert_eq!(s.referral(r.id, &paf).await.unwrap(), Some(done));
    // withdrawn once
    assert!(s.withdraw_referral(r.id, &paf, &w).await.unwrap().is_none());
}

pub async fn invalid_referrals_are_refused(s: &dyn ReferralStore) {
    let mut no_grounds = sample("a", "fr-paf", "ngo-aid");
    no_grounds.grounds.clear();
    let mut no_package = sample("a", "fr-paf", "ngo-aid");
    no_package.package.clear();
    let to_self = sample("a", "ngo-aid", "ngo-aid");
    let mut late = sample("a", "fr-paf", "ngo-aid");
    late.consent.given_at = late.at + Duration::hours(1);
    for bad in [no_grounds, no_package, to_self, late] {
        let e = s.create_referral(&bad).await.unwrap_err();
        assert!(matches!(e, crate::StoreError::Invalid(_)), "{e}");
    }
    assert!(s.referrals_page(0, 10).await.unwrap().is_empty());
}

pub async fn referrals_restore_verbatim(s: &dyn ReferralStore) {
    let a = s
        .create_referral(&sample("a", "fr-paf", "ngo-aid"))
        .await
        .unwrap();
    let mut copied = a.clone();
    copied.id = a.id + 10;
    copied.status = ReferralStatus::Withdrawn;
    copied.withdrawal = Some(Withdrawal {
        by: "user:x".into(),
        at: Utc::now(),
        reason: "case closed".into(),
    });
    s.restore_referrals(std::slice::from_ref(&copied))
        .await
        .unwrap();
    // an id already held is refused, and nothing of that batch is kept
    let mut dup = a.clone();
    dup.details.note = Some("changed".into());
    let mut fresh = a.clone();
    fresh.id = a.id + 20;
    assert!(s.restore_referrals(&[fresh, dup]).await.is_err());
    let page = s.referrals_page(0, 10).await.unwrap();
    assert_eq!(page, vec![a.clone(), copied.clone()]);
    assert_eq!(
        s.referrals_page(a.id, 10).await.unwrap(),
        vec![copied.clone()]
    );
    // the next id follows the largest
    let next = s
        .create_referral(&sample("c", "fr-paf", "ngo-aid"))
        .await
        .unwrap();
    assert!(next.id > copied.id);
}
