//! Recorded permissions for H2 material (DESIGN §3, §4.1): "not to be disseminated without
//! the provider's permission". A recipient agency asks the provider, naming the report and
//! the purpose; the provider grants or refuses; the record is the permission.
//!
//! A grant may carry an expiry and the provider may revoke it; the policy layer reads
//! the current grants of the reader's agency ([`PermissionStore::granted_reports`]) for
//! every request, so a revoked or expired grant stops admitting at once.
//!
//! The store does not check that the report exists or who provided it: the requester
//! names the provider, and only that provider ever sees or decides the request, so a
//! request reveals nothing about the provider's material to the requester.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use mosaic_model::{AgencyId, ReportId};

use crate::Result;

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionStatus {
    Pending,
    Granted,
    Refused,
    /// Granted, then withdrawn by the provider.
    Revoked,
}

impl PermissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionStatus::Pending => "pending",
            PermissionStatus::Granted => "granted",
            PermissionStatus::Refused => "refused",
            PermissionStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<PermissionStatus> {
        match s {
            "pending" => Some(PermissionStatus::Pending),
            "granted" => Some(PermissionStatus::Granted),
            "refused" => Some(PermissionStatus::Refused),
            "revoked" => Some(PermissionStatus::Revoked),
            _ => None,
        }
    }
}

/// A request to disseminate one report of a provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPermissionRequest {
    pub report_id: ReportId,
    pub provider: AgencyId,
    pub requester: AgencyId,
    /// `user:<id>` or `token:<id>`.
    pub requested_by: String,
    pub purpose: String,
    pub at: DateTime<Utc>,
}

/// A request as stored, with its decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionRequest {
    pub id: i64,
    pub report_id: ReportId,
    pub provider: AgencyId,
    pub requester: AgencyId,
    pub requested_by: String,
    pub purpose: String,
    pub status: PermissionStatus,
    pub decided_by: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// A grant stops admitting at this time, if set.
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl PermissionRequest {
    /// Whether this record lets the requester read the report at `at`.
    pub fn is_current_grant(&self, at: DateTime<Utc>) -> bool {
        self.status == PermissionStatus::Granted && self.expires_at.is_none_or(|e| at < e)
    }
}

#[async_trait::async_trait]
pub trait PermissionStore: Send + Sync {
    /// Records a pending request.
    async fn request_permission(&self, r: &NewPermissionRequest) -> Result<PermissionRequest>;
    /// The provider decides a pending request; a grant may expire at `expires_at`.
    /// `None` if there is no pending request with this id *for this provider* (another
    /// agency's request is indistinguishable from none).
    async fn decide_permission(
        &self,
        id: i64,
        provider: &AgencyId,
        grant: bool,
        by: &str,
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Option<PermissionRequest>>;
    /// The provider withdraws a grant (expired or not). `None` if there is no granted
    /// request with this id for this provider.
    async fn revoke_permission(
        &self,
        id: i64,
        provider: &AgencyId,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PermissionRequest>>;
    /// The reports `requester` holds a current (granted, unexpired at `at`) permission for.
    async fn granted_reports(
        &self,
        requester: &AgencyId,
        at: DateTime<Utc>,
    ) -> Result<std::collections::BTreeSet<ReportId>>;
    /// Requests an agency made or must decide, oldest first.
    async fn permissions_of(&self, agency: &AgencyId) -> Result<Vec<PermissionRequest>>;
    /// Whether `requester` holds a current (granted, unexpired now) permission for `report`.
    async fn permission_granted(&self, report: &ReportId, requester: &AgencyId) -> Result<bool>;
    /// Every request with `id > after`, in id order, at most `limit` (for copying a store).
    async fn permission_requests_page(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PermissionRequest>>;
    /// Stores requests exactly as given (ids, states, decisions), in one transaction;
    /// later requests get ids after the largest. Refuses an id already held.
    async fn restore_permission_requests(&self, requests: &[PermissionRequest]) -> Result<()>;
}
