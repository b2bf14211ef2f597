//! Reports and entities: submit, read, list, export. Every read goes through the scope
//! the policy layer builds for the caller; what the caller may not see is "not found".

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use mosaic_audit::{AuditAction, AuditEvent, Outcome};
use mosaic_model::{AgencyId, EntityId, HandlingCode, Report, ReportId};
use mosaic_policy::{provider_scope, Action};
use mosaic_store::{ReportQuery, WriteBatch};

use crate::api::protection::ViewCtx;
use crate::api::views::{EntityView, ReportDoc, ReportPage, ReportView};
use crate::api::{page_size, Cursor};
use crate::audit_log::Audit;
use crate::auth::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;

/// What submitting did.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SubmitResponse {
    pub id: String,
    /// `inserted` (new report), `new_version` (changed content under a known id) or
    /// `duplicate` (identical to the current version: nothing written).
    pub result: String,
    /// Statements written.
    pub statements: u64,
}

/// Submit one report in Mosaic's report format (`schemas/report.schema.json`). The
/// report's `agency` must be the caller's agency. Omit `id` for a new report (it is
/// derived from agency and `source_ref`, so re-sending is idempotent); give an `id` only
/// to send a new version of one of your agency's reports. Every broken rule is listed in
/// the problem's `errors`, with field path and rule.
#[utoipa::path(
    post, path = "/api/v1/reports", tag = "reports",
    request_body(content = ReportDoc, description = "A report (mosaic.report/1)", content_type = "application/json"),
    responses(
        (status = 201, description = "Stored (a new report or a new version)", body = SubmitResponse),
        (status = 200, description = "Identical to the current version: nothing written", body = SubmitResponse),
    )
)]
pub async fn submit_report(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiJson(value): ApiJson<Value>,
) -> ApiResult<Response> {
    caller.require(Action::SubmitReport)?;
    let store = &state.0.store;
    let centre = store.centre().await?;
    let report = Report::from_value(&centre.id, &value)
        .map_err(|errs| ApiError::validation(errs.into_iter().map(FieldError::from).collect()))?;
    audit.object(report.id.as_str());
    let agency = caller.principal.agency();
    if &report.agency != agency {
        return Err(ApiError::forbidden(format!(
            "you submit for agency {agency}; this report is for {}",
            report.agency
        )));
    }
    if value.get("id").is_some_and(|v| !v.is_null()) {
        // Only the provider may version its material (DESIGN §4.1): an explicit id must
        // name one of the caller's agency's reports. The refusal is the same whether the
        // id is unknown or another agency's, so nothing leaks.
        let own = provider_scope(agency, "provider check on submission");
        if store.report(&own, &report.id).await?.is_none() {
            return Err(ApiError::invalid(
                "id",
                "object_id",
                "an explicit id must name an existing report of your agency; omit id for a new report",
            ));
        }
    }
    let out = store
        .write(&WriteBatch {
            reports: vec![report.clone()],
            ..Default::default()
        })
        .await?;
    let (status, result) = if out.inserted > 0 {
        (StatusCode::CREATED, "inserted")
    } else if out.new_versions > 0 {
        (StatusCode::CREATED, "new_version")
    } else {
        (StatusCode::OK, "duplicate")
    };
    audit.note("result", result);
    audit.note("statements", out.statements);
    tracing::info!(actor = %caller.principal.actor(), report = %report.id, result, "report submitted");
    let location = format!("/api/v1/reports/{}", report.id);
    Ok((
        status,
        [(header::LOCATION, location)],
        Json(SubmitResponse {
            id: report.id.to_string(),
            result: result.into(),
            statements: out.statements,
        }),
    )
        .into_response())
}

/// One report, if you may see it.
#[utoipa::path(
    get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = String, Path, description = "Report id, e.g. `fr-ncc:rep:…`")),
    responses(
        (status = 200, description = "The current version", body = ReportView),
        (status = 404, description = "No such report, or not one you may see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_report(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ReportView>> {
    caller.require(Action::ReadReport)?;
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    let scope = caller.read_scope(&state, "api: read report").await?;
    let r = state
        .0
        .store
        .report(&scope, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut ctx = ViewCtx::new(&state, &caller.principal).await?;
    if r.report.handling == HandlingCode::H3 {
        ctx.load_acks(&[r.report.id.to_string()]).await?;
    }
    let v = ctx.report(&r);
    audit.object(r.report.id.as_str());
    audit.note("version", r.version);
    if v.withheld {
        audit.note("withheld", "H3 conditions not acknowledged");
    }
    Ok(Json(v))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportsQuery {
    /// Reported at or after (RFC 3339).
    pub from: Option<String>,
    /// Reported before (RFC 3339).
    pub until: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat` (WGS 84): reports whose place intersects it.
    pub bbox: Option<String>,
    /// Only reports of this agency.
    pub agency: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
}

pub(crate) fn parse_bbox(s: &str) -> ApiResult<(f64, f64, f64, f64)> {
    let bad = || ApiError::bad_request("bbox is min_lon,min_lat,max_lon,max_lat in degrees");
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [a, b, c, d] = v[..] else {
        return Err(bad());
    };
    let ok = [a, c].iter().all(|x| (-180.0..=180.0).contains(x))
        && [b, d].iter().all(|x| (-90.0..=90.0).contains(x))
        && a <= c
        && b <= d;
    if !ok {
        return Err(bad());
    }
    Ok((a, b, c, d))
}

pub(crate) fn parse_time(field: &str, s: &str) -> ApiResult<DateTime<Utc>> {
    mosaic_model::time::parse_instant(field, s).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Reports you may see, by time window and area, ordered by (reported_at, id), a page at
/// a time.
#[utoipa::path(
    get, path = "/api/v1/reports", tag = "reports",
    params(ReportsQuery),
    responses((status = 200, description = "A page of reports", body = ReportPage))
)]
pub async fn list_reports(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReportsQuery>,
) -> ApiResult<Json<ReportPage>> {
    caller.require(Action::ListReports)?;
    let limit = page_size(&state, q.limit);
    let after = match &q.cursor {
        Some(c) => {
            let (t, id) = Cursor::decode_report(c)?;
            Some((t, id))
        }
        None => None,
    };
    let rq = ReportQuery {
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
        bbox: q.bbox.as_deref().map(parse_bbox).transpose()?,
        agency: q
            .agency
            .as_deref()
            .map(|a| AgencyId::parse(a).map_err(|e| ApiError::bad_request(e.to_string())))
            .transpose()?,
        after,
        limit: limit + 1,
    };
    let scope = caller.read_scope(&state, "api: list reports").await?;
    let mut rows = state.0.store.reports(&scope, &rq).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| Cursor::encode_report(r.report.reported_at, &r.report.id))
    } else {
        None
    };
    let mut ctx = ViewCtx::new(&state, &caller.principal).await?;
    let h3: Vec<String> = rows
        .iter()
        .filter(|r| r.report.handling == HandlingCode::H3)
        .map(|r| r.report.id.to_string())
        .collect();
    ctx.load_acks(&h3).await?;
    // Who saw what: the ids returned, for the data-protection officer.
    audit.note("count", rows.len());
    audit.note(
        "ids",
        rows.iter()
            .map(|r| Value::from(r.report.id.as_str()))
            .collect::<Vec<_>>(),
    );
    Ok(Json(ReportPage {
        items: rows.iter().map(|r| ctx.report(r)).collect(),
        next_cursor,
    }))
}

/// Every report you may see, as JSON Lines of canonical reports (`mosaic.report/1`),
/// ordered by (reported_at, id), streamed. Protected persons are pseudonymised (or left
/// out, for an asylum applicant and the State they fled) as in every analysis view. The
/// `Mosaic-Marking-H1` response header carries the marking that applies to every line
/// whose `handling` is `H1`. H3 reports whose conditions you have not acknowledged are
/// left out. Needs a stated purpose (`X-Mosaic-Purpose`); the export is recorded in the
/// audit trail before the first line leaves, and again with its count when it ends.
#[utoipa::path(
    get, path = "/api/v1/export", tag = "reports",
    responses((status = 200, description = "JSON Lines, one canonical report per line", body = String, content_type = "application/x-ndjson"))
)]
pub async fn export(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
) -> ApiResult<Response> {
    caller.require(Action::ExportReports)?;
    let purpose = audit.require_purpose()?;
    let grants = caller.grants(&state).await?;
    let scope = caller.principal.scope_with_grants(&grants, "api: export");
    let store = state.0.store.clone();
    let actor = caller.principal.actor();
    let mut ctx = ViewCtx::new(&state, &caller.principal).await?;
    let me = caller.principal.agency().clone();
    audit.object("export");
    let request_id = audit.request_id();
    let closing = AuditEvent::new(
        mosaic_audit::Actor::new(actor.clone(), Some(me.clone())),
        AuditAction::Export,
        Outcome::Allowed,
    )
    .object("export")
    .purpose(purpose.text.clone());
    let closing = match purpose.case.clone() {
        Some(c) => closing.case(c),
        None => closing,
    };
    audit.note("stage", "started");
    let audit_state = state.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(16);
    // Nothing is read before the body is first polled, i.e. after this request's entry
    // is committed (the audit layer answers only then), so the closing entry always
    // follows it; and the body ends only when the task drops `tx`, after the closing
    // entry is written.
    let (go, started) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        if started.await.is_err() {
            return;
        }
        let mut n: u64 = 0;
        let mut withheld: u64 = 0;
        let mut complete = true;
        let mut stream = store.export(&scope);
        while let Some(item) = stream.next().await {
            // H3: only what the caller acknowledged leaves
            let item = match item {
                Ok(r) if r.report.handling == HandlingCode::H3 => {
                    match ctx.load_acks(&[r.report.id.to_string()]).await {
                        Ok(())
                            if ctx.withheld(r.report.id.as_str(), r.version, HandlingCode::H3) =>
                        {
                            withheld += 1;
                            continue;
                        }
                        Ok(()) => Ok(r),
                        Err(_) => Err(mosaic_store::StoreError::Backend(
                            "reading H3 acknowledgements".into(),
                        )),
                    }
                }
                other => other,
            };
            let msg = match item {
                // H2 material of another agency needs the provider's recorded permission
                // (the read scope already admits only granted H2; this is the
                // dissemination check)
                Ok(r)
                    if !mosaic_policy::handling::may_disseminate(
                        &me,
                        &r.report.agency,
                        r.report.handling,
                        grants.contains(&r.report.id),
                    ) =>
                {
                    continue;
                }
                Ok(r) => {
                    let mut line = ctx.export_report(&r).canonical_json();
                    line.push(b'\n');
                    n += 1;
                    Ok(line)
                }
                Err(e) => {
                    tracing::error!(error = %e, "export failed mid-stream");
                    Err(std::io::Error::other("export failed"))
                }
            };
            let failed = msg.is_err();
            if tx.send(msg).await.is_err() || failed {
                complete = false;
                break;
            }
        }
        tracing::info!(actor = %actor, reports = n, complete, "export streamed");
        let mut ev = closing.detail(serde_json::json!({
            "request_id": request_id,
            "stage": "finished",
            "reports": n,
            "withheld_h3": withheld,
            "complete": complete,
        }));
        if !complete {
            ev.result = Outcome::Error;
        }
        if let Err(e) = audit_state.0.audit.record(ev).await {
            tracing::error!(error = %e, "the end of an export could not be recorded");
        }
    });
    let body = futures::stream::unfold((rx, Some(go)), |(mut rx, mut go)| async move {
        if let Some(g) = go.take() {
            let _ = g.send(());
        }
        rx.recv().await.map(|x| (x, (rx, go)))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mosaic-export.jsonl\"",
            ),
            (
                header::HeaderName::from_static("mosaic-marking-h1"),
                mosaic_policy::handling::H1_MARKING,
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// An entity with the statements you may see about it, each with its provenance (report,
/// agency, grading, handling, marking, times). Needs a stated purpose
/// (`X-Mosaic-Purpose`). Statements of H3 reports whose conditions you have not
/// acknowledged are left out and the reports listed in `withheld_reports`.
#[utoipa::path(
    get, path = "/api/v1/entities/{id}", tag = "entities",
    params(("id" = String, Path, description = "Entity id, e.g. `fr-ncc:ent:…`")),
    responses(
        (status = 200, description = "The entity as you may see it", body = EntityView),
        (status = 404, description = "No such entity, or nothing about it you may see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_entity(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<EntityView>> {
    caller.require(Action::ReadEntity)?;
    // Before anything is looked up: the refusal is the same whether or not it exists.
    audit.require_purpose()?;
    let eid = EntityId::parse(&id).map_err(|_| ApiError::not_found())?;
    let scope = caller.read_scope(&state, "api: read entity").await?;
    let st = state.0.store.entity(&scope, &eid).await?;
    if st.is_empty() {
        return Err(ApiError::not_found());
    }
    let mut ctx = ViewCtx::new(&state, &caller.principal).await?;
    let v = ctx
        .entity_view(eid.as_str(), st)
        .await?
        .ok_or_else(ApiError::not_found)?;
    audit.object(eid.as_str());
    audit.note("statements", v.statements.len());
    if !v.withheld_reports.is_empty() {
        audit.note("withheld_reports", v.withheld_reports.clone());
    }
    Ok(Json(v))
}
