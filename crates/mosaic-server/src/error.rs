//! Errors as `application/problem+json` (RFC 9457).
//!
//! Every error the API returns — including rejected JSON, bad query strings, unknown
//! routes, timeouts — is a [`Problem`]. Validation failures list every broken rule in
//! `errors`, each naming the field and the rule (the same rule names as import rejects).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use mosaic_model::ValidationError;
use mosaic_store::{AccountError, StoreError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI identifying the problem type, `urn:mosaic:problem:<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every broken rule, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One broken rule at one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `entities[2].properties.birthDate`.
    pub field: String,
    /// Stable rule name, e.g. `required`, `vocabulary`, `date` (see docs/import.md).
    pub rule: String,
    pub message: String,
}

impl From<ValidationError> for FieldError {
    fn from(e: ValidationError) -> Self {
        FieldError {
            field: e.field,
            rule: e.rule.code().to_owned(),
            message: e.message,
        }
    }
}

/// An error on its way to becoming a problem response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: Option<String>,
    errors: Vec<FieldError>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str) -> ApiError {
        ApiError {
            status,
            kind,
            title,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn detail(mut self, d: impl Into<String>) -> ApiError {
        self.detail = Some(d.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn kind(&self) -> &'static str {
        self.kind
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
        )
        .detail("sign in (session cookie) or send an API token as `Authorization: Bearer …`")
    }

    pub fn bad_credentials() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad-credentials",
            "Sign-in failed",
        )
        .detail(
            "the username or password is wrong, or the account is disabled or temporarily locked",
        )
    }

    pub fn totp_required() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "totp-required",
            "A one-time code is required",
        )
        .detail("this account has a second factor: send the current 6-digit code as `totp`")
    }

    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed").detail(detail)
    }

    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "Missing or wrong CSRF token",
        )
        .detail("requests that change something must echo the session's CSRF token in the `X-CSRF-Token` header")
    }

    /// Not found — also what a caller gets for something that exists but that they may
    /// not see, so that existence does not leak.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "Not found")
            .detail("no such object, or not one you may see")
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request").detail(detail)
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let n = errors.len();
        ApiError {
            errors,
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "The request breaks validation rules",
            )
            .detail(format!("{n} rule(s) broken; see `errors`"))
        }
    }

    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message: message.into(),
        }])
    }

    pub fn too_many_requests(retry_after_secs: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after_secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
            )
            .detail(format!("try again in {retry_after_secs} s"))
        }
    }

    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        )
        .detail(detail)
    }

    /// An unexpected failure. The cause goes to the log (with the request id of the
    /// enclosing span), never to the client.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        )
        .detail("the server failed; the event is logged with this request's id")
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            kind: format!("urn:mosaic:problem:{}", self.kind),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.to_problem()).expect("problem serialises");
        let mut resp = (self.status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"mosaic\""),
            );
        }
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body was not read: the connection cannot be reused.
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotInitialised => ApiError::unavailable(
                "the data store is not initialised: run `mosaic init` on the server",
            ),
            other => ApiError::internal(other),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Conflict(what) => ApiError::conflict(format!("{what} already exists")),
            AccountError::NotFound(_) => ApiError::not_found(),
            AccountError::Store(s) => s.into(),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
