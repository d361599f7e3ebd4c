//! `feedbridged`: parse flags, check config and secrets, set up logging, run until
//! SIGTERM/SIGINT.

use anyhow::Context;
use clap::Parser;
use feedbridge_daemon::cli::Args;
use feedbridge_daemon::logging::Environment;
use feedbridge_daemon::settings;
use feedbridge_daemon::startup::{self, Startup};
use std::process::ExitCode;

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
    let startup = Startup::resolve(&args.flags(), &Environment::of_process())?;
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
    runtime.block_on(feedbridge_daemon::reload::run_until_stopped(
        startup,
        args.flags(),
        Environment::of_process(),
    ))
}
