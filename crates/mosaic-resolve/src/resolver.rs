//! The resolver: blocking → pairwise scoring → clustering under judgements, in bulk and
//! one report at a time.
//!
//! - **Blocking** puts records that share an identifier key or a name key (phonetic
//!   skeletons, pairs of them, a skeleton with the birth year) into blocks. A block
//!   larger than `block_cap` is not expanded into all its pairs (DESIGN §8: MISP's
//!   one-row-per-correlation table reached 291 GB): its members are sorted by name and
//!   birth year and each is compared with its `block_window` neighbours, so the pairs
//!   grow with the data, not its square. Skeleton-with-year blocks (a net for typos)
//!   over `typo_block_cap` are left out: the same people meet in their name blocks.
//! - **Comparing** reads the records interned into flat arrays of ids (`compact.rs`:
//!   pointer chasing and short string compares were most of its time), memoises name
//!   comparisons per pair of distinct written names, and rules out token pairs that
//!   cannot reach the similarity threshold by a bound instead of computing them.
//! - **Scoring**: persons by the Fellegi–Sunter model ([`crate::model`]); things with
//!   identifiers by the key rule ([`crate::compare::key_rule`]).
//! - **Clustering**: analysts' `same` judgements first, then links from the most to the
//!   least probable above `match_probability`, never joining two clusters that hold a
//!   `not_same` pair; `unsure` pairs are never linked directly. Weak links (a name and
//!   little else) are weighed cluster against cluster, and a cluster that resembles two
//!   different people about equally joins neither. Links between
//!   `review_probability` and `match_probability` form the review queue.
//! - **Name sharing**: agreement on a nickname that several differently named people go
//!   by weighs less, by `log2` of their number ([`crate::compare::NameSharing`]).
//! - **Incremental**: [`Resolver::add_report`] scores a new report's records against the
//!   blocks in memory and links them, without retraining or re-clustering.

use std::collections::BTreeMap;

// Fx hashing: these maps are keyed by record indexes and hashed millions of times per
// run; SipHash's DoS resistance buys nothing here, and a fixed hasher makes runs
// reproducible (iteration order no longer changes between runs).
type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;
type HashSet<K> = rustc_hash::FxHashSet<K>;
use std::time::Instant;

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use mosaic_model::{EntityId, Report, Schema};
use mosaic_store::judgements::{Judgement, JudgementStore, Verdict};
use mosaic_store::{Scope, Store};

use crate::cluster::Clusters;
use crate::compact::{Compact, NameMemo};
use crate::compare::{
    self, person_gamma, sharing_weight, thing_rule, Gamma, KeyRule, NameSharing, Profile,
    PERSON_FEATURES,
};
use crate::model::{Contribution, FsModel};
use crate::record::{records_of, Context, MentionRef, Record};
use crate::ResolveError;

/// Tuning of the resolver.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResolverConfig {
    /// Link pairs at or above this match probability.
    pub match_probability: f64,
    /// Pairs from here up to `match_probability` go to the review queue.
    pub review_probability: f64,
    /// Two clusters joined by several links of the review band whose probabilities add
    /// up to at least this are joined too (unless their profiles conflict): one person
    /// mentioned many times with rotating phones leaves many name-only links between the
    /// pieces, a namesake one or two.
    #[serde(default = "default_corroboration")]
    pub corroboration: f64,
    /// A weak join between two clusters is not made when one of them resembles a third
    /// that is a different person from the other (their birth dates or nationalities
    /// contradict), unless the join's links outweigh that alternative's by this factor
    /// (summed probabilities). Higher is stricter: fewer namesakes merged, more pieces
    /// of one person left to review.
    #[serde(default = "default_ambiguity_ratio")]
    pub ambiguity_ratio: f64,
    /// Blocks with more records than this are not expanded into all their pairs: their
    /// members are sorted by name and birth year and each is compared with its
    /// `block_window` neighbours on either side (sorted neighbourhood), so the pairs of
    /// such a block grow with its size, not its square.
    pub block_cap: usize,
    /// Neighbours on either side compared in a block over `block_cap`.
    #[serde(default = "default_block_window")]
    pub block_window: usize,
    /// Blocks of one name part with a birth year (they catch a typo in the other parts)
    /// with more records than this are left out: such a block is a common given name
    /// born in a common year, and the same people meet in their full-name blocks.
    #[serde(default = "default_typo_block_cap")]
    pub typo_block_cap: usize,
    /// Random pairs drawn to estimate `u`.
    pub u_sample_pairs: usize,
    pub em_max_iterations: usize,
    pub seed: u64,
    /// Worker threads for pair comparison (0 = available cores).
    pub threads: usize,
}

impl Default for ResolverConfig {
    fn default() -> Self {
        ResolverConfig {
            match_probability: 0.3,
            review_probability: 0.1,
            corroboration: default_corroboration(),
            ambiguity_ratio: default_ambiguity_ratio(),
            block_cap: 100,
            block_window: default_block_window(),
            typo_block_cap: default_typo_block_cap(),
            u_sample_pairs: 300_000,
            em_max_iterations: 100,
            seed: 7,
            threads: 0,
        }
    }
}

/// Chosen on seed 42 at 100,000 person mentions (BENCHMARKS.md).
fn default_block_window() -> usize {
    20
}

/// At 100,000 person mentions, 50 kept recall within 0.002 of no cap and cut the
/// candidate pairs by 30% (BENCHMARKS.md).
fn default_typo_block_cap() -> usize {
    50
}

fn default_corroboration() -> f64 {
    2.0
}

/// Three to one: the mention-weighted chance that the join is the right one of the two
/// is then at least 3/4. Chosen on the scenario generator's seeds 1, 2, 3, 5, 7 and 42
/// (BENCHMARKS.md): from 4 up, a person mentioned 238 times stayed in two pieces on
/// seed 2 (recall 0.93); 3 kept precision and recall at 0.95 or more on every seed.
fn default_ambiguity_ratio() -> f64 {
    3.0
}

/// Why two records are linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkBy {
    /// The Fellegi–Sunter score.
    Score,
    /// A shared identifier with no conflicting one.
    Identifier,
    /// An analyst said `same`.
    Judgement,
}

/// A candidate link between two records (indexes into the record list).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    pub probability: f64,
    pub by: LinkBy,
}

/// Counts from a run, for logs and benchmarks.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ResolveStats {
    pub records: usize,
    pub persons: usize,
    pub blocks: usize,
    /// Blocks over `block_cap`, compared by window.
    pub saturated_blocks: usize,
    pub candidate_pairs: u64,
    pub links: usize,
    pub clusters: usize,
    pub merged_records: usize,
    pub review_queue: usize,
    pub judgements_applied: usize,
    pub judgement_conflicts: usize,
    pub em_iterations: usize,
    /// Prior probability that two random person records are the same person.
    pub lambda: f64,
    pub training: Training,
    /// Block keys, blocks and name tables (the part before comparing).
    #[serde(default)]
    pub seconds_blocking: f64,
    /// Blocking and comparing.
    pub seconds_blocking_scoring: f64,
    pub seconds_training: f64,
    pub seconds_clustering: f64,
}

/// A pair to review, with its explanation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReviewItem {
    pub left: EntityId,
    pub right: EntityId,
    pub probability: f64,
    pub explanation: PairExplanation,
}

/// Why two records are (or are not) the same, feature by feature.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairExplanation {
    pub left: EntityId,
    pub right: EntityId,
    pub schema: Schema,
    pub probability: f64,
    pub weight: f64,
    pub prior_weight: f64,
    /// Persons: the model's contributions with the values compared.
    pub features: Vec<FeatureLine>,
    /// Things: the identifier rule's verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<KeyRule>,
    /// The analyst's judgement of the pair, if any (it overrides the score).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judgement: Option<Judgement>,
    /// Set when this link joined two clusters below the match probability because other
    /// links between the same two clusters corroborate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corroborated: Option<Corroboration>,
}

/// The review-band links between two clusters that, together, joined them.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Corroboration {
    /// Links between the two clusters (this one included).
    pub links: usize,
    /// Their probabilities added up (at least `ResolverConfig::corroboration`).
    pub probability_sum: f64,
}

/// One line of an explanation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FeatureLine {
    #[serde(flatten)]
    pub contribution: Contribution,
    pub left: String,
    pub right: String,
}

impl std::fmt::Display for PairExplanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} ~ {}: probability {:.3} (weight {:+.2}, prior {:+.2})",
            self.left, self.right, self.probability, self.weight, self.prior_weight
        )?;
        for l in &self.features {
            let c = &l.contribution;
            writeln!(
                f,
                "  {:<24} {:+6.2}  {:<44} [{} | {}]",
                c.feature, c.weight, c.level, l.left, l.right
            )?;
        }
        if let Some(r) = &self.rule {
            writeln!(f, "  rule: {r}")?;
        }
        if let Some(c) = &self.corroborated {
            writeln!(
                f,
                "  joined with {} links between the two groups, probabilities adding up to {:.2}",
                c.links, c.probability_sum
            )?;
        }
        if let Some(j) = &self.judgement {
            writeln!(
                f,
                "  judgement: {} by {} at {}: {}",
                j.verdict, j.author, j.at, j.reason
            )?;
        }
        Ok(())
    }
}

/// One member of a cluster, as an analyst sees it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberView {
    pub entity_id: EntityId,
    pub schema: Schema,
    pub mentions: Vec<MentionRef>,
    /// Names as written.
    pub names: Vec<String>,
    /// Identifier keys with the value as written and any flag.
    pub keys: Vec<String>,
}

/// A resolved entity: which records from which agencies were joined, and why.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClusterView {
    pub id: EntityId,
    pub members: Vec<MemberView>,
    /// The links that joined the members (a spanning tree), explained.
    pub links: Vec<PairExplanation>,
    /// Judgements touching any member.
    pub judgements: Vec<Judgement>,
}

/// The resolver's state.
pub struct Resolver {
    cfg: ResolverConfig,
    records: Vec<Record>,
    by_id: HashMap<EntityId, u32>,
    blocks: HashMap<BlockKey, Vec<u32>>,
    /// Each record's place in the blocks over the cap ([`sort_key`]).
    sort_keys: Vec<String>,
    model: FsModel,
    /// People going by each nickname, for the nickname adjustment (counted at build
    /// time; records added later are weighed against it unchanged).
    sharing: NameSharing,
    links: Vec<Link>,
    /// Links used to join clusters (indexes into `links`).
    used: Vec<bool>,
    /// Used links that joined two clusters by corroboration (index into `links`).
    corroborated: HashMap<usize, Corroboration>,
    judged: HashMap<(u32, u32), Judgement>,
    clusters: Clusters,
    /// Birth dates and nationalities of each cluster of persons (by root).
    /// Each cluster root's profile (empty for other records and non-persons).
    profiles: Vec<Profile>,
    stats: ResolveStats,
}

/// The explanation line of the nickname adjustment ([`NameSharing`]).
pub const NAME_SHARED: &str = "name shared";

/// Links at or above this probability are joined first, strongest first; weaker ones
/// (typically a name and little else) are weighed cluster against cluster afterwards.
const STRONG: f64 = 0.99;

/// Joins the clusters of `a` and `b` unless a judgement forbids it or (with `check`)
/// their profiles contradict each other. Returns whether they were joined now.
fn join(c: &mut Clusters, profiles: &mut [Profile], a: u32, b: u32, check: bool) -> bool {
    let (ra, rb) = (c.find(a), c.find(b));
    if ra == rb {
        return false;
    }
    if check
        && profiles[ra as usize]
            .conflict(&profiles[rb as usize])
            .is_some()
    {
        return false;
    }
    if !c.union(a, b) {
        return false;
    }
    let r = c.find(a);
    let other = if r == ra { rb } else { ra };
    let p = std::mem::take(&mut profiles[other as usize]);
    profiles[r as usize].absorb(p);
    true
}

/// Phase 2 of clustering runs at most this many rounds (it stops when one joins nothing).
const PHASE2_ROUNDS: usize = 8;

/// Weak joins that cannot be decided: `x` resembles both `y` and another group `z`, `y`
/// and `z` are two different people (their birth dates or nationalities contradict each
/// other) and `x` contradicts neither. Evidence that fits two people says little about
/// which one `x` is — typically a name-only group and two namesakes with birth dates —
/// so the join is not made and its links stay in the review queue. Unless the links to
/// `y` outweigh those to `z` by `ratio` (summed probabilities,
/// `ResolverConfig::ambiguity_ratio`): a person mentioned two hundred times is far
/// likelier to be the one a name-only mention means than a namesake mentioned once.
///
/// `pairs` are the cluster pairs (smaller root first) whose weak links qualify for a
/// join, with their summed link probabilities; `profiles` are the clusters' profiles
/// before any of those joins.
fn ambiguous_pairs(
    pairs: &[((u32, u32), f64)],
    profiles: &[Profile],
    ratio: f64,
) -> HashSet<(u32, u32)> {
    // Each group's partners, as one array sliced by group (groups are record indexes).
    let mut start = vec![0u32; profiles.len() + 1];
    for &((a, b), _) in pairs {
        start[a as usize + 1] += 1;
        start[b as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut adjacent = vec![(0u32, 0f64); pairs.len() * 2];
    for &((a, b), sum) in pairs {
        for (x, y) in [(a, b), (b, a)] {
            adjacent[fill[x as usize] as usize] = (y, sum);
            fill[x as usize] += 1;
        }
    }
    let partners = |x: u32| &adjacent[start[x as usize] as usize..start[x as usize + 1] as usize];
    let conflict = |a: u32, b: u32| {
        profiles[a as usize]
            .conflict(&profiles[b as usize])
            .is_some()
    };
    // `x` could be `z` about as well as `y`, and `y` is not `z` (which needs something
    // in `y`'s profile to contradict).
    let torn = |x: u32, y: u32, sum: f64| {
        !profiles[y as usize].is_empty()
            && partners(x)
                .iter()
                .any(|&(z, zs)| z != y && zs * ratio > sum && !conflict(x, z) && conflict(y, z))
    };
    pairs
        .iter()
        .filter(|&&((a, b), sum)| !conflict(a, b) && (torn(a, b, sum) || torn(b, a, sum)))
        .map(|(k, _)| *k)
        .collect()
}

/// Block keys of a record: schema-tagged, so persons never meet phones.
pub fn block_keys(r: &Record) -> Vec<String> {
    let tag = r.schema.as_str();
    let mut keys = Vec::new();
    if r.schema == Schema::Person {
        for k in r.all_keys() {
            if k.key.kind.is_identifier() && k.key.value.len() >= 4 {
                keys.push(format!("{tag}|i|{}", k.key));
            }
        }
        for n in compare::names_of(r) {
            keys.push(format!("{tag}|n|{}", n.phonetic_str()));
            let s = &n.skeletons;
            if s.len() == 1 {
                keys.push(format!("{tag}|t1|{}", s[0]));
            }
            for i in 0..s.len() {
                for j in i + 1..s.len() {
                    let (x, y) = if s[i] <= s[j] {
                        (&s[i], &s[j])
                    } else {
                        (&s[j], &s[i])
                    };
                    keys.push(format!("{tag}|tt|{x}|{y}"));
                }
                if let Some(b) = r.birth {
                    keys.push(format!("{tag}|ty|{}|{}", s[i], b.year));
                }
            }
        }
    } else {
        for k in &r.keys {
            keys.push(format!("{tag}|i|{}", k.key));
        }
        if matches!(r.schema, Schema::Organization | Schema::Vessel) && r.keys.is_empty() {
            for n in &r.names {
                keys.push(format!("{tag}|n|{}", n.key_str()));
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A block key as held in memory: a hash of its [`block_keys`] string (SipHash with
/// fixed keys, so runs are reproducible), with the lowest bit telling a typo net. Two
/// keys sharing a hash would only share a block: more pairs compared, none lost.
type BlockKey = u64;

fn block_key(k: &str) -> BlockKey {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(k.as_bytes());
    (h.finish() & !1) | u64::from(k.contains("|ty|"))
}

/// A record's [`block_keys`] as [`BlockKey`]s.
fn block_hashes(r: &Record) -> Vec<BlockKey> {
    let mut keys: Vec<BlockKey> = block_keys(r).iter().map(|k| block_key(k)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn encode(g: &Gamma) -> u32 {
    g.iter()
        .fold(0u32, |acc, l| acc * 8 + l.map_or(0, |x| u32::from(x) + 1))
}

fn decode(mut code: u32) -> Gamma {
    let mut g: Gamma = [None; 6];
    for i in (0..6).rev() {
        let v = code % 8;
        g[i] = (v > 0).then(|| (v - 1) as u8);
        code /= 8;
    }
    g
}

/// A small deterministic generator for sampling random pairs.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Pairs from one record's blocks, scored: persons by comparison vector, others by rule.
enum Scored {
    /// Records, comparison vector code, people going by the nickname they agree on (1
    /// when they are not compared on one).
    Person(u32, u32, u32, u32),
    Rule(u32, u32),
}

/// How blocking is bounded ([`ResolverConfig::block_cap`], `block_window`,
/// `typo_block_cap`), with each record's sort key for windowed blocks.
struct Bounds<'a> {
    cap: usize,
    window: usize,
    typo_cap: usize,
    sort_keys: &'a [String],
    /// In bulk resolution: each record's place in the order of (sort key, index), so
    /// windowed blocks are searched by number, not by string.
    order: Option<&'a [u32]>,
}

impl ResolverConfig {
    fn bounds<'a>(&self, sort_keys: &'a [String]) -> Bounds<'a> {
        Bounds {
            cap: self.block_cap,
            window: self.block_window,
            typo_cap: self.typo_block_cap,
            sort_keys,
            order: None,
        }
    }
}

/// The kind of block key a typo net is (a name part with a birth year).
fn is_typo_key(k: BlockKey) -> bool {
    k & 1 == 1
}

/// What a record's neighbours in a windowed block are sorted by: its first name's key
/// and its birth year, so one person's mentions written alike sit side by side.
fn sort_key(r: &Record) -> String {
    let name = compare::names_of(r).first().map_or("", |n| n.key_str());
    match r.birth {
        Some(b) => format!("{name}|{}", b.year),
        None => format!("{name}|"),
    }
}

/// Position of record `i` in a block sorted by (sort key, index): where it is, or
/// where it goes.
fn sorted_position(block: &[u32], bounds: &Bounds, i: u32) -> usize {
    if let Some(order) = bounds.order {
        let at = order[i as usize];
        return block.partition_point(|&j| order[j as usize] < at);
    }
    let key = (&bounds.sort_keys[i as usize], i);
    block.partition_point(|&j| (&bounds.sort_keys[j as usize], j) < key)
}

/// Each record's place in the order of (sort key, index): sorting by it sorts as
/// [`sorted_position`] does.
fn global_order(sort_keys: &[String]) -> Vec<u32> {
    let mut by_key: Vec<u32> = (0..sort_keys.len() as u32).collect();
    by_key.sort_unstable_by(|&x, &y| (&sort_keys[x as usize], x).cmp(&(&sort_keys[y as usize], y)));
    let mut order = vec![0u32; sort_keys.len()];
    for (place, &i) in by_key.iter().enumerate() {
        order[i as usize] = place as u32;
    }
    order
}

/// Adds record `i` to a block, keeping a block over the cap sorted.
fn add_to_block(block: &mut Vec<u32>, i: u32, bounds: &Bounds) {
    if block.contains(&i) {
        return;
    }
    if block.len() < bounds.cap {
        block.push(i);
    } else if block.len() == bounds.cap {
        block.push(i);
        block.sort_by(|&x, &y| {
            (&bounds.sort_keys[x as usize], x).cmp(&(&bounds.sort_keys[y as usize], y))
        });
    } else {
        let at = sorted_position(block, bounds, i);
        block.insert(at, i);
    }
}

fn candidates(
    i: u32,
    keys: &[BlockKey],
    blocks: &HashMap<BlockKey, Vec<u32>>,
    bounds: &Bounds,
    only_smaller: bool,
    out: &mut Vec<u32>,
) {
    out.clear();
    for k in keys {
        let Some(b) = blocks.get(k) else { continue };
        let keep = |j: &u32| *j != i && (!only_smaller || *j < i);
        if b.len() > bounds.cap {
            if is_typo_key(*k) {
                continue;
            }
            let at = sorted_position(b, bounds, i);
            let lo = at.saturating_sub(bounds.window);
            let hi = (at + bounds.window + 1).min(b.len());
            out.extend(b[lo..hi].iter().copied().filter(keep));
        } else if is_typo_key(*k) && b.len() > bounds.typo_cap {
            continue;
        } else {
            out.extend(b.iter().copied().filter(keep));
        }
    }
    out.sort_unstable();
    out.dedup();
}

fn score_pair(
    records: &[Record],
    sharing: &NameSharing,
    i: u32,
    j: u32,
    memo: Option<&mut NameMemo>,
) -> Option<Scored> {
    // The memo's interned records answer for persons without touching the records
    // (pointer chasing was most of the time comparing took).
    if let Some(m) = memo {
        let c = m.compact();
        let schema = c.schema(i);
        if schema != c.schema(j) {
            return None;
        }
        if schema == Schema::Person {
            let people = if c.alias_only(i) || c.alias_only(j) {
                sharing.of_pair(&records[i as usize], &records[j as usize])
            } else {
                1
            };
            return Some(Scored::Person(i, j, encode(&m.gamma(i, j)), people));
        }
    }
    let (a, b) = (&records[i as usize], &records[j as usize]);
    if a.schema != b.schema {
        return None;
    }
    if a.schema == Schema::Person {
        let gamma = person_gamma(a, b);
        Some(Scored::Person(i, j, encode(&gamma), sharing.of_pair(a, b)))
    } else {
        thing_rule(a, b).is_same().then_some(Scored::Rule(i, j))
    }
}

/// How the person model was trained (for logs, benchmarks and the model report).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Training {
    /// Random pairs drawn for `u`.
    pub u_pairs: usize,
    /// Session 1: pairs sharing a full birth date; learns the name, nationality and
    /// gender levels.
    pub birth_pairs: u64,
    pub birth_session_lambda: f64,
    /// Session 2: name-similar candidate pairs; learns the identifier levels and the
    /// prior.
    pub name_pairs: u64,
    pub name_session_lambda: f64,
    /// Session 3: pairs sharing a document, phone, email or account; learns the
    /// birth-date levels.
    pub identifier_pairs: u64,
    pub identifier_session_lambda: f64,
}

/// Features masked in each EM session: a session must not learn `m` for what its pairs
/// were chosen by (they all agree on it), nor for what is correlated with it among
/// non-matches (people with similar names share nationality and gender).
const NAME: usize = 0;
const BIRTH: usize = 1;
const DOCUMENT: usize = 2;
const CONTACT: usize = 3;
const NATIONALITY: usize = 4;
const GENDER: usize = 5;

fn mask(g: &Gamma, features: &[usize]) -> Gamma {
    let mut g = *g;
    for f in features {
        g[*f] = None;
    }
    g
}

/// Worker threads for comparing ([`ResolverConfig::threads`]; 0 = available cores).
fn worker_threads(cfg: &ResolverConfig) -> usize {
    if cfg.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        cfg.threads
    }
}

/// Comparison vectors of person pairs, computed on `threads` workers, in order.
fn gammas_of(compact: &Compact, pairs: &[(u32, u32)], threads: usize) -> Vec<Gamma> {
    let chunk = pairs.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut memo = NameMemo::new(compact);
                    part.iter()
                        .map(|&(a, b)| memo.gamma(a, b))
                        .collect::<Vec<Gamma>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("comparison worker"))
            .collect()
    })
}

/// Trains the person model as Splink recommends: `u` from random pairs; `m` by EM in two
/// sessions with different "blocking" (same birth date; similar names), each learning the
/// features it was not chosen by; the prior from the expected number of matches.
fn train_person_model(
    records: &[Record],
    persons: &[u32],
    candidate_patterns: &HashMap<u32, u64>,
    compact: &Compact,
    cfg: &ResolverConfig,
) -> (FsModel, Training) {
    let threads = worker_threads(cfg);
    let mut model = FsModel::initial(PERSON_FEATURES);
    let mut tr = Training::default();
    let np = persons.len() as u64;
    if np < 2 {
        return (model, tr);
    }
    let total_pairs = (np * (np - 1) / 2) as f64;
    let mut rng = SplitMix(cfg.seed);
    let want = (cfg.u_sample_pairs as u64).min(np * (np - 1) / 2);
    let mut pairs = Vec::with_capacity(want as usize);
    while (pairs.len() as u64) < want {
        let a = persons[(rng.next() % np) as usize];
        let b = persons[(rng.next() % np) as usize];
        if a != b {
            pairs.push((a, b));
        }
    }
    let gammas = gammas_of(compact, &pairs, threads);
    tr.u_pairs = gammas.len();
    model.estimate_u(&gammas);

    // Session 1: pairs sharing a full birth date (sampled when there are many).
    let mut by_birth: HashMap<crate::record::PartialDate, Vec<u32>> = HashMap::default();
    for &i in persons {
        if let Some(b) = records[i as usize].birth.filter(|b| b.is_full()) {
            by_birth.entry(b).or_default().push(i);
        }
    }
    let mut birth_patterns: HashMap<u32, u64> = HashMap::default();
    let budget = 2_000_000u64;
    let total_birth_pairs: u64 = by_birth
        .values()
        .map(|v| (v.len() as u64) * (v.len() as u64 - 1) / 2)
        .sum();
    let keep = if total_birth_pairs > budget {
        budget as f64 / total_birth_pairs as f64
    } else {
        1.0
    };
    pairs.clear();
    for v in by_birth.values() {
        for x in 0..v.len() {
            for y in x + 1..v.len() {
                if keep < 1.0 && (rng.next() % 1_000_000) as f64 >= keep * 1_000_000.0 {
                    continue;
                }
                pairs.push((v[x], v[y]));
            }
        }
    }
    for g in gammas_of(compact, &pairs, threads) {
        *birth_patterns
            .entry(encode(&mask(&g, &[BIRTH])))
            .or_default() += 1;
        tr.birth_pairs += 1;
    }
    // Session 2: candidate pairs whose names are similar (levels 0-2).
    let mut name_patterns: HashMap<u32, u64> = HashMap::default();
    for (code, n) in candidate_patterns {
        let g = decode(*code);
        if g[NAME].is_some_and(|l| l <= 2) {
            *name_patterns
                .entry(encode(&mask(&g, &[NAME, NATIONALITY, GENDER])))
                .or_default() += n;
            tr.name_pairs += n;
        }
    }
    // Session 3: candidate pairs sharing an identifier.
    let mut id_patterns: HashMap<u32, u64> = HashMap::default();
    for (code, n) in candidate_patterns {
        let g = decode(*code);
        if g[DOCUMENT] == Some(0) || g[CONTACT] == Some(0) {
            *id_patterns
                .entry(encode(&mask(&g, &[DOCUMENT, CONTACT])))
                .or_default() += n;
            tr.identifier_pairs += n;
        }
    }
    let as_vec = |m: &HashMap<u32, u64>| -> Vec<(Gamma, u64)> {
        m.iter().map(|(c, n)| (decode(*c), *n)).collect()
    };
    let mut s1 = model.clone();
    let mut s2 = model.clone();
    // EM needs enough pairs to tell two populations apart; below that the starting
    // parameters are the safer guess.
    let mut s3 = model.clone();
    const ENOUGH: u64 = 50;
    if tr.birth_pairs >= ENOUGH {
        s1.em(&as_vec(&birth_patterns), cfg.em_max_iterations, 1e-6);
        for f in [NAME, NATIONALITY, GENDER, DOCUMENT, CONTACT] {
            model.m[f] = s1.m[f].clone();
        }
    }
    if tr.name_pairs >= ENOUGH {
        s2.em(&as_vec(&name_patterns), cfg.em_max_iterations, 1e-6);
        model.m[BIRTH] = s2.m[BIRTH].clone();
        if tr.name_pairs > tr.birth_pairs {
            for f in [DOCUMENT, CONTACT] {
                model.m[f] = s2.m[f].clone();
            }
        }
    }
    if tr.identifier_pairs >= ENOUGH {
        s3.em(&as_vec(&id_patterns), cfg.em_max_iterations, 1e-6);
        // Pairs sharing an identifier are the cleanest view of how a person's birth
        // date varies between reports (name-similar pairs mix in namesakes).
        model.m[BIRTH] = s3.m[BIRTH].clone();
        if tr.birth_pairs < ENOUGH {
            for f in [NAME, NATIONALITY, GENDER] {
                model.m[f] = s3.m[f].clone();
            }
        }
    }
    tr.birth_session_lambda = s1.lambda;
    tr.name_session_lambda = s2.lambda;
    tr.identifier_session_lambda = s3.lambda;
    model.iterations = s1.iterations + s2.iterations + s3.iterations;
    model.converged = s1.converged && s2.converged && s3.converged;
    // The prior over all pairs: matches expected among the name-similar pairs, divided by
    // the share of matches whose names are that similar (from session 1's `m`).
    let expected = if tr.name_pairs >= 50 {
        s2.lambda * tr.name_pairs as f64
    } else {
        np as f64 * 0.5
    };
    let share: f64 = model.m[NAME][..=2].iter().sum::<f64>().max(0.05);
    model.lambda = (expected / share / total_pairs).clamp(1e-12, 0.5);
    model.correct_u_for_matches();
    (model, tr)
}

impl Resolver {
    /// Resolves a set of records in bulk, honouring the judgements.
    pub fn build(
        mut records: Vec<Record>,
        judgements: &[Judgement],
        cfg: ResolverConfig,
    ) -> Resolver {
        // One record per entity id.
        let mut by_id: HashMap<EntityId, u32> =
            HashMap::with_capacity_and_hasher(records.len(), Default::default());
        let mut merged: Vec<Record> = Vec::with_capacity(records.len());
        for r in records.drain(..) {
            match by_id.get(&r.id) {
                Some(&i) => merged[i as usize].absorb(r),
                None => {
                    by_id.insert(r.id.clone(), merged.len() as u32);
                    merged.push(r);
                }
            }
        }
        let records = merged;
        let t0 = Instant::now();
        let threads = worker_threads(&cfg).max(1);
        // Each record's block keys and sort key, on all workers (formatting a million
        // keys is a good part of blocking).
        let keyed: Vec<(Vec<BlockKey>, String)> = std::thread::scope(|s| {
            let chunk = records.len().div_ceil(threads).max(1);
            let workers: Vec<_> = records
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .map(|r| (block_hashes(r), sort_key(r)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("blocking worker"))
                .collect()
        });
        let (record_keys, sort_keys): (Vec<Vec<BlockKey>>, Vec<String>) = keyed.into_iter().unzip();
        // The blocks (with their order and the nickname counts) on this thread, the
        // interned records on another.
        let blocking = || {
            let order = global_order(&sort_keys);
            let mut blocks: HashMap<BlockKey, Vec<u32>> = HashMap::default();
            for (i, keys) in record_keys.iter().enumerate() {
                for &k in keys {
                    blocks.entry(k).or_default().push(i as u32);
                }
            }
            let mut saturated = 0;
            for b in blocks.values_mut() {
                if b.len() > cfg.block_cap {
                    saturated += 1;
                    b.sort_unstable_by_key(|&x| order[x as usize]);
                }
            }
            (order, blocks, saturated, NameSharing::of(&records))
        };
        let ((order, blocks, saturated, sharing), compact) = if threads > 1 {
            std::thread::scope(|s| {
                let compact = s.spawn(|| Compact::of(&records));
                (blocking(), compact.join().expect("interning worker"))
            })
        } else {
            (blocking(), Compact::of(&records))
        };

        let t_keys = t0.elapsed().as_secs_f64();

        // Compare candidate pairs on worker threads. Each record is compared with the
        // records before it, so later records have more pairs: the workers take stripes
        // of records in turn rather than one contiguous half each.
        let n = records.len();
        const STRIPE: usize = 256;
        let results: Vec<Vec<Scored>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (records, blocks, record_keys, sharing, compact) =
                        (&records, &blocks, &record_keys, &sharing, &compact);
                    let bounds = Bounds {
                        order: Some(&order),
                        ..cfg.bounds(&sort_keys)
                    };
                    s.spawn(move || {
                        let mut out = Vec::new();
                        let mut cand = Vec::new();
                        let mut memo = NameMemo::new(compact);
                        let mine = (t * STRIPE..n)
                            .step_by(STRIPE * threads)
                            .flat_map(|base| base..(base + STRIPE).min(n));
                        for i in mine {
                            let keys = &record_keys[i];
                            candidates(i as u32, keys, blocks, &bounds, true, &mut cand);
                            for &j in &cand {
                                if let Some(sc) =
                                    score_pair(records, sharing, i as u32, j, Some(&mut memo))
                                {
                                    out.push(sc);
                                }
                            }
                        }
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("comparison worker"))
                .collect()
        });
        let t_block = t0.elapsed().as_secs_f64();

        // Train on the persons' comparison vectors.
        let t1 = Instant::now();
        let mut pattern_counts: HashMap<u32, u64> = HashMap::default();
        let mut candidate_pairs = 0u64;
        for v in &results {
            for sc in v {
                candidate_pairs += 1;
                if let Scored::Person(_, _, code, _) = sc {
                    *pattern_counts.entry(*code).or_default() += 1;
                }
            }
        }
        let persons: Vec<u32> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.schema == Schema::Person)
            .map(|(i, _)| i as u32)
            .collect();
        let (model, training) =
            train_person_model(&records, &persons, &pattern_counts, &compact, &cfg);
        let t_train = t1.elapsed().as_secs_f64();

        // One weight per distinct comparison vector; the nickname adjustment is per pair.
        let weights: HashMap<u32, f64> = pattern_counts
            .keys()
            .map(|code| (*code, model.weight(&decode(*code))))
            .collect();
        let mut links = Vec::new();
        for v in results {
            for sc in v {
                match sc {
                    Scored::Person(a, b, code, people) => {
                        let w = weights[&code] + sharing_weight(people);
                        let p = model.probability(w);
                        if p >= cfg.review_probability {
                            links.push(Link {
                                a,
                                b,
                                weight: w,
                                probability: p,
                                by: LinkBy::Score,
                            });
                        }
                    }
                    Scored::Rule(a, b) => links.push(Link {
                        a,
                        b,
                        weight: f64::INFINITY,
                        probability: 1.0,
                        by: LinkBy::Identifier,
                    }),
                }
            }
        }

        let stats = ResolveStats {
            records: records.len(),
            persons: persons.len(),
            blocks: blocks.len(),
            saturated_blocks: saturated,
            candidate_pairs,
            em_iterations: model.iterations,
            lambda: model.lambda,
            training,
            seconds_blocking: t_keys,
            seconds_blocking_scoring: t_block,
            seconds_training: t_train,
            ..Default::default()
        };
        let mut r = Resolver {
            cfg,
            clusters: Clusters::new(records.len()),
            records,
            by_id,
            blocks,
            sort_keys,
            model,
            sharing,
            links,
            used: Vec::new(),
            corroborated: HashMap::default(),
            judged: HashMap::default(),
            profiles: Vec::new(),
            stats,
        };
        for j in judgements {
            r.note_judgement(j);
        }
        r.recluster();
        r
    }

    /// Reads every current report the scope may see and the judgements, and resolves.
    pub async fn from_store(
        store: &dyn Store,
        judgements: &dyn JudgementStore,
        scope: &Scope,
        cfg: ResolverConfig,
    ) -> Result<(Resolver, Context), ResolveError> {
        let ctx = Context::new(&store.agencies().await?);
        let records = load_records(store, scope, &ctx).await?;
        let js = judgements.current_judgements(scope).await?;
        tracing::info!(records = records.len(), judgements = js.len(), "resolving");
        Ok((Resolver::build(records, &js, cfg), ctx))
    }

    fn pair(&self, a: &EntityId, b: &EntityId) -> Option<(u32, u32)> {
        let (x, y) = (*self.by_id.get(a)?, *self.by_id.get(b)?);
        Some(if x < y { (x, y) } else { (y, x) })
    }

    fn note_judgement(&mut self, j: &Judgement) {
        if let Some(p) = self.pair(&j.left, &j.right) {
            if j.verdict == Verdict::Retracted {
                self.judged.remove(&p);
            } else {
                self.judged.insert(p, j.clone());
            }
        }
    }

    /// Changes the match threshold and re-clusters (the links are kept, so this is
    /// cheap: an analyst can trade precision for recall and see the effect at once).
    pub fn set_match_probability(&mut self, p: f64) {
        self.cfg.match_probability = p;
        self.recluster();
    }

    /// Applies a judgement just recorded (merge, split, unsure or retraction) and
    /// re-clusters. Judgements about records this resolver does not hold are ignored.
    pub fn apply_judgement(&mut self, j: &Judgement) {
        self.note_judgement(j);
        self.recluster();
    }

    /// Clusters from scratch: constraints, then `same` judgements, then links.
    fn recluster(&mut self) {
        let t = Instant::now();
        let mut c = Clusters::new(self.records.len());
        let mut profiles: Vec<Profile> = self
            .records
            .iter()
            .map(|r| {
                if r.schema == Schema::Person {
                    Profile::of(r)
                } else {
                    Profile::default()
                }
            })
            .collect();
        let mut judged: Vec<&Judgement> = self.judged.values().collect();
        judged.sort_by_key(|j| j.seq);
        let mut conflicts = 0;
        for j in &judged {
            if j.verdict == Verdict::NotSame {
                let (a, b) = self.pair(&j.left, &j.right).expect("judged pairs are held");
                c.forbid(a, b);
            }
        }
        let mut judgement_links = Vec::new();
        for j in &judged {
            if j.verdict == Verdict::Same {
                let (a, b) = self.pair(&j.left, &j.right).expect("judged pairs are held");
                if c.find(a) == c.find(b) || join(&mut c, &mut profiles, a, b, false) {
                    judgement_links.push((a, b));
                } else {
                    conflicts += 1;
                    tracing::warn!(left = %j.left, right = %j.right, "a `same` judgement contradicts `not_same` judgements; not applied");
                }
            }
        }
        self.links.retain(|l| l.by != LinkBy::Judgement);
        for (a, b) in judgement_links {
            self.links.push(Link {
                a,
                b,
                weight: f64::INFINITY,
                probability: 1.0,
                by: LinkBy::Judgement,
            });
        }
        self.links.sort_by(|x, y| {
            y.weight
                .total_cmp(&x.weight)
                .then((x.a, x.b).cmp(&(y.a, y.b)))
        });
        self.used = vec![false; self.links.len()];
        self.corroborated.clear();
        // Phase 1: strong links, strongest first.
        let mut weak: Vec<usize> = Vec::new();
        for (i, l) in self.links.iter().enumerate() {
            if l.by == LinkBy::Judgement {
                self.used[i] = true;
                continue;
            }
            if l.probability < self.cfg.review_probability {
                continue;
            }
            let key = (l.a.min(l.b), l.a.max(l.b));
            if self.judged.contains_key(&key) {
                continue; // not_same, unsure, or same (already applied)
            }
            if l.probability < STRONG.max(self.cfg.match_probability) {
                weak.push(i);
                continue;
            }
            if join(&mut c, &mut profiles, l.a, l.b, l.by == LinkBy::Score) {
                self.used[i] = true;
            }
        }
        // Phase 2: weak links (a name and little else) between the clusters phase 1
        // built, by the total evidence between two clusters: a record that resembles a
        // whole cluster of mentions of one person joins it rather than a namesake it
        // happens to resemble as much once. Two clusters are joined when their best link
        // reaches the match probability, or when links of the review band corroborate
        // each other (see `ResolverConfig::corroboration`). Profile conflicts still stop
        // a merge, and so does ambiguity: a group that could as well be either of two
        // different people joins neither (see `ambiguous_pairs`).
        struct Support {
            n: usize,
            order: f64,
            sum_p: f64,
            max_p: f64,
            best: usize,
        }
        // In rounds: a join may make the evidence of another decisive (fragments of one
        // person joined first outweigh a namesake), so support is summed again over the
        // clusters each round has built until a round joins nothing.
        for _round in 0..PHASE2_ROUNDS {
            let mut support: HashMap<(u32, u32), Support> = HashMap::default();
            for &i in &weak {
                let l = &self.links[i];
                let (ra, rb) = (c.find(l.a), c.find(l.b));
                if ra == rb {
                    continue;
                }
                let e = support.entry((ra.min(rb), ra.max(rb))).or_insert(Support {
                    n: 0,
                    order: 0.0,
                    sum_p: 0.0,
                    max_p: 0.0,
                    best: i,
                });
                e.n += 1;
                e.order += l.weight.max(0.0) + 1.0;
                e.sum_p += l.probability;
                if l.probability > e.max_p {
                    e.max_p = l.probability;
                    e.best = i;
                }
            }
            let mut order: Vec<((u32, u32), Support)> = support
                .into_iter()
                .filter(|(_, s)| {
                    s.max_p >= self.cfg.match_probability || s.sum_p >= self.cfg.corroboration
                })
                .collect();
            order.sort_by(|x, y| y.1.order.total_cmp(&x.1.order).then(x.0.cmp(&y.0)));
            let sums: Vec<((u32, u32), f64)> = order.iter().map(|(k, s)| (*k, s.sum_p)).collect();
            let ambiguous = ambiguous_pairs(&sums, &profiles, self.cfg.ambiguity_ratio);
            let mut joined = false;
            for ((ra, rb), s) in order {
                if ambiguous.contains(&(ra, rb)) {
                    continue;
                }
                if join(&mut c, &mut profiles, ra, rb, true) {
                    joined = true;
                    self.used[s.best] = true;
                    if s.max_p < self.cfg.match_probability {
                        self.corroborated.insert(
                            s.best,
                            Corroboration {
                                links: s.n,
                                probability_sum: s.sum_p,
                            },
                        );
                    }
                }
            }
            if !joined {
                break;
            }
        }
        self.clusters = c;
        self.profiles = profiles;
        self.stats.links = self.links.len();
        self.stats.judgements_applied = judged.len();
        self.stats.judgement_conflicts = conflicts;
        self.refresh_counts();
        self.stats.seconds_clustering = t.elapsed().as_secs_f64();
    }

    fn refresh_counts(&mut self) {
        let mut sizes: HashMap<u32, usize> = HashMap::default();
        for i in 0..self.records.len() as u32 {
            *sizes.entry(self.clusters.root(i)).or_default() += 1;
        }
        self.stats.clusters = sizes.len();
        self.stats.merged_records = sizes.values().filter(|s| **s > 1).sum();
        self.stats.review_queue = self.review_pairs().count();
    }

    /// Resolves one newly imported report against what is held: its records are
    /// blocked, scored with the trained model and linked. Returns each new record's
    /// entity id and the id of the cluster it joined.
    pub fn add_report(&mut self, report: &Report, ctx: &Context) -> Vec<(EntityId, EntityId)> {
        let mut touched = Vec::new();
        let mut needs_recluster = false;
        for rec in records_of(report, ctx) {
            let idx = match self.by_id.get(&rec.id) {
                Some(&i) => {
                    // A new version of a report we hold (or a mention naming an
                    // existing entity id): refresh the record and its links.
                    let r = &mut self.records[i as usize];
                    let old_keys = block_hashes(r);
                    if r.mentions.iter().all(|m| m.report == report.id) {
                        *r = rec;
                    } else {
                        r.absorb(rec);
                    }
                    let key = sort_key(&self.records[i as usize]);
                    if key != self.sort_keys[i as usize] {
                        // Its place in the sorted (over-the-cap) blocks moves.
                        for k in &old_keys {
                            if let Some(b) = self.blocks.get_mut(k) {
                                if b.len() > self.cfg.block_cap {
                                    b.retain(|&j| j != i);
                                }
                            }
                        }
                        self.sort_keys[i as usize] = key;
                    }
                    self.links.retain(|l| l.a != i && l.b != i);
                    needs_recluster = true;
                    i
                }
                None => {
                    let i = self.records.len() as u32;
                    self.by_id.insert(rec.id.clone(), i);
                    self.profiles.push(if rec.schema == Schema::Person {
                        Profile::of(&rec)
                    } else {
                        Profile::default()
                    });
                    self.sort_keys.push(sort_key(&rec));
                    self.records.push(rec);
                    self.clusters.push();
                    i
                }
            };
            let keys = block_hashes(&self.records[idx as usize]);
            let bounds = self.cfg.bounds(&self.sort_keys);
            for &k in &keys {
                add_to_block(self.blocks.entry(k).or_default(), idx, &bounds);
            }
            let mut cand = Vec::new();
            candidates(idx, &keys, &self.blocks, &bounds, false, &mut cand);
            let mut new_links: Vec<Link> = Vec::new();
            for j in cand {
                let (a, b) = (idx.min(j), idx.max(j));
                match score_pair(&self.records, &self.sharing, a, b, None) {
                    Some(Scored::Person(a, b, code, people)) => {
                        let w = self.model.weight(&decode(code)) + sharing_weight(people);
                        let p = self.model.probability(w);
                        if p >= self.cfg.review_probability {
                            new_links.push(Link {
                                a,
                                b,
                                weight: w,
                                probability: p,
                                by: LinkBy::Score,
                            });
                        }
                    }
                    Some(Scored::Rule(a, b)) => new_links.push(Link {
                        a,
                        b,
                        weight: f64::INFINITY,
                        probability: 1.0,
                        by: LinkBy::Identifier,
                    }),
                    None => {}
                }
            }
            new_links.sort_by(|x, y| y.weight.total_cmp(&x.weight));
            for l in new_links {
                let key = (l.a, l.b);
                let linkable =
                    l.probability >= self.cfg.match_probability && !self.judged.contains_key(&key);
                let used = linkable
                    && !needs_recluster
                    && join(
                        &mut self.clusters,
                        &mut self.profiles,
                        l.a,
                        l.b,
                        l.by == LinkBy::Score,
                    );
                self.links.push(l);
                self.used.push(used);
            }
            touched.push(idx);
        }
        if needs_recluster {
            self.recluster();
        } else {
            self.stats.links = self.links.len();
        }
        touched
            .into_iter()
            .map(|i| (self.records[i as usize].id.clone(), self.cluster_id_of(i)))
            .collect()
    }

    /// The cluster id of a record: the smallest entity id among its members, so it is
    /// one of the ids the providers' statements carry.
    fn cluster_id_of(&self, i: u32) -> EntityId {
        self.clusters
            .members_of(i)
            .iter()
            .map(|m| &self.records[*m as usize].id)
            .min()
            .expect("a cluster has members")
            .clone()
    }

    /// Every record's entity id and its cluster's id, sorted by record id.
    pub fn assignments(&self) -> Vec<(EntityId, EntityId)> {
        let mut min_of_root: HashMap<u32, u32> = HashMap::default();
        for i in 0..self.records.len() as u32 {
            let r = self.clusters.root(i);
            let e = min_of_root.entry(r).or_insert(i);
            if self.records[i as usize].id < self.records[*e as usize].id {
                *e = i;
            }
        }
        let mut out: Vec<(EntityId, EntityId)> = (0..self.records.len() as u32)
            .map(|i| {
                let m = min_of_root[&self.clusters.root(i)];
                (
                    self.records[i as usize].id.clone(),
                    self.records[m as usize].id.clone(),
                )
            })
            .collect();
        out.sort();
        out
    }

    /// The cluster id of an entity (`None` if not held).
    pub fn cluster_of(&self, id: &EntityId) -> Option<EntityId> {
        self.by_id.get(id).map(|i| self.cluster_id_of(*i))
    }

    /// Every kept link (candidate pairs at or above the review probability).
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Why the clusters of two records may not be merged automatically, if they may not.
    pub fn conflict(&self, a: &EntityId, b: &EntityId) -> Option<&'static str> {
        let (x, y) = (self.by_id.get(a)?, self.by_id.get(b)?);
        let (px, py) = (
            &self.profiles[self.clusters.root(*x) as usize],
            &self.profiles[self.clusters.root(*y) as usize],
        );
        px.conflict(py)
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn record(&self, id: &EntityId) -> Option<&Record> {
        self.by_id.get(id).map(|i| &self.records[*i as usize])
    }

    pub fn model(&self) -> &FsModel {
        &self.model
    }

    pub fn stats(&self) -> &ResolveStats {
        &self.stats
    }

    pub fn config(&self) -> &ResolverConfig {
        &self.cfg
    }

    fn review_pairs(&self) -> impl Iterator<Item = &Link> + '_ {
        // The uncertain band, and links above the threshold that a profile conflict kept
        // apart: both need a person to decide.
        self.links.iter().filter(move |l| {
            l.by == LinkBy::Score
                && l.probability >= self.cfg.review_probability
                && !self.judged.contains_key(&(l.a.min(l.b), l.a.max(l.b)))
                && self.clusters.root(l.a) != self.clusters.root(l.b)
        })
    }

    /// The uncertain band: pairs an analyst should decide, most probable first.
    pub fn review_queue(&self, limit: usize) -> Vec<ReviewItem> {
        let mut v: Vec<&Link> = self.review_pairs().collect();
        v.sort_by(|x, y| y.probability.total_cmp(&x.probability));
        v.into_iter()
            .take(limit)
            .map(|l| {
                let e = self.explain_idx(l.a, l.b);
                ReviewItem {
                    left: e.left.clone(),
                    right: e.right.clone(),
                    probability: l.probability,
                    explanation: e,
                }
            })
            .collect()
    }

    fn explain_idx(&self, i: u32, j: u32) -> PairExplanation {
        let (a, b) = (&self.records[i as usize], &self.records[j as usize]);
        let judgement = self.judged.get(&(i.min(j), i.max(j))).cloned();
        if a.schema == Schema::Person && b.schema == Schema::Person {
            let g = person_gamma(a, b);
            let people = self.sharing.of_pair(a, b);
            let w = self.model.weight(&g) + sharing_weight(people);
            let mut features: Vec<FeatureLine> = self
                .model
                .explain(&g)
                .into_iter()
                .enumerate()
                .map(|(f, c)| {
                    let (l, r) = compare::person_values(a, b, f);
                    FeatureLine {
                        contribution: c,
                        left: l,
                        right: r,
                    }
                })
                .collect();
            if people > 1 {
                // Right after the name line it adjusts.
                let (l, r) = compare::person_values(a, b, 0);
                features.insert(
                    1,
                    FeatureLine {
                        contribution: Contribution {
                            feature: NAME_SHARED.into(),
                            level: format!("{people} differently named people go by this nickname"),
                            m: None,
                            u: None,
                            weight: sharing_weight(people),
                        },
                        left: l,
                        right: r,
                    },
                );
            }
            PairExplanation {
                left: a.id.clone(),
                right: b.id.clone(),
                schema: a.schema,
                probability: self.model.probability(w),
                weight: w,
                prior_weight: self.model.prior_weight(),
                features,
                rule: None,
                judgement,
                corroborated: None,
            }
        } else {
            let rule = thing_rule(a, b);
            let p = if rule.is_same() && a.schema == b.schema {
                1.0
            } else {
                0.0
            };
            PairExplanation {
                left: a.id.clone(),
                right: b.id.clone(),
                schema: a.schema,
                probability: p,
                weight: if p > 0.0 {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                },
                prior_weight: 0.0,
                features: Vec::new(),
                rule: Some(rule),
                judgement,
                corroborated: None,
            }
        }
    }

    /// Why two records are or are not the same (`None` if either is not held).
    pub fn explain(&self, a: &EntityId, b: &EntityId) -> Option<PairExplanation> {
        let (x, y) = (*self.by_id.get(a)?, *self.by_id.get(b)?);
        Some(self.explain_idx(x, y))
    }

    /// The resolved entity that `id` belongs to: every member with its provenance, and
    /// the links (with their explanations) that joined them.
    pub fn cluster(&self, id: &EntityId) -> Option<ClusterView> {
        let i = *self.by_id.get(id)?;
        let root = self.clusters.root(i);
        let members: Vec<u32> = self.clusters.members_of(i).to_vec();
        let mut links = Vec::new();
        for (k, l) in self.links.iter().enumerate() {
            if self.used.get(k).copied().unwrap_or(false) && self.clusters.root(l.a) == root {
                let mut e = self.explain_idx(l.a, l.b);
                e.corroborated = self.corroborated.get(&k).copied();
                links.push(e);
            }
        }
        let judgements: Vec<Judgement> = self
            .judged
            .iter()
            .filter(|((a, b), _)| members.contains(a) || members.contains(b))
            .map(|(_, j)| j.clone())
            .collect();
        let members = members
            .iter()
            .map(|m| {
                let r = &self.records[*m as usize];
                MemberView {
                    entity_id: r.id.clone(),
                    schema: r.schema,
                    mentions: r.mentions.clone(),
                    names: r
                        .names
                        .iter()
                        .map(|n| n.original.clone())
                        .chain(r.aliases.iter().map(|n| format!("{} (alias)", n.original)))
                        .collect(),
                    keys: r
                        .all_keys()
                        .map(|k| match &k.problem {
                            None => format!("{} ({})", k.key, k.original),
                            Some(p) => format!("{} ({}) [flagged: {p}]", k.key, k.original),
                        })
                        .collect(),
                }
            })
            .collect();
        Some(ClusterView {
            id: self.cluster_id_of(i),
            members,
            links,
            judgements,
        })
    }

    /// Clusters with more than one member: cluster id → member ids.
    pub fn merged(&self) -> BTreeMap<EntityId, Vec<EntityId>> {
        let mut out: BTreeMap<EntityId, Vec<EntityId>> = BTreeMap::new();
        for (rec, cl) in self.assignments() {
            out.entry(cl).or_default().push(rec);
        }
        out.retain(|_, v| v.len() > 1);
        out
    }
}

/// Every record of every current report the scope may see (via `Store::export`).
pub async fn load_records(
    store: &dyn Store,
    scope: &Scope,
    ctx: &Context,
) -> Result<Vec<Record>, ResolveError> {
    let mut out = Vec::new();
    let mut stream = store.export(scope);
    while let Some(sr) = stream.try_next().await? {
        out.extend(records_of(&sr.report, ctx));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org_report(n: u32, agency: &str, name: &str) -> Report {
        crate::record::tests::report(serde_json::json!({
            "agency": agency, "report_type": "intelligence", "source_ref": format!("R-{n}"),
            "reported_at": "2025-03-01T12:00:00Z", "handling": "H0", "tlp": "AMBER",
            "classification": "restricted",
            "entities": [{"key": "net", "schema": "Organization", "properties": {"name": name}}]
        }))
    }

    /// A merged entity says which mentions from which agencies were joined and by what
    /// rule — also when the rule is the name of a thing without identifiers.
    #[test]
    fn merged_things_explain_the_rule_that_joined_them() {
        let ctx = Context::default();
        let mut records = records_of(
            &org_report(1, "fr-ocriest", "Réseau Calais–Zeebrugge"),
            &ctx,
        );
        records.extend(records_of(
            &org_report(2, "be-police", "reseau calais zeebrugge"),
            &ctx,
        ));
        records.extend(records_of(&org_report(3, "uk-nca", "Other network"), &ctx));
        let r = Resolver::build(records, &[], ResolverConfig::default());
        let id = r.records()[0].id.clone();
        let view = r.cluster(&id).unwrap();
        let agencies: Vec<&str> = view
            .members
            .iter()
            .map(|m| m.mentions[0].agency.as_str())
            .collect();
        assert_eq!(view.members.len(), 2, "{agencies:?}");
        assert!(agencies.contains(&"fr-ocriest") && agencies.contains(&"be-police"));
        assert_eq!(view.links.len(), 1);
        let link = &view.links[0];
        assert_eq!(link.probability, 1.0);
        assert!(
            matches!(link.rule, Some(KeyRule::SameName { .. })),
            "{:?}",
            link.rule
        );
        assert!(link.to_string().contains("same name"), "{link}");
    }

    fn person(n: u32, props: serde_json::Value) -> Record {
        let r = crate::record::tests::report(serde_json::json!({
            "agency": "fr-paf", "report_type": "interception", "source_ref": format!("P-{n}"),
            "reported_at": "2025-03-01T12:00:00Z", "handling": "H0", "tlp": "AMBER",
            "classification": "restricted",
            "entities": [{"key": "p", "schema": "Person", "properties": props}]
        }));
        records_of(&r, &Context::default()).remove(0)
    }

    /// A group that two different people (contradicting birth dates) resemble about
    /// equally joins neither; one that outweighs the other by the ratio is joined.
    #[test]
    fn ambiguous_joins_are_refused_unless_one_side_dominates() {
        let x = Profile::of(&person(1, serde_json::json!({"name": "Mahir Hadad"})));
        let y = Profile::of(&person(
            2,
            serde_json::json!({"name": "Mahir Hadad", "birthDate": "1983-05-23"}),
        ));
        let z = Profile::of(&person(
            3,
            serde_json::json!({"name": "Mahir Hadad", "birthDate": "1990-11-02"}),
        ));
        let profiles = [x.clone(), y.clone(), z];
        let amb = ambiguous_pairs(&[((0, 1), 5.0), ((0, 2), 4.0)], &profiles, 3.0);
        assert!(amb.contains(&(0, 1)) && amb.contains(&(0, 2)), "{amb:?}");
        let amb = ambiguous_pairs(&[((0, 1), 20.0), ((0, 2), 4.0)], &profiles, 3.0);
        assert!(!amb.contains(&(0, 1)), "{amb:?}");
        assert!(amb.contains(&(0, 2)), "{amb:?}");
        // Two groups that may be one person are no reason to hold back.
        let same = [x, y.clone(), y];
        assert!(ambiguous_pairs(&[((0, 1), 5.0), ((0, 2), 4.0)], &same, 3.0).is_empty());
    }

    /// A nickname several differently named people go by weighs less, and the
    /// explanation says so in a line of its own whose weight adds up with the others.
    #[test]
    fn shared_nicknames_weigh_less_and_say_so() {
        let mut records = Vec::new();
        for (n, name) in ["Rebwar Karwan", "Dler Aram", "Hemin Omar"]
            .iter()
            .enumerate()
        {
            records.push(person(
                n as u32,
                serde_json::json!({"name": name, "alias": "the Doctor"}),
            ));
        }
        records.push(person(10, serde_json::json!({"alias": "The Doctor"})));
        records.push(person(11, serde_json::json!({"alias": "the doctor"})));
        records.push(person(12, serde_json::json!({"alias": "Kak Soran"})));
        records.push(person(13, serde_json::json!({"alias": "Kak Soran"})));
        let sharing = NameSharing::of(&records);
        assert_eq!(sharing.of_pair(&records[3], &records[4]), 3);
        assert_eq!(sharing.of_pair(&records[5], &records[6]), 1);
        let r = Resolver::build(records, &[], ResolverConfig::default());
        let ids: Vec<EntityId> = r.records().iter().map(|x| x.id.clone()).collect();
        let doctor = r.explain(&ids[3], &ids[4]).unwrap();
        let soran = r.explain(&ids[5], &ids[6]).unwrap();
        let line = doctor
            .features
            .iter()
            .find(|l| l.contribution.feature == NAME_SHARED)
            .expect("a line for the shared nickname");
        assert!((line.contribution.weight + 3f64.log2()).abs() < 1e-9);
        assert!(line.contribution.level.starts_with("3 "), "{doctor}");
        assert!(!soran
            .features
            .iter()
            .any(|l| l.contribution.feature == NAME_SHARED));
        assert!(doctor.weight < soran.weight - 1.5, "{doctor}\n{soran}");
        let sum: f64 = doctor
            .features
            .iter()
            .map(|l| l.contribution.weight)
            .sum::<f64>()
            + doctor.prior_weight;
        assert!((sum - doctor.weight).abs() < 1e-9, "{doctor}");
    }

    /// A block over the cap is compared by a sliding window over its members sorted by
    /// name and birth year: its pairs grow with its size, not its square, and a record
    /// added later takes its sorted place and meets its neighbours.
    #[test]
    fn blocks_over_the_cap_are_compared_by_window() {
        let cfg = ResolverConfig {
            block_cap: 4,
            block_window: 2,
            ..ResolverConfig::default()
        };
        let names = ["Karwan Aziz", "Karwan Azizi", "Karwan Aziz", "Karwan Aziz"];
        let mut records = Vec::new();
        for n in 0..12u32 {
            let year = 1980 + n / 4;
            records.push(person(
                n,
                serde_json::json!({"name": names[n as usize % 4], "birthDate": format!("{year}-03-0{}", 1 + n % 4)}),
            ));
        }
        let all_pairs = 12 * 11 / 2;
        let r = Resolver::build(records, &[], cfg.clone());
        let pairs = r.stats().candidate_pairs;
        assert!(r.stats().saturated_blocks > 0);
        // Each record meets at most 2 neighbours on either side in each block it is in.
        assert!(pairs > 0 && pairs < all_pairs, "{pairs} of {all_pairs}");
        let unbounded = Resolver::build(
            r.records().to_vec(),
            &[],
            ResolverConfig {
                block_cap: 1000,
                ..cfg.clone()
            },
        );
        assert_eq!(unbounded.stats().candidate_pairs, all_pairs);
        // Blocks over the cap are kept sorted by (sort key, index).
        for b in r.blocks.values().filter(|b| b.len() > cfg.block_cap) {
            let keys: Vec<(&String, u32)> =
                b.iter().map(|&i| (&r.sort_keys[i as usize], i)).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        }
        // Incremental: a new mention lands in its sorted place and is compared.
        let mut r = r;
        let rep = crate::record::tests::report(serde_json::json!({
            "agency": "fr-paf", "report_type": "interception", "source_ref": "P-99",
            "reported_at": "2025-03-01T12:00:00Z", "handling": "H0", "tlp": "AMBER",
            "classification": "restricted",
            "entities": [{"key": "p", "schema": "Person", "properties": {"name": "Karwan Aziz", "birthDate": "1981-03-02"}}]
        }));
        r.add_report(&rep, &Context::default());
        for b in r.blocks.values().filter(|b| b.len() > cfg.block_cap) {
            let keys: Vec<(&String, u32)> =
                b.iter().map(|&i| (&r.sort_keys[i as usize], i)).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        }
        let new = 12u32;
        let bounds = cfg.bounds(&r.sort_keys);
        let mut cand = Vec::new();
        let keys = block_hashes(&r.records[new as usize]);
        candidates(new, &keys, &r.blocks, &bounds, false, &mut cand);
        // Its neighbours: the mentions written alike and born the same year (4, 6, 7),
        // the nearest two of them on its side, and the next year's first two.
        assert_eq!(cand, [6, 7, 8, 10]);
        assert!(cand.len() < 12, "{cand:?}");
    }

    /// A block of one name part and a birth year over `typo_block_cap` is left out.
    #[test]
    fn large_typo_blocks_are_left_out() {
        let mut records = Vec::new();
        for n in 0..6u32 {
            // One given name, six family names, one birth year: only the typo blocks
            // ("given name + year", "family name + year") join them.
            let family = [
                "Barzani", "Talabani", "Rashid", "Omari", "Sulaiman", "Yazdi",
            ][n as usize];
            records.push(person(
                n,
                serde_json::json!({"name": format!("Dilshad {family}"), "birthDate": format!("1990-0{}-11", n + 1)}),
            ));
        }
        let with = Resolver::build(
            records.clone(),
            &[],
            ResolverConfig {
                typo_block_cap: 10,
                ..ResolverConfig::default()
            },
        );
        assert_eq!(with.stats().candidate_pairs, 15);
        let without = Resolver::build(
            records,
            &[],
            ResolverConfig {
                typo_block_cap: 5,
                ..ResolverConfig::default()
            },
        );
        assert_eq!(without.stats().candidate_pairs, 0);
    }

    #[test]
    fn gamma_codes_round_trip() {
        let g: Gamma = [Some(0), None, Some(1), Some(3), None, Some(1)];
        assert_eq!(decode(encode(&g)), g);
        assert_eq!(decode(encode(&[None; 6])), [None; 6]);
    }
}
