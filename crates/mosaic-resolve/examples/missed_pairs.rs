//! Diagnostic: why true pairs of person mentions end up in different clusters.
//!
//! `cargo run --release -p mosaic-resolve --example missed_pairs -- [noise] [demo|default] [seed]`
//!
//! Every truly-same pair of records the resolver left apart is put in one bucket —
//! never a candidate (a blocking gap), a candidate scored below the review band, a link
//! in the review band, or a link above the threshold kept apart by a profile conflict
//! — and counted by comparison vector, so the commonest failure shows first. Then a few
//! examples of each bucket with their feature-by-feature explanation.
#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::{BTreeMap, HashMap, HashSet};

use mosaic_model::Schema;
use mosaic_resolve::compare::{person_gamma, PERSON_FEATURES};
use mosaic_resolve::resolver::block_keys;
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
    let mut rcfg = ResolverConfig::default();
    if let Some(c) = std::env::var("CORROBORATION")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        rcfg.corroboration = c;
    }
    let sweep: Vec<f64> = std::env::var("SWEEP")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_default();
    let run = support::run(&cfg, dir.path(), rcfg.clone()).await;
    if !sweep.is_empty() {
        let mut r2 = support::run(&cfg, dir.path().join("sweep").as_path(), rcfg.clone())
            .await
            .resolver;
        for t in &sweep {
            r2.set_match_probability(*t);
            let a: HashMap<_, _> = r2.assignments().into_iter().collect();
            let items = r2
                .records()
                .iter()
                .filter(|r| r.schema == Schema::Person)
                .filter_map(|r| {
                    let mm = &r.mentions[0];
                    run.truth
                        .entity_of(
                            mm.agency.as_str(),
                            mm.source_ref.as_deref().unwrap_or(""),
                            &mm.key,
                        )
                        .map(|t| (a[&r.id].clone(), t.to_owned()))
                });
            let m = mosaic_resolve::eval::pairwise(items);
            println!(
                "threshold {t}: P {:.4} R {:.4} F1 {:.4}",
                m.precision, m.recall, m.f1
            );
        }
    }
    let res = &run.resolver;
    let m = run.metrics["Person"];
    println!(
        "seed {} noise {noise}: persons P {:.4} R {:.4} F1 {:.4} ({} records, {} true pairs, {} missed)",
        cfg.seed,
        m.precision,
        m.recall,
        m.f1,
        m.records,
        m.true_pairs,
        m.true_pairs - m.true_positive_pairs
    );
    let recs = res.records();
    let assign: HashMap<_, _> = res.assignments().into_iter().collect();
    let truth_of = |i: usize| {
        let mm = &recs[i].mentions[0];
        run.truth
            .entity_of(
                mm.agency.as_str(),
                mm.source_ref.as_deref().unwrap_or(""),
                &mm.key,
            )
            .map(str::to_owned)
    };
    // Blocks, as the resolver built them, to tell a blocking gap from a low score.
    let keys: Vec<Vec<String>> = recs.iter().map(block_keys).collect();
    let mut block_size: HashMap<&str, usize> = HashMap::new();
    for ks in &keys {
        for k in ks {
            *block_size.entry(k.as_str()).or_default() += 1;
        }
    }
    let candidate = |i: usize, j: usize| {
        let a: HashSet<&String> = keys[i].iter().collect();
        keys[j]
            .iter()
            .any(|k| a.contains(k) && block_size[k.as_str()] <= rcfg.block_cap)
    };
    let link_p: HashMap<(u32, u32), f64> = res
        .links()
        .iter()
        .map(|l| ((l.a.min(l.b), l.a.max(l.b)), l.probability))
        .collect();
    let mut by_truth: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in recs.iter().enumerate() {
        if r.schema == Schema::Person {
            if let Some(t) = truth_of(i) {
                by_truth.entry(t).or_default().push(i);
            }
        }
    }
    // bucket → (pattern → count), and a few examples per bucket
    let mut buckets: BTreeMap<&str, BTreeMap<String, u64>> = BTreeMap::new();
    let mut examples: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    let mut total = 0u64;
    for v in by_truth.values() {
        for x in 0..v.len() {
            for y in x + 1..v.len() {
                let (i, j) = (v[x], v[y]);
                if assign[&recs[i].id] == assign[&recs[j].id] {
                    continue;
                }
                total += 1;
                let p = link_p.get(&(i.min(j) as u32, i.max(j) as u32)).copied();
                let bucket = match p {
                    None if !candidate(i, j) => "1 never a candidate (blocking)",
                    None => "2 candidate below the review band",
                    Some(p) if p < rcfg.match_probability => "3 in the review band",
                    Some(_) if res.conflict(&recs[i].id, &recs[j].id).is_some() => {
                        "4 linked, clusters in profile conflict"
                    }
                    Some(_) => "5 linked, clusters kept apart otherwise",
                };
                let g = person_gamma(&recs[i], &recs[j]);
                let pattern: Vec<String> = g
                    .iter()
                    .zip(PERSON_FEATURES)
                    .map(|(l, f)| match l {
                        Some(l) => format!("{}={}", f.name, l),
                        None => format!("{}=-", f.name),
                    })
                    .collect();
                *buckets
                    .entry(bucket)
                    .or_default()
                    .entry(pattern.join(" "))
                    .or_default() += 1;
                let ex = examples.entry(bucket).or_default();
                if ex.len() < 4 && !ex.iter().any(|(a, _)| truth_of(*a) == truth_of(i)) {
                    ex.push((i, j));
                }
            }
        }
    }
    println!("{total} missed pairs");
    // Which people lose the most pairs, and into how many pieces they fell.
    let mut worst: Vec<(u64, &String, Vec<usize>)> = by_truth
        .iter()
        .map(|(t, v)| {
            let mut frag: HashMap<&mosaic_model::EntityId, usize> = HashMap::new();
            for i in v {
                *frag.entry(&assign[&recs[*i].id]).or_default() += 1;
            }
            let mut sizes: Vec<usize> = frag.into_values().collect();
            sizes.sort_unstable_by(|a, b| b.cmp(a));
            let n = v.len() as u64;
            let kept: u64 = sizes.iter().map(|s| (s * (s - 1) / 2) as u64).sum();
            (n * (n - 1) / 2 - kept, t, sizes)
        })
        .filter(|(m, _, _)| *m > 0)
        .collect();
    worst.sort_by_key(|w| std::cmp::Reverse(w.0));
    println!("people losing the most pairs (missed pairs: fragment sizes):");
    for (m, t, sizes) in worst.iter().take(15) {
        let p = run
            .truth
            .person(t)
            .map(|p| format!("{} {} {}", p.name, p.kind, p.role));
        println!("  {t} {m}: {sizes:?} {}", p.unwrap_or_default());
    }
    for (b, pats) in &buckets {
        let n: u64 = pats.values().sum();
        println!("\n== {b}: {n} pairs");
        let mut v: Vec<_> = pats.iter().collect();
        v.sort_by(|x, y| y.1.cmp(x.1));
        for (p, c) in v.into_iter().take(12) {
            println!("  {c:>6}  {p}");
        }
        for (i, j) in &examples[b] {
            let (a, bb) = (&recs[*i], &recs[*j]);
            println!(
                "  -- {} [{}] vs {} [{}] (truth {:?})",
                a.id,
                a.mentions[0].agency,
                bb.id,
                bb.mentions[0].agency,
                truth_of(*i)
            );
            if let Some(c) = res.conflict(&a.id, &bb.id) {
                println!("     clusters conflict: {c}");
            }
            if let Some(e) = res.explain(&a.id, &bb.id) {
                for line in e.to_string().lines() {
                    println!("     {line}");
                }
            }
        }
    }
}
