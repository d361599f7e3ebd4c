//! Pacing by BigCommerce's quota headers (api-rate-limits) on the shared call budget
//! ([`Budget`]): every answer says the window's quota and size (`X-Rate-Limit-Requests-Quota`,
//! `X-Rate-Limit-Time-Window-Ms`), what is left of it (`X-Rate-Limit-Requests-Left`) and when it
//! refills (`X-Rate-Limit-Time-Reset-Ms`). The budget holds one point per call at the window's
//! average rate, keeps the lower of its own count (calls in flight included) and what is left,
//! and with nothing left (or after a 429) holds every call until the refill instead of
//! spending a 429. Orders and stock go before catalog and order-list pages.

use crate::connector::budget::{Budget, Limits, Priority};
use reqwest::Method;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// What one answer said about the quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct QuotaHeaders {
    pub left: u32,
    pub reset: Duration,
    /// The window's quota and size, when sent (every current answer sends them).
    pub window: Option<(u32, Duration)>,
}

impl QuotaHeaders {
    /// The headers, or `None` without `left` and `reset` (the docs: a 429 without them is
    /// platform overload).
    pub(super) fn read(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        // A bad header must not park the connection: at most one hour.
        let millis = |n: u64| Duration::from_millis(n.min(3_600_000));
        let window = number("x-rate-limit-requests-quota")
            .zip(number("x-rate-limit-time-window-ms"))
            .filter(|(quota, window)| *quota > 0 && *window > 0)
            .map(|(quota, window)| (count(quota), millis(window)));
        Some(Self {
            left: count(number("x-rate-limit-requests-left")?),
            reset: millis(number("x-rate-limit-time-reset-ms")?),
            window,
        })
    }
}

/// The published quota of the Standard and Plus plans (150 requests per 30 s), until the first
/// answer says the store's own.
pub(super) fn initial_budget() -> Budget {
    Budget::new(Limits {
        capacity: 150.0,
        restore_per_sec: 5.0,
    })
}

/// Added to the reset a 429 or an empty quota is waited for: the server's clock and ours
/// disagree by a little, and arriving early costs a 429.
const MARGIN: Duration = Duration::from_millis(20);

/// Follow what an answer said of the quota.
pub(super) fn observe(budget: &Budget, headers: QuotaHeaders) {
    let limits = headers.window.map_or_else(
        || budget.limits(),
        |(quota, window)| Limits {
            capacity: f64::from(quota),
            restore_per_sec: f64::from(quota) / window.as_secs_f64(),
        },
    );
    budget.observe(limits, f64::from(headers.left));
    if headers.left == 0 {
        budget.pause_for(headers.reset + MARGIN);
    }
}

/// A 429: nothing is left until `reset` has passed.
pub(super) fn exhausted_for(budget: &Budget, reset: Duration) {
    budget.pause_for(reset + MARGIN);
}

/// Which calls wait for which: writes, one order and stock reads before lists and pages.
pub(super) fn priority_of(method: &Method, path: &str) -> Priority {
    let one_order = path
        .strip_prefix("/v2/orders/")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    if *method != Method::GET || one_order || path.starts_with("/v3/inventory/") {
        Priority::Urgent
    } else {
        Priority::Background
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    fn headers(left: u32, reset_ms: u64) -> QuotaHeaders {
        QuotaHeaders {
            left,
            reset: Duration::from_millis(reset_ms),
            window: Some((3, Duration::from_millis(300))),
        }
    }

    #[test]
    fn headers_are_read_case_insensitively() {
        let mut map = HeaderMap::new();
        map.insert("X-Rate-Limit-Requests-Left", "35".parse().unwrap());
        map.insert("x-rate-limit-time-reset-ms", "15000".parse().unwrap());
        map.insert("X-Rate-Limit-Requests-Quota", "150".parse().unwrap());
        map.insert("X-Rate-Limit-Time-Window-Ms", "30000".parse().unwrap());
        assert_eq!(
            QuotaHeaders::read(&map),
            Some(QuotaHeaders {
                left: 35,
                reset: Duration::from_secs(15),
                window: Some((150, Duration::from_secs(30))),
            })
        );
        map.remove("x-rate-limit-requests-quota");
        assert_eq!(QuotaHeaders::read(&map).unwrap().window, None);
        map.remove("x-rate-limit-time-reset-ms");
        assert_eq!(QuotaHeaders::read(&map), None);
    }

    #[test]
    fn orders_and_stock_go_first() {
        assert_eq!(priority_of(&Method::POST, "/v2/orders"), Priority::Urgent);
        assert_eq!(
            priority_of(&Method::GET, "/v2/orders/12/products"),
            Priority::Urgent
        );
        assert_eq!(
            priority_of(&Method::GET, "/v3/inventory/items"),
            Priority::Urgent
        );
        assert_eq!(
            priority_of(&Method::GET, "/v2/orders"),
            Priority::Background
        );
        assert_eq!(
            priority_of(&Method::GET, "/v3/catalog/products"),
            Priority::Background
        );
    }

    // Paused time: waits pass at once, exactly as long as the quota asked.
    #[tokio::test(start_paused = true)]
    async fn waits_for_the_refill_when_nothing_is_left() {
        let budget = initial_budget();
        let start = Instant::now();
        budget.acquire(Priority::Urgent).await;
        observe(&budget, headers(1, 400));
        budget.acquire(Priority::Urgent).await;
        assert_eq!(start.elapsed(), Duration::ZERO, "one was left");
        observe(&budget, headers(0, 300));
        budget.acquire(Priority::Urgent).await;
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(320),
            "waited for the refill"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn calls_in_flight_count_against_what_is_left() {
        let budget = initial_budget();
        let start = Instant::now();
        budget.acquire(Priority::Urgent).await;
        budget.acquire(Priority::Urgent).await;
        // The first answer says 1 left; the second call is still out and counted by the
        // budget, which keeps the lower figure: one more goes, the next waits.
        observe(&budget, headers(1, 200));
        let own = budget.available();
        assert!(own <= 1.0, "{own}");
        budget.acquire(Priority::Urgent).await;
        assert!(start.elapsed() < Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_blocks_until_its_reset() {
        let budget = initial_budget();
        let start = Instant::now();
        budget.acquire(Priority::Urgent).await;
        exhausted_for(&budget, Duration::from_millis(500));
        budget.acquire(Priority::Urgent).await;
        assert_eq!(start.elapsed(), Duration::from_millis(520));
    }
}
