//! The audit trail of the API, end to end (issue 6 item 5): several users make requests;
//! the data-protection officer's views show exactly the entries expected (actor,
//! purpose, object, result), refusals included; the chain verifies; no one else may use
//! the views; H3 content waits for the acknowledgement of its conditions.

mod support;

use std::sync::Arc;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use mosaic_audit::AuditAction;
use mosaic_model::Report;
use mosaic_server::ServerConfig;
use mosaic_store::audit::{AuditQuery, AuditStore};
use mosaic_store::conformance::report;
use mosaic_store_sqlite::SqliteStore;

use support::{add_test_user, bind_all_facets, demo_store, write_reports, Running, PURPOSE};

struct T {
    srv: Running,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
    paf: Report,
    paf_h3: Report,
    douane_red: Report,
}

async fn start() -> T {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(&dir.path().join("data")).await;
    add_test_user(
        &store,
        "dpo",
        "Data protection",
        "fr-ocriest",
        vec!["data_protection_officer".into()],
        "secret",
        "dpo-password-long",
    )
    .await;
    let paf = report(1, "fr-paf", "AMBER", "H0", "restricted");
    let paf_h3 = report(5, "fr-paf", "GREEN", "H3", "restricted");
    let douane_red = report(3, "fr-douane", "RED", "H2", "restricted");
    write_reports(
        &store,
        vec![paf.clone(), paf_h3.clone(), douane_red.clone()],
    )
    .await;
    let config = ServerConfig::local_http(0, dir.path().join("data"));
    let server = bind_all_facets(store.clone(), config).await;
    T {
        srv: Running::spawn(server, support::client()),
        store,
        _dir: dir,
        paf,
        paf_h3,
        douane_red,
    }
}

impl T {
    /// Signs in; returns the headers of the session and the actor id.
    async fn login(&self, username: &str, password: &str) -> (HeaderMap, String) {
        let (h, body) = self.srv.login(username, password).await;
        (h, format!("user:{}", body["user"]["id"].as_str().unwrap()))
    }

    async fn call(
        &self,
        m: Method,
        path: &str,
        h: &HeaderMap,
        purpose: Option<&str>,
    ) -> (StatusCode, String) {
        let mut rb = self.srv.req(m, path).headers(h.clone());
        if let Some(p) = purpose {
            rb = rb.header(PURPOSE, p);
        }
        let r = rb.send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn get_json(&self, path: &str, h: &HeaderMap) -> Value {
        let (status, body) = self.call(Method::GET, path, h, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    async fn stop(self) -> Arc<SqliteStore> {
        self.srv.stop().await;
        self.store
    }
}

/// (action, object, purpose, result) of each entry in a DPO page.
fn rows(page: &Value) -> Vec<(String, String, String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["object"].as_str().unwrap_or("").to_owned(),
                e["purpose"].as_str().unwrap().to_owned(),
                e["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(a: &str, o: &str, p: &str, r: &str) -> (String, String, String, String) {
    (a.into(), o.into(), p.into(), r.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_audited_and_the_dpo_sees_exactly_what_happened() {
    let t = start().await;
    let case = "case:fr-ncc:case:op-1";
    let task = "task:identify the drivers";
    let (officer, officer_id) = t.login("officer", "mosaic-demo-officer").await;
    let (analyst, analyst_id) = t.login("analyst", "mosaic-demo-analyst").await;
    let (dpo, dpo_id) = t.login("dpo", "dpo-password-long").await;

    // officer (fr-paf): an own report, a hidden one, an export the role does not allow
    let paf = t.paf.id.as_str();
    let red = t.douane_red.id.as_str();
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v1/reports/{paf}"),
            &officer,
            Some(case),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v1/reports/{red}"),
            &officer,
            Some(case),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .call(Method::GET, "/api/v1/export", &officer, Some(case))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t
        .call(Method::GET, "/api/v1/reports?limit=10", &officer, None)
        .await;
    assert_eq!(s, StatusCode::OK);

    // analyst: an entity read without a purpose is refused, naming the header
    let ent = t.paf.entity_id(&t.paf.entities[1]).to_string();
    let (s, body) = t
        .call(
            Method::GET,
            &format!("/api/v1/entities/{ent}"),
            &analyst,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let p: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(p["type"], "urn:mosaic:problem:purpose-required");
    assert!(p["detail"].as_str().unwrap().contains("X-Mosaic-Purpose"));
    // a malformed purpose is refused too
    let (s, body) = t
        .call(
            Method::GET,
            &format!("/api/v1/entities/{ent}"),
            &analyst,
            Some("because"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("purpose-invalid"), "{body}");
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v1/entities/{ent}"),
            &analyst,
            Some(task),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t.call(Method::GET, "/api/v1/export", &analyst, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, lines) = t
        .call(Method::GET, "/api/v1/export", &analyst, Some(task))
        .await;
    assert_eq!(s, StatusCode::OK);
    let exported = lines.lines().count() as u64;
    assert!(exported >= 1);

    // nobody signed in
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v1/reports/{paf}"),
            &HeaderMap::new(),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // the DPO's view of the officer: exactly what happened, refusals included
    let page = t
        .get_json(&format!("/api/v1/audit?actor={officer_id}"), &dpo)
        .await;
    assert_eq!(
        rows(&page),
        vec![
            row("login", "", "", "allowed"),
            row("read", paf, case, "allowed"),
            row("read", red, case, "not_found"),
            row("export", "", case, "denied"),
            row("search", "", "", "allowed"),
        ],
        "{page}"
    );
    let items = page["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e["agency"] == "fr-paf"));
    assert_eq!(items[1]["case"], "fr-ncc:case:op-1");
    assert_eq!(items[2]["detail"]["status"], 404);
    assert_eq!(
        items[4]["detail"]["ids"][0], paf,
        "list pages record the ids returned"
    );
    assert!(items[1]["detail"]["request_id"].as_str().unwrap().len() > 8);

    let page = t
        .get_json(&format!("/api/v1/audit?actor={analyst_id}"), &dpo)
        .await;
    assert_eq!(
        rows(&page),
        vec![
            row("login", "", "", "allowed"),
            row("read", &ent, "", "denied"),
            row("read", &ent, "", "denied"),
            row("read", &ent, task, "allowed"),
            row("export", "", "", "denied"),
            row("export", "export", task, "allowed"),
            // its end, written before the body ended
            row("export", "export", task, "allowed"),
        ],
        "{page}"
    );
    let items = page["items"].as_array().unwrap();
    assert_eq!(items[5]["detail"]["stage"], "started");
    assert_eq!(items[6]["detail"]["stage"], "finished");
    assert_eq!(items[6]["detail"]["reports"], exported);
    assert_eq!(
        items[6]["detail"]["request_id"],
        items[5]["detail"]["request_id"]
    );
    // the unauthenticated attempt
    let page = t.get_json("/api/v1/audit?actor=anonymous", &dpo).await;
    assert_eq!(rows(&page), vec![row("read", paf, "", "denied")], "{page}");

    assert_eq!(page["items"][0]["detail"]["status"], 401);

    // filters: purpose (substring), result, action; paging by cursor
    let page = t.get_json("/api/v1/audit?purpose=op-1", &dpo).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3, "{page}");
    let page = t.get_json("/api/v1/audit?result=not_found", &dpo).await;
    assert_eq!(rows(&page), vec![row("read", red, case, "not_found")]);
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = t
            .get_json(&format!("/api/v1/audit?action=login&limit=2{cursor}"), &dpo)
            .await;
        for e in page["items"].as_array().unwrap() {
            seen.push(e["actor"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [officer_id.clone(), analyst_id.clone(), dpo_id.clone()]
    );

    // the chain verifies through the API
    let v = t.get_json("/api/v1/audit/verify", &dpo).await;
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["entries"].as_u64().unwrap() > 15, "{v}");

    let store = t.stop().await;
    // the export's closing entry (written when its stream ended) carries the count
    let exports = store
        .audit_search(&AuditQuery {
            actor: Some(analyst_id.clone()),
            action: Some(AuditAction::Export.as_str().into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let last = exports.last().unwrap().entry().unwrap().event;
    assert_eq!(last.detail["reports"], exported, "{:?}", last.detail);
    assert_eq!(last.detail["complete"], true);
    assert_eq!(last.purpose, task);
    // and the whole chain, verification entries included, still verifies
    let report = mosaic_store::audit::verify(&*store, Default::default())
        .await
        .unwrap();
    assert!(report.is_ok(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_dpo_may_use_the_audit_views_and_refusals_are_audited() {
    let t = start().await;
    let (dpo, _) = t.login("dpo", "dpo-password-long").await;
    let routes = [
        "/api/v1/audit",
        "/api/v1/audit/verify",
        "/api/v1/audit/permissions",
    ];
    for who in [
        ("officer", "mosaic-demo-officer"),
        ("analyst", "mosaic-demo-analyst"),
        ("admin", "mosaic-demo-admin"),
    ] {
        let (h, actor) = t.login(who.0, who.1).await;
        for r in routes {
            let (s, body) = t.call(Method::GET, r, &h, Some("task:curious")).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{} GET {r}: {body}", who.0);
        }
        let page = t
            .get_json(&format!("/api/v1/audit?actor={actor}&result=denied"), &dpo)
            .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 3, "{page}");
        assert_eq!(page["items"][0]["purpose"], "task:curious");
    }
    for r in routes {
        let (s, body) = t.call(Method::GET, r, &dpo, None).await;
        assert_eq!(s, StatusCode::OK, "dpo GET {r}: {body}");
    }
    let (s, _) = t
        .call(Method::GET, "/api/v1/audit?action=peek", &dpo, None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h3_content_waits_for_the_acknowledgement_of_its_conditions() {
    let t = start().await;
    let (officer, officer_id) = t.login("officer", "mosaic-demo-officer").await;
    let (dpo, _) = t.login("dpo", "dpo-password-long").await;
    let id = t.paf_h3.id.as_str();
    let narrative = t.paf_h3.narrative.clone().unwrap();
    let path = format!("/api/v1/reports/{id}");

    let v = t.get_json(&path, &officer).await;
    assert_eq!(v["withheld"], true, "{v}");
    assert_eq!(v["handling_conditions"], "only for case X");
    assert!(!v.to_string().contains(&narrative), "{v}");
    assert!(
        v["report"]["entities"]
            .as_array()
            .is_none_or(|a| a.is_empty()),
        "{v}"
    );
    // the entity view leaves its statements out too
    let ent = t.paf_h3.entity_id(&t.paf_h3.entities[0]).to_string();
    let (s, body) = t
        .call(
            Method::GET,
            &format!("/api/v1/entities/{ent}"),
            &officer,
            Some("task:t"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let e: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["withheld_reports"], json!([id]), "{e}");
    assert_eq!(e["statements"], json!([]));
    // not H3: nothing to acknowledge
    let (s, _) = t
        .call(
            Method::POST,
            &format!("/api/v1/reports/{}/acknowledgement", t.paf.id),
            &officer,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    let (s, body) = t
        .call(
            Method::POST,
            &format!("{path}/acknowledgement"),
            &officer,
            Some("case:fr-ncc:case:op-1"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains(&narrative), "{body}");
    let v = t.get_json(&path, &officer).await;
    assert!(v.get("withheld").is_none(), "{v}");
    assert_eq!(v["report"]["narrative"], narrative.as_str());
    let (_, body) = t
        .call(
            Method::GET,
            &format!("/api/v1/entities/{ent}"),
            &officer,
            Some("task:t"),
        )
        .await;
    assert!(body.contains(&format!("Person {}", 5)), "{body}");

    // the acknowledgement is the audit entry
    let page = t
        .get_json(
            &format!("/api/v1/audit?action=acknowledge&object={id}"),
            &dpo,
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["actor"], officer_id.as_str());
    assert_eq!(items[0]["purpose"], "case:fr-ncc:case:op-1");
    assert_eq!(items[0]["detail"]["conditions"], "only for case X");
    assert_eq!(items[0]["result"], "allowed");
    t.stop().await;
}
