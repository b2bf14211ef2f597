//! Chain, file and tamper tests on in-memory logs (the same tampering against a real
//! SQLite table is in `mosaic-store-sqlite`).

use chrono::{TimeZone, Utc};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

fn t(n: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap() + chrono::Duration::seconds(n as i64)
}

fn event(n: u64) -> AuditEvent {
    AuditEvent {
        at: t(n),
        actor: Actor::new(
            format!("user:fr-ncc:usr:u{}", n % 3),
            Some(AgencyId::parse("fr-paf").unwrap()),
        ),
        // every action but `checkpoint`, whose detail must be a real signature
        action: AuditAction::ALL[n as usize % (AuditAction::ALL.len() - 1)],
        object: Some(format!("fr-ncc:rep:r{n}")),
        purpose: "case work".into(),
        case: Some(CaseId::parse("fr-ncc:case:c1").unwrap()),
        result: if n.is_multiple_of(5) {
            Outcome::Denied
        } else {
            Outcome::Allowed
        },
        detail: json!({"n": n}),
    }
}

/// A chain of `n` sealed records.
fn chain(n: u64) -> Vec<AuditRecord> {
    let mut out: Vec<AuditRecord> = Vec::new();
    for i in 1..=n {
        let prev = out.last().map_or(GENESIS.to_owned(), |r| r.hash.clone());
        out.push(seal(&event(i), i, &prev));
    }
    out
}

fn lines(recs: &[AuditRecord]) -> Vec<String> {
    recs.iter().map(|r| export_line(r).unwrap()).collect()
}

fn verify_lines(lines: &[String], opts: VerifyOptions) -> VerifyReport {
    let text = lines.join("\n") + "\n";
    verify_jsonl(text.as_bytes(), opts).unwrap()
}

fn verify_records(recs: &[AuditRecord], opts: VerifyOptions) -> VerifyReport {
    let mut v = Verifier::new(opts);
    for r in recs {
        if !v.push(Location::Row(r.seq), r) {
            break;
        }
    }
    v.finish()
}

/// Rewrites line `i` (0-based) with `f` applied to its entry, recomputing its hash as an
/// informed forger would.
fn reforge(line: &str, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut v: Value = serde_json::from_str(line).unwrap();
    let m = v.as_object_mut().unwrap();
    m.remove("hash");
    f(m);
    let body = jcs::to_string(&v);
    let rec = AuditRecord {
        seq: 0,
        hash: sha256_hex(body.as_bytes()),
        body,
        columns: None,
    };
    export_line(&rec).unwrap()
}

#[test]
fn a_clean_chain_verifies() {
    let recs = chain(20);
    let r = verify_lines(&lines(&recs), VerifyOptions::default());
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.entries, 20);
    assert_eq!(r.head.unwrap().hash, recs[19].hash);
    let r = verify_records(&recs, VerifyOptions::default());
    assert!(r.is_ok(), "{r}");
    assert_eq!(
        verify_lines(&[], VerifyOptions::default()).to_string(),
        "ok: the audit log is empty; signed checkpoints: 0"
    );
}

#[test]
fn entries_round_trip_and_are_versioned() {
    let recs = chain(3);
    let e = recs[1].entry().unwrap();
    assert_eq!(e.seq, 2);
    assert_eq!(e.prev, recs[0].hash);
    assert_eq!(e.event, event(2));
    assert!(recs[0].body.starts_with(r#"{"action":"#));
    assert!(recs[0].body.contains(r#""format":"mosaic.audit/1""#));
    // The exported line reads back to the same record (minus the store's columns).
    let back = parse_line(&export_line(&recs[2]).unwrap()).unwrap();
    assert_eq!(
        (back.seq, &back.hash, &back.body),
        (3, &recs[2].hash, &recs[2].body)
    );
}

#[test]
fn the_hash_is_sha256_of_the_canonical_body() {
    // Pinned so the format cannot drift silently: changing it needs a new FORMAT tag.
    let rec = seal(&event(1), 1, GENESIS);
    assert_eq!(
        rec.body,
        concat!(
            r#"{"action":"logout","actor":{"agency":"fr-paf","id":"user:fr-ncc:usr:u1"},"#,
            r#""at":"2025-03-01T09:00:01Z","case":"fr-ncc:case:c1","detail":{"n":1},"#,
            r#""format":"mosaic.audit/1","object":"fr-ncc:rep:r1","#,
            r#""prev":"0000000000000000000000000000000000000000000000000000000000000000","#,
            r#""purpose":"case work","result":"allowed","seq":1}"#
        )
    );
    assert_eq!(rec.hash, sha256_hex(rec.body.as_bytes()));
}

#[test]
fn nothing_is_truncated_however_large() {
    // Far past MISP's 64 KiB: 3 MiB of detail, with every kind of character.
    let big: String = "é\"\\\n\u{1}x".repeat(3 * 1024 * 1024 / 8);
    let mut ev = event(1);
    ev.detail = json!({"diff": big});
    let rec = seal(&ev, 1, GENESIS);
    let line = export_line(&rec).unwrap();
    let back = parse_line(&line).unwrap();
    assert_eq!(back.body, rec.body);
    assert_eq!(back.entry().unwrap().event.detail["diff"], json!(big));
    let r = verify_lines(&[line], VerifyOptions::default());
    assert!(r.is_ok(), "{r}");
}

#[test]
fn reformatted_lines_still_verify() {
    let recs = chain(3);
    let mut ls = lines(&recs);
    let v: Value = serde_json::from_str(&ls[1]).unwrap();
    ls[1] = serde_json::to_string(&v).unwrap().replace(',', " , ");
    assert!(verify_lines(&ls, VerifyOptions::default()).is_ok());
}

#[test]
fn an_edited_entry_is_found() {
    let mut ls = lines(&chain(10));
    ls[4] = ls[4].replace("\"purpose\":\"case work\"", "\"purpose\":\"curiosity\"");
    let r = verify_lines(&ls, VerifyOptions::default());
    assert_eq!(
        r.problem,
        Some(Problem::Edited {
            seq: 5,
            at: Location::Line(5),
            how: Edit::ContentChanged
        })
    );
    assert_eq!(r.entries, 4);
    assert_eq!(
        r.problem.unwrap().to_string(),
        "entry 5 (line 5) was edited: its content does not match its hash"
    );
}

#[test]
fn an_edit_with_a_recomputed_hash_is_found() {
    let mut ls = lines(&chain(10));
    ls[4] = reforge(&ls[4], |m| {
        m.insert("result".into(), json!("allowed"));
    });
    let r = verify_lines(&ls, VerifyOptions::default());
    assert_eq!(
        r.problem,
        Some(Problem::Edited {
            seq: 5,
            at: Location::Line(5),
            how: Edit::HashRecomputed
        })
    );
}

#[test]
fn a_replaced_entry_is_found() {
    let mut ls = lines(&chain(10));
    ls[4] = reforge(&ls[4], |m| {
        m.insert("prev".into(), json!("ab".repeat(32)));
    });
    let r = verify_lines(&ls, VerifyOptions::default());
    assert_eq!(
        r.problem,
        Some(Problem::Edited {
            seq: 5,
            at: Location::Line(5),
            how: Edit::Replaced
        })
    );
}

#[test]
fn deleted_entries_are_found() {
    let mut ls = lines(&chain(10));
    ls.remove(3);
    let r = verify_lines(&ls, VerifyOptions::default());
    assert_eq!(
        r.problem,
        Some(Problem::Deleted {
            first: 4,
            last: 4,
            at: Location::Line(4)
        })
    );
    let mut ls = lines(&chain(10));
    ls.drain(2..5);
    let p = verify_lines(&ls, VerifyOptions::default()).problem.unwrap();
    assert_eq!(
        p.to_string(),
        "entries 3 to 5 were deleted (they should start at line 3)"
    );
    // The head of the log too.
    let mut ls = lines(&chain(10));
    ls.remove(0);
    assert!(matches!(
        verify_lines(&ls, VerifyOptions::default()).problem,
        Some(Problem::Deleted {
            first: 1,
            last: 1,
            ..
        })
    ));
}

#[test]
fn inserted_entries_are_found() {
    // A copy.
    let mut ls = lines(&chain(10));
    ls.insert(6, ls[3].clone());
    let r = verify_lines(&ls, VerifyOptions::default());
    assert_eq!(
        r.problem,
        Some(Problem::Inserted {
            seq: 4,
            at: Location::Line(7),
            other: Some(Location::Line(4)),
            copy: true
        })
    );
    // A forged entry that links properly to its predecessor.
    let mut ls = lines(&chain(10));
    let forged = reforge(&ls[4], |m| {
        m.insert("object".into(), json!("fr-ncc:rep:forged"));
    });
    ls.insert(4, forged);
    let r = verify_lines(&ls, VerifyOptions::default());
    assert_eq!(
        r.problem,
        Some(Problem::Inserted {
            seq: 5,
            at: Location::Line(6),
            other: Some(Location::Line(5)),
            copy: false
        })
    );
    // A forged entry that does not even link.
    let mut ls = lines(&chain(10));
    let forged = reforge(&ls[4], |m| {
        m.insert("prev".into(), json!("cd".repeat(32)));
    });
    ls.insert(4, forged);
    let r = verify_lines(&ls, VerifyOptions::default());
    assert_eq!(
        r.problem,
        Some(Problem::Inserted {
            seq: 5,
            at: Location::Line(5),
            other: Some(Location::Line(6)),
            copy: false
        })
    );
}

#[test]
fn reordered_entries_are_found() {
    let mut ls = lines(&chain(10));
    ls.swap(6, 7);
    let r = verify_lines(&ls, VerifyOptions::default());
    assert_eq!(
        r.problem,
        Some(Problem::Reordered {
            seq: 7,
            expected_at: Location::Line(7),
            found_at: Location::Line(8)
        })
    );
    // Moved far back.
    let mut ls = lines(&chain(30));
    let moved = ls.remove(2);
    ls.insert(25, moved);
    assert_eq!(
        verify_lines(&ls, VerifyOptions::default()).problem,
        Some(Problem::Reordered {
            seq: 3,
            expected_at: Location::Line(3),
            found_at: Location::Line(26)
        })
    );
}

#[test]
fn unreadable_lines_are_named() {
    let mut ls = lines(&chain(5));
    ls[2] = "{not json".into();
    assert!(matches!(
        verify_lines(&ls, VerifyOptions::default()).problem,
        Some(Problem::Malformed {
            at: Location::Line(3),
            ..
        })
    ));
    let mut ls = lines(&chain(5));
    ls[2] = reforge(&ls[2], |m| {
        m.insert("format".into(), json!("mosaic.audit/9"));
    });
    let p = verify_lines(&ls, VerifyOptions::default()).problem.unwrap();
    assert!(p.to_string().contains("unknown format"), "{p}");
}

#[test]
fn a_cut_tail_is_found_with_an_anchor() {
    let recs = chain(10);
    let anchor = Anchor {
        seq: 9,
        hash: recs[8].hash.clone(),
    };
    let opts = VerifyOptions {
        anchors: vec![anchor.clone()],
        ..Default::default()
    };
    let ls = lines(&recs);
    let r = verify_lines(&ls, opts.clone());
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.anchors_checked, 1);
    // Without the anchor the cut is invisible; with it, it is not.
    assert!(verify_lines(&ls[..7], VerifyOptions::default()).is_ok());
    assert_eq!(
        verify_lines(&ls[..7], opts.clone()).problem,
        Some(Problem::Truncated {
            anchor_seq: 9,
            last_seq: 7
        })
    );
    // A log rewritten from entry 5 on no longer matches the anchor.
    let mut forged = recs[..4].to_vec();
    for i in 5..=10 {
        let mut ev = event(i);
        ev.purpose = "rewritten".into();
        let prev = forged.last().unwrap().hash.clone();
        forged.push(seal(&ev, i, &prev));
    }
    assert!(verify_records(&forged, VerifyOptions::default()).is_ok());
    assert_eq!(
        verify_records(&forged, opts).problem,
        Some(Problem::Edited {
            seq: 9,
            at: Location::Row(9),
            how: Edit::DiffersFromAnchor
        })
    );
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// A chain with a signed checkpoint after every `every` entries.
fn chain_with_checkpoints(n: u64, every: u64, k: &SigningKey) -> Vec<AuditRecord> {
    let mut out: Vec<AuditRecord> = Vec::new();
    let mut i = 0;
    while (out.len() as u64) < n {
        let seq = out.len() as u64 + 1;
        let prev = out.last().map_or(GENESIS.to_owned(), |r| r.hash.clone());
        let ev = if seq.is_multiple_of(every + 1) {
            checkpoint_event(k, Actor::system("test"), t(seq), seq - 1, &prev)
        } else {
            i += 1;
            event(i)
        };
        out.push(seal(&ev, seq, &prev));
    }
    out
}

#[test]
fn checkpoints_verify_and_pin_the_key() {
    let k = key(7);
    let recs = chain_with_checkpoints(20, 4, &k);
    let trusted = VerifyOptions {
        trusted_keys: vec![k.verifying_key()],
        ..Default::default()
    };
    let r = verify_records(&recs, trusted.clone());
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.checkpoints, 4);
    assert_eq!(r.last_checkpoint, Some(20));
    assert_eq!(
        r.checkpoint_keys,
        vec![hex::encode(k.verifying_key().as_bytes())]
    );

    // Someone with write access but without the centre's key deletes entry 3 and
    // rewrites everything after it, re-signing checkpoints with a key of their own.
    let mallory = key(9);
    let mut forged = recs[..2].to_vec();
    for r in &recs[3..] {
        let e = r.entry().unwrap();
        let seq = forged.len() as u64 + 1;
        let prev = forged.last().unwrap().hash.clone();
        let ev = if e.event.action == AuditAction::Checkpoint {
            checkpoint_event(&mallory, e.event.actor.clone(), e.event.at, seq - 1, &prev)
        } else {
            e.event
        };
        forged.push(seal(&ev, seq, &prev));
    }
    assert!(verify_records(&forged, VerifyOptions::default()).is_ok());
    let p = verify_records(&forged, trusted.clone()).problem.unwrap();
    assert!(
        matches!(&p, Problem::BadCheckpoint { seq: 4, reason, .. } if reason.contains("not a trusted key")),
        "{p}"
    );

    // Re-chaining without re-signing leaves a checkpoint that signs the wrong entry.
    let mut rechained = recs[..2].to_vec();
    for r in &recs[3..] {
        let e = r.entry().unwrap();
        let seq = rechained.len() as u64 + 1;
        let prev = rechained.last().unwrap().hash.clone();
        rechained.push(seal(&e.event, seq, &prev));
    }
    let p = verify_records(&rechained, VerifyOptions::default())
        .problem
        .unwrap();
    assert!(
        matches!(&p, Problem::BadCheckpoint { reason, .. } if reason.contains("not the entry before it")),
        "{p}"
    );
}

#[test]
fn a_bad_checkpoint_signature_is_found() {
    let k = key(7);
    let recs = chain_with_checkpoints(5, 4, &k);
    let mut ls = lines(&recs);
    ls[4] = reforge(&ls[4], |m| {
        let sig = m["detail"]["signature"].as_str().unwrap().to_owned();
        let flipped = format!("{}{}", if &sig[..1] == "0" { "1" } else { "0" }, &sig[1..]);
        m.get_mut("detail").unwrap()["signature"] = json!(flipped);
    });
    let p = verify_lines(&ls, VerifyOptions::default()).problem.unwrap();
    assert!(
        matches!(&p, Problem::BadCheckpoint { seq: 5, reason, .. } if reason.contains("does not verify")),
        "{p}"
    );
}

#[test]
fn a_partial_export_verifies_when_allowed() {
    let ls = lines(&chain(10));
    let tail = &ls[4..];
    let partial = VerifyOptions {
        partial: true,
        ..Default::default()
    };
    let r = verify_lines(tail, partial);
    assert!(r.is_ok(), "{r}");
    assert_eq!((r.first_seq, r.entries), (Some(5), 6));
    assert!(matches!(
        verify_lines(tail, VerifyOptions::default()).problem,
        Some(Problem::Deleted {
            first: 1,
            last: 4,
            ..
        })
    ));
}

#[test]
fn changed_columns_are_edits() {
    let mut recs = chain(5);
    recs[2].columns.as_mut().unwrap().actor = "user:someone-else".into();
    assert_eq!(
        verify_records(&recs, VerifyOptions::default()).problem,
        Some(Problem::Edited {
            seq: 3,
            at: Location::Row(3),
            how: Edit::Column("actor".into())
        })
    );
}

#[derive(Clone, Copy, Debug)]
enum Tamper {
    Edit,
    Recompute,
    Delete,
    Duplicate,
    Swap,
}

proptest! {
    /// Every kind of tampering, anywhere in a chain of any length, is found and named
    /// at the right entry.
    #[test]
    fn tampering_is_always_found(
        n in 2u64..40,
        at in 0usize..40,
        how in prop_oneof![
            Just(Tamper::Edit),
            Just(Tamper::Recompute),
            Just(Tamper::Delete),
            Just(Tamper::Duplicate),
            Just(Tamper::Swap)
        ],
    ) {
        let mut ls = lines(&chain(n));
        // The last entry can be changed or cut off unnoticed without an anchor:
        // keep the target before it where that matters.
        let i = at % (n as usize - 1);
        let seq = i as u64 + 1;
        let problem = match how {
            Tamper::Edit => {
                ls[i] = ls[i].replace("case work", "case wOrk");
                verify_lines(&ls, VerifyOptions::default()).problem
            }
            Tamper::Recompute => {
                ls[i] = reforge(&ls[i], |m| { m.insert("purpose".into(), json!("other")); });
                verify_lines(&ls, VerifyOptions::default()).problem
            }
            Tamper::Delete => {
                ls.remove(i);
                verify_lines(&ls, VerifyOptions::default()).problem
            }
            Tamper::Duplicate => {
                ls.insert(i + 1, ls[i].clone());
                verify_lines(&ls, VerifyOptions::default()).problem
            }
            Tamper::Swap => {
                ls.swap(i, i + 1);
                verify_lines(&ls, VerifyOptions::default()).problem
            }
        };
        let problem = problem.expect("tampering must be found");
        if matches!(how, Tamper::Recompute) && i + 2 == n as usize {
            // Nothing follows the entry that no longer links: which of the two was
            // changed cannot be told, and the report says so.
            prop_assert_eq!(problem, Problem::Unlinked { seq: seq + 1, at: Location::Line(seq + 1) });
            return Ok(());
        }
        prop_assert_eq!(problem.seq(), Some(seq), "{}", problem);
        let kind_ok = match how {
            Tamper::Edit => matches!(problem, Problem::Edited { how: Edit::ContentChanged, .. }),
            Tamper::Recompute => matches!(problem, Problem::Edited { how: Edit::HashRecomputed, .. }),
            Tamper::Delete => matches!(problem, Problem::Deleted { .. }),
            Tamper::Duplicate => matches!(problem, Problem::Inserted { copy: true, .. }),
            Tamper::Swap => matches!(problem, Problem::Reordered { .. }),
        };
        prop_assert!(kind_ok, "{:?} gave {}", how, problem);
    }
}
