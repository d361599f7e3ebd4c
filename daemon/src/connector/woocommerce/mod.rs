//! WooCommerce REST API v3 client (`{home}/wp-json/wc/v3`), per `shared/api/woocommerce.md`.
//!
//! **Authentication.** A `https://` site gets HTTP Basic with the consumer key and secret
//! (§1.1); a plain `http://` site gets OAuth 1.0a one-legged signatures in the query string
//! (§1.2), because WooCommerce refuses Basic there. See [`auth`]. A site whose https address
//! uses a private CA or a self-signed certificate is reached with [`http_client_trusting`].
//!
//! **Ids.** A product is its WooCommerce product id (`"794"`). A variant is a variation of a
//! variable product, written `"{product id}/{variation id}"` (`"794/795"`), or, for a simple
//! product, the product itself (`"800"`). Both ids are in the variant id because creating an
//! order needs `product_id` *and* `variation_id` per line, and reading one variation's stock
//! needs its parent's id in the path (`/products/794/variations/795`): no lookup is needed for
//! either. WooCommerce has no separate inventory items or locations, so `inventory_item_id` is
//! the variant id and [`Storefront::inventory_levels`] answers one pseudo-location,
//! [`STOCK_LOCATION`]. A fulfilment (a tracking item) is `"{order id}:{tracking id}"`, because
//! marking its progress adds a note to its order and nothing else leads back to the order.
//!
//! **Stock.** With "Manage stock?" on, available = `stock_quantity` (negative → 0); a variation
//! set to use its parent's stock reads the parent's. Without it WooCommerce knows only a
//! status: `outofstock` is 0, `instock`/`onbackorder` is [`wire::UNMANAGED_IN_STOCK`] units.
//! `backorders` (`no`/`notify`/`yes`) decides whether an order may take a count below zero.
//!
//! **Creating an order exactly once.** WooCommerce has no idempotency key. Every order carries
//! meta `tiktok_order_id` and a shipping line titled "TikTok Shop shipping (order {id})";
//! [`Storefront::find_order`] searches `GET /orders?search={id}&status=any` (WooCommerce's
//! search covers order item names, hence the shipping line) and accepts only an exact meta
//! match. Orders are created paid (`set_paid: true`, status `processing`, `created_via` and
//! `payment_method` `tiktok_shop`, `transaction_id` = the TikTok order id), with the buyer's
//! address as TikTok gives it (masked values are kept) and a private note "TikTok Shop order
//! {id}". Money: each line's `subtotal` and `total` are unit price × quantity (before
//! discounts); `discount` is one negative fee line "TikTok Shop discount"; `shipping_fee` is
//! the shipping line's total; `tax` is a fee line "TikTok Shop tax" (not taxed itself). The
//! store total is therefore lines − discount + shipping + tax = TikTok's `total`, unless the
//! merchant's own WooCommerce tax rates also apply to the products (WooCommerce computes them
//! on every order it saves); the total WooCommerce computed is returned for comparison.
//! `NewStoreOrder::name` cannot become the order number (WooCommerce numbers its orders; only
//! plugins change that): it is kept in meta `tiktok_order_name`.
//!
//! **Stock on create** (`InventoryBehaviour`). WooCommerce takes stock from every paid order
//! and never refuses for lack of it, so: `DecrementObeyingPolicy` first reads each line's
//! product and refuses (`Rejected`, naming the SKU) when a stock-managed product without
//! backorders has too few units, or an unmanaged one is out of stock; `DecrementIgnoringPolicy`
//! creates without looking (counts may go below zero); `Bypass` creates the order, then puts
//! back the units WooCommerce took and marks the order with meta `tiktok_stock_bypassed`.
//! Putting back is read-then-write (WooCommerce has no stock increment call), so a sale in the
//! same instant can be lost from the count; the next catalog read shows the true count.
//!
//! **Cancel.** `PUT status=cancelled` plus a note. WooCommerce puts the stock of a cancelled
//! paid order back by itself; when `restock` is false, or the order's stock was bypassed
//! (nothing to put back), the client takes those units out again the same read-then-write way.
//!
//! **Tags.** WooCommerce orders have none: tags live in meta `tiktok_tags` (comma-separated,
//! merged) and each addition is also an order note; fulfilment progress is an order note.
//!
//! **Fulfilments.** Read from the order's meta: `_wc_shipment_tracking_items` (Shipment
//! Tracking and Advanced Shipment Tracking), then `_aftership_tracking_items` (AfterShip, whose
//! per-line items map back to SKUs). When neither is there, the Shipment Tracking route
//! (`wc-shipment-tracking/v3`) is asked; a site without the plugin answers 404 = none. A
//! tracking item covers the whole order unless it names lines. The orders poll reads meta only
//! (one call per page, not per order). [`Storefront::fulfil_order`] posts a tracking item
//! (carrier as custom provider) and marks the order `completed` when it ships everything.
//!
//! **Errors.** 401/403 → `Unauthorized` (the key was revoked or lacks read/write); 400 and other
//! 4xx → `Rejected` with WooCommerce's message; 404 → `None` where the trait allows it;
//! 429/5xx, HTML instead of JSON, timeouts → `Retryable`, honouring `Retry-After` (the client
//! also pauses all its calls for that long). WooCommerce core has no rate limit but hosts do,
//! so each client keeps to [`REQUESTS_PER_SECOND`] and [`MAX_CONCURRENT_REQUESTS`].

mod auth;
mod orders;
mod platform;
#[cfg(test)]
mod proptests;
mod wire;

pub use auth::{is_ping, verify_webhook};
pub use platform::WooCommercePlatform;

use super::budget::{Budget, Priority};
use super::http::{self, Platform};

/// This platform, in error texts and log fields.
const PLATFORM: Platform = Platform::Store(feedbridge_common::config::StorePlatform::Woocommerce);
use super::{
    ConnectorError, ConnectorResult, InventoryBehaviour, ItemLevels, LocationLevel,
    NewStoreFulfilment, NewStoreOrder, Page, ShipmentProgress, StoreFulfilment, StoreInfo,
    StoreOrderRef, StoreOrderUpdate, StoreProduct, StoreUnits, Storefront,
};
use crate::clock::{Clock, SystemClock};
use async_trait::async_trait;
use feedbridge_common::secret::Secret;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, LINK};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use wire::{WireOrder, WireProduct, WireTracking, WireWebhook, WpError};

/// Order meta holding the TikTok order id: the idempotency key.
pub const ORDER_META_KEY: &str = "tiktok_order_id";
/// Order meta standing in for Shopify's tags.
pub const TAGS_META_KEY: &str = "tiktok_tags";
/// The one pseudo-location WooCommerce stock is reported at.
pub const STOCK_LOCATION: &str = "woocommerce";
/// Webhook topics the daemon subscribes to.
pub const WEBHOOK_TOPICS: [&str; 5] = [
    "order.created",
    "order.updated",
    "product.created",
    "product.updated",
    "product.deleted",
];
/// Calls per second to one site: polite to shared hosts, which answer 429/503 when pushed.
pub const REQUESTS_PER_SECOND: u32 = 10;
/// Calls in flight at once to one site (PHP workers are few on small hosts).
pub const MAX_CONCURRENT_REQUESTS: usize = 4;
/// WooCommerce's largest page (§3).
const PER_PAGE: u32 = 100;
/// Pages of variations read per product before giving up (WooCommerce's own UI caps far lower).
const MAX_VARIATION_PAGES: u32 = 50;
/// Which calls wait for which: orders and stock before product and order-list pages.
fn priority_of(method: &Method, path: &str) -> Priority {
    let writes = *method != Method::GET;
    let stock_or_one_order =
        path.contains("/variations") || (path.contains("/orders/") && !path.ends_with("/notes"));
    if writes || stock_or_one_order {
        Priority::Urgent
    } else {
        Priority::Background
    }
}

/// Wait after a 429/503 that named no `Retry-After`.
const DEFAULT_BACKOFF: Duration = Duration::from_secs(5);
const REST_PREFIX: &str = "/wp-json/wc/v3";
const TRACKING_PREFIX: &str = "/wp-json/wc-shipment-tracking/v3";

const KEY_REVOKED: &str = "the WooCommerce API key was revoked or lacks read/write permission; create a new key under WooCommerce → Settings → Advanced → REST API";

/// The variant id of a product (`None`) or one of its variations.
pub fn variant_id(product_id: u64, variation_id: Option<u64>) -> String {
    match variation_id {
        Some(variation) => format!("{product_id}/{variation}"),
        None => product_id.to_string(),
    }
}

/// `"794/795"` → (794, Some(795)); `"800"` → (800, None).
pub fn parse_variant_id(id: &str) -> Option<(u64, Option<u64>)> {
    match id.trim().split_once('/') {
        Some((product, variation)) => Some((product.parse().ok()?, Some(variation.parse().ok()?))),
        None => Some((id.trim().parse().ok()?, None)),
    }
}

/// What an `order.*` webhook payload says about one of our orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderNotice {
    /// The store order id, as [`StoreOrderRef::id`] gives it.
    pub id: String,
    pub cancelled: bool,
    /// The merchant refunded all of it (status `refunded`).
    pub refunded: bool,
    /// It carries tracking, or the merchant completed it (its tracking may be visible only
    /// through the Shipment Tracking route): its shipments are worth reading.
    pub shipped: bool,
}

/// Read an `order.created`/`order.updated` payload (the order as `GET /orders/{id}` returns
/// it); `None` for orders feedbridge did not create, and for a payload naming no order (its id
/// would otherwise default to 0 and point at no order of ours).
pub fn order_notice(payload: &Value) -> Option<OrderNotice> {
    let order: WireOrder = serde_json::from_value(payload.clone()).ok()?;
    if order.id == 0 {
        return None;
    }
    order.meta(ORDER_META_KEY)?;
    let tracked = wire::tracking_from_meta(&order).is_some_and(|found| !found.is_empty());
    Some(OrderNotice {
        id: order.id.to_string(),
        cancelled: order.status == "cancelled",
        refunded: order.status == "refunded",
        shipped: tracked || order.status == "completed",
    })
}

fn fulfilment_id(order_id: u64, tracking_key: &str) -> String {
    format!("{order_id}:{tracking_key}")
}

fn parse_fulfilment_id(id: &str) -> Option<(u64, &str)> {
    let (order, key) = id.split_once(':')?;
    Some((order.parse().ok()?, key))
}

fn parse_order_id(order_id: &str) -> ConnectorResult<u64> {
    order_id
        .trim()
        .parse()
        .map_err(|_| ConnectorError::Rejected {
            reason: format!("{order_id} is not a WooCommerce order id; this is a feedbridge bug"),
            raw: String::new(),
        })
}

/// Why the certificates of `ca_file` (`[organization.store]`) cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    #[error("it holds no certificate (a PEM block starting -----BEGIN CERTIFICATE-----)")]
    NoCertificate,
    #[error("it is not a valid PEM certificate file")]
    Invalid(#[source] reqwest::Error),
}

/// An HTTP client with the shared client's settings ([`http::try_client`]) that also trusts
/// the certificates in `pem`: a private CA or the self-signed certificate of a site's https
/// address. The system's roots stay trusted.
///
/// # Errors
/// When `pem` holds no certificate, or one rustls cannot use as a root.
pub fn http_client_trusting(pem: &[u8]) -> Result<reqwest::Client, CaFileError> {
    let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(CaFileError::Invalid)?;
    if certificates.is_empty() {
        return Err(CaFileError::NoCertificate);
    }
    http::builder()
        .tls_certs_merge(certificates)
        .build()
        .map_err(CaFileError::Invalid)
}

/// How to reach one WooCommerce site.
#[derive(Clone, Debug)]
pub struct WooCommerceSettings {
    /// The site's home URL, e.g. `https://shop.acme.com` (or a sandbox URL).
    pub api_base: String,
    pub consumer_key: Secret,
    pub consumer_secret: Secret,
    /// Signs the webhooks we register.
    pub webhook_secret: Secret,
}

/// What one call answered, when it was a success or a 404.
struct Answer {
    status: StatusCode,
    body: Value,
    more_pages: bool,
}

/// WooCommerce store client. Cheap to share behind an `Arc`.
pub struct WooCommerceClient {
    settings: WooCommerceSettings,
    home: String,
    http: reqwest::Client,
    limiter: Budget,
    in_flight: Semaphore,
    /// For OAuth timestamps and shipment dates.
    clock: Arc<dyn Clock>,
    /// The store's weight and dimension units, read with the first catalog call.
    units: tokio::sync::OnceCell<StoreUnits>,
}

/// A WooCommerce setting (`settings/{group}/{id}`): only its value matters here.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Setting {
    value: String,
}

impl std::fmt::Debug for WooCommerceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WooCommerceClient")
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}

/// Classify one answer; `Ok(None)` is a 404 (`raw` kept for callers that report it).
fn interpret(
    status: StatusCode,
    retry_after: Option<Duration>,
    text: &str,
    secrets: &[&str],
) -> ConnectorResult<Option<Value>> {
    let raw = http::redact_text(text, secrets);
    let error: Option<WpError> = serde_json::from_str(text).ok();
    let message = error
        .as_ref()
        .map(|e| http::truncate(&http::redact_text(&e.message, secrets)))
        .filter(|m| !m.is_empty());
    let said = message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    match status.as_u16() {
        200..=299 => {
            return serde_json::from_str(text).map(Some).map_err(|_| {
                ConnectorError::Retryable {
                    reason: "WooCommerce answered with something that is not JSON (a host error page, maintenance mode or a plugin's PHP warning); will retry".into(),
                    raw,
                    retry_after: None,
                }
            });
        }
        404 => return Ok(None),
        401 | 403 => {
            let lower = message.as_deref().unwrap_or_default().to_ascii_lowercase();
            if lower.contains("nonce") {
                // A repeated nonce (§1.2 step 13) is ours to fix by sending a new one.
                return Err(ConnectorError::Retryable {
                    reason: format!(
                        "WooCommerce refused a reused request signature{said}; will retry"
                    ),
                    raw,
                    retry_after: None,
                });
            }
            let reason = if lower.contains("timestamp") {
                format!(
                    "WooCommerce refused the request's time (HTTP {}{said}); set this computer's clock right (WooCommerce allows 15 minutes of difference)",
                    status.as_u16()
                )
            } else {
                format!(
                    "WooCommerce refused the API key (HTTP {}{said}); {KEY_REVOKED}",
                    status.as_u16()
                )
            };
            return Err(ConnectorError::Unauthorized { reason, raw });
        }
        400 | 413 | 422 => {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "WooCommerce refused the request (HTTP {}){}",
                    status.as_u16(),
                    said
                ),
                raw,
            });
        }
        _ => {}
    }
    let error = http::classify_status(PLATFORM, status, retry_after, &raw).unwrap_or(
        ConnectorError::Rejected {
            reason: format!("WooCommerce answered HTTP {}{said}", status.as_u16()),
            raw: raw.clone(),
        },
    );
    Err(match error {
        ConnectorError::Rejected { .. } => ConnectorError::Rejected {
            reason: format!(
                "WooCommerce refused the request (HTTP {}){said}",
                status.as_u16()
            ),
            raw,
        },
        other => other,
    })
}

/// Whether the pagination headers (§3) say a page follows `page`.
fn has_more_pages(headers: &HeaderMap, page: u32) -> bool {
    if let Some(total) = headers
        .get("x-wp-totalpages")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok())
    {
        return page < total;
    }
    headers
        .get(LINK)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|link| link.contains("rel=\"next\""))
}

fn decode<T: DeserializeOwned>(what: &str, body: Value) -> ConnectorResult<T> {
    serde_json::from_value(body).map_err(|error| ConnectorError::Rejected {
        reason: format!(
            "WooCommerce answered {what} in an unexpected shape; this needs a feedbridge update"
        ),
        raw: http::truncate(&error.to_string()),
    })
}

fn not_found(what: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!("WooCommerce has no {what}; it may have been deleted"),
        raw: String::new(),
    }
}

fn day_utc(time: std::time::SystemTime) -> String {
    let mut text = feedbridge_common::timestamps::rfc3339_seconds(time);
    text.truncate(10);
    text
}

impl WooCommerceClient {
    pub fn new(settings: WooCommerceSettings, http: reqwest::Client) -> Self {
        let home = settings.api_base.trim().trim_end_matches('/').to_owned();
        Self {
            settings,
            home,
            http,
            limiter: Budget::per_call(
                f64::from(REQUESTS_PER_SECOND),
                f64::from(REQUESTS_PER_SECOND),
            ),
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
            self.settings.consumer_key.expose(),
            self.settings.consumer_secret.expose(),
        ]
    }

    /// The URL with its query, OAuth-signed over plain http; and the Basic header over https.
    fn prepare(
        &self,
        method: &Method,
        path: &str,
        query: &[(&str, String)],
        authenticated: bool,
    ) -> ConnectorResult<(reqwest::Url, Option<String>)> {
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.home)).map_err(|error| {
            ConnectorError::Rejected {
                reason: format!(
                    "The WooCommerce address {} is not a valid URL; fix api_base in the config",
                    self.home
                ),
                raw: error.to_string(),
            }
        })?;
        let mut params: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let mut basic = None;
        if authenticated {
            if url.scheme() == "https" {
                basic = Some(auth::basic_authorization(
                    self.settings.consumer_key.expose(),
                    self.settings.consumer_secret.expose(),
                ));
            } else {
                let timestamp = self.clock.now_secs();
                params.extend([
                    (
                        "oauth_consumer_key".to_owned(),
                        self.settings.consumer_key.expose().to_owned(),
                    ),
                    (
                        "oauth_nonce".to_owned(),
                        uuid::Uuid::new_v4().simple().to_string(),
                    ),
                    (
                        "oauth_signature_method".to_owned(),
                        auth::SIGNATURE_METHOD.to_owned(),
                    ),
                    ("oauth_timestamp".to_owned(), timestamp.to_string()),
                ]);
                let signature = auth::oauth_signature(
                    method.as_str(),
                    &auth::signature_base_uri(&url),
                    &params,
                    self.settings.consumer_secret.expose(),
                );
                params.push(("oauth_signature".to_owned(), signature));
            }
        }
        if !params.is_empty() {
            let encoded: Vec<String> = params
                .iter()
                .map(|(k, v)| format!("{}={}", auth::rawurlencode(k), auth::rawurlencode(v)))
                .collect();
            url.set_query(Some(&encoded.join("&")));
        }
        Ok((url, basic))
    }

    /// Send one call: wait for the limiter and a free slot, send, classify.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        authenticated: bool,
    ) -> ConnectorResult<Answer> {
        let (url, basic) = self.prepare(&method, path, query, authenticated)?;
        let page = query
            .iter()
            .find(|(k, _)| *k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        self.limiter.acquire(priority_of(&method, path)).await;
        let _slot = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| ConnectorError::Retryable {
                reason: "The WooCommerce client is shutting down; will retry".into(),
                raw: String::new(),
                retry_after: None,
            })?;
        let mut request = self
            .http
            .request(method.clone(), url)
            .header(ACCEPT, "application/json");
        if let Some(basic) = basic {
            request = request.header(AUTHORIZATION, basic);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let started = Instant::now();
        let response = http::send(PLATFORM, request).await.map_err(|error| {
            let error = http::classify_transport(PLATFORM, error);
            tracing::debug!(platform = "woocommerce", %method, path, error = %error, "WooCommerce call failed.");
            error
        })?;
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let more_pages = has_more_pages(response.headers(), page);
        let text = response
            .text()
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let result = interpret(status, retry_after, &text, &self.secrets());
        match &result {
            Ok(_) => tracing::debug!(
                platform = "woocommerce",
                %method,
                path,
                status = status.as_u16(),
                elapsed_ms,
                "WooCommerce call answered."
            ),
            Err(error) => {
                tracing::debug!(
                    platform = "woocommerce",
                    %method,
                    path,
                    status = status.as_u16(),
                    elapsed_ms,
                    error = %error,
                    raw = %error.raw(),
                    "WooCommerce call failed."
                );
                if matches!(status.as_u16(), 429 | 503) {
                    self.limiter
                        .pause_for(retry_after.unwrap_or(DEFAULT_BACKOFF));
                }
            }
        }
        let body = result?.unwrap_or(Value::Null);
        Ok(Answer {
            status,
            body,
            more_pages,
        })
    }

    /// GET a resource; `None` on 404.
    async fn get_optional<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> ConnectorResult<Option<T>> {
        let answer = self.call(Method::GET, path, query, None, true).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        decode(path, answer.body).map(Some)
    }

    /// One page of a listing and whether another follows.
    async fn list_page<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> ConnectorResult<(Vec<T>, bool)> {
        let answer = self.call(Method::GET, path, query, None, true).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(not_found(path));
        }
        Ok((decode(path, answer.body)?, answer.more_pages))
    }

    /// POST or PUT a JSON body; a 404 is `Rejected` naming `what`.
    async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        what: &str,
    ) -> ConnectorResult<T> {
        let answer = self.call(method, path, &[], Some(body), true).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(not_found(what));
        }
        decode(path, answer.body)
    }

    async fn order(&self, order_id: u64) -> ConnectorResult<Option<WireOrder>> {
        self.get_optional(&format!("{REST_PREFIX}/orders/{order_id}"), &[])
            .await
    }

    async fn add_note(&self, order_id: u64, note: &str) -> ConnectorResult<()> {
        let _: Value = self
            .write(
                Method::POST,
                &format!("{REST_PREFIX}/orders/{order_id}/notes"),
                &json!({ "note": note, "customer_note": false }),
                &format!("order {order_id}"),
            )
            .await?;
        Ok(())
    }

    /// Every variation of a variable product.
    async fn variations(&self, product_id: u64) -> ConnectorResult<Vec<WireProduct>> {
        let path = format!("{REST_PREFIX}/products/{product_id}/variations");
        let mut all = Vec::new();
        for page in 1..=MAX_VARIATION_PAGES {
            let (items, more): (Vec<WireProduct>, bool) = self
                .list_page(
                    &path,
                    &[
                        ("per_page", PER_PAGE.to_string()),
                        ("page", page.to_string()),
                    ],
                )
                .await?;
            all.extend(items);
            if !more {
                return Ok(all);
            }
        }
        tracing::warn!(
            platform = "woocommerce",
            product_id,
            "Product has more variations than feedbridge reads; only the first are synced."
        );
        Ok(all)
    }

    async fn store_product(&self, product: WireProduct) -> ConnectorResult<StoreProduct> {
        let units = self.units().await?;
        let variations = if product.kind == "variable" {
            self.variations(product.id).await?
        } else {
            Vec::new()
        };
        Ok(product.into_store_product(&variations, units))
    }

    /// The units the store's `weight` and `dimensions` are in (Settings → Products), read
    /// once per connection.
    async fn units(&self) -> ConnectorResult<StoreUnits> {
        self.units
            .get_or_try_init(|| async {
                let mut names = Vec::new();
                for id in ["woocommerce_weight_unit", "woocommerce_dimension_unit"] {
                    let setting: Option<Setting> = self
                        .get_optional(&format!("{REST_PREFIX}/settings/products/{id}"), &[])
                        .await?;
                    names.push(setting.map(|s| s.value).unwrap_or_default());
                }
                let units = StoreUnits::named(&names[0], &names[1]);
                if units.weight.is_none() || units.length.is_none() {
                    tracing::warn!(platform = "woocommerce", weight_unit = %names[0], dimension_unit = %names[1],
                        "Unknown store unit; those figures are left to the shop's package defaults.");
                }
                Ok(units)
            })
            .await
            .copied()
    }

    /// The product or variation behind a variant id, with the parent of a variation that
    /// keeps its stock on the parent. `None` if gone.
    async fn variant_item(
        &self,
        variant: &str,
    ) -> ConnectorResult<Option<(WireProduct, Option<WireProduct>)>> {
        let Some((product_id, variation_id)) = parse_variant_id(variant) else {
            return Ok(None);
        };
        let Some(variation_id) = variation_id else {
            let product = self
                .get_optional(&format!("{REST_PREFIX}/products/{product_id}"), &[])
                .await?;
            return Ok(product.map(|p| (p, None)));
        };
        let Some(variation): Option<WireProduct> = self
            .get_optional(
                &format!("{REST_PREFIX}/products/{product_id}/variations/{variation_id}"),
                &[],
            )
            .await?
        else {
            return Ok(None);
        };
        let parent = if variation.manage_stock == Value::String("parent".into()) {
            self.get_optional(&format!("{REST_PREFIX}/products/{product_id}"), &[])
                .await?
        } else {
            None
        };
        Ok(Some((variation, parent)))
    }

    /// Move a stock-managed variant's count by `delta` (read, then write the new count).
    async fn adjust_stock(&self, variant: &str, delta: i64) -> ConnectorResult<()> {
        let Some((item, parent)) = self.variant_item(variant).await? else {
            return Ok(());
        };
        // The count lives on the parent when the variation uses its parent's stock.
        let (target, current) = match parent.filter(|p| p.tracks_stock()) {
            Some(parent) => (
                format!("{REST_PREFIX}/products/{}", parent.id),
                parent.stock_quantity.unwrap_or(0),
            ),
            None if item.tracks_stock() => (
                match parse_variant_id(variant) {
                    Some((product, Some(variation))) => {
                        format!("{REST_PREFIX}/products/{product}/variations/{variation}")
                    }
                    _ => format!("{REST_PREFIX}/products/{}", item.id),
                },
                item.stock_quantity.unwrap_or(0),
            ),
            None => return Ok(()),
        };
        let _: Value = self
            .write(
                Method::PUT,
                &target,
                &json!({ "stock_quantity": current + delta }),
                &format!("product {variant}"),
            )
            .await?;
        Ok(())
    }

    /// Refuse an order the store cannot supply (`DecrementObeyingPolicy`).
    async fn check_stock(&self, order: &NewStoreOrder) -> ConnectorResult<()> {
        for line in &order.lines {
            let Some((item, parent)) = self.variant_item(&line.variant_id).await? else {
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "WooCommerce product {} of TikTok order {} no longer exists; link the SKU to an existing product",
                        line.variant_id, order.tiktok_order_id
                    ),
                    raw: String::new(),
                });
            };
            let wanted = i64::from(line.quantity);
            let stock_keeper = parent
                .as_ref()
                .filter(|p| p.tracks_stock())
                .unwrap_or(&item);
            let short = if stock_keeper.tracks_stock() {
                !stock_keeper.allows_backorders()
                    && stock_keeper.stock_quantity.unwrap_or(0) < wanted
            } else {
                item.stock_status == "outofstock"
            };
            if short {
                let sku = if item.sku.is_empty() {
                    line.variant_id.clone()
                } else {
                    item.sku.clone()
                };
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "WooCommerce has {} of SKU {sku} in stock, TikTok order {} needs {wanted}, and the product does not allow backorders; restock it or allow backorders, then retry",
                        item.available(parent.as_ref()),
                        order.tiktok_order_id
                    ),
                    raw: format!(
                        "stock_quantity={:?} stock_status={} backorders={}",
                        stock_keeper.stock_quantity, item.stock_status, stock_keeper.backorders
                    ),
                });
            }
        }
        Ok(())
    }

    /// Shipments of an order: from meta, else from the Shipment Tracking route.
    async fn order_fulfilments(&self, order: &WireOrder) -> ConnectorResult<Vec<StoreFulfilment>> {
        if let Some(found) = wire::tracking_from_meta(order) {
            return Ok(found);
        }
        let items: Option<Vec<WireTracking>> = self
            .get_optional(
                &format!("{TRACKING_PREFIX}/orders/{}/shipment-trackings", order.id),
                &[],
            )
            .await?;
        Ok(items
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.into_fulfilment(order.id))
            .collect())
    }

    fn update_of(order: &WireOrder, fulfilments: Vec<StoreFulfilment>) -> StoreOrderUpdate {
        StoreOrderUpdate {
            id: order.id.to_string(),
            name: order.display_name(),
            updated_at: wire::gmt(&order.date_modified_gmt),
            tiktok_order_id: order.meta(ORDER_META_KEY),
            cancelled: order.status == "cancelled",
            refunded: order.status == "refunded",
            fulfilments,
        }
    }

    async fn all_webhooks(&self) -> ConnectorResult<Vec<WireWebhook>> {
        let path = format!("{REST_PREFIX}/webhooks");
        let mut all = Vec::new();
        for page in 1..=MAX_VARIATION_PAGES {
            let (items, more): (Vec<WireWebhook>, bool) = self
                .list_page(
                    &path,
                    &[
                        ("per_page", PER_PAGE.to_string()),
                        ("page", page.to_string()),
                    ],
                )
                .await?;
            all.extend(items);
            if !more {
                break;
            }
        }
        Ok(all)
    }
}

fn page_of(cursor: Option<String>) -> u32 {
    cursor
        .and_then(|c| c.trim().parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

#[async_trait]
impl Storefront for WooCommerceClient {
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct Index {
            name: String,
        }
        // The WordPress index is public; WooCommerce keys are refused outside `wc/` routes.
        let index = self
            .call(Method::GET, "/wp-json/", &[], None, false)
            .await?;
        if index.status == StatusCode::NOT_FOUND {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "{} has no WordPress REST API (/wp-json/); check the store address and that permalinks are not set to \"Plain\"",
                    self.home
                ),
                raw: String::new(),
            });
        }
        let index: Index = decode("the site index", index.body)?;
        let currency: Setting = self
            .get_optional(
                &format!("{REST_PREFIX}/settings/general/woocommerce_currency"),
                &[],
            )
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!(
                    "{} answered no WooCommerce currency setting; check that WooCommerce is active on the site",
                    self.home
                ),
                raw: String::new(),
            })?;
        Ok(StoreInfo {
            name: index.name,
            currency: currency.value,
            stock_locations: None,
        })
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        let page = page_of(cursor);
        let (products, more): (Vec<WireProduct>, bool) = self
            .list_page(
                &format!("{REST_PREFIX}/products"),
                &[
                    ("per_page", PER_PAGE.to_string()),
                    ("page", page.to_string()),
                    ("orderby", "modified".into()),
                    ("order", "asc".into()),
                ],
            )
            .await?;
        let mut items = Vec::with_capacity(products.len());
        for product in products {
            items.push(self.store_product(product).await?);
        }
        Ok(Page {
            items,
            next: more.then(|| (page + 1).to_string()),
        })
    }

    async fn find_order(&self, tiktok_order_id: &str) -> ConnectorResult<Option<StoreOrderRef>> {
        let (orders, _): (Vec<WireOrder>, bool) = self
            .list_page(
                &format!("{REST_PREFIX}/orders"),
                &[
                    ("search", tiktok_order_id.to_owned()),
                    ("status", "any".into()),
                    ("per_page", PER_PAGE.to_string()),
                ],
            )
            .await?;
        Ok(orders
            .into_iter()
            .find(|o| o.meta(ORDER_META_KEY).as_deref() == Some(tiktok_order_id))
            .map(|o| StoreOrderRef {
                id: o.id.to_string(),
                name: o.display_name(),
                total: o.total(),
            }))
    }

    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        let body = orders::create_body(order)?;
        if order.inventory == InventoryBehaviour::DecrementObeyingPolicy {
            self.check_stock(order).await?;
        }
        let created: WireOrder = self
            .write(
                Method::POST,
                &format!("{REST_PREFIX}/orders"),
                &body,
                "orders route",
            )
            .await?;
        tracing::info!(
            platform = "woocommerce",
            tiktok_order_id = %order.tiktok_order_id,
            order_id = created.id,
            "Store order created."
        );
        // The order exists now: what follows must not make the caller create it again, so a
        // failure is logged, not returned (the caller would find the order and move on).
        if let Err(error) = self.add_note(created.id, &order.note).await {
            tracing::warn!(platform = "woocommerce", order_id = created.id, %error, "Could not add the TikTok note to the new order.");
        }
        if order.inventory == InventoryBehaviour::Bypass {
            for line in &order.lines {
                if let Err(error) = self
                    .adjust_stock(&line.variant_id, i64::from(line.quantity))
                    .await
                {
                    tracing::warn!(platform = "woocommerce", order_id = created.id, variant = %line.variant_id, %error,
                        "Could not put back the stock WooCommerce took for an order that must leave stock alone; the catalog shows the lower count.");
                }
            }
            let marked: ConnectorResult<Value> = self
                .write(
                    Method::PUT,
                    &format!("{REST_PREFIX}/orders/{}", created.id),
                    &json!({ "meta_data": [{ "key": orders::BYPASS_META_KEY, "value": "yes" }] }),
                    &format!("order {}", created.id),
                )
                .await;
            if let Err(error) = marked {
                tracing::warn!(platform = "woocommerce", order_id = created.id, %error, "Could not mark the order's stock as left alone.");
            }
        }
        Ok(StoreOrderRef {
            id: created.id.to_string(),
            name: created.display_name(),
            total: created.total(),
        })
    }

    async fn orders_updated_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        let page = page_of(cursor);
        let (orders, more): (Vec<WireOrder>, bool) = self
            .list_page(
                &format!("{REST_PREFIX}/orders"),
                &[
                    ("modified_after", since.to_owned()),
                    ("dates_are_gmt", "true".into()),
                    ("status", "any".into()),
                    ("orderby", "modified".into()),
                    ("order", "asc".into()),
                    ("per_page", PER_PAGE.to_string()),
                    ("page", page.to_string()),
                ],
            )
            .await?;
        let items = orders
            .iter()
            .filter(|o| o.meta(ORDER_META_KEY).is_some())
            .map(|o| Self::update_of(o, wire::tracking_from_meta(o).unwrap_or_default()))
            .collect();
        Ok(Page {
            items,
            next: more.then(|| (page + 1).to_string()),
        })
    }

    async fn fulfilments(&self, order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        let id = parse_order_id(order_id)?;
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| not_found(&format!("order {order_id}")))?;
        self.order_fulfilments(&order).await
    }

    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        let id = parse_order_id(order_id)?;
        let Some(order) = self.order(id).await? else {
            return Ok(None);
        };
        let fulfilments = self.order_fulfilments(&order).await?;
        Ok(Some(Self::update_of(&order, fulfilments)))
    }

    async fn refund_order(&self, order_id: &str, restock: bool) -> ConnectorResult<bool> {
        let id = parse_order_id(order_id)?;
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| not_found(&format!("order {order_id}")))?;
        // Asked first, so a retry after a lost answer never refunds twice.
        if order.status == "refunded" {
            return Ok(true);
        }
        let left = order.total().unwrap_or_default() - order.refunded();
        let line_items: Vec<Value> = order
            .line_items
            .iter()
            .map(|l| json!({ "id": l.id, "quantity": l.quantity }))
            .collect();
        let _: Value = self
            .write(
                Method::POST,
                &format!("{REST_PREFIX}/orders/{id}/refunds"),
                &json!({
                    "amount": format!("{:.2}", left.round_dp(2)),
                    "reason": "Refunded on TikTok Shop (feedbridge).",
                    "api_refund": false,
                    "restock_items": restock,
                    "line_items": line_items,
                }),
                &format!("order {order_id}"),
            )
            .await?;
        Ok(true)
    }

    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()> {
        let id = parse_order_id(order_id)?;
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| not_found(&format!("order {order_id}")))?;
        if order.status == "cancelled" {
            return Ok(());
        }
        // WooCommerce restores stock only for orders it took stock for.
        let stock_was_taken = matches!(
            order.status.as_str(),
            "processing" | "completed" | "on-hold"
        );
        let bypassed = order.meta(orders::BYPASS_META_KEY).is_some();
        let _: Value = self
            .write(
                Method::PUT,
                &format!("{REST_PREFIX}/orders/{id}"),
                &json!({ "status": "cancelled" }),
                &format!("order {order_id}"),
            )
            .await?;
        if stock_was_taken && (bypassed || !restock) {
            for line in &order.line_items {
                let variant =
                    variant_id(line.product_id, Some(line.variation_id).filter(|v| *v != 0));
                self.adjust_stock(&variant, -line.quantity).await?;
            }
        }
        self.add_note(id, "Cancelled on TikTok Shop (feedbridge).")
            .await
    }

    async fn fulfil_order(
        &self,
        order_id: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        let id = parse_order_id(order_id)?;
        let created: WireTracking = self
            .write(
                Method::POST,
                &format!("{TRACKING_PREFIX}/orders/{id}/shipment-trackings"),
                &json!({
                    "custom_tracking_provider": fulfilment.carrier,
                    "custom_tracking_link": "",
                    "tracking_number": fulfilment.tracking_number,
                    "date_shipped": day_utc(self.clock.now()),
                }),
                &format!("order {order_id} or the Shipment Tracking extension"),
            )
            .await?;
        if fulfilment.lines.is_empty() {
            let _: Value = self
                .write(
                    Method::PUT,
                    &format!("{REST_PREFIX}/orders/{id}"),
                    &json!({ "status": "completed" }),
                    &format!("order {order_id}"),
                )
                .await?;
        } else {
            let lines: Vec<String> = fulfilment
                .lines
                .iter()
                .map(|(sku, quantity)| format!("{quantity} × {sku}"))
                .collect();
            self.add_note(
                id,
                &format!(
                    "TikTok Shop shipped part of this order ({}) with {} tracking {}.",
                    lines.join(", "),
                    fulfilment.carrier,
                    fulfilment.tracking_number
                ),
            )
            .await?;
        }
        let key = if created.tracking_id.is_empty() {
            fulfilment.tracking_number.clone()
        } else {
            created.tracking_id
        };
        Ok(fulfilment_id(id, &key))
    }

    async fn fulfilment_progress(
        &self,
        fulfilment_id: &str,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        let (order_id, tracking) =
            parse_fulfilment_id(fulfilment_id).ok_or_else(|| ConnectorError::Rejected {
                reason: format!(
                    "{fulfilment_id} is not a WooCommerce shipment id; this is a feedbridge bug"
                ),
                raw: String::new(),
            })?;
        let state = match progress {
            ShipmentProgress::InTransit => "is in transit",
            ShipmentProgress::Delivered => "was delivered",
        };
        self.add_note(
            order_id,
            &format!("TikTok Shop: shipment {tracking} {state}."),
        )
        .await
    }

    async fn add_order_tags(&self, order_id: &str, tags: &[String]) -> ConnectorResult<()> {
        let id = parse_order_id(order_id)?;
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| not_found(&format!("order {order_id}")))?;
        let merged = orders::merge_tags(order.meta(TAGS_META_KEY).as_deref(), tags);
        let _: Value = self
            .write(
                Method::PUT,
                &format!("{REST_PREFIX}/orders/{id}"),
                &json!({ "meta_data": [{ "key": TAGS_META_KEY, "value": merged }] }),
                &format!("order {order_id}"),
            )
            .await?;
        self.add_note(id, &format!("TikTok Shop tags: {}.", tags.join(", ")))
            .await
    }

    async fn register_webhooks(&self, address: &str) -> ConnectorResult<()> {
        let existing = self.all_webhooks().await?;
        for topic in WEBHOOK_TOPICS {
            let ours = existing
                .iter()
                .find(|w| w.topic == topic && w.delivery_url == address);
            match ours {
                Some(webhook) if webhook.status == "active" => {}
                Some(webhook) => {
                    // Disabled after failed deliveries (or paused by hand): polling covered
                    // the gap; switch it back on.
                    let _: Value = self
                        .write(
                            Method::PUT,
                            &format!("{REST_PREFIX}/webhooks/{}", webhook.id),
                            &json!({
                                "status": "active",
                                "secret": self.settings.webhook_secret.expose(),
                            }),
                            &format!("webhook {}", webhook.id),
                        )
                        .await?;
                    tracing::info!(platform = "woocommerce", topic, was = %webhook.status, "Webhook re-activated.");
                }
                None => {
                    let _: Value = self
                        .write(
                            Method::POST,
                            &format!("{REST_PREFIX}/webhooks"),
                            &json!({
                                "name": format!("feedbridge {topic}"),
                                "topic": topic,
                                "delivery_url": address,
                                "secret": self.settings.webhook_secret.expose(),
                                "status": "active",
                            }),
                            "webhooks route",
                        )
                        .await?;
                    tracing::info!(platform = "woocommerce", topic, "Webhook subscribed.");
                }
            }
        }
        Ok(())
    }

    async fn inventory_levels(
        &self,
        inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<ItemLevels>> {
        let mut out = Vec::with_capacity(inventory_item_ids.len());
        for id in inventory_item_ids {
            let levels = match self.variant_item(id).await? {
                Some((item, parent)) => vec![LocationLevel {
                    location_id: STOCK_LOCATION.to_owned(),
                    available: item.available(parent.as_ref()),
                    updated_at: wire::gmt(&item.date_modified_gmt),
                }],
                None => Vec::new(),
            };
            out.push(ItemLevels {
                inventory_item_id: id.clone(),
                levels,
            });
        }
        Ok(out)
    }

    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>> {
        let Ok(id) = product_id.trim().parse::<u64>() else {
            return Ok(None);
        };
        let Some(mut product): Option<WireProduct> = self
            .get_optional(&format!("{REST_PREFIX}/products/{id}"), &[])
            .await?
        else {
            return Ok(None);
        };
        if product.kind == "variation" && product.parent_id != 0 {
            let Some(parent) = self
                .get_optional(
                    &format!("{REST_PREFIX}/products/{}", product.parent_id),
                    &[],
                )
                .await?
            else {
                return Ok(None);
            };
            product = parent;
        }
        if product.status == "trash" {
            return Ok(None);
        }
        self.store_product(product).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::answer_kind;

    fn run(status: u16, body: &str) -> ConnectorResult<Option<Value>> {
        interpret(
            StatusCode::from_u16(status).unwrap(),
            Some(Duration::from_secs(7)),
            body,
            &["ck_key1234", "cs_secret1234"],
        )
    }

    fn wp_error(code: &str, message: &str, status: u16) -> String {
        json!({"code": code, "message": message, "data": {"status": status}}).to_string()
    }

    #[test]
    fn error_mapping_table() {
        let table: Vec<(u16, String, &str)> = vec![
            (200, "[]".into(), "data"),
            (201, r#"{"id":1}"#.into(), "data"),
            (
                200,
                "<html>Briefly unavailable for scheduled maintenance</html>".into(),
                "retryable",
            ),
            (
                404,
                wp_error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404),
                "not_found",
            ),
            (
                401,
                wp_error(
                    "woocommerce_rest_authentication_error",
                    "Consumer key is invalid.",
                    401,
                ),
                "unauthorized",
            ),
            (
                401,
                wp_error(
                    "woocommerce_rest_cannot_view",
                    "Sorry, you cannot list resources.",
                    401,
                ),
                "unauthorized",
            ),
            (
                403,
                wp_error("rest_forbidden", "Sorry.", 403),
                "unauthorized",
            ),
            (
                401,
                wp_error(
                    "woocommerce_rest_authentication_error",
                    "Invalid nonce - nonce has already been used.",
                    401,
                ),
                "retryable",
            ),
            (
                400,
                wp_error("rest_invalid_param", "Invalid parameter(s): per_page", 400),
                "rejected",
            ),
            (
                413,
                wp_error(
                    "woocommerce_rest_request_entity_too_large",
                    "Unable to accept more than 100 items for this request.",
                    413,
                ),
                "rejected",
            ),
            (409, String::new(), "rejected"),
            (429, "Too Many Requests".into(), "throttled"),
            (500, "<html>Fatal error</html>".into(), "retryable"),
            (502, String::new(), "retryable"),
            (
                503,
                wp_error("internal_server_error", "down", 503),
                "retryable",
            ),
        ];
        for (status, body, expected) in table {
            assert_eq!(
                answer_kind(&run(status, &body)),
                expected,
                "HTTP {status} {body}"
            );
        }
    }

    #[test]
    fn merchant_words_and_retry_after() {
        let Err(error) = run(
            401,
            &wp_error(
                "woocommerce_rest_authentication_error",
                "Consumer key ck_key1234 is invalid.",
                401,
            ),
        ) else {
            panic!("expected an error")
        };
        let text = error.to_string();
        assert!(
            text.contains("WooCommerce → Settings → Advanced → REST API"),
            "{text}"
        );
        assert!(
            !text.contains("ck_key1234") && !error.raw().contains("ck_key1234"),
            "{text}"
        );
        let Err(error) = run(
            400,
            &wp_error("rest_invalid_param", "Invalid parameter(s): per_page", 400),
        ) else {
            panic!("expected an error")
        };
        assert!(error.to_string().contains("Invalid parameter(s): per_page"));
        let Err(ConnectorError::Throttled { retry_after, .. }) = run(429, "") else {
            panic!("expected throttled")
        };
        assert_eq!(retry_after, Some(Duration::from_secs(7)));
        let Err(error) = run(
            401,
            &wp_error(
                "woocommerce_rest_authentication_error",
                "Invalid timestamp.",
                401,
            ),
        ) else {
            panic!("expected an error")
        };
        assert!(error.to_string().contains("clock"));
    }

    #[test]
    fn order_notices() {
        let ours =
            |status: &str, meta: Value| json!({"id": 51, "status": status, "meta_data": meta});
        let tiktok = json!([{"id": 1, "key": "tiktok_order_id", "value": "5761"}]);
        assert_eq!(order_notice(&ours("processing", json!([]))), None);
        assert_eq!(
            order_notice(&ours("cancelled", tiktok.clone())),
            Some(OrderNotice {
                id: "51".into(),
                cancelled: true,
                refunded: false,
                shipped: false
            })
        );
        assert!(
            order_notice(&ours("refunded", tiktok.clone()))
                .unwrap()
                .refunded
        );
        assert!(
            order_notice(&ours("completed", tiktok.clone()))
                .unwrap()
                .shipped
        );
        assert!(!order_notice(&ours("processing", tiktok)).unwrap().shipped);
        let tracked = json!([
            {"key": "tiktok_order_id", "value": "5761"},
            {"key": "_wc_shipment_tracking_items", "value": [{"tracking_number": "1Z", "tracking_id": "x"}]}
        ]);
        assert!(order_notice(&ours("processing", tracked)).unwrap().shipped);
    }

    #[test]
    fn ids_round_trip() {
        assert_eq!(variant_id(794, Some(795)), "794/795");
        assert_eq!(variant_id(800, None), "800");
        assert_eq!(parse_variant_id("794/795"), Some((794, Some(795))));
        assert_eq!(parse_variant_id(" 800 "), Some((800, None)));
        assert_eq!(parse_variant_id("gid://shopify/ProductVariant/1"), None);
        assert_eq!(parse_variant_id("794/"), None);
        assert_eq!(parse_fulfilment_id("51:abc"), Some((51, "abc")));
        assert_eq!(parse_fulfilment_id("abc"), None);
    }

    #[test]
    fn pagination_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-wp-totalpages", "3".parse().unwrap());
        assert!(has_more_pages(&headers, 2));
        assert!(!has_more_pages(&headers, 3));
        let mut headers = HeaderMap::new();
        headers.insert(
            LINK,
            r#"<http://x/wp-json/wc/v3/products?page=3>; rel="next", <http://x/wp-json/wc/v3/products?page=1>; rel="prev""#
                .parse()
                .unwrap(),
        );
        assert!(has_more_pages(&headers, 2));
        assert!(!has_more_pages(&HeaderMap::new(), 1));
        assert_eq!(page_of(None), 1);
        assert_eq!(page_of(Some("3".into())), 3);
        assert_eq!(page_of(Some("0".into())), 1);
    }

    fn client(base: &str) -> WooCommerceClient {
        WooCommerceClient::new(
            WooCommerceSettings {
                api_base: base.into(),
                consumer_key: Secret::new("ck_key1234"),
                consumer_secret: Secret::new("cs_secret1234"),
                webhook_secret: Secret::new("whsec"),
            },
            reqwest::Client::new(),
        )
    }

    #[test]
    fn ca_file_without_a_usable_certificate_is_refused() {
        assert!(matches!(
            http_client_trusting(b"not a certificate\n"),
            Err(CaFileError::NoCertificate)
        ));
        let broken = b"-----BEGIN CERTIFICATE-----\nTm90IERFUg==\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            http_client_trusting(broken),
            Err(CaFileError::Invalid(_))
        ));
    }

    #[test]
    fn http_signs_in_the_query_and_https_uses_basic() {
        let plain = client("http://127.0.0.1:8123/");
        let (url, basic) = plain
            .prepare(
                &Method::GET,
                "/wp-json/wc/v3/orders",
                &[("search", "a b/c".into())],
                true,
            )
            .unwrap();
        assert!(basic.is_none());
        let query = url.query().unwrap();
        assert!(
            query.starts_with("search=a%20b%2Fc&oauth_consumer_key=ck_key1234&"),
            "{query}"
        );
        assert!(query.contains("oauth_signature_method=HMAC-SHA256"));
        assert!(query.contains("oauth_signature="));
        assert!(!query.contains("cs_secret1234"));
        // The signature in the URL is the one the server recomputes from the other params.
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "oauth_signature")
            .unwrap()
            .1
            .clone();
        assert_eq!(
            sent,
            auth::oauth_signature(
                "GET",
                "http://127.0.0.1:8123/wp-json/wc/v3/orders",
                &pairs,
                "cs_secret1234"
            )
        );

        let tls = client("https://shop.example");
        let (url, basic) = tls
            .prepare(&Method::GET, "/wp-json/wc/v3/orders", &[], true)
            .unwrap();
        assert_eq!(url.query(), None);
        assert_eq!(
            basic.as_deref(),
            Some("Basic Y2tfa2V5MTIzNDpjc19zZWNyZXQxMjM0")
        );
        let (url, basic) = plain
            .prepare(&Method::GET, "/wp-json/", &[], false)
            .unwrap();
        assert_eq!((url.query(), basic), (None, None));
        assert!(!format!("{plain:?}").contains("cs_secret1234"));
    }
}
