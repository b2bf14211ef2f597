//! H2 permissions: a recipient agency asks the provider for permission to disseminate one
//! of its H2 reports; the provider grants or refuses; the record is the permission
//! (DESIGN §3, §4.1). Who may ask, decide and list is decided by the Cedar policies
//! (`request_permission`, `grant_permission`, `list_permissions`); only the provider named
//! in a request ever sees or decides it, so asking reveals nothing about its material.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use mosaic_model::{AgencyId, ReportId};
use mosaic_policy::Action;
use mosaic_store::permissions::{NewPermissionRequest, PermissionRequest, PermissionStore};

use crate::auth::{ApiJson, ApiPath, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Ask a provider for permission.
#[derive(Deserialize, ToSchema)]
pub struct NewPermission {
    /// The provider's report (`<centre>:rep:<suffix>`).
    pub report_id: String,
    /// The providing agency, which decides.
    pub provider: String,
    /// Why, e.g. the case and the intended use.
    pub purpose: String,
}

/// Grant or refuse a request.
#[derive(Deserialize, ToSchema)]
pub struct PermissionDecision {
    pub grant: bool,
    /// When a grant stops admitting the report (RFC 3339); none: until revoked.
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<Utc>>,
}

/// A permission request and its decision.
#[derive(Serialize, ToSchema)]
pub struct PermissionView {
    pub id: i64,
    pub report_id: String,
    pub provider: String,
    pub requester: String,
    pub requested_by: String,
    pub purpose: String,
    /// `pending`, `granted`, `refused` or `revoked`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    pub requested_at: chrono::DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<chrono::DateTime<Utc>>,
    /// A grant admits the report to the requester's readers until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<chrono::DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<chrono::DateTime<Utc>>,
}

impl From<PermissionRequest> for PermissionView {
    fn from(p: PermissionRequest) -> Self {
        PermissionView {
            id: p.id,
            report_id: p.report_id.to_string(),
            provider: p.provider.to_string(),
            requester: p.requester.to_string(),
            requested_by: p.requested_by,
            purpose: p.purpose,
            status: p.status.as_str().to_owned(),
            decided_by: p.decided_by,
            requested_at: p.requested_at,
            decided_at: p.decided_at,
            expires_at: p.expires_at,
            revoked_by: p.revoked_by,
            revoked_at: p.revoked_at,
        }
    }
}

/// Requests made by, or to be decided by, the caller's agency.
#[derive(Serialize, ToSchema)]
pub struct PermissionList {
    pub items: Vec<PermissionView>,
}

fn store(state: &AppState) -> ApiResult<&dyn PermissionStore> {
    state
        .0
        .permissions
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("H2 permissions are not enabled on this server"))
}

/// Ask the provider of an H2 report for permission to disseminate it.
#[utoipa::path(
    post, path = "/api/v1/permissions", tag = "permissions",
    request_body = NewPermission,
    responses((status = 201, description = "Recorded, pending the provider's decision", body = PermissionView))
)]
pub async fn request_permission(
    caller: Caller,
    audit: crate::audit_log::Audit,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewPermission>,
) -> ApiResult<(StatusCode, Json<PermissionView>)> {
    caller.require(Action::RequestPermission)?;
    audit.object(body.report_id.clone());
    audit.note("provider", body.provider.clone());
    let report_id = ReportId::parse(&body.report_id)
        .map_err(|e| ApiError::invalid("report_id", "object_id", e.to_string()))?;
    let provider = AgencyId::parse(&body.provider)
        .map_err(|e| ApiError::invalid("provider", "slug", e.to_string()))?;
    if body.purpose.trim().is_empty() || body.purpose.len() > 2_000 {
        return Err(ApiError::invalid(
            "purpose",
            "required",
            "state the purpose (1-2000 characters)",
        ));
    }
    if &provider == caller.principal.agency() {
        return Err(ApiError::bad_request(
            "a provider needs no permission for its own material",
        ));
    }
    let p = store(&state)?
        .request_permission(&NewPermissionRequest {
            report_id,
            provider,
            requester: caller.principal.agency().clone(),
            requested_by: caller.principal.actor(),
            purpose: body.purpose,
            at: Utc::now(),
        })
        .await?;
    audit.note("request", p.id);
    tracing::info!(actor = %caller.principal.actor(), id = p.id, "H2 permission requested");
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// Grant or refuse a pending request addressed to the caller's agency.
#[utoipa::path(
    post, path = "/api/v1/permissions/{id}/decision", tag = "permissions",
    params(("id" = i64, Path, description = "Request id")),
    request_body = PermissionDecision,
    responses(
        (status = 200, description = "Decided", body = PermissionView),
        (status = 404, description = "No pending request with this id for your agency", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn decide_permission(
    caller: Caller,
    audit: crate::audit_log::Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PermissionDecision>,
) -> ApiResult<Json<PermissionView>> {
    caller.require(Action::GrantPermission)?;
    audit.note("grant", body.grant);
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let p = store(&state)?
        .decide_permission(
            id,
            caller.principal.agency(),
            body.grant,
            &caller.principal.actor(),
            Utc::now(),
            body.expires_at,
        )
        .await?
        .ok_or_else(ApiError::not_found)?;
    audit.object(p.report_id.to_string());
    audit.note("request", id);
    tracing::info!(actor = %caller.principal.actor(), id, grant = body.grant, "H2 permission decided");
    Ok(Json(p.into()))
}

/// Revoke a grant the caller's agency gave. The report leaves the requester's readers'
/// views on their next request.
#[utoipa::path(
    post, path = "/api/v1/permissions/{id}/revoke", tag = "permissions",
    params(("id" = i64, Path, description = "Request id")),
    responses(
        (status = 200, description = "Revoked", body = PermissionView),
        (status = 404, description = "No granted request with this id from your agency", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_permission(
    caller: Caller,
    audit: crate::audit_log::Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PermissionView>> {
    caller.require(Action::GrantPermission)?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let p = store(&state)?
        .revoke_permission(
            id,
            caller.principal.agency(),
            &caller.principal.actor(),
            Utc::now(),
        )
        .await?
        .ok_or_else(ApiError::not_found)?;
    audit.object(p.report_id.to_string());
    audit.note("request", id);
    audit.note("revoked", true);
    tracing::info!(actor = %caller.principal.actor(), id, "H2 permission revoked");
    Ok(Json(p.into()))
}

/// Requests made by, or addressed to, the caller's agency.
#[utoipa::path(
    get, path = "/api/v1/permissions", tag = "permissions",
    responses((status = 200, description = "Oldest first", body = PermissionList))
)]
pub async fn list_permissions(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<Json<PermissionList>> {
    caller.require(Action::ListPermissions)?;
    let items = store(&state)?
        .permissions_of(caller.principal.agency())
        .await?
        .into_iter()
        .map(PermissionView::from)
        .collect();
    Ok(Json(PermissionList { items }))
}
