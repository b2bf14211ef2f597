//! Mosaic's half of the side-by-side with Splink (`bench/resolve.py` drives both).
//!
//! `cargo run --release -p mosaic-resolve --example resolve_bench -- generate SCALE SEED OUT`
//! writes a scenario as `mosaic sim --seed SEED --scale SCALE --out OUT` does (default
//! noise), with the generator library, so the benchmark need not build the whole CLI.
//!
//! `cargo run --release -p mosaic-resolve --example resolve_bench -- prepare SCENARIO OUT`
//! reads a scenario written by `mosaic sim` straight from its files (the importer's own
//! readers, no store: the current version of each report, as the store would keep),
//! writes the person mentions as a table for Splink (`OUT/persons.csv`) and their true
//! entities (`OUT/truth.csv`), then resolves the same person records with Mosaic's
//! resolver, timed, and writes `OUT/mosaic_clusters.csv` and `OUT/mosaic.json`.
//!
//! `… -- score OUT/truth.csv CLUSTERS.csv` scores any `unique_id,cluster_id` file with
//! the same pairwise code (`mosaic_resolve::eval::pairwise`), so both tools are scored
//! alike.
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use mosaic_io::source::{CsvRows, JsonLines, RecordSource};
use mosaic_model::{CentreId, Report, ReportId, Schema};
use mosaic_resolve::key::KeyKind;
use mosaic_resolve::name::to_ascii;
use mosaic_resolve::{records_of, Context, Record, Resolver, ResolverConfig};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") if args.len() == 5 => {
            let cfg = mosaic_sim::SimConfig {
                seed: args[3].parse().expect("seed is a number"),
                scale: args[2]
                    .parse()
                    .expect("scale: demo, default, large or e.g. 1.3M"),
                ..mosaic_sim::SimConfig::default()
            };
            let summary = mosaic_sim::generate(&cfg, Path::new(&args[4]), &mut |_| {})
                .expect("scenario generates");
            println!("{}", serde_json::to_string(&summary).unwrap());
        }
        Some("prepare") if args.len() == 4 => prepare(Path::new(&args[2]), Path::new(&args[3])),
        Some("score") if args.len() == 4 => {
            let m = score(Path::new(&args[2]), Path::new(&args[3]));
            println!("{}", serde_json::to_string(&m).unwrap());
        }
        _ => {
            eprintln!(
                "usage: resolve_bench generate SCALE SEED OUT | prepare SCENARIO OUT | score TRUTH CLUSTERS"
            );
            std::process::exit(2);
        }
    }
}

/// Every report of a scenario's data files, current versions only, in file order.
pub fn scenario_reports(dir: &Path, centre: &CentreId, mut each: impl FnMut(Report)) {
    for f in mosaic_sim::data_files(dir) {
        let csv = f.extension().is_some_and(|e| e == "csv");
        let (mapping, declared) = if csv {
            let stem = f.file_stem().unwrap().to_str().unwrap();
            let m = mosaic_io::Mapping::load(&f.with_file_name(format!("{stem}.mapping.toml")))
                .expect("mapping loads");
            let enc = m.source.encoding.clone();
            (Some(m), enc)
        } else {
            (None, None)
        };
        let (reader, _, _) = mosaic_io::encoding::open(&f, declared.as_deref()).unwrap();
        let mut source: Box<dyn RecordSource> = match mapping {
            Some(m) => Box::new(CsvRows::new(reader, m).unwrap()),
            None => Box::new(JsonLines::new(reader)),
        };
        while let Some(rec) = source.next_record() {
            let rec = rec.unwrap();
            // Rejects (the generator's deliberately broken records) are skipped, as the
            // importer does.
            if let Ok((v, _)) = rec.value {
                if let Ok(r) = Report::from_value(centre, &v) {
                    each(r);
                }
            }
        }
    }
}

fn agencies() -> Vec<mosaic_model::Agency> {
    mosaic_sim::agencies::AGENCIES
        .iter()
        .map(|a| mosaic_model::Agency {
            id: mosaic_model::AgencyId::parse(a.id).unwrap(),
            name: a.name.into(),
            kind: mosaic_model::AgencyKind::parse(a.kind).unwrap(),
            country: a.country.into(),
        })
        .collect()
}

/// Lower-case ASCII letters, digits and single spaces: the cleaning Splink's docs ask
/// of the user before linking.
fn clean(s: &str) -> String {
    let a = to_ascii(s);
    let mut out = String::with_capacity(a.len());
    for w in a.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !w.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

fn prepare(scenario: &Path, out: &Path) {
    std::fs::create_dir_all(out).unwrap();
    let centre = CentreId::parse("fr-ncc").unwrap();
    let ctx = Context::new(&agencies());
    let t_read = Instant::now();
    // report id → (its person records, first/last names as written per record)
    type Row = (Record, Option<String>, Option<String>);
    let mut by_report: HashMap<ReportId, Vec<Row>> = HashMap::new();
    let mut order: Vec<ReportId> = Vec::new();
    scenario_reports(scenario, &centre, |r| {
        let recs = records_of(&r, &ctx);
        let rows: Vec<Row> = r
            .entities
            .iter()
            .zip(recs)
            .filter(|(m, _)| m.schema == Schema::Person)
            .map(|(m, rec)| {
                let p = |k: &str| {
                    m.properties
                        .get(k)
                        .and_then(|v| v.first())
                        .map(|s| clean(s))
                };
                (rec, p("firstName"), p("lastName"))
            })
            .collect();
        if by_report.insert(r.id.clone(), rows).is_none() {
            order.push(r.id);
        }
    });
    let truth = mosaic_sim::truth::load(scenario).expect("truth loads");
    // One record per entity id, as the resolver keeps them.
    let mut idx: HashMap<mosaic_model::EntityId, usize> = HashMap::new();
    let mut rows: Vec<Row> = Vec::new();
    for id in &order {
        for row in by_report.remove(id).unwrap() {
            match idx.get(&row.0.id) {
                Some(&i) => rows[i].0.absorb(row.0),
                None => {
                    idx.insert(row.0.id.clone(), rows.len());
                    rows.push(row);
                }
            }
        }
    }
    let read_s = t_read.elapsed().as_secs_f64();

    let mut tw = csv::Writer::from_path(out.join("truth.csv")).unwrap();
    tw.write_record(["unique_id", "truth"]).unwrap();
    let mut pw = csv::Writer::from_path(out.join("persons.csv")).unwrap();
    pw.write_record([
        "unique_id",
        "first_name",
        "surname",
        "full_name",
        "dob",
        "birth_year",
        "nationality",
        "gender",
        "phone",
        "document",
        "email",
    ])
    .unwrap();
    let mut unmatched = 0;
    for (rec, first, last) in &rows {
        let m = &rec.mentions[0];
        let Some(t) = truth.entity_of(
            m.agency.as_str(),
            m.source_ref.as_deref().unwrap_or(""),
            &m.key,
        ) else {
            unmatched += 1;
            continue;
        };
        tw.write_record([rec.id.as_str(), t]).unwrap();
        // First and last name as the provider split them; when it wrote one `name`, its
        // first token and the rest (Splink's forename/surname comparison also tries the
        // two swapped).
        let full = rec
            .names
            .first()
            .map(|n| clean(&n.original))
            .unwrap_or_default();
        let (first, last) = match (first, last) {
            (Some(f), Some(l)) => (f.clone(), l.clone()),
            _ => match full.split_once(' ') {
                Some((f, l)) => (f.to_owned(), l.to_owned()),
                None => (full.clone(), String::new()),
            },
        };
        let key = |k: KeyKind| {
            rec.all_keys()
                .find(|x| x.key.kind == k)
                .map(|x| x.key.value.clone())
                .unwrap_or_default()
        };
        let dob = rec
            .birth
            .filter(|b| b.is_full())
            .map(|b| b.to_string())
            .unwrap_or_default();
        pw.write_record([
            rec.id.as_str(),
            &first,
            &last,
            &full,
            &dob,
            &rec.birth.map(|b| b.year.to_string()).unwrap_or_default(),
            &rec.nationality.first().cloned().unwrap_or_default(),
            rec.gender.as_deref().unwrap_or(""),
            &key(KeyKind::Phone),
            &key(KeyKind::Document),
            &key(KeyKind::Email),
        ])
        .unwrap();
    }
    tw.flush().unwrap();
    pw.flush().unwrap();

    // Mosaic on the same person records: blocking, training, scoring, clustering.
    let records: Vec<Record> = rows.into_iter().map(|(r, _, _)| r).collect();
    let n = records.len();
    let t = Instant::now();
    let mut cfg = ResolverConfig::default();
    // For experiments: `MOSAIC_CORROBORATION=inf` turns corroborated joins off.
    if let Some(c) = std::env::var("MOSAIC_CORROBORATION")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        cfg.corroboration = c;
    }
    // `MOSAIC_BLOCK_CAP`, `MOSAIC_BLOCK_WINDOW`, `MOSAIC_TYPO_BLOCK_CAP`: blocking bounds.
    let env = |k: &str| std::env::var(k).ok().and_then(|s| s.parse::<usize>().ok());
    if let Some(v) = env("MOSAIC_BLOCK_CAP") {
        cfg.block_cap = v;
    }
    if let Some(v) = env("MOSAIC_BLOCK_WINDOW") {
        cfg.block_window = v;
    }
    if let Some(v) = env("MOSAIC_TYPO_BLOCK_CAP") {
        cfg.typo_block_cap = v;
    }
    // `MOSAIC_THREADS`: comparison workers (default: all cores).
    if let Some(v) = env("MOSAIC_THREADS") {
        cfg.threads = v;
    }
    // `MOSAIC_MATCH_PROBABILITY`, `MOSAIC_REVIEW_PROBABILITY`: thresholds.
    let envf = |k: &str| std::env::var(k).ok().and_then(|s| s.parse::<f64>().ok());
    if let Some(v) = envf("MOSAIC_MATCH_PROBABILITY") {
        cfg.match_probability = v;
    }
    if let Some(v) = envf("MOSAIC_REVIEW_PROBABILITY") {
        cfg.review_probability = v;
    }
    let resolver = Resolver::build(records, &[], cfg);
    let resolve_s = t.elapsed().as_secs_f64();
    let clusters = out.join("mosaic_clusters.csv");
    {
        let mut w = csv::Writer::from_path(&clusters).unwrap();
        w.write_record(["unique_id", "cluster_id"]).unwrap();
        for (rec, cl) in resolver.assignments() {
            w.write_record([rec.as_str(), cl.as_str()]).unwrap();
        }
        w.flush().unwrap();
    }
    let metrics = score(&out.join("truth.csv"), &clusters);
    let summary = serde_json::json!({
        "person_records": n,
        "not_in_truth": unmatched,
        "read_seconds": read_s,
        "resolve_seconds": resolve_s,
        "stats": resolver.stats(),
        "metrics": metrics,
    });
    let mut f = std::fs::File::create(out.join("mosaic.json")).unwrap();
    writeln!(f, "{summary}").unwrap();
    println!("{summary}");
}

fn score(truth: &Path, clusters: &Path) -> mosaic_resolve::eval::PairMetrics {
    let mut t: HashMap<String, String> = HashMap::new();
    for r in csv::Reader::from_path(truth).unwrap().records() {
        let r = r.unwrap();
        t.insert(r[0].to_owned(), r[1].to_owned());
    }
    let mut items = Vec::with_capacity(t.len());
    for r in csv::Reader::from_path(clusters).unwrap().records() {
        let r = r.unwrap();
        if let Some(tr) = t.get(&r[0]) {
            items.push((r[1].to_owned(), tr.clone()));
        }
    }
    // A record a tool dropped counts as a singleton, so it cannot hide its misses.
    let listed: std::collections::HashSet<String> = csv::Reader::from_path(clusters)
        .unwrap()
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    for (id, tr) in &t {
        if !listed.contains(id) {
            items.push((format!("singleton:{id}"), tr.clone()));
        }
    }
    mosaic_resolve::eval::pairwise(items)
}
