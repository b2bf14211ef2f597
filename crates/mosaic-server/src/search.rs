//! The server's search index and its feed of "new reports" notices.
//!
//! The store the server uses is wrapped in an [`IndexedStore`]: every successful write
//! (a submitted report, each batch of an import) is indexed and committed — before the
//! write returns when the index is free; otherwise (a rebuild or a search holds it) the
//! write is queued and indexed by whoever next takes the index, at the latest by the next
//! search, so writes never wait for a rebuild — and then announced on a broadcast channel
//! that the live-updates endpoint (`/api/v1/events`) filters by each listener's scope. The
//! index is a cache of the store: at start (and whenever indexing failed) it is checked
//! against the store's counts and rebuilt from the store if it is missing or stale.
//!
//! The index lives in `<data dir>/search-index` (the folder `mosaic search` uses). If it
//! cannot be opened there — another process holds its lock — the server keeps one in
//! memory, rebuilt from the store.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use tokio::sync::{broadcast, RwLock, RwLockReadGuard};

use mosaic_model::{Agency, AgencyId, Centre, Classification, EntityId, HandlingCode, ReportId};
use mosaic_model::{Report, Tlp};
use mosaic_search::{SearchError, SearchIndex};
use mosaic_store::{
    ImportState, Reject, ReportQuery, Scope, Stats, Store, StoredReport, StoredStatement,
    WriteBatch, WriteOutcome,
};

/// One report that was stored (new, or a new version), with the labels a listener's scope
/// is checked against.
#[derive(Clone, Debug)]
pub struct Written {
    pub id: ReportId,
    pub agency: AgencyId,
    pub classification: Classification,
    pub tlp: Tlp,
    pub handling: HandlingCode,
    pub reported_at: DateTime<Utc>,
}

impl Written {
    fn of(r: &Report) -> Written {
        Written {
            id: r.id.clone(),
            agency: r.agency.clone(),
            classification: r.classification,
            tlp: r.tlp,
            handling: r.handling,
            reported_at: r.reported_at,
        }
    }

    /// Whether `scope` may see it (the same label test the stores apply in SQL).
    pub fn visible_to(&self, scope: &Scope) -> bool {
        scope
            .filter()
            .is_none_or(|f| f.admits(&self.agency, self.classification, self.tlp, self.handling))
    }
}

/// Notices kept for slow listeners before they are told to resynchronise.
const NOTICE_BUFFER: usize = 1_024;

/// The index, opened lazily, and the notices channel.
pub struct SearchService {
    dir: Option<PathBuf>,
    index: RwLock<Option<SearchIndex>>,
    /// The index is known to reflect the store (checked or rebuilt since start, and no
    /// indexing failed since).
    fresh: AtomicBool,
    /// Writes stored but not indexed yet (the index was busy).
    pending: Mutex<Vec<(Vec<Report>, WriteOutcome)>>,
    notices: broadcast::Sender<Arc<Vec<Written>>>,
}

impl SearchService {
    /// A service whose index lives in `dir` (`None`: in memory).
    pub fn new(dir: Option<PathBuf>) -> SearchService {
        SearchService {
            dir,
            index: RwLock::new(None),
            fresh: AtomicBool::new(false),
            pending: Mutex::new(Vec::new()),
            notices: broadcast::channel(NOTICE_BUFFER).0,
        }
    }

    /// Listens to notices of stored reports (unfiltered: filter by the listener's scope).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<Written>>> {
        self.notices.subscribe()
    }

    fn open(&self) -> Result<SearchIndex, SearchError> {
        if let Some(dir) = &self.dir {
            match SearchIndex::open(dir) {
                Ok(i) => return Ok(i),
                Err(e) => {
                    tracing::warn!(folder = %dir.display(), error = %e, "search index folder unusable; keeping the index in memory");
                }
            }
        }
        SearchIndex::in_memory()
    }

    /// The index, ready to search: opened, and checked against (or rebuilt from) the
    /// store unless that was done already.
    pub async fn ready(
        &self,
        store: &dyn Store,
    ) -> Result<RwLockReadGuard<'_, Option<SearchIndex>>, SearchError> {
        if !self.fresh.load(Ordering::Acquire) || self.has_pending() {
            let mut guard = self.index.write().await;
            if !self.fresh.load(Ordering::Acquire) {
                if guard.is_none() {
                    *guard = Some(self.open()?);
                }
                let idx = guard.as_mut().expect("opened above");
                idx.set_agencies(&store.agencies().await?);
                if !idx.is_current(store).await? {
                    let n = idx.rebuild(store).await?;
                    tracing::info!(reports = n, "search index rebuilt from the store");
                }
                self.fresh.store(true, Ordering::Release);
            }
            if let Some(idx) = guard.as_mut() {
                self.drain(idx);
            }
        }
        Ok(self.index.read().await)
    }

    /// Reports were removed from the store behind the index's back (the retention job):
    /// the next search checks the index against the store again, and rebuilds it (the
    /// report counts no longer match), so a purged report is never found.
    pub fn invalidate(&self) {
        self.fresh.store(false, Ordering::Release);
    }

    fn has_pending(&self) -> bool {
        !self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Indexes the queued writes and commits. A failure is logged and makes the next
    /// search rebuild the index from the store.
    fn drain(&self, idx: &mut SearchIndex) {
        let queued = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if queued.is_empty() {
            return;
        }
        let mut res = Ok(());
        for (reports, out) in &queued {
            res = res.and_then(|()| reports.iter().try_for_each(|r| idx.index_report(r)));
            idx.note_write(out);
        }
        if let Err(e) = res.and_then(|()| idx.commit()) {
            tracing::warn!(error = %e, writes = queued.len(), "indexing failed; the index will be rebuilt");
            self.fresh.store(false, Ordering::Release);
        }
    }

    /// Queues what a successful write stored for indexing, then announces it. Indexing
    /// never fails the write itself. Committing the index costs a segment flush (tens of
    /// milliseconds), so writes are not committed one by one: the queue is indexed in one
    /// commit by the flusher ([`SearchService::spawn_flusher`], every [`FLUSH_EVERY`]),
    /// before any search ([`SearchService::ready`]), or here once [`MAX_PENDING`] writes
    /// wait.
    fn written(&self, batch: &WriteBatch, out: &WriteOutcome) {
        if batch.reports.is_empty() || out.inserted + out.new_versions == 0 {
            return;
        }
        let queued = {
            let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            p.push((batch.reports.clone(), *out));
            p.len()
        };
        if queued >= MAX_PENDING {
            if let Ok(mut guard) = self.index.try_write() {
                self.drain_or_drop(guard.as_mut());
            }
        }
        let items: Vec<Written> = batch.reports.iter().map(Written::of).collect();
        // No listener is not an error.
        let _ = self.notices.send(Arc::new(items));
    }

    fn drain_or_drop(&self, idx: Option<&mut SearchIndex>) {
        match idx {
            Some(idx) => self.drain(idx),
            // Not opened yet: opening checks it against the store, which has the writes.
            None => self
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear(),
        }
    }

    /// Indexes the queued writes in one commit.
    pub async fn flush(&self) {
        if self.has_pending() {
            let mut guard = self.index.write().await;
            self.drain_or_drop(guard.as_mut());
        }
    }

    /// Flushes the queue every [`FLUSH_EVERY`] for as long as the service lives (call
    /// inside the runtime, once).
    pub fn spawn_flusher(self: &Arc<Self>) {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            loop {
                tick.tick().await;
                let Some(s) = me.upgrade() else { break };
                s.flush().await;
            }
        });
    }
}

/// How often queued writes are indexed: how long a new report may take to be found.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// Writes queued before a write indexes them itself (bounds the queue's memory).
pub const MAX_PENDING: usize = 512;

/// The store as the server uses it: writes are indexed and announced ([`SearchService`]).
pub struct IndexedStore {
    inner: Arc<dyn Store>,
    search: Arc<SearchService>,
}

impl IndexedStore {
    pub fn new(inner: Arc<dyn Store>, search: Arc<SearchService>) -> IndexedStore {
        IndexedStore { inner, search }
    }
}

#[async_trait::async_trait]
impl Store for IndexedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn centre(&self) -> mosaic_store::Result<Centre> {
        self.inner.centre().await
    }
    async fn set_centre(&self, centre: &Centre) -> mosaic_store::Result<()> {
        self.inner.set_centre(centre).await
    }
    async fn put_agency(&self, agency: &Agency) -> mosaic_store::Result<()> {
        self.inner.put_agency(agency).await
    }
    async fn agencies(&self) -> mosaic_store::Result<Vec<Agency>> {
        self.inner.agencies().await
    }
    async fn write(&self, batch: &WriteBatch) -> mosaic_store::Result<WriteOutcome> {
        let out = self.inner.write(batch).await?;
        self.search.written(batch, &out);
        Ok(out)
    }
    async fn import_state(&self, source: &str) -> mosaic_store::Result<Option<ImportState>> {
        self.inner.import_state(source).await
    }
    async fn import_rejects(&self, source: &str) -> mosaic_store::Result<Vec<Reject>> {
        self.inner.import_rejects(source).await
    }
    async fn report(
        &self,
        scope: &Scope,
        id: &ReportId,
    ) -> mosaic_store::Result<Option<StoredReport>> {
        self.inner.report(scope, id).await
    }
    async fn reports(
        &self,
        scope: &Scope,
        q: &ReportQuery,
    ) -> mosaic_store::Result<Vec<StoredReport>> {
        self.inner.reports(scope, q).await
    }
    async fn entity(
        &self,
        scope: &Scope,
        id: &EntityId,
    ) -> mosaic_store::Result<Vec<StoredStatement>> {
        self.inner.entity(scope, id).await
    }
    async fn find_by_value(
        &self,
        scope: &Scope,
        prop: Option<&str>,
        value: &str,
        limit: u32,
    ) -> mosaic_store::Result<Vec<StoredStatement>> {
        self.inner.find_by_value(scope, prop, value, limit).await
    }
    async fn stats(&self, scope: &Scope) -> mosaic_store::Result<Stats> {
        self.inner.stats(scope).await
    }
    fn export<'a>(&'a self, scope: &'a Scope) -> BoxStream<'a, mosaic_store::Result<StoredReport>> {
        self.inner.export(scope)
    }
}
