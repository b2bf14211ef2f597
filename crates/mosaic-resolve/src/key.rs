//! [`IdentifierKey`]: one normalised, matchable value (kind + value). The same key type
//! feeds search, resolution blocking, deconfliction and, later, privacy-preserving
//! matching between centres — so what is "the same phone" is decided in one place.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ResolveError;

/// What an identifier key identifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// E.164 (`+33612345678`).
    Phone,
    /// Lowercased address.
    Email,
    /// Electronic form, upper case, no spaces.
    Iban,
    /// A bank account number that is not an IBAN (upper-case alphanumerics).
    Account,
    /// Passport, identity card or other document number (upper-case alphanumerics).
    Document,
    /// IMO ship number, 7 digits.
    Imo,
    /// Maritime Mobile Service Identity, 9 digits.
    Mmsi,
    CallSign,
    /// Number plate: upper-case Latin alphanumerics (Cyrillic/Greek look-alikes mapped).
    Plate,
    /// Handset serial, 15 digits.
    Imei,
    /// Company or other registration number.
    Registration,
    /// A name's matching key: transliterated, particles handled, tokens sorted.
    Name,
    /// A name's phonetic key (consonant skeletons, sorted).
    NamePhonetic,
}

impl KeyKind {
    pub const ALL: &'static [KeyKind] = &[
        KeyKind::Phone,
        KeyKind::Email,
        KeyKind::Iban,
        KeyKind::Account,
        KeyKind::Document,
        KeyKind::Imo,
        KeyKind::Mmsi,
        KeyKind::CallSign,
        KeyKind::Plate,
        KeyKind::Imei,
        KeyKind::Registration,
        KeyKind::Name,
        KeyKind::NamePhonetic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Phone => "phone",
            KeyKind::Email => "email",
            KeyKind::Iban => "iban",
            KeyKind::Account => "account",
            KeyKind::Document => "document",
            KeyKind::Imo => "imo",
            KeyKind::Mmsi => "mmsi",
            KeyKind::CallSign => "call_sign",
            KeyKind::Plate => "plate",
            KeyKind::Imei => "imei",
            KeyKind::Registration => "registration",
            KeyKind::Name => "name",
            KeyKind::NamePhonetic => "name_phonetic",
        }
    }

    /// Keys that identify one thing in the world (two different persons rarely share
    /// one), as opposed to name keys, which many people share.
    pub fn is_identifier(self) -> bool {
        !matches!(self, KeyKind::Name | KeyKind::NamePhonetic)
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyKind {
    type Err = ResolveError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ResolveError::Invalid(format!("{s:?} is not an identifier key kind")))
    }
}

/// A normalised, matchable value. Written `kind:value` (e.g. `phone:+33612345678`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdentifierKey {
    pub kind: KeyKind,
    pub value: String,
}

impl IdentifierKey {
    pub fn new(kind: KeyKind, value: impl Into<String>) -> IdentifierKey {
        IdentifierKey {
            kind,
            value: value.into(),
        }
    }
}

impl fmt::Display for IdentifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

impl FromStr for IdentifierKey {
    type Err = ResolveError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (k, v) = s
            .split_once(':')
            .ok_or_else(|| ResolveError::Invalid(format!("{s:?} is not kind:value")))?;
        Ok(IdentifierKey::new(k.parse()?, v))
    }
}

/// A value as the provider wrote it and the key it normalises to. An invalid value (a
/// failed check digit, an impossible phone number) is **kept and flagged**: its key is the
/// value cleaned of separators only, never "corrected", so it still matches the same
/// value written elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Normalized {
    pub key: IdentifierKey,
    /// The value exactly as written.
    pub original: String,
    /// Issuing or registration country (ISO alpha-2, lowercase), where one is known:
    /// documents, plates, IBANs, phones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Passed every check this kind of identifier has.
    pub valid: bool,
    /// Why it is flagged, when it is not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl Normalized {
    pub(crate) fn ok(kind: KeyKind, value: String, original: &str) -> Normalized {
        Normalized {
            key: IdentifierKey::new(kind, value),
            original: original.to_owned(),
            country: None,
            valid: true,
            problem: None,
        }
    }

    pub(crate) fn flagged(
        kind: KeyKind,
        value: String,
        original: &str,
        problem: impl Into<String>,
    ) -> Normalized {
        Normalized {
            key: IdentifierKey::new(kind, value),
            original: original.to_owned(),
            country: None,
            valid: false,
            problem: Some(problem.into()),
        }
    }

    pub(crate) fn with_country(mut self, c: Option<String>) -> Normalized {
        self.country = c;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_and_parse() {
        for k in KeyKind::ALL {
            let key = IdentifierKey::new(*k, "X1:2");
            let back: IdentifierKey = key.to_string().parse().unwrap();
            assert_eq!(back, key);
        }
        assert!("nokind:1".parse::<IdentifierKey>().is_err());
        assert!("phone".parse::<IdentifierKey>().is_err());
    }
}
