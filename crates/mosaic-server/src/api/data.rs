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

use mosaic_model::{AgencyId, EntityId, Report, ReportId};
use mosaic_policy::{provider_scope, Action};
use mosaic_store::{ReportQuery, WriteBatch};

use crate::api::protection::ViewCtx;
use crate::api::views::{EntityView, ReportDoc, ReportPage, ReportView};
use crate::api::{page_size, Cursor};
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
    State(state): State<AppState>,
    ApiJson(value): ApiJson<Value>,
) -> ApiResult<Response> {
    caller.require(Action::SubmitReport)?;
    let store = &state.0.store;
    let centre = store.centre().await?;
    let report = Report::from_value(&centre.id, &value)
        .map_err(|errs| ApiError::validation(errs.into_iter().map(FieldError::from).collect()))?;
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
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ReportView>> {
    caller.require(Action::ReadReport)?;
    let id = ReportId::parse(&id).map_err(|_| ApiError::not_found())?;
    let scope = caller.principal.scope("api: read report");
    let r = state
        .0
        .store
        .report(&scope, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let ctx = ViewCtx::new(&state, &caller.principal).await?;
    Ok(Json(ctx.report(&r)))
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
    let scope = caller.principal.scope("api: list reports");
    let mut rows = state.0.store.reports(&scope, &rq).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| Cursor::encode_report(r.report.reported_at, &r.report.id))
    } else {
        None
    };
    let ctx = ViewCtx::new(&state, &caller.principal).await?;
    Ok(Json(ReportPage {
        items: rows.iter().map(|r| ctx.report(r)).collect(),
        next_cursor,
    }))
}

/// Every report you may see, as JSON Lines of canonical reports (`mosaic.report/1`),
/// ordered by (reported_at, id), streamed. Protected persons are pseudonymised (or left
/// out, for an asylum applicant and the State they fled) as in every analysis view. The
/// `Mosaic-Marking-H1` response header carries the marking that applies to every line
/// whose `handling` is `H1`.
#[utoipa::path(
    get, path = "/api/v1/export", tag = "reports",
    responses((status = 200, description = "JSON Lines, one canonical report per line", body = String, content_type = "application/x-ndjson"))
)]
pub async fn export(caller: Caller, State(state): State<AppState>) -> ApiResult<Response> {
    caller.require(Action::ExportReports)?;
    let scope = caller.principal.scope("api: export");
    let store = state.0.store.clone();
    let actor = caller.principal.actor();
    let ctx = ViewCtx::new(&state, &caller.principal).await?;
    let me = caller.principal.agency().clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(16);
    tokio::spawn(async move {
        let mut n: u64 = 0;
        let mut stream = store.export(&scope);
        while let Some(item) = stream.next().await {
            let msg = match item {
                // H2 material of another agency needs the provider's recorded permission
                // (the read scope already keeps it out; this is the dissemination check)
                Ok(r)
                    if !mosaic_policy::handling::may_disseminate(
                        &me,
                        &r.report.agency,
                        r.report.handling,
                        false,
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
                return;
            }
        }
        tracing::info!(actor = %actor, reports = n, "export streamed");
    });
    let body =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
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
/// agency, grading, handling, marking, times).
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
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<EntityView>> {
    caller.require(Action::ReadEntity)?;
    let eid = EntityId::parse(&id).map_err(|_| ApiError::not_found())?;
    let scope = caller.principal.scope("api: read entity");
    let st = state.0.store.entity(&scope, &eid).await?;
    if st.is_empty() {
        return Err(ApiError::not_found());
    }
    let ctx = ViewCtx::new(&state, &caller.principal).await?;
    ctx.entity(eid.as_str(), st)
        .map(Json)
        .ok_or_else(ApiError::not_found)
}
