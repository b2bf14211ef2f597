//! Generates a scenario: `cargo run -p mosaic-sim --example gen -- DIR [SCALE] [SEED] [NOISE]`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(a.get(1).map(String::as_str).unwrap_or("scenario"));
    let mut cfg = mosaic_sim::SimConfig::default();
    if let Some(s) = a.get(2) {
        cfg.scale = s.parse().expect("scale");
    }
    if let Some(s) = a.get(3) {
        cfg.seed = s.parse().expect("seed");
    }
    if let Some(s) = a.get(4) {
        cfg.noise = s.parse().expect("noise");
    }
    let t = std::time::Instant::now();
    let s = mosaic_sim::generate(&cfg, &dir, &mut |_| {}).expect("generate");
    eprintln!(
        "{} reports, {} statements in {:?}",
        s.reports,
        s.statements,
        t.elapsed()
    );
}
