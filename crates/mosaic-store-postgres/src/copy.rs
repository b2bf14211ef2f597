//! Verbatim reads and writes for copying a store (`mosaic migrate`): every report
//! version with its number, arrival time and current flag; import states with their
//! rejects.

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;

use mosaic_store::{
    Checkpoint, ImportState, Reject, ReportVersion, Result, StoreError, WriteOutcome,
};

use crate::sql::{self, from_micros, micros, Prepared};
use crate::{backend, BATCH_LOCK_CLASS};

/// Prepares a version, checking its content hash against its report.
pub fn checked(v: &ReportVersion) -> Result<Prepared<'_>> {
    let p = Prepared::new(&v.stored.report);
    if p.hash != v.stored.content_hash {
        return Err(StoreError::Invalid(format!(
            "report {} version {}: the content hash {} does not match its content ({})",
            v.stored.report.id, v.stored.version, v.stored.content_hash, p.hash
        )));
    }
    Ok(p)
}

pub async fn restore_versions(
    conn: &mut PgConnection,
    versions: Vec<(&ReportVersion, Prepared<'_>)>,
) -> Result<u64> {
    // Exclusive, like a bulk import: no writer may decide a version number meanwhile.
    sqlx::query("SELECT pg_advisory_xact_lock($1, 0)")
        .bind(BATCH_LOCK_CLASS)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    let mut seqs: Vec<i64> =
        sqlx::query_scalar("SELECT nextval('report_seq') FROM generate_series(1, $1)")
            .bind(versions.len() as i64)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
    seqs.sort_unstable();
    let mut reports = sql::ReportRows::default();
    let mut statements = sql::StatementRows::default();
    for ((v, p), seq) in versions.into_iter().zip(seqs) {
        statements.push_report(seq, v.stored.report.statements());
        let version = i32::try_from(v.stored.version).map_err(|_| {
            StoreError::Invalid(format!("version {} is too large", v.stored.version))
        })?;
        reports.push(seq, version, p, micros(&v.stored.stored_at));
        *reports.current.last_mut().expect("just pushed") = v.current;
    }
    // UNIQUE (id, version) and the one-current index refuse what the store already holds.
    sql::insert_reports(conn, &reports).await?;
    sql::insert_statements(conn, &statements).await?;
    Ok(statements.len() as u64)
}

pub async fn restore_import(
    conn: &mut PgConnection,
    st: &ImportState,
    rejects: &[Reject],
) -> Result<()> {
    let inserted = sqlx::query(
        "INSERT INTO imports (source, file_name, records_done, finished, inserted, new_versions, \
         duplicates, statements, rejected, started_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (source) DO NOTHING",
    )
    .bind(&st.checkpoint.source)
    .bind(&st.checkpoint.file_name)
    .bind(st.checkpoint.records_done as i64)
    .bind(st.checkpoint.finished)
    .bind(st.outcome.inserted as i64)
    .bind(st.outcome.new_versions as i64)
    .bind(st.outcome.duplicates as i64)
    .bind(st.outcome.statements as i64)
    .bind(st.rejected as i64)
    .bind(micros(&st.started_at))
    .bind(micros(&st.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(backend)?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Invalid(format!(
            "the store already holds the import of {}",
            st.checkpoint.source
        )));
    }
    let batch = mosaic_store::WriteBatch {
        reports: Vec::new(),
        rejects: rejects.to_vec(),
        checkpoint: Some(st.checkpoint.clone()),
    };
    sql::insert_rejects(conn, &batch).await
}

/// Columns of `imports`, `source` first.
pub const IMPORT_COLS: &str = "source, file_name, records_done, finished, inserted, \
     new_versions, duplicates, statements, rejected, started_at, updated_at";

pub fn import_state(r: &PgRow) -> ImportState {
    ImportState {
        checkpoint: Checkpoint {
            source: r.get(0),
            file_name: r.get(1),
            records_done: r.get::<i64, _>(2) as u64,
            finished: r.get(3),
        },
        outcome: WriteOutcome {
            inserted: r.get::<i64, _>(4) as u64,
            new_versions: r.get::<i64, _>(5) as u64,
            duplicates: r.get::<i64, _>(6) as u64,
            statements: r.get::<i64, _>(7) as u64,
        },
        rejected: r.get::<i64, _>(8) as u64,
        started_at: from_micros(r.get(9)),
        updated_at: from_micros(r.get(10)),
    }
}

/// After rows with explicit ids: moves the identity column's sequence past the largest,
/// so ids handed out later never collide with copied ones.
pub async fn advance_identity(conn: &mut PgConnection, table: &str, column: &str) -> Result<()> {
    sqlx::query(&format!(
        "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
           GREATEST((SELECT MAX({column}) FROM {table}), 1))"
    ))
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}
