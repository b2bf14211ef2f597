//! Administration through the API: agencies, users, API tokens.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use mosaic_model::{AgencyId, Classification};
use mosaic_policy::Action;
use mosaic_store::{ApiToken, Secret};

use crate::admin::{self, NewAgency, NewUser};
use crate::api::views::{AgencyPage, AgencyView, TokenPage, TokenView, UserPage, UserView};
use crate::api::{page_size, Cursor};
use crate::auth::{new_api_token, sha256_hex, ApiJson, ApiPath, ApiQuery, Caller};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// The agencies of this centre.
#[utoipa::path(
    get, path = "/api/v1/agencies", tag = "admin",
    params(PageQuery),
    responses((status = 200, description = "A page of agencies, by id", body = AgencyPage))
)]
pub async fn list_agencies(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<AgencyPage>> {
    caller.require(Action::ListAgencies)?;
    let limit = page_size(&state, q.limit) as usize;
    let after = q.cursor.as_deref().map(Cursor::decode_key).transpose()?;
    // The directory is small: the store lists it whole; we page over it.
    let all = state.0.store.agencies().await?;
    let mut items: Vec<AgencyView> = all
        .iter()
        .filter(|a| after.as_deref().is_none_or(|k| a.id.as_str() > k))
        .take(limit + 1)
        .map(AgencyView::from)
        .collect();
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|a| Cursor::encode_key(&a.id))
    } else {
        None
    };
    Ok(Json(AgencyPage { items, next_cursor }))
}

/// Add an agency (administrators).
#[utoipa::path(
    post, path = "/api/v1/agencies", tag = "admin",
    request_body = NewAgency,
    responses(
        (status = 201, description = "Added", body = AgencyView),
        (status = 409, description = "The id exists", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_agency(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewAgency>,
) -> ApiResult<(StatusCode, Json<AgencyView>)> {
    caller.require(Action::ManageAgencies)?;
    let a = admin::add_agency(&*state.0.store, &new).await?;
    tracing::info!(actor = %caller.principal.actor(), agency = %a.id, "agency added via API");
    Ok((StatusCode::CREATED, Json(AgencyView::from(&a))))
}

/// User accounts, by username.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "admin",
    params(PageQuery),
    responses((status = 200, description = "A page of users", body = UserPage))
)]
pub async fn list_users(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<UserPage>> {
    caller.require(Action::ListUsers)?;
    let limit = page_size(&state, q.limit);
    let after = q.cursor.as_deref().map(Cursor::decode_key).transpose()?;
    let mut rows = state
        .0
        .accounts
        .list_users(after.as_deref(), limit + 1)
        .await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor::encode_key(&r.user.username))
    } else {
        None
    };
    Ok(Json(UserPage {
        items: rows.iter().map(UserView::from_record).collect(),
        next_cursor,
    }))
}

/// Add a user (administrators).
#[utoipa::path(
    post, path = "/api/v1/users", tag = "admin",
    request_body = NewUser,
    responses(
        (status = 201, description = "Added", body = UserView),
        (status = 409, description = "The username exists", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_user(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    caller.require(Action::ManageUsers)?;
    let u = admin::add_user(&*state.0.store, &*state.0.accounts, &new).await?;
    tracing::info!(actor = %caller.principal.actor(), user = %u.id, "user added via API");
    let rec = state
        .0
        .accounts
        .user(&u.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(UserView::from_record(&rec))))
}

async fn set_disabled(
    caller: &Caller,
    state: &AppState,
    id: &str,
    disabled: bool,
) -> ApiResult<Json<UserView>> {
    caller.require(Action::ManageUsers)?;
    let me = caller.user()?;
    let target = admin::find_user(&*state.0.accounts, id).await?;
    if disabled && target.user.id == me.id {
        return Err(ApiError::conflict("you cannot disable your own account"));
    }
    admin::set_disabled(&*state.0.accounts, target.user.id.as_str(), disabled).await?;
    tracing::info!(actor = %caller.principal.actor(), user = %target.user.id, disabled, "user state changed via API");
    let rec = state
        .0
        .accounts
        .user(&target.user.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(UserView::from_record(&rec)))
}

/// Disable a user (administrators). Their sessions end at once.
#[utoipa::path(
    post, path = "/api/v1/users/{id}/disable", tag = "admin",
    params(("id" = String, Path, description = "User id or username")),
    responses(
        (status = 200, description = "Disabled", body = UserView),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "You cannot disable yourself", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn disable_user(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<UserView>> {
    set_disabled(&caller, &state, &id, true).await
}

/// Re-enable a user (administrators).
#[utoipa::path(
    post, path = "/api/v1/users/{id}/enable", tag = "admin",
    params(("id" = String, Path, description = "User id or username")),
    responses(
        (status = 200, description = "Enabled", body = UserView),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn enable_user(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<UserView>> {
    set_disabled(&caller, &state, &id, false).await
}

/// A new API token for an agency's system.
#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    #[schema(example = "PAF case system")]
    pub name: String,
    /// The agency the system acts for (default: yours).
    #[serde(default)]
    pub agency: Option<String>,
    /// Any of: submit_report, import_reports, read_report, read_entity, list_reports,
    /// export_reports.
    #[schema(example = json!(["submit_report"]))]
    pub actions: Vec<String>,
    /// Highest classification the token may read (default unclassified; never above
    /// yours).
    #[serde(default)]
    pub clearance: Option<String>,
    /// Days until it expires (default 90).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token. Shown this once: only its hash is kept.
    pub token: String,
    pub details: TokenView,
}

/// Create an API token (administrators). The secret is in the response, once.
#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "admin",
    request_body = NewToken,
    responses((status = 201, description = "Created; the secret is shown once", body = CreatedToken))
)]
pub async fn create_token(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    caller.require(Action::ManageTokens)?;
    let me = caller.user()?;
    let mut errors = Vec::new();
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.len() > 200 {
        errors.push(FieldError {
            field: "name".into(),
            rule: "required".into(),
            message: "a name of 1-200 bytes is required".into(),
        });
    }
    let agency = match &req.agency {
        None => Some(me.agency.clone()),
        Some(a) => match AgencyId::parse(a.trim()) {
            Ok(a) => Some(a),
            Err(e) => {
                errors.push(FieldError {
                    field: "agency".into(),
                    ..FieldError::from(e)
                });
                None
            }
        },
    };
    if let Some(a) = &agency {
        if !state.0.store.agencies().await?.iter().any(|x| &x.id == a) {
            errors.push(FieldError {
                field: "agency".into(),
                rule: "dangling_reference".into(),
                message: format!("no agency {a}"),
            });
        }
    }
    let mut actions = Vec::new();
    for (i, a) in req.actions.iter().enumerate() {
        match Action::parse(a) {
            Ok(a) if a.token_grantable() => {
                if !actions.contains(&a) {
                    actions.push(a)
                }
            }
            Ok(a) => errors.push(FieldError {
                field: format!("actions[{i}]"),
                rule: "vocabulary".into(),
                message: format!("{a} cannot be granted to a token"),
            }),
            Err(e) => errors.push(FieldError {
                field: format!("actions[{i}]"),
                rule: "vocabulary".into(),
                message: e.to_string(),
            }),
        }
    }
    if req.actions.is_empty() {
        errors.push(FieldError {
            field: "actions".into(),
            rule: "required".into(),
            message: "at least one action is required".into(),
        });
    }
    let clearance = match &req.clearance {
        None => Classification::Unclassified,
        Some(c) => match Classification::parse(c) {
            Ok(c) if c <= me.clearance => c,
            Ok(c) => {
                errors.push(FieldError {
                    field: "clearance".into(),
                    rule: "limit".into(),
                    message: format!("{c} is above your own clearance ({})", me.clearance),
                });
                Classification::Unclassified
            }
            Err(e) => {
                errors.push(FieldError {
                    field: "clearance".into(),
                    ..FieldError::from(e)
                });
                Classification::Unclassified
            }
        },
    };
    let max_days = state.0.config.limits.max_token_days;
    let days = req.expires_in_days.unwrap_or(90.min(max_days));
    if days == 0 || days > max_days {
        errors.push(FieldError {
            field: "expires_in_days".into(),
            rule: "limit".into(),
            message: format!("between 1 and {max_days}"),
        });
    }
    let (Some(agency), true) = (agency, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let secret = new_api_token();
    let now = Utc::now();
    let t = ApiToken {
        id: format!("tok-{}", uuid::Uuid::now_v7().simple()),
        token_hash: Secret::new(sha256_hex(&secret)),
        prefix: secret[..crate::auth::TOKEN_PREFIX.len() + 6].to_owned(),
        name,
        agency,
        actions: actions.iter().map(|a| a.as_str().to_owned()).collect(),
        clearance,
        created_by: me.id.clone(),
        created_at: now,
        expires_at: now + chrono::Duration::days(i64::from(days)),
        revoked_at: None,
        last_used_at: None,
    };
    state.0.accounts.create_token(&t).await?;
    tracing::info!(actor = %caller.principal.actor(), token = %t.id, agency = %t.agency, "API token created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: secret,
            details: TokenView::from_token(&t, now),
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Only tokens of this agency.
    pub agency: Option<String>,
    pub cursor: Option<String>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// API tokens (administrators), by id.
#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "admin",
    params(TokenQuery),
    responses((status = 200, description = "A page of tokens", body = TokenPage))
)]
pub async fn list_tokens(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> ApiResult<Json<TokenPage>> {
    caller.require(Action::ManageTokens)?;
    let limit = page_size(&state, q.limit);
    let after = q.cursor.as_deref().map(Cursor::decode_key).transpose()?;
    let agency = q
        .agency
        .as_deref()
        .map(|a| AgencyId::parse(a).map_err(|e| ApiError::bad_request(e.to_string())))
        .transpose()?;
    let mut rows = state
        .0
        .accounts
        .list_tokens(agency.as_ref(), after.as_deref(), limit + 1)
        .await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|t| Cursor::encode_key(&t.id))
    } else {
        None
    };
    let now = Utc::now();
    Ok(Json(TokenPage {
        items: rows.iter().map(|t| TokenView::from_token(t, now)).collect(),
        next_cursor,
    }))
}

/// Revoke an API token (administrators). Takes effect on the next request.
#[utoipa::path(
    delete, path = "/api/v1/tokens/{id}", tag = "admin",
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_token(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    caller.require(Action::ManageTokens)?;
    if id.len() > 100 {
        return Err(ApiError::not_found());
    }
    state.0.accounts.revoke_token(&id, Utc::now()).await?;
    tracing::info!(actor = %caller.principal.actor(), token = %id, "API token revoked");
    Ok(StatusCode::NO_CONTENT)
}
