//! `GET /api/v1/search`: names (fuzzy and transliterated), identifiers and narrative
//! text over the index of `crate::search`, with filters. The caller's scope is a
//! required clause of the query itself, and so is the exclusion of protected persons (who
//! are pseudonymised in every analysis view), so hidden documents are never scored,
//! counted or returned: totals are what the caller may see.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use mosaic_model::{AgencyId, Schema};
use mosaic_policy::Action;
use mosaic_search::{DocKind, SearchError, SearchRequest};

use crate::api::data::{parse_bbox, parse_time};
use crate::auth::{ApiQuery, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Deepest result a client may page to (`offset + limit`).
const MAX_DEPTH: usize = 10_000;
/// Longest query text.
const MAX_QUERY_CHARS: usize = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Names (any spelling or script: `Mohamed Al Hassan` finds `محمد الحسن`), identifiers
    /// (phone numbers as written nationally, IBANs, plates, document numbers…) or words of
    /// report narratives. Empty: everything the filters admit, newest first by score.
    pub q: Option<String>,
    /// Observed (else reported) at or after (RFC 3339).
    pub from: Option<String>,
    /// Observed (else reported) before (RFC 3339).
    pub until: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat` (WGS 84): documents whose report place intersects it.
    pub bbox: Option<String>,
    /// Only these providing agencies (comma-separated ids).
    pub agency: Option<String>,
    /// Only entity mentions of these schemas (comma-separated: `Person,Phone,Vehicle`…).
    pub schema: Option<String>,
    /// `report` (narratives) or `entity` (entity mentions); both when absent.
    pub kind: Option<String>,
    /// Skip this many hits (from the previous page's `next_offset`).
    pub offset: Option<u32>,
    /// Page size (default 20, at most 100).
    pub limit: Option<u32>,
}

/// One hit.
#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    /// `report` or `entity`.
    pub kind: String,
    pub score: f32,
    /// The report the hit comes from (for an entity: the report that mentions it).
    pub report_id: String,
    /// The entity (for `entity` hits): open it at `/api/v1/entities/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// Its schema (`Person`, `Phone`…), for `entity` hits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The providing agency.
    pub agency: String,
    /// Names as written, an identifier, or the report's type and reference.
    pub title: String,
    /// The start of the narrative (reports) or the identifier keys (entities).
    pub snippet: String,
    /// Words of `title` and `snippet` that match the query, as written there.
    pub highlights: Vec<String>,
    /// Observed (else reported) time.
    pub time: DateTime<Utc>,
}

/// A page of hits.
#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    /// How many documents you may see match, in all.
    pub total: u64,
    pub hits: Vec<SearchHit>,
    /// `offset` of the next page, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u32>,
}

fn list(s: Option<&str>) -> impl Iterator<Item = &str> {
    s.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
}

fn search_error(e: SearchError) -> ApiError {
    match e {
        SearchError::Store(e) => e.into(),
        SearchError::Invalid(m) => ApiError::bad_request(m),
        e => ApiError::internal(e),
    }
}

/// Search what you may see: entity mentions by name (fuzzy, transliterated, phonetic)
/// and identifier, and reports by their narrative and place, with filters by time, area,
/// agency, entity schema and kind. Hidden material is excluded inside the query (never
/// filtered afterwards), so hits, `total` and paging only ever reflect what you may see;
/// persons the protection rules pseudonymise (smuggled migrants, victims, asylum
/// applicants) and reports naming them are not searchable.
#[utoipa::path(
    get, path = "/api/v1/search", tag = "search",
    params(SearchQuery),
    responses((status = 200, description = "A page of hits, best first", body = SearchPage))
)]
pub async fn search(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchPage>> {
    caller.require(Action::ListReports)?;
    let query = q.q.unwrap_or_default();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!(
            "a query has at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = q.limit.unwrap_or(20).clamp(1, 100) as usize;
    let offset = q.offset.unwrap_or(0) as usize;
    if offset + limit > MAX_DEPTH {
        return Err(ApiError::bad_request(format!(
            "results are paged to a depth of {MAX_DEPTH}; narrow the search"
        )));
    }
    let kind = match q.kind.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("report") => Some(DocKind::Report),
        Some("entity") => Some(DocKind::Entity),
        Some(_) => return Err(ApiError::bad_request("kind is `report` or `entity`")),
    };
    let agencies = list(q.agency.as_deref())
        .map(|a| AgencyId::parse(a).map_err(|e| ApiError::bad_request(e.to_string())))
        .collect::<ApiResult<Vec<_>>>()?;
    let schemas = list(q.schema.as_deref())
        .map(|s| Schema::parse(s).map_err(|e| ApiError::bad_request(e.to_string())))
        .collect::<ApiResult<Vec<_>>>()?;
    let store = &state.0.store;
    let default_country = {
        let me = caller.principal.agency();
        store
            .agencies()
            .await?
            .into_iter()
            .find(|a| &a.id == me)
            .map(|a| a.country.to_ascii_lowercase())
    };
    let req = SearchRequest {
        query,
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
        agencies,
        schemas,
        kind,
        default_country,
        limit,
        offset,
        // analysis views pseudonymise protected persons: never findable by name here
        hide_protected: true,
    };
    let scope = caller.read_scope(&state, "api: search").await?;
    let guard = state.0.search.ready(&**store).await.map_err(search_error)?;
    let idx = guard
        .as_ref()
        .ok_or_else(|| ApiError::unavailable("the search index is not open"))?;
    let res = idx.search(&scope, &req).map_err(search_error)?;
    drop(guard);
    let shown = offset + res.hits.len();
    tracing::info!(actor = %caller.principal.actor(), total = res.total, hits = res.hits.len(), "search");
    Ok(Json(SearchPage {
        total: res.total as u64,
        next_offset: (shown < res.total && shown < MAX_DEPTH).then_some(shown as u32),
        hits: res
            .hits
            .into_iter()
            .map(|h| SearchHit {
                kind: match h.kind {
                    DocKind::Report => "report".into(),
                    DocKind::Entity => "entity".into(),
                },
                score: h.score,
                report_id: h.report_id.to_string(),
                entity_id: h.entity_id,
                schema: h.schema,
                agency: h.agency,
                title: h.title,
                snippet: h.snippet,
                highlights: h.highlights,
                time: h.time,
            })
            .collect(),
    }))
}
