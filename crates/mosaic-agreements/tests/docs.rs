//! The worked example in docs/agreements.md is real: the TOML block is a valid agreement
//! whose hash is the one printed, the three parties' signatures bring it into force, and
//! every decision in the table is what `decide` says.

use chrono::{TimeZone, Utc};

use mosaic_agreements::example::key;
use mosaic_agreements::{
    decide, Agreement, AgreementEvent, AgreementState, DataCategory, Notice, NoticeAct, PartyId,
    Purpose, SharingRequest, Status,
};
use mosaic_model::{HandlingCode, Tlp};

const DOC: &str = include_str!("../../../docs/agreements.md");

fn toml_block() -> &'static str {
    let blocks: Vec<&str> = DOC
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 1, "one TOML example");
    blocks[0]
}

/// The rows of the decision table: (request, expected decision).
fn table() -> Vec<(SharingRequest, String)> {
    DOC.lines()
        .filter(|l| l.contains(" | allowed") || l.contains(" | denied"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            let (parties, rest) = cells[0].split_once(", ").unwrap();
            let (from, to) = parties.split_once(" → ").unwrap();
            let f: Vec<&str> = rest.split(", ").collect();
            let req = SharingRequest {
                provider: PartyId::parse(from).unwrap(),
                recipient: PartyId::parse(to).unwrap(),
                category: DataCategory::parse(f[0]).unwrap(),
                handling: HandlingCode::parse(f[1]).unwrap(),
                tlp: Tlp::parse(f[2]).unwrap(),
                purpose: Purpose::parse(f[3]).unwrap(),
                at: Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap(),
            };
            (req, cells[1].to_owned())
        })
        .collect()
}

#[test]
fn the_worked_example_is_real() {
    let doc = Agreement::from_toml(toml_block()).expect("the example is a valid agreement");
    assert_eq!(doc.parties.len(), 3);
    let printed = DOC
        .split("what the three parties sign — is\n`")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .expect("the doc prints the hash");
    assert_eq!(
        doc.hash(),
        printed,
        "docs/agreements.md prints the wrong hash"
    );

    let mut s = AgreementState::start(&AgreementEvent::propose(&doc, Utc::now())).unwrap();
    for (i, p) in doc.parties.iter().enumerate() {
        assert_eq!(s.status(), Status::Draft);
        let e = AgreementEvent::sign(1, &doc.hash(), &p.id, &key(i as u8 + 1), Utc::now());
        s.apply(&e).unwrap();
    }
    assert_eq!(s.status(), Status::InForce);

    let rows = table();
    assert_eq!(rows.len(), 5);
    for (req, want) in &rows {
        assert_eq!(&decide(std::slice::from_ref(&s), req).to_string(), want);
    }

    let n = Notice::signed(
        &s.id,
        NoticeAct::Suspend,
        &PartyId::parse("be-ncc").unwrap(),
        "leak under investigation",
        Utc::now(),
        &key(2),
    );
    s.apply(&AgreementEvent::Suspended { notice: n }).unwrap();
    for (i, (req, _)) in rows.iter().enumerate() {
        let d = decide(std::slice::from_ref(&s), req);
        assert!(!d.is_allowed());
        if i == 0 {
            assert!(d.to_string().starts_with(
                "denied: agreement fr-ncc:agr:channel-2025 is not in force: suspended by be-ncc"
            ));
        }
    }
}
