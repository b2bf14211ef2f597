//! The coarse filter pushed down into SQL is never looser than the Cedar decision,
//! H2 grants included.

use std::collections::BTreeSet;

use proptest::prelude::*;

use mosaic_model::{AgencyId, Classification, HandlingCode, ReportId, Tlp, User, UserId, UserRole};
use mosaic_policy::{filter_with_grants, may_read, scope_with_grants, Principal, ReportLabels};

const AGENCIES: &[&str] = &["fr-paf", "fr-gn", "fr-douane", "it-gdf", "ngo-aid"];
const REPORTS: &[&str] = &["fr-ncc:rep:a", "fr-ncc:rep:b", "fr-ncc:rep:c"];

fn agency() -> impl Strategy<Value = AgencyId> {
    prop::sample::select(AGENCIES).prop_map(|a| AgencyId::parse(a).unwrap())
}

fn report_id() -> impl Strategy<Value = ReportId> {
    prop::sample::select(REPORTS).prop_map(|r| ReportId::parse(r).unwrap())
}

fn user() -> impl Strategy<Value = User> {
    (
        agency(),
        prop::sample::subsequence(UserRole::ALL.to_vec(), 0..=3),
        prop::sample::select(Classification::ALL),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(agency, roles, clearance, disabled)| User {
            id: UserId::parse("fr-ncc:usr:p").unwrap(),
            username: "p".into(),
            display_name: "P".into(),
            agency,
            roles,
            clearance,
            disabled,
        })
}

/// The reports the user's agency holds a grant for.
fn grants() -> impl Strategy<Value = BTreeSet<ReportId>> {
    prop::collection::btree_set(report_id(), 0..=REPORTS.len())
}

/// One report: its id and labels; `granted_to` holds random *other* agencies (grants to
/// someone else must not admit); the user's own agency is added from `grants` below.
fn report() -> impl Strategy<Value = (ReportId, ReportLabels)> {
    (
        report_id(),
        agency(),
        prop::sample::select(Classification::ALL),
        prop::sample::select(Tlp::ALL),
        prop::sample::select(HandlingCode::ALL),
        prop::collection::btree_set(agency(), 0..=2),
    )
        .prop_map(|(id, agency, classification, tlp, handling, granted_to)| {
            (
                id,
                ReportLabels {
                    agency,
                    classification,
                    tlp,
                    handling,
                    granted_to,
                },
            )
        })
}

/// Cedar's view: the report's `granted_to` as the store would record it.
fn cedar_labels(
    u: &User,
    grants: &BTreeSet<ReportId>,
    id: &ReportId,
    l: &ReportLabels,
) -> ReportLabels {
    let mut l = l.clone();
    l.granted_to.remove(&u.agency);
    if grants.contains(id) {
        l.granted_to.insert(u.agency.clone());
    }
    l
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// `scope.admits(report) ⇒ Cedar allows read`: the SQL filter never shows more.
    #[test]
    fn coarse_filter_is_never_looser_than_cedar(
        u in user(), g in grants(), (id, l) in report()
    ) {
        let scope = scope_with_grants(&u, &g, "analysis");
        let f = scope.filter().expect("users never get a system scope");
        let admitted = f.admits_report(&id, &l.agency, l.classification, l.tlp, l.handling);
        let cl = cedar_labels(&u, &g, &id, &l);
        let d = may_read(&Principal::User(u.clone()), &cl, "analysis");
        prop_assert!(!admitted || d.allowed, "filter admits {id} {cl:?} for {u:?} with grants {g:?} but Cedar denies: {d:?}");
    }

    /// And today it is exact: whatever Cedar allows, the filter admits (so nothing
    /// readable is hidden by the coarse filter). If fine-grained rules are added later,
    /// only this property may need to go.
    #[test]
    fn coarse_filter_is_exact_today(u in user(), g in grants(), (id, l) in report()) {
        let f = filter_with_grants(&u, &g);
        let admitted = f.admits_report(&id, &l.agency, l.classification, l.tlp, l.handling);
        let cl = cedar_labels(&u, &g, &id, &l);
        let d = may_read(&Principal::User(u.clone()), &cl, "analysis");
        prop_assert_eq!(admitted, d.allowed, "{} {:?} {:?} {:?} {:?}", id, u, g, cl, d);
    }
}

#[test]
fn a_grant_unlocks_h2_of_that_report_only() {
    let u = User {
        id: UserId::parse("fr-ncc:usr:p").unwrap(),
        username: "p".into(),
        display_name: "P".into(),
        agency: AgencyId::parse("fr-gn").unwrap(),
        roles: vec![UserRole::Analyst],
        clearance: Classification::Restricted,
        disabled: false,
    };
    let a = ReportId::parse("fr-ncc:rep:a").unwrap();
    let b = ReportId::parse("fr-ncc:rep:b").unwrap();
    let paf = AgencyId::parse("fr-paf").unwrap();
    let f = filter_with_grants(&u, &BTreeSet::from([a.clone()]));
    let h2 = |id| {
        f.admits_report(
            id,
            &paf,
            Classification::Restricted,
            Tlp::Amber,
            HandlingCode::H2,
        )
    };
    assert!(h2(&a));
    assert!(!h2(&b), "no grant for b");
    // a grant unlocks H2, not H3, RED or a higher classification
    assert!(!f.admits_report(
        &a,
        &paf,
        Classification::Restricted,
        Tlp::Amber,
        HandlingCode::H3
    ));
    assert!(!f.admits_report(
        &a,
        &paf,
        Classification::Restricted,
        Tlp::Red,
        HandlingCode::H2
    ));
    assert!(!f.admits_report(
        &a,
        &paf,
        Classification::Secret,
        Tlp::Amber,
        HandlingCode::H2
    ));
    // officers read their own agency only, grant or not
    let o = User {
        roles: vec![UserRole::Officer],
        ..u
    };
    let f = filter_with_grants(&o, &BTreeSet::from([a.clone()]));
    assert!(!f.admits_report(
        &a,
        &paf,
        Classification::Restricted,
        Tlp::Amber,
        HandlingCode::H2
    ));
}
