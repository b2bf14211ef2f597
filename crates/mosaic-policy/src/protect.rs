//! Protection of smuggled migrants and victims (DESIGN §4.3), decided by the Cedar
//! policies (`see_person`, `see_personal_data`, `label_suspect`) and applied to the
//! statements and reports a view is built from.
//!
//! - a smuggled migrant or victim is never labelled or listed as a suspect: suspect-role
//!   statements about a protected person are dropped from views;
//! - protected persons' personal data ([`PERSONAL_DATA`]) are replaced by a stable keyed
//!   pseudonym (HMAC-SHA-256 under the centre's key) unless the caller's purpose is
//!   protection and their role allows it (NGO caseworker with a referral);
//! - an asylum applicant who fled country X is never shown to a user of an agency of X;
//! - children and victims of trafficking are flagged.

use std::collections::BTreeSet;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use mosaic_model::report::ROLE_PROP;
use mosaic_model::{PersonRole, Report, Schema};
use mosaic_store::StoredStatement;

use crate::engine::{decide_person, PersonFacts};
use crate::Principal;

/// Person properties that are personal data, pseudonymised for protected persons.
pub const PERSONAL_DATA: &[&str] = &[
    "name",
    "firstName",
    "lastName",
    "alias",
    "birthDate",
    "birthPlace",
    "idNumber",
    "phone",
    "email",
    "address",
    "notes",
];

/// Flags a view carries for a person.
pub const FLAG_CHILD: &str = "child";
pub const FLAG_VICTIM_OF_TRAFFICKING: &str = "victim_of_trafficking";
pub const FLAG_PROTECTED: &str = "protected_person";
pub const FLAG_PSEUDONYMISED: &str = "pseudonymised";

/// The centre's pseudonymisation key. Never logged.
#[derive(Clone)]
pub struct PseudonymKey([u8; 32]);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(…)")
    }
}

impl PseudonymKey {
    pub fn from_bytes(b: [u8; 32]) -> PseudonymKey {
        PseudonymKey(b)
    }

    /// A fresh random key.
    pub fn random() -> PseudonymKey {
        use rand::RngCore;
        let mut b = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut b);
        PseudonymKey(b)
    }

    /// Reads `<dir>/pseudonym.key` (64 hex digits), creating it on first use, so
    /// pseudonyms stay stable across restarts.
    pub fn load_or_create(dir: &Path) -> std::io::Result<PseudonymKey> {
        let path = dir.join("pseudonym.key");
        if let Ok(s) = std::fs::read_to_string(&path) {
            let bytes = hex::decode(s.trim())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} is not 64 hex digits", path.display()),
                    )
                })?;
            return Ok(PseudonymKey(bytes));
        }
        std::fs::create_dir_all(dir)?;
        let k = PseudonymKey::random();
        std::fs::write(&path, hex::encode(k.0))?;
        Ok(k)
    }

    /// The stable pseudonym of one value of one property of one entity:
    /// `pseud:<first 16 hex digits of HMAC-SHA-256(key, entity ‖ prop ‖ value)>`.
    pub fn pseudonym(&self, entity: &str, prop: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        for part in [entity, prop, value] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        let out = mac.finalize().into_bytes();
        format!("pseud:{}", &hex::encode(out)[..16])
    }
}

/// Who is looking, and why.
pub struct Viewer<'a> {
    pub principal: &'a Principal,
    /// Country of the caller's agency (lowercase ISO code), for the asylum rule.
    pub country: Option<&'a str>,
    /// The stated purpose; `protection` releases protected persons' data to roles allowed.
    pub purpose: &'a str,
    /// The caller holds a referral for this person (NGO protection work).
    pub referral: bool,
    pub key: &'a PseudonymKey,
}

/// What the rules say about showing one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonVerdict {
    /// The person must not be shown at all (asylum rule).
    pub hidden: bool,
    /// Personal data are to be pseudonymised.
    pub pseudonymise: bool,
    /// Suspect roles must not be shown.
    pub never_suspect: bool,
    pub flags: Vec<&'static str>,
}

/// Facts about a person from `(prop, value)` pairs (statements or report properties and
/// roles).
pub fn facts<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> PersonFacts {
    let mut f = PersonFacts::default();
    let mut asylum = false;
    let mut fled = BTreeSet::new();
    for (prop, value) in pairs {
        match prop {
            ROLE_PROP => {
                if let Ok(r) = PersonRole::parse(value) {
                    if r.is_protected() {
                        f.protected = true;
                        f.smuggled_migrant = true;
                    }
                    if r == PersonRole::VictimOfTrafficking {
                        f.victim_of_trafficking = true;
                    }
                }
            }
            "child" if value.eq_ignore_ascii_case("true") => f.child = true,
            "asylumApplicant" if value.eq_ignore_ascii_case("true") => asylum = true,
            "fledFrom" => {
                fled.insert(value.to_ascii_lowercase());
            }
            _ => {}
        }
    }
    if asylum {
        f.fled_from = fled.into_iter().collect();
        // an asylum applicant is a protected person too
        f.protected = true;
    }
    f
}

/// The rules applied to one person for one viewer.
pub fn judge(viewer: &Viewer<'_>, f: &PersonFacts) -> PersonVerdict {
    let see = decide_person(
        viewer.principal,
        viewer.country,
        "see_person",
        f,
        viewer.purpose,
        viewer.referral,
    );
    let data = decide_person(
        viewer.principal,
        viewer.country,
        "see_personal_data",
        f,
        viewer.purpose,
        viewer.referral,
    );
    let suspect = decide_person(
        viewer.principal,
        viewer.country,
        "label_suspect",
        f,
        viewer.purpose,
        viewer.referral,
    );
    let mut flags = Vec::new();
    if f.child {
        flags.push(FLAG_CHILD);
    }
    if f.victim_of_trafficking {
        flags.push(FLAG_VICTIM_OF_TRAFFICKING);
    }
    if f.protected {
        flags.push(FLAG_PROTECTED);
    }
    if !data.allowed {
        flags.push(FLAG_PSEUDONYMISED);
    }
    PersonVerdict {
        hidden: !see.allowed,
        pseudonymise: !data.allowed,
        never_suspect: !suspect.allowed,
        flags,
    }
}

fn is_suspect_role(prop: &str, value: &str) -> bool {
    prop == ROLE_PROP && PersonRole::parse(value).is_ok_and(|r| r.is_suspect())
}

/// Applies the rules to the statements of one entity. Returns `None` when the entity
/// must not be shown at all, else the statements to show (suspect roles dropped, personal
/// data pseudonymised as decided) and the flags.
pub fn protect_statements(
    viewer: &Viewer<'_>,
    entity: &str,
    st: Vec<StoredStatement>,
) -> Option<(Vec<StoredStatement>, Vec<&'static str>)> {
    if !st.iter().any(|s| s.schema == Schema::Person) {
        return Some((st, Vec::new()));
    }
    let f = facts(st.iter().map(|s| (s.prop.as_str(), s.value.as_str())));
    let v = judge(viewer, &f);
    if v.hidden {
        return None;
    }
    let out = st
        .into_iter()
        .filter(|s| !(v.never_suspect && is_suspect_role(&s.prop, &s.value)))
        .map(|mut s| {
            if v.pseudonymise && PERSONAL_DATA.contains(&s.prop.as_str()) {
                s.value = viewer.key.pseudonym(entity, &s.prop, &s.value);
            }
            s
        })
        .collect();
    Some((out, v.flags))
}

/// Applies the rules to one report: persons hidden by the asylum rule are removed with
/// their roles and any reference to them; protected persons lose suspect roles and have
/// their personal data pseudonymised. Returns the report and, per entity key, its flags.
pub fn protect_report(
    viewer: &Viewer<'_>,
    mut r: Report,
) -> (Report, Vec<(String, Vec<&'static str>)>) {
    let mut hidden = BTreeSet::new();
    let mut flags = Vec::new();
    let mut verdicts = Vec::new();
    for m in &r.entities {
        if m.schema != Schema::Person {
            continue;
        }
        let roles: Vec<(&str, &str)> = r
            .roles
            .iter()
            .filter(|x| x.entity == m.key)
            .map(|x| (ROLE_PROP, x.role.as_str()))
            .collect();
        let f = facts(
            m.properties
                .iter()
                .flat_map(|(p, vs)| vs.iter().map(move |v| (p.as_str(), v.as_str())))
                .chain(roles),
        );
        let v = judge(viewer, &f);
        if v.hidden {
            hidden.insert(m.key.clone());
        } else {
            if !v.flags.is_empty() {
                flags.push((m.key.clone(), v.flags.clone()));
            }
            verdicts.push((m.key.clone(), r.entity_id(m).to_string(), v));
        }
    }
    r.entities.retain(|m| !hidden.contains(&m.key));
    r.roles.retain(|x| !hidden.contains(&x.entity));
    for m in &mut r.entities {
        for vs in m.properties.values_mut() {
            vs.retain(|v| !hidden.contains(v));
        }
        m.properties.retain(|_, vs| !vs.is_empty());
    }
    for (key, eid, v) in &verdicts {
        if v.never_suspect {
            r.roles
                .retain(|x| !(x.entity == *key && x.role.is_suspect()));
        }
        if v.pseudonymise {
            if let Some(m) = r.entities.iter_mut().find(|m| &m.key == key) {
                for (p, vs) in m.properties.iter_mut() {
                    if PERSONAL_DATA.contains(&p.as_str()) {
                        for x in vs.iter_mut() {
                            *x = viewer.key.pseudonym(eid, p, x);
                        }
                    }
                }
            }
        }
    }
    if !hidden.is_empty() || verdicts.iter().any(|(_, _, v)| v.pseudonymise) {
        // free text may name a protected person: not released in analysis views
        if r.narrative.is_some() && (!hidden.is_empty() || viewer.purpose != "protection") {
            let any_protected =
                !hidden.is_empty() || verdicts.iter().any(|(_, _, v)| v.pseudonymise);
            if any_protected {
                r.narrative = Some("[withheld: mentions a protected person]".into());
            }
        }
    }
    (r, flags)
}
