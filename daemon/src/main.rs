//! `feedbridged`: parse flags, check config and secrets, set up logging, run until
//! SIGTERM/SIGINT.

use anyhow::Context;
use clap::Parser;
use feedbridge_daemon::cli::Args;
use feedbridge_daemon::logging::Environment;
use feedbridge_daemon::settings;
use feedbridge_daemon::startup::{self, Startup};
use std::num::NonZeroUsize;
use std::process::ExitCode;

/// The runtime's worker threads at most: the daemon waits on the network and on its database
/// threads, so a few suffice, and its thread count must not follow the machine's core count.
const MAX_WORKER_THREADS: usize = 8;
/// Threads for what still blocks (DNS lookups, file I/O) at most: a burst queues for them
/// rather than growing the process (tokio's default allows 512).
const MAX_BLOCKING_THREADS: usize = 8;

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
    if let Some(format) = args.platforms {
        print!("{}", feedbridge_daemon::cli::platforms(format));
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

    let runtime = runtime().context("Failed to start the async runtime")?;
    runtime.block_on(feedbridge_daemon::reload::run_until_stopped(
        startup,
        args.flags(),
        Environment::of_process(),
    ))
}

/// The async runtime, its threads bounded whatever the load (see `store/pool.rs` for the
/// database's own threads).
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.min(MAX_WORKER_THREADS))
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .enable_all()
        .build()
}
