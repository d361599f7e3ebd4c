//! `feedbridged`: parse flags, load config, set up logging, run until SIGTERM/SIGINT.

use anyhow::Context;
use clap::Parser;
use feedbridge_common::paths;
use feedbridge_daemon::cli::Args;
use feedbridge_daemon::{RunOptions, settings};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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
    if let Some(dir) = &args.write_man {
        let page = feedbridge_daemon::cli::write_man_page(dir)
            .with_context(|| format!("Failed to write the man page into {}", dir.display()))?;
        println!("{}", page.display());
        return Ok(());
    }
    let (config, config_path) = settings::load_config(args.config.as_deref())?;
    let data_dir = args
        .data_dir
        .or_else(|| config.daemon.data_dir.clone())
        .or_else(paths::default_data_dir)
        .context("No data directory: pass --data-dir")?;
    let secrets_path = config
        .daemon
        .secrets_file
        .clone()
        .unwrap_or_else(|| data_dir.join(settings::SECRETS_FILE));
    let secrets = settings::load_secrets(&secrets_path, &config)?;
    let socket = paths::resolve_socket(args.socket.as_deref(), config.daemon.socket.as_deref());
    if args.check_config {
        println!(
            "{}: OK ({} organization(s))",
            config_path.map_or_else(|| "defaults".to_owned(), |p| p.display().to_string()),
            config.organizations.len()
        );
        return Ok(());
    }

    // Everything feedbridged creates (database, logs, lock) is its user's alone, whatever
    // umask it was started with.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let mut tightened: Vec<String> = settings::prepare_private_dir(&data_dir)?
        .into_iter()
        .collect();
    // Before anything is written there: a second daemon stops here.
    let _data_dir_lock = settings::lock_data_dir(&data_dir)?;
    let log_dir = data_dir.join("logs");
    tightened.extend(settings::prepare_private_dir(&log_dir)?);
    tightened.extend(settings::make_files_private(&log_dir)?);
    let file_appender = tracing_appender::rolling::daily(&log_dir, "feedbridged.log");
    let (file_writer, _log_guard) = tracing_appender::non_blocking(file_appender);
    let filter = EnvFilter::try_new(&config.daemon.log_level)
        .with_context(|| format!("Bad daemon.log_level \"{}\"", config.daemon.log_level))?;
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(file_writer),
        )
        .init();
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
        feedbridge_daemon::run(
            RunOptions {
                config,
                secrets,
                data_dir,
                socket,
            },
            shutdown,
        )
        .await
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
