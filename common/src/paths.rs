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
