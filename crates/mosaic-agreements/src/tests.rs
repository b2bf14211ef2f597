//! Lifecycle, document and decision tests, with the property tests the issue asks for.

use chrono::Duration;
use mosaic_model::{HandlingCode, Tlp};
use proptest::prelude::*;

use crate::example::{self, key, pid, t0};
use crate::lifecycle::sign_hash;
use crate::*;

fn request(
    provider: &str,
    recipient: &str,
    category: DataCategory,
    handling: HandlingCode,
    tlp: Tlp,
    purpose: Purpose,
) -> SharingRequest {
    SharingRequest {
        provider: pid(provider),
        recipient: pid(recipient),
        category,
        handling,
        tlp,
        purpose,
        at: t0() + Duration::days(1),
    }
}

fn suspects() -> SharingRequest {
    request(
        "fr-ncc",
        "be-ncc",
        DataCategory::SuspectPersonalData,
        HandlingCode::H1,
        Tlp::Amber,
        Purpose::Investigation,
    )
}

fn notice(a: &AgreementState, act: NoticeAct, party: &str, k: u8) -> Notice {
    Notice::signed(&a.id, act, &pid(party), "test", t0(), &key(k))
}

// ---------------------------------------------------------------------------------
// Document

#[test]
fn the_example_is_valid_and_hashes_canonically() {
    let doc = example::agreement("fr-ncc:agr:channel", 3);
    doc.validate().unwrap();
    let text = doc.canonical_text();
    // Canonical: sorted keys, no whitespace, and stable through JSON.
    assert!(text.starts_with(r#"{"channel":{"means":"#), "{text}");
    let back = Agreement::from_json(&text).unwrap();
    assert_eq!(back, doc);
    assert_eq!(back.canonical_text(), text);
    // The same document written differently (pretty JSON, TOML) has the same hash.
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    assert_eq!(Agreement::from_json(&pretty).unwrap().hash(), doc.hash());
    let toml_text = toml::to_string(&doc).unwrap();
    assert_eq!(Agreement::from_toml(&toml_text).unwrap().hash(), doc.hash());
    // Any change changes the hash.
    let mut other = doc.clone();
    other.clauses[0].tlp.push(Tlp::Red);
    assert_ne!(other.hash(), doc.hash());
}

#[test]
fn validation_names_every_problem_by_field() {
    let mut doc = example::agreement("fr-ncc:agr:channel", 2);
    doc.parties.truncate(1);
    doc.purpose = " ".into();
    doc.clauses[0].purposes.clear();
    doc.clauses[1].purposes.push(Purpose::Investigation);
    doc.contact_points[0].position = None;
    doc.retention.max_days = 0;
    let err = doc.validate().unwrap_err();
    let fields: Vec<&str> = err.0.iter().map(|p| p.field.as_str()).collect();
    for f in [
        "purpose",
        "parties",
        "clauses[0].purposes",
        "clauses[1].purposes",
        "clauses[0].from",
        "contact_points[0]",
        "responsibilities[1].party",
        "retention.max_days",
    ] {
        assert!(fields.contains(&f), "{f} missing from {err}");
    }
    assert!(
        err.to_string().contains("for their protection only"),
        "{err}"
    );
}

#[test]
fn unknown_fields_are_refused_not_dropped() {
    let doc = example::agreement("fr-ncc:agr:channel", 2);
    let mut v = serde_json::to_value(&doc).unwrap();
    v["secret_annex"] = serde_json::json!("ignored?");
    let err = Agreement::from_json(&v.to_string()).unwrap_err();
    assert!(err.to_string().contains("secret_annex"), "{err}");
}

// ---------------------------------------------------------------------------------
// Lifecycle

#[test]
fn in_force_only_when_every_party_signed() {
    let doc = example::agreement("fr-ncc:agr:channel", 3);
    let events = example::in_force_events(&doc);
    let mut s = AgreementState::start(&events[0]).unwrap();
    assert_eq!(s.status(), Status::Draft);
    s.apply(&events[1]).unwrap();
    s.apply(&events[2]).unwrap();
    assert_eq!(s.status(), Status::Draft);
    assert_eq!(s.latest().missing(), vec![&pid("fr-ngo-refuge")]);
    assert!(!decide(std::slice::from_ref(&s), &suspects()).is_allowed());
    s.apply(&events[3]).unwrap();
    assert_eq!(s.status(), Status::InForce);
    assert_eq!(s.events, 4);
    let d = decide(std::slice::from_ref(&s), &suspects());
    assert_eq!(
        d,
        Decision::Allowed {
            agreement: AgreementRef {
                id: s.id.clone(),
                version: 1,
                hash: doc.hash()
            },
            clause: ClauseId::parse("3.1").unwrap()
        }
    );
    assert_eq!(
        d.to_string(),
        "allowed by fr-ncc:agr:channel version 1, clause 3.1"
    );
}

#[test]
fn signatures_are_checked() {
    let doc = example::agreement("fr-ncc:agr:channel", 2);
    let hash = doc.hash();
    let mut s = AgreementState::start(&AgreementEvent::propose(&doc, t0())).unwrap();
    let before = s.clone();
    // Signed with another party's key.
    let e = AgreementEvent::sign(1, &hash, &pid("fr-ncc"), &key(2), t0());
    assert_eq!(
        s.apply(&e),
        Err(LifecycleError::BadSignature {
            party: pid("fr-ncc"),
            version: 1
        })
    );
    // Not a party.
    let e = AgreementEvent::sign(1, &hash, &pid("fr-ngo-refuge"), &key(3), t0());
    assert!(matches!(
        s.apply(&e),
        Err(LifecycleError::NotASigner { .. })
    ));
    // Over another text.
    let e = AgreementEvent::sign(1, &"ab".repeat(32), &pid("fr-ncc"), &key(1), t0());
    assert!(matches!(
        s.apply(&e),
        Err(LifecycleError::HashMismatch { .. })
    ));
    // Unknown version.
    let e = AgreementEvent::sign(2, &hash, &pid("fr-ncc"), &key(1), t0());
    assert_eq!(s.apply(&e), Err(LifecycleError::UnknownVersion(2)));
    assert_eq!(s, before, "a refused event changes nothing");
    // Twice.
    let e = AgreementEvent::sign(1, &hash, &pid("fr-ncc"), &key(1), t0());
    s.apply(&e).unwrap();
    assert!(matches!(
        s.apply(&e),
        Err(LifecycleError::AlreadySigned { .. })
    ));
}

#[test]
fn proposals_are_checked() {
    let doc = example::agreement("fr-ncc:agr:channel", 2);
    let mut s = example::in_force("fr-ncc:agr:channel", 2);
    // Version 1 again.
    assert_eq!(
        s.apply(&AgreementEvent::propose(&doc, t0())),
        Err(LifecycleError::AlreadyExists(doc.id.clone()))
    );
    // Skipping a version, or not naming what it amends.
    let mut v3 = doc.clone();
    v3.version = 3;
    v3.amends = Some(doc.hash());
    assert!(matches!(
        s.apply(&AgreementEvent::propose(&v3, t0())),
        Err(LifecycleError::WrongVersion {
            expected: 2,
            found: 3
        })
    ));
    let mut v2 = doc.clone();
    v2.version = 2;
    v2.amends = Some("cd".repeat(32));
    assert!(matches!(
        s.apply(&AgreementEvent::propose(&v2, t0())),
        Err(LifecycleError::WrongAmends { .. })
    ));
    // A text that is not what its hash says, or not canonical.
    let AgreementEvent::Proposed { text, .. } = AgreementEvent::propose(&doc, t0()) else {
        unreachable!()
    };
    let tampered = text.replace("730", "7300");
    let e = AgreementEvent::Proposed {
        version: 1,
        text: tampered,
        hash: doc.hash(),
        at: t0(),
    };
    assert!(matches!(
        AgreementState::start(&e),
        Err(LifecycleError::TextHash { .. })
    ));
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    let e = AgreementEvent::Proposed {
        version: 1,
        hash: document::text_hash(&pretty),
        text: pretty,
        at: t0(),
    };
    assert_eq!(AgreementState::start(&e), Err(LifecycleError::NotCanonical));
    // An invalid document.
    let mut bad = doc.clone();
    bad.clauses.clear();
    assert!(matches!(
        AgreementState::start(&AgreementEvent::propose(&bad, t0())),
        Err(LifecycleError::Invalid(_))
    ));
    // The log must start with version 1.
    let sig = AgreementEvent::sign(1, &doc.hash(), &pid("fr-ncc"), &key(1), t0());
    assert_eq!(
        AgreementState::replay(&[sig]),
        Err(LifecycleError::NotStarted)
    );
    assert_eq!(AgreementState::replay(&[]), Err(LifecycleError::NotStarted));
}

/// Version 2 of the example with the TLP RED allowed for suspects' data.
fn amendment(s: &AgreementState) -> Agreement {
    let mut v2 = s.latest().doc.clone();
    v2.version = s.latest().doc.version + 1;
    v2.amends = Some(s.latest().hash.clone());
    v2.clauses[0].tlp.push(Tlp::Red);
    v2
}

#[test]
fn an_amendment_needs_every_party_and_the_old_version_stays_in_force_until_then() {
    let mut s = example::in_force("fr-ncc:agr:channel", 2);
    let v1_hash = s.latest().hash.clone();
    let v2 = amendment(&s);
    let red = SharingRequest {
        tlp: Tlp::Red,
        ..suspects()
    };
    s.apply(&AgreementEvent::propose(&v2, t0())).unwrap();
    assert_eq!(s.status(), Status::InForce);
    assert_eq!(s.in_force().unwrap().doc.version, 1);
    assert!(decide(std::slice::from_ref(&s), &suspects()).is_allowed());
    assert!(!decide(std::slice::from_ref(&s), &red).is_allowed());
    // A signature on version 1 cannot be replayed onto version 2.
    let replay = AgreementEvent::Signed {
        version: 2,
        hash: v2.hash(),
        party: pid("fr-ncc"),
        signature: sign_hash(&v1_hash, &key(1)),
        at: t0(),
    };
    assert!(matches!(
        s.apply(&replay),
        Err(LifecycleError::BadSignature { .. })
    ));
    s.apply(&AgreementEvent::sign(
        2,
        &v2.hash(),
        &pid("fr-ncc"),
        &key(1),
        t0(),
    ))
    .unwrap();
    assert_eq!(s.in_force().unwrap().doc.version, 1);
    s.apply(&AgreementEvent::sign(
        2,
        &v2.hash(),
        &pid("be-ncc"),
        &key(2),
        t0(),
    ))
    .unwrap();
    assert_eq!(s.in_force().unwrap().doc.version, 2);
    assert_eq!(s.version(1).unwrap().status, VersionStatus::Superseded);
    let d = decide(std::slice::from_ref(&s), &red);
    assert_eq!(d.agreement().unwrap().version, 2, "{d}");
    // A superseded version can no longer be signed.
    assert!(matches!(
        s.apply(&AgreementEvent::sign(
            1,
            &v1_hash,
            &pid("be-ncc"),
            &key(2),
            t0()
        )),
        Err(LifecycleError::NotPending { .. })
    ));
}

#[test]
fn a_party_dropped_by_an_amendment_must_consent() {
    let mut s = example::in_force("fr-ncc:agr:channel", 3);
    let mut v2 = amendment(&s);
    v2.parties.truncate(2);
    v2.contact_points.truncate(2);
    v2.responsibilities.truncate(2);
    for c in &mut v2.clauses {
        c.from.retain(|p| p.as_str() != "fr-ngo-refuge");
        c.to.retain(|p| p.as_str() != "fr-ngo-refuge");
    }
    s.apply(&AgreementEvent::propose(&v2, t0())).unwrap();
    for (p, k) in [("fr-ncc", 1), ("be-ncc", 2)] {
        s.apply(&AgreementEvent::sign(2, &v2.hash(), &pid(p), &key(k), t0()))
            .unwrap();
    }
    assert_eq!(s.in_force().unwrap().doc.version, 1);
    assert_eq!(s.pending().unwrap().missing(), vec![&pid("fr-ngo-refuge")]);
    s.apply(&AgreementEvent::sign(
        2,
        &v2.hash(),
        &pid("fr-ngo-refuge"),
        &key(3),
        t0(),
    ))
    .unwrap();
    assert_eq!(s.in_force().unwrap().doc.version, 2);
}

#[test]
fn a_new_proposal_withdraws_a_pending_one() {
    let doc = example::agreement("fr-ncc:agr:channel", 2);
    let mut s = AgreementState::start(&AgreementEvent::propose(&doc, t0())).unwrap();
    s.apply(&AgreementEvent::sign(
        1,
        &doc.hash(),
        &pid("fr-ncc"),
        &key(1),
        t0(),
    ))
    .unwrap();
    let v2 = amendment(&s);
    s.apply(&AgreementEvent::propose(&v2, t0())).unwrap();
    assert_eq!(s.version(1).unwrap().status, VersionStatus::Withdrawn);
    // The signature fr-ncc gave version 1 does not carry over.
    assert_eq!(s.pending().unwrap().missing().len(), 2);
    assert!(matches!(
        s.apply(&AgreementEvent::sign(
            1,
            &doc.hash(),
            &pid("be-ncc"),
            &key(2),
            t0()
        )),
        Err(LifecycleError::NotPending {
            status: VersionStatus::Withdrawn,
            ..
        })
    ));
}

#[test]
fn suspension_resumption_and_termination() {
    let mut s = example::in_force("fr-ncc:agr:channel", 2);
    // Resume before suspend; suspend by a stranger or with a bad signature.
    assert_eq!(
        s.apply(&AgreementEvent::Resumed {
            notice: notice(&s, NoticeAct::Resume, "fr-ncc", 1)
        }),
        Err(LifecycleError::NotSuspended)
    );
    assert!(matches!(
        s.apply(&AgreementEvent::Suspended {
            notice: notice(&s, NoticeAct::Suspend, "fr-ngo-refuge", 3)
        }),
        Err(LifecycleError::NotAParty(_))
    ));
    assert!(matches!(
        s.apply(&AgreementEvent::Suspended {
            notice: notice(&s, NoticeAct::Suspend, "be-ncc", 1)
        }),
        Err(LifecycleError::BadNotice { .. })
    ));
    assert!(matches!(
        s.apply(&AgreementEvent::Suspended {
            notice: notice(&s, NoticeAct::Terminate, "be-ncc", 2)
        }),
        Err(LifecycleError::NoticeMismatch { .. })
    ));
    // A notice's signature covers its reason too.
    let mut n = notice(&s, NoticeAct::Suspend, "be-ncc", 2);
    n.reason = "something else".into();
    assert!(matches!(
        s.apply(&AgreementEvent::Suspended { notice: n }),
        Err(LifecycleError::BadNotice { .. })
    ));

    s.apply(&AgreementEvent::Suspended {
        notice: notice(&s, NoticeAct::Suspend, "be-ncc", 2),
    })
    .unwrap();
    assert_eq!(s.status(), Status::Suspended);
    let d = decide(std::slice::from_ref(&s), &suspects());
    assert!(!d.is_allowed());
    assert!(d.to_string().contains("suspended by be-ncc"), "{d}");
    assert!(matches!(
        s.apply(&AgreementEvent::Suspended {
            notice: notice(&s, NoticeAct::Suspend, "fr-ncc", 1)
        }),
        Err(LifecycleError::AlreadySuspended(_))
    ));
    assert!(matches!(
        s.apply(&AgreementEvent::Resumed {
            notice: notice(&s, NoticeAct::Resume, "fr-ncc", 1)
        }),
        Err(LifecycleError::NotTheSuspender { .. })
    ));
    s.apply(&AgreementEvent::Resumed {
        notice: notice(&s, NoticeAct::Resume, "be-ncc", 2),
    })
    .unwrap();
    assert!(decide(std::slice::from_ref(&s), &suspects()).is_allowed());

    s.apply(&AgreementEvent::Terminated {
        notice: notice(&s, NoticeAct::Terminate, "fr-ncc", 1),
    })
    .unwrap();
    assert_eq!(s.status(), Status::Terminated);
    assert!(!decide(std::slice::from_ref(&s), &suspects()).is_allowed());
    let v2 = amendment(&s);
    assert_eq!(
        s.apply(&AgreementEvent::propose(&v2, t0())),
        Err(LifecycleError::Terminated(s.id.clone()))
    );
}

#[test]
fn a_draft_cannot_be_suspended_but_can_be_abandoned() {
    let doc = example::agreement("fr-ncc:agr:channel", 2);
    let mut s = AgreementState::start(&AgreementEvent::propose(&doc, t0())).unwrap();
    assert_eq!(
        s.apply(&AgreementEvent::Suspended {
            notice: notice(&s, NoticeAct::Suspend, "fr-ncc", 1)
        }),
        Err(LifecycleError::NotInForce)
    );
    s.apply(&AgreementEvent::Terminated {
        notice: notice(&s, NoticeAct::Terminate, "fr-ncc", 1),
    })
    .unwrap();
    assert_eq!(s.status(), Status::Terminated);
}

#[test]
fn events_round_trip_through_json() {
    let s = example::in_force("fr-ncc:agr:channel", 2);
    let mut events = example::in_force_events(&example::agreement("fr-ncc:agr:channel", 2));
    events.push(AgreementEvent::Suspended {
        notice: notice(&s, NoticeAct::Suspend, "fr-ncc", 1),
    });
    for e in &events {
        let text = serde_json::to_string(e).unwrap();
        let back: AgreementEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, e);
    }
    assert_eq!(
        AgreementState::replay(&events).unwrap().status(),
        Status::Suspended
    );
}

// ---------------------------------------------------------------------------------
// Decisions

#[test]
fn decisions_name_the_clause_or_the_reason() {
    let s = example::in_force("fr-ncc:agr:channel", 3);
    let all = std::slice::from_ref(&s);
    // Protection clause, to the NGO.
    let referral = request(
        "fr-ncc",
        "fr-ngo-refuge",
        DataCategory::VictimPersonalData,
        HandlingCode::H2,
        Tlp::Red,
        Purpose::Protection,
    );
    assert_eq!(
        decide(all, &referral).to_string(),
        "allowed by fr-ncc:agr:channel version 1, clause 3.2"
    );
    // Migrants' data for an investigation: never.
    let misuse = SharingRequest {
        category: DataCategory::MigrantPersonalData,
        ..suspects()
    };
    assert_eq!(
        decide(all, &misuse).to_string(),
        "denied: migrant_personal_data may be shared for protection only, not for investigation"
    );
    // Suspects' data to the NGO: no clause runs there.
    let to_ngo = SharingRequest {
        recipient: pid("fr-ngo-refuge"),
        ..suspects()
    };
    let d = decide(all, &to_ngo);
    assert_eq!(
        d.to_string(),
        "denied: no clause of fr-ncc:agr:channel version 1 covers it; the closest, 3.1, is not from this provider to this recipient"
    );
    // TLP:RED for suspects is not in the terms; H3 not either.
    let red_h3 = SharingRequest {
        tlp: Tlp::Red,
        handling: HandlingCode::H3,
        ..suspects()
    };
    assert!(matches!(
        decide(all, &red_h3),
        Decision::Denied { why: Denial::NotCovered { gaps, .. } } if gaps == vec![Gap::Handling(HandlingCode::H3), Gap::Tlp(Tlp::Red)]
    ));
    // No agreement with a stranger; no exchange with oneself.
    let stranger = SharingRequest {
        recipient: pid("uk-ncc"),
        ..suspects()
    };
    assert_eq!(
        decide(all, &stranger).to_string(),
        "denied: no agreement between fr-ncc and uk-ncc"
    );
    let me = SharingRequest {
        recipient: pid("fr-ncc"),
        ..suspects()
    };
    assert!(matches!(
        decide(all, &me),
        Decision::Denied {
            why: Denial::SameParty
        }
    ));
    // Nothing at all: denied.
    assert!(!decide(&[], &suspects()).is_allowed());
    // The decision serialises for the audit trail.
    let v = serde_json::to_value(decide(all, &suspects())).unwrap();
    assert_eq!(v["decision"], "allowed");
    assert_eq!(v["clause"], "3.1");
    assert_eq!(v["agreement"]["version"], 1);
}

#[test]
fn validity_dates_bound_sharing() {
    let mut doc = example::agreement("fr-ncc:agr:channel", 2);
    doc.valid_from = Some(chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap());
    doc.valid_until = Some(chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
    let s = AgreementState::replay(&example::in_force_events(&doc)).unwrap();
    let all = std::slice::from_ref(&s);
    let at = |y, m, d| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, y, m, d, 12, 0, 0).unwrap();
    let early = SharingRequest {
        at: at(2025, 3, 31),
        ..suspects()
    };
    assert!(decide(all, &early)
        .to_string()
        .contains("applies from 2025-04-01"));
    for (y, m, d) in [(2025, 4, 1), (2025, 12, 31)] {
        assert!(decide(
            all,
            &SharingRequest {
                at: at(y, m, d),
                ..suspects()
            }
        )
        .is_allowed());
    }
    let late = SharingRequest {
        at: at(2026, 1, 1),
        ..suspects()
    };
    assert!(decide(all, &late)
        .to_string()
        .contains("expired after 2025-12-31"));
}

// ---------------------------------------------------------------------------------
// Properties

const PARTIES: [&str; 4] = ["fr-ncc", "be-ncc", "fr-ngo-refuge", "nl-ncc"];

fn party_key(i: usize) -> SecretKey {
    key(i as u8 + 1)
}

/// A random valid agreement among 2-4 of the fixed parties.
fn arb_agreement(id: String) -> impl Strategy<Value = Agreement> {
    (
        proptest::sample::subsequence((0..PARTIES.len()).collect::<Vec<_>>(), 2..=4),
        proptest::collection::vec(arb_clause_parts(), 1..4),
    )
        .prop_map(move |(members, clauses)| {
            let mut doc = example::agreement("fr-ncc:agr:x", 2);
            doc.id = AgreementId::parse(&id).unwrap();
            doc.parties = members
                .iter()
                .map(|&i| Party {
                    id: pid(PARTIES[i]),
                    name: PARTIES[i].into(),
                    kind: PartyKind::Centre,
                    country: "fr".into(),
                    public_key: party_key(i).public(),
                })
                .collect();
            let ids: Vec<PartyId> = doc.parties.iter().map(|p| p.id.clone()).collect();
            doc.contact_points = ids
                .iter()
                .map(|p| document::ContactPoint {
                    party: p.clone(),
                    role: "exchange".into(),
                    position: Some("duty officer".into()),
                    person: None,
                    reach: None,
                })
                .collect();
            doc.responsibilities = ids
                .iter()
                .map(|p| document::Responsibility {
                    party: p.clone(),
                    duties: vec!["answer".into()],
                })
                .collect();
            doc.clauses = clauses
                .into_iter()
                .enumerate()
                .map(|(n, (from, to, cats, handling, tlp, purposes))| {
                    let pick = |mask: u8| -> Vec<PartyId> {
                        let v: Vec<PartyId> = ids
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, p)| p.clone())
                            .collect();
                        if v.is_empty() {
                            ids.clone()
                        } else {
                            v
                        }
                    };
                    let protection = cats.iter().any(|c: &DataCategory| c.protection_only());
                    let (from, mut to) = (pick(from), pick(to));
                    if from.len() == 1 && from == to {
                        to = ids.clone(); // a party does not exchange with itself
                    }
                    Clause {
                        id: ClauseId::parse(&format!("c{n}")).unwrap(),
                        title: "clause".into(),
                        from,
                        to,
                        categories: cats,
                        handling,
                        tlp,
                        purposes: if protection {
                            vec![Purpose::Protection]
                        } else {
                            purposes
                        },
                        conditions: None,
                    }
                })
                .collect();
            doc
        })
}

type ClauseParts = (
    u8,
    u8,
    Vec<DataCategory>,
    Vec<HandlingCode>,
    Vec<Tlp>,
    Vec<Purpose>,
);

fn arb_clause_parts() -> impl Strategy<Value = ClauseParts> {
    (
        any::<u8>(),
        any::<u8>(),
        proptest::sample::subsequence(DataCategory::ALL.to_vec(), 1..=4),
        proptest::sample::subsequence(HandlingCode::ALL.to_vec(), 1..=4),
        proptest::sample::subsequence(Tlp::ALL.to_vec(), 1..=5),
        proptest::sample::subsequence(Purpose::ALL.to_vec(), 1..=5),
    )
}

fn arb_request() -> impl Strategy<Value = SharingRequest> {
    (
        0..PARTIES.len(),
        0..PARTIES.len(),
        proptest::sample::select(DataCategory::ALL.to_vec()),
        proptest::sample::select(HandlingCode::ALL.to_vec()),
        proptest::sample::select(Tlp::ALL.to_vec()),
        proptest::sample::select(Purpose::ALL.to_vec()),
    )
        .prop_map(|(p, r, category, handling, tlp, purpose)| SharingRequest {
            provider: pid(PARTIES[p]),
            recipient: pid(PARTIES[r]),
            category,
            handling,
            tlp,
            purpose,
            at: t0(),
        })
}

/// What happens to an agreement after its proposal.
#[derive(Clone, Debug)]
struct Life {
    /// How many of its parties sign (in order).
    signers: usize,
    suspend: bool,
    terminate: bool,
}

fn arb_life() -> impl Strategy<Value = Life> {
    (0usize..=4, any::<bool>(), any::<bool>()).prop_map(|(signers, suspend, terminate)| Life {
        signers,
        suspend,
        terminate,
    })
}

/// Applies a life to a document, keeping the raw events for the reference check.
fn live(doc: &Agreement, life: &Life) -> (AgreementState, Vec<AgreementEvent>) {
    let mut events = vec![AgreementEvent::propose(doc, t0())];
    let hash = doc.hash();
    for p in doc.parties.iter().take(life.signers) {
        let i = PARTIES.iter().position(|x| *x == p.id.as_str()).unwrap();
        events.push(AgreementEvent::sign(1, &hash, &p.id, &party_key(i), t0()));
    }
    let mut s = AgreementState::start(&events[0]).unwrap();
    for e in &events[1..] {
        s.apply(e).unwrap();
    }
    let first = &doc.parties[0];
    let k = party_key(
        PARTIES
            .iter()
            .position(|x| *x == first.id.as_str())
            .unwrap(),
    );
    for (wanted, act) in [
        (life.suspend, NoticeAct::Suspend),
        (life.terminate, NoticeAct::Terminate),
    ] {
        if !wanted {
            continue;
        }
        let n = Notice::signed(&s.id, act, &first.id, "p", t0(), &k);
        let e = match act {
            NoticeAct::Suspend => AgreementEvent::Suspended { notice: n },
            _ => AgreementEvent::Terminated { notice: n },
        };
        if s.apply(&e).is_ok() {
            events.push(e);
        }
    }
    (s, events)
}

/// The reference: does this raw log put a version in force, unsuspended, untermin-
/// ated, and does clause `clause` of it cover `r`? Written independently of the state
/// machine: it verifies signatures itself, straight from the events.
fn reference_allows(
    events: &[AgreementEvent],
    clause: Option<&ClauseId>,
    r: &SharingRequest,
) -> bool {
    let AgreementEvent::Proposed { text, hash, .. } = &events[0] else {
        return false;
    };
    let doc: Agreement = serde_json::from_str(text).unwrap();
    if document::text_hash(text) != *hash {
        return false;
    }
    let all_signed = doc.parties.iter().all(|p| {
        events.iter().any(|e| match e {
            AgreementEvent::Signed {
                version: 1,
                party,
                signature,
                ..
            } => {
                party == &p.id
                    && p.public_key
                        .verify(&lifecycle::signature_message(hash), signature)
            }
            _ => false,
        })
    });
    let stopped = events.iter().any(|e| {
        matches!(
            e,
            AgreementEvent::Suspended { .. } | AgreementEvent::Terminated { .. }
        )
    });
    let protection_ok = !r.category.protection_only() || r.purpose == Purpose::Protection;
    all_signed
        && !stopped
        && protection_ok
        && r.provider != r.recipient
        && doc.clauses.iter().any(|c| {
            clause.is_none_or(|id| &c.id == id)
                && c.from.contains(&r.provider)
                && c.to.contains(&r.recipient)
                && c.categories.contains(&r.category)
                && c.handling.contains(&r.handling)
                && c.tlp.contains(&r.tlp)
                && c.purposes.contains(&r.purpose)
        })
}

fn arb_world() -> impl Strategy<Value = Vec<(Agreement, Life)>> {
    proptest::collection::vec(arb_life(), 1..4).prop_flat_map(|lives| {
        lives
            .into_iter()
            .enumerate()
            .map(|(i, life)| (arb_agreement(format!("fr-ncc:agr:a{i}")), Just(life)))
            .collect::<Vec<_>>()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// No decision allows without an agreement in force (every party signed the same
    /// hash; not suspended or terminated) whose cited clause covers every dimension —
    /// and every request such an agreement covers is allowed.
    #[test]
    fn allowed_exactly_when_an_agreement_in_force_covers_every_dimension(
        world in arb_world(),
        requests in proptest::collection::vec(arb_request(), 1..20),
    ) {
        let lived: Vec<(AgreementState, Vec<AgreementEvent>)> =
            world.iter().map(|(doc, life)| live(doc, life)).collect();
        let states: Vec<AgreementState> = lived.iter().map(|(s, _)| s.clone()).collect();
        for r in &requests {
            let d = decide(&states, r);
            match &d {
                Decision::Allowed { agreement, clause } => {
                    let (_, events) = lived.iter().find(|(s, _)| s.id == agreement.id).unwrap();
                    prop_assert!(reference_allows(events, Some(clause), r), "{d} for {r:?}");
                    prop_assert_eq!(agreement.version, 1);
                }
                Decision::Denied { .. } => {
                    for (_, events) in &lived {
                        prop_assert!(!reference_allows(events, None, r), "{d} but an agreement covers {r:?}");
                    }
                }
            }
        }
    }

    /// Suspension stops sharing at once: after it, no decision cites the suspended
    /// agreement, and what only it covered is denied.
    #[test]
    fn suspension_stops_sharing_at_once(
        doc in arb_agreement("fr-ncc:agr:s".into()),
        others in arb_world(),
        requests in proptest::collection::vec(arb_request(), 1..20),
        by in 0usize..4,
    ) {
        let everyone = Life { signers: 4, suspend: false, terminate: false };
        let (mut s, _) = live(&doc, &everyone);
        prop_assert_eq!(s.status(), Status::InForce);
        let rest: Vec<AgreementState> = others.iter().map(|(d, l)| live(d, l).0).collect();
        let party = &doc.parties[by % doc.parties.len()];
        let k = party_key(PARTIES.iter().position(|x| *x == party.id.as_str()).unwrap());
        s.apply(&AgreementEvent::Suspended {
            notice: Notice::signed(&s.id, NoticeAct::Suspend, &party.id, "incident", t0(), &k),
        }).unwrap();
        let mut all = rest.clone();
        all.push(s.clone());
        for r in &requests {
            let d = decide(&all, r);
            prop_assert!(d.agreement().is_none_or(|a| a.id != s.id), "{d}");
            prop_assert_eq!(d.is_allowed(), decide(&rest, r).is_allowed());
        }
    }

    /// Signatures over a different text never count: every party signing a changed
    /// text leaves the original not in force, whether the signature claims the
    /// original's hash or the other text's.
    #[test]
    fn signatures_over_a_different_text_never_count(
        doc in arb_agreement("fr-ncc:agr:t".into()),
        change in 0usize..4,
        requests in proptest::collection::vec(arb_request(), 1..10),
    ) {
        let mut other = doc.clone();
        match change {
            0 => other.purpose.push('.'),
            1 => other.clauses[0].tlp = Tlp::ALL.to_vec(),
            2 => other.retention.max_days += 1,
            _ => other.parties[0].name.push_str(" (amended)"),
        }
        prop_assume!(other.hash() != doc.hash());
        let mut s = AgreementState::start(&AgreementEvent::propose(&doc, t0())).unwrap();
        for p in &doc.parties {
            let i = PARTIES.iter().position(|x| *x == p.id.as_str()).unwrap();
            let sig = sign_hash(&other.hash(), &party_key(i));
            for claimed in [doc.hash(), other.hash()] {
                let e = AgreementEvent::Signed {
                    version: 1,
                    hash: claimed,
                    party: p.id.clone(),
                    signature: sig.clone(),
                    at: t0(),
                };
                prop_assert!(s.apply(&e).is_err());
            }
        }
        prop_assert_eq!(s.status(), Status::Draft);
        prop_assert!(s.latest().signatures.is_empty());
        for r in &requests {
            prop_assert!(!decide(std::slice::from_ref(&s), r).is_allowed());
        }
    }
}
