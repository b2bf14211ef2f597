//! Diagnostic: which links put different people into one cluster.
//!
//! `cargo run --release -p mosaic-resolve --example false_merges -- [noise] [demo|default] [seed]`
//!
//! Replays the links that built each cluster (the ones `--explain` shows) and finds
//! those joining two groups of different true people: each is counted with the false
//! pairs it created (the product of the two groups' sizes, counted per true person),
//! by comparison pattern and by how it joined (a link above the threshold, or
//! corroborated), so the commonest cause of lost precision shows first. Then a few
//! examples with their feature-by-feature explanation.
#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};

use mosaic_model::Schema;
use mosaic_resolve::ResolverConfig;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let noise: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0.3);
    let mut cfg = match args.get(2).map(String::as_str) {
        Some("demo") => mosaic_sim::SimConfig::demo(42),
        _ => mosaic_sim::SimConfig::default(),
    };
    if let Some(seed) = args.get(3).and_then(|s| s.parse().ok()) {
        cfg.seed = seed;
    }
    cfg.noise = noise;
    let dir = tempfile::tempdir().unwrap();
    let run = support::run(&cfg, dir.path(), ResolverConfig::default()).await;
    let res = &run.resolver;
    let m = run.metrics["Person"];
    println!(
        "seed {} noise {noise}: persons P {:.4} R {:.4} F1 {:.4} ({} records, {} predicted pairs, {} false)",
        cfg.seed,
        m.precision,
        m.recall,
        m.f1,
        m.records,
        m.predicted_pairs,
        m.predicted_pairs - m.true_positive_pairs
    );
    let truth_of = |id: &mosaic_model::EntityId| {
        let r = res.record(id)?;
        let mm = &r.mentions[0];
        run.truth
            .entity_of(
                mm.agency.as_str(),
                mm.source_ref.as_deref().unwrap_or(""),
                &mm.key,
            )
            .map(str::to_owned)
    };
    // pattern → (links, false pairs); and examples
    let mut buckets: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut examples: Vec<(u64, String)> = Vec::new();
    for (cl, members) in res.merged() {
        if res.record(&cl).is_none_or(|r| r.schema != Schema::Person) {
            continue;
        }
        let view = res.cluster(&cl).unwrap();
        // Replay the joins with a small union-find over the members, counting true
        // people per group, strongest link first (the order clustering used).
        let idx: HashMap<&mosaic_model::EntityId, usize> =
            members.iter().enumerate().map(|(i, m)| (m, i)).collect();
        let mut parent: Vec<usize> = (0..members.len()).collect();
        let mut groups: Vec<HashMap<String, u64>> = members
            .iter()
            .map(|m| {
                let mut h = HashMap::new();
                h.insert(truth_of(m).unwrap_or_default(), 1);
                h
            })
            .collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        let mut links = view.links.clone();
        links.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        for l in &links {
            let (a, b) = (idx[&l.left], idx[&l.right]);
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra == rb {
                continue;
            }
            let (ga, gb) = (
                std::mem::take(&mut groups[ra]),
                std::mem::take(&mut groups[rb]),
            );
            let total_a: u64 = ga.values().sum();
            let total_b: u64 = gb.values().sum();
            let same: u64 = ga
                .iter()
                .map(|(t, n)| n * gb.get(t).copied().unwrap_or(0))
                .sum();
            let wrong = total_a * total_b - same;
            let mut g = ga;
            for (t, n) in gb {
                *g.entry(t).or_default() += n;
            }
            parent[rb] = ra;
            groups[ra] = g;
            if wrong == 0 {
                continue;
            }
            let how = if l.corroborated.is_some() {
                "corroborated"
            } else if l.probability >= 0.99 {
                "strong"
            } else {
                "above threshold"
            };
            let pattern: Vec<String> = l
                .features
                .iter()
                .map(|f| {
                    format!(
                        "{}={}",
                        f.contribution.feature,
                        short(&f.contribution.level)
                    )
                })
                .collect();
            let e = buckets
                .entry(format!("{how:<15} {}", pattern.join(" ")))
                .or_default();
            e.0 += 1;
            e.1 += wrong;
            examples.push((wrong, l.to_string()));
        }
    }
    let total: u64 = buckets.values().map(|v| v.1).sum();
    println!("false pairs created by wrong joins (replayed): {total}");
    let mut v: Vec<_> = buckets.into_iter().collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1 .1));
    println!("{:>7} {:>6}  how / pattern", "pairs", "links");
    for (p, (n, w)) in v.iter().take(25) {
        println!("{w:>7} {n:>6}  {p}");
    }
    examples.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (w, e) in examples.iter().take(8) {
        println!("\n-- {w} false pairs");
        print!("{e}");
    }
}

fn short(level: &str) -> String {
    level
        .split([',', ' '])
        .take(2)
        .collect::<Vec<_>>()
        .join("_")
}
