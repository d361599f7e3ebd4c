//! Creating something on a platform exactly once (a store order, an Amazon fulfilment order,
//! a TikTok product) when a create's answer can be lost:
//!
//! 1. if a create may already have happened (an attempt was marked, or the item is older than
//!    what this database knows of the platform), look for it first; when the platform's
//!    search may not show a recent attempt yet, wait instead of trusting "not found";
//! 2. mark "create attempted" durably before sending;
//! 3. send; a definite "no" clears the mark (a retry then creates again without a look or a
//!    wait), a lost answer keeps it (the next attempt looks first);
//! 4. the caller records what was found or created from the [`Outcome`].
//!
//! [`Look::decide`] is the pure part; [`create_once`] runs the steps in that order.

use super::StepFailure;
use crate::connector::ConnectorError;
use std::future::Future;
use std::time::Duration;

/// What this database knows about an item it is to create.
#[derive(Clone, Copy, Debug)]
pub struct History {
    /// When a create was last sent without a definite "no" (its answer may have been lost).
    pub attempted_at: Option<i64>,
    /// When the item came to be at its source (TikTok's order creation time).
    pub created_at: i64,
    /// Since when this database has known what the platform holds; `None`: never.
    pub known_since: Option<i64>,
}

/// Whether to look on the platform before creating, and what "not found" is worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    pub first: bool,
    /// When the look finds nothing: wait this long for the platform's search to catch up
    /// with a recent attempt before trusting "not found".
    pub lag_wait: Option<Duration>,
}

impl Look {
    /// Always look, and trust "not found" (a lookup by key, not a lagging search).
    pub const ALWAYS: Look = Look {
        first: true,
        lag_wait: None,
    };
    /// Never look (the item is edited in place, or nothing can exist yet).
    pub const NEVER: Look = Look {
        first: false,
        lag_wait: None,
    };

    /// Look when a create was attempted (its answer may have been lost) or the item is older
    /// than what this database knows of the platform (a new or restored data dir). A search
    /// lagging by `search_lag` cannot be trusted to show an attempt younger than that.
    pub fn decide(history: History, now: i64, search_lag: Duration) -> Look {
        let first = history.attempted_at.is_some()
            || history
                .known_since
                .is_none_or(|since| history.created_at < since);
        let lag_secs = i64::try_from(search_lag.as_secs()).unwrap_or(i64::MAX);
        let lag_wait = history
            .attempted_at
            .filter(|attempted| !search_lag.is_zero() && now - attempted < lag_secs)
            .map(|_| search_lag);
        Look { first, lag_wait }
    }

    /// Also look when `reason` holds.
    pub fn or_if(self, reason: bool) -> Look {
        Look {
            first: self.first || reason,
            ..self
        }
    }
}

/// What a look before creating found.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<T> {
    Found(T),
    Absent,
    /// Not found, but a create sent moments ago may not show yet: look again after this.
    NotYetSearchable(Duration),
}

/// Look first if `look` says so; `find` is only awaited then.
pub async fn look_first<T>(
    look: Look,
    find: impl Future<Output = Result<Option<T>, StepFailure>>,
) -> Result<Lookup<T>, StepFailure> {
    if !look.first {
        return Ok(Lookup::Absent);
    }
    if let Some(found) = find.await? {
        return Ok(Lookup::Found(found));
    }
    Ok(match look.lag_wait {
        Some(wait) => Lookup::NotYetSearchable(wait),
        None => Lookup::Absent,
    })
}

/// A create's answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent<F, C> {
    Created(C),
    /// The platform answered that it has it already (a duplicate), and this is it.
    Exists(F),
}

/// A create that did not succeed.
#[derive(Debug)]
pub enum NotSent {
    /// A definite "no": nothing was created.
    Refused(StepFailure),
    /// No answer we can trust (timeout, lost answer): it may have been created.
    Unanswered(StepFailure),
}

impl NotSent {
    /// Only a retryable error (timeout, 5xx, lost answer) may hide a create that happened; a
    /// throttled call was refused before the platform acted on it;
    /// `failure` phrases the error for the merchant.
    pub fn of(error: ConnectorError, failure: impl FnOnce(ConnectorError) -> StepFailure) -> Self {
        if matches!(error, ConnectorError::Retryable { .. }) {
            Self::Unanswered(failure(error))
        } else {
            Self::Refused(failure(error))
        }
    }
}

/// How a create-exactly-once ended (failures are the `Err` of [`create_once`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<F, C> {
    /// It existed already: found by the look first, or the create answered so.
    Found(F),
    Created(C),
    /// Nothing found, but the search may not show a create sent moments ago yet: try again
    /// after this, without sending.
    WaitForSearch(Duration),
}

/// The flow's own steps. Futures do nothing until awaited, so each runs only when the
/// protocol reaches it.
pub struct Steps<Find, Prepare, Mark, Send, Clear> {
    /// Look for the item on the platform.
    pub find: Find,
    /// Build what to send; may refuse before anything is marked.
    pub prepare: Prepare,
    /// Record durably that a create is about to be sent.
    pub mark_attempted: Mark,
    /// Send the create built by `prepare`.
    pub send: Send,
    /// Forget the mark after a definite "no".
    pub clear_attempted: Clear,
}

/// Run the protocol: look first (if `look` says so), then prepare, mark, send, and clear the
/// mark on a definite "no".
pub async fn create_once<F, C, R, Find, Prepare, Mark, Send, SendFut, Clear>(
    look: Look,
    steps: Steps<Find, Prepare, Mark, Send, Clear>,
) -> Result<Outcome<F, C>, StepFailure>
where
    Find: Future<Output = Result<Option<F>, StepFailure>>,
    Prepare: Future<Output = Result<R, StepFailure>>,
    Mark: Future<Output = Result<(), StepFailure>>,
    Send: FnOnce(R) -> SendFut,
    SendFut: Future<Output = Result<Sent<F, C>, NotSent>>,
    Clear: Future<Output = Result<(), StepFailure>>,
{
    match look_first(look, steps.find).await? {
        Lookup::Found(found) => return Ok(Outcome::Found(found)),
        Lookup::NotYetSearchable(wait) => return Ok(Outcome::WaitForSearch(wait)),
        Lookup::Absent => {}
    }
    let request = steps.prepare.await?;
    steps.mark_attempted.await?;
    match (steps.send)(request).await {
        Ok(Sent::Created(created)) => Ok(Outcome::Created(created)),
        Ok(Sent::Exists(found)) => Ok(Outcome::Found(found)),
        Err(NotSent::Refused(failure)) => {
            steps.clear_attempted.await?;
            Err(failure)
        }
        Err(NotSent::Unanswered(failure)) => Err(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::FailureKind;
    use std::sync::Mutex;

    const NOW: i64 = 10_000;
    const LAG: Duration = Duration::from_secs(10);

    fn history(attempted_at: Option<i64>, created_at: i64, known_since: Option<i64>) -> History {
        History {
            attempted_at,
            created_at,
            known_since,
        }
    }

    #[test]
    fn looks_first_only_when_a_create_may_have_happened() {
        // (attempted_at, created_at, known_since, look first)
        let table = [
            // A new item of a database that knew the platform before it: no call.
            (None, 9_000, Some(5_000), false),
            // Created the very second this database started knowing the platform.
            (None, 5_000, Some(5_000), false),
            // Older than the database's memory (a new or restored data dir).
            (None, 4_999, Some(5_000), true),
            (None, 9_000, None, true),
            // A create whose answer may have been lost, recent or long ago.
            (Some(NOW - 1), 9_000, Some(5_000), true),
            (Some(NOW - 3_600), 9_000, Some(5_000), true),
        ];
        for (attempted_at, created_at, known_since, first) in table {
            let look = Look::decide(history(attempted_at, created_at, known_since), NOW, LAG);
            assert_eq!(
                look.first, first,
                "{attempted_at:?} {created_at} {known_since:?}"
            );
        }
    }

    #[test]
    fn waits_out_the_search_lag_only_after_a_recent_attempt() {
        // (attempted_at, search lag, wait when nothing is found)
        let table = [
            (None, LAG, None),
            (Some(NOW), LAG, Some(LAG)),
            (Some(NOW - 9), LAG, Some(LAG)),
            // The lag is over: "not found" is trusted.
            (Some(NOW - 10), LAG, None),
            (Some(NOW - 3_600), LAG, None),
            // A clock that went back since the attempt: still too recent to trust.
            (Some(NOW + 5), LAG, Some(LAG)),
            // A lookup by key does not lag.
            (Some(NOW), Duration::ZERO, None),
            (Some(NOW + 5), Duration::ZERO, None),
        ];
        for (attempted_at, lag, wait) in table {
            let look = Look::decide(history(attempted_at, 9_000, Some(5_000)), NOW, lag);
            assert_eq!(look.lag_wait, wait, "{attempted_at:?} {lag:?}");
        }
    }

    #[test]
    fn another_reason_to_look_keeps_the_lag_rule() {
        let quiet = Look::decide(history(None, 9_000, Some(5_000)), NOW, LAG);
        assert_eq!(quiet.or_if(false), Look::NEVER);
        assert_eq!(quiet.or_if(true), Look::ALWAYS);
    }

    fn failure(reason: &str) -> StepFailure {
        StepFailure::rejected(FailureKind::OrderCreate, "acme", "s", reason, "fix it")
    }

    /// Runs the protocol against a platform that holds `existing` and answers the create with
    /// `answer`; returns the outcome and the steps taken.
    async fn run(
        look: Look,
        existing: Option<&'static str>,
        answer: Result<Sent<&'static str, &'static str>, NotSent>,
    ) -> (
        Result<Outcome<&'static str, &'static str>, StepFailure>,
        Vec<&'static str>,
    ) {
        let taken = Mutex::new(Vec::new());
        let step = |name: &'static str| {
            taken
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(name);
        };
        let outcome = create_once(
            look,
            Steps {
                find: async {
                    step("find");
                    Ok(existing)
                },
                prepare: async {
                    step("prepare");
                    Ok("request")
                },
                mark_attempted: async {
                    step("mark");
                    Ok(())
                },
                send: |request: &'static str| {
                    assert_eq!(request, "request");
                    step("send");
                    async move { answer }
                },
                clear_attempted: async {
                    step("clear");
                    Ok(())
                },
            },
        )
        .await;
        let taken = taken
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (outcome, taken)
    }

    #[tokio::test]
    async fn an_item_found_first_is_not_sent() {
        let (outcome, taken) = run(Look::ALWAYS, Some("old"), Ok(Sent::Created("new"))).await;
        assert_eq!(outcome.ok(), Some(Outcome::Found("old")));
        assert_eq!(taken, ["find"]);
    }

    #[tokio::test]
    async fn a_create_is_marked_before_it_is_sent() {
        let (outcome, taken) = run(Look::ALWAYS, None, Ok(Sent::Created("new"))).await;
        assert_eq!(outcome.ok(), Some(Outcome::Created("new")));
        assert_eq!(taken, ["find", "prepare", "mark", "send"]);

        let (outcome, taken) = run(Look::NEVER, Some("old"), Ok(Sent::Created("new"))).await;
        assert_eq!(outcome.ok(), Some(Outcome::Created("new")));
        assert_eq!(taken, ["prepare", "mark", "send"]);
    }

    #[tokio::test]
    async fn a_duplicate_answer_counts_as_found() {
        let (outcome, _) = run(Look::NEVER, None, Ok(Sent::Exists("theirs"))).await;
        assert_eq!(outcome.ok(), Some(Outcome::Found("theirs")));
    }

    #[tokio::test]
    async fn a_recent_attempt_not_yet_searchable_waits_without_sending() {
        let look = Look::decide(history(Some(NOW - 3), 9_000, Some(5_000)), NOW, LAG);
        let (outcome, taken) = run(look, None, Ok(Sent::Created("new"))).await;
        assert_eq!(outcome.ok(), Some(Outcome::WaitForSearch(LAG)));
        assert_eq!(taken, ["find"]);

        // Found all the same: recorded, no wait.
        let (outcome, _) = run(look, Some("old"), Ok(Sent::Created("new"))).await;
        assert_eq!(outcome.ok(), Some(Outcome::Found("old")));

        // Once the lag is over, "not found" is trusted and the create is sent again.
        let look = Look::decide(history(Some(NOW - 30), 9_000, Some(5_000)), NOW, LAG);
        let (outcome, taken) = run(look, None, Ok(Sent::Created("new"))).await;
        assert_eq!(outcome.ok(), Some(Outcome::Created("new")));
        assert_eq!(taken, ["find", "prepare", "mark", "send"]);
    }

    #[tokio::test]
    async fn a_refusal_clears_the_mark_and_a_lost_answer_keeps_it() {
        let refused = NotSent::Refused(failure("no"));
        let (outcome, taken) = run(Look::NEVER, None, Err(refused)).await;
        assert_eq!(outcome.err().map(|f| f.reason), Some("no".to_owned()));
        assert_eq!(taken, ["prepare", "mark", "send", "clear"]);

        let lost = NotSent::Unanswered(failure("timeout"));
        let (outcome, taken) = run(Look::NEVER, None, Err(lost)).await;
        assert_eq!(outcome.err().map(|f| f.reason), Some("timeout".to_owned()));
        assert_eq!(taken, ["prepare", "mark", "send"]);
    }

    #[tokio::test]
    async fn connector_errors_are_classified_by_whether_a_create_may_hide_behind_them() {
        let timeout = ConnectorError::Retryable {
            reason: "timed out".into(),
            raw: String::new(),
            retry_after: None,
        };
        let no = ConnectorError::Rejected {
            reason: "invalid".into(),
            raw: String::new(),
        };
        let expired = ConnectorError::Unauthorized {
            reason: "expired".into(),
            raw: String::new(),
        };
        let throttled = ConnectorError::Throttled {
            reason: "rate limit".into(),
            raw: String::new(),
            retry_after: None,
        };
        let phrase = |e: ConnectorError| failure(&e.to_string());
        assert!(matches!(
            NotSent::of(timeout, phrase),
            NotSent::Unanswered(_)
        ));
        // Refused before it was acted on: the next try sends without a look or a search wait.
        assert!(matches!(
            NotSent::of(throttled, phrase),
            NotSent::Refused(_)
        ));
        assert!(matches!(NotSent::of(no, phrase), NotSent::Refused(_)));
        assert!(matches!(NotSent::of(expired, phrase), NotSent::Refused(_)));
    }
}
