//! `GET /api/v1/events`: live updates as server-sent events. Whenever reports are stored
//! (a submission, each batch of an import), every listener whose scope may see some of
//! them gets their ids — and only theirs: a report the listener may not see is never
//! announced, not even as a count. The client then reads the reports through the usual
//! scoped endpoints.
//!
//! A stream lasts at most `max_seconds` (default 300) and then ends; `EventSource`
//! reconnects on its own (after the `retry` delay), authenticating again, so a revoked
//! session or token stops receiving within that time.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use utoipa::{IntoParams, ToSchema};

use mosaic_policy::Action;
use mosaic_store::Scope;

use crate::auth::{ApiQuery, Caller};
use crate::error::ApiResult;
use crate::search::Written;
use crate::state::AppState;

/// Most ids in one `reports` event; a larger batch is split.
const MAX_IDS: usize = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// End the stream after this many seconds (1–3600, default 300); clients reconnect.
    pub max_seconds: Option<u64>,
}

/// The data of a `reports` event.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ReportsEvent {
    /// Reports just stored (new, or a new version) that you may see.
    pub ids: Vec<String>,
}

fn event(name: &str, data: &impl Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(data).unwrap_or_else(|_| "{}".into()))
}

/// The ids of `items` the scope may see, as events of at most [`MAX_IDS`].
fn visible_events(items: &[Written], scope: &Scope) -> Vec<Event> {
    let ids: Vec<String> = items
        .iter()
        .filter(|w| w.visible_to(scope))
        .map(|w| w.id.to_string())
        .collect();
    ids.chunks(MAX_IDS)
        .map(|c| event("reports", &ReportsEvent { ids: c.to_vec() }))
        .collect()
}

/// Live updates (server-sent events, `text/event-stream`). Events: `ready` once
/// subscribed (`{}`); `reports` (`{"ids": [...]}`) when reports you may see are stored —
/// reports you may not see are never announced; `resync` (`{}`) when the server dropped
/// notices for a slow listener (reload what you show). The stream ends after
/// `max_seconds`; reconnect (browsers' `EventSource` does so by itself).
#[utoipa::path(
    get, path = "/api/v1/events", tag = "reports",
    params(EventsQuery),
    responses((status = 200, description = "An event stream (`ready`, `reports`, `resync`)", body = ReportsEvent, content_type = "text/event-stream"))
)]
pub async fn events(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Response> {
    caller.require(Action::ListReports)?;
    let scope = caller.read_scope(&state, "api: live updates").await?;
    let rx = state.0.search.subscribe();
    let lifetime = Duration::from_secs(q.max_seconds.unwrap_or(300).clamp(1, 3600));
    tracing::info!(actor = %caller.principal.actor(), seconds = lifetime.as_secs(), "live updates subscribed");
    let stream = stream(rx, scope, Instant::now() + lifetime);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response())
}

struct Listen {
    rx: tokio::sync::broadcast::Receiver<Arc<Vec<Written>>>,
    scope: Scope,
    until: Instant,
    pending: std::collections::VecDeque<Event>,
    started: bool,
}

fn stream(
    rx: tokio::sync::broadcast::Receiver<Arc<Vec<Written>>>,
    scope: Scope,
    until: Instant,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let st = Listen {
        rx,
        scope,
        until,
        pending: Default::default(),
        started: false,
    };
    futures::stream::unfold(st, |mut st| async move {
        if !st.started {
            st.started = true;
            let ready = event("ready", &serde_json::json!({})).retry(Duration::from_secs(2));
            return Some((Ok(ready), st));
        }
        loop {
            if let Some(e) = st.pending.pop_front() {
                return Some((Ok(e), st));
            }
            let msg = tokio::select! {
                m = st.rx.recv() => m,
                _ = tokio::time::sleep_until(st.until) => return None,
            };
            match msg {
                Ok(items) => st.pending.extend(visible_events(&items, &st.scope)),
                Err(RecvError::Lagged(n)) => {
                    tracing::debug!(dropped = n, "live updates listener lagged");
                    st.pending
                        .push_back(event("resync", &serde_json::json!({})));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}
