//! [`AuditStore`] on PostgreSQL (migration 0004): the hash chain in one table.
//!
//! Several `mosaic serve` processes append to one chain, so an append first takes a
//! transaction-scoped advisory lock that every appender in every process takes: reading
//! the head, sealing against it and inserting happen with no other appender in between,
//! and the lock is released by commit or rollback. The chain stays one total order with
//! gap-free sequence numbers; the `UNIQUE` constraint on `prev` refuses a fork even if
//! that discipline were ever broken.

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;

use mosaic_audit::{seal, AuditEvent, AuditRecord, Head, IndexColumns, GENESIS};
use mosaic_store::audit::{check_continues, AuditQuery, AuditStore};
use mosaic_store::{Result, StoreError};

use crate::sql::micros;
use crate::{backend, PgStore};

const COLS: &str = "seq, hash, body, prev, at, actor, agency, action, object, result";

/// Advisory lock of the audit chain (two-key form, its own class).
const AUDIT_LOCK_CLASS: i32 = 0x4d4f_5341; // "MOSA"

fn record(r: &PgRow) -> AuditRecord {
    AuditRecord {
        seq: r.get::<i64, _>(0) as u64,
        hash: r.get(1),
        body: r.get(2),
        columns: Some(IndexColumns {
            prev: r.get(3),
            at: r.get(4),
            actor: r.get(5),
            agency: r.get(6),
            action: r.get(7),
            object: r.get(8),
            result: r.get(9),
        }),
    }
}

/// Takes the chain's lock for the rest of the transaction.
pub(crate) async fn lock_chain(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, 0)")
        .bind(AUDIT_LOCK_CLASS)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    Ok(())
}

async fn head(conn: &mut PgConnection) -> Result<(u64, String)> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
    Ok(row.map_or((0, GENESIS.to_owned()), |(s, h)| (s as u64, h)))
}

/// Inserts one sealed record as it is (also used by the copy between stores, which keeps
/// the chain verbatim).
pub(crate) async fn insert(conn: &mut PgConnection, rec: &AuditRecord) -> Result<()> {
    let c = rec.columns.as_ref().ok_or_else(|| {
        StoreError::Invalid("an audit entry needs a time, actor, action and result".into())
    })?;
    sqlx::query(
        "INSERT INTO audit_log (seq, prev, hash, body, at, actor, agency, action, object, result) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(rec.seq as i64)
    .bind(&c.prev)
    .bind(&rec.hash)
    .bind(&rec.body)
    .bind(c.at)
    .bind(&c.actor)
    .bind(&c.agency)
    .bind(&c.action)
    .bind(&c.object)
    .bind(&c.result)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

#[async_trait::async_trait]
impl AuditStore for PgStore {
    async fn append_audit_with(
        &self,
        make: &(dyn for<'p> Fn(u64, &'p str) -> AuditEvent + Send + Sync),
    ) -> Result<AuditRecord> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_chain(&mut tx).await?;
        let (seq, prev) = head(&mut tx).await?;
        let rec = seal(&make(seq + 1, &prev), seq + 1, &prev);
        insert(&mut tx, &rec).await?;
        tx.commit().await.map_err(backend)?;
        Ok(rec)
    }

    async fn append_audit_batch(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_chain(&mut tx).await?;
        let (mut seq, mut prev) = head(&mut tx).await?;
        let mut out = Vec::with_capacity(events.len());
        for ev in events {
            seq += 1;
            let rec = seal(ev, seq, &prev);
            insert(&mut tx, &rec).await?;
            prev = rec.hash.clone();
            out.push(rec);
        }
        tx.commit().await.map_err(backend)?;
        Ok(out)
    }

    async fn restore_audit(&self, records: &[AuditRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        lock_chain(&mut tx).await?;
        let (seq, hash) = head(&mut tx).await?;
        check_continues(Some(&Head { seq, hash }), records)?;
        for rec in records {
            insert(&mut tx, rec).await?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn audit_head(&self) -> Result<Option<Head>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        Ok(row.map(|(seq, hash)| Head {
            seq: seq as u64,
            hash,
        }))
    }

    async fn audit_range(&self, from: u64, limit: u32) -> Result<Vec<AuditRecord>> {
        let sql = format!("SELECT {COLS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(i64::try_from(from).unwrap_or(i64::MAX))
            .bind(i64::from(limit.clamp(1, 100_000)))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(record).collect())
    }

    async fn audit_search(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
            "SELECT {COLS} FROM audit_log WHERE TRUE"
        ));
        for (col, v) in [
            ("actor", &q.actor),
            ("agency", &q.agency),
            ("action", &q.action),
            ("object", &q.object),
        ] {
            if let Some(v) = v {
                qb.push(format!(" AND {col} = ")).push_bind(v.clone());
            }
        }
        if let Some(t) = &q.from {
            qb.push(" AND at >= ").push_bind(micros(t));
        }
        if let Some(t) = &q.until {
            qb.push(" AND at < ").push_bind(micros(t));
        }
        if let Some(a) = q.after {
            qb.push(" AND seq > ")
                .push_bind(i64::try_from(a).unwrap_or(i64::MAX));
        }
        qb.push(" ORDER BY seq LIMIT ")
            .push_bind(i64::from(q.limit.clamp(1, 10_000)));
        let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(rows.iter().map(record).collect())
    }
}
