//! A Mosaic server with the web app, for the browser end-to-end tests and the web
//! benchmark (`web/e2e/run.mjs`, `bench/web.mjs`): opens a fresh SQLite store in the given
//! data folder, creates the demo agencies and accounts plus the agencies the seed file
//! uses, imports the seed reports (JSON Lines, `mosaic.report/1`), and serves the API with
//! the embedded web app on 127.0.0.1 until stdin closes or the process is killed.
//!
//! ```text
//! cargo run -p mosaic-server --example e2e_server -- DATA_DIR [PORT] [SEED.jsonl]
//! ```
//!
//! Prints `LISTENING http://127.0.0.1:<port>` once it accepts connections (port 0 picks a
//! free one). Once `mosaic serve` merges `web::router()`, the tests can use the CLI
//! instead; this stays useful because it seeds data the tests know.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use mosaic_model::{Agency, AgencyId, AgencyKind, Centre, CentreId, Report};
use mosaic_server::{api, tls::ClientAddr, AppState, ServerConfig};
use mosaic_store::{Store, WriteBatch};
use mosaic_store_sqlite::SqliteStore;

const AGENCIES: &[(&str, &str, AgencyKind)] = &[
    (
        "fr-gcm",
        "Garde-côtes, Manche (demo)",
        AgencyKind::CoastGuard,
    ),
    (
        "be-fedpol",
        "Federal police, Belgium (demo)",
        AgencyKind::Police,
    ),
    ("fr-douane", "Douane (demo)", AgencyKind::Customs),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: e2e_server DATA_DIR [PORT] [SEED.jsonl]")?,
    );
    let port: u16 = args.next().map(|p| p.parse()).transpose()?.unwrap_or(0);
    let seed = args.next().map(PathBuf::from);

    std::fs::create_dir_all(&dir)?;
    let store = Arc::new(SqliteStore::open(&dir).await?);
    let centre = Centre {
        id: CentreId::parse("fr-ncc")?,
        name: "Centre national (e2e)".into(),
        country: "fr".into(),
    };
    store.set_centre(&centre).await?;
    mosaic_server::ensure_demo_accounts(&*store, &*store).await?;
    for (id, name, kind) in AGENCIES {
        store
            .put_agency(&Agency {
                id: AgencyId::parse(id)?,
                name: (*name).into(),
                kind: *kind,
                country: id[..2].into(),
            })
            .await?;
    }
    if let Some(seed) = seed {
        let file = std::io::BufReader::new(std::fs::File::open(&seed)?);
        let mut batch = Vec::new();
        let mut n = 0usize;
        for (i, line) in file.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(&line)?;
            let r = Report::from_value(&centre.id, &v).map_err(|e| {
                format!(
                    "{}:{}: {}",
                    seed.display(),
                    i + 1,
                    e.iter()
                        .map(|x| format!("{}: {}", x.field, x.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })?;
            batch.push(r);
            if batch.len() == 2000 {
                n += batch.len();
                store
                    .write(&WriteBatch {
                        reports: std::mem::take(&mut batch),
                        ..Default::default()
                    })
                    .await?;
            }
        }
        n += batch.len();
        store
            .write(&WriteBatch {
                reports: batch,
                ..Default::default()
            })
            .await?;
        eprintln!("seeded {n} reports from {}", seed.display());
    }

    let config = ServerConfig::local_http(port, dir.clone());
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    let addr = listener.local_addr()?;
    // every request the browser makes is audited, as under `mosaic serve`
    let state = AppState::new(store.clone(), store.clone(), config).with_audit(store);
    let (app, _) = api::router(state);
    println!("LISTENING http://{addr}");
    let stop = async {
        // Stops when the parent closes stdin (or on Ctrl-C).
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin()
                .read_line(&mut sink)
                .map(|n| n > 0)
                .unwrap_or(false)
            {
                sink.clear();
            }
        });
        tokio::select! {
            _ = stdin_closed => {},
            _ = tokio::signal::ctrl_c() => {},
        }
    };
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<ClientAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await?;
    Ok(())
}
