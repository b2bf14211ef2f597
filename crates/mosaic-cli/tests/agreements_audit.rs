//! `mosaic agreement …` and `mosaic audit …` end to end: three centres each record the
//! same document, sign it with their own key and exchange signatures; the agreement comes
//! into force only with all three; decisions cite the clause; suspension stops sharing;
//! the audit trail of it all verifies on the store and offline, and an edited export is
//! caught.
//!
//! Ignored until `main.rs` wires the two command groups (see the `run` functions in
//! `src/cmd_agreement.rs` and `src/cmd_audit.rs`); remove the `ignore` then.

mod support;

use support::{fails, ok};

/// The value after `prefix` on the line that has it.
fn after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {text}"))
        .trim()
}

const ID: &str = "fr-ncc:agr:channel-2025";

#[test]

fn three_centres_sign_share_suspend_and_audit() {
    let tmp = tempfile::tempdir().unwrap();
    let centres = [("fr-ncc", "fr"), ("be-ncc", "be"), ("fr-ngo-refuge", "fr")];
    let dirs: Vec<_> = centres.iter().map(|(c, _)| tmp.path().join(c)).collect();
    // The worked example of docs/agreements.md, with each centre's own key.
    let mut doc = include_str!("../../../docs/agreements.md")
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap()
        .replace("valid_from = \"2025-04-01\"\n", "")
        .replace("valid_until = \"2027-03-31\"\n", "");
    let test_keys = [
        "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c",
        "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394",
        "ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1",
    ];
    for (i, ((centre, country), dir)) in centres.iter().zip(&dirs).enumerate() {
        ok(
            dir,
            &[
                "init",
                "--centre",
                centre,
                "--name",
                centre,
                "--country",
                country,
            ],
        );
        let out = ok(dir, &["agreement", "keygen"]);
        let public = after(&out, "Public key:");
        assert!(!out.contains("secret_key"));
        doc = doc.replace(test_keys[i], public);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = dir.join("keys/centre.ed25519.key");
            let mode = std::fs::metadata(key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
    let file = tmp.path().join("channel.toml");
    std::fs::write(&file, doc).unwrap();
    let file = file.to_str().unwrap();

    // Each centre records the same text: one hash.
    let hashes: Vec<String> = dirs
        .iter()
        .map(|d| {
            after(
                &ok(d, &["agreement", "draft", file]),
                "Hash (what every party signs):",
            )
            .to_owned()
        })
        .collect();
    assert!(hashes.iter().all(|h| h == &hashes[0]));

    // Each signs with its own key; fr-ncc records the others' signatures.
    let sigs: Vec<String> = dirs
        .iter()
        .map(|d| {
            after(
                &ok(d, &["agreement", "sign", ID]),
                "Signature (send it to the other parties):",
            )
            .to_owned()
        })
        .collect();
    let fr = &dirs[0];
    let check = [
        "agreement",
        "check",
        "--to",
        "be-ncc",
        "--category",
        "suspect_personal_data",
        "--handling",
        "H1",
        "--tlp",
        "AMBER",
        "--purpose",
        "investigation",
    ];
    assert!(ok(fr, &check).starts_with("denied: agreement fr-ncc:agr:channel-2025 is not in force"));
    // A signature over the same hash by the wrong party does not count.
    let err = fails(
        fr,
        &[
            "agreement",
            "sign",
            ID,
            "--party",
            "be-ncc",
            "--signature",
            &sigs[2],
        ],
    );
    assert!(err.contains("does not verify"), "{err}");
    ok(
        fr,
        &[
            "agreement",
            "sign",
            ID,
            "--party",
            "be-ncc",
            "--signature",
            &sigs[1],
        ],
    );
    assert!(ok(fr, &check).starts_with("denied"));
    let last = ok(
        fr,
        &[
            "agreement",
            "sign",
            ID,
            "--party",
            "fr-ngo-refuge",
            "--signature",
            &sigs[2],
        ],
    );
    assert!(last.contains("is in force"), "{last}");

    assert_eq!(
        ok(fr, &check).trim(),
        "allowed by fr-ncc:agr:channel-2025 version 1, clause 3.1"
    );
    let misuse = [
        "agreement",
        "check",
        "--to",
        "be-ncc",
        "--category",
        "migrant_personal_data",
        "--handling",
        "H0",
        "--tlp",
        "AMBER",
        "--purpose",
        "investigation",
    ];
    assert!(ok(fr, &misuse).contains("for protection only"));
    ok(
        fr,
        &[
            "agreement",
            "suspend",
            ID,
            "--reason",
            "leak under investigation",
        ],
    );
    assert!(ok(fr, &check).contains("suspended by fr-ncc"));
    assert!(ok(fr, &["agreement", "list"]).contains("suspended"));
    assert!(ok(fr, &["agreement", "show", ID, "--canonical"]).starts_with("{\"channel\""));

    // The audit trail of all this verifies, on the store and offline.
    ok(
        fr,
        &[
            "audit",
            "checkpoint",
            "--out",
            tmp.path().join("anchors.jsonl").to_str().unwrap(),
        ],
    );
    assert!(ok(fr, &["audit", "verify"]).starts_with("ok:"));
    let export = tmp.path().join("audit.jsonl");
    ok(fr, &["audit", "export", "-o", export.to_str().unwrap()]);
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(
        text.contains("\"clause\":\"3.1\""),
        "decisions are audited with their clause"
    );
    let elsewhere = tmp.path().join("nowhere");
    let anchors = tmp.path().join("anchors.jsonl");
    let out = ok(
        &elsewhere,
        &[
            "audit",
            "verify",
            "--file",
            export.to_str().unwrap(),
            "--anchor",
            anchors.to_str().unwrap(),
            "--key",
            dirs[0].join("keys/centre.ed25519.pub").to_str().unwrap(),
        ],
    );
    assert!(out.starts_with("ok:"), "{out}");
    // An edited copy is caught, at its line.
    let edited = text.replacen("\"result\":\"allowed\"", "\"result\":\"denied\"", 1);
    std::fs::write(&export, edited).unwrap();
    let out = fails(
        &elsewhere,
        &["audit", "verify", "--file", export.to_str().unwrap()],
    );
    assert!(out.contains("was edited"), "{out}");
    assert!(out.contains("(line "), "{out}");
}
