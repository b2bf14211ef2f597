//! [`AgreementStore`] for the embedded store (migration 0005): one row per lifecycle
//! event, keyed by (agreement, position). The position check and the insert run in one
//! write transaction, so of two writers basing an event on the same state exactly one
//! succeeds.

use sqlx::Row;

use mosaic_agreements::{AgreementEvent, AgreementId};
use mosaic_store::agreements::{AgreementStore, AgreementStoreError};
use mosaic_store::{Result, StoreError};

use crate::sql::micros;
use crate::{backend, SqliteStore};

#[async_trait::async_trait]
impl AgreementStore for SqliteStore {
    async fn append_agreement_event(
        &self,
        id: &AgreementId,
        position: u64,
        event: &AgreementEvent,
    ) -> std::result::Result<(), AgreementStoreError> {
        let body = serde_json::to_string(event)
            .map_err(|e| StoreError::Invalid(format!("agreement event: {e}")))?;
        let key = id.to_string();
        let kind = event.kind();
        let at = micros(&event.at());
        let found = self
            .with_tx(move |c| {
                Box::pin(async move {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM agreement_events WHERE agreement_id = ?",
                    )
                    .bind(&key)
                    .fetch_one(&mut *c)
                    .await
                    .map_err(backend)?;
                    if n as u64 != position {
                        return Ok(Some(n as u64));
                    }
                    sqlx::query(
                        "INSERT INTO agreement_events (agreement_id, n, kind, at, body) \
                         VALUES (?, ?, ?, ?, ?)",
                    )
                    .bind(&key)
                    .bind(n)
                    .bind(kind)
                    .bind(at)
                    .bind(&body)
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
                    Ok(None)
                })
            })
            .await?;
        match found {
            None => Ok(()),
            Some(found) => Err(AgreementStoreError::Conflict {
                id: id.clone(),
                expected: position,
                found,
            }),
        }
    }

    async fn agreement_events(&self, id: &AgreementId) -> Result<Vec<AgreementEvent>> {
        let rows =
            sqlx::query("SELECT n, body FROM agreement_events WHERE agreement_id = ? ORDER BY n")
                .bind(id.as_str())
                .fetch_all(&self.readers)
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
        .fetch_all(&self.readers)
        .await
        .map_err(backend)?;
        ids.iter()
            .map(|s| {
                AgreementId::parse(s).map_err(|e| StoreError::Corrupt(format!("agreement id: {e}")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use mosaic_agreements::example;
    use mosaic_store::agreements::{load, record};
    use mosaic_store::conformance_agreements::AgreementHarness;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{Connection, SqliteConnection};

    use super::*;

    async fn make() -> AgreementHarness {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        AgreementHarness {
            agreements: Arc::new(store),
            keep: Box::new(dir),
        }
    }

    mosaic_store::conformance_agreement_tests!(make());

    /// A signature edited in the database (to make a partner appear to have signed)
    /// makes the agreement fail to load rather than come into force.
    #[tokio::test]
    async fn an_edited_signature_makes_the_agreement_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).await.unwrap();
        let doc = example::agreement("fr-ncc:agr:channel", 2);
        let events = example::in_force_events(&doc);
        for e in &events[..2] {
            record(&s, &doc.id, e).await.unwrap();
        }
        // Someone with the file adds be-ncc's "signature", copying fr-ncc's.
        let opts = SqliteConnectOptions::new().filename(dir.path().join(crate::DB_FILE));
        let mut c = SqliteConnection::connect_with(&opts).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO agreement_events (agreement_id, n, kind, at, body) \
             SELECT agreement_id, 2, kind, at, replace(body, '\"fr-ncc\"', '\"be-ncc\"') \
             FROM agreement_events WHERE n = 1",
        )
        .execute(&mut c)
        .await
        .unwrap();
        let err = load(&s, &doc.id).await.unwrap_err();
        assert!(err.to_string().contains("does not verify"), "{err}");
    }
}
