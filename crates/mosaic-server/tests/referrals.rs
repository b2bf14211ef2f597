//! Issue 6 over real HTTP: referral of a child to a partner NGO with consent recorded,
//! under an agreement clause; the NGO's caseworker sees the child's data for protection
//! (and only the package); nobody else gains anything; withdrawal ends it at once.
//! Also: the retention job runs inside the server.

mod support;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use mosaic_agreements::example;
use mosaic_model::{AgencyKind, Report};
use mosaic_server::ServerConfig;
use mosaic_store::conformance::{centre, report};
use mosaic_store::{AuditQuery, AuditStore, ReferralStore, RetentionStore};
use mosaic_store_sqlite::SqliteStore;

use support::{add_test_user, bind_all_facets, demo_store, put_agency, write_reports, Running};

const CHILD: &str = "fr-ncc:ent:child-amira";
const ADULT: &str = "fr-ncc:ent:adult-samir";
const REAL_NAME: &str = "Amira Haddad";

/// A report about one person, with an explicit entity id so that reports share it.
fn person_report(n: u32, agency: &str, handling: &str, person: &str, props: Value) -> Report {
    let v = json!({
        "agency": agency,
        "report_type": "interception",
        "source_ref": format!("REF-{n}"),
        "reported_at": format!("2025-03-{:02}T10:00:00Z", n),
        "handling": handling,
        "handling_conditions": if handling == "H3" { json!("only for case X") } else { json!(null) },
        "tlp": "AMBER",
        "classification": "restricted",
        "narrative": format!("{REAL_NAME} intercepted, report {n}"),
        "entities": [{"key": "p", "id": person, "schema": "Person", "properties": props}],
        "roles": [{"entity": "p", "role": "smuggled_migrant"}]
    });
    Report::from_value(&centre().id, &v).expect("fixture is valid")
}

struct Srv {
    srv: Running,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

struct Sess(HeaderMap);

impl Srv {
    async fn start(reports: Vec<Report>) -> Srv {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let store = demo_store(&data).await;
        put_agency(&store, "ngo-aid", "Aid NGO", AgencyKind::Ngo, "fr").await;
        put_agency(&store, "ngo-other", "Other NGO", AgencyKind::Ngo, "fr").await;
        for (user, agency) in [("caseworker", "ngo-aid"), ("other", "ngo-other")] {
            add_test_user(
                &store,
                user,
                user,
                agency,
                vec!["ngo_caseworker".into()],
                "restricted",
                "caseworker-password",
            )
            .await;
        }
        support::protection_protocol_in_force(&store).await;
        write_reports(&store, reports).await;
        let server = bind_all_facets(store.clone(), ServerConfig::local_http(0, data)).await;
        Srv {
            srv: Running::spawn(server, support::client()),
            store,
            _dir: dir,
        }
    }

    async fn login(&self, username: &str, password: &str) -> Sess {
        Sess(self.srv.login(username, password).await.0)
    }

    async fn call(
        &self,
        s: &Sess,
        m: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rq = self
            .srv
            .req(m, path)
            .headers(s.0.clone())
            .header(support::PURPOSE, "case:fr-ncc:case:protection-42");
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

impl Srv {
    /// `POST /api/v1/referrals` as `s`.
    async fn refer(&self, s: &Sess, body: Value) -> (StatusCode, Value) {
        self.call(s, Method::POST, "/api/v1/referrals", Some(body))
            .await
    }
}

impl Drop for Srv {
    fn drop(&mut self) {
        self.srv.signal_stop();
    }
}

fn referral(person: &str, to: &str) -> Value {
    json!({
        "person": person,
        "to_agency": to,
        "consent": {"by": "guardian", "method": "written", "given_at": "2025-03-02T09:00:00Z",
                    "note": "explained in Arabic with an interpreter; form F-12"},
        "note": "placed in the reception centre of Calais"
    })
}

fn rules(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| {
                    format!(
                        "{}:{}",
                        x["field"].as_str().unwrap(),
                        x["rule"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_is_referred_with_consent_and_only_the_ngo_sees_their_data_until_withdrawn() {
    let child = json!({"name": [REAL_NAME], "child": ["true"], "birthDate": ["2011-05-04"]});
    let own = person_report(1, "fr-paf", "H0", CHILD, child.clone());
    let own_h3 = person_report(2, "fr-paf", "H3", CHILD, json!({"phone": ["+33612345678"]}));
    let customs = person_report(3, "fr-douane", "H0", CHILD, json!({"alias": ["Mimi"]}));
    let adult = person_report(4, "fr-paf", "H0", ADULT, json!({"name": ["Samir Haddad"]}));
    let srv = Srv::start(vec![own.clone(), own_h3, customs, adult]).await;
    let officer = srv.login("officer", "mosaic-demo-officer").await;
    let caseworker = srv.login("caseworker", "caseworker-password").await;
    let other = srv.login("other", "caseworker-password").await;
    let analyst = srv.login("analyst", "mosaic-demo-analyst").await;

    // Deny by default, each refusal naming its rule.
    let (st, b) = srv.refer(&officer, referral(ADULT, "ngo-aid")).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(rules(&b), ["person:referral_grounds"]);
    let (st, b) = srv.refer(&officer, referral(CHILD, "fr-douane")).await;
    assert_eq!(
        (st, rules(&b)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["to_agency:ngo".into()]
        )
    );
    let (st, b) = srv.refer(&officer, referral(CHILD, "ngo-other")).await;
    assert_eq!(
        (st, rules(&b)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["to_agency:agreement".into()]
        ),
        "no agreement with that NGO: {b}"
    );
    let mut future = referral(CHILD, "ngo-aid");
    future["consent"]["given_at"] = json!("2999-01-01T00:00:00Z");
    future["consent"]["by"] = json!("the mother's cousin");
    let (st, b) = srv.refer(&officer, future).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        rules(&b),
        ["consent.by:vocabulary", "consent.given_at:not_in_future"]
    );
    // an analyst does not refer; a caseworker neither
    for s in [&analyst, &caseworker] {
        let (st, _) = srv
            .call(
                s,
                Method::POST,
                "/api/v1/referrals",
                Some(referral(CHILD, "ngo-aid")),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
    assert!(ReferralStore::referrals_page(&*srv.store, 0, 10)
        .await
        .unwrap()
        .is_empty());

    // The referral: the package is the officer's own H0-H2 report, nothing else.
    let (st, r) = srv.refer(&officer, referral(CHILD, "ngo-aid")).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    assert_eq!(r["grounds"], json!(["child"]));
    assert_eq!(r["package"], json!([own.id.as_str()]));
    assert_eq!(r["agreement"], "fr-ncc:agr:protection");
    assert_eq!(r["clause"], "3.2");
    assert_eq!(r["consent"]["by"], "guardian");
    assert_eq!(r["status"], "active");
    let id = r["id"].as_i64().unwrap();
    let path = format!("/api/v1/referrals/{id}");

    // The NGO's caseworker: the child's real data, for protection, from the package only.
    let (st, v) = srv.call(&caseworker, Method::GET, &path, None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let p = &v["person_view"];
    assert_eq!(p["properties"]["name"], json!([REAL_NAME]), "{v}");
    assert_eq!(p["properties"]["birthDate"], json!(["2011-05-04"]));
    assert!(
        p["properties"].get("alias").is_none(),
        "customs' statement is not in the package"
    );
    assert!(
        p["properties"].get("phone").is_none(),
        "H3 is never in a package"
    );
    let flags = p["flags"].as_array().unwrap();
    assert!(
        flags.contains(&json!("child")) && !flags.contains(&json!("pseudonymised")),
        "{v}"
    );
    for s in p["statements"].as_array().unwrap() {
        assert_eq!(s["report_id"], own.id.as_str(), "{s}");
    }
    let (_, listed) = srv
        .call(&caseworker, Method::GET, "/api/v1/referrals", None)
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Nobody else gains the real name: the referring officer's view stays an analysis
    // view, another NGO cannot tell the referral exists, the entity route is unchanged.
    let (st, v) = srv.call(&officer, Method::GET, &path, None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        v["person_view"]["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("pseudonymised")),
        "{v}"
    );
    assert!(!v.to_string().contains(REAL_NAME), "{v}");
    let (st, v) = srv.call(&other, Method::GET, &path, None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{v}");
    let (_, listed) = srv
        .call(&other, Method::GET, "/api/v1/referrals", None)
        .await;
    assert_eq!(listed["items"], json!([]));
    let (_, v) = srv
        .call(
            &other,
            Method::POST,
            &format!("{path}/withdraw"),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert!(!v.to_string().contains("active"), "{v}");
    for s in [&caseworker, &other, &officer, &analyst] {
        let (_, e) = srv
            .call(s, Method::GET, &format!("/api/v1/entities/{CHILD}"), None)
            .await;
        assert!(!e.to_string().contains(REAL_NAME), "{e}");
    }

    // Withdrawal (consent withdrawn): the caseworker reads nothing more through it.
    let (st, w) = srv
        .call(
            &caseworker,
            Method::POST,
            &format!("{path}/withdraw"),
            Some(json!({"reason": "consent withdrawn by the guardian"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{w}");
    assert_eq!(w["status"], "withdrawn");
    assert_eq!(w["withdrawal_reason"], "consent withdrawn by the guardian");
    let (st, v) = srv.call(&caseworker, Method::GET, &path, None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(v.get("person_view").is_none(), "{v}");
    assert!(!v.to_string().contains(REAL_NAME));

    // Each step is in the audit trail, the referral naming its clause.
    let entries: Vec<_> = srv
        .store
        .audit_search(&AuditQuery {
            object: Some(CHILD.into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|r| r.entry().unwrap().event)
        .collect();
    let created = entries
        .iter()
        .find(|e| e.detail.get("referral").is_some() && e.detail.get("agreement").is_some())
        .expect("the referral is audited");
    assert_eq!(
        created.detail["agreement"],
        "fr-ncc:agr:protection v1 clause 3.2"
    );
    assert_eq!(created.purpose, "case:fr-ncc:case:protection-42");
    assert!(
        entries.iter().any(|e| e.detail.get("referral").is_some()
            && e.actor.id.contains("usr")
            && e.result == mosaic_audit::Outcome::Allowed
            && e.action == mosaic_audit::AuditAction::Grant),
        "{entries:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_the_retention_job() {
    let mut old = report(7, "fr-paf", "AMBER", "H0", "restricted");
    old.retain_until = Some(chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
    let mut kept = report(8, "fr-paf", "AMBER", "H0", "restricted");
    kept.retain_until = Some(chrono::NaiveDate::from_ymd_opt(2999, 12, 31).unwrap());
    let srv = Srv::start(vec![old.clone(), kept.clone()]).await;
    // the job runs at start: wait for its tombstone
    let mut tombstones = Vec::new();
    for _ in 0..100 {
        tombstones = srv.store.tombstones().await.unwrap();
        if !tombstones.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(tombstones.len(), 1, "{tombstones:?}");
    assert_eq!(tombstones[0].report_id, old.id);
    let officer = srv.login("officer", "mosaic-demo-officer").await;
    let (st, _) = srv
        .call(
            &officer,
            Method::GET,
            &format!("/api/v1/reports/{}", old.id),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // nor is it found by search (the index is checked against the store after a purge)
    let (st, hits) = srv
        .call(&officer, Method::GET, "/api/v1/search?q=Person", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{hits}");
    assert!(!hits.to_string().contains(old.id.as_str()), "{hits}");
    assert!(
        hits.to_string().contains(kept.id.as_str()),
        "the index still answers: {hits}"
    );
    let (st, _) = srv
        .call(
            &officer,
            Method::GET,
            &format!("/api/v1/reports/{}", kept.id),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let entries: Vec<_> = srv
        .store
        .audit_search(&AuditQuery {
            object: Some(old.id.to_string()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|r| r.entry().unwrap().event)
        .collect();
    assert!(
        entries
            .iter()
            .any(|e| e.actor.id == mosaic_server::retention::actor().id && e.purpose == "retention"),
        "{entries:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreements_over_the_api_and_a_suspension_stops_referrals_at_once() {
    use mosaic_agreements::{AgreementEvent, Notice, NoticeAct};
    let child = json!({"name": [REAL_NAME], "child": ["true"]});
    let srv = Srv::start(vec![person_report(1, "fr-paf", "H0", CHILD, child)]).await;
    let admin = srv.login("admin", "mosaic-demo-admin").await;
    let analyst = srv.login("analyst", "mosaic-demo-analyst").await;
    let officer = srv.login("officer", "mosaic-demo-officer").await;

    let (st, list) = srv
        .call(&analyst, Method::GET, "/api/v1/agreements", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list["items"][0]["id"], "fr-ncc:agr:protection");
    assert_eq!(list["items"][0]["status"], "in_force");

    // A second agreement, event by event as the parties signed them.
    let doc = example::agreement("fr-ncc:agr:second", 2);
    let events = example::in_force_events(&doc);
    let path = "/api/v1/agreements/fr-ncc:agr:second/events";
    let (st, _) = srv
        .call(
            &analyst,
            Method::POST,
            path,
            Some(serde_json::to_value(&events[0]).unwrap()),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "analysts read agreements, they do not record them"
    );
    // a signature by the wrong key is refused, naming the rule
    let forged = AgreementEvent::sign(
        1,
        &doc.hash(),
        &doc.parties[0].id,
        &example::key(9),
        example::t0(),
    );
    let (st, b) = srv
        .call(
            &admin,
            Method::POST,
            path,
            Some(serde_json::to_value(&events[0]).unwrap()),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["summary"]["status"], "draft");
    let (st, b) = srv
        .call(
            &admin,
            Method::POST,
            path,
            Some(serde_json::to_value(&forged).unwrap()),
        )
        .await;
    assert_eq!(
        (st, rules(&b)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["event:lifecycle".into()]
        ),
        "{b}"
    );
    let mut last = Value::Null;
    for e in &events[1..] {
        let (st, b) = srv
            .call(
                &admin,
                Method::POST,
                path,
                Some(serde_json::to_value(e).unwrap()),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        last = b;
    }
    assert_eq!(last["summary"]["status"], "in_force", "{last}");
    let (st, one) = srv
        .call(
            &analyst,
            Method::GET,
            "/api/v1/agreements/fr-ncc:agr:second",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(one["summary"]["hash"], doc.hash());
    let (st, _) = srv
        .call(
            &analyst,
            Method::GET,
            "/api/v1/agreements/fr-ncc:agr:none",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // The NGO suspends the protocol: referrals under it are refused at once.
    let (st, r) = srv.refer(&officer, referral(CHILD, "ngo-aid")).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let caseworker = srv.login("caseworker", "caseworker-password").await;
    let rpath = format!("/api/v1/referrals/{}", r["id"]);
    let (_, v) = srv.call(&caseworker, Method::GET, &rpath, None).await;
    assert_eq!(
        v["person_view"]["properties"]["name"],
        json!([REAL_NAME]),
        "{v}"
    );
    let notice = AgreementEvent::Suspended {
        notice: Notice::signed(
            &mosaic_agreements::AgreementId::parse("fr-ncc:agr:protection").unwrap(),
            NoticeAct::Suspend,
            &example::pid("ngo-aid"),
            "review of the consent forms",
            chrono::Utc::now(),
            &example::key(3),
        ),
    };
    let (st, b) = srv
        .call(
            &admin,
            Method::POST,
            "/api/v1/agreements/fr-ncc:agr:protection/events",
            Some(serde_json::to_value(&notice).unwrap()),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["summary"]["status"], "suspended");
    let (st, b) = srv.refer(&officer, referral(CHILD, "ngo-aid")).await;
    assert_eq!(
        (st, rules(&b)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["to_agency:agreement".into()]
        ),
        "{b}"
    );
    assert!(b.to_string().contains("suspended"), "{b}");
    // and the referral made before reads nothing while the protocol is suspended
    let (st, v) = srv.call(&caseworker, Method::GET, &rpath, None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(v.get("person_view").is_none(), "{v}");
    assert!(!v.to_string().contains(REAL_NAME), "{v}");
}
