//! `mosaic restrict` and `mosaic retention run` end to end (issue 6): a restriction is a
//! new version; retention purges expired reports (tombstone kept), flags reviews, and
//! writes audit entries that verify.

mod support;

use support::{mosaic, ok};

fn report(n: u32, review: Option<&str>, until: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "agency": "fr-paf", "report_type": "interception", "source_ref": format!("RET-{n}"),
        "reported_at": "2025-03-01T10:00:00Z", "handling": "H0", "tlp": "AMBER",
        "classification": "restricted", "narrative": format!("retention report {n}"),
        "review_at": review, "retain_until": until,
        "entities": [{"key": "p", "schema": "Person", "properties": {"name": [format!("Person Ret{n}")]}}]
    })
}

#[test]
fn restrict_and_retention_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["init", "--centre", "fr-ncc"]);
    let file = dir.path().join("r.jsonl");
    let lines: Vec<String> = [
        report(1, None, Some("2025-06-30")),
        report(2, Some("2025-06-01"), None),
        report(3, None, None),
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    ok(&data, &["import", file.to_str().unwrap()]);
    let export = ok(&data, &["export"]);
    let id_of = |n: u32| -> String {
        let line = export
            .lines()
            .find(|l| l.contains(&format!("RET-{n}\"")))
            .unwrap();
        serde_json::from_str::<serde_json::Value>(line).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (r1, r2, r3) = (id_of(1), id_of(2), id_of(3));

    // restrict: only as the provider, never looser
    let out = ok(
        &data,
        &["restrict", &r3, "--as-agency", "fr-paf", "--tlp", "RED"],
    );
    assert!(out.contains("version 2"), "{out}");
    assert!(!mosaic(
        &data,
        &["restrict", &r3, "--as-agency", "fr-gn", "--tlp", "RED"]
    )
    .status
    .success());
    assert!(!mosaic(
        &data,
        &["restrict", &r3, "--as-agency", "fr-paf", "--tlp", "GREEN"]
    )
    .status
    .success());

    let dry = ok(
        &data,
        &["retention", "run", "--dry-run", "--today", "2025-07-01"],
    );
    assert!(dry.contains(&format!("would purge {r1}")), "{dry}");
    assert!(dry.contains(&format!("would flag {r2}")), "{dry}");
    assert!(
        ok(&data, &["export"]).contains(&r1),
        "a dry run changes nothing"
    );

    let run = ok(
        &data,
        &["retention", "run", "--today", "2025-07-01", "--json"],
    );
    let s: serde_json::Value = serde_json::from_str(&run).unwrap();
    assert_eq!(s["purged"][0]["report_id"], r1.as_str());
    assert_eq!(s["flagged"][0]["report_id"], r2.as_str());
    let after = ok(&data, &["export"]);
    assert!(!after.contains(&r1) && after.contains(&r2) && after.contains(&r3));
    let tomb = ok(&data, &["retention", "tombstones"]);
    assert!(tomb.contains(&r1), "{tomb}");
    // nothing more to do on a second run
    let again = ok(
        &data,
        &["retention", "run", "--today", "2025-07-01", "--json"],
    );
    let s: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        (
            s["purged"].as_array().unwrap().len(),
            s["flagged"].as_array().unwrap().len()
        ),
        (0, 0)
    );
    // one audit entry per action (restrict, purge, flag), and the chain verifies
    assert!(ok(&data, &["audit", "verify"]).starts_with("ok:"));
    let audit = dir.path().join("audit.jsonl");
    ok(&data, &["audit", "export", "-o", audit.to_str().unwrap()]);
    let entries = std::fs::read_to_string(&audit).unwrap();
    assert!(entries.contains("\"retention\":\"purged\""), "{entries}");
    assert!(entries.contains("\"retention\":\"review_due\""));
    assert!(entries.contains("\"restrict\""));
}
