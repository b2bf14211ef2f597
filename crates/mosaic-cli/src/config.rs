//! Configuration: command-line flags over environment variables over the config file over
//! defaults. The file is TOML, by default `<data dir>/mosaic.toml`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The config file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub centre: CentreConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub server: ServerConfig,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentreConfig {
    /// This centre's id: a slug that prefixes every id minted here.
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl Default for CentreConfig {
    fn default() -> Self {
        CentreConfig {
            id: "demo-ncc".into(),
            name: "Demo national coordination centre".into(),
            country: "fr".into(),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `postgres://…` for PostgreSQL; absent means the embedded SQLite store in the data
    /// folder. Never logged: it may carry a password.
    pub database_url: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
        }
    }
}

/// The resolved configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub file: FileConfig,
    pub config_path: Option<PathBuf>,
}

impl Config {
    /// `explicit` is `--config`/`MOSAIC_CONFIG`; if absent, `<data dir>/mosaic.toml` is read
    /// when it exists. `database_url` is `--database-url`/`MOSAIC_DATABASE_URL`.
    pub fn load(
        data_dir: &Path,
        explicit: Option<&Path>,
        database_url: Option<String>,
    ) -> Result<Config> {
        let default_path = data_dir.join("mosaic.toml");
        let path = match explicit {
            Some(p) => {
                if !p.exists() {
                    bail!("config file {} does not exist", p.display());
                }
                Some(p.to_owned())
            }
            None => default_path.exists().then_some(default_path),
        };
        let mut file = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("in config file {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        if let Some(url) = database_url {
            file.store.database_url = Some(url);
        }
        Ok(Config {
            data_dir: data_dir.to_owned(),
            file,
            config_path: path,
        })
    }

    /// Writes the config file into the data folder (used by `init`).
    pub fn save_default(&self) -> Result<PathBuf> {
        let p = self.data_dir.join("mosaic.toml");
        let mut to_save = self.file.clone();
        // a URL given on the command line or in the environment stays there
        to_save.store.database_url = None;
        let text = format!(
            "# Mosaic configuration. Flags and MOSAIC_* environment variables override it.\n{}",
            toml::to_string_pretty(&to_save)?
        );
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_file_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(dir.path(), None, None).unwrap();
        assert!(c.config_path.is_none());
        assert_eq!(c.file.centre.id, "demo-ncc");
        std::fs::write(
            dir.path().join("mosaic.toml"),
            "[centre]\nid = \"be-ncc\"\nname = \"B\"\ncountry = \"be\"\n[store]\ndatabase_url = \"postgres://a@b/c\"\n",
        )
        .unwrap();
        let c = Config::load(dir.path(), None, Some("postgres://x@y/z".into())).unwrap();
        assert_eq!(c.file.centre.id, "be-ncc");
        assert_eq!(
            c.file.store.database_url.as_deref(),
            Some("postgres://x@y/z")
        );
        std::fs::write(dir.path().join("bad.toml"), "[centre]\nidd = 1\n").unwrap();
        let e = Config::load(dir.path(), Some(&dir.path().join("bad.toml")), None).unwrap_err();
        assert!(format!("{e:#}").contains("bad.toml"), "{e:#}");
        assert!(Config::load(dir.path(), Some(&dir.path().join("nope.toml")), None).is_err());
    }
}
