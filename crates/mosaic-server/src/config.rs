//! Server configuration, with defaults that are safe on a laptop: bind to localhost,
//! plain HTTP only there; HTTPS with a self-signed certificate kept in the data folder, or
//! with a configured certificate and key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the server speaks TLS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum TlsConfig {
    /// Plain HTTP. Only sensible on the loopback interface (the default bind).
    Off,
    /// HTTPS with a self-signed certificate for `localhost`/`127.0.0.1`/`::1` (plus any
    /// extra names), generated on first start and kept in `<data_dir>/tls/`.
    SelfSigned {
        #[serde(default)]
        extra_names: Vec<String>,
    },
    /// HTTPS with a certificate chain and private key in PEM files.
    Files { cert: PathBuf, key: PathBuf },
}

impl TlsConfig {
    pub fn enabled(&self) -> bool {
        !matches!(self, TlsConfig::Off)
    }
}

/// Limits that keep one client from exhausting the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest JSON request body, in bytes.
    pub max_body_bytes: usize,
    /// Time a request may take before it is answered with 503 (streamed export bodies
    /// are exempt once their headers are sent).
    #[serde(with = "secs")]
    pub request_timeout: Duration,
    /// Page size when the client gives none.
    pub default_page_size: u32,
    /// Largest page a client may ask for.
    pub max_page_size: u32,
    /// Login attempts per client IP address per minute.
    pub login_attempts_per_minute: u32,
    /// Consecutive failed logins that lock an account.
    pub max_failed_logins: u32,
    /// How long a locked account stays locked.
    #[serde(with = "secs")]
    pub lockout: Duration,
    /// A login session ends this long after login, whatever happens.
    #[serde(with = "secs")]
    pub session_lifetime: Duration,
    /// A login session ends after this long without a request.
    #[serde(with = "secs")]
    pub session_idle: Duration,
    /// Longest API token lifetime, in days.
    pub max_token_days: u32,
    /// Largest bulk-import upload, in bytes (streamed to disk, not held in memory).
    pub max_import_bytes: u64,
    /// Time an import upload may take to arrive (instead of `request_timeout`).
    #[serde(with = "secs")]
    pub upload_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            default_page_size: 100,
            max_page_size: 1_000,
            login_attempts_per_minute: 20,
            max_failed_logins: 5,
            lockout: Duration::from_secs(15 * 60),
            session_lifetime: Duration::from_secs(8 * 3600),
            session_idle: Duration::from_secs(30 * 60),
            max_token_days: 365,
            max_import_bytes: 1024 * 1024 * 1024,
            upload_timeout: Duration::from_secs(3600),
        }
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

/// Everything `mosaic serve` needs besides the stores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Address to listen on. Default `127.0.0.1:8443` (HTTPS) — local only.
    pub bind: SocketAddr,
    pub tls: TlsConfig,
    /// The data folder (the self-signed certificate lives in `<data_dir>/tls/`).
    pub data_dir: PathBuf,
    pub limits: Limits,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8443)),
            tls: TlsConfig::SelfSigned {
                extra_names: Vec::new(),
            },
            data_dir: PathBuf::from("mosaic-data"),
            limits: Limits::default(),
        }
    }
}

impl ServerConfig {
    /// Plain HTTP on the loopback interface (tests, local development).
    pub fn local_http(port: u16, data_dir: PathBuf) -> ServerConfig {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], port)),
            tls: TlsConfig::Off,
            data_dir,
            limits: Limits::default(),
        }
    }

    /// Refuses plain HTTP on a non-loopback address: passwords and session cookies would
    /// cross the network in clear.
    pub fn check(&self) -> Result<(), String> {
        if !self.tls.enabled() && !self.bind.ip().is_loopback() {
            return Err(format!(
                "refusing plain HTTP on {}: use TLS (self-signed or a certificate) or bind to 127.0.0.1",
                self.bind
            ));
        }
        let l = &self.limits;
        if l.default_page_size == 0 || l.max_page_size < l.default_page_size {
            return Err("page sizes: need 0 < default_page_size <= max_page_size".into());
        }
        if l.max_failed_logins == 0 || l.login_attempts_per_minute == 0 {
            return Err("login limits must be at least 1".into());
        }
        Ok(())
    }
}
