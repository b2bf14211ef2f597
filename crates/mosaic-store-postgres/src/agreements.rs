//! [`AgreementStore`] on PostgreSQL (migration 0005): one row per lifecycle event, keyed
//! by (agreement, position). The position check and the insert run in one transaction
//! holding an advisory lock on the agreement, so of two writers (in any processes)
//! basing an event on the same state exactly one succeeds; the primary key would refuse
//! the second insert even without the lock.

use sqlx::Row;

use mosaic_agreements::{AgreementEvent, AgreementId};
use mosaic_store::agreements::{AgreementStore, AgreementStoreError};
use mosaic_store::{Result, StoreError};

use crate::sql::micros;
use crate::{backend, PgStore};

const AGREEMENT_LOCK_CLASS: i32 = 0x4d4f_5347; // "MOSG"

/// Inserts event `n` of an agreement's log (also used by the copy between stores).
pub(crate) async fn insert(
    conn: &mut sqlx::PgConnection,
    id: &str,
    n: i64,
    event: &AgreementEvent,
) -> Result<()> {
    let body = serde_json::to_string(event)
        .map_err(|e| StoreError::Invalid(format!("agreement event: {e}")))?;
    sqlx::query(
        "INSERT INTO agreement_events (agreement_id, n, kind, at, body) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(n)
    .bind(event.kind())
    .bind(micros(&event.at()))
    .bind(&body)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

#[async_trait::async_trait]
impl AgreementStore for PgStore {
    async fn append_agreement_event(
        &self,
        id: &AgreementId,
        position: u64,
        event: &AgreementEvent,
    ) -> std::result::Result<(), AgreementStoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(AGREEMENT_LOCK_CLASS)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM agreement_events WHERE agreement_id = $1")
                .bind(id.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        if n as u64 != position {
            return Err(AgreementStoreError::Conflict {
                id: id.clone(),
                expected: position,
                found: n as u64,
            });
        }
        insert(&mut tx, id.as_str(), n, event).await?;
        tx.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn agreement_events(&self, id: &AgreementId) -> Result<Vec<AgreementEvent>> {
        let rows =
            sqlx::query("SELECT n, body FROM agreement_events WHERE agreement_id = $1 ORDER BY n")
                .bind(id.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                let n: i64 = r.get(0);
                if n != i as i64 {
                    return Err(StoreError::Corrupt(format!(
                        "agreement {id}: event {i} is missing from its log"
                    )));
                }
                serde_json::from_str(r.get::<&str, _>(1)).map_err(|e| {
                    StoreError::Corrupt(format!("agreement {id}: event {n} does not read: {e}"))
                })
            })
            .collect()
    }

    async fn agreement_ids(&self) -> Result<Vec<AgreementId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT agreement_id FROM agreement_events ORDER BY agreement_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        ids.iter()
            .map(|s| {
                AgreementId::parse(s).map_err(|e| StoreError::Corrupt(format!("agreement id: {e}")))
            })
            .collect()
    }
}
