//! Import throughput into PostgreSQL: `PgStore::write` side by side with `COPY` of the
//! same rows into tables with the same indexes and constraints (the practical ceiling).
//!
//! ```text
//! cargo bench -p mosaic-store-postgres --bench import
//! MOSAIC_BENCH_REPORTS=100000 MOSAIC_BENCH_BATCH=2000 cargo bench -p mosaic-store-postgres --bench import
//! ```
//!
//! Needs the server at `MOSAIC_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); works in a throw-away database
//! (`MOSAIC_BENCH_KEEP=1` keeps it, to look at query plans).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor, PgConnection};

use mosaic_model::{ContentHash, Report};
use mosaic_store::{Scope, Store, WriteBatch};
use mosaic_store_postgres::testing::TestDb;

mod common;
use common::report;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// COPY text-format escaping.
fn esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn opt<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
    match v {
        Some(v) => write!(out, "{v}").unwrap(),
        None => out.push_str("\\N"),
    }
}

/// The rows `PgStore::write` stores for a batch of new reports, as COPY text.
fn copy_rows(batch: &[Report], first_seq: i64, now: i64) -> (String, String) {
    let (mut reports, mut statements) = (String::new(), String::new());
    for (i, r) in batch.iter().enumerate() {
        let seq = first_seq + i as i64;
        let body = String::from_utf8(r.canonical_json()).unwrap();
        let hash = ContentHash::of_bytes(body.as_bytes()).0;
        let b = r.bbox();
        write!(
            reports,
            "{seq}\t{}\t1\tt\t{hash}\t{}\t{}\t{}\t{}\t",
            r.id,
            r.agency,
            r.handling.rank(),
            r.tlp.rank(),
            r.classification.rank()
        )
        .unwrap();
        opt(&mut reports, r.grading.map(|g| g.code_4x4()));
        write!(reports, "\t{}\t", r.reported_at.timestamp_micros()).unwrap();
        opt(&mut reports, r.observed_at.map(|t| t.timestamp_micros()));
        for k in 0..4 {
            reports.push('\t');
            opt(&mut reports, b.map(|b| [b.0, b.1, b.2, b.3][k]));
        }
        write!(reports, "\t{now}\t").unwrap();
        esc(&mut reports, &body);
        reports.push('\n');
        for (ord, s) in r.statements().iter().enumerate() {
            write!(
                statements,
                "{seq}\t{ord}\t{}\t{}\t",
                s.entity_id,
                s.schema.as_str()
            )
            .unwrap();
            esc(&mut statements, &s.prop);
            statements.push('\t');
            esc(&mut statements, &s.value);
            statements.push_str(if s.is_ref { "\tt\n" } else { "\tf\n" });
        }
    }
    (reports, statements)
}

const REPORT_COLS: &str = "seq, id, version, current, content_hash, agency, handling, tlp, classification, grading, reported_at, observed_at, min_lon, min_lat, max_lon, max_lat, stored_at, body";
const STATEMENT_COLS: &str = "report_seq, ord, entity_id, schema, prop, value, is_ref";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; there are no options of our own.
    let n = env_usize("MOSAIC_BENCH_REPORTS", 20_000);
    let batch_size = env_usize("MOSAIC_BENCH_BATCH", 1_000).max(1);
    let centre = mosaic_store::conformance::centre();
    eprintln!("generating {n} reports…");
    let reports: Vec<Report> = (0..n).map(|i| report(&centre.id, i)).collect();
    let statements: usize = reports.iter().map(|r| r.statements().len()).sum();

    let db = TestDb::create().await;
    let store = db.store().await;
    store.set_centre(&centre).await.unwrap();
    let mut conn = PgConnection::connect(db.url()).await.unwrap();
    let server: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await
        .unwrap();

    // The ceiling's tables: the store's own definitions, indexes and foreign key.
    conn.execute(
        "CREATE TABLE ceiling_reports (LIKE reports INCLUDING ALL);
         CREATE TABLE ceiling_statements (LIKE statements INCLUDING ALL);
         ALTER TABLE ceiling_statements ADD FOREIGN KEY (report_seq) REFERENCES ceiling_reports (seq);",
    )
    .await
    .unwrap();

    // 1. Both methods, one transaction per batch, interleaved batch by batch (alternating
    // which goes first) so that both see the same machine load, cache and checkpoint
    // state: on a shared 2-core machine, back-to-back phases differ by more than the
    // methods do. COPY rows are rendered beforehand (pure database time).
    eprintln!("importing…");
    let now = chrono::Utc::now().timestamp_micros();
    let t = Instant::now();
    let rendered: Vec<(String, String)> = reports
        .chunks(batch_size)
        .enumerate()
        .map(|(i, c)| copy_rows(c, 1 + (i * batch_size) as i64, now))
        .collect();
    let render_time = t.elapsed();
    conn.execute("CHECKPOINT").await.unwrap();
    let (mut copy_time, mut store_time) = (Duration::ZERO, Duration::ZERO);
    let mut written = 0;
    for (i, (c, (r, s))) in reports.chunks(batch_size).zip(&rendered).enumerate() {
        for step in 0..2 {
            if (i + step) % 2 == 0 {
                let t = Instant::now();
                let mut tx = conn.begin().await.unwrap();
                let mut copy = tx
                    .copy_in_raw(&format!("COPY ceiling_reports ({REPORT_COLS}) FROM STDIN"))
                    .await
                    .unwrap();
                copy.send(r.as_bytes()).await.unwrap();
                copy.finish().await.unwrap();
                let mut copy = tx
                    .copy_in_raw(&format!(
                        "COPY ceiling_statements ({STATEMENT_COLS}) FROM STDIN"
                    ))
                    .await
                    .unwrap();
                copy.send(s.as_bytes()).await.unwrap();
                copy.finish().await.unwrap();
                tx.commit().await.unwrap();
                copy_time += t.elapsed();
            } else {
                let t = Instant::now();
                let out = store
                    .write(&WriteBatch {
                        reports: c.to_vec(),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                store_time += t.elapsed();
                written += out.statements;
            }
        }
    }
    drop(rendered);
    assert_eq!(written as usize, statements);

    // 3. Re-sending everything: all duplicates (the resume / re-import path).
    let t = Instant::now();
    for c in reports.chunks(batch_size) {
        let out = store
            .write(&WriteBatch {
                reports: c.to_vec(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(out.duplicates as usize, c.len());
    }
    let dup_time = t.elapsed();

    // Sanity: the ceiling holds exactly what the store holds.
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM ceiling_statements) - (SELECT COUNT(*) FROM statements), \
                (SELECT COUNT(*) FROM ceiling_reports) - (SELECT COUNT(*) FROM reports)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(counts, (0, 0), "both methods stored the same rows");

    // 4. Read latency at this size (small; the 10M-statement figures need a bigger run).
    conn.execute("ANALYZE").await.unwrap();
    let all = Scope::system("benchmark");
    let mut lookups = Vec::new();
    let mut entities = Vec::new();
    for i in 0..500 {
        let r = &reports[(i * 7919) % n];
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
        lookups.push(t.elapsed());
        assert!(!hits.is_empty());
        let t = Instant::now();
        let st = store
            .entity(&all, &r.entity_id(&r.entities[0]))
            .await
            .unwrap();
        entities.push(t.elapsed());
        assert!(!st.is_empty());
    }
    lookups.sort();
    entities.sort();

    let rate = |d: Duration| statements as f64 / d.as_secs_f64();
    println!();
    println!("PostgreSQL {server}: {n} reports, {statements} statements, batches of {batch_size}");
    println!(
        "{:<44} {:>9} {:>14} {:>11} {:>8}",
        "method", "seconds", "statements/s", "reports/s", "vs COPY"
    );
    let row = |name: &str, d: Duration| {
        println!(
            "{:<44} {:>9.2} {:>14.0} {:>11.0} {:>8.2}",
            name,
            d.as_secs_f64(),
            rate(d),
            n as f64 / d.as_secs_f64(),
            rate(d) / rate(copy_time)
        );
    };
    row("COPY, same rows, indexes and FK (ceiling)", copy_time);
    row("PgStore::write (new reports)", store_time);
    row("PgStore::write (all duplicates)", dup_time);
    println!(
        "(rendering the COPY rows from the reports took {:.2} s of client CPU, not counted above)",
        render_time.as_secs_f64()
    );
    println!();
    println!(
        "{:<44} {:>9} {:>9}",
        "read (500 each, system scope)", "p50 ms", "p99 ms"
    );
    println!(
        "{:<44} {:>9} {:>9}",
        "find_by_value (identifier lookup)",
        ms(percentile(&lookups, 0.5)),
        ms(percentile(&lookups, 0.99))
    );
    println!(
        "{:<44} {:>9} {:>9}",
        "entity (all statements of one entity)",
        ms(percentile(&entities, 0.5)),
        ms(percentile(&entities, 0.99))
    );

    conn.close().await.unwrap();
    store.close().await;
    if std::env::var_os("MOSAIC_BENCH_KEEP").is_some() {
        // For looking at plans by hand; stale test databases are dropped hours later.
        eprintln!("kept database {}", db.name());
        std::mem::forget(db);
    } else {
        db.drop_now().await;
    }
}
