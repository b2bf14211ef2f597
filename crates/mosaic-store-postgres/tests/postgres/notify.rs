//! One process writes, another hears of it promptly.

use std::time::{Duration, Instant};

use mosaic_store::conformance::{centre, report};
use mosaic_store::{Store, WriteBatch};
use mosaic_store_postgres::testing::TestDb;
use mosaic_store_postgres::Change;

const PROMPTLY: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_is_notified_of_new_reports() {
    let db = TestDb::create().await;
    let writer = db.store().await;
    let reader = db.store().await;
    writer.set_centre(&centre()).await.unwrap();
    let mut sub = reader.subscribe().await.unwrap();

    let batch = WriteBatch {
        reports: (1..=3)
            .map(|n| report(n, "fr-paf", "AMBER", "H0", "restricted"))
            .collect(),
        ..Default::default()
    };
    let t0 = Instant::now();
    writer.write(&batch).await.unwrap();
    let change = tokio::time::timeout(PROMPTLY, sub.recv())
        .await
        .expect("notified within 5 s")
        .unwrap();
    let latency = t0.elapsed();
    let Change::Reports { reports, last_seq } = change else {
        panic!("unexpected {change:?}");
    };
    assert_eq!(reports, 3);
    assert!(last_seq >= 3);
    eprintln!("notification latency (write + commit + delivery): {latency:?}");

    // Re-sending the same content stores nothing and says nothing; the next real change
    // is the next notification.
    writer.write(&batch).await.unwrap();
    let mut v2 = batch.reports[0].clone();
    v2.narrative = Some("amended".into());
    writer
        .write(&WriteBatch {
            reports: vec![v2],
            ..Default::default()
        })
        .await
        .unwrap();
    let change = tokio::time::timeout(PROMPTLY, sub.recv())
        .await
        .expect("notified within 5 s")
        .unwrap();
    assert!(
        matches!(change, Change::Reports { reports: 1, last_seq: s } if s > last_seq),
        "{change:?}"
    );

    // A rolled-back batch (rejects without a checkpoint are refused) says nothing.
    let bad = WriteBatch {
        reports: vec![report(9, "fr-paf", "AMBER", "H0", "restricted")],
        rejects: vec![mosaic_store::Reject {
            line: 1,
            field: "x".into(),
            rule: mosaic_model::Rule::Syntax,
            message: "m".into(),
            raw: "r".into(),
        }],
        checkpoint: None,
    };
    assert!(writer.write(&bad).await.is_err());
    assert!(
        tokio::time::timeout(Duration::from_millis(300), sub.recv())
            .await
            .is_err(),
        "no notification for a rolled-back batch"
    );

    drop(sub);
    writer.close().await;
    reader.close().await;
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_is_a_stream() {
    use futures::StreamExt;
    let db = TestDb::create().await;
    let store = db.store().await;
    store.set_centre(&centre()).await.unwrap();
    let mut changes = store.subscribe().await.unwrap().into_stream();
    for n in 0..3 {
        store
            .write(&WriteBatch {
                reports: vec![report(n, "fr-gn", "AMBER", "H0", "restricted")],
                ..Default::default()
            })
            .await
            .unwrap();
    }
    for _ in 0..3 {
        let c = tokio::time::timeout(PROMPTLY, changes.next())
            .await
            .expect("notified")
            .expect("stream goes on")
            .unwrap();
        assert!(matches!(c, Change::Reports { reports: 1, .. }), "{c:?}");
    }
    drop(changes);
    store.close().await;
    db.drop_now().await;
}
