//! Throw-away databases on a real PostgreSQL server, for tests and benchmarks (feature
//! `testing`). The server is the one at `MOSAIC_TEST_POSTGRES_URL`, by default
//! `postgres://postgres@127.0.0.1:5432/postgres` (trust authentication, as on CI).
//!
//! These helpers panic instead of returning errors: an unreachable server must fail the
//! test run loudly, never skip it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use crate::{redact, PgStore};

/// Environment variable naming the admin URL of the test server.
pub const ENV: &str = "MOSAIC_TEST_POSTGRES_URL";
/// The admin URL used when the variable is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Every database these helpers create starts with this.
pub const PREFIX: &str = "mosaic_test_";
/// Databases left behind by crashed runs are dropped once they are this old.
const STALE_AFTER: Duration = Duration::from_secs(3 * 3600);

/// The admin URL of the test server.
pub fn admin_url() -> String {
    std::env::var(ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// A database that exists for the life of this value and is dropped with it.
pub struct TestDb {
    admin: String,
    name: String,
    url: String,
    dropped: bool,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("name", &self.name)
            .field("url", &redact(&self.url))
            .finish()
    }
}

async fn admin_connection(admin: &str) -> PgConnection {
    let fail = |why: String| -> ! {
        panic!(
            "cannot reach the PostgreSQL test server at {}: {why}\n\
             The PostgreSQL tests need a real server: start one (CI expects 127.0.0.1:5432, \
             user postgres, trust authentication) or point {ENV} at one.",
            redact(admin)
        )
    };
    match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(admin)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => fail(crate::url::scrub(&e.to_string(), admin)),
        Err(_) => fail("no answer within 10 s".into()),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Drops `mosaic_test_*` databases older than [`STALE_AFTER`] (their names carry their
/// creation time); once per process.
async fn drop_stale(conn: &mut PgConnection) {
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'mosaic\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    let now = now_secs();
    for name in names {
        let born = name[PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok());
        if born.is_some_and(|b| now.saturating_sub(b) > STALE_AFTER.as_secs()) {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            match conn.execute(sql.as_str()).await {
                Ok(_) => tracing::info!(%name, "dropped stale test database"),
                Err(e) => tracing::warn!(%name, error = %e, "cannot drop stale test database"),
            }
        }
    }
}

impl TestDb {
    /// Creates an empty database with a fresh random name.
    pub async fn create() -> TestDb {
        let admin = admin_url();
        let mut conn = admin_connection(&admin).await;
        drop_stale(&mut conn).await;
        let name = format!("{PREFIX}{}_{:016x}", now_secs(), rand::random::<u64>());
        conn.execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = conn.close().await;
        let mut u = ::url::Url::parse(&admin).expect("the admin URL parses (we just used it)");
        u.set_path(&format!("/{name}"));
        TestDb {
            admin,
            name,
            url: u.to_string(),
            dropped: false,
        }
    }

    /// The database's URL (may carry the admin password: show it via [`redact`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A store on this database (migrated on open).
    pub async fn store(&self) -> PgStore {
        PgStore::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot open the store on {}: {e}", self.name))
    }

    /// Drops the database now (preferred over relying on `Drop` in async code).
    pub async fn drop_now(mut self) {
        self.dropped = true;
        drop_database(&self.admin, &self.name).await;
    }
}

async fn drop_database(admin: &str, name: &str) {
    let mut conn = admin_connection(admin).await;
    // FORCE: pools of stores on this database may still hold connections.
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    if let Err(e) = conn.execute(sql.as_str()).await {
        tracing::warn!(%name, error = %e, "cannot drop test database");
    }
    let _ = conn.close().await;
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Drop runs in sync context, often on a runtime thread where blocking on that
        // runtime would panic: a thread of our own with its own small runtime does it.
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let t = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for dropping the test database");
            rt.block_on(drop_database(&admin, &name));
        });
        let _ = t.join();
    }
}
