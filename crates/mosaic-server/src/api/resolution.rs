//! Which mentions are one entity, and why (issue 7), for the caller.
//!
//! The resolver runs over what the caller may see, and nothing else: the reports of
//! their scope; H3 reports only once their conditions are acknowledged; each report
//! as the protection rules show it to them. Protected persons are left out entirely,
//! and so is anything in a report that points at one (their phone, their document).
//! Resolving them on pseudonyms would say nothing, and resolving them on real data
//! would release it. The caller's view of the resolved entity therefore never rests on
//! a statement they could not read themselves. Judgements are applied where the caller
//! may see both records.
//!
//! It is computed per request, with no cache yet: resolving a year of a centre's reports
//! takes about 0.3 s, and reading them comes on top.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::Json;
use futures::TryStreamExt;
use serde::Serialize;
use utoipa::ToSchema;

use mosaic_model::{EntityId, HandlingCode, Report};
use mosaic_policy::protect::FLAG_PSEUDONYMISED;
use mosaic_policy::Action;
use mosaic_resolve::{records_of, Context, Resolver, ResolverConfig};

use crate::api::protection::ViewCtx;
use crate::audit_log::Audit;
use crate::auth::{ApiPath, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A resolved entity as the caller may see it.
#[derive(Serialize, ToSchema)]
pub struct ResolutionView {
    /// The entity asked about.
    pub entity_id: String,
    /// Records (entity ids) resolved: everything the caller may see, protected persons
    /// left out.
    pub records: usize,
    /// The resolved entity: `id` (the smallest member id), `members` (entity ids with
    /// their mentions: report, agency, provider's reference; names and identifiers as
    /// written) and `links`, the pairs that joined them. Each link carries its match
    /// probability and either its feature-by-feature explanation (persons: `features`
    /// with the level, the values compared and the weight of each) or the identifier
    /// `rule` (things), and `judgement` or `corroborated` where those decided it. Also
    /// the `judgements` touching any member.
    #[schema(value_type = Object)]
    pub cluster: serde_json::Value,
}

/// Which mentions from which agencies were joined into this entity, and why. Computed
/// over what you may see (protected persons left out). Needs a stated purpose
/// (`X-Mosaic-Purpose`).
#[utoipa::path(
    get, path = "/api/v1/entities/{id}/resolution", tag = "entities",
    params(("id" = String, Path, description = "Entity id, e.g. `fr-ncc:ent:…`")),
    responses(
        (status = 200, description = "The resolved entity, explained", body = ResolutionView),
        (status = 404, description = "No such entity, or nothing about it you may see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_resolution(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ResolutionView>> {
    caller.require(Action::ReadEntity)?;
    audit.require_purpose()?;
    let eid = EntityId::parse(&id).map_err(|_| ApiError::not_found())?;
    let scope = caller.read_scope(&state, "api: resolve entity").await?;
    let mut ctx = ViewCtx::new(&state, &caller.principal).await?;

    let stored: Vec<_> = state.0.store.export(&scope).try_collect().await?;
    let h3: Vec<String> = stored
        .iter()
        .filter(|s| s.report.handling == HandlingCode::H3)
        .map(|s| s.report.id.to_string())
        .collect();
    ctx.load_acks(&h3).await?;
    let reports: Vec<Report> = stored
        .iter()
        .filter(|s| !ctx.withheld(s.report.id.as_str(), s.version, s.report.handling))
        .map(|s| without_protected(ctx.report_for_analysis(s)))
        .collect();
    let agencies = state.0.store.agencies().await?;
    let judgements = match &state.0.judgements {
        Some(j) => j.current_judgements(&scope).await?,
        None => Vec::new(),
    };
    let asked = eid.clone();
    let view = tokio::task::spawn_blocking(move || {
        let ctx = Context::new(&agencies);
        let records: Vec<_> = reports.iter().flat_map(|r| records_of(r, &ctx)).collect();
        let resolver = Resolver::build(records, &judgements, ResolverConfig::default());
        let n = resolver.records().len();
        resolver.cluster(&asked).map(|c| (n, c))
    })
    .await
    .map_err(|e| ApiError::internal(format!("resolution worker: {e}")))?;
    let Some((records, cluster)) = view else {
        return Err(ApiError::not_found());
    };
    audit.object(eid.as_str());
    audit.note("members", cluster.members.len());
    Ok(Json(ResolutionView {
        entity_id: eid.to_string(),
        records,
        cluster: serde_json::to_value(&cluster)
            .map_err(|e| ApiError::internal(format!("resolution view: {e}")))?,
    }))
}

/// The report without its pseudonymised (protected) persons and without what points at
/// them (a property whose value is such a person's key: their phone, their document).
fn without_protected((mut r, flags): (Report, Vec<(String, Vec<&'static str>)>)) -> Report {
    let mut gone: BTreeSet<String> = flags
        .into_iter()
        .filter(|(_, f)| f.contains(&FLAG_PSEUDONYMISED))
        .map(|(k, _)| k)
        .collect();
    if gone.is_empty() {
        return r;
    }
    let pointing = r.keys_pointing_at(&gone);
    gone.extend(pointing);
    r.entities.retain(|m| !gone.contains(&m.key));
    r.roles.retain(|x| !gone.contains(&x.entity));
    r
}
