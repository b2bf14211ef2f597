//! `mosaic`: the command-line entry point. Parses arguments, loads configuration, opens the
//! store and hands over to the library crates; errors become messages a person can act on.
#![forbid(unsafe_code)]

mod cmd_accounts;
mod cmd_agreement;
mod cmd_audit;
mod cmd_migrate;
mod cmd_policy;
mod cmd_resolve;
mod cmd_search;
mod cmd_serve;
mod cmd_sim;
mod config;
mod progress;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use mosaic_io::{export_jsonl, import_file, ImportOptions};
use mosaic_model::{Centre, CentreId};
use mosaic_store::agreements::AgreementStore;
use mosaic_store::permissions::PermissionStore;
use mosaic_store::referrals::ReferralStore;
use mosaic_store::retention::RetentionStore;
use mosaic_store::{AccountStore, AuditStore, DynStore, JudgementStore, Scope, Store, StoreError};
use mosaic_store_postgres::PgStore;
use mosaic_store_sqlite::SqliteStore;

use crate::config::Config;

/// Mosaic: the shared picture of a multi-agency centre against migrant smuggling.
#[derive(Parser)]
#[command(name = "mosaic", version)]
struct Cli {
    /// Data folder of the embedded store (SQLite) and the config file.
    #[arg(
        long,
        global = true,
        env = "MOSAIC_DATA_DIR",
        default_value = "mosaic-data"
    )]
    data_dir: PathBuf,
    /// Config file [default: <data dir>/mosaic.toml if it exists].
    #[arg(long, global = true, env = "MOSAIC_CONFIG")]
    config: Option<PathBuf>,
    /// Use PostgreSQL instead of the embedded store (postgres://…). Prefer the
    /// environment variable or the config file: a password on the command line is
    /// visible to other users of the machine.
    #[arg(
        long,
        global = true,
        env = "MOSAIC_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// More log output (-v info, -vv debug); MOSAIC_LOG sets a filter directly.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a data folder with an empty store and a config file.
    Init(InitArgs),
    /// Import reports from JSON Lines or CSV (with a mapping file).
    Import(ImportArgs),
    /// Export every report as JSON Lines (the format `import` reads).
    Export(ExportArgs),
    /// Counts of reports, statements and entities.
    Stats(StatsArgs),
    /// Create a demo data folder with a generated scenario and serve it.
    Demo(DemoArgs),
    /// Serve the HTTP API (HTTPS with rustls off loopback).
    Serve(cmd_serve::ServeArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(cmd_accounts::UserCommand),
    /// Manage agencies.
    #[command(subcommand)]
    Agency(cmd_accounts::AgencyCommand),
    /// The tamper-evident audit trail: verify, export, checkpoint.
    #[command(subcommand)]
    Audit(cmd_audit::AuditCommand),
    /// Agreements (MoUs, protocols) with partners: draft, sign, check, suspend.
    #[command(subcommand)]
    Agreement(cmd_agreement::AgreementCommand),
    /// Entity resolution: resolve mentions, review queue, explain, record judgements.
    Resolve(cmd_resolve::ResolveArgs),
    /// Write `source_record_id,entity_id` CSV of the current resolution.
    ExportResolution(cmd_resolve::ExportResolutionArgs),
    /// Search names (fuzzy, transliterated), identifiers and narratives.
    Search(cmd_search::SearchArgs),
    /// Generate a scenario: every agency's files in its own format, plus ground truth.
    Sim(cmd_sim::SimArgs),
    /// Copy everything from one store to another (data folder ↔ PostgreSQL), then verify.
    Migrate(cmd_migrate::MigrateArgs),
    /// Restrict one of an agency's reports after sending it (raise labels, or withdraw).
    Restrict(cmd_policy::RestrictArgs),
    /// Retention: purge expired reports, flag reviews.
    #[command(subcommand)]
    Retention(cmd_policy::RetentionCommand),
}

#[derive(Args)]
struct InitArgs {
    /// This centre's id (a slug such as fr-ncc); prefixes every id minted here.
    #[arg(long)]
    centre: Option<String>,
    /// The centre's name.
    #[arg(long)]
    name: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[arg(long)]
    country: Option<String>,
}

#[derive(Args)]
struct ImportArgs {
    /// Files to import (.jsonl/.ndjson, or .csv with a mapping).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Mapping file for CSV [default: <file stem>.mapping.toml beside each file].
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Reports per transaction.
    #[arg(long, default_value_t = 2000)]
    batch_size: usize,
    /// Folder for <file>.rejects.jsonl [default: beside each file].
    #[arg(long)]
    rejects_dir: Option<PathBuf>,
    /// Encoding of JSON Lines input (auto, utf-8, latin-1, utf-16le, ...).
    #[arg(long)]
    encoding: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ExportArgs {
    /// Output file; `-` for standard output.
    #[arg(short, long, default_value = "-")]
    out: PathBuf,
    /// Why (recorded in the audit trail with the operator), e.g. `case:<case id>` or
    /// `task:backup before migration`.
    #[arg(
        long,
        default_value = "task:whole-store export by the centre administrator"
    )]
    purpose: String,
}

#[derive(Args)]
struct StatsArgs {
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct DemoArgs {
    /// Generate and import, then exit instead of serving.
    #[arg(long)]
    no_serve: bool,
    /// Seed of the generated scenario.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MOSAIC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn run(cli: Cli) -> Result<()> {
    let cfg = Config::load(
        &cli.data_dir,
        cli.config.as_deref(),
        cli.database_url.clone(),
    )?;
    match cli.command {
        Command::Init(a) => init(cfg, a).await,
        Command::Import(a) => import(cfg, a).await,
        Command::Export(a) => export(cfg, a).await,
        Command::Stats(a) => stats(cfg, a).await,
        Command::Demo(a) => demo(cfg, a).await,
        Command::Serve(a) => {
            let st = open(&cfg, false).await?;
            centre_of(&*st.data, &cfg).await?;
            let facets = st.server_facets();
            cmd_serve::run(
                st.data,
                st.accounts,
                facets,
                &cfg.data_dir,
                Some(&cfg.file.server.bind),
                a,
            )
            .await
        }
        Command::User(c) => {
            let st = open(&cfg, false).await?;
            centre_of(&*st.data, &cfg).await?;
            cmd_accounts::run_user(&*st.data, &*st.accounts, c).await
        }
        Command::Agency(c) => {
            let st = open(&cfg, false).await?;
            centre_of(&*st.data, &cfg).await?;
            cmd_accounts::run_agency(&*st.data, c).await
        }
        Command::Audit(c) => {
            let s = if cmd_audit::needs_store(&c) {
                Some(open(&cfg, false).await?)
            } else {
                None
            };
            cmd_audit::run(c, s.as_ref().map(|s| &*s.audit), &cfg.data_dir).await
        }
        Command::Agreement(c) => {
            let st = open(&cfg, false).await?;
            cmd_agreement::run(c, &*st.agreements, &*st.audit, &cfg.data_dir).await
        }
        Command::Sim(a) => cmd_sim::run(a),
        Command::Migrate(a) => cmd_migrate::run(a).await,
        Command::Resolve(a) => {
            let st = open(&cfg, false).await?;
            centre_of(&*st.data, &cfg).await?;
            cmd_resolve::run(st.data, st.judgements, a).await
        }
        Command::ExportResolution(a) => {
            let st = open(&cfg, false).await?;
            centre_of(&*st.data, &cfg).await?;
            cmd_resolve::run_export(st.data, st.judgements, a).await
        }
        Command::Restrict(a) => {
            let st = open(&cfg, false).await?;
            centre_of(&*st.data, &cfg).await?;
            cmd_policy::run_restrict(&*st.data, &*st.audit, &cfg.data_dir, a).await
        }
        Command::Retention(c) => {
            let st = open(&cfg, false).await?;
            centre_of(&*st.data, &cfg).await?;
            cmd_policy::run_retention(&*st.retention, &*st.audit, &cfg.data_dir, c).await
        }
        Command::Search(a) => {
            let st = open(&cfg, false).await?;
            centre_of(&*st.data, &cfg).await?;
            cmd_search::run(st.data, &cfg.data_dir, a).await
        }
    }
}

/// The store's facets, all backed by the same database.
pub(crate) struct Stores {
    pub data: DynStore,
    pub accounts: Arc<dyn AccountStore>,
    pub permissions: Arc<dyn PermissionStore>,
    pub judgements: Arc<dyn JudgementStore>,
    pub audit: Arc<dyn AuditStore>,
    pub agreements: Arc<dyn AgreementStore>,
    pub retention: Arc<dyn RetentionStore>,
    pub referrals: Arc<dyn ReferralStore>,
    /// Where the store lives, safe to show: the data folder, or the database URL with
    /// its password removed.
    pub location: String,
}

impl Stores {
    fn of<S>(s: Arc<S>, location: String) -> Stores
    where
        S: Store
            + AccountStore
            + PermissionStore
            + JudgementStore
            + AuditStore
            + AgreementStore
            + RetentionStore
            + ReferralStore,
        S: 'static,
    {
        Stores {
            data: s.clone(),
            accounts: s.clone(),
            permissions: s.clone(),
            judgements: s.clone(),
            audit: s.clone(),
            agreements: s.clone(),
            retention: s.clone(),
            referrals: s,
            location,
        }
    }

    /// The facets `mosaic serve` uses besides the data store and the accounts.
    fn server_facets(&self) -> mosaic_server::Facets {
        mosaic_server::Facets {
            permissions: Some(self.permissions.clone()),
            audit: Some(self.audit.clone()),
            agreements: Some(self.agreements.clone()),
            referrals: Some(self.referrals.clone()),
            retention: Some(self.retention.clone()),
            judgements: Some(self.judgements.clone()),
        }
    }
}

/// Where a store lives: a data folder (the embedded store) or a PostgreSQL database.
pub(crate) enum Location {
    DataDir(PathBuf),
    Postgres(String),
}

impl Location {
    /// A `postgres://` (or `postgresql://`) URL names a database; anything else is a path.
    pub fn parse(s: &str) -> Location {
        if mosaic_store_postgres::is_postgres_url(s) {
            Location::Postgres(s.to_owned())
        } else {
            Location::DataDir(PathBuf::from(s))
        }
    }

    /// Safe to print: a URL loses its password.
    pub fn shown(&self) -> String {
        match self {
            Location::DataDir(p) => p.display().to_string(),
            Location::Postgres(url) => mosaic_store_postgres::redact(url),
        }
    }

    /// Opens every facet. `create` allows a new data folder; a PostgreSQL database must
    /// exist already (its tables are created on first open).
    pub async fn open(&self, create: bool) -> Result<Stores> {
        match self {
            Location::Postgres(url) => {
                // Errors name the server by its redacted URL only.
                let s = PgStore::connect(url).await?;
                let shown = s.redacted_url().to_owned();
                Ok(Stores::of(Arc::new(s), shown))
            }
            Location::DataDir(dir) => {
                if !create && !dir.join(mosaic_store_sqlite::DB_FILE).exists() {
                    bail!(
                        "{} is not a Mosaic data folder: run `mosaic --data-dir {} init` (or `mosaic demo`) first",
                        dir.display(),
                        dir.display()
                    );
                }
                let store = SqliteStore::open(dir)
                    .await
                    .with_context(|| format!("opening the store in {}", dir.display()))?;
                Ok(Stores::of(Arc::new(store), dir.display().to_string()))
            }
        }
    }
}

/// The configured store: PostgreSQL for a `postgres://` URL (flag, environment or config
/// file), else SQLite in the data folder.
fn configured(cfg: &Config) -> Result<Location> {
    match &cfg.file.store.database_url {
        Some(url) if mosaic_store_postgres::is_postgres_url(url) => {
            Ok(Location::Postgres(url.clone()))
        }
        Some(_) => bail!(
            "unsupported database URL scheme; use postgres://… or leave it unset for the embedded store"
        ),
        None => Ok(Location::DataDir(cfg.data_dir.clone())),
    }
}

async fn open(cfg: &Config, create: bool) -> Result<Stores> {
    let st = configured(cfg)?.open(create).await?;
    tracing::debug!(store = %st.location, backend = st.data.backend(), "store open");
    Ok(st)
}

/// Opens the configured store: PostgreSQL for a `postgres://` URL, else SQLite in the
/// data folder.
async fn open_store(cfg: &Config, create: bool) -> Result<DynStore> {
    Ok(open(cfg, create).await?.data)
}

async fn centre_of(store: &dyn Store, cfg: &Config) -> Result<Centre> {
    match store.centre().await {
        Ok(c) => Ok(c),
        Err(StoreError::NotInitialised) => match configured(cfg)? {
            Location::Postgres(url) => bail!(
                "the database {} is not initialised yet: run `mosaic init` with the same database URL first",
                mosaic_store_postgres::redact(&url)
            ),
            Location::DataDir(_) => bail!(
                "{} is not a Mosaic data folder yet: run `mosaic --data-dir {} init` first",
                cfg.data_dir.display(),
                cfg.data_dir.display()
            ),
        },
        Err(e) => Err(e.into()),
    }
}

async fn init(mut cfg: Config, a: InitArgs) -> Result<()> {
    let c = &mut cfg.file.centre;
    if let Some(id) = a.centre {
        c.id = id;
    }
    if let Some(n) = a.name {
        c.name = n;
    }
    if let Some(k) = a.country {
        c.country = k.to_ascii_lowercase();
    }
    let centre = Centre {
        id: CentreId::parse(&c.id).map_err(|e| anyhow::anyhow!("--centre: {}", e.message))?,
        name: c.name.clone(),
        country: c.country.clone(),
    };
    if !mosaic_model::country::is_country(&centre.country) {
        bail!(
            "--country: {:?} is not an ISO 3166-1 alpha-2 code",
            centre.country
        );
    }
    let st = open(&cfg, true).await?;
    let store = st.data;
    match store.centre().await {
        Ok(existing) if existing.id != centre.id => bail!(
            "{} already belongs to centre {}; ids minted there would change — use another data folder",
            st.location,
            existing.id
        ),
        _ => {}
    }
    store.set_centre(&centre).await?;
    let path = if cfg.file.store.database_url.is_none() {
        Some(cfg.save_default()?)
    } else {
        None
    };
    println!(
        "Initialised centre {} ({}) in {}",
        centre.id, centre.name, st.location
    );
    if let Some(p) = path {
        println!("Configuration: {}", p.display());
    }
    Ok(())
}

async fn import(cfg: Config, a: ImportArgs) -> Result<()> {
    let store = open_store(&cfg, false).await?;
    let centre = centre_of(&*store, &cfg).await?;
    let opts = ImportOptions {
        mapping: a.mapping,
        format: None,
        batch_size: a.batch_size,
        rejects_dir: a.rejects_dir,
        encoding: a.encoding,
    };
    let show_bar = std::io::stderr().is_terminal() && !a.json;
    let mut summaries = Vec::new();
    for file in &a.files {
        let bar = progress::ImportBar::new(show_bar);
        let s = import_file(&*store, &centre.id, file, &opts, &bar).await?;
        if !a.json {
            println!("{}", describe(&s));
        }
        summaries.push(s);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summaries)?);
    }
    Ok(())
}

fn describe(s: &mosaic_io::ImportSummary) -> String {
    if s.already_imported {
        return format!(
            "{}: already imported (same content); nothing added. Earlier: {} reports, {} rejected.",
            s.file,
            s.outcome.inserted + s.outcome.new_versions,
            s.rejected
        );
    }
    let mut out = format!(
        "{}: {} records{} → {} new reports, {} new versions, {} duplicates, {} statements",
        s.file,
        s.records,
        if s.resumed_after > 0 {
            format!(" (resumed after {})", s.resumed_after)
        } else {
            String::new()
        },
        s.outcome.inserted,
        s.outcome.new_versions,
        s.outcome.duplicates,
        s.outcome.statements
    );
    match &s.rejects_file {
        Some(p) => out.push_str(&format!(
            "; {} problems in rejected records, see {}",
            s.rejected,
            p.display()
        )),
        None => out.push_str("; no rejects"),
    }
    out
}

async fn export(cfg: Config, a: ExportArgs) -> Result<()> {
    use mosaic_audit::{AuditAction, AuditEvent, Outcome};
    let st = open(&cfg, false).await?;
    let store = st.data;
    centre_of(&*store, &cfg).await?;
    // The export is recorded, with the operator and purpose, before any data leaves;
    // its end (count, or failure) is recorded too.
    let to = if a.out == Path::new("-") {
        "-".to_owned()
    } else {
        a.out.display().to_string()
    };
    let entry = |result, detail| {
        AuditEvent::new(cmd_audit::cli_actor(), AuditAction::Export, result)
            .object("export")
            .purpose(a.purpose.clone())
            .detail(detail)
    };
    st.audit
        .append_audit(&entry(
            Outcome::Allowed,
            serde_json::json!({"to": to, "stage": "started"}),
        ))
        .await
        .context("recording the export in the audit trail")?;
    // The administrator's whole-store export; per-user exports go through the API.
    let scope = Scope::system("export by the centre administrator (CLI)");
    let run = async {
        if a.out == Path::new("-") {
            let stdout = std::io::stdout();
            Ok::<u64, anyhow::Error>(
                export_jsonl(
                    &*store,
                    &scope,
                    std::io::BufWriter::with_capacity(1 << 16, stdout),
                    |_| {},
                )
                .await?,
            )
        } else {
            let tmp = a.out.with_extension("partial");
            let f = std::fs::File::create(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            let n = export_jsonl(&*store, &scope, std::io::BufWriter::new(f), |_| {}).await?;
            std::fs::rename(&tmp, &a.out)?;
            eprintln!("Exported {n} reports to {}", a.out.display());
            Ok(n)
        }
    };
    let (result, detail, out) = match run.await {
        Ok(n) => (
            Outcome::Allowed,
            serde_json::json!({"to": to, "stage": "finished", "reports": n}),
            Ok(n),
        ),
        Err(e) => (
            Outcome::Error,
            serde_json::json!({"to": to, "stage": "failed", "error": e.to_string()}),
            Err(e),
        ),
    };
    st.audit
        .append_audit(&entry(result, detail))
        .await
        .context("recording the end of the export in the audit trail")?;
    let n = out?;
    tracing::info!(reports = n, "export finished");
    Ok(())
}

async fn stats(cfg: Config, a: StatsArgs) -> Result<()> {
    let store = open_store(&cfg, false).await?;
    let centre = centre_of(&*store, &cfg).await?;
    let s = store
        .stats(&Scope::system("statistics on the command line"))
        .await?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"centre": centre, "backend": store.backend(), "stats": s})
            )?
        );
        return Ok(());
    }
    println!(
        "Centre {} ({}), {} store",
        centre.id,
        centre.name,
        store.backend()
    );
    if let Some(p) = &cfg.config_path {
        println!("  config      {}", p.display());
    }
    println!(
        "  reports     {:>10}  ({} versions)",
        s.reports, s.report_versions
    );
    println!("  statements  {:>10}", s.statements);
    println!("  entities    {:>10}", s.entities);
    println!(
        "  imports     {:>10}  ({} problems in rejected records)",
        s.imports, s.rejects
    );
    if !s.reports_by_agency.is_empty() {
        println!("  reports by agency:");
        for (a, n) in &s.reports_by_agency {
            println!("    {a:<24}{n:>10}");
        }
    }
    if !s.entities_by_schema.is_empty() {
        println!("  entities by schema:");
        for (k, n) in &s.entities_by_schema {
            println!("    {k:<24}{n:>10}");
        }
    }
    Ok(())
}

async fn demo(cfg: Config, a: DemoArgs) -> Result<()> {
    let st = open(&cfg, true).await?;
    let store = st.data.clone();
    let centre = match store.centre().await {
        Ok(c) => c,
        Err(StoreError::NotInitialised) => {
            let c = Centre {
                id: CentreId::parse(&cfg.file.centre.id)
                    .map_err(|e| anyhow::anyhow!("{}", e.message))?,
                name: cfg.file.centre.name.clone(),
                country: cfg.file.centre.country.clone(),
            };
            store.set_centre(&c).await?;
            cfg.save_default()?;
            c
        }
        Err(e) => return Err(e.into()),
    };
    // The demo scenario: every agency's files from the generator, imported like any
    // agency's export (a few injected faults are rejected on purpose, with reasons).
    let scenario = cfg.data_dir.join("demo-scenario");
    let sim = mosaic_sim::SimConfig::demo(a.seed);
    let summary = cmd_sim::generate_with_bar(&sim, &scenario, false)?;
    println!(
        "Generated the demo scenario (seed {}): {} reports, {} statements in {}",
        summary.seed,
        summary.reports,
        summary.statements,
        scenario.display()
    );
    for f in &summary.files {
        let path = scenario.join(&f.file);
        let opts = ImportOptions {
            mapping: f.mapping.as_ref().map(|m| scenario.join(m)),
            ..ImportOptions::default()
        };
        let s = import_file(&*store, &centre.id, &path, &opts, &mosaic_io::Quiet).await?;
        println!("{}", describe(&s));
    }
    println!("Demo data folder: {}", cfg.data_dir.display());
    if a.no_serve {
        mosaic_server::ensure_demo_accounts(&*st.data, &*st.accounts).await?;
        return Ok(());
    }
    let args = cmd_serve::ServeArgs {
        bind: None,
        tls: cmd_serve::TlsMode::Auto,
        cert: None,
        key: None,
        tls_names: vec![],
        demo_accounts: true,
        max_body_bytes: 4 << 20,
        request_timeout: 30,
    };
    let facets = st.server_facets();
    cmd_serve::run(
        st.data,
        st.accounts,
        facets,
        &cfg.data_dir,
        Some(&cfg.file.server.bind),
        args,
    )
    .await
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Clap checks the whole command tree: duplicate flags, conflicting names, bad defaults.
    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
