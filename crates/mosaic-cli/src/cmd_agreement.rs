//! `mosaic agreement keygen/draft/show/sign/list/suspend/resume/terminate/check`:
//! agreements with partners, signed with this centre's ed25519 key. Every command leaves
//! an audit entry.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use chrono::Utc;
use clap::{Args, Subcommand};

use mosaic_agreements::keys::{key_paths, read_secret_key, write_key_pair};
use mosaic_agreements::{
    decide, Agreement, AgreementEvent, AgreementId, AgreementState, DataCategory, Notice,
    NoticeAct, PartyId, Purpose, SecretKey, SharingRequest, VersionRecord,
};
use mosaic_audit::{AuditAction, AuditEvent, Outcome};
use mosaic_model::{HandlingCode, Tlp};
use mosaic_store::agreements::{self, AgreementStore};
use mosaic_store::audit::AuditStore;

use crate::cmd_audit::cli_actor;

#[derive(Subcommand, Debug)]
pub enum AgreementCommand {
    /// Create this centre's ed25519 key pair in <data dir>/keys/ (the secret key file
    /// gets mode 0600 and is never printed; an existing key is never overwritten).
    Keygen,
    /// Record a new agreement, or an amendment, from a TOML or JSON document; prints the
    /// hash every party must sign.
    Draft(DraftArgs),
    /// Show an agreement: its state, versions, signatures and clauses.
    Show(ShowArgs),
    /// Sign the version awaiting signatures with this centre's key, or record the
    /// signature a partner sent (--party with --signature).
    Sign(SignArgs),
    /// List agreements and where they stand.
    List(ListArgs),
    /// Suspend an agreement in force, as this centre: sharing under it stops at once.
    Suspend(NoticeArgs),
    /// Lift the suspension this centre made.
    Resume(NoticeArgs),
    /// End an agreement for good.
    Terminate(NoticeArgs),
    /// Decide whether an exchange is allowed, naming the agreement and clause or why not.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct DraftArgs {
    /// The document (.toml or .json); see docs/agreements.md.
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    pub id: String,
    /// Which version [default: all, or the latest with --canonical].
    #[arg(long)]
    pub version: Option<u32>,
    /// Print the version's canonical text: exactly what is hashed and signed.
    #[arg(long)]
    pub canonical: bool,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    pub id: String,
    /// The version to sign [default: the one awaiting signatures].
    #[arg(long)]
    pub version: Option<u32>,
    /// Record this party's signature instead of signing (with --signature).
    #[arg(long, requires = "signature")]
    pub party: Option<String>,
    /// The partner's signature over the version's hash, in hex.
    #[arg(long, requires = "party")]
    pub signature: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct NoticeArgs {
    pub id: String,
    /// Why (recorded and signed with the notice).
    #[arg(long)]
    pub reason: String,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The providing party [default: this centre's party, found by its key].
    #[arg(long)]
    pub from: Option<String>,
    /// The receiving party.
    #[arg(long)]
    pub to: String,
    /// thematic_intelligence, suspect_personal_data, migrant_personal_data,
    /// victim_personal_data.
    #[arg(long)]
    pub category: String,
    /// H0, H1, H2 or H3.
    #[arg(long)]
    pub handling: String,
    /// CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
    #[arg(long)]
    pub tlp: String,
    /// crime_prevention, investigation, prosecution, analysis, protection.
    #[arg(long)]
    pub purpose: String,
    /// Print the decision as JSON.
    #[arg(long)]
    pub json: bool,
}

const PURPOSE: &str = "agreement administration";

/// Runs an agreement command against the store; `data_dir` holds the centre's key.
pub async fn run(
    cmd: AgreementCommand,
    store: &dyn AgreementStore,
    audit: &dyn AuditStore,
    data_dir: &Path,
) -> Result<()> {
    let (action, object, result) = match &cmd {
        AgreementCommand::Keygen => (
            AuditAction::Change,
            "key:centre".to_owned(),
            keygen(data_dir),
        ),
        AgreementCommand::Draft(a) => (
            AuditAction::Change,
            a.file.display().to_string(),
            draft(a, store).await,
        ),
        AgreementCommand::Show(a) => (AuditAction::Read, a.id.clone(), show(a, store).await),
        AgreementCommand::Sign(a) => (
            AuditAction::Change,
            a.id.clone(),
            sign(a, store, data_dir).await,
        ),
        AgreementCommand::List(a) => (
            AuditAction::Read,
            "agreements".to_owned(),
            list(a, store).await,
        ),
        AgreementCommand::Suspend(a) => (
            AuditAction::Change,
            a.id.clone(),
            notice(a, NoticeAct::Suspend, store, data_dir).await,
        ),
        AgreementCommand::Resume(a) => (
            AuditAction::Change,
            a.id.clone(),
            notice(a, NoticeAct::Resume, store, data_dir).await,
        ),
        AgreementCommand::Terminate(a) => (
            AuditAction::Change,
            a.id.clone(),
            notice(a, NoticeAct::Terminate, store, data_dir).await,
        ),
        AgreementCommand::Check(a) => (
            AuditAction::Read,
            "agreements".to_owned(),
            check(a, store, data_dir).await,
        ),
    };
    let (outcome, detail) = match &result {
        Ok(d) => (Outcome::Allowed, d.clone()),
        Err(e) => (
            if e.downcast_ref::<agreements::AgreementStoreError>()
                .is_some()
            {
                Outcome::Denied
            } else {
                Outcome::Error
            },
            serde_json::json!({ "command": command_name(&cmd), "error": format!("{e:#}") }),
        ),
    };
    let ev = AuditEvent::new(cli_actor(), action, outcome)
        .object(format!("agreement:{object}"))
        .purpose(PURPOSE)
        .detail(detail);
    audit
        .append_audit(&ev)
        .await
        .context("recording the audit entry")?;
    result.map(|_| ())
}

fn command_name(cmd: &AgreementCommand) -> &'static str {
    match cmd {
        AgreementCommand::Keygen => "keygen",
        AgreementCommand::Draft(_) => "draft",
        AgreementCommand::Show(_) => "show",
        AgreementCommand::Sign(_) => "sign",
        AgreementCommand::List(_) => "list",
        AgreementCommand::Suspend(_) => "suspend",
        AgreementCommand::Resume(_) => "resume",
        AgreementCommand::Terminate(_) => "terminate",
        AgreementCommand::Check(_) => "check",
    }
}

fn keygen(data_dir: &Path) -> Result<serde_json::Value> {
    let key = SecretKey::generate();
    let (secret, public) = write_key_pair(data_dir, &key)?;
    println!("Public key: {}", key.public());
    println!(
        "Secret key written to {} (mode 0600; keep it there, back it up safely)",
        secret.display()
    );
    println!("Public key written to {}", public.display());
    println!("Put the public key in the `public_key` of this centre's party in each agreement.");
    Ok(serde_json::json!({"command": "keygen", "public_key": key.public().to_hex()}))
}

fn local_key(data_dir: &Path) -> Result<SecretKey> {
    let (secret, _) = key_paths(data_dir);
    if !secret.exists() {
        bail!(
            "no signing key in {}: run `mosaic agreement keygen` first",
            data_dir.display()
        );
    }
    Ok(read_secret_key(&secret)?)
}

fn parse_id(s: &str) -> Result<AgreementId> {
    AgreementId::parse(s).map_err(|e| anyhow!(e))
}

async fn load(store: &dyn AgreementStore, id: &AgreementId) -> Result<AgreementState> {
    agreements::load(store, id)
        .await?
        .ok_or_else(|| anyhow!("there is no agreement {id}"))
}

fn read_document(path: &Path) -> Result<Agreement> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let doc = if is_toml {
        Agreement::from_toml(&text)
    } else {
        Agreement::from_json(&text)
    };
    doc.with_context(|| format!("{}", path.display()))
}

fn missing(v: &VersionRecord) -> String {
    let m: Vec<String> = v.missing().iter().map(|p| p.to_string()).collect();
    m.join(", ")
}

async fn draft(a: &DraftArgs, store: &dyn AgreementStore) -> Result<serde_json::Value> {
    let doc = read_document(&a.file)?;
    let ev = AgreementEvent::propose(&doc, Utc::now());
    let state = agreements::record(store, &doc.id, &ev).await?;
    let v = state.latest();
    println!("Recorded {} version {}: {}", doc.id, doc.version, doc.title);
    println!("Hash (what every party signs): {}", v.hash);
    println!("Awaiting signatures from: {}", missing(v));
    if let Some(current) = state.in_force() {
        println!(
            "Version {} stays in force until this one is signed by all.",
            current.doc.version
        );
    }
    Ok(
        serde_json::json!({"command": "draft", "agreement": doc.id, "version": doc.version, "hash": v.hash}),
    )
}

async fn sign(
    a: &SignArgs,
    store: &dyn AgreementStore,
    data_dir: &Path,
) -> Result<serde_json::Value> {
    let id = parse_id(&a.id)?;
    let state = load(store, &id).await?;
    let v = match a.version {
        Some(n) => state
            .version(n)
            .ok_or_else(|| anyhow!("{id} has no version {n}"))?,
        None => state
            .pending()
            .ok_or_else(|| anyhow!("no version of {id} awaits signatures"))?,
    };
    let (version, hash) = (v.doc.version, v.hash.clone());
    let ours = a.signature.is_none();
    let (party, signature) = match (&a.party, &a.signature) {
        (Some(p), Some(sig)) => (
            PartyId::parse(p).map_err(|e| anyhow!(e))?,
            sig.trim().to_owned(),
        ),
        _ => {
            let key = local_key(data_dir)?;
            let party = v
                .signers
                .iter()
                .find(|(_, k)| **k == key.public())
                .map(|(p, _)| p.clone())
                .ok_or_else(|| {
                    anyhow!(
                        "this centre's key ({}) is not the key of any party to version {version} of {id}",
                        key.public()
                    )
                })?;
            (party, mosaic_agreements::lifecycle::sign_hash(&hash, &key))
        }
    };
    let ev = AgreementEvent::Signed {
        version,
        hash: hash.clone(),
        party: party.clone(),
        signature: signature.clone(),
        at: Utc::now(),
    };
    let state = agreements::record(store, &id, &ev).await?;
    let v = state.version(version).expect("the version exists");
    println!("Recorded {party}'s signature on {id} version {version}.");
    if ours {
        println!("Signature (send it to the other parties): {signature}");
    }
    if v.missing().is_empty() {
        println!("Every party has signed: version {version} is in force.");
    } else {
        println!("Still awaiting: {}", missing(v));
    }
    Ok(
        serde_json::json!({"command": "sign", "agreement": id, "version": version, "party": party, "hash": hash}),
    )
}

async fn notice(
    a: &NoticeArgs,
    act: NoticeAct,
    store: &dyn AgreementStore,
    data_dir: &Path,
) -> Result<serde_json::Value> {
    let id = parse_id(&a.id)?;
    let state = load(store, &id).await?;
    let key = local_key(data_dir)?;
    let party = state.party_with_key(&key.public()).ok_or_else(|| {
        anyhow!(
            "this centre's key ({}) is not the key of a party to {id}",
            key.public()
        )
    })?;
    let n = Notice::signed(&id, act, &party, &a.reason, Utc::now(), &key);
    let ev = match act {
        NoticeAct::Suspend => AgreementEvent::Suspended { notice: n },
        NoticeAct::Resume => AgreementEvent::Resumed { notice: n },
        NoticeAct::Terminate => AgreementEvent::Terminated { notice: n },
    };
    let state = agreements::record(store, &id, &ev).await?;
    println!("{id} is now {} ({party}: {})", state.status(), a.reason);
    Ok(
        serde_json::json!({"command": ev.kind(), "agreement": id, "party": party, "reason": a.reason}),
    )
}

async fn list(a: &ListArgs, store: &dyn AgreementStore) -> Result<serde_json::Value> {
    let all = agreements::load_all(store).await?;
    if a.json {
        let v: Vec<serde_json::Value> = all.iter().map(summary).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("{:<32} {:<24} {:>7}  title", "id", "status", "version");
        for s in &all {
            let v = s.governing();
            // An amendment awaiting signatures shows beside the version in force.
            let status = match s.pending() {
                Some(p) if s.in_force().is_some() => {
                    format!("{} (v{} pending)", s.status(), p.doc.version)
                }
                _ => s.status().to_string(),
            };
            println!(
                "{:<32} {:<24} {:>7}  {}",
                s.id.as_str(),
                status,
                v.doc.version,
                v.doc.title
            );
        }
    }
    Ok(serde_json::json!({"command": "list", "agreements": all.len()}))
}

fn summary(s: &AgreementState) -> serde_json::Value {
    let v = s.governing();
    serde_json::json!({
        "id": s.id,
        "status": s.status(),
        "version": v.doc.version,
        "hash": v.hash,
        "title": v.doc.title,
        "parties": v.doc.parties.iter().map(|p| &p.id).collect::<Vec<_>>(),
        "pending": s.pending().map(|p| serde_json::json!({"version": p.doc.version, "awaiting": p.missing()})),
    })
}

async fn show(a: &ShowArgs, store: &dyn AgreementStore) -> Result<serde_json::Value> {
    let id = parse_id(&a.id)?;
    let s = load(store, &id).await?;
    let pick = |n: u32| {
        s.version(n)
            .ok_or_else(|| anyhow!("{id} has no version {n}"))
    };
    if a.canonical {
        let v = match a.version {
            Some(n) => pick(n)?,
            None => s.latest(),
        };
        println!("{}", v.text);
    } else if a.json {
        match a.version {
            Some(n) => println!("{}", serde_json::to_string_pretty(pick(n)?)?),
            None => println!("{}", serde_json::to_string_pretty(&s)?),
        }
    } else {
        let versions: Vec<&VersionRecord> = match a.version {
            Some(n) => vec![pick(n)?],
            None => s.versions.iter().collect(),
        };
        print_state(&s, &versions);
    }
    Ok(serde_json::json!({"command": "show", "agreement": id}))
}

fn when(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn print_state(s: &AgreementState, versions: &[&VersionRecord]) {
    let g = &s.governing().doc;
    println!("{} — {} ({})", s.id, g.title, g.kind);
    println!("status: {}", s.status());
    if let Some(n) = &s.suspended {
        println!("  suspended by {} on {}: {}", n.party, when(n.at), n.reason);
    }
    if let Some(n) = &s.terminated {
        println!(
            "  terminated by {} on {}: {}",
            n.party,
            when(n.at),
            n.reason
        );
    }
    for v in versions {
        let d = &v.doc;
        println!();
        println!("version {} — {} — hash {}", d.version, v.status, v.hash);
        for (p, sig) in &v.signatures {
            println!("  signed by {p} at {}", when(sig.at));
        }
        if !v.missing().is_empty() {
            println!("  awaiting: {}", missing(v));
        }
        println!("  parties:");
        for p in &d.parties {
            println!(
                "    {} — {} ({}, {}) key {}",
                p.id,
                p.name,
                String::from(p.kind),
                p.country,
                p.public_key
            );
        }
        println!("  purpose: {}", d.purpose);
        println!("  target group: {}", d.target_group);
        println!("  clauses:");
        for c in &d.clauses {
            let list = |v: &[PartyId]| v.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",");
            println!(
                "    {} {} — {} → {}",
                c.id,
                c.title,
                list(&c.from),
                list(&c.to)
            );
            println!(
                "      categories {}; handling {}; TLP {}; purposes {}",
                c.categories
                    .iter()
                    .map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                c.handling
                    .iter()
                    .map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                c.tlp
                    .iter()
                    .map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                c.purposes
                    .iter()
                    .map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            );
            if let Some(cond) = &c.conditions {
                println!("      conditions: {cond}");
            }
        }
        println!("  channel: {}", d.channel.means);
        for cp in &d.contact_points {
            let who = [cp.position.as_deref(), cp.person.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            println!("  contact ({}) for {}: {who}", cp.role, cp.party);
        }
        println!(
            "  retention: {} days{}; onward transfer: {}",
            d.retention.max_days,
            d.retention
                .review_days
                .map(|r| format!(" (review after {r})"))
                .unwrap_or_default(),
            d.onward_transfer.rule
        );
    }
}

async fn check(
    a: &CheckArgs,
    store: &dyn AgreementStore,
    data_dir: &Path,
) -> Result<serde_json::Value> {
    let all = agreements::load_all(store).await?;
    let provider = match &a.from {
        Some(p) => PartyId::parse(p).map_err(|e| anyhow!(e))?,
        None => {
            let key = local_key(data_dir).context("--from not given")?;
            all.iter()
                .find_map(|s| s.party_with_key(&key.public()))
                .ok_or_else(|| anyhow!("this centre's key is in no agreement: pass --from"))?
        }
    };
    let req = SharingRequest {
        provider,
        recipient: PartyId::parse(&a.to).map_err(|e| anyhow!(e))?,
        category: DataCategory::parse(&a.category).map_err(|e| anyhow!("--category: {e}"))?,
        handling: HandlingCode::parse(&a.handling).map_err(|e| anyhow!("--handling: {e}"))?,
        tlp: Tlp::parse(&a.tlp).map_err(|e| anyhow!("--tlp: {e}"))?,
        purpose: Purpose::parse(&a.purpose).map_err(|e| anyhow!("--purpose: {e}"))?,
        at: Utc::now(),
    };
    let d = decide(&all, &req);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
    } else {
        println!("{d}");
    }
    Ok(serde_json::json!({"command": "check", "request": req, "decision": d}))
}
