//! Cost of enforcement (issue 6): entity fetch and a typical list query through the
//! policy scope (a union of label clauses pushed down into SQL) vs `Scope::system` on the
//! same data, on SQLite and (with `--postgres`) on a throw-away PostgreSQL database of
//! the test server (`MOSAIC_TEST_POSTGRES_URL`); plus the cost of one Cedar decision.
//!
//! `cargo run --release -p mosaic-policy --example enforcement -- [reports] [--postgres]`

use std::time::{Duration, Instant};

use mosaic_model::{
    Agency, AgencyId, AgencyKind, Classification, EntityId, ReportId, User, UserId, UserRole,
};
use mosaic_policy::{may_read, scope_for, scope_with_grants, Principal, ReportLabels};
use mosaic_store::conformance::centre;
use mosaic_store::{ReportQuery, Scope, Store, WriteBatch};
use mosaic_store_sqlite::SqliteStore;

const AGENCIES: &[&str] = &[
    "fr-paf",
    "fr-gn",
    "fr-douane",
    "it-gdf",
    "fr-ocriest",
    "ngo-aid",
];
const TLP: &[&str] = &["CLEAR", "GREEN", "AMBER", "AMBER", "AMBER+STRICT", "RED"];
const H: &[&str] = &["H0", "H0", "H1", "H2", "H3"];
const CLS: &[&str] = &[
    "unclassified",
    "restricted",
    "restricted",
    "confidential",
    "secret",
];

/// Like the conformance fixture, with places and days spread over any number of reports.
fn report(
    n: u32,
    agency: &str,
    tlp: &str,
    handling: &str,
    classification: &str,
) -> mosaic_model::Report {
    let v = serde_json::json!({
        "agency": agency,
        "report_type": "interception",
        "source_ref": format!("BENCH-{n}"),
        "reported_at": format!("2025-{:02}-{:02}T{:02}:00:00Z", 1 + n % 12, 1 + n % 28, n % 24),
        "grading": "B2",
        "handling": handling,
        "handling_conditions": if handling == "H3" { serde_json::json!("only for case X") } else { serde_json::json!(null) },
        "tlp": tlp,
        "classification": classification,
        "narrative": format!("report number {n}"),
        "place": {"geometry": {"type": "Point", "coordinates": [-10.0 + (n % 400) as f64 * 0.05, 35.0 + (n % 300) as f64 * 0.05]}},
        "entities": [
            {"key": "p", "schema": "Person", "properties": {"name": [format!("Person {n}")], "nationality": ["sy"]}},
            {"key": "ph", "schema": "Phone", "properties": {"number": [format!("+336{:08}", n)], "owner": ["p"]}}
        ],
        "roles": [{"entity": "p", "role": "driver"}]
    });
    mosaic_model::Report::from_value(&centre().id, &v).expect("valid")
}

fn user(agency: &str, role: UserRole) -> User {
    User {
        id: UserId::parse("fr-ncc:usr:bench").unwrap(),
        username: "bench".into(),
        display_name: "bench".into(),
        agency: AgencyId::parse(agency).unwrap(),
        roles: vec![role],
        clearance: Classification::Confidential,
        disabled: false,
    }
}

async fn time_entities(
    store: &dyn Store,
    scope: &Scope,
    ids: &[EntityId],
    rounds: u32,
) -> Duration {
    let t = Instant::now();
    for _ in 0..rounds {
        for id in ids {
            std::hint::black_box(store.entity(scope, id).await.unwrap());
        }
    }
    t.elapsed() / (rounds * ids.len() as u32)
}

async fn time_lists(store: &dyn Store, scope: &Scope, rounds: u32) -> Duration {
    let t = Instant::now();
    let mut after: Option<(chrono::DateTime<chrono::Utc>, ReportId)> = None;
    for _ in 0..rounds {
        let page = store
            .reports(
                scope,
                &ReportQuery {
                    after: after.clone(),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        after = page
            .last()
            .map(|r| (r.report.reported_at, r.report.id.clone()));
        std::hint::black_box(page);
    }
    t.elapsed() / rounds
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: u32 = args.iter().find_map(|s| s.parse().ok()).unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path()).await.unwrap();
    println!("## SQLite");
    bench(&sqlite, n).await;
    if args.iter().any(|a| a == "--postgres") {
        let db = mosaic_store_postgres::testing::TestDb::create().await;
        let pg = db.store().await;
        println!("## PostgreSQL");
        bench_with(&pg, n, Some(db.url())).await;
        pg.close().await;
        db.drop_now().await;
    }
}

async fn bench(store: &dyn Store, n: u32) {
    bench_with(store, n, None).await
}

/// Loads `n` reports, then times the queries. `pg_url`: vacuum and analyse after loading
/// (as autovacuum would on a live server), so index-only scans see an up-to-date
/// visibility map.
async fn bench_with(store: &dyn Store, n: u32, pg_url: Option<&str>) {
    store.set_centre(&centre()).await.unwrap();
    for a in AGENCIES {
        store
            .put_agency(&Agency {
                id: AgencyId::parse(a).unwrap(),
                name: (*a).into(),
                kind: AgencyKind::Police,
                country: "fr".into(),
            })
            .await
            .unwrap();
    }
    let t = Instant::now();
    let mut entity_ids = Vec::new();
    let mut granted: Vec<ReportId> = Vec::new();
    let mut batch = Vec::new();
    for i in 0..n {
        let r = report(
            i,
            AGENCIES[(i as usize) % AGENCIES.len()],
            TLP[(i as usize / 7) % TLP.len()],
            H[(i as usize / 3) % H.len()],
            CLS[(i as usize / 11) % CLS.len()],
        );
        if i % (n / 500).max(1) == 0 {
            entity_ids.push(r.entity_id(&r.entities[0]));
        }
        if r.handling == mosaic_model::HandlingCode::H2 && granted.len() < 100 && i % 7 == 0 {
            granted.push(r.id.clone());
        }
        batch.push(r);
        if batch.len() == 2_000 {
            store
                .write(&WriteBatch {
                    reports: std::mem::take(&mut batch),
                    ..Default::default()
                })
                .await
                .unwrap();
        }
    }
    store
        .write(&WriteBatch {
            reports: batch,
            ..Default::default()
        })
        .await
        .unwrap();
    if let Some(url) = pg_url {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query("VACUUM ANALYZE").execute(&mut c).await.unwrap();
    }
    println!(
        "{n} reports written in {:.1?}; {} entity ids sampled",
        t.elapsed(),
        entity_ids.len()
    );

    let system = Scope::system("bench");
    let users = [
        (
            "analyst (union: own ≤RED + others ≤AMBER H0–H1)",
            user("fr-ocriest", UserRole::Analyst),
        ),
        (
            "officer (own agency only)",
            user("fr-paf", UserRole::Officer),
        ),
    ];
    // warm up the page cache
    time_entities(store, &system, &entity_ids, 1).await;
    time_lists(store, &system, 20).await;
    println!("| query | scope | per call | vs system |");
    println!("|---|---|---|---|");
    let sys_e = time_entities(store, &system, &entity_ids, 5).await;
    let sys_l = time_lists(store, &system, 200).await;
    println!("| entity fetch | system | {sys_e:.1?} | 1.00× |");
    println!("| list 100 reports (keyset pages) | system | {sys_l:.1?} | 1.00× |");
    // the analyst's agency holding 100 H2 grants: one more clause, of report ids
    let grants: std::collections::BTreeSet<ReportId> = granted.iter().cloned().collect();
    let with_grants = scope_with_grants(&users[0].1, &grants, "bench");
    let scopes = users
        .iter()
        .map(|(name, u)| (*name, scope_for(u, "bench")))
        .chain([("analyst + 100 H2 grants", with_grants)]);
    for (name, scope) in scopes {
        let e = time_entities(store, &scope, &entity_ids, 5).await;
        let l = time_lists(store, &scope, 200).await;
        println!(
            "| entity fetch | {name} | {e:.1?} | {:.2}× |",
            e.as_secs_f64() / sys_e.as_secs_f64()
        );
        println!(
            "| list 100 reports (keyset pages) | {name} | {l:.1?} | {:.2}× |",
            l.as_secs_f64() / sys_l.as_secs_f64()
        );
    }
    // one fine-grained Cedar decision
    let p = Principal::User(users[0].1.clone());
    let labels = ReportLabels {
        agency: AgencyId::parse("fr-paf").unwrap(),
        classification: Classification::Restricted,
        tlp: mosaic_model::Tlp::Amber,
        handling: mosaic_model::HandlingCode::H1,
        granted_to: Default::default(),
    };
    let k = 20_000;
    let t = Instant::now();
    for _ in 0..k {
        std::hint::black_box(may_read(&p, &labels, "bench"));
    }
    println!(
        "| Cedar `may_read` decision | analyst | {:.1?} | — |",
        t.elapsed() / k
    );
}
