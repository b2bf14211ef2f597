//! The coarse filter pushed down into SQL is never looser than the Cedar decision.

use proptest::prelude::*;

use mosaic_model::{AgencyId, Classification, HandlingCode, Tlp, User, UserId, UserRole};
use mosaic_policy::{filter_for, may_read, scope_for, Principal, ReportLabels};

const AGENCIES: &[&str] = &["fr-paf", "fr-gn", "fr-douane", "it-gdf", "ngo-aid"];

fn agency() -> impl Strategy<Value = AgencyId> {
    prop::sample::select(AGENCIES).prop_map(|a| AgencyId::parse(a).unwrap())
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

fn labels() -> impl Strategy<Value = ReportLabels> {
    (
        agency(),
        prop::sample::select(Classification::ALL),
        prop::sample::select(Tlp::ALL),
        prop::sample::select(HandlingCode::ALL),
    )
        .prop_map(|(agency, classification, tlp, handling)| ReportLabels {
            agency,
            classification,
            tlp,
            handling,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// `scope.admits(labels) ⇒ Cedar allows read`: the SQL filter never shows more.
    #[test]
    fn coarse_filter_is_never_looser_than_cedar(u in user(), l in labels()) {
        let scope = scope_for(&u, "analysis");
        let f = scope.filter().expect("users never get a system scope");
        let admitted = f.admits(&l.agency, l.classification, l.tlp, l.handling);
        let d = may_read(&Principal::User(u.clone()), &l, "analysis");
        prop_assert!(!admitted || d.allowed, "filter admits {l:?} for {u:?} but Cedar denies: {d:?}");
    }

    /// And today it is exact: whatever Cedar allows, the filter admits (so nothing
    /// readable is hidden by the coarse filter). If fine-grained rules are added later,
    /// only this property may need to go.
    #[test]
    fn coarse_filter_is_exact_today(u in user(), l in labels()) {
        let f = filter_for(&u);
        let admitted = f.admits(&l.agency, l.classification, l.tlp, l.handling);
        let d = may_read(&Principal::User(u.clone()), &l, "analysis");
        prop_assert_eq!(admitted, d.allowed, "{:?} {:?} {:?}", u, l, d);
    }
}
