//! Search latency at scale (issue 7): p50/p99 of searches over an index built from a
//! generated scenario.
//!
//! `MOSAIC_SEARCH_BENCH_STATEMENTS=10M cargo bench -p mosaic-search --bench search`
//! (default 1M statements; `MOSAIC_SEARCH_BENCH_QUERIES` per kind, default 500).
//!
//! The scenario is generated with `mosaic_sim` (seed 42, default noise), its files read
//! with the importer's own readers (current version of each report, as a store keeps),
//! and every report indexed on disk exactly as `SearchIndex::rebuild` does. Queries are
//! drawn from the ground truth: person names as one agency or another writes them,
//! phone numbers written nationally, narrative words, and a name with a time window —
//! each through the system scope and through an analyst's union scope (own agency up to
//! RED plus every agency up to AMBER, H0–H1), which every query carries as a required
//! clause. No harness: one run, printed as a markdown table.
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

use chrono::TimeZone;
use mosaic_io::source::{CsvRows, JsonLines, RecordSource};
use mosaic_model::{AgencyId, CentreId, Classification, HandlingCode, Report, ReportId, Tlp};
use mosaic_search::{SearchIndex, SearchRequest};
use mosaic_store::{LabelFilter, Scope, ScopeFilter};

fn each_report(dir: &Path, centre: &CentreId, mut each: impl FnMut(Report)) {
    for f in mosaic_sim::data_files(dir) {
        let csv = f.extension().is_some_and(|e| e == "csv");
        let mapping = csv.then(|| {
            let stem = f.file_stem().unwrap().to_str().unwrap();
            mosaic_io::Mapping::load(&f.with_file_name(format!("{stem}.mapping.toml")))
                .expect("mapping loads")
        });
        let declared = mapping.as_ref().and_then(|m| m.source.encoding.clone());
        let (reader, _, _) = mosaic_io::encoding::open(&f, declared.as_deref()).unwrap();
        let mut source: Box<dyn RecordSource> = match mapping {
            Some(m) => Box::new(CsvRows::new(reader, m).unwrap()),
            None => Box::new(JsonLines::new(reader)),
        };
        while let Some(rec) = source.next_record() {
            if let Ok((v, _)) = rec.unwrap().value {
                if let Ok(r) = Report::from_value(centre, &v) {
                    each(r);
                }
            }
        }
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn main() {
    let target = std::env::var("MOSAIC_SEARCH_BENCH_STATEMENTS").unwrap_or_else(|_| "1M".into());
    let per_kind: usize = std::env::var("MOSAIC_SEARCH_BENCH_QUERIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let tmp = tempfile::tempdir().unwrap();
    let scen = tmp.path().join("scenario");
    let cfg = mosaic_sim::SimConfig {
        scale: target.parse().expect("a statement count such as 10M"),
        ..mosaic_sim::SimConfig::default()
    };
    let t = Instant::now();
    let summary = mosaic_sim::generate(&cfg, &scen, &mut |_| {}).expect("scenario");
    eprintln!(
        "generated {} reports, {} statements in {:.1}s",
        summary.reports,
        summary.statements,
        t.elapsed().as_secs_f64()
    );

    // Current version of every report (a later version replaces an earlier one, as in
    // the store), then indexed once each.
    let centre = CentreId::parse("fr-ncc").unwrap();
    let mut reports: HashMap<ReportId, Report> = HashMap::new();
    each_report(&scen, &centre, |r| {
        reports.insert(r.id.clone(), r);
    });
    let agencies: Vec<mosaic_model::Agency> = mosaic_sim::agencies::AGENCIES
        .iter()
        .map(|a| mosaic_model::Agency {
            id: AgencyId::parse(a.id).unwrap(),
            name: a.name.into(),
            kind: mosaic_model::AgencyKind::parse(a.kind).unwrap(),
            country: a.country.into(),
        })
        .collect();
    let mut index = SearchIndex::open(&tmp.path().join("index")).unwrap();
    index.set_agencies(&agencies);
    let t = Instant::now();
    let n_reports = reports.len();
    for (_, r) in reports.drain() {
        index.index_report(&r).unwrap();
    }
    index.commit().unwrap();
    let index_s = t.elapsed().as_secs_f64();
    let docs = index.documents();
    eprintln!("indexed {n_reports} reports ({docs} documents) in {index_s:.1}s");

    // Queries from the ground truth, deterministic.
    let truth = mosaic_sim::truth::load(&scen).expect("truth");
    let step = |n: usize| (n / per_kind).max(1);
    let names: Vec<String> = truth
        .persons
        .iter()
        .step_by(step(truth.persons.len()))
        .take(per_kind)
        .map(|p| p.name.clone())
        .collect();
    let phones: Vec<(String, Option<String>)> = truth
        .objects
        .iter()
        .filter(|o| o.schema == "Phone")
        .step_by(step(truth.objects.len() / 4))
        .take(per_kind)
        .map(|o| {
            // As an officer types it: the national form for a French number.
            let v = o.value.clone();
            match v.strip_prefix("+33") {
                Some(rest) => (format!("0{rest}"), Some("fr".to_owned())),
                None => (v, None),
            }
        })
        .collect();
    const WORDS: &[&str] = &[
        "truck",
        "lorry",
        "boat",
        "dinghy",
        "intercepted",
        "rescued",
        "parking",
        "payment",
        "hawala",
        "passport",
        "forged",
        "driver",
        "arrest",
        "search",
        "warehouse",
    ];
    let words: Vec<String> = (0..per_kind)
        .map(|i| WORDS[i % WORDS.len()].to_owned())
        .collect();
    let start = chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();

    let analyst = Scope::union(
        ScopeFilter::any_of([
            LabelFilter {
                agencies: Some(BTreeSet::from([AgencyId::parse("fr-paf").unwrap()])),
                max_classification: Classification::Secret,
                max_tlp: Tlp::Red,
                handling: HandlingCode::ALL.iter().copied().collect(),
            },
            LabelFilter {
                agencies: None,
                max_classification: Classification::Restricted,
                max_tlp: Tlp::Amber,
                handling: [HandlingCode::H0, HandlingCode::H1].into_iter().collect(),
            },
        ]),
        "bench analyst",
    );
    let system = Scope::system("bench");

    type Make<'a> = Box<dyn Fn(usize) -> SearchRequest + 'a>;
    let kinds: Vec<(&str, usize, Make<'_>)> = vec![
        (
            "person name (fuzzy, transliterated)",
            names.len(),
            Box::new(|i| SearchRequest {
                query: names[i].clone(),
                limit: 20,
                ..Default::default()
            }),
        ),
        (
            "phone number written nationally",
            phones.len(),
            Box::new(|i| SearchRequest {
                query: phones[i].0.clone(),
                default_country: phones[i].1.clone(),
                limit: 20,
                ..Default::default()
            }),
        ),
        (
            "narrative word",
            words.len(),
            Box::new(|i| SearchRequest {
                query: words[i].clone(),
                limit: 20,
                ..Default::default()
            }),
        ),
        (
            "name + 30-day window",
            names.len(),
            Box::new(|i| SearchRequest {
                query: names[i].clone(),
                from: Some(start + chrono::Duration::days((i % 330) as i64)),
                until: Some(start + chrono::Duration::days((i % 330) as i64 + 30)),
                limit: 20,
                ..Default::default()
            }),
        ),
    ];
    println!(
        "{} statements, {} reports, {} documents; index built in {:.0} s ({:.0} reports/s)\n",
        summary.statements,
        n_reports,
        docs,
        index_s,
        n_reports as f64 / index_s
    );
    println!("| query | scope | queries | p50 ms | p99 ms | mean hits |");
    println!("|---|---|---:|---:|---:|---:|");
    for (label, n, make) in &kinds {
        for (sname, scope) in [("system", &system), ("analyst (union)", &analyst)] {
            // One warm-up pass so the numbers are of a warm index (page cache, tantivy's
            // caches), as a running server's would be.
            for i in 0..(*n).min(20) {
                index.search(scope, &make(i)).unwrap();
            }
            let mut lat = Vec::with_capacity(*n);
            let mut total = 0usize;
            for i in 0..*n {
                let req = make(i);
                let t = Instant::now();
                let res = index.search(scope, &req).unwrap();
                lat.push(t.elapsed().as_secs_f64() * 1e3);
                total += res.total;
            }
            let p50 = pct(&mut lat, 0.5);
            let p99 = pct(&mut lat, 0.99);
            println!(
                "| {label} | {sname} | {n} | {p50:.2} | {p99:.2} | {:.0} |",
                total as f64 / *n as f64
            );
        }
    }
}
