//! The shared audit suite, and tamper tests: each opens the database file behind the
//! store's back and changes the table with SQL, as someone with access to the file
//! could, then checks that `verify` names the first problem and where it is.

use std::path::Path;
use std::sync::Arc;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row};

use mosaic_audit::{
    sha256_hex, Actor, Anchor, Edit, Location, Problem, SigningKey, VerifyOptions, VerifyReport,
};
use mosaic_model::jcs;
use mosaic_store::audit::{checkpoint, export_jsonl, verify, AuditStore};
use mosaic_store::conformance_audit::{event, AuditHarness};

use super::*;
use crate::DB_FILE;

async fn make() -> AuditHarness {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    AuditHarness {
        audit: Arc::new(store),
        keep: Box::new(dir),
    }
}

mod conformance {
    use super::*;
    mosaic_store::conformance_audit_tests!(make());
}

/// A store with `n` entries in a fresh folder.
async fn store_with(n: u64) -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(dir.path()).await.unwrap();
    let events: Vec<_> = (1..=n).map(event).collect();
    s.append_audit_batch(&events).await.unwrap();
    (dir, s)
}

/// A connection of our own to the store's file: the tamperer's.
async fn raw(dir: &Path) -> SqliteConnection {
    let opts = SqliteConnectOptions::new().filename(dir.join(DB_FILE));
    SqliteConnection::connect_with(&opts).await.unwrap()
}

/// What someone with the file does first: removes the append-only triggers and the
/// uniqueness constraints, keeping the rows.
async fn unprotect(c: &mut SqliteConnection) {
    sqlx::raw_sql(
        "DROP TRIGGER audit_log_no_update;
         DROP TRIGGER audit_log_no_delete;
         CREATE TABLE audit_plain AS SELECT * FROM audit_log;
         DROP TABLE audit_log;
         ALTER TABLE audit_plain RENAME TO audit_log;",
    )
    .execute(&mut *c)
    .await
    .unwrap();
}

async fn exec(c: &mut SqliteConnection, sql: &str) {
    sqlx::raw_sql(sql).execute(&mut *c).await.unwrap();
}

async fn body(c: &mut SqliteConnection, seq: i64) -> (String, String) {
    let r = sqlx::query("SELECT body, prev FROM audit_log WHERE seq = ?")
        .bind(seq)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

/// Rewrites entry `seq` with `f` applied to its body, recomputing its hash (as an
/// informed attacker would).
async fn reforge(
    c: &mut SqliteConnection,
    seq: i64,
    f: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) {
    let (b, _) = body(c, seq).await;
    let mut v: serde_json::Value = serde_json::from_str(&b).unwrap();
    f(v.as_object_mut().unwrap());
    let nb = jcs::to_string(&v);
    sqlx::query("UPDATE audit_log SET body = ?, hash = ? WHERE seq = ?")
        .bind(&nb)
        .bind(sha256_hex(nb.as_bytes()))
        .bind(seq)
        .execute(&mut *c)
        .await
        .unwrap();
}

/// Moves rows with seq >= `from` by `by` places, one row at a time, in an order that
/// never needs two rows at the same number.
async fn shift(c: &mut SqliteConnection, from: i64, by: i64) {
    let mut seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM audit_log WHERE seq >= ?")
        .bind(from)
        .fetch_all(&mut *c)
        .await
        .unwrap();
    seqs.sort_unstable();
    if by > 0 {
        seqs.reverse();
    }
    for s in seqs {
        sqlx::query("UPDATE audit_log SET seq = ? WHERE seq = ?")
            .bind(s + by)
            .bind(s)
            .execute(&mut *c)
            .await
            .unwrap();
    }
}

async fn check(s: &SqliteStore) -> VerifyReport {
    verify(s, VerifyOptions::default()).await.unwrap()
}

#[tokio::test]
async fn the_table_refuses_updates_and_deletes() {
    let (dir, _s) = store_with(3).await;
    let mut c = raw(dir.path()).await;
    for sql in [
        "UPDATE audit_log SET body = 'x' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 3",
    ] {
        let err = sqlx::raw_sql(sql).execute(&mut c).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
}

#[tokio::test]
async fn an_edited_entry_is_found() {
    let (dir, s) = store_with(10).await;
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    exec(
        &mut c,
        "UPDATE audit_log SET body = replace(body, 'case work', 'curiosity') WHERE seq = 5",
    )
    .await;
    let r = check(&s).await;
    assert_eq!(
        r.problem,
        Some(Problem::Edited {
            seq: 5,
            at: Location::Row(5),
            how: Edit::ContentChanged
        })
    );
    assert_eq!(r.entries, 4);
    // The exported file shows the same problem offline, by line.
    let mut out = Vec::new();
    export_jsonl(&s, 0, &mut out).await.unwrap();
    let offline = mosaic_audit::verify_jsonl(out.as_slice(), VerifyOptions::default()).unwrap();
    assert_eq!(
        offline.problem,
        Some(Problem::Edited {
            seq: 5,
            at: Location::Line(5),
            how: Edit::ContentChanged
        })
    );
}

#[tokio::test]
async fn an_edit_with_a_recomputed_hash_is_found() {
    let (dir, s) = store_with(10).await;
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    reforge(&mut c, 5, |m| {
        m.insert("detail".into(), serde_json::json!({"n": "nothing to see"}));
    })
    .await;
    assert_eq!(
        check(&s).await.problem,
        Some(Problem::Edited {
            seq: 5,
            at: Location::Row(5),
            how: Edit::HashRecomputed
        })
    );
}

#[tokio::test]
async fn an_edited_column_is_found() {
    let (dir, s) = store_with(10).await;
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    exec(
        &mut c,
        "UPDATE audit_log SET actor = 'user:fr-ncc:usr:someone-else' WHERE seq = 6",
    )
    .await;
    assert_eq!(
        check(&s).await.problem,
        Some(Problem::Edited {
            seq: 6,
            at: Location::Row(6),
            how: Edit::Column("actor".into())
        })
    );
}

#[tokio::test]
async fn a_deleted_entry_is_found() {
    let (dir, s) = store_with(10).await;
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    exec(&mut c, "DELETE FROM audit_log WHERE seq = 5").await;
    assert_eq!(
        check(&s).await.problem,
        Some(Problem::Deleted {
            first: 5,
            last: 5,
            at: Location::Row(6)
        })
    );
}

#[tokio::test]
async fn a_deletion_hidden_by_renumbering_is_found() {
    let (dir, s) = store_with(10).await;
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    exec(&mut c, "DELETE FROM audit_log WHERE seq IN (4, 5)").await;
    shift(&mut c, 6, -2).await;
    let r = check(&s).await;
    assert_eq!(
        r.problem,
        Some(Problem::Deleted {
            first: 4,
            last: 5,
            at: Location::Row(4)
        })
    );
    assert_eq!(
        r.problem.unwrap().to_string(),
        "entries 4 to 5 were deleted (they should start at stored row 4)"
    );
}

#[tokio::test]
async fn an_inserted_entry_is_found() {
    let (dir, s) = store_with(10).await;
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    // A forged entry 5, properly linked to entry 4, slipped in before the genuine one.
    let (b, _) = body(&mut c, 5).await;
    let mut v: serde_json::Value = serde_json::from_str(&b).unwrap();
    v["object"] = serde_json::json!("fr-ncc:rep:planted");
    let forged = jcs::to_string(&v);
    shift(&mut c, 5, 1).await;
    sqlx::query(
        "INSERT INTO audit_log (seq, prev, hash, body, at, actor, agency, action, object, result) \
         SELECT 5, prev, ?, ?, at, actor, agency, action, 'fr-ncc:rep:planted', result FROM audit_log WHERE seq = 6",
    )
    .bind(sha256_hex(forged.as_bytes()))
    .bind(&forged)
    .execute(&mut c)
    .await
    .unwrap();
    assert_eq!(
        check(&s).await.problem,
        Some(Problem::Inserted {
            seq: 5,
            at: Location::Row(6),
            other: Some(Location::Row(5)),
            copy: false
        })
    );
}

#[tokio::test]
async fn a_copied_entry_is_found() {
    let (dir, s) = store_with(10).await;
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    shift(&mut c, 8, 1).await;
    exec(
        &mut c,
        "INSERT INTO audit_log SELECT 8, prev, hash, body, at, actor, agency, action, object, result FROM audit_log WHERE seq = 3",
    )
    .await;
    assert_eq!(
        check(&s).await.problem,
        Some(Problem::Inserted {
            seq: 3,
            at: Location::Row(8),
            other: Some(Location::Row(3)),
            copy: true
        })
    );
}

#[tokio::test]
async fn reordered_entries_are_found() {
    let (dir, s) = store_with(10).await;
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    exec(
        &mut c,
        "UPDATE audit_log SET seq = -1 WHERE seq = 5;
         UPDATE audit_log SET seq = 5 WHERE seq = 6;
         UPDATE audit_log SET seq = 6 WHERE seq = -1;",
    )
    .await;
    let r = check(&s).await;
    assert_eq!(
        r.problem,
        Some(Problem::Reordered {
            seq: 5,
            expected_at: Location::Row(5),
            found_at: Location::Row(6)
        })
    );
}

#[tokio::test]
async fn a_cut_tail_is_found_with_an_anchor() {
    let (dir, s) = store_with(10).await;
    let key = SigningKey::from_bytes(&[5; 32]);
    let cp = checkpoint(&s, &key, &Actor::system("test")).await.unwrap();
    let more: Vec<_> = (11..=15).map(event).collect();
    s.append_audit_batch(&more).await.unwrap();
    // The data-protection officer keeps the checkpoint elsewhere.
    let anchor = Anchor {
        seq: cp.seq,
        hash: cp.hash.clone(),
    };
    let opts = VerifyOptions {
        trusted_keys: vec![key.verifying_key()],
        anchors: vec![anchor],
        partial: false,
    };
    assert!(verify(&s, opts.clone()).await.unwrap().is_ok());

    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    exec(&mut c, "DELETE FROM audit_log WHERE seq >= 9").await;
    // The chain alone cannot see a cut tail…
    assert!(check(&s).await.is_ok());
    // …the anchor can.
    assert_eq!(
        verify(&s, opts).await.unwrap().problem,
        Some(Problem::Truncated {
            anchor_seq: 11,
            last_seq: 8
        })
    );
}

#[tokio::test]
async fn a_rewritten_history_fails_the_trusted_checkpoint() {
    let (dir, s) = store_with(6).await;
    let key = SigningKey::from_bytes(&[5; 32]);
    checkpoint(&s, &key, &Actor::system("test")).await.unwrap();
    let more: Vec<_> = (8..=10).map(event).collect();
    s.append_audit_batch(&more).await.unwrap();
    let mut c = raw(dir.path()).await;
    unprotect(&mut c).await;
    // Edit entry 3 and re-chain everything after it, hashes and all — but without the
    // centre's key the checkpoint (entry 7) cannot be re-signed.
    reforge(&mut c, 3, |m| {
        m.insert("purpose".into(), serde_json::json!("rewritten"));
    })
    .await;
    for seq in 4..=10 {
        let (_, prev_hash): (String, String) = {
            let r = sqlx::query("SELECT body, hash FROM audit_log WHERE seq = ?")
                .bind(seq - 1)
                .fetch_one(&mut c)
                .await
                .unwrap();
            (r.get(0), r.get(1))
        };
        reforge(&mut c, seq, |m| {
            m.insert("prev".into(), serde_json::json!(prev_hash));
        })
        .await;
        sqlx::query("UPDATE audit_log SET prev = ? WHERE seq = ?")
            .bind(&prev_hash)
            .bind(seq)
            .execute(&mut c)
            .await
            .unwrap();
    }
    let trusted = VerifyOptions {
        trusted_keys: vec![key.verifying_key()],
        ..Default::default()
    };
    let r = verify(&s, trusted).await.unwrap();
    assert!(
        matches!(&r.problem, Some(Problem::BadCheckpoint { seq: 7, reason, .. }) if reason.contains("not the entry before it")),
        "{r}"
    );
}

#[tokio::test]
async fn two_stores_on_one_file_never_fork_the_chain() {
    // Two processes (a server and a CLI command) share the database file: each has its
    // own writer connection, and SQLite's write lock serialises their appends.
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let b = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let mut tasks = Vec::new();
    for (i, s) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            for n in 0..25 {
                s.append_audit(&event(i as u64 * 100 + n)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let r = verify(&*a, VerifyOptions::default()).await.unwrap();
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.entries, 100);
    assert_eq!(b.audit_head().await.unwrap(), a.audit_head().await.unwrap());
}
