//! Schema migrations, embedded in the binary and run on open.
//!
//! All pending migrations run in one transaction that first takes a transaction-scoped
//! advisory lock, so several `mosaic serve` processes starting together apply each
//! migration exactly once: the others wait, then see the new version and do nothing.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

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
    include_str!("../migrations/0010_read_indexes.sql"),
    include_str!("../migrations/0011_retention.sql"),
    include_str!("../migrations/0012_permission_grants.sql"),
    include_str!("../migrations/0013_referrals.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Advisory lock key for migrations ("mosaic" in ASCII, as one 64-bit number); the
/// two-key form used for report ids lives in another key space.
const MIGRATION_LOCK: i64 = 0x6d6f_7361_6963;

pub async fn run(conn: &mut PgConnection) -> Result<()> {
    let mut tx = conn.begin().await.map_err(backend)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT COLLATE \"C\" PRIMARY KEY, value TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    let current: i64 = sqlx::query_scalar(
        "SELECT COALESCE((SELECT value::BIGINT FROM meta WHERE key = 'schema_version'), 0)",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(backend)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        // A query without arguments goes over the simple protocol, which runs a
        // multi-statement script. (`raw_sql` would too, but its future is not provably
        // `Send`, which would keep `PgStore::connect` out of `tokio::spawn`.)
        tx.execute(*sql)
            .await
            .map_err(|e| StoreError::Backend(format!("migration {}: {e}", i + 1)))?;
        sqlx::query(
            "INSERT INTO meta(key, value) VALUES ('schema_version', $1) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind((i + 1).to_string())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tracing::info!(version = i + 1, "applied postgres migration");
    }
    tx.commit().await.map_err(backend)?;
    Ok(())
}
