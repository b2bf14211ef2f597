//! Shared state of the running server.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mosaic_store::{AccountStore, Store};

use crate::config::ServerConfig;

/// Cookie names: with TLS the `__Host-` prefix makes browsers insist on Secure, Path=/ and
/// no Domain, so no sibling host can plant or read it.
pub const COOKIE_TLS: &str = "__Host-mosaic_session";
pub const COOKIE_PLAIN: &str = "mosaic_session";

#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    pub store: Arc<dyn Store>,
    pub accounts: Arc<dyn AccountStore>,
    pub config: ServerConfig,
    pub login_limiter: RateLimiter,
    /// Verified against when a username does not exist, so that unknown and known users
    /// take the same time to refuse.
    pub dummy_hash: String,
    /// Bulk import jobs started through the API.
    pub jobs: crate::api::imports::Jobs,
    /// The centre's key for stable pseudonyms of protected persons' data
    /// (`<data_dir>/pseudonym.key`).
    pub pseudonym_key: mosaic_policy::protect::PseudonymKey,
    /// Recorded H2 permissions, when the backend keeps them.
    pub permissions: Option<Arc<dyn mosaic_store::permissions::PermissionStore>>,
    /// Agreements, which every referral must rest on.
    pub agreements: Option<Arc<dyn mosaic_store::AgreementStore>>,
    /// Referrals to partner NGOs, when the backend keeps them.
    pub referrals: Option<Arc<dyn mosaic_store::ReferralStore>>,
    /// Analysts' judgements (same / not the same), applied when resolving entities.
    pub judgements: Option<Arc<dyn mosaic_store::judgements::JudgementStore>>,
    /// The audit trail every API request is recorded in.
    pub audit: crate::audit_log::AuditLog,
    /// The search index and the notices of stored reports (`store` feeds both).
    pub search: Arc<crate::search::SearchService>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        accounts: Arc<dyn AccountStore>,
        config: ServerConfig,
    ) -> AppState {
        let per_minute = config.limits.login_attempts_per_minute;
        let dummy_hash = crate::auth::hash_password("dummy password never matches")
            .expect("hashing works")
            .expose()
            .to_owned();
        let pseudonym_key =
            mosaic_policy::protect::PseudonymKey::load_or_create(&config.data_dir)
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "pseudonym key not persisted; using a key for this run only");
                    mosaic_policy::protect::PseudonymKey::random()
                });
        // Every write through the server is indexed and announced to live listeners.
        let search = Arc::new(crate::search::SearchService::new(Some(
            config.data_dir.join("search-index"),
        )));
        let store: Arc<dyn Store> =
            Arc::new(crate::search::IndexedStore::new(store, search.clone()));
        AppState(Arc::new(Inner {
            store,
            accounts,
            config,
            login_limiter: RateLimiter::new(per_minute, Duration::from_secs(60)),
            dummy_hash,
            jobs: Default::default(),
            pseudonym_key,
            permissions: None,
            agreements: None,
            referrals: None,
            judgements: None,
            audit: crate::audit_log::AuditLog::new(None),
            search,
        }))
    }

    /// Records every API request in this audit store (call before serving). Without it
    /// entries only go to the server log.
    pub fn with_audit(self, audit: Arc<dyn mosaic_store::AuditStore>) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.audit = crate::audit_log::AuditLog::new(Some(audit));
                AppState(Arc::new(inner))
            }
            Err(shared) => {
                tracing::warn!("state already shared; audit store not attached");
                AppState(shared)
            }
        }
    }

    /// Enables the H2 permission workflow with this store (call before serving).
    pub fn with_permissions(
        self,
        permissions: Arc<dyn mosaic_store::permissions::PermissionStore>,
    ) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.permissions = Some(permissions);
                AppState(Arc::new(inner))
            }
            Err(shared) => {
                tracing::warn!("state already shared; H2 permissions not enabled");
                AppState(shared)
            }
        }
    }

    /// Enables referrals to partner NGOs (both stores needed; call before serving).
    pub fn with_referrals(
        self,
        agreements: Option<Arc<dyn mosaic_store::AgreementStore>>,
        referrals: Option<Arc<dyn mosaic_store::ReferralStore>>,
    ) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.agreements = agreements;
                inner.referrals = referrals;
                AppState(Arc::new(inner))
            }
            Err(shared) => {
                tracing::warn!("state already shared; referrals not enabled");
                AppState(shared)
            }
        }
    }

    /// Applies these analysts' judgements when resolving entities (call before serving).
    pub fn with_judgements(
        self,
        judgements: Option<Arc<dyn mosaic_store::judgements::JudgementStore>>,
    ) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.judgements = judgements;
                AppState(Arc::new(inner))
            }
            Err(shared) => {
                tracing::warn!("state already shared; judgements not attached");
                AppState(shared)
            }
        }
    }

    pub(crate) fn secure_cookies(&self) -> bool {
        self.0.config.tls.enabled()
    }

    pub(crate) fn cookie_name(&self) -> &'static str {
        if self.secure_cookies() {
            COOKIE_TLS
        } else {
            COOKIE_PLAIN
        }
    }
}

/// A fixed-window counter per client address.
pub(crate) struct RateLimiter {
    limit: u32,
    window: Duration,
    hits: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt; `Err(seconds to wait)` when over the limit.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 100_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let e = hits.entry(ip).or_insert((now, 0));
        if now.duration_since(e.0) >= self.window {
            *e = (now, 0);
        }
        if e.1 >= self.limit {
            let wait = self.window.saturating_sub(now.duration_since(e.0));
            return Err(wait.as_secs().max(1));
        }
        e.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_counts_per_address() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        assert!(l.check(a).is_ok());
        assert!(l.check(a).is_ok());
        assert!(l.check(a).is_err());
        assert!(l.check(b).is_ok());
    }
}
