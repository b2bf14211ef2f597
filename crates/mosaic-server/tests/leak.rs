//! The leak suite (issue 6): several agencies, roles and clearances; for each user, every
//! GET route in the OpenAPI document (so new routes are covered automatically) is called
//! with the ids of objects the user must not see and with list/search parameters, and no
//! response — results, counts, totals, errors, graph edges — may contain anything the
//! user is not permitted to see.
//!
//! The oracle is the Cedar decision (`mosaic_policy::may_read`) plus the protection rules:
//! protected persons' names never appear raw, and an asylum applicant never appears at
//! all to a user of the State they fled. The child is referred to the NGO (consent
//! recorded, under an agreement clause): its caseworker may read the child's real name
//! and birth date on that referral's own route, and nowhere else; nobody else anywhere.

mod support;

use std::collections::BTreeSet;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use mosaic_model::{AgencyId, AgencyKind, Classification, Report, User, UserId, UserRole};
use mosaic_policy::{may_read, Principal, ReportLabels};
use mosaic_server::ServerConfig;
use mosaic_store::conformance::{centre, report};

use support::{
    add_test_user, bind_all_facets, open_store, put_agency, write_reports, Running, PURPOSE,
};

const MIGRANT: &str = "Amirleak Haddadleak";
const ASYLUM: &str = "Yonasleak Tesfayeleak";
const DRIVER: &str = "Driverleak Visibleleak";

struct Who {
    username: &'static str,
    agency: &'static str,
    roles: &'static [UserRole],
    clearance: Classification,
    country: &'static str,
}

const USERS: &[Who] = &[
    Who {
        username: "officer-paf",
        agency: "fr-paf",
        roles: &[UserRole::Officer],
        clearance: Classification::Restricted,
        country: "fr",
    },
    Who {
        username: "officer-douane",
        agency: "fr-douane",
        roles: &[UserRole::Officer],
        clearance: Classification::Confidential,
        country: "fr",
    },
    Who {
        username: "analyst-ocriest",
        agency: "fr-ocriest",
        roles: &[UserRole::Analyst],
        clearance: Classification::Confidential,
        country: "fr",
    },
    Who {
        username: "analyst-gdf",
        agency: "it-gdf",
        roles: &[UserRole::Analyst],
        clearance: Classification::Unclassified,
        country: "it",
    },
    Who {
        username: "liaison-er",
        agency: "er-police",
        roles: &[UserRole::LiaisonOfficer],
        clearance: Classification::Secret,
        country: "er",
    },
    Who {
        username: "ngo-worker",
        agency: "ngo-aid",
        roles: &[UserRole::NgoCaseworker],
        clearance: Classification::Restricted,
        country: "fr",
    },
    Who {
        username: "dpo",
        agency: "fr-ocriest",
        roles: &[UserRole::DataProtectionOfficer],
        clearance: Classification::Secret,
        country: "fr",
    },
    Who {
        username: "admin2",
        agency: "fr-ocriest",
        roles: &[UserRole::Administrator],
        clearance: Classification::Secret,
        country: "fr",
    },
];

fn protected_report() -> Report {
    let v = json!({
        "agency": "fr-paf", "report_type": "interception", "source_ref": "LEAK-PROT",
        "reported_at": "2025-03-05T10:00:00Z", "handling": "H0", "tlp": "AMBER",
        "classification": "unclassified",
        "narrative": "boat intercepted, protected narrative leakcheck",
        "entities": [
            {"key": "m", "schema": "Person", "properties": {"name": [MIGRANT], "child": ["true"], "birthDate": ["2010-04-03"]}},
            {"key": "a", "schema": "Person", "properties": {"name": [ASYLUM], "asylumApplicant": ["true"], "fledFrom": ["ER"]}},
            {"key": "d", "schema": "Person", "properties": {"name": [DRIVER]}},
            {"key": "ph", "schema": "Phone", "properties": {"number": ["+33699887766"], "owner": ["a"]}}
        ],
        "roles": [
            {"entity": "m", "role": "smuggled_migrant"}, {"entity": "m", "role": "boat_pilot"},
            {"entity": "a", "role": "smuggled_migrant"}, {"entity": "d", "role": "driver"}
        ]
    });
    Report::from_value(&centre().id, &v).unwrap()
}

fn labelled_reports() -> Vec<Report> {
    vec![
        report(21, "fr-paf", "RED", "H2", "restricted"),
        report(22, "fr-douane", "AMBER", "H1", "restricted"),
        report(23, "fr-douane", "AMBER", "H2", "restricted"),
        report(24, "fr-douane", "GREEN", "H0", "secret"),
        report(25, "it-gdf", "GREEN", "H3", "restricted"),
        report(26, "ngo-aid", "AMBER", "H0", "restricted"),
        report(27, "fr-paf", "AMBER+STRICT", "H0", "unclassified"),
        report(28, "er-police", "CLEAR", "H0", "unclassified"),
    ]
}

/// Strings that identify a report and everything only it asserts.
fn markers(r: &Report) -> Vec<String> {
    let mut m = vec![r.id.to_string()];
    if let Some(n) = &r.narrative {
        m.push(n.clone());
    }
    for e in &r.entities {
        m.push(r.entity_id(e).to_string());
        // distinctive values only (flags like `true` or country codes are shared)
        for (prop, vs) in &e.properties {
            if ["name", "number", "birthDate"].contains(&prop.as_str()) {
                m.extend(vs.iter().cloned());
            }
        }
    }
    m
}

fn principal(w: &Who) -> Principal {
    Principal::User(User {
        id: UserId::parse("fr-ncc:usr:x").unwrap(),
        username: w.username.into(),
        display_name: w.username.into(),
        agency: AgencyId::parse(w.agency).unwrap(),
        roles: w.roles.to_vec(),
        clearance: w.clearance,
        disabled: false,
    })
}

async fn login(srv: &Running, username: &str) -> HeaderMap {
    let (mut h, _) = srv
        .login(username, &format!("{username}-password-long"))
        .await;
    // a stated purpose, so entity reads and exports are exercised too
    h.insert(PURPOSE, HeaderValue::from_static("task:leak suite"));
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_forbidden_appears_on_any_get_route() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("data")).await;
    for (id, kind, country) in [
        ("fr-paf", AgencyKind::BorderGuard, "fr"),
        ("fr-douane", AgencyKind::Customs, "fr"),
        ("fr-ocriest", AgencyKind::Police, "fr"),
        ("it-gdf", AgencyKind::Police, "it"),
        ("er-police", AgencyKind::Police, "er"),
        ("ngo-aid", AgencyKind::Ngo, "fr"),
    ] {
        put_agency(&store, id, id, kind, country).await;
    }
    for w in USERS {
        add_test_user(
            &store,
            w.username,
            w.username,
            w.agency,
            w.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            w.clearance.as_str(),
            &format!("{}-password-long", w.username),
        )
        .await;
    }
    let prot = protected_report();
    let mut reports = labelled_reports();
    reports.push(prot.clone());
    write_reports(&store, reports.clone()).await;

    // The protection protocol between fr-paf and ngo-aid (clause 3.2: migrants' data for
    // protection), in force.
    support::protection_protocol_in_force(&store).await;

    let config = ServerConfig::local_http(0, dir.path().join("data"));
    let srv = Running::spawn(bind_all_facets(store, config).await, support::client());
    let (url, client) = (&srv.url, &srv.client);

    // fr-paf refers the child to ngo-aid.
    let child = prot.entity_id(&prot.entities[0]).to_string();
    let r = client
        .post(format!("{url}/api/v1/referrals"))
        .headers(login(&srv, "officer-paf").await)
        .json(&json!({
            "person": child, "to_agency": "ngo-aid",
            "consent": {"by": "guardian", "method": "written", "given_at": "2025-03-06T09:00:00Z"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let referral_id = r.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let referral_route = format!("/api/v1/referrals/{referral_id}");

    let doc: Value = client
        .get(format!("{url}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The audit views (tag `audit`) show the trail itself: which object ids were
    // acted on, by whom, for what purpose — by design every id, never content. Only the
    // data-protection officer may use them; everyone else must get 403.
    let audit_routes: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| {
            item.get("get")
                .and_then(|g| g["tags"].as_array())
                .is_some_and(|t| t.iter().any(|x| x == "audit"))
        })
        .map(|(p, _)| p.clone())
        .collect();
    assert!(audit_routes.len() >= 2, "{audit_routes:?}");
    let mut get_routes: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(p, _)| p.clone())
        .collect();
    get_routes.sort();
    assert!(get_routes.len() >= 8, "{get_routes:?}");

    let all_ids: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            std::iter::once(r.id.to_string())
                .chain(r.entities.iter().map(|e| r.entity_id(e).to_string()))
        })
        .chain([referral_id.clone()])
        .collect();
    let list_queries = [
        "",
        "?limit=1000",
        "?agency=fr-douane&limit=1000",
        "?agency=fr-paf",
        "?agency=it-gdf",
        "?bbox=-180,-90,180,90&limit=1000",
        "?from=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z",
        // search terms (other routes ignore `q`): protected names in other spellings,
        // the protected report's narrative, the asylum applicant's phone, hidden reports
        "?q=Amirleak+Haddadleak",
        "?q=Amirlek+Hadadleak&limit=100",
        "?q=Yonasleak",
        "?q=leakcheck+boat",
        "?q=0699887766",
        "?q=report+number&limit=100",
        "?q=Person&kind=entity&limit=100",
    ];

    let mut calls = 0u32;
    let mut positives = 0u32;
    let mut referral_reads = 0u32;
    for w in USERS {
        let p = principal(w);
        let h = login(&srv, w.username).await;
        // what this user must never see
        let mut forbidden: BTreeSet<String> = BTreeSet::new();
        let mut allowed_markers: BTreeSet<String> = BTreeSet::new();
        for r in &reports {
            let d = may_read(&p, &ReportLabels::of(r), "leak suite");
            if d.allowed {
                allowed_markers.extend(markers(r));
            } else {
                forbidden.extend(markers(r));
            }
        }
        // protected persons: names and birth dates never raw (but see the referral)
        forbidden.insert(MIGRANT.into());
        forbidden.insert(ASYLUM.into());
        forbidden.insert("2010-04-03".into());
        if w.country == "er" {
            let a = &prot.entities[1];
            forbidden.insert(prot.entity_id(a).to_string());
            forbidden.insert("+33699887766".into());
        }
        // a marker both visible and forbidden cannot be checked (shared value)
        let forbidden: Vec<String> = forbidden
            .into_iter()
            .filter(|f| !allowed_markers.contains(f) || f == MIGRANT || f == ASYLUM)
            .collect();

        for route in &get_routes {
            let mut urls: Vec<(String, Option<String>)> = Vec::new();
            if route.contains('{') {
                for id in &all_ids {
                    let path = route
                        .split('/')
                        .map(|seg| {
                            if seg.starts_with('{') {
                                id.as_str()
                            } else {
                                seg
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("/");
                    urls.push((path, Some(id.clone())));
                }
            } else {
                for q in list_queries {
                    urls.push((format!("{route}{q}"), None));
                }
            }
            for (path, asked) in urls {
                let r = client
                    .request(Method::GET, format!("{url}{path}"))
                    .headers(h.clone())
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let headers = format!("{:?}", r.headers());
                let sse = r
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
                let mut body = if sse {
                    // a live stream does not end: read up to its `ready` event
                    let mut r = r;
                    let mut text = String::new();
                    while !text.contains("event: ready") {
                        let Some(c) = r.chunk().await.unwrap() else {
                            break;
                        };
                        text.push_str(&String::from_utf8_lossy(&c));
                    }
                    text
                } else {
                    r.text().await.unwrap()
                };
                calls += 1;
                if audit_routes.contains(route) {
                    if w.roles.contains(&UserRole::DataProtectionOfficer) {
                        assert!(status.is_success(), "dpo GET {path}: {status} {body}");
                        // ids are what the trail is about; content never is
                        for f in forbidden.iter().filter(|f| !f.contains(':')) {
                            assert!(!body.contains(f.as_str()), "GET {path} leaks {f:?}");
                        }
                    } else {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{} GET {path}", w.username);
                    }
                    continue;
                }
                assert!(
                    !status.is_server_error(),
                    "{} GET {path}: {status}",
                    w.username
                );
                // the id the caller sent may be echoed back (e.g. in a problem's
                // `instance`); that is not a leak
                if let Some(id) = &asked {
                    if !status.is_success() {
                        body = body.replace(id.as_str(), "<asked>");
                    }
                }
                // The referral's caseworker reads the child's name and birth date on
                // the referral's own route, and there only; the referral routes name the
                // child and the package's report to them (nothing else of that report).
                let referral_routes =
                    w.username == "ngo-worker" && path.starts_with("/api/v1/referrals");
                let through_referral = w.username == "ngo-worker" && path == referral_route;
                if through_referral {
                    assert!(
                        status.is_success() && body.contains(MIGRANT),
                        "the caseworker reads the referred child: {status} {body}"
                    );
                    positives += 1;
                    referral_reads += 1;
                }
                for f in &forbidden {
                    if through_referral && (f == MIGRANT || f == "2010-04-03") {
                        continue;
                    }
                    if referral_routes && (*f == child || *f == prot.id.to_string()) {
                        continue;
                    }
                    assert!(
                        !body.contains(f.as_str()) && !headers.contains(f.as_str()),
                        "{} GET {path} ({status}) leaks {f:?}: {body}",
                        w.username
                    );
                }
                if status.is_success() && allowed_markers.iter().any(|m| body.contains(m.as_str()))
                {
                    positives += 1;
                }
                // a hidden object answers exactly like a missing one
                if let Some(id) = &asked {
                    if forbidden.contains(id) {
                        assert!(
                            status == StatusCode::NOT_FOUND
                                || status == StatusCode::FORBIDDEN
                                || status == StatusCode::BAD_REQUEST,
                            "{} GET {path}: {status} for a hidden object",
                            w.username
                        );
                    }
                }
            }
        }
    }
    assert!(calls > 500, "only {calls} calls");
    assert_eq!(
        referral_reads, 1,
        "the caseworker's read of the referral was checked"
    );
    assert!(
        positives > 10,
        "the suite must also see permitted data ({positives})"
    );

    // positive controls for the protection rules
    let h = login(&srv, "analyst-ocriest").await;
    let v: Value = client
        .get(format!("{url}/api/v1/reports/{}", prot.id))
        .headers(h.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let s = v.to_string();
    assert!(s.contains(DRIVER), "{s}");
    assert!(s.contains("pseud:"), "{s}");
    assert!(
        v["flags"]["m"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "child"),
        "{v}"
    );
    let roles = v["report"]["roles"].as_array().unwrap();
    assert!(
        !roles
            .iter()
            .any(|r| r["entity"] == "m" && r["role"] == "boat_pilot"),
        "a smuggled migrant is never listed as a suspect: {roles:?}"
    );
    let h1 = &reports[1];
    let v: Value = client
        .get(format!("{url}/api/v1/reports/{}", h1.id))
        .headers(h.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["marking"], mosaic_policy::handling::H1_MARKING, "{v}");
    let r = client
        .get(format!("{url}/api/v1/export"))
        .headers(h)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers().get("mosaic-marking-h1").unwrap(),
        mosaic_policy::handling::H1_MARKING
    );

    // H2: request → the provider decides → listed; nobody else can decide it
    let h2 = &reports[2];
    let analyst = login(&srv, "analyst-ocriest").await;
    let r = client
        .post(format!("{url}/api/v1/permissions"))
        .headers(analyst.clone())
        .json(&json!({"report_id": h2.id.as_str(), "provider": "fr-douane", "purpose": "case 7: joint file"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let paf = login(&srv, "officer-paf").await;
    let r = client
        .post(format!("{url}/api/v1/permissions/{id}/decision"))
        .headers(paf.clone())
        .json(&json!({"grant": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "only the provider decides"
    );
    let douane = login(&srv, "officer-douane").await;
    let r = client
        .post(format!("{url}/api/v1/permissions/{id}/decision"))
        .headers(douane.clone())
        .json(&json!({"grant": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let list: Value = client
        .get(format!("{url}/api/v1/permissions"))
        .headers(analyst)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["status"], "granted", "{list}");
    let list: Value = client
        .get(format!("{url}/api/v1/permissions"))
        .headers(paf)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");

    srv.stop().await;
}
