//! A provider restricts one of its reports after sending it (issue 6): raise handling
//! code, TLP or classification, or withdraw it. The restriction is stored as a new
//! version (evidence is immutable) and applies at once to every read path, since they
//! all filter on the current version's labels.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use mosaic_model::{Classification, HandlingCode, ReportId, Tlp};
use mosaic_policy::restrict::{restrict, RestrictError, Restriction};
use mosaic_policy::{provider_scope, Action};
use mosaic_store::WriteBatch;

use crate::auth::{ApiJson, ApiPath, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What to raise; fields left out keep their value. `withdraw` keeps the report with its
/// provider only (TLP:RED, H3 with the reason as conditions).
#[derive(Deserialize, ToSchema)]
pub struct RestrictRequest {
    /// `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT` or `RED`; never lower than now.
    pub tlp: Option<String>,
    /// `H0`…`H3`; never lower than now.
    pub handling: Option<String>,
    /// The conditions, when the result is H3.
    pub handling_conditions: Option<String>,
    /// `unclassified` … `top_secret`; never lower than now.
    pub classification: Option<String>,
    #[serde(default)]
    pub withdraw: bool,
    /// Why (required to withdraw).
    pub reason: Option<String>,
}

/// The new version.
#[derive(Serialize, ToSchema)]
pub struct RestrictResponse {
    pub id: String,
    pub version: u32,
    pub tlp: String,
    pub handling: String,
    pub classification: String,
}

fn vocab<T>(
    field: &str,
    v: Option<&str>,
    parse: fn(&str) -> Result<T, mosaic_model::ValidationError>,
) -> ApiResult<Option<T>> {
    v.map(|s| parse(s).map_err(|e| ApiError::invalid(field, "vocabulary", e.message)))
        .transpose()
}

/// Restrict one of your agency's reports (a new version with stricter labels).
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/restrict", tag = "reports",
    params(("id" = String, Path, description = "Report id, e.g. `fr-ncc:rep:…`")),
    request_body = RestrictRequest,
    responses(
        (status = 200, description = "Restricted: the new current version", body = RestrictResponse),
        (status = 404, description = "No such report of your agency", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Would loosen the report, or nothing to change", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn restrict_report(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RestrictRequest>,
) -> ApiResult<Json<RestrictResponse>> {
    caller.require(Action::SubmitReport)?;
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    let change = Restriction {
        tlp: vocab("tlp", body.tlp.as_deref(), Tlp::parse)?,
        handling: vocab("handling", body.handling.as_deref(), HandlingCode::parse)?,
        handling_conditions: body.handling_conditions,
        classification: vocab(
            "classification",
            body.classification.as_deref(),
            Classification::parse,
        )?,
        withdraw: body.withdraw,
        reason: body.reason,
    };
    // Only the provider restricts its material; another agency's report is "not found".
    let agency = caller.principal.agency();
    let store = &state.0.store;
    let own = provider_scope(agency, "api: restrict report");
    let current = store
        .report(&own, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let next = restrict(&current.report, &change).map_err(|e| match e {
        RestrictError::Looser { field, .. } => {
            ApiError::invalid(field, "restrict_only", e.to_string())
        }
        RestrictError::NoChange => ApiError::invalid("", "no_change", e.to_string()),
        RestrictError::Invalid(m) => ApiError::invalid("handling_conditions", "required", m),
    })?;
    store
        .write(&WriteBatch {
            reports: vec![next.clone()],
            ..Default::default()
        })
        .await?;
    let stored = store
        .report(&own, &id)
        .await?
        .ok_or_else(|| ApiError::unavailable("the restricted version could not be read back"))?;
    tracing::info!(actor = %caller.principal.actor(), report = %id, version = stored.version,
        tlp = %next.tlp, handling = %next.handling, withdraw = change.withdraw, "report restricted");
    Ok(Json(RestrictResponse {
        id: id.to_string(),
        version: stored.version,
        tlp: next.tlp.to_string(),
        handling: next.handling.to_string(),
        classification: next.classification.to_string(),
    }))
}
