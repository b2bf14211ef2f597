//! [`PermissionStore`] for the embedded store (migrations 0006, 0008).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use mosaic_model::{AgencyId, ReportId};
use mosaic_store::permissions::{
    NewPermissionRequest, PermissionRequest, PermissionStatus, PermissionStore,
};
use mosaic_store::{Result, StoreError};

use crate::sql::{from_micros, micros};
use crate::{backend, SqliteStore};

const COLS: &str = "id, report_id, provider, requester, requested_by, purpose, status, \
                    decided_by, requested_at, decided_at, expires_at, revoked_by, revoked_at";

fn row(r: &SqliteRow) -> Result<PermissionRequest> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("permission request {what}"));
    Ok(PermissionRequest {
        id: r.get(0),
        report_id: ReportId::parse(r.get(1)).map_err(|_| corrupt("report_id"))?,
        provider: AgencyId::parse(r.get(2)).map_err(|_| corrupt("provider"))?,
        requester: AgencyId::parse(r.get(3)).map_err(|_| corrupt("requester"))?,
        requested_by: r.get(4),
        purpose: r.get(5),
        status: PermissionStatus::parse(r.get(6)).ok_or_else(|| corrupt("status"))?,
        decided_by: r.get(7),
        requested_at: from_micros(r.get(8)),
        decided_at: r.get::<Option<i64>, _>(9).map(from_micros),
        expires_at: r.get::<Option<i64>, _>(10).map(from_micros),
        revoked_by: r.get(11),
        revoked_at: r.get::<Option<i64>, _>(12).map(from_micros),
    })
}

#[async_trait::async_trait]
impl PermissionStore for SqliteStore {
    async fn request_permission(&self, r: &NewPermissionRequest) -> Result<PermissionRequest> {
        if r.purpose.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a permission request states its purpose".into(),
            ));
        }
        let r = r.clone();
        self.with_tx(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "INSERT INTO permission_requests (report_id, provider, requester, requested_by, \
                     purpose, status, requested_at) VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING {COLS}"
                );
                let out = sqlx::query(&sql)
                    .bind(r.report_id.as_str())
                    .bind(r.provider.as_str())
                    .bind(r.requester.as_str())
                    .bind(&r.requested_by)
                    .bind(&r.purpose)
                    .bind(micros(&r.at))
                    .fetch_one(&mut *c)
                    .await
                    .map_err(backend)?;
                row(&out)
            })
        })
        .await
    }

    async fn decide_permission(
        &self,
        id: i64,
        provider: &AgencyId,
        grant: bool,
        by: &str,
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Option<PermissionRequest>> {
        let provider = provider.to_string();
        let by = by.to_owned();
        self.with_tx(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "UPDATE permission_requests SET status = ?, decided_by = ?, decided_at = ?, \
                     expires_at = ? \
                     WHERE id = ? AND provider = ? AND status = 'pending' RETURNING {COLS}"
                );
                let out = sqlx::query(&sql)
                    .bind(if grant { "granted" } else { "refused" })
                    .bind(&by)
                    .bind(micros(&at))
                    .bind(if grant {
                        expires_at.as_ref().map(micros)
                    } else {
                        None
                    })
                    .bind(id)
                    .bind(&provider)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(backend)?;
                out.as_ref().map(row).transpose()
            })
        })
        .await
    }

    async fn revoke_permission(
        &self,
        id: i64,
        provider: &AgencyId,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PermissionRequest>> {
        let provider = provider.to_string();
        let by = by.to_owned();
        self.with_tx(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "UPDATE permission_requests SET status = 'revoked', revoked_by = ?, \
                     revoked_at = ? WHERE id = ? AND provider = ? AND status = 'granted' \
                     RETURNING {COLS}"
                );
                let out = sqlx::query(&sql)
                    .bind(&by)
                    .bind(micros(&at))
                    .bind(id)
                    .bind(&provider)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(backend)?;
                out.as_ref().map(row).transpose()
            })
        })
        .await
    }

    async fn granted_reports(
        &self,
        requester: &AgencyId,
        at: DateTime<Utc>,
    ) -> Result<BTreeSet<ReportId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT report_id FROM permission_requests \
             WHERE requester = ? AND status = 'granted' AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(requester.as_str())
        .bind(micros(&at))
        .fetch_all(&self.readers)
        .await
        .map_err(backend)?;
        ids.iter()
            .map(|i| {
                ReportId::parse(i)
                    .map_err(|_| StoreError::Corrupt("permission request report_id".into()))
            })
            .collect()
    }

    async fn permissions_of(&self, agency: &AgencyId) -> Result<Vec<PermissionRequest>> {
        let sql = format!(
            "SELECT {COLS} FROM permission_requests WHERE provider = ? OR requester = ? ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(agency.as_str())
            .bind(agency.as_str())
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn permission_granted(&self, report: &ReportId, requester: &AgencyId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM permission_requests \
             WHERE report_id = ? AND requester = ? AND status = 'granted' \
             AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(report.as_str())
        .bind(requester.as_str())
        .bind(micros(&Utc::now()))
        .fetch_one(&self.readers)
        .await
        .map_err(backend)?;
        Ok(n > 0)
    }

    async fn permission_requests_page(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PermissionRequest>> {
        let sql =
            format!("SELECT {COLS} FROM permission_requests WHERE id > ? ORDER BY id LIMIT ?");
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn restore_permission_requests(&self, requests: &[PermissionRequest]) -> Result<()> {
        let rs = requests.to_vec();
        self.with_tx(move |c| {
            Box::pin(async move {
                // An explicit id above the AUTOINCREMENT counter moves the counter too.
                let sql = format!("INSERT INTO permission_requests ({COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                for r in &rs {
                    sqlx::query(&sql)
                        .bind(r.id)
                        .bind(r.report_id.as_str())
                        .bind(r.provider.as_str())
                        .bind(r.requester.as_str())
                        .bind(&r.requested_by)
                        .bind(&r.purpose)
                        .bind(r.status.as_str())
                        .bind(&r.decided_by)
                        .bind(micros(&r.requested_at))
                        .bind(r.decided_at.as_ref().map(micros))
                        .bind(r.expires_at.as_ref().map(micros))
                        .bind(&r.revoked_by)
                        .bind(r.revoked_at.as_ref().map(micros))
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?;
                }
                Ok(())
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_store::conformance_permissions::PermissionHarness;
    use std::sync::Arc;

    async fn make() -> PermissionHarness {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        PermissionHarness {
            permissions: Arc::new(store),
            keep: Box::new(dir),
        }
    }

    mosaic_store::conformance_permission_tests!(make());
}
