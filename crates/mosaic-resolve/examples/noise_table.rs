//! Accuracy per noise level (issue 7), as a markdown table for BENCHMARKS.md.
//!
//! `cargo run --release -p mosaic-resolve --example noise_table -- [seed] [noise ...]`
//! (default seed 42, noise 0.0 0.1 0.3 0.5)
//!
//! For each noise level: the default scenario (a year of every route) generated, imported
//! through the real importer into a SQLite store, resolved from it with the default
//! configuration, and scored pairwise against the ground truth for persons, phones,
//! vehicles and bank accounts.
#[path = "../tests/support/mod.rs"]
mod support;

use mosaic_resolve::ResolverConfig;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(42);
    let mut levels: Vec<f64> = args.iter().skip(2).filter_map(|s| s.parse().ok()).collect();
    if levels.is_empty() {
        levels = vec![0.0, 0.1, 0.3, 0.5];
    }
    println!("| noise | mentions | records | true pairs | precision | recall | F1 | resolve s |");
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    for noise in levels {
        let dir = tempfile::tempdir().unwrap();
        let cfg = mosaic_sim::SimConfig {
            seed,
            noise,
            ..mosaic_sim::SimConfig::default()
        };
        let run = support::run(&cfg, dir.path(), ResolverConfig::default()).await;
        let s = run.resolver.stats();
        let secs = s.seconds_blocking_scoring + s.seconds_training + s.seconds_clustering;
        for (schema, m) in &run.metrics {
            println!(
                "| {noise:.1} | {schema} | {} | {} | {:.4} | {:.4} | {:.4} | {secs:.2} |",
                m.records, m.true_pairs, m.precision, m.recall, m.f1
            );
        }
    }
}
