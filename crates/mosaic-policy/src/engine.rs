//! The Cedar engine: the embedded `policies.cedar`, parsed once, and the translation of
//! Mosaic principals, reports and persons into Cedar entities and requests.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;
use std::sync::OnceLock;

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    RestrictedExpression,
};
use serde::Serialize;

use mosaic_model::{AgencyId, Classification, HandlingCode, Tlp};

use crate::Principal;

/// The policies, as shipped. Documented in `docs/roles.md`.
pub const POLICIES: &str = include_str!("policies.cedar");

fn policies() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| {
        PolicySet::from_str(POLICIES).expect("policies.cedar parses (checked by a unit test)")
    })
}

fn authorizer() -> &'static Authorizer {
    static A: OnceLock<Authorizer> = OnceLock::new();
    A.get_or_init(Authorizer::new)
}

/// The outcome of a policy decision, with the policies that decided it (by `@id`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    /// `@id`s of the policies that determined the decision (permits when allowed, forbids
    /// when a forbid applied); empty for a deny by default.
    pub reasons: Vec<String>,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.allowed
    }
}

/// The labels of one report, as the read rules see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportLabels {
    pub agency: AgencyId,
    pub classification: Classification,
    pub tlp: Tlp,
    pub handling: HandlingCode,
    /// Agencies holding a current recorded permission (H2 grant) for this report.
    pub granted_to: BTreeSet<AgencyId>,
}

impl ReportLabels {
    /// The labels of a report, with no grants.
    pub fn of(r: &mosaic_model::Report) -> ReportLabels {
        ReportLabels {
            agency: r.agency.clone(),
            classification: r.classification,
            tlp: r.tlp,
            handling: r.handling,
            granted_to: BTreeSet::new(),
        }
    }
}

/// What the protection rules know about a person (DESIGN §4.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonFacts {
    /// Holds a protected role (smuggled migrant, victim, victim of trafficking) in some
    /// visible report.
    pub protected: bool,
    /// Holds the smuggled-migrant (or victim) role somewhere: never a suspect.
    pub smuggled_migrant: bool,
    /// Countries the person fled (asylum applicants), lowercase ISO codes.
    pub fled_from: Vec<String>,
    pub child: bool,
    pub victim_of_trafficking: bool,
}

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty).expect("static type name"),
        EntityId::new(id),
    )
}

fn s(v: impl Into<String>) -> RestrictedExpression {
    RestrictedExpression::new_string(v.into())
}

fn n(v: i64) -> RestrictedExpression {
    RestrictedExpression::new_long(v)
}

/// The principal entity (and its role parents). `country` is the country of the caller's
/// agency, if known (for the asylum rule).
fn principal_entity(p: &Principal, country: Option<&str>) -> (EntityUid, Entity) {
    let country = country.unwrap_or("").to_ascii_lowercase();
    match p {
        Principal::User(u) => {
            let id = uid("Mosaic::User", u.id.as_str());
            let parents: HashSet<EntityUid> = u
                .roles
                .iter()
                .map(|r| uid("Mosaic::Role", r.as_str()))
                .collect();
            let attrs = HashMap::from([
                ("agency".to_owned(), s(u.agency.as_str())),
                ("country".to_owned(), s(country)),
                ("clearance".to_owned(), n(u.clearance.rank())),
                (
                    "disabled".to_owned(),
                    RestrictedExpression::new_bool(u.disabled),
                ),
            ]);
            let e = Entity::new(id.clone(), attrs, parents).expect("literal attributes");
            (id, e)
        }
        Principal::Token {
            token_id, grant, ..
        } => {
            let id = uid("Mosaic::Token", token_id);
            let attrs = HashMap::from([
                ("agency".to_owned(), s(grant.agency.as_str())),
                ("country".to_owned(), s(country)),
                ("clearance".to_owned(), n(grant.clearance.rank())),
            ]);
            let e = Entity::new(id.clone(), attrs, HashSet::new()).expect("literal attributes");
            (id, e)
        }
    }
}

fn decide(
    principal: (EntityUid, Entity),
    action: &str,
    resource: EntityUid,
    resource_entity: Option<Entity>,
    context: Vec<(String, RestrictedExpression)>,
) -> Decision {
    let (pid, pe) = principal;
    let mut entities = vec![pe];
    entities.extend(resource_entity);
    let entities = match Entities::from_entities(entities, None) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "policy entities could not be built; denying");
            return Decision {
                allowed: false,
                reasons: vec![],
            };
        }
    };
    let request = Context::from_pairs(context)
        .map_err(|e| e.to_string())
        .and_then(|ctx| {
            Request::new(pid, uid("Mosaic::Action", action), resource, ctx, None)
                .map_err(|e| e.to_string())
        });
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "policy request could not be built; denying");
            return Decision {
                allowed: false,
                reasons: vec![],
            };
        }
    };
    let resp = authorizer().is_authorized(&request, policies(), &entities);
    let set = policies();
    let mut reasons: Vec<String> = resp
        .diagnostics()
        .reason()
        .map(|id| {
            set.policy(id)
                .and_then(|p| p.annotation("id").map(str::to_owned))
                .unwrap_or_else(|| id.to_string())
        })
        .collect();
    reasons.sort();
    Decision {
        allowed: resp.decision() == cedar_policy::Decision::Allow,
        reasons,
    }
}

/// A coarse action (on the centre) for `p`.
pub fn decide_action(p: &Principal, action: &str) -> Decision {
    decide(
        principal_entity(p, None),
        action,
        uid("Mosaic::Centre", "centre"),
        None,
        vec![],
    )
}

/// Reading one report with the given labels.
pub fn decide_read(p: &Principal, labels: &ReportLabels, purpose: &str) -> Decision {
    let rid = uid("Mosaic::Report", "report");
    let attrs = HashMap::from([
        ("agency".to_owned(), s(labels.agency.as_str())),
        ("classification".to_owned(), n(labels.classification.rank())),
        ("tlp".to_owned(), n(labels.tlp.rank())),
        ("handling".to_owned(), n(labels.handling.rank())),
        (
            "granted_to".to_owned(),
            RestrictedExpression::new_set(labels.granted_to.iter().map(|a| s(a.as_str()))),
        ),
    ]);
    let re = Entity::new(rid.clone(), attrs, HashSet::new()).expect("literal attributes");
    decide(
        principal_entity(p, None),
        "read",
        rid,
        Some(re),
        vec![("purpose".to_owned(), s(purpose))],
    )
}

/// A protection action on one person: `see_person`, `see_personal_data`, `label_suspect`.
pub fn decide_person(
    p: &Principal,
    country: Option<&str>,
    action: &str,
    person: &PersonFacts,
    purpose: &str,
    referral: bool,
) -> Decision {
    let rid = uid("Mosaic::Person", "person");
    let attrs = HashMap::from([
        (
            "protected".to_owned(),
            RestrictedExpression::new_bool(person.protected),
        ),
        (
            "smuggled_migrant".to_owned(),
            RestrictedExpression::new_bool(person.smuggled_migrant),
        ),
        (
            "fled_from".to_owned(),
            RestrictedExpression::new_set(
                person.fled_from.iter().map(|c| s(c.to_ascii_lowercase())),
            ),
        ),
    ]);
    let re = Entity::new(rid.clone(), attrs, HashSet::new()).expect("literal attributes");
    decide(
        principal_entity(p, country),
        action,
        rid,
        Some(re),
        vec![
            ("purpose".to_owned(), s(purpose)),
            (
                "referral".to_owned(),
                RestrictedExpression::new_bool(referral),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_and_every_policy_has_an_id() {
        let set = PolicySet::from_str(POLICIES).unwrap();
        for p in set.policies() {
            assert!(p.annotation("id").is_some(), "{p}");
        }
    }
}
