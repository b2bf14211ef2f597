//! Who is asking: password hashing, session and API tokens, TOTP, and the [`Caller`]
//! extractor that every protected handler takes first.
//!
//! - Passwords: argon2id (the `argon2` crate's defaults: m = 19 MiB, t = 2, p = 1, the
//!   OWASP minimum), verified on a blocking thread.
//! - Session and API tokens: 256 random bits from the OS, hex encoded; only their SHA-256
//!   is stored, so a copy of the database does not let anyone sign in.
//! - CSRF: a second random token per session, returned at login and on `/me`, which every
//!   unsafe request made with the session cookie must echo in `X-CSRF-Token`. Together
//!   with `SameSite=Strict` this stops cross-site request forgery. Bearer tokens are not
//!   sent by browsers on their own, so they need no CSRF token.
//! - TOTP (RFC 6238, SHA-1, 6 digits, 30 s, ±1 step), each step usable once.

use std::collections::BTreeSet;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use mosaic_model::User;
use mosaic_policy::{Action, Principal, TokenGrant};
use mosaic_store::{ApiToken, Secret, Session};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const CSRF_HEADER: &str = "x-csrf-token";
/// Passwords longer than this are refused before hashing (hashing cost is bounded).
pub const MAX_PASSWORD_BYTES: usize = 1024;
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Sessions and tokens are written back as "seen" at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

/// Hashes a password with argon2id and a random salt. CPU-heavy: call on a blocking thread.
pub fn hash_password(password: &str) -> Result<Secret, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| Secret::new(h.to_string()))
        .map_err(|e| format!("password hashing failed: {e}"))
}

/// Checks a password against a stored PHC hash. CPU-heavy: call on a blocking thread.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Runs [`hash_password`] on the blocking pool.
pub async fn hash_password_async(password: String) -> ApiResult<Secret> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Runs [`verify_password`] on the blocking pool.
pub async fn verify_password_async(hash: String, password: String) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .map_err(ApiError::internal)
}

/// Checks length rules for a new password.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!("a password has at most {MAX_PASSWORD_BYTES} bytes"));
    }
    Ok(())
}

/// `n` random bytes from the OS, hex encoded.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256, hex encoded: how session and API tokens are stored.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Constant-time string comparison.
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// API tokens look like `mosaic_<64 hex>` so that secret scanners can spot them.
pub const TOKEN_PREFIX: &str = "mosaic_";

pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex(32))
}

// ---- TOTP -----------------------------------------------------------------------------

pub const TOTP_STEP: u64 = 30;

fn totp(secret_b32: &str) -> Option<totp_rs::TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .ok()?;
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, TOTP_STEP, bytes).ok()
}

/// A fresh TOTP seed (160 bits), base32 encoded.
pub fn new_totp_secret() -> String {
    let mut b = vec![0u8; 20];
    OsRng.fill_bytes(&mut b);
    match totp_rs::Secret::Raw(b).to_encoded() {
        totp_rs::Secret::Encoded(s) => s,
        totp_rs::Secret::Raw(_) => unreachable!("to_encoded encodes"),
    }
}

/// The `otpauth://` URI authenticator apps read (usually from a QR code).
pub fn otpauth_uri(secret_b32: &str, username: &str) -> String {
    format!(
        "otpauth://totp/Mosaic:{username}?secret={secret_b32}&issuer=Mosaic&algorithm=SHA1&digits=6&period={TOTP_STEP}"
    )
}

/// The time step a code matches (current ±1), if any.
pub fn totp_match(secret_b32: &str, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_b32)?;
    let now = now.timestamp().max(0) as u64;
    let cur = now / TOTP_STEP;
    let mut found = None;
    for step in [cur.saturating_sub(1), cur, cur + 1] {
        if ct_eq(&t.generate(step * TOTP_STEP), &code) {
            found = Some(step as i64);
        }
    }
    found
}

/// The current code for a seed (tests and the CLI's enrolment check).
pub fn totp_now(secret_b32: &str, now: DateTime<Utc>) -> Option<String> {
    Some(totp(secret_b32)?.generate(now.timestamp().max(0) as u64))
}

// ---- cookies --------------------------------------------------------------------------

/// The value of one cookie from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// `Set-Cookie` for a new session.
pub fn session_cookie(state: &AppState, token: &str, max_age_secs: i64) -> String {
    format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        state.cookie_name(),
        token,
        max_age_secs.max(0),
        if state.secure_cookies() {
            "; Secure"
        } else {
            ""
        }
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> String {
    session_cookie(state, "", 0)
}

// ---- the caller -----------------------------------------------------------------------

/// How the caller authenticated.
#[derive(Clone, Debug)]
pub enum AuthVia {
    /// A browser session; carries what logout and `/me` need.
    Session {
        token_hash: Secret,
        csrf_token: Secret,
        expires_at: DateTime<Utc>,
    },
    Token(Box<ApiToken>),
}

/// The authenticated caller. Taking it as a handler's first argument makes the handler
/// refuse unauthenticated requests with 401 before anything else is looked at.
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
    pub via: AuthVia,
}

impl Caller {
    /// 403 unless the policy allows `action`.
    pub fn require(&self, action: Action) -> ApiResult<()> {
        if self.principal.may(action) {
            Ok(())
        } else {
            tracing::info!(actor = %self.principal.actor(), action = %action, "denied by policy");
            Err(ApiError::forbidden(format!(
                "your role does not allow `{action}`"
            )))
        }
    }

    /// The signed-in user, or 403 for API tokens (endpoints for people only).
    pub fn user(&self) -> ApiResult<&User> {
        match &self.principal {
            Principal::User(u) => Ok(u),
            Principal::Token { .. } => Err(ApiError::forbidden(
                "this endpoint is for signed-in people, not API tokens",
            )),
        }
    }
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn grant_of(t: &ApiToken) -> TokenGrant {
    TokenGrant {
        agency: t.agency.clone(),
        // Unknown action names (from a newer version) grant nothing.
        actions: t
            .actions
            .iter()
            .filter_map(|a| Action::parse(a).ok())
            .collect::<BTreeSet<_>>(),
        clearance: t.clearance,
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        let caller = authenticate(parts, state).await?;
        crate::audit_log::on_caller(
            parts,
            mosaic_audit::Actor::new(
                caller.principal.actor(),
                Some(caller.principal.agency().clone()),
            ),
        )?;
        Ok(caller)
    }
}

async fn authenticate(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
    let now = Utc::now();
    let accounts = &state.0.accounts;
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        let v = v.to_str().map_err(|_| ApiError::unauthenticated())?;
        let token = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthenticated)?;
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Err(ApiError::unauthenticated());
        }
        let t = accounts
            .token_by_hash(&sha256_hex(token))
            .await?
            .filter(|t| t.is_active(now))
            .ok_or_else(ApiError::unauthenticated)?;
        if t.last_used_at
            .is_none_or(|u| (now - u).num_seconds() >= TOUCH_EVERY_SECS)
        {
            accounts.touch_token(&t.id, now).await?;
        }
        let principal = Principal::Token {
            token_id: t.id.clone(),
            created_by: t.created_by.clone(),
            grant: grant_of(&t),
        };
        return Ok(Caller {
            principal,
            via: AuthVia::Token(Box::new(t)),
        });
    }

    let token =
        cookie(&parts.headers, state.cookie_name()).ok_or_else(ApiError::unauthenticated)?;
    if token.len() != 64 {
        return Err(ApiError::unauthenticated());
    }
    let hash = sha256_hex(&token);
    let session: Session = accounts
        .session(&hash, now)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let idle = chrono::Duration::from_std(state.0.config.limits.session_idle)
        .unwrap_or(chrono::Duration::minutes(30));
    if now - session.last_seen_at > idle {
        accounts.delete_session(&hash).await?;
        return Err(ApiError::unauthenticated());
    }
    let rec = accounts
        .user(&session.user_id)
        .await?
        .filter(|r| !r.user.disabled)
        .ok_or_else(ApiError::unauthenticated)?;
    if unsafe_method(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct_eq(sent, session.csrf_token.expose()) {
            return Err(ApiError::csrf());
        }
    }
    if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
        accounts.touch_session(&hash, now).await?;
    }
    Ok(Caller {
        principal: Principal::User(rec.user),
        via: AuthVia::Session {
            token_hash: session.token_hash,
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
        },
    })
}

// ---- extractors whose rejections are problems -------------------------------------------

/// `axum::Json`, rejecting with a problem document.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: axum::extract::rejection::JsonRejection) -> ApiError {
    use axum::http::StatusCode;
    let text = e.body_text();
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request body too large",
        )
        .detail(text),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
        )
        .detail("send the body as JSON with `Content-Type: application/json`"),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::invalid("", "syntax", text),
        _ => ApiError::bad_request(text),
    }
}

/// `axum::extract::Query`, rejecting with a problem document.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// `axum::extract::Path`, rejecting with a problem document.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.expose().starts_with("$argon2id$"));
        assert!(verify_password(h.expose(), "correct horse battery"));
        assert!(!verify_password(h.expose(), "wrong"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn totp_codes_match_their_step_once_per_window() {
        let s = new_totp_secret();
        let now = Utc::now();
        let code = totp_now(&s, now).unwrap();
        let step = totp_match(&s, &code, now).unwrap();
        assert_eq!(step, now.timestamp() / 30);
        assert!(totp_match(&s, "000000x", now).is_none());
        // A code from ten minutes ago is refused.
        let old = totp_now(&s, now - chrono::Duration::minutes(10)).unwrap();
        if old != code {
            assert!(totp_match(&s, &old, now).is_none());
        }
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; mosaic_session=abc ; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, "mosaic_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn tokens_are_random_and_recognisable() {
        let a = new_api_token();
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a, new_api_token());
        assert_eq!(sha256_hex("abc").len(), 64);
    }
}
