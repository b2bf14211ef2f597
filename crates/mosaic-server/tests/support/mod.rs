//! Scaffolding shared by the server's integration tests: an embedded store with the
//! centre and its demo accounts, a server running on an ephemeral port, signed-in
//! sessions. Each test file seeds its own data and keeps its own assertions.

// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use mosaic_model::{Agency, AgencyId, AgencyKind, Report};
use mosaic_server::admin::{add_user, NewUser};
use mosaic_server::{Facets, Server, ServerConfig};
use mosaic_store::conformance::centre;
use mosaic_store::{Store, WriteBatch};
use mosaic_store_sqlite::SqliteStore;

/// The header that states why a request reads personal data (audited).
pub const PURPOSE: &str = "x-mosaic-purpose";

/// An embedded store at `data` with the conformance centre set.
pub async fn open_store(data: &Path) -> Arc<SqliteStore> {
    let store = Arc::new(SqliteStore::open(data).await.unwrap());
    store.set_centre(&centre()).await.unwrap();
    store
}

/// [`open_store`] plus the demo accounts and a second French agency, `fr-douane`.
pub async fn demo_store(data: &Path) -> Arc<SqliteStore> {
    let store = open_store(data).await;
    mosaic_server::ensure_demo_accounts(&*store, &*store)
        .await
        .unwrap();
    put_agency(&store, "fr-douane", "Douane", AgencyKind::Customs, "fr").await;
    store
}

pub async fn put_agency(
    store: &SqliteStore,
    id: &str,
    name: &str,
    kind: AgencyKind,
    country: &str,
) {
    store
        .put_agency(&Agency {
            id: AgencyId::parse(id).unwrap(),
            name: name.into(),
            kind,
            country: country.into(),
        })
        .await
        .unwrap();
}

/// Adds an account the way an administrator would (`mosaic user add`).
pub async fn add_test_user(
    store: &SqliteStore,
    username: &str,
    display_name: &str,
    agency: &str,
    roles: Vec<String>,
    clearance: &str,
    password: &str,
) {
    add_user(
        store,
        store,
        &NewUser {
            username: username.into(),
            display_name: display_name.into(),
            agency: agency.into(),
            roles,
            clearance: clearance.into(),
            password: password.into(),
        },
    )
    .await
    .unwrap();
}

pub async fn write_reports(store: &SqliteStore, reports: Vec<Report>) {
    store
        .write(&WriteBatch {
            reports,
            ..Default::default()
        })
        .await
        .unwrap();
}

/// A server over `store` with every facet the embedded store offers (permissions, audit).
pub async fn bind_all_facets(store: Arc<SqliteStore>, config: ServerConfig) -> Server {
    Server::bind_facets(
        store.clone(),
        store.clone(),
        Facets {
            permissions: Some(store.clone()),
            audit: Some(store.clone()),
            agreements: Some(store.clone()),
            referrals: Some(store.clone()),
            retention: Some(store.clone()),
            judgements: Some(store),
        },
        config,
    )
    .await
    .unwrap()
}

/// The HTTP client of most tests: plain HTTP, bounded so a hung server fails the test.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A server running in the background until [`Running::stop`] (or drop of the test's
/// runtime).
pub struct Running {
    pub url: String,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn spawn(server: Server, client: reqwest::Client) -> Running {
        let url = server.url();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            server
                .run(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Running {
            url,
            client,
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    pub fn req(&self, m: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(m, format!("{}{}", self.url, path))
    }

    /// The response of a sign-in that must succeed.
    pub async fn login_response(&self, username: &str, password: &str) -> reqwest::Response {
        let r = self
            .req(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login {username}");
        r
    }

    /// Signs in; returns the session's headers (cookie and CSRF token, no purpose) and
    /// the login response body.
    pub async fn login(&self, username: &str, password: &str) -> (HeaderMap, Value) {
        let r = self.login_response(username, password).await;
        let cookie = r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let body: Value = r.json().await.unwrap();
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(&cookie).unwrap());
        h.insert(
            "x-csrf-token",
            HeaderValue::from_str(body["csrf_token"].as_str().unwrap()).unwrap(),
        );
        (h, body)
    }

    /// Asks the server to stop without waiting (for `Drop`).
    pub fn signal_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Stops the server and waits for the graceful shutdown to finish.
    pub async fn stop(mut self) {
        self.signal_stop();
        if let Some(handle) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(10), handle)
                .await
                .expect("graceful shutdown finishes")
                .unwrap();
        }
    }
}

/// The example protection protocol (`fr-ncc:agr:protection`) with `fr-paf` and `ngo-aid`
/// as its second and third parties: its clause 3.2 lets every party give the others
/// migrants' and victims' data for protection.
pub fn protection_protocol() -> mosaic_agreements::Agreement {
    let doc = serde_json::to_string(&mosaic_agreements::example::agreement(
        "fr-ncc:agr:protection",
        3,
    ))
    .unwrap()
    .replace("\"be-ncc\"", "\"fr-paf\"")
    .replace("\"fr-ngo-refuge\"", "\"ngo-aid\"");
    serde_json::from_str(&doc).unwrap()
}

/// Records [`protection_protocol`] in force, signed by every party.
pub async fn protection_protocol_in_force(store: &SqliteStore) {
    let doc = protection_protocol();
    for e in mosaic_agreements::example::in_force_events(&doc) {
        mosaic_store::agreements::record(store, &doc.id, &e)
            .await
            .unwrap();
    }
}
