//! Schema migrations, embedded in the binary and run on open, each in a transaction.

use sqlx::sqlite::SqliteConnection;
use sqlx::Connection;

use mosaic_store::{Result, StoreError};

use crate::backend;

/// Append only: never edit a released migration.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_accounts.sql"),
    include_str!("../migrations/0003_judgements.sql"),
    include_str!("../migrations/0004_audit.sql"),
    include_str!("../migrations/0005_agreements.sql"),
    include_str!("../migrations/0006_permissions.sql"),
    include_str!("../migrations/0007_read_indexes.sql"),
    include_str!("../migrations/0008_permission_grants.sql"),
    include_str!("../migrations/0009_retention.sql"),
    include_str!("../migrations/0010_referrals.sql"),
];

pub async fn run(conn: &mut SqliteConnection) -> Result<()> {
    sqlx::query("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    let current: i64 = sqlx::query_scalar(
        "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'), 0)",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(backend)?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let mut tx = conn.begin().await.map_err(backend)?;
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT INTO meta(key, value) VALUES ('schema_version', ?) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind((i + 1).to_string())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        tracing::info!(version = i + 1, "applied sqlite migration");
    }
    Ok(())
}
