//! The data-protection officer's views (DESIGN §5.7): search the audit trail, verify
//! its chain, list every H2 permission request; and the H3 acknowledgement every reader
//! gives before H3 content is shown.
//!
//! The audit views need `read_audit`, which the Cedar policies give the
//! data-protection officer only (not the administrator, whose own actions are in the
//! trail). They show what the trail holds — who acted on which object id, with what
//! purpose — never the objects' content; every use of them is itself recorded.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use mosaic_audit::{AuditAction, Outcome, VerifyOptions};
use mosaic_model::ReportId;
use mosaic_policy::Action;
use mosaic_store::audit::{AuditQuery, AuditStore};

use crate::api::permissions::{PermissionList, PermissionView};
use crate::api::protection::ViewCtx;
use crate::api::views::ReportView;
use crate::api::{page_size, Cursor};
use crate::audit_log::Audit;
use crate::auth::{ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Stored entries examined per request at most when filtering by purpose or result
/// (columns the store does not index): a page may then come back short, with a cursor.
const SCAN_BUDGET: usize = 20_000;
/// Rows fetched from the store at a time while scanning.
const FETCH: u32 = 1_000;

fn audit_store(state: &AppState) -> ApiResult<&dyn AuditStore> {
    state
        .0
        .audit
        .store()
        .map(|s| &**s)
        .ok_or_else(|| ApiError::unavailable("no audit store is configured on this server"))
}

fn dpo(caller: &Caller) -> ApiResult<()> {
    caller.require(Action::ReadAudit)?;
    caller.user().map(|_| ())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditSearch {
    /// The actor: `user:<id>`, `token:<id>`, `system:…` or `anonymous`.
    pub actor: Option<String>,
    /// The agency the actor acted for.
    pub agency: Option<String>,
    /// `login`, `logout`, `read`, `search`, `export`, `import`, `exchange`, `change`,
    /// `grant`, `acknowledge`, `verify`, `checkpoint`.
    pub action: Option<String>,
    /// The object: a report, entity or agreement id, …
    pub object: Option<String>,
    /// Entries whose stated purpose contains this text (case-insensitive), e.g. a case id.
    pub purpose: Option<String>,
    /// `allowed`, `denied`, `not_found` or `error`.
    pub result: Option<String>,
    /// At or after (RFC 3339).
    pub from: Option<String>,
    /// Before (RFC 3339).
    pub until: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: u64,
    /// SHA-256 of the entry's canonical form (the next entry's `prev`).
    pub hash: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The purpose stated (empty where none was).
    pub purpose: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// `allowed`, `denied`, `not_found` or `error`.
    pub result: String,
    /// Request id, route, status, counts, ids returned, …
    #[schema(value_type = Object)]
    pub detail: Value,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    /// Pass as `cursor` for more; absent when the trail has no more matching entries.
    /// A page can be shorter than `limit` and still have a cursor (filters by purpose
    /// or result examine a bounded number of entries per request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

fn parse_time(field: &str, s: &str) -> ApiResult<DateTime<Utc>> {
    mosaic_model::time::parse_instant(field, s).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Search the audit trail (data-protection officer only), oldest first.
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit",
    params(AuditSearch),
    responses((status = 200, description = "A page of entries", body = AuditPage))
)]
pub async fn search_audit(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AuditSearch>,
) -> ApiResult<Json<AuditPage>> {
    dpo(&caller)?;
    let store = audit_store(&state)?;
    if let Some(a) = &q.action {
        AuditAction::parse(a).ok_or_else(|| {
            ApiError::bad_request(format!(
                "action {a:?} is not one of: {}",
                AuditAction::ALL
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    }
    let result = match &q.result {
        Some(r) => Some(Outcome::parse(r).ok_or_else(|| {
            ApiError::bad_request("result is one of allowed, denied, not_found, error")
        })?),
        None => None,
    };
    let purpose = q.purpose.as_deref().map(str::to_lowercase);
    let limit = page_size(&state, q.limit) as usize;
    let mut after = match &q.cursor {
        Some(c) => Some(
            Cursor::decode_key(c)?
                .parse::<u64>()
                .map_err(|_| ApiError::bad_request("cursor is not one this server gave"))?,
        ),
        None => None,
    };
    let base = AuditQuery {
        actor: q.actor.clone(),
        agency: q.agency.clone(),
        action: q.action.clone(),
        object: q.object.clone(),
        from: q
            .from
            .as_deref()
            .map(|s| parse_time("from", s))
            .transpose()?,
        until: q
            .until
            .as_deref()
            .map(|s| parse_time("until", s))
            .transpose()?,
        after: None,
        limit: FETCH,
    };
    let mut items = Vec::new();
    let mut scanned = 0usize;
    let mut next = None;
    'scan: loop {
        let page = store
            .audit_search(&AuditQuery {
                after,
                ..base.clone()
            })
            .await?;
        for r in &page {
            scanned += 1;
            after = Some(r.seq);
            let e = r.entry().map_err(ApiError::internal)?;
            let ev = e.event;
            if result.is_some_and(|x| x != ev.result)
                || purpose
                    .as_deref()
                    .is_some_and(|p| !ev.purpose.to_lowercase().contains(p))
            {
                if scanned >= SCAN_BUDGET {
                    next = after;
                    break 'scan;
                }
                continue;
            }
            items.push(AuditEntryView {
                seq: r.seq,
                hash: r.hash.clone(),
                at: ev.at,
                actor: ev.actor.id,
                agency: ev.actor.agency.map(|a| a.to_string()),
                action: ev.action.as_str().to_owned(),
                object: ev.object,
                purpose: ev.purpose,
                case: ev.case.map(|c| c.to_string()),
                result: ev.result.as_str().to_owned(),
                detail: ev.detail,
            });
            if items.len() == limit {
                next = Some(r.seq);
                break 'scan;
            }
            if scanned >= SCAN_BUDGET {
                next = after;
                break 'scan;
            }
        }
        if page.len() < FETCH as usize {
            break;
        }
    }
    Ok(Json(AuditPage {
        items,
        next_cursor: next.map(|s| Cursor::encode_key(&s.to_string())),
    }))
}

/// The verdict on the stored chain.
#[derive(Serialize, ToSchema)]
pub struct AuditVerification {
    /// No entry edited, deleted, inserted or reordered; every checkpoint signature holds.
    pub ok: bool,
    /// Entries verified before the first problem (all of them when there is none).
    pub entries: u64,
    /// The first problem and where it is, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The full report: head, checkpoints, the problem with its location.
    #[schema(value_type = Object)]
    pub report: Value,
}

/// Verify the hash chain of the audit trail from its first entry (data-protection
/// officer only). Checkpoint signatures are checked against the keys they name; for a
/// check against the centre's key or an anchor kept elsewhere, export the trail and run
/// `mosaic audit verify --file … --key … --anchor …`.
#[utoipa::path(
    get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "The verdict (also when the chain is broken: see `ok`)", body = AuditVerification))
)]
pub async fn verify_audit(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
) -> ApiResult<Json<AuditVerification>> {
    dpo(&caller)?;
    let store = audit_store(&state)?;
    let report = mosaic_store::audit::verify(store, VerifyOptions::default()).await?;
    audit.object("audit_log");
    audit.note("ok", report.is_ok());
    audit.note("entries", report.entries);
    if let Some(p) = &report.problem {
        audit.note("problem", p.to_string());
    }
    Ok(Json(AuditVerification {
        ok: report.is_ok(),
        entries: report.entries,
        problem: report.problem.as_ref().map(ToString::to_string),
        report: serde_json::to_value(&report).map_err(ApiError::internal)?,
    }))
}

/// Every H2 permission request of every agency, with its decision, oldest first
/// (data-protection officer only).
#[utoipa::path(
    get, path = "/api/v1/audit/permissions", tag = "audit",
    responses((status = 200, description = "All requests", body = PermissionList))
)]
pub async fn all_permissions(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<Json<PermissionList>> {
    dpo(&caller)?;
    let perms =
        state.0.permissions.as_deref().ok_or_else(|| {
            ApiError::unavailable("H2 permissions are not enabled on this server")
        })?;
    // Every request names a requester and a provider agency: the union over agencies
    // is every request.
    let mut all = BTreeMap::new();
    for a in state.0.store.agencies().await? {
        for p in perms.permissions_of(&a.id).await? {
            all.insert(p.id, p);
        }
    }
    Ok(Json(PermissionList {
        items: all.into_values().map(PermissionView::from).collect(),
    }))
}

/// Acknowledge the provider's conditions on an H3 report (this version). The
/// acknowledgement is recorded in the audit trail; the report's content is shown from
/// then on, and returned here.
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/acknowledgement", tag = "reports",
    params(("id" = String, Path, description = "Report id")),
    responses(
        (status = 200, description = "Acknowledged: the report, content included", body = ReportView),
        (status = 404, description = "No such report, or not one you may see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report is not H3 material: there is nothing to acknowledge", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn acknowledge_conditions(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ReportView>> {
    caller.require(Action::ReadReport)?;
    audit.action(AuditAction::Acknowledge);
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    let scope = caller.principal.scope("api: acknowledge H3 conditions");
    let r = state
        .0
        .store
        .report(&scope, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let Some(conditions) = mosaic_policy::handling::conditions(&r.report) else {
        return Err(ApiError::conflict(
            "this report is not H3 material: there are no conditions to acknowledge",
        ));
    };
    if state.0.audit.store().is_none() {
        return Err(ApiError::unavailable(
            "acknowledgements are kept in the audit trail, and no audit store is configured",
        ));
    }
    // The entry the middleware writes for this request is the acknowledgement.
    audit.object(r.report.id.as_str());
    audit.note("version", r.version);
    audit.note("conditions", conditions);
    let mut ctx = ViewCtx::new(&state, &caller.principal).await?;
    ctx.acknowledge(r.report.id.as_str(), r.version);
    Ok(Json(ctx.report(&r)))
}
