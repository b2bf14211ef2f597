//! Who may do what, and what they may see.
//!
//! Decisions are made by **Cedar** policies (`src/policies.cedar`, documented with the
//! role/action matrix in `docs/roles.md`), evaluated per request:
//!
//! - [`may`] / [`Principal::may`]: the role → action table (coarse actions on the centre);
//! - [`may_read`]: the fine-grained read decision for one report's labels and a purpose;
//! - [`protect`]: the protection rules of DESIGN §4.3 (migrants never suspects,
//!   pseudonymised personal data, asylum applicants never released to the State they
//!   fled, children and victims of trafficking flagged);
//! - [`handling`]: handling codes H1–H3 on export and dissemination.
//!
//! For speed, reads are filtered in SQL by a **coarse** [`ScopeFilter`] built by
//! [`scope_for`]: a union of label clauses ("own agency: up to my clearance, any TLP and
//! handling code; other agencies: up to my clearance, TLP:AMBER, H0–H1"). A property test
//! (`tests/never_looser.rs`) proves the coarse filter is never looser than Cedar's
//! [`may_read`] (and, today, exactly as loose). [`scope_with_grants`] adds the reports
//! the reader's agency holds a current H2 grant for (issue 6), by id.
//!
//! Invariants: a read handle is only ever built here (the server never constructs a
//! whole-store system scope); deny by default (an unknown role or a disabled user may do
//! nothing and sees nothing); the [`Action`] wire names are stable (API tokens store them).
//! Purpose is carried on the scope and given to Cedar as context; nothing checks it against
//! a case yet.
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use mosaic_model::{AgencyId, Classification, HandlingCode, ReportId, Tlp, User, UserId, UserRole};
use mosaic_store::{LabelFilter, Scope, ScopeFilter};

mod engine;
pub mod handling;
pub mod protect;
pub mod restrict;

pub use engine::{Decision, PersonFacts, ReportLabels, POLICIES};

/// Something a caller asks to do. The snake_case names are stable: API tokens store them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Submit one report (form or API).
    SubmitReport,
    /// Bulk import of a file of reports.
    ImportReports,
    /// Read one report.
    ReadReport,
    /// Read an entity with its statements and their provenance.
    ReadEntity,
    /// List reports by time window and area.
    ListReports,
    /// Export reports (JSON Lines).
    ExportReports,
    /// See the directory of agencies.
    ListAgencies,
    /// Add or change agencies.
    ManageAgencies,
    /// See user accounts.
    ListUsers,
    /// Add, change or disable user accounts.
    ManageUsers,
    /// Create, list and revoke API tokens for agency systems.
    ManageTokens,
    /// Ask a provider for permission to disseminate its H2 material.
    RequestPermission,
    /// Grant or refuse such a request (as the providing agency).
    GrantPermission,
    /// See permission requests that concern one's agency.
    ListPermissions,
    /// The data-protection officer's views: search and verify the audit trail, every
    /// H2 permission request.
    ReadAudit,
    /// Refer a child or a victim of trafficking to a partner NGO, with consent recorded.
    ReferPerson,
    /// See (and withdraw) the referrals made by or to one's agency; the receiving NGO's
    /// caseworkers read the referred person's data through them, for protection only.
    ReadReferrals,
    /// Read the agreements (MoUs and protocols) the centre keeps.
    ReadAgreements,
    /// Record agreement lifecycle events signed by the parties.
    ManageAgreements,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::SubmitReport,
        Action::ImportReports,
        Action::ReadReport,
        Action::ReadEntity,
        Action::ListReports,
        Action::ExportReports,
        Action::ListAgencies,
        Action::ManageAgencies,
        Action::ListUsers,
        Action::ManageUsers,
        Action::ManageTokens,
        Action::RequestPermission,
        Action::GrantPermission,
        Action::ListPermissions,
        Action::ReadAudit,
        Action::ReferPerson,
        Action::ReadReferrals,
        Action::ReadAgreements,
        Action::ManageAgreements,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::SubmitReport => "submit_report",
            Action::ImportReports => "import_reports",
            Action::ReadReport => "read_report",
            Action::ReadEntity => "read_entity",
            Action::ListReports => "list_reports",
            Action::ExportReports => "export_reports",
            Action::ListAgencies => "list_agencies",
            Action::ManageAgencies => "manage_agencies",
            Action::ListUsers => "list_users",
            Action::ManageUsers => "manage_users",
            Action::ManageTokens => "manage_tokens",
            Action::RequestPermission => "request_permission",
            Action::GrantPermission => "grant_permission",
            Action::ListPermissions => "list_permissions",
            Action::ReadAudit => "read_audit",
            Action::ReferPerson => "refer_person",
            Action::ReadReferrals => "read_referrals",
            Action::ReadAgreements => "read_agreements",
            Action::ManageAgreements => "manage_agreements",
        }
    }

    pub fn parse(s: &str) -> Result<Action, PolicyError> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| PolicyError::UnknownAction(s.to_owned()))
    }

    /// Whether an API token (an agency's system, not a person) may carry this action.
    /// Account and agency management always need a signed-in person.
    pub fn token_grantable(self) -> bool {
        matches!(
            self,
            Action::SubmitReport
                | Action::ImportReports
                | Action::ReadReport
                | Action::ReadEntity
                | Action::ListReports
                | Action::ExportReports
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{0:?} is not an action; expected one of: {list}", list = Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", "))]
    UnknownAction(String),
}

/// The actions a role grants, as the Cedar policies decide them (for documentation and
/// tests; [`may`] asks Cedar directly).
pub fn role_actions(role: UserRole) -> Vec<Action> {
    let u = User {
        id: UserId::parse("probe:usr:role-probe").expect("static id"),
        username: "probe".into(),
        display_name: "probe".into(),
        agency: AgencyId::parse("probe").expect("static id"),
        roles: vec![role],
        clearance: Classification::Unclassified,
        disabled: false,
    };
    Action::ALL
        .iter()
        .copied()
        .filter(|a| may(&u, *a))
        .collect()
}

/// Whether `user` may take `action`, by the Cedar policies. Deny by default: a disabled
/// user may do nothing.
pub fn may(user: &User, action: Action) -> bool {
    !user.disabled && engine::decide_action(&Principal::User(user.clone()), action.as_str()).allowed
}

/// The fine-grained read decision: may `principal` read a report with these labels, for
/// this stated purpose? This is the reference the coarse SQL filter of [`scope_for`] is
/// tested against.
pub fn may_read(principal: &Principal, labels: &ReportLabels, purpose: &str) -> Decision {
    engine::decide_read(principal, labels, purpose)
}

/// Roles whose work spans the material of every agency in the centre.
fn cross_agency(role: UserRole) -> bool {
    matches!(
        role,
        UserRole::Analyst
            | UserRole::LiaisonOfficer
            | UserRole::CaseOfficer
            | UserRole::Supervisor
            | UserRole::DataProtectionOfficer
    )
}

/// Roles that read only their own agency's material.
fn own_agency(role: UserRole) -> bool {
    matches!(role, UserRole::Officer | UserRole::NgoCaseworker)
}

fn all_handling() -> BTreeSet<HandlingCode> {
    HandlingCode::ALL.iter().copied().collect()
}

/// The read handle for `user`, for a stated purpose: a union of
/// - own agency: up to the user's clearance, any TLP, any handling code (every reading role);
/// - other agencies: up to the clearance, TLP:AMBER, H0–H1 (cross-agency roles only).
///
/// A disabled user, or one with no reading role, gets the empty union: sees nothing.
pub fn scope_for(user: &User, purpose: &str) -> Scope {
    Scope::union(filter_for(user), purpose)
}

/// The coarse filter of [`scope_for`].
pub fn filter_for(user: &User) -> ScopeFilter {
    if user.disabled {
        return ScopeFilter::nothing();
    }
    let mut clauses = Vec::new();
    if user
        .roles
        .iter()
        .any(|r| own_agency(*r) || cross_agency(*r))
    {
        clauses.push(own_agency_filter(&user.agency, user.clearance));
    }
    if user.roles.iter().any(|r| cross_agency(*r)) {
        clauses.push(LabelFilter {
            agencies: None,
            max_classification: user.clearance,
            max_tlp: Tlp::Amber,
            handling: BTreeSet::from([HandlingCode::H0, HandlingCode::H1]),
        });
    }
    ScopeFilter::any_of(clauses)
}

/// The read handle for `user` with the reports its agency holds a current H2 grant for
/// (from `PermissionStore::granted_reports`, looked up per request so that a revoked or
/// expired grant stops admitting at once).
pub fn scope_with_grants(user: &User, grants: &BTreeSet<ReportId>, purpose: &str) -> Scope {
    Scope::union(filter_with_grants(user, grants), purpose)
}

/// The coarse filter of [`scope_with_grants`]: [`filter_for`] plus, for cross-agency
/// roles, the granted reports up to the clearance, TLP:AMBER and H0–H2 (the Cedar policy
/// `read-granted-h2`).
pub fn filter_with_grants(user: &User, grants: &BTreeSet<ReportId>) -> ScopeFilter {
    let f = filter_for(user);
    if user.disabled || grants.is_empty() || !user.roles.iter().any(|r| cross_agency(*r)) {
        return f;
    }
    f.with_granted(
        grants.clone(),
        LabelFilter {
            agencies: None,
            max_classification: user.clearance,
            max_tlp: Tlp::Amber,
            handling: BTreeSet::from([HandlingCode::H0, HandlingCode::H1, HandlingCode::H2]),
        },
    )
}

/// The read handle of an NGO caseworker working on a referral (DESIGN §4.3): the
/// referral's package only — reports of the referring agency `from` the caseworker's
/// agency was sent — up to the caseworker's clearance, H0–H2 (H3 material needs its
/// conditions acknowledged and is never part of a package). Labels are checked again at
/// every read, so a report the provider later restricts or withdraws leaves at once.
/// Anyone but an enabled NGO caseworker gets the scope that admits nothing.
pub fn referral_scope(
    user: &User,
    from: &AgencyId,
    package: &BTreeSet<ReportId>,
    purpose: &str,
) -> Scope {
    if user.disabled || !user.roles.contains(&UserRole::NgoCaseworker) {
        return Scope::union(ScopeFilter::nothing(), purpose);
    }
    Scope::union(
        ScopeFilter::nothing().with_granted(
            package.clone(),
            LabelFilter {
                agencies: Some(BTreeSet::from([from.clone()])),
                max_classification: user.clearance,
                max_tlp: Tlp::Red,
                handling: BTreeSet::from([HandlingCode::H0, HandlingCode::H1, HandlingCode::H2]),
            },
        ),
        purpose,
    )
}

fn own_agency_filter(agency: &AgencyId, clearance: Classification) -> LabelFilter {
    LabelFilter {
        agencies: Some(BTreeSet::from([agency.clone()])),
        max_classification: clearance,
        max_tlp: Tlp::Red,
        handling: all_handling(),
    }
}

/// What an API token allows: an agency's system acting for that agency only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenGrant {
    pub agency: AgencyId,
    pub actions: BTreeSet<Action>,
    /// Highest classification the token may read (never above its creator's clearance).
    pub clearance: Classification,
}

/// Whether a token may take `action`: it must carry the action, and the action must be
/// one a token may carry at all.
pub fn token_may(grant: &TokenGrant, action: Action) -> bool {
    action.token_grantable() && grant.actions.contains(&action)
}

/// The read handle for an API token: its own agency's material only, up to its clearance.
pub fn scope_for_token(grant: &TokenGrant, purpose: &str) -> Scope {
    Scope::restricted(own_agency_filter(&grant.agency, grant.clearance), purpose)
}

/// A handle over one provider's own material, every label included. Used on the write
/// path to check that a report id a provider sends names one of *its own* reports (only
/// the provider may version its material, DESIGN §4.1) without learning anything about
/// other agencies' reports.
pub fn provider_scope(agency: &AgencyId, purpose: &str) -> Scope {
    Scope::restricted(
        own_agency_filter(agency, Classification::TopSecret),
        purpose,
    )
}

/// Who is asking: a signed-in person, or an agency system with an API token.
#[derive(Clone, Debug)]
pub enum Principal {
    User(User),
    Token {
        /// The token's id (never its secret).
        token_id: String,
        /// Who created the token.
        created_by: UserId,
        grant: TokenGrant,
    },
}

impl Principal {
    pub fn may(&self, action: Action) -> bool {
        match self {
            Principal::User(u) => may(u, action),
            Principal::Token { grant, .. } => token_may(grant, action),
        }
    }

    pub fn scope(&self, purpose: &str) -> Scope {
        match self {
            Principal::User(u) => scope_for(u, purpose),
            Principal::Token { grant, .. } => scope_for_token(grant, purpose),
        }
    }

    /// [`Principal::scope`] with the H2 grants held by the caller's agency. API tokens
    /// read their own agency's material only, so grants add nothing to theirs.
    pub fn scope_with_grants(&self, grants: &BTreeSet<ReportId>, purpose: &str) -> Scope {
        match self {
            Principal::User(u) => scope_with_grants(u, grants, purpose),
            Principal::Token { grant, .. } => scope_for_token(grant, purpose),
        }
    }

    /// The agency the caller acts for (and may submit reports as).
    pub fn agency(&self) -> &AgencyId {
        match self {
            Principal::User(u) => &u.agency,
            Principal::Token { grant, .. } => &grant.agency,
        }
    }

    /// For logs and audit: `user:<id>` or `token:<id>`.
    pub fn actor(&self) -> String {
        match self {
            Principal::User(u) => format!("user:{}", u.id),
            Principal::Token { token_id, .. } => format!("token:{token_id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(agency: &str, roles: &[UserRole], clearance: Classification) -> User {
        User {
            id: UserId::parse("fr-ncc:usr:1").unwrap(),
            username: "u".into(),
            display_name: "U".into(),
            agency: AgencyId::parse(agency).unwrap(),
            roles: roles.to_vec(),
            clearance,
            disabled: false,
        }
    }

    #[test]
    fn action_names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()).unwrap(), *a);
            let json = serde_json::to_string(a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
        }
        assert!(Action::parse("launch_missiles").is_err());
    }

    #[test]
    fn administrators_manage_but_do_not_read() {
        let admin = user(
            "fr-ncc-admin",
            &[UserRole::Administrator],
            Classification::Secret,
        );
        assert!(may(&admin, Action::ManageUsers));
        assert!(!may(&admin, Action::ReadEntity));
        let s = scope_for(&admin, "t");
        let f = s.filter().expect("never system scope");
        assert!(f.is_nothing());
    }

    #[test]
    fn disabled_users_may_nothing_and_see_nothing() {
        let mut a = user("fr-paf", &[UserRole::Analyst], Classification::Secret);
        a.disabled = true;
        assert!(Action::ALL.iter().all(|x| !may(&a, *x)));
        let f = scope_for(&a, "t").filter().cloned().unwrap();
        assert!(!f.admits(
            &AgencyId::parse("fr-paf").unwrap(),
            Classification::Unclassified,
            Tlp::Clear,
            HandlingCode::H0
        ));
    }

    #[test]
    fn officers_see_their_own_agency_only() {
        let o = user("fr-paf", &[UserRole::Officer], Classification::Restricted);
        let f = scope_for(&o, "t").filter().cloned().unwrap();
        let own = AgencyId::parse("fr-paf").unwrap();
        let other = AgencyId::parse("fr-douane").unwrap();
        assert!(f.admits(&own, Classification::Restricted, Tlp::Red, HandlingCode::H2));
        assert!(!f.admits(&own, Classification::Secret, Tlp::Clear, HandlingCode::H0));
        assert!(!f.admits(
            &other,
            Classification::Unclassified,
            Tlp::Clear,
            HandlingCode::H0
        ));
        assert!(may(&o, Action::SubmitReport));
        assert!(!may(&o, Action::ExportReports));
    }

    #[test]
    fn analysts_see_across_agencies_up_to_amber_and_clearance() {
        let a = user(
            "fr-ocriest",
            &[UserRole::Analyst],
            Classification::Confidential,
        );
        let f = scope_for(&a, "t").filter().cloned().unwrap();
        let other = AgencyId::parse("fr-paf").unwrap();
        assert!(f.admits(
            &other,
            Classification::Confidential,
            Tlp::Amber,
            HandlingCode::H1
        ));
        assert!(!f.admits(
            &other,
            Classification::Confidential,
            Tlp::Amber,
            HandlingCode::H3
        ));
        assert!(!f.admits(&other, Classification::Secret, Tlp::Amber, HandlingCode::H0));
        assert!(!f.admits(
            &other,
            Classification::Restricted,
            Tlp::Red,
            HandlingCode::H0
        ));
        assert!(!may(&a, Action::SubmitReport));
        // the union: own agency up to RED and H2, within clearance
        let own = AgencyId::parse("fr-ocriest").unwrap();
        assert!(f.admits(
            &own,
            Classification::Confidential,
            Tlp::Red,
            HandlingCode::H2
        ));
        assert!(!f.admits(&own, Classification::Secret, Tlp::Clear, HandlingCode::H0));
        assert!(!f.admits(
            &other,
            Classification::Restricted,
            Tlp::Amber,
            HandlingCode::H2
        ));
    }

    #[test]
    fn tokens_carry_only_grantable_actions_for_their_agency() {
        let g = TokenGrant {
            agency: AgencyId::parse("fr-paf").unwrap(),
            actions: BTreeSet::from([Action::SubmitReport, Action::ManageUsers]),
            clearance: Classification::Restricted,
        };
        assert!(token_may(&g, Action::SubmitReport));
        assert!(
            !token_may(&g, Action::ManageUsers),
            "not grantable to tokens"
        );
        assert!(!token_may(&g, Action::ReadEntity), "not granted");
        let f = scope_for_token(&g, "t").filter().cloned().unwrap();
        assert!(!f.admits(
            &AgencyId::parse("fr-douane").unwrap(),
            Classification::Unclassified,
            Tlp::Clear,
            HandlingCode::H0
        ));
    }

    #[test]
    fn every_role_is_in_the_table() {
        for r in UserRole::ALL {
            assert!(role_actions(*r).contains(&Action::ListAgencies), "{r}");
        }
    }
}
