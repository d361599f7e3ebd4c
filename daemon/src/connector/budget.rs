//! One shared call budget per platform connection: a bucket of points that refills at a rate
//! and holds at most a capacity (Shopify's calculated query cost, or one point per call for a
//! REST rate limit). A call reserves its expected cost before it is sent and settles the
//! difference when the platform says what it really cost, so calls in flight are counted
//! before their answers arrive. Callers wait in order: urgent work (orders, stock) first, with
//! a floor so background work (polls, catalog pages) gets every [`URGENT_RUN`]+1-th turn, as
//! long as that turn costs no more than the urgent call it displaces. A costlier background
//! call (a page whose requested cost is near the bucket's size, which the platform runs only
//! once that much is available) would hold every urgent caller until the bucket refills, so it
//! waits until no urgent call is waiting, or [`BACKGROUND_PATIENCE`] at most.
//!
//! Times come from `tokio::time`, so tests run on a paused clock.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Urgent turns in a row before a waiting background call is served.
pub const URGENT_RUN: u32 = 3;

/// Longest a background call waits for urgent callers to be served before it goes first.
pub const BACKGROUND_PATIENCE: Duration = Duration::from_secs(30);

/// Who is asking, which decides who waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// Orders and stock: what merchants and buyers wait for.
    Urgent,
    /// Polls and catalog pages: can wait, but never starve.
    Background,
}

/// The bucket's shape, as the platform publishes it (or sends it in its answers).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Points the bucket holds when full.
    pub capacity: f64,
    /// Points restored per second.
    pub restore_per_sec: f64,
}

/// A shared call budget; see the module docs.
#[derive(Debug)]
pub struct Budget {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug)]
struct State {
    limits: Limits,
    available: f64,
    updated: Instant,
    /// No call before this (the platform said "slow down" with a wait).
    blocked_until: Option<Instant>,
    urgent: VecDeque<Waiting>,
    background: VecDeque<Waiting>,
    next_ticket: u64,
    urgent_in_a_row: u32,
}

impl State {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.available =
            (self.available + elapsed * self.limits.restore_per_sec).min(self.limits.capacity);
        self.updated = now;
    }

    /// The ticket served next.
    fn head(&self, now: Instant) -> Option<u64> {
        let (Some(urgent), Some(background)) = (self.urgent.front(), self.background.front())
        else {
            return self
                .urgent
                .front()
                .or(self.background.front())
                .map(|w| w.id);
        };
        let background_turn = now >= background.since + BACKGROUND_PATIENCE
            || (self.urgent_in_a_row >= URGENT_RUN && background.cost <= urgent.cost);
        Some(if background_turn {
            background.id
        } else {
            urgent.id
        })
    }

    /// For the first background caller while urgent ones go first: how long until its
    /// patience runs out.
    fn patience_left(&self, ticket: u64, now: Instant) -> Option<Duration> {
        let first = self.background.front().filter(|w| w.id == ticket)?;
        Some((first.since + BACKGROUND_PATIENCE).saturating_duration_since(now))
    }

    fn queue(&mut self, priority: Priority) -> &mut VecDeque<Waiting> {
        match priority {
            Priority::Urgent => &mut self.urgent,
            Priority::Background => &mut self.background,
        }
    }

    fn remove(&mut self, ticket: u64) {
        self.urgent.retain(|w| w.id != ticket);
        self.background.retain(|w| w.id != ticket);
    }
}

/// A caller in a queue: its ticket, the points it waits for and since when.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    id: u64,
    cost: f64,
    since: Instant,
}

/// Points taken from the budget for one call; [`Reservation::settle`] gives back what the call
/// did not use. Dropped unsettled, the points stay spent (the safe side).
#[derive(Debug)]
#[must_use = "settle the reservation with the call's real cost"]
pub struct Reservation<'a> {
    budget: &'a Budget,
    charged: f64,
}

impl Reservation<'_> {
    /// The call cost `actual` points (as the platform reported).
    pub fn settle(self, actual: f64) {
        let refund = self.charged - actual.max(0.0);
        if refund != 0.0 {
            let mut state = self.budget.lock();
            state.refill(Instant::now());
            state.available = (state.available + refund).min(state.limits.capacity);
            drop(state);
            self.budget.changed.notify_waiters();
        }
    }

    /// The call was refused before the platform counted it: every point comes back.
    pub fn refund(self) {
        self.settle(0.0);
    }
}

/// Removes a waiting caller's ticket if its future is dropped before it is served.
struct Ticket<'a> {
    budget: &'a Budget,
    id: u64,
    served: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.served {
            self.budget.lock().remove(self.id);
            self.budget.changed.notify_waiters();
        }
    }
}

impl Budget {
    /// A full bucket of `limits`.
    pub fn new(limits: Limits) -> Self {
        let limits = Limits {
            capacity: limits.capacity.max(1.0),
            restore_per_sec: limits.restore_per_sec.max(0.01),
        };
        Self {
            state: Mutex::new(State {
                limits,
                available: limits.capacity,
                updated: Instant::now(),
                blocked_until: None,
                urgent: VecDeque::new(),
                background: VecDeque::new(),
                next_ticket: 0,
                urgent_in_a_row: 0,
            }),
            changed: Notify::new(),
        }
    }

    /// A REST rate limit: `per_second` calls per second, at most `burst` at once.
    pub fn per_call(per_second: f64, burst: f64) -> Self {
        Self::new(Limits {
            capacity: burst,
            restore_per_sec: per_second,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a caller panicked between plain number updates.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wait for this caller's turn and for `cost` points (at most the capacity), then take them.
    pub async fn reserve(&self, cost: f64, priority: Priority) -> Reservation<'_> {
        self.reserve_placed(cost, priority, false).await
    }

    /// As [`Budget::reserve`], ahead of everyone waiting in `priority`'s class: for a call the
    /// platform refused for its rate, which has waited its turn already.
    pub async fn reserve_again(&self, cost: f64, priority: Priority) -> Reservation<'_> {
        self.reserve_placed(cost, priority, true).await
    }

    async fn reserve_placed(&self, cost: f64, priority: Priority, front: bool) -> Reservation<'_> {
        let mut ticket = {
            let mut state = self.lock();
            let id = state.next_ticket;
            state.next_ticket += 1;
            let waiting = Waiting {
                id,
                cost: cost.clamp(0.0, state.limits.capacity),
                since: Instant::now(),
            };
            let queue = state.queue(priority);
            if front {
                queue.push_front(waiting);
            } else {
                queue.push_back(waiting);
            }
            Ticket {
                budget: self,
                id,
                served: false,
            }
        };
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = {
                let mut state = self.lock();
                let now = Instant::now();
                state.refill(now);
                let cost = cost.clamp(0.0, state.limits.capacity);
                let at_head = state.head(now) == Some(ticket.id);
                match state.blocked_until {
                    // A background call passed over for a costly turn goes first after its
                    // patience; nothing else would wake it then.
                    _ if !at_head => state.patience_left(ticket.id, now),
                    Some(until) if until > now => Some(until - now),
                    _ if state.available >= cost => {
                        state.blocked_until = None;
                        state.available -= cost;
                        state.remove(ticket.id);
                        state.urgent_in_a_row = match priority {
                            Priority::Urgent if !state.background.is_empty() => {
                                state.urgent_in_a_row + 1
                            }
                            _ => 0,
                        };
                        ticket.served = true;
                        drop(state);
                        self.changed.notify_waiters();
                        return Reservation {
                            budget: self,
                            charged: cost,
                        };
                    }
                    _ => Some(Duration::from_secs_f64(
                        (cost - state.available) / state.limits.restore_per_sec,
                    )),
                }
            };
            match wait {
                Some(wait) => {
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = &mut notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Take one point (a REST call under a per-call rate limit).
    pub async fn acquire(&self, priority: Priority) {
        self.reserve(1.0, priority).await.settle(1.0);
    }

    /// The platform named its restore rate (Amazon's `x-amzn-RateLimit-Limit`); the bucket's
    /// capacity and what is left stay as they are.
    pub fn set_restore_rate(&self, per_sec: f64) {
        let mut state = self.lock();
        state.refill(Instant::now());
        state.limits.restore_per_sec = per_sec.max(0.01);
    }

    /// What the platform says of the bucket now: its shape, and how much is left. The budget
    /// keeps the lower of its own count and the platform's, so calls still in flight stay
    /// counted and other apps' use of the same bucket is followed.
    pub fn observe(&self, limits: Limits, currently_available: f64) {
        let mut state = self.lock();
        state.refill(Instant::now());
        state.limits = Limits {
            capacity: limits.capacity.max(1.0),
            restore_per_sec: limits.restore_per_sec.max(0.01),
        };
        state.available = state
            .available
            .min(currently_available.max(0.0))
            .min(state.limits.capacity);
        drop(state);
        self.changed.notify_waiters();
    }

    /// Hold every call for `wait` and empty the bucket (a 429 or rate-limit answer).
    pub fn pause_for(&self, wait: Duration) {
        let mut state = self.lock();
        let now = Instant::now();
        state.refill(now);
        state.available = 0.0;
        let until = now + wait;
        state.blocked_until = Some(state.blocked_until.map_or(until, |t| t.max(until)));
        drop(state);
        self.changed.notify_waiters();
    }

    /// The bucket's current shape.
    pub fn limits(&self) -> Limits {
        self.lock().limits
    }

    /// Points available now.
    pub fn available(&self) -> f64 {
        let mut state = self.lock();
        state.refill(Instant::now());
        state.available
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const SHOPIFY: Limits = Limits {
        capacity: 1_000.0,
        restore_per_sec: 50.0,
    };

    /// Shopify's standard bucket with every point spent.
    async fn emptied() -> Budget {
        let budget = Budget::new(SHOPIFY);
        budget
            .reserve(1_000.0, Priority::Urgent)
            .await
            .settle(1_000.0);
        budget
    }

    fn secs(from: Instant) -> f64 {
        (Instant::now() - from).as_secs_f64()
    }

    #[tokio::test(start_paused = true)]
    async fn reserving_deducts_before_the_answer_and_settling_refunds() {
        let budget = Budget::new(SHOPIFY);
        let reservation = budget.reserve(100.0, Priority::Urgent).await;
        assert_eq!(budget.available(), 900.0);
        reservation.settle(12.0);
        assert_eq!(budget.available(), 988.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_waits_for_the_points_it_needs() {
        let budget = emptied().await;
        let start = Instant::now();
        budget.reserve(100.0, Priority::Urgent).await.settle(100.0);
        assert!((secs(start) - 2.0).abs() < 0.01, "{}", secs(start));
    }

    #[tokio::test(start_paused = true)]
    async fn callers_are_served_in_order_and_urgent_first_with_a_floor() {
        let budget = Arc::new(emptied().await);
        let served = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        let callers = [
            ("poll", Priority::Background),
            ("create 1", Priority::Urgent),
            ("create 2", Priority::Urgent),
            ("create 3", Priority::Urgent),
            ("create 4", Priority::Urgent),
            ("create 5", Priority::Urgent),
        ];
        for (name, priority) in callers {
            let budget = Arc::clone(&budget);
            let served = Arc::clone(&served);
            tasks.push(tokio::spawn(async move {
                budget.reserve(10.0, priority).await.settle(10.0);
                served.lock().unwrap().push(name);
            }));
            // Each is queued before the next arrives.
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(
            *served.lock().unwrap(),
            [
                "create 1", "create 2", "create 3", "poll", "create 4", "create 5"
            ]
        );
    }

    /// A poll whose requested cost is most of the bucket would hold every order behind it
    /// while the bucket refills; it waits for the orders instead, within its patience.
    #[tokio::test(start_paused = true)]
    async fn a_costly_background_call_waits_for_urgent_ones_within_its_patience() {
        let budget = Arc::new(emptied().await);
        let served = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        let mut tasks = Vec::new();
        let mut callers = vec![("poll".to_owned(), Priority::Background, 950.0)];
        callers.extend((1..=6).map(|n| (format!("create {n}"), Priority::Urgent, 10.0)));
        for (name, priority, cost) in callers {
            let (budget, served) = (Arc::clone(&budget), Arc::clone(&served));
            tasks.push(tokio::spawn(async move {
                budget.reserve(cost, priority).await.settle(cost);
                served.lock().unwrap().push((name, secs(started)));
            }));
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.unwrap();
        }
        let served = served.lock().unwrap().clone();
        let order: Vec<&str> = served.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            order,
            [
                "create 1", "create 2", "create 3", "create 4", "create 5", "create 6", "poll"
            ]
        );
        // Each create waited for its own 10 points only (0.2 s at 50 points/s).
        assert!((served[5].1 - 1.2).abs() < 0.01, "{served:?}");

        // With orders arriving without end, the poll goes first after its patience.
        let budget = Arc::new(emptied().await);
        let started = Instant::now();
        let poll = {
            let budget = Arc::clone(&budget);
            tokio::spawn(async move {
                budget
                    .reserve(950.0, Priority::Background)
                    .await
                    .settle(950.0);
                secs(started)
            })
        };
        tokio::task::yield_now().await;
        let orders = {
            let budget = Arc::clone(&budget);
            tokio::spawn(async move {
                loop {
                    budget.reserve(10.0, Priority::Urgent).await.settle(10.0);
                }
            })
        };
        let polled_at = poll.await.unwrap();
        orders.abort();
        let patience = BACKGROUND_PATIENCE.as_secs_f64();
        // Its patience, then the time the bucket takes to hold 950 points.
        assert!(
            polled_at >= patience && polled_at <= patience + 950.0 / 50.0 + 0.5,
            "{polled_at}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_platforms_count_wins_when_it_is_lower_and_sets_the_shape() {
        let budget = Budget::new(SHOPIFY);
        let plus = Limits {
            capacity: 2_000.0,
            restore_per_sec: 100.0,
        };
        budget.observe(plus, 300.0);
        assert_eq!(budget.available(), 300.0);
        assert_eq!(budget.limits(), plus);
        let start = Instant::now();
        budget.reserve(500.0, Priority::Urgent).await.settle(500.0);
        assert!((secs(start) - 2.0).abs() < 0.01, "{}", secs(start));
        // A higher count does not raise ours: calls still in flight may not be in it yet.
        budget.observe(plus, 2_000.0);
        assert_eq!(budget.available(), 0.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_per_call_limit_spaces_calls_after_the_burst() {
        let budget = Budget::per_call(20.0, 20.0);
        let start = Instant::now();
        for _ in 0..30 {
            budget.acquire(Priority::Urgent).await;
        }
        // Twenty from the full bucket, then ten more at 20/s.
        assert!((secs(start) - 0.5).abs() < 0.01, "{}", secs(start));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_call_then_refills_from_empty() {
        let budget = Budget::per_call(2.0, 30.0);
        budget.pause_for(Duration::from_secs(5));
        let start = Instant::now();
        budget.reserve(1.0, Priority::Urgent).await.settle(1.0);
        assert!((secs(start) - 5.0).abs() < 0.01, "{}", secs(start));
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_leaves_the_queue() {
        let budget = Arc::new(emptied().await);
        let waiting = {
            let budget = Arc::clone(&budget);
            tokio::spawn(async move { budget.reserve(900.0, Priority::Urgent).await.refund() })
        };
        tokio::task::yield_now().await;
        waiting.abort();
        let _ = waiting.await;
        let start = Instant::now();
        budget.reserve(50.0, Priority::Urgent).await.settle(50.0);
        assert!(secs(start) <= 1.01, "{}", secs(start));
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_call_goes_again_ahead_of_its_class() {
        let budget = Arc::new(emptied().await);
        let served = Arc::new(Mutex::new(Vec::new()));
        let later = {
            let (budget, served) = (Arc::clone(&budget), Arc::clone(&served));
            tokio::spawn(async move {
                budget.reserve(10.0, Priority::Urgent).await.settle(10.0);
                served.lock().unwrap().push("later");
            })
        };
        tokio::task::yield_now().await;
        budget
            .reserve_again(10.0, Priority::Urgent)
            .await
            .settle(10.0);
        served.lock().unwrap().push("retried");
        later.await.unwrap();
        assert_eq!(*served.lock().unwrap(), ["retried", "later"]);
    }
}
