//! ed25519 keys: public keys as they appear in agreements, the secret key of this centre,
//! and the key files in the data folder.
//!
//! Key files are small JSON documents (`mosaic.key/1`): the secret file holds the 32-byte
//! seed in hex and is created with mode 0600; it is refused when others can read it.
//! Secrets never appear in `Debug` output or logs, and are wiped from memory on drop.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// An ed25519 public key (hex on the wire), checked to be a valid curve point.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    pub fn parse(s: &str) -> Result<PublicKey, String> {
        let bytes: [u8; 32] = hex::decode(s.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("{s:?} is not an ed25519 public key (64 hex digits)"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| format!("{s:?} is not a valid ed25519 public key"))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// Checks a hex signature over `msg`.
    pub fn verify(&self, msg: &[u8], signature_hex: &str) -> bool {
        let Some(bytes) = hex::decode(signature_hex)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        // verify_strict: rejects the malleable and small-order edge cases.
        self.0
            .verify_strict(msg, &Signature::from_bytes(&bytes))
            .is_ok()
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.0
    }
}

impl TryFrom<String> for PublicKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PublicKey::parse(&s)
    }
}

impl From<PublicKey> for String {
    fn from(k: PublicKey) -> String {
        k.to_hex()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// This centre's (or a test party's) signing key. Wiped on drop; never printed.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> SecretKey {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, seed.as_mut());
        SecretKey(SigningKey::from_bytes(&seed))
    }

    /// A key from a 32-byte seed (tests and fixtures use fixed seeds).
    pub fn from_seed(seed: &[u8; 32]) -> SecretKey {
        SecretKey(SigningKey::from_bytes(seed))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `msg`; the signature in hex.
    pub fn sign(&self, msg: &[u8]) -> String {
        hex::encode(self.0.sign(msg).to_bytes())
    }

    /// The underlying key, for other signers of this centre (audit checkpoints).
    pub fn signing_key(&self) -> &SigningKey {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {}, secret [redacted])", self.public())
    }
}

/// Errors reading or writing key files.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a Mosaic key file: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("{path} already exists; refusing to overwrite a key (move it away first)")]
    Exists { path: PathBuf },
    #[error("{path} can be read by other users (mode {mode:o}); run `chmod 600 {path}`")]
    Permissions { path: PathBuf, mode: u32 },
}

const KEY_FORMAT: &str = "mosaic.key/1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    algorithm: String,
    public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
}

/// Where the centre's key pair lives in a data folder.
pub fn key_paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    let dir = data_dir.join("keys");
    (
        dir.join("centre.ed25519.key"),
        dir.join("centre.ed25519.pub"),
    )
}

/// Writes a key pair: the secret file with mode 0600 (created exclusively: an existing
/// key is never overwritten), the public file beside it. Returns both paths.
pub fn write_key_pair(data_dir: &Path, key: &SecretKey) -> Result<(PathBuf, PathBuf), KeyError> {
    let (secret_path, public_path) = key_paths(data_dir);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| KeyError::Io { path, source }
    };
    if secret_path.exists() {
        return Err(KeyError::Exists { path: secret_path });
    }
    let dir = secret_path.parent().expect("key path has a folder");
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    #[cfg(unix)]
    {
        // Only the owner may list the key folder either.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
    }
    let public = key.public().to_hex();
    let secret = Zeroizing::new(hex::encode(key.0.to_bytes()));
    let body = Zeroizing::new(
        serde_json::to_string_pretty(&KeyFile {
            format: KEY_FORMAT.into(),
            algorithm: "ed25519".into(),
            public_key: public.clone(),
            secret_key: Some(secret.to_string()),
        })
        .expect("key file serialises")
            + "\n",
    );
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&secret_path).map_err(io(&secret_path))?;
    f.write_all(body.as_bytes()).map_err(io(&secret_path))?;
    f.sync_all().map_err(io(&secret_path))?;
    let pub_body = serde_json::to_string_pretty(&KeyFile {
        format: KEY_FORMAT.into(),
        algorithm: "ed25519".into(),
        public_key: public,
        secret_key: None,
    })
    .expect("key file serialises")
        + "\n";
    std::fs::write(&public_path, pub_body).map_err(io(&public_path))?;
    tracing::info!(path = %secret_path.display(), "wrote a new signing key");
    Ok((secret_path, public_path))
}

/// Reads the secret key file; refuses one that others may read.
pub fn read_secret_key(path: &Path) -> Result<SecretKey, KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Permissions {
                path: path.to_owned(),
                mode,
            });
        }
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?,
    );
    let bad = |reason: &str| KeyError::Format {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let file: KeyFile =
        serde_json::from_str(&text).map_err(|_| bad("not JSON of the expected shape"))?;
    if file.format != KEY_FORMAT || file.algorithm != "ed25519" {
        return Err(bad("unknown format or algorithm"));
    }
    let secret = Zeroizing::new(
        file.secret_key
            .ok_or_else(|| bad("no secret key (is this the .pub file?)"))?,
    );
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
        hex::decode(secret.as_str())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| bad("the secret key is not 32 bytes of hex"))?,
    );
    let key = SecretKey::from_seed(&seed);
    if key.public().to_hex() != file.public_key {
        return Err(bad("the public key does not belong to the secret key"));
    }
    Ok(key)
}

/// Reads a public key file (or the public half of a secret key file).
pub fn read_public_key(path: &Path) -> Result<PublicKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.to_owned(),
        source,
    })?;
    let bad = |reason: String| KeyError::Format {
        path: path.to_owned(),
        reason,
    };
    match serde_json::from_str::<KeyFile>(&text) {
        Ok(file) => PublicKey::parse(&file.public_key).map_err(bad),
        // A bare hex key is accepted too (as shown by `mosaic agreement keygen`).
        Err(_) => PublicKey::parse(text.trim()).map_err(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_round_trip_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::generate();
        let (secret, public) = write_key_pair(dir.path(), &key).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let back = read_secret_key(&secret).unwrap();
        assert_eq!(back.public(), key.public());
        assert_eq!(read_public_key(&public).unwrap(), key.public());
        assert!(!std::fs::read_to_string(&public).unwrap().contains("secret"));
        // Never overwritten.
        assert!(matches!(
            write_key_pair(dir.path(), &SecretKey::generate()),
            Err(KeyError::Exists { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (secret, _) = write_key_pair(dir.path(), &SecretKey::generate()).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            read_secret_key(&secret),
            Err(KeyError::Permissions { mode: 0o644, .. })
        ));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let key = SecretKey::from_seed(&[42; 32]);
        let secret_hex = hex::encode([42u8; 32]);
        let dbg = format!("{key:?}");
        assert!(!dbg.contains(&secret_hex), "{dbg}");
        assert!(dbg.contains("redacted"));
    }

    #[test]
    fn signatures_verify_only_for_their_message_and_key() {
        let k = SecretKey::from_seed(&[1; 32]);
        let other = SecretKey::from_seed(&[2; 32]);
        let sig = k.sign(b"text");
        assert!(k.public().verify(b"text", &sig));
        assert!(!k.public().verify(b"text!", &sig));
        assert!(!other.public().verify(b"text", &sig));
        assert!(!k.public().verify(b"text", "zz"));
        assert!(PublicKey::parse("00").is_err());
    }
}
