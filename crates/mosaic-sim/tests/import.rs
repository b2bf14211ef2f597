//! The generated scenario imports with the real importer into a fresh store: the only
//! rejects are the faults the generator injected, each with the rule the ground truth
//! names, and the store holds exactly the reports, duplicates, versions and statements
//! the generator says it wrote.

use std::collections::BTreeSet;
use std::path::Path;

use mosaic_io::{import_file, ImportOptions, Quiet};
use mosaic_model::{Centre, CentreId};
use mosaic_sim::{data_files, generate, truth, SimConfig};
use mosaic_store::Store;
use mosaic_store_sqlite::SqliteStore;

async fn import_all(
    dir: &Path,
    store_dir: &Path,
) -> Vec<(String, mosaic_io::ImportSummary, Vec<mosaic_store::Reject>)> {
    let store = SqliteStore::open(store_dir).await.expect("store");
    let centre = Centre {
        id: CentreId::parse("xx-sim").unwrap(),
        name: "Simulation centre".into(),
        country: "be".into(),
    };
    store.set_centre(&centre).await.expect("centre");
    let rejects_dir = store_dir.join("rejects");
    std::fs::create_dir_all(&rejects_dir).unwrap();
    let opts = ImportOptions {
        rejects_dir: Some(rejects_dir),
        ..Default::default()
    };
    let mut out = Vec::new();
    for f in data_files(dir) {
        let name = f.file_name().unwrap().to_str().unwrap().to_owned();
        let s = import_file(&store, &centre.id, &f, &opts, &Quiet)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let rejects = store.import_rejects(&s.source_hash).await.unwrap();
        out.push((name, s, rejects));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_imports_with_exactly_the_injected_faults_rejected() {
    check_import(SimConfig::demo(7)).await;
}

/// The whole default year (random faults of every kind, every route): a few seconds to
/// generate, about a minute to import. `cargo test -p mosaic-sim -- --ignored`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn default_year_imports_with_exactly_the_injected_faults_rejected() {
    check_import(SimConfig::default()).await;
}

async fn check_import(cfg: SimConfig) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("scenario");
    let summary = generate(&cfg, &data, &mut |_| {}).expect("generate");
    let truth = truth::load(&data).expect("truth");
    assert!(!truth.faults.is_empty(), "the demo must show rejects");

    let results = import_all(&data, &dir.path().join("store")).await;
    assert_eq!(results.len(), summary.files.len());
    let mut total_statements = 0;
    for (name, s, rejects) in &results {
        let expected: BTreeSet<(u64, String)> = truth
            .faults
            .iter()
            .filter(|f| &f.file == name)
            .map(|f| (f.line, f.rule.clone()))
            .collect();
        let got: BTreeSet<(u64, String)> = rejects
            .iter()
            .map(|r| (r.line, r.rule.code().to_owned()))
            .collect();
        let detail: Vec<String> = rejects
            .iter()
            .filter(|r| !expected.contains(&(r.line, r.rule.code().to_owned())))
            .map(|r| {
                format!(
                    "line {} {} {}: {} | {}",
                    r.line,
                    r.rule.code(),
                    r.field,
                    r.message,
                    r.raw
                )
            })
            .collect();
        assert_eq!(
            got,
            expected,
            "{name}: unexpected rejects:\n{}",
            detail.join("\n")
        );
        assert_eq!(
            rejects.len(),
            expected.len(),
            "{name}: one problem per broken record"
        );

        let fs = summary.files.iter().find(|f| &f.file == name).unwrap();
        assert_eq!(s.outcome.inserted, fs.reports, "{name}: reports");
        assert_eq!(s.outcome.duplicates, fs.duplicates, "{name}: duplicates");
        assert_eq!(s.outcome.new_versions, fs.revisions, "{name}: corrections");
        assert_eq!(s.outcome.statements, fs.statements, "{name}: statements");
        assert_eq!(s.records, fs.records, "{name}: records");
        total_statements += s.outcome.statements;
    }
    assert_eq!(total_statements, summary.statements);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_scenario_imports_without_any_reject() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("scenario");
    let cfg = SimConfig {
        noise: 0.0,
        ..SimConfig::demo(11)
    };
    generate(&cfg, &data, &mut |_| {}).expect("generate");
    let truth = truth::load(&data).unwrap();
    assert!(truth.faults.is_empty());
    for (name, s, rejects) in import_all(&data, &dir.path().join("store")).await {
        assert!(rejects.is_empty(), "{name}: {:?}", rejects.first());
        assert_eq!(s.outcome.duplicates, 0, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maximum_noise_still_breaks_only_what_it_means_to() {
    check_import(SimConfig {
        noise: 1.0,
        days: Some(30),
        ..SimConfig::demo(99)
    })
    .await;
}
