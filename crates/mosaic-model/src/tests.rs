//! Report reading, validation and canonical form.

use serde_json::json;

use crate::*;

fn centre() -> CentreId {
    CentreId::parse("fr-ncc").unwrap()
}

pub(crate) fn sample() -> serde_json::Value {
    json!({
        "agency": "fr-paf",
        "report_type": "interception",
        "source_ref": "PAF-2025-000123",
        "author": "Brigadier Martin",
        "reported_at": "2025-03-01T12:00:00+01:00",
        "observed_at": "2025-03-01T04:30:00Z",
        "grading": "B2",
        "handling": "H1",
        "tlp": "AMBER",
        "classification": "restricted",
        "purpose": "prevention of migrant smuggling",
        "legal_basis": "CESEDA L.821-1",
        "language": "fr",
        "narrative": "Camion intercepté sur l'aire de Calais-Marck, 14 personnes à bord.",
        "place": {"name": "Aire de Marck", "country": "FR", "geometry": {"type": "Point", "coordinates": [1.95, 50.95]}},
        "entities": [
            {"key": "d", "schema": "Person", "properties": {"name": ["Mohammed Al-Hassan"], "birthDate": "1987", "nationality": ["SY"]}},
            {"key": "t", "schema": "Vehicle", "properties": {"registrationNumber": ["AB-123-CD"], "country": ["fr"], "owner": ["d"]}},
            {"key": "p", "schema": "Phone", "properties": {"number": ["+33 6 12 34 56 78"], "owner": ["d"]}}
        ],
        "roles": [{"entity": "d", "role": "driver"}]
    })
}

#[test]
fn a_valid_report_normalises() {
    let r = Report::from_value(&centre(), &sample()).unwrap();
    assert_eq!(r.id.centre(), "fr-ncc");
    assert_eq!(r.reported_at.to_rfc3339(), "2025-03-01T11:00:00+00:00");
    assert_eq!(r.place.as_ref().unwrap().country.as_deref(), Some("fr"));
    assert_eq!(r.entities[0].properties["nationality"], vec!["sy"]);
    // birthDate given as a bare string is read as a one-value list
    assert_eq!(r.entities[0].properties["birthDate"], vec!["1987"]);
    let st = r.statements();
    // 3 person props + 3 vehicle + 2 phone + 1 role
    assert_eq!(st.len(), 9);
    let owner = st.iter().find(|s| s.prop == "owner").unwrap();
    assert!(owner.is_ref);
    assert_eq!(owner.value, r.entity_id(&r.entities[0]).to_string());
    assert!(st.iter().any(|s| s.prop == "role" && s.value == "driver"));
}

#[test]
fn ids_are_deterministic_from_source_ref() {
    let a = Report::from_value(&centre(), &sample()).unwrap();
    let mut changed = sample();
    changed["narrative"] = json!("corrected narrative");
    let b = Report::from_value(&centre(), &changed).unwrap();
    // the same provider reference names the same report; the content differs (a new version)
    assert_eq!(a.id, b.id);
    assert_ne!(a.content_hash(), b.content_hash());
    let mut no_ref = sample();
    no_ref.as_object_mut().unwrap().remove("source_ref");
    let c1 = Report::from_value(&centre(), &no_ref).unwrap();
    let c2 = Report::from_value(&centre(), &no_ref).unwrap();
    assert_eq!(c1.id, c2.id);
    assert_ne!(c1.id, a.id);
}

#[test]
fn canonical_form_round_trips() {
    let r = Report::from_value(&centre(), &sample()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.canonical_json()).unwrap();
    let again = Report::from_value(&centre(), &v).unwrap();
    assert_eq!(r, again);
    assert_eq!(r.content_hash(), again.content_hash());
    // ... and read by another centre, the ids it carries are kept
    let other = Report::from_value(&CentreId::parse("be-ncc").unwrap(), &v).unwrap();
    assert_eq!(other.id, r.id);
}

#[test]
fn canonical_form_snapshot() {
    // The wire bytes themselves: independent of how serde_json orders map keys (another
    // crate in the build may switch on its `preserve_order` feature).
    let r = Report::from_value(&centre(), &sample()).unwrap();
    insta::assert_snapshot!(
        "canonical_report_bytes",
        String::from_utf8(r.canonical_json()).unwrap()
    );
}

fn errors_of(v: serde_json::Value) -> Vec<(String, Rule)> {
    Report::from_value(&centre(), &v)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.field, e.rule))
        .collect()
}

#[test]
fn every_problem_is_named_by_field_and_rule() {
    let mut v = sample();
    v["tlp"] = json!("PURPLE");
    v["reported_at"] = json!("01/03/2025");
    v["handling"] = json!("H3");
    v["colour"] = json!("blue");
    v["entities"][0]["properties"]["birthDate"] = json!(["1987-02-30"]);
    v["entities"][1]["properties"]["owner"] = json!(["nobody"]);
    v["entities"][2]["properties"]["wings"] = json!(["2"]);
    v["roles"] = json!([{"entity": "t", "role": "driver"}, {"entity": "d", "role": "pilot"}]);
    let mut got = errors_of(v);
    got.sort();
    let mut want = vec![
        ("tlp".to_string(), Rule::Vocabulary),
        ("reported_at".into(), Rule::Date),
        ("handling_conditions".into(), Rule::Handling),
        ("colour".into(), Rule::UnknownField),
        ("entities[0].properties.birthDate[0]".into(), Rule::Date),
        (
            "entities[1].properties.owner[0]".into(),
            Rule::DanglingReference,
        ),
        ("entities[2].properties.wings".into(), Rule::UnknownProperty),
        ("roles[0].entity".into(), Rule::PropertyType),
        ("roles[1].role".into(), Rule::Vocabulary),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn required_fields_and_time_order() {
    let mut v = sample();
    v.as_object_mut().unwrap().remove("agency");
    v["observed_at"] = json!("2025-03-05T00:00:00Z");
    let got = errors_of(v);
    assert!(got.contains(&("agency".into(), Rule::Required)), "{got:?}");
    assert!(
        got.contains(&("observed_at".into(), Rule::TimeOrder)),
        "{got:?}"
    );
    let mut v = sample();
    v["place"]["geometry"]["coordinates"] = json!([95.0, 50.0,]);
    v["place"]["geometry"]["coordinates"] = json!([1.0, 95.0]);
    assert_eq!(
        errors_of(v),
        vec![("place.geometry".into(), Rule::Geometry)]
    );
    assert_eq!(
        errors_of(json!([1, 2])),
        vec![(String::new(), Rule::Syntax)]
    );
}

#[test]
fn duplicate_keys_are_rejected() {
    let mut v = sample();
    v["entities"][1]["key"] = json!("d");
    assert!(errors_of(v).contains(&("entities[1].key".into(), Rule::DuplicateKey)));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Whatever JSON arrives, reading it never panics and either yields a report whose
        // canonical form re-reads to itself, or names at least one error.
        #[test]
        fn reading_is_total_and_canonical_is_a_fixpoint(
            narrative in ".{0,40}",
            tlp in prop::sample::select(vec!["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED", "BLUE", ""]),
            handling in prop::sample::select(vec!["H0", "H1", "H2", "H3", "H9"]),
            name in ".{0,20}",
            lon in -200.0f64..200.0,
        ) {
            let mut v = sample();
            v["narrative"] = json!(narrative);
            v["tlp"] = json!(tlp);
            v["handling"] = json!(handling);
            v["entities"][0]["properties"]["name"] = json!([name]);
            v["place"]["geometry"]["coordinates"] = json!([lon, 10.0]);
            match Report::from_value(&centre(), &v) {
                Ok(r) => {
                    let back: serde_json::Value = serde_json::from_slice(&r.canonical_json()).unwrap();
                    prop_assert_eq!(Report::from_value(&centre(), &back).unwrap(), r);
                }
                Err(errs) => prop_assert!(!errs.is_empty()),
            }
        }
    }
}

/// The published JSON Schema must describe exactly what the reader accepts.
#[test]
fn json_schema_matches_the_model() {
    let text = include_str!("../../../schemas/report.schema.json");
    let schema: serde_json::Value = serde_json::from_str(text).unwrap();
    let props: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want: Vec<&str> = crate::report::TOP_FIELDS.to_vec();
    let mut got = props.clone();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want, "top-level fields");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // each required field, when removed, is reported as required; the others are not
    for f in crate::report::TOP_FIELDS {
        let mut v = sample();
        v.as_object_mut().unwrap().remove(*f);
        let missing = match Report::from_value(&centre(), &v) {
            Ok(_) => false,
            Err(e) => e.iter().any(|e| e.field == *f && e.rule == Rule::Required),
        };
        assert_eq!(missing, required.contains(f), "required-ness of {f}");
    }
    let enum_of = |ptr: &str| -> Vec<String> {
        schema
            .pointer(ptr)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let names = |all: &[&'static str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        enum_of("/properties/tlp/enum"),
        names(&Tlp::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>())
    );
    assert_eq!(
        enum_of("/properties/handling/enum"),
        names(
            &HandlingCode::ALL
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(
        enum_of("/properties/classification/enum"),
        names(
            &Classification::ALL
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(
        enum_of("/properties/report_type/enum"),
        names(
            &ReportType::ALL
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(
        enum_of("/properties/roles/items/properties/role/enum"),
        names(
            &PersonRole::ALL
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(
        enum_of("/properties/entities/items/properties/schema/enum"),
        names(&Schema::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>())
    );
}
