//! The retention job inside `mosaic serve` (issue 6): at start, then once a day, purge the
//! reports whose `retain_until` has passed and flag those due for review, with an audit
//! entry per action — the same job as `mosaic retention run`.
//!
//! Several servers on one PostgreSQL database may run it at the same moment: a report
//! already purged by another is skipped (`purge_report` answers `None`), and review flags
//! are keyed by report and date, so nothing is done twice.

use std::sync::Arc;
use std::time::Duration;

use mosaic_audit::Actor;
use mosaic_store::{AuditStore, RetentionStore};

/// How often the job runs.
pub const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// The actor the job's audit entries name.
pub fn actor() -> Actor {
    Actor::system("server:retention")
}

/// Runs the job once now and then every [`EVERY`], for as long as the runtime lives.
/// Purged reports leave the search index too.
pub fn spawn_daily(
    ret: Arc<dyn RetentionStore>,
    audit: Arc<dyn AuditStore>,
    search: Arc<crate::search::SearchService>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let today = chrono::Utc::now().date_naive();
            match mosaic_store::run_retention(&*ret, &*audit, &actor(), today, false).await {
                Ok(s) => {
                    if !s.purged.is_empty() {
                        search.invalidate();
                    }
                    tracing::info!(
                        %today,
                        purged = s.purged.len(),
                        flagged = s.flagged.len(),
                        "retention job done"
                    )
                }
                // Logged and retried at the next run: the tombstones and flags already
                // written say what was done.
                Err(e) => tracing::error!(error = %e, "retention job failed"),
            }
        }
    });
}
