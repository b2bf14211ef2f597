//! Identifiers that stay unique when data from many centres meet.
//!
//! Every object id is `<centre>:<kind>:<suffix>`. The centre prefix makes ids unique across
//! federated centres without coordination; the suffix is either a UUIDv7 (objects created
//! here, e.g. from a form) or a hash derived from stable inputs (objects imported from
//! files), which is what makes re-importing the same file idempotent.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Rule, ValidationError};

/// A slug: lowercase ASCII letters, digits and `-`, 2–32 chars, starting with a letter.
fn is_slug(s: &str) -> bool {
    (2..=32).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a slug id, naming the rule it breaks.
            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                if is_slug(s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(ValidationError::new(
                        $what,
                        Rule::Slug,
                        format!(
                            "{:?} is not a valid {}: use 2-32 lowercase letters, digits or '-', starting with a letter",
                            s, $what
                        ),
                    ))
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
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

slug_id!(
    /// One Mosaic installation, e.g. `fr-ncc` (a national coordination centre).
    CentreId,
    "centre id"
);
slug_id!(
    /// An organisation inside a centre, e.g. `fr-paf` (border police).
    AgencyId,
    "agency id"
);

/// The kinds of object that carry a namespaced id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Report,
    Entity,
    User,
    Case,
}

impl ObjectKind {
    pub fn tag(self) -> &'static str {
        match self {
            ObjectKind::Report => "rep",
            ObjectKind::Entity => "ent",
            ObjectKind::User => "usr",
            ObjectKind::Case => "case",
        }
    }
}

fn valid_object_id(s: &str, kind: ObjectKind) -> bool {
    let mut parts = s.splitn(3, ':');
    let (Some(c), Some(k), Some(suffix)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    is_slug(c)
        && k == kind.tag()
        && (1..=64).contains(&suffix.len())
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

macro_rules! object_id {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const KIND: ObjectKind = $kind;

            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                if valid_object_id(s, $kind) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(ValidationError::new(
                        $what,
                        Rule::ObjectId,
                        format!(
                            "{:?} is not a valid {}: expected <centre>:{}:<suffix>",
                            s,
                            $what,
                            $kind.tag()
                        ),
                    ))
                }
            }

            /// A fresh, time-ordered id for an object created at this centre.
            pub fn new_v7(centre: &CentreId) -> Self {
                Self(format!("{}:{}:{}", centre, $kind.tag(), uuid::Uuid::now_v7().simple()))
            }

            /// A deterministic id derived from stable inputs (idempotent import).
            pub fn derived(centre: &CentreId, parts: &[&str]) -> Self {
                Self(format!("{}:{}:{}", centre, $kind.tag(), short_hash(parts)))
            }

            /// The centre that minted this id.
            pub fn centre(&self) -> &str {
                self.0.split(':').next().unwrap_or_default()
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
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

object_id!(
    /// A report id, e.g. `fr-ncc:rep:3f2a…`.
    ReportId,
    ObjectKind::Report,
    "report id"
);
object_id!(
    /// An entity (mention) id, e.g. `fr-ncc:ent:9b1c…`.
    EntityId,
    ObjectKind::Entity,
    "entity id"
);
object_id!(
    /// A user id.
    UserId,
    ObjectKind::User,
    "user id"
);
object_id!(
    /// A case or operation id.
    CaseId,
    ObjectKind::Case,
    "case id"
);

/// 128 bits of SHA-256 over length-prefixed parts, hex encoded: collision-safe for ids and
/// unambiguous (`["ab","c"]` and `["a","bc"]` differ).
pub fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// A full SHA-256 content hash, hex encoded.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ContentHash(pub String);

impl ContentHash {
    pub fn of_bytes(bytes: &[u8]) -> Self {
        ContentHash(hex::encode(Sha256::digest(bytes)))
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs() {
        assert!(CentreId::parse("fr-ncc").is_ok());
        assert!(CentreId::parse("Fr").is_err());
        assert!(CentreId::parse("1fr").is_err());
        assert!(CentreId::parse("x").is_err());
        assert!(AgencyId::parse("be-police-federale").is_ok());
    }

    #[test]
    fn object_ids_carry_centre_and_kind() {
        let c = CentreId::parse("fr-ncc").unwrap();
        let r = ReportId::new_v7(&c);
        assert_eq!(r.centre(), "fr-ncc");
        assert!(ReportId::parse(r.as_str()).is_ok());
        // the kind tag is checked: a report id is not an entity id
        assert!(EntityId::parse(r.as_str()).is_err());
        let d1 = ReportId::derived(&c, &["fr-paf", "PAF-1"]);
        let d2 = ReportId::derived(&c, &["fr-paf", "PAF-1"]);
        let d3 = ReportId::derived(&c, &["fr-pa", "fPAF-1"]);
        assert_eq!(d1, d2);
        assert_ne!(d1, d3);
    }

    proptest! {
        #[test]
        fn derived_ids_always_parse(parts in proptest::collection::vec(".*", 0..4)) {
            let c = CentreId::parse("be-ncc").unwrap();
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            let id = EntityId::derived(&c, &refs);
            prop_assert!(EntityId::parse(id.as_str()).is_ok());
        }

        #[test]
        fn object_id_parser_never_panics(s in ".*") {
            let _ = ReportId::parse(&s);
            let _ = CentreId::parse(&s);
        }
    }
}
