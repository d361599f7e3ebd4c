//! Reading the config and secrets files, and the directories the daemon owns.

use anyhow::{Context, bail};
use feedbridge_common::config::{Config, ConfigError, Secrets};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const SECRETS_FILE: &str = "secrets.toml";

/// Read the config: an explicit path must exist; the default path may be absent (defaults).
pub fn load_config(explicit: Option<&Path>) -> anyhow::Result<(Config, Option<PathBuf>)> {
    let (path, required) = match explicit {
        Some(path) => (Some(path.to_path_buf()), true),
        None => (feedbridge_common::paths::default_config_path(), false),
    };
    let Some(path) = path else {
        return Ok((Config::default(), None));
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((Config::from_toml(&text, &path)?, Some(path))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
            Ok((Config::default(), None))
        }
        Err(error) => Err(ConfigError {
            file: path,
            key: String::new(),
            message: format!("cannot read it: {error}"),
        }
        .into()),
    }
}

/// Read the secrets file, refusing one that others can read. An absent file is fine only
/// when nothing is configured that needs it.
pub fn load_secrets(path: &Path, config: &Config) -> anyhow::Result<Secrets> {
    let secrets = match std::fs::read_to_string(path) {
        Ok(text) => {
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                bail!(
                    "{}: holds tokens but is readable by other users (mode {:o}); run: chmod 600 {}",
                    path.display(),
                    mode & 0o777,
                    path.display()
                );
            }
            Secrets::from_toml(&text, path)?
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if config.organizations.is_empty() {
                return Ok(Secrets::default());
            }
            bail!(
                "{}: missing; it must hold the store and TikTok credentials of the configured organizations (mode 0600)",
                path.display()
            );
        }
        Err(error) => {
            return Err(error).with_context(|| format!("Failed to read {}", path.display()));
        }
    };
    secrets.check_against(config, path)?;
    Ok(secrets)
}

/// Create a directory only its owner can enter, if it does not exist.
pub fn ensure_private_dir(path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| format!("Failed to create {}", path.display()))
}
