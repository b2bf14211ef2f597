//! The audit trail of the API (DESIGN §4 rule 5): every request under `/api/v1` leaves
//! one entry — actor, agency, stated purpose, action, object, result, time, request id —
//! and an export a second one when its stream ends.
//!
//! - **Nothing is dropped.** The [`audit_layer`] middleware writes the entry *before* the
//!   response leaves: the handler's answer waits for the commit, and if the entry cannot
//!   be written the client gets a 503 instead of the data (fail closed). Refusals (401,
//!   403, 404, bad input) are recorded like successes, with their result.
//! - **Off the request path, batched.** Entries go through a channel to one writer task
//!   that appends everything queued in one transaction (group commit) and then answers
//!   every waiting request; so concurrent requests share a commit instead of queueing for
//!   the store's writer one by one. [`AuditLog::close`] drains the queue at shutdown.
//! - **Purpose.** The `X-Mosaic-Purpose` header states why: `case:<case id>` or
//!   `task:<what you are doing>` (percent-encoded UTF-8 allowed). It is recorded on every
//!   entry; entity reads and exports refuse to run without one ([`Audit::require_purpose`]).
//! - Handlers add what only they know (the object, counts, the ids returned) through the
//!   [`Audit`] extractor; the [`crate::auth::Caller`] extractor records who is asking.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};

use mosaic_audit::{Actor, AuditAction, AuditEvent, Outcome};
use mosaic_model::CaseId;
use mosaic_store::audit::{AuditQuery, AuditStore};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The request header carrying the stated purpose.
pub const PURPOSE_HEADER: &str = "x-mosaic-purpose";
/// Longest purpose accepted, in characters.
pub const MAX_PURPOSE_CHARS: usize = 500;
/// The actor recorded for requests that did not authenticate.
pub const ANONYMOUS: &str = "anonymous";
/// Entries appended per transaction at most.
const MAX_BATCH: usize = 512;
/// Entries waiting for the writer before requests wait to enqueue (back-pressure).
const QUEUE: usize = 8_192;

/// A stated purpose: `case:<case id>` or `task:<text>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purpose {
    /// As recorded: `case:fr-ncc:case:pdc-2025` or `task:identify the drivers`.
    pub text: String,
    pub case: Option<CaseId>,
}

/// Parses a purpose header value (after percent-decoding).
pub fn parse_purpose(raw: &str) -> Result<Purpose, String> {
    let s = percent_decode(raw.trim())
        .ok_or_else(|| "the purpose is not valid UTF-8 after percent-decoding".to_owned())?;
    let s = s.trim();
    if s.chars().count() > MAX_PURPOSE_CHARS {
        return Err(format!(
            "the purpose has at most {MAX_PURPOSE_CHARS} characters"
        ));
    }
    if s.chars().any(char::is_control) {
        return Err("the purpose may not contain control characters".into());
    }
    if let Some(case) = s.strip_prefix("case:") {
        let case =
            CaseId::parse(case.trim()).map_err(|e| format!("`case:` needs a case id: {e}"))?;
        return Ok(Purpose {
            text: format!("case:{case}"),
            case: Some(case),
        });
    }
    if let Some(task) = s.strip_prefix("task:") {
        let task = task.trim();
        if task.is_empty() {
            return Err("`task:` needs a description of the task".into());
        }
        return Ok(Purpose {
            text: format!("task:{task}"),
            case: None,
        });
    }
    Err("state the purpose as `case:<case id>` or `task:<what you are doing>`".into())
}

/// Decodes `%XX` escapes; other characters (a lone `%` included) are kept as they are.
fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Why an entry could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AuditLogError {
    #[error("the audit trail is closed (the server is shutting down)")]
    Closed,
    #[error("the audit trail could not be written: {0}")]
    Store(String),
}

struct Job {
    event: AuditEvent,
    done: Option<oneshot::Sender<Result<u64, String>>>,
}

/// The server's writer of audit entries (see the module documentation).
pub struct AuditLog {
    store: Option<Arc<dyn AuditStore>>,
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl AuditLog {
    /// A writer appending to `store`. Without a store (embedding the server without an
    /// audit backend, e.g. in some tests) entries go to the log only.
    pub fn new(store: Option<Arc<dyn AuditStore>>) -> AuditLog {
        let (tx, task) = match &store {
            Some(s) => {
                let (tx, rx) = mpsc::channel(QUEUE);
                (Some(tx), Some(tokio::spawn(writer(s.clone(), rx))))
            }
            None => (None, None),
        };
        AuditLog {
            store,
            tx: Mutex::new(tx),
            task: Mutex::new(task),
        }
    }

    /// The store entries are written to, if any.
    pub fn store(&self) -> Option<&Arc<dyn AuditStore>> {
        self.store.as_ref()
    }

    /// Writes one entry and waits until it is committed; returns its sequence number
    /// (0 without a store).
    pub async fn record(&self, event: AuditEvent) -> Result<u64, AuditLogError> {
        if self.store.is_none() {
            tracing::info!(
                target: "mosaic::audit",
                actor = %event.actor.id,
                action = %event.action,
                object = event.object.as_deref().unwrap_or("-"),
                result = %event.result,
                "audit entry (no audit store configured)"
            );
            return Ok(0);
        }
        let tx = self
            .tx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(AuditLogError::Closed)?;
        let (done, wait) = oneshot::channel();
        tx.send(Job {
            event,
            done: Some(done),
        })
        .await
        .map_err(|_| AuditLogError::Closed)?;
        match wait.await {
            Ok(Ok(seq)) => Ok(seq),
            Ok(Err(e)) => Err(AuditLogError::Store(e)),
            Err(_) => Err(AuditLogError::Closed),
        }
    }

    /// Stops taking entries and waits until every queued one is written.
    pub async fn close(&self) {
        drop(self.tx.lock().unwrap_or_else(|p| p.into_inner()).take());
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }
}

/// The writer task: group commit of whatever is queued.
async fn writer(store: Arc<dyn AuditStore>, mut rx: mpsc::Receiver<Job>) {
    let mut jobs: Vec<Job> = Vec::new();
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let events: Vec<AuditEvent> = jobs.iter().map(|j| j.event.clone()).collect();
        let mut result = store.append_audit_batch(&events).await;
        // A busy or briefly unavailable database is retried before anyone is refused.
        for attempt in 1..=3u64 {
            if result.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            result = store.append_audit_batch(&events).await;
        }
        match result {
            Ok(recs) => {
                for (j, r) in jobs.drain(..).zip(recs) {
                    if let Some(d) = j.done {
                        let _ = d.send(Ok(r.seq));
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = jobs.len(), "audit entries could not be written");
                for j in jobs.drain(..) {
                    // Kept in the server log at least; the waiting requests are refused.
                    tracing::error!(
                        target: "mosaic::audit",
                        entry = %serde_json::to_string(&j.event).unwrap_or_default(),
                        "unwritten audit entry"
                    );
                    if let Some(d) = j.done {
                        let _ = d.send(Err(e.to_string()));
                    }
                }
            }
        }
    }
}

/// What the request has told the audit so far.
#[derive(Default)]
struct Draft {
    actor: Option<Actor>,
    action: Option<AuditAction>,
    object: Option<String>,
    detail: Map<String, Value>,
    purpose: Option<Purpose>,
    purpose_error: Option<String>,
    request_id: String,
}

/// The request's audit record in the making (a request extension).
#[derive(Clone, Default)]
pub struct AuditCtx(Arc<Mutex<Draft>>);

impl AuditCtx {
    fn with<R>(&self, f: impl FnOnce(&mut Draft) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Records the authenticated caller on the request's entry, and refuses a malformed
/// purpose now that the caller is known (so the refusal is recorded against them).
pub(crate) fn on_caller(parts: &Parts, actor: Actor) -> ApiResult<()> {
    let Some(ctx) = parts.extensions.get::<AuditCtx>() else {
        return Ok(());
    };
    let err = ctx.with(|d| {
        d.actor = Some(actor);
        d.purpose_error.clone()
    });
    match err {
        Some(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "purpose-invalid",
            "The stated purpose is malformed",
        )
        .detail(format!("header `X-Mosaic-Purpose`: {e}"))),
        None => Ok(()),
    }
}

/// A handler's handle on its request's audit entry.
pub struct Audit(AuditCtx);

impl<S: Send + Sync> FromRequestParts<S> for Audit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Audit> {
        // Every /api/v1 route runs under the audit layer; its absence is a server bug,
        // and the request is refused rather than served unaudited.
        parts
            .extensions
            .get::<AuditCtx>()
            .cloned()
            .map(Audit)
            .ok_or_else(|| ApiError::internal("request without an audit context"))
    }
}

impl Audit {
    /// The action, when the method and route do not say it (see [`default_action`]).
    pub fn action(&self, a: AuditAction) {
        self.0.with(|d| d.action = Some(a));
    }

    /// What was acted on.
    pub fn object(&self, o: impl Into<String>) {
        let o = o.into();
        self.0.with(|d| d.object = Some(o));
    }

    /// A fact for the entry's `detail`.
    pub fn note(&self, key: &str, v: impl Into<Value>) {
        let v = v.into();
        self.0.with(|d| {
            d.detail.insert(key.to_owned(), v);
        });
    }

    /// Who acted, for requests that authenticate inside the handler (sign-in).
    pub fn actor(&self, a: Actor) {
        self.0.with(|d| d.actor = Some(a));
    }

    /// The actor as recorded so far.
    pub fn actor_id(&self) -> Option<String> {
        self.0.with(|d| d.actor.as_ref().map(|a| a.id.clone()))
    }

    /// The request's id (`x-request-id`).
    pub fn request_id(&self) -> String {
        self.0.with(|d| d.request_id.clone())
    }

    /// The stated purpose, if any.
    pub fn purpose(&self) -> Option<Purpose> {
        self.0.with(|d| d.purpose.clone())
    }

    /// The stated purpose, or a 400 problem naming the header.
    pub fn require_purpose(&self) -> ApiResult<Purpose> {
        self.purpose().ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "purpose-required",
                "State the purpose of this request",
            )
            .detail(
                "this request reads personal data: send the header `X-Mosaic-Purpose: case:<case id>` \
                 or `X-Mosaic-Purpose: task:<what you are doing>`; it is recorded in the audit trail",
            )
        })
    }
}

/// The action a request is recorded as when the handler does not say.
pub fn default_action(method: &Method, route: &str) -> AuditAction {
    match *method {
        Method::GET | Method::HEAD => {
            if route == "/api/v1/export" || route.ends_with("/export") {
                AuditAction::Export
            } else if route == "/api/v1/audit/verify" {
                AuditAction::Verify
            } else if route.ends_with('}') || route == "/api/v1/auth/me" {
                AuditAction::Read
            } else {
                AuditAction::Search
            }
        }
        _ => match route {
            "/api/v1/auth/login" => AuditAction::Login,
            "/api/v1/auth/logout" => AuditAction::Logout,
            r if r.starts_with("/api/v1/imports") => AuditAction::Import,
            r if r.starts_with("/api/v1/permissions") || r.starts_with("/api/v1/referrals") => {
                AuditAction::Grant
            }
            _ => AuditAction::Change,
        },
    }
}

/// The first path parameter of `route` as it appears in `path` (percent-decoded): the
/// object of a request the handler did not get to describe (e.g. refused before it ran).
pub fn default_object(route: &str, path: &str) -> Option<String> {
    route
        .split('/')
        .zip(path.split('/'))
        .find(|(r, _)| r.starts_with('{'))
        .and_then(|(_, p)| percent_decode(p))
}

/// How a response status is recorded.
pub fn outcome_of(status: StatusCode) -> Outcome {
    if status.is_success() || status.is_redirection() {
        Outcome::Allowed
    } else if status == StatusCode::NOT_FOUND {
        Outcome::NotFound
    } else if status.is_client_error() {
        Outcome::Denied
    } else {
        Outcome::Error
    }
}

/// The middleware: one entry per `/api/v1` request, committed before the response leaves.
pub async fn audit_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .filter(|_| path.starts_with("/api/v1/"))
    else {
        return next.run(req).await;
    };
    let method = req.method().clone();
    let query = req.uri().query().map(str::to_owned);
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let ctx = AuditCtx::default();
    ctx.with(|d| d.request_id = request_id.clone());
    if let Some(v) = req.headers().get(PURPOSE_HEADER) {
        let parsed = std::str::from_utf8(v.as_bytes())
            .map_err(|_| "the header is not UTF-8".to_owned())
            .and_then(parse_purpose);
        ctx.with(|d| match parsed {
            Ok(p) => d.purpose = Some(p),
            Err(e) => d.purpose_error = Some(e),
        });
    }
    req.extensions_mut().insert(ctx.clone());
    let resp = next.run(req).await;
    let status = resp.status();
    let event = ctx.with(|d| {
        let mut detail = std::mem::take(&mut d.detail);
        detail.insert("request_id".into(), request_id.clone().into());
        detail.insert("method".into(), method.as_str().into());
        detail.insert("route".into(), route.clone().into());
        detail.insert("status".into(), status.as_u16().into());
        if let Some(q) = &query {
            detail.insert("query".into(), q.clone().into());
        }
        let mut ev = AuditEvent::new(
            d.actor
                .clone()
                .unwrap_or_else(|| Actor::new(ANONYMOUS, None)),
            d.action.unwrap_or_else(|| default_action(&method, &route)),
            outcome_of(status),
        )
        .detail(Value::Object(detail));
        ev.object = d.object.clone().or_else(|| default_object(&route, &path));
        if let Some(p) = &d.purpose {
            ev.purpose = p.text.clone();
            ev.case = p.case.clone();
        }
        ev
    });
    match state.0.audit.record(event).await {
        Ok(_) => resp,
        Err(e) => {
            tracing::error!(error = %e, request_id = %request_id, "request refused: not recorded in the audit trail");
            let mut r = ApiError::unavailable(
                "the request could not be recorded in the audit trail, so its result is withheld; try again",
            )
            .into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
    }
}

/// The versions of `report` that `actor` has acknowledged the H3 conditions of.
pub async fn acknowledged_versions(
    store: &dyn AuditStore,
    actor: &str,
    report: &str,
) -> mosaic_store::Result<Vec<u32>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .audit_search(&AuditQuery {
                actor: Some(actor.to_owned()),
                action: Some(AuditAction::Acknowledge.as_str().to_owned()),
                object: Some(report.to_owned()),
                after,
                limit: 1_000,
                ..Default::default()
            })
            .await?;
        for r in &page {
            if let Ok(e) = r.entry() {
                if e.event.result == Outcome::Allowed {
                    if let Some(v) = e.event.detail.get("version").and_then(Value::as_u64) {
                        out.push(v as u32);
                    }
                }
            }
        }
        match page.last() {
            Some(l) if page.len() == 1_000 => after = Some(l.seq),
            _ => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_parse_or_say_why_not() {
        let p = parse_purpose("case:fr-ncc:case:pdc-2025").unwrap();
        assert_eq!(p.text, "case:fr-ncc:case:pdc-2025");
        assert_eq!(p.case.unwrap().as_str(), "fr-ncc:case:pdc-2025");
        let p = parse_purpose("task:identify%20the%20drivers%20%C3%A0%20Calais").unwrap();
        assert_eq!(p.text, "task:identify the drivers à Calais");
        assert_eq!(p.case, None);
        assert_eq!(parse_purpose("task:100%").unwrap().text, "task:100%");
        assert!(parse_purpose("task:  ").unwrap_err().contains("task"));
        assert!(parse_purpose("curiosity").unwrap_err().contains("case:"));
        assert!(parse_purpose("case:not-a-case").is_err());
        assert!(parse_purpose("task:a%0Ab").is_err());
        assert!(parse_purpose(&format!("task:{}", "x".repeat(600))).is_err());
    }

    #[test]
    fn routes_map_to_actions_and_objects() {
        assert_eq!(
            default_action(&Method::GET, "/api/v1/reports/{id}"),
            AuditAction::Read
        );
        assert_eq!(
            default_action(&Method::GET, "/api/v1/reports"),
            AuditAction::Search
        );
        assert_eq!(
            default_action(&Method::GET, "/api/v1/export"),
            AuditAction::Export
        );
        assert_eq!(
            default_action(&Method::POST, "/api/v1/reports"),
            AuditAction::Change
        );
        assert_eq!(
            default_action(&Method::POST, "/api/v1/auth/login"),
            AuditAction::Login
        );
        assert_eq!(
            default_object("/api/v1/reports/{id}", "/api/v1/reports/fr-ncc%3Arep%3Aab"),
            Some("fr-ncc:rep:ab".into())
        );
        assert_eq!(default_object("/api/v1/reports", "/api/v1/reports"), None);
        assert_eq!(outcome_of(StatusCode::NOT_FOUND), Outcome::NotFound);
        assert_eq!(outcome_of(StatusCode::FORBIDDEN), Outcome::Denied);
        assert_eq!(outcome_of(StatusCode::CREATED), Outcome::Allowed);
        assert_eq!(outcome_of(StatusCode::SERVICE_UNAVAILABLE), Outcome::Error);
    }
}
