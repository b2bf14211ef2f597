//! The `mosaic` binary end to end: init, import, export, stats, idempotence, round trip,
//! and a kill -9 in the middle of an import.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::{mosaic, ok, INIT};

fn stats(data: &Path) -> Value {
    let s: Value = serde_json::from_str(&ok(data, &["stats", "--json"])).unwrap();
    s["stats"].clone()
}

/// Every report of this fixture asserts exactly `STATEMENTS_PER_REPORT` statements.
const STATEMENTS_PER_REPORT: u64 = 6;

fn report(n: usize) -> Value {
    json!({
        "agency": "fr-paf",
        "report_type": "interception",
        "source_ref": format!("PAF-{n}"),
        "reported_at": format!("2025-01-01T00:00:{:02}Z", n % 60),
        "handling": "H0",
        "tlp": "AMBER",
        "classification": "restricted",
        "narrative": "x".repeat(200),
        "entities": [
            {"key": "d", "schema": "Person", "properties": {"name": [format!("Driver {n}")], "nationality": ["af"]}},
            {"key": "t", "schema": "Vehicle", "properties": {"registrationNumber": [format!("AA-{n:06}")], "country": ["fr"], "operator": ["d"]}}
        ],
        "roles": [{"entity": "d", "role": "driver"}]
    })
}

fn write_reports(path: &Path, n: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        serde_json::to_writer(&mut f, &report(i)).unwrap();
        f.write_all(b"\n").unwrap();
    }
    f.flush().unwrap();
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, INIT);
    (dir, data)
}

#[test]
fn commands_need_an_initialised_folder_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nothing");
    let out = mosaic(&data, &["stats"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("init"), "{err}");
    assert!(
        !data.exists(),
        "a failed command must not create the folder"
    );
    let out = mosaic(&data, &["init", "--centre", "Not A Slug"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--centre"));
}

#[test]
fn every_command_has_help() {
    for cmd in ["init", "import", "export", "stats", "demo"] {
        let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
            .args([cmd, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: mosaic"),
            "{cmd}"
        );
    }
}

#[test]
fn import_is_idempotent_and_round_trips() {
    let (dir, data) = setup();
    let file = dir.path().join("r.jsonl");
    write_reports(&file, 300);
    let out = ok(&data, &["import", file.to_str().unwrap()]);
    assert!(out.contains("300 new reports"), "{out}");
    let first = stats(&data);
    assert_eq!(first["reports"], 300);
    assert_eq!(first["statements"], 300 * STATEMENTS_PER_REPORT);
    let out = ok(&data, &["import", file.to_str().unwrap()]);
    assert!(out.contains("already imported"), "{out}");
    assert_eq!(stats(&data), first);

    // export → import into a fresh folder → export: identical bytes
    let exported = dir.path().join("export.jsonl");
    ok(&data, &["export", "--out", exported.to_str().unwrap()]);
    let data2 = dir.path().join("data2");
    ok(&data2, &["init", "--centre", "be-ncc"]);
    ok(&data2, &["import", exported.to_str().unwrap()]);
    let again = ok(&data2, &["export"]);
    assert_eq!(again, std::fs::read_to_string(&exported).unwrap());
    let s2 = stats(&data2);
    assert_eq!(
        (&s2["reports"], &s2["statements"], &s2["entities"]),
        (&first["reports"], &first["statements"], &first["entities"])
    );
}

#[test]
fn bad_rows_are_rejected_with_reasons_and_good_rows_land() {
    let (dir, data) = setup();
    let file = dir.path().join("mixed.jsonl");
    let mut lines: Vec<String> = (0..1000).map(|n| report(n).to_string()).collect();
    // ~3% bad rows of different kinds
    for i in (0..1000).step_by(33) {
        let mut v = report(i);
        match i % 3 {
            0 => v["reported_at"] = json!("yesterday"),
            1 => v["entities"][0]["properties"]["nationality"] = json!(["xx"]),
            _ => v["handling"] = json!("H3"),
        }
        lines[i] = v.to_string();
    }
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = ok(&data, &["import", "--json", file.to_str().unwrap()]);
    let summary: Value = serde_json::from_str(&out).unwrap();
    let bad = (0..1000).step_by(33).count() as u64;
    assert_eq!(summary[0]["outcome"]["inserted"], 1000 - bad);
    assert_eq!(summary[0]["rejected"], bad);
    let rejects = std::fs::read_to_string(dir.path().join("mixed.jsonl.rejects.jsonl")).unwrap();
    let rejects: Vec<Value> = rejects
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rejects.len() as u64, bad);
    for r in &rejects {
        let line = r["line"].as_u64().unwrap() as usize;
        let (field, rule) = match (line - 1) % 3 {
            0 => ("reported_at", "date"),
            1 => ("entities[0].properties.nationality[0]", "property_type"),
            _ => ("handling_conditions", "handling"),
        };
        assert_eq!(
            (r["field"].as_str().unwrap(), r["rule"].as_str().unwrap()),
            (field, rule),
            "{r}"
        );
        assert!(!r["message"].as_str().unwrap().is_empty());
    }
}

/// kill -9 in the middle of an import leaves a consistent store, and running the import
/// again completes it with exactly the result of an uninterrupted import.
#[test]
fn kill_9_mid_import_leaves_a_consistent_store_and_rerun_completes() {
    let (dir, data) = setup();
    let file = dir.path().join("big.jsonl");
    let n = 40_000;
    write_reports(&file, n);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .arg("--data-dir")
        .arg(&data)
        .args(["import", "--batch-size", "200", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches are committed, then kill without warning.
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(25));
        let out = mosaic(&data, &["stats", "--json"]);
        if out.status.success() {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            if v["stats"]["reports"].as_u64().unwrap_or(0) > 0 {
                break;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "import never committed a batch"
        );
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let mid = stats(&data);
    let reports = mid["reports"].as_u64().unwrap();
    assert!(reports > 0);
    assert!(
        reports < n as u64,
        "the import finished before it was killed; the test proves nothing — make the file larger"
    );
    // whole reports only: every stored report has all of its statements
    assert_eq!(
        mid["statements"].as_u64().unwrap(),
        reports * STATEMENTS_PER_REPORT
    );
    // and whole batches only
    assert_eq!(reports % 200, 0, "a partial batch survived: {reports}");

    let out = ok(
        &data,
        &["import", "--batch-size", "200", file.to_str().unwrap()],
    );
    assert!(out.contains("resumed after"), "{out}");
    let done = stats(&data);
    assert_eq!(done["reports"], n as u64);
    assert_eq!(done["statements"], n as u64 * STATEMENTS_PER_REPORT);
    assert_eq!(done["rejects"], 0);
}
