use std::collections::BTreeSet;

use chrono::TimeZone;
use proptest::prelude::*;
use serde_json::json;

use mosaic_model::{Classification, HandlingCode, Tlp};
use mosaic_store::LabelFilter;

use super::*;

fn centre() -> mosaic_model::CentreId {
    mosaic_model::CentreId::parse("fr-ncc").unwrap()
}

#[allow(clippy::too_many_arguments)]
fn report(
    n: u32,
    agency: &str,
    tlp: &str,
    handling: &str,
    classification: &str,
    narrative: &str,
    lon: f64,
    entities: serde_json::Value,
) -> Report {
    let v = json!({
        "agency": agency, "report_type": "interception", "source_ref": format!("R-{n}"),
        "reported_at": format!("2025-03-{:02}T10:00:00Z", n),
        "handling": handling,
        "handling_conditions": if handling == "H3" { json!("case X only") } else { json!(null) },
        "tlp": tlp, "classification": classification, "narrative": narrative,
        "place": {"name": "Aire de Marck", "country": "fr",
                  "geometry": {"type": "Point", "coordinates": [lon, 50.95]}},
        "entities": entities,
    });
    Report::from_value(&centre(), &v).unwrap()
}

fn fixtures() -> Vec<Report> {
    vec![
        report(
            1,
            "fr-paf",
            "AMBER",
            "H1",
            "restricted",
            "Truck intercepted at Marck, 14 people inside.",
            1.95,
            json!([
                {"key": "d", "schema": "Person", "properties": {"name": "AL-HASSAN Mohammed", "birthDate": "1987"}},
                {"key": "p", "schema": "Phone", "properties": {"number": "06 12 34 56 78", "owner": "d"}},
                {"key": "t", "schema": "Vehicle", "properties": {"registrationNumber": "AB-123-CD", "country": "fr"}}
            ]),
        ),
        report(
            2,
            "be-police",
            "GREEN",
            "H0",
            "unclassified",
            "Migrants found in a lorry at Zeebrugge port.",
            3.2,
            json!([
                {"key": "d", "schema": "Person", "properties": {"name": "محمد الحسن"}},
                {"key": "a", "schema": "BankAccount", "properties": {"iban": "GB82 WEST 1234 5698 7654 32", "holder": "d"}}
            ]),
        ),
        report(
            3,
            "fr-dgsi",
            "RED",
            "H2",
            "secret",
            "Boat pilot known as Abu Salah landed at Lampedusa.",
            12.6,
            json!([
                {"key": "d", "schema": "Person", "properties": {"name": "Muhamad Alhasan", "phone": "+33612345678"}}
            ]),
        ),
    ]
}

fn index(reports: &[Report]) -> SearchIndex {
    let mut idx = SearchIndex::in_memory().unwrap();
    for r in reports {
        idx.index_report(r).unwrap();
    }
    idx.commit().unwrap();
    idx
}

fn sys() -> Scope {
    Scope::system("search test")
}

fn q(s: &str) -> SearchRequest {
    SearchRequest {
        query: s.into(),
        limit: 50,
        ..Default::default()
    }
}

fn restricted() -> Scope {
    Scope::restricted(
        LabelFilter {
            agencies: None,
            max_classification: Classification::Restricted,
            max_tlp: Tlp::Amber,
            handling: HandlingCode::ALL.iter().copied().collect(),
        },
        "search test",
    )
}

fn entity_reports(res: &SearchResults) -> BTreeSet<String> {
    res.hits
        .iter()
        .filter(|h| h.kind == DocKind::Entity)
        .map(|h| h.report_id.to_string())
        .collect()
}

#[test]
fn transliterated_and_fuzzy_names() {
    let reps = fixtures();
    let idx = index(&reps);
    for query in [
        "Mohammed Al-Hassan",
        "muhammad el hassan",
        "Mohamed Hasan",
        "محمد الحسن",
        "Mohammed Alhassen",
    ] {
        let res = idx
            .search(
                &sys(),
                &SearchRequest {
                    schemas: vec![Schema::Person],
                    ..q(query)
                },
            )
            .unwrap();
        assert_eq!(res.total, 3, "{query}: {res:?}");
        assert_eq!(entity_reports(&res).len(), 3, "{query}");
    }
    let none = idx.search(&sys(), &q("Rebwar Karwan")).unwrap();
    assert_eq!(none.total, 0);
}

#[test]
fn identifiers_in_any_writing() {
    let reps = fixtures();
    let idx = index(&reps);
    for query in ["+33 6 12 34 56 78", "0033612345678", "+33612345678"] {
        let res = idx.search(&sys(), &q(query)).unwrap();
        // the phone entity, its owner (linked key) and the secret person's own phone
        assert_eq!(res.total, 3, "{query}: {res:#?}");
    }
    let res = idx
        .search(
            &sys(),
            &SearchRequest {
                default_country: Some("fr".into()),
                ..q("06 12 34 56 78")
            },
        )
        .unwrap();
    assert_eq!(res.total, 3);
    let res = idx.search(&sys(), &q("ab123cd")).unwrap();
    assert_eq!(res.total, 1);
    assert_eq!(res.hits[0].schema.as_deref(), Some("Vehicle"));
    let res = idx.search(&sys(), &q("GB82WEST12345698765432")).unwrap();
    assert_eq!(res.total, 2, "account and its holder");
}

#[test]
fn narratives_full_text() {
    let idx = index(&fixtures());
    let res = idx.search(&sys(), &q("lampedusa")).unwrap();
    assert_eq!(res.total, 1);
    assert_eq!(res.hits[0].kind, DocKind::Report);
    assert!(res.hits[0].snippet.contains("Lampedusa"));
    let res = idx.search(&sys(), &q("lorry zeebrugge")).unwrap();
    assert_eq!(res.total, 1);
    // a typo in a long word still finds it
    let res = idx.search(&sys(), &q("intercepted")).unwrap();
    assert_eq!(res.total, 1);
    let res = idx.search(&sys(), &q("intercepetd")).unwrap();
    assert_eq!(res.total, 1);
}

#[test]
fn hidden_documents_never_appear_in_hits_or_counts() {
    let idx = index(&fixtures());
    for query in [
        "Mohammed Al-Hassan",
        "+33612345678",
        "lampedusa",
        "abu salah",
        "",
    ] {
        let all = idx.search(&sys(), &q(query)).unwrap();
        let some = idx.search(&restricted(), &q(query)).unwrap();
        assert!(
            some.hits.iter().all(|h| h.agency != "fr-dgsi"),
            "{query}: {some:?}"
        );
        let secret_docs = all.hits.iter().filter(|h| h.agency == "fr-dgsi").count();
        assert_eq!(some.total, all.total - secret_docs, "{query}");
    }
    // the secret narrative cannot be found at all
    let res = idx.search(&restricted(), &q("lampedusa")).unwrap();
    assert_eq!(res, SearchResults::default());
    // an empty agency list admits nothing
    let nobody = Scope::restricted(
        LabelFilter {
            agencies: Some(BTreeSet::new()),
            max_classification: Classification::TopSecret,
            max_tlp: Tlp::Red,
            handling: HandlingCode::ALL.iter().copied().collect(),
        },
        "t",
    );
    assert_eq!(idx.search(&nobody, &q("")).unwrap().total, 0);
}

fn protected_fixture(n: u32, migrant_role: bool) -> Report {
    let v = json!({
        "agency": "fr-paf", "report_type": "interception", "source_ref": format!("P-{n}"),
        "reported_at": format!("2025-04-{:02}T10:00:00Z", n),
        "handling": "H0", "tlp": "GREEN", "classification": "unclassified",
        "narrative": "Dinghy at Wimereux, the passenger Yusuf Karimi was sick.",
        "entities": [
            {"key": "m", "id": "fr-ncc:ent:yusuf", "schema": "Person", "properties": {"name": ["Yusuf Karimi"]}},
            {"key": "ph", "schema": "Phone", "properties": {"number": ["+33 6 99 88 77 66"], "owner": ["m"]}},
            {"key": "d", "schema": "Person", "properties": {"name": ["Zoran Petrovic"]}}
        ],
        "roles": if migrant_role { json!([{"entity": "m", "role": "smuggled_migrant"}, {"entity": "d", "role": "driver"}]) } else { json!([]) },
    });
    Report::from_value(&centre(), &v).unwrap()
}

#[test]
fn protected_persons_are_hidden_inside_the_query() {
    // report 1 names Yusuf as a smuggled migrant; report 2 mentions the same entity id
    // with no role: both mentions are hidden, and so is report 1's narrative.
    let (p1, p2) = (protected_fixture(1, true), protected_fixture(2, false));
    let idx = index(&[p1.clone(), p2]);
    let hide = |s: &str| SearchRequest {
        hide_protected: true,
        ..q(s)
    };
    for query in [
        "Yusuf Karimi",
        "Jusuf Karimy",
        "+33699887766",
        "wimereux passenger",
    ] {
        let open = idx.search(&sys(), &q(query)).unwrap();
        assert!(open.total > 0, "{query}: found without the flag");
        let res = idx.search(&sys(), &hide(query)).unwrap();
        let leaked: Vec<&Hit> = res
            .hits
            .iter()
            .filter(|h| {
                h.title.contains("Yusuf")
                    || h.title.contains("+33")
                    || h.entity_id.as_deref() == Some("fr-ncc:ent:yusuf")
                    || (h.kind == DocKind::Report && h.report_id == p1.id)
            })
            .collect();
        assert!(leaked.is_empty(), "{query}: {leaked:?}");
        assert_eq!(
            res.total,
            res.hits.len(),
            "{query}: totals count hidden hits"
        );
    }
    // the driver of the same report is still found; report 2's narrative too
    let res = idx.search(&sys(), &hide("Zoran Petrovic")).unwrap();
    assert!(res.total >= 1, "{res:?}");
    let res = idx
        .search(
            &sys(),
            &SearchRequest {
                kind: Some(DocKind::Report),
                ..hide("wimereux")
            },
        )
        .unwrap();
    assert_eq!(
        res.total, 1,
        "only the report without a protected person: {res:?}"
    );
}

#[test]
fn hits_carry_highlights() {
    let idx = index(&fixtures());
    let res = idx.search(&sys(), &q("Mohamed Al Hassan")).unwrap();
    let h = res
        .hits
        .iter()
        .find(|h| h.title.contains("AL-HASSAN"))
        .expect("found");
    assert!(h.highlights.iter().any(|w| w == "AL-HASSAN"), "{h:?}");
    assert!(h.highlights.iter().any(|w| w == "Mohammed"), "{h:?}");
    let res = idx.search(&sys(), &q("lorry")).unwrap();
    assert!(
        res.hits[0].highlights.contains(&"lorry".to_owned()),
        "{res:?}"
    );
}

#[tokio::test]
async fn the_stamp_tells_whether_the_index_reflects_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = mosaic_store_sqlite::SqliteStore::open(&dir.path().join("data"))
        .await
        .unwrap();
    store
        .set_centre(&mosaic_model::Centre {
            id: centre(),
            name: "t".into(),
            country: "fr".into(),
        })
        .await
        .unwrap();
    let reports = fixtures();
    let out = store
        .write(&mosaic_store::WriteBatch {
            reports: reports[..2].to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.inserted, 2);
    let path = dir.path().join("index");
    {
        let mut idx = SearchIndex::open(&path).unwrap();
        assert!(
            !idx.is_current(&store).await.unwrap(),
            "a new index is empty"
        );
        idx.rebuild(&store).await.unwrap();
        assert!(idx.is_current(&store).await.unwrap());
        // a write indexed incrementally keeps it current
        let batch = mosaic_store::WriteBatch {
            reports: reports[2..].to_vec(),
            ..Default::default()
        };
        let out = store.write(&batch).await.unwrap();
        for r in &batch.reports {
            idx.index_report(r).unwrap();
        }
        idx.note_write(&out);
        idx.commit().unwrap();
        assert!(idx.is_current(&store).await.unwrap());
    }
    // reopened: the stamp survives; a write it did not see makes it stale
    let idx = SearchIndex::open(&path).unwrap();
    assert!(idx.is_current(&store).await.unwrap());
    store
        .write(&mosaic_store::WriteBatch {
            reports: vec![protected_fixture(3, true)],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!idx.is_current(&store).await.unwrap());
    drop(idx);
    // the protected ids are read back from the folder
    let mut idx = SearchIndex::open(&path).unwrap();
    idx.rebuild(&store).await.unwrap();
    drop(idx);
    let idx = SearchIndex::open(&path).unwrap();
    let res = idx
        .search(
            &sys(),
            &SearchRequest {
                hide_protected: true,
                ..q("Yusuf Karimi")
            },
        )
        .unwrap();
    assert_eq!(res.total, 0, "{res:?}");
}

#[test]
fn filters() {
    let idx = index(&fixtures());
    let t = |d: u32| Utc.with_ymd_and_hms(2025, 3, d, 0, 0, 0).unwrap();
    let res = idx
        .search(
            &sys(),
            &SearchRequest {
                from: Some(t(2)),
                until: Some(t(3)),
                ..q("")
            },
        )
        .unwrap();
    assert!(res.hits.iter().all(|h| h.agency == "be-police"), "{res:?}");
    assert_eq!(res.total, 3, "report, person, account");
    let res = idx
        .search(
            &sys(),
            &SearchRequest {
                bbox: Some((10.0, 40.0, 15.0, 55.0)),
                ..q("")
            },
        )
        .unwrap();
    assert!(res.hits.iter().all(|h| h.agency == "fr-dgsi"));
    assert_eq!(res.total, 2);
    let res = idx
        .search(
            &sys(),
            &SearchRequest {
                agencies: vec![AgencyId::parse("fr-paf").unwrap()],
                kind: Some(DocKind::Entity),
                ..q("")
            },
        )
        .unwrap();
    assert_eq!(res.total, 3);
    let res = idx
        .search(
            &sys(),
            &SearchRequest {
                schemas: vec![Schema::Vehicle, Schema::Phone],
                ..q("")
            },
        )
        .unwrap();
    assert_eq!(res.total, 2);
}

#[tokio::test]
async fn rebuilds_from_the_store_and_replaces_versions() {
    use mosaic_store::WriteBatch;
    let dir = tempfile::tempdir().unwrap();
    let store = mosaic_store_sqlite::SqliteStore::open(dir.path())
        .await
        .unwrap();
    store
        .set_centre(&mosaic_model::Centre {
            id: centre(),
            name: "t".into(),
            country: "fr".into(),
        })
        .await
        .unwrap();
    let reps = fixtures();
    store
        .write(&WriteBatch {
            reports: reps.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut idx = SearchIndex::open(&dir.path().join("index")).unwrap();
    assert_eq!(idx.rebuild(&store).await.unwrap(), 3);
    assert_eq!(idx.search(&sys(), &q("lampedusa")).unwrap().total, 1);
    // a new version of report 3 without the boat pilot
    let mut v2 = reps[2].clone();
    v2.narrative = Some("Nothing found at Pozzallo.".into());
    v2.entities.clear();
    idx.index_report(&v2).unwrap();
    idx.commit().unwrap();
    assert_eq!(idx.search(&sys(), &q("lampedusa")).unwrap().total, 0);
    assert_eq!(idx.search(&sys(), &q("pozzallo")).unwrap().total, 1);
    // reopening the folder keeps the index
    drop(idx);
    let idx = SearchIndex::open(&dir.path().join("index")).unwrap();
    assert_eq!(idx.search(&sys(), &q("pozzallo")).unwrap().total, 1);
    assert_eq!(idx.documents(), (1 + 3) + (1 + 2) + 1);
}

const AGENCIES: &[&str] = &["fr-paf", "be-police", "fr-dgsi"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever the labels and the scope, a search returns exactly the documents the
    /// reference check (`LabelFilter::admits`) lets through — never one more.
    #[test]
    fn scope_in_the_query_equals_the_reference_filter(
        labels in proptest::collection::vec((0usize..3, 0usize..5, 0usize..4, 0usize..5), 1..8),
        agencies in proptest::option::of(proptest::collection::btree_set(0usize..3, 0..3)),
        max_c in 0usize..5, max_t in 0usize..5,
        handling in proptest::collection::btree_set(0usize..4, 0..4),
        second in proptest::option::of((0usize..3, 0usize..5, 0usize..5)),
    ) {
        let reps: Vec<Report> = labels.iter().enumerate().map(|(i, (a, t, h, c))| {
            report(i as u32 + 1, AGENCIES[*a], Tlp::ALL[*t].as_str(), HandlingCode::ALL[*h].as_str(),
                   Classification::ALL[*c].as_str(), "common words here", 2.0,
                   json!([{"key": "p", "schema": "Person", "properties": {"name": "Karim Haddad"}}]))
        }).collect();
        let idx = index(&reps);
        let filter = LabelFilter {
            agencies: agencies.map(|s| s.into_iter().map(|i| AgencyId::parse(AGENCIES[i]).unwrap()).collect()),
            max_classification: Classification::ALL[max_c],
            max_tlp: Tlp::ALL[max_t],
            handling: handling.into_iter().map(|i| HandlingCode::ALL[i]).collect(),
        };
        // a union of two clauses ("own agency up to RED; others up to AMBER") where drawn
        let mut clauses = vec![filter];
        if let Some((a, c, t)) = second {
            clauses.push(LabelFilter {
                agencies: Some([AgencyId::parse(AGENCIES[a]).unwrap()].into_iter().collect()),
                max_classification: Classification::ALL[c],
                max_tlp: Tlp::ALL[t],
                handling: HandlingCode::ALL.iter().copied().collect(),
            });
        }
        let filter = mosaic_store::ScopeFilter::any_of(clauses);
        let scope = Scope::union(filter.clone(), "prop");
        let admitted: BTreeSet<String> = reps.iter().filter(|r| filter.admits(&r.agency, r.classification, r.tlp, r.handling))
            .map(|r| r.id.to_string()).collect();
        for query in ["", "karim hadad", "common"] {
            let res = idx.search(&scope, &q(query)).unwrap();
            let got: BTreeSet<String> = res.hits.iter().map(|h| h.report_id.to_string()).collect();
            prop_assert!(got.is_subset(&admitted), "{query}: {got:?} ⊄ {admitted:?}");
            // the name finds the person, the word the report; "" lists both
            let per_report = if query.is_empty() { 2 } else { 1 };
            prop_assert_eq!(res.total, admitted.len() * per_report, "{}", query);
        }
    }
}

/// H2 grants (issue 6): the scope's granted-reports clause admits the named report at
/// query time, within its labels; re-indexing a restricted version takes it away.
#[test]
fn granted_reports_and_later_restrictions() {
    let ent = |name: &str| json!([{"key": "p", "schema": "Person", "properties": {"name": name}}]);
    let h2 = report(
        1,
        "fr-paf",
        "AMBER",
        "H2",
        "restricted",
        "grantcheck one",
        1.0,
        ent("Granted Person"),
    );
    let other = report(
        2,
        "fr-paf",
        "AMBER",
        "H2",
        "restricted",
        "grantcheck two",
        1.0,
        ent("Other Person"),
    );
    let open = report(
        3,
        "fr-paf",
        "AMBER",
        "H0",
        "restricted",
        "grantcheck three",
        1.0,
        ent("Open Person"),
    );
    let mut idx = index(&[h2.clone(), other.clone(), open.clone()]);
    let labels = LabelFilter {
        agencies: None,
        max_classification: Classification::Restricted,
        max_tlp: Tlp::Amber,
        handling: [HandlingCode::H0, HandlingCode::H1].into(),
    };
    let granted_labels = LabelFilter {
        handling: [HandlingCode::H0, HandlingCode::H1, HandlingCode::H2].into(),
        ..labels.clone()
    };
    let reports_of = |idx: &SearchIndex, scope: &Scope| -> BTreeSet<String> {
        let res = idx.search(scope, &q("grantcheck")).unwrap();
        assert_eq!(res.total, res.hits.len());
        res.hits.iter().map(|h| h.report_id.to_string()).collect()
    };
    let plain = Scope::restricted(labels.clone(), "t");
    assert_eq!(reports_of(&idx, &plain), [open.id.to_string()].into());
    let granted = Scope::union(
        mosaic_store::ScopeFilter::any_of([labels.clone()])
            .with_granted([h2.id.clone()].into(), granted_labels.clone()),
        "t",
    );
    assert_eq!(
        reports_of(&idx, &granted),
        [open.id.to_string(), h2.id.to_string()].into()
    );
    // the provider restricts the open report: re-indexed, it is gone for the reader
    let mut restricted = open.clone();
    restricted.tlp = Tlp::Red;
    idx.index_report(&restricted).unwrap();
    idx.commit().unwrap();
    assert_eq!(reports_of(&idx, &granted), [h2.id.to_string()].into());
    assert!(reports_of(&idx, &plain).is_empty());
}
