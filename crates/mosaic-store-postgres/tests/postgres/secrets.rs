//! The password in a database URL never shows: not in Debug output, errors or logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use mosaic_store::Store;
use mosaic_store_postgres::testing::TestDb;
use mosaic_store_postgres::{redact, PgStore};

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// `url` carrying a password: the server's own if it needs one, else a made-up one
/// (trust authentication ignores it, as on CI).
fn with_password(url: &str) -> (String, String) {
    let mut u = url::Url::parse(url).unwrap();
    if let Some(p) = u.password() {
        return (url.to_owned(), p.to_owned());
    }
    let secret = "Xq7-sEcReT-pw-42";
    u.set_password(Some(secret)).unwrap();
    (u.to_string(), secret.to_owned())
}

// One thread: the captured subscriber (thread-local default) sees every task's logs.
#[tokio::test(flavor = "current_thread")]
async fn passwords_never_show_in_debug_errors_or_logs() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let db = TestDb::create().await;
    let (url, secret) = with_password(db.url());
    let redacted = redact(&url);
    assert!(!redacted.contains(&secret), "{redacted}");
    assert!(redacted.contains("***"), "{redacted}");

    // A working store: Debug and the URL it reports are redacted.
    let store = PgStore::connect(&url).await.expect("connects");
    store
        .set_centre(&mosaic_store::conformance::centre())
        .await
        .unwrap();
    let debug = format!("{store:?} {:?}", store.subscribe().await.unwrap());
    assert!(!debug.contains(&secret), "{debug}");
    assert!(debug.contains("***"), "{debug}");
    assert!(!store.redacted_url().contains(&secret));
    store.close().await;

    // Failures: a missing database, a closed port, an unparseable URL, an unsupported
    // parameter carrying a secret. Each error names the server without the secret.
    let mut missing = url::Url::parse(&url).unwrap();
    missing.set_path("/mosaic_test_no_such_database");
    let mut closed = url::Url::parse(&url).unwrap();
    closed.set_port(Some(1)).unwrap();
    let bad_urls = [
        missing.to_string(),
        closed.to_string(),
        format!("postgres://u:{secret}@[::1"),
        format!("{url}?sslpassword={secret}"),
    ];
    for bad in &bad_urls {
        let err = PgStore::connect(bad)
            .await
            .expect_err("this URL cannot work");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(&secret), "error leaks the secret: {shown}");
        eprintln!("error as shown: {shown}");
    }

    db.drop_now().await;
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty(), "the log capture works");
    assert!(!logs.contains(&secret), "logs leak the secret:\n{logs}");
}
