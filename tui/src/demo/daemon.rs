//! Running `feedbridged` as a child process for the demo.

use crate::client;
use anyhow::{Context, bail};
use feedbridge_common::ConsoleClient;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::time::Instant;

/// How long the daemon may take to answer on its socket.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a SIGTERM'd daemon may take to drain before it is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// `feedbridged` next to the running executable (for a test binary in cargo's `deps/`, the
/// one in the profile dir above it).
pub fn default_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("Failed to find the running executable")?;
    let beside = exe.with_file_name("feedbridged");
    if beside.is_file() {
        return Ok(beside);
    }
    let in_deps = exe
        .parent()
        .filter(|dir| dir.file_name().is_some_and(|name| name == "deps"));
    Ok(in_deps
        .and_then(Path::parent)
        .map(|profile| profile.join("feedbridged"))
        .filter(|path| path.is_file())
        .unwrap_or(beside))
}

/// A running daemon. Dropping it without [`DaemonProcess::stop`] still sends SIGTERM.
pub struct DaemonProcess {
    child: Child,
    stderr_log: PathBuf,
    stopped: bool,
}

impl DaemonProcess {
    /// Start `binary --config config`, stdout and stderr appended to `stderr_log`.
    pub fn spawn(binary: &Path, config: &Path, stderr_log: &Path) -> anyhow::Result<Self> {
        if !binary.is_file() {
            bail!(
                "feedbridged not found at {} — build it with 'cargo build -p feedbridge-daemon' or pass --daemon-bin",
                binary.display()
            );
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(stderr_log)
            .with_context(|| format!("Failed to open {}", stderr_log.display()))?;
        let log_out = log
            .try_clone()
            .with_context(|| format!("Failed to open {}", stderr_log.display()))?;
        let child = Command::new(binary)
            .arg("--config")
            .arg(config)
            // The config names the socket; an inherited FEEDBRIDGE_SOCKET would override it.
            .env_remove(feedbridge_common::paths::SOCKET_ENV)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_out))
            .stderr(Stdio::from(log))
            // Its own process group: Ctrl-C reaches the demo, which then stops it cleanly.
            .process_group(0)
            .spawn()
            .with_context(|| format!("Failed to start {}", binary.display()))?;
        Ok(Self {
            child,
            stderr_log: stderr_log.to_path_buf(),
            stopped: false,
        })
    }

    /// Wait until the daemon answers `status()` on `socket`.
    pub async fn wait_ready(&mut self, socket: &Path) -> anyhow::Result<ConsoleClient> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self
                .child
                .try_wait()
                .context("Failed to check on feedbridged")?
            {
                self.stopped = true;
                bail!(
                    "feedbridged exited ({status}) before it was ready: {}",
                    self.log_tail()
                );
            }
            let last_error = match client::connect(socket).await {
                Ok(client) => {
                    let answer =
                        tokio::time::timeout(Duration::from_secs(2), client.status(client::ctx()))
                            .await;
                    match answer {
                        Ok(Ok(_)) => return Ok(client),
                        Ok(Err(error)) => error.to_string(),
                        Err(_) => "status() timed out".to_string(),
                    }
                }
                Err(error) => error.to_string(),
            };
            if Instant::now() >= deadline {
                bail!(
                    "feedbridged did not answer on {} within {}s ({last_error}); see {}",
                    socket.display(),
                    READY_TIMEOUT.as_secs(),
                    self.stderr_log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The last lines of the daemon's log, on one line.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr_log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
        if tail.is_empty() {
            format!("nothing in {}", self.stderr_log.display())
        } else {
            format!("{tail} (full log: {})", self.stderr_log.display())
        }
    }

    fn signal(&self, signal: Signal) {
        if let Some(pid) = self.child.id().and_then(|id| i32::try_from(id).ok()) {
            // It may have exited already; nothing to do then.
            let _ = kill(Pid::from_raw(pid), signal);
        }
    }

    /// SIGTERM, wait for the drain, SIGKILL after [`STOP_TIMEOUT`].
    pub async fn stop(mut self) -> anyhow::Result<ExitStatus> {
        self.stopped = true;
        if let Some(status) = self.child.try_wait()? {
            return Ok(status);
        }
        self.signal(Signal::SIGTERM);
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => Ok(status?),
            Err(_) => {
                tracing::warn!("feedbridged did not stop within 10 s of SIGTERM; killing it.");
                self.child.kill().await?;
                Ok(self.child.wait().await?)
            }
        }
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        if !self.stopped {
            self.signal(Signal::SIGTERM);
        }
    }
}
