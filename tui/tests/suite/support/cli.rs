//! Runs the `feedbridge` binary against a fake daemon, for the CLI tests.

use super::{FakeDaemon, samples};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn feedbridge(args: &[&str], socket: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_feedbridge"))
        .args(args)
        .env("FEEDBRIDGE_SOCKET", socket)
        .env_remove("FEEDBRIDGE_LOG")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Runs the binary off the async runtime the fake daemon lives on.
pub struct Cli {
    pub socket: PathBuf,
}

impl Cli {
    pub async fn run(&self, args: &[&str]) -> Output {
        let socket = self.socket.clone();
        let args: Vec<String> = args.iter().map(ToString::to_string).collect();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            feedbridge(&args, &socket)
        })
        .await
        .unwrap()
    }

    /// Succeeds with nothing on stderr; returns stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_eq!(stderr(&output), "", "{args:?}");
        stdout(&output)
    }

    /// Fails with exit 1 and one line on stderr; returns (stdout, stderr).
    pub async fn refused(&self, args: &[&str]) -> (String, String) {
        let output = self.run(args).await;
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stdout(&output)
        );
        let error = stderr(&output);
        assert_eq!(error.lines().count(), 1, "{args:?}: {error}");
        assert!(error.starts_with("feedbridge: "), "{error}");
        (stdout(&output), error)
    }

    /// Like [`Cli::refused`], with nothing on stdout; returns stderr.
    pub async fn refused_quietly(&self, args: &[&str]) -> String {
        let (out, error) = self.refused(args).await;
        assert_eq!(out, "", "{args:?}");
        error
    }
}

/// A fake daemon serving the samples, and a CLI pointed at it.
pub async fn start() -> (tempfile::TempDir, FakeDaemon, Cli) {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    let daemon = FakeDaemon::start(&socket, samples()).await;
    (dir, daemon, Cli { socket })
}
