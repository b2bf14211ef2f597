//! Records laid out for comparing millions of candidate pairs.
//!
//! A [`Record`] keeps its names, nationalities, gender and identifier keys behind
//! pointers of their own, and comparing pairs of them went mostly on cache misses and
//! short string compares. Here every string a comparison looks at is interned to an
//! id, and each record's ids sit in a few flat arrays, so comparing a pair reads a
//! couple of cache lines. [`Compact::gamma`] is exactly [`compare::person_gamma`] (a
//! test holds them equal); the records stay the source of truth for everything else.

use mosaic_model::Schema;

use crate::compare::{self, Gamma};
use crate::key::KeyKind;
use crate::record::{PartialDate, Record};

type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// One record's comparable values: its own fields and ranges into the flat arrays.
#[derive(Clone, Copy, Debug)]
struct Row {
    schema: Schema,
    birth: Option<PartialDate>,
    /// Interned gender, 0 when not given.
    gender: u32,
    /// Compared on its aliases (it has no real name).
    alias_only: bool,
    /// The first name's id, read from here when it is the only one (most records):
    /// one cache miss less per pair.
    name0: u32,
    names: u32,
    n_names: u16,
    /// Documents first, then contacts.
    keys: u32,
    n_documents: u16,
    n_contacts: u16,
    nationalities: u32,
    n_nationalities: u16,
}

/// An identifier key by id (kind and value), with its country's id (0: not known).
#[derive(Clone, Copy, Debug)]
struct Key {
    id: u32,
    country: u32,
    kind: KeyKind,
}

/// Every distinct string a comparison looks at gets an id in the order first seen.
#[derive(Default)]
struct Interner<'a> {
    ids: HashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    /// The id of `s`, from 1 (0 is left for "none").
    fn id(&mut self, s: &'a str) -> u32 {
        let next = self.ids.len() as u32 + 1;
        *self.ids.entry(s).or_insert(next)
    }
}

/// Records interned for comparing (see the module documentation).
pub(crate) struct Compact {
    rows: Vec<Row>,
    names: Vec<u32>,
    keys: Vec<Key>,
    nationalities: Vec<u32>,
    /// The distinct written names and their tokens.
    pub(crate) name_ids: NameIds,
}

fn is_contact(kind: KeyKind) -> bool {
    matches!(
        kind,
        KeyKind::Phone | KeyKind::Email | KeyKind::Iban | KeyKind::Account
    )
}

impl Compact {
    pub(crate) fn of(records: &[Record]) -> Compact {
        let name_ids = NameIds::of(records);
        let mut strings = Interner::default();
        let mut key_ids: HashMap<(KeyKind, &str), u32> = HashMap::default();
        let mut c = Compact {
            rows: Vec::with_capacity(records.len()),
            names: Vec::with_capacity(records.len()),
            keys: Vec::new(),
            nationalities: Vec::new(),
            name_ids: NameIds::default(),
        };
        for (i, r) in records.iter().enumerate() {
            let names = c.names.len() as u32;
            c.names.extend_from_slice(&name_ids.of[i]);
            let keys = c.keys.len() as u32;
            let mut n_documents = 0;
            let mut n_contacts = 0;
            for pass_contacts in [false, true] {
                for k in r.all_keys() {
                    let kind = k.key.kind;
                    let wanted = if pass_contacts {
                        is_contact(kind)
                    } else {
                        kind == KeyKind::Document
                    };
                    if !wanted {
                        continue;
                    }
                    let next = key_ids.len() as u32;
                    let id = *key_ids.entry((kind, k.key.value.as_str())).or_insert(next);
                    let country = k.country.as_deref().map_or(0, |s| strings.id(s));
                    c.keys.push(Key { id, country, kind });
                    if pass_contacts {
                        n_contacts += 1;
                    } else {
                        n_documents += 1;
                    }
                }
            }
            let nationalities = c.nationalities.len() as u32;
            for n in &r.nationality {
                let id = strings.id(n);
                c.nationalities.push(id);
            }
            c.rows.push(Row {
                schema: r.schema,
                birth: r.birth,
                gender: r.gender.as_deref().map_or(0, |g| strings.id(g)),
                alias_only: r.names.is_empty(),
                name0: name_ids.of[i].first().copied().unwrap_or(0),
                names,
                n_names: name_ids.of[i].len() as u16,
                keys,
                n_documents,
                n_contacts,
                nationalities,
                n_nationalities: r.nationality.len() as u16,
            });
        }
        c.name_ids = NameIds {
            of: Vec::new(),
            ..name_ids
        };
        c
    }

    pub(crate) fn schema(&self, i: u32) -> Schema {
        self.rows[i as usize].schema
    }

    /// Compared on aliases (no real name).
    pub(crate) fn alias_only(&self, i: u32) -> bool {
        self.rows[i as usize].alias_only
    }

    /// The ids of the names record `i` is compared on ([`compare::names_of`]).
    fn names_of(&self, i: u32) -> &[u32] {
        let r = &self.rows[i as usize];
        if r.n_names == 1 {
            return std::slice::from_ref(&r.name0);
        }
        &self.names[r.names as usize..r.names as usize + r.n_names as usize]
    }

    fn documents(&self, r: &Row) -> &[Key] {
        &self.keys[r.keys as usize..r.keys as usize + r.n_documents as usize]
    }

    fn contacts(&self, r: &Row) -> &[Key] {
        let from = r.keys as usize + r.n_documents as usize;
        &self.keys[from..from + r.n_contacts as usize]
    }

    fn nationalities(&self, r: &Row) -> &[u32] {
        let from = r.nationalities as usize;
        &self.nationalities[from..from + r.n_nationalities as usize]
    }

    /// [`compare::person_gamma_with`] of records `i` and `j`.
    pub(crate) fn gamma(&self, i: u32, j: u32, best_name_level: Option<u8>) -> Gamma {
        let (a, b) = (&self.rows[i as usize], &self.rows[j as usize]);
        let alias_only = a.alias_only || b.alias_only;
        let name = best_name_level.filter(|l| !(alias_only && *l == 4));
        let birth = match (&a.birth, &b.birth) {
            (Some(x), Some(y)) => Some(compare::birth_level(x, y)),
            _ => None,
        };
        let (na, nb) = (self.nationalities(a), self.nationalities(b));
        let nat = if na.is_empty() || nb.is_empty() {
            None
        } else if na.iter().any(|n| nb.contains(n)) {
            Some(0)
        } else {
            Some(1)
        };
        let gender = if a.gender == 0 || b.gender == 0 {
            None
        } else {
            Some(u8::from(a.gender != b.gender))
        };
        [
            name,
            birth,
            shared_level(self.documents(a), self.documents(b)),
            shared_level(self.contacts(a), self.contacts(b)),
            nat,
            gender,
        ]
    }
}

/// [`compare`]'s shared level over interned keys: shared (0), none shared although both
/// hold keys of a same kind (1), nothing to compare (`None`).
fn shared_level(ka: &[Key], kb: &[Key]) -> Option<u8> {
    let same = |x: &Key, y: &Key| {
        x.id == y.id
            && (x.country == 0
                || y.country == 0
                || x.country == y.country
                || x.kind == KeyKind::Phone)
    };
    if ka.iter().any(|x| kb.iter().any(|y| same(x, y))) {
        return Some(0);
    }
    ka.iter()
        .any(|x| kb.iter().any(|y| x.kind == y.kind))
        .then_some(1)
}

/// Every distinct written name (by its tokens) of a set of records gets an id, and each
/// record the ids of the names it is compared on ([`compare::names_of`]); every distinct
/// token an id too, so names are compared as lists of token ids.
#[derive(Default)]
pub(crate) struct NameIds {
    of: Vec<Vec<u32>>,
    names: Vec<NameTokens>,
    /// The names' token ids, one after the other.
    written: Vec<u32>,
    /// Each token id's token and skeleton.
    tokens: Vec<(String, String)>,
    /// Each token id's shape, for the bound on similarity.
    shapes: Vec<TokenShape>,
}

/// A distinct written name: its token ids in written order (a range of
/// [`NameIds::written`]), and the id of its sorted tokens (the name key: two names with
/// one key are level 0). Flat, so comparing reads no pointers.
#[derive(Clone, Copy)]
struct NameTokens {
    start: u32,
    len: u32,
    key: u32,
}

/// What bounds a token's Jaro–Winkler similarity with another without computing it:
/// its length, letter counts and first letters.
#[derive(Clone, Copy, Debug)]
struct TokenShape {
    /// Letters counted by their low five bits (ASCII letters each their own bucket;
    /// sharing a bucket only loosens the bound).
    counts: [u8; 32],
    len: u8,
    head: [u8; 4],
    /// The skeleton's id: tokens with one skeleton may be 0.97 alike whatever their
    /// letters.
    skeleton: u32,
    /// Single-byte characters only, under 256 of them: the bound holds (Jaro–Winkler
    /// counts characters, the shape bytes).
    bounded: bool,
}

impl TokenShape {
    fn of(t: &str, skeleton: u32) -> TokenShape {
        let bytes = t.as_bytes();
        let mut shape = TokenShape {
            counts: [0; 32],
            len: 0,
            head: [0; 4],
            skeleton,
            bounded: t.is_ascii() && !t.is_empty() && bytes.len() < 256,
        };
        if shape.bounded {
            shape.len = bytes.len() as u8;
            for &c in bytes {
                shape.counts[usize::from(c & 31)] += 1;
            }
            for (h, &c) in shape.head.iter_mut().zip(bytes) {
                *h = c;
            }
        }
        shape
    }

    /// An upper bound on the Jaro–Winkler similarity of the two tokens (`strsim`'s):
    /// Jaro's matching characters are at most the letters they have in common, its
    /// transposition term at most 1, and the prefix boost at most their common prefix.
    fn similarity_bound(&self, o: &TokenShape) -> f64 {
        if !(self.bounded && o.bounded) {
            return 1.0;
        }
        let common: u32 = self
            .counts
            .iter()
            .zip(&o.counts)
            .map(|(x, y)| u32::from(*x.min(y)))
            .sum();
        if common == 0 {
            return 0.0;
        }
        let m = f64::from(common);
        let jaro =
            ((m / f64::from(self.len)).min(1.0) + (m / f64::from(o.len)).min(1.0) + 1.0) / 3.0;
        let prefix = self
            .head
            .iter()
            .zip(&o.head)
            .take(usize::from(self.len.min(o.len)).min(4))
            .take_while(|(x, y)| x == y)
            .count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    }
}

impl NameIds {
    fn of(records: &[Record]) -> NameIds {
        let mut name_ids: HashMap<&[String], u32> = HashMap::default();
        let mut token_ids: HashMap<&str, u32> = HashMap::default();
        let mut key_ids: HashMap<Vec<u32>, u32> = HashMap::default();
        let mut skeleton_ids: HashMap<&str, u32> = HashMap::default();
        let mut names = Vec::new();
        let mut all_written = Vec::new();
        let mut tokens = Vec::new();
        let mut shapes = Vec::new();
        let of = records
            .iter()
            .map(|rec| {
                compare::names_of(rec)
                    .iter()
                    .map(|n| {
                        *name_ids.entry(n.tokens.as_slice()).or_insert_with(|| {
                            let written: Vec<u32> = n
                                .tokens
                                .iter()
                                .zip(&n.skeletons)
                                .map(|(t, sk)| {
                                    *token_ids.entry(t.as_str()).or_insert_with(|| {
                                        tokens.push((t.clone(), sk.clone()));
                                        let next = skeleton_ids.len() as u32;
                                        let sk_id = *skeleton_ids.entry(sk).or_insert(next);
                                        shapes.push(TokenShape::of(t, sk_id));
                                        (tokens.len() - 1) as u32
                                    })
                                })
                                .collect();
                            // Sorted as strings, as the name key sorts them.
                            let mut sorted = written.clone();
                            sorted.sort_by(|&x, &y| {
                                let (x, y): (&(String, String), &(String, String)) =
                                    (&tokens[x as usize], &tokens[y as usize]);
                                x.0.cmp(&y.0)
                            });
                            let next = key_ids.len() as u32;
                            let key = *key_ids.entry(sorted).or_insert(next);
                            names.push(NameTokens {
                                start: all_written.len() as u32,
                                len: written.len() as u32,
                                key,
                            });
                            all_written.extend_from_slice(&written);
                            (names.len() - 1) as u32
                        })
                    })
                    .collect()
            })
            .collect();
        NameIds {
            of,
            names,
            written: all_written,
            tokens,
            shapes,
        }
    }
}

/// Name comparisons over token ids, with token similarities memoised per pair of
/// distinct tokens: noise makes most spellings of a full name unique, but their tokens
/// come from far fewer (5,811 at 100k mentions). Similarities depend on the strings
/// only, so the memo is exact.
///
/// Only the token pairs similar enough to count as one token typed differently decide
/// a name level ([`compare::level_of_close`]); most token pairs of namesakes are ruled
/// out by [`TokenShape::similarity_bound`] without computing their similarity. That
/// made a level cheaper to compute than to look up: a memo of levels per pair of names
/// (1.5 million distinct pairs in 3 million candidate pairs at 100k) cost a cache miss
/// per pair and was dropped.
pub(crate) struct NameMemo<'a> {
    compact: &'a Compact,
    sims: HashMap<(u32, u32), f64>,
    close: Vec<(f64, u8, u8)>,
}

/// Similarities kept per worker before the memo starts over (about 16 bytes each).
const NAME_MEMO_CAP: usize = 8_000_000;

impl<'a> NameMemo<'a> {
    pub(crate) fn new(compact: &'a Compact) -> Self {
        NameMemo {
            compact,
            sims: Default::default(),
            close: Vec::new(),
        }
    }

    pub(crate) fn compact(&self) -> &'a Compact {
        self.compact
    }

    /// The similarity of tokens `t` and `u` when it reaches [`compare::TOKEN_SIM`].
    fn close_sim(&mut self, t: u32, u: u32) -> Option<f64> {
        if t == u {
            return Some(1.0);
        }
        let ids = &self.compact.name_ids;
        let (x, y) = (&ids.shapes[t as usize], &ids.shapes[u as usize]);
        // Below the bound and without a shared skeleton (the 0.97 case), the similarity
        // is Jaro–Winkler's and under the threshold. The margin keeps rounding out of it.
        if x.skeleton != y.skeleton && x.similarity_bound(y) < compare::TOKEN_SIM - 1e-9 {
            return None;
        }
        let sim = *self.sims.entry((t, u)).or_insert_with(|| {
            let ((ta, sa), (tb, sb)) = (&ids.tokens[t as usize], &ids.tokens[u as usize]);
            compare::token_pair_sim(ta, sa, tb, sb)
        });
        (sim >= compare::TOKEN_SIM).then_some(sim)
    }

    /// [`compare::name_level`]'s level of two distinct names by id.
    fn level(&mut self, x: u32, y: u32) -> u8 {
        let ids = &self.compact.name_ids;
        let (a, b) = (ids.names[x as usize], ids.names[y as usize]);
        let lv = if a.len == 0 || b.len == 0 {
            4
        } else if a.key == b.key {
            0
        } else {
            let (s, l) = if a.len <= b.len { (a, b) } else { (b, a) };
            let mut close = std::mem::take(&mut self.close);
            close.clear();
            for i in 0..s.len {
                for j in 0..l.len {
                    let t = ids.written[(s.start + i) as usize];
                    let u = ids.written[(l.start + j) as usize];
                    if let Some(sim) = self.close_sim(t, u) {
                        close.push((sim, i as u8, j as u8));
                    }
                }
            }
            let lv = compare::level_of_close(s.len as usize, l.len as usize, &mut close);
            self.close = close;
            lv
        };
        if self.sims.len() >= NAME_MEMO_CAP {
            self.sims.clear();
        }
        lv
    }

    /// The best name level of records `i` and `j`, as [`compare::best_name`] finds it.
    pub(crate) fn best_level(&mut self, i: u32, j: u32) -> Option<u8> {
        let compact = self.compact;
        let mut best: Option<u8> = None;
        for &x in compact.names_of(i) {
            for &y in compact.names_of(j) {
                let lv = if x == y {
                    // The same tokens: level 0 unless the name is empty.
                    if compact.name_ids.names[x as usize].len == 0 {
                        4
                    } else {
                        0
                    }
                } else {
                    self.level(x, y)
                };
                best = Some(best.map_or(lv, |b| b.min(lv)));
            }
        }
        best
    }

    /// The comparison vector of person records `i` and `j`.
    pub(crate) fn gamma(&mut self, i: u32, j: u32) -> Gamma {
        let level = self.best_level(i, j);
        self.compact.gamma(i, j, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::records_of;

    pub(super) fn person(n: u32, props: serde_json::Value) -> Record {
        let r = crate::record::tests::report(serde_json::json!({
            "agency": "fr-paf", "report_type": "interception", "source_ref": format!("P-{n}"),
            "reported_at": "2025-03-01T12:00:00Z", "handling": "H0", "tlp": "AMBER",
            "classification": "restricted",
            "entities": [{"key": "p", "schema": "Person", "properties": props}]
        }));
        records_of(&r, &crate::record::Context::default()).remove(0)
    }

    /// The memoised name comparison agrees with `best_name`, and the interned
    /// comparison vector with `person_gamma`, on every ordered pair.
    #[test]
    fn compact_comparison_agrees_with_the_records() {
        let props = [
            serde_json::json!({"name": "Mohammed Al-Hassan", "birthDate": "1985-03-02", "nationality": "sy", "gender": "male", "phone": "+33612345678"}),
            serde_json::json!({"name": "Muhamad Alhasan", "birthDate": "1985-02-03", "nationality": ["sy", "iq"], "phone": "0612345678"}),
            serde_json::json!({"name": "Hassan Mohammed", "birthDate": "1985", "gender": "female", "idNumber": "X1234567"}),
            serde_json::json!({"name": "Mohammed Ali Hassan", "nationality": "iq", "email": "mo@example.org", "idNumber": "X1234567"}),
            serde_json::json!({"name": "Ali Hassan", "birthDate": "1986-03-02", "email": "MO@example.org"}),
            serde_json::json!({"alias": "Abu Karim", "phone": "+33 6 12 34 56 78"}),
            serde_json::json!({"name": "Youssef Karim", "gender": "male", "idNumber": "Y7654321", "email": "yk@example.org"}),
            serde_json::json!({"name": "Jusuf Kerim", "alias": "Abu Karim", "idNumber": "y-7654321"}),
        ];
        let records: Vec<Record> = props
            .into_iter()
            .enumerate()
            .map(|(n, p)| person(n as u32, p))
            .collect();
        let compact = Compact::of(&records);
        let mut memo = NameMemo::new(&compact);
        let mut shared = 0;
        for _ in 0..2 {
            for i in 0..records.len() as u32 {
                for j in 0..records.len() as u32 {
                    let (a, b) = (&records[i as usize], &records[j as usize]);
                    let want = compare::best_name(a, b).map(|(l, ..)| l);
                    assert_eq!(memo.best_level(i, j), want, "{i} {j}");
                    let g = memo.gamma(i, j);
                    assert_eq!(g, compare::person_gamma(a, b), "{i} {j}");
                    shared += usize::from(i != j && (g[2] == Some(0) || g[3] == Some(0)));
                }
            }
        }
        // The fixture exercises shared documents and contacts, not only names.
        assert!(shared >= 4, "{shared}");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Names of a few tokens over a small alphabet, so that tokens are often alike,
    /// sometimes one skeleton, sometimes equal.
    fn names() -> impl Strategy<Value = Vec<String>> {
        let token = "[aeikmrs]{1,7}";
        let name = proptest::collection::vec(token, 1..4).prop_map(|t| t.join(" "));
        proptest::collection::vec(name, 2..10)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The bound-and-memo comparison gives `best_name`'s level for every pair.
        #[test]
        fn name_levels_agree_with_best_name(names in names()) {
            let records: Vec<Record> = names
                .iter()
                .enumerate()
                .map(|(n, name)| super::tests::person(n as u32, serde_json::json!({"name": name})))
                .collect();
            let compact = Compact::of(&records);
            let mut memo = NameMemo::new(&compact);
            for i in 0..records.len() as u32 {
                for j in 0..records.len() as u32 {
                    let want = compare::best_name(&records[i as usize], &records[j as usize])
                        .map(|(l, ..)| l);
                    prop_assert_eq!(memo.best_level(i, j), want, "{:?} {:?}", names[i as usize], names[j as usize]);
                }
            }
        }
    }
}
