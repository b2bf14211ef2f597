//! Large batches go through binary COPY, small ones through INSERT … UNNEST: both paths
//! must store exactly the same thing.

use futures::TryStreamExt;

use mosaic_model::Report;
use mosaic_store::conformance::{centre, report};
use mosaic_store::{Scope, Store, StoredReport, WriteBatch};
use mosaic_store_postgres::testing::TestDb;
use mosaic_store_postgres::PgStore;

/// Reports with awkward text (COPY's special characters, quotes, non-ASCII), some
/// without a place or observation time (NULL columns), and some sent twice with other
/// content in the same batch (new versions within a batch).
fn reports() -> Vec<Report> {
    let mut out = Vec::new();
    for n in 0..150 {
        let mut r = report(
            n,
            if n % 2 == 0 { "fr-paf" } else { "fr-gn" },
            "AMBER",
            "H0",
            "restricted",
        );
        r.narrative = Some(format!(
            "tab\there\nnewline \\N backslash \\ quote \" é ü 中文 {n}"
        ));
        r.entities[0].properties.insert(
            "notes".into(),
            vec![format!("line one\r\nline\ttwo \\. end {n}")],
        );
        if n % 5 == 0 {
            r.place = None;
            r.observed_at = None;
            r.grading = None;
        }
        out.push(r.clone());
        if n % 10 == 0 {
            r.narrative = Some(format!("second version {n}"));
            out.push(r);
        }
    }
    out
}

async fn snapshot(s: &PgStore, rs: &[Report]) -> (Vec<(Report, u32, String)>, String, Vec<String>) {
    let all = Scope::system("test");
    let exported: Vec<StoredReport> = s.export(&all).try_collect().await.unwrap();
    let exported = exported
        .into_iter()
        .map(|r| (r.report, r.version, r.content_hash))
        .collect();
    let stats = format!("{:?}", s.stats(&all).await.unwrap());
    let mut statements = Vec::new();
    for r in rs.iter().step_by(7) {
        for m in &r.entities {
            for st in s.entity(&all, &r.entity_id(m)).await.unwrap() {
                statements.push(format!("{st:?}"));
            }
        }
    }
    (exported, stats, statements)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_and_insert_paths_store_the_same() {
    let rs = reports();
    let (bulk_db, small_db) = (TestDb::create().await, TestDb::create().await);
    let (bulk, small) = (bulk_db.store().await, small_db.store().await);
    for s in [&bulk, &small] {
        s.set_centre(&centre()).await.unwrap();
    }
    let out_bulk = bulk
        .write(&WriteBatch {
            reports: rs.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        out_bulk.statements >= 128 && rs.len() >= 128,
        "takes the COPY path"
    );
    let mut out_small = mosaic_store::WriteOutcome::default();
    for r in &rs {
        out_small += small
            .write(&WriteBatch {
                reports: vec![r.clone()],
                ..Default::default()
            })
            .await
            .unwrap();
    }
    assert_eq!(out_bulk, out_small);
    assert_eq!((out_bulk.inserted, out_bulk.new_versions), (150, 15));

    let (a, b) = (snapshot(&bulk, &rs).await, snapshot(&small, &rs).await);
    assert_eq!(a.0.len(), 150);
    assert_eq!(a.0, b.0, "exported reports");
    assert_eq!(a.1, b.1, "stats");
    assert_eq!(a.2, b.2, "statements");
    // Text came back byte for byte, and the newest version is current.
    let all = Scope::system("test");
    for r in rs.iter().filter(|r| {
        r.narrative
            .as_deref()
            .is_some_and(|n| n.starts_with("second"))
    }) {
        let got = bulk.report(&all, &r.id).await.unwrap().unwrap();
        assert_eq!((got.version, &got.report), (2, r));
    }
    let n3 = &rs[3 + 1]; // report 3 (after report 0's second version)
    let got = bulk.report(&all, &n3.id).await.unwrap().unwrap();
    assert_eq!(&got.report, n3);
    let hits = bulk
        .find_by_value(&all, Some("notes"), "line one\r\nline\ttwo \\. end 3", 5)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);

    bulk.close().await;
    small.close().await;
    bulk_db.drop_now().await;
    small_db.drop_now().await;
}
