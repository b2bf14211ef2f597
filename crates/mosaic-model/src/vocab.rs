//! Controlled vocabularies: agency kinds, handling codes, TLP 2.0, classification,
//! grading scales, person roles, EUROSUR event types and impact levels.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Rule, ValidationError};

/// Declares a closed vocabulary with stable wire names, parsing that lists the terms on
/// error, and a declaration order that is also the order of severity where that matters.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident = $wire:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Case-insensitive; accepts the documented aliases.
            pub fn parse(s: &str) -> Result<Self, $crate::error::ValidationError> {
                let t = s.trim();
                $(
                    if t.eq_ignore_ascii_case($wire) $(|| t.eq_ignore_ascii_case($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                Err($crate::error::ValidationError::new(
                    $what,
                    $crate::error::Rule::Vocabulary,
                    format!("{:?} is not a {}; expected one of: {}", s, $what,
                        [$($wire),+].join(", ")),
                ))
            }

            /// Position in declaration order (used for ordered vocabularies in SQL).
            pub fn rank(self) -> i64 {
                $name::ALL.iter().position(|v| *v == self).unwrap_or(0) as i64
            }

            pub fn from_rank(rank: i64) -> Option<Self> {
                usize::try_from(rank).ok().and_then(|r| $name::ALL.get(r).copied())
            }
        }
        impl TryFrom<String> for $name {
            type Error = $crate::error::ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> { Self::parse(&s) }
        }
        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str { v.as_str() }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// What kind of organisation an agency is.
    AgencyKind, "agency kind" {
        BorderGuard = "border_guard" | "border_police",
        CoastGuard = "coast_guard",
        Police = "police",
        Customs = "customs",
        Navy = "navy",
        Fiu = "fiu",
        Immigration = "immigration",
        LabourInspection = "labour_inspection",
        Prosecution = "prosecution",
        Ngo = "ngo",
        InternationalOrganisation = "international_organisation" | "io",
    }
);

vocabulary!(
    /// Europol/SIENA handling codes. H3's conditions travel in the report's
    /// `handling_conditions` text.
    HandlingCode, "handling code" {
        /// Use only to prevent and combat crime.
        H0 = "H0",
        /// Not to be used in judicial proceedings without the provider's permission.
        H1 = "H1",
        /// Not to be disseminated without the provider's permission.
        H2 = "H2",
        /// Other restrictions, stated in text.
        H3 = "H3",
    }
);

vocabulary!(
    /// Traffic Light Protocol 2.0, least to most restrictive.
    Tlp, "TLP marking" {
        Clear = "CLEAR" | "TLP:CLEAR" | "WHITE" | "TLP:WHITE",
        Green = "GREEN" | "TLP:GREEN",
        Amber = "AMBER" | "TLP:AMBER",
        AmberStrict = "AMBER+STRICT" | "TLP:AMBER+STRICT",
        Red = "RED" | "TLP:RED",
    }
);

vocabulary!(
    /// Security classification, least to most restrictive (EU levels and their national
    /// equivalents are mapped onto these at the agency's edge).
    Classification, "classification" {
        Unclassified = "unclassified" | "none" | "public",
        Restricted = "restricted" | "restreint" | "restreint_ue",
        Confidential = "confidential" | "confidentiel" | "confidentiel_ue",
        Secret = "secret" | "secret_ue",
        TopSecret = "top_secret" | "tres_secret" | "tres_secret_ue",
    }
);

vocabulary!(
    /// A person's role in the context of one report or case — never a global label.
    PersonRole, "person role" {
        Organizer = "organizer" | "organiser",
        Recruiter = "recruiter",
        Driver = "driver",
        BoatPilot = "boat_pilot",
        MoneyCollector = "money_collector",
        DocumentForger = "document_forger",
        SafeHouseKeeper = "safe_house_keeper",
        /// Facilitator whose function is not yet known.
        Facilitator = "facilitator",
        SmuggledMigrant = "smuggled_migrant" | "migrant",
        Victim = "victim",
        VictimOfTrafficking = "victim_of_trafficking",
        Witness = "witness",
        Officer = "officer",
    }
);

impl PersonRole {
    /// Roles that make a person a suspect in that context. A smuggled migrant is never one
    /// (Protocol against the Smuggling of Migrants, art. 5).
    pub fn is_suspect(self) -> bool {
        matches!(
            self,
            PersonRole::Organizer
                | PersonRole::Recruiter
                | PersonRole::Driver
                | PersonRole::BoatPilot
                | PersonRole::MoneyCollector
                | PersonRole::DocumentForger
                | PersonRole::SafeHouseKeeper
                | PersonRole::Facilitator
        )
    }

    /// Roles whose holders are protected persons (minimisation, pseudonymisation).
    pub fn is_protected(self) -> bool {
        matches!(
            self,
            PersonRole::SmuggledMigrant | PersonRole::Victim | PersonRole::VictimOfTrafficking
        )
    }
}

vocabulary!(
    /// EUROSUR events-layer categories.
    EventType, "EUROSUR event type" {
        UnauthorisedCrossing = "unauthorised_crossing",
        RiskToLife = "risk_to_life",
        CrossBorderCrime = "cross_border_crime",
        CrisisSituation = "crisis_situation",
        Other = "other",
    }
);

vocabulary!(
    /// EUROSUR impact levels (events and border sections).
    ImpactLevel, "impact level" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
);

vocabulary!(
    /// What an agency is reporting.
    ReportType, "report type" {
        IncidentAtSea = "incident_at_sea",
        Interception = "interception",
        PortIntelligence = "port_intelligence",
        SuspiciousTransaction = "suspicious_transaction",
        LabourInspection = "labour_inspection",
        MigrantDebrief = "migrant_debrief",
        ProtectionReferral = "protection_referral",
        Arrest = "arrest",
        Search = "search",
        Intelligence = "intelligence",
        Other = "other",
    }
);

/// Source reliability on the EU 4x4 scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceReliability {
    A,
    B,
    C,
    X,
}

/// Information accuracy on the EU 4x4 scale (1 = known to be true without reservation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InfoAccuracy {
    One = 1,
    Two = 2,
    Three = 3,
    Four = 4,
}

/// A grading as given, on the scale it was given in. The original is always kept; the
/// EU 4x4 equivalent is derived (see `docs/vocabularies.md` for the mapping tables).
///
/// Wire form (a string): `B2` (EU 4x4), `3x5x2:1AP` (UK 3x5x2: source 1–3,
/// intelligence A–E, handling P/C), `admiralty:B3` (NATO/Admiralty A–F, 1–6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grading {
    FourByFour(SourceReliability, InfoAccuracy),
    Uk3x5x2 {
        source: u8,
        intelligence: char,
        handling: char,
    },
    Admiralty {
        reliability: char,
        credibility: u8,
    },
}

impl Grading {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let err = |why: &str| {
            ValidationError::new(
                "grading",
                Rule::Grading,
                format!(
                    "{s:?}: {why}; expected e.g. \"B2\" (4x4), \"3x5x2:1AP\" or \"admiralty:B3\""
                ),
            )
        };
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("3x5x2:") {
            let c: Vec<char> = rest
                .chars()
                .filter(|c| !matches!(c, '/' | ' ' | '-'))
                .collect();
            if c.len() != 3 {
                return Err(err("3x5x2 needs source, intelligence and handling"));
            }
            let source = c[0].to_digit(10).filter(|d| (1..=3).contains(d));
            let intelligence = c[1].to_ascii_uppercase();
            let handling = c[2].to_ascii_uppercase();
            return match source {
                Some(d) if ('A'..='E').contains(&intelligence) && matches!(handling, 'P' | 'C') => {
                    Ok(Grading::Uk3x5x2 {
                        source: d as u8,
                        intelligence,
                        handling,
                    })
                }
                _ => Err(err(
                    "3x5x2 source is 1-3, intelligence A-E, handling P or C",
                )),
            };
        }
        let (admiralty, body) = match lower.strip_prefix("admiralty:") {
            Some(rest) => (true, rest.to_owned()),
            None => (false, lower.clone()),
        };
        let c: Vec<char> = body
            .chars()
            .filter(|c| !matches!(c, '/' | ' ' | '-'))
            .collect();
        if c.len() != 2 {
            return Err(err("expected a letter and a digit"));
        }
        let letter = c[0].to_ascii_uppercase();
        let digit = c[1]
            .to_digit(10)
            .ok_or_else(|| err("second character must be a digit"))?;
        if admiralty {
            if ('A'..='F').contains(&letter) && (1..=6).contains(&digit) {
                return Ok(Grading::Admiralty {
                    reliability: letter,
                    credibility: digit as u8,
                });
            }
            return Err(err("admiralty reliability is A-F and credibility 1-6"));
        }
        let src = match letter {
            'A' => SourceReliability::A,
            'B' => SourceReliability::B,
            'C' => SourceReliability::C,
            'X' => SourceReliability::X,
            _ => return Err(err("4x4 source reliability is A, B, C or X")),
        };
        let acc = match digit {
            1 => InfoAccuracy::One,
            2 => InfoAccuracy::Two,
            3 => InfoAccuracy::Three,
            4 => InfoAccuracy::Four,
            _ => return Err(err("4x4 information accuracy is 1-4")),
        };
        Ok(Grading::FourByFour(src, acc))
    }

    /// The EU 4x4 equivalent. Mappings are conservative: when a scale distinguishes
    /// less, we map to the less certain 4x4 value.
    pub fn to_4x4(self) -> (SourceReliability, InfoAccuracy) {
        use InfoAccuracy::*;
        use SourceReliability::*;
        match self {
            Grading::FourByFour(s, a) => (s, a),
            Grading::Uk3x5x2 {
                source,
                intelligence,
                ..
            } => {
                let s = match source {
                    1 => A,
                    3 => C,
                    _ => X, // 2 = untested
                };
                let a = match intelligence {
                    'A' => Two,   // known directly to the source
                    'B' => Three, // known indirectly, corroborated
                    _ => Four,
                };
                (s, a)
            }
            Grading::Admiralty {
                reliability,
                credibility,
            } => {
                let s = match reliability {
                    'A' => A,
                    'B' | 'C' => B,
                    'D' | 'E' => C,
                    _ => X,
                };
                let a = match credibility {
                    1 => One,
                    2 => Two,
                    3 => Three,
                    _ => Four,
                };
                (s, a)
            }
        }
    }

    /// The 4x4 code, e.g. `B2`.
    pub fn code_4x4(self) -> String {
        let (s, a) = self.to_4x4();
        format!("{:?}{}", s, a as u8)
    }
}

impl fmt::Display for Grading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grading::FourByFour(s, a) => write!(f, "{:?}{}", s, *a as u8),
            Grading::Uk3x5x2 {
                source,
                intelligence,
                handling,
            } => {
                write!(f, "3x5x2:{source}{intelligence}{handling}")
            }
            Grading::Admiralty {
                reliability,
                credibility,
            } => {
                write!(f, "admiralty:{reliability}{credibility}")
            }
        }
    }
}

impl Serialize for Grading {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Grading {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Grading::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn vocab_parse_is_case_insensitive_and_lists_terms() {
        assert_eq!(Tlp::parse("tlp:amber+strict").unwrap(), Tlp::AmberStrict);
        assert_eq!(HandlingCode::parse("h2").unwrap(), HandlingCode::H2);
        let e = Tlp::parse("PURPLE").unwrap_err();
        assert_eq!(e.rule, Rule::Vocabulary);
        assert!(e.message.contains("AMBER+STRICT"), "{}", e.message);
    }

    #[test]
    fn ordered_vocabularies_rank_by_severity() {
        assert!(Tlp::Red.rank() > Tlp::Amber.rank());
        assert!(Classification::Secret > Classification::Restricted);
        assert_eq!(Tlp::from_rank(Tlp::Green.rank()), Some(Tlp::Green));
    }

    #[test]
    fn migrants_are_never_suspects() {
        for r in PersonRole::ALL {
            assert!(!(r.is_suspect() && r.is_protected()), "{r} is both");
        }
        assert!(!PersonRole::SmuggledMigrant.is_suspect());
    }

    #[test]
    fn grading_scales_parse_and_map() {
        assert_eq!(Grading::parse("B2").unwrap().code_4x4(), "B2");
        let uk = Grading::parse("3x5x2:1AP").unwrap();
        assert_eq!(uk.to_string(), "3x5x2:1AP");
        assert_eq!(uk.code_4x4(), "A2");
        let adm = Grading::parse("admiralty:F6").unwrap();
        assert_eq!(adm.code_4x4(), "X4");
        assert_eq!(Grading::parse("admiralty:C3").unwrap().code_4x4(), "B3");
        assert_eq!(Grading::parse("Z9").unwrap_err().rule, Rule::Grading);
        assert!(Grading::parse("admiralty:G1").is_err());
        assert!(Grading::parse("3x5x2:4AP").is_err());
    }

    proptest! {
        #[test]
        fn grading_display_round_trips(s in "[A-FXa-fx][1-6]|3x5x2:[1-3][A-E][PC]|admiralty:[A-F][1-6]") {
            if let Ok(g) = Grading::parse(&s) {
                prop_assert_eq!(Grading::parse(&g.to_string()).unwrap(), g);
            }
        }

        #[test]
        fn grading_parser_never_panics(s in ".{0,12}") {
            let _ = Grading::parse(&s);
        }
    }
}
