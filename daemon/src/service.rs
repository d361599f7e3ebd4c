//! Talking to systemd (a `Type=notify` service): readiness, a watchdog fed only while the job
//! loop turns, and a one-line STATUS= that `systemctl status feedbridge` shows.
//!
//! The job loop beats [`Heartbeat`] on every turn (a claim, an idle wait, a lease renewal of a
//! running step). [`supervise`] pings `WATCHDOG=1` at half of systemd's `WatchdogSec=` while the
//! last beat is younger than that interval; a loop stuck on its database (or workers that all
//! died) stops the pings, and systemd kills and restarts the daemon. Without `NOTIFY_SOCKET`
//! (not under systemd) nothing here runs.

use crate::clock::Clock;
use crate::store;
use crate::sync::Engine;
use sd_notify::NotifyState;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How often STATUS= is refreshed when systemd asks for no watchdog.
const STATUS_EVERY: Duration = Duration::from_secs(30);

/// When the job loop last showed it was turning (Unix milliseconds, the engine's clock).
#[derive(Debug)]
pub struct Heartbeat(AtomicI64);

impl Heartbeat {
    /// Beaten once at start: the loop gets a full interval to take its first turn.
    pub fn starting_at(now_millis: i64) -> Self {
        Self(AtomicI64::new(now_millis))
    }

    pub fn beat(&self, clock: &(dyn Clock + 'static)) {
        self.0.store(clock.now_millis(), Ordering::Relaxed);
    }

    pub fn last_millis(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What the watchdog makes of the heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// Beat within the interval: tell systemd all is well.
    Turning,
    /// No beat for this long: stay silent so systemd restarts the daemon.
    Stalled(Duration),
}

/// Turning while the last beat is at most `interval` old. A wall clock set back makes the beat
/// look young (still turning); one set forward is corrected by the next beat, a moment later.
pub fn liveness(last_beat_millis: i64, now_millis: i64, interval: Duration) -> Liveness {
    let age = Duration::from_millis(u64::try_from(now_millis - last_beat_millis).unwrap_or(0));
    if age <= interval {
        Liveness::Turning
    } else {
        Liveness::Stalled(age)
    }
}

/// The STATUS= line: counts only, never a name of a shop or a secret.
pub fn status_line(
    organizations: usize,
    jobs_pending: u64,
    failures_open: u64,
    degraded: Option<&str>,
    liveness: Liveness,
) -> String {
    let mut parts = Vec::new();
    if let Liveness::Stalled(age) = liveness {
        parts.push(format!("job loop stalled for {} s", age.as_secs()));
    }
    if let Some(reason) = degraded {
        parts.push(format!("degraded: {reason}"));
    }
    parts.push(count(organizations as u64, "organization", "organizations"));
    parts.push(count(jobs_pending, "job pending", "jobs pending"));
    parts.push(count(failures_open, "failure open", "failures open"));
    parts.join(" · ")
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Tell systemd start-up is done (no-op outside systemd).
pub fn notify_ready() {
    send(&[NotifyState::Ready]);
}

/// Tell systemd the daemon is draining.
pub fn notify_stopping() {
    send(&[NotifyState::Stopping]);
}

/// Tell systemd a reload began; [`notify_ready`] ends it.
pub fn notify_reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

fn send(states: &[NotifyState<'_>]) {
    if let Err(error) = sd_notify::notify(states) {
        warn!(%error, "Could not notify systemd.");
    }
}

/// Ping the watchdog while the job loop turns and keep STATUS= current, until `stop`.
pub async fn supervise(engine: Arc<Engine>, stop: CancellationToken) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    let watchdog = sd_notify::watchdog_enabled();
    let every = watchdog.map_or(STATUS_EVERY, |interval| interval / 2);
    if let Some(interval) = watchdog {
        info!(
            interval_secs = interval.as_secs_f64(),
            "systemd watchdog on: pinged while the job loop turns."
        );
    }
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut was_stalled = false;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let now = engine.clock.now_millis();
        let state = match watchdog {
            Some(interval) => liveness(engine.loop_heartbeat.last_millis(), now, interval),
            None => Liveness::Turning,
        };
        match state {
            Liveness::Turning if watchdog.is_some() => send(&[NotifyState::Watchdog]),
            Liveness::Turning => {}
            Liveness::Stalled(age) if !was_stalled => warn!(
                stalled_secs = age.as_secs(),
                "The job loop has not turned within the watchdog interval; systemd will restart feedbridged."
            ),
            Liveness::Stalled(_) => {}
        }
        was_stalled = matches!(state, Liveness::Stalled(_));
        // Bounded: a database that does not answer must not hold up the next ping decision.
        let counts = tokio::time::timeout(
            every,
            engine.store.call(move |conn| {
                Ok((
                    store::count_due_jobs(conn, now)?,
                    store::count_open_failures(conn)?,
                ))
            }),
        )
        .await;
        if let Ok(Ok((jobs_pending, failures_open))) = counts {
            let degraded = engine.store.degraded();
            let line = status_line(
                engine.orgs.len(),
                jobs_pending,
                failures_open,
                degraded.as_ref().map(|d| d.reason.as_str()),
                state,
            );
            send(&[NotifyState::Status(&line)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_loop_that_beat_within_the_interval_is_turning() {
        assert_eq!(liveness(100_000, 100_000, MINUTE), Liveness::Turning);
        assert_eq!(liveness(100_000, 160_000, MINUTE), Liveness::Turning);
    }

    #[test]
    fn a_loop_silent_past_the_interval_is_stalled_for_its_age() {
        assert_eq!(
            liveness(100_000, 160_001, MINUTE),
            Liveness::Stalled(Duration::from_millis(60_001))
        );
    }

    #[test]
    fn a_clock_set_back_does_not_count_as_a_stall() {
        assert_eq!(liveness(100_000, 40_000, MINUTE), Liveness::Turning);
    }

    #[test]
    fn heartbeat_records_the_clocks_time() {
        let manual = crate::clock::ManualClock::at_secs(1_000);
        let clock: &dyn Clock = &manual;
        let heartbeat = Heartbeat::starting_at(0);
        heartbeat.beat(clock);
        assert_eq!(heartbeat.last_millis(), 1_000_000);
        manual.advance(Duration::from_secs(61));
        assert_eq!(
            liveness(heartbeat.last_millis(), clock.now_millis(), MINUTE),
            Liveness::Stalled(Duration::from_secs(61))
        );
    }

    #[test]
    fn status_line_counts_in_words() {
        assert_eq!(
            status_line(2, 3, 0, None, Liveness::Turning),
            "2 organizations · 3 jobs pending · 0 failures open"
        );
        assert_eq!(
            status_line(1, 1, 1, None, Liveness::Turning),
            "1 organization · 1 job pending · 1 failure open"
        );
    }

    #[test]
    fn status_line_leads_with_a_stall_and_a_degraded_store() {
        assert_eq!(
            status_line(
                1,
                0,
                2,
                Some("disk full: the database cannot be written"),
                Liveness::Stalled(Duration::from_secs(75)),
            ),
            "job loop stalled for 75 s · degraded: disk full: the database cannot be written · 1 organization · 0 jobs pending · 2 failures open"
        );
    }
}
