//! The embedded store: one SQLite file (`mosaic.db`) in a data folder.
//!
//! - WAL journal, `synchronous = NORMAL`: a killed process leaves the last committed
//!   transaction intact and nothing half-written.
//! - One writer connection behind a mutex (SQLite allows one writer anyway; taking it in
//!   process avoids busy-upgrade deadlocks), `BEGIN IMMEDIATE` for every batch; a pool of
//!   readers alongside.
//! - Statements are lean rows (entity, property, value) pointing at their report; labels
//!   and provenance live on the report row and every read joins it, so the scope filter is
//!   one `WHERE` on the report and superseding a version touches one row.
#![forbid(unsafe_code)]

mod accounts;
mod agreements;
mod audit;
mod copy;
mod judgements;
mod migrations;
mod permissions;
mod referrals;
mod retention;
mod sql;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::Utc;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, Row};
use tokio::sync::Mutex;

use mosaic_model::{Agency, Centre, EntityId, Report, ReportId, Rule};
use mosaic_store::{
    Checkpoint, ImportState, Reject, ReportQuery, ReportVersion, Result, Scope, Stats, Store,
    StoreError, StoredReport, StoredStatement, WriteBatch, WriteOutcome,
};

use crate::sql::{from_micros, micros, ScopeSql};

/// The file name inside the data folder.
pub const DB_FILE: &str = "mosaic.db";

fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

struct Writer {
    conn: SqliteConnection,
    /// Set while a transaction is open; if a write future was dropped mid-way, the next
    /// write rolls the leftover transaction back first.
    in_tx: bool,
}

/// The SQLite store.
pub struct SqliteStore {
    path: PathBuf,
    readers: SqlitePool,
    writer: Mutex<Writer>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`, running migrations.
    pub async fn open(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Backend(format!("cannot create data folder {}: {e}", dir.display()))
        })?;
        Self::open_file(&dir.join(DB_FILE)).await
    }

    /// Opens (creating if needed) the store in one database file.
    pub async fn open_file(path: &Path) -> Result<SqliteStore> {
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(backend)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(60))
            .foreign_keys(true)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let mut conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(backend)?;
        migrations::run(&mut conn).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.read_only(true))
            .await
            .map_err(backend)?;
        tracing::debug!(path = %path.display(), "sqlite store open");
        Ok(SqliteStore {
            path: path.to_owned(),
            readers,
            writer: Mutex::new(Writer { conn, in_tx: false }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's own integrity check; returns its messages (empty when healthy).
    pub async fn integrity_check(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        let msgs: Vec<String> = rows
            .iter()
            .map(|r| r.get::<String, _>(0))
            .filter(|m| m != "ok")
            .collect();
        Ok(msgs)
    }

    /// Closes connections, checkpointing the WAL into the main file.
    pub async fn close(self) {
        self.readers.close().await;
        let w = self.writer.into_inner();
        let _ = w.conn.close().await;
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)
    }

    /// Runs `f` inside `BEGIN IMMEDIATE … COMMIT` on the writer connection; rolls back on
    /// error. A transaction left open by a dropped future is rolled back first.
    async fn with_tx<T, F>(&self, f: F) -> Result<T>
    where
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> futures::future::BoxFuture<'c, Result<T>>,
    {
        let mut w = self.writer.lock().await;
        Self::begin(&mut w).await?;
        let r = f(&mut w.conn).await;
        Self::finish(&mut w, r).await
    }

    async fn begin(w: &mut Writer) -> Result<()> {
        if w.in_tx {
            let _ = sqlx::query("ROLLBACK").execute(&mut w.conn).await;
            w.in_tx = false;
        }
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut w.conn)
            .await
            .map_err(backend)?;
        w.in_tx = true;
        Ok(())
    }

    async fn finish<T>(w: &mut Writer, r: Result<T>) -> Result<T> {
        match r {
            Ok(v) => {
                sqlx::query("COMMIT")
                    .execute(&mut w.conn)
                    .await
                    .map_err(backend)?;
                w.in_tx = false;
                Ok(v)
            }
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut w.conn).await;
                w.in_tx = false;
                Err(e)
            }
        }
    }
}

const REPORT_COLS: &str = "r.body, r.version, r.content_hash, r.stored_at";

fn stored_report(row: &SqliteRow) -> Result<StoredReport> {
    let body: String = row.get(0);
    let report: Report = serde_json::from_str(&body)
        .map_err(|e| StoreError::Corrupt(format!("report body does not parse: {e}")))?;
    Ok(StoredReport {
        report,
        version: row.get::<i64, _>(1) as u32,
        content_hash: row.get(2),
        stored_at: from_micros(row.get(3)),
    })
}

const STATEMENT_COLS: &str = "s.entity_id, s.schema, s.prop, s.value, s.is_ref, r.id, r.version, \
     r.agency, r.handling, r.tlp, r.classification, r.grading, r.reported_at, r.observed_at";

fn stored_statement(row: &SqliteRow) -> Result<StoredStatement> {
    let corrupt = |what: &str, e: mosaic_model::ValidationError| {
        StoreError::Corrupt(format!("statement {what}: {e}"))
    };
    Ok(StoredStatement {
        entity_id: EntityId::parse(row.get(0)).map_err(|e| corrupt("entity id", e))?,
        schema: mosaic_model::Schema::parse(row.get(1)).map_err(|e| corrupt("schema", e))?,
        prop: row.get(2),
        value: row.get(3),
        is_ref: row.get::<i64, _>(4) != 0,
        report_id: ReportId::parse(row.get(5)).map_err(|e| corrupt("report id", e))?,
        report_version: row.get::<i64, _>(6) as u32,
        agency: mosaic_model::AgencyId::parse(row.get(7)).map_err(|e| corrupt("agency", e))?,
        handling: sql::vocab(row.get(8))?,
        tlp: sql::vocab(row.get(9))?,
        classification: sql::vocab(row.get(10))?,
        grading: row.get(11),
        reported_at: from_micros(row.get(12)),
        observed_at: row.get::<Option<i64>, _>(13).map(from_micros),
    })
}

/// Existing versions of one report id.
#[derive(Default)]
struct Known {
    max_version: i64,
    current_seq: Option<i64>,
    hashes: HashSet<String>,
}

async fn write_batch(conn: &mut SqliteConnection, batch: &WriteBatch) -> Result<WriteOutcome> {
    let mut out = WriteOutcome::default();
    let now = micros(&Utc::now());
    // What we already hold for these ids.
    let mut known: HashMap<String, Known> = HashMap::new();
    let ids: Vec<&str> = {
        let mut v: Vec<&str> = batch.reports.iter().map(|r| r.id.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, version, content_hash, current, seq FROM reports WHERE id IN ({})",
            sql::placeholders(chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await.map_err(backend)? {
            let k = known.entry(row.get(0)).or_default();
            k.max_version = k.max_version.max(row.get(1));
            k.hashes.insert(row.get(2));
            if row.get::<i64, _>(3) == 1 {
                k.current_seq = Some(row.get(4));
            }
        }
    }
    let mut seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM reports")
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;

    let mut report_rows: Vec<sql::ReportRow> = Vec::new();
    let mut statement_rows: Vec<sql::StatementRow> = Vec::new();
    let mut superseded: Vec<i64> = Vec::new();
    for r in &batch.reports {
        // Serialise once: the body is stored and hashed.
        let body = r.canonical_json();
        let hash = mosaic_model::ContentHash::of_bytes(&body).0;
        let k = known.entry(r.id.to_string()).or_default();
        if k.hashes.contains(&hash) {
            out.duplicates += 1;
            continue;
        }
        seq += 1;
        if let Some(old) = k.current_seq.replace(seq) {
            superseded.push(old);
            out.new_versions += 1;
        } else {
            out.inserted += 1;
        }
        k.max_version += 1;
        k.hashes.insert(hash.clone());
        for s in r.statements() {
            statement_rows.push(sql::StatementRow::new(seq, s));
        }
        report_rows.push(sql::ReportRow::new(seq, k.max_version, hash, body, r, now));
    }
    out.statements = statement_rows.len() as u64;
    // Old versions first, so the (id, current) invariant holds at every step.
    for chunk in superseded.chunks(500) {
        let sql = format!(
            "UPDATE reports SET current = 0 WHERE seq IN ({})",
            sql::placeholders(chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for s in chunk {
            q = q.bind(*s);
        }
        q.execute(&mut *conn).await.map_err(backend)?;
    }
    // Rows superseded within this same batch never become current.
    let superseded_in_batch: HashSet<i64> = superseded.iter().copied().collect();
    for row in &mut report_rows {
        if superseded_in_batch.contains(&row.seq) {
            row.current = 0;
        }
    }
    sql::insert_reports(conn, &report_rows).await?;
    sql::insert_statements(conn, &statement_rows).await?;
    sql::insert_rejects(conn, batch).await?;
    if let Some(cp) = &batch.checkpoint {
        sql::upsert_import(conn, cp, &out, batch.rejects.len() as u64, now).await?;
    }
    Ok(out)
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn centre(&self) -> Result<Centre> {
        let v = self
            .get_meta("centre")
            .await?
            .ok_or(StoreError::NotInitialised)?;
        serde_json::from_str(&v).map_err(|e| StoreError::Corrupt(format!("centre: {e}")))
    }

    async fn set_centre(&self, centre: &Centre) -> Result<()> {
        let body = serde_json::to_string(centre).expect("centre serialises");
        self.with_tx(|c| {
            Box::pin(async move {
                sqlx::query("INSERT INTO meta(key, value) VALUES ('centre', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                    .bind(body)
                    .execute(c)
                    .await
                    .map_err(backend)?;
                Ok(())
            })
        })
        .await
    }

    async fn put_agency(&self, agency: &Agency) -> Result<()> {
        let body = serde_json::to_string(agency).expect("agency serialises");
        let id = agency.id.to_string();
        self.with_tx(|c| {
            Box::pin(async move {
                sqlx::query("INSERT INTO agencies(id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body")
                    .bind(id)
                    .bind(body)
                    .execute(c)
                    .await
                    .map_err(backend)?;
                Ok(())
            })
        })
        .await
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT body FROM agencies ORDER BY id")
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|b| {
                serde_json::from_str(b).map_err(|e| StoreError::Corrupt(format!("agency: {e}")))
            })
            .collect()
    }

    async fn write(&self, batch: &WriteBatch) -> Result<WriteOutcome> {
        if batch.reports.is_empty() && batch.rejects.is_empty() && batch.checkpoint.is_none() {
            return Ok(WriteOutcome::default());
        }
        let mut w = self.writer.lock().await;
        Self::begin(&mut w).await?;
        let r = write_batch(&mut w.conn, batch).await;
        Self::finish(&mut w, r).await
    }

    async fn import_state(&self, source: &str) -> Result<Option<ImportState>> {
        let row = sqlx::query(
            "SELECT file_name, records_done, finished, inserted, new_versions, duplicates, statements, rejected, started_at, updated_at FROM imports WHERE source = ?",
        )
        .bind(source)
        .fetch_optional(&self.readers)
        .await
        .map_err(backend)?;
        Ok(row.map(|r| ImportState {
            checkpoint: Checkpoint {
                source: source.to_owned(),
                file_name: r.get(0),
                records_done: r.get::<i64, _>(1) as u64,
                finished: r.get::<i64, _>(2) != 0,
            },
            outcome: WriteOutcome {
                inserted: r.get::<i64, _>(3) as u64,
                new_versions: r.get::<i64, _>(4) as u64,
                duplicates: r.get::<i64, _>(5) as u64,
                statements: r.get::<i64, _>(6) as u64,
            },
            rejected: r.get::<i64, _>(7) as u64,
            started_at: from_micros(r.get(8)),
            updated_at: from_micros(r.get(9)),
        }))
    }

    async fn import_rejects(&self, source: &str) -> Result<Vec<Reject>> {
        let rows = sqlx::query("SELECT line, field, rule, message, raw FROM import_rejects WHERE source = ? ORDER BY line, seq")
            .bind(source)
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let rule: String = r.get(2);
                Ok(Reject {
                    line: r.get::<i64, _>(0) as u64,
                    field: r.get(1),
                    rule: serde_json::from_value::<Rule>(serde_json::Value::String(rule))
                        .map_err(|e| StoreError::Corrupt(format!("reject rule: {e}")))?,
                    message: r.get(3),
                    raw: r.get(4),
                })
            })
            .collect()
    }

    async fn report_versions(
        &self,
        scope: &Scope,
        after: u64,
        limit: u32,
    ) -> Result<Vec<ReportVersion>> {
        let f = ScopeSql::new(scope);
        let sql = format!(
            "SELECT {REPORT_COLS}, r.seq, r.current FROM reports r WHERE r.seq > ? AND {} \
             ORDER BY r.seq LIMIT ?",
            f.clause
        );
        let mut q = sqlx::query(&sql).bind(i64::try_from(after).unwrap_or(i64::MAX));
        q = f.bind(q);
        let rows = q
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(ReportVersion {
                    stored: stored_report(r)?,
                    seq: r.get::<i64, _>(4) as u64,
                    current: r.get::<i64, _>(5) != 0,
                })
            })
            .collect()
    }

    async fn restore_versions(&self, versions: &[ReportVersion]) -> Result<u64> {
        if versions.is_empty() {
            return Ok(0);
        }
        for v in versions {
            copy::checked(v)?;
        }
        let mut w = self.writer.lock().await;
        Self::begin(&mut w).await?;
        let r = copy::restore_versions(&mut w.conn, versions).await;
        Self::finish(&mut w, r).await
    }

    async fn imports(&self) -> Result<Vec<ImportState>> {
        let sql = format!(
            "SELECT source, {} FROM imports ORDER BY source",
            copy::IMPORT_COLS
        );
        let rows = sqlx::query(&sql)
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(copy::import_state).collect())
    }

    async fn restore_import(&self, state: &ImportState, rejects: &[Reject]) -> Result<()> {
        let mut w = self.writer.lock().await;
        Self::begin(&mut w).await?;
        let r = copy::restore_import(&mut w.conn, state, rejects).await;
        Self::finish(&mut w, r).await
    }

    async fn report(&self, scope: &Scope, id: &ReportId) -> Result<Option<StoredReport>> {
        let f = ScopeSql::new(scope);
        let sql = format!(
            "SELECT {REPORT_COLS} FROM reports r WHERE r.id = ? AND r.current = 1 AND {}",
            f.clause
        );
        let mut q = sqlx::query(&sql).bind(id.as_str());
        q = f.bind(q);
        let row = q.fetch_optional(&self.readers).await.map_err(backend)?;
        row.as_ref().map(stored_report).transpose()
    }

    async fn reports(&self, scope: &Scope, rq: &ReportQuery) -> Result<Vec<StoredReport>> {
        let f = ScopeSql::new(scope);
        let mut sql = format!(
            "SELECT {REPORT_COLS} FROM reports r WHERE r.current = 1 AND {}",
            f.clause
        );
        if rq.from.is_some() {
            sql.push_str(" AND r.reported_at >= ?");
        }
        if rq.until.is_some() {
            sql.push_str(" AND r.reported_at < ?");
        }
        if rq.bbox.is_some() {
            sql.push_str(
                " AND r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?",
            );
        }
        if rq.agency.is_some() {
            sql.push_str(" AND r.agency = ?");
        }
        if rq.after.is_some() {
            // A row value, not `a > ? OR (a = ? AND b > ?)`: SQLite seeks the index to it
            // instead of scanning every earlier page again.
            sql.push_str(" AND (r.reported_at, r.id) > (?, ?)");
        }
        sql.push_str(" ORDER BY r.reported_at, r.id LIMIT ?");
        let mut q = f.bind(sqlx::query(&sql));
        if let Some(t) = &rq.from {
            q = q.bind(micros(t));
        }
        if let Some(t) = &rq.until {
            q = q.bind(micros(t));
        }
        if let Some((a, b, c, d)) = rq.bbox {
            q = q.bind(a).bind(c).bind(b).bind(d);
        }
        if let Some(a) = &rq.agency {
            q = q.bind(a.as_str());
        }
        if let Some((t, id)) = &rq.after {
            q = q.bind(micros(t)).bind(id.as_str());
        }
        q = q.bind(i64::from(rq.limit.clamp(1, 10_000)));
        let rows = q.fetch_all(&self.readers).await.map_err(backend)?;
        rows.iter().map(stored_report).collect()
    }

    async fn entity(&self, scope: &Scope, id: &EntityId) -> Result<Vec<StoredStatement>> {
        let f = ScopeSql::new(scope);
        let sql = format!(
            "SELECT {STATEMENT_COLS} FROM statements s JOIN reports r ON r.seq = s.report_seq \
             WHERE s.entity_id = ? AND r.current = 1 AND {} ORDER BY r.reported_at, r.id, s.rowid",
            f.clause
        );
        let q = f.bind(sqlx::query(&sql).bind(id.as_str()));
        let rows = q.fetch_all(&self.readers).await.map_err(backend)?;
        rows.iter().map(stored_statement).collect()
    }

    async fn find_by_value(
        &self,
        scope: &Scope,
        prop: Option<&str>,
        value: &str,
        limit: u32,
    ) -> Result<Vec<StoredStatement>> {
        let f = ScopeSql::new(scope);
        let sql = format!(
            "SELECT {STATEMENT_COLS} FROM statements s JOIN reports r ON r.seq = s.report_seq \
             WHERE s.value = ? {} AND r.current = 1 AND {} ORDER BY r.reported_at, r.id, s.rowid LIMIT ?",
            if prop.is_some() { "AND s.prop = ?" } else { "" },
            f.clause
        );
        let mut q = sqlx::query(&sql).bind(value);
        if let Some(p) = prop {
            q = q.bind(p);
        }
        q = f.bind(q).bind(i64::from(limit.clamp(1, 10_000)));
        let rows = q.fetch_all(&self.readers).await.map_err(backend)?;
        rows.iter().map(stored_statement).collect()
    }

    async fn stats(&self, scope: &Scope) -> Result<Stats> {
        let f = ScopeSql::new(scope);
        let one = |sql: String| {
            let f = &f;
            async move {
                let q = f.bind(sqlx::query(&sql));
                let row = q.fetch_one(&self.readers).await.map_err(backend)?;
                Ok::<i64, StoreError>(row.get(0))
            }
        };
        let reports = one(format!(
            "SELECT COUNT(*) FROM reports r WHERE r.current = 1 AND {}",
            f.clause
        ))
        .await?;
        let versions = one(format!("SELECT COUNT(*) FROM reports r WHERE {}", f.clause)).await?;
        let statements = one(format!(
            "SELECT COUNT(*) FROM statements s JOIN reports r ON r.seq = s.report_seq WHERE r.current = 1 AND {}",
            f.clause
        ))
        .await?;
        let entities = one(format!(
            "SELECT COUNT(DISTINCT s.entity_id) FROM statements s JOIN reports r ON r.seq = s.report_seq WHERE r.current = 1 AND {}",
            f.clause
        ))
        .await?;
        let group = |sql: String| {
            let f = &f;
            async move {
                let q = f.bind(sqlx::query(&sql));
                let rows = q.fetch_all(&self.readers).await.map_err(backend)?;
                Ok::<BTreeMap<String, u64>, StoreError>(
                    rows.iter()
                        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1) as u64))
                        .collect(),
                )
            }
        };
        let reports_by_agency = group(format!(
            "SELECT r.agency, COUNT(*) FROM reports r WHERE r.current = 1 AND {} GROUP BY r.agency",
            f.clause
        ))
        .await?;
        let entities_by_schema = group(format!(
            "SELECT s.schema, COUNT(DISTINCT s.entity_id) FROM statements s JOIN reports r ON r.seq = s.report_seq WHERE r.current = 1 AND {} GROUP BY s.schema",
            f.clause
        ))
        .await?;
        // Import bookkeeping holds raw rejected records of every agency: system scope only.
        let (imports, rejects) = if scope.filter().is_none() {
            let i: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM imports")
                .fetch_one(&self.readers)
                .await
                .map_err(backend)?;
            let r: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_rejects")
                .fetch_one(&self.readers)
                .await
                .map_err(backend)?;
            (i as u64, r as u64)
        } else {
            (0, 0)
        };
        Ok(Stats {
            reports: reports as u64,
            report_versions: versions as u64,
            statements: statements as u64,
            entities: entities as u64,
            reports_by_agency,
            entities_by_schema,
            imports,
            rejects,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_store::conformance::Harness;
    use std::sync::Arc;

    async fn make() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        Harness {
            store: Arc::new(store),
            keep: Box::new(dir),
        }
    }

    mosaic_store::conformance_tests!(make());
    mosaic_store::conformance_policy_tests!(make());

    #[tokio::test]
    async fn reopening_keeps_data_and_checks_integrity() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).await.unwrap();
        s.set_centre(&mosaic_store::conformance::centre())
            .await
            .unwrap();
        let r = mosaic_store::conformance::report(1, "fr-paf", "AMBER", "H0", "restricted");
        s.write(&WriteBatch {
            reports: vec![r.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
        s.close().await;
        let s = SqliteStore::open(dir.path()).await.unwrap();
        assert!(s.integrity_check().await.unwrap().is_empty());
        let got = s
            .report(&Scope::system("test"), &r.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.report, r);
    }

    #[tokio::test]
    async fn uninitialised_store_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).await.unwrap();
        assert!(matches!(s.centre().await, Err(StoreError::NotInitialised)));
    }
}
