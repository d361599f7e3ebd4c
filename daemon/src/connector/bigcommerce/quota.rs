//! Pacing by BigCommerce's quota headers (api-rate-limits): every answer says how many
//! requests are left in the window (`X-Rate-Limit-Requests-Left`) and when it refills
//! (`X-Rate-Limit-Time-Reset-Ms`). With none left, the next call waits for the refill instead
//! of spending a 429; a 429 empties the quota until its reset. Calls sent but not answered yet
//! are counted against what the last answer said was left.

use reqwest::header::HeaderMap;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// What one answer said about the quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct QuotaHeaders {
    pub left: u32,
    pub reset: Duration,
}

impl QuotaHeaders {
    /// Both headers, or `None` (the docs: a 429 without them is platform overload).
    pub(super) fn read(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        Some(Self {
            left: u32::try_from(number("x-rate-limit-requests-left")?).unwrap_or(u32::MAX),
            // A bad header must not park the connection: at most one hour.
            reset: Duration::from_millis(number("x-rate-limit-time-reset-ms")?.min(3_600_000)),
        })
    }
}

/// Added to the reset a 429 or an empty quota is waited for: the server's clock and ours
/// disagree by a little, and arriving early costs a 429.
const MARGIN: Duration = Duration::from_millis(20);

#[derive(Debug, Default)]
struct State {
    /// Requests left as of the last answer, less the calls sent since; `None` = unknown.
    left: Option<u32>,
    refill_at: Option<Instant>,
    in_flight: u32,
}

#[derive(Debug, Default)]
pub(super) struct Quota {
    state: Mutex<State>,
}

impl Quota {
    /// Wait until the quota allows a call, then count it as sent.
    pub(super) async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                if s.refill_at.is_some_and(|at| at <= now) {
                    s.left = None;
                    s.refill_at = None;
                }
                match (s.left, s.refill_at) {
                    (Some(0), Some(at)) => Some(at - now),
                    (left, _) => {
                        s.left = left.map(|n| n.saturating_sub(1));
                        s.in_flight += 1;
                        None
                    }
                }
            };
            match wait {
                None => return,
                Some(duration) => tokio::time::sleep(duration).await,
            }
        }
    }

    /// The answer to a counted call arrived, with or without quota headers.
    pub(super) async fn answered(&self, headers: Option<QuotaHeaders>) {
        let mut s = self.state.lock().await;
        s.in_flight = s.in_flight.saturating_sub(1);
        if let Some(h) = headers {
            s.left = Some(h.left.saturating_sub(s.in_flight));
            s.refill_at = Some(Instant::now() + h.reset + MARGIN);
        }
    }

    /// A 429: nothing is left until `reset` has passed.
    pub(super) async fn exhausted_for(&self, reset: Duration) {
        let mut s = self.state.lock().await;
        s.left = Some(0);
        let until = Instant::now() + reset + MARGIN;
        s.refill_at = Some(s.refill_at.map_or(until, |at| at.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(left: u32, reset_ms: u64) -> Option<QuotaHeaders> {
        Some(QuotaHeaders {
            left,
            reset: Duration::from_millis(reset_ms),
        })
    }

    #[test]
    fn headers_are_read_case_insensitively() {
        let mut map = HeaderMap::new();
        map.insert("X-Rate-Limit-Requests-Left", "35".parse().unwrap());
        map.insert("x-rate-limit-time-reset-ms", "15000".parse().unwrap());
        assert_eq!(
            QuotaHeaders::read(&map),
            Some(QuotaHeaders {
                left: 35,
                reset: Duration::from_secs(15)
            })
        );
        map.remove("x-rate-limit-time-reset-ms");
        assert_eq!(QuotaHeaders::read(&map), None);
    }

    // Paused time: waits pass at once, exactly as long as the quota asked.
    #[tokio::test(start_paused = true)]
    async fn waits_for_the_refill_when_nothing_is_left() {
        let quota = Quota::default();
        let start = Instant::now();
        quota.acquire().await;
        quota.answered(headers(1, 400)).await;
        quota.acquire().await;
        assert_eq!(start.elapsed(), Duration::ZERO, "one was left");
        quota.answered(headers(0, 300)).await;
        quota.acquire().await;
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(320),
            "waited for the refill"
        );
        quota.answered(headers(149, 30_000)).await;
        quota.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(320));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_in_flight_count_against_what_is_left() {
        let quota = Quota::default();
        let start = Instant::now();
        quota.acquire().await;
        quota.acquire().await;
        // The first answer says 1 left; the second call is still out, so none is.
        quota.answered(headers(1, 200)).await;
        quota.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(220));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_blocks_until_its_reset() {
        let quota = Quota::default();
        let start = Instant::now();
        quota.acquire().await;
        quota.answered(None).await;
        quota.exhausted_for(Duration::from_millis(500)).await;
        quota.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(520));
    }
}
