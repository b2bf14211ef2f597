//! Entity schemas, close to FollowTheMoney: each schema has typed properties; values are
//! strings on the wire and are checked against the property's type here.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Rule, ValidationError};
use crate::vocab::{vocabulary, EventType, ImpactLevel};

vocabulary!(
    /// The kinds of entity reports talk about.
    Schema, "entity schema" {
        Person = "Person",
        Organization = "Organization" | "Organisation",
        Vehicle = "Vehicle",
        Vessel = "Vessel",
        Phone = "Phone",
        Email = "Email",
        BankAccount = "BankAccount",
        IdentityDocument = "IdentityDocument" | "Passport",
        Address = "Address" | "Location",
        Payment = "Payment",
        BorderEvent = "BorderEvent" | "Incident",
        Trip = "Trip",
        Call = "Call",
    }
);

/// The type of a property value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropType {
    /// A name of a person, organisation, vessel (kept exactly as written).
    Name,
    /// Free text.
    Text,
    /// A date, possibly partial: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or an RFC 3339 date-time.
    Date,
    /// ISO 3166-1 alpha-2 country code (lowercase on the wire, case-insensitive in input).
    Country,
    /// A phone number as given (normalised to E.164 by resolution, never replaced).
    Phone,
    Email,
    Iban,
    /// A document, registration or account number as given.
    Identifier,
    /// A decimal number.
    Number,
    /// `true` or `false` (input also accepts yes/no, y/n, 1/0).
    Bool,
    /// ISO 4217 currency code.
    Currency,
    /// A reference to another entity: a key defined in the same report, or an entity id.
    Entity,
    /// One of a vocabulary's terms.
    Enum(EnumKind),
}

/// The vocabularies a property can be restricted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnumKind {
    Gender,
    EventType,
    Impact,
    PaymentMethod,
    DocumentType,
    OrganizationKind,
}

impl EnumKind {
    fn terms(self) -> &'static [&'static str] {
        match self {
            EnumKind::Gender => &["male", "female", "other", "unknown"],
            EnumKind::EventType => &[
                "unauthorised_crossing",
                "risk_to_life",
                "cross_border_crime",
                "crisis_situation",
                "other",
            ],
            EnumKind::Impact => &["low", "medium", "high", "critical"],
            EnumKind::PaymentMethod => &[
                "cash",
                "bank_transfer",
                "hawala",
                "money_transfer",
                "crypto",
                "other",
            ],
            EnumKind::DocumentType => &[
                "passport",
                "id_card",
                "residence_permit",
                "visa",
                "travel_document",
                "other",
            ],
            EnumKind::OrganizationKind => &["network", "company", "ngo", "authority", "other"],
        }
    }
}

/// One property of a schema.
#[derive(Clone, Copy, Debug)]
pub struct PropSpec {
    pub name: &'static str,
    pub ty: PropType,
    /// Properties that are identifiers feed identifier keys (resolution, deconfliction).
    pub identifier: bool,
}

const fn p(name: &'static str, ty: PropType) -> PropSpec {
    PropSpec {
        name,
        ty,
        identifier: false,
    }
}
const fn id(name: &'static str, ty: PropType) -> PropSpec {
    PropSpec {
        name,
        ty,
        identifier: true,
    }
}

use PropType::*;

const PERSON: &[PropSpec] = &[
    p("name", Name),
    p("firstName", Name),
    p("lastName", Name),
    p("alias", Name),
    p("birthDate", Date),
    p("birthPlace", Text),
    p("nationality", Country),
    p("gender", Enum(EnumKind::Gender)),
    id("idNumber", Identifier),
    id("phone", Phone),
    id("email", Email),
    p("address", Text),
    p("memberOf", Entity),
    p("associate", Entity),
    // protection flags (DESIGN §4.3)
    p("child", Bool),
    p("asylumApplicant", Bool),
    p("fledFrom", Country),
    p("notes", Text),
];

const ORGANIZATION: &[PropSpec] = &[
    p("name", Name),
    p("alias", Name),
    p("kind", Enum(EnumKind::OrganizationKind)),
    p("country", Country),
    id("registrationNumber", Identifier),
    p("address", Text),
    p("notes", Text),
];

const VEHICLE: &[PropSpec] = &[
    id("registrationNumber", Identifier),
    p("country", Country),
    p("type", Text),
    p("make", Text),
    p("model", Text),
    p("color", Text),
    p("owner", Entity),
    // who drives or uses it in the reported context (driver, boat pilot)
    p("operator", Entity),
    p("notes", Text),
];

const VESSEL: &[PropSpec] = &[
    p("name", Name),
    id("imoNumber", Identifier),
    id("mmsi", Identifier),
    id("callSign", Identifier),
    p("flag", Country),
    p("type", Text),
    p("lengthMeters", Number),
    p("owner", Entity),
    p("operator", Entity),
    p("notes", Text),
];

const PHONE: &[PropSpec] = &[
    id("number", Phone),
    id("imei", Identifier),
    p("country", Country),
    p("owner", Entity),
];

const EMAIL: &[PropSpec] = &[id("address", Email), p("owner", Entity)];

const BANK_ACCOUNT: &[PropSpec] = &[
    id("iban", Iban),
    id("accountNumber", Identifier),
    p("bic", Identifier),
    p("bankName", Name),
    p("country", Country),
    p("holder", Entity),
];

const IDENTITY_DOCUMENT: &[PropSpec] = &[
    id("number", Identifier),
    p("country", Country),
    p("type", Enum(EnumKind::DocumentType)),
    p("holder", Entity),
    p("issueDate", Date),
    p("expiryDate", Date),
    p("mrz", Text),
    p("forged", Bool),
];

const ADDRESS: &[PropSpec] = &[
    p("full", Text),
    p("street", Text),
    p("city", Text),
    p("postalCode", Identifier),
    p("country", Country),
    p("latitude", Number),
    p("longitude", Number),
    p("resident", Entity),
];

const PAYMENT: &[PropSpec] = &[
    p("payer", Entity),
    p("beneficiary", Entity),
    p("payerAccount", Entity),
    p("beneficiaryAccount", Entity),
    p("amount", Number),
    p("currency", Currency),
    p("date", Date),
    p("method", Enum(EnumKind::PaymentMethod)),
    p("purpose", Text),
];

const BORDER_EVENT: &[PropSpec] = &[
    p("eventType", Enum(EnumKind::EventType)),
    p("impact", Enum(EnumKind::Impact)),
    p("date", Date),
    p("place", Text),
    p("borderSection", Text),
    p("latitude", Number),
    p("longitude", Number),
    p("personsInvolved", Number),
    p("dead", Number),
    p("missing", Number),
    p("rescued", Number),
    p("vessel", Entity),
    p("vehicle", Entity),
    p("outcome", Text),
];

const TRIP: &[PropSpec] = &[
    p("route", Text),
    p("from", Text),
    p("to", Text),
    p("departure", Date),
    p("arrival", Date),
    p("vehicle", Entity),
    p("vessel", Entity),
    p("traveller", Entity),
    p("organizer", Entity),
];

const CALL: &[PropSpec] = &[
    p("caller", Entity),
    p("receiver", Entity),
    p("date", Date),
    p("durationSeconds", Number),
];

impl Schema {
    pub fn properties(self) -> &'static [PropSpec] {
        match self {
            Schema::Person => PERSON,
            Schema::Organization => ORGANIZATION,
            Schema::Vehicle => VEHICLE,
            Schema::Vessel => VESSEL,
            Schema::Phone => PHONE,
            Schema::Email => EMAIL,
            Schema::BankAccount => BANK_ACCOUNT,
            Schema::IdentityDocument => IDENTITY_DOCUMENT,
            Schema::Address => ADDRESS,
            Schema::Payment => PAYMENT,
            Schema::BorderEvent => BORDER_EVENT,
            Schema::Trip => TRIP,
            Schema::Call => CALL,
        }
    }

    pub fn property(self, name: &str) -> Option<PropSpec> {
        self.properties().iter().find(|p| p.name == name).copied()
    }

    /// Whether the schema describes a person (subject to protection rules).
    pub fn is_person(self) -> bool {
        self == Schema::Person
    }
}

/// Checks one value against a property type, returning the value as it will be stored.
/// Values are kept as written except for trimming and, for closed vocabularies and
/// codes, case folding; identifiers are normalised by resolution, never here.
pub fn check_value(ty: PropType, value: &str) -> Result<String, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValidationError::new("", Rule::Required, "empty value"));
    }
    if v.len() > 10_000 {
        return Err(ValidationError::new(
            "",
            Rule::Limit,
            "value longer than 10000 bytes",
        ));
    }
    let bad = |what: &str| {
        Err(ValidationError::new(
            "",
            Rule::PropertyType,
            format!("{v:?} is not {what}"),
        ))
    };
    match ty {
        Name | Text | Identifier | Phone | Entity => Ok(v.to_owned()),
        Email => {
            if v.contains('@') && !v.contains(char::is_whitespace) {
                Ok(v.to_owned())
            } else {
                bad("an email address")
            }
        }
        Iban => {
            let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.len() >= 5
                && compact.chars().take(2).all(|c| c.is_ascii_alphabetic())
                && compact.chars().all(|c| c.is_ascii_alphanumeric())
            {
                Ok(v.to_owned())
            } else {
                bad("an IBAN")
            }
        }
        Date => match crate::time::check_partial_date(v) {
            Some(_) => Ok(v.to_owned()),
            None => Err(ValidationError::new(
                "",
                Rule::Date,
                format!("{v:?} is not a date (YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339)"),
            )),
        },
        Country => {
            let c = v.to_ascii_lowercase();
            if crate::country::is_country(&c) {
                Ok(c)
            } else {
                bad("an ISO 3166-1 alpha-2 country code")
            }
        }
        Number => match v.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(v.to_owned()),
            _ => Err(ValidationError::new(
                "",
                Rule::Number,
                format!("{v:?} is not a number"),
            )),
        },
        Bool => match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok("true".to_owned()),
            "false" | "no" | "n" | "0" => Ok("false".to_owned()),
            _ => bad("true or false"),
        },
        Currency => {
            if v.len() == 3 && v.chars().all(|c| c.is_ascii_alphabetic()) {
                Ok(v.to_ascii_uppercase())
            } else {
                bad("an ISO 4217 currency code")
            }
        }
        Enum(kind) => {
            let l = v.to_ascii_lowercase();
            if kind.terms().contains(&l.as_str()) {
                // cross-check the two enums that mirror model vocabularies
                debug_assert!(
                    kind != EnumKind::EventType || EventType::parse(&l).is_ok(),
                    "event type vocab drift"
                );
                debug_assert!(
                    kind != EnumKind::Impact || ImpactLevel::parse(&l).is_ok(),
                    "impact vocab drift"
                );
                Ok(l)
            } else {
                Err(ValidationError::new(
                    "",
                    Rule::Vocabulary,
                    format!("{v:?} is not one of: {}", kind.terms().join(", ")),
                ))
            }
        }
    }
}

impl fmt::Display for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Serialisable description of the schemas, for docs and the API.
#[derive(Serialize, Deserialize)]
pub struct SchemaDoc {
    pub schema: String,
    pub properties: Vec<(String, String, bool)>,
}

pub fn describe() -> Vec<SchemaDoc> {
    Schema::ALL
        .iter()
        .map(|s| SchemaDoc {
            schema: s.as_str().to_owned(),
            properties: s
                .properties()
                .iter()
                .map(|p| (p.name.to_owned(), p.ty.to_string(), p.identifier))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_has_unique_property_names() {
        for s in Schema::ALL {
            let mut names: Vec<_> = s.properties().iter().map(|p| p.name).collect();
            names.sort_unstable();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len(), "{s}");
        }
    }

    #[test]
    fn values_are_checked_by_type() {
        assert_eq!(check_value(Country, "FR").unwrap(), "fr");
        assert_eq!(
            check_value(Country, "XX").unwrap_err().rule,
            Rule::PropertyType
        );
        assert_eq!(
            check_value(Date, "2024-13-01").unwrap_err().rule,
            Rule::Date
        );
        assert!(check_value(Date, "1990").is_ok());
        assert_eq!(check_value(Number, "2,000").unwrap_err().rule, Rule::Number);
        assert_eq!(
            check_value(Enum(EnumKind::PaymentMethod), "Hawala").unwrap(),
            "hawala"
        );
        assert_eq!(check_value(Text, "  ").unwrap_err().rule, Rule::Required);
        assert_eq!(check_value(Currency, "eur").unwrap(), "EUR");
    }

    #[test]
    fn person_flags_are_properties() {
        assert!(Schema::Person.property("asylumApplicant").is_some());
        assert!(Schema::Person.property("child").is_some());
        assert!(Schema::Vehicle.property("child").is_none());
    }
}
