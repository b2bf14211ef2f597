//! SQL building blocks: the scope filter, column-wise rows for `UNNEST` inserts, time
//! columns and vocabulary ranks.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::{Postgres, QueryBuilder};

use mosaic_model::{ContentHash, Report, Statement};
use mosaic_store::{Checkpoint, LabelFilter, Result, Scope, StoreError, WriteBatch, WriteOutcome};

use crate::backend;

pub fn micros(t: &DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(m).unwrap_or_default()
}

/// Vocabulary terms are stored as their rank (so `<=` means "at most this sensitive").
pub fn rank(r: i64) -> i16 {
    // Ranks are small enumerations; a failure here is a programming error.
    i16::try_from(r).expect("vocabulary ranks fit in SMALLINT")
}

/// Reads a vocabulary term stored as its rank.
pub fn vocab<T: FromRank>(rank: i16) -> Result<T> {
    T::from_rank(i64::from(rank))
        .ok_or_else(|| StoreError::Corrupt(format!("unknown vocabulary rank {rank}")))
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

/// Appends the read scope as a condition on the report alias `r`, binding its values.
/// The agency and handling sets go in as one array each, so the statement text (and the
/// prepared-statement cache entry) does not vary with their size.
pub fn push_scope(qb: &mut QueryBuilder<'_, Postgres>, scope: &Scope) {
    let Some(f) = scope.filter() else {
        qb.push("TRUE");
        return;
    };
    let live: Vec<&LabelFilter> = f
        .clauses
        .iter()
        .filter(|c| !c.handling.is_empty() && c.agencies.as_ref().is_none_or(|a| !a.is_empty()))
        .collect();
    let granted = f.live_grants();
    if live.is_empty() && granted.is_none() {
        // the empty union admits nothing
        qb.push("FALSE");
        return;
    }
    qb.push("(");
    for (i, c) in live.iter().enumerate() {
        if i > 0 {
            qb.push(" OR ");
        }
        push_labels(qb, c);
    }
    if let Some(g) = granted {
        if !live.is_empty() {
            qb.push(" OR ");
        }
        qb.push("(");
        push_labels(qb, &g.labels);
        let ids: Vec<String> = g.reports.iter().map(|r| r.to_string()).collect();
        qb.push(" AND r.id = ANY(").push_bind(ids).push("))");
    }
    qb.push(")");
}

/// One AND-clause of the union, in parentheses.
fn push_labels(qb: &mut QueryBuilder<'_, Postgres>, c: &LabelFilter) {
    qb.push("(");
    if let Some(agencies) = &c.agencies {
        if let (1, Some(a)) = (agencies.len(), agencies.first()) {
            // Equality, not `= ANY`: the planner then reads the agency index in
            // (reported_at, id) order instead of walking the time index.
            qb.push("r.agency = ")
                .push_bind(a.to_string())
                .push(" AND ");
        } else {
            let a: Vec<String> = agencies.iter().map(|a| a.to_string()).collect();
            qb.push("r.agency = ANY(").push_bind(a).push(") AND ");
        }
    }
    qb.push("r.classification <= ")
        .push_bind(rank(c.max_classification.rank()))
        .push(" AND r.tlp <= ")
        .push_bind(rank(c.max_tlp.rank()));
    let h: Vec<i16> = c.handling.iter().map(|h| rank(h.rank())).collect();
    qb.push(" AND r.handling = ANY(").push_bind(h).push(")");
    qb.push(")");
}

/// A report prepared for writing: canonical bytes and hash computed once, before any
/// lock is taken.
pub struct Prepared<'a> {
    pub report: &'a Report,
    pub hash: String,
    pub body: String,
}

impl<'a> Prepared<'a> {
    pub fn new(report: &'a Report) -> Prepared<'a> {
        let bytes = report.canonical_json();
        let hash = ContentHash::of_bytes(&bytes).0;
        let body = String::from_utf8(bytes).expect("JSON is UTF-8");
        Prepared { report, hash, body }
    }
}

/// Report rows, column by column, for one `INSERT … SELECT * FROM UNNEST(…)`.
#[derive(Default)]
pub struct ReportRows {
    pub seq: Vec<i64>,
    id: Vec<String>,
    version: Vec<i32>,
    pub current: Vec<bool>,
    hash: Vec<String>,
    agency: Vec<String>,
    handling: Vec<i16>,
    tlp: Vec<i16>,
    classification: Vec<i16>,
    grading: Vec<Option<String>>,
    reported_at: Vec<i64>,
    observed_at: Vec<Option<i64>>,
    min_lon: Vec<Option<f64>>,
    min_lat: Vec<Option<f64>>,
    max_lon: Vec<Option<f64>>,
    max_lat: Vec<Option<f64>>,
    stored_at: Vec<i64>,
    body: Vec<String>,
}

impl ReportRows {
    pub fn push(&mut self, seq: i64, version: i32, p: Prepared<'_>, now: i64) {
        let r = p.report;
        self.seq.push(seq);
        self.id.push(r.id.to_string());
        self.version.push(version);
        self.current.push(true);
        self.hash.push(p.hash);
        self.agency.push(r.agency.to_string());
        self.handling.push(rank(r.handling.rank()));
        self.tlp.push(rank(r.tlp.rank()));
        self.classification.push(rank(r.classification.rank()));
        self.grading.push(r.grading.map(|g| g.code_4x4()));
        self.reported_at.push(micros(&r.reported_at));
        self.observed_at.push(r.observed_at.as_ref().map(micros));
        let b = r.bbox();
        self.min_lon.push(b.map(|b| b.0));
        self.min_lat.push(b.map(|b| b.1));
        self.max_lon.push(b.map(|b| b.2));
        self.max_lat.push(b.map(|b| b.3));
        self.stored_at.push(now);
        self.body.push(p.body);
    }

    pub fn len(&self) -> usize {
        self.seq.len()
    }
}

/// Statement rows, column by column.
#[derive(Default)]
pub struct StatementRows {
    report_seq: Vec<i64>,
    ord: Vec<i32>,
    entity_id: Vec<String>,
    schema: Vec<&'static str>,
    prop: Vec<String>,
    value: Vec<String>,
    is_ref: Vec<bool>,
}

impl StatementRows {
    pub fn push_report(&mut self, report_seq: i64, statements: Vec<Statement>) {
        for (ord, s) in statements.into_iter().enumerate() {
            self.report_seq.push(report_seq);
            self.ord
                .push(i32::try_from(ord).expect("statements per report fit in i32"));
            self.entity_id.push(s.entity_id.to_string());
            self.schema.push(s.schema.as_str());
            self.prop.push(s.prop);
            self.value.push(s.value);
            self.is_ref.push(s.is_ref);
        }
    }

    pub fn len(&self) -> usize {
        self.report_seq.len()
    }
}

/// From this many rows on, a table is filled with binary `COPY` (one stream, no per-row
/// parameter or array parsing) instead of `INSERT … UNNEST` (one round trip fewer, better
/// for the small batches of interactive writes).
pub const COPY_MIN_ROWS: usize = 128;

const REPORT_COLUMNS: &str = "seq, id, version, current, content_hash, agency, handling, tlp, \
     classification, grading, reported_at, observed_at, min_lon, min_lat, max_lon, max_lat, \
     stored_at, body";

const STATEMENT_COLUMNS: &str = "report_seq, ord, entity_id, schema, prop, value, is_ref";

pub async fn insert_reports(conn: &mut PgConnection, rows: &ReportRows) -> Result<()> {
    if rows.len() == 0 {
        return Ok(());
    }
    if rows.len() >= COPY_MIN_ROWS {
        let mut c = CopyBinary::new();
        for i in 0..rows.len() {
            c.row(18);
            c.i64(rows.seq[i]);
            c.text(&rows.id[i]);
            c.i32(rows.version[i]);
            c.bool(rows.current[i]);
            c.text(&rows.hash[i]);
            c.text(&rows.agency[i]);
            c.i16(rows.handling[i]);
            c.i16(rows.tlp[i]);
            c.i16(rows.classification[i]);
            c.opt_text(rows.grading[i].as_deref());
            c.i64(rows.reported_at[i]);
            c.opt_i64(rows.observed_at[i]);
            c.opt_f64(rows.min_lon[i]);
            c.opt_f64(rows.min_lat[i]);
            c.opt_f64(rows.max_lon[i]);
            c.opt_f64(rows.max_lat[i]);
            c.i64(rows.stored_at[i]);
            c.text(&rows.body[i]);
        }
        return c.send(conn, "reports", REPORT_COLUMNS).await;
    }
    sqlx::query(&format!(
        "INSERT INTO reports ({REPORT_COLUMNS}) \
         SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::INT[], $4::BOOL[], $5::TEXT[], \
           $6::TEXT[], $7::INT2[], $8::INT2[], $9::INT2[], $10::TEXT[], $11::BIGINT[], \
           $12::BIGINT[], $13::FLOAT8[], $14::FLOAT8[], $15::FLOAT8[], $16::FLOAT8[], \
           $17::BIGINT[], $18::TEXT[])"
    ))
    .bind(&rows.seq)
    .bind(&rows.id)
    .bind(&rows.version)
    .bind(&rows.current)
    .bind(&rows.hash)
    .bind(&rows.agency)
    .bind(&rows.handling)
    .bind(&rows.tlp)
    .bind(&rows.classification)
    .bind(&rows.grading)
    .bind(&rows.reported_at)
    .bind(&rows.observed_at)
    .bind(&rows.min_lon)
    .bind(&rows.min_lat)
    .bind(&rows.max_lon)
    .bind(&rows.max_lat)
    .bind(&rows.stored_at)
    .bind(&rows.body)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

pub async fn insert_statements(conn: &mut PgConnection, rows: &StatementRows) -> Result<()> {
    if rows.len() == 0 {
        return Ok(());
    }
    if rows.len() >= COPY_MIN_ROWS {
        let mut c = CopyBinary::new();
        for i in 0..rows.len() {
            c.row(7);
            c.i64(rows.report_seq[i]);
            c.i32(rows.ord[i]);
            c.text(&rows.entity_id[i]);
            c.text(rows.schema[i]);
            c.text(&rows.prop[i]);
            c.text(&rows.value[i]);
            c.bool(rows.is_ref[i]);
        }
        return c.send(conn, "statements", STATEMENT_COLUMNS).await;
    }
    sqlx::query(&format!(
        "INSERT INTO statements ({STATEMENT_COLUMNS}) \
         SELECT * FROM UNNEST($1::BIGINT[], $2::INT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
           $6::TEXT[], $7::BOOL[])"
    ))
    .bind(&rows.report_seq)
    .bind(&rows.ord)
    .bind(&rows.entity_id)
    .bind(&rows.schema)
    .bind(&rows.prop)
    .bind(&rows.value)
    .bind(&rows.is_ref)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// A `COPY … (FORMAT binary)` stream: each value as its length and its binary
/// representation, so text needs no escaping and numbers no parsing. Field types must
/// match the columns exactly (int8, int4, int2, float8, bool, text).
struct CopyBinary {
    buf: Vec<u8>,
}

impl CopyBinary {
    fn new() -> CopyBinary {
        let mut buf = Vec::with_capacity(1 << 16);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags
        buf.extend_from_slice(&0i32.to_be_bytes()); // header extension length
        CopyBinary { buf }
    }

    fn row(&mut self, fields: i16) {
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    fn field(&mut self, bytes: &[u8]) {
        let len = i32::try_from(bytes.len()).expect("a field is under 1 GiB");
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(bytes);
    }

    fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    fn i64(&mut self, v: i64) {
        self.field(&v.to_be_bytes());
    }

    fn i32(&mut self, v: i32) {
        self.field(&v.to_be_bytes());
    }

    fn i16(&mut self, v: i16) {
        self.field(&v.to_be_bytes());
    }

    fn bool(&mut self, v: bool) {
        self.field(&[u8::from(v)]);
    }

    fn text(&mut self, v: &str) {
        self.field(v.as_bytes());
    }

    fn opt_text(&mut self, v: Option<&str>) {
        match v {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.i64(v),
            None => self.null(),
        }
    }

    fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            Some(v) => self.field(&v.to_bits().to_be_bytes()),
            None => self.null(),
        }
    }

    async fn send(mut self, conn: &mut PgConnection, table: &str, columns: &str) -> Result<()> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes()); // trailer
        let mut copy = conn
            .copy_in_raw(&format!(
                "COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)"
            ))
            .await
            .map_err(backend)?;
        copy.send(self.buf).await.map_err(backend)?;
        copy.finish().await.map_err(backend)?;
        Ok(())
    }
}

pub async fn insert_rejects(conn: &mut PgConnection, batch: &WriteBatch) -> Result<()> {
    let Some(cp) = &batch.checkpoint else {
        if batch.rejects.is_empty() {
            return Ok(());
        }
        return Err(StoreError::Invalid(
            "rejects need the checkpoint of their source".into(),
        ));
    };
    if batch.rejects.is_empty() {
        return Ok(());
    }
    let rs = &batch.rejects;
    let line: Vec<i64> = rs.iter().map(|r| r.line as i64).collect();
    let field: Vec<&str> = rs.iter().map(|r| r.field.as_str()).collect();
    let rule: Vec<&str> = rs.iter().map(|r| r.rule.code()).collect();
    let message: Vec<&str> = rs.iter().map(|r| r.message.as_str()).collect();
    let raw: Vec<&str> = rs.iter().map(|r| r.raw.as_str()).collect();
    // WITH ORDINALITY keeps the batch order in the identity column (ties on `line`).
    sqlx::query(
        "INSERT INTO import_rejects (source, line, field, rule, message, raw) \
         SELECT $1, line, field, rule, message, raw \
         FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[]) \
           WITH ORDINALITY AS t(line, field, rule, message, raw, n) ORDER BY n",
    )
    .bind(&cp.source)
    .bind(&line)
    .bind(&field)
    .bind(&rule)
    .bind(&message)
    .bind(&raw)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

pub async fn upsert_import(
    conn: &mut PgConnection,
    cp: &Checkpoint,
    out: &WriteOutcome,
    rejected: u64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO imports AS i (source, file_name, records_done, finished, inserted, new_versions, \
           duplicates, statements, rejected, started_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) \
         ON CONFLICT(source) DO UPDATE SET file_name = excluded.file_name, \
           records_done = excluded.records_done, finished = excluded.finished, \
           inserted = i.inserted + excluded.inserted, \
           new_versions = i.new_versions + excluded.new_versions, \
           duplicates = i.duplicates + excluded.duplicates, \
           statements = i.statements + excluded.statements, \
           rejected = i.rejected + excluded.rejected, updated_at = excluded.updated_at",
    )
    .bind(&cp.source)
    .bind(&cp.file_name)
    .bind(cp.records_done as i64)
    .bind(cp.finished)
    .bind(out.inserted as i64)
    .bind(out.new_versions as i64)
    .bind(out.duplicates as i64)
    .bind(out.statements as i64)
    .bind(rejected as i64)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}
