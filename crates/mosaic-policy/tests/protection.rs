//! Protection rules (DESIGN §4.3), each with its own test.

use chrono::Utc;
use serde_json::json;

use mosaic_model::{
    AgencyId, CentreId, Classification, EntityId, HandlingCode, Report, ReportId, Schema, Tlp,
    User, UserId, UserRole,
};
use mosaic_policy::protect::{
    facts, judge, protect_report, protect_statements, PseudonymKey, Viewer, FLAG_CHILD,
    FLAG_VICTIM_OF_TRAFFICKING,
};
use mosaic_policy::Principal;
use mosaic_store::StoredStatement;

fn user(roles: &[UserRole]) -> Principal {
    Principal::User(User {
        id: UserId::parse("fr-ncc:usr:1").unwrap(),
        username: "u".into(),
        display_name: "U".into(),
        agency: AgencyId::parse("fr-paf").unwrap(),
        roles: roles.to_vec(),
        clearance: Classification::Secret,
        disabled: false,
    })
}

fn key() -> PseudonymKey {
    PseudonymKey::from_bytes([7; 32])
}

fn st(prop: &str, value: &str) -> StoredStatement {
    StoredStatement {
        entity_id: EntityId::parse("fr-ncc:ent:p1").unwrap(),
        schema: Schema::Person,
        prop: prop.into(),
        value: value.into(),
        is_ref: false,
        report_id: ReportId::parse("fr-ncc:rep:r1").unwrap(),
        report_version: 1,
        agency: AgencyId::parse("fr-paf").unwrap(),
        handling: HandlingCode::H0,
        tlp: Tlp::Amber,
        classification: Classification::Restricted,
        grading: None,
        reported_at: Utc::now(),
        observed_at: None,
    }
}

fn viewer<'a>(
    p: &'a Principal,
    country: Option<&'a str>,
    purpose: &'a str,
    referral: bool,
    k: &'a PseudonymKey,
) -> Viewer<'a> {
    Viewer {
        principal: p,
        country,
        purpose,
        referral,
        key: k,
    }
}

#[test]
fn smuggled_migrant_is_never_a_suspect() {
    let p = user(&[UserRole::Analyst]);
    let k = key();
    let v = viewer(&p, Some("fr"), "analysis", false, &k);
    let (out, _) = protect_statements(
        &v,
        "fr-ncc:ent:p1",
        vec![
            st("name", "Amir"),
            st("role", "smuggled_migrant"),
            st("role", "boat_pilot"),
        ],
    )
    .unwrap();
    assert!(out.iter().all(|s| s.value != "boat_pilot"), "{out:?}");
    assert!(out.iter().any(|s| s.value == "smuggled_migrant"));
    // a person with only suspect roles keeps them
    let (out, _) = protect_statements(
        &v,
        "fr-ncc:ent:p2",
        vec![st("name", "X"), st("role", "driver")],
    )
    .unwrap();
    assert!(out.iter().any(|s| s.value == "driver"));
}

#[test]
fn protected_personal_data_are_pseudonymised_stably() {
    let p = user(&[UserRole::Analyst]);
    let k = key();
    let v = viewer(&p, Some("fr"), "analysis", false, &k);
    let input = vec![
        st("name", "Amir Haddad"),
        st("birthDate", "2001-01-01"),
        st("phone", "+33612345678"),
        st("nationality", "sy"),
        st("role", "victim"),
    ];
    let (a, flags) = protect_statements(&v, "fr-ncc:ent:p1", input.clone()).unwrap();
    let (b, _) = protect_statements(&v, "fr-ncc:ent:p1", input).unwrap();
    let json = serde_json::to_string(&a).unwrap();
    assert!(
        !json.contains("Amir") && !json.contains("2001-01-01") && !json.contains("+33612345678")
    );
    assert!(json.contains("pseud:"));
    assert!(json.contains("\"sy\""), "non-personal data stay");
    assert_eq!(a, b, "stable pseudonyms");
    assert!(flags.contains(&"pseudonymised"));
    // another key gives other pseudonyms
    assert_ne!(
        key().pseudonym("e", "name", "Amir"),
        PseudonymKey::from_bytes([8; 32]).pseudonym("e", "name", "Amir")
    );
}

#[test]
fn protection_purpose_releases_data_only_to_ngo_caseworker_with_referral() {
    let k = key();
    let f = facts([("role", "victim_of_trafficking"), ("name", "A")]);
    let ngo = user(&[UserRole::NgoCaseworker]);
    let analyst = user(&[UserRole::Analyst]);
    assert!(!judge(&viewer(&ngo, None, "protection", true, &k), &f).pseudonymise);
    assert!(judge(&viewer(&ngo, None, "protection", false, &k), &f).pseudonymise);
    assert!(judge(&viewer(&ngo, None, "analysis", true, &k), &f).pseudonymise);
    assert!(judge(&viewer(&analyst, None, "protection", true, &k), &f).pseudonymise);
}

#[test]
fn asylum_applicant_never_released_to_state_fled() {
    let k = key();
    let p = user(&[UserRole::Analyst]);
    let input = vec![
        st("name", "B"),
        st("asylumApplicant", "true"),
        st("fledFrom", "ER"),
    ];
    assert!(protect_statements(
        &viewer(&p, Some("er"), "analysis", false, &k),
        "e",
        input.clone()
    )
    .is_none());
    assert!(protect_statements(
        &viewer(&p, Some("fr"), "analysis", false, &k),
        "e",
        input.clone()
    )
    .is_some());
    // even for protection purposes
    let ngo = user(&[UserRole::NgoCaseworker]);
    assert!(protect_statements(
        &viewer(&ngo, Some("er"), "protection", true, &k),
        "e",
        input
    )
    .is_none());
}

#[test]
fn children_and_victims_of_trafficking_are_flagged() {
    let k = key();
    let p = user(&[UserRole::Analyst]);
    let v = viewer(&p, Some("fr"), "analysis", false, &k);
    let (_, flags) = protect_statements(
        &v,
        "e",
        vec![
            st("name", "C"),
            st("child", "true"),
            st("role", "victim_of_trafficking"),
        ],
    )
    .unwrap();
    assert!(
        flags.contains(&FLAG_CHILD) && flags.contains(&FLAG_VICTIM_OF_TRAFFICKING),
        "{flags:?}"
    );
}

#[test]
fn reports_are_protected_too() {
    let v = json!({
        "agency": "fr-paf", "report_type": "interception", "source_ref": "R1",
        "reported_at": "2025-03-01T10:00:00Z", "handling": "H0", "tlp": "AMBER",
        "classification": "restricted", "narrative": "Amir Haddad was on the boat",
        "entities": [
            {"key": "m", "schema": "Person", "properties": {"name": ["Amir Haddad"], "child": ["true"]}},
            {"key": "a", "schema": "Person", "properties": {"name": ["Yonas"], "asylumApplicant": ["true"], "fledFrom": ["ER"]}},
            {"key": "d", "schema": "Person", "properties": {"name": ["Driver Guy"]}},
            {"key": "ph", "schema": "Phone", "properties": {"number": ["+33612345678"], "owner": ["a"]}}
        ],
        "roles": [
            {"entity": "m", "role": "smuggled_migrant"}, {"entity": "m", "role": "boat_pilot"},
            {"entity": "a", "role": "smuggled_migrant"}, {"entity": "d", "role": "driver"}
        ]
    });
    let r = Report::from_value(&CentreId::parse("fr-ncc").unwrap(), &v).unwrap();
    let k = key();
    let p = user(&[UserRole::Analyst]);
    let (out, flags) = protect_report(&viewer(&p, Some("er"), "analysis", false, &k), r);
    let json = serde_json::to_string(&out).unwrap();
    assert!(!json.contains("Amir") && !json.contains("Yonas"), "{json}");
    assert!(json.contains("Driver Guy"));
    assert!(!out
        .roles
        .iter()
        .any(|x| x.entity == "m" && x.role.is_suspect()));
    assert!(
        !out.entities.iter().any(|m| m.key == "a"),
        "asylum applicant hidden from ER"
    );
    assert!(flags
        .iter()
        .any(|(k, f)| k == "m" && f.contains(&FLAG_CHILD)));
}
