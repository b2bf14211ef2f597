//! `mosaic migrate --from … --to …`: copies a whole store between a data folder (SQLite)
//! and a PostgreSQL database, either way, then verifies the copy.
//!
//! Everything is copied verbatim: the centre, agencies, every report version (superseded
//! ones too, in write order, with version numbers and arrival times), import checkpoints
//! and rejects, users and API tokens, judgements, the audit chain (entry for entry, so it
//! still verifies), agreements with their signatures, permission requests and referrals. Login
//! sessions are not copied: they are short-lived and users simply log in again.
//!
//! The target must be empty. After copying, both stores are read again and every table's
//! row count and content digest (SHA-256 over its rows in order) must agree; the target's
//! audit chain is verified from its first entry.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use sha2::{Digest, Sha256};

use mosaic_store::{Scope, StoreError};

use crate::{Location, Stores};

#[derive(Args)]
pub struct MigrateArgs {
    /// Source: a data folder (embedded store) or a postgres:// URL.
    #[arg(long)]
    from: String,
    /// Target: a new or empty data folder, or an empty PostgreSQL database (postgres://…;
    /// the database must exist, its tables are created).
    #[arg(long)]
    to: String,
    /// Report versions per transaction.
    #[arg(long, default_value_t = 2000)]
    batch_size: u32,
    /// Print the verification summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Rows read per page from the source.
const PAGE: u32 = 1000;

/// Row count and content digest of one table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TableDigest {
    rows: u64,
    sha256: String,
}

#[derive(Default)]
struct Hasher {
    rows: u64,
    h: Sha256,
}

impl Hasher {
    fn add(&mut self, row: &serde_json::Value) {
        self.rows += 1;
        // One canonical line per row: the digest depends on content and order only.
        self.h.update(mosaic_model::jcs::to_string(row).as_bytes());
        self.h.update(b"\n");
    }

    fn finish(self) -> TableDigest {
        TableDigest {
            rows: self.rows,
            sha256: hex::encode(self.h.finalize()),
        }
    }
}

pub async fn run(a: MigrateArgs) -> Result<()> {
    let (from, to) = (Location::parse(&a.from), Location::parse(&a.to));
    if let (Location::DataDir(f), Location::DataDir(t)) = (&from, &to) {
        if f == t {
            bail!("--from and --to are the same data folder");
        }
    }
    let src = from
        .open(false)
        .await
        .with_context(|| format!("opening the source {}", from.shown()))?;
    let dst = to
        .open(true)
        .await
        .with_context(|| format!("opening the target {}", to.shown()))?;
    if let Some(what) = first_content(&dst).await? {
        bail!(
            "the target {} is not empty (it holds {what}); migrate only into an empty store",
            dst.location
        );
    }
    let centre = match src.data.centre().await {
        Ok(c) => c,
        Err(StoreError::NotInitialised) => {
            bail!("the source {} is not initialised", src.location)
        }
        Err(e) => return Err(e.into()),
    };
    let bars = std::io::stderr().is_terminal() && !a.json;
    eprintln!(
        "Copying centre {} from {} ({}) to {} ({})",
        centre.id,
        src.location,
        src.data.backend(),
        dst.location,
        dst.data.backend()
    );
    tracing::info!(from = %src.location, to = %dst.location, "migrate started");
    copy(&src, &dst, a.batch_size.max(1), bars).await?;

    // Verification: read both sides again.
    let before = digest(&src).await.context("reading the source back")?;
    let after = digest(&dst).await.context("reading the target back")?;
    let chain = mosaic_store::audit::verify(&*dst.audit, Default::default()).await?;
    let mut ok = chain.problem.is_none();
    if a.json {
        let tables: BTreeMap<_, _> = before
            .iter()
            .map(|(k, v)| {
                let same = after.get(k) == Some(v);
                (
                    k.to_string(),
                    json!({"rows": v.rows, "sha256": v.sha256, "same": same}),
                )
            })
            .collect();
        ok &= before == after;
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "from": src.location, "to": dst.location, "verified": ok,
                "audit_chain_verifies": chain.problem.is_none(), "tables": tables
            }))?
        );
    } else {
        println!("{:<22}{:>12}  {:<16} check", "table", "rows", "sha256");
        for (k, v) in &before {
            let got = after.get(k);
            let same = got == Some(v);
            ok &= same;
            println!(
                "{:<22}{:>12}  {:<16} {}",
                k,
                v.rows,
                &v.sha256[..16],
                if same {
                    "same".to_owned()
                } else {
                    format!("DIFFERS (target: {} rows)", got.map_or(0, |g| g.rows))
                }
            );
        }
        println!(
            "audit chain: {}",
            match &chain.problem {
                None => format!("verifies ({} entries)", chain.entries),
                Some(p) => format!("DOES NOT VERIFY: {p:?}"),
            }
        );
    }
    if !ok {
        bail!(
            "the copy in {} differs from the source; do not use it (the source is unchanged)",
            dst.location
        );
    }
    if !a.json {
        println!(
            "Copied and verified: {} is a complete copy of {}",
            dst.location, src.location
        );
    }
    tracing::info!(from = %src.location, to = %dst.location, "migrate verified");
    Ok(())
}

/// What a non-empty store holds first (for the refusal message), or `None` if empty.
async fn first_content(s: &Stores) -> Result<Option<&'static str>> {
    let sys = Scope::system("mosaic migrate: is the target empty");
    match s.data.centre().await {
        Err(StoreError::NotInitialised) => {}
        Err(e) => return Err(e.into()),
        Ok(_) => return Ok(Some("a centre")),
    }
    Ok(if !s.data.agencies().await?.is_empty() {
        Some("agencies")
    } else if !s.data.report_versions(&sys, 0, 1).await?.is_empty() {
        Some("reports")
    } else if !s.data.imports().await?.is_empty() {
        Some("imports")
    } else if !s.accounts.list_users(None, 1).await?.is_empty() {
        Some("users")
    } else if !s.accounts.list_tokens(None, None, 1).await?.is_empty() {
        Some("API tokens")
    } else if !s.judgements.judgements_page(&sys, 0, 1).await?.is_empty() {
        Some("judgements")
    } else if s.audit.audit_head().await?.is_some() {
        Some("audit entries")
    } else if !s.agreements.agreement_ids().await?.is_empty() {
        Some("agreements")
    } else if !s
        .permissions
        .permission_requests_page(0, 1)
        .await?
        .is_empty()
    {
        Some("permission requests")
    } else if !s.referrals.referrals_page(0, 1).await?.is_empty() {
        Some("referrals")
    } else {
        None
    })
}

fn bar(enabled: bool, total: u64, what: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(total);
    b.set_style(
        ProgressStyle::with_template("{prefix:<18} [{bar:30}] {pos}/{len} ({per_sec}, ETA {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    b.set_prefix(what.to_owned());
    b
}

async fn copy(src: &Stores, dst: &Stores, batch: u32, bars: bool) -> Result<()> {
    let sys = Scope::system("mosaic migrate: copy the whole store");
    dst.data.set_centre(&src.data.centre().await?).await?;
    for a in src.data.agencies().await? {
        dst.data.put_agency(&a).await?;
    }

    // Report versions, in write order, in batches.
    let total = src.data.stats(&sys).await?.report_versions;
    let b = bar(bars, total, "report versions");
    let mut after = 0;
    loop {
        let page = src.data.report_versions(&sys, after, batch).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        dst.data.restore_versions(&page).await?;
        b.inc(page.len() as u64);
        tracing::debug!(versions = page.len(), "copied report versions");
    }
    b.finish_and_clear();

    let imports = src.data.imports().await?;
    let b = bar(bars, imports.len() as u64, "imports");
    for st in &imports {
        let rejects = src.data.import_rejects(&st.checkpoint.source).await?;
        dst.data.restore_import(st, &rejects).await?;
        b.inc(1);
    }
    b.finish_and_clear();

    // Accounts: users (credentials as stored hashes) and API tokens.
    let mut after: Option<String> = None;
    loop {
        let page = src.accounts.list_users(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.user.username.clone());
        for u in &page {
            dst.accounts.create_user(u).await?;
        }
    }
    let mut after: Option<String> = None;
    loop {
        let page = src
            .accounts
            .list_tokens(None, after.as_deref(), PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for t in &page {
            dst.accounts.create_token(t).await?;
        }
    }

    let mut after = 0;
    loop {
        let page = src.judgements.judgements_page(&sys, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        dst.judgements.restore_judgements(&page).await?;
    }

    // The audit chain, entry for entry.
    let head = src.audit.audit_head().await?;
    let b = bar(bars, head.as_ref().map_or(0, |h| h.seq), "audit entries");
    let mut from = 0;
    loop {
        let page = src.audit.audit_range(from, PAGE).await?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        dst.audit.restore_audit(&page).await?;
        b.inc(page.len() as u64);
    }
    b.finish_and_clear();

    for id in src.agreements.agreement_ids().await? {
        for (n, ev) in src
            .agreements
            .agreement_events(&id)
            .await?
            .iter()
            .enumerate()
        {
            dst.agreements
                .append_agreement_event(&id, n as u64, ev)
                .await?;
        }
    }

    let mut after = 0;
    loop {
        let page = src
            .permissions
            .permission_requests_page(after, PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        dst.permissions.restore_permission_requests(&page).await?;
    }

    let mut after = 0;
    loop {
        let page = src.referrals.referrals_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        dst.referrals.restore_referrals(&page).await?;
    }
    Ok(())
}

/// Row count and digest of every table, read through the store traits (so the same code
/// reads both backends). Secrets enter the digest but are never shown.
pub async fn digest(s: &Stores) -> Result<BTreeMap<&'static str, TableDigest>> {
    let sys = Scope::system("mosaic migrate: verify the copy");
    let mut out = BTreeMap::new();

    let mut h = Hasher::default();
    h.add(&serde_json::to_value(s.data.centre().await?)?);
    out.insert("centre", h.finish());

    let mut h = Hasher::default();
    for a in s.data.agencies().await? {
        h.add(&serde_json::to_value(a)?);
    }
    out.insert("agencies", h.finish());

    let mut h = Hasher::default();
    let mut after = 0;
    loop {
        let page = s.data.report_versions(&sys, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for v in &page {
            h.add(&json!([
                v.stored.report.id,
                v.stored.version,
                v.stored.content_hash,
                v.stored.stored_at.timestamp_micros(),
                v.current
            ]));
        }
    }
    out.insert("report_versions", h.finish());

    // Statements are derived from the report bodies: their count is the check.
    let stats = s.data.stats(&sys).await?;
    out.insert(
        "current_statements",
        TableDigest {
            rows: stats.statements,
            sha256: hex::encode(Sha256::digest(format!(
                "{} {}",
                stats.statements, stats.entities
            ))),
        },
    );

    let mut h = Hasher::default();
    let mut r = Hasher::default();
    for st in s.data.imports().await? {
        for rej in s.data.import_rejects(&st.checkpoint.source).await? {
            r.add(&json!([st.checkpoint.source, rej]));
        }
        h.add(&serde_json::to_value(st)?);
    }
    out.insert("imports", h.finish());
    out.insert("import_rejects", r.finish());

    let mut h = Hasher::default();
    let mut after: Option<String> = None;
    loop {
        let page = s.accounts.list_users(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.user.username.clone());
        for u in &page {
            h.add(&json!([
                u.user,
                u.password_hash.expose(),
                u.totp_secret.as_ref().map(|t| t.expose()),
                u.totp_last_step,
                u.failed_logins,
                u.locked_until.map(|t| t.timestamp_micros()),
                u.created_at.timestamp_micros(),
                u.last_login_at.map(|t| t.timestamp_micros()),
            ]));
        }
    }
    out.insert("users", h.finish());

    let mut h = Hasher::default();
    let mut after: Option<String> = None;
    loop {
        let page = s.accounts.list_tokens(None, after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for t in &page {
            h.add(&json!([
                t.id,
                t.token_hash.expose(),
                t.prefix,
                t.name,
                t.agency,
                t.actions,
                t.clearance,
                t.created_by,
                t.created_at.timestamp_micros(),
                t.expires_at.timestamp_micros(),
                t.revoked_at.map(|x| x.timestamp_micros()),
                t.last_used_at.map(|x| x.timestamp_micros()),
            ]));
        }
    }
    out.insert("api_tokens", h.finish());

    let mut h = Hasher::default();
    let mut after = 0;
    loop {
        let page = s.judgements.judgements_page(&sys, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for j in &page {
            h.add(&serde_json::to_value(j)?);
        }
    }
    out.insert("judgements", h.finish());

    let mut h = Hasher::default();
    let mut from = 0;
    loop {
        let page = s.audit.audit_range(from, PAGE).await?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for r in &page {
            h.add(&json!([r.seq, r.hash, r.body]));
        }
    }
    out.insert("audit_log", h.finish());

    let mut h = Hasher::default();
    for id in s.agreements.agreement_ids().await? {
        for (n, ev) in s.agreements.agreement_events(&id).await?.iter().enumerate() {
            h.add(&json!([id.as_str(), n, ev]));
        }
    }
    out.insert("agreement_events", h.finish());

    let mut h = Hasher::default();
    let mut after = 0;
    loop {
        let page = s.permissions.permission_requests_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for p in &page {
            h.add(&serde_json::to_value(p)?);
        }
    }
    out.insert("permission_requests", h.finish());

    let mut h = Hasher::default();
    let mut after = 0;
    loop {
        let page = s.referrals.referrals_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            h.add(&serde_json::to_value(r)?);
        }
    }
    out.insert("referrals", h.finish());
    Ok(out)
}
