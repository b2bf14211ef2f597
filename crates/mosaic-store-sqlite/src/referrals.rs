//! [`ReferralStore`] for the embedded store (migration 0010).

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use mosaic_model::AgencyId;
use mosaic_store::referrals::{
    validate, NewReferral, Referral, ReferralStatus, ReferralStore, Withdrawal,
};
use mosaic_store::Result;

use crate::sql::micros;
use crate::{backend, SqliteStore};

const COLS: &str = "id, status, body";

fn row(r: &SqliteRow) -> Result<Referral> {
    Referral::from_stored(r.get(0), r.get(1), r.get(2))
}

#[async_trait::async_trait]
impl ReferralStore for SqliteStore {
    async fn create_referral(&self, r: &NewReferral) -> Result<Referral> {
        validate(r)?;
        let r = r.clone();
        self.with_tx(move |c| {
            Box::pin(async move {
                let mut out = Referral {
                    id: 0,
                    details: r,
                    status: ReferralStatus::Active,
                    withdrawal: None,
                };
                let d = &out.details;
                out.id = sqlx::query_scalar(
                    "INSERT INTO referrals (person, from_agency, to_agency, status, created_at, body) \
                     VALUES (?, ?, ?, 'active', ?, ?) RETURNING id",
                )
                .bind(d.person.as_str())
                .bind(d.from_agency.as_str())
                .bind(d.to_agency.as_str())
                .bind(micros(&d.at))
                .bind(out.to_body())
                .fetch_one(&mut *c)
                .await
                .map_err(backend)?;
                Ok(out)
            })
        })
        .await
    }

    async fn referral(&self, id: i64, agency: &AgencyId) -> Result<Option<Referral>> {
        let sql = format!(
            "SELECT {COLS} FROM referrals WHERE id = ? AND (from_agency = ? OR to_agency = ?)"
        );
        let out = sqlx::query(&sql)
            .bind(id)
            .bind(agency.as_str())
            .bind(agency.as_str())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?;
        out.as_ref().map(row).transpose()
    }

    async fn withdraw_referral(
        &self,
        id: i64,
        agency: &AgencyId,
        w: &Withdrawal,
    ) -> Result<Option<Referral>> {
        let agency = agency.to_string();
        let w = w.clone();
        self.with_tx(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {COLS} FROM referrals WHERE id = ? AND status = 'active' \
                     AND (from_agency = ? OR to_agency = ?)"
                );
                let Some(cur) = sqlx::query(&sql)
                    .bind(id)
                    .bind(&agency)
                    .bind(&agency)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(backend)?
                else {
                    return Ok(None);
                };
                let mut r = row(&cur)?;
                r.status = ReferralStatus::Withdrawn;
                r.withdrawal = Some(w);
                sqlx::query("UPDATE referrals SET status = 'withdrawn', body = ? WHERE id = ?")
                    .bind(r.to_body())
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
                Ok(Some(r))
            })
        })
        .await
    }

    async fn referrals_of(&self, agency: &AgencyId) -> Result<Vec<Referral>> {
        let sql = format!(
            "SELECT {COLS} FROM referrals WHERE from_agency = ? OR to_agency = ? ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(agency.as_str())
            .bind(agency.as_str())
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn referrals_page(&self, after: i64, limit: u32) -> Result<Vec<Referral>> {
        let sql = format!("SELECT {COLS} FROM referrals WHERE id > ? ORDER BY id LIMIT ?");
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn restore_referrals(&self, rs: &[Referral]) -> Result<()> {
        let rs = rs.to_vec();
        self.with_tx(move |c| {
            Box::pin(async move {
                // An explicit id above the AUTOINCREMENT counter moves the counter too.
                for r in &rs {
                    let d = &r.details;
                    sqlx::query(
                        "INSERT INTO referrals (id, person, from_agency, to_agency, status, \
                         created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(r.id)
                    .bind(d.person.as_str())
                    .bind(d.from_agency.as_str())
                    .bind(d.to_agency.as_str())
                    .bind(r.status.as_str())
                    .bind(micros(&d.at))
                    .bind(r.to_body())
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
    use mosaic_store::conformance_referrals::ReferralHarness;
    use std::sync::Arc;

    async fn make() -> ReferralHarness {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        ReferralHarness {
            referrals: Arc::new(store),
            keep: Box::new(dir),
        }
    }

    mosaic_store::conformance_referral_tests!(make());
}
