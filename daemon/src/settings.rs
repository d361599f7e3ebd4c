//! Reading the config and secrets files, and the directories the daemon owns.

use anyhow::{Context, bail};
use feedbridge_common::config::{Config, ConfigError, Secrets};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
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

/// Create a directory only its owner can enter, if it does not exist (an existing one is left
/// as it is: the socket's directory may be shared).
pub fn ensure_private_dir(path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    create_private_dir(path)
}

fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| format!("Failed to create {}", path.display()))
}

/// Make `path` a directory only feedbridged's user can enter (it holds tokens): create it
/// 0700, tighten one of ours that others could enter, refuse one another user owns or a
/// shared one (sticky, like /tmp). Returns what it changed, to log once logging runs.
pub fn prepare_private_dir(path: &Path) -> anyhow::Result<Option<String>> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            create_private_dir(path)?;
            return Ok(None);
        }
        Err(error) => {
            return Err(error).with_context(|| format!("Failed to read {}", path.display()));
        }
    };
    if !meta.is_dir() {
        bail!("{}: not a directory", path.display());
    }
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        bail!(
            "{}: owned by uid {}, but feedbridged runs as uid {me}; it keeps tokens there, so it              uses only a directory of its own: run it as the owner, or fix it with:              chown {me} {} && chmod 700 {}",
            path.display(),
            meta.uid(),
            path.display(),
            path.display()
        );
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o1000 != 0 && mode & 0o002 != 0 {
        bail!(
            "{}: a shared directory (mode {mode:o}); give feedbridged a directory of its own              (--data-dir)",
            path.display()
        );
    }
    if mode & 0o077 == 0 {
        return Ok(None);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("Failed to make {} private (chmod 700)", path.display()))?;
    Ok(Some(format!(
        "Made {} private: mode {:o} -> 700 (it holds tokens).",
        path.display(),
        mode & 0o777
    )))
}

/// Make every file directly in `dir` readable by its owner only (log files an older version
/// or a looser umask left). Returns what it changed.
pub fn make_files_private(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut changed = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("Failed to read {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let meta = std::fs::symlink_metadata(&path)?;
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_file() && mode & 0o077 != 0 {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("Failed to make {} private", path.display()))?;
            changed.push(format!(
                "Made {} private: mode {mode:o} -> 600.",
                path.display()
            ));
        }
    }
    Ok(changed)
}

pub const LOCK_FILE: &str = "feedbridged.lock";

/// Held while the daemon runs: a second daemon on the same data directory is refused.
pub struct DataDirLock {
    _lock: Flock<std::fs::File>,
}

/// Lock the data directory (an advisory `flock` on `DATA_DIR/feedbridged.lock`, released by
/// the kernel however the daemon ends) and write our pid in it for whoever is refused next.
pub fn lock_data_dir(dir: &Path) -> anyhow::Result<DataDirLock> {
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("Failed to open the lock file {}", path.display()))?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(mut lock) => {
            // The pid only helps the next one's message; a full disk must not stop us here.
            let _ = lock
                .set_len(0)
                .and_then(|()| writeln!(lock, "{}", std::process::id()));
            Ok(DataDirLock { _lock: lock })
        }
        Err((mut file, Errno::EWOULDBLOCK)) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let pid = holder
                .trim()
                .parse::<u32>()
                .map(|pid| format!(" (pid {pid})"))
                .unwrap_or_default();
            bail!(
                "another feedbridged{pid} is already running on the data directory {} — stop                  it first (systemctl stop feedbridge), or give this one its own --data-dir",
                dir.display()
            )
        }
        Err((_, errno)) => Err(anyhow::Error::from(errno))
            .with_context(|| format!("Failed to lock {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_open_data_dir_of_ours_is_tightened_and_a_new_one_created_private() {
        let root = tempfile::tempdir().unwrap();
        let open = root.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        let note = prepare_private_dir(&open).unwrap().unwrap();
        assert!(note.contains("755 -> 700"), "{note}");
        assert_eq!(mode(&open), 0o700);
        assert_eq!(prepare_private_dir(&open).unwrap(), None);
        let new = root.path().join("a/b");
        assert_eq!(prepare_private_dir(&new).unwrap(), None);
        assert_eq!(mode(&new), 0o700);
    }

    #[test]
    fn a_shared_directory_is_refused() {
        let root = tempfile::tempdir().unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        let error = prepare_private_dir(root.path()).unwrap_err().to_string();
        assert!(error.contains("shared directory"), "{error}");
        assert_eq!(mode(root.path()), 0o777);
    }

    #[test]
    fn a_second_lock_on_one_data_dir_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let _held = lock_data_dir(dir.path()).unwrap();
        let error = lock_data_dir(dir.path()).err().unwrap().to_string();
        assert!(
            error.contains(&format!("(pid {}) is already running", std::process::id())),
            "{error}"
        );
        assert!(error.contains(&dir.path().display().to_string()), "{error}");
        assert_eq!(mode(&dir.path().join(LOCK_FILE)), 0o600);
    }
}
