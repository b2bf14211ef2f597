//! Retention (issue 6, DESIGN §4.4): every report may carry a review date (`review_at`)
//! and an end of retention (`retain_until`), set by its provider. A maintenance job
//! (`mosaic retention run`) flags reports due for review and purges expired ones.
//!
//! Purging removes every version of the report — statements and bodies — and keeps a
//! [`Tombstone`]: the id, agency, how many versions and statements went, when and why;
//! so counts and the audit trail stay explainable ("report X existed, was purged on …").
//! The job writes one audit entry per action; the store only keeps the data.
//!
//! These are whole-store maintenance reads, for the centre's administrator: they take no
//! read scope and the server never calls them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use mosaic_model::{AgencyId, ReportId};

use crate::Result;

/// A current report that retention acts on, with the date that makes it due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionDue {
    pub report_id: ReportId,
    pub agency: AgencyId,
    /// `retain_until` (for purging) or `review_at` (for review).
    pub date: NaiveDate,
}

/// What is left of a purged report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub report_id: ReportId,
    pub agency: AgencyId,
    /// Versions removed.
    pub versions: u32,
    /// Statements removed (of every version).
    pub statements: u64,
    pub retain_until: Option<NaiveDate>,
    pub purged_at: DateTime<Utc>,
    pub reason: String,
}

#[async_trait::async_trait]
pub trait RetentionStore: Send + Sync {
    /// Current reports whose `retain_until` is before `today`, by date then id.
    async fn expired_reports(&self, today: NaiveDate, limit: u32) -> Result<Vec<RetentionDue>>;
    /// Current reports whose `review_at` is on or before `today` and that were not yet
    /// flagged for that review date, by date then id.
    async fn reports_due_for_review(
        &self,
        today: NaiveDate,
        limit: u32,
    ) -> Result<Vec<RetentionDue>>;
    /// Records that a report was flagged for its review date (the next run skips it; a
    /// new version with a new `review_at` is due again on that date).
    async fn flag_for_review(
        &self,
        id: &ReportId,
        review_at: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Removes every version of the report with its statements, in one transaction, and
    /// keeps a tombstone. `None` if there is no such report.
    async fn purge_report(
        &self,
        id: &ReportId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Tombstone>>;
    /// Every tombstone, oldest purge first.
    async fn tombstones(&self) -> Result<Vec<Tombstone>>;
}

/// What one retention run did (or, dry, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionSummary {
    pub dry_run: bool,
    pub today: Option<NaiveDate>,
    /// Reports purged (or to purge), with their `retain_until`.
    pub purged: Vec<RetentionDue>,
    /// Versions and statements removed.
    pub versions: u64,
    pub statements: u64,
    /// Reports flagged (or to flag) for review, with their `review_at`.
    pub flagged: Vec<RetentionDue>,
}

/// Rows handled per round of the job.
const ROUND: u32 = 500;

/// The retention job: purges reports whose `retain_until` is before `today` and flags
/// those whose `review_at` has come, writing one audit entry per action (actor `actor`,
/// action `change`, object the report id, purpose `retention`). A dry run only lists.
///
/// An action and its audit entry are two transactions: if the audit write fails the job
/// stops with the error, and the tombstone (or the flag) still tells what was done.
pub async fn run_retention(
    ret: &dyn RetentionStore,
    audit: &dyn crate::AuditStore,
    actor: &mosaic_audit::Actor,
    today: NaiveDate,
    dry_run: bool,
) -> Result<RetentionSummary> {
    use mosaic_audit::{AuditAction, AuditEvent, Outcome};
    let mut s = RetentionSummary {
        dry_run,
        today: Some(today),
        ..Default::default()
    };
    let event = |id: &ReportId, detail: serde_json::Value| {
        AuditEvent::new(actor.clone(), AuditAction::Change, Outcome::Allowed)
            .object(id.to_string())
            .purpose("retention")
            .detail(detail)
    };
    if dry_run {
        s.purged = ret.expired_reports(today, u32::MAX).await?;
        s.flagged = ret.reports_due_for_review(today, u32::MAX).await?;
        return Ok(s);
    }
    loop {
        // Purged reports leave the list, so each round starts from the top.
        let round = ret.expired_reports(today, ROUND).await?;
        if round.is_empty() {
            break;
        }
        for d in round {
            if s.purged.iter().any(|p| p.report_id == d.report_id) {
                return Err(crate::StoreError::Corrupt(format!(
                    "retention: {} is still listed after its purge",
                    d.report_id
                )));
            }
            let reason = format!("retention: retain_until {} passed", d.date);
            let Some(t) = ret.purge_report(&d.report_id, &reason, Utc::now()).await? else {
                continue;
            };
            audit
                .append_audit(&event(
                    &d.report_id,
                    serde_json::json!({
                        "retention": "purged",
                        "agency": t.agency,
                        "retain_until": d.date,
                        "versions": t.versions,
                        "statements": t.statements,
                    }),
                ))
                .await?;
            tracing::info!(report = %d.report_id, versions = t.versions, statements = t.statements, "purged by retention");
            s.versions += u64::from(t.versions);
            s.statements += t.statements;
            s.purged.push(d);
        }
    }
    loop {
        let round = ret.reports_due_for_review(today, ROUND).await?;
        if round.is_empty() {
            break;
        }
        for d in round {
            if s.flagged.iter().any(|p| p.report_id == d.report_id) {
                return Err(crate::StoreError::Corrupt(format!(
                    "retention: {} is still due after being flagged",
                    d.report_id
                )));
            }
            ret.flag_for_review(&d.report_id, d.date, Utc::now())
                .await?;
            audit
                .append_audit(&event(
                    &d.report_id,
                    serde_json::json!({
                        "retention": "review_due",
                        "agency": d.agency,
                        "review_at": d.date,
                    }),
                ))
                .await?;
            tracing::info!(report = %d.report_id, review_at = %d.date, "flagged for review");
            s.flagged.push(d);
        }
    }
    Ok(s)
}
