//! [`RetentionStore`] for PostgreSQL (migration 0011).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use mosaic_model::{AgencyId, ReportId};
use mosaic_store::retention::{RetentionDue, RetentionStore, Tombstone};
use mosaic_store::{Result, StoreError};

use crate::sql::{from_micros, micros};
use crate::{backend, lock_ids, PgStore};

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("retention: {what}"))
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| corrupt("date"))
}

fn due(r: &PgRow) -> Result<RetentionDue> {
    Ok(RetentionDue {
        report_id: ReportId::parse(r.get(0)).map_err(|_| corrupt("report id"))?,
        agency: AgencyId::parse(r.get(1)).map_err(|_| corrupt("agency"))?,
        date: date(r.get(2))?,
    })
}

fn tombstone(r: &PgRow) -> Result<Tombstone> {
    Ok(Tombstone {
        report_id: ReportId::parse(r.get(0)).map_err(|_| corrupt("report id"))?,
        agency: AgencyId::parse(r.get(1)).map_err(|_| corrupt("agency"))?,
        versions: r.get::<i32, _>(2) as u32,
        statements: r.get::<i64, _>(3) as u64,
        retain_until: r
            .get::<Option<String>, _>(4)
            .as_deref()
            .map(date)
            .transpose()?,
        purged_at: from_micros(r.get(5)),
        reason: r.get(6),
    })
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

const TOMBSTONE_COLS: &str =
    "report_id, agency, versions, statements, retain_until, purged_at, reason";

#[async_trait::async_trait]
impl RetentionStore for PgStore {
    async fn expired_reports(&self, today: NaiveDate, limit: u32) -> Result<Vec<RetentionDue>> {
        // A scan of current reports: the job runs daily, and no index is paid on writes.
        let rows = sqlx::query(
            "SELECT id, agency, d FROM (SELECT id, agency, \
             (body::jsonb ->> 'retain_until') COLLATE \"C\" AS d FROM reports WHERE current) r \
             WHERE d IS NOT NULL AND d < $1 ORDER BY d, id LIMIT $2",
        )
        .bind(ymd(today))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(due).collect()
    }

    async fn reports_due_for_review(
        &self,
        today: NaiveDate,
        limit: u32,
    ) -> Result<Vec<RetentionDue>> {
        let rows = sqlx::query(
            "SELECT id, agency, d FROM (SELECT id, agency, \
             (body::jsonb ->> 'review_at') COLLATE \"C\" AS d FROM reports WHERE current) r \
             WHERE d IS NOT NULL AND d <= $1 \
             AND NOT EXISTS (SELECT 1 FROM review_flags f WHERE f.report_id = r.id AND f.review_at = r.d) \
             ORDER BY d, id LIMIT $2",
        )
        .bind(ymd(today))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(due).collect()
    }

    async fn flag_for_review(
        &self,
        id: &ReportId,
        review_at: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO review_flags (report_id, review_at, flagged_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id.as_str())
        .bind(ymd(review_at))
        .bind(micros(&at))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn purge_report(
        &self,
        id: &ReportId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Tombstone>> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        // The writers' lock for this id: no new version slips in while it is purged.
        lock_ids(&mut tx, &[id.as_str()], self.max_id_locks).await?;
        let rows = sqlx::query(
            "SELECT seq, agency, current, body::jsonb ->> 'retain_until' FROM reports WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        if rows.is_empty() {
            return Ok(None);
        }
        let seqs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        let current = rows
            .iter()
            .find(|r| r.get::<bool, _>(2))
            .unwrap_or(&rows[0]);
        let agency: String = current.get(1);
        let retain_until: Option<String> = current.get(3);
        let statements = sqlx::query("DELETE FROM statements WHERE report_seq = ANY($1)")
            .bind(&seqs)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        sqlx::query("DELETE FROM reports WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        // Purged again after a re-import: the tombstone adds up.
        let row = sqlx::query(&format!(
            "INSERT INTO report_tombstones ({TOMBSTONE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (report_id) DO UPDATE SET \
             versions = report_tombstones.versions + excluded.versions, \
             statements = report_tombstones.statements + excluded.statements, \
             retain_until = excluded.retain_until, purged_at = excluded.purged_at, \
             reason = excluded.reason RETURNING {TOMBSTONE_COLS}"
        ))
        .bind(id.as_str())
        .bind(&agency)
        .bind(seqs.len() as i32)
        .bind(statements as i64)
        .bind(&retain_until)
        .bind(micros(&at))
        .bind(reason)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        tombstone(&row).map(Some)
    }

    async fn tombstones(&self) -> Result<Vec<Tombstone>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOMBSTONE_COLS} FROM report_tombstones ORDER BY purged_at, report_id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(tombstone).collect()
    }
}
