//! Agreements (MoUs and protocols) over the API (issue 6): read them, and record their
//! lifecycle events. The server holds no party's key: a party proposes a version, signs
//! its canonical hash, or gives a signed notice (suspend, resume, terminate) with its own
//! key (`mosaic agreement sign` / `notice`, or any client), and the event is posted here.
//! `mosaic_store::agreements::record` checks it against the state machine and the
//! signature before it is appended; a refused event is a 422 naming why.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use mosaic_agreements::{AgreementEvent, AgreementId, AgreementState};
use mosaic_policy::Action;
use mosaic_store::agreements::{self, AgreementStoreError};
use mosaic_store::AgreementStore;

use crate::audit_log::Audit;
use crate::auth::{ApiJson, ApiPath, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// One agreement in a list.
#[derive(Serialize, ToSchema)]
pub struct AgreementSummary {
    pub id: String,
    /// `draft`, `in_force`, `suspended` or `terminated`.
    pub status: String,
    /// The version that governs (in force, or the latest draft).
    pub version: u32,
    /// SHA-256 of that version's canonical text: what every party signed.
    pub hash: String,
    pub title: String,
    pub parties: Vec<String>,
    /// An amendment awaiting signatures: its version and the parties still to sign.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub pending: Option<serde_json::Value>,
}

fn summary(s: &AgreementState) -> AgreementSummary {
    let v = s.governing();
    AgreementSummary {
        id: s.id.to_string(),
        // the wire name (`in_force`), not the display text
        status: serde_json::to_value(s.status())
            .ok()
            .and_then(|x| x.as_str().map(str::to_owned))
            .unwrap_or_default(),
        version: v.doc.version,
        hash: v.hash.clone(),
        title: v.doc.title.clone(),
        parties: v.doc.parties.iter().map(|p| p.id.to_string()).collect(),
        pending: s.pending().map(|p| {
            serde_json::json!({
                "version": p.doc.version,
                "awaiting": p.missing().iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            })
        }),
    }
}

/// Every agreement the centre keeps.
#[derive(Serialize, ToSchema)]
pub struct AgreementList {
    pub items: Vec<AgreementSummary>,
}

/// An agreement's whole state: every version with its document, canonical text, hash and
/// signatures, the status and the notices.
#[derive(Serialize, ToSchema)]
pub struct AgreementDetail {
    pub summary: AgreementSummary,
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
}

/// A lifecycle event: `{"event": "proposed" | "signed" | "suspended" | "resumed" |
/// "terminated", …}` as `mosaic agreement` writes them.
#[derive(Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct EventBody(serde_json::Value);

fn store(state: &AppState) -> ApiResult<&dyn AgreementStore> {
    state
        .0
        .agreements
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("agreements are not enabled on this server"))
}

fn store_error(e: AgreementStoreError) -> ApiError {
    match e {
        AgreementStoreError::Lifecycle(e) => ApiError::invalid("event", "lifecycle", e.to_string()),
        AgreementStoreError::Conflict { .. } => ApiError::conflict(e.to_string()),
        AgreementStoreError::NotFound(_) => ApiError::not_found(),
        AgreementStoreError::Store(e) => e.into(),
    }
}

/// The agreements the centre keeps, with their status.
#[utoipa::path(
    get, path = "/api/v1/agreements", tag = "agreements",
    responses((status = 200, description = "In id order", body = AgreementList))
)]
pub async fn list_agreements(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<Json<AgreementList>> {
    caller.require(Action::ReadAgreements)?;
    let all = agreements::load_all(store(&state)?)
        .await
        .map_err(store_error)?;
    Ok(Json(AgreementList {
        items: all.iter().map(summary).collect(),
    }))
}

/// One agreement: every version, its canonical text and hash, the signatures, notices.
#[utoipa::path(
    get, path = "/api/v1/agreements/{id}", tag = "agreements",
    params(("id" = String, Path, description = "Agreement id, e.g. `fr-ncc:agr:channel`")),
    responses(
        (status = 200, description = "The agreement", body = AgreementDetail),
        (status = 404, description = "No such agreement", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_agreement(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AgreementDetail>> {
    caller.require(Action::ReadAgreements)?;
    let id = AgreementId::parse(&id).map_err(|_| ApiError::not_found())?;
    let s = agreements::load(store(&state)?, &id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(AgreementDetail {
        summary: summary(&s),
        state: serde_json::to_value(&s).map_err(ApiError::internal)?,
    }))
}

/// Record a lifecycle event signed by a party: a proposal (a new agreement or an
/// amendment), a signature, or a suspension, resumption or termination notice. Checked
/// against the state machine and the signature; an agreement enters into force when every
/// party has signed the same text, and a suspension stops sharing under it at once.
#[utoipa::path(
    post, path = "/api/v1/agreements/{id}/events", tag = "agreements",
    params(("id" = String, Path, description = "Agreement id")),
    request_body = EventBody,
    responses(
        (status = 200, description = "Recorded; the new state", body = AgreementDetail),
        (status = 404, description = "No such agreement (only a proposal starts one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The agreement changed meanwhile; reload and retry", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn record_event(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(EventBody(body)): ApiJson<EventBody>,
) -> ApiResult<Json<AgreementDetail>> {
    caller.require(Action::ManageAgreements)?;
    let id = AgreementId::parse(&id)
        .map_err(|e| ApiError::invalid("id", "agreement_id", e.to_string()))?;
    audit.object(id.to_string());
    let event: AgreementEvent = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid("event", "agreement_event", e.to_string()))?;
    audit.note("event", event.kind());
    let s = agreements::record(store(&state)?, &id, &event)
        .await
        .map_err(store_error)?;
    tracing::info!(actor = %caller.principal.actor(), agreement = %id, event = event.kind(), "agreement event recorded");
    Ok(Json(AgreementDetail {
        summary: summary(&s),
        state: serde_json::to_value(&s).map_err(ApiError::internal)?,
    }))
}
