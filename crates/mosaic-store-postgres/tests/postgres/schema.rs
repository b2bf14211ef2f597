//! Migrations, reopening, and PostgreSQL-specific limits.

use mosaic_store::conformance::{centre, report};
use mosaic_store::{Scope, Store, StoreError, WriteBatch};
use mosaic_store_postgres::testing::TestDb;
use mosaic_store_postgres::PgStore;
use sqlx::Connection;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_keeps_data_and_refuses_a_newer_schema() {
    let db = TestDb::create().await;
    let s = db.store().await;
    assert!(matches!(s.centre().await, Err(StoreError::NotInitialised)));
    s.set_centre(&centre()).await.unwrap();
    let r = report(1, "fr-paf", "AMBER", "H0", "restricted");
    s.write(&WriteBatch {
        reports: vec![r.clone()],
        ..Default::default()
    })
    .await
    .unwrap();
    s.close().await;

    let s = db.store().await;
    let got = s
        .report(&Scope::system("test"), &r.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.report, r);
    assert_eq!(got.content_hash, r.content_hash().0);
    s.close().await;

    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    sqlx::query("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    match PgStore::connect(db.url()).await {
        Err(StoreError::TooNew { found: 999, .. }) => {}
        other => panic!("expected TooNew, got {other:?}"),
    }
    db.drop_now().await;
}

/// Values may be 10 000 bytes (the model's limit): more than a B-tree index entry holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_values_are_stored_and_found() {
    let db = TestDb::create().await;
    let s = db.store().await;
    s.set_centre(&centre()).await.unwrap();
    let mut r = report(1, "fr-paf", "AMBER", "H0", "restricted");
    // Incompressible text, so index-entry compression cannot hide the size.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let notes: String = (0..10_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 90) as u8)
        })
        .collect();
    r.entities[0]
        .properties
        .insert("notes".into(), vec![notes.clone()]);
    s.write(&WriteBatch {
        reports: vec![r.clone()],
        ..Default::default()
    })
    .await
    .unwrap();
    let hits = s
        .find_by_value(&Scope::system("test"), Some("notes"), &notes, 10)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].value, notes);
    s.close().await;
    db.drop_now().await;
}
