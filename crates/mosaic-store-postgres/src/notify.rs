//! Change notification across processes: `NOTIFY` inside each write transaction that
//! stores reports, `LISTEN` on a dedicated connection per subscription.

use futures::stream::BoxStream;
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPoolOptions};

use mosaic_store::{Result, StoreError};

use crate::backend;

/// The notification channel (per database, so stores in different databases never
/// hear each other).
pub const CHANNEL: &str = "mosaic_reports";

/// What a subscriber learns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A committed batch stored `reports` new reports or versions; `last_seq` is the
    /// highest report sequence number it used. Sequence numbers of concurrent batches
    /// interleave, so it is a hint, not a watermark.
    Reports { reports: u64, last_seq: i64 },
    /// The listening connection was lost and has been re-established: notifications in
    /// between may be missing, so re-read whatever you keep in step with the store.
    Resync,
}

/// Sends the notification for one batch; PostgreSQL delivers it when the transaction
/// commits (and drops it on rollback). The payload stays far below the 8000-byte limit.
pub async fn send(conn: &mut PgConnection, reports: u64, last_seq: i64) -> Result<()> {
    let payload = json!({ "reports": reports, "last_seq": last_seq }).to_string();
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(conn)
        .await
        .map_err(backend)?;
    Ok(())
}

/// A live subscription to new-report notifications.
pub struct Subscription {
    listener: PgListener,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("channel", &CHANNEL)
            .finish_non_exhaustive()
    }
}

pub async fn subscribe(options: &PgConnectOptions) -> Result<Subscription> {
    // A pool of one, private to this subscription: the listener holds its connection for
    // good, and the pool reconnects it if the server drops it.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options.clone());
    let mut listener = PgListener::connect_with(&pool).await.map_err(backend)?;
    listener.listen(CHANNEL).await.map_err(backend)?;
    Ok(Subscription { listener })
}

impl Subscription {
    /// Waits for the next change.
    pub async fn recv(&mut self) -> Result<Change> {
        match self.listener.try_recv().await.map_err(backend)? {
            None => {
                tracing::warn!("lost the notification connection; reconnected, resync needed");
                Ok(Change::Resync)
            }
            Some(n) => parse(n.payload()),
        }
    }

    /// The subscription as a stream of changes; it ends after yielding an error (a lost
    /// connection is not one: that reconnects and yields [`Change::Resync`]).
    pub fn into_stream(self) -> BoxStream<'static, Result<Change>> {
        Box::pin(futures::stream::unfold(Some(self), |s| async move {
            let mut s = s?;
            match s.recv().await {
                Ok(c) => Some((Ok(c), Some(s))),
                Err(e) => Some((Err(e), None)),
            }
        }))
    }
}

fn parse(payload: &str) -> Result<Change> {
    let bad = || StoreError::Corrupt(format!("unexpected notification payload {payload:?}"));
    let v: serde_json::Value = serde_json::from_str(payload).map_err(|_| bad())?;
    Ok(Change::Reports {
        reports: v["reports"].as_u64().ok_or_else(bad)?,
        last_seq: v["last_seq"].as_i64().ok_or_else(bad)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips() {
        let p = json!({ "reports": 3, "last_seq": 42 }).to_string();
        assert_eq!(
            parse(&p).unwrap(),
            Change::Reports {
                reports: 3,
                last_seq: 42
            }
        );
        assert!(parse("nonsense").is_err());
    }
}
