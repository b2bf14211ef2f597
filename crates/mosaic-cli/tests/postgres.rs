//! The `mosaic` binary on PostgreSQL (a throw-away database per test on the real local
//! server, see `mosaic_store_postgres::testing`): everyday commands with the database URL
//! in the environment, and `mosaic migrate` SQLite → PostgreSQL → SQLite.

mod support;

use std::path::Path;
use std::process::Output;

use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};

use mosaic_model::{AgencyId, Classification, UserId};
use mosaic_store::accounts::{AccountStore, ApiToken, Secret};
use mosaic_store::agreements::{record, AgreementStore};
use mosaic_store::audit::AuditStore;
use mosaic_store::judgements::{JudgementStore, NewJudgement, Verdict};
use mosaic_store::permissions::{NewPermissionRequest, PermissionStore};
use mosaic_store::referrals::ReferralStore;
use mosaic_store::{ReportQuery, Scope, Store};
use mosaic_store_postgres::testing::TestDb;
use mosaic_store_sqlite::SqliteStore;

use support::{mosaic_command, succeeded, INIT};

/// Accepted and ignored by a trust-authentication server; must never be shown.
const PASSWORD: &str = "Sup3rS3cretPassw0rd";

/// The test database's URL with [`PASSWORD`] in it.
fn url_with_password(db: &TestDb) -> String {
    let mut u = url::Url::parse(db.url()).unwrap();
    u.set_password(Some(PASSWORD)).unwrap();
    u.to_string()
}

/// Runs `mosaic` with `--data-dir data` and, if given, the database URL in the
/// environment; output checked for the password.
fn mosaic(data: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut c = mosaic_command(data);
    c.args(args)
        // debug logs: the password must not appear there either
        .env("MOSAIC_LOG", "debug");
    if let Some(u) = url {
        c.env("MOSAIC_DATABASE_URL", u);
    }
    let out = c.output().expect("runs mosaic");
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains(PASSWORD),
            "mosaic {args:?} showed the password:\n{text}"
        );
    }
    out
}

fn ok(data: &Path, url: Option<&str>, args: &[&str]) -> String {
    succeeded(mosaic(data, url, args), args)
}

fn report(n: usize, narrative: &str) -> Value {
    json!({
        "agency": if n.is_multiple_of(2) { "fr-paf" } else { "fr-gn" },
        "report_type": "interception",
        "source_ref": format!("PAF-{n}"),
        "reported_at": format!("2025-01-01T00:00:{:02}Z", n % 60),
        "handling": "H0",
        "tlp": "AMBER",
        "classification": "restricted",
        "narrative": narrative,
        "entities": [
            {"key": "d", "schema": "Person", "properties": {"name": [format!("Driver {n}")], "nationality": ["af"]}},
            {"key": "t", "schema": "Vehicle", "properties": {"registrationNumber": [format!("AA-{n:06}")], "country": ["fr"], "operator": ["d"]}}
        ],
        "roles": [{"entity": "d", "role": "driver"}]
    })
}

/// A JSON Lines file of `n` reports (and one line that is rejected).
fn write_file(path: &Path, n: usize, narrative: &str) {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&report(i, narrative).to_string());
        text.push('\n');
    }
    text.push_str("{\"agency\": \"fr-paf\", \"tlp\": \"PINK\"}\n");
    std::fs::write(path, text).unwrap();
}

fn stats(data: &Path, url: Option<&str>) -> Value {
    let s: Value = serde_json::from_str(&ok(data, url, &["stats", "--json"])).unwrap();
    s
}

const AGENCY: &[&str] = &[
    "agency",
    "add",
    "fr-paf",
    "--name",
    "Police aux frontières",
    "--kind",
    "border_guard",
    "--country",
    "fr",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyday_commands_run_on_postgres_and_never_show_the_password() {
    let db = TestDb::create().await;
    let url = url_with_password(&db);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("in.jsonl");
    write_file(&file, 12, "first");

    let init = ok(&data, Some(&url), INIT);
    assert!(init.contains("postgres://"), "{init}");
    let out = ok(
        &data,
        Some(&url),
        &["-vv", "import", file.to_str().unwrap()],
    );
    assert!(out.contains("12 new reports"), "{out}");
    let s = stats(&data, Some(&url));
    assert_eq!(s["backend"], "postgres");
    assert_eq!(s["stats"]["reports"], 12);
    assert!(s["stats"]["rejects"].as_u64().unwrap() > 0, "{s}");
    let exported = ok(&data, Some(&url), &["export"]);
    assert_eq!(exported.lines().count(), 12);
    // the data folder holds no database: everything went to PostgreSQL
    assert!(!data.join(mosaic_store_sqlite::DB_FILE).exists());

    // The other facets use the same database.
    ok(&data, Some(&url), AGENCY);
    let out = ok(
        &data,
        Some(&url),
        &[
            "user", "add", "alice", "--agency", "fr-paf", "--role", "analyst",
        ],
    );
    assert!(out.contains("alice"), "{out}");
    let list = ok(&data, Some(&url), &["user", "list"]);
    assert!(list.contains("alice"), "{list}");
    ok(&data, Some(&url), &["audit", "verify"]);

    // --help shows neither the environment's URL nor its password.
    let help = ok(&data, Some(&url), &["--help"]);
    assert!(help.contains("--database-url"), "{help}");
    // A server that refuses: the error names it without the password.
    let refused = format!("postgres://mosaic:{PASSWORD}@127.0.0.1:1/mosaic");
    let out = mosaic(&data, Some(&refused), &["stats"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    db.drop_now().await;
}

/// Fills a data folder with one of everything: two imports (the second brings new
/// versions of some reports, each file one reject), a user, a token, judgements, audit
/// entries, an agreement in force, and a decided permission request.
async fn fill(data: &Path, dir: &Path) {
    ok(data, None, INIT);
    let v1 = dir.join("v1.jsonl");
    write_file(&v1, 30, "first");
    ok(data, None, &["import", v1.to_str().unwrap()]);
    let v2 = dir.join("v2.jsonl");
    write_file(&v2, 5, "corrected");
    ok(data, None, &["import", v2.to_str().unwrap()]);
    ok(data, None, AGENCY);
    ok(
        data,
        None,
        &[
            "user", "add", "alice", "--agency", "fr-paf", "--role", "analyst",
        ],
    );

    let s = SqliteStore::open(data).await.unwrap();
    let sys = Scope::system("test fixture");
    let reports = s
        .reports(
            &sys,
            &ReportQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let person = |i: usize| reports[i].report.entity_id(&reports[i].report.entities[0]);
    let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
    for (i, verdict) in [Verdict::Same, Verdict::NotSame, Verdict::Retracted]
        .into_iter()
        .enumerate()
    {
        s.record_judgement(&NewJudgement {
            left: person(0),
            right: person(i + 1),
            verdict,
            author: "fr-ncc:usr:analyst1".into(),
            reason: format!("checked {i}"),
            at: t0 + Duration::minutes(i as i64),
        })
        .await
        .unwrap();
    }
    let alice = s.user_by_username("alice").await.unwrap().unwrap();
    s.create_token(&ApiToken {
        id: "tok-1".into(),
        token_hash: Secret::new("ab".repeat(32)),
        prefix: "mos_abcd".into(),
        name: "paf system".into(),
        agency: AgencyId::parse("fr-paf").unwrap(),
        actions: vec!["read".into(), "import".into()],
        clearance: Classification::Restricted,
        created_by: UserId::parse(alice.user.id.as_str()).unwrap(),
        created_at: t0,
        expires_at: t0 + Duration::days(90),
        revoked_at: None,
        last_used_at: Some(t0 + Duration::hours(1)),
    })
    .await
    .unwrap();
    let events: Vec<_> = (1..=7)
        .map(mosaic_store::conformance_audit::event)
        .collect();
    s.append_audit_batch(&events).await.unwrap();
    let doc = mosaic_agreements::example::agreement("fr-ncc:agr:channel", 2);
    for e in mosaic_agreements::example::in_force_events(&doc) {
        record(&s, &doc.id, &e).await.unwrap();
    }
    assert_eq!(s.agreement_ids().await.unwrap().len(), 1);
    let req = s
        .request_permission(&NewPermissionRequest {
            report_id: reports[0].report.id.clone(),
            provider: AgencyId::parse("fr-paf").unwrap(),
            requester: AgencyId::parse("fr-gn").unwrap(),
            requested_by: "user:fr-ncc:usr:1".into(),
            purpose: "case 42".into(),
            at: t0,
        })
        .await
        .unwrap();
    s.decide_permission(
        req.id,
        &AgencyId::parse("fr-paf").unwrap(),
        true,
        "user:p",
        t0,
        None,
    )
    .await
    .unwrap()
    .unwrap();
    let r = s
        .create_referral(&mosaic_store::conformance_referrals::sample(
            "x", "fr-paf", "ngo-aid",
        ))
        .await
        .unwrap();
    s.withdraw_referral(
        r.id,
        &AgencyId::parse("ngo-aid").unwrap(),
        &mosaic_store::referrals::Withdrawal {
            by: "user:ngo".into(),
            at: t0,
            reason: "consent withdrawn".into(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_round_trip_sqlite_postgres_sqlite_is_exact() {
    let db = TestDb::create().await;
    let url = url_with_password(&db);
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    fill(&a, dir.path()).await;
    let before = stats(&a, None);
    assert_eq!(before["stats"]["report_versions"], 35);
    assert!(
        before["stats"]["rejects"].as_u64().unwrap() >= 2,
        "{before}"
    );

    let out = ok(
        dir.path(),
        None,
        &["migrate", "--from", a.to_str().unwrap(), "--to", &url],
    );
    assert!(out.contains("Copied and verified"), "{out}");
    assert!(!out.contains("DIFFERS"), "{out}");
    // a non-empty target is refused
    let again = mosaic(
        dir.path(),
        None,
        &["migrate", "--from", a.to_str().unwrap(), "--to", &url],
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let out = ok(
        dir.path(),
        None,
        &[
            "migrate",
            "--from",
            &url,
            "--to",
            b.to_str().unwrap(),
            "--json",
        ],
    );
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["verified"], true, "{summary}");
    assert_eq!(summary["tables"]["report_versions"]["rows"], 35);
    assert_eq!(summary["tables"]["audit_log"]["same"], true);
    for table in [
        "users",
        "api_tokens",
        "judgements",
        "agreement_events",
        "permission_requests",
        "referrals",
        "import_rejects",
    ] {
        assert!(
            summary["tables"][table]["rows"].as_u64().unwrap() > 0,
            "{table}: {summary}"
        );
    }

    // The final copy exports byte for byte what the original does, and so does the
    // PostgreSQL copy in between.
    let original = ok(&a, None, &["export"]);
    assert_eq!(original.lines().count(), 30);
    assert_eq!(ok(&b, None, &["export"]), original);
    assert_eq!(ok(&a, Some(&url), &["export"]), original);
    let mut after = stats(&b, None);
    after["backend"] = before["backend"].clone();
    assert_eq!(after["stats"], before["stats"]);
    // The audit chain verifies on every copy.
    for (data, u) in [(&a, None), (&b, None), (&a, Some(url.as_str()))] {
        let v = ok(data, u, &["audit", "verify"]);
        assert!(!v.is_empty());
    }
    db.drop_now().await;
}
