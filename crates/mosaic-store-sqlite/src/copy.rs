//! Verbatim reads and writes for copying a store (`mosaic migrate`): every report
//! version with its number, arrival time and current flag; import states with their
//! rejects.

use sqlx::sqlite::SqliteConnection;
use sqlx::Row;

use mosaic_model::ContentHash;
use mosaic_store::{ImportState, Reject, ReportVersion, Result, StoreError};

use crate::backend;
use crate::sql::{self, micros};

/// Checks a version's content hash against its report; returns canonical bytes and hash.
pub fn checked(v: &ReportVersion) -> Result<(Vec<u8>, String)> {
    let body = v.stored.report.canonical_json();
    let hash = ContentHash::of_bytes(&body).0;
    if hash != v.stored.content_hash {
        return Err(StoreError::Invalid(format!(
            "report {} version {}: the content hash {} does not match its content ({hash})",
            v.stored.report.id, v.stored.version, v.stored.content_hash
        )));
    }
    Ok((body, hash))
}

pub async fn restore_versions(
    conn: &mut SqliteConnection,
    versions: &[ReportVersion],
) -> Result<u64> {
    let mut seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM reports")
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
    let mut reports = Vec::with_capacity(versions.len());
    let mut statements = Vec::new();
    for v in versions {
        let (body, hash) = checked(v)?;
        seq += 1;
        for s in v.stored.report.statements() {
            statements.push(sql::StatementRow::new(seq, s));
        }
        let mut row = sql::ReportRow::new(
            seq,
            i64::from(v.stored.version),
            hash,
            body,
            &v.stored.report,
            micros(&v.stored.stored_at),
        );
        row.current = i64::from(v.current);
        reports.push(row);
    }
    // UNIQUE (id, version) and the one-current index refuse what the store already holds.
    sql::insert_reports(conn, &reports).await?;
    sql::insert_statements(conn, &statements).await?;
    Ok(statements.len() as u64)
}

pub async fn restore_import(
    conn: &mut SqliteConnection,
    st: &ImportState,
    rejects: &[Reject],
) -> Result<()> {
    let held: Option<i64> = sqlx::query_scalar("SELECT 1 FROM imports WHERE source = ?")
        .bind(&st.checkpoint.source)
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    if held.is_some() {
        return Err(StoreError::Invalid(format!(
            "the store already holds the import of {}",
            st.checkpoint.source
        )));
    }
    sqlx::query(
        "INSERT INTO imports (source, file_name, records_done, finished, inserted, new_versions, \
         duplicates, statements, rejected, started_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    )
    .bind(&st.checkpoint.source)
    .bind(&st.checkpoint.file_name)
    .bind(st.checkpoint.records_done as i64)
    .bind(i64::from(st.checkpoint.finished))
    .bind(st.outcome.inserted as i64)
    .bind(st.outcome.new_versions as i64)
    .bind(st.outcome.duplicates as i64)
    .bind(st.outcome.statements as i64)
    .bind(st.rejected as i64)
    .bind(micros(&st.started_at))
    .bind(micros(&st.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    for r in rejects {
        sqlx::query(
            "INSERT INTO import_rejects (source, line, field, rule, message, raw) VALUES (?,?,?,?,?,?)",
        )
        .bind(&st.checkpoint.source)
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

/// Columns of `imports` in [`import_state`]'s order (after `source`).
pub const IMPORT_COLS: &str = "file_name, records_done, finished, inserted, new_versions, \
     duplicates, statements, rejected, started_at, updated_at";

/// Reads an import row: `source` first, then [`IMPORT_COLS`].
pub fn import_state(r: &sqlx::sqlite::SqliteRow) -> ImportState {
    use mosaic_store::{Checkpoint, WriteOutcome};
    ImportState {
        checkpoint: Checkpoint {
            source: r.get(0),
            file_name: r.get(1),
            records_done: r.get::<i64, _>(2) as u64,
            finished: r.get::<i64, _>(3) != 0,
        },
        outcome: WriteOutcome {
            inserted: r.get::<i64, _>(4) as u64,
            new_versions: r.get::<i64, _>(5) as u64,
            duplicates: r.get::<i64, _>(6) as u64,
            statements: r.get::<i64, _>(7) as u64,
        },
        rejected: r.get::<i64, _>(8) as u64,
        started_at: sql::from_micros(r.get(9)),
        updated_at: sql::from_micros(r.get(10)),
    }
}
