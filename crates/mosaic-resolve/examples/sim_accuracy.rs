//! Exploratory: resolve a generated scenario and print pairwise scores and sample errors.
//! `cargo run --release -p mosaic-resolve --example sim_accuracy -- [noise] [demo|default]`
#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;

use mosaic_model::Schema;
use mosaic_resolve::ResolverConfig;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let noise: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0.3);
    let mut cfg = mosaic_sim::SimConfig::demo(42);
    if args.get(2).map(String::as_str) == Some("default") {
        cfg = mosaic_sim::SimConfig::default();
    }
    cfg.noise = noise;
    let dir = tempfile::tempdir().unwrap();
    let t = std::time::Instant::now();
    let run = support::run(&cfg, dir.path(), ResolverConfig::default()).await;
    println!(
        "noise {noise}: {:.1}s, stats {:?}",
        t.elapsed().as_secs_f64(),
        run.resolver.stats()
    );
    println!("unmatched records: {}", run.unmatched_records);
    for (k, m) in &run.metrics {
        println!(
            "{k:<12} P {:.4} R {:.4} F1 {:.4} ({} records, {} true pairs, {} predicted)",
            m.precision, m.recall, m.f1, m.records, m.true_pairs, m.predicted_pairs
        );
    }
    let mut resolver = run.resolver;
    for t in [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99] {
        resolver.set_match_probability(t);
        let assign: HashMap<_, _> = resolver.assignments().into_iter().collect();
        let items = resolver
            .records()
            .iter()
            .filter(|r| r.schema == Schema::Person)
            .filter_map(|r| {
                let m = &r.mentions[0];
                run.truth
                    .entity_of(
                        m.agency.as_str(),
                        m.source_ref.as_deref().unwrap_or(""),
                        &m.key,
                    )
                    .map(|t| (assign[&r.id].clone(), t.to_owned()))
            });
        let m = mosaic_resolve::eval::pairwise(items);
        println!(
            "threshold {t}: P {:.4} R {:.4} F1 {:.4}",
            m.precision, m.recall, m.f1
        );
    }
    resolver.set_match_probability(ResolverConfig::default().match_probability);
    let run = support::Run { resolver, ..run };
    println!(
        "model: λ={:.4} m={:?}\nu={:?}",
        run.resolver.model().lambda,
        run.resolver.model().m,
        run.resolver.model().u
    );
    // sample errors for persons
    let assign: HashMap<_, _> = run.resolver.assignments().into_iter().collect();
    let want = std::env::var("SCHEMA").unwrap_or_else(|_| "Person".into());
    let schema = Schema::parse(&want).unwrap();
    let recs: Vec<_> = run
        .resolver
        .records()
        .iter()
        .filter(|r| r.schema == schema)
        .collect();
    let truth_of = |r: &mosaic_resolve::Record| {
        let m = &r.mentions[0];
        run.truth
            .entity_of(
                m.agency.as_str(),
                m.source_ref.as_deref().unwrap_or(""),
                &m.key,
            )
            .map(str::to_owned)
    };
    let mut by_truth: HashMap<String, Vec<&mosaic_resolve::Record>> = HashMap::new();
    let mut by_pred: HashMap<String, Vec<&mosaic_resolve::Record>> = HashMap::new();
    for r in &recs {
        if let Some(t) = truth_of(r) {
            by_truth.entry(t).or_default().push(r);
        }
        by_pred
            .entry(assign[&r.id].to_string())
            .or_default()
            .push(r);
    }
    let show = |r: &mosaic_resolve::Record| {
        format!(
            "{} [{}] b={:?} nat={:?} keys={:?}",
            r.names
                .iter()
                .map(|n| n.original.clone())
                .collect::<Vec<_>>()
                .join(" / "),
            r.mentions[0].agency,
            r.birth.map(|b| b.to_string()),
            r.nationality,
            r.all_keys().map(|k| k.key.to_string()).collect::<Vec<_>>()
        )
    };
    let mut shown = 0;
    println!("--- missed (same truth, different clusters)");
    for (t, v) in &by_truth {
        let clusters: std::collections::BTreeSet<_> =
            v.iter().map(|r| assign[&r.id].to_string()).collect();
        if clusters.len() > 1 && shown < 12 {
            shown += 1;
            println!("truth {t}:");
            for r in v {
                println!("   {} -> {}", show(r), assign[&r.id]);
            }
            if v.len() >= 2 {
                if let Some(e) = run.resolver.explain(&v[0].id, &v[1].id) {
                    print!("{e}");
                }
            }
        }
    }
    if let Ok(t) = std::env::var("DEBUG_TRUTH") {
        let v = &by_truth[&t];
        let idx: HashMap<_, _> = run
            .resolver
            .records()
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i as u32))
            .collect();
        let mine: std::collections::HashSet<u32> = v.iter().map(|r| idx[&r.id]).collect();
        for l in run.resolver.links() {
            if mine.contains(&l.a) && mine.contains(&l.b) {
                let (ra, rb) = (
                    &run.resolver.records()[l.a as usize],
                    &run.resolver.records()[l.b as usize],
                );
                if assign[&ra.id] != assign[&rb.id] {
                    println!(
                        "link {:.3} {:?}: {} | {} conflict={:?}",
                        l.probability,
                        l.by,
                        show(ra),
                        show(rb),
                        run.resolver.conflict(&ra.id, &rb.id)
                    );
                }
            }
        }
    }
    shown = 0;
    println!("--- false merges");
    for (c, v) in &by_pred {
        let ts: std::collections::BTreeSet<_> = v.iter().filter_map(|r| truth_of(r)).collect();
        if ts.len() > 1 && shown < 12 {
            shown += 1;
            println!("cluster {c}: truths {ts:?}");
            for r in v {
                println!("   {} truth={:?}", show(r), truth_of(r));
            }
        }
    }
}
