//! HTTPS with rustls (ring provider): a configured certificate and key, or a self-signed
//! certificate generated with rcgen on first start and kept in `<data_dir>/tls/`.
//!
//! TLS handshakes run on their own tasks with a timeout, so a slow or silent client
//! cannot hold up the accept loop.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::{IncomingStream, Listener};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::config::TlsConfig;

/// Errors setting up TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(String),
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// Where the self-signed certificate lives.
pub fn self_signed_paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    let dir = data_dir.join("tls");
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// Creates the self-signed certificate and key if they do not exist; returns their paths.
pub fn ensure_self_signed(
    data_dir: &Path,
    extra_names: &[String],
) -> Result<(PathBuf, PathBuf), TlsError> {
    let (cert, key) = self_signed_paths(data_dir);
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(extra_names.iter().cloned());
    let ck =
        rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    let dir = cert.parent().expect("has a parent");
    std::fs::create_dir_all(dir).map_err(|e| TlsError::File {
        path: dir.to_owned(),
        message: e.to_string(),
    })?;
    write_private(&key, ck.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert, ck.cert.pem()).map_err(|e| TlsError::File {
        path: cert.clone(),
        message: e.to_string(),
    })?;
    tracing::info!(cert = %cert.display(), "generated a self-signed TLS certificate");
    Ok((cert, key))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    let err = |e: io::Error| TlsError::File {
        path: path.to_owned(),
        message: e.to_string(),
    };
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(err)?;
        f.write_all(bytes).map_err(err)
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, bytes).map_err(err)
    }
}

/// Builds the rustls server configuration for `tls` (None when TLS is off).
pub fn server_config(
    tls: &TlsConfig,
    data_dir: &Path,
) -> Result<Option<Arc<rustls::ServerConfig>>, TlsError> {
    let (cert, key) = match tls {
        TlsConfig::Off => return Ok(None),
        TlsConfig::SelfSigned { extra_names } => ensure_self_signed(data_dir, extra_names)?,
        TlsConfig::Files { cert, key } => (cert.clone(), key.clone()),
    };
    let ferr = |path: &Path, e: &dyn std::fmt::Display| TlsError::File {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .map_err(|e| ferr(&cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| ferr(&cert, &e))?;
    if certs.is_empty() {
        return Err(ferr(&cert, &"no certificate in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(&key).map_err(|e| ferr(&key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(Arc::new(cfg)))
}

/// The client's address, as handlers see it (`ConnectInfo<ClientAddr>`).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<IncomingStream<'_, TcpListener>> for ClientAddr {
    fn connect_info(s: IncomingStream<'_, TcpListener>) -> Self {
        ClientAddr(*s.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, TlsListener>> for ClientAddr {
    fn connect_info(s: IncomingStream<'_, TlsListener>) -> Self {
        ClientAddr(*s.remote_addr())
    }
}

/// A listener that hands out connections whose TLS handshake has completed.
pub struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, rx) = mpsc::channel(64);
        let task = tokio::spawn(async move {
            loop {
                let (stream, addr) = match tcp.accept().await {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    break;
                }
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, addr)).await;
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(client = %addr, error = %e, "TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(client = %addr, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { rx, local, task })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(x) => x,
            // The accept task only ends when the listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
