//! Connecting to the daemon's `Console` service over its Unix socket.

use feedbridge_common::ConsoleClient;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the console could not reach the daemon.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing is listening (no socket file, or a stale one).
    #[error(
        "no daemon at {} — start it with 'feedbridged' (or 'systemctl start feedbridge'), or point --socket/FEEDBRIDGE_SOCKET at its socket",
        .socket.display()
    )]
    NoDaemon { socket: PathBuf },
    /// A daemon is there, but this user may not use its socket.
    #[error(
        "permission denied on the daemon's socket {} — join group feedbridge ('sudo usermod -aG feedbridge $USER', then log in again) or run as the feedbridge user",
        .socket.display()
    )]
    PermissionDenied { socket: PathBuf },
    #[error("cannot connect to the daemon at {}: {source}", .socket.display())]
    Io {
        socket: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// How long a connect may take before we give up on the socket.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A reloading daemon (SIGHUP, or after `feedbridge store ...`) keeps its socket file but
/// refuses connections until it answers again within moments: a command refused on an
/// existing socket waits this long before "no daemon". A missing socket fails at once.
const RELOAD_GRACE: Duration = Duration::from_secs(3);
const RELOAD_RETRY: Duration = Duration::from_millis(100);

/// Opens a JSON tarpc connection to the daemon at `socket`.
pub async fn connect(socket: &Path) -> Result<ConsoleClient, ConnectError> {
    let give_up = tokio::time::Instant::now() + RELOAD_GRACE;
    loop {
        match connect_once(socket).await {
            Err(ConnectError::NoDaemon { .. })
                if socket.exists() && tokio::time::Instant::now() < give_up =>
            {
                tokio::time::sleep(RELOAD_RETRY).await;
            }
            outcome => return outcome,
        }
    }
}

async fn connect_once(socket: &Path) -> Result<ConsoleClient, ConnectError> {
    let connecting =
        tarpc::serde_transport::unix::connect(socket, tarpc::tokio_serde::formats::Json::default);
    let transport = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(transport)) => transport,
        Ok(Err(error)) => return Err(classify(socket, error)),
        Err(_) => {
            return Err(ConnectError::Io {
                socket: socket.to_path_buf(),
                source: io::Error::new(io::ErrorKind::TimedOut, "timed out"),
            });
        }
    };
    Ok(ConsoleClient::new(tarpc::client::Config::default(), transport).spawn())
}

fn classify(socket: &Path, error: io::Error) -> ConnectError {
    match error.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => ConnectError::NoDaemon {
            socket: socket.to_path_buf(),
        },
        io::ErrorKind::PermissionDenied => ConnectError::PermissionDenied {
            socket: socket.to_path_buf(),
        },
        _ => ConnectError::Io {
            socket: socket.to_path_buf(),
            source: error,
        },
    }
}

/// A fresh RPC context (tarpc's default 10 s deadline).
pub fn ctx() -> tarpc::context::Context {
    tarpc::context::current()
}

/// Calls that reach a platform (connection tests, link previews) may take this long.
pub const LONG_CALL: Duration = Duration::from_secs(60);

/// A context with a [`LONG_CALL`] deadline.
pub fn long_ctx() -> tarpc::context::Context {
    let mut context = tarpc::context::current();
    context.deadline = std::time::Instant::now() + LONG_CALL;
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A daemon reloading closes its socket for a moment; a command run then still reaches it.
    #[tokio::test(start_paused = true)]
    async fn a_socket_that_comes_back_within_the_grace_is_reached() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("feedbridged.sock");
        // The file stays while nobody listens on it (a daemon reloading).
        drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
        let path = socket.clone();
        let reopened = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            std::fs::remove_file(&path).unwrap();
            let listener = tokio::net::UnixListener::bind(&path).unwrap();
            listener.accept().await.unwrap()
        });
        let started = tokio::time::Instant::now();
        connect(&socket).await.unwrap();
        assert!(started.elapsed() < RELOAD_GRACE);
        reopened.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn missing_socket_is_no_daemon() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("nothing.sock");
        let error = connect(&socket).await.unwrap_err();
        assert!(matches!(error, ConnectError::NoDaemon { .. }), "{error}");
        let text = error.to_string();
        assert!(text.starts_with("no daemon at "), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn permission_denied_says_how_to_get_access_and_not_to_start_a_daemon() {
        let error = classify(
            Path::new("/run/feedbridge/feedbridged.sock"),
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        let text = error.to_string();
        assert!(text.contains("join group feedbridge"), "{text}");
        assert!(!text.contains("systemctl start"), "{text}");
    }

    /// Refused for the whole grace: a daemon that is gone left its socket file.
    #[tokio::test(start_paused = true)]
    async fn stale_socket_is_no_daemon() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("stale.sock");
        drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
        let error = connect(&socket).await.unwrap_err();
        assert!(matches!(error, ConnectError::NoDaemon { .. }), "{error}");
    }
}
