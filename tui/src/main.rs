use clap::Parser;
use feedbridge_tui::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("feedbridge: failed to start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(feedbridge_tui::cli::run(cli))
}

/// Logs go to stderr for commands, filtered by `FEEDBRIDGE_LOG` (default `warn`). The console
/// owns the terminal, so it logs only to the file named by `FEEDBRIDGE_LOG_FILE`, if any.
fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FEEDBRIDGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let console = match &cli.command {
        None => true,
        #[cfg(feature = "demo")]
        Some(feedbridge_tui::cli::Command::Demo(args)) => !args.headless,
        Some(_) => false,
    };
    if !console {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
        return;
    }
    let Some(path) = std::env::var_os("FEEDBRIDGE_LOG_FILE") else {
        return;
    };
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(file) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init(),
        Err(error) => eprintln!(
            "feedbridge: cannot open log file {}: {error}",
            std::path::Path::new(&path).display()
        ),
    }
}
