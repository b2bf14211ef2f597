//! `mosaic restrict` (a provider restricts one of its reports after sending it) and
//! `mosaic retention run` (purge expired reports, flag reviews), issue 6. Both write an
//! audit entry per action, with the operating-system user as actor.

use std::path::Path;

use anyhow::{bail, Context as _, Result};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};

use mosaic_audit::{AuditAction, AuditEvent, Outcome};
use mosaic_model::{AgencyId, Classification, HandlingCode, ReportId, Tlp};
use mosaic_policy::restrict::{restrict, Restriction};
use mosaic_search::SearchIndex;
use mosaic_store::{AuditStore, RetentionStore, Store, WriteBatch};

use crate::cmd_audit::cli_actor;

/// `mosaic restrict`
#[derive(Args, Debug)]
pub struct RestrictArgs {
    /// The report (`<centre>:rep:<suffix>`).
    pub report: String,
    /// The providing agency, for whom the operator acts: the report must be its own.
    #[arg(long = "as-agency")]
    pub as_agency: String,
    /// Raise the TLP marking (CLEAR, GREEN, AMBER, AMBER+STRICT, RED).
    #[arg(long)]
    pub tlp: Option<String>,
    /// Raise the handling code (H0–H3).
    #[arg(long)]
    pub handling: Option<String>,
    /// The conditions, when the result is H3.
    #[arg(long)]
    pub conditions: Option<String>,
    /// Raise the classification (unclassified … top_secret).
    #[arg(long)]
    pub classification: Option<String>,
    /// Keep the report with its provider only (TLP:RED, H3 with the reason).
    #[arg(long)]
    pub withdraw: bool,
    /// Why (required with --withdraw).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `mosaic retention …`
#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Purge reports whose retain_until has passed (a tombstone is kept) and flag those
    /// whose review_at has come; one audit entry per action.
    Run(RetentionRunArgs),
    /// What was purged: one tombstone per report.
    Tombstones {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct RetentionRunArgs {
    /// List what would be purged and flagged; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run as of this date (YYYY-MM-DD) instead of today (UTC).
    #[arg(long)]
    pub today: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

fn vocab<T>(
    flag: &str,
    v: Option<&str>,
    parse: fn(&str) -> Result<T, mosaic_model::ValidationError>,
) -> Result<Option<T>> {
    v.map(|s| parse(s).map_err(|e| anyhow::anyhow!("--{flag}: {}", e.message)))
        .transpose()
}

/// Runs `mosaic restrict`: writes the restricted version, re-indexes it in the search
/// index if there is one, and audits the change.
pub async fn run_restrict(
    store: &dyn Store,
    audit: &dyn AuditStore,
    data_dir: &Path,
    a: RestrictArgs,
) -> Result<()> {
    let id = ReportId::parse(&a.report).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let agency =
        AgencyId::parse(&a.as_agency).map_err(|e| anyhow::anyhow!("--as-agency: {}", e.message))?;
    let change = Restriction {
        tlp: vocab("tlp", a.tlp.as_deref(), Tlp::parse)?,
        handling: vocab("handling", a.handling.as_deref(), HandlingCode::parse)?,
        handling_conditions: a.conditions,
        classification: vocab(
            "classification",
            a.classification.as_deref(),
            Classification::parse,
        )?,
        withdraw: a.withdraw,
        reason: a.reason,
    };
    let own = mosaic_policy::provider_scope(&agency, "cli: restrict report");
    let Some(current) = store.report(&own, &id).await? else {
        bail!("{id} is not a report of {agency} (check the id and --as-agency)");
    };
    let next = restrict(&current.report, &change)?;
    store
        .write(&WriteBatch {
            reports: vec![next.clone()],
            ..Default::default()
        })
        .await?;
    let version = store
        .report(&own, &id)
        .await?
        .map(|r| r.version)
        .context("reading back the restricted version")?;
    // The search index keeps labels per document: re-index so its filter sees the new ones.
    let index_dir = data_dir.join("search-index");
    if index_dir.exists() {
        let mut idx = SearchIndex::open(&index_dir)?;
        idx.index_report(&next)?;
        idx.commit()?;
    }
    let ev = AuditEvent::new(cli_actor(), AuditAction::Change, Outcome::Allowed)
        .object(id.to_string())
        .purpose("restriction by the provider")
        .detail(serde_json::json!({
            "restrict": {
                "agency": agency,
                "version": version,
                "tlp": [current.report.tlp, next.tlp],
                "handling": [current.report.handling, next.handling],
                "classification": [current.report.classification, next.classification],
                "withdraw": change.withdraw,
            }
        }));
    audit
        .append_audit(&ev)
        .await
        .context("recording the audit entry")?;
    println!(
        "{id}: version {version} now {} {} {}",
        next.tlp, next.handling, next.classification
    );
    Ok(())
}

/// Runs `mosaic retention …`.
pub async fn run_retention(
    ret: &dyn RetentionStore,
    audit: &dyn AuditStore,
    data_dir: &Path,
    cmd: RetentionCommand,
) -> Result<()> {
    match cmd {
        RetentionCommand::Run(a) => {
            let today = a.today.unwrap_or_else(|| Utc::now().date_naive());
            let s = mosaic_store::run_retention(ret, audit, &cli_actor(), today, a.dry_run).await?;
            if !a.dry_run && !s.purged.is_empty() {
                // Purged reports leave the search index too.
                let index_dir = data_dir.join("search-index");
                if index_dir.exists() {
                    let mut idx = SearchIndex::open(&index_dir)?;
                    for d in &s.purged {
                        idx.remove_report(&d.report_id);
                    }
                    idx.commit()?;
                }
            }
            if a.json {
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(());
            }
            let verb = if a.dry_run { "would purge" } else { "purged" };
            for d in &s.purged {
                println!(
                    "{verb} {} ({}; retain_until {})",
                    d.report_id, d.agency, d.date
                );
            }
            let verb = if a.dry_run { "would flag" } else { "flagged" };
            for d in &s.flagged {
                println!(
                    "{verb} {} for review ({}; review_at {})",
                    d.report_id, d.agency, d.date
                );
            }
            println!(
                "{} reports {}{}, {} flagged for review (as of {today})",
                s.purged.len(),
                if a.dry_run { "to purge" } else { "purged" },
                if a.dry_run {
                    String::new()
                } else {
                    format!(" ({} versions, {} statements)", s.versions, s.statements)
                },
                s.flagged.len()
            );
            Ok(())
        }
        RetentionCommand::Tombstones { json } => {
            let t = ret.tombstones().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                for t in &t {
                    println!(
                        "{} {} purged {} ({} versions, {} statements): {}",
                        t.report_id, t.agency, t.purged_at, t.versions, t.statements, t.reason
                    );
                }
            }
            Ok(())
        }
    }
}
