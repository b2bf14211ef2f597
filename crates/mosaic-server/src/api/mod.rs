//! The HTTP API: routes (collected with their OpenAPI descriptions by utoipa-axum, so the
//! document and the router cannot drift apart), middleware and shared helpers.

pub mod accounts;
pub mod agreements;
pub mod data;
pub mod dpo;
pub mod events;
pub mod imports;
pub mod permissions;
pub(crate) mod protection;
pub mod referrals;
pub mod resolution;
pub mod restrict;
pub mod search;
pub mod session;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::{DateTime, Utc};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use mosaic_model::ReportId;

use crate::error::{ApiError, ApiResult, FieldError, Problem, PROBLEM_JSON};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mosaic API",
        version = "1",
        description = "The API of a Mosaic centre: reports, entities, export, agencies, users and API tokens.\n\n\
Authentication: a browser session (sign in at `/api/v1/auth/login`; the cookie is `__Host-mosaic_session` over HTTPS, \
`mosaic_session` on plain local HTTP; unsafe methods must echo the CSRF token from login in `X-CSRF-Token`), \
or an API token for an agency's system as `Authorization: Bearer mosaic_…`.\n\n\
Errors are `application/problem+json` (RFC 9457); validation problems list every broken rule in `errors`. \
Something you may not see is reported as not found (404), never as forbidden.\n\n\
Purpose: state why in `X-Mosaic-Purpose: case:<case id>` or `task:<what you are doing>` (percent-encoded UTF-8 \
allowed). Every request is recorded in the audit trail with it; entity reads and exports are refused without one."
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&Common),
    security(("session" = []), ("bearer" = [])),
    tags(
        (name = "auth", description = "Sign-in and your own account"),
        (name = "reports", description = "Submit, read, list and export reports"),
        (name = "entities", description = "Entities with their statements and provenance"),
        (name = "admin", description = "Agencies, users and API tokens"),
        (name = "search", description = "Search names, identifiers and narratives"),
        (name = "permissions", description = "H2 material: the provider's recorded permission to disseminate"),
        (name = "agreements", description = "Agreements (MoUs, protocols) with partners: read them, record the events their parties signed"),
        (name = "referrals", description = "Children and victims of trafficking referred to a partner NGO, with consent recorded, under an agreement"),
        (name = "audit", description = "The data-protection officer's views: the audit trail, its verification, H2 permission requests"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

/// Adds the security schemes and the error responses every operation can give.
struct Common;

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

fn is_public(op: &Operation) -> bool {
    op.security.as_ref().is_some_and(|s| {
        s.iter().any(|r| {
            serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
        })
    })
}

impl Modify for Common {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "__Host-mosaic_session",
                "Session cookie set by /api/v1/auth/login (`mosaic_session` on plain local HTTP). \
                 Unsafe methods also need the `X-CSRF-Token` header.",
            ))),
        );
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API token for an agency's system (`mosaic_…`)"))
                    .build(),
            ),
        );
    }
}

/// Error responses added to every operation: those that any request can meet.
fn add_common_responses(doc: &mut OpenApiDoc) {
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let public = is_public(op);
            if !public {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(purpose_parameter());
            }
            let has_body = op.request_body.is_some();
            let r = &mut op.responses.responses;
            let mut add = |code: &str, d: &str| {
                r.entry(code.to_owned())
                    .or_insert_with(|| problem_response(d));
            };
            add("400", "Malformed request (query, path or body)");
            if !public {
                add(
                    "401",
                    "Not authenticated (no, expired or revoked session or token)",
                );
                add(
                    "403",
                    "Authenticated, but the action is not allowed (or the CSRF token is missing)",
                );
            }
            if has_body {
                add("413", "Request body too large");
                add("415", "Body is not JSON");
                add("422", "The body breaks validation rules; see `errors`");
            }
            add("500", "Internal error (logged with the request id)");
            add("503", "Not ready, or the request took too long");
        }
    }
}

/// `X-Mosaic-Purpose`, documented on every protected operation.
fn purpose_parameter() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ParameterBuilder::new()
        .name("X-Mosaic-Purpose")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "Why you make this request: `case:<case id>` or `task:<what you are doing>` \
             (percent-encoded UTF-8 allowed, at most 500 characters). Recorded in the audit \
             trail; required to read entities and to export.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// The OpenAPI document (it does not depend on the server's state).
pub fn openapi() -> OpenApiDoc {
    api_routes().1
}

/// The document as served, as JSON. utoipa's schema model cannot carry every JSON Schema
/// keyword of the published report schema (`const`, untyped `enum`, array `items` are
/// lost or refused), so `components.schemas.Report` goes in as the file has it.
pub fn openapi_value(doc: &OpenApiDoc) -> serde_json::Value {
    let mut v = serde_json::to_value(doc).expect("openapi serialises");
    v["components"]["schemas"]["Report"] = views::report_json_schema();
    v
}

fn api_routes() -> (Router<AppState>, OpenApiDoc) {
    let (api, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::change_password))
        .routes(routes!(session::totp_setup))
        .routes(routes!(session::totp_enable))
        .routes(routes!(session::totp_disable))
        .routes(routes!(data::submit_report, data::list_reports))
        .routes(routes!(data::get_report))
        .routes(routes!(dpo::acknowledge_conditions))
        .routes(routes!(restrict::restrict_report))
        .routes(routes!(data::export))
        .routes(routes!(data::get_entity))
        .routes(routes!(resolution::get_resolution))
        .routes(routes!(imports::start_import))
        .routes(routes!(imports::get_import))
        .routes(routes!(imports::upload_mapping))
        .routes(routes!(accounts::list_agencies, accounts::add_agency))
        .routes(routes!(accounts::list_users, accounts::add_user))
        .routes(routes!(accounts::disable_user))
        .routes(routes!(accounts::enable_user))
        .routes(routes!(accounts::create_token, accounts::list_tokens))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(
            permissions::request_permission,
            permissions::list_permissions
        ))
        .routes(routes!(permissions::decide_permission))
        .routes(routes!(dpo::search_audit))
        .routes(routes!(dpo::verify_audit))
        .routes(routes!(dpo::all_permissions))
        .routes(routes!(permissions::revoke_permission))
        .routes(routes!(
            referrals::create_referral,
            referrals::list_referrals
        ))
        .routes(routes!(referrals::get_referral))
        .routes(routes!(referrals::withdraw_referral))
        .routes(routes!(agreements::list_agreements))
        .routes(routes!(agreements::get_agreement))
        .routes(routes!(agreements::record_event))
        .routes(routes!(search::search))
        .routes(routes!(events::events))
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .split_for_parts();
    add_common_responses(&mut doc);
    (api, doc)
}

/// Builds the router and the OpenAPI document.
pub fn router(state: AppState) -> (Router, Arc<OpenApiDoc>) {
    let (api, doc) = api_routes();
    let doc = Arc::new(doc);
    let served = axum::body::Bytes::from(
        serde_json::to_vec(&openapi_value(&doc)).expect("openapi serialises"),
    );
    let limits = state.0.config.limits.clone();
    let tls = state.0.config.tls.enabled();
    let app = api
        .merge(crate::web::router())
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let body = served.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], body) }
            }),
        )
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            )
        })
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            (limits.request_timeout, limits.upload_timeout, tls),
            guard,
        ))
        // Outside the timeout, so that a request cut short is recorded too.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::audit_log::audit_layer,
        ))
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request| {
                            let id = req
                                .headers()
                                .get("x-request-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-");
                            tracing::info_span!(
                                "http",
                                method = %req.method(),
                                path = %req.uri().path(),
                                request_id = %id,
                            )
                        })
                        .on_response(
                            |resp: &Response, latency: Duration, _span: &tracing::Span| {
                                tracing::info!(
                                    status = resp.status().as_u16(),
                                    latency_ms = latency.as_millis() as u64,
                                    "response"
                                );
                            },
                        ),
                )
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state);
    (app, doc)
}

/// Request timeout and security headers on every response.
async fn guard(
    State((timeout, upload_timeout, tls)): State<(Duration, Duration, bool)>,
    req: Request,
    next: Next,
) -> Response {
    // Uploads are bounded by size and get their own, longer time.
    let timeout =
        if req.method() == axum::http::Method::POST && req.uri().path() == "/api/v1/imports" {
            upload_timeout
        } else {
            timeout
        };
    let mut resp = match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!(timeout_s = timeout.as_secs(), "request timed out");
            ApiError::unavailable("the request took too long").into_response()
        }
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    resp
}

/// The page size to use: the client's, bounded by the configured maximum.
pub(crate) fn page_size(state: &AppState, asked: Option<u32>) -> u32 {
    let l = &state.0.config.limits;
    asked
        .unwrap_or(l.default_page_size)
        .clamp(1, l.max_page_size)
}

/// Opaque page cursors (hex of the last key seen).
pub(crate) struct Cursor;

impl Cursor {
    pub fn encode_key(k: &str) -> String {
        hex::encode(k.as_bytes())
    }

    pub fn decode_key(c: &str) -> ApiResult<String> {
        hex::decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|s| s.len() <= 256)
            .ok_or_else(|| ApiError::bad_request("cursor is not one this server gave"))
    }

    pub fn encode_report(t: DateTime<Utc>, id: &ReportId) -> String {
        Self::encode_key(&format!("{}|{}", t.timestamp_micros(), id))
    }

    pub fn decode_report(c: &str) -> ApiResult<(DateTime<Utc>, ReportId)> {
        let bad = || ApiError::bad_request("cursor is not one this server gave");
        let s = Self::decode_key(c)?;
        let (t, id) = s.split_once('|').ok_or_else(bad)?;
        let t = t
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(bad)?;
        Ok((t, ReportId::parse(id).map_err(|_| bad())?))
    }
}

/// Liveness: the process answers.
#[utoipa::path(
    get, path = "/healthz", tag = "health", security(()),
    responses((status = 200, description = "Alive", body = String, content_type = "text/plain"))
)]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the store answers and is initialised.
#[utoipa::path(
    get, path = "/readyz", tag = "health", security(()),
    responses((status = 200, description = "Ready", body = String, content_type = "text/plain"))
)]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<&'static str> {
    state.0.store.centre().await?;
    Ok("ready")
}

#[cfg(test)]
mod tests {
    /// The document carries the published report schema unchanged, and uses it for the
    /// body of a submission and the report in a report view.
    #[test]
    fn document_uses_the_published_report_schema() {
        let doc = super::openapi_value(&super::openapi());
        assert_eq!(
            doc["components"]["schemas"]["Report"],
            super::views::report_json_schema()
        );
        let r = "#/components/schemas/Report";
        let body = &doc["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"];
        assert_eq!(body["application/json"]["schema"]["$ref"], r);
        let view = &doc["components"]["schemas"]["ReportView"]["properties"]["report"];
        assert_eq!(view["$ref"], r, "{view}");
    }
}
