//! Resolution under analysts' judgements, on a SQLite store: merges and splits recorded
//! as judgements, undone by later ones, `not_same` holding transitively; the review
//! queue; incremental resolution of a new report; explanations; the CSV export.
use std::sync::Arc;

use chrono::Utc;
use serde_json::json;

use mosaic_model::{CentreId, EntityId, Report};
use mosaic_resolve::{Resolver, ResolverConfig};
use mosaic_store::judgements::{JudgementStore, NewJudgement, Verdict};
use mosaic_store::{Scope, Store, WriteBatch};
use mosaic_store_sqlite::SqliteStore;

fn report(n: u32, agency: &str, person: serde_json::Value, phone: Option<&str>) -> Report {
    let mut entities = vec![json!({"key": "p", "schema": "Person", "properties": person})];
    if let Some(ph) = phone {
        entities.push(
            json!({"key": "ph", "schema": "Phone", "properties": {"number": ph, "owner": "p"}}),
        );
    }
    let v = json!({
        "agency": agency, "report_type": "interception", "source_ref": format!("R-{n}"),
        "reported_at": format!("2025-03-{:02}T10:00:00Z", n), "handling": "H0",
        "tlp": "AMBER", "classification": "restricted", "entities": entities,
    });
    Report::from_value(&CentreId::parse("fr-ncc").unwrap(), &v).unwrap()
}

fn person(r: &Report) -> EntityId {
    r.entity_id(&r.entities[0])
}

async fn store(reports: &[Report]) -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    s.set_centre(&mosaic_model::Centre {
        id: CentreId::parse("fr-ncc").unwrap(),
        name: "t".into(),
        country: "fr".into(),
    })
    .await
    .unwrap();
    s.write(&WriteBatch {
        reports: reports.to_vec(),
        ..Default::default()
    })
    .await
    .unwrap();
    (dir, s)
}

fn judge(a: &EntityId, b: &EntityId, v: Verdict) -> NewJudgement {
    NewJudgement {
        left: a.clone(),
        right: b.clone(),
        verdict: v,
        author: "fr-ncc:usr:analyst".into(),
        reason: "checked the photos".into(),
        at: Utc::now(),
    }
}

async fn resolve(s: &SqliteStore) -> Resolver {
    Resolver::from_store(s, s, &Scope::system("test"), ResolverConfig::default())
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn judgements_merge_split_and_hold_transitively() {
    let reps = vec![
        report(
            1,
            "fr-paf",
            json!({"name": "Mohammed AL-HASSAN", "birthDate": "1987-04-12", "nationality": "sy"}),
            Some("06 12 34 56 78"),
        ),
        report(
            2,
            "be-police",
            json!({"name": "Muhamad Alhasan", "birthDate": "1987-04-12", "nationality": "sy"}),
            Some("+33 6 12 34 56 78"),
        ),
        report(
            3,
            "it-gc",
            json!({"name": "محمد الحسن", "birthDate": "1987-04-12"}),
            None,
        ),
        report(
            4,
            "gr-hcg",
            json!({"name": "Rebwar Karwan", "birthDate": "1990"}),
            None,
        ),
    ];
    let (_d, s) = store(&reps).await;
    let (a, b, c, d) = (
        person(&reps[0]),
        person(&reps[1]),
        person(&reps[2]),
        person(&reps[3]),
    );
    let r = resolve(&s).await;
    // same phone in two writings, same birth date, transliterated names: one person
    assert_eq!(r.cluster_of(&a), r.cluster_of(&b));
    assert_eq!(r.cluster_of(&a), r.cluster_of(&c));
    assert_ne!(r.cluster_of(&a), r.cluster_of(&d));
    // an analyst can see which records from which agencies were joined, and why
    let view = r.cluster(&a).unwrap();
    let agencies: Vec<String> = view
        .members
        .iter()
        .filter(|m| m.schema == mosaic_model::Schema::Person)
        .map(|m| m.mentions[0].agency.to_string())
        .collect();
    assert_eq!(agencies.len(), 3, "{agencies:?}");
    assert!(!view.links.is_empty());
    let ex = r.explain(&a, &b).unwrap();
    assert!(ex.probability > 0.9);
    assert!(ex.features.iter().any(
        |f| f.contribution.feature == "phone, email or account" && f.contribution.weight > 0.0
    ));
    // split: c is not the same as a; it must leave the cluster, and stay apart from b
    // too (a and b are one person, so not_same holds transitively)
    s.record_judgement(&judge(&a, &c, Verdict::NotSame))
        .await
        .unwrap();
    let r = resolve(&s).await;
    assert_eq!(r.cluster_of(&a), r.cluster_of(&b));
    assert_ne!(r.cluster_of(&b), r.cluster_of(&c));
    // merge by hand: d is the same as c (different names, an analyst knows better)
    s.record_judgement(&judge(&c, &d, Verdict::Same))
        .await
        .unwrap();
    let r = resolve(&s).await;
    assert_eq!(r.cluster_of(&c), r.cluster_of(&d));
    // an analyst's `same` outranks the resolver's own links: b joins c and d, and a —
    // linked to b only by score — stays apart, since a is not c
    s.record_judgement(&judge(&b, &d, Verdict::Same))
        .await
        .unwrap();
    let r = resolve(&s).await;
    assert_eq!(r.cluster_of(&b), r.cluster_of(&d));
    assert_ne!(r.cluster_of(&a), r.cluster_of(&c));
    assert_eq!(r.stats().judgement_conflicts, 0);
    // judgements that contradict each other: the later `same` is not applied
    s.record_judgement(&judge(&a, &d, Verdict::Same))
        .await
        .unwrap();
    let r = resolve(&s).await;
    assert_ne!(r.cluster_of(&a), r.cluster_of(&c));
    assert_eq!(r.stats().judgement_conflicts, 1);
    s.record_judgement(&judge(&a, &d, Verdict::Retracted))
        .await
        .unwrap();
    // reversible: retract the split, and a is with c again
    s.record_judgement(&judge(&b, &d, Verdict::Retracted))
        .await
        .unwrap();
    s.record_judgement(&judge(&a, &c, Verdict::Retracted))
        .await
        .unwrap();
    let r = resolve(&s).await;
    assert_eq!(r.cluster_of(&a), r.cluster_of(&c));
    // the history is kept (audit)
    let hist = s.judgement_history(&Scope::system("t"), &a).await.unwrap();
    assert_eq!(hist.len(), 4, "{hist:?}");
}

#[tokio::test]
async fn incremental_review_and_export() {
    let reps = vec![
        report(
            1,
            "fr-paf",
            json!({"name": "Karwan Aziz", "birthDate": "1991-02-03", "nationality": "iq"}),
            Some("+9647701234567"),
        ),
        report(
            2,
            "be-police",
            json!({"name": "Dler Aram", "birthDate": "1985"}),
            None,
        ),
    ];
    let (_d, s) = store(&reps).await;
    let (mut r, ctx) =
        Resolver::from_store(&*s, &*s, &Scope::system("t"), ResolverConfig::default())
            .await
            .unwrap();
    // a new report: the same man by his phone, written nationally by an Iraqi agency
    let new = report(
        5,
        "iq-police",
        json!({"name": "KARWAN Aziz", "birthDate": "1991"}),
        Some("0770 123 4567"),
    );
    let t = std::time::Instant::now();
    let out = r.add_report(&new, &ctx);
    assert!(t.elapsed().as_millis() < 1_000);
    let (id, cluster) = &out[0];
    assert_eq!(*id, person(&new));
    assert_eq!(Some(cluster.clone()), r.cluster_of(&person(&reps[0])));
    // the CSV has one row per record, with its entity
    let mut buf = Vec::new();
    let n = mosaic_resolve::export::write_resolution_csv(&r, &mut buf).unwrap();
    let csv = String::from_utf8(buf).unwrap();
    assert!(csv.starts_with("source_record_id,entity_id\n"));
    assert_eq!(n as usize, csv.lines().count() - 1);
    assert!(csv.contains(&format!("{},{}", person(&new), cluster)));
    // nothing uncertain here
    assert!(r
        .review_queue(10)
        .iter()
        .all(|i| i.probability < r.config().match_probability || i.left != i.right));
}
