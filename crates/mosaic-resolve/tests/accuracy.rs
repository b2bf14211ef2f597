//! Accuracy against the scenario generator's ground truth (issue 7): pairwise precision
//! and recall of person, phone, vehicle and bank-account mentions, at least 0.95 each at
//! the default noise level of the default scenario (a year of every route), imported
//! through the real importer into a SQLite store and resolved from it. Other noise levels
//! and seeds: `examples/noise_table.rs`; why pairs are missed: `examples/missed_pairs.rs`.
mod support;

use mosaic_resolve::ResolverConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precision_and_recall_at_default_noise() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = mosaic_sim::SimConfig::default();
    assert_eq!(cfg.noise, mosaic_sim::DEFAULT_NOISE);
    let run = support::run(&cfg, dir.path(), ResolverConfig::default()).await;
    assert_eq!(
        run.unmatched_records, 0,
        "every mention is in the ground truth"
    );
    for (schema, m) in &run.metrics {
        eprintln!(
            "{schema:<12} precision {:.4} recall {:.4} ({} records, {} true pairs)",
            m.precision, m.recall, m.records, m.true_pairs
        );
        assert!(
            m.true_pairs > 0,
            "{schema}: the scenario has duplicates to find"
        );
        assert!(
            m.precision >= 0.95,
            "{schema}: precision {:.4}",
            m.precision
        );
        assert!(m.recall >= 0.95, "{schema}: recall {:.4}", m.recall);
    }
}
