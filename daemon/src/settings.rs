//! Reading the config and secrets files, and the directories the daemon owns.

use anyhow::{Context, bail};
use feedbridge_common::config::{Config, ConfigError, Secrets};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const SECRETS_FILE: &str = "secrets.toml";

/// The config as read, its text kept so later checks can name the line of a key.
pub struct ConfigFile {
    pub config: Config,
    /// `None`: no file, defaults (`--allow-empty`).
    pub path: Option<PathBuf>,
    text: String,
}

impl ConfigFile {
    /// An error about `key` of this config, naming the file and line.
    pub fn error(&self, key: &str, message: impl Into<String>) -> anyhow::Error {
        match &self.path {
            Some(path) => ConfigError::new(path, key, message)
                .located(&self.text)
                .into(),
            None => anyhow::anyhow!("{key}: {}", message.into()),
        }
    }

    pub fn describe(&self) -> String {
        self.path.as_ref().map_or_else(
            || "no config file (defaults)".to_owned(),
            |path| path.display().to_string(),
        )
    }
}

/// Read the config from `explicit` or the default path. A missing file is an error unless
/// `allow_empty` (then every setting is its default and no organization is served).
pub fn load_config(explicit: Option<&Path>, allow_empty: bool) -> anyhow::Result<ConfigFile> {
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(feedbridge_common::paths::default_config_path);
    let empty = || ConfigFile {
        config: Config::default(),
        path: None,
        text: String::new(),
    };
    let Some(path) = path else {
        if allow_empty {
            return Ok(empty());
        }
        bail!("No config file: pass --config PATH (or --allow-empty to start with none)");
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(ConfigFile {
            config: Config::from_toml(&text, &path)?,
            path: Some(path),
            text,
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && allow_empty => Ok(empty()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(ConfigError::new(
            &path,
            "",
            "no such file: create it (packaging/config.example.toml shows every key) or pass \
             --allow-empty to start with no organizations",
        )
        .into()),
        Err(error) => Err(ConfigError::new(&path, "", format!("cannot read it: {error}")).into()),
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

/// What a data directory is before feedbridged makes it private.
#[derive(Debug, PartialEq, Eq)]
pub enum DirState {
    Missing,
    Private,
    /// Ours, but others may enter it: tightened at start.
    Loose {
        mode: u32,
    },
}

/// Check `path` could be feedbridged's private directory, changing nothing: refuse one that
/// is not a directory, that another user owns, or a shared one (sticky, like /tmp).
pub fn inspect_private_dir(path: &Path) -> anyhow::Result<DirState> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(DirState::Missing);
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
            "{}: owned by uid {}, but feedbridged runs as uid {me}; it keeps tokens there, so it \
             uses only a directory of its own: run it as the owner, or fix it with: \
             chown {me} {} && chmod 700 {}",
            path.display(),
            meta.uid(),
            path.display(),
            path.display()
        );
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o1000 != 0 && mode & 0o002 != 0 {
        bail!(
            "{}: a shared directory (mode {mode:o}); give feedbridged a directory of its own \
             (--data-dir)",
            path.display()
        );
    }
    Ok(if mode & 0o077 == 0 {
        DirState::Private
    } else {
        DirState::Loose { mode }
    })
}

/// Make `path` a directory only feedbridged's user can enter (it holds tokens): create it
/// 0700, tighten one of ours that others could enter, refuse what [`inspect_private_dir`]
/// refuses. Returns what it changed, to log once logging runs.
pub fn prepare_private_dir(path: &Path) -> anyhow::Result<Option<String>> {
    match inspect_private_dir(path)? {
        DirState::Missing => {
            create_private_dir(path)?;
            Ok(None)
        }
        DirState::Private => Ok(None),
        DirState::Loose { mode } => {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).with_context(
                || format!("Failed to make {} private (chmod 700)", path.display()),
            )?;
            Ok(Some(format!(
                "Made {} private: mode {:o} -> 700 (it holds tokens).",
                path.display(),
                mode & 0o777
            )))
        }
    }
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
                "another feedbridged{pid} is already running on the data directory {} — stop \
                 it first (systemctl stop feedbridge), or give this one its own --data-dir",
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
