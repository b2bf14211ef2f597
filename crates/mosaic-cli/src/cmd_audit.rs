//! `mosaic audit verify [--file F]`, `mosaic audit export`, `mosaic audit checkpoint`:
//! checking the tamper-evident audit trail, online (the store) or offline (an exported
//! JSON Lines file, with nothing but this binary).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use mosaic_agreements::keys::{key_paths, read_public_key, read_secret_key};
use mosaic_audit::{
    Actor, Anchor, AuditAction, AuditEvent, Outcome, VerifyOptions, VerifyReport, VerifyingKey,
};
use mosaic_store::audit::{self, AuditStore};

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the audit trail for edited, deleted, inserted or reordered entries and say
    /// where the first problem is. Exits with an error if it finds one.
    Verify(VerifyArgs),
    /// Write the audit trail as JSON Lines (what `verify --file` checks offline).
    Export(ExportArgs),
    /// Append an entry signed with the centre's key over the current head, and print it.
    /// Keep the printed line somewhere else: given to `verify --anchor`, it shows a log
    /// cut short after it.
    Checkpoint(CheckpointArgs),
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Verify this exported file instead of the store (works without a data folder).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Public key that checkpoints must be signed with (hex, or a key file); repeat for
    /// several [default: the centre's key in the data folder, if there is one].
    #[arg(long = "key")]
    pub keys: Vec<String>,
    /// A file of lines kept elsewhere (checkpoint lines, or exported entries): the log
    /// must contain each with the same hash, and must not end before it.
    #[arg(long = "anchor")]
    pub anchors: Vec<PathBuf>,
    /// The file is an export of a range (`export --from`): accept that it does not start
    /// at entry 1.
    #[arg(long)]
    pub partial: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output file; `-` for standard output.
    #[arg(short, long, default_value = "-")]
    pub out: PathBuf,
    /// First sequence number to export.
    #[arg(long, default_value_t = 1)]
    pub from: u64,
}

#[derive(Args, Debug)]
pub struct CheckpointArgs {
    /// Also append the checkpoint line to this file (an anchor to keep elsewhere).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Whether the command needs the store (`verify --file` does not).
pub fn needs_store(cmd: &AuditCommand) -> bool {
    !matches!(cmd, AuditCommand::Verify(VerifyArgs { file: Some(_), .. }))
}

/// The actor for entries written by the command line: the operating-system user.
pub fn cli_actor() -> Actor {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Actor::system(&format!("cli:{user}"))
}

/// Runs an audit command. `audit` may be `None` only when [`needs_store`] is false.
pub async fn run(cmd: AuditCommand, audit: Option<&dyn AuditStore>, data_dir: &Path) -> Result<()> {
    let store = || audit.context("this command needs the data folder's store");
    match cmd {
        AuditCommand::Verify(a) => verify(a, audit, data_dir).await,
        AuditCommand::Export(a) => export(a, store()?).await,
        AuditCommand::Checkpoint(a) => checkpoint(a, store()?, data_dir).await,
    }
}

fn trusted_keys(a: &VerifyArgs, data_dir: &Path) -> Result<Vec<VerifyingKey>> {
    let mut keys = Vec::new();
    for k in &a.keys {
        let key = match mosaic_agreements::PublicKey::parse(k) {
            Ok(key) => key,
            Err(_) => read_public_key(Path::new(k))
                .with_context(|| format!("--key {k}: neither a hex public key nor a key file"))?,
        };
        keys.push(key.verifying_key());
    }
    if keys.is_empty() && a.file.is_none() {
        let (_, public) = key_paths(data_dir);
        if public.exists() {
            keys.push(read_public_key(&public)?.verifying_key());
        }
    }
    Ok(keys)
}

fn read_anchors(paths: &[PathBuf]) -> Result<Vec<Anchor>> {
    let mut out = Vec::new();
    for p in paths {
        let f = std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?;
        for (i, line) in BufReader::new(f).lines().enumerate() {
            let line = line.with_context(|| format!("reading {}", p.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let a: Anchor = serde_json::from_str(&line).with_context(|| {
                format!(
                    "{} line {}: not an anchor (a JSON object with \"seq\" and \"hash\")",
                    p.display(),
                    i + 1
                )
            })?;
            out.push(a);
        }
    }
    Ok(out)
}

fn print_report(r: &VerifyReport, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
    } else {
        println!("{r}");
        if !r.checkpoint_keys.is_empty() {
            println!("checkpoint keys: {}", r.checkpoint_keys.join(", "));
        }
    }
    Ok(())
}

async fn verify(a: VerifyArgs, audit: Option<&dyn AuditStore>, data_dir: &Path) -> Result<()> {
    let opts = VerifyOptions {
        trusted_keys: trusted_keys(&a, data_dir)?,
        anchors: read_anchors(&a.anchors)?,
        partial: a.partial,
    };
    let pinned = !opts.trusted_keys.is_empty();
    let report = match (&a.file, audit) {
        (Some(file), _) => {
            let f =
                std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
            mosaic_audit::verify_jsonl(BufReader::new(f), opts)
                .with_context(|| format!("reading {}", file.display()))?
        }
        (None, Some(store)) => audit::verify(store, opts).await?,
        (None, None) => bail!("this command needs the data folder's store (or --file)"),
    };
    print_report(&report, a.json)?;
    if !pinned && report.checkpoints > 0 && !a.json {
        println!(
            "note: checkpoint signatures were checked against the keys they name; pass --key to require the centre's key"
        );
    }
    // The check itself is accountable (on the store only: an offline check changes
    // nothing here).
    if a.file.is_none() {
        if let Some(store) = audit {
            let ev = AuditEvent::new(
                cli_actor(),
                AuditAction::Verify,
                if report.is_ok() {
                    Outcome::Allowed
                } else {
                    Outcome::Error
                },
            )
            .object("audit_log")
            .purpose("audit verification")
            .detail(serde_json::to_value(&report)?);
            store.append_audit(&ev).await?;
        }
    }
    if !report.is_ok() {
        bail!("the audit trail failed verification");
    }
    Ok(())
}

async fn export(a: ExportArgs, store: &dyn AuditStore) -> Result<()> {
    let to_stdout = a.out.as_os_str() == "-";
    let mut out: Box<dyn Write + Send> = if to_stdout {
        Box::new(std::io::BufWriter::new(std::io::stdout()))
    } else {
        Box::new(std::io::BufWriter::new(
            std::fs::File::create(&a.out)
                .with_context(|| format!("creating {}", a.out.display()))?,
        ))
    };
    // Record the export first, so the file contains its own trace.
    let ev = AuditEvent::new(cli_actor(), AuditAction::Export, Outcome::Allowed)
        .object("audit_log")
        .purpose("audit export")
        .detail(serde_json::json!({
            "from": a.from,
            "to": if to_stdout { "-".to_owned() } else { a.out.display().to_string() },
        }));
    store.append_audit(&ev).await?;
    let n = audit::export_jsonl(store, a.from, &mut *out).await?;
    drop(out);
    if !to_stdout {
        eprintln!("Exported {n} audit entries to {}", a.out.display());
    }
    Ok(())
}

async fn checkpoint(a: CheckpointArgs, store: &dyn AuditStore, data_dir: &Path) -> Result<()> {
    let (secret, _) = key_paths(data_dir);
    if !secret.exists() {
        bail!(
            "no signing key in {}: run `mosaic agreement keygen` first",
            data_dir.display()
        );
    }
    let key = read_secret_key(&secret)?;
    let rec = audit::checkpoint(store, key.signing_key(), &cli_actor()).await?;
    let line = mosaic_audit::export_line(&rec)?;
    println!("{line}");
    if let Some(path) = &a.out {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        writeln!(f, "{line}").with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "Checkpoint at entry {} appended to {}",
            rec.seq,
            path.display()
        );
    }
    Ok(())
}
