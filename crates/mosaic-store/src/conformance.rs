//! The conformance suite: every backend runs exactly these tests.
//!
//! A backend crate instantiates it with
//! `mosaic_store::conformance_tests!(async { /* -> Harness */ });`
//! where the expression builds a fresh, empty, initialised store for each test.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::json;

use mosaic_model::{
    Agency, AgencyId, AgencyKind, Centre, CentreId, Classification, EntityId, HandlingCode, Report,
    Rule, Tlp,
};

use crate::*;

/// A store under test plus whatever keeps it alive (a temp dir, a database to drop).
pub struct Harness {
    pub store: Arc<dyn Store>,
    pub keep: Box<dyn std::any::Any + Send + Sync>,
}

/// Generates one `#[tokio::test]` per conformance test.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            centre_and_agencies,
            write_and_read_back,
            rewrite_is_idempotent,
            changed_content_becomes_a_new_version,
            scope_filters_every_label,
            union_scope_admits_any_clause,
            report_queries_by_time_area_and_page,
            find_by_value_respects_scope,
            stats_count_only_what_is_visible,
            export_is_complete_and_ordered,
            checkpoint_and_rejects_commit_with_the_batch,
            empty_batch_is_fine
        );
        $crate::conformance_tests!(@pair $make;
            versions_and_imports_copy_verbatim
        );
    };
    (@pair $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let a: $crate::conformance::Harness = $make.await;
                let b: $crate::conformance::Harness = $make.await;
                $crate::conformance::$name(&*a.store, &*b.store).await;
                drop((a, b));
            }
        )+
    };
    (@each $make:expr; $($name:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let h: $crate::conformance::Harness = $make.await;
                $crate::conformance::$name(&*h.store).await;
                drop(h);
            }
        )+
    };
}

pub fn centre() -> Centre {
    Centre {
        id: CentreId::parse("fr-ncc").unwrap(),
        name: "Test centre".into(),
        country: "fr".into(),
    }
}

fn cid() -> CentreId {
    centre().id
}

/// A small report; `n` varies the source reference, time and place.
pub fn report(n: u32, agency: &str, tlp: &str, handling: &str, classification: &str) -> Report {
    let v = json!({
        "agency": agency,
        "report_type": "interception",
        "source_ref": format!("REF-{n}"),
        "reported_at": format!("2025-03-{:02}T10:00:00Z", 1 + n % 28),
        "observed_at": format!("2025-03-{:02}T04:00:00Z", 1 + n % 28),
        "grading": "B2",
        "handling": handling,
        "handling_conditions": if handling == "H3" { json!("only for case X") } else { json!(null) },
        "tlp": tlp,
        "classification": classification,
        "narrative": format!("report number {n}"),
        "place": {"geometry": {"type": "Point", "coordinates": [1.0 + n as f64 * 0.1, 50.0]}},
        "entities": [
            {"key": "p", "schema": "Person", "properties": {"name": [format!("Person {n}")], "nationality": ["sy"]}},
            {"key": "ph", "schema": "Phone", "properties": {"number": [format!("+3361234{n:04}")], "owner": ["p"]}}
        ],
        "roles": [{"entity": "p", "role": "driver"}]
    });
    Report::from_value(&cid(), &v).expect("fixture is valid")
}

fn plain(n: u32, agency: &str) -> Report {
    report(n, agency, "AMBER", "H0", "restricted")
}

async fn init(store: &dyn Store) {
    store.set_centre(&centre()).await.unwrap();
}

fn filter(agencies: Option<&[&str]>) -> LabelFilter {
    LabelFilter {
        agencies: agencies.map(|a| a.iter().map(|s| AgencyId::parse(s).unwrap()).collect()),
        max_classification: Classification::TopSecret,
        max_tlp: Tlp::Red,
        handling: HandlingCode::ALL.iter().copied().collect(),
    }
}

fn all() -> Scope {
    Scope::system("conformance test")
}

pub async fn centre_and_agencies(store: &dyn Store) {
    init(store).await;
    assert_eq!(store.centre().await.unwrap(), centre());
    let a = Agency {
        id: AgencyId::parse("fr-paf").unwrap(),
        name: "Police aux frontières".into(),
        kind: AgencyKind::BorderGuard,
        country: "fr".into(),
    };
    store.put_agency(&a).await.unwrap();
    // putting again updates, never duplicates
    let a2 = Agency {
        name: "PAF".into(),
        ..a.clone()
    };
    store.put_agency(&a2).await.unwrap();
    assert_eq!(store.agencies().await.unwrap(), vec![a2]);
}

pub async fn write_and_read_back(store: &dyn Store) {
    init(store).await;
    let r = plain(1, "fr-paf");
    let out = store
        .write(&WriteBatch {
            reports: vec![r.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.inserted, 1);
    assert_eq!(out.statements, r.statements().len() as u64);
    let got = store.report(&all(), &r.id).await.unwrap().unwrap();
    assert_eq!(got.report, r);
    assert_eq!(got.version, 1);
    assert_eq!(got.content_hash, r.content_hash().0);
    let person = r.entity_id(&r.entities[0]);
    let st = store.entity(&all(), &person).await.unwrap();
    let mut props: Vec<_> = st
        .iter()
        .map(|s| (s.prop.as_str(), s.value.as_str()))
        .collect();
    props.sort();
    assert_eq!(
        props,
        vec![
            ("name", "Person 1"),
            ("nationality", "sy"),
            ("role", "driver")
        ]
    );
    let s = &st[0];
    assert_eq!(s.report_id, r.id);
    assert_eq!(s.agency.as_str(), "fr-paf");
    assert_eq!(s.grading.as_deref(), Some("B2"));
    assert_eq!(s.reported_at, r.reported_at);
    assert_eq!(s.observed_at, r.observed_at);
    // the phone's owner edge points at the person
    let phone = store
        .entity(&all(), &r.entity_id(&r.entities[1]))
        .await
        .unwrap();
    let owner = phone.iter().find(|s| s.prop == "owner").unwrap();
    assert!(owner.is_ref);
    assert_eq!(owner.value, person.as_str());
    // unknown ids read as nothing
    let nobody = EntityId::parse("fr-ncc:ent:nobody").unwrap();
    assert!(store.entity(&all(), &nobody).await.unwrap().is_empty());
}

pub async fn rewrite_is_idempotent(store: &dyn Store) {
    init(store).await;
    let batch = WriteBatch {
        reports: vec![plain(1, "fr-paf"), plain(2, "fr-paf")],
        ..Default::default()
    };
    store.write(&batch).await.unwrap();
    let before = store.stats(&all()).await.unwrap();
    let again = store.write(&batch).await.unwrap();
    assert_eq!(
        again,
        WriteOutcome {
            duplicates: 2,
            ..Default::default()
        }
    );
    assert_eq!(store.stats(&all()).await.unwrap(), before);
    // the same report twice in one batch is also one report
    let dup = WriteBatch {
        reports: vec![plain(3, "fr-paf"), plain(3, "fr-paf")],
        ..Default::default()
    };
    let out = store.write(&dup).await.unwrap();
    assert_eq!((out.inserted, out.duplicates), (1, 1));
}

pub async fn changed_content_becomes_a_new_version(store: &dyn Store) {
    init(store).await;
    let v1 = plain(1, "fr-paf");
    store
        .write(&WriteBatch {
            reports: vec![v1.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    let mut v2 = v1.clone();
    v2.entities[0]
        .properties
        .insert("name".into(), vec!["Corrected Name".into()]);
    assert_eq!(v1.id, v2.id);
    let out = store
        .write(&WriteBatch {
            reports: vec![v2.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.new_versions, 1);
    let got = store.report(&all(), &v1.id).await.unwrap().unwrap();
    assert_eq!((got.version, got.report.clone()), (2, v2.clone()));
    let names: Vec<String> = store
        .entity(&all(), &v2.entity_id(&v2.entities[0]))
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.prop == "name")
        .map(|s| s.value)
        .collect();
    assert_eq!(names, vec!["Corrected Name".to_string()]);
    let stats = store.stats(&all()).await.unwrap();
    assert_eq!((stats.reports, stats.report_versions), (1, 2));
    // re-sending the old version does not roll the report back
    let out = store
        .write(&WriteBatch {
            reports: vec![v1.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.duplicates + out.new_versions, 1);
    let cur = store.report(&all(), &v1.id).await.unwrap().unwrap();
    assert_eq!(
        cur.report, v2,
        "an older version must not become current again"
    );
}

pub async fn scope_filters_every_label(store: &dyn Store) {
    init(store).await;
    let reports = vec![
        report(1, "fr-paf", "AMBER", "H0", "restricted"),
        report(2, "fr-gn", "AMBER", "H0", "restricted"),
        report(3, "fr-paf", "RED", "H0", "restricted"),
        report(4, "fr-paf", "AMBER", "H2", "restricted"),
        report(5, "fr-paf", "AMBER", "H0", "secret"),
    ];
    store
        .write(&WriteBatch {
            reports: reports.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let cases: Vec<(LabelFilter, BTreeSet<u32>)> = vec![
        (filter(None), [1, 2, 3, 4, 5].into()),
        (filter(Some(&["fr-paf"])), [1, 3, 4, 5].into()),
        (filter(Some(&[])), [].into()),
        (
            LabelFilter {
                max_tlp: Tlp::Amber,
                ..filter(None)
            },
            [1, 2, 4, 5].into(),
        ),
        (
            LabelFilter {
                handling: [HandlingCode::H0, HandlingCode::H1].into(),
                ..filter(None)
            },
            [1, 2, 3, 5].into(),
        ),
        (
            LabelFilter {
                max_classification: Classification::Confidential,
                ..filter(None)
            },
            [1, 2, 3, 4].into(),
        ),
    ];
    for (f, want) in cases {
        let scope = Scope::restricted(f.clone(), "test");
        let visible: BTreeSet<u32> = reports
            .iter()
            .enumerate()
            .filter(|(_, r)| scope.admits(r))
            .map(|(i, _)| i as u32 + 1)
            .collect();
        assert_eq!(visible, want, "reference check for {f:?}");
        for (i, r) in reports.iter().enumerate() {
            let n = i as u32 + 1;
            let seen = want.contains(&n);
            assert_eq!(
                store.report(&scope, &r.id).await.unwrap().is_some(),
                seen,
                "report {n} {f:?}"
            );
            let e = store
                .entity(&scope, &r.entity_id(&r.entities[0]))
                .await
                .unwrap();
            assert_eq!(!e.is_empty(), seen, "entity of report {n} {f:?}");
            let hits = store
                .find_by_value(&scope, Some("name"), &format!("Person {n}"), 10)
                .await
                .unwrap();
            assert_eq!(!hits.is_empty(), seen, "value hit of report {n} {f:?}");
        }
        let listed: BTreeSet<u32> = store
            .reports(
                &scope,
                &ReportQuery {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.report.source_ref.as_ref().unwrap()[4..].parse().unwrap())
            .collect();
        assert_eq!(listed, want, "list {f:?}");
        let exported: Vec<StoredReport> = store.export(&scope).try_collect().await.unwrap();
        assert_eq!(exported.len(), want.len(), "export {f:?}");
        let stats = store.stats(&scope).await.unwrap();
        assert_eq!(stats.reports, want.len() as u64, "stats {f:?}");
    }
}

/// A union of clauses: "own agency (fr-paf) up to RED and H2; other agencies up to
/// AMBER, H0–H1". Also: the empty union and a union of only empty clauses see nothing.
pub async fn union_scope_admits_any_clause(store: &dyn Store) {
    init(store).await;
    let reports = vec![
        report(1, "fr-paf", "RED", "H2", "restricted"),
        report(2, "fr-gn", "RED", "H0", "restricted"),
        report(3, "fr-gn", "AMBER", "H1", "restricted"),
        report(4, "fr-gn", "AMBER", "H2", "restricted"),
        report(5, "fr-paf", "AMBER", "H0", "secret"),
        report(6, "fr-douane", "GREEN", "H0", "unclassified"),
    ];
    store
        .write(&WriteBatch {
            reports: reports.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let own = LabelFilter {
        max_classification: Classification::Confidential,
        ..filter(Some(&["fr-paf"]))
    };
    let others = LabelFilter {
        agencies: None,
        max_classification: Classification::Confidential,
        max_tlp: Tlp::Amber,
        handling: [HandlingCode::H0, HandlingCode::H1].into(),
    };
    let empty_clause = filter(Some(&[]));
    let cases: Vec<(ScopeFilter, BTreeSet<u32>)> = vec![
        (
            ScopeFilter::any_of([own.clone(), others.clone()]),
            [1, 3, 6].into(),
        ),
        (ScopeFilter::any_of([own.clone()]), [1].into()),
        (ScopeFilter::any_of([others.clone()]), [3, 6].into()),
        (
            ScopeFilter::any_of([empty_clause.clone(), others.clone()]),
            [3, 6].into(),
        ),
        (ScopeFilter::nothing(), [].into()),
        (ScopeFilter::any_of([empty_clause]), [].into()),
    ];
    for (f, want) in cases {
        let scope = Scope::union(f.clone(), "test");
        let visible: BTreeSet<u32> = reports
            .iter()
            .enumerate()
            .filter(|(_, r)| scope.admits(r))
            .map(|(i, _)| i as u32 + 1)
            .collect();
        assert_eq!(visible, want, "reference check for {f:?}");
        for (i, r) in reports.iter().enumerate() {
            let n = i as u32 + 1;
            let seen = want.contains(&n);
            assert_eq!(
                store.report(&scope, &r.id).await.unwrap().is_some(),
                seen,
                "report {n} {f:?}"
            );
            let e = store
                .entity(&scope, &r.entity_id(&r.entities[0]))
                .await
                .unwrap();
            assert_eq!(!e.is_empty(), seen, "entity of report {n} {f:?}");
        }
        let listed = store
            .reports(
                &scope,
                &ReportQuery {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(listed.len(), want.len(), "list {f:?}");
        let stats = store.stats(&scope).await.unwrap();
        assert_eq!(stats.reports, want.len() as u64, "stats {f:?}");
        let exported: Vec<StoredReport> = store.export(&scope).try_collect().await.unwrap();
        assert_eq!(exported.len(), want.len(), "export {f:?}");
    }
}

pub async fn report_queries_by_time_area_and_page(store: &dyn Store) {
    init(store).await;
    let reports: Vec<Report> = (0..10).map(|n| plain(n, "fr-paf")).collect();
    store
        .write(&WriteBatch {
            reports: reports.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let q = |from: u32, until: u32| ReportQuery {
        from: Some(Utc.with_ymd_and_hms(2025, 3, from, 0, 0, 0).unwrap()),
        until: Some(Utc.with_ymd_and_hms(2025, 3, until, 0, 0, 0).unwrap()),
        limit: 100,
        ..Default::default()
    };
    // reports n are on day 1+n at 10:00; [3rd, 6th) holds n = 2, 3, 4
    let got = store.reports(&all(), &q(3, 6)).await.unwrap();
    let ns: Vec<&str> = got
        .iter()
        .map(|r| r.report.source_ref.as_deref().unwrap())
        .collect();
    assert_eq!(ns, vec!["REF-2", "REF-3", "REF-4"]);
    // area: longitudes 1.0 + 0.1 n; a box over 1.25..1.55 holds n = 3, 4, 5
    let area = ReportQuery {
        bbox: Some((1.25, 49.0, 1.55, 51.0)),
        limit: 100,
        ..Default::default()
    };
    let got = store.reports(&all(), &area).await.unwrap();
    let ns: Vec<&str> = got
        .iter()
        .map(|r| r.report.source_ref.as_deref().unwrap())
        .collect();
    assert_eq!(ns, vec!["REF-3", "REF-4", "REF-5"]);
    // paging walks everything once, in order
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .reports(
                &all(),
                &ReportQuery {
                    after: after.clone(),
                    limit: 3,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        let last = page.last().unwrap();
        after = Some((last.report.reported_at, last.report.id.clone()));
        seen.extend(page.into_iter().map(|r| r.report.id));
    }
    let mut want: Vec<_> = reports
        .iter()
        .map(|r| (r.reported_at, r.id.clone()))
        .collect();
    want.sort();
    assert_eq!(seen, want.into_iter().map(|(_, id)| id).collect::<Vec<_>>());
    // an agency filter
    let other = ReportQuery {
        agency: Some(AgencyId::parse("fr-gn").unwrap()),
        limit: 10,
        ..Default::default()
    };
    assert!(store.reports(&all(), &other).await.unwrap().is_empty());
}

pub async fn find_by_value_respects_scope(store: &dyn Store) {
    init(store).await;
    let a = plain(7, "fr-paf");
    let mut b = report(8, "fr-gn", "AMBER", "H0", "restricted");
    // the same phone number in two agencies' reports
    b.entities[1]
        .properties
        .insert("number".into(), vec!["+33612340007".into()]);
    store
        .write(&WriteBatch {
            reports: vec![a, b],
            ..Default::default()
        })
        .await
        .unwrap();
    let hits = store
        .find_by_value(&all(), Some("number"), "+33612340007", 10)
        .await
        .unwrap();
    assert_eq!(hits.len(), 2);
    let paf_only = Scope::restricted(filter(Some(&["fr-paf"])), "test");
    let hits = store
        .find_by_value(&paf_only, None, "+33612340007", 10)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].agency.as_str(), "fr-paf");
    let limited = store
        .find_by_value(&all(), None, "+33612340007", 1)
        .await
        .unwrap();
    assert_eq!(limited.len(), 1);
}

pub async fn stats_count_only_what_is_visible(store: &dyn Store) {
    init(store).await;
    let rs = vec![plain(1, "fr-paf"), plain(2, "fr-paf"), plain(3, "fr-gn")];
    let n_statements: usize = rs.iter().map(|r| r.statements().len()).sum();
    store
        .write(&WriteBatch {
            reports: rs,
            ..Default::default()
        })
        .await
        .unwrap();
    let s = store.stats(&all()).await.unwrap();
    assert_eq!(s.reports, 3);
    assert_eq!(s.statements, n_statements as u64);
    assert_eq!(s.entities, 6);
    assert_eq!(s.reports_by_agency.get("fr-paf"), Some(&2));
    assert_eq!(s.entities_by_schema.get("Phone"), Some(&3));
    let gn = store
        .stats(&Scope::restricted(filter(Some(&["fr-gn"])), "t"))
        .await
        .unwrap();
    assert_eq!((gn.reports, gn.entities), (1, 2));
    assert_eq!(
        gn.reports_by_agency.get("fr-paf"),
        None,
        "hidden agencies are not even named"
    );
}

pub async fn export_is_complete_and_ordered(store: &dyn Store) {
    init(store).await;
    let rs: Vec<Report> = (0..25).rev().map(|n| plain(n, "fr-paf")).collect();
    for chunk in rs.chunks(7) {
        store
            .write(&WriteBatch {
                reports: chunk.to_vec(),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let out: Vec<StoredReport> = store.export(&all()).try_collect().await.unwrap();
    assert_eq!(out.len(), 25);
    let keys: Vec<_> = out
        .iter()
        .map(|r| (r.report.reported_at, r.report.id.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for r in &rs {
        assert!(out.iter().any(|o| &o.report == r));
    }
}

pub async fn checkpoint_and_rejects_commit_with_the_batch(store: &dyn Store) {
    init(store).await;
    assert!(store.import_state("abc").await.unwrap().is_none());
    let reject = Reject {
        line: 3,
        field: "tlp".into(),
        rule: Rule::Vocabulary,
        message: "\"PURPLE\" is not a TLP marking".into(),
        raw: "{\"tlp\":\"PURPLE\"}".into(),
    };
    let cp = |n, finished| Checkpoint {
        source: "abc".into(),
        file_name: "x.jsonl".into(),
        records_done: n,
        finished,
    };
    let batch = WriteBatch {
        reports: vec![plain(1, "fr-paf")],
        rejects: vec![reject.clone()],
        checkpoint: Some(cp(3, false)),
    };
    store.write(&batch).await.unwrap();
    let st = store.import_state("abc").await.unwrap().unwrap();
    assert_eq!(st.checkpoint, cp(3, false));
    assert_eq!((st.outcome.inserted, st.rejected), (1, 1));
    let batch2 = WriteBatch {
        reports: vec![plain(1, "fr-paf"), plain(2, "fr-paf")],
        rejects: vec![],
        checkpoint: Some(cp(5, true)),
    };
    store.write(&batch2).await.unwrap();
    let st = store.import_state("abc").await.unwrap().unwrap();
    assert_eq!(st.checkpoint, cp(5, true));
    assert_eq!(
        (st.outcome.inserted, st.outcome.duplicates, st.rejected),
        (2, 1, 1)
    );
    assert_eq!(store.import_rejects("abc").await.unwrap(), vec![reject]);
    let s = store.stats(&all()).await.unwrap();
    assert_eq!((s.imports, s.rejects), (1, 1));
}

pub async fn empty_batch_is_fine(store: &dyn Store) {
    init(store).await;
    assert_eq!(
        store.write(&WriteBatch::default()).await.unwrap(),
        WriteOutcome::default()
    );
    assert_eq!(store.stats(&all()).await.unwrap().reports, 0);
}

/// Copying every report version and import into an empty store keeps versions, arrival
/// times, current flags, write order, statements and rejects; bad input writes nothing.
pub async fn versions_and_imports_copy_verbatim(from: &dyn Store, to: &dyn Store) {
    init(from).await;
    init(to).await;
    let mut changed = plain(1, "fr-paf");
    changed.narrative = Some("corrected".into());
    let cp = Checkpoint {
        source: "sha256:feed".into(),
        file_name: "paf.jsonl".into(),
        records_done: 4,
        finished: true,
    };
    let reject = Reject {
        line: 3,
        field: "tlp".into(),
        rule: Rule::Vocabulary,
        message: "unknown TLP".into(),
        raw: "{\"tlp\":\"PINK\"}".into(),
    };
    from.write(&WriteBatch {
        reports: vec![plain(1, "fr-paf"), plain(2, "fr-gn")],
        rejects: vec![reject.clone()],
        checkpoint: Some(cp.clone()),
    })
    .await
    .unwrap();
    from.write(&WriteBatch {
        reports: vec![changed.clone(), plain(3, "fr-paf")],
        ..Default::default()
    })
    .await
    .unwrap();
    let versions = from.report_versions(&all(), 0, 100).await.unwrap();
    assert_eq!(versions.len(), 4);
    assert!(versions.windows(2).all(|w| w[0].seq < w[1].seq));
    let ids: Vec<(String, u32, bool)> = versions
        .iter()
        .map(|v| (v.stored.report.id.to_string(), v.stored.version, v.current))
        .collect();
    let r1 = plain(1, "fr-paf").id.to_string();
    assert_eq!(ids[0], (r1.clone(), 1, false));
    assert_eq!(ids[2], (r1, 2, true));
    assert!(ids[1].2 && ids[3].2);
    // paging continues after the last position seen
    let tail = from
        .report_versions(&all(), versions[1].seq, 100)
        .await
        .unwrap();
    assert_eq!(tail, versions[2..].to_vec());
    // a restricted scope sees only the versions it may see
    let gn = Scope::restricted(filter(Some(&["fr-gn"])), "conformance test");
    assert_eq!(from.report_versions(&gn, 0, 100).await.unwrap().len(), 1);

    // a version whose hash does not match its report is refused, and nothing is written
    let mut bad = versions.clone();
    bad[3].stored.content_hash = versions[0].stored.content_hash.clone();
    assert!(to.restore_versions(&bad).await.is_err());
    assert!(to.report_versions(&all(), 0, 100).await.unwrap().is_empty());

    let statements = to.restore_versions(&versions[..2]).await.unwrap();
    assert_eq!(statements, 2 * plain(1, "fr-paf").statements().len() as u64);
    to.restore_versions(&versions[2..]).await.unwrap();
    // an (id, version) already held is refused
    assert!(to.restore_versions(&versions[..1]).await.is_err());
    let copied = to.report_versions(&all(), 0, 100).await.unwrap();
    let strip = |v: &[ReportVersion]| -> Vec<(StoredReport, bool)> {
        v.iter().map(|v| (v.stored.clone(), v.current)).collect()
    };
    assert_eq!(strip(&copied), strip(&versions));
    assert_eq!(
        to.stats(&all()).await.unwrap().statements,
        from.stats(&all()).await.unwrap().statements
    );
    let e = changed.statements()[0].entity_id.clone();
    assert_eq!(
        to.entity(&all(), &e).await.unwrap(),
        from.entity(&all(), &e).await.unwrap()
    );
    // a later write continues the copied history
    let mut again = changed.clone();
    again.narrative = Some("corrected twice".into());
    let out = to
        .write(&WriteBatch {
            reports: vec![again.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.new_versions, 1);
    assert_eq!(
        to.report(&all(), &again.id).await.unwrap().unwrap().version,
        3
    );

    // imports
    let states = from.imports().await.unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].checkpoint, cp);
    to.restore_import(&states[0], &from.import_rejects(&cp.source).await.unwrap())
        .await
        .unwrap();
    assert_eq!(to.imports().await.unwrap(), states);
    assert_eq!(to.import_rejects(&cp.source).await.unwrap(), vec![reject]);
    assert!(to.restore_import(&states[0], &[]).await.is_err());
}
