//! Recorded permissions for H2 material (DESIGN §3, §4.1): "not to be disseminated without
//! the provider's permission". A recipient agency asks the provider, naming the report and
//! the purpose; the provider grants or refuses; the record is the permission.
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
}

impl PermissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionStatus::Pending => "pending",
            PermissionStatus::Granted => "granted",
            PermissionStatus::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<PermissionStatus> {
        match s {
            "pending" => Some(PermissionStatus::Pending),
            "granted" => Some(PermissionStatus::Granted),
            "refused" => Some(PermissionStatus::Refused),
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
}

#[async_trait::async_trait]
pub trait PermissionStore: Send + Sync {
    /// Records a pending request.
    async fn request_permission(&self, r: &NewPermissionRequest) -> Result<PermissionRequest>;
    /// The provider decides a pending request. `None` if there is no pending request with
    /// this id *for this provider* (another agency's request is indistinguishable from
    /// none).
    async fn decide_permission(
        &self,
        id: i64,
        provider: &AgencyId,
        grant: bool,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PermissionRequest>>;
    /// Requests an agency made or must decide, oldest first.
    async fn permissions_of(&self, agency: &AgencyId) -> Result<Vec<PermissionRequest>>;
    /// Whether `requester` holds a granted permission for `report`.
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
