//! BigCommerce REST Management API client (`https://api.bigcommerce.com/stores/{store_hash}`),
//! per `shared/api/bigcommerce.md` and BigCommerce's published OpenAPI specs.
//!
//! **Authentication.** Every call carries `X-Auth-Token`: the access token of a store-level
//! API account. 401 means the token is wrong or revoked; 403 that it lacks a scope or the
//! store hash is not its store. Both are `Unauthorized`, naming the control-panel screen.
//!
//! **Ids.** A product is its id (`"111"`). A variant is `"{product id}/{variant id}"`
//! (`"111/501"`): creating an order names both. Stock lives per location in the Inventory
//! API, whose items are variants, so `inventory_item_id` is the variant id (`"501"`) and
//! [`Storefront::inventory_levels`] answers each location (`"1"`, `"2"`, ...). An order is its
//! id (`"100"`, shown as `#100`); a fulfilment is a shipment, `"{order id}/{shipment id}"`.
//!
//! **Creating an order exactly once.** Orders are created through V2 with `external_source`
//! `"TikTok Shop"` and `external_order_id` = the TikTok order id, which `GET /v2/orders`
//! filters on: [`Storefront::find_order`] asks for it and accepts only an exact match. (The
//! order's `external_id` is read-only in the current spec.) Status Awaiting Fulfillment (11),
//! the buyer's address as billing and shipping address, TikTok's note, name and tags in
//! `staff_notes`. Money: lines at their unit price, shipping as the shipping cost, the
//! discount as `discount_amount`, the total overridden with TikTok's so the order's tax is
//! TikTok's.
//!
//! **Stock on create.** BigCommerce takes stock for a placed order and refuses one it cannot
//! supply (409 OutOfStock): that is `DecrementObeyingPolicy` (the refusal names the SKUs).
//! For `DecrementIgnoringPolicy` and `Bypass` the short units are first added at the default
//! location (relative adjustment), the order created, and then the units taken out again
//! (`Ignoring`: stock ends below zero by the shortfall) or the order's units given back
//! (`Bypass`, marked in the staff notes). Cancel sets status 5; BigCommerce gives the stock
//! back by itself (store inventory settings), so with `restock` false, or for a bypassed
//! order, the client takes the units out again.
//!
//! **Shipments.** A fulfilment is a V2 shipment to the order's first shipping address with
//! `tracking_number`, `tracking_carrier` (an AfterShip slug for known carriers),
//! `shipping_provider` where BigCommerce has one, and the carrier's name as
//! `shipping_method`; reading one, the carrier is the tracking carrier, else the provider's
//! name, else the shipping method. Shipping moves the order to Shipped (2) or Partially
//! Shipped (3). "Delivered" moves a Shipped order to Completed (10); "in transit" changes
//! nothing. Tags live in a `TikTok tags:` line of the staff notes.
//!
//! **Refunds.** [`Storefront::refund_order`] refunds what is left of an order through a
//! refund quote and a refund recorded offline, once, and puts the refunded units back in
//! stock when asked (BigCommerce refunds never do): `refund.rs`.
//!
//! **Rate limits.** Every answer says what is left of the store's quota
//! (`X-Rate-Limit-Requests-Left`) and when the window refills (`X-Rate-Limit-Time-Reset-Ms`);
//! the shared call budget follows them, orders and stock first, and waits for the refill when
//! nothing is left ([`quota`]); after a 429 it waits the reset and tries again (twice), then
//! answers `Retryable` with that wait.
//!
//! **Webhooks.** [`Storefront::register_webhooks`] subscribes [`WEBHOOK_SCOPES`] with a
//! custom header [`WEBHOOK_TOKEN_HEADER`] carrying the organization's webhook secret, which
//! BigCommerce sends back on every delivery; deliveries are thin hints, the resource is
//! always re-read.
//!
//! **Errors.** 401/403 → `Unauthorized`; 400/409/413/415/422 → `Rejected` with BigCommerce's
//! message (V2 `message`, V3 `title` and field `errors`); 404 → `None` where the trait allows
//! it; 429/5xx, non-JSON answers, timeouts → `Retryable`. An answer in an unexpected shape
//! is `Rejected` naming the field ([`wire`]).

mod orders;
mod platform;
mod quota;
mod refund;
mod storefront;
mod wire;

pub use orders::EXTERNAL_SOURCE;
pub use platform::BigCommercePlatform;

use super::http::{self, Platform};

/// This platform, in error texts and log fields.
const PLATFORM: Platform = Platform::Store(feedbridge_common::config::StorePlatform::Bigcommerce);
use super::budget::Budget;
use super::{ConnectorError, ConnectorResult, StoreUnits};
use crate::clock::{Clock, SystemClock};
use feedbridge_common::secret::Secret;
use quota::QuotaHeaders;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// BigCommerce's API host.
pub const DEFAULT_API_BASE: &str = "https://api.bigcommerce.com";
/// The custom header every webhook of ours carries (value: the organization's secret).
pub const WEBHOOK_TOKEN_HEADER: &str = "X-Feedbridge-Token";
/// Scopes the daemon subscribes to: catalog and stock changes (by the merchant and by
/// orders), orders and shipments.
pub const WEBHOOK_SCOPES: [&str; 11] = [
    "store/product/created",
    "store/product/updated",
    "store/product/deleted",
    "store/product/inventory/updated",
    "store/product/inventory/order/updated",
    "store/sku/inventory/updated",
    "store/sku/inventory/order/updated",
    "store/order/created",
    "store/order/updated",
    "store/order/statusUpdated",
    "store/shipment/created",
];
/// Calls in flight at once to one store (BigCommerce also limits concurrency per store).
pub const MAX_CONCURRENT_REQUESTS: usize = 4;
/// Largest page of a list (V2 and V3 catalog).
const PAGE_LIMIT: usize = 250;
/// 429s waited out and retried before the call answers `Retryable`.
const QUOTA_RETRIES: u32 = 2;
/// Wait after a 429 that carried no quota headers (the docs: platform overload).
const DEFAULT_BACKOFF: Duration = Duration::from_secs(5);

const FIX_TOKEN: &str = "create a store-level API account in the BigCommerce control panel under Settings → API → Store-level API accounts (scopes: Orders modify, Products modify, Store inventory modify, Information & settings read-only) and use its access token and the store hash of its API path";

/// A whole-order refund ends the order: BigCommerce's Refunded status (4) is "the seller has
/// used the Refund action to refund the whole order" (a partial refund is 14), and like
/// Cancelled (5) it holds no stock and is never shipped. So an order refunded before anything
/// shipped is reported as cancelled; one refunded after shipping is a return, not a
/// cancellation.
pub const FULLY_REFUNDED_CANCELS: bool = true;

const CANCELLED: u64 = 5;
pub(super) const REFUNDED: u64 = 4;

/// Whether an order with this status is off (reported as cancelled).
pub fn ends_order(status_id: u64, items_shipped: i64) -> bool {
    status_id == CANCELLED
        || (FULLY_REFUNDED_CANCELS && status_id == REFUNDED && items_shipped <= 0)
}

/// `"111/501"` → (111, 501).
pub fn parse_variant_id(id: &str) -> Option<(u64, u64)> {
    let (product, variant) = id.trim().split_once('/')?;
    Some((product.parse().ok()?, variant.parse().ok()?))
}

/// The variant id of a product's variant.
pub fn variant_id(product_id: u64, variant_id: u64) -> String {
    format!("{product_id}/{variant_id}")
}

/// How to reach one BigCommerce store.
#[derive(Clone, Debug)]
pub struct BigCommerceSettings {
    /// `https://api.bigcommerce.com` (or a sandbox URL).
    pub api_base: String,
    /// The store hash (`abc123` of `/stores/abc123/v3`).
    pub store_hash: String,
    pub access_token: Secret,
    /// Sent back by BigCommerce on every delivery of our webhooks.
    pub webhook_secret: Secret,
}

/// What a call answered.
#[derive(Debug)]
enum Answer {
    Body(Value),
    /// 204: V2 lists past their end, deletes.
    Empty,
    NotFound,
}

/// BigCommerce store client. Cheap to share behind an `Arc`.
pub struct BigCommerceClient {
    settings: BigCommerceSettings,
    root: String,
    http: reqwest::Client,
    /// The store's request quota, shared by every call of this client.
    quota: Budget,
    in_flight: Semaphore,
    /// For stock read times.
    clock: Arc<dyn Clock>,
    /// The store's weight and dimension units, read with the first catalog call.
    units: tokio::sync::OnceCell<StoreUnits>,
}

impl std::fmt::Debug for BigCommerceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BigCommerceClient")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// Classify one answer (BigCommerce's words kept, secrets removed).
fn interpret(status: StatusCode, text: &str, secrets: &[&str]) -> ConnectorResult<Answer> {
    let raw = http::redact_text(text, secrets);
    let message = http::truncate(&http::redact_text(&wire::error_message(text), secrets));
    let said = if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    };
    let code = status.as_u16();
    match code {
        204 => return Ok(Answer::Empty),
        200..=299 if text.trim().is_empty() => return Ok(Answer::Empty),
        200..=299 => {
            return serde_json::from_str(text).map(Answer::Body).map_err(|_| {
                ConnectorError::Retryable {
                    reason: "BigCommerce answered with something that is not JSON; will retry"
                        .into(),
                    raw,
                    retry_after: None,
                }
            });
        }
        404 => return Ok(Answer::NotFound),
        401 => {
            return Err(ConnectorError::Unauthorized {
                reason: format!("BigCommerce refused the API token (HTTP 401{said}); {FIX_TOKEN}"),
                raw,
            });
        }
        403 => {
            return Err(ConnectorError::Unauthorized {
                reason: format!(
                    "BigCommerce denied access (HTTP 403{said}): the store hash is not the API account's store, or the account lacks a scope; {FIX_TOKEN}"
                ),
                raw,
            });
        }
        400 | 409 | 413 | 415 | 422 => {
            return Err(ConnectorError::Rejected {
                reason: format!("BigCommerce refused the request (HTTP {code}){said}"),
                raw,
            });
        }
        _ => {}
    }
    Err(match http::classify_status(PLATFORM, status, None, &raw) {
        Some(ConnectorError::Rejected { .. }) | None => ConnectorError::Rejected {
            reason: format!("BigCommerce refused the request (HTTP {code}){said}"),
            raw,
        },
        Some(other) => other,
    })
}

fn not_found(what: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!("BigCommerce has no {what}; it may have been deleted or archived"),
        raw: String::new(),
    }
}

fn bug(what: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!("{what} is not a BigCommerce id; this is a feedbridge bug"),
        raw: String::new(),
    }
}

impl BigCommerceClient {
    pub fn new(settings: BigCommerceSettings, http: reqwest::Client) -> Self {
        let base = settings.api_base.trim().trim_end_matches('/');
        let root = format!("{base}/stores/{}", settings.store_hash.trim());
        Self {
            settings,
            root,
            http,
            quota: quota::initial_budget(),
            in_flight: Semaphore::new(MAX_CONCURRENT_REQUESTS),
            clock: Arc::new(SystemClock),
            units: tokio::sync::OnceCell::new(),
        }
    }

    /// Read wall time from `clock` (the daemon's), not the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn secrets(&self) -> [&str; 2] {
        [
            self.settings.access_token.expose(),
            self.settings.webhook_secret.expose(),
        ]
    }

    /// One call: wait for the quota and a free slot, send, classify; a 429 is waited out and
    /// sent again ([`QUOTA_RETRIES`] times).
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> ConnectorResult<Answer> {
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.root)).map_err(|error| {
            ConnectorError::Rejected {
                reason: format!(
                    "The BigCommerce address {} is not a valid URL; fix api_base and store_hash in the config",
                    self.root
                ),
                raw: error.to_string(),
            }
        })?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut attempt = 0;
        loop {
            let priority = quota::priority_of(&method, path);
            if attempt == 0 {
                self.quota.acquire(priority).await;
            } else {
                // Refused for the rate after waiting its turn: first in line again.
                self.quota.reserve_again(1.0, priority).await.settle(1.0);
            }
            let slot = self.in_flight.acquire().await;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header("X-Auth-Token", self.settings.access_token.expose())
                .header(ACCEPT, "application/json");
            if let Some(body) = body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.to_string());
            }
            let sent = http::send(PLATFORM, request).await;
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    let error = http::classify_transport(PLATFORM, error);
                    tracing::debug!(platform = "bigcommerce", %method, path, error = %error, "BigCommerce call failed.");
                    return Err(error);
                }
            };
            let status = response.status();
            let limits = QuotaHeaders::read(response.headers());
            if let Some(limits) = limits {
                quota::observe(&self.quota, limits);
            }
            let text = response
                .text()
                .await
                .map_err(|error| http::classify_transport(PLATFORM, error))?;
            drop(slot);
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = limits.map_or(DEFAULT_BACKOFF, |l| l.reset);
                quota::exhausted_for(&self.quota, wait);
                tracing::info!(platform = "bigcommerce", %method, path, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), attempt, "BigCommerce quota used up; waiting for the refill.");
                if limits.is_some() && attempt < QUOTA_RETRIES {
                    attempt += 1;
                    continue;
                }
                return Err(ConnectorError::Throttled {
                    reason: "BigCommerce rate limit reached (HTTP 429); will retry".into(),
                    raw: http::redact_text(&text, &self.secrets()),
                    retry_after: Some(wait),
                });
            }
            let result = interpret(status, &text, &self.secrets());
            match &result {
                Ok(_) => {
                    tracing::debug!(platform = "bigcommerce", %method, path, status = status.as_u16(), "BigCommerce call answered.")
                }
                Err(error) => {
                    tracing::debug!(platform = "bigcommerce", %method, path, status = status.as_u16(), error = %error, raw = %error.raw(), "BigCommerce call failed.")
                }
            }
            return result;
        }
    }

    /// GET a resource; `None` on 404, `Some(Null)` on 204.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> ConnectorResult<Option<Value>> {
        Ok(match self.call(Method::GET, path, query, None).await? {
            Answer::Body(v) => Some(v),
            Answer::Empty => Some(Value::Null),
            Answer::NotFound => None,
        })
    }

    /// POST, PUT or DELETE a JSON body; a 404 is `Rejected` naming `what`.
    async fn write(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        what: &str,
    ) -> ConnectorResult<Value> {
        match self.call(method, path, &[], Some(body)).await? {
            Answer::Body(v) => Ok(v),
            Answer::Empty => Ok(Value::Null),
            Answer::NotFound => Err(not_found(what)),
        }
    }

    /// Every element of a V2 list, page by page (204 or a short page ends it).
    async fn v2_all(&self, path: &str) -> ConnectorResult<Vec<Value>> {
        let mut all = Vec::new();
        for page in 1..=100 {
            let query = [
                ("page", page.to_string()),
                ("limit", PAGE_LIMIT.to_string()),
            ];
            let answer = self
                .get(path, &query)
                .await?
                .ok_or_else(|| not_found(path))?;
            let items = wire::list(answer, path)?;
            let short = items.len() < PAGE_LIMIT;
            all.extend(items);
            if short {
                break;
            }
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(result: &ConnectorResult<Answer>) -> &'static str {
        match result {
            Ok(Answer::Body(_)) => "body",
            Ok(Answer::Empty) => "empty",
            Ok(Answer::NotFound) => "not_found",
            Err(ConnectorError::Retryable { .. }) => "retryable",
            Err(ConnectorError::Throttled { .. }) => "throttled",
            Err(ConnectorError::Rejected { .. }) => "rejected",
            Err(ConnectorError::Unauthorized { .. }) => "unauthorized",
        }
    }

    fn run(status: u16, body: &str) -> ConnectorResult<Answer> {
        interpret(
            StatusCode::from_u16(status).unwrap(),
            body,
            &["tok_secret_1234"],
        )
    }

    #[test]
    fn error_mapping_table() {
        let v3 = |status: u16, title: &str| {
            format!(r#"{{"status":{status},"title":"{title}","type":"x","errors":{{}}}}"#)
        };
        let v2 = |status: u16, message: &str| {
            format!(r#"[{{"status":{status},"message":"{message}"}}]"#)
        };
        let table: Vec<(u16, String, &str)> = vec![
            (200, "[]".into(), "body"),
            (201, r#"{"id":1}"#.into(), "body"),
            (204, String::new(), "empty"),
            (200, "<html>maintenance</html>".into(), "retryable"),
            (
                404,
                v2(404, "The requested resource was not found."),
                "not_found",
            ),
            (401, v3(401, "Unauthorized"), "unauthorized"),
            (
                403,
                v3(
                    403,
                    "You don't have a required scope to access the endpoint",
                ),
                "unauthorized",
            ),
            (400, v2(400, "The field 'zip' is invalid."), "rejected"),
            (
                409,
                v2(409, "Quantities of one or more products are out of stock"),
                "rejected",
            ),
            (413, v3(413, "too many"), "rejected"),
            (422, v3(422, "JSON data is missing or invalid"), "rejected"),
            (500, v2(500, "Internal Server Error"), "retryable"),
            (502, String::new(), "retryable"),
            (503, "<html>down</html>".into(), "retryable"),
        ];
        for (status, body, expected) in table {
            assert_eq!(kind(&run(status, &body)), expected, "HTTP {status} {body}");
        }
    }

    #[test]
    fn errors_name_the_fix_and_keep_no_secret() {
        let Err(error) = run(
            401,
            r#"{"status":401,"title":"token tok_secret_1234 unknown","type":"x"}"#,
        ) else {
            panic!("expected an error")
        };
        let text = error.to_string();
        assert!(
            text.contains("Settings → API → Store-level API accounts"),
            "{text}"
        );
        assert!(!text.contains("tok_secret_1234") && !error.raw().contains("tok_secret_1234"));
        let Err(error) = run(
            400,
            r#"[{"status":400,"message":"The field 'zip' is invalid."}]"#,
        ) else {
            panic!("expected an error")
        };
        assert!(
            error
                .to_string()
                .ends_with("(HTTP 400): The field 'zip' is invalid."),
            "{error}"
        );
    }

    #[test]
    fn ids_round_trip() {
        assert_eq!(variant_id(111, 501), "111/501");
        assert_eq!(parse_variant_id(" 111/501 "), Some((111, 501)));
        assert_eq!(parse_variant_id("111"), None);
        assert_eq!(parse_variant_id("gid://shopify/ProductVariant/1"), None);
        let client = BigCommerceClient::new(
            BigCommerceSettings {
                api_base: "https://api.bigcommerce.com/".into(),
                store_hash: "abc123".into(),
                access_token: Secret::new("tok_secret_1234"),
                webhook_secret: Secret::new("whsec"),
            },
            reqwest::Client::new(),
        );
        assert_eq!(client.root, "https://api.bigcommerce.com/stores/abc123");
        assert!(!format!("{client:?}").contains("tok_secret_1234"));
    }
}
