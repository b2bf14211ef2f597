//! A complete example agreement with fixed keys, for tests (here, in the store
//! conformance suite and in the CLI) and documentation. **The keys are public knowledge:
//! never use them for anything real.**

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use mosaic_model::{AgencyKind, HandlingCode, Tlp};

use crate::document::*;
use crate::keys::SecretKey;
use crate::lifecycle::{AgreementEvent, AgreementState};

/// The test key of party number `n` (seed `[n; 32]`).
pub fn key(n: u8) -> SecretKey {
    SecretKey::from_seed(&[n; 32])
}

/// The example parties: `fr-ncc` (key 1), `be-ncc` (key 2), `fr-ngo-refuge` (key 3).
pub fn parties() -> Vec<Party> {
    vec![
        Party {
            id: PartyId::parse("fr-ncc").unwrap(),
            name: "French national coordination centre".into(),
            kind: PartyKind::Centre,
            country: "fr".into(),
            public_key: key(1).public(),
        },
        Party {
            id: PartyId::parse("be-ncc").unwrap(),
            name: "Belgian national coordination centre".into(),
            kind: PartyKind::Centre,
            country: "be".into(),
            public_key: key(2).public(),
        },
        Party {
            id: PartyId::parse("fr-ngo-refuge").unwrap(),
            name: "Refuge (migrant support NGO)".into(),
            kind: PartyKind::Agency(AgencyKind::Ngo),
            country: "fr".into(),
            public_key: key(3).public(),
        },
    ]
}

pub fn pid(s: &str) -> PartyId {
    PartyId::parse(s).unwrap()
}

/// The example agreement between the first `n` example parties (2 or 3): a clause for
/// suspects' data and thematic intelligence between the centres, and a protection-only
/// clause for migrants' and victims' data among all parties.
pub fn agreement(id: &str, n: usize) -> Agreement {
    let parties: Vec<Party> = parties().into_iter().take(n.clamp(2, 3)).collect();
    let ids: Vec<PartyId> = parties.iter().map(|p| p.id.clone()).collect();
    let centres: Vec<PartyId> = ids[..2].to_vec();
    Agreement {
        format: FORMAT.into(),
        id: AgreementId::parse(id).unwrap(),
        version: 1,
        amends: None,
        title: "Channel route cooperation protocol".into(),
        kind: AgreementKind::Protocol,
        parties,
        purpose: "Combat the smuggling of migrants towards the United Kingdom and uphold the rights of smuggled migrants.".into(),
        principles: vec![
            "A joint approach to combating the smuggling of migrants.".into(),
            "Smuggled migrants are not treated as offenders for having been smuggled.".into(),
        ],
        target_group: "Migrants smuggled along the Channel route, in particular children and victims of trafficking.".into(),
        clauses: vec![
            Clause {
                id: ClauseId::parse("3.1").unwrap(),
                title: "Suspects and thematic intelligence between the centres".into(),
                from: centres.clone(),
                to: centres,
                categories: vec![
                    DataCategory::ThematicIntelligence,
                    DataCategory::SuspectPersonalData,
                ],
                handling: vec![HandlingCode::H0, HandlingCode::H1, HandlingCode::H2],
                tlp: vec![Tlp::Green, Tlp::Amber, Tlp::AmberStrict],
                purposes: vec![Purpose::CrimePrevention, Purpose::Investigation, Purpose::Analysis],
                conditions: None,
            },
            Clause {
                id: ClauseId::parse("3.2").unwrap(),
                title: "Protection referrals".into(),
                from: ids.clone(),
                to: ids.clone(),
                categories: vec![
                    DataCategory::MigrantPersonalData,
                    DataCategory::VictimPersonalData,
                ],
                handling: vec![HandlingCode::H0, HandlingCode::H2],
                tlp: vec![Tlp::Amber, Tlp::AmberStrict, Tlp::Red],
                purposes: vec![Purpose::Protection],
                conditions: Some("Only with the person's recorded consent, or to protect a child.".into()),
            },
        ],
        channel: Channel {
            means: "Mosaic exchange (mutual TLS, signed payloads)".into(),
            details: None,
        },
        contact_points: ids
            .iter()
            .map(|p| ContactPoint {
                party: p.clone(),
                role: "exchange".into(),
                position: Some("Head of the intelligence unit".into()),
                person: None,
                reach: None,
            })
            .collect(),
        meetings: Meetings {
            frequency: Some("quarterly".into()),
            scheduled: vec![Meeting {
                date: NaiveDate::from_ymd_opt(2025, 6, 2).unwrap(),
                subject: "Review of the first quarter".into(),
            }],
        },
        dispute_resolution: "The contact points consult within 10 working days; unresolved differences go to the heads of the centres.".into(),
        confidentiality: "Personal data are kept in access-controlled systems, seen only by named officers with a need to know, and never published.".into(),
        data_protection: "Each party declares that the intelligence retained and exchanged complies with the data protection and confidentiality law that binds it.".into(),
        retention: Retention {
            max_days: 730,
            review_days: Some(365),
            notes: None,
        },
        onward_transfer: OnwardTransfer {
            rule: OnwardRule::WithProviderPermission,
            notes: None,
        },
        responsibilities: ids
            .iter()
            .map(|p| Responsibility {
                party: p.clone(),
                duties: vec!["Designate a contact point and keep it reachable.".into()],
            })
            .collect(),
        valid_from: None,
        valid_until: None,
    }
}

/// A fixed instant for tests.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

/// The events that bring `doc` into force: its proposal and a signature by every party
/// (whose keys must be the example keys 1, 2, 3 in party order).
pub fn in_force_events(doc: &Agreement) -> Vec<AgreementEvent> {
    let mut ev = vec![AgreementEvent::propose(doc, t0())];
    let hash = doc.hash();
    for (i, p) in doc.parties.iter().enumerate() {
        ev.push(AgreementEvent::sign(
            doc.version,
            &hash,
            &p.id,
            &key(i as u8 + 1),
            t0(),
        ));
    }
    ev
}

/// The example agreement, in force.
pub fn in_force(id: &str, n: usize) -> AgreementState {
    AgreementState::replay(&in_force_events(&agreement(id, n))).expect("the example is valid")
}
