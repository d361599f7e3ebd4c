//! Run until SIGTERM/SIGINT; on SIGHUP (the unit's ExecReload) re-read the config and secrets
//! and, when they pass every start-up check, drain and run again with them. A bad one is
//! refused with a log line and the running one stays. Queued work lives in the database, so
//! a reload drops none of it; steps cut short by the drain run again.

use crate::logging::Environment;
use crate::startup::{Flags, Startup};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

/// The daemon's life: [`crate::run`] once per configuration, until a stop signal.
pub async fn run_until_stopped(
    first: Startup,
    flags: Flags,
    environment: Environment,
) -> anyhow::Result<()> {
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        anyhow::bail!("Could not install the signal handlers");
    };
    let stop = CancellationToken::new();
    let round = Arc::new(Mutex::new(stop.child_token()));
    let next: Arc<Mutex<Option<Startup>>> = Arc::default();
    let running = Arc::new(Mutex::new(Running::of(&first)));
    let mut options = first.into_run_options();
    let reloading = Arc::clone(&options.reloading);
    let signals_reloading = Arc::clone(&reloading);

    let signals = {
        let (stop, round, next, running) = (
            stop.clone(),
            Arc::clone(&round),
            Arc::clone(&next),
            Arc::clone(&running),
        );
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = term.recv() => { info!("SIGTERM received."); break; }
                    _ = int.recv() => { info!("SIGINT received."); break; }
                    _ = hup.recv() => {
                        info!("SIGHUP received: reading the configuration again.");
                        let candidate = Startup::resolve(&flags, &environment);
                        let current = lock(&running).clone();
                        match candidate.and_then(|candidate| current.accepts(candidate)) {
                            Ok(candidate) => {
                                *lock(&next) = Some(candidate);
                                signals_reloading.store(true, Ordering::SeqCst);
                                lock(&round).cancel();
                            }
                            Err(refusal) => error!(
                                "Reload refused, the running configuration stays: {refusal:#}"
                            ),
                        }
                    }
                }
            }
            stop.cancel();
        })
    };

    loop {
        let this_round = lock(&round).clone();
        let result = crate::run(options, this_round).await;
        let reload = lock(&next).take();
        match (result, reload) {
            (Err(error), _) => {
                signals.abort();
                return Err(error);
            }
            (Ok(()), Some(startup)) if !stop.is_cancelled() => {
                info!(
                    "Reloaded {}: {} organization(s).",
                    startup.config_file.describe(),
                    startup.config().organizations.len()
                );
                *lock(&running) = Running::of(&startup);
                *lock(&round) = stop.child_token();
                options = startup.into_run_options();
                reloading.store(false, Ordering::SeqCst);
                options.reloading = Arc::clone(&reloading);
            }
            (Ok(()), _) => {
                signals.abort();
                return Ok(());
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a reload cannot change in a running daemon.
#[derive(Clone, Debug)]
struct Running {
    data_dir: std::path::PathBuf,
    log: crate::logging::LogSetup,
}

impl Running {
    fn of(startup: &Startup) -> Self {
        Self {
            data_dir: startup.data_dir.clone(),
            log: startup.log.clone(),
        }
    }

    /// The candidate, unless it moves the data directory (its lock is held); log changes
    /// wait for a restart (the logger is installed once).
    fn accepts(&self, candidate: Startup) -> anyhow::Result<Startup> {
        if candidate.data_dir != self.data_dir {
            anyhow::bail!(
                "the data directory would move from {} to {}: restart feedbridged to move it",
                self.data_dir.display(),
                candidate.data_dir.display()
            );
        }
        if candidate.log != self.log {
            warn!("Log settings changed; they take effect at the next restart.");
        }
        Ok(candidate)
    }
}
