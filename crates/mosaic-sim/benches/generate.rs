//! Generation rate and peak memory of the scenario generator.
//!
//! `cargo bench -p mosaic-sim` runs the demo, the default scale and a statement target
//! (default 1 million; `MOSAIC_SIM_BENCH_STATEMENTS=10000000` for the 10 M target) and
//! prints a table. Peak memory is the process's high-water mark (VmHWM), read after each
//! run; runs go from small to large so each row's peak is that run's.

use std::time::Instant;

use mosaic_sim::{generate, Scale, SimConfig};

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            n += dir_bytes(&p);
        } else if let Ok(m) = p.metadata() {
            n += m.len();
        }
    }
    n
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let target: u64 = std::env::var("MOSAIC_SIM_BENCH_STATEMENTS")
        .ok()
        .and_then(|v| v.parse::<Scale>().ok())
        .and_then(|s| match s {
            Scale::Statements(n) => Some(n),
            _ => None,
        })
        .unwrap_or(1_000_000);
    let runs: Vec<(String, SimConfig)> = vec![
        ("demo".into(), SimConfig::demo(42)),
        ("default (1 year)".into(), SimConfig::default()),
        (
            format!("{target} statements"),
            SimConfig {
                scale: Scale::Statements(target),
                ..SimConfig::default()
            },
        ),
    ];
    let base = std::env::var_os("MOSAIC_SIM_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("mosaic-sim-bench-{}", std::process::id()));
    println!("| run | reports | statements | output MiB | seconds | statements/s | peak RSS MiB |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, cfg) in runs {
        let dir = base.join(name.split_whitespace().next().unwrap_or("run"));
        let t = Instant::now();
        let s = generate(&cfg, &dir, &mut |_| {}).expect("generate");
        let secs = t.elapsed().as_secs_f64();
        let bytes = dir_bytes(&dir);
        let hwm = vm_hwm_kib()
            .map(|k| format!("{:.0}", k as f64 / 1024.0))
            .unwrap_or("?".into());
        println!(
            "| {name} | {} | {} | {:.1} | {secs:.2} | {:.0} | {hwm} |",
            s.reports,
            s.statements,
            bytes as f64 / (1024.0 * 1024.0),
            s.statements as f64 / secs
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_dir_all(&base);
}
