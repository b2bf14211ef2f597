//! Mosaic's HTTP server: the JSON API under `/api/v1`, its OpenAPI 3.1 document at
//! `/api/openapi.json`, `/healthz` and `/readyz`, sessions and API tokens.
//!
//! - **Every protected handler takes [`auth::Caller`] first**, so an unauthenticated
//!   request is refused (401) before its input is even parsed; then asks
//!   [`mosaic_policy`] whether the caller may take the action (403 if not); and reads only
//!   through the scope the policy builds for the caller. The server never builds a
//!   whole-store scope (a test checks the source for it). What a caller may not see is
//!   "not found" (404), so existence does not leak.
//! - Errors are `application/problem+json` ([`error`]).
//! - HTTP is allowed on loopback addresses only; otherwise HTTPS with rustls ([`tls`]).
//! - Each request gets an `x-request-id` (kept if the client sent one), which is on the
//!   tracing span of every log line about it and on the response.
//! - Secrets (passwords, session and API tokens, TOTP seeds) are never logged and never
//!   appear in `Debug` output.
#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
pub mod audit_log;
pub mod auth;
pub mod config;
pub mod error;
mod grants;
pub mod retention;
pub mod search;
pub mod state;
pub mod tls;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use mosaic_store::{AccountStore, Store};

pub use admin::{ensure_demo_accounts, DemoAccount, DEMO_ACCOUNTS};
pub use audit_log::{AuditLog, Purpose, PURPOSE_HEADER};
pub use config::{Limits, ServerConfig, TlsConfig};
pub use state::AppState;

/// Errors starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The OpenAPI document of this server, as JSON (for `mosaic openapi` and CI).
pub fn openapi_json() -> String {
    serde_json::to_string_pretty(&api::openapi_value(&api::openapi())).expect("openapi serialises")
}

/// A server bound to its address, not yet serving.
pub struct Server {
    listener: tokio::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: axum::Router,
    local: SocketAddr,
    state: AppState,
}

/// The store facets a server uses besides the data store and the accounts.
#[derive(Clone, Default)]
pub struct Facets {
    /// Recorded H2 permissions.
    pub permissions: Option<Arc<dyn mosaic_store::permissions::PermissionStore>>,
    /// The audit trail every API request is written to. Without it, entries go to the
    /// server log only (a warning says so at start).
    pub audit: Option<Arc<dyn mosaic_store::AuditStore>>,
    /// Agreements (MoUs and protocols): every referral names the clause that allows it.
    pub agreements: Option<Arc<dyn mosaic_store::AgreementStore>>,
    /// Referrals of children and victims of trafficking to partner NGOs.
    pub referrals: Option<Arc<dyn mosaic_store::ReferralStore>>,
    /// Retention: with it (and an audit store) the server runs the retention job daily.
    pub retention: Option<Arc<dyn mosaic_store::RetentionStore>>,
    /// Analysts' judgements, applied when the API resolves an entity.
    pub judgements: Option<Arc<dyn mosaic_store::judgements::JudgementStore>>,
}

impl Server {
    /// Checks the configuration, prepares TLS and binds the listening socket.
    pub async fn bind(
        store: Arc<dyn Store>,
        accounts: Arc<dyn AccountStore>,
        config: ServerConfig,
    ) -> Result<Server, ServerError> {
        Self::bind_with(store, accounts, None, config).await
    }

    /// [`Server::bind`], with the store of recorded H2 permissions (issue 6).
    pub async fn bind_with(
        store: Arc<dyn Store>,
        accounts: Arc<dyn AccountStore>,
        permissions: Option<Arc<dyn mosaic_store::permissions::PermissionStore>>,
        config: ServerConfig,
    ) -> Result<Server, ServerError> {
        Self::bind_facets(
            store,
            accounts,
            Facets {
                permissions,
                ..Facets::default()
            },
            config,
        )
        .await
    }

    /// [`Server::bind`] with every optional store facet; what `mosaic serve` uses.
    pub async fn bind_facets(
        store: Arc<dyn Store>,
        accounts: Arc<dyn AccountStore>,
        facets: Facets,
        config: ServerConfig,
    ) -> Result<Server, ServerError> {
        config.check().map_err(ServerError::Config)?;
        let tls = tls::server_config(&config.tls, &config.data_dir)?;
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| ServerError::Bind {
                addr: config.bind,
                source,
            })?;
        let local = listener.local_addr()?;
        let mut state = AppState::new(store, accounts, config);
        if let Some(p) = facets.permissions {
            state = state.with_permissions(p);
        }
        state = state.with_referrals(facets.agreements, facets.referrals);
        state = state.with_judgements(facets.judgements);
        if let (Some(ret), Some(audit)) = (facets.retention, facets.audit.clone()) {
            retention::spawn_daily(ret, audit, state.0.search.clone());
        }
        match facets.audit {
            Some(a) => state = state.with_audit(a),
            None => {
                tracing::warn!("no audit store: API requests are recorded in the server log only")
            }
        }
        state.0.search.spawn_flusher();
        // Check (or rebuild) the search index now rather than at the first search.
        let warm = state.clone();
        tokio::spawn(async move {
            if let Err(e) = warm.0.search.ready(&*warm.0.store).await {
                tracing::warn!(error = %e, "search index not ready");
            }
        });
        let (app, _) = api::router(state.clone());
        Ok(Server {
            listener,
            tls,
            app,
            local,
            state,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// `https://…` or `http://…` for the bound address.
    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls.is_some() { "https" } else { "http" },
            self.local
        )
    }

    /// Serves until `shutdown` completes, then stops accepting and lets requests in
    /// flight finish.
    pub async fn run<F>(self, shutdown: F) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let make = self
            .app
            .into_make_service_with_connect_info::<tls::ClientAddr>();
        tracing::info!(address = %self.local, tls = self.tls.is_some(), "mosaic server listening");
        match self.tls {
            None => {
                axum::serve(self.listener, make)
                    .with_graceful_shutdown(shutdown)
                    .await?
            }
            Some(cfg) => {
                let l = tls::TlsListener::new(self.listener, cfg)?;
                axum::serve(l, make)
                    .with_graceful_shutdown(shutdown)
                    .await?
            }
        }
        // Requests have finished; export streams may have queued their closing entries.
        self.state.0.audit.close().await;
        tracing::info!("mosaic server stopped");
        Ok(())
    }
}

/// Binds and serves until `shutdown_signal` completes (then shuts down gracefully).
pub async fn serve<F>(
    store: Arc<dyn Store>,
    accounts: Arc<dyn AccountStore>,
    config: ServerConfig,
    shutdown_signal: F,
) -> Result<(), ServerError>
where
    F: Future<Output = ()> + Send + 'static,
{
    Server::bind(store, accounts, config)
        .await?
        .run(shutdown_signal)
        .await
}

/// Completes on Ctrl-C or SIGTERM: pass to [`serve`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested");
}

#[cfg(test)]
mod tests {
    /// The server must never read through a whole-store scope: every read goes through
    /// the scope the policy layer builds for the caller.
    #[test]
    fn no_system_scope_in_server_or_policy() {
        let roots = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/src"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../mosaic-policy/src"),
        ];
        let needle = ["Scope", "::system"].concat();
        let mut stack: Vec<std::path::PathBuf> = roots.iter().map(Into::into).collect();
        let mut checked = 0;
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                assert!(!text.contains(&needle), "{} uses {needle}", p.display());
                checked += 1;
            }
        }
        assert!(checked > 5);
    }
}
