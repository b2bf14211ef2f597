//! [`PermissionStore`] on PostgreSQL (migrations 0006, 0012). A decision is one conditional
//! `UPDATE … WHERE status = 'pending'`, so a request is decided once even when two
//! processes decide it at the same moment.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;

use mosaic_model::{AgencyId, ReportId};
use mosaic_store::permissions::{
    NewPermissionRequest, PermissionRequest, PermissionStatus, PermissionStore,
};
use mosaic_store::{Result, StoreError};

use crate::sql::{from_micros, micros};
use crate::{backend, PgStore};

pub(crate) const COLS: &str = "id, report_id, provider, requester, requested_by, purpose, status, \
                    decided_by, requested_at, decided_at, expires_at, revoked_by, revoked_at";

pub(crate) fn row(r: &PgRow) -> Result<PermissionRequest> {
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
impl PermissionStore for PgStore {
    async fn request_permission(&self, r: &NewPermissionRequest) -> Result<PermissionRequest> {
        if r.purpose.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a permission request states its purpose".into(),
            ));
        }
        let sql = format!(
            "INSERT INTO permission_requests (report_id, provider, requester, requested_by, \
             purpose, status, requested_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) \
             RETURNING {COLS}"
        );
        let out = sqlx::query(&sql)
            .bind(r.report_id.as_str())
            .bind(r.provider.as_str())
            .bind(r.requester.as_str())
            .bind(&r.requested_by)
            .bind(&r.purpose)
            .bind(micros(&r.at))
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        row(&out)
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
        let sql = format!(
            "UPDATE permission_requests SET status = $1, decided_by = $2, decided_at = $3, \
             expires_at = $6 \
             WHERE id = $4 AND provider = $5 AND status = 'pending' RETURNING {COLS}"
        );
        let out = sqlx::query(&sql)
            .bind(if grant { "granted" } else { "refused" })
            .bind(by)
            .bind(micros(&at))
            .bind(id)
            .bind(provider.as_str())
            .bind(if grant {
                expires_at.as_ref().map(micros)
            } else {
                None
            })
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        out.as_ref().map(row).transpose()
    }

    async fn revoke_permission(
        &self,
        id: i64,
        provider: &AgencyId,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PermissionRequest>> {
        let sql = format!(
            "UPDATE permission_requests SET status = 'revoked', revoked_by = $1, revoked_at = $2 \
             WHERE id = $3 AND provider = $4 AND status = 'granted' RETURNING {COLS}"
        );
        let out = sqlx::query(&sql)
            .bind(by)
            .bind(micros(&at))
            .bind(id)
            .bind(provider.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        out.as_ref().map(row).transpose()
    }

    async fn granted_reports(
        &self,
        requester: &AgencyId,
        at: DateTime<Utc>,
    ) -> Result<BTreeSet<ReportId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT report_id FROM permission_requests \
             WHERE requester = $1 AND status = 'granted' AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(requester.as_str())
        .bind(micros(&at))
        .fetch_all(&self.pool)
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
            "SELECT {COLS} FROM permission_requests WHERE provider = $1 OR requester = $1 ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(agency.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn permission_granted(&self, report: &ReportId, requester: &AgencyId) -> Result<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM permission_requests \
             WHERE report_id = $1 AND requester = $2 AND status = 'granted' \
             AND (expires_at IS NULL OR expires_at > $3))",
        )
        .bind(report.as_str())
        .bind(requester.as_str())
        .bind(micros(&Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)
    }

    async fn permission_requests_page(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PermissionRequest>> {
        let sql =
            format!("SELECT {COLS} FROM permission_requests WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn restore_permission_requests(&self, requests: &[PermissionRequest]) -> Result<()> {
        if requests.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let sql = format!(
            "INSERT INTO permission_requests ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        for r in requests {
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
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        crate::copy::advance_identity(&mut tx, "permission_requests", "id").await?;
        tx.commit().await.map_err(backend)
    }
}
