//! The daemon's one source of time. Everything that reads the wall clock goes through a
//! [`Clock`] the start-up builds once ([`SystemClock`]) and tests replace ([`ManualClock`]);
//! clippy's `disallowed-methods` (daemon/clippy.toml) forbids reading the system clock
//! anywhere else. Monotonic waits use `tokio::time::Instant`, which tokio's paused time
//! controls in tests.
#![allow(clippy::disallowed_methods)]

use std::cell::Cell;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> SystemTime;
}

// Inherent, not provided methods: callers holding an `Arc<dyn Clock>` need no import.
impl dyn Clock {
    /// Seconds since the Unix epoch.
    pub fn now_secs(&self) -> i64 {
        unix_millis(self.now()) / 1000
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        unix_millis(self.now())
    }
}

fn unix_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    /// Stopped at `unix_secs` seconds after the epoch.
    pub fn at_secs(unix_secs: u64) -> Self {
        Self(Mutex::new(UNIX_EPOCH + Duration::from_secs(unix_secs)))
    }

    pub fn set(&self, now: SystemTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

thread_local! {
    /// The time of the store transaction running on this thread, if one is.
    static TRANSACTION_TIME: Cell<Option<SystemTime>> = const { Cell::new(None) };
}

/// Run `f` (a store transaction) with `now` as its time: every timestamp it writes is this
/// one, so the rows one transaction touches agree, and a test's clock reaches the store's ~70
/// timestamp writes without threading `now` through each function.
pub fn at_transaction_time<R>(now: SystemTime, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<SystemTime>);
    impl Drop for Restore {
        fn drop(&mut self) {
            TRANSACTION_TIME.set(self.0);
        }
    }
    let _restore = Restore(TRANSACTION_TIME.replace(Some(now)));
    f()
}

/// The running transaction's time; outside one (unit tests calling store functions on a bare
/// connection) the system clock's.
pub fn transaction_time() -> SystemTime {
    TRANSACTION_TIME.get().unwrap_or_else(SystemTime::now)
}

/// [`transaction_time`] in seconds since the Unix epoch.
pub fn transaction_secs() -> i64 {
    unix_millis(transaction_time()) / 1000
}

/// [`transaction_time`] in milliseconds since the Unix epoch.
pub fn transaction_millis() -> i64 {
    unix_millis(transaction_time())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let manual = ManualClock::at_secs(1_000);
        let clock: &dyn Clock = &manual;
        assert_eq!(clock.now_secs(), 1_000);
        manual.advance(Duration::from_millis(1_500));
        assert_eq!((clock.now_secs(), clock.now_millis()), (1_001, 1_001_500));
    }

    #[test]
    fn a_transaction_sees_its_own_time_and_nothing_leaks_out() {
        let at = UNIX_EPOCH + Duration::from_secs(42);
        let inside = at_transaction_time(at, transaction_secs);
        assert_eq!(inside, 42);
        assert!(transaction_secs() > 1_600_000_000, "system time outside");
    }
}
