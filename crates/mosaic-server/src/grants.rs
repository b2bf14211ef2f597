//! The read handle a request uses, with the H2 grants of the caller's agency (issue 6).
//!
//! Grants are looked up per request, not cached in the session: a grant the provider
//! revokes, or one that expires, stops admitting the report on the very next request.

use std::collections::BTreeSet;

use chrono::Utc;

use mosaic_model::ReportId;
use mosaic_policy::Principal;
use mosaic_store::Scope;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

impl Caller {
    /// The reports the caller's agency holds a current recorded permission for. Empty for
    /// API tokens (they read their own agency's material only) and when the server keeps
    /// no permissions.
    pub async fn grants(&self, state: &AppState) -> ApiResult<BTreeSet<ReportId>> {
        match (&self.principal, state.0.permissions.as_deref()) {
            (Principal::User(u), Some(p)) if !u.disabled => {
                Ok(p.granted_reports(&u.agency, Utc::now()).await?)
            }
            _ => Ok(BTreeSet::new()),
        }
    }

    /// The caller's read handle for a stated purpose: the policy's union scope plus the
    /// reports granted to the caller's agency.
    pub async fn read_scope(&self, state: &AppState, purpose: &str) -> ApiResult<Scope> {
        let grants = self.grants(state).await?;
        Ok(self.principal.scope_with_grants(&grants, purpose))
    }
}
