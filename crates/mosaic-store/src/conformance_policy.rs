//! Conformance suite for what the policy layer relies on (issue 6): the granted-reports
//! clause of a scope (H2 grants), restrictions a provider adds later (a new version
//! with stricter labels), and retention. Every backend instantiates
//! `conformance_policy_tests!` next to `conformance_tests!`.

use std::collections::BTreeSet;

use futures::TryStreamExt;

use mosaic_model::{Classification, HandlingCode, Report, ReportId, Tlp};

use crate::conformance::{centre, report};
use crate::*;

/// Generates one `#[tokio::test]` per policy conformance test.
#[macro_export]
macro_rules! conformance_policy_tests {
    ($make:expr) => {
        $crate::conformance_policy_tests!(@each $make;
            granted_clause_admits_named_reports,
            later_restriction_applies_at_once
        );
    };
    (@each $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let h: $crate::conformance::Harness = $make.await;
                $crate::conformance_policy::$name(&*h.store).await;
                drop(h);
            }
        )+
    };
}

async fn write(store: &dyn Store, reports: &[Report]) {
    store
        .write(&WriteBatch {
            reports: reports.to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
}

fn others() -> LabelFilter {
    LabelFilter {
        agencies: None,
        max_classification: Classification::Confidential,
        max_tlp: Tlp::Amber,
        handling: [HandlingCode::H0, HandlingCode::H1].into(),
    }
}

fn granted_labels() -> LabelFilter {
    LabelFilter {
        handling: [HandlingCode::H0, HandlingCode::H1, HandlingCode::H2].into(),
        ..others()
    }
}

/// Which of `reports` (numbered from 1) the scope sees, asserted to agree on every read
/// path: one report, its entity, value lookup, list, export and counts.
async fn visible(store: &dyn Store, scope: &Scope, reports: &[Report]) -> BTreeSet<u32> {
    let mut seen = BTreeSet::new();
    for (i, r) in reports.iter().enumerate() {
        let n = i as u32 + 1;
        let one = store.report(scope, &r.id).await.unwrap().is_some();
        let entity = !store
            .entity(scope, &r.entity_id(&r.entities[0]))
            .await
            .unwrap()
            .is_empty();
        let name = &r.entities[0].properties["name"][0];
        let value = !store
            .find_by_value(scope, Some("name"), name, 10)
            .await
            .unwrap()
            .is_empty();
        assert_eq!(
            (one, entity, value),
            (one, one, one),
            "report {n}: read paths disagree"
        );
        if one {
            seen.insert(n);
        }
    }
    let listed: BTreeSet<ReportId> = store
        .reports(
            scope,
            &ReportQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.report.id)
        .collect();
    let want: BTreeSet<ReportId> = seen
        .iter()
        .map(|n| reports[*n as usize - 1].id.clone())
        .collect();
    assert_eq!(listed, want, "list");
    let exported: Vec<StoredReport> = store.export(scope).try_collect().await.unwrap();
    assert_eq!(exported.len(), want.len(), "export");
    let stats = store.stats(scope).await.unwrap();
    assert_eq!(stats.reports, want.len() as u64, "stats");
    seen
}

/// A granted clause admits the named reports within its labels, and nothing else; on
/// its own (no label clause) as well as in a union.
pub async fn granted_clause_admits_named_reports(store: &dyn Store) {
    store.set_centre(&centre()).await.unwrap();
    let reports = vec![
        report(1, "fr-paf", "AMBER", "H2", "restricted"),
        report(2, "fr-paf", "AMBER", "H2", "restricted"),
        report(3, "fr-paf", "AMBER", "H1", "restricted"),
        report(4, "fr-paf", "RED", "H2", "restricted"),
        report(5, "fr-paf", "AMBER", "H3", "restricted"),
    ];
    write(store, &reports).await;
    let ids = |ns: &[usize]| -> BTreeSet<ReportId> {
        ns.iter().map(|n| reports[n - 1].id.clone()).collect()
    };
    let cases: Vec<(ScopeFilter, BTreeSet<u32>)> = vec![
        (ScopeFilter::any_of([others()]), [3].into()),
        (
            ScopeFilter::any_of([others()]).with_granted(ids(&[1]), granted_labels()),
            [1, 3].into(),
        ),
        // a grant does not lift the other limits (RED, H3)
        (
            ScopeFilter::any_of([others()]).with_granted(ids(&[1, 4, 5]), granted_labels()),
            [1, 3].into(),
        ),
        // the granted clause alone
        (
            ScopeFilter::nothing().with_granted(ids(&[2]), granted_labels()),
            [2].into(),
        ),
        // no ids: nothing added
        (
            ScopeFilter::nothing().with_granted(BTreeSet::new(), granted_labels()),
            [].into(),
        ),
    ];
    for (f, want) in cases {
        let scope = Scope::union(f.clone(), "test");
        let reference: BTreeSet<u32> = reports
            .iter()
            .enumerate()
            .filter(|(_, r)| scope.admits(r))
            .map(|(i, _)| i as u32 + 1)
            .collect();
        assert_eq!(reference, want, "reference check for {f:?}");
        assert_eq!(visible(store, &scope, &reports).await, want, "{f:?}");
        assert_eq!(f.is_nothing(), want.is_empty(), "{f:?}");
    }
}

/// A provider restricts its report after the fact by sending a new version with
/// stricter labels: every read path of another agency loses it at once; the provider
/// still sees it; the old version is kept (evidence is immutable).
pub async fn later_restriction_applies_at_once(store: &dyn Store) {
    store.set_centre(&centre()).await.unwrap();
    let r1 = report(1, "fr-paf", "AMBER", "H0", "restricted");
    let r2 = report(2, "fr-paf", "AMBER", "H0", "restricted");
    write(store, &[r1.clone(), r2.clone()]).await;
    let reader = Scope::union(ScopeFilter::any_of([others()]), "test");
    let provider = Scope::restricted(
        LabelFilter {
            agencies: Some([r1.agency.clone()].into()),
            max_classification: Classification::TopSecret,
            max_tlp: Tlp::Red,
            handling: HandlingCode::ALL.iter().copied().collect(),
        },
        "test",
    );
    let both = [r1.clone(), r2.clone()];
    assert_eq!(visible(store, &reader, &both).await, [1, 2].into());
    type Restrict = Box<dyn Fn(&mut Report)>;
    let restrictions: Vec<Restrict> = vec![
        Box::new(|r: &mut Report| r.tlp = Tlp::Red),
        Box::new(|r: &mut Report| r.handling = HandlingCode::H2),
        Box::new(|r: &mut Report| r.classification = Classification::Secret),
    ];
    for (i, restrict) in restrictions.iter().enumerate() {
        let mut r = r1.clone();
        restrict(&mut r);
        let out = store
            .write(&WriteBatch {
                reports: vec![r.clone()],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(out.new_versions, 1, "restriction {i} is a new version");
        assert_eq!(
            visible(store, &reader, &both).await,
            [2].into(),
            "restriction {i}"
        );
        assert_eq!(visible(store, &provider, &both).await, [1, 2].into());
        let stored = store.report(&provider, &r1.id).await.unwrap().unwrap();
        assert_eq!(
            stored.report, r,
            "the provider reads the restricted version"
        );
        assert_eq!(stored.version, i as u32 + 2);
    }
    let all = store.stats(&Scope::system("test")).await.unwrap();
    assert_eq!(
        (all.reports, all.report_versions),
        (2, 5),
        "old versions kept"
    );
}

/// Retention: expired reports are listed and purged (every version and statement), a
/// tombstone is kept, reads no longer find them; reviews are flagged once per date.
/// Backends call this with their store as both facets (it is not in the macro: the
/// retention facet is a separate trait object).
pub async fn retention_purges_and_flags(store: &dyn Store, ret: &dyn crate::RetentionStore) {
    use chrono::NaiveDate;
    store.set_centre(&centre()).await.unwrap();
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let with = |n: u32, review: Option<&str>, until: Option<&str>| {
        let mut r = report(n, "fr-paf", "AMBER", "H0", "restricted");
        r.review_at = review.map(day);
        r.retain_until = until.map(day);
        r
    };
    let old = with(1, None, Some("2025-06-30"));
    let later = with(2, Some("2025-06-01"), Some("2026-01-01"));
    let keep = with(3, None, None);
    write(store, &[old.clone(), later.clone(), keep.clone()]).await;
    // a second version of the expired report: both versions go
    let mut old2 = old.clone();
    old2.narrative = Some("revised".into());
    write(store, &[old2]).await;

    let today = day("2025-07-01");
    let expired = ret.expired_reports(today, 100).await.unwrap();
    assert_eq!(
        expired.iter().map(|d| &d.report_id).collect::<Vec<_>>(),
        vec![&old.id],
        "only retain_until before today"
    );
    assert_eq!(expired[0].date, day("2025-06-30"));
    assert!(ret
        .expired_reports(day("2025-06-30"), 100)
        .await
        .unwrap()
        .is_empty());

    let sys = Scope::system("test");
    let before = store.stats(&sys).await.unwrap();
    let t = ret
        .purge_report(&old.id, "retention expired 2025-06-30", chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    // three current reports of the same shape; the purged one had two versions
    assert_eq!((t.versions, t.statements), (2, 2 * (before.statements / 3)));
    assert_eq!(t.agency, old.agency);
    assert_eq!(t.retain_until, Some(day("2025-06-30")));
    let after = store.stats(&sys).await.unwrap();
    assert_eq!(after.reports, 2);
    assert_eq!(after.report_versions, 2);
    assert_eq!(
        before.statements - after.statements,
        t.statements / 2,
        "current statements gone"
    );
    assert!(store.report(&sys, &old.id).await.unwrap().is_none());
    assert!(store
        .entity(&sys, &old.entity_id(&old.entities[0]))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .find_by_value(&sys, Some("name"), "Person 1", 10)
        .await
        .unwrap()
        .is_empty());
    assert!(ret.expired_reports(today, 100).await.unwrap().is_empty());
    assert!(ret
        .purge_report(&old.id, "again", chrono::Utc::now())
        .await
        .unwrap()
        .is_none());
    assert_eq!(ret.tombstones().await.unwrap(), vec![t]);

    // review: due once per review date
    let due = ret.reports_due_for_review(today, 100).await.unwrap();
    assert_eq!(
        due.iter().map(|d| &d.report_id).collect::<Vec<_>>(),
        vec![&later.id]
    );
    ret.flag_for_review(&later.id, day("2025-06-01"), chrono::Utc::now())
        .await
        .unwrap();
    assert!(ret
        .reports_due_for_review(today, 100)
        .await
        .unwrap()
        .is_empty());
    // the provider sets a new review date: due again on that date
    let mut later2 = later.clone();
    later2.review_at = Some(day("2025-12-01"));
    write(store, &[later2]).await;
    assert!(ret
        .reports_due_for_review(today, 100)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        ret.reports_due_for_review(day("2025-12-01"), 100)
            .await
            .unwrap()
            .len(),
        1
    );
}
