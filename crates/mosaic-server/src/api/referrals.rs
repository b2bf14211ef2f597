//! Referrals of children and victims of trafficking to a partner NGO, with consent
//! recorded (DESIGN §4.3, issue 6).
//!
//! The front line (officer, case officer) refers a person its agency reported, flagged as
//! a child or a victim of trafficking, to an NGO agency. Deny by default: the referral is
//! refused unless the person is so flagged, consent is recorded, the receiving agency is
//! an NGO, and an agreement in force has a clause allowing the referring agency to give
//! that NGO migrants' or victims' personal data for protection (the referral names it).
//! The **package** is the referring agency's own reports (H0–H2) that the clause covers;
//! the NGO's caseworkers read the person's statements from those reports only, with the
//! protection purpose, which is what releases a protected person's data (Cedar policy
//! `personal-data-for-protection`). Either side can withdraw the referral; the NGO then
//! reads nothing through it, on its very next request.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use mosaic_agreements::{decide, DataCategory, Decision, PartyId, Purpose, SharingRequest};
use mosaic_model::{AgencyKind, EntityId, HandlingCode, ReportId};
use mosaic_policy::protect::{facts, FLAG_CHILD, FLAG_VICTIM_OF_TRAFFICKING};
use mosaic_policy::{referral_scope, Action, Principal};
use mosaic_store::referrals::{
    Consent, ConsentBy, ConsentMethod, NewReferral, Referral, ReferralBasis, ReferralGround,
    ReferralStatus, ReferralStore, Withdrawal,
};
use mosaic_store::{AgreementStore, StoredStatement};

use crate::api::protection::ViewCtx;
use crate::api::views::EntityView;
use crate::audit_log::Audit;
use crate::auth::{ApiJson, ApiPath, Caller};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;

/// The consent a referral records.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct ConsentBody {
    /// `person` (the person themself) or `guardian` (parent, guardian, representative).
    pub by: String,
    /// `written` or `oral` (before a witness named in the note).
    pub method: String,
    /// When it was given (RFC 3339; not in the future).
    pub given_at: DateTime<Utc>,
    /// Language, interpreter, witness, form reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Refer a person to a partner NGO.
#[derive(Deserialize, ToSchema)]
pub struct NewReferralBody {
    /// The person (entity id, `<centre>:ent:<suffix>`), flagged child or victim of
    /// trafficking in your agency's reports.
    pub person: String,
    /// The NGO agency that takes the case.
    pub to_agency: String,
    pub consent: ConsentBody,
    /// Anything the NGO should know (up to 2,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// Withdraw a referral.
#[derive(Deserialize, ToSchema)]
pub struct WithdrawBody {
    /// Why: consent withdrawn, case closed, … (1-2,000 characters).
    pub reason: String,
}

/// A referral, and (reading one) the person as you may see them through it.
#[derive(Serialize, ToSchema)]
pub struct ReferralView {
    pub id: i64,
    pub person: String,
    pub from_agency: String,
    pub to_agency: String,
    /// `child`, `victim_of_trafficking`.
    pub grounds: Vec<String>,
    pub consent: ConsentBody,
    /// The agreement, version and clause that allow the referral.
    pub agreement: String,
    pub agreement_version: u32,
    pub clause: String,
    /// The referring agency's reports the NGO reads the person's statements from.
    pub package: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `active` or `withdrawn`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal_reason: Option<String>,
    /// The person (only in `GET /referrals/{id}` of an active referral): for the receiving
    /// NGO's caseworkers, their statements in the package, for protection; for the
    /// referring agency, its usual view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_view: Option<EntityView>,
}

impl From<Referral> for ReferralView {
    fn from(r: Referral) -> Self {
        let d = r.details;
        let w = r.withdrawal;
        ReferralView {
            id: r.id,
            person: d.person.to_string(),
            from_agency: d.from_agency.to_string(),
            to_agency: d.to_agency.to_string(),
            grounds: d
                .grounds
                .iter()
                .map(|g| ground_str(*g).to_owned())
                .collect(),
            consent: ConsentBody {
                by: match d.consent.by {
                    ConsentBy::Person => "person",
                    ConsentBy::Guardian => "guardian",
                }
                .into(),
                method: match d.consent.method {
                    ConsentMethod::Written => "written",
                    ConsentMethod::Oral => "oral",
                }
                .into(),
                given_at: d.consent.given_at,
                note: d.consent.note,
            },
            agreement: d.basis.agreement,
            agreement_version: d.basis.version,
            clause: d.basis.clause,
            package: d.package.iter().map(|p| p.to_string()).collect(),
            created_by: d.created_by,
            created_at: d.at,
            note: d.note,
            status: r.status.as_str().to_owned(),
            withdrawn_by: w.as_ref().map(|w| w.by.clone()),
            withdrawn_at: w.as_ref().map(|w| w.at),
            withdrawal_reason: w.map(|w| w.reason),
            person_view: None,
        }
    }
}

fn ground_str(g: ReferralGround) -> &'static str {
    match g {
        ReferralGround::Child => FLAG_CHILD,
        ReferralGround::VictimOfTrafficking => FLAG_VICTIM_OF_TRAFFICKING,
    }
}

/// What the person's data are for the agreements: a victim's, or a (child) migrant's.
fn category_of(grounds: &[ReferralGround]) -> DataCategory {
    if grounds.contains(&ReferralGround::VictimOfTrafficking) {
        DataCategory::VictimPersonalData
    } else {
        DataCategory::MigrantPersonalData
    }
}

/// Giving one report's data about the person to the NGO, for protection: the request an
/// agreement clause must cover, at referral time and at every read.
fn for_protection(
    provider: &PartyId,
    recipient: &PartyId,
    category: DataCategory,
    handling: HandlingCode,
    tlp: mosaic_model::Tlp,
    at: DateTime<Utc>,
) -> SharingRequest {
    SharingRequest {
        provider: provider.clone(),
        recipient: recipient.clone(),
        category,
        handling,
        tlp,
        purpose: Purpose::Protection,
        at,
    }
}

/// The statements whose report an agreement in force still lets `from` give `to` for
/// protection, now.
async fn still_allowed(
    state: &AppState,
    from: &mosaic_model::AgencyId,
    to: &mosaic_model::AgencyId,
    category: DataCategory,
    st: Vec<StoredStatement>,
) -> ApiResult<Vec<StoredStatement>> {
    if st.is_empty() {
        return Ok(st);
    }
    let all = mosaic_store::agreements::load_all(agreements(state)?)
        .await
        .map_err(ApiError::internal)?;
    let (Ok(provider), Ok(recipient)) =
        (PartyId::parse(from.as_str()), PartyId::parse(to.as_str()))
    else {
        return Ok(Vec::new());
    };
    let now = Utc::now();
    Ok(st
        .into_iter()
        .filter(|s| {
            decide(
                &all,
                &for_protection(&provider, &recipient, category, s.handling, s.tlp, now),
            )
            .is_allowed()
        })
        .collect())
}

/// Referrals made by, or to, the caller's agency.
#[derive(Serialize, ToSchema)]
pub struct ReferralList {
    pub items: Vec<ReferralView>,
}

fn referrals(state: &AppState) -> ApiResult<&dyn ReferralStore> {
    state
        .0
        .referrals
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("referrals are not enabled on this server"))
}

fn agreements(state: &AppState) -> ApiResult<&dyn AgreementStore> {
    state
        .0
        .agreements
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("agreements are not enabled on this server"))
}

fn parse_consent(c: &ConsentBody, now: DateTime<Utc>) -> Result<Consent, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, rule: &str, message: &str| {
        errors.push(FieldError {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message: message.to_owned(),
        })
    };
    let by = match c.by.as_str() {
        "person" => Some(ConsentBy::Person),
        "guardian" => Some(ConsentBy::Guardian),
        _ => {
            err("consent.by", "vocabulary", "one of: person, guardian");
            None
        }
    };
    let method = match c.method.as_str() {
        "written" => Some(ConsentMethod::Written),
        "oral" => Some(ConsentMethod::Oral),
        _ => {
            err("consent.method", "vocabulary", "one of: written, oral");
            None
        }
    };
    if c.given_at > now {
        err(
            "consent.given_at",
            "not_in_future",
            "consent is recorded once it has been given",
        );
    }
    if c.note.as_ref().is_some_and(|n| n.len() > 2_000) {
        err("consent.note", "max_length", "at most 2,000 characters");
    }
    match (by, method) {
        (Some(by), Some(method)) if errors.is_empty() => Ok(Consent {
            by,
            method,
            given_at: c.given_at,
            note: c.note.clone(),
        }),
        _ => Err(errors),
    }
}

/// Refer a child or a victim of trafficking your agency reported to a partner NGO, with
/// the consent recorded. Refused (422, naming the rule) unless the person is so flagged
/// in your agency's reports, the receiving agency is an NGO, and an agreement in force
/// allows the exchange for protection; the referral names the agreement clause.
#[utoipa::path(
    post, path = "/api/v1/referrals", tag = "referrals",
    request_body = NewReferralBody,
    responses(
        (status = 201, description = "Referred", body = ReferralView),
        (status = 404, description = "No such person, or nothing about them you may see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_referral(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewReferralBody>,
) -> ApiResult<(StatusCode, Json<ReferralView>)> {
    caller.require(Action::ReferPerson)?;
    audit.require_purpose()?;
    audit.object(body.person.clone());
    let now = Utc::now();
    let person = EntityId::parse(&body.person).map_err(|_| ApiError::not_found())?;
    let consent = parse_consent(&body.consent, now).map_err(ApiError::validation)?;
    if body.note.as_ref().is_some_and(|n| n.len() > 2_000) {
        return Err(ApiError::invalid(
            "note",
            "max_length",
            "at most 2,000 characters",
        ));
    }
    let from = caller.principal.agency().clone();
    let scope = caller.read_scope(&state, "api: refer person").await?;
    let st = state.0.store.entity(&scope, &person).await?;
    if st.is_empty() {
        return Err(ApiError::not_found());
    }
    // The grounds, from the referring agency's own statements: it refers what it knows.
    let own: Vec<&StoredStatement> = st.iter().filter(|s| s.agency == from).collect();
    let f = facts(own.iter().map(|s| (s.prop.as_str(), s.value.as_str())));
    let mut grounds = Vec::new();
    if f.child {
        grounds.push(ReferralGround::Child);
    }
    if f.victim_of_trafficking {
        grounds.push(ReferralGround::VictimOfTrafficking);
    }
    if grounds.is_empty() {
        return Err(ApiError::invalid(
            "person",
            "referral_grounds",
            "only a person your agency's reports flag as a child or a victim of trafficking \
             is referred",
        ));
    }
    let to_id = mosaic_model::AgencyId::parse(&body.to_agency)
        .map_err(|e| ApiError::invalid("to_agency", "slug", e.to_string()))?;
    let to = state
        .0
        .store
        .agencies()
        .await?
        .into_iter()
        .find(|a| a.id == to_id)
        .ok_or_else(|| ApiError::invalid("to_agency", "known_agency", "no such agency"))?;
    if to.kind != AgencyKind::Ngo {
        return Err(ApiError::invalid(
            "to_agency",
            "ngo",
            format!("{} is not an NGO: referrals go to partner NGOs", to.id),
        ));
    }
    // Deny by default: each report of the package needs an agreement clause allowing it.
    let category = category_of(&grounds);
    let provider = PartyId::parse(from.as_str()).map_err(ApiError::internal)?;
    let recipient = PartyId::parse(to.id.as_str()).map_err(ApiError::internal)?;
    let all = mosaic_store::agreements::load_all(agreements(&state)?)
        .await
        .map_err(ApiError::internal)?;
    let mut reports: Vec<(&ReportId, HandlingCode, mosaic_model::Tlp)> = Vec::new();
    for s in &own {
        if s.handling != HandlingCode::H3 && !reports.iter().any(|(id, ..)| *id == &s.report_id) {
            reports.push((&s.report_id, s.handling, s.tlp));
        }
    }
    let mut package = Vec::new();
    let mut basis = None;
    let mut refusal = None;
    for (id, handling, tlp) in reports {
        let d = decide(
            &all,
            &for_protection(&provider, &recipient, category, handling, tlp, now),
        );
        match d {
            Decision::Allowed { agreement, clause } => {
                package.push(id.clone());
                basis.get_or_insert(ReferralBasis {
                    agreement: agreement.id.to_string(),
                    version: agreement.version,
                    clause: clause.to_string(),
                });
            }
            Decision::Denied { .. } => {
                refusal.get_or_insert_with(|| d.to_string());
            }
        }
    }
    let Some(basis) = basis else {
        return Err(ApiError::invalid(
            "to_agency",
            "agreement",
            format!(
                "no agreement in force allows {from} to give {} this person's data for \
                 protection: {}",
                to.id,
                refusal.unwrap_or_else(|| "none of your reports about them can be shared \
                                           (H3 material is never part of a referral)"
                    .into())
            ),
        ));
    };
    let r = referrals(&state)?
        .create_referral(&NewReferral {
            person,
            from_agency: from,
            to_agency: to.id,
            grounds,
            consent,
            basis,
            package,
            created_by: caller.principal.actor(),
            at: now,
            note: body.note,
        })
        .await?;
    audit.note("referral", r.id);
    audit.note("to_agency", r.details.to_agency.to_string());
    audit.note(
        "agreement",
        format!(
            "{} v{} clause {}",
            r.details.basis.agreement, r.details.basis.version, r.details.basis.clause
        ),
    );
    tracing::info!(actor = %caller.principal.actor(), id = r.id, "person referred");
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Referrals your agency made or received, oldest first.
#[utoipa::path(
    get, path = "/api/v1/referrals", tag = "referrals",
    responses((status = 200, description = "Oldest first", body = ReferralList))
)]
pub async fn list_referrals(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<Json<ReferralList>> {
    caller.require(Action::ReadReferrals)?;
    let items = referrals(&state)?
        .referrals_of(caller.principal.agency())
        .await?
        .into_iter()
        .map(ReferralView::from)
        .collect();
    Ok(Json(ReferralList { items }))
}

/// One referral of your agency's, with the person as you may see them through it: the
/// receiving NGO's caseworkers see the person's statements in the package with their
/// personal data released for protection. Needs a stated purpose.
#[utoipa::path(
    get, path = "/api/v1/referrals/{id}", tag = "referrals",
    params(("id" = i64, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The referral", body = ReferralView),
        (status = 404, description = "No referral with this id made by or to your agency", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_referral(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ReferralView>> {
    caller.require(Action::ReadReferrals)?;
    audit.require_purpose()?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let agency = caller.principal.agency().clone();
    let r = referrals(&state)?
        .referral(id, &agency)
        .await?
        .ok_or_else(ApiError::not_found)?;
    audit.object(r.details.person.as_str());
    audit.note("referral", id);
    let person = r.details.person.clone();
    let active = r.status == ReferralStatus::Active;
    let receiving = r.details.to_agency == agency;
    let category = category_of(&r.details.grounds);
    let (from, package) = (
        r.details.from_agency.clone(),
        r.details.package.iter().cloned().collect::<BTreeSet<_>>(),
    );
    let mut v = ReferralView::from(r);
    if active {
        let ctx = ViewCtx::new(&state, &caller.principal).await?;
        let (st, mut ctx) = if receiving {
            // Only a caseworker of the receiving NGO reads through the referral; anyone
            // else of that agency gets the scope that admits nothing.
            let Principal::User(u) = &caller.principal else {
                return Ok(Json(v));
            };
            let scope = referral_scope(u, &from, &package, "api: referral (protection)");
            let st = state.0.store.entity(&scope, &person).await?;
            // Deny by default at every read, not only at referral time: a suspended or
            // terminated agreement stops the exchange at once.
            let st = still_allowed(&state, &from, &agency, category, st).await?;
            (st, ctx.for_referral())
        } else {
            let scope = caller.read_scope(&state, "api: referral").await?;
            (state.0.store.entity(&scope, &person).await?, ctx)
        };
        if !st.is_empty() {
            v.person_view = ctx.entity_view(person.as_str(), st).await?;
        }
        if let Some(p) = &v.person_view {
            audit.note("statements", p.statements.len());
        }
    }
    Ok(Json(v))
}

/// Withdraw a referral your agency made or received (consent withdrawn, case closed).
/// The NGO reads nothing more through it, from its next request on.
#[utoipa::path(
    post, path = "/api/v1/referrals/{id}/withdraw", tag = "referrals",
    params(("id" = i64, Path, description = "Referral id")),
    request_body = WithdrawBody,
    responses(
        (status = 200, description = "Withdrawn", body = ReferralView),
        (status = 404, description = "No active referral with this id made by or to your agency", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn withdraw_referral(
    caller: Caller,
    audit: Audit,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> ApiResult<Json<ReferralView>> {
    caller.require(Action::ReadReferrals)?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.len() > 2_000 {
        return Err(ApiError::invalid(
            "reason",
            "required",
            "say why (1-2,000 characters)",
        ));
    }
    let r = referrals(&state)?
        .withdraw_referral(
            id,
            caller.principal.agency(),
            &Withdrawal {
                by: caller.principal.actor(),
                at: Utc::now(),
                reason: reason.to_owned(),
            },
        )
        .await?
        .ok_or_else(ApiError::not_found)?;
    audit.object(r.details.person.as_str());
    audit.note("referral", id);
    tracing::info!(actor = %caller.principal.actor(), id, "referral withdrawn");
    Ok(Json(r.into()))
}
