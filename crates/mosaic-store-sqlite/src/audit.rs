//! [`AuditStore`] for the embedded store (migration 0004): the hash chain in one table.
//!
//! An append takes the store's single writer connection and runs `BEGIN IMMEDIATE`
//! (SQLite's write lock, which also excludes writers in *other* processes on the same
//! file, such as a CLI command next to the server), reads the head, seals the entry
//! against it and inserts it, then commits: no two appends can see the same head. The
//! `UNIQUE` constraint on `prev` would refuse a fork even if that ever failed.

use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::Row;

use mosaic_audit::{seal, AuditEvent, AuditRecord, Head, IndexColumns, GENESIS};
use mosaic_store::audit::{check_continues, AuditQuery, AuditStore};
use mosaic_store::{Result, StoreError};

use crate::sql::micros;
use crate::{backend, SqliteStore};

const COLS: &str = "seq, hash, body, prev, at, actor, agency, action, object, result";

fn record(r: &SqliteRow) -> AuditRecord {
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

async fn head(conn: &mut SqliteConnection) -> Result<(u64, String)> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
    Ok(row.map_or((0, GENESIS.to_owned()), |(s, h)| (s as u64, h)))
}

async fn insert(conn: &mut SqliteConnection, rec: &AuditRecord) -> Result<()> {
    let c = rec.columns.as_ref().ok_or_else(|| {
        StoreError::Invalid("an audit entry needs a time, actor, action and result".into())
    })?;
    sqlx::query(
        "INSERT INTO audit_log (seq, prev, hash, body, at, actor, agency, action, object, result) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

/// Seals `events` one after the other against the head and inserts them.
async fn append_all(
    conn: &mut SqliteConnection,
    events: impl Iterator<Item = AuditEvent>,
) -> Result<Vec<AuditRecord>> {
    let (mut seq, mut prev) = head(conn).await?;
    let mut out = Vec::new();
    for ev in events {
        seq += 1;
        let rec = seal(&ev, seq, &prev);
        insert(conn, &rec).await?;
        prev = rec.hash.clone();
        out.push(rec);
    }
    Ok(out)
}

#[async_trait::async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit_with(
        &self,
        make: &(dyn for<'p> Fn(u64, &'p str) -> AuditEvent + Send + Sync),
    ) -> Result<AuditRecord> {
        let mut w = self.writer.lock().await;
        Self::begin(&mut w).await?;
        let r = async {
            let (seq, prev) = head(&mut w.conn).await?;
            let rec = seal(&make(seq + 1, &prev), seq + 1, &prev);
            insert(&mut w.conn, &rec).await?;
            Ok(rec)
        }
        .await;
        Self::finish(&mut w, r).await
    }

    async fn append_audit_batch(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = self.writer.lock().await;
        Self::begin(&mut w).await?;
        let r = append_all(&mut w.conn, events.iter().cloned()).await;
        Self::finish(&mut w, r).await
    }

    async fn restore_audit(&self, records: &[AuditRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut w = self.writer.lock().await;
        Self::begin(&mut w).await?;
        let r = async {
            let (seq, hash) = head(&mut w.conn).await?;
            check_continues(Some(&Head { seq, hash }), records)?;
            for rec in records {
                insert(&mut w.conn, rec).await?;
            }
            Ok(())
        }
        .await;
        Self::finish(&mut w, r).await
    }

    async fn audit_head(&self) -> Result<Option<Head>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.readers)
                .await
                .map_err(backend)?;
        Ok(row.map(|(seq, hash)| Head {
            seq: seq as u64,
            hash,
        }))
    }

    async fn audit_range(&self, from: u64, limit: u32) -> Result<Vec<AuditRecord>> {
        let sql = format!("SELECT {COLS} FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?");
        let rows = sqlx::query(&sql)
            .bind(i64::try_from(from).unwrap_or(i64::MAX))
            .bind(i64::from(limit.clamp(1, 100_000)))
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(record).collect())
    }

    async fn audit_search(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let mut sql = format!("SELECT {COLS} FROM audit_log WHERE 1 = 1");
        for (on, clause) in [
            (q.actor.is_some(), " AND actor = ?"),
            (q.agency.is_some(), " AND agency = ?"),
            (q.action.is_some(), " AND action = ?"),
            (q.object.is_some(), " AND object = ?"),
            (q.from.is_some(), " AND at >= ?"),
            (q.until.is_some(), " AND at < ?"),
            (q.after.is_some(), " AND seq > ?"),
        ] {
            if on {
                sql.push_str(clause);
            }
        }
        sql.push_str(" ORDER BY seq LIMIT ?");
        let mut query = sqlx::query(&sql);
        for s in [&q.actor, &q.agency, &q.action, &q.object]
            .into_iter()
            .flatten()
        {
            query = query.bind(s.as_str());
        }
        for t in [&q.from, &q.until].into_iter().flatten() {
            query = query.bind(micros(t));
        }
        if let Some(a) = q.after {
            query = query.bind(i64::try_from(a).unwrap_or(i64::MAX));
        }
        let rows = query
            .bind(i64::from(q.limit.clamp(1, 10_000)))
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(record).collect())
    }
}

#[cfg(test)]
mod tests;
