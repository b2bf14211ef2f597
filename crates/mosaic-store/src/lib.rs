//! The `Store` trait that every backend implements, the read `Scope` every read needs,
//! and (feature `conformance`) the one test suite every backend must pass.
//!
//! Invariants a backend upholds:
//! - **Reads need a scope.** There is no read method without a [`Scope`]; the scope's
//!   label filter is applied inside the query (SQL `WHERE`), never after fetching, so a
//!   hidden row cannot show up in results, counts or pages.
//! - **Evidence is immutable.** A report is never edited in place: different content under
//!   the same id is stored as a new version, and only the current version's statements are
//!   "current". Re-writing identical content is a no-op (idempotence).
//! - **Batches are atomic.** A [`WriteBatch`] — reports, rejects and the import checkpoint —
//!   commits in one transaction: a crash leaves either all of it or none of it.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use mosaic_model::{
    Agency, AgencyId, Centre, Classification, EntityId, HandlingCode, Report, ReportId, Rule,
    Schema, Tlp,
};

pub mod accounts;
pub mod agreements;
pub mod audit;
#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod conformance_accounts;
#[cfg(feature = "conformance")]
pub mod conformance_agreements;
#[cfg(feature = "conformance")]
pub mod conformance_audit;
#[cfg(feature = "conformance")]
pub mod conformance_permissions;
#[cfg(feature = "conformance")]
pub mod conformance_policy;
#[cfg(feature = "conformance")]
pub mod conformance_referrals;
pub mod judgements;
pub mod permissions;
pub mod referrals;
pub mod retention;

pub use accounts::{
    AccountError, AccountStore, ApiToken, LoginFailure, Secret, Session, UserRecord,
};
pub use agreements::{AgreementStore, AgreementStoreError};
pub use audit::{AuditQuery, AuditStore};
pub use judgements::{Judgement, JudgementStore, NewJudgement, Verdict};
pub use referrals::{Referral, ReferralStore};
pub use retention::{run_retention, RetentionDue, RetentionStore, RetentionSummary, Tombstone};

/// Errors a store can return.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data store is not initialised: run `mosaic init` first")]
    NotInitialised,
    #[error("the data store was created by a newer Mosaic (schema version {found}, this build knows {known})")]
    TooNew { found: i64, known: i64 },
    #[error("database error: {0}")]
    Backend(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The coarse label filter that a scope carries. Built by the policy layer from the
/// caller's agency, role, clearance and purpose; enforced by the backend in SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelFilter {
    /// Providing agencies whose material may be seen; `None` means every agency.
    pub agencies: Option<BTreeSet<AgencyId>>,
    /// Highest classification the caller is cleared for.
    pub max_classification: Classification,
    /// Most restrictive TLP marking the caller may see.
    pub max_tlp: Tlp,
    /// Handling codes the caller may see.
    pub handling: BTreeSet<HandlingCode>,
}

impl LabelFilter {
    /// Whether a report's labels pass the filter (the reference the SQL must agree with).
    pub fn admits(&self, agency: &AgencyId, c: Classification, t: Tlp, h: HandlingCode) -> bool {
        self.agencies.as_ref().is_none_or(|a| a.contains(agency))
            && c <= self.max_classification
            && t <= self.max_tlp
            && self.handling.contains(&h)
    }
}

/// The filter a restricted scope carries: a **union** (OR) of [`LabelFilter`] clauses,
/// each clause an AND of agency set, classification ceiling, TLP ceiling and handling
/// codes. This is what lets the policy layer say "own agency: everything up to my
/// clearance, RED and H2 included; other agencies: up to AMBER, H0–H1".
///
/// An empty union admits nothing (deny by default). Backends push it down as
/// `(clause₁) OR (clause₂) OR …`, or a condition that is always false when empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeFilter {
    pub clauses: Vec<LabelFilter>,
    /// Reports admitted by name, by the provider's recorded permission (H2 grants), still
    /// within a label ceiling. `None` (or no ids) adds nothing to the union.
    pub granted: Option<GrantClause>,
}

/// One more clause of the union: these reports, when their labels pass `labels`.
/// Built by the policy layer from the permissions granted to the reader's agency, per
/// request, so a revoked or expired grant stops admitting at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantClause {
    pub reports: BTreeSet<ReportId>,
    pub labels: LabelFilter,
}

impl GrantClause {
    /// Whether the clause can admit nothing.
    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
            || self.labels.handling.is_empty()
            || self.labels.agencies.as_ref().is_some_and(|a| a.is_empty())
    }
}

impl ScopeFilter {
    /// The union that admits nothing.
    pub fn nothing() -> ScopeFilter {
        ScopeFilter::default()
    }

    /// A union of the given clauses.
    pub fn any_of(clauses: impl IntoIterator<Item = LabelFilter>) -> ScopeFilter {
        ScopeFilter {
            clauses: clauses.into_iter().collect(),
            granted: None,
        }
    }

    /// The same union plus a clause admitting the named reports under `labels`.
    pub fn with_granted(mut self, reports: BTreeSet<ReportId>, labels: LabelFilter) -> Self {
        self.granted = Some(GrantClause { reports, labels });
        self
    }

    /// Whether a report's labels pass any label clause. Ignores the granted clause (it
    /// needs the report id): see [`ScopeFilter::admits_report`].
    pub fn admits(&self, agency: &AgencyId, c: Classification, t: Tlp, h: HandlingCode) -> bool {
        self.clauses.iter().any(|f| f.admits(agency, c, t, h))
    }

    /// Whether one report passes the union, granted clause included (the reference the
    /// SQL must agree with).
    pub fn admits_report(
        &self,
        id: &ReportId,
        agency: &AgencyId,
        c: Classification,
        t: Tlp,
        h: HandlingCode,
    ) -> bool {
        self.admits(agency, c, t, h)
            || self
                .granted
                .as_ref()
                .is_some_and(|g| g.reports.contains(id) && g.labels.admits(agency, c, t, h))
    }

    /// The granted clause, when it can admit something.
    pub fn live_grants(&self) -> Option<&GrantClause> {
        self.granted.as_ref().filter(|g| !g.is_empty())
    }

    /// Whether the union can admit nothing at all (no clause, or only empty clauses).
    pub fn is_nothing(&self) -> bool {
        self.live_grants().is_none()
            && self
                .clauses
                .iter()
                .all(|f| f.handling.is_empty() || f.agencies.as_ref().is_some_and(|a| a.is_empty()))
    }
}

impl From<LabelFilter> for ScopeFilter {
    fn from(f: LabelFilter) -> ScopeFilter {
        ScopeFilter::any_of([f])
    }
}

#[derive(Clone, Debug)]
enum ScopeKind {
    /// Whole-store access for maintenance by the centre's administrator on the command
    /// line (export, migrate, stats). Named and audited, never handed to a web user.
    System,
    Labels(ScopeFilter),
}

/// A permission-carrying read handle. Every read method takes one; there is no way to
/// read without deciding, at construction, what the reader may see.
#[derive(Clone, Debug)]
pub struct Scope {
    kind: ScopeKind,
    purpose: Arc<str>,
}

impl Scope {
    /// Whole-store access for a stated maintenance purpose.
    pub fn system(purpose: &str) -> Scope {
        Scope {
            kind: ScopeKind::System,
            purpose: purpose.into(),
        }
    }

    /// A label-restricted scope with one clause (the policy layer builds these).
    pub fn restricted(filter: LabelFilter, purpose: &str) -> Scope {
        Scope::union(filter.into(), purpose)
    }

    /// A scope restricted to a union of label clauses (the policy layer builds these).
    pub fn union(filter: ScopeFilter, purpose: &str) -> Scope {
        Scope {
            kind: ScopeKind::Labels(filter),
            purpose: purpose.into(),
        }
    }

    /// The filter to push down, or `None` for system scope.
    pub fn filter(&self) -> Option<&ScopeFilter> {
        match &self.kind {
            ScopeKind::System => None,
            ScopeKind::Labels(f) => Some(f),
        }
    }

    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// Reference check of one report against the scope.
    pub fn admits(&self, r: &Report) -> bool {
        self.filter()
            .is_none_or(|f| f.admits_report(&r.id, &r.agency, r.classification, r.tlp, r.handling))
    }
}

/// A record an import could not accept, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    /// 1-based line (JSON Lines) or record (CSV; header is line 1) number.
    pub line: u64,
    pub field: String,
    pub rule: Rule,
    pub message: String,
    /// The raw record as read (decoded to UTF-8), truncated to 64 KiB.
    pub raw: String,
}

/// Where an import of one source stands, committed atomically with each batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Content hash of the source file: the same bytes under another name resume too.
    pub source: String,
    pub file_name: String,
    /// Records (lines or CSV rows) fully processed so far.
    pub records_done: u64,
    pub finished: bool,
}

/// Everything one transaction writes.
#[derive(Clone, Debug, Default)]
pub struct WriteBatch {
    pub reports: Vec<Report>,
    pub rejects: Vec<Reject>,
    pub checkpoint: Option<Checkpoint>,
}

/// What a write did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// Reports not seen before.
    pub inserted: u64,
    /// Reports whose id existed with other content: stored as a new version.
    pub new_versions: u64,
    /// Reports identical to the current version: nothing written.
    pub duplicates: u64,
    /// Statements written.
    pub statements: u64,
}

impl std::ops::AddAssign for WriteOutcome {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.new_versions += o.new_versions;
        self.duplicates += o.duplicates;
        self.statements += o.statements;
    }
}

/// The state of an import of one source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportState {
    pub checkpoint: Checkpoint,
    pub outcome: WriteOutcome,
    pub rejected: u64,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A report as stored: the validated report plus its version and when it arrived.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredReport {
    pub report: Report,
    pub version: u32,
    pub content_hash: String,
    pub stored_at: DateTime<Utc>,
}

/// One report version as stored, current or superseded: what copying a store between
/// backends (`mosaic migrate`) reads and writes, so versions, arrival times and the
/// current flag survive the move unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportVersion {
    /// Position in the store's write order. A copy keeps the order, not the numbers.
    pub seq: u64,
    pub stored: StoredReport,
    pub current: bool,
}

/// A statement with the provenance and labels of the report that asserts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStatement {
    pub entity_id: EntityId,
    pub schema: Schema,
    pub prop: String,
    pub value: String,
    pub is_ref: bool,
    pub report_id: ReportId,
    pub report_version: u32,
    pub agency: AgencyId,
    pub handling: HandlingCode,
    pub tlp: Tlp,
    pub classification: Classification,
    /// EU 4x4 code of the report's grading, if graded.
    pub grading: Option<String>,
    pub reported_at: DateTime<Utc>,
    pub observed_at: Option<DateTime<Utc>>,
}

/// Filters for listing reports. Pages are keyed by `(reported_at, id)`.
#[derive(Clone, Debug, Default)]
pub struct ReportQuery {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// `(min_lon, min_lat, max_lon, max_lat)`: reports whose place box intersects it.
    pub bbox: Option<(f64, f64, f64, f64)>,
    pub agency: Option<AgencyId>,
    /// Continue after this `(reported_at, id)`.
    pub after: Option<(DateTime<Utc>, ReportId)>,
    pub limit: u32,
}

/// Counts, as the scope allows them to be seen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub reports: u64,
    pub report_versions: u64,
    pub statements: u64,
    pub entities: u64,
    pub reports_by_agency: BTreeMap<String, u64>,
    pub entities_by_schema: BTreeMap<String, u64>,
    pub imports: u64,
    pub rejects: u64,
}

/// The store. One implementation per backend crate.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// The centre this store belongs to (set by `mosaic init`).
    async fn centre(&self) -> Result<Centre>;
    async fn set_centre(&self, centre: &Centre) -> Result<()>;
    async fn put_agency(&self, agency: &Agency) -> Result<()>;
    async fn agencies(&self) -> Result<Vec<Agency>>;

    /// Writes reports, rejects and a checkpoint in one transaction.
    async fn write(&self, batch: &WriteBatch) -> Result<WriteOutcome>;

    /// The import state of a source (by content hash).
    async fn import_state(&self, source: &str) -> Result<Option<ImportState>>;
    /// All rejects recorded for a source, in line order.
    async fn import_rejects(&self, source: &str) -> Result<Vec<Reject>>;

    /// The current version of one report, if the scope may see it.
    async fn report(&self, scope: &Scope, id: &ReportId) -> Result<Option<StoredReport>>;
    /// Current reports matching the query, ordered by `(reported_at, id)`.
    async fn reports(&self, scope: &Scope, q: &ReportQuery) -> Result<Vec<StoredReport>>;
    /// Current statements about one entity that the scope may see (empty if none).
    async fn entity(&self, scope: &Scope, id: &EntityId) -> Result<Vec<StoredStatement>>;
    /// Current statements whose value equals `value` (optionally of one property).
    async fn find_by_value(
        &self,
        scope: &Scope,
        prop: Option<&str>,
        value: &str,
        limit: u32,
    ) -> Result<Vec<StoredStatement>>;
    /// Every version of every report the scope may see — superseded ones too — in the
    /// order they were stored, after position `after` (0 for the start), at most `limit`.
    /// For copying a store; the administrator's `mosaic migrate` reads with system scope.
    async fn report_versions(
        &self,
        scope: &Scope,
        after: u64,
        limit: u32,
    ) -> Result<Vec<ReportVersion>> {
        let _ = (scope, after, limit);
        Err(self.cannot_copy())
    }
    /// Appends report versions exactly as given — version numbers, arrival times,
    /// current flags — in the given order, in one transaction, deriving the statements
    /// from each report as [`Store::write`] does. Refuses (writing nothing) a version
    /// whose content hash does not match its report, or an `(id, version)` already held.
    /// Returns the number of statements written. For copying into an empty store.
    async fn restore_versions(&self, versions: &[ReportVersion]) -> Result<u64> {
        let _ = versions;
        Err(self.cannot_copy())
    }
    /// The state of every import, ordered by source.
    async fn imports(&self) -> Result<Vec<ImportState>> {
        Err(self.cannot_copy())
    }
    /// Stores one import's state and its rejects exactly as given (times and counts
    /// included), in one transaction. For copying a store; refuses a source it holds.
    async fn restore_import(&self, state: &ImportState, rejects: &[Reject]) -> Result<()> {
        let _ = (state, rejects);
        Err(self.cannot_copy())
    }

    /// The error of the copy methods on a store that does not implement them (wrappers
    /// in tests); both backends implement them.
    fn cannot_copy(&self) -> StoreError {
        StoreError::Invalid(format!("the {} store cannot be copied", self.backend()))
    }
    /// Counts of what the scope may see.
    async fn stats(&self, scope: &Scope) -> Result<Stats>;
    /// Every current report the scope may see, ordered by `(reported_at, id)`, streamed
    /// in keyset pages so no long read transaction is held open.
    fn export<'a>(&'a self, scope: &'a Scope) -> BoxStream<'a, Result<StoredReport>> {
        const PAGE: u32 = 1_000;
        let pages = futures::stream::try_unfold(Some(None), move |after| async move {
            let Some(after) = after else { return Ok(None) };
            let q = ReportQuery {
                after,
                limit: PAGE,
                ..Default::default()
            };
            let page = self.reports(scope, &q).await?;
            let next = match page.last() {
                Some(last) if page.len() == PAGE as usize => {
                    Some(Some((last.report.reported_at, last.report.id.clone())))
                }
                _ => None,
            };
            Ok(Some((
                futures::stream::iter(page.into_iter().map(Ok)),
                next,
            )))
        });
        Box::pin(futures::TryStreamExt::try_flatten(pages))
    }
}

/// Shared handle type for a store chosen at run time.
pub type DynStore = Arc<dyn Store>;
