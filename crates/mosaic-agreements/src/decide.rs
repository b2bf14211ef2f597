//! The sharing decision: deny by default; allow only what an agreement in force covers
//! in every dimension, and say which agreement and clause — or why not.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use mosaic_model::{HandlingCode, Tlp};

use crate::document::{AgreementId, Clause, ClauseId, DataCategory, PartyId, Purpose};
use crate::lifecycle::{AgreementState, Status, VersionRecord};

/// A proposed exchange: `provider` gives `recipient` material of `category`, marked
/// `handling` and `tlp`, for `purpose`, at time `at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingRequest {
    pub provider: PartyId,
    pub recipient: PartyId,
    pub category: DataCategory,
    pub handling: HandlingCode,
    pub tlp: Tlp,
    pub purpose: Purpose,
    pub at: DateTime<Utc>,
}

/// Which text a decision rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgreementRef {
    pub id: AgreementId,
    pub version: u32,
    /// The hash every party signed.
    pub hash: String,
}

impl fmt::Display for AgreementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} version {}", self.id, self.version)
    }
}

/// A dimension of a request that a clause did not cover.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    /// The clause does not run from this provider to this recipient.
    Direction,
    Category(DataCategory),
    Handling(HandlingCode),
    Tlp(Tlp),
    Purpose(Purpose),
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gap::Direction => f.write_str("not from this provider to this recipient"),
            Gap::Category(c) => write!(f, "not data category {c}"),
            Gap::Handling(h) => write!(f, "not handling code {h}"),
            Gap::Tlp(t) => write!(f, "not TLP:{t}"),
            Gap::Purpose(p) => write!(f, "not for purpose {p}"),
        }
    }
}

/// Why a request was denied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Denial {
    /// Provider and recipient are the same party: that is not an exchange.
    SameParty,
    /// Migrants' and victims' personal data go only where they serve their protection.
    ProtectionOnly {
        category: DataCategory,
        purpose: Purpose,
    },
    /// No agreement has both as parties.
    NoAgreement {
        provider: PartyId,
        recipient: PartyId,
    },
    /// Agreements exist, but none is in force now; `why` for the first of them.
    NotInForce { agreement: AgreementId, why: String },
    /// An agreement is in force, but no clause covers the request; the closest clause
    /// and what it lacks.
    NotCovered {
        agreement: AgreementRef,
        closest: ClauseId,
        gaps: Vec<Gap>,
    },
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denial::SameParty => f.write_str("provider and recipient are the same party"),
            Denial::ProtectionOnly { category, purpose } => write!(
                f,
                "{category} may be shared for protection only, not for {purpose}"
            ),
            Denial::NoAgreement {
                provider,
                recipient,
            } => write!(f, "no agreement between {provider} and {recipient}"),
            Denial::NotInForce { agreement, why } => {
                write!(f, "agreement {agreement} is not in force: {why}")
            }
            Denial::NotCovered {
                agreement,
                closest,
                gaps,
            } => {
                write!(
                    f,
                    "no clause of {agreement} covers it; the closest, {closest}, is "
                )?;
                for (i, g) in gaps.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{g}")?;
                }
                Ok(())
            }
        }
    }
}

/// The answer: allowed under an agreement's clause, or denied with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Allowed {
        agreement: AgreementRef,
        clause: ClauseId,
    },
    Denied {
        why: Denial,
    },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// The agreement a decision allowed under.
    pub fn agreement(&self) -> Option<&AgreementRef> {
        match self {
            Decision::Allowed { agreement, .. } => Some(agreement),
            Decision::Denied { .. } => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allowed { agreement, clause } => {
                write!(f, "allowed by {agreement}, clause {clause}")
            }
            Decision::Denied { why } => write!(f, "denied: {why}"),
        }
    }
}

/// Whether an agreement may be used for sharing at `at`: in force, not suspended, not
/// terminated, and within its dates. `Err` says why not.
pub fn effective_version(a: &AgreementState, at: DateTime<Utc>) -> Result<&VersionRecord, String> {
    match a.status() {
        Status::Terminated => {
            let n = a.terminated.as_ref().expect("terminated has a notice");
            return Err(format!(
                "terminated by {} on {}: {}",
                n.party,
                n.at.date_naive(),
                n.reason
            ));
        }
        Status::Suspended => {
            let n = a.suspended.as_ref().expect("suspended has a notice");
            return Err(format!(
                "suspended by {} on {}: {}",
                n.party,
                n.at.date_naive(),
                n.reason
            ));
        }
        Status::Draft => {
            let v = a.latest();
            let missing: Vec<String> = v.missing().iter().map(|p| p.to_string()).collect();
            return Err(format!(
                "version {} awaits the signature of {}",
                v.doc.version,
                missing.join(", ")
            ));
        }
        Status::InForce => {}
    }
    let v = a.in_force().expect("in force has a version");
    let day = at.date_naive();
    if let Some(from) = v.doc.valid_from {
        if day < from {
            return Err(format!("it applies from {from}"));
        }
    }
    if let Some(until) = v.doc.valid_until {
        if day > until {
            return Err(format!("it expired after {until}"));
        }
    }
    Ok(v)
}

/// What a clause lacks for a request (empty: it covers it).
pub fn gaps(c: &Clause, r: &SharingRequest) -> Vec<Gap> {
    let mut g = Vec::new();
    if !(c.from.contains(&r.provider) && c.to.contains(&r.recipient)) {
        g.push(Gap::Direction);
    }
    if !c.categories.contains(&r.category) {
        g.push(Gap::Category(r.category));
    }
    if !c.handling.contains(&r.handling) {
        g.push(Gap::Handling(r.handling));
    }
    if !c.tlp.contains(&r.tlp) {
        g.push(Gap::Tlp(r.tlp));
    }
    if !c.purposes.contains(&r.purpose) {
        g.push(Gap::Purpose(r.purpose));
    }
    g
}

/// Decides a request against every agreement. Deny by default: allowed only when an
/// agreement in force (not suspended, within its dates) has a clause covering the
/// direction, category, handling code, TLP marking and purpose. Agreements are tried in
/// id order and clauses in document order, so the same request always cites the same
/// clause.
pub fn decide(agreements: &[AgreementState], r: &SharingRequest) -> Decision {
    let denied = |why| Decision::Denied { why };
    if r.provider == r.recipient {
        return denied(Denial::SameParty);
    }
    // Not negotiable by agreement (and agreements cannot say otherwise: validation
    // refuses such clauses), checked here as well so no path can forget it.
    if r.category.protection_only() && r.purpose != Purpose::Protection {
        return denied(Denial::ProtectionOnly {
            category: r.category,
            purpose: r.purpose,
        });
    }
    let mut candidates: Vec<&AgreementState> = agreements
        .iter()
        .filter(|a| {
            let doc = &a.governing().doc;
            doc.party(&r.provider).is_some() && doc.party(&r.recipient).is_some()
        })
        .collect();
    candidates.sort_by(|a, b| a.id.cmp(&b.id));
    let mut closest: Option<(AgreementRef, ClauseId, Vec<Gap>)> = None;
    let mut first_not_in_force: Option<(AgreementId, String)> = None;
    for a in &candidates {
        let v = match effective_version(a, r.at) {
            Ok(v) => v,
            Err(why) => {
                first_not_in_force.get_or_insert((a.id.clone(), why));
                continue;
            }
        };
        let aref = || AgreementRef {
            id: a.id.clone(),
            version: v.doc.version,
            hash: v.hash.clone(),
        };
        for c in &v.doc.clauses {
            let g = gaps(c, r);
            if g.is_empty() {
                return Decision::Allowed {
                    agreement: aref(),
                    clause: c.id.clone(),
                };
            }
            if closest
                .as_ref()
                .is_none_or(|(_, _, best)| g.len() < best.len())
            {
                closest = Some((aref(), c.id.clone(), g));
            }
        }
    }
    denied(match (closest, first_not_in_force) {
        (Some((agreement, closest, gaps)), _) => Denial::NotCovered {
            agreement,
            closest,
            gaps,
        },
        (None, Some((agreement, why))) => Denial::NotInForce { agreement, why },
        (None, None) => Denial::NoAgreement {
            provider: r.provider.clone(),
            recipient: r.recipient.clone(),
        },
    })
}
