//! `mosaic sim`: generates a scenario — every agency's files in its own format, with
//! mapping files for the CSVs, and the ground truth in `truth/` — with mosaic-sim.
//! See docs/scenario.md.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use mosaic_sim::{generate, NaiveDate, Route, Scale, SimConfig, SimProgress, SimSummary};

#[derive(Args, Debug)]
pub struct SimArgs {
    /// Seed: the same seed (and generator version) gives byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// demo (two weeks, a few hundred reports), default (the Channel case over a year),
    /// large (ten networks per route), or a statement count such as 500k or 10M.
    #[arg(long, default_value = "default")]
    pub scale: Scale,
    /// Output folder (created if needed; the scenario's files in it are overwritten).
    #[arg(long)]
    pub out: PathBuf,
    /// Noise level, 0.0 (only each agency's habits) to 1.0.
    #[arg(long, default_value_t = mosaic_sim::DEFAULT_NOISE)]
    pub noise: f64,
    /// Days to simulate [default: 14 for demo, 365 otherwise].
    #[arg(long)]
    pub days: Option<u32>,
    /// First day (YYYY-MM-DD) [default: 2025-01-01].
    #[arg(long)]
    pub start: Option<NaiveDate>,
    /// Routes, comma-separated: channel, central-med, balkan, sea-asia [default: all].
    #[arg(long, value_delimiter = ',')]
    pub routes: Vec<Route>,
    /// Agencies whose files are written, comma-separated (e.g. fr-paf,ngo-aid) [default: all].
    #[arg(long, value_delimiter = ',')]
    pub agencies: Vec<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

impl SimArgs {
    pub fn config(&self) -> SimConfig {
        let mut cfg = SimConfig {
            seed: self.seed,
            scale: self.scale,
            noise: self.noise,
            days: self.days,
            routes: self.routes.clone(),
            agencies: self.agencies.clone(),
            ..SimConfig::default()
        };
        if let Some(s) = self.start {
            cfg.start = s;
        }
        cfg
    }
}

/// Runs `mosaic sim`.
pub fn run(args: SimArgs) -> Result<()> {
    let cfg = args.config();
    let show_bar = std::io::stderr().is_terminal() && !args.json;
    let summary = generate_with_bar(&cfg, &args.out, show_bar)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    println!(
        "Scenario (seed {}, scale {}, noise {}) in {}: {} reports, {} statements over {} days.",
        summary.seed,
        summary.scale,
        summary.noise,
        args.out.display(),
        summary.reports,
        summary.statements,
        summary.days_simulated
    );
    for f in &summary.files {
        println!(
            "  {:<38} {:>8} reports {:>10} statements  ({} duplicates, {} corrections, {} broken on purpose)",
            f.file, f.reports, f.statements, f.duplicates, f.revisions, f.faults
        );
    }
    for c in &summary.channel {
        let nights = c.attempts_per_day.len().max(1) as f64;
        println!(
            "  {}: {:.1} attempts and {:.1} successes a day, {} people smuggled; operation: {} arrests, {} EAWs, {} searches",
            c.network,
            c.attempts_per_day.iter().sum::<u32>() as f64 / nights,
            c.successes_per_day.iter().sum::<u32>() as f64 / nights,
            c.people_smuggled,
            c.arrests,
            c.eaws,
            c.searches
        );
    }
    println!(
        "Ground truth: {} (docs/scenario.md). Import with: mosaic import {}/*.csv {}/*.jsonl",
        args.out.join("truth").display(),
        args.out.display(),
        args.out.display()
    );
    Ok(())
}

/// Generates with a progress bar on a terminal.
pub fn generate_with_bar(cfg: &SimConfig, out: &Path, show_bar: bool) -> Result<SimSummary> {
    let bar = show_bar.then(|| {
        let (len, unit) = match cfg.scale {
            Scale::Statements(n) => (n, "statements"),
            _ => (cfg.days() as u64, "days"),
        };
        let b = ProgressBar::new(len);
        b.set_style(
            ProgressStyle::with_template(&format!(
                "sim [{{bar:30}}] {{pos}}/{{len}} {unit} {{msg}} (ETA {{eta}})"
            ))
            .expect("valid template")
            .progress_chars("=> "),
        );
        b.enable_steady_tick(Duration::from_millis(200));
        b
    });
    let mut on_progress = |p: SimProgress| {
        if let Some(b) = &bar {
            b.set_position(match p.target {
                Some(_) => p.statements,
                None => p.day as u64,
            });
            b.set_message(format!(
                "{} reports, {} statements",
                p.reports, p.statements
            ));
        }
    };
    let summary = generate(cfg, out, &mut on_progress)
        .with_context(|| format!("generating the scenario in {}", out.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(summary)
}
