//! The production store: PostgreSQL, shared by several `mosaic serve` processes.
//!
//! Same behaviour as the embedded SQLite store (both pass `mosaic_store`'s conformance
//! suite), plus what several processes on one database need:
//!
//! - **Concurrent writers lose nothing.** A batch takes a transaction-scoped advisory
//!   lock per report id (in a fixed order, so two batches never deadlock) before reading
//!   the versions it builds on — or, for a batch of more ids than the lock table can
//!   spare, one lock that excludes every other writer; a partial unique index keeps at
//!   most one current version per id even if that discipline were ever broken.
//! - **Everyone hears of new data.** A batch that stores reports sends a `NOTIFY` inside
//!   its transaction (delivered on commit, never for a rollback); [`PgStore::subscribe`]
//!   listens for it.
//! - **Secrets stay secret.** The database URL is only ever shown through [`redact`];
//!   connection errors are scrubbed of the password and [`PgStore`]'s `Debug` shows the
//!   redacted URL.
//!
//! Layout mirrors the SQLite store: lean statement rows pointing at their report version;
//! labels and provenance live on the report row and every read joins it, so the scope is
//! one `WHERE` on the report and superseding a version touches one row.
#![forbid(unsafe_code)]

mod accounts;
mod agreements;
mod audit;
mod copy;
mod judgements;
mod migrations;
mod notify;
mod permissions;
mod referrals;
mod retention;
mod sql;
mod url;

#[cfg(feature = "testing")]
pub mod testing;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use chrono::Utc;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Postgres, QueryBuilder, Row};

use mosaic_model::{Agency, Centre, EntityId, Report, ReportId, Rule};
use mosaic_store::{
    Checkpoint, ImportState, Reject, ReportQuery, ReportVersion, Result, Scope, Stats, Store,
    StoreError, StoredReport, StoredStatement, WriteBatch, WriteOutcome,
};

pub use crate::migrations::SCHEMA_VERSION;
pub use crate::notify::{Change, Subscription, CHANNEL};
use crate::sql::{from_micros, micros, push_scope};
pub use crate::url::{is_postgres_url, redact};

/// A driver or server error, with the server's SQLSTATE when there is one: message
/// texts follow the server's language, codes do not.
fn backend(e: sqlx::Error) -> StoreError {
    match e.as_database_error().and_then(|d| d.code()) {
        Some(code) => StoreError::Backend(format!("{e} (SQLSTATE {code})")),
        None => StoreError::Backend(e.to_string()),
    }
}

/// Connection settings beyond the URL.
#[derive(Clone, Debug)]
pub struct PgStoreOptions {
    /// Pool size of this process (each `mosaic serve` has its own pool).
    pub max_connections: u32,
    /// How long a request waits for a free connection (or for the server at start).
    pub acquire_timeout: Duration,
    /// A batch with at most this many distinct report ids locks each id; a larger one
    /// takes one exclusive lock for the duration of its transaction instead. Locks live
    /// in a shared table of about `max_locks_per_transaction × max_connections` slots
    /// (6 400 by default), which batches of thousands of ids would exhaust.
    pub max_id_locks: usize,
}

impl Default for PgStoreOptions {
    fn default() -> Self {
        PgStoreOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(30),
            max_id_locks: 256,
        }
    }
}

/// The PostgreSQL store.
pub struct PgStore {
    pool: PgPool,
    /// Kept to open dedicated listener connections; holds the password, so never printed.
    options: PgConnectOptions,
    redacted: String,
    max_id_locks: usize,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.redacted)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?…`), running
    /// migrations. Errors name the server by its redacted URL only.
    pub async fn connect(url: &str) -> Result<PgStore> {
        Self::connect_with(url, PgStoreOptions::default()).await
    }

    /// [`PgStore::connect`] with explicit pool settings.
    pub async fn connect_with(url: &str, o: PgStoreOptions) -> Result<PgStore> {
        let redacted = redact(url);
        let fail = |what: &str, e: String| {
            StoreError::Backend(format!("{what} {redacted}: {}", url::scrub(&e, url)))
        };
        url::check_params(url).map_err(|e| fail("invalid database URL", e))?;
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| fail("invalid database URL", e.to_string()))?
            .application_name("mosaic");
        // One direct connection first: it reports the real cause (refused, unknown
        // database, authentication) at once, where a pool would retry until its timeout
        // and say only "timed out".
        let mut conn =
            tokio::time::timeout(o.acquire_timeout, PgConnection::connect_with(&options))
                .await
                .map_err(|_| fail("cannot connect to", "no answer in time".into()))?
                .map_err(|e| fail("cannot connect to", e.to_string()))?;
        migrations::run(&mut conn).await?;
        let _ = conn.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(o.max_connections)
            .acquire_timeout(o.acquire_timeout)
            .connect_lazy_with(options.clone());
        tracing::debug!(url = %redacted, "postgres store open");
        Ok(PgStore {
            pool,
            options,
            redacted,
            max_id_locks: o.max_id_locks,
        })
    }

    /// The database URL with its password removed (safe to log or show).
    pub fn redacted_url(&self) -> &str {
        &self.redacted
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Listens for new-report notifications from every process writing to this
    /// database (this one included). Uses its own connection, not one of the pool's.
    pub async fn subscribe(&self) -> Result<Subscription> {
        notify::subscribe(&self.options).await
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn fetch_reports(&self, mut qb: QueryBuilder<'_, Postgres>) -> Result<Vec<StoredReport>> {
        let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(stored_report).collect()
    }

    async fn fetch_statements(
        &self,
        mut qb: QueryBuilder<'_, Postgres>,
    ) -> Result<Vec<StoredStatement>> {
        let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(stored_statement).collect()
    }

    async fn count(&self, mut qb: QueryBuilder<'_, Postgres>) -> Result<u64> {
        let row = qb.build().fetch_one(&self.pool).await.map_err(backend)?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    async fn group(&self, mut qb: QueryBuilder<'_, Postgres>) -> Result<BTreeMap<String, u64>> {
        let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1) as u64))
            .collect())
    }
}

const REPORT_COLS: &str = "r.body, r.version, r.content_hash, r.stored_at";

fn stored_report(row: &PgRow) -> Result<StoredReport> {
    let body: &str = row.get(0);
    let report: Report = serde_json::from_str(body)
        .map_err(|e| StoreError::Corrupt(format!("report body does not parse: {e}")))?;
    Ok(StoredReport {
        report,
        version: row.get::<i32, _>(1) as u32,
        content_hash: row.get(2),
        stored_at: from_micros(row.get(3)),
    })
}

const STATEMENT_COLS: &str = "s.entity_id, s.schema, s.prop, s.value, s.is_ref, r.id, r.version, \
     r.agency, r.handling, r.tlp, r.classification, r.grading, r.reported_at, r.observed_at";

/// Statement order: by report, then position within the report (as SQLite's rowid).
const STATEMENT_ORDER: &str = "ORDER BY r.reported_at, r.id, s.ord";

fn stored_statement(row: &PgRow) -> Result<StoredStatement> {
    let corrupt = |what: &str, e: mosaic_model::ValidationError| {
        StoreError::Corrupt(format!("statement {what}: {e}"))
    };
    Ok(StoredStatement {
        entity_id: EntityId::parse(row.get(0)).map_err(|e| corrupt("entity id", e))?,
        schema: mosaic_model::Schema::parse(row.get(1)).map_err(|e| corrupt("schema", e))?,
        prop: row.get(2),
        value: row.get(3),
        is_ref: row.get(4),
        report_id: ReportId::parse(row.get(5)).map_err(|e| corrupt("report id", e))?,
        report_version: row.get::<i32, _>(6) as u32,
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
    max_version: i32,
    current_seq: Option<i64>,
    hashes: HashSet<String>,
}

/// Advisory-lock classes (two-key form: a key space apart from the migration lock and
/// from other applications' single-key locks). Every writer first takes the batch lock,
/// shared when it then locks its report ids one by one, exclusive when it has too many
/// ids for that; so per-id writers run side by side and a bulk writer runs alone.
const BATCH_LOCK_CLASS: i32 = 0x4d4f_5342; // "MOSB"
const REPORT_LOCK_CLASS: i32 = 0x4d4f_5352; // "MOSR"

/// How often a batch is retried after a deadlock or serialization failure. The lock
/// order makes these unexpected; retrying is safe because a batch is idempotent.
const RETRIES: u32 = 3;

/// Serialises writers per report id: whoever holds an id's lock sees every version
/// committed before it (READ COMMITTED takes a fresh snapshot per statement) and decides
/// the next version number alone. The batch lock comes first and per-id keys are taken in
/// sorted order, so lock waits never form a cycle.
async fn lock_ids(conn: &mut PgConnection, ids: &[&str], max_id_locks: usize) -> Result<()> {
    let bulk = ids.len() > max_id_locks;
    let batch_lock = if bulk {
        "SELECT pg_advisory_xact_lock($1, 0)"
    } else {
        "SELECT pg_advisory_xact_lock_shared($1, 0)"
    };
    sqlx::query(batch_lock)
        .bind(BATCH_LOCK_CLASS)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    if !bulk {
        sqlx::query(
            "SELECT pg_advisory_xact_lock($1, k) FROM \
             (SELECT DISTINCT hashtext(id) AS k FROM UNNEST($2::TEXT[]) AS t(id) ORDER BY k) AS l",
        )
        .bind(REPORT_LOCK_CLASS)
        .bind(ids)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

async fn write_batch(
    conn: &mut PgConnection,
    batch: &WriteBatch,
    prepared: Vec<sql::Prepared<'_>>,
    max_id_locks: usize,
) -> Result<WriteOutcome> {
    let mut out = WriteOutcome::default();
    let now = micros(&Utc::now());
    let ids: Vec<&str> = {
        let mut v: Vec<&str> = batch.reports.iter().map(|r| r.id.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut known: HashMap<String, Known> = HashMap::new();
    if !ids.is_empty() {
        lock_ids(conn, &ids, max_id_locks).await?;
        let rows = sqlx::query(
            "SELECT id, version, content_hash, current, seq FROM reports WHERE id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
        for row in rows {
            let k = known.entry(row.get(0)).or_default();
            k.max_version = k.max_version.max(row.get(1));
            k.hashes.insert(row.get(2));
            if row.get::<bool, _>(3) {
                k.current_seq = Some(row.get(4));
            }
        }
    }

    // Which reports are new content (duplicates write nothing).
    let mut fresh: Vec<(i32, sql::Prepared<'_>)> = Vec::new();
    for p in prepared {
        let k = known.entry(p.report.id.to_string()).or_default();
        if !k.hashes.insert(p.hash.clone()) {
            out.duplicates += 1;
            continue;
        }
        k.max_version += 1;
        fresh.push((k.max_version, p));
    }
    let seqs: Vec<i64> = if fresh.is_empty() {
        Vec::new()
    } else {
        let mut s: Vec<i64> =
            sqlx::query_scalar("SELECT nextval('report_seq') FROM generate_series(1, $1)")
                .bind(fresh.len() as i64)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
        s.sort_unstable();
        s
    };

    let mut reports = sql::ReportRows::default();
    let mut statements = sql::StatementRows::default();
    let mut superseded: Vec<i64> = Vec::new();
    for ((version, p), seq) in fresh.into_iter().zip(seqs) {
        let k = known
            .get_mut(p.report.id.as_str())
            .expect("every id was entered above");
        if let Some(old) = k.current_seq.replace(seq) {
            superseded.push(old);
            out.new_versions += 1;
        } else {
            out.inserted += 1;
        }
        statements.push_report(seq, p.report.statements());
        reports.push(seq, version, p, now);
    }
    out.statements = statements.len() as u64;
    // Old versions first, so the one-current index holds at every step.
    if !superseded.is_empty() {
        sqlx::query("UPDATE reports SET current = FALSE WHERE seq = ANY($1) AND current")
            .bind(&superseded)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
    }
    // Rows superseded within this same batch never become current.
    let superseded: HashSet<i64> = superseded.into_iter().collect();
    for (seq, current) in reports.seq.iter().zip(reports.current.iter_mut()) {
        if superseded.contains(seq) {
            *current = false;
        }
    }
    sql::insert_reports(conn, &reports).await?;
    sql::insert_statements(conn, &statements).await?;
    sql::insert_rejects(conn, batch).await?;
    if let Some(cp) = &batch.checkpoint {
        sql::upsert_import(conn, cp, &out, batch.rejects.len() as u64, now).await?;
    }
    if let Some(last) = reports.seq.last() {
        // Delivered at commit, to every listener on this database.
        notify::send(conn, reports.len() as u64, *last).await?;
    }
    Ok(out)
}

/// Deadlock (40P01) or serialization failure (40001): the whole transaction may simply
/// be run again.
fn retryable(e: &StoreError) -> bool {
    matches!(e, StoreError::Backend(m) if m.ends_with("(SQLSTATE 40P01)")
        || m.ends_with("(SQLSTATE 40001)"))
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
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
        sqlx::query(
            "INSERT INTO meta(key, value) VALUES ('centre', $1) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(body)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn put_agency(&self, agency: &Agency) -> Result<()> {
        let body = serde_json::to_string(agency).expect("agency serialises");
        sqlx::query(
            "INSERT INTO agencies(id, body) VALUES ($1, $2) \
             ON CONFLICT(id) DO UPDATE SET body = excluded.body",
        )
        .bind(agency.id.as_str())
        .bind(body)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT body FROM agencies ORDER BY id")
            .fetch_all(&self.pool)
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
        let mut attempt = 0;
        loop {
            // Hashing and serialising happen outside the transaction: locks are held
            // only while the database works.
            let prepared: Vec<sql::Prepared<'_>> =
                batch.reports.iter().map(sql::Prepared::new).collect();
            let mut tx = self.pool.begin().await.map_err(backend)?;
            // A dropped future drops `tx`, which rolls back: nothing half-written.
            let r = write_batch(&mut tx, batch, prepared, self.max_id_locks).await;
            let r = match r {
                Ok(out) => tx.commit().await.map(|()| out).map_err(backend),
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            };
            match r {
                Err(e) if attempt < RETRIES && retryable(&e) => {
                    attempt += 1;
                    tracing::warn!(attempt, error = %e, "retrying write batch");
                }
                r => return r,
            }
        }
    }

    async fn import_state(&self, source: &str) -> Result<Option<ImportState>> {
        let row = sqlx::query(
            "SELECT file_name, records_done, finished, inserted, new_versions, duplicates, \
               statements, rejected, started_at, updated_at FROM imports WHERE source = $1",
        )
        .bind(source)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.map(|r| ImportState {
            checkpoint: Checkpoint {
                source: source.to_owned(),
                file_name: r.get(0),
                records_done: r.get::<i64, _>(1) as u64,
                finished: r.get(2),
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
        let rows = sqlx::query(
            "SELECT line, field, rule, message, raw FROM import_rejects WHERE source = $1 \
             ORDER BY line, seq",
        )
        .bind(source)
        .fetch_all(&self.pool)
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
        let mut qb = QueryBuilder::new(format!(
            "SELECT {REPORT_COLS}, r.seq, r.current FROM reports r WHERE r.seq > "
        ));
        qb.push_bind(i64::try_from(after).unwrap_or(i64::MAX))
            .push(" AND ");
        push_scope(&mut qb, scope);
        qb.push(" ORDER BY r.seq LIMIT ")
            .push_bind(i64::from(limit.clamp(1, 10_000)));
        let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(ReportVersion {
                    stored: stored_report(r)?,
                    seq: r.get::<i64, _>(4) as u64,
                    current: r.get(5),
                })
            })
            .collect()
    }

    async fn restore_versions(&self, versions: &[ReportVersion]) -> Result<u64> {
        if versions.is_empty() {
            return Ok(0);
        }
        let prepared = versions
            .iter()
            .map(|v| copy::checked(v).map(|p| (v, p)))
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let n = copy::restore_versions(&mut tx, prepared).await?;
        tx.commit().await.map_err(backend)?;
        Ok(n)
    }

    async fn imports(&self) -> Result<Vec<ImportState>> {
        let sql = format!("SELECT {} FROM imports ORDER BY source", copy::IMPORT_COLS);
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(copy::import_state).collect())
    }

    async fn restore_import(&self, state: &ImportState, rejects: &[Reject]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        copy::restore_import(&mut tx, state, rejects).await?;
        tx.commit().await.map_err(backend)
    }

    async fn report(&self, scope: &Scope, id: &ReportId) -> Result<Option<StoredReport>> {
        let mut qb =
            QueryBuilder::new(format!("SELECT {REPORT_COLS} FROM reports r WHERE r.id = "));
        qb.push_bind(id.as_str()).push(" AND r.current AND ");
        push_scope(&mut qb, scope);
        Ok(self.fetch_reports(qb).await?.pop())
    }

    async fn reports(&self, scope: &Scope, rq: &ReportQuery) -> Result<Vec<StoredReport>> {
        // The page's rows are chosen by an index-only scan (the scope's label columns are
        // in the index, migration 0010), then fetched: hidden rows cost no heap fetch.
        let mut qb = QueryBuilder::new(format!(
            "SELECT {REPORT_COLS} FROM reports r WHERE r.seq IN \
             (SELECT r.seq FROM reports r WHERE r.current AND "
        ));
        push_scope(&mut qb, scope);
        if let Some(t) = &rq.from {
            qb.push(" AND r.reported_at >= ").push_bind(micros(t));
        }
        if let Some(t) = &rq.until {
            qb.push(" AND r.reported_at < ").push_bind(micros(t));
        }
        if let Some((min_lon, min_lat, max_lon, max_lat)) = rq.bbox {
            // The box overlap finds candidates through the GiST index (PostgreSQL's
            // geometric operators allow a 1e-6 tolerance); the exact comparisons that
            // follow decide, exactly as in the SQLite store.
            qb.push(
                " AND box(point(r.min_lon, r.min_lat), point(r.max_lon, r.max_lat)) && box(point(",
            )
            .push_bind(min_lon)
            .push(", ")
            .push_bind(min_lat)
            .push("), point(")
            .push_bind(max_lon)
            .push(", ")
            .push_bind(max_lat)
            .push("))");
            qb.push(" AND r.max_lon >= ")
                .push_bind(min_lon)
                .push(" AND r.min_lon <= ")
                .push_bind(max_lon)
                .push(" AND r.max_lat >= ")
                .push_bind(min_lat)
                .push(" AND r.min_lat <= ")
                .push_bind(max_lat);
        }
        if let Some(a) = &rq.agency {
            qb.push(" AND r.agency = ").push_bind(a.as_str());
        }
        if let Some((t, id)) = &rq.after {
            qb.push(" AND (r.reported_at, r.id) > (")
                .push_bind(micros(t))
                .push(", ")
                .push_bind(id.as_str())
                .push(")");
        }
        qb.push(" ORDER BY r.reported_at, r.id LIMIT ")
            .push_bind(i64::from(rq.limit.clamp(1, 10_000)))
            .push(") ORDER BY r.reported_at, r.id");
        self.fetch_reports(qb).await
    }

    async fn entity(&self, scope: &Scope, id: &EntityId) -> Result<Vec<StoredStatement>> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT {STATEMENT_COLS} FROM statements s JOIN reports r ON r.seq = s.report_seq \
             WHERE s.entity_id = "
        ));
        qb.push_bind(id.as_str()).push(" AND r.current AND ");
        push_scope(&mut qb, scope);
        qb.push(" ").push(STATEMENT_ORDER);
        self.fetch_statements(qb).await
    }

    async fn find_by_value(
        &self,
        scope: &Scope,
        prop: Option<&str>,
        value: &str,
        limit: u32,
    ) -> Result<Vec<StoredStatement>> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT {STATEMENT_COLS} FROM statements s JOIN reports r ON r.seq = s.report_seq \
             WHERE s.value = "
        ));
        qb.push_bind(value);
        if let Some(p) = prop {
            qb.push(" AND s.prop = ").push_bind(p);
        }
        qb.push(" AND r.current AND ");
        push_scope(&mut qb, scope);
        qb.push(" ")
            .push(STATEMENT_ORDER)
            .push(" LIMIT ")
            .push_bind(i64::from(limit.clamp(1, 10_000)));
        self.fetch_statements(qb).await
    }

    async fn stats(&self, scope: &Scope) -> Result<Stats> {
        let with_scope = |head: &str, tail: &str| {
            let mut qb = QueryBuilder::new(head);
            push_scope(&mut qb, scope);
            qb.push(tail);
            qb
        };
        const JOIN: &str = "FROM statements s JOIN reports r ON r.seq = s.report_seq";
        let reports = self
            .count(with_scope(
                "SELECT COUNT(*) FROM reports r WHERE r.current AND ",
                "",
            ))
            .await?;
        let report_versions = self
            .count(with_scope("SELECT COUNT(*) FROM reports r WHERE ", ""))
            .await?;
        let statements = self
            .count(with_scope(
                &format!("SELECT COUNT(*) {JOIN} WHERE r.current AND "),
                "",
            ))
            .await?;
        let entities = self
            .count(with_scope(
                &format!("SELECT COUNT(DISTINCT s.entity_id) {JOIN} WHERE r.current AND "),
                "",
            ))
            .await?;
        let reports_by_agency = self
            .group(with_scope(
                "SELECT r.agency, COUNT(*) FROM reports r WHERE r.current AND ",
                " GROUP BY r.agency",
            ))
            .await?;
        let entities_by_schema = self
            .group(with_scope(
                &format!(
                    "SELECT s.schema, COUNT(DISTINCT s.entity_id) {JOIN} WHERE r.current AND "
                ),
                " GROUP BY s.schema",
            ))
            .await?;
        // Import bookkeeping holds raw rejected records of every agency: system scope only.
        let (imports, rejects) = if scope.filter().is_none() {
            let row = sqlx::query(
                "SELECT (SELECT COUNT(*) FROM imports), (SELECT COUNT(*) FROM import_rejects)",
            )
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
            (row.get::<i64, _>(0) as u64, row.get::<i64, _>(1) as u64)
        } else {
            (0, 0)
        };
        Ok(Stats {
            reports,
            report_versions,
            statements,
            entities,
            reports_by_agency,
            entities_by_schema,
            imports,
            rejects,
        })
    }
}

/// Compile-time guard: the store's futures can be handed to `tokio::spawn` (a sqlx
/// future in the wrong place silently makes them non-`Send`).
#[allow(dead_code)]
fn assert_spawnable(store: &'static PgStore, batch: &'static WriteBatch) {
    fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}
    spawnable(PgStore::connect("postgres://localhost/mosaic"));
    spawnable(store.subscribe());
    spawnable(store.write(batch));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_deadlocks_and_serialization_failures_are_retried() {
        let e = |m: &str| StoreError::Backend(m.into());
        assert!(retryable(&e(
            "error returned from database: deadlock detected (SQLSTATE 40P01)"
        )));
        assert!(retryable(&e("… (SQLSTATE 40001)")));
        assert!(!retryable(&e("duplicate key value (SQLSTATE 23505)")));
        assert!(!retryable(&StoreError::Invalid("(SQLSTATE 40P01)".into())));
    }
}
