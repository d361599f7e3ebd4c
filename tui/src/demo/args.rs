//! `feedbridge demo`'s command line (built with the `demo` feature only).

use super::{DemoOptions, setup};
use crate::cli::{CliError, EXIT_FAILED, fail};
use clap::Args;
use feedbridge_sandbox::merchant::SimStore;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// No console: print progress to stderr and a summary to stdout; exit 0 only if every
    /// product was listed, every order the demo placed got its tracking pushed to TikTok (or
    /// was refunded and cancelled) and no failure is left open.
    #[arg(long)]
    pub headless: bool,
    /// Headless deadline in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub duration: u64,
    /// Keep config, database and logs here (default: a temporary dir, removed afterwards).
    /// DIR must be new or empty: a directory an earlier demo used is refused, since its
    /// simulated shops ended with that run.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// How many products the simulated store starts with.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub products: usize,
    /// The feedbridged binary [default: next to this executable].
    #[arg(long, value_name = "PATH")]
    pub daemon_bin: Option<PathBuf>,
    /// The store platform the demo merchant sells on.
    #[arg(long, value_enum, default_value_t = SimStore::Shopify)]
    pub store: SimStore,
    /// Who ships the TikTok orders: the merchant from the store, or Amazon MCF from FBA stock.
    #[arg(long, value_enum, default_value_t = setup::DemoFulfilment::Store)]
    pub fulfilment: setup::DemoFulfilment,
}

pub async fn run(args: DemoArgs) -> ExitCode {
    let headless = args.headless;
    let options = DemoOptions {
        headless: args.headless,
        duration: std::time::Duration::from_secs(args.duration),
        data_dir: args.data_dir,
        products: args.products,
        daemon_bin: args.daemon_bin,
        wiring: setup::Wiring {
            store: args.store,
            fulfilment: args.fulfilment,
        },
    };
    match super::run(options).await {
        Ok(summary) => {
            print!("{summary}");
            println!("{}", summary.json_line());
            // With the console, quitting is the user's choice, not a failure.
            if summary.succeeded() || !headless {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_FAILED)
            }
        }
        Err(error) => fail(&CliError::Other(error)),
    }
}
