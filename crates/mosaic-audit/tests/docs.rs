//! The example in docs/audit.md is real: the two lines verify offline, their hashes are
//! what the text says they are, and changing any value is detected.

use mosaic_audit::{sha256_hex, verify_jsonl, Edit, Location, Problem, VerifyOptions};

fn example() -> Vec<String> {
    let doc = include_str!("../../../docs/audit.md");
    let block = doc
        .split("```jsonl\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("docs/audit.md has a jsonl example");
    block.lines().map(str::to_owned).collect()
}

#[test]
fn the_example_verifies_offline() {
    let lines = example();
    assert_eq!(lines.len(), 2);
    let r = verify_jsonl(lines.join("\n").as_bytes(), VerifyOptions::default()).unwrap();
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.entries, 2);
}

#[test]
fn the_hash_by_hand_is_as_described() {
    for line in example() {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        let hash = v["hash"].as_str().unwrap();
        let by_hand = line.replace(&format!("\"hash\":\"{hash}\","), "");
        assert_eq!(sha256_hex(by_hand.as_bytes()), hash);
    }
}

#[test]
fn a_changed_value_is_found() {
    let mut lines = example();
    lines[0] = lines[0].replace("\"hits\":3", "\"hits\":0");
    let r = verify_jsonl(lines.join("\n").as_bytes(), VerifyOptions::default()).unwrap();
    assert_eq!(
        r.problem,
        Some(Problem::Edited {
            seq: 1,
            at: Location::Line(1),
            how: Edit::ContentChanged
        })
    );
}
