//! Referrals of children and victims of trafficking to a partner NGO (DESIGN §4.3): an
//! agency that met the person hands their case to an NGO for protection, with the
//! person's (or their guardian's) consent recorded.
//!
//! A referral names the person (an entity), the referring and the receiving agency, the
//! grounds, the consent, the agreement clause that allows the exchange, and the
//! **package**: the referring agency's own reports whose statements about the person the
//! NGO may read, for protection only. Either side can withdraw it (consent withdrawn, the
//! case closed); from then on the NGO reads nothing through it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use mosaic_model::{AgencyId, EntityId, ReportId};

use crate::Result;

/// Why the person is referred (at least one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralGround {
    Child,
    VictimOfTrafficking,
}

/// Who consented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentBy {
    /// The person themself.
    Person,
    /// A parent, legal guardian or appointed representative (children).
    Guardian,
}

/// How consent was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    Written,
    /// Oral, before a witness named in the note.
    Oral,
}

/// The recorded consent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub by: ConsentBy,
    pub method: ConsentMethod,
    /// When the consent was given.
    pub given_at: DateTime<Utc>,
    /// In which language it was explained, interpreter, witness, form reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The agreement clause a referral rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralBasis {
    pub agreement: String,
    pub version: u32,
    pub clause: String,
}

/// A referral to record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReferral {
    pub person: EntityId,
    pub from_agency: AgencyId,
    pub to_agency: AgencyId,
    pub grounds: Vec<ReferralGround>,
    pub consent: Consent,
    pub basis: ReferralBasis,
    /// The referring agency's reports the NGO may read the person's statements from.
    pub package: Vec<ReportId>,
    /// `user:<id>`.
    pub created_by: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a referral stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    Active,
    Withdrawn,
}

impl ReferralStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Active => "active",
            ReferralStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ReferralStatus> {
        match s {
            "active" => Some(ReferralStatus::Active),
            "withdrawn" => Some(ReferralStatus::Withdrawn),
            _ => None,
        }
    }
}

/// A withdrawal: who, when, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub by: String,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// A referral as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub id: i64,
    #[serde(flatten)]
    pub details: NewReferral,
    pub status: ReferralStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
}

/// What backends keep as the `body` column: everything but the id and the status
/// (columns of their own).
#[derive(Serialize, Deserialize)]
struct Body {
    #[serde(flatten)]
    details: NewReferral,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    withdrawal: Option<Withdrawal>,
}

impl Referral {
    /// The JSON body a backend stores (with `id` and `status` in columns).
    pub fn to_body(&self) -> String {
        serde_json::to_string(&Body {
            details: self.details.clone(),
            withdrawal: self.withdrawal.clone(),
        })
        .expect("a referral serialises")
    }

    /// A referral from its stored columns.
    pub fn from_stored(id: i64, status: &str, body: &str) -> Result<Referral> {
        let corrupt = |what: String| crate::StoreError::Corrupt(format!("referral {id}: {what}"));
        let b: Body = serde_json::from_str(body).map_err(|e| corrupt(e.to_string()))?;
        Ok(Referral {
            id,
            details: b.details,
            status: ReferralStatus::parse(status).ok_or_else(|| corrupt("status".into()))?,
            withdrawal: b.withdrawal,
        })
    }

    /// Whether `agency` is one of the two sides.
    pub fn concerns(&self, agency: &AgencyId) -> bool {
        &self.details.from_agency == agency || &self.details.to_agency == agency
    }
}

/// Checks what every backend must refuse before storing.
pub fn validate(r: &NewReferral) -> Result<()> {
    let invalid = |m: &str| Err(crate::StoreError::Invalid(m.to_owned()));
    if r.grounds.is_empty() {
        return invalid("a referral states its grounds (child, victim_of_trafficking)");
    }
    if r.package.is_empty() {
        return invalid("a referral carries at least one report of the referring agency");
    }
    if r.from_agency == r.to_agency {
        return invalid("an agency does not refer a person to itself");
    }
    if r.consent.given_at > r.at {
        return invalid("consent is recorded after it was given, not before");
    }
    Ok(())
}

#[async_trait::async_trait]
pub trait ReferralStore: Send + Sync {
    /// Records an active referral (after [`validate`]).
    async fn create_referral(&self, r: &NewReferral) -> Result<Referral>;
    /// One referral, if it concerns `agency` (another agency's referral is
    /// indistinguishable from none).
    async fn referral(&self, id: i64, agency: &AgencyId) -> Result<Option<Referral>>;
    /// Withdraws an active referral that concerns `agency`. `None` if there is none.
    async fn withdraw_referral(
        &self,
        id: i64,
        agency: &AgencyId,
        w: &Withdrawal,
    ) -> Result<Option<Referral>>;
    /// Referrals made by or to `agency`, oldest first.
    async fn referrals_of(&self, agency: &AgencyId) -> Result<Vec<Referral>>;
    /// Every referral with `id > after`, in id order, at most `limit` (for copying a store).
    async fn referrals_page(&self, after: i64, limit: u32) -> Result<Vec<Referral>>;
    /// Stores referrals exactly as given, in one transaction; later ones get ids after
    /// the largest. Refuses an id already held.
    async fn restore_referrals(&self, rs: &[Referral]) -> Result<()>;
}
