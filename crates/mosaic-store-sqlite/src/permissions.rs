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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(report: &str, provider: &str, requester: &str) -> NewPermissionRequest {
        NewPermissionRequest {
            report_id: ReportId::parse(report).unwrap(),
            provider: AgencyId::parse(provider).unwrap(),
            requester: AgencyId::parse(requester).unwrap(),
            requested_by: "user:fr-ncc:usr:1".into(),
            purpose: "case 42: prosecution file".into(),
            at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn request_grant_refuse_and_list() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).await.unwrap();
        let paf = AgencyId::parse("fr-paf").unwrap();
        let gn = AgencyId::parse("fr-gn").unwrap();
        let douane = AgencyId::parse("fr-douane").unwrap();
        let rid = ReportId::parse("fr-ncc:rep:r1").unwrap();
        let a = s
            .request_permission(&req("fr-ncc:rep:r1", "fr-paf", "fr-gn"))
            .await
            .unwrap();
        assert_eq!(a.status, PermissionStatus::Pending);
        assert!(!s.permission_granted(&rid, &gn).await.unwrap());
        // only the provider decides; another agency's attempt is like no request at all
        assert!(s
            .decide_permission(a.id, &douane, true, "user:x", Utc::now(), None)
            .await
            .unwrap()
            .is_none());
        let g = s
            .decide_permission(a.id, &paf, true, "user:p", Utc::now(), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(g.status, PermissionStatus::Granted);
        assert!(s.permission_granted(&rid, &gn).await.unwrap());
        assert!(!s.permission_granted(&rid, &douane).await.unwrap());
        // decided once
        assert!(s
            .decide_permission(a.id, &paf, false, "user:p", Utc::now(), None)
            .await
            .unwrap()
            .is_none());
        let b = s
            .request_permission(&req("fr-ncc:rep:r2", "fr-paf", "fr-douane"))
            .await
            .unwrap();
        let r = s
            .decide_permission(b.id, &paf, false, "user:p", Utc::now(), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.status, PermissionStatus::Refused);
        assert_eq!(s.permissions_of(&paf).await.unwrap().len(), 2);
        assert_eq!(s.permissions_of(&gn).await.unwrap().len(), 1);
        assert_eq!(s.permissions_of(&douane).await.unwrap().len(), 1);
        assert!(s
            .request_permission(&NewPermissionRequest {
                purpose: " ".into(),
                ..req("fr-ncc:rep:r3", "fr-paf", "fr-gn")
            })
            .await
            .is_err());
    }
}
