//! Sign-in and the signed-in person's own account: login, logout, me, password, TOTP.

use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use mosaic_policy::{Action, Principal};
use mosaic_store::{Secret, Session};

use crate::api::views::{TokenView, UserView};
use crate::auth::{
    check_new_password, clear_cookie, hash_password_async, new_totp_secret, otpauth_uri,
    random_hex, session_cookie, sha256_hex, totp_match, verify_password_async, ApiJson, AuthVia,
    Caller, MAX_PASSWORD_BYTES,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::tls::ClientAddr;

/// Credentials. `totp` is needed only for accounts with a second factor.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "analyst")]
    pub username: String,
    #[schema(format = Password, example = "mosaic-demo-analyst")]
    pub password: String,
    /// The current 6-digit code from the authenticator app.
    #[serde(default)]
    pub totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: UserView,
    /// Echo this in `X-CSRF-Token` on every POST/PUT/PATCH/DELETE made with the cookie.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

fn user_only(c: &Caller) -> ApiResult<()> {
    c.user().map(|_| ())
}

/// Sign in with a username and password (and a TOTP code when enrolled). Sets the
/// session cookie (HttpOnly, SameSite=Strict, Secure over TLS) and returns the CSRF token.
/// Five failures in a row lock the account for a while; attempts per client address are
/// rate-limited.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = LoginResponse),
        (status = 401, description = "Wrong credentials, locked or disabled account, or a TOTP code is required", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<ClientAddr>,
    audit: crate::audit_log::Audit,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    // Failed attempts are recorded as `anonymous` with the name tried (never the password).
    audit.note("username", req.username.trim().to_lowercase());
    if let Err(wait) = state.0.login_limiter.check(addr.0.ip()) {
        tracing::warn!(client = %addr.0.ip(), "login rate limit hit");
        return Err(ApiError::too_many_requests(wait));
    }
    let accounts = &state.0.accounts;
    let limits = &state.0.config.limits;
    let now = Utc::now();
    let username = req.username.trim().to_lowercase();
    if username.is_empty() || username.len() > 64 || req.password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::bad_credentials());
    }
    let Some(rec) = accounts.user_by_username(&username).await? else {
        // Same work as for a real account, so timing does not tell who exists.
        let _ = verify_password_async(state.0.dummy_hash.clone(), req.password).await?;
        tracing::info!(username = %username, "login refused: unknown user");
        return Err(ApiError::bad_credentials());
    };
    if rec.locked_until.is_some_and(|t| t > now) {
        tracing::info!(user = %rec.user.id, "login refused: account locked");
        return Err(ApiError::bad_credentials());
    }
    let ok = verify_password_async(rec.password_hash.expose().to_owned(), req.password).await?;
    let lock_until =
        now + chrono::Duration::from_std(limits.lockout).unwrap_or(chrono::Duration::minutes(15));
    if !ok {
        let f = accounts
            .record_login_failure(&rec.user.id, limits.max_failed_logins, lock_until)
            .await?;
        match f.locked_until {
            Some(t) => {
                tracing::warn!(user = %rec.user.id, until = %t, "account locked after repeated login failures")
            }
            None => {
                tracing::info!(user = %rec.user.id, failures = f.failed_logins, "login refused: wrong password")
            }
        }
        return Err(ApiError::bad_credentials());
    }
    if rec.user.disabled {
        tracing::info!(user = %rec.user.id, "login refused: account disabled");
        return Err(ApiError::bad_credentials());
    }
    if let Some(seed) = &rec.totp_secret {
        let Some(code) = req.totp.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Err(ApiError::totp_required());
        };
        let fresh = match totp_match(seed.expose(), code, now) {
            Some(step) => accounts.use_totp_step(&rec.user.id, step).await?,
            None => false,
        };
        if !fresh {
            accounts
                .record_login_failure(&rec.user.id, limits.max_failed_logins, lock_until)
                .await?;
            tracing::info!(user = %rec.user.id, "login refused: wrong or reused TOTP code");
            return Err(ApiError::bad_credentials());
        }
    }
    accounts.record_login_success(&rec.user.id, now).await?;
    audit.actor(mosaic_audit::Actor::new(
        format!("user:{}", rec.user.id),
        Some(rec.user.agency.clone()),
    ));
    let token = random_hex(32);
    let csrf = random_hex(32);
    let lifetime =
        chrono::Duration::from_std(limits.session_lifetime).unwrap_or(chrono::Duration::hours(8));
    let session = Session {
        token_hash: Secret::new(sha256_hex(&token)),
        user_id: rec.user.id.clone(),
        csrf_token: Secret::new(csrf.clone()),
        created_at: now,
        expires_at: now + lifetime,
        last_seen_at: now,
    };
    accounts.create_session(&session).await?;
    // Opportunistic clean-up of dead sessions.
    if rand::random::<u8>() < 8 {
        let _ = accounts.purge_expired_sessions(now).await;
    }
    tracing::info!(user = %rec.user.id, "signed in");
    let mut rec = rec;
    rec.last_login_at = Some(now);
    let body = LoginResponse {
        user: UserView::from_record(&rec),
        csrf_token: csrf,
        expires_at: session.expires_at,
    };
    let cookie = session_cookie(&state, &token, lifetime.num_seconds());
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// End the current session and clear the cookie. With an API token: nothing to end.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"))
)]
pub async fn logout(caller: Caller, State(state): State<AppState>) -> ApiResult<Response> {
    if let AuthVia::Session { token_hash, .. } = &caller.via {
        state.0.accounts.delete_session(token_hash.expose()).await?;
        tracing::info!(actor = %caller.principal.actor(), "signed out");
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_cookie(&state))],
    )
        .into_response())
}

/// Who is asking: a signed-in person or an API token.
#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// `session` or `token`.
    pub auth: String,
    pub agency: String,
    /// What the caller may do.
    pub actions: Vec<String>,
    /// For a session: the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserView>,
    /// For a token: the token (never its secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenView>,
    /// For a session: the CSRF token to echo (e.g. after a page reload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_expires_at: Option<DateTime<Utc>>,
}

/// The caller's identity, agency and permitted actions.
#[utoipa::path(
    get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, description = "The caller", body = MeResponse))
)]
pub async fn me(caller: Caller, State(state): State<AppState>) -> ApiResult<Json<MeResponse>> {
    let actions = Action::ALL
        .iter()
        .filter(|a| caller.principal.may(**a))
        .map(|a| a.as_str().to_owned())
        .collect();
    let agency = caller.principal.agency().to_string();
    let resp = match (&caller.principal, &caller.via) {
        (
            Principal::User(u),
            AuthVia::Session {
                csrf_token,
                expires_at,
                ..
            },
        ) => {
            let rec = state
                .0
                .accounts
                .user(&u.id)
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            MeResponse {
                auth: "session".into(),
                agency,
                actions,
                user: Some(UserView::from_record(&rec)),
                token: None,
                csrf_token: Some(csrf_token.expose().to_owned()),
                session_expires_at: Some(*expires_at),
            }
        }
        (_, AuthVia::Token(t)) => MeResponse {
            auth: "token".into(),
            agency,
            actions,
            user: None,
            token: Some(TokenView::from_token(t, Utc::now())),
            csrf_token: None,
            session_expires_at: None,
        },
        _ => return Err(ApiError::unauthenticated()),
    };
    Ok(Json(resp))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    #[schema(format = Password)]
    pub current_password: String,
    /// At least 10 characters.
    #[schema(format = Password)]
    pub new_password: String,
}

/// Change your own password. Ends all your sessions (sign in again).
#[utoipa::path(
    post, path = "/api/v1/auth/password", tag = "auth",
    request_body = PasswordChange,
    responses((status = 204, description = "Changed; signed out everywhere"))
)]
pub async fn change_password(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<PasswordChange>,
) -> ApiResult<Response> {
    user_only(&caller)?;
    let user = caller.user()?;
    let rec = state
        .0
        .accounts
        .user(&user.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if req.current_password.len() > MAX_PASSWORD_BYTES
        || !verify_password_async(rec.password_hash.expose().to_owned(), req.current_password)
            .await?
    {
        return Err(ApiError::invalid(
            "current_password",
            "required",
            "the current password is wrong",
        ));
    }
    check_new_password(&req.new_password)
        .map_err(|m| ApiError::invalid("new_password", "limit", m))?;
    let hash = hash_password_async(req.new_password).await?;
    state.0.accounts.set_password(&user.id, &hash).await?;
    tracing::info!(user = %user.id, "password changed");
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_cookie(&state))],
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct TotpSetup {
    /// Base32 seed; enter it in an authenticator app, or use `otpauth_uri` as a QR code.
    pub secret: String,
    pub otpauth_uri: String,
}

/// Start enrolling a second factor: a fresh seed, not stored until confirmed with
/// `/auth/totp/enable`.
#[utoipa::path(
    post, path = "/api/v1/auth/totp/setup", tag = "auth",
    responses((status = 200, description = "A new seed", body = TotpSetup))
)]
pub async fn totp_setup(caller: Caller) -> ApiResult<Json<TotpSetup>> {
    let user = caller.user()?;
    let secret = new_totp_secret();
    Ok(Json(TotpSetup {
        otpauth_uri: otpauth_uri(&secret, &user.username),
        secret,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TotpEnable {
    /// The seed from `/auth/totp/setup`.
    pub secret: String,
    /// A current code from the app, proving it was set up.
    pub code: String,
}

/// Enable the second factor by confirming a current code for the seed.
#[utoipa::path(
    post, path = "/api/v1/auth/totp/enable", tag = "auth",
    request_body = TotpEnable,
    responses((status = 204, description = "Second factor enabled"))
)]
pub async fn totp_enable(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<TotpEnable>,
) -> ApiResult<StatusCode> {
    let user = caller.user()?;
    let secret = req.secret.trim().to_ascii_uppercase();
    if secret.len() < 26 || secret.len() > 128 {
        return Err(ApiError::invalid(
            "secret",
            "limit",
            "not a seed from /auth/totp/setup",
        ));
    }
    let step = totp_match(&secret, &req.code, Utc::now())
        .ok_or_else(|| ApiError::invalid("code", "required", "the code does not match the seed"))?;
    let accounts = &state.0.accounts;
    accounts
        .set_totp(&user.id, Some(&Secret::new(secret)))
        .await?;
    accounts.use_totp_step(&user.id, step).await?;
    tracing::info!(user = %user.id, "second factor enabled");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct TotpDisable {
    /// A current code.
    pub code: String,
}

/// Remove the second factor (needs a current code).
#[utoipa::path(
    post, path = "/api/v1/auth/totp/disable", tag = "auth",
    request_body = TotpDisable,
    responses(
        (status = 204, description = "Second factor removed"),
        (status = 409, description = "No second factor is enrolled", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn totp_disable(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<TotpDisable>,
) -> ApiResult<StatusCode> {
    let user = caller.user()?;
    let accounts = &state.0.accounts;
    let rec = accounts
        .user(&user.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let Some(seed) = rec.totp_secret else {
        return Err(ApiError::conflict("no second factor is enrolled"));
    };
    let ok = match totp_match(seed.expose(), &req.code, Utc::now()) {
        Some(step) => accounts.use_totp_step(&user.id, step).await?,
        None => false,
    };
    if !ok {
        return Err(ApiError::invalid(
            "code",
            "required",
            "wrong or already used code",
        ));
    }
    accounts.set_totp(&user.id, None).await?;
    tracing::info!(user = %user.id, "second factor removed");
    Ok(StatusCode::NO_CONTENT)
}
