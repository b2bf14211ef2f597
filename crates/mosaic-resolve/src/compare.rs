//! Pairwise comparison: for persons, a comparison vector (one level per feature) that the
//! Fellegi–Sunter model weighs; for things with identifiers (phones, vehicles, accounts,
//! documents, vessels, organisations), a rule on shared and conflicting keys.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::key::{KeyKind, Normalized};
use crate::name::NameForm;
use crate::record::{PartialDate, Record};

/// A comparison feature with its ordered levels (level 0 = strongest agreement).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Feature {
    pub name: &'static str,
    pub levels: &'static [&'static str],
}

/// The features persons are compared on.
pub const PERSON_FEATURES: &[Feature] = &[
    Feature {
        name: "name",
        levels: &[
            "same name",
            "same name, other spelling or order",
            "same names, one side has more (e.g. father's name)",
            "partly similar",
            "different",
        ],
    },
    Feature {
        name: "birth date",
        levels: &[
            "same date",
            "same year (one side partial, or 1 January)",
            "day and month swapped, or year one off",
            "different",
        ],
    },
    Feature {
        name: "identity document",
        levels: &["shared document number", "different documents"],
    },
    Feature {
        name: "phone, email or account",
        levels: &["shared", "none shared"],
    },
    Feature {
        name: "nationality",
        levels: &["same", "different"],
    },
    Feature {
        name: "gender",
        levels: &["same", "different"],
    },
];

/// A comparison vector: one level per feature, `None` where a side lacks the data.
pub type Gamma = [Option<u8>; 6];

/// Jaro–Winkler above which two name tokens count as the same token typed differently.
pub(crate) const TOKEN_SIM: f64 = 0.88;

fn token_sim(a: &NameForm, i: usize, b: &NameForm, j: usize) -> f64 {
    token_pair_sim(&a.tokens[i], &a.skeletons[i], &b.tokens[j], &b.skeletons[j])
}

/// Similarity of two name tokens given with their skeletons: 1 the same, 0.97 the same
/// skeleton (when that is evidence), else Jaro–Winkler.
pub fn token_pair_sim(a: &str, a_skel: &str, b: &str, b_skel: &str) -> f64 {
    if a == b {
        1.0
    } else if a_skel == b_skel && skeleton_counts(a, b, a_skel) {
        0.97
    } else {
        strsim::jaro_winkler(a, b)
    }
}

/// Whether equal skeletons are evidence: a two-consonant skeleton is shared by too many
/// short names (`Aso`, `Isa`), so it counts only for tokens of four letters or more, or
/// with the same initial (`Ali`, `Aly`).
fn skeleton_counts(a: &str, b: &str, skel: &str) -> bool {
    skel.len() >= 3
        || (skel.len() == 2 && (a.len().min(b.len()) >= 4 || a.as_bytes()[0] == b.as_bytes()[0]))
}

/// Name level of two written names (0 best … 4 different) and a similarity in 0..=1.
pub fn name_level(a: &NameForm, b: &NameForm) -> (u8, f64) {
    if a.is_empty() || b.is_empty() {
        return (4, 0.0);
    }
    if a.key_str() == b.key_str() {
        return (0, 1.0);
    }
    let (s, l) = if a.tokens.len() <= b.tokens.len() {
        (a, b)
    } else {
        (b, a)
    };
    assign_tokens(s.tokens.len(), l.tokens.len(), |i, j| token_sim(s, i, l, j))
}

/// The name level of a shorter name of `ns` tokens against a longer one of `nl`, given
/// the similarity of each pair of their tokens: greedy best-first assignment of the
/// shorter name's tokens. Names have a handful of tokens (at most `MAX_TOKENS`), so the
/// used sets are bit masks and the candidate list lives in a per-thread buffer: this
/// runs for millions of pairs.
pub fn assign_tokens(ns: usize, nl: usize, mut sim: impl FnMut(usize, usize) -> f64) -> (u8, f64) {
    CAND.with(|cand| {
        let mut cand = cand.borrow_mut();
        cand.clear();
        for i in 0..ns {
            for j in 0..nl {
                cand.push((sim(i, j), i as u8, j as u8));
            }
        }
        cand.sort_by(|x, y| y.0.total_cmp(&x.0));
        let (mut used_s, mut used_l) = (0u64, 0u64);
        let (mut matched, mut total) = (0usize, 0.0);
        for &(sim, i, j) in cand.iter() {
            let (bi, bj) = (1u64 << i, 1u64 << j);
            if used_s & bi != 0 || used_l & bj != 0 {
                continue;
            }
            used_s |= bi;
            used_l |= bj;
            total += sim;
            if sim >= TOKEN_SIM {
                matched += 1;
            }
        }
        level_of(ns, nl, matched, total)
    })
}

/// [`assign_tokens`]'s level given only the token pairs whose similarity reaches
/// [`TOKEN_SIM`], as `(similarity, shorter's token, longer's token)` in the order
/// `assign_tokens` lists pairs (shorter's token, then longer's). The greedy assignment
/// takes pairs best first, so these are all taken before any other, in the same order
/// (the sort is stable), and the others never count as matched: the level is the same.
pub(crate) fn level_of_close(ns: usize, nl: usize, close: &mut [(f64, u8, u8)]) -> u8 {
    close.sort_by(|x, y| y.0.total_cmp(&x.0));
    let (mut used_s, mut used_l) = (0u64, 0u64);
    let mut matched = 0;
    for &(_, i, j) in close.iter() {
        let (bi, bj) = (1u64 << i, 1u64 << j);
        if used_s & bi == 0 && used_l & bj == 0 {
            used_s |= bi;
            used_l |= bj;
            matched += 1;
        }
    }
    level_of(ns, nl, matched, 0.0).0
}

thread_local! {
    static CAND: std::cell::RefCell<Vec<(f64, u8, u8)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The name level from the assignment: `matched` of the shorter name's `ns` tokens
/// matched a token of the longer name's `nl`, with similarities summing to `total`.
fn level_of(ns: usize, nl: usize, matched: usize, total: f64) -> (u8, f64) {
    let sim = total / nl as f64;
    let level = if matched == ns && ns == nl {
        1
    } else if matched == ns && ns >= 2 {
        2
    } else if matched >= 1 && matched * 2 >= ns {
        3
    } else {
        4
    };
    (level, sim)
}

/// The names a record is compared on: its names, or its aliases when it has none.
pub fn names_of(r: &Record) -> &[NameForm] {
    if r.names.is_empty() {
        &r.aliases
    } else {
        &r.names
    }
}

/// The best name level over both records' names.
pub fn best_name(a: &Record, b: &Record) -> Option<(u8, f64, usize, usize)> {
    let (na, nb) = (names_of(a), names_of(b));
    let mut best: Option<(u8, f64, usize, usize)> = None;
    for (i, x) in na.iter().enumerate() {
        for (j, y) in nb.iter().enumerate() {
            let (lv, sim) = name_level(x, y);
            if best.is_none_or(|(bl, bs, _, _)| (lv, -sim) < (bl, -bs)) {
                best = Some((lv, sim, i, j));
            }
        }
    }
    best
}

/// How many differently named people the data shows behind each nickname, for the
/// term-frequency adjustment of nickname agreement.
///
/// Fellegi–Sunter weighs "same name" by how often two different people share a name on
/// average; a nickname that several people go by ("the Doctor", "Abu Salah") is weaker
/// evidence than that, in proportion to their number (Splink's term-frequency
/// adjustment, computed from the data being resolved). Counting mentions would make a
/// smuggler mentioned two hundred times look like a common nickname, so what is counted
/// is people the data proves different: the real names written beside the nickname that
/// are not variants of each other. It is a lower bound (a nickname never written beside
/// a real name counts one person).
///
/// Real names are not adjusted this way: counting a name's distinct birth dates as its
/// bearers was tried and counted one person's mistyped dates as namesakes, which cost
/// far more recall than it gained precision.
#[derive(Clone, Debug, Default)]
pub struct NameSharing {
    people: HashMap<String, u32>,
}

/// Distinct names kept per nickname: enough to weigh it (2^-6 is already decisive).
const SHARING_CAP: usize = 64;

impl NameSharing {
    /// Counts over the person records being resolved.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a Record>) -> NameSharing {
        let mut names: HashMap<String, Vec<&NameForm>> = HashMap::new();
        for r in records {
            if r.schema != mosaic_model::Schema::Person {
                continue;
            }
            for a in &r.aliases {
                let e = names.entry(a.phonetic_str().to_owned()).or_default();
                for n in &r.names {
                    if e.len() < SHARING_CAP && e.iter().all(|x| name_level(x, n).0 >= 3) {
                        e.push(n);
                    }
                }
            }
        }
        NameSharing {
            people: names
                .into_iter()
                .filter(|(_, v)| v.len() > 1)
                .map(|(k, v)| (k, v.len() as u32))
                .collect(),
        }
    }

    /// People known to go by this nickname (at least 1).
    pub fn people(&self, nickname: &NameForm) -> u32 {
        self.people
            .get(nickname.phonetic_str())
            .copied()
            .unwrap_or(1)
    }

    /// When two records are compared on a nickname (one has no real name) and agree on
    /// it (name levels 0–2): the people known to go by it; 1 otherwise.
    pub fn of_pair(&self, a: &Record, b: &Record) -> u32 {
        if !(a.names.is_empty() || b.names.is_empty()) {
            return 1;
        }
        match best_name(a, b) {
            Some((lv, _, i, j)) if lv <= 2 => {
                let side = |r: &Record, k: usize| {
                    if r.names.is_empty() {
                        self.people(&names_of(r)[k])
                    } else {
                        1
                    }
                };
                side(a, i).max(side(b, j))
            }
            _ => 1,
        }
    }
}

/// The nickname-sharing adjustment of a pair's weight: `-log2(people)`, since a nickname
/// `people` different people go by is that many times likelier to be shared by chance.
pub fn sharing_weight(people: u32) -> f64 {
    -f64::from(people.max(1)).log2()
}

/// A recorded 1 January often stands for "born that year" (people without documents):
/// such a date counts as the year only.
fn effective(d: &PartialDate) -> PartialDate {
    if d.month == Some(1) && d.day == Some(1) {
        PartialDate {
            year: d.year,
            month: None,
            day: None,
        }
    } else {
        *d
    }
}

pub(crate) fn birth_level(a: &PartialDate, b: &PartialDate) -> u8 {
    let (a, b) = (effective(a), effective(b));
    if a.is_full() && b.is_full() && a == b {
        return 0;
    }
    let month_ok = match (a.month, b.month) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    let day_ok = match (a.day, b.day) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    let swapped =
        a.is_full() && b.is_full() && a.year == b.year && a.month == b.day && a.day == b.month;
    if a.year == b.year && month_ok && day_ok {
        1
    } else if swapped
        || (a.year - b.year).abs() == 1 && a.is_full() && b.is_full() && month_ok && day_ok
    {
        2
    } else {
        3
    }
}

/// What a cluster of person records says about birth date and nationality. Merging two
/// clusters whose profiles contradict each other would join two people through one
/// weakly linked record (a namesake without a birth date): the resolver refuses such a
/// merge and leaves the link to the review queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    births: Vec<PartialDate>,
    nationalities: Vec<String>,
}

/// A profile keeps a few values: enough to detect contradictions, bounded in size.
const PROFILE_CAP: usize = 16;

impl Profile {
    pub fn of(r: &Record) -> Profile {
        Profile {
            births: r
                .birth
                .map(|b| effective(&b))
                .filter(PartialDate::is_full)
                .into_iter()
                .collect(),
            nationalities: r.nationality.clone(),
        }
    }

    /// Nothing to contradict: no full birth date, no nationality.
    pub fn is_empty(&self) -> bool {
        self.births.is_empty() && self.nationalities.is_empty()
    }

    /// Why the two cannot be one person, if they cannot.
    pub fn conflict(&self, o: &Profile) -> Option<&'static str> {
        if !self.births.is_empty()
            && !o.births.is_empty()
            && self
                .births
                .iter()
                .all(|x| o.births.iter().all(|y| birth_level(x, y) == 3))
        {
            return Some("different birth dates");
        }
        if !self.nationalities.is_empty()
            && !o.nationalities.is_empty()
            && self
                .nationalities
                .iter()
                .all(|x| !o.nationalities.contains(x))
        {
            return Some("different nationalities");
        }
        None
    }

    pub fn absorb(&mut self, o: Profile) {
        for b in o.births {
            if self.births.len() < PROFILE_CAP && !self.births.contains(&b) {
                self.births.push(b);
            }
        }
        for n in o.nationalities {
            if self.nationalities.len() < PROFILE_CAP && !self.nationalities.contains(&n) {
                self.nationalities.push(n);
            }
        }
    }
}

fn is_document(k: &Normalized) -> bool {
    k.key.kind == KeyKind::Document
}

fn is_contact(k: &Normalized) -> bool {
    matches!(
        k.key.kind,
        KeyKind::Phone | KeyKind::Email | KeyKind::Iban | KeyKind::Account
    )
}

/// Two keys of one kind that may be the same identifier: equal values, and no
/// conflicting countries where both are known.
fn same_key(a: &Normalized, b: &Normalized) -> bool {
    a.key == b.key
        && match (&a.country, &b.country) {
            (Some(x), Some(y)) => x == y || a.key.kind == KeyKind::Phone,
            _ => true,
        }
}

/// Shared (0), none shared although both hold keys of a same kind (1), or nothing to
/// compare (`None`: one has a phone, the other an IBAN, says nothing either way).
fn shared_level(a: &Record, b: &Record, pick: fn(&Normalized) -> bool) -> Option<u8> {
    // Iterated, not collected: this runs for every candidate pair.
    let ka = || a.all_keys().filter(|k| pick(k));
    let kb = || b.all_keys().filter(|k| pick(k));
    if ka().any(|x| kb().any(|y| same_key(x, y))) {
        return Some(0);
    }
    let comparable = ka().any(|x| kb().any(|y| x.key.kind == y.key.kind));
    comparable.then_some(1)
}

/// The comparison vector of two person records.
pub fn person_gamma(a: &Record, b: &Record) -> Gamma {
    person_gamma_with(a, b, best_name(a, b).map(|(l, ..)| l))
}

/// [`person_gamma`] given the best name level of the two records (as [`best_name`]
/// finds it), for callers that memoise name comparisons.
pub fn person_gamma_with(a: &Record, b: &Record, best_name_level: Option<u8>) -> Gamma {
    // A nickname ("Abu Salah") neither confirms nor contradicts a real name.
    let alias_only = a.names.is_empty() || b.names.is_empty();
    let name = best_name_level.filter(|l| !(alias_only && *l == 4));
    let birth = match (&a.birth, &b.birth) {
        (Some(x), Some(y)) => Some(birth_level(x, y)),
        _ => None,
    };
    let nat = if a.nationality.is_empty() || b.nationality.is_empty() {
        None
    } else if a.nationality.iter().any(|n| b.nationality.contains(n)) {
        Some(0)
    } else {
        Some(1)
    };
    let gender = match (&a.gender, &b.gender) {
        (Some(x), Some(y)) => Some(u8::from(x != y)),
        _ => None,
    };
    [
        name,
        birth,
        shared_level(a, b, is_document),
        shared_level(a, b, is_contact),
        nat,
        gender,
    ]
}

/// What the two sides hold for a feature, for explanations.
pub fn person_values(a: &Record, b: &Record, feature: usize) -> (String, String) {
    fn keys(r: &Record, pick: fn(&Normalized) -> bool) -> String {
        let v: Vec<String> = r
            .all_keys()
            .filter(|k| pick(k))
            .map(|k| format!("{} ({})", k.key, k.original))
            .collect();
        v.join(", ")
    }
    match feature {
        0 => match best_name(a, b) {
            Some((_, _, i, j)) => (
                names_of(a)[i].original.clone(),
                names_of(b)[j].original.clone(),
            ),
            None => (
                names_of(a)
                    .first()
                    .map(|n| n.original.clone())
                    .unwrap_or_default(),
                names_of(b)
                    .first()
                    .map(|n| n.original.clone())
                    .unwrap_or_default(),
            ),
        },
        1 => (
            a.birth.map(|d| d.to_string()).unwrap_or_default(),
            b.birth.map(|d| d.to_string()).unwrap_or_default(),
        ),
        2 => (keys(a, is_document), keys(b, is_document)),
        3 => (keys(a, is_contact), keys(b, is_contact)),
        4 => (a.nationality.join(", "), b.nationality.join(", ")),
        _ => (
            a.gender.clone().unwrap_or_default(),
            b.gender.clone().unwrap_or_default(),
        ),
    }
}

/// The verdict of the identifier rule for non-person records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyRule {
    /// They share these keys and conflict on none: the same thing.
    Same { shared: Vec<String> },
    /// They share keys but conflict on a key kind each has exactly one of.
    Conflict {
        shared: Vec<String>,
        conflict: String,
    },
    /// Organisations or vessels without identifiers, written with the same name and no
    /// conflicting country: the same thing.
    SameName { name: String },
    /// Nothing shared.
    Unrelated,
}

impl std::fmt::Display for KeyRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyRule::Same { shared } => write!(f, "same: share {}", shared.join(", ")),
            KeyRule::Conflict { shared, conflict } => {
                write!(f, "different: share {} but {conflict}", shared.join(", "))
            }
            KeyRule::SameName { name } => {
                write!(f, "same: no identifiers, same name ({name})")
            }
            KeyRule::Unrelated => f.write_str("unrelated: nothing shared"),
        }
    }
}

impl KeyRule {
    /// Whether the rule makes the two one thing.
    pub fn is_same(&self) -> bool {
        matches!(self, KeyRule::Same { .. } | KeyRule::SameName { .. })
    }
}

/// The rule that decides whether two non-person records are one thing: the identifier
/// rule, and for organisations and vessels that have no identifiers, the same name with
/// no conflicting country. Clustering and explanations both use it, so an explanation
/// always names the rule that joined two records.
pub fn thing_rule(a: &Record, b: &Record) -> KeyRule {
    let rule = key_rule(a, b);
    if rule.is_same() || a.schema != b.schema {
        return rule;
    }
    if matches!(
        a.schema,
        mosaic_model::Schema::Organization | mosaic_model::Schema::Vessel
    ) && a.keys.is_empty()
        && b.keys.is_empty()
        && (a.country.is_none() || b.country.is_none() || a.country == b.country)
    {
        for x in &a.names {
            if let Some(y) = b.names.iter().find(|y| x.key_str() == y.key_str()) {
                return KeyRule::SameName {
                    name: format!("{} = {}", x.original, y.original),
                };
            }
        }
    }
    rule
}

/// Kinds of which a thing has exactly one: two records that disagree on one are two
/// things, whatever else they share.
/// A phone entity is one SIM: its number is singular, while the handset's IMEI moves
/// from SIM to SIM (a shared IMEI with different numbers is two phones in one handset).
fn singular(k: KeyKind) -> bool {
    matches!(
        k,
        KeyKind::Imo
            | KeyKind::Iban
            | KeyKind::Plate
            | KeyKind::Registration
            | KeyKind::Mmsi
            | KeyKind::Phone
    )
}

/// Identifier rule for phones, emails, accounts, documents, vehicles, vessels and
/// organisations (plus exact name and country for organisations and vessels without
/// identifiers).
pub fn key_rule(a: &Record, b: &Record) -> KeyRule {
    let mut shared = Vec::new();
    for x in &a.keys {
        if b.keys.iter().any(|y| same_key(x, y)) {
            shared.push(x.key.to_string());
        }
    }
    // Plates and documents of different countries are different things.
    for x in &a.keys {
        for y in &b.keys {
            if x.key == y.key && !same_key(x, y) {
                return KeyRule::Conflict {
                    shared,
                    conflict: format!(
                        "{} issued in {} and in {}",
                        x.key,
                        x.country.as_deref().unwrap_or("?"),
                        y.country.as_deref().unwrap_or("?")
                    ),
                };
            }
        }
    }
    if shared.is_empty() {
        return KeyRule::Unrelated;
    }
    let kinds: HashSet<KeyKind> = a.keys.iter().map(|k| k.key.kind).collect();
    for kind in kinds.into_iter().filter(|k| singular(*k)) {
        let va: HashSet<&str> = a
            .keys
            .iter()
            .filter(|k| k.key.kind == kind)
            .map(|k| k.key.value.as_str())
            .collect();
        let vb: HashSet<&str> = b
            .keys
            .iter()
            .filter(|k| k.key.kind == kind)
            .map(|k| k.key.value.as_str())
            .collect();
        if !vb.is_empty() && va.is_disjoint(&vb) {
            return KeyRule::Conflict {
                shared,
                conflict: format!("different {kind}"),
            };
        }
    }
    if let (Some(x), Some(y)) = (&a.country, &b.country) {
        if x != y && a.keys.iter().any(|k| singular(k.key.kind)) {
            return KeyRule::Conflict {
                shared,
                conflict: format!("country {x} and {y}"),
            };
        }
    }
    KeyRule::Same { shared }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::analyse;

    fn lv(a: &str, b: &str) -> u8 {
        name_level(&analyse(a), &analyse(b)).0
    }

    #[test]
    fn name_levels() {
        assert_eq!(lv("Mohammed Al-Hassan", "AL-HASSAN Mohammed"), 0);
        assert_eq!(lv("Mohammed Al-Hassan", "Muhamad Alhasan"), 1);
        assert_eq!(lv("Mohammed Ahmed Al-Hassan", "Mohammed Al-Hassan"), 2);
        assert_eq!(lv("Rebwar Karwan", "Rebwar Qadir"), 3);
        assert_eq!(lv("Rebwar Karwan", "Dler Aram"), 4);
        assert_eq!(lv("Rebwar Karwan", "Rebuar Karwan"), 1);
    }

    #[test]
    fn birth_levels() {
        let d = |s| PartialDate::parse(s).unwrap();
        assert_eq!(birth_level(&d("1987-04-12"), &d("1987-04-12")), 0);
        assert_eq!(birth_level(&d("1987"), &d("1987-04-12")), 1);
        assert_eq!(birth_level(&d("1987-12-04"), &d("1987-04-12")), 2);
        assert_eq!(birth_level(&d("1988-04-12"), &d("1987-04-12")), 2);
        assert_eq!(birth_level(&d("1987-01-01"), &d("1987-04-12")), 1);
        assert_eq!(birth_level(&d("1987-05-12"), &d("1987-04-12")), 3);
        assert_eq!(birth_level(&d("1990"), &d("1987-04-12")), 3);
    }
}
