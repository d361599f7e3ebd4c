//! The console's Unix socket: private, never stolen from a live daemon, reclaimed from a
//! dead one.

use anyhow::{Context, bail};
use feedbridge_common::rpc::{ConsoleRequest, ConsoleResponse};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tarpc::serde_transport::unix::Incoming;
use tarpc::tokio_serde::formats::Json;
use tarpc::{ClientMessage, Response};
use tracing::{info, warn};

type Codec = Json<ClientMessage<ConsoleRequest>, Response<ConsoleResponse>>;
pub type Listener =
    Incoming<ClientMessage<ConsoleRequest>, Response<ConsoleResponse>, Codec, fn() -> Codec>;

/// Bind the socket with mode 0600 (its directory 0700, created if needed).
pub async fn bind(path: &Path) -> anyhow::Result<Listener> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::settings::ensure_private_dir(parent)?;
    }
    if path.exists() {
        if tokio::net::UnixStream::connect(path).await.is_ok() {
            bail!(
                "another feedbridged is already running on {} — stop it first (systemctl stop feedbridge), or give this one its own --socket",
                path.display()
            );
        }
        info!(socket = %path.display(), "Replacing a stale socket left by a daemon that is gone.");
        std::fs::remove_file(path)
            .with_context(|| format!("Failed to remove the stale socket {}", path.display()))?;
    }
    let codec: fn() -> Codec = Json::default;
    let listener = tarpc::serde_transport::unix::listen(path, codec)
        .await
        .with_context(|| format!("Failed to listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("Failed to make {} private", path.display()))?;
    Ok(listener)
}

pub fn remove(path: &Path) {
    if let Err(error) = std::fs::remove_file(path)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        warn!(socket = %path.display(), %error, "Could not remove the socket.");
    }
}
