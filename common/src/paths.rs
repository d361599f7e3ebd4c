//! Where feedbridge keeps its config, data and socket by default.

use directories::ProjectDirs;
use std::path::{Path, PathBuf};

/// Environment variable that names the daemon's socket for both binaries.
pub const SOCKET_ENV: &str = "FEEDBRIDGE_SOCKET";
pub const SOCKET_FILE: &str = "feedbridged.sock";
pub const CONFIG_FILE: &str = "config.toml";

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "feedbridge")
}

/// `~/.config/feedbridge/config.toml` on Linux.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.config_dir().join(CONFIG_FILE))
}

/// `~/.local/share/feedbridge` on Linux.
pub fn default_data_dir() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.data_dir().to_path_buf())
}

/// `$XDG_RUNTIME_DIR/feedbridge/feedbridged.sock`, or a per-user directory under the system
/// temp dir when there is no runtime dir (e.g. a plain SSH session without systemd-logind).
pub fn default_socket_path() -> PathBuf {
    match project_dirs().and_then(|dirs| dirs.runtime_dir().map(Path::to_path_buf)) {
        Some(runtime) => runtime.join(SOCKET_FILE),
        None => std::env::temp_dir()
            .join(format!("feedbridge-{}", nix::unistd::getuid()))
            .join(SOCKET_FILE),
    }
}

/// Where the packaged service's daemon listens (`packaging/feedbridge.service`).
pub const SYSTEM_SOCKET: &str = "/run/feedbridge/feedbridged.sock";

/// The socket the console and CLI use: an explicit path, else `FEEDBRIDGE_SOCKET`, else the
/// user's own daemon's socket when it exists, else the system service's when that exists (so a
/// member of group `feedbridge` reaches the service over SSH with no flags), else the user's
/// default (named in the "no daemon" error).
pub fn client_socket(explicit: Option<&Path>) -> PathBuf {
    if explicit.is_some() || std::env::var_os(SOCKET_ENV).is_some_and(|v| !v.is_empty()) {
        return resolve_socket(explicit, None);
    }
    let own = default_socket_path();
    first_existing(&[own.clone(), PathBuf::from(SYSTEM_SOCKET)]).unwrap_or(own)
}

fn first_existing(candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates.iter().find(|path| path.exists()).cloned()
}

/// The socket to use: an explicit path, else `FEEDBRIDGE_SOCKET`, else the configured one,
/// else the default.
pub fn resolve_socket(explicit: Option<&Path>, configured: Option<&Path>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    if let Some(path) = std::env::var_os(SOCKET_ENV).filter(|value| !value.is_empty()) {
        return PathBuf::from(path);
    }
    configured.map_or_else(default_socket_path, Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_socket_that_exists_wins() {
        let dir = tempfile::tempdir().unwrap();
        let (own, system) = (dir.path().join("own.sock"), dir.path().join("system.sock"));
        assert_eq!(first_existing(&[own.clone(), system.clone()]), None);
        std::fs::write(&system, "").unwrap();
        assert_eq!(
            first_existing(&[own.clone(), system.clone()]),
            Some(system.clone())
        );
        std::fs::write(&own, "").unwrap();
        assert_eq!(first_existing(&[own.clone(), system]), Some(own));
    }

    #[test]
    fn an_explicit_socket_is_taken_as_given() {
        let path = Path::new("/tmp/elsewhere.sock");
        assert_eq!(client_socket(Some(path)), path);
    }
}
