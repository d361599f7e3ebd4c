//! `/wc/v3/webhooks` and delivery as `WC_Webhook` does it (note §7).
//!
//! An event queues one delivery per matching active webhook, unless one for the same
//! (webhook, resource id) is still queued: rapid changes collapse into one delivery, whose
//! payload is built when it is sent (the resource's state then). Each delivery is a single
//! attempt (core does not retry); 200–302 is success and resets the failure count, anything
//! else counts a failure, and a failure when the count is already above 5 disables the webhook
//! (the 7th in a row). Creating or activating a webhook sends a ping (`webhook_id=N`, form
//! encoded, unsigned). [`WebhookMode`] bends delivery for receiver tests as the other
//! simulators do.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine;
use rand::Rng;
use serde_json::{Value, json};

use super::model::{State, Webhook};
use super::{
    ApiError, ApiResult, Ctx, Reply, WC_VERSION, WooCommerce, page_args, paginate, seg_id, state,
};
use crate::common::{Delivery, WebhookMode, hmac_sha256, lock, now_millis, now_secs};

/// How long a queued delivery waits for the (simulated) Action Scheduler run; events for the
/// same resource within this window coalesce.
const QUEUE_DELAY: Duration = Duration::from_millis(250);

/// `woocommerce_max_webhook_delivery_failures`.
const MAX_FAILURES: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Resource {
    Order,
    Product,
}

impl Resource {
    fn as_str(self) -> &'static str {
        match self {
            Resource::Order => "order",
            Resource::Product => "product",
        }
    }
}

/// Something that happened to a resource (`order.updated` of order 42).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Event {
    resource: Resource,
    event: &'static str,
    id: u64,
}

impl Event {
    pub(crate) fn new(resource: Resource, event: &'static str, id: u64) -> Self {
        Self {
            resource,
            event,
            id,
        }
    }

    fn topic(&self) -> String {
        format!("{}.{}", self.resource.as_str(), self.event)
    }
}

/// The WordPress actions behind a topic (the `hooks` field of a webhook).
pub(crate) fn hooks_of(topic: &str) -> Vec<&'static str> {
    match topic {
        "order.created" => vec!["woocommerce_new_order"],
        "order.updated" => vec!["woocommerce_update_order", "woocommerce_order_refunded"],
        "order.deleted" | "product.deleted" | "coupon.deleted" => vec!["wp_trash_post"],
        "order.restored" | "product.restored" | "coupon.restored" => vec!["untrashed_post"],
        "product.created" => vec![
            "woocommerce_process_product_meta",
            "woocommerce_new_product",
            "woocommerce_new_product_variation",
        ],
        "product.updated" => vec![
            "woocommerce_process_product_meta",
            "woocommerce_update_product",
            "woocommerce_update_product_variation",
        ],
        "product.published" => vec!["woocommerce_product_published"],
        "customer.created" => vec!["user_register", "woocommerce_created_customer"],
        "customer.updated" => vec!["profile_update", "woocommerce_update_customer"],
        "customer.deleted" => vec!["delete_user"],
        "coupon.created" => vec![
            "woocommerce_process_shop_coupon_meta",
            "woocommerce_new_coupon",
        ],
        "coupon.updated" => vec![
            "woocommerce_process_shop_coupon_meta",
            "woocommerce_update_coupon",
        ],
        _ => Vec::new(),
    }
}

/// `wc_is_webhook_valid_topic`.
fn valid_topic(topic: &str) -> bool {
    if topic == "product.published" {
        return true;
    }
    if let Some(action) = topic.strip_prefix("action.") {
        return !action.is_empty();
    }
    match topic.split_once('.') {
        Some((resource, event)) => {
            ["coupon", "customer", "order", "product"].contains(&resource)
                && ["created", "updated", "deleted", "restored"].contains(&event)
        }
        None => false,
    }
}

/// One queued delivery.
struct Job {
    webhook_id: u64,
    event: Event,
    /// Its entry in the log when it was recorded before sending (reverse mode).
    log_idx: Option<usize>,
}

/// The delivery log, mode and queue.
pub(crate) struct Deliveries {
    client: reqwest::Client,
    log: Mutex<Vec<Delivery>>,
    mode: Mutex<WebhookMode>,
    /// (webhook id, resource id) with a delivery queued and not yet started.
    queued: Mutex<HashSet<(u64, u64)>>,
    /// Held back by reverse mode until flush.
    buffer: Mutex<Vec<Job>>,
}

impl Deliveries {
    pub(crate) fn new() -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(2))
            // `wp_safe_remote_post` follows no redirects (a 301/302 counts as delivered).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(format!(
                "WooCommerce/{WC_VERSION} Hookshot (WordPress/6.8.3)"
            ))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            client,
            log: Mutex::default(),
            mode: Mutex::default(),
            queued: Mutex::default(),
            buffer: Mutex::default(),
        }
    }

    pub(crate) fn all(&self) -> Vec<Delivery> {
        lock(&self.log).clone()
    }

    pub(crate) fn set_mode(&self, mode: WebhookMode) {
        *lock(&self.mode) = mode;
    }

    fn record(&self, entry: Delivery) -> usize {
        let mut log = lock(&self.log);
        log.push(entry);
        log.len() - 1
    }
}

fn new_entry(id: String, url: &str, topic: &str, body: Value) -> Delivery {
    Delivery {
        id,
        url: url.to_string(),
        topic: topic.to_string(),
        attempts: 0,
        delivered: false,
        last_status: None,
        last_error: None,
        body,
        dropped: false,
        buffered: false,
    }
}

/// Queues deliveries for `events` (called after the request's state change).
pub(crate) fn enqueue(woo: &Arc<WooCommerce>, events: Vec<Event>) {
    if events.is_empty() {
        return;
    }
    let mode = *lock(&woo.hooks.mode);
    let mut jobs = Vec::new();
    {
        let st = state(woo);
        let mut queued = lock(&woo.hooks.queued);
        for event in events {
            let topic = event.topic();
            for w in st
                .webhooks
                .values()
                .filter(|w| w.status == "active" && w.topic == topic)
            {
                if queued.insert((w.id, event.id)) {
                    jobs.push(Job {
                        webhook_id: w.id,
                        event,
                        log_idx: None,
                    });
                }
            }
        }
    }
    for mut job in jobs {
        match mode {
            WebhookMode::Drop => {
                lock(&woo.hooks.queued).remove(&(job.webhook_id, job.event.id));
                let st = state(woo);
                if let Some(w) = st.webhooks.get(&job.webhook_id) {
                    let mut entry = new_entry(
                        delivery_id(w.id),
                        &w.delivery_url,
                        &w.topic,
                        payload(&st, &job.event),
                    );
                    entry.dropped = true;
                    woo.hooks.record(entry);
                }
            }
            WebhookMode::Reverse => {
                let st = state(woo);
                if let Some(w) = st.webhooks.get(&job.webhook_id) {
                    let mut entry =
                        new_entry(delivery_id(w.id), &w.delivery_url, &w.topic, Value::Null);
                    entry.buffered = true;
                    job.log_idx = Some(woo.hooks.record(entry));
                }
                drop(st);
                lock(&woo.hooks.buffer).push(job);
            }
            WebhookMode::Normal | WebhookMode::Duplicate | WebhookMode::Delay { .. } => {
                let hold = match mode {
                    WebhookMode::Delay { delay_ms } => Duration::from_millis(delay_ms),
                    _ => Duration::ZERO,
                };
                let copies = if mode == WebhookMode::Duplicate { 2 } else { 1 };
                let woo2 = Arc::clone(woo);
                woo.bg.spawn(async move {
                    tokio::time::sleep(QUEUE_DELAY + hold).await;
                    send(&woo2, job, copies).await;
                });
            }
        }
    }
}

/// Sends every delivery held by reverse mode, newest first, one after the other.
pub(crate) fn flush(woo: &Arc<WooCommerce>) -> usize {
    let mut jobs = std::mem::take(&mut *lock(&woo.hooks.buffer));
    jobs.reverse();
    let n = jobs.len();
    let woo2 = Arc::clone(woo);
    woo.bg.spawn(async move {
        for job in jobs {
            send(&woo2, job, 1).await;
        }
    });
    n
}

/// The delivery body: the resource as `GET` returns it now (`{"id": N}` once it is gone).
fn payload(st: &State, event: &Event) -> Value {
    let gone = json!({"id": event.id});
    if event.event == "deleted" {
        return gone;
    }
    match event.resource {
        Resource::Order => st.orders.get(&event.id).map(|o| st.order_json(o)),
        Resource::Product => st.items.get(&event.id).map(|i| st.item_json(i)),
    }
    .unwrap_or(gone)
}

/// `X-WC-Webhook-Delivery-ID`: `wp_hash(webhook id . unix time)` — same within one second.
fn delivery_id(webhook_id: u64) -> String {
    let h = hmac_sha256(b"wp_hash", format!("{webhook_id}{}", now_secs()).as_bytes());
    hex::encode(&h[..16])
}

async fn send(woo: &Arc<WooCommerce>, job: Job, copies: usize) {
    lock(&woo.hooks.queued).remove(&(job.webhook_id, job.event.id));
    // Built now, not at event time: the payload is the current state.
    let prepared = {
        let st = state(woo);
        st.webhooks
            .get(&job.webhook_id)
            .filter(|w| w.status == "active")
            .map(|w| {
                let body = payload(&st, &job.event);
                let raw = serde_json::to_vec(&body).unwrap_or_default();
                let signature = base64::engine::general_purpose::STANDARD
                    .encode(hmac_sha256(decode_entities(&w.secret).as_bytes(), &raw));
                let id = delivery_id(w.id);
                let headers = vec![
                    ("X-WC-Webhook-Source", format!("{}/", woo.home)),
                    ("X-WC-Webhook-Topic", w.topic.clone()),
                    ("X-WC-Webhook-Resource", w.resource().to_string()),
                    ("X-WC-Webhook-Event", w.event().to_string()),
                    ("X-WC-Webhook-Signature", signature),
                    ("X-WC-Webhook-ID", w.id.to_string()),
                    ("X-WC-Webhook-Delivery-ID", id.clone()),
                ];
                (
                    w.delivery_url.clone(),
                    w.topic.clone(),
                    id,
                    body,
                    raw,
                    headers,
                )
            })
    };
    let Some((url, topic, id, body, raw, headers)) = prepared else {
        // Deleted, paused or disabled meanwhile: WooCommerce skips the delivery.
        return;
    };
    for _ in 0..copies {
        let idx = match job.log_idx {
            Some(idx) => {
                if let Some(entry) = lock(&woo.hooks.log).get_mut(idx) {
                    entry.buffered = false;
                    entry.body = body.clone();
                }
                idx
            }
            None => woo
                .hooks
                .record(new_entry(id.clone(), &url, &topic, body.clone())),
        };
        let mut req = woo
            .hooks
            .client
            .post(&url)
            .header("Content-Type", "application/json");
        for (k, v) in &headers {
            req = req.header(*k, v.as_str());
        }
        let result = req.body(raw.clone()).send().await;
        let status = result.as_ref().ok().map(|r| r.status().as_u16());
        let delivered = status.is_some_and(|s| (200..=302).contains(&s));
        if let Some(entry) = lock(&woo.hooks.log).get_mut(idx) {
            entry.attempts += 1;
            entry.delivered = delivered;
            entry.last_status = status;
            entry.last_error = match &result {
                Ok(_) if delivered => None,
                Ok(r) => Some(format!("HTTP {}", r.status())),
                Err(e) => Some(e.to_string()),
            };
        }
        count_outcome(woo, job.webhook_id, delivered);
    }
}

/// `WC_Webhook::failed_delivery` / success reset.
fn count_outcome(woo: &WooCommerce, webhook_id: u64, delivered: bool) {
    let mut st = state(woo);
    let Some(w) = st.webhooks.get_mut(&webhook_id) else {
        return;
    };
    if delivered {
        w.failure_count = 0;
    } else if w.failure_count > MAX_FAILURES {
        w.status = "disabled".to_string();
        tracing::info!(
            webhook_id,
            "WooCommerce webhook disabled after repeated failures."
        );
    } else {
        w.failure_count += 1;
    }
}

/// `wp_specialchars_decode(..., ENT_QUOTES)` of a stored secret.
fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The ping sent when a webhook is created or activated; its outcome is not counted.
async fn ping(woo: &WooCommerce, webhook_id: u64, url: &str) {
    let body = format!("webhook_id={webhook_id}");
    let idx = woo.hooks.record(new_entry(
        delivery_id(webhook_id),
        url,
        "ping",
        Value::String(body.clone()),
    ));
    let result = woo
        .hooks
        .client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await;
    if let Some(entry) = lock(&woo.hooks.log).get_mut(idx) {
        entry.attempts = 1;
        entry.last_status = result.as_ref().ok().map(|r| r.status().as_u16());
        entry.delivered = entry.last_status.is_some_and(|s| (200..=302).contains(&s));
        entry.last_error = result.err().map(|e| e.to_string());
    }
}

fn webhook_404() -> ApiError {
    ApiError::not_found("woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
}

/// The fields a create/update may set, validated as the webhooks controller does.
fn apply_fields(w: &mut Webhook, body: &Value, creating: bool) -> Result<(), ApiError> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(topic) = text("topic").map(|t| t.to_lowercase()) {
        if !valid_topic(&topic) {
            return Err(topic_error());
        }
        w.topic = topic;
    } else if creating {
        return Err(topic_error());
    }
    if let Some(url) = text("delivery_url") {
        let valid = reqwest::Url::parse(&url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !valid {
            return Err(url_error());
        }
        w.delivery_url = url;
    } else if creating {
        return Err(url_error());
    }
    if let Some(status) = text("status") {
        if !["active", "paused", "disabled"].contains(&status.as_str()) {
            return Err(ApiError::invalid_param(
                "status",
                "status is not one of active, paused, disabled.",
            ));
        }
        w.status = status;
    }
    if let Some(name) = text("name") {
        w.name = name;
    }
    if let Some(secret) = text("secret") {
        w.secret = secret;
    }
    Ok(())
}

fn topic_error() -> ApiError {
    ApiError::bad_request(
        "woocommerce_rest_shop_webhook_invalid_topic",
        "Webhook topic is required and must be valid.",
    )
}

fn url_error() -> ApiError {
    ApiError::bad_request(
        "woocommerce_rest_shop_webhook_invalid_delivery_url",
        "Webhook delivery URL must be a valid URL starting with http:// or https://.",
    )
}

pub(crate) async fn route(
    woo: &Arc<WooCommerce>,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
) -> Option<ApiResult> {
    Some(match (method, rest) {
        ("GET", []) => ctx
            .require(
                "woocommerce_rest_cannot_view",
                "Sorry, you cannot list resources.",
            )
            .and_then(|()| list(woo, ctx)),
        ("POST", []) => match ctx.require(
            "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.",
        ) {
            Ok(()) => create(woo, ctx).await,
            Err(e) => Err(e),
        },
        (m, [id]) => {
            let id = seg_id(id)?;
            match m {
                "GET" => ctx
                    .require(
                        "woocommerce_rest_cannot_view",
                        "Sorry, you cannot view this resource.",
                    )
                    .and_then(|()| {
                        let st = state(woo);
                        let w = st.webhooks.get(&id).ok_or_else(webhook_404)?;
                        Ok(Reply::ok(st.webhook_json(w)))
                    }),
                "PUT" => match ctx.require(
                    "woocommerce_rest_cannot_edit",
                    "Sorry, you are not allowed to edit this resource.",
                ) {
                    Ok(()) => update(woo, ctx, id).await,
                    Err(e) => Err(e),
                },
                "DELETE" => ctx
                    .require(
                        "woocommerce_rest_cannot_delete",
                        "Sorry, you are not allowed to delete this resource.",
                    )
                    .and_then(|()| delete(woo, ctx, id)),
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn list(woo: &WooCommerce, ctx: &Ctx) -> ApiResult {
    let mut errors = BTreeMap::new();
    let page = page_args(ctx, &mut errors);
    let status = ctx.param("status").unwrap_or("all");
    if !["all", "active", "paused", "disabled"].contains(&status) {
        errors.insert(
            "status".into(),
            "status is not one of all, active, paused, disabled.".into(),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_params(errors));
    }
    let st = state(woo);
    let all: Vec<Value> = st
        .webhooks
        .values()
        .rev()
        .filter(|w| status == "all" || w.status == status)
        .map(|w| st.webhook_json(w))
        .collect();
    Ok(paginate(woo, ctx, &page, all))
}

async fn create(woo: &Arc<WooCommerce>, ctx: &Ctx) -> ApiResult {
    let (json, ping_to) = {
        let mut st = state(woo);
        let now = now_millis();
        let secret_bytes: [u8; 24] = rand::rng().random();
        let mut w = Webhook {
            id: 0,
            name: String::new(),
            status: "active".to_string(),
            topic: String::new(),
            delivery_url: String::new(),
            secret: base64::engine::general_purpose::STANDARD.encode(secret_bytes),
            failure_count: 0,
            created: now,
            modified: now,
        };
        apply_fields(&mut w, &ctx.body, true)?;
        w.id = st.webhook_id();
        if w.name.is_empty() {
            w.name = format!("Webhook created on {}", super::model::wc_date(now));
        }
        let ping_to = (w.status == "active").then(|| (w.id, w.delivery_url.clone()));
        let json = st.webhook_json(&w);
        st.webhooks.insert(w.id, w);
        (json, ping_to)
    };
    if let Some((id, url)) = ping_to {
        ping(woo, id, &url).await;
    }
    let location = format!("{}/wp-json/wc/v3/webhooks/{}", woo.home, json["id"]);
    Ok(Reply::created(json, location))
}

async fn update(woo: &Arc<WooCommerce>, ctx: &Ctx, id: u64) -> ApiResult {
    let (json, ping_to) = {
        let mut st = state(woo);
        let w = st.webhooks.get_mut(&id).ok_or_else(webhook_404)?;
        let mut updated = w.clone();
        apply_fields(&mut updated, &ctx.body, false)?;
        let activated = w.status != "active" && updated.status == "active";
        if activated {
            // Simulator choice: re-activation starts a fresh failure count.
            updated.failure_count = 0;
        }
        updated.modified = now_millis();
        *w = updated;
        let ping_to = activated.then(|| (w.id, w.delivery_url.clone()));
        let w = w.clone();
        (st.webhook_json(&w), ping_to)
    };
    if let Some((id, url)) = ping_to {
        ping(woo, id, &url).await;
    }
    Ok(Reply::ok(json))
}

fn delete(woo: &WooCommerce, ctx: &Ctx, id: u64) -> ApiResult {
    let mut st = state(woo);
    let w = st.webhooks.get(&id).ok_or_else(webhook_404)?;
    if !ctx.force() {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "woocommerce_rest_trash_not_supported",
            "Webhooks do not support trashing.",
        ));
    }
    let json = st.webhook_json(w);
    st.webhooks.remove(&id);
    Ok(Reply::ok(json))
}

/// Webhooks with their status and failure count (control API).
pub(crate) fn with_failures(st: &State) -> Vec<Value> {
    st.webhooks
        .values()
        .map(|w| {
            let mut v = st.webhook_json(w);
            v["failure_count"] = json!(w.failure_count);
            v
        })
        .collect()
}
