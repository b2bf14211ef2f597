//! [`RetentionStore`] for the embedded store (migration 0009).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use mosaic_model::{AgencyId, ReportId};
use mosaic_store::retention::{RetentionDue, RetentionStore, Tombstone};
use mosaic_store::{Result, StoreError};

use crate::sql::{from_micros, micros, placeholders};
use crate::{backend, SqliteStore};

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("retention: {what}"))
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| corrupt("date"))
}

fn due(r: &SqliteRow) -> Result<RetentionDue> {
    Ok(RetentionDue {
        report_id: ReportId::parse(r.get(0)).map_err(|_| corrupt("report id"))?,
        agency: AgencyId::parse(r.get(1)).map_err(|_| corrupt("agency"))?,
        date: date(r.get(2))?,
    })
}

fn tombstone(r: &SqliteRow) -> Result<Tombstone> {
    Ok(Tombstone {
        report_id: ReportId::parse(r.get(0)).map_err(|_| corrupt("report id"))?,
        agency: AgencyId::parse(r.get(1)).map_err(|_| corrupt("agency"))?,
        versions: r.get::<i64, _>(2) as u32,
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

#[async_trait::async_trait]
impl RetentionStore for SqliteStore {
    async fn expired_reports(&self, today: NaiveDate, limit: u32) -> Result<Vec<RetentionDue>> {
        // A scan of current reports: the job runs daily, and no index is paid on writes.
        let rows = sqlx::query(
            "SELECT id, agency, d FROM (SELECT id, agency, json_extract(body, '$.retain_until') AS d \
             FROM reports WHERE current = 1) WHERE d IS NOT NULL AND d < ? ORDER BY d, id LIMIT ?",
        )
        .bind(ymd(today))
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
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
            "SELECT id, agency, d FROM (SELECT id, agency, json_extract(body, '$.review_at') AS d \
             FROM reports WHERE current = 1) AS r WHERE d IS NOT NULL AND d <= ? \
             AND NOT EXISTS (SELECT 1 FROM review_flags f WHERE f.report_id = r.id AND f.review_at = r.d) \
             ORDER BY d, id LIMIT ?",
        )
        .bind(ymd(today))
        .bind(i64::from(limit))
        .fetch_all(&self.readers)
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
        let id = id.to_string();
        self.with_tx(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO review_flags (report_id, review_at, flagged_at) VALUES (?, ?, ?) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&id)
                .bind(ymd(review_at))
                .bind(micros(&at))
                .execute(&mut *c)
                .await
                .map_err(backend)?;
                Ok(())
            })
        })
        .await
    }

    async fn purge_report(
        &self,
        id: &ReportId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Tombstone>> {
        let id = id.clone();
        let reason = reason.to_owned();
        self.with_tx(move |c| {
            Box::pin(async move {
                let rows = sqlx::query(
                    "SELECT seq, agency, current, json_extract(body, '$.retain_until') \
                     FROM reports WHERE id = ?",
                )
                .bind(id.as_str())
                .fetch_all(&mut *c)
                .await
                .map_err(backend)?;
                if rows.is_empty() {
                    return Ok(None);
                }
                let seqs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
                let current = rows
                    .iter()
                    .find(|r| r.get::<i64, _>(2) == 1)
                    .unwrap_or(&rows[0]);
                let agency: String = current.get(1);
                let retain_until: Option<String> = current.get(3);
                let mut statements = 0u64;
                for chunk in seqs.chunks(500) {
                    let sql = format!(
                        "DELETE FROM statements WHERE report_seq IN ({})",
                        placeholders(chunk.len())
                    );
                    let mut q = sqlx::query(&sql);
                    for s in chunk {
                        q = q.bind(*s);
                    }
                    statements += q.execute(&mut *c).await.map_err(backend)?.rows_affected();
                }
                sqlx::query("DELETE FROM reports WHERE id = ?")
                    .bind(id.as_str())
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
                // Purged again after a re-import: the tombstone adds up.
                let row = sqlx::query(
                    "INSERT INTO report_tombstones (report_id, agency, versions, statements, \
                     retain_until, purged_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (report_id) DO UPDATE SET versions = versions + excluded.versions, \
                     statements = statements + excluded.statements, \
                     retain_until = excluded.retain_until, purged_at = excluded.purged_at, \
                     reason = excluded.reason \
                     RETURNING report_id, agency, versions, statements, retain_until, purged_at, reason",
                )
                .bind(id.as_str())
                .bind(&agency)
                .bind(seqs.len() as i64)
                .bind(statements as i64)
                .bind(&retain_until)
                .bind(micros(&at))
                .bind(&reason)
                .fetch_one(&mut *c)
                .await
                .map_err(backend)?;
                tombstone(&row).map(Some)
            })
        })
        .await
    }

    async fn tombstones(&self) -> Result<Vec<Tombstone>> {
        let rows = sqlx::query(
            "SELECT report_id, agency, versions, statements, retain_until, purged_at, reason \
             FROM report_tombstones ORDER BY purged_at, report_id",
        )
        .fetch_all(&self.readers)
        .await
        .map_err(backend)?;
        rows.iter().map(tombstone).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn retention_purges_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).await.unwrap();
        mosaic_store::conformance_policy::retention_purges_and_flags(&s, &s).await;
    }
}
