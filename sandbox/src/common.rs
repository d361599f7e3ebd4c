//! Pieces both simulators share: clock helpers, the call log, scripted faults, background tasks
//! and asynchronous webhook delivery with retries.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// Locks a mutex, recovering the data if a previous holder panicked (the simulators keep going).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) fn now_secs() -> i64 {
    now_millis() / 1000
}

/// Formats Unix milliseconds as ISO-8601 UTC with second precision, as Shopify does
/// (`2026-11-21T10:00:00Z`).
/// `2023-03-29T18:00:27.877041743Z`: Shopify's `X-Shopify-Triggered-At` for an event raised
/// now, to the nanosecond as Shopify stamps it. Stamps only move forward, so two events never
/// share one (at milliseconds, two changes a sender made within one did, and a receiver
/// could not tell which came last).
pub(crate) fn triggered_at_now() -> String {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let mut last = LAST.load(Ordering::Relaxed);
    let stamp = loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(seen) => last = seen,
        }
    };
    let millis = i64::try_from(stamp / 1_000_000).unwrap_or(i64::MAX);
    let whole = iso8601(millis);
    format!(
        "{}.{:09}Z",
        whole.trim_end_matches('Z'),
        stamp % 1_000_000_000
    )
}

pub(crate) fn iso8601(millis: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Parses an ISO-8601 / RFC 3339 timestamp (or a bare `YYYY-MM-DD` date, taken as midnight UTC;
/// a missing zone is taken as UTC) into Unix milliseconds.
pub(crate) fn parse_iso8601(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    let to_ms = |t: time::OffsetDateTime| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok();
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return to_ms(t);
    }
    if s.len() == 10 {
        let mut parts = s.split('-');
        let y: i32 = parts.next()?.parse().ok()?;
        let m: u8 = parts.next()?.parse().ok()?;
        let d: u8 = parts.next()?.parse().ok()?;
        let month = time::Month::try_from(m).ok()?;
        let date = time::Date::from_calendar_date(y, month, d).ok()?;
        return Some(date.midnight().assume_utc().unix_timestamp() * 1000);
    }
    let alt = s.replacen(' ', "T", 1);
    let has_zone = alt.ends_with('Z') || alt.get(19..).is_some_and(|t| t.contains(['+', '-']));
    let alt = if has_zone { alt } else { format!("{alt}Z") };
    time::OffsetDateTime::parse(&alt, &Rfc3339)
        .ok()
        .and_then(to_ms)
}

/// A record of one platform API call (control calls are not logged).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CallRecord {
    pub at_ms: i64,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// TikTok: the envelope `code` (number). Shopify: the first top-level error's
    /// `extensions.code` (string), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<serde_json::Value>,
    /// Shopify: the GraphQL `operationName`, or the root field names joined with `,`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Shopify: the points the call took from the cost bucket (`actualQueryCost`; none for a
    /// refused call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
}

#[derive(Default)]
pub(crate) struct CallLog(Mutex<Vec<CallRecord>>);

impl CallLog {
    pub(crate) fn push(&self, record: CallRecord) {
        lock(&self.0).push(record);
    }

    pub(crate) fn all(&self) -> Vec<CallRecord> {
        lock(&self.0).clone()
    }
}

/// How a scripted fault makes a matching call fail.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500 with the platform's error shape.
    #[serde(rename = "http_500")]
    Http500,
    /// The platform's own throttle response (TikTok: HTTP 429 code 36009003; Shopify: THROTTLED).
    RateLimit,
    /// Hold the request for 30 s, then answer HTTP 504.
    Timeout,
    /// Carry the call out, then lose its answer: HTTP 504 from a gateway that gave up on a
    /// request the platform went on to complete (the caller cannot tell it from a failure).
    LostAnswer,
}

/// A scripted fault: the next `count` API calls whose path (Shopify: path or operation) contains
/// `path_contains` fail as `kind`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Fault {
    pub path_contains: String,
    pub kind: FaultKind,
    pub count: u32,
}

#[derive(Default)]
pub(crate) struct Faults(Mutex<Vec<Fault>>);

impl Faults {
    pub(crate) fn add(&self, fault: Fault) {
        if fault.count > 0 {
            lock(&self.0).push(fault);
        }
    }

    /// Consumes one matching fault, if any; `targets` are the strings matched against.
    pub(crate) fn take(&self, targets: &[&str]) -> Option<FaultKind> {
        let mut faults = lock(&self.0);
        let idx = faults
            .iter()
            .position(|f| targets.iter().any(|t| t.contains(f.path_contains.as_str())))?;
        let kind = faults[idx].kind;
        faults[idx].count -= 1;
        if faults[idx].count == 0 {
            faults.remove(idx);
        }
        Some(kind)
    }
}

/// How long a `timeout` fault holds the request.
pub(crate) const FAULT_TIMEOUT_HOLD: Duration = Duration::from_secs(30);

/// Spawns background work (webhook deliveries, review timers, jobs) that stops with the sandbox.
#[derive(Clone)]
pub(crate) struct Background {
    token: CancellationToken,
}

impl Background {
    pub(crate) fn new(token: CancellationToken) -> Self {
        Self { token }
    }

    pub(crate) fn spawn<F>(&self, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let token = self.token.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = token.cancelled() => {}
                () = fut => {}
            }
        });
    }
}

/// One webhook delivery (all attempts), as shown by `GET /_sandbox/webhooks/deliveries`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delivery {
    /// TikTok: `tts_notification_id`; Shopify: `X-Shopify-Webhook-Id`.
    pub id: String,
    pub url: String,
    /// TikTok: the event type name (`ORDER_STATUS_CHANGE`); Shopify: the topic (`orders/cancelled`).
    pub topic: String,
    pub attempts: u32,
    pub delivered: bool,
    #[serde(default)]
    pub last_status: Option<u16>,
    #[serde(default)]
    pub last_error: Option<String>,
    pub body: serde_json::Value,
    /// Never sent: recorded while the delivery mode was [`WebhookMode::Drop`].
    #[serde(default)]
    pub dropped: bool,
    /// Held back by [`WebhookMode::Reverse`] until `POST /_sandbox/webhooks/flush`.
    #[serde(default)]
    pub buffered: bool,
}

/// How a simulator delivers its webhooks (`POST /_sandbox/webhooks/mode`), to test receivers
/// against the duplicated, late, out-of-order and lost deliveries the platforms warn about.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum WebhookMode {
    /// Each event is delivered once, right away (retried on failure).
    #[default]
    Normal,
    /// Each event is delivered twice with the same id (`tts_notification_id` /
    /// `X-Shopify-Webhook-Id`) and the same bytes.
    Duplicate,
    /// Events are recorded in the deliveries log as `dropped` and never sent.
    Drop,
    /// Each delivery is held `delay_ms` before its first attempt.
    Delay { delay_ms: u64 },
    /// Events are buffered and delivered newest-first by `POST /_sandbox/webhooks/flush`.
    Reverse,
}

/// Delays before each delivery attempt. The real platforms retry for hours (Shopify: 8 times over
/// 4 h); the sandbox compresses that so tests stay fast.
const RETRY_DELAYS_MS: [u64; 5] = [0, 250, 1000, 3000, 8000];

/// A delivery waiting in the reverse-mode buffer.
struct Pending {
    idx: usize,
    url: String,
    topic: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Webhook delivery shared by both simulators: a log of every delivery, the delivery mode and
/// the reverse-mode buffer.
#[derive(Clone)]
pub(crate) struct Webhooks {
    client: reqwest::Client,
    log: Arc<Mutex<Vec<Delivery>>>,
    mode: Arc<Mutex<WebhookMode>>,
    buffer: Arc<Mutex<Vec<Pending>>>,
    bg: Background,
}

impl Webhooks {
    pub(crate) fn new(bg: Background) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(1))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            client,
            log: Arc::default(),
            mode: Arc::default(),
            buffer: Arc::default(),
            bg,
        }
    }

    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.log).clone()
    }

    pub(crate) fn set_mode(&self, mode: WebhookMode) {
        *lock(&self.mode) = mode;
    }

    /// Delivers every buffered event, newest first, one after the other (each with its
    /// retries). Returns how many were buffered.
    pub(crate) fn flush(&self) -> usize {
        let mut pending = std::mem::take(&mut *lock(&self.buffer));
        pending.reverse();
        let n = pending.len();
        {
            let mut log = lock(&self.log);
            for p in &pending {
                if let Some(entry) = log.get_mut(p.idx) {
                    entry.buffered = false;
                }
            }
        }
        if n > 0 {
            let client = self.client.clone();
            let log = Arc::clone(&self.log);
            self.bg.spawn(async move {
                for p in pending {
                    deliver(
                        &client, &log, p.idx, &p.url, &p.topic, &p.headers, &p.body, 0,
                    )
                    .await;
                }
            });
        }
        n
    }

    fn record(&self, id: &str, url: &str, topic: &str, body: &[u8], mode: WebhookMode) -> usize {
        let mut log = lock(&self.log);
        log.push(Delivery {
            id: id.to_string(),
            url: url.to_string(),
            topic: topic.to_string(),
            attempts: 0,
            delivered: false,
            last_status: None,
            last_error: None,
            body: serde_json::from_slice(body).unwrap_or(serde_json::Value::Null),
            dropped: mode == WebhookMode::Drop,
            buffered: mode == WebhookMode::Reverse,
        });
        log.len() - 1
    }

    /// Queues a POST of `body` (sent byte-for-byte) with `headers`; retried on non-2xx. What
    /// happens then depends on the current [`WebhookMode`].
    pub(crate) fn send(
        &self,
        id: String,
        url: String,
        topic: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) {
        let mode = *lock(&self.mode);
        let idx = self.record(&id, &url, &topic, &body, mode);
        let (copies, delay_ms) = match mode {
            WebhookMode::Drop => {
                tracing::debug!(%url, %topic, "Webhook dropped (delivery mode drop).");
                return;
            }
            WebhookMode::Reverse => {
                lock(&self.buffer).push(Pending {
                    idx,
                    url,
                    topic,
                    headers,
                    body,
                });
                return;
            }
            WebhookMode::Normal => (vec![idx], 0),
            WebhookMode::Delay { delay_ms } => (vec![idx], delay_ms),
            WebhookMode::Duplicate => {
                let second = self.record(&id, &url, &topic, &body, mode);
                (vec![idx, second], 0)
            }
        };
        for idx in copies {
            let client = self.client.clone();
            let log = Arc::clone(&self.log);
            let (url, topic, headers, body) =
                (url.clone(), topic.clone(), headers.clone(), body.clone());
            self.bg.spawn(async move {
                deliver(&client, &log, idx, &url, &topic, &headers, &body, delay_ms).await;
            });
        }
    }
}

/// Delivers one logged webhook (log entry `idx`), retrying on failure.
#[allow(clippy::too_many_arguments)]
async fn deliver(
    client: &reqwest::Client,
    log: &Mutex<Vec<Delivery>>,
    idx: usize,
    url: &str,
    topic: &str,
    headers: &[(String, String)],
    body: &[u8],
    hold_ms: u64,
) {
    if hold_ms > 0 {
        tokio::time::sleep(Duration::from_millis(hold_ms)).await;
    }
    for delay in RETRY_DELAYS_MS {
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let mut req = client.post(url).header("Content-Type", "application/json");
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let result = match req.body(body.to_vec()).send().await {
            // Read the answer to its end, so the connection goes back to the pool (a dropped
            // body closes it, and every delivery would open a new one).
            Ok(resp) => {
                let status = resp.status();
                let _ = resp.bytes().await;
                Ok(status)
            }
            Err(error) => Err(error),
        };
        let mut log = lock(log);
        let Some(entry) = log.get_mut(idx) else {
            return;
        };
        entry.attempts += 1;
        match result {
            Ok(status) => {
                entry.last_status = Some(status.as_u16());
                if status.is_success() {
                    entry.delivered = true;
                    entry.last_error = None;
                    tracing::debug!(%url, %topic, "Webhook delivered.");
                    return;
                }
                entry.last_error = Some(format!("HTTP {status}"));
            }
            Err(error) => {
                entry.last_error = Some(error.to_string());
            }
        }
        tracing::info!(%url, %topic, attempt = entry.attempts, "Webhook delivery failed, will retry.");
    }
    tracing::warn!(%url, %topic, "Webhook delivery gave up after all retries.");
}

/// A classic token bucket (TikTok QPS limit).
pub(crate) struct TokenBucket {
    capacity: f64,
    rate: f64,
    tokens: f64,
    last: std::time::Instant,
}

impl TokenBucket {
    pub(crate) fn new(rate: f64, capacity: f64) -> Self {
        Self {
            capacity,
            rate,
            tokens: capacity,
            last: std::time::Instant::now(),
        }
    }

    pub(crate) fn try_take(&mut self) -> bool {
        let now = std::time::Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Shopify's leaky bucket of query-cost points.
pub(crate) struct CostBucket {
    pub(crate) maximum: f64,
    pub(crate) restore_rate: f64,
    available: f64,
    last: std::time::Instant,
}

impl CostBucket {
    pub(crate) fn new(maximum: f64, restore_rate: f64) -> Self {
        Self {
            maximum,
            restore_rate,
            available: maximum,
            last: std::time::Instant::now(),
        }
    }

    pub(crate) fn available(&mut self) -> f64 {
        let now = std::time::Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.available = (self.available + elapsed * self.restore_rate).min(self.maximum);
        self.available
    }

    /// Reserves `cost` points if available.
    pub(crate) fn try_reserve(&mut self, cost: f64) -> bool {
        if self.available() >= cost {
            self.available -= cost;
            true
        } else {
            false
        }
    }

    pub(crate) fn refund(&mut self, points: f64) {
        self.available = (self.available() + points).min(self.maximum);
    }
}

/// HMAC-SHA256 of `msg` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    #[allow(clippy::expect_used)]
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .expect("invariant: HMAC accepts keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggered_at_stamps_carry_nanoseconds_and_never_repeat() {
        let stamps: Vec<String> = (0..1_000).map(|_| triggered_at_now()).collect();
        for pair in stamps.windows(2) {
            // Same-width RFC 3339 text: text order is time order.
            assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
        }
        let (whole, fraction) = stamps[0].split_once('.').expect("a fraction");
        assert!(parse_iso8601(&format!("{whole}Z")).is_some(), "{whole}");
        assert_eq!(fraction.len(), 10, "nine digits and Z: {fraction}");
        assert!(fraction.ends_with('Z'));
    }
}
