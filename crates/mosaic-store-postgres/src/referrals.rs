//! [`ReferralStore`] on PostgreSQL (migration 0013). A withdrawal locks the row
//! (`SELECT … FOR UPDATE`), so two processes withdrawing at once record it once.

use sqlx::postgres::PgRow;
use sqlx::Row;

use mosaic_model::AgencyId;
use mosaic_store::referrals::{
    validate, NewReferral, Referral, ReferralStatus, ReferralStore, Withdrawal,
};
use mosaic_store::Result;

use crate::sql::micros;
use crate::{backend, PgStore};

const COLS: &str = "id, status, body";

fn row(r: &PgRow) -> Result<Referral> {
    Referral::from_stored(r.get(0), r.get(1), r.get(2))
}

#[async_trait::async_trait]
impl ReferralStore for PgStore {
    async fn create_referral(&self, r: &NewReferral) -> Result<Referral> {
        validate(r)?;
        let mut out = Referral {
            id: 0,
            details: r.clone(),
            status: ReferralStatus::Active,
            withdrawal: None,
        };
        out.id = sqlx::query_scalar(
            "INSERT INTO referrals (person, from_agency, to_agency, status, created_at, body) \
             VALUES ($1, $2, $3, 'active', $4, $5) RETURNING id",
        )
        .bind(r.person.as_str())
        .bind(r.from_agency.as_str())
        .bind(r.to_agency.as_str())
        .bind(micros(&r.at))
        .bind(out.to_body())
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(out)
    }

    async fn referral(&self, id: i64, agency: &AgencyId) -> Result<Option<Referral>> {
        let sql = format!(
            "SELECT {COLS} FROM referrals WHERE id = $1 AND (from_agency = $2 OR to_agency = $2)"
        );
        let out = sqlx::query(&sql)
            .bind(id)
            .bind(agency.as_str())
            .fetch_optional(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let sql = format!(
            "SELECT {COLS} FROM referrals WHERE id = $1 AND status = 'active' \
             AND (from_agency = $2 OR to_agency = $2) FOR UPDATE"
        );
        let Some(cur) = sqlx::query(&sql)
            .bind(id)
            .bind(agency.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let mut r = row(&cur)?;
        r.status = ReferralStatus::Withdrawn;
        r.withdrawal = Some(w.clone());
        sqlx::query("UPDATE referrals SET status = 'withdrawn', body = $1 WHERE id = $2")
            .bind(r.to_body())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(Some(r))
    }

    async fn referrals_of(&self, agency: &AgencyId) -> Result<Vec<Referral>> {
        let sql = format!(
            "SELECT {COLS} FROM referrals WHERE from_agency = $1 OR to_agency = $1 ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(agency.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn referrals_page(&self, after: i64, limit: u32) -> Result<Vec<Referral>> {
        let sql = format!("SELECT {COLS} FROM referrals WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(row).collect()
    }

    async fn restore_referrals(&self, rs: &[Referral]) -> Result<()> {
        if rs.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        for r in rs {
            let d = &r.details;
            sqlx::query(
                "INSERT INTO referrals (id, person, from_agency, to_agency, status, created_at, \
                 body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(r.id)
            .bind(d.person.as_str())
            .bind(d.from_agency.as_str())
            .bind(d.to_agency.as_str())
            .bind(r.status.as_str())
            .bind(micros(&d.at))
            .bind(r.to_body())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        crate::copy::advance_identity(&mut tx, "referrals", "id").await?;
        tx.commit().await.map_err(backend)
    }
}
