//! Mosaic's scenario generator: a deterministic world of smuggling networks and the
//! people they move, seen through the reports of the agencies of a multi-agency centre —
//! each in its own format, with its own habits and mistakes — plus the ground truth that
//! says who and what every mention really is.
//!
//! ```no_run
//! use mosaic_sim::{generate, SimConfig};
//! let summary = generate(&SimConfig::demo(42), std::path::Path::new("scenario"), &mut |_| {})?;
//! println!("{} reports, {} statements", summary.reports, summary.statements);
//! let truth = mosaic_sim::truth::load(std::path::Path::new("scenario"))?;
//! # Ok::<(), mosaic_sim::SimError>(())
//! ```
//!
//! The same config and generator version always give byte-identical files. Output is
//! streamed: memory stays bounded at any scale. Formats: `docs/import.md` (what the
//! agencies' files look like to the importer) and `docs/scenario.md` (the world, the
//! noise, the ground truth).
#![forbid(unsafe_code)]

pub mod agencies;
mod config;
pub mod csvout;
pub mod idents;
pub mod names;
pub mod noise;
mod obs;
mod out;
pub mod places;
pub mod rep;
mod routes;
pub mod truth;
mod util;
mod world;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use chrono::NaiveDate;
pub use config::{Route, Scale, SimConfig, DEFAULT_NOISE};
pub use out::{data_files, FileSummary};
pub use routes::channel::ChannelStats;
pub use routes::FeeStats;

use routes::RouteSim;

/// The generator's version: part of the determinism promise (same seed + same version =
/// same bytes). Bump it when output changes for a given seed.
pub const VERSION: &str = concat!("mosaic-sim/", env!("CARGO_PKG_VERSION"), "+1");

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid scenario configuration: {0}")]
    Config(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("ground truth {}: {message}", path.display())]
    Truth { path: PathBuf, message: String },
}

impl SimError {
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> SimError {
        SimError::Io {
            path: path.as_ref().to_owned(),
            source,
        }
    }
}

/// Progress, reported once per simulated day.
#[derive(Clone, Copy, Debug)]
pub struct SimProgress {
    pub day: u32,
    pub days: u32,
    pub reports: u64,
    pub statements: u64,
    /// The statement target of a benchmark run.
    pub target: Option<u64>,
}

/// Role counts of one network, as created.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NetworkSummary {
    pub network: String,
    pub route: String,
    pub name: String,
    pub roles: BTreeMap<String, u32>,
}

/// What was generated. Also written to `truth/manifest.json` (it is deterministic: no
/// timings in it).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SimSummary {
    pub generator: String,
    pub seed: u64,
    pub scale: String,
    pub noise: f64,
    pub start: String,
    pub days: u32,
    /// Days actually simulated (fewer when a statement target stops the run).
    pub days_simulated: u32,
    pub routes: Vec<String>,
    pub replicas: u32,
    /// Distinct reports written (originals that import).
    pub reports: u64,
    /// Statements the importer will store (originals and corrections).
    pub statements: u64,
    pub files: Vec<FileSummary>,
    pub truth: truth::TruthCounts,
    pub networks: Vec<NetworkSummary>,
    pub channel: Vec<ChannelStats>,
    /// Smuggling fees by leg (`channel`, `aegean`, `central-med`, `balkan`, `sea-asia`).
    pub fees: BTreeMap<String, FeeStats>,
    /// Noise rates as configured, by kind.
    pub noise_rates: BTreeMap<String, f64>,
    /// Noise as applied: kind → (opportunities, applied).
    pub noise_applied: BTreeMap<String, (u64, u64)>,
    pub target_reached: bool,
}

/// Statements one replica (one network per selected route) yields in a year, measured
/// at the default noise level; used to size benchmark runs.
const STATEMENTS_PER_REPLICA_YEAR: f64 = 168_000.0;

enum Sim {
    Channel(Box<routes::channel::Channel>),
    Other(Box<dyn RouteSim>),
}

/// Generates a scenario into `out_dir` (created if needed). Files of the selected
/// agencies, their mapping files and `truth/` are overwritten.
pub fn generate(
    cfg: &SimConfig,
    out_dir: &Path,
    progress: &mut dyn FnMut(SimProgress),
) -> Result<SimSummary, SimError> {
    cfg.validate()?;
    let days = cfg.days();
    let route_list = cfg.routes();
    let noise = noise::Noise::new(cfg.noise);
    let replicas: u32 = match cfg.scale {
        Scale::Demo | Scale::Default => 1,
        Scale::Large => 10,
        Scale::Statements(n) => {
            let share = route_list.len() as f64 / Route::ALL.len() as f64;
            let per = STATEMENTS_PER_REPLICA_YEAR * share * days as f64 / 365.0;
            ((n as f64 * 1.15 / per.max(1.0)).ceil() as u32).max(1)
        }
    };
    let target = match cfg.scale {
        Scale::Statements(n) => Some(n),
        _ => None,
    };
    // Files of agencies left out by this run must not linger from an earlier one.
    if !cfg.agencies.is_empty() {
        for s in agencies::STREAMS {
            if !cfg.agencies.iter().any(|a| a == s.agency) {
                let _ = std::fs::remove_file(out_dir.join(s.file));
                if s.csv.is_some() {
                    let stem = s.file.trim_end_matches(".csv");
                    let _ = std::fs::remove_file(out_dir.join(format!("{stem}.mapping.toml")));
                }
            }
        }
    }
    let mut out = out::Out::create(out_dir, &cfg.agencies, noise, target, cfg.start, days)?;
    let mut sims: Vec<Sim> = Vec::new();
    for r in 0..replicas {
        for route in &route_list {
            sims.push(match route {
                Route::Channel => Sim::Channel(Box::new(routes::channel::Channel::new(
                    cfg.seed, r, &mut out, days,
                )?)),
                Route::CentralMed => {
                    Sim::Other(Box::new(routes::med::Med::new(cfg.seed, r, &mut out)?))
                }
                Route::Balkan => Sim::Other(Box::new(routes::balkan::Balkan::new(
                    cfg.seed, r, &mut out,
                )?)),
                Route::SeaAsia => {
                    Sim::Other(Box::new(routes::asia::Asia::new(cfg.seed, r, &mut out)?))
                }
            });
        }
    }
    let mut simulated = 0;
    for day in 0..days {
        for s in sims.iter_mut() {
            match s {
                Sim::Channel(c) => c.step(day, &mut out)?,
                Sim::Other(o) => o.step(day, &mut out)?,
            }
        }
        simulated = day + 1;
        progress(SimProgress {
            day: simulated,
            days,
            reports: out.reports,
            statements: out.statements,
            target,
        });
        if out.reached() {
            break;
        }
    }
    let mut channel = Vec::new();
    for s in sims.iter_mut() {
        match s {
            Sim::Channel(c) => {
                c.finish(&mut out)?;
                channel.push(c.stats.clone());
            }
            Sim::Other(o) => o.finish(&mut out)?,
        }
    }
    let target_reached = out.reached();
    let statements = out.statements;
    let reports = out.reports;
    let fees = std::mem::take(&mut out.fees);
    let noise_applied: BTreeMap<String, (u64, u64)> = {
        let mut m = out.ncounts.counts.clone();
        let n = &out.names;
        m.insert("name_variant".into(), (n.variant_parts, n.variant));
        m.insert("name_typo".into(), (n.parts, n.typo));
        m
    };
    let network_summaries = std::mem::take(&mut out.networks);
    let (files, truth_writer) = out.finish()?;
    let truth_counts = truth_writer.finish()?;
    let summary = SimSummary {
        generator: VERSION.to_owned(),
        seed: cfg.seed,
        scale: cfg.scale.to_string(),
        noise: cfg.noise,
        start: cfg.start.to_string(),
        days,
        days_simulated: simulated,
        routes: route_list.iter().map(|r| r.slug().to_owned()).collect(),
        replicas,
        reports,
        statements,
        files,
        truth: truth_counts,
        networks: network_summaries,
        channel,
        fees,
        noise_rates: noise
            .rates()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        noise_applied,
        target_reached,
    };
    let manifest = out_dir.join(truth::DIR).join("manifest.json");
    let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
    std::fs::write(&manifest, json + "\n").map_err(|e| SimError::io(&manifest, e))?;
    Ok(summary)
}

/// Reads `truth/manifest.json` of a generated scenario.
pub fn load_summary(dir: &Path) -> Result<SimSummary, SimError> {
    let path = dir.join(truth::DIR).join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| SimError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| SimError::Truth {
        path,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for sub in [dir.to_owned(), dir.join(truth::DIR)] {
            for e in std::fs::read_dir(&sub).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    let name = p.strip_prefix(dir).unwrap().display().to_string();
                    out.insert(name, std::fs::read(&p).unwrap());
                }
            }
        }
        out
    }

    #[test]
    fn same_seed_gives_the_same_bytes_and_another_seed_does_not() {
        let d = tempfile::tempdir().unwrap();
        let (a, b, c) = (d.path().join("a"), d.path().join("b"), d.path().join("c"));
        generate(&SimConfig::demo(42), &a, &mut |_| {}).unwrap();
        generate(&SimConfig::demo(42), &b, &mut |_| {}).unwrap();
        generate(&SimConfig::demo(43), &c, &mut |_| {}).unwrap();
        let (fa, fb, fc) = (files(&a), files(&b), files(&c));
        assert!(fa.len() > 20, "{:?}", fa.keys());
        assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
        for (name, bytes) in &fa {
            assert!(
                bytes == &fb[name],
                "{name} differs between two runs with one seed"
            );
        }
        let same: Vec<&String> = fa
            .keys()
            .filter(|k| fa[*k] == fc[*k] && !fa[*k].is_empty())
            .collect();
        assert!(
            same.iter().all(|k| k.ends_with(".mapping.toml")
                || k.ends_with("networks.csv")
                || k.ends_with("operations.csv")),
            "files identical across seeds: {same:?}"
        );
    }

    #[test]
    fn the_noise_level_changes_the_reports_not_the_world() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("clean"), d.path().join("noisy"));
        let clean = SimConfig {
            noise: 0.0,
            ..SimConfig::demo(5)
        };
        let noisy = SimConfig {
            noise: 0.8,
            ..SimConfig::demo(5)
        };
        generate(&clean, &a, &mut |_| {}).unwrap();
        generate(&noisy, &b, &mut |_| {}).unwrap();
        for f in [
            "persons.csv",
            "objects.csv",
            "payments.csv",
            "events.csv",
            "networks.csv",
            "operations.csv",
        ] {
            let x = std::fs::read(a.join("truth").join(f)).unwrap();
            let y = std::fs::read(b.join("truth").join(f)).unwrap();
            assert!(x == y, "{f} differs between noise levels");
        }
        assert_ne!(
            std::fs::read(a.join("fr-paf-interceptions.csv")).unwrap(),
            std::fs::read(b.join("fr-paf-interceptions.csv")).unwrap()
        );
    }

    #[test]
    fn demo_is_small_quick_and_has_every_agency() {
        let d = tempfile::tempdir().unwrap();
        let t = std::time::Instant::now();
        let s = generate(&SimConfig::demo(42), d.path(), &mut |_| {}).unwrap();
        // debug build; release is several times faster
        assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
        assert!((200..1500).contains(&s.reports), "{} reports", s.reports);
        for f in &s.files {
            assert!(f.reports > 0, "{} is empty in the demo", f.file);
        }
        assert_eq!(s.channel[0].arrests, 36);
        assert_eq!(s.channel[0].eaws, 2);
        assert_eq!(s.channel[0].searches, 45);
        let loaded = load_summary(d.path()).unwrap();
        assert_eq!(loaded.statements, s.statements);
    }

    #[test]
    fn a_statement_target_stops_the_run() {
        let d = tempfile::tempdir().unwrap();
        let cfg = SimConfig {
            scale: Scale::Statements(20_000),
            days: Some(60),
            ..SimConfig::default()
        };
        let s = generate(&cfg, d.path(), &mut |_| {}).unwrap();
        assert!(s.target_reached);
        assert!(
            s.statements >= 20_000 && s.statements < 20_200,
            "{}",
            s.statements
        );
    }

    #[test]
    fn short_runs_and_single_routes_work() {
        let d = tempfile::tempdir().unwrap();
        for days in [1, 2, 3] {
            for route in Route::ALL {
                let cfg = SimConfig {
                    days: Some(days),
                    routes: vec![*route],
                    noise: 1.0,
                    ..SimConfig::demo(days as u64)
                };
                let dir = d.path().join(format!("{route}-{days}"));
                let s = generate(&cfg, &dir, &mut |_| {}).unwrap();
                assert_eq!(s.days_simulated, days);
                truth::load(&dir).unwrap();
            }
        }
    }

    #[test]
    fn agencies_can_be_left_out() {
        let d = tempfile::tempdir().unwrap();
        let cfg = SimConfig {
            agencies: vec!["fr-paf".into(), "ngo-aid".into()],
            routes: vec![Route::Channel],
            ..SimConfig::demo(1)
        };
        let s = generate(&cfg, d.path(), &mut |_| {}).unwrap();
        let names: Vec<&str> = s.files.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(
            names,
            ["fr-paf-interceptions.csv", "ngo-aid-referrals.jsonl"]
        );
        assert!(!d.path().join("be-police-interceptions.csv").exists());
        assert_eq!(s.networks.len(), 1);
    }
}
