//! End-to-end tests over real HTTP(S) on 127.0.0.1 with an ephemeral port, against the
//! embedded store.

mod support;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use mosaic_model::Report;
use mosaic_server::{ServerConfig, TlsConfig};
use mosaic_store::conformance::report;
use mosaic_store::{Store, WriteBatch};
use mosaic_store_sqlite::SqliteStore;

use support::{add_test_user, bind_all_facets, demo_store, write_reports, Running, PURPOSE};

struct TestServer {
    srv: Running,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
    /// Seeded reports: fr-paf AMBER, fr-douane AMBER, fr-douane RED, fr-douane SECRET.
    paf: Report,
    douane_amber: Report,
    douane_red: Report,
    douane_secret: Report,
}

impl TestServer {
    async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    async fn start_with(f: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = demo_store(&dir.path().join("data")).await;
        for (name, agency, role) in [
            ("douanier", "fr-douane", "officer"),
            ("analyst2", "fr-ocriest", "analyst"),
        ] {
            add_test_user(
                &store,
                name,
                name,
                agency,
                vec![role.into()],
                "confidential",
                &format!("{name}-password"),
            )
            .await;
        }
        let paf = report(1, "fr-paf", "AMBER", "H0", "restricted");
        let douane_amber = report(2, "fr-douane", "AMBER", "H1", "restricted");
        let douane_red = report(3, "fr-douane", "RED", "H2", "restricted");
        let douane_secret = report(4, "fr-douane", "GREEN", "H0", "secret");
        write_reports(
            &store,
            vec![
                paf.clone(),
                douane_amber.clone(),
                douane_red.clone(),
                douane_secret.clone(),
            ],
        )
        .await;

        let mut config = ServerConfig::local_http(0, dir.path().join("data"));
        f(&mut config);
        let tls = config.tls.enabled();
        let server = bind_all_facets(store.clone(), config).await;
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none());
        if tls {
            let pem = std::fs::read(dir.path().join("data/tls/cert.pem")).unwrap();
            builder = builder
                .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
                .https_only(true);
        }
        let client = builder.build().unwrap();
        TestServer {
            srv: Running::spawn(server, client),
            store,
            _dir: dir,
            paf,
            douane_amber,
            douane_red,
            douane_secret,
        }
    }

    fn req(&self, m: Method, path: &str) -> reqwest::RequestBuilder {
        self.srv.req(m, path)
    }

    async fn login(&self, username: &str, password: &str) -> Sess {
        Sess::from_login(self.srv.login_response(username, password).await).await
    }

    async fn stop(self) {
        self.srv.stop().await;
    }

    /// Polls an import job (`loc`, its `Location`) until it is no longer running, for at
    /// most five seconds, and returns it.
    async fn finished_job(&self, o: &Sess, loc: &str) -> Value {
        let mut job = Value::Null;
        for _ in 0..100 {
            job = self
                .req(Method::GET, loc)
                .headers(o.cookie_only())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if job["state"] != "running" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        job
    }
}

/// A signed-in browser: the session cookie and the CSRF token.
#[derive(Clone)]
struct Sess {
    cookie: String,
    set_cookie: String,
    csrf: String,
    body: Value,
}

impl Sess {
    async fn from_login(r: reqwest::Response) -> Sess {
        let set_cookie = r
            .headers()
            .get(SET_COOKIE)
            .expect("login sets a cookie")
            .to_str()
            .unwrap()
            .to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let body: Value = r.json().await.unwrap();
        Sess {
            cookie,
            set_cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            body,
        }
    }

    /// Cookie + CSRF header, as the web app sends them.
    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(&self.cookie).unwrap());
        h.insert("x-csrf-token", HeaderValue::from_str(&self.csrf).unwrap());
        h.insert(PURPOSE, HeaderValue::from_static(TEST_PURPOSE));
        h
    }

    /// The cookie only (what a cross-site form post would carry at best).
    fn cookie_only(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(&self.cookie).unwrap());
        h.insert(PURPOSE, HeaderValue::from_static(TEST_PURPOSE));
        h
    }
}

/// Every request of these tests states a purpose (the audit tests check what happens
/// without one).
const TEST_PURPOSE: &str = "task:end-to-end test";

fn bearer(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(PURPOSE, HeaderValue::from_static(TEST_PURPOSE));
    h.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    h
}

async fn problem(r: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status, "{:?}", r.headers());
    assert_eq!(
        r.headers().get(CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], status.as_u16());
    assert!(v["type"]
        .as_str()
        .unwrap()
        .starts_with("urn:mosaic:problem:"));
    v
}

fn submit_body(n: u32, agency: &str) -> Value {
    json!({
        "agency": agency,
        "report_type": "interception",
        "source_ref": format!("API-{n}"),
        "reported_at": "2025-04-01T10:00:00Z",
        "handling": "H0",
        "tlp": "AMBER",
        "classification": "restricted",
        "narrative": "truck intercepted at the port",
        "entities": [{"key": "v", "schema": "Vehicle", "properties": {"registrationNumber": ["AB-123-CD"]}}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_in_the_openapi_document_refuses_the_unauthenticated() {
    let s = TestServer::start().await;
    let r = s
        .req(Method::GET, "/api/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut public = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            let url = path.replace("{id}", s.paf.id.as_str());
            let is_public = op["security"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|x| x.as_object().is_some_and(|o| o.is_empty()))
            });
            if is_public {
                public.push(format!("{method} {path}"));
                // Public routes still must not fail on an empty request.
                let r = s
                    .req(m.clone(), &url)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert!(
                    !r.status().is_server_error(),
                    "{method} {path}: {}",
                    r.status()
                );
                continue;
            }
            // No credentials; a bogus token; a bogus cookie; all with a JSON body.
            let attempts: Vec<HeaderMap> = vec![
                HeaderMap::new(),
                bearer("mosaic_0000000000000000000000000000000000000000000000000000000000000000"),
                bearer("not-a-token"),
                {
                    let mut h = HeaderMap::new();
                    h.insert(
                        COOKIE,
                        HeaderValue::from_static(
                            "mosaic_session=00000000000000000000000000000000000000000000000000000000000000ff",
                        ),
                    );
                    h.insert("x-csrf-token", HeaderValue::from_static("x"));
                    h
                },
            ];
            for h in attempts {
                let r = s
                    .req(m.clone(), &url)
                    .headers(h)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
                let p = problem(r, StatusCode::UNAUTHORIZED).await;
                assert_eq!(
                    p["type"], "urn:mosaic:problem:unauthenticated",
                    "{method} {path}"
                );
            }
            checked += 1;
        }
    }
    public.sort();
    assert_eq!(
        public,
        ["get /healthz", "get /readyz", "post /api/v1/auth/login"]
    );
    assert!(checked >= 20, "only {checked} protected operations");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_session_and_csrf() {
    let s = TestServer::start().await;
    let a = s.login("Analyst", "mosaic-demo-analyst").await;
    // Cookie attributes (plain local HTTP: no Secure, no __Host- prefix).
    assert!(a.set_cookie.starts_with("mosaic_session="));
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(a.set_cookie.contains(attr), "{}", a.set_cookie);
    }
    assert!(!a.set_cookie.contains("Secure"));
    assert_eq!(a.body["user"]["username"], "analyst");
    assert!(a.body["user"].get("password_hash").is_none());

    // GET needs no CSRF token.
    let me: Value = s
        .req(Method::GET, "/api/v1/auth/me")
        .headers(a.cookie_only())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["auth"], "session");
    assert_eq!(me["csrf_token"], a.csrf.as_str());
    assert!(me["actions"]
        .as_array()
        .unwrap()
        .contains(&json!("read_entity")));

    // Unsafe methods need the CSRF token.
    let r = s
        .req(Method::POST, "/api/v1/auth/logout")
        .headers(a.cookie_only())
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::FORBIDDEN).await;
    assert_eq!(p["type"], "urn:mosaic:problem:csrf");
    let mut wrong = a.cookie_only();
    wrong.insert("x-csrf-token", HeaderValue::from_static("nope"));
    let r = s
        .req(Method::POST, "/api/v1/auth/logout")
        .headers(wrong)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;

    let r = s
        .req(Method::POST, "/api/v1/auth/logout")
        .headers(a.headers())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let r = s
        .req(Method::GET, "/api/v1/auth/me")
        .headers(a.cookie_only())
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED).await;

    // Wrong password and unknown user look the same.
    for (u, p) in [
        ("analyst", "wrong-password"),
        ("nobody", "whatever-password"),
    ] {
        let r = s
            .req(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": u, "password": p}))
            .send()
            .await
            .unwrap();
        let v = problem(r, StatusCode::UNAUTHORIZED).await;
        assert_eq!(v["type"], "urn:mosaic:problem:bad-credentials");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_account_for_a_while() {
    let s = TestServer::start_with(|c| {
        c.limits.max_failed_logins = 3;
        c.limits.lockout = Duration::from_secs(2);
    })
    .await;
    let attempt = |pw: &'static str| {
        s.req(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": "officer", "password": pw}))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            attempt("wrong-password").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked: even the right password is refused.
    assert_eq!(
        attempt("mosaic-demo-officer").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let rec = mosaic_store::AccountStore::user_by_username(&*s.store, "officer")
        .await
        .unwrap()
        .unwrap();
    assert!(rec.locked_until.is_some());
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_eq!(
        attempt("mosaic-demo-officer").await.unwrap().status(),
        StatusCode::OK
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_rate_limited_per_address() {
    let s = TestServer::start_with(|c| c.limits.login_attempts_per_minute = 3).await;
    for _ in 0..3 {
        let r = s
            .req(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": "nobody", "password": "whatever-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = s
        .req(Method::POST, "/api/v1/auth/login")
        .json(&json!({"username": "analyst", "password": "mosaic-demo-analyst"}))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("retry-after").is_some());
    problem(r, StatusCode::TOO_MANY_REQUESTS).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_submit_for_their_agency_and_can_be_revoked() {
    let s = TestServer::start().await;
    let admin = s.login("admin", "mosaic-demo-admin").await;
    let r = s
        .req(Method::POST, "/api/v1/tokens")
        .headers(admin.headers())
        .json(&json!({"name": "PAF system", "agency": "fr-paf", "actions": ["submit_report", "read_report"], "clearance": "restricted", "expires_in_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["details"]["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("mosaic_"));

    // Tokens that ask for admin actions are refused.
    let r = s
        .req(Method::POST, "/api/v1/tokens")
        .headers(admin.headers())
        .json(&json!({"name": "x", "actions": ["manage_users"]}))
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "actions[0]");

    // The list never shows the secret.
    let r = s
        .req(Method::GET, "/api/v1/tokens?agency=fr-paf")
        .headers(admin.cookie_only())
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(!text.contains(&token));
    assert!(text.contains(&id));

    // Submit with the token: inserted, then idempotent.
    let submit = |body: Value| {
        s.req(Method::POST, "/api/v1/reports")
            .headers(bearer(&token))
            .json(&body)
            .send()
    };
    let r = submit(submit_body(1, "fr-paf")).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let loc = r
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["result"], "inserted");
    let r = submit(submit_body(1, "fr-paf")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "duplicate");
    let r = s
        .req(Method::GET, &loc)
        .headers(bearer(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let got: Value = r.json().await.unwrap();
    assert_eq!(got["report"]["source_ref"], "API-1");

    // Another agency's report: refused. Actions the token lacks: refused.
    let r = submit(submit_body(2, "fr-douane")).await.unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    let r = s
        .req(Method::GET, "/api/v1/users")
        .headers(bearer(&token))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    // The token reads only its own agency's material.
    let r = s
        .req(
            Method::GET,
            &format!("/api/v1/reports/{}", s.douane_amber.id),
        )
        .headers(bearer(&token))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND).await;

    // Revoked: refused at once.
    let r = s
        .req(Method::DELETE, &format!("/api/v1/tokens/{id}"))
        .headers(admin.headers())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = submit(submit_body(3, "fr-paf")).await.unwrap();
    problem(r, StatusCode::UNAUTHORIZED).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_reports_list_every_broken_rule() {
    let s = TestServer::start().await;
    let o = s.login("officer", "mosaic-demo-officer").await;
    let r = s
        .req(Method::POST, "/api/v1/reports")
        .headers(o.headers())
        .json(&json!({
            "agency": "fr-paf",
            "report_type": "teleportation",
            "reported_at": "yesterday",
            "handling": "H3",
            "tlp": "AMBER",
            "classification": "restricted",
            "colour": "blue"
        }))
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let errs: Vec<(String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for want in [
        ("report_type", "vocabulary"),
        ("reported_at", "date"),
        ("handling_conditions", "handling"),
        ("colour", "unknown_field"),
    ] {
        assert!(
            errs.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{want:?} not in {errs:?}"
        );
    }
    // Not JSON at all.
    let r = s
        .req(Method::POST, "/api/v1/reports")
        .headers(o.headers())
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST).await;
    // Too large.
    let big = "x".repeat(5 * 1024 * 1024);
    let r = s
        .req(Method::POST, "/api/v1/reports")
        .headers(o.headers())
        .json(&json!({ "narrative": big }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::PAYLOAD_TOO_LARGE).await;
    // An analyst may not submit.
    let a = s.login("analyst", "mosaic-demo-analyst").await;
    let r = s
        .req(Method::POST, "/api/v1/reports")
        .headers(a.headers())
        .json(&submit_body(1, "fr-ocriest"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agency_a_cannot_see_agency_b_restricted_material() {
    let s = TestServer::start().await;
    let officer = s.login("officer", "mosaic-demo-officer").await; // fr-paf, own agency only
    let get =
        |sess: &Sess, path: String| s.req(Method::GET, &path).headers(sess.cookie_only()).send();
    // Own agency: visible.
    let r = get(&officer, format!("/api/v1/reports/{}", s.paf.id))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let person = s.paf.entity_id(&s.paf.entities[0]);
    let r = get(&officer, format!("/api/v1/entities/{person}"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["schema"], "Person");
    assert_eq!(e["statements"][0]["agency"], "fr-paf");
    assert_eq!(e["statements"][0]["grading"], "B2");

    // Another agency's report and entity: 404, the same as something that does not exist.
    let missing = get(&officer, "/api/v1/reports/fr-ncc:rep:doesnotexist".into())
        .await
        .unwrap();
    let missing = problem(missing, StatusCode::NOT_FOUND).await;
    for r in [&s.douane_amber, &s.douane_red] {
        let resp = get(&officer, format!("/api/v1/reports/{}", r.id))
            .await
            .unwrap();
        assert_eq!(
            problem(resp, StatusCode::NOT_FOUND).await.to_string(),
            missing.to_string()
        );
        let ent = r.entity_id(&r.entities[0]);
        let resp = get(&officer, format!("/api/v1/entities/{ent}"))
            .await
            .unwrap();
        problem(resp, StatusCode::NOT_FOUND).await;
    }
    let list: Value = get(&officer, "/api/v1/reports".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [s.paf.id.as_str()]);

    // An analyst sees across agencies, but not RED nor above their clearance.
    let analyst = s.login("analyst", "mosaic-demo-analyst").await;
    let r = get(&analyst, format!("/api/v1/reports/{}", s.douane_amber.id))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for hidden in [&s.douane_red, &s.douane_secret] {
        let r = get(&analyst, format!("/api/v1/reports/{}", hidden.id))
            .await
            .unwrap();
        problem(r, StatusCode::NOT_FOUND).await;
    }
    // And the officer of the providing agency sees its own RED report.
    let douanier = s.login("douanier", "douanier-password").await;
    let r = get(&douanier, format!("/api/v1/reports/{}", s.douane_red.id))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Administrators manage accounts; they do not read intelligence.
    let admin = s.login("admin", "mosaic-demo-admin").await;
    let r = get(&admin, format!("/api/v1/reports/{}", s.paf.id))
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_ids_must_name_the_providers_own_reports() {
    let s = TestServer::start().await;
    let o = s.login("officer", "mosaic-demo-officer").await; // fr-paf
                                                             // Trying to overwrite another agency's report by its id.
    let mut body = submit_body(9, "fr-paf");
    body["id"] = json!(s.douane_amber.id.as_str());
    let r = s
        .req(Method::POST, "/api/v1/reports")
        .headers(o.headers())
        .json(&body)
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "id");
    // A new version of its own report is fine.
    let mut own = serde_json::to_value(&s.paf).unwrap();
    own["narrative"] = json!("corrected narrative");
    let r = s
        .req(Method::POST, "/api/v1/reports")
        .headers(o.headers())
        .json(&own)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "new_version");
    let got = s
        .req(Method::GET, &format!("/api/v1/reports/{}", s.paf.id))
        .headers(o.cookie_only())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(got["version"], 2);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_lists_page_by_cursor_and_export_streams() {
    let s = TestServer::start().await;
    let extra: Vec<Report> = (10..17)
        .map(|n| report(n, "fr-paf", "GREEN", "H0", "unclassified"))
        .collect();
    s.store
        .write(&WriteBatch {
            reports: extra,
            ..Default::default()
        })
        .await
        .unwrap();
    let a = s.login("analyst", "mosaic-demo-analyst").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/reports?limit=3".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: Value = s
            .req(Method::GET, &path)
            .headers(a.cookie_only())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(
            items
                .iter()
                .map(|r| r["report"]["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // 7 extra + paf + douane_amber visible to the analyst (RED and SECRET are not).
    assert_eq!(seen.len(), 9, "{seen:?}");
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 9);

    // Time window and area filters.
    let page: Value = s
        .req(Method::GET, "/api/v1/reports?from=2025-03-12T00:00:00Z&until=2025-03-14T00:00:00Z&bbox=-10,40,20,60")
        .headers(a.cookie_only())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    // Bad parameters are problems, not server errors.
    for bad in [
        "limit=abc",
        "bbox=1,2,3",
        "from=yesterday",
        "cursor=zz",
        "agency=NOT%20AN%20ID",
    ] {
        let r = s
            .req(Method::GET, &format!("/api/v1/reports?{bad}"))
            .headers(a.cookie_only())
            .send()
            .await
            .unwrap();
        problem(r, StatusCode::BAD_REQUEST).await;
    }
    // A huge page size is capped.
    let page: Value = s
        .req(Method::GET, "/api/v1/reports?limit=4000000000")
        .headers(a.cookie_only())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 9);

    let r = s
        .req(Method::GET, "/api/v1/export")
        .headers(a.cookie_only())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get(CONTENT_TYPE).unwrap(),
        "application/x-ndjson"
    );
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 9);
    for l in &lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["format"], "mosaic.report/1");
        assert_ne!(v["tlp"], "RED");
    }
    // Officers may not export.
    let o = s.login("officer", "mosaic-demo-officer").await;
    let r = s
        .req(Method::GET, "/api/v1/export")
        .headers(o.cookie_only())
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_manage_agencies_and_users() {
    let s = TestServer::start().await;
    let admin = s.login("admin", "mosaic-demo-admin").await;
    let post = |path: &str, body: Value, h: HeaderMap| {
        s.req(Method::POST, path).headers(h).json(&body).send()
    };
    let r = post(
        "/api/v1/agencies",
        json!({"id": "fr-gn", "name": "Gendarmerie", "kind": "police", "country": "FR"}),
        admin.headers(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post(
        "/api/v1/agencies",
        json!({"id": "fr-gn", "name": "Gendarmerie", "kind": "police", "country": "fr"}),
        admin.headers(),
    )
    .await
    .unwrap();
    problem(r, StatusCode::CONFLICT).await;
    let r = post(
        "/api/v1/agencies",
        json!({"id": "X", "name": "", "kind": "wizards", "country": "france"}),
        admin.headers(),
    )
    .await
    .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"].as_array().unwrap().len(), 4);

    let r = post(
        "/api/v1/users",
        json!({"username": "gendarme", "display_name": "G", "agency": "fr-gn", "roles": ["officer"], "clearance": "restricted", "password": "gendarme-password"}),
        admin.headers(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let u: Value = r.json().await.unwrap();
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    let r = post(
        "/api/v1/users",
        json!({"username": "x", "display_name": "G", "agency": "fr-nowhere", "roles": ["wizard"], "clearance": "cosmic", "password": "short"}),
        admin.headers(),
    )
    .await
    .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["username", "roles[0]", "clearance", "password", "agency"] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }

    // Paged user list.
    let page: Value = s
        .req(Method::GET, "/api/v1/users?limit=2")
        .headers(admin.cookie_only())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["username"], "admin");
    let next = page["next_cursor"].as_str().unwrap();
    let page2: Value = s
        .req(
            Method::GET,
            &format!("/api/v1/users?limit=100&cursor={next}"),
        )
        .headers(admin.cookie_only())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page2["items"].as_array().unwrap().len(), 4);
    assert!(page2.get("next_cursor").is_none());

    // Disabling ends the user's sessions at once.
    let g = s.login("gendarme", "gendarme-password").await;
    let r = post("/api/v1/users/gendarme/disable", json!({}), admin.headers())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["disabled"], true);
    let r = s
        .req(Method::GET, "/api/v1/auth/me")
        .headers(g.cookie_only())
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED).await;
    let r = s
        .req(Method::POST, "/api/v1/auth/login")
        .json(&json!({"username": "gendarme", "password": "gendarme-password"}))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED).await;
    let r = post("/api/v1/users/admin/disable", json!({}), admin.headers())
        .await
        .unwrap();
    problem(r, StatusCode::CONFLICT).await;
    let r = post("/api/v1/users/nobody/disable", json!({}), admin.headers())
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND).await;

    // Non-administrators cannot.
    let a = s.login("analyst", "mosaic-demo-analyst").await;
    let r = post(
        "/api/v1/users",
        json!({"username": "sneaky", "display_name": "S", "agency": "fr-paf", "roles": ["administrator"], "clearance": "secret", "password": "sneaky-password"}),
        a.headers(),
    )
    .await
    .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    let r = s
        .req(Method::GET, "/api/v1/users")
        .headers(a.cookie_only())
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_second_factor_with_replay_guard() {
    let s = TestServer::start().await;
    let a = s.login("analyst", "mosaic-demo-analyst").await;
    let setup: Value = s
        .req(Method::POST, "/api/v1/auth/totp/setup")
        .headers(a.headers())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(setup["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Mosaic:analyst?"));
    let now = chrono::Utc::now();
    let code = mosaic_server::auth::totp_now(&secret, now).unwrap();
    let r = s
        .req(Method::POST, "/api/v1/auth/totp/enable")
        .headers(a.headers())
        .json(&json!({"secret": secret, "code": "000000x"}))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = s
        .req(Method::POST, "/api/v1/auth/totp/enable")
        .headers(a.headers())
        .json(&json!({"secret": secret, "code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let login = |totp: Option<String>| {
        s.req(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": "analyst", "password": "mosaic-demo-analyst", "totp": totp}))
            .send()
    };
    let p = problem(login(None).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert_eq!(p["type"], "urn:mosaic:problem:totp-required");
    // The code used to enrol cannot be used again.
    problem(login(Some(code)).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    // The next step's code works (±1 step of clock skew is accepted), once.
    let next = mosaic_server::auth::totp_now(&secret, now + chrono::Duration::seconds(30)).unwrap();
    let r = login(Some(next.clone())).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    problem(login(Some(next)).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change_ends_sessions() {
    let s = TestServer::start().await;
    let o = s.login("officer", "mosaic-demo-officer").await;
    let r = s
        .req(Method::POST, "/api/v1/auth/password")
        .headers(o.headers())
        .json(&json!({"current_password": "wrong", "new_password": "a-new-long-password"}))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = s
        .req(Method::POST, "/api/v1/auth/password")
        .headers(o.headers())
        .json(&json!({"current_password": "mosaic-demo-officer", "new_password": "a-new-long-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = s
        .req(Method::GET, "/api/v1/auth/me")
        .headers(o.cookie_only())
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED).await;
    s.login("officer", "a-new-long-password").await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_request_ids_and_unknown_routes() {
    let s = TestServer::start().await;
    let r = s.req(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("x-request-id").is_some());
    let r = s.req(Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .req(Method::GET, "/api/v1/nothing-here")
        .header("x-request-id", "my-request-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("x-request-id").unwrap(), "my-request-42");
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    problem(r, StatusCode::NOT_FOUND).await;
    let r = s.req(Method::PUT, "/healthz").send().await.unwrap();
    problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_self_signed_certificate_and_secure_cookies() {
    let s = TestServer::start_with(|c| {
        c.tls = TlsConfig::SelfSigned {
            extra_names: vec![],
        }
    })
    .await;
    assert!(s.srv.url.starts_with("https://127.0.0.1:"));
    let r = s.req(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("strict-transport-security").is_some());
    let a = s.login("analyst", "mosaic-demo-analyst").await;
    assert!(a.set_cookie.starts_with("__Host-mosaic_session="));
    assert!(a.set_cookie.contains("; Secure"));
    let r = s
        .req(Method::GET, "/api/v1/auth/me")
        .headers(a.cookie_only())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The certificate is kept: a second start reuses it.
    let key = s._dir.path().join("data/tls/key.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused() {
    let mut c = ServerConfig::local_http(0, std::env::temp_dir());
    c.bind = "0.0.0.0:0".parse().unwrap();
    assert!(c.check().is_err());
    c.tls = TlsConfig::SelfSigned {
        extra_names: vec![],
    };
    assert!(c.check().is_ok());
}

/// CSV over the API: the mapping is uploaded first (checked: a bad one is a 422 naming
/// the rule), then the CSV with its id; good rows are stored, bad rows come back with
/// line, field and rule. A mapping of another agency's reports is refused on every row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_import_with_an_uploaded_mapping() {
    let s = TestServer::start().await;
    let o = s.login("officer", "mosaic-demo-officer").await; // fr-paf
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
    let mapping = std::fs::read_to_string(docs.join("paf-interceptions.mapping.toml")).unwrap();
    let csv = std::fs::read(docs.join("paf-interceptions.csv")).unwrap();

    let upload_mapping = |body: String| {
        s.req(Method::POST, "/api/v1/imports/mappings")
            .headers(o.headers())
            .header(CONTENT_TYPE, "text/plain")
            .body(body)
    };
    let p = problem(
        upload_mapping("[source]\nagency = 3\n".into())
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "mapping", "{p}");
    assert_eq!(p["errors"][0]["rule"], "mapping", "{p}");
    let r = upload_mapping(mapping.clone()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["agency"], "fr-paf");
    let id = m["id"].as_str().unwrap().to_owned();

    // An unknown mapping id is refused before anything is read.
    let r = s
        .req(
            Method::POST,
            &format!("/api/v1/imports?mapping={}", "0".repeat(64)),
        )
        .headers(o.headers())
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["rule"], "unknown", "{p}");

    let r = s
        .req(
            Method::POST,
            &format!("/api/v1/imports?mapping={id}&file_name=paf-interceptions.csv"),
        )
        .headers(o.headers())
        .header(CONTENT_TYPE, "text/csv")
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let job = s.finished_job(&o, &loc).await;
    assert_eq!(job["state"], "finished", "{job}");
    // The example has two good rows and two bad ones (an impossible date, an unknown
    // grading), each named with its line, field and rule (docs/import.md).
    assert_eq!(job["summary"]["outcome"]["inserted"], 2, "{job}");
    let rejects = job["rejects"].as_array().unwrap();
    assert_eq!(rejects.len(), 2, "{job}");
    assert!(
        rejects
            .iter()
            .any(|r| r["line"] == 4 && r["rule"] == "date"),
        "{job}"
    );
    assert!(
        rejects
            .iter()
            .any(|r| r["line"] == 5 && r["rule"] == "grading"),
        "{job}"
    );

    // A douanier with a mapping of fr-paf's reports: every row is refused, nothing stored.
    let d = s.login("douanier", "douanier-password").await;
    let r = s
        .req(Method::POST, &format!("/api/v1/imports?mapping={id}"))
        .headers(d.headers())
        .body(csv)
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["rule"] == "provider"),
        "{p}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_import_runs_as_a_job_with_rejects_and_provider_control() {
    let s = TestServer::start().await;
    let o = s.login("officer", "mosaic-demo-officer").await; // fr-paf
    let line = |n: u32, agency: &str| serde_json::to_string(&submit_body(n, agency)).unwrap();
    let mut bad = submit_body(3, "fr-paf");
    bad["tlp"] = json!("PURPLE");
    let upload = format!(
        "{}\n{}\n{}\nnot json\n",
        line(1, "fr-paf"),
        line(2, "fr-paf"),
        serde_json::to_string(&bad).unwrap()
    );
    let r = s
        .req(Method::POST, "/api/v1/imports?file_name=paf-batch.jsonl")
        .headers(o.headers())
        .header(CONTENT_TYPE, "application/x-ndjson")
        .body(upload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let loc = r
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let job: Value = r.json().await.unwrap();
    assert_eq!(job["state"], "running");
    let job = s.finished_job(&o, &loc).await;
    assert_eq!(job["state"], "finished", "{job}");
    assert_eq!(job["summary"]["outcome"]["inserted"], 2);
    assert_eq!(job["summary"]["file"], "paf-batch.jsonl");
    assert!(job["summary"].get("rejects_file").is_none());
    let rejects = job["rejects"].as_array().unwrap();
    assert!(rejects
        .iter()
        .any(|r| r["line"] == 3 && r["field"] == "tlp" && r["rule"] == "vocabulary"));
    assert!(rejects
        .iter()
        .any(|r| r["line"] == 4 && r["rule"] == "syntax"));
    // The reports are there for the officer's agency.
    let list: Value = s
        .req(Method::GET, "/api/v1/reports?from=2025-04-01T00:00:00Z")
        .headers(o.cookie_only())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // Someone else's job is not found.
    let d = s.login("douanier", "douanier-password").await;
    let r = s
        .req(Method::GET, &loc)
        .headers(d.cookie_only())
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND).await;

    // Another agency's lines: nothing is imported, every offending line is named.
    let mut hijack = submit_body(8, "fr-paf");
    hijack["id"] = json!(s.douane_amber.id.as_str());
    let upload = format!(
        "{}\n{}\n{}\n",
        line(5, "fr-paf"),
        line(6, "fr-douane"),
        serde_json::to_string(&hijack).unwrap()
    );
    let r = s
        .req(Method::POST, "/api/v1/imports")
        .headers(o.headers())
        .body(upload)
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["lines[2].agency", "lines[3].id"]);
    // Analysts do not import.
    let a = s.login("analyst", "mosaic-demo-analyst").await;
    let r = s
        .req(Method::POST, "/api/v1/imports")
        .headers(a.headers())
        .body(line(7, "fr-ocriest"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    s.stop().await;
}
