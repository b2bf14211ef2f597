//! Read latency at scale on both backends, in one run: identifier lookup
//! (`find_by_value`) and entity fetch (`entity`), p50 and p99, after loading the same
//! reports into a fresh SQLite store and a fresh PostgreSQL database.
//!
//! ```text
//! MOSAIC_BENCH_STATEMENTS=10000000 cargo bench -p mosaic-store-postgres --bench read_latency
//! ```
//!
//! `MOSAIC_BENCH_STATEMENTS` (default 1,000,000) is rounded to whole reports of 13
//! statements (the `import` bench's fixture); `MOSAIC_BENCH_QUERIES` (default 2,000)
//! queries of each kind, on ids and values drawn uniformly from the whole store; the
//! SQLite file goes to a temporary folder (`TMPDIR`), PostgreSQL to a throw-away database
//! on `MOSAIC_TEST_POSTGRES_URL`.

use std::time::{Duration, Instant};

use mosaic_store::{Scope, Store, WriteBatch};
use mosaic_store_postgres::testing::TestDb;
use mosaic_store_sqlite::SqliteStore;

mod common;
use common::report;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

const BATCH: usize = 5_000;

/// Loads `n` reports into `store` in batches; returns the time it took.
async fn load(store: &dyn Store, n: usize) -> Duration {
    let centre = mosaic_store::conformance::centre();
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + BATCH).min(n);
        let batch = WriteBatch {
            reports: (i..end).map(|k| report(&centre.id, k)).collect(),
            ..Default::default()
        };
        store.write(&batch).await.unwrap();
        i = end;
        if i % 100_000 < BATCH {
            eprintln!(
                "  {} {i}/{n} reports, {:.0} s",
                store.backend(),
                t.elapsed().as_secs_f64()
            );
        }
    }
    t.elapsed()
}

/// Times `queries` lookups and entity fetches on pseudo-random reports.
async fn measure(store: &dyn Store, n: usize, queries: usize) -> (Vec<Duration>, Vec<Duration>) {
    let centre = mosaic_store::conformance::centre();
    let all = Scope::system("benchmark");
    let (mut lookups, mut fetches) = (Vec::new(), Vec::new());
    // Warm-up is part of real use too, but a first query pays for opening files: skip 20.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for q in 0..queries + 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let r = report(&centre.id, (x % n as u64) as usize);
        let t = Instant::now();
        let hits = store
            .find_by_value(
                &all,
                Some("number"),
                &r.entities[1].properties["number"][0],
                100,
            )
            .await
            .unwrap();
        let lookup = t.elapsed();
        assert!(!hits.is_empty());
        let t = Instant::now();
        let st = store
            .entity(&all, &r.entity_id(&r.entities[0]))
            .await
            .unwrap();
        let fetch = t.elapsed();
        assert!(!st.is_empty());
        if q >= 20 {
            lookups.push(lookup);
            fetches.push(fetch);
        }
    }
    lookups.sort();
    fetches.sort();
    (lookups, fetches)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let statements = env_usize("MOSAIC_BENCH_STATEMENTS", 1_000_000);
    let queries = env_usize("MOSAIC_BENCH_QUERIES", 2_000).max(1);
    let centre = mosaic_store::conformance::centre();
    let per_report = report(&centre.id, 0).statements().len();
    let n = statements.div_ceil(per_report);
    eprintln!("{n} reports of {per_report} statements on each backend");

    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path()).await.unwrap();
    sqlite.set_centre(&centre).await.unwrap();
    let db = TestDb::create().await;
    let pg = db.store().await;
    pg.set_centre(&centre).await.unwrap();

    let mut rows = Vec::new();
    for store in [&sqlite as &dyn Store, &pg as &dyn Store] {
        let took = load(store, n).await;
        let stats = store.stats(&Scope::system("benchmark")).await.unwrap();
        assert_eq!(stats.reports as usize, n);
        if store.backend() == "postgres" {
            // Fresh statistics, as autovacuum would have them on a settled database.
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(db.url())
                .await
                .unwrap();
            sqlx::Executor::execute(&mut c, "VACUUM ANALYZE")
                .await
                .unwrap();
        }
        let (l, f) = measure(store, n, queries).await;
        rows.push((store.backend(), stats.statements, took, l, f));
    }

    println!();
    println!("{n} reports, {queries} queries of each kind (system scope)");
    println!(
        "{:<9} {:>12} {:>9} {:>15} {:>15} {:>13} {:>13}",
        "backend",
        "statements",
        "load s",
        "lookup p50 ms",
        "lookup p99 ms",
        "fetch p50 ms",
        "fetch p99 ms"
    );
    for (b, st, took, l, f) in &rows {
        println!(
            "{:<9} {:>12} {:>9.0} {:>15} {:>15} {:>13} {:>13}",
            b,
            st,
            took.as_secs_f64(),
            ms(percentile(l, 0.5)),
            ms(percentile(l, 0.99)),
            ms(percentile(f, 0.5)),
            ms(percentile(f, 0.99))
        );
    }
    pg.close().await;
    if std::env::var_os("MOSAIC_BENCH_KEEP").is_none() {
        db.drop_now().await;
    }
}
