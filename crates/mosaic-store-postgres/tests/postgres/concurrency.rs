//! Two stores on one database stand in for two `mosaic serve` processes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use mosaic_model::Report;
use mosaic_store::conformance::{centre, report};
use mosaic_store::{Scope, Store, WriteBatch, WriteOutcome};
use mosaic_store_postgres::testing::TestDb;
use mosaic_store_postgres::{PgStore, PgStoreOptions};
use sqlx::{Connection, Row};

const IDS: u32 = 12;
const ROUNDS: u32 = 15;
const WRITERS: u32 = 4;

/// Writer `w`'s content for report `n` in round `round`: same id for every writer and
/// round (the id comes from the source reference), different content.
fn variant(n: u32, w: u32, round: u32) -> Report {
    let mut r = report(n, "fr-paf", "AMBER", "H0", "restricted");
    r.narrative = Some(format!("writer {w} round {round}"));
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_lose_no_update_and_keep_one_current_version() {
    let db = TestDb::create().await;
    // `a` locks each report id; `b` has too low a limit for its batches of 13 ids and
    // takes the exclusive batch lock instead: both disciplines must mix safely.
    let a = Arc::new(db.store().await);
    let b = Arc::new(
        PgStore::connect_with(
            db.url(),
            PgStoreOptions {
                max_id_locks: 4,
                ..Default::default()
            },
        )
        .await
        .unwrap(),
    );
    a.set_centre(&centre()).await.unwrap();

    // Each writer sends every id each round (in its own order, to vary lock order),
    // with content unique to (writer, round) plus one shared variant everybody sends:
    // exactly one of those must be stored, the rest are duplicates.
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store: Arc<PgStore> = if w % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut total = WriteOutcome::default();
            for round in 0..ROUNDS {
                let mut ids: Vec<u32> = (0..IDS).collect();
                ids.rotate_left(((w * 5 + round) % IDS) as usize);
                if w % 2 == 1 {
                    ids.reverse();
                }
                let mut reports: Vec<Report> = ids.iter().map(|&n| variant(n, w, round)).collect();
                reports.push(variant(round % IDS, 99, round));
                let out = store
                    .write(&WriteBatch {
                        reports,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                total += out;
            }
            total
        }));
    }
    let mut total = WriteOutcome::default();
    for t in tasks {
        total += t.await.unwrap();
    }

    let distinct = u64::from(IDS * ROUNDS * WRITERS + ROUNDS);
    let sent = distinct + u64::from(ROUNDS * (WRITERS - 1));
    assert_eq!(total.inserted, u64::from(IDS), "{total:?}");
    assert_eq!(
        total.inserted + total.new_versions,
        distinct,
        "every distinct content is stored once: {total:?}"
    );
    assert_eq!(total.duplicates, sent - distinct, "{total:?}");

    // Straight from the tables: versions 1..n without gaps, one current version, and
    // it is the newest.
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let rows = sqlx::query("SELECT id, version, current, narrative FROM (SELECT id, version, current, body::json->>'narrative' AS narrative FROM reports) x ORDER BY id, version")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let mut by_id: BTreeMap<String, Vec<(i32, bool, String)>> = BTreeMap::new();
    for r in &rows {
        by_id
            .entry(r.get(0))
            .or_default()
            .push((r.get(1), r.get(2), r.get(3)));
    }
    assert_eq!(by_id.len(), IDS as usize);
    let mut stored_contents = 0;
    for (id, versions) in &by_id {
        let numbers: Vec<i32> = versions.iter().map(|v| v.0).collect();
        assert_eq!(
            numbers,
            (1..=versions.len() as i32).collect::<Vec<_>>(),
            "{id}"
        );
        let current: Vec<i32> = versions.iter().filter(|v| v.1).map(|v| v.0).collect();
        assert_eq!(
            current,
            vec![versions.len() as i32],
            "{id}: one current, the newest"
        );
        let contents: BTreeSet<&str> = versions.iter().map(|v| v.2.as_str()).collect();
        assert_eq!(
            contents.len(),
            versions.len(),
            "{id}: no content stored twice"
        );
        stored_contents += versions.len();
    }
    assert_eq!(stored_contents as u64, distinct, "no update lost");

    // Each store reads what the other wrote, and statements follow the current version.
    let all = Scope::system("test");
    let stats_a = a.stats(&all).await.unwrap();
    assert_eq!(stats_a, b.stats(&all).await.unwrap());
    assert_eq!(stats_a.reports, u64::from(IDS));
    assert_eq!(stats_a.report_versions, distinct);
    let per_report = variant(0, 0, 0).statements().len() as u64;
    assert_eq!(stats_a.statements, u64::from(IDS) * per_report);

    conn.close().await.unwrap();
    a.close().await;
    b.close().await;
    db.drop_now().await;
}

/// Several processes opening a fresh database at once: migrations run exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_migrate_once() {
    let db = TestDb::create().await;
    let url = db.url().to_owned();
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgStore::connect(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for o in opens {
        stores.push(o.await.unwrap().expect("every concurrent open succeeds"));
    }
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let v: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'schema_version'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(v, mosaic_store_postgres::SCHEMA_VERSION.to_string());
    conn.close().await.unwrap();
    for s in stores {
        s.close().await;
    }
    db.drop_now().await;
}

/// Two processes (two stores, two pools) appending to one audit chain, in single entries
/// and batches, spawned on separate tasks: the chain stays one total order — gap-free
/// sequence numbers, each entry sealed against the one before — and verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_audit_appenders_in_two_processes_keep_one_chain() {
    use mosaic_store::audit::{verify, AuditStore};
    use mosaic_store::conformance_audit::event;

    let db = TestDb::create().await;
    let stores = [Arc::new(db.store().await), Arc::new(db.store().await)];
    let mut tasks = Vec::new();
    for w in 0..6u64 {
        let s = stores[(w % 2) as usize].clone();
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..10u64 {
                if i % 4 == 3 {
                    let batch: Vec<_> = (0..3).map(|k| event(w * 1000 + i * 10 + k)).collect();
                    let recs = s.append_audit_batch(&batch).await.unwrap();
                    // a batch is contiguous: nobody slips in between its entries
                    assert!(recs.windows(2).all(|p| p[1].seq == p[0].seq + 1));
                    seqs.extend(recs.iter().map(|r| r.seq));
                } else {
                    seqs.push(s.append_audit(&event(w * 1000 + i)).await.unwrap().seq);
                }
            }
            seqs
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    let total = 6 * (8 + 2 * 3);
    assert_eq!(all, (1..=total).collect::<Vec<u64>>());
    let head = stores[1].audit_head().await.unwrap().unwrap();
    assert_eq!(head.seq, total);
    let report = verify(&*stores[0], Default::default()).await.unwrap();
    assert!(report.problem.is_none(), "{report:?}");
    assert_eq!(report.entries, total);
    for s in &stores {
        s.close().await;
    }
    db.drop_now().await;
}
