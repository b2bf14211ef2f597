//! `mosaic serve`: the HTTP API (and later the web app) over the configured store.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use mosaic_server::{ServerConfig, TlsConfig};
use mosaic_store::{AccountStore, Store};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TlsMode {
    /// Plain HTTP on a loopback address, HTTPS with a self-signed certificate otherwise.
    Auto,
    /// Plain HTTP (refused on anything but a loopback address).
    Off,
    /// HTTPS with a self-signed certificate kept in <data dir>/tls/.
    SelfSigned,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on [default: the config file's server.bind, else 127.0.0.1:8080].
    #[arg(long, env = "MOSAIC_BIND")]
    pub bind: Option<SocketAddr>,
    /// TLS: auto, off or self-signed; --cert/--key use that certificate instead.
    #[arg(long, value_enum, default_value_t = TlsMode::Auto)]
    pub tls: TlsMode,
    /// PEM certificate chain for HTTPS (with --key).
    #[arg(long, requires = "key", env = "MOSAIC_TLS_CERT")]
    pub cert: Option<PathBuf>,
    /// PEM private key for HTTPS (with --cert).
    #[arg(long, requires = "cert", env = "MOSAIC_TLS_KEY")]
    pub key: Option<PathBuf>,
    /// Extra host names or addresses for the self-signed certificate.
    #[arg(long = "tls-name")]
    pub tls_names: Vec<String>,
    /// Create the demo agencies and accounts (admin, analyst, officer) if missing, and
    /// print their credentials. For demonstrations only.
    #[arg(long)]
    pub demo_accounts: bool,
    /// Largest JSON request body, in bytes.
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds a request may take.
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
}

/// The server configuration these arguments describe.
pub fn server_config(
    args: &ServeArgs,
    data_dir: &Path,
    default_bind: Option<&str>,
) -> Result<ServerConfig> {
    let bind = match (args.bind, default_bind) {
        (Some(b), _) => b,
        (None, Some(s)) => s.parse().with_context(|| {
            format!("server.bind {s:?} in the config file is not an address:port")
        })?,
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let tls = match (&args.cert, &args.key, args.tls) {
        (Some(cert), Some(key), _) => TlsConfig::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        (_, _, TlsMode::Off) => TlsConfig::Off,
        (_, _, TlsMode::Auto) if bind.ip().is_loopback() => TlsConfig::Off,
        _ => TlsConfig::SelfSigned {
            extra_names: args.tls_names.clone(),
        },
    };
    let mut config = ServerConfig {
        bind,
        tls,
        data_dir: data_dir.to_owned(),
        ..ServerConfig::default()
    };
    config.limits.max_body_bytes = args.max_body_bytes;
    config.limits.request_timeout = std::time::Duration::from_secs(args.request_timeout.max(1));
    if let Err(e) = config.check() {
        bail!("{e}");
    }
    Ok(config)
}

/// Runs the server until Ctrl-C or SIGTERM. The store must be initialised.
pub async fn run(
    store: Arc<dyn Store>,
    accounts: Arc<dyn AccountStore>,
    facets: mosaic_server::Facets,
    data_dir: &Path,
    default_bind: Option<&str>,
    args: ServeArgs,
) -> Result<()> {
    let centre = store
        .centre()
        .await
        .context("the store is not initialised: run `mosaic init` (or `mosaic demo`) first")?;
    let config = server_config(&args, data_dir, default_bind)?;
    if args.demo_accounts {
        let created = mosaic_server::ensure_demo_accounts(&*store, &*accounts).await?;
        if !created.is_empty() {
            println!("Demo accounts created (change or disable them before real use):");
        } else {
            println!("Demo accounts (already present):");
        }
        for d in mosaic_server::DEMO_ACCOUNTS {
            println!(
                "  {:<10} password {:<22} {} at {}",
                d.username, d.password, d.role, d.agency
            );
        }
    }
    let server = mosaic_server::Server::bind_facets(store, accounts, facets, config).await?;
    println!(
        "Mosaic centre {} serving on {}  (API under /api/v1, OpenAPI at /api/openapi.json; Ctrl-C stops)",
        centre.id,
        server.url()
    );
    if server.url().starts_with("https") && args.cert.is_none() {
        println!(
            "Self-signed certificate: {} (trust it in your browser or client)",
            mosaic_server::tls::self_signed_paths(data_dir).0.display()
        );
    }
    server.run(mosaic_server::shutdown_signal()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: ServeArgs,
    }

    fn cfg(args: &[&str]) -> Result<ServerConfig> {
        let t = T::try_parse_from(std::iter::once("serve").chain(args.iter().copied())).unwrap();
        server_config(&t.a, Path::new("/tmp/x"), None)
    }

    #[test]
    fn loopback_defaults_to_plain_http_elsewhere_to_tls() {
        assert_eq!(cfg(&[]).unwrap().tls, TlsConfig::Off);
        assert!(matches!(
            cfg(&["--bind", "0.0.0.0:8443"]).unwrap().tls,
            TlsConfig::SelfSigned { .. }
        ));
        assert!(cfg(&["--bind", "0.0.0.0:8080", "--tls", "off"]).is_err());
        assert!(matches!(
            cfg(&["--cert", "c.pem", "--key", "k.pem"]).unwrap().tls,
            TlsConfig::Files { .. }
        ));
    }
}
