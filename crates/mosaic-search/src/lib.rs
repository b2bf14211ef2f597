//! Search over what the store holds: report narratives (full text), entity mentions by
//! name (fuzzy and transliterated: `Muhamad Alhasan` finds `محمد الحسن` and `AL-HASSAN
//! Mohammed`) and by identifier (`06 12 34 56 78` finds `+33 6 12 34 56 78`), with
//! filters on time, place, agency and entity type.
//!
//! - **Fed from the store, rebuildable from it.** The index is a cache: [`SearchIndex::rebuild`]
//!   reads every current report through `Store::export` and indexes it again;
//!   [`SearchIndex::index_report`] keeps it current after an import (a new version of a
//!   report replaces the old one's documents).
//! - **The scope is applied inside the query.** Every document carries its report's
//!   labels (agency, classification, TLP and handling ranks) as indexed fields, and every
//!   search adds the caller's [`Scope`] as required clauses of the query itself — so a
//!   hidden document is never scored, never counted, never returned. Results are never
//!   filtered after the fact.
//! - **Protected persons stay unsearchable in analysis views.** Documents that carry a
//!   protected person's personal data (a smuggled migrant, a victim, an asylum applicant,
//!   and entities that point at them) and reports that mention one (whose narrative views
//!   withhold) are marked `protected`; [`SearchRequest::hide_protected`] excludes them,
//!   and every other mention of a protected entity id, inside the query. The server
//!   always sets it: its views pseudonymise these persons, so finding them by name would
//!   undo the pseudonym.
//! - **Staleness is detectable.** Each commit records how many current reports and report
//!   versions the index reflects ([`SearchIndex::is_current`]), so a server can rebuild
//!   at start when something wrote to the store without it.
#![forbid(unsafe_code)]

mod scope_query;

use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::Path;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema as TSchema, TantivyDocument, Value, FAST, INDEXED, STORED,
    STRING, TEXT,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use mosaic_model::report::ROLE_PROP;
use mosaic_model::{AgencyId, PersonRole, Report, ReportId, Schema};
use mosaic_resolve::{ident, name, records_of, Context};
use mosaic_store::{LabelFilter, Scope, Store};

use scope_query::ScopeQuery;

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder {path}: {message}")]
    Folder { path: String, message: String },
    #[error(transparent)]
    Store(#[from] mosaic_store::StoreError),
    #[error("invalid search: {0}")]
    Invalid(String),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// What a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A report (its narrative and place).
    Report,
    /// An entity as one report mentions it.
    Entity,
}

impl DocKind {
    fn as_str(self) -> &'static str {
        match self {
            DocKind::Report => "report",
            DocKind::Entity => "entity",
        }
    }
}

/// A search: free text (names, identifiers, words) and filters.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Names, identifiers or words. Empty lists everything the filters admit.
    pub query: String,
    /// Observed (else reported) time from, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Observed (else reported) time until, exclusive.
    pub until: Option<DateTime<Utc>>,
    /// `(min_lon, min_lat, max_lon, max_lat)`: documents whose report place intersects it.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// Only these providing agencies (within what the scope allows).
    pub agencies: Vec<AgencyId>,
    /// Only entity mentions of these schemas.
    pub schemas: Vec<Schema>,
    pub kind: Option<DocKind>,
    /// Country for reading phone numbers written nationally.
    pub default_country: Option<String>,
    pub limit: usize,
    pub offset: usize,
    /// Leave out documents marked protected and every mention of a protected entity
    /// (analysis views: such persons are pseudonymised, so must not be findable by name).
    #[serde(default)]
    pub hide_protected: bool,
}

/// One hit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub score: f32,
    pub kind: DocKind,
    pub report_id: ReportId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub agency: String,
    /// Names as written, an identifier, or the report's type and reference.
    pub title: String,
    /// The start of the narrative (reports) or the identifier keys (entities).
    pub snippet: String,
    /// Observed (else reported) time.
    pub time: DateTime<Utc>,
    /// Words of `title` and `snippet` that match the query (as written there), to mark.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub highlights: Vec<String>,
}

/// Hits and how many documents matched in all (within the scope).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
}

#[derive(Clone, Copy)]
struct Fields {
    doc_key: Field,
    kind: Field,
    report_id: Field,
    entity_id: Field,
    schema: Field,
    agency: Field,
    agency_code: Field,
    classification: Field,
    tlp: Field,
    handling: Field,
    time: Field,
    min_lon: Field,
    min_lat: Field,
    max_lon: Field,
    max_lat: Field,
    name: Field,
    skel: Field,
    ident: Field,
    text: Field,
    title: Field,
    snippet: Field,
    protected: Field,
    refs: Field,
}

fn schema() -> (TSchema, Fields) {
    let mut b = TSchema::builder();
    let f = Fields {
        doc_key: b.add_text_field("doc_key", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        report_id: b.add_text_field("report_id", STRING | STORED),
        entity_id: b.add_text_field("entity_id", STRING | STORED),
        schema: b.add_text_field("schema", STRING | STORED),
        agency: b.add_text_field("agency", STRING | STORED),
        agency_code: b.add_u64_field(scope_query::AGENCY_CODE, FAST),
        classification: b.add_u64_field(scope_query::CLASSIFICATION, INDEXED | FAST),
        tlp: b.add_u64_field(scope_query::TLP, INDEXED | FAST),
        handling: b.add_u64_field(scope_query::HANDLING, INDEXED | FAST),
        time: b.add_i64_field("time", INDEXED | FAST | STORED),
        min_lon: b.add_f64_field("min_lon", INDEXED | FAST),
        min_lat: b.add_f64_field("min_lat", INDEXED | FAST),
        max_lon: b.add_f64_field("max_lon", INDEXED | FAST),
        max_lat: b.add_f64_field("max_lat", INDEXED | FAST),
        name: b.add_text_field("name", TEXT),
        skel: b.add_text_field("skel", TEXT),
        ident: b.add_text_field("ident", STRING),
        text: b.add_text_field("text", TEXT),
        title: b.add_text_field("title", STORED),
        snippet: b.add_text_field("snippet", STORED),
        protected: b.add_u64_field("protected", INDEXED),
        refs: b.add_text_field("refs", STRING),
    };
    (b.build(), f)
}

/// Writer heap: enough to batch thousands of reports, small enough for a laptop.
const WRITER_HEAP: usize = 64 * 1024 * 1024;

/// The search index (one folder, or memory for tests).
pub struct SearchIndex {
    reader: IndexReader,
    writer: IndexWriter,
    f: Fields,
    ctx: Context,
    /// Entity ids some report marks as protected persons (or pointing at one): their
    /// mentions in other reports are hidden too when [`SearchRequest::hide_protected`].
    protected_ids: BTreeSet<String>,
    /// What the index reflects, as recorded with the last commit.
    stamp: Stamp,
}

/// What the index reflects: current reports and stored report versions (the store's
/// [`mosaic_store::Stats`] counts under the system scope).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Version of the index schema; an index of another version is rebuilt.
    pub schema: u32,
    pub reports: u64,
    pub report_versions: u64,
}

/// Bumped whenever the indexed fields change.
const SCHEMA_VERSION: u32 = 3;

/// Keys of the person mentions of `r` whose data the protection rules pseudonymise in
/// analysis views (protected roles, asylum applicants), plus mentions that point at one.
fn protected_keys(r: &Report) -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = r
        .roles
        .iter()
        .filter(|x| x.role.is_protected())
        .map(|x| x.entity.clone())
        .collect();
    for m in &r.entities {
        if m.schema != Schema::Person {
            continue;
        }
        let yes = |p: &str| {
            m.properties
                .get(p)
                .is_some_and(|vs| vs.iter().any(|v| v.eq_ignore_ascii_case("true")))
        };
        let role_prop = m.properties.get(ROLE_PROP).is_some_and(|vs| {
            vs.iter()
                .any(|v| PersonRole::parse(v).is_ok_and(|r| r.is_protected()))
        });
        if yes("asylumApplicant") || role_prop {
            keys.insert(m.key.clone());
        }
    }
    if keys.is_empty() {
        return keys;
    }
    // entities that refer to a protected person (their phone, their document) reveal them
    let pointing = r.keys_pointing_at(&keys);
    keys.extend(pointing);
    keys
}

fn text_of(report: &Report) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if let Some(n) = &report.narrative {
        parts.push(n);
    }
    if let Some(p) = report.place.as_ref().and_then(|p| p.name.as_deref()) {
        parts.push(p);
    }
    name::to_ascii(&parts.join(" "))
}

const TEXT_PROPS: &[&str] = &[
    "notes",
    "birthPlace",
    "address",
    "full",
    "street",
    "city",
    "make",
    "model",
    "color",
    "type",
    "bankName",
    "purpose",
    "route",
    "from",
    "to",
    "place",
    "borderSection",
    "outcome",
];

impl SearchIndex {
    fn with_index(index: Index, f: Fields) -> Result<SearchIndex> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_HEAP)?;
        let stamp = index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str::<Stamp>(&p).ok())
            .unwrap_or_default();
        let mut idx = SearchIndex {
            reader,
            writer,
            f,
            ctx: Context::default(),
            protected_ids: BTreeSet::new(),
            stamp,
        };
        idx.load_protected_ids()?;
        Ok(idx)
    }

    /// Reads back the protected entity ids an opened index holds.
    fn load_protected_ids(&mut self) -> Result<()> {
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_u64(self.f.protected, 1),
            IndexRecordOption::Basic,
        );
        let docs = searcher.search(&q, &tantivy::collector::DocSetCollector)?;
        for addr in docs {
            let d: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = d.get_first(self.f.entity_id).and_then(|v| v.as_str()) {
                self.protected_ids.insert(id.to_owned());
            }
        }
        Ok(())
    }

    /// Opens the index in `dir`, creating it if needed.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        let folder = |e: &dyn std::fmt::Display| SearchError::Folder {
            path: dir.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| folder(&e))?;
        let (s, f) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| folder(&e))?;
        let index = match Index::open_or_create(mmap, s.clone()) {
            Ok(i) => i,
            // An index of an older schema is a cache of another shape: start afresh (the
            // stamp then says it is empty, so it is rebuilt).
            Err(tantivy::TantivyError::SchemaError(e)) => {
                tracing::warn!(folder = %dir.display(), error = %e, "search index of another schema; recreating");
                std::fs::remove_dir_all(dir).map_err(|e| folder(&e))?;
                std::fs::create_dir_all(dir).map_err(|e| folder(&e))?;
                let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| folder(&e))?;
                Index::create(mmap, s, tantivy::IndexSettings::default())?
            }
            Err(e) => return Err(e.into()),
        };
        SearchIndex::with_index(index, f)
    }

    /// An index in memory (tests, one-off searches).
    pub fn in_memory() -> Result<SearchIndex> {
        let (s, f) = schema();
        SearchIndex::with_index(Index::create_in_ram(s), f)
    }

    /// Agencies' countries, for reading nationally written phone numbers.
    pub fn set_agencies(&mut self, agencies: &[mosaic_model::Agency]) {
        self.ctx = Context::new(agencies);
    }

    fn base(&self, r: &Report, kind: DocKind, key: String, protected: bool) -> TantivyDocument {
        let f = &self.f;
        let mut d = TantivyDocument::default();
        d.add_u64(f.protected, protected as u64);
        d.add_text(f.doc_key, key);
        d.add_text(f.kind, kind.as_str());
        d.add_text(f.report_id, r.id.as_str());
        d.add_text(f.agency, r.agency.as_str());
        d.add_u64(f.agency_code, scope_query::agency_code(r.agency.as_str()));
        d.add_u64(f.classification, r.classification.rank() as u64);
        d.add_u64(f.tlp, r.tlp.rank() as u64);
        d.add_u64(f.handling, r.handling.rank() as u64);
        d.add_i64(
            f.time,
            r.observed_at.unwrap_or(r.reported_at).timestamp_micros(),
        );
        if let Some((a, b, c, e)) = r.bbox() {
            d.add_f64(f.min_lon, a);
            d.add_f64(f.min_lat, b);
            d.add_f64(f.max_lon, c);
            d.add_f64(f.max_lat, e);
        }
        d
    }

    /// Indexes one report (its narrative and every entity it mentions), replacing what
    /// an earlier version of it put in the index. Visible to searches after [`commit`].
    ///
    /// [`commit`]: SearchIndex::commit
    pub fn index_report(&mut self, r: &Report) -> Result<()> {
        let f = self.f;
        self.writer
            .delete_term(Term::from_field_text(f.report_id, r.id.as_str()));
        let prot = protected_keys(r);
        let mut d = self.base(r, DocKind::Report, format!("r|{}", r.id), !prot.is_empty());
        d.add_text(f.text, text_of(r));
        d.add_text(
            f.title,
            format!(
                "{} {} ({})",
                r.report_type,
                r.source_ref.as_deref().unwrap_or(r.id.as_str()),
                r.agency
            ),
        );
        let snippet: String = r
            .narrative
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(240)
            .collect();
        d.add_text(f.snippet, snippet);
        self.writer.add_document(d)?;
        let records = records_of(r, &self.ctx);
        let ids: std::collections::BTreeMap<&str, String> = r
            .entities
            .iter()
            .map(|m| (m.key.as_str(), r.entity_id(m).to_string()))
            .collect();
        for (m, rec) in r.entities.iter().zip(records) {
            let p = prot.contains(&m.key);
            if p {
                self.protected_ids.insert(rec.id.to_string());
            }
            let mut d = self.base(r, DocKind::Entity, format!("e|{}|{}", r.id, rec.id), p);
            d.add_text(f.entity_id, rec.id.as_str());
            // What it points at (same-report keys, or explicit entity ids), so that a
            // mention pointing at a person protected by another report is hidden too.
            for v in m.properties.values().flatten() {
                if let Some(id) = ids.get(v.as_str()) {
                    d.add_text(f.refs, id);
                } else if v.contains(":ent:") {
                    d.add_text(f.refs, v);
                }
            }
            d.add_text(f.schema, m.schema.as_str());
            let mut titles: Vec<String> = Vec::new();
            for n in rec.names.iter().chain(rec.aliases.iter()) {
                d.add_text(f.name, n.tokens.join(" "));
                d.add_text(f.skel, n.skeletons.join(" "));
                titles.push(n.original.clone());
            }
            let mut keys = Vec::new();
            for k in rec.all_keys() {
                d.add_text(f.ident, k.key.to_string());
                keys.push(format!("{} ({})", k.key, k.original));
                if titles.is_empty() {
                    titles.push(k.original.clone());
                }
            }
            let mut text = Vec::new();
            for p in TEXT_PROPS {
                if let Some(v) = m.properties.get(*p) {
                    text.extend(v.iter().map(String::as_str));
                }
            }
            if !text.is_empty() {
                d.add_text(f.text, name::to_ascii(&text.join(" ")));
            }
            if titles.is_empty() {
                titles.push(format!("{} {}", m.schema, m.key));
            }
            d.add_text(f.title, titles.join(" / "));
            d.add_text(f.snippet, keys.join(", "));
            self.writer.add_document(d)?;
        }
        Ok(())
    }

    /// Removes a report's documents (a recall, or a deletion by retention).
    pub fn remove_report(&mut self, id: &ReportId) {
        self.writer
            .delete_term(Term::from_field_text(self.f.report_id, id.as_str()));
    }

    /// Makes everything indexed so far visible to searches.
    pub fn commit(&mut self) -> Result<()> {
        let payload = serde_json::to_string(&self.stamp).unwrap_or_default();
        let mut c = self.writer.prepare_commit()?;
        c.set_payload(&payload);
        c.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// What the last commit recorded the index reflects.
    pub fn stamp(&self) -> Stamp {
        self.stamp
    }

    /// Records a write to the store that was also indexed (with [`index_report`]), so the
    /// next commit's stamp stays comparable with the store's counts.
    ///
    /// [`index_report`]: SearchIndex::index_report
    pub fn note_write(&mut self, out: &mosaic_store::WriteOutcome) {
        self.stamp.schema = SCHEMA_VERSION;
        self.stamp.reports += out.inserted;
        self.stamp.report_versions += out.inserted + out.new_versions;
    }

    /// Whether the index reflects the store: same schema and the same numbers of current
    /// reports and report versions as the last commit recorded. A store written to by
    /// another process (an import on the command line) is seen as changed.
    pub async fn is_current(&self, store: &dyn Store) -> Result<bool> {
        let stats = store
            .stats(&Scope::system("search index freshness"))
            .await?;
        Ok(self.stamp
            == Stamp {
                schema: SCHEMA_VERSION,
                reports: stats.reports,
                report_versions: stats.report_versions,
            })
    }

    /// Rebuilds the index from the store: every current report, streamed through
    /// `Store::export` with the system scope (the index must hold everything; each search
    /// filters by its caller's scope). Returns the number of reports indexed.
    pub async fn rebuild(&mut self, store: &dyn Store) -> Result<u64> {
        self.set_agencies(&store.agencies().await?);
        self.writer.delete_all_documents()?;
        self.protected_ids.clear();
        let scope = Scope::system("search index rebuild");
        // Counted before reading: a write racing the rebuild makes the stamp look stale
        // (and so rebuilt again later), never fresh when it is not.
        let stats = store.stats(&scope).await?;
        let mut stream = store.export(&scope);
        let mut n = 0u64;
        while let Some(sr) = stream.try_next().await? {
            self.index_report(&sr.report)?;
            n += 1;
            if n.is_multiple_of(50_000) {
                tracing::info!(reports = n, "indexing");
            }
        }
        self.stamp = Stamp {
            schema: SCHEMA_VERSION,
            reports: stats.reports,
            report_versions: stats.report_versions,
        };
        self.commit()?;
        tracing::info!(reports = n, "search index rebuilt");
        Ok(n)
    }

    /// One label clause as a conjunction (`None` when it admits nothing).
    fn label_clause(&self, filter: &LabelFilter) -> Option<Box<dyn Query>> {
        let f = &self.f;
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(agencies) = &filter.agencies {
            if agencies.is_empty() {
                return None;
            }
            out.push((
                Occur::Must,
                Box::new(TermSetQuery::new(
                    agencies
                        .iter()
                        .map(|a| Term::from_field_text(f.agency, a.as_str())),
                )),
            ));
        }
        if filter.handling.is_empty() {
            return None;
        }
        out.push((
            Occur::Must,
            Box::new(TermSetQuery::new(
                filter
                    .handling
                    .iter()
                    .map(|h| Term::from_field_u64(f.handling, h.rank() as u64)),
            )),
        ));
        out.push((
            Occur::Must,
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(f.classification, 0)),
                Bound::Included(Term::from_field_u64(
                    f.classification,
                    filter.max_classification.rank() as u64,
                )),
            )),
        ));
        out.push((
            Occur::Must,
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(f.tlp, 0)),
                Bound::Included(Term::from_field_u64(f.tlp, filter.max_tlp.rank() as u64)),
            )),
        ));
        Some(Box::new(BooleanQuery::new(out)))
    }

    /// The scope as one required clause: the union of its label clauses. `Ok(None)` for
    /// the system scope (no restriction), `Err(())` when the scope admits nothing.
    #[allow(clippy::result_unit_err)]
    fn scope_clause(&self, scope: &Scope) -> std::result::Result<Option<Box<dyn Query>>, ()> {
        let Some(filter) = scope.filter() else {
            return Ok(None);
        };
        // The label clauses as one fast-field predicate (see `scope_query`).
        let mut parts: Vec<(Occur, Box<dyn Query>)> = ScopeQuery::new(&filter.clauses)
            .map(|q| -> (Occur, Box<dyn Query>) { (Occur::Should, Box::new(q)) })
            .into_iter()
            .collect();
        // Reports readable by a recorded permission (H2 grant): by id, within its labels.
        if let Some(g) = filter.live_grants() {
            if let Some(labels) = self.label_clause(&g.labels) {
                let ids: Box<dyn Query> = Box::new(TermSetQuery::new(
                    g.reports
                        .iter()
                        .map(|r| Term::from_field_text(self.f.report_id, r.as_str())),
                ));
                parts.push((
                    Occur::Should,
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Must, labels),
                        (Occur::Must, ids),
                    ])),
                ));
            }
        }
        match parts.len() {
            0 => Err(()),
            1 => Ok(parts.pop().map(|(_, q)| q)),
            _ => Ok(Some(Box::new(BooleanQuery::new(parts)))),
        }
    }

    fn filter_clauses(&self, req: &SearchRequest) -> Vec<Box<dyn Query>> {
        let f = &self.f;
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        if req.from.is_some() || req.until.is_some() {
            let lo = req.from.map_or(Bound::Unbounded, |t| {
                Bound::Included(Term::from_field_i64(f.time, t.timestamp_micros()))
            });
            let hi = req.until.map_or(Bound::Unbounded, |t| {
                Bound::Excluded(Term::from_field_i64(f.time, t.timestamp_micros()))
            });
            out.push(Box::new(RangeQuery::new(lo, hi)));
        }
        if let Some((a, b, c, d)) = req.bbox {
            let ge = |field, v| -> Box<dyn Query> {
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_f64(field, v)),
                    Bound::Unbounded,
                ))
            };
            let le = |field, v| -> Box<dyn Query> {
                Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Included(Term::from_field_f64(field, v)),
                ))
            };
            out.push(ge(f.max_lon, a));
            out.push(le(f.min_lon, c));
            out.push(ge(f.max_lat, b));
            out.push(le(f.min_lat, d));
        }
        if !req.agencies.is_empty() {
            out.push(Box::new(TermSetQuery::new(
                req.agencies
                    .iter()
                    .map(|a| Term::from_field_text(f.agency, a.as_str())),
            )));
        }
        if !req.schemas.is_empty() {
            out.push(Box::new(TermSetQuery::new(
                req.schemas
                    .iter()
                    .map(|s| Term::from_field_text(f.schema, s.as_str())),
            )));
        }
        if let Some(k) = req.kind {
            out.push(Box::new(TermQuery::new(
                Term::from_field_text(f.kind, k.as_str()),
                IndexRecordOption::Basic,
            )));
        }
        out
    }

    /// The text part: identifier readings of the whole query, or its words as names
    /// (exact, fuzzy, phonetic) and as narrative text.
    fn text_query(&self, req: &SearchRequest) -> Option<Box<dyn Query>> {
        let f = &self.f;
        let q = req.query.trim();
        if q.is_empty() {
            return None;
        }
        let boost =
            |q: Box<dyn Query>, b: f32| -> Box<dyn Query> { Box::new(BoostQuery::new(q, b)) };
        let term = |field, s: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, s),
                IndexRecordOption::WithFreqs,
            ))
        };
        let mut branches: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = BTreeSet::new();
        for n in ident::guess(q, req.default_country.as_deref()) {
            let k = n.key.to_string();
            if seen.insert(k.clone()) {
                branches.push((Occur::Should, boost(term(f.ident, &k), 10.0)));
            }
        }
        // Every word must match, except one in long queries (a father's name, or a
        // particle the record does not have).
        let need = |n: usize| if n >= 3 { n - 1 } else { n };
        let form = name::analyse(q);
        let mut groups: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (t, s) in form.tokens.iter().zip(&form.skeletons) {
            let mut alts: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Should, boost(term(f.name, t), 4.0))];
            let d = match t.len() {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            if d > 0 {
                let fz = FuzzyTermQuery::new(Term::from_field_text(f.name, t), d, true);
                alts.push((Occur::Should, boost(Box::new(fz), 2.0)));
            }
            if s.len() >= 2 {
                alts.push((Occur::Should, boost(term(f.skel, s), 2.0)));
            }
            groups.push((Occur::Should, Box::new(BooleanQuery::new(alts))));
        }
        if !groups.is_empty() {
            let n = need(groups.len());
            branches.push((
                Occur::Should,
                Box::new(BooleanQuery::with_minimum_required_clauses(groups, n)),
            ));
        }
        let words: Vec<String> = name::to_ascii(q)
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let mut groups: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &words {
            let mut alts: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, term(f.text, w))];
            if w.len() >= 6 {
                let fz = FuzzyTermQuery::new(Term::from_field_text(f.text, w), 1, true);
                alts.push((Occur::Should, boost(Box::new(fz), 0.5)));
            }
            groups.push((Occur::Should, Box::new(BooleanQuery::new(alts))));
        }
        if !groups.is_empty() {
            let n = need(groups.len());
            branches.push((
                Occur::Should,
                Box::new(BooleanQuery::with_minimum_required_clauses(groups, n)),
            ));
        }
        if branches.is_empty() {
            return Some(Box::new(EmptyQuery));
        }
        Some(Box::new(BooleanQuery::new(branches)))
    }

    /// Searches within what `scope` may see.
    pub fn search(&self, scope: &Scope, req: &SearchRequest) -> Result<SearchResults> {
        let Ok(scope_q) = self.scope_clause(scope) else {
            return Ok(SearchResults::default());
        };
        let mut must = self.filter_clauses(req);
        must.extend(scope_q);
        let text = self.text_query(req);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            must.into_iter().map(|q| (Occur::Must, q)).collect();
        let words = text.as_ref().map(|_| query_words(&req.query));
        match text {
            Some(t) => clauses.push((Occur::Must, t)),
            None => clauses.push((Occur::Must, Box::new(AllQuery))),
        }
        if req.hide_protected {
            clauses.push((
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_u64(self.f.protected, 1),
                    IndexRecordOption::Basic,
                )),
            ));
            for field in [self.f.entity_id, self.f.refs] {
                if !self.protected_ids.is_empty() {
                    clauses.push((
                        Occur::MustNot,
                        Box::new(TermSetQuery::new(
                            self.protected_ids
                                .iter()
                                .map(|id| Term::from_field_text(field, id)),
                        )),
                    ));
                }
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let limit = req.limit.clamp(1, 1_000);
        let (top, total) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(limit)
                    .and_offset(req.offset)
                    .order_by_score(),
                Count,
            ),
        )?;
        let f = &self.f;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let s = |field| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            let kind = if s(f.kind) == "report" {
                DocKind::Report
            } else {
                DocKind::Entity
            };
            let rid = s(f.report_id);
            let time = d.get_first(f.time).and_then(|v| v.as_i64()).unwrap_or(0);
            let (title, snippet) = (s(f.title), s(f.snippet));
            let highlights = words
                .as_ref()
                .map(|w| highlights(w, &[&title, &snippet]))
                .unwrap_or_default();
            hits.push(Hit {
                score,
                kind,
                report_id: ReportId::parse(&rid)
                    .map_err(|e| SearchError::Invalid(format!("indexed report id: {e}")))?,
                entity_id: Some(s(f.entity_id)).filter(|x| !x.is_empty()),
                schema: Some(s(f.schema)).filter(|x| !x.is_empty()),
                agency: s(f.agency),
                title,
                snippet,
                time: DateTime::from_timestamp_micros(time).unwrap_or_default(),
                highlights,
            });
        }
        Ok(SearchResults { total, hits })
    }

    /// Number of documents in the index (every report and mention; for maintenance and
    /// benchmarks, never shown to a user, since it ignores scopes).
    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// The query's words, folded to ASCII lowercase, with their phonetic skeletons.
fn query_words(q: &str) -> Vec<(String, String)> {
    let form = name::analyse(q);
    let mut out: Vec<(String, String)> = form
        .tokens
        .iter()
        .cloned()
        .zip(form.skeletons.iter().cloned())
        .collect();
    for w in name::to_ascii(q)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 2)
    {
        if !out.iter().any(|(t, _)| t == w) {
            out.push((w.to_owned(), String::new()));
        }
    }
    out
}

/// Edit distance, bounded (early exit above `max`).
fn within(a: &str, b: &str, max: usize) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        if cur.iter().min().copied().unwrap_or(0) > max {
            return false;
        }
        prev = cur;
    }
    prev[b.len()] <= max
}

/// Words of `texts` (as written) that match a query word: same folded form, within the
/// fuzzy distance the query allows, or the same phonetic skeleton.
fn highlights(words: &[(String, String)], texts: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for t in texts {
        for w in t.split(|c: char| c.is_whitespace() || ",;:()/.".contains(c)) {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            if w.is_empty() || !seen.insert(w.to_owned()) {
                continue;
            }
            let form = name::analyse(w);
            let hit = form.tokens.iter().zip(&form.skeletons).any(|(t, s)| {
                words.iter().any(|(q, qs)| {
                    let d = match q.len() {
                        0..=3 => 0,
                        4..=7 => 1,
                        _ => 2,
                    };
                    t == q || within(t, q, d) || (s.len() >= 2 && s == qs)
                })
            });
            if hit {
                out.push(w.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
