//! `feedbridged`: parse flags, check config and secrets, set up logging, run until
//! SIGTERM/SIGINT.

use anyhow::Context;
use clap::Parser;
use feedbridge_daemon::logging::{Environment, LogFormat};
use feedbridge_daemon::settings;
use feedbridge_daemon::startup::{self, Flags, Startup};
use std::path::PathBuf;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "feedbridged",
    version,
    about = "Keeps a store and TikTok Shop in step."
)]
struct Args {
    /// Config file (default: ~/.config/feedbridge/config.toml); a missing one is an error
    /// unless --allow-empty.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Database, logs and secrets (default: from the config, else ~/.local/share/feedbridge).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Console socket (default: from FEEDBRIDGE_SOCKET, the config, else the runtime dir).
    #[arg(long)]
    socket: Option<PathBuf>,
    /// Let this group's members use the console too: the socket becomes 0660 (overrides
    /// daemon.socket_group).
    #[arg(long)]
    socket_group: Option<String>,
    /// Start with every setting at its default when the config file does not exist.
    #[arg(long)]
    allow_empty: bool,
    /// Log lines as text or JSON (stderr, and the log file when one is kept).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Check the config, secrets, paths, log filter and socket group as a start would, then
    /// exit.
    #[arg(long)]
    check_config: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("feedbridged: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn start(args: Args) -> anyhow::Result<()> {
    let flags = Flags {
        config: args.config,
        data_dir: args.data_dir,
        socket: args.socket,
        socket_group: args.socket_group,
        allow_empty: args.allow_empty,
        log_format: args.log_format,
    };
    let startup = Startup::resolve(&flags, &Environment::of_process())?;
    if args.check_config {
        println!("{}", startup.summary());
        return Ok(());
    }

    // Everything feedbridged creates (database, logs, lock) is its user's alone, whatever
    // umask it was started with.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let data_dir = startup.data_dir.clone();
    let mut tightened: Vec<String> = settings::prepare_private_dir(&data_dir)?
        .into_iter()
        .collect();
    // Before anything is written there: a second daemon stops here.
    let _data_dir_lock = settings::lock_data_dir(&data_dir)?;
    if startup.log.file.is_some() {
        let log_dir = startup::log_dir(&data_dir);
        tightened.extend(settings::prepare_private_dir(&log_dir)?);
        tightened.extend(settings::make_files_private(&log_dir)?);
    }
    let _log_guard = startup.log.install()?;
    for change in &tightened {
        tracing::info!("{change}");
    }

    let runtime = tokio::runtime::Runtime::new().context("Failed to start the async runtime")?;
    runtime.block_on(async move {
        let shutdown = CancellationToken::new();
        let signals = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            signals.cancel();
        });
        feedbridge_daemon::run(startup.into_run_options(), shutdown).await
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("Could not install signal handlers; stop with SIGKILL.");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received."),
        _ = int.recv() => tracing::info!("SIGINT received."),
    }
}
