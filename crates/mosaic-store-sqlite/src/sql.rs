//! SQL building blocks: the scope filter, multi-row inserts, time columns.

use chrono::{DateTime, Utc};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::Sqlite;

use mosaic_model::HandlingCode;
use mosaic_model::{Report, Statement};
use mosaic_store::{Checkpoint, LabelFilter, Result, Scope, StoreError, WriteBatch, WriteOutcome};

use crate::backend;

pub fn micros(t: &DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(m).unwrap_or_default()
}

pub fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('?');
    }
    s
}

/// Reads a vocabulary term stored as its rank.
pub fn vocab<T: FromRank>(rank: i64) -> Result<T> {
    T::from_rank(rank).ok_or_else(|| StoreError::Corrupt(format!("unknown vocabulary rank {rank}")))
}

pub trait FromRank: Sized {
    fn from_rank(r: i64) -> Option<Self>;
}
macro_rules! from_rank {
    ($($t:ty),*) => {$(impl FromRank for $t { fn from_rank(r: i64) -> Option<Self> { <$t>::from_rank(r) } })*};
}
from_rank!(
    mosaic_model::HandlingCode,
    mosaic_model::Tlp,
    mosaic_model::Classification
);

/// The read scope as a SQL condition on the report alias `r`, with its binds.
pub struct ScopeSql {
    pub clause: String,
    binds: Vec<Bind>,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// One AND-clause of the union; `None` when it can admit nothing (left out of the OR).
fn clause_sql(f: &LabelFilter, binds: &mut Vec<Bind>) -> Option<String> {
    if f.handling.is_empty() || f.agencies.as_ref().is_some_and(|a| a.is_empty()) {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(agencies) = &f.agencies {
        parts.push(format!("r.agency IN ({})", placeholders(agencies.len())));
        binds.extend(agencies.iter().map(|a| Bind::Text(a.to_string())));
    }
    parts.push("r.classification <= ?".into());
    binds.push(Bind::Int(f.max_classification.rank()));
    parts.push("r.tlp <= ?".into());
    binds.push(Bind::Int(f.max_tlp.rank()));
    if f.handling.len() < HandlingCode::ALL.len() {
        parts.push(format!(
            "r.handling IN ({})",
            placeholders(f.handling.len())
        ));
        binds.extend(f.handling.iter().map(|h| Bind::Int(h.rank())));
    }
    Some(format!("({})", parts.join(" AND ")))
}

impl ScopeSql {
    pub fn new(scope: &Scope) -> ScopeSql {
        let Some(f) = scope.filter() else {
            return ScopeSql {
                clause: "1 = 1".into(),
                binds: Vec::new(),
            };
        };
        let mut binds = Vec::new();
        let mut clauses = Vec::with_capacity(f.clauses.len());
        for c in &f.clauses {
            if let Some(sql) = clause_sql(c, &mut binds) {
                clauses.push(sql);
            }
        }
        if let Some(g) = f.live_grants() {
            if let Some(labels) = clause_sql(&g.labels, &mut binds) {
                // One bind (a JSON array) whatever the number of grants: no limit on
                // variables, and one statement text for the statement cache.
                let ids: Vec<&str> = g.reports.iter().map(|r| r.as_str()).collect();
                binds.push(Bind::Text(
                    serde_json::to_string(&ids).expect("strings serialise"),
                ));
                clauses.push(format!(
                    "({labels} AND r.id IN (SELECT value FROM json_each(?)))"
                ));
            }
        }
        let clause = if clauses.is_empty() {
            // the empty union admits nothing
            "(0 = 1)".to_owned()
        } else {
            format!("({})", clauses.join(" OR "))
        };
        ScopeSql { clause, binds }
    }

    pub fn bind<'q>(
        &self,
        mut q: Query<'q, Sqlite, SqliteArguments<'q>>,
    ) -> Query<'q, Sqlite, SqliteArguments<'q>> {
        for b in &self.binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

pub struct ReportRow {
    pub seq: i64,
    version: i64,
    pub current: i64,
    id: String,
    hash: String,
    agency: String,
    handling: i64,
    tlp: i64,
    classification: i64,
    grading: Option<String>,
    reported_at: i64,
    observed_at: Option<i64>,
    bbox: Option<(f64, f64, f64, f64)>,
    stored_at: i64,
    body: String,
}

impl ReportRow {
    pub fn new(
        seq: i64,
        version: i64,
        hash: String,
        body: Vec<u8>,
        r: &Report,
        now: i64,
    ) -> ReportRow {
        ReportRow {
            seq,
            version,
            current: 1,
            id: r.id.to_string(),
            hash,
            agency: r.agency.to_string(),
            handling: r.handling.rank(),
            tlp: r.tlp.rank(),
            classification: r.classification.rank(),
            grading: r.grading.map(|g| g.code_4x4()),
            reported_at: micros(&r.reported_at),
            observed_at: r.observed_at.as_ref().map(micros),
            bbox: r.bbox(),
            stored_at: now,
            body: String::from_utf8(body).expect("JSON is UTF-8"),
        }
    }
}

pub struct StatementRow {
    report_seq: i64,
    st: Statement,
}

impl StatementRow {
    pub fn new(report_seq: i64, st: Statement) -> StatementRow {
        StatementRow { report_seq, st }
    }
}

const REPORT_CHUNK: usize = 400; // 17 binds a row
const STATEMENT_CHUNK: usize = 2_000; // 6 binds a row

pub async fn insert_reports(conn: &mut SqliteConnection, rows: &[ReportRow]) -> Result<()> {
    for chunk in rows.chunks(REPORT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO reports (seq, id, version, current, content_hash, agency, handling, tlp, classification, grading, reported_at, observed_at, min_lon, min_lat, max_lon, max_lat, stored_at, body) VALUES ",
        );
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "(" } else { ",(" });
            sql.push_str("?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        }
        let mut q = sqlx::query(&sql);
        for r in chunk {
            let (a, b, c, d) = match r.bbox {
                Some((a, b, c, d)) => (Some(a), Some(b), Some(c), Some(d)),
                None => (None, None, None, None),
            };
            q = q
                .bind(r.seq)
                .bind(&r.id)
                .bind(r.version)
                .bind(r.current)
                .bind(&r.hash)
                .bind(&r.agency)
                .bind(r.handling)
                .bind(r.tlp)
                .bind(r.classification)
                .bind(&r.grading)
                .bind(r.reported_at)
                .bind(r.observed_at)
                .bind(a)
                .bind(b)
                .bind(c)
                .bind(d)
                .bind(r.stored_at)
                .bind(&r.body);
        }
        q.execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

pub async fn insert_statements(conn: &mut SqliteConnection, rows: &[StatementRow]) -> Result<()> {
    for chunk in rows.chunks(STATEMENT_CHUNK) {
        let mut sql = String::with_capacity(100 + chunk.len() * 14);
        sql.push_str(
            "INSERT INTO statements (report_seq, entity_id, schema, prop, value, is_ref) VALUES ",
        );
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 {
                "(?,?,?,?,?,?)"
            } else {
                ",(?,?,?,?,?,?)"
            });
        }
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.report_seq)
                .bind(r.st.entity_id.as_str())
                .bind(r.st.schema.as_str())
                .bind(r.st.prop.as_str())
                .bind(r.st.value.as_str())
                .bind(i64::from(r.st.is_ref));
        }
        q.execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

pub async fn insert_rejects(conn: &mut SqliteConnection, batch: &WriteBatch) -> Result<()> {
    let Some(cp) = &batch.checkpoint else {
        if batch.rejects.is_empty() {
            return Ok(());
        }
        return Err(StoreError::Invalid(
            "rejects need the checkpoint of their source".into(),
        ));
    };
    for r in &batch.rejects {
        sqlx::query("INSERT INTO import_rejects (source, line, field, rule, message, raw) VALUES (?,?,?,?,?,?)")
            .bind(&cp.source)
            .bind(r.line as i64)
            .bind(&r.field)
            .bind(r.rule.code())
            .bind(&r.message)
            .bind(&r.raw)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

pub async fn upsert_import(
    conn: &mut SqliteConnection,
    cp: &Checkpoint,
    out: &WriteOutcome,
    rejected: u64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO imports (source, file_name, records_done, finished, inserted, new_versions, duplicates, statements, rejected, started_at, updated_at) \
         VALUES (?,?,?,?,?,?,?,?,?,?,?) \
         ON CONFLICT(source) DO UPDATE SET file_name = excluded.file_name, records_done = excluded.records_done, \
           finished = excluded.finished, inserted = inserted + excluded.inserted, \
           new_versions = new_versions + excluded.new_versions, duplicates = duplicates + excluded.duplicates, \
           statements = statements + excluded.statements, rejected = rejected + excluded.rejected, \
           updated_at = excluded.updated_at",
    )
    .bind(&cp.source)
    .bind(&cp.file_name)
    .bind(cp.records_done as i64)
    .bind(i64::from(cp.finished))
    .bind(out.inserted as i64)
    .bind(out.new_versions as i64)
    .bind(out.duplicates as i64)
    .bind(out.statements as i64)
    .bind(rejected as i64)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}
