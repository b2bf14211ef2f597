//! The agreement as a document: the elements of paragraphs 25 and 26 of the reference
//! text (UNODC CTOC/COP/WG.7/2013/3), typed, validated, and put in one canonical form.
//!
//! What the parties sign is the **canonical text** (RFC 8785 JSON of the document) — not
//! the TOML or JSON file someone typed — so two centres that load the same document
//! arrive at the same bytes and the same hash whatever the file's layout.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use mosaic_model::{jcs, AgencyKind, HandlingCode, Tlp};

use crate::keys::PublicKey;

/// Format tag of the document; a different canonical form gets a different tag.
pub const FORMAT: &str = "mosaic.agreement/1";

fn default_format() -> String {
    FORMAT.to_owned()
}

/// Declares a validated string id with serde through `parse`.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:expr, $rule:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, String> {
                let check: fn(&str) -> bool = $check;
                if check(s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(format!("{s:?} is not a valid {}: {}", $what, $rule))
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// Names an agreement across all its versions; the same at every party. Suggested
    /// form: `<drafting centre>:agr:<name>`, e.g. `fr-ncc:agr:channel-2025`.
    AgreementId,
    "agreement id",
    |s| {
        (3..=96).contains(&s.len())
            && s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b':' | b'.' | b'_' | b'-')
            })
    },
    "use 3-96 lowercase letters, digits, ':', '.', '_' or '-', starting with a letter"
);

string_id!(
    /// A party: a centre or an agency, by its slug (`fr-ncc`, `be-fedpol`, `fr-ngo-accueil`).
    PartyId,
    "party id",
    |s| mosaic_model::CentreId::parse(s).is_ok(),
    "use 2-32 lowercase letters, digits or '-', starting with a letter"
);

string_id!(
    /// A clause of the terms of exchange (`3.1`, `suspects`, …): what a decision cites.
    ClauseId,
    "clause id",
    |s| {
        (1..=32).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    },
    "use 1-32 letters, digits, '.', '_' or '-'"
);

/// What kind of organisation a party is: a whole centre, or an agency of some kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PartyKind {
    Centre,
    Agency(AgencyKind),
}

impl TryFrom<String> for PartyKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().eq_ignore_ascii_case("centre") || s.trim().eq_ignore_ascii_case("center") {
            return Ok(PartyKind::Centre);
        }
        AgencyKind::parse(&s)
            .map(PartyKind::Agency)
            .map_err(|e| format!("{e} (or \"centre\")"))
    }
}

impl From<PartyKind> for String {
    fn from(k: PartyKind) -> String {
        match k {
            PartyKind::Centre => "centre".into(),
            PartyKind::Agency(a) => a.as_str().into(),
        }
    }
}

/// Declares a closed vocabulary with snake_case wire names.
macro_rules! vocab {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vdoc])* #[serde(rename = $wire)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
            pub fn parse(s: &str) -> Result<Self, String> {
                let t = s.trim().to_ascii_lowercase().replace('-', "_");
                $(if t == $wire { return Ok($name::$variant); })+
                Err(format!("{s:?} is not one of: {}", [$($wire),+].join(", ")))
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

vocab!(
    /// A memorandum of understanding or a formal protocol (paragraphs 24–26).
    AgreementKind {
        Mou = "mou",
        Protocol = "protocol",
    }
);

vocab!(
    /// What may be exchanged (paragraph 25 (d): "both personal data and thematic
    /// intelligence").
    DataCategory {
        /// Trends, routes, modus operandi: no personal data.
        ThematicIntelligence = "thematic_intelligence",
        /// Personal data of suspected smugglers and facilitators.
        SuspectPersonalData = "suspect_personal_data",
        /// Personal data of smuggled migrants: for their protection only.
        MigrantPersonalData = "migrant_personal_data",
        /// Personal data of victims (of trafficking or of crime): for their protection only.
        VictimPersonalData = "victim_personal_data",
    }
);

impl DataCategory {
    /// Migrants' and victims' data may be shared for their protection and nothing else
    /// (DESIGN §4 rule 3; smuggled migrants are not offenders, Protocol art. 5).
    pub fn protection_only(self) -> bool {
        matches!(
            self,
            DataCategory::MigrantPersonalData | DataCategory::VictimPersonalData
        )
    }
}

vocab!(
    /// Why the recipient may use what it receives.
    Purpose {
        /// Preventing and combating smuggling of migrants (the H0 use).
        CrimePrevention = "crime_prevention",
        Investigation = "investigation",
        /// Use in judicial proceedings.
        Prosecution = "prosecution",
        /// Strategic and operational analysis.
        Analysis = "analysis",
        /// Protection of and assistance to smuggled migrants and victims.
        Protection = "protection",
    }
);

vocab!(
    /// What a recipient may do with what it received, towards third parties.
    OnwardRule {
        Prohibited = "prohibited",
        /// Only with the providing party's recorded permission (the H2 rule, for all).
        WithProviderPermission = "with_provider_permission",
        /// Within the purposes of the agreement.
        Permitted = "permitted",
    }
);

/// A party to the agreement (paragraph 26 (a)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub id: PartyId,
    pub name: String,
    pub kind: PartyKind,
    /// ISO 3166-1 alpha-2, lowercase.
    pub country: String,
    /// The ed25519 key the party signs this agreement (and its notices) with.
    pub public_key: PublicKey,
}

/// One term of exchange: who may send what to whom, how marked, for what (paragraph 25
/// (d)). A sharing decision cites the clause that allowed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub id: ClauseId,
    pub title: String,
    /// Parties that may provide.
    pub from: Vec<PartyId>,
    /// Parties that may receive.
    pub to: Vec<PartyId>,
    pub categories: Vec<DataCategory>,
    /// Handling codes the material may carry.
    pub handling: Vec<HandlingCode>,
    /// TLP markings the material may carry.
    pub tlp: Vec<Tlp>,
    pub purposes: Vec<Purpose>,
    /// Further conditions, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
}

/// The process and means of exchange (paragraph 25 (b)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// E.g. "Mosaic exchange (mutual TLS, signed payloads)", "SIENA", "encrypted e-mail".
    pub means: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// A contact point: a position within an organisation or a named individual
/// (paragraph 25 (b)). At least one of the two.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPoint {
    pub party: PartyId,
    /// What the contact is for: "exchange", "24/7", "data protection", …
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// How to reach them (address, telephone, functional mailbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<String>,
}

/// A scheduled meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    pub date: NaiveDate,
    pub subject: String,
}

/// The timetable of meetings, where appropriate (paragraph 25 (c)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meetings {
    /// E.g. "quarterly", "monthly during joint operations".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scheduled: Vec<Meeting>,
}

impl Meetings {
    fn is_empty(&self) -> bool {
        self.frequency.is_none() && self.scheduled.is_empty()
    }
}

/// How long received material may be kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Received material is deleted at the latest this many days after receipt.
    pub max_days: u32,
    /// And reviewed (kept only if still needed) this many days after receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Passing received material on to third parties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnwardTransfer {
    pub rule: OnwardRule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// What one party undertakes (paragraph 26 (g)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Responsibility {
    pub party: PartyId,
    pub duties: Vec<String>,
}

/// An agreement (MoU or protocol), one version of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    #[serde(default = "default_format")]
    pub format: String,
    pub id: AgreementId,
    /// 1 for the original text, +1 for each amendment.
    pub version: u32,
    /// For version 2 on: the hash of the version before, so a signature on an amendment
    /// also says which text it amends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amends: Option<String>,
    pub title: String,
    pub kind: AgreementKind,
    /// Paragraph 26 (a).
    pub parties: Vec<Party>,
    /// The joint statement of purpose (paragraphs 25 and 26 (b)).
    pub purpose: String,
    /// Principles of cooperation (paragraph 26 (c)), e.g. the joint approach.
    pub principles: Vec<String>,
    /// Who is to benefit (paragraph 26 (d)).
    pub target_group: String,
    /// The terms of exchange (paragraph 25 (d)).
    pub clauses: Vec<Clause>,
    /// Paragraph 25 (b).
    pub channel: Channel,
    pub contact_points: Vec<ContactPoint>,
    /// Paragraph 25 (c).
    #[serde(default, skip_serializing_if = "Meetings::is_empty")]
    pub meetings: Meetings,
    /// How difficulties and differences of interpretation are resolved (paragraph 25 (e)).
    pub dispute_resolution: String,
    /// How the confidentiality of personal data exchanged is protected (paragraphs 25
    /// (f) and 26 (e)).
    pub confidentiality: String,
    /// The declaration of compliance with data-protection and confidentiality law
    /// (paragraph 25 (a)).
    pub data_protection: String,
    pub retention: Retention,
    pub onward_transfer: OnwardTransfer,
    /// Paragraph 26 (g).
    pub responsibilities: Vec<Responsibility>,
    /// Sharing may start on this day at the earliest (and not before every party signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Sharing ends after this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

/// One thing wrong with a document, by field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocumentProblem {
    /// A path such as `clauses[1].purposes`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for DocumentProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a document is not a valid agreement: every problem, by field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct InvalidDocument(pub Vec<DocumentProblem>);

impl fmt::Display for InvalidDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the agreement is not valid:")?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// SHA-256 of a canonical text, lowercase hex: what every party signs.
pub fn text_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Agreement {
    /// Reads a document from TOML.
    pub fn from_toml(s: &str) -> Result<Agreement, InvalidDocument> {
        let doc: Agreement = toml::from_str(s).map_err(|e| one("(file)", e.to_string()))?;
        doc.validate()?;
        Ok(doc)
    }

    /// Reads a document from JSON (any layout; canonical or not).
    pub fn from_json(s: &str) -> Result<Agreement, InvalidDocument> {
        let doc: Agreement = serde_json::from_str(s).map_err(|e| one("(file)", e.to_string()))?;
        doc.validate()?;
        Ok(doc)
    }

    /// The canonical text (RFC 8785): the bytes that are hashed and signed.
    pub fn canonical_text(&self) -> String {
        jcs::canonicalize(self).expect("an agreement serialises")
    }

    /// SHA-256 of the canonical text.
    pub fn hash(&self) -> String {
        text_hash(&self.canonical_text())
    }

    pub fn party(&self, id: &PartyId) -> Option<&Party> {
        self.parties.iter().find(|p| &p.id == id)
    }

    pub fn clause(&self, id: &ClauseId) -> Option<&Clause> {
        self.clauses.iter().find(|c| &c.id == id)
    }

    /// Checks everything a valid agreement needs; reports every problem at once.
    pub fn validate(&self) -> Result<(), InvalidDocument> {
        let mut p = Vec::new();
        let mut bad = |field: String, message: &str| {
            p.push(DocumentProblem {
                field,
                message: message.to_owned(),
            })
        };
        if self.format != FORMAT {
            bad(
                "format".into(),
                &format!(
                    "unknown format {:?}; this build reads {FORMAT}",
                    self.format
                ),
            );
        }
        if self.version == 0 {
            bad("version".into(), "versions start at 1");
        }
        match (&self.amends, self.version) {
            (Some(_), 1) => bad("amends".into(), "version 1 amends nothing"),
            (None, v) if v > 1 => bad(
                "amends".into(),
                "an amendment names the hash of the version it amends",
            ),
            (Some(h), _) if !is_hash(h) => {
                bad("amends".into(), "not a SHA-256 hash (64 hex digits)")
            }
            _ => {}
        }
        for (field, text) in [
            ("title", &self.title),
            ("purpose", &self.purpose),
            ("target_group", &self.target_group),
            ("dispute_resolution", &self.dispute_resolution),
            ("confidentiality", &self.confidentiality),
            ("data_protection", &self.data_protection),
            ("channel.means", &self.channel.means),
        ] {
            if text.trim().is_empty() {
                bad(field.into(), "required");
            }
        }
        if self.principles.iter().all(|s| s.trim().is_empty()) {
            bad(
                "principles".into(),
                "state at least one principle of cooperation",
            );
        }

        // Parties.
        if self.parties.len() < 2 {
            bad("parties".into(), "an agreement needs at least two parties");
        }
        let mut ids = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for (i, party) in self.parties.iter().enumerate() {
            if !ids.insert(&party.id) {
                bad(format!("parties[{i}].id"), "the same party is listed twice");
            }
            if !keys.insert(party.public_key.as_bytes()) {
                bad(
                    format!("parties[{i}].public_key"),
                    "two parties have the same key",
                );
            }
            if party.name.trim().is_empty() {
                bad(format!("parties[{i}].name"), "required");
            }
            if party.country.len() != 2 || !party.country.bytes().all(|b| b.is_ascii_lowercase()) {
                bad(
                    format!("parties[{i}].country"),
                    "an ISO 3166-1 alpha-2 code in lowercase",
                );
            }
        }
        let known = |id: &PartyId| ids.contains(id);

        // Terms of exchange.
        if self.clauses.is_empty() {
            bad(
                "clauses".into(),
                "state the terms of exchange: at least one clause",
            );
        }
        let mut clause_ids = BTreeSet::new();
        for (i, c) in self.clauses.iter().enumerate() {
            let f = |s: &str| format!("clauses[{i}].{s}");
            if !clause_ids.insert(&c.id) {
                bad(f("id"), "two clauses have the same id");
            }
            if c.title.trim().is_empty() {
                bad(f("title"), "required");
            }
            for (name, list) in [("from", &c.from), ("to", &c.to)] {
                if list.is_empty() {
                    bad(f(name), "name at least one party");
                }
                for x in list {
                    if !known(x) {
                        bad(f(name), &format!("{x} is not a party to the agreement"));
                    }
                }
            }
            if c.from.len() == 1 && c.to.len() == 1 && c.from == c.to {
                bad(f("to"), "a party does not exchange with itself");
            }
            if c.categories.is_empty() {
                bad(f("categories"), "name at least one data category");
            }
            if c.handling.is_empty() {
                bad(f("handling"), "name at least one handling code");
            }
            if c.tlp.is_empty() {
                bad(f("tlp"), "name at least one TLP marking");
            }
            if c.purposes.is_empty() {
                bad(f("purposes"), "name at least one purpose");
            }
            if c.categories.iter().any(|k| k.protection_only())
                && c.purposes.iter().any(|p| *p != Purpose::Protection)
            {
                bad(
                    f("purposes"),
                    "personal data of migrants or victims may be exchanged for their protection only: \
                     put these categories in a clause whose only purpose is protection",
                );
            }
        }

        // Contact points: each party reachable through a position or a named person.
        for (i, cp) in self.contact_points.iter().enumerate() {
            if !known(&cp.party) {
                bad(
                    format!("contact_points[{i}].party"),
                    &format!("{} is not a party to the agreement", cp.party),
                );
            }
            if cp.position.as_deref().is_none_or(|s| s.trim().is_empty())
                && cp.person.as_deref().is_none_or(|s| s.trim().is_empty())
            {
                bad(
                    format!("contact_points[{i}]"),
                    "name a position within the organisation or a named person",
                );
            }
        }
        for party in &self.parties {
            if !self.contact_points.iter().any(|c| c.party == party.id) {
                bad(
                    "contact_points".into(),
                    &format!("{} has no contact point", party.id),
                );
            }
        }

        // Responsibilities of every partner.
        for (i, r) in self.responsibilities.iter().enumerate() {
            if !known(&r.party) {
                bad(
                    format!("responsibilities[{i}].party"),
                    &format!("{} is not a party to the agreement", r.party),
                );
            }
        }
        for party in &self.parties {
            let duties = self
                .responsibilities
                .iter()
                .filter(|r| r.party == party.id)
                .flat_map(|r| &r.duties)
                .filter(|d| !d.trim().is_empty())
                .count();
            if duties == 0 {
                bad(
                    "responsibilities".into(),
                    &format!("{} has no stated responsibilities", party.id),
                );
            }
        }

        if self.retention.max_days == 0 {
            bad("retention.max_days".into(), "must be at least 1 day");
        }
        if let Some(r) = self.retention.review_days {
            if r > self.retention.max_days {
                bad(
                    "retention.review_days".into(),
                    "review comes before deletion (at most max_days)",
                );
            }
        }
        if let (Some(a), Some(b)) = (self.valid_from, self.valid_until) {
            if b < a {
                bad("valid_until".into(), "ends before valid_from");
            }
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(InvalidDocument(p))
        }
    }
}

fn one(field: &str, message: String) -> InvalidDocument {
    InvalidDocument(vec![DocumentProblem {
        field: field.into(),
        message,
    }])
}

/// 64 lowercase hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
