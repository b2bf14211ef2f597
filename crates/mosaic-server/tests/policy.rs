//! Issue 6 over real HTTP: an H2 grant lets the grantee's readers see the report (not
//! before, not after revocation or expiry); a provider's later restriction takes the
//! report away from other agencies at once.

mod support;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use mosaic_model::Report;
use mosaic_server::{Server, ServerConfig};
use mosaic_store::conformance::report;

use support::{add_test_user, demo_store, write_reports, Running, PURPOSE};

struct Srv {
    srv: Running,
    _dir: tempfile::TempDir,
}

struct Sess(HeaderMap);

impl Srv {
    async fn start(reports: &[Report]) -> Srv {
        let dir = tempfile::tempdir().unwrap();
        let store = demo_store(&dir.path().join("data")).await;
        add_test_user(
            &store,
            "douanier",
            "douanier",
            "fr-douane",
            vec!["officer".into()],
            "confidential",
            "douanier-password",
        )
        .await;
        write_reports(&store, reports.to_vec()).await;
        let config = ServerConfig::local_http(0, dir.path().join("data"));
        let server = Server::bind_with(store.clone(), store.clone(), Some(store), config)
            .await
            .unwrap();
        Srv {
            srv: Running::spawn(server, support::client()),
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
            // entity reads need a stated purpose (audit)
            .header(PURPOSE, "task:policy test");
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// What `s` sees of `r`: (the report, its first entity, listed).
    async fn sees(&self, s: &Sess, r: &Report) -> (bool, bool, bool) {
        let (one, _) = self
            .call(s, Method::GET, &format!("/api/v1/reports/{}", r.id), None)
            .await;
        let eid = r.entity_id(&r.entities[0]);
        let (ent, _) = self
            .call(s, Method::GET, &format!("/api/v1/entities/{eid}"), None)
            .await;
        let (st, page) = self
            .call(s, Method::GET, "/api/v1/reports?limit=100", None)
            .await;
        assert_eq!(st, StatusCode::OK);
        let listed = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["report"]["id"] == r.id.as_str());
        (one == StatusCode::OK, ent == StatusCode::OK, listed)
    }
}

impl Drop for Srv {
    fn drop(&mut self) {
        self.srv.signal_stop();
    }
}

const NOTHING: (bool, bool, bool) = (false, false, false);
const ALL: (bool, bool, bool) = (true, true, true);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_grant_unlocks_for_the_grantee_until_revoked_or_expired() {
    let h2 = report(1, "fr-paf", "AMBER", "H2", "restricted");
    let h2b = report(2, "fr-paf", "AMBER", "H2", "restricted");
    let srv = Srv::start(&[h2.clone(), h2b.clone()]).await;
    let analyst = srv.login("analyst", "mosaic-demo-analyst").await;
    let provider = srv.login("officer", "mosaic-demo-officer").await;
    assert_eq!(srv.sees(&provider, &h2).await, ALL);
    assert_eq!(srv.sees(&analyst, &h2).await, NOTHING, "before any request");

    let ask = |rid: &str| json!({"report_id": rid, "provider": "fr-paf", "purpose": "case 7: prosecution file"});
    let (st, req) = srv
        .call(
            &analyst,
            Method::POST,
            "/api/v1/permissions",
            Some(ask(h2.id.as_str())),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{req}");
    let id = req["id"].as_i64().unwrap();
    assert_eq!(
        srv.sees(&analyst, &h2).await,
        NOTHING,
        "pending is not granted"
    );

    // only the provider grants
    let (st, _) = srv
        .call(
            &analyst,
            Method::POST,
            &format!("/api/v1/permissions/{id}/decision"),
            Some(json!({"grant": true})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, g) = srv
        .call(
            &provider,
            Method::POST,
            &format!("/api/v1/permissions/{id}/decision"),
            Some(json!({"grant": true})),
        )
        .await;
    assert_eq!(
        (st, g["status"].as_str()),
        (StatusCode::OK, Some("granted"))
    );
    assert_eq!(srv.sees(&analyst, &h2).await, ALL, "granted");
    assert_eq!(
        srv.sees(&analyst, &h2b).await,
        NOTHING,
        "the grant names one report"
    );
    // …and only the grantee's agency: an officer of another agency sees nothing anyway
    let douanier = srv.login("douanier", "douanier-password").await;
    assert_eq!(srv.sees(&douanier, &h2).await, NOTHING);

    let (st, r) = srv
        .call(
            &provider,
            Method::POST,
            &format!("/api/v1/permissions/{id}/revoke"),
            None,
        )
        .await;
    assert_eq!(
        (st, r["status"].as_str()),
        (StatusCode::OK, Some("revoked"))
    );
    assert_eq!(
        srv.sees(&analyst, &h2).await,
        NOTHING,
        "revoked: gone at once"
    );
    let (st, _) = srv
        .call(
            &provider,
            Method::POST,
            &format!("/api/v1/permissions/{id}/revoke"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "revoked once");

    // a grant that has already expired admits nothing
    let (_, req) = srv
        .call(
            &analyst,
            Method::POST,
            "/api/v1/permissions",
            Some(ask(h2b.id.as_str())),
        )
        .await;
    let id = req["id"].as_i64().unwrap();
    let (st, g) = srv
        .call(
            &provider,
            Method::POST,
            &format!("/api/v1/permissions/{id}/decision"),
            Some(json!({"grant": true, "expires_at": "2020-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(
        (st, g["status"].as_str()),
        (StatusCode::OK, Some("granted"))
    );
    assert_eq!(srv.sees(&analyst, &h2b).await, NOTHING, "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_restriction_takes_the_report_away_at_once() {
    let r = report(3, "fr-paf", "AMBER", "H0", "restricted");
    let srv = Srv::start(std::slice::from_ref(&r)).await;
    let analyst = srv.login("analyst", "mosaic-demo-analyst").await;
    let provider = srv.login("officer", "mosaic-demo-officer").await;
    let douanier = srv.login("douanier", "douanier-password").await;
    assert_eq!(srv.sees(&analyst, &r).await, ALL);
    let path = format!("/api/v1/reports/{}/restrict", r.id);

    // not the provider: another agency's report is "not found"; a reader may not restrict
    let (st, _) = srv
        .call(&douanier, Method::POST, &path, Some(json!({"tlp": "RED"})))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = srv
        .call(&analyst, Method::POST, &path, Some(json!({"tlp": "RED"})))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // never looser
    let (st, p) = srv
        .call(
            &provider,
            Method::POST,
            &path,
            Some(json!({"tlp": "GREEN"})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(srv.sees(&analyst, &r).await, ALL);

    let (st, v) = srv
        .call(
            &provider,
            Method::POST,
            &path,
            Some(json!({"handling": "H2"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (v["version"].as_u64(), v["handling"].as_str()),
        (Some(2), Some("H2"))
    );
    assert_eq!(
        srv.sees(&analyst, &r).await,
        NOTHING,
        "restricted: gone at once"
    );
    assert_eq!(srv.sees(&provider, &r).await, ALL, "the provider keeps it");

    let (st, v) = srv
        .call(
            &provider,
            Method::POST,
            &path,
            Some(json!({"withdraw": true, "reason": "source at risk"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (v["tlp"].as_str(), v["handling"].as_str()),
        (Some("RED"), Some("H3"))
    );
    assert_eq!(srv.sees(&analyst, &r).await, NOTHING);
    assert_eq!(srv.sees(&provider, &r).await, ALL);
}
