//! Shopify Admin GraphQL client, per /work/shared/api/shopify.md.
//!
//! Every operation is `POST {api_base}/admin/api/{version}/graphql.json` with the
//! `X-Shopify-Access-Token` header. The calculated-cost bucket (§2.1) is one shared
//! [`Budget`] per store: a call reserves its expected cost before it is sent and settles with
//! `actualQueryCost`; `extensions.cost.throttleStatus` on every answer sets the bucket's shape
//! (plans differ) and what is left. Orders and stock go before polls and catalog pages. A
//! `THROTTLED` answer (HTTP 200 body or 429) was not run: the call goes again at the head of
//! its class once the bucket holds its cost, a bounded number of times.

mod bulk;
mod catalog;
mod inventory;
mod platform;
#[cfg(test)]
mod proptests;
mod refund;
mod wire;

use catalog::{PRODUCT_NODE_COST, products_query};

pub use inventory::inventory_item_gid;
pub use platform::ShopifyPlatform;

use super::budget::{Budget, Limits, Priority};
use super::http::{self, Platform};

/// This platform, in error texts and log fields.
const PLATFORM: Platform = Platform::Store(feedbridge_common::config::StorePlatform::Shopify);
use super::{
    Address, ConnectorError, ConnectorResult, InventoryBehaviour, NewStoreFulfilment,
    NewStoreOrder, Page, ShipmentProgress, StoreFulfilment, StoreInfo, StoreOrderRef,
    StoreOrderUpdate, StoreProduct, Storefront,
};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use feedbridge_common::secret::Secret;
use futures::StreamExt as _;
use futures::stream::BoxStream;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use wire::{GqlError, GqlResponse, ThrottleStatus};

/// Tries of one operation while Shopify answers `THROTTLED`.
const MAX_THROTTLE_TRIES: u32 = 5;
/// Longest single wait for the cost bucket to refill.
const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(60);
/// Shortest wait after a `THROTTLED` answer (guards against zero/negative arithmetic).
const MIN_THROTTLE_WAIT: Duration = Duration::from_millis(100);
/// Expected cost of an operation never seen before.
const DEFAULT_EXPECTED_COST: f64 = 50.0;
/// Shopify refuses queries whose requested cost exceeds this (§2.1).
const MAX_QUERY_COST: u32 = 1_000;
/// Requested cost of one node of the orders poll: `customAttributes` (1) and
/// fulfillments { trackingInfo (1), fulfillmentLineItems(first: 50) { lineItem } = 2 + 50 + 50 }.
const ORDER_NODE_COST: u32 = 1 + 1 + 1 + 102;

/// The largest `first` keeping a connection of `node_cost` nodes under [`MAX_QUERY_COST`].
/// The full page sizes (products 50, orders 50) would cost thousands of points and be refused
/// with `MAX_COST_EXCEEDED`; if Shopify still refuses, the pager halves the size.
const fn page_size_for(node_cost: u32) -> u32 {
    let size = (MAX_QUERY_COST - 2) / (1 + node_cost);
    if size == 0 {
        1
    } else if size > 50 {
        50
    } else {
        size
    }
}
/// Tag every order we create carries; the fulfilment poll filters on it.
pub const ORDER_TAG: &str = "TikTokShop";
/// Gateway name of the recorded sale transaction.
const GATEWAY: &str = "TikTok Shop";
/// Code of the one fixed discount that carries TikTok's seller and platform discounts.
const DISCOUNT_CODE: &str = "TIKTOK-SHOP-DISCOUNT";

/// Webhook topics the daemon subscribes to.
pub const WEBHOOK_TOPICS: [&str; 6] = [
    "INVENTORY_LEVELS_UPDATE",
    "PRODUCTS_UPDATE",
    "FULFILLMENTS_CREATE",
    "FULFILLMENTS_UPDATE",
    "ORDERS_CANCELLED",
    "REFUNDS_CREATE",
];

/// The per-order idempotency tag `find_order` searches for.
pub fn order_tag(tiktok_order_id: &str) -> String {
    format!("tiktok-order-{tiktok_order_id}")
}

type HmacSha256 = Hmac<Sha256>;

/// How to reach one Shopify store.
#[derive(Clone, Debug)]
pub struct ShopifySettings {
    /// e.g. `https://acme.myshopify.com` or a sandbox URL.
    pub api_base: String,
    /// `YYYY-MM`, e.g. `2026-10`.
    pub api_version: String,
    pub access_token: Secret,
}

/// Verify a webhook delivery (§10.3): `X-Shopify-Hmac-Sha256` must be the base64 of
/// HMAC-SHA256(key = app secret, msg = raw body). Constant-time.
pub fn verify_webhook(secret: &str, raw_body: &[u8], hmac_header_base64: &str) -> bool {
    let Ok(given) = BASE64.decode(hmac_header_base64.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(raw_body);
    mac.verify_slice(&given).is_ok()
}

const SHOP_QUERY: &str = "query ShopInfo { shop { name currencyCode } \
     locationsCount(query: \"active:true\") { count precision } }";

const FIND_ORDER_QUERY: &str = "query FindOrder($q: String!) {
  orders(first: 1, query: $q) { nodes { id name } }
}";

const ORDER_CREATE_MUTATION: &str =
    "mutation OrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name totalPriceSet { shopMoney { amount } } }
    userErrors { field message }
  }
}";

/// Fulfilment selection shared by the order queries.
const FULFILLMENTS_SELECTION: &str = "fulfillments(first: 20) {
        id
        trackingInfo(first: 5) { company number }
        fulfillmentLineItems(first: 50) { nodes { quantity lineItem { sku } } }
      }";

fn orders_updated_query(page_size: u32) -> String {
    format!(
        "query OrdersUpdated($after: String, $q: String!) {{
  orders(first: {page_size}, after: $after, query: $q, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id name updatedAt cancelledAt displayFinancialStatus sourceIdentifier
      customAttributes {{ key value }}
      {FULFILLMENTS_SELECTION}
    }}
  }}
}}"
    )
}

fn order_fulfillments_query() -> String {
    format!(
        "query OrderFulfillments($id: ID!) {{
  order(id: $id) {{
    id name updatedAt cancelledAt displayFinancialStatus sourceIdentifier
    customAttributes {{ key value }}
    {FULFILLMENTS_SELECTION}
  }}
}}"
    )
}

const ORDER_CANCEL_MUTATION: &str =
    "mutation OrderCancel($orderId: ID!, $restock: Boolean!, $note: String) {
  orderCancel(orderId: $orderId, reason: CUSTOMER, restock: $restock, notifyCustomer: false,
              refundMethod: { originalPaymentMethodsRefund: false }, staffNote: $note) {
    job { id done }
    orderCancelUserErrors { field message code }
    userErrors { field message }
  }
}";

/// Open fulfilment orders of an order (closed ones are hidden by default): at most 4 (one
/// per location) of 60 lines each keeps the query near 500 cost points, under the 1,000 cap.
const FULFILLMENT_ORDERS_QUERY: &str = "query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    fulfillmentOrders(first: 4) {
      nodes { id status lineItems(first: 60) { nodes { id remainingQuantity lineItem { sku } } } }
    }
  }
}";

const FULFILLMENT_CREATE_MUTATION: &str =
    "mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id }
    userErrors { field message }
  }
}";

const FULFILLMENT_EVENT_MUTATION: &str =
    "mutation FulfillmentEvent($event: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $event) {
    fulfillmentEvent { id status }
    userErrors { field message }
  }
}";

const TAGS_ADD_MUTATION: &str = "mutation TagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    userErrors { field message }
  }
}";

const WEBHOOK_CREATE_MUTATION: &str =
    "mutation WebhookSubscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
    webhookSubscription { id }
    userErrors { field message }
  }
}";

/// A value for a Shopify search string inside single quotes.
fn search_quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

/// Why a GraphQL call failed; `MaxCost` lets a pager retry with a smaller page.
#[derive(Debug)]
enum Failure {
    Connector(ConnectorError),
    MaxCost(ConnectorError),
}

impl From<ConnectorError> for Failure {
    fn from(error: ConnectorError) -> Self {
        Self::Connector(error)
    }
}

impl From<Failure> for ConnectorError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Connector(error) | Failure::MaxCost(error) => error,
        }
    }
}

/// What one HTTP exchange produced.
enum Outcome {
    Data(Value),
    /// Throttled: wait this long, then try again.
    Throttled(Duration, String),
}

/// Products handed on per batch of a bulk read (one database transaction each).
const BULK_BATCH: usize = 250;
/// Inventory items handed out at a time from the levels export.
const BULK_LEVELS_BATCH: usize = 1_000;

/// Expected cost of each operation: its last `requestedQueryCost`.
#[derive(Debug, Default)]
struct ExpectedCosts(HashMap<String, f64>);

/// Shopify's standard plan bucket (§2.1), until the first answer tells the store's own.
const STANDARD_BUCKET: Limits = Limits {
    capacity: 1_000.0,
    restore_per_sec: 50.0,
};

/// Which calls wait for which: orders and stock before polls and catalog pages.
fn priority_of(operation: &str) -> Priority {
    match operation {
        "OrderCreate" | "FindOrder" | "TagsAdd" | "OrderCancel" | "FulfillmentCreate"
        | "FulfillmentEvent" | "InventoryLevels" | "ProductVariants" | "RefundableOrder"
        | "RefundCreate" => Priority::Urgent,
        _ => Priority::Background,
    }
}

/// Seconds to wait for `needed` points given a throttle status, clamped to sane bounds.
fn restore_wait(needed: f64, status: &ThrottleStatus) -> Duration {
    let missing = needed.min(status.maximum_available.max(1.0)) - status.currently_available;
    if missing <= 0.0 || status.restore_rate <= 0.0 {
        return Duration::ZERO;
    }
    Duration::from_secs_f64((missing / status.restore_rate).min(MAX_THROTTLE_WAIT.as_secs_f64()))
}

/// Shopify store client. Cheap to share behind an `Arc`.
pub struct ShopifyClient {
    settings: ShopifySettings,
    http: reqwest::Client,
    endpoint: String,
    budget: Budget,
    expected: Mutex<ExpectedCosts>,
    products_page_size: AtomicU32,
    orders_page_size: AtomicU32,
}

impl std::fmt::Debug for ShopifyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyClient")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ShopifyClient {
    /// One products page, narrowed by a search `query` when given.
    async fn products_page(
        &self,
        query: Option<&str>,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreProduct>> {
        let after = cursor.filter(|c| !c.is_empty());
        let data: wire::ProductsData = self
            .sized_page(
                "Products",
                &self.products_page_size,
                products_query,
                json!({ "after": after, "query": query }),
            )
            .await?;
        let next = data.products.page_info.next();
        let mut items = Vec::with_capacity(data.products.nodes.len());
        for mut product in data.products.nodes {
            if product.has_more_variants() {
                self.complete_variants(&mut product).await?;
            }
            items.push(StoreProduct::from(product));
        }
        Ok(Page { items, next })
    }

    pub fn new(settings: ShopifySettings, http: reqwest::Client) -> Self {
        let endpoint = format!(
            "{}/admin/api/{}/graphql.json",
            settings.api_base.trim_end_matches('/'),
            settings.api_version.trim()
        );
        Self {
            settings,
            http,
            endpoint,
            budget: Budget::new(STANDARD_BUCKET),
            expected: Mutex::new(ExpectedCosts::default()),
            products_page_size: AtomicU32::new(page_size_for(PRODUCT_NODE_COST)),
            orders_page_size: AtomicU32::new(page_size_for(ORDER_NODE_COST)),
        }
    }

    fn expected_costs(&self) -> std::sync::MutexGuard<'_, ExpectedCosts> {
        // A poisoned lock only means another call panicked mid-update of plain numbers.
        self.expected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What `operation` is expected to cost: its last requested cost, or a default.
    fn expected_cost(&self, operation: &str) -> f64 {
        self.expected_costs()
            .0
            .get(operation)
            .copied()
            .unwrap_or(DEFAULT_EXPECTED_COST)
    }

    /// Learn from an answer's cost: the operation's expected cost and the bucket's state.
    fn record_cost(&self, operation: &str, cost: &wire::Cost) {
        if let Some(requested) = cost.requested_query_cost {
            self.expected_costs()
                .0
                .insert(operation.to_owned(), requested);
        }
        if let Some(status) = cost.throttle_status {
            self.budget.observe(
                Limits {
                    capacity: status.maximum_available,
                    restore_per_sec: status.restore_rate,
                },
                status.currently_available,
            );
        }
    }

    /// Run one operation: reserve its cost, send, retry while throttled (bounded), classify,
    /// decode.
    async fn graphql<T: DeserializeOwned>(
        &self,
        operation: &str,
        query: &str,
        variables: Value,
    ) -> Result<T, Failure> {
        let body = json!({ "query": query, "variables": variables, "operationName": operation });
        let priority = priority_of(operation);
        let mut last_wait = Duration::ZERO;
        let mut last_raw = String::new();
        for attempt in 1..=MAX_THROTTLE_TRIES {
            let expected = self.expected_cost(operation);
            let reservation = if attempt == 1 {
                self.budget.reserve(expected, priority).await
            } else {
                self.budget.reserve_again(expected, priority).await
            };
            let (outcome, cost) = self.exchange(operation, &body).await;
            match (&outcome, cost.as_ref()) {
                // Not run: Shopify charged nothing.
                (Ok(Outcome::Throttled(..)), _) => reservation.refund(),
                (_, Some(cost)) => {
                    reservation.settle(
                        cost.actual_query_cost
                            .or(cost.requested_query_cost)
                            .unwrap_or(expected),
                    );
                }
                // No cost reported (a transport error): the points stay spent.
                (_, None) => drop(reservation),
            }
            if let Some(cost) = &cost {
                self.record_cost(operation, cost);
            }
            match outcome? {
                Outcome::Data(data) => {
                    return serde_json::from_value(data).map_err(|error| {
                        Failure::Connector(ConnectorError::Rejected {
                            reason: format!(
                                "Shopify answered {operation} in an unexpected shape; this needs a feedbridge update"
                            ),
                            raw: http::truncate(&error.to_string()),
                        })
                    });
                }
                Outcome::Throttled(wait, raw) => {
                    tracing::debug!(
                        platform = "shopify",
                        operation,
                        attempt,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "Shopify throttled the call; it goes again when the bucket holds its cost."
                    );
                    last_wait = wait;
                    last_raw = raw;
                }
            }
        }
        Err(Failure::Connector(ConnectorError::Throttled {
            reason: format!(
                "Shopify kept throttling {operation} after {MAX_THROTTLE_TRIES} tries; will retry"
            ),
            raw: last_raw,
            retry_after: Some(last_wait.max(MIN_THROTTLE_WAIT)),
        }))
    }

    /// One HTTP exchange, classified, with the cost Shopify reported for it (if any).
    async fn exchange(
        &self,
        operation: &str,
        body: &Value,
    ) -> (Result<Outcome, Failure>, Option<wire::Cost>) {
        let started = Instant::now();
        let request = self
            .http
            .post(&self.endpoint)
            .header(
                "X-Shopify-Access-Token",
                self.settings.access_token.expose(),
            )
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .json(body);
        let response = match http::send(PLATFORM, request).await {
            Ok(response) => response,
            Err(error) => return (Err(http::classify_transport(PLATFORM, error).into()), None),
        };
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let text = match response.text().await {
            Ok(text) => text,
            Err(error) => return (Err(http::classify_transport(PLATFORM, error).into()), None),
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let parsed = serde_json::from_str::<GqlResponse>(&text).ok();
        let cost = parsed
            .as_ref()
            .and_then(|r| r.extensions.as_ref())
            .and_then(|e| e.cost);
        tracing::debug!(
            platform = "shopify",
            operation,
            status = status.as_u16(),
            elapsed_ms,
            requested_cost = cost.and_then(|c| c.requested_query_cost),
            actual_cost = cost.and_then(|c| c.actual_query_cost),
            available = cost
                .and_then(|c| c.throttle_status)
                .map(|t| t.currently_available),
            "Shopify call answered."
        );
        let outcome = interpret(
            status,
            retry_after,
            &text,
            parsed,
            &[self.settings.access_token.expose()],
        );
        (outcome, cost)
    }

    /// One page of a list query whose page size is `page_size`; on `MAX_COST_EXCEEDED` the size
    /// is halved (and remembered) and the page asked again.
    async fn sized_page<T: DeserializeOwned>(
        &self,
        operation: &str,
        page_size: &AtomicU32,
        query: impl Fn(u32) -> String,
        variables: Value,
    ) -> ConnectorResult<T> {
        loop {
            let size = page_size.load(Ordering::Relaxed);
            match self
                .graphql::<T>(operation, &query(size), variables.clone())
                .await
            {
                Ok(data) => return Ok(data),
                Err(Failure::MaxCost(error)) if size > 1 => {
                    let smaller = size / 2;
                    tracing::info!(
                        platform = "shopify",
                        operation,
                        page_size = smaller,
                        error = %error,
                        "Query too expensive; using smaller pages."
                    );
                    page_size.store(smaller, Ordering::Relaxed);
                }
                Err(failure) => return Err(failure.into()),
            }
        }
    }
}

/// Classify one GraphQL answer.
fn interpret(
    status: StatusCode,
    retry_after: Option<Duration>,
    text: &str,
    parsed: Option<GqlResponse>,
    secrets: &[&str],
) -> Result<Outcome, Failure> {
    let redacted = http::redact_text(text, secrets);
    let throttle_wait = |response: &GqlResponse| {
        let cost = response.extensions.as_ref().and_then(|e| e.cost.as_ref())?;
        let status = cost.throttle_status?;
        let requested = cost.requested_query_cost.unwrap_or(DEFAULT_EXPECTED_COST);
        Some(restore_wait(requested, &status))
    };
    match status.as_u16() {
        401 => {
            return Err(ConnectorError::Unauthorized {
                reason: "Shopify rejected the access token (HTTP 401); update the Admin API access token".into(),
                raw: redacted,
            }
            .into());
        }
        403 => {
            return Err(ConnectorError::Unauthorized {
                reason: "Shopify denied access (HTTP 403); grant the app the required scopes and reconnect".into(),
                raw: redacted,
            }
            .into());
        }
        429 => {
            let wait = parsed
                .as_ref()
                .and_then(throttle_wait)
                .or(retry_after)
                .unwrap_or(Duration::from_secs(1))
                .max(MIN_THROTTLE_WAIT);
            return Ok(Outcome::Throttled(wait, redacted));
        }
        _ => {}
    }
    if let Some(error) = http::classify_status(PLATFORM, status, retry_after, &redacted) {
        return Err(error.into());
    }
    let Some(response) = parsed else {
        return Err(ConnectorError::Retryable {
            reason: "Shopify sent a response that is not GraphQL JSON; will retry".into(),
            raw: redacted,
            retry_after: None,
        }
        .into());
    };
    if let Some(errors) = response.errors.as_ref().filter(|e| !e.is_null()) {
        let list: Vec<GqlError> = match errors {
            Value::Array(_) => serde_json::from_value(errors.clone()).unwrap_or_default(),
            Value::String(message) => vec![GqlError {
                message: message.clone(),
                extensions: None,
            }],
            other => vec![GqlError {
                message: other.to_string(),
                extensions: None,
            }],
        };
        if !list.is_empty() {
            return classify_errors(&list, &response, redacted, secrets, throttle_wait);
        }
    }
    match response.data {
        Some(data) if !data.is_null() => Ok(Outcome::Data(data)),
        _ => Err(ConnectorError::Rejected {
            reason: "Shopify returned no data and no error".into(),
            raw: redacted,
        }
        .into()),
    }
}

fn classify_errors(
    errors: &[GqlError],
    response: &GqlResponse,
    raw: String,
    secrets: &[&str],
    throttle_wait: impl Fn(&GqlResponse) -> Option<Duration>,
) -> Result<Outcome, Failure> {
    let has = |code: &str| errors.iter().any(|e| e.code() == code);
    // Shopify may echo what it was sent (a token in a bad header): the reason is redacted too.
    let messages: Vec<String> = errors
        .iter()
        .map(|e| http::redact_text(&e.message, secrets))
        .collect();
    let messages = messages.join("; ");
    if has("THROTTLED") {
        // A 429 was counted when it arrived; this is the throttle in a 200 answer's body.
        crate::metrics::live().platform_throttled(PLATFORM);
        let wait = throttle_wait(response)
            .unwrap_or(Duration::from_secs(1))
            .max(MIN_THROTTLE_WAIT);
        return Ok(Outcome::Throttled(wait, raw));
    }
    if has("ACCESS_DENIED") {
        return Err(ConnectorError::Unauthorized {
            reason: format!(
                "Shopify denied access: {messages}; grant the app the required scopes and reconnect"
            ),
            raw,
        }
        .into());
    }
    if has("INTERNAL_SERVER_ERROR") {
        return Err(ConnectorError::Retryable {
            reason: format!("Shopify had an internal error: {messages}; will retry"),
            raw,
            retry_after: None,
        }
        .into());
    }
    if has("MAX_COST_EXCEEDED") {
        return Err(Failure::MaxCost(ConnectorError::Rejected {
            reason: format!("Shopify refused the query as too expensive: {messages}"),
            raw,
        }));
    }
    Err(ConnectorError::Rejected {
        reason: format!("Shopify refused the request: {messages}"),
        raw,
    }
    .into())
}

fn money_set(amount: Decimal, currency: &str) -> Value {
    json!({ "shopMoney": { "amount": amount.to_string(), "currencyCode": currency } })
}

/// US state and Canadian province names to their ISO 3166-2 subdivision codes.
const PROVINCE_CODES: &[(&str, &str, &str)] = &[
    ("US", "Alabama", "AL"),
    ("US", "Alaska", "AK"),
    ("US", "Arizona", "AZ"),
    ("US", "Arkansas", "AR"),
    ("US", "California", "CA"),
    ("US", "Colorado", "CO"),
    ("US", "Connecticut", "CT"),
    ("US", "Delaware", "DE"),
    ("US", "District of Columbia", "DC"),
    ("US", "Florida", "FL"),
    ("US", "Georgia", "GA"),
    ("US", "Hawaii", "HI"),
    ("US", "Idaho", "ID"),
    ("US", "Illinois", "IL"),
    ("US", "Indiana", "IN"),
    ("US", "Iowa", "IA"),
    ("US", "Kansas", "KS"),
    ("US", "Kentucky", "KY"),
    ("US", "Louisiana", "LA"),
    ("US", "Maine", "ME"),
    ("US", "Maryland", "MD"),
    ("US", "Massachusetts", "MA"),
    ("US", "Michigan", "MI"),
    ("US", "Minnesota", "MN"),
    ("US", "Mississippi", "MS"),
    ("US", "Missouri", "MO"),
    ("US", "Montana", "MT"),
    ("US", "Nebraska", "NE"),
    ("US", "Nevada", "NV"),
    ("US", "New Hampshire", "NH"),
    ("US", "New Jersey", "NJ"),
    ("US", "New Mexico", "NM"),
    ("US", "New York", "NY"),
    ("US", "North Carolina", "NC"),
    ("US", "North Dakota", "ND"),
    ("US", "Ohio", "OH"),
    ("US", "Oklahoma", "OK"),
    ("US", "Oregon", "OR"),
    ("US", "Pennsylvania", "PA"),
    ("US", "Rhode Island", "RI"),
    ("US", "South Carolina", "SC"),
    ("US", "South Dakota", "SD"),
    ("US", "Tennessee", "TN"),
    ("US", "Texas", "TX"),
    ("US", "Utah", "UT"),
    ("US", "Vermont", "VT"),
    ("US", "Virginia", "VA"),
    ("US", "Washington", "WA"),
    ("US", "West Virginia", "WV"),
    ("US", "Wisconsin", "WI"),
    ("US", "Wyoming", "WY"),
    ("US", "Puerto Rico", "PR"),
    ("US", "Guam", "GU"),
    ("US", "U.S. Virgin Islands", "VI"),
    ("US", "American Samoa", "AS"),
    ("US", "Northern Mariana Islands", "MP"),
    ("US", "Armed Forces Americas", "AA"),
    ("US", "Armed Forces Europe", "AE"),
    ("US", "Armed Forces Pacific", "AP"),
    ("CA", "Alberta", "AB"),
    ("CA", "British Columbia", "BC"),
    ("CA", "Manitoba", "MB"),
    ("CA", "New Brunswick", "NB"),
    ("CA", "Newfoundland and Labrador", "NL"),
    ("CA", "Northwest Territories", "NT"),
    ("CA", "Nova Scotia", "NS"),
    ("CA", "Nunavut", "NU"),
    ("CA", "Ontario", "ON"),
    ("CA", "Prince Edward Island", "PE"),
    ("CA", "Quebec", "QC"),
    ("CA", "Saskatchewan", "SK"),
    ("CA", "Yukon", "YT"),
];

/// `provinceCode` for an address: a short code as given, or a known US/CA name looked up.
/// `None` (field omitted) when neither applies; Shopify then keeps the address without one.
fn province_code(country_code: &str, province: &str) -> Option<String> {
    let province = province.trim();
    if province.is_empty() {
        return None;
    }
    if province.len() <= 3 && province.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Some(province.to_ascii_uppercase());
    }
    PROVINCE_CODES
        .iter()
        .find(|(country, name, _)| {
            country.eq_ignore_ascii_case(country_code.trim()) && name.eq_ignore_ascii_case(province)
        })
        .map(|(_, _, code)| (*code).to_owned())
}

/// Shopify validates phone numbers; TikTok masks them (`(+1)213*****21`). Send only real ones.
fn usable_phone(phone: &str) -> Option<&str> {
    let phone = phone.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let plausible = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    (plausible && digits >= 6).then_some(phone)
}

fn address_input(address: &Address) -> Value {
    let mut input = serde_json::Map::new();
    let mut put = |key: &str, value: &str| {
        if !value.trim().is_empty() {
            input.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    put("firstName", &address.first_name);
    put("lastName", &address.last_name);
    put("address1", &address.address1);
    put("address2", &address.address2);
    put("city", &address.city);
    put("zip", &address.zip);
    put("countryCode", &address.country_code.to_ascii_uppercase());
    if let Some(code) = province_code(&address.country_code, &address.province) {
        put("provinceCode", &code);
    }
    if let Some(phone) = usable_phone(&address.phone) {
        put("phone", phone);
    }
    Value::Object(input)
}

/// The §7.1 `orderCreate` variables.
fn order_create_variables(order: &NewStoreOrder) -> Value {
    let currency = order.currency.as_str();
    let line_items: Vec<Value> = order
        .lines
        .iter()
        .map(|line| {
            json!({
                "variantId": line.variant_id,
                "quantity": line.quantity,
                "priceSet": money_set(line.unit_price, currency),
            })
        })
        .collect();
    let mut tags = order.tags.clone();
    for required in [ORDER_TAG.to_owned(), order_tag(&order.tiktok_order_id)] {
        if !tags.contains(&required) {
            tags.push(required);
        }
    }
    let mut input = json!({
        "lineItems": line_items,
        "financialStatus": "PAID",
        "currency": currency,
        "transactions": [{
            "kind": "SALE",
            "status": "SUCCESS",
            "gateway": GATEWAY,
            "amountSet": money_set(order.total, currency),
        }],
        "shippingLines": [{
            "title": "TikTok Shop shipping",
            "priceSet": money_set(order.shipping_fee, currency),
        }],
        "taxesIncluded": false,
        "tags": tags,
        "note": order.note,
        "sourceName": "tiktok_shop",
        "sourceIdentifier": order.tiktok_order_id,
        "customAttributes": [{ "key": "tiktok_order_id", "value": order.tiktok_order_id }],
    });
    if order.tax > Decimal::ZERO {
        // `rate` is required on a tax line; report the effective rate on the goods.
        let subtotal: Decimal = order
            .lines
            .iter()
            .map(|l| l.unit_price * Decimal::from(l.quantity))
            .sum::<Decimal>()
            - order.discount;
        let rate = if subtotal > Decimal::ZERO {
            (order.tax / subtotal).round_dp(4).normalize()
        } else {
            Decimal::ZERO
        };
        input["taxLines"] = json!([{
            "title": "Tax",
            "rate": rate.to_string(),
            "priceSet": money_set(order.tax, currency),
        }]);
    }
    if let Some(email) = order.email.as_deref().filter(|e| !e.trim().is_empty()) {
        input["email"] = Value::String(email.to_owned());
    }
    if let Some(name) = order.name.as_deref().filter(|n| !n.trim().is_empty()) {
        input["name"] = Value::String(name.to_owned());
    }
    if order.discount > Decimal::ZERO {
        input["discountCode"] = json!({
            "itemFixedDiscountCode": {
                "code": DISCOUNT_CODE,
                "amountSet": money_set(order.discount, currency),
            }
        });
    }
    if let Some(address) = &order.address {
        input["shippingAddress"] = address_input(address);
    }
    json!({
        "order": input,
        "options": {
            "inventoryBehaviour": match order.inventory {
                InventoryBehaviour::DecrementObeyingPolicy => "DECREMENT_OBEYING_POLICY",
                InventoryBehaviour::DecrementIgnoringPolicy => "DECREMENT_IGNORING_POLICY",
                InventoryBehaviour::Bypass => "BYPASS",
            },
            "sendReceipt": false,
            "sendFulfillmentReceipt": false,
        },
    })
}

/// A mutation's `userErrors` as one `Rejected` error naming what was refused.
fn refused(what: &str, errors: &[wire::UserError]) -> ConnectorResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = errors.iter().map(wire::UserError::line).collect();
    Err(ConnectorError::Rejected {
        reason: format!("Shopify refused {what}: {}", lines.join("; ")),
        raw: http::truncate(&lines.join("\n")),
    })
}

/// Fulfilment-order lines to fulfil for `wanted` (SKU, quantity); all that remain when empty.
fn fulfilment_selection(
    orders: &[wire::WireFulfillmentOrder],
    wanted: &[(String, u32)],
) -> Vec<Value> {
    let open = orders
        .iter()
        .filter(|fo| !matches!(fo.status.as_str(), "CLOSED" | "CANCELLED" | "INCOMPLETE"));
    let mut remaining: Vec<(String, i64)> = wanted
        .iter()
        .map(|(sku, quantity)| (sku.clone(), i64::from(*quantity)))
        .collect();
    let mut selection = Vec::new();
    for fo in open {
        let mut lines = Vec::new();
        for line in &fo.line_items.nodes {
            if line.remaining_quantity <= 0 {
                continue;
            }
            if wanted.is_empty() {
                lines.push(json!({ "id": line.id, "quantity": line.remaining_quantity }));
                continue;
            }
            let sku = line
                .line_item
                .as_ref()
                .and_then(|item| item.sku.clone())
                .unwrap_or_default();
            if let Some((_, left)) = remaining
                .iter_mut()
                .find(|(s, left)| *s == sku && *left > 0)
            {
                let take = (*left).min(line.remaining_quantity);
                *left -= take;
                lines.push(json!({ "id": line.id, "quantity": take }));
            }
        }
        if !lines.is_empty() {
            selection.push(json!({
                "fulfillmentOrderId": fo.id,
                "fulfillmentOrderLineItems": lines,
            }));
        }
    }
    selection
}

fn is_already_taken(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("already been taken")
        || message.contains("already taken")
        || message.contains("already exists")
}

#[async_trait]
impl Storefront for ShopifyClient {
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        let data: wire::ShopData = self.graphql("ShopInfo", SHOP_QUERY, json!({})).await?;
        Ok(data.into())
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        self.products_page(None, cursor).await
    }

    async fn products_changed_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Option<Page<StoreProduct>>> {
        let query = format!("updated_at:>='{since}'");
        self.products_page(Some(&query), cursor).await.map(Some)
    }

    /// One bulk query instead of hundreds of pages; batches of [`BULK_BATCH`] products.
    fn full_catalog(&self) -> BoxStream<'_, ConnectorResult<Vec<StoreProduct>>> {
        futures::stream::once(self.bulk_export(bulk::PRODUCTS_EXPORT))
            .flat_map(|read| match read {
                Ok(Some(export)) => export.into_batches(BULK_BATCH).boxed(),
                Ok(None) => futures::stream::empty().boxed(),
                Err(error) => futures::stream::once(async { Err(error) }).boxed(),
            })
            .boxed()
    }

    /// Every item's levels by one bulk query, after the catalog's.
    fn full_inventory_levels(&self) -> BoxStream<'_, ConnectorResult<Vec<super::ItemLevels>>> {
        futures::stream::once(self.bulk_export(bulk::LEVELS_EXPORT))
            .flat_map(|read| match read {
                Ok(Some(export)) => export.into_level_batches(BULK_LEVELS_BATCH).boxed(),
                Ok(None) => futures::stream::empty().boxed(),
                Err(error) => futures::stream::once(async { Err(error) }).boxed(),
            })
            .boxed()
    }

    async fn find_order(&self, tiktok_order_id: &str) -> ConnectorResult<Option<StoreOrderRef>> {
        let q = format!("tag:'{}'", search_quote(&order_tag(tiktok_order_id)));
        let data: wire::FindOrderData = self
            .graphql("FindOrder", FIND_ORDER_QUERY, json!({ "q": q }))
            .await?;
        Ok(data.orders.nodes.into_iter().next().map(Into::into))
    }

    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        let data: wire::OrderCreateData = self
            .graphql(
                "OrderCreate",
                ORDER_CREATE_MUTATION,
                order_create_variables(order),
            )
            .await?;
        let payload = data.order_create.unwrap_or_default();
        if !payload.user_errors.is_empty() {
            let lines: Vec<String> = payload
                .user_errors
                .iter()
                .map(wire::UserError::line)
                .collect();
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "Shopify refused to create the order for TikTok order {}: {}",
                    order.tiktok_order_id,
                    lines.join("; ")
                ),
                raw: http::truncate(&lines.join("\n")),
            });
        }
        match payload.order {
            Some(created) if !created.id.is_empty() => {
                tracing::info!(
                    platform = "shopify",
                    tiktok_order_id = %order.tiktok_order_id,
                    order_id = %created.id,
                    order_name = %created.name,
                    "Store order created."
                );
                Ok(created.into())
            }
            _ => Err(ConnectorError::Rejected {
                reason: format!(
                    "Shopify returned no order for TikTok order {} and gave no reason",
                    order.tiktok_order_id
                ),
                raw: String::new(),
            }),
        }
    }

    async fn orders_updated_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        let q = format!("updated_at:>'{}' tag:'{ORDER_TAG}'", search_quote(since));
        let after = cursor.filter(|c| !c.is_empty());
        let data: wire::OrdersData = self
            .sized_page(
                "OrdersUpdated",
                &self.orders_page_size,
                orders_updated_query,
                json!({ "after": after, "q": q }),
            )
            .await?;
        Ok(Page {
            next: data.orders.page_info.next(),
            items: data.orders.nodes.into_iter().map(Into::into).collect(),
        })
    }

    async fn fulfilments(&self, order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        let data: wire::OrderData = self
            .graphql(
                "OrderFulfillments",
                &order_fulfillments_query(),
                json!({ "id": order_id }),
            )
            .await?;
        let order = data.order.ok_or_else(|| ConnectorError::Rejected {
            reason: format!("Shopify order {order_id} was not found; it may have been deleted"),
            raw: String::new(),
        })?;
        Ok(order.fulfillments.into_iter().map(Into::into).collect())
    }

    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        let data: wire::OrderData = self
            .graphql(
                "OrderFulfillments",
                &order_fulfillments_query(),
                json!({ "id": order_id }),
            )
            .await?;
        Ok(data.order.map(Into::into))
    }

    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            order_cancel: Option<wire::OrderCancelPayload>,
        }
        let data: Data = self
            .graphql(
                "OrderCancel",
                ORDER_CANCEL_MUTATION,
                json!({
                    "orderId": order_id,
                    "restock": restock,
                    "note": "Cancelled on TikTok Shop (feedbridge).",
                }),
            )
            .await?;
        let payload = data.order_cancel.unwrap_or_default();
        let errors = if payload.order_cancel_user_errors.is_empty() {
            payload.user_errors
        } else {
            payload.order_cancel_user_errors
        };
        refused(&format!("to cancel order {order_id}"), &errors)
    }

    async fn refund_order(&self, order_id: &str, restock: bool) -> ConnectorResult<bool> {
        self.refund_whole_order(order_id, restock).await
    }

    async fn fulfil_order(
        &self,
        order_id: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        let data: wire::FulfillmentOrdersData = self
            .graphql(
                "FulfillmentOrders",
                FULFILLMENT_ORDERS_QUERY,
                json!({ "id": order_id }),
            )
            .await?;
        let orders = data
            .order
            .map(|o| o.fulfillment_orders.nodes)
            .unwrap_or_default();
        let selection = fulfilment_selection(&orders, &fulfilment.lines);
        if selection.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!("Shopify order {order_id} has nothing left to fulfil"),
                raw: String::new(),
            });
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            fulfillment_create: Option<wire::FulfillmentCreatePayload>,
        }
        let data: Data = self
            .graphql(
                "FulfillmentCreate",
                FULFILLMENT_CREATE_MUTATION,
                json!({ "fulfillment": {
                    "lineItemsByFulfillmentOrder": selection,
                    "trackingInfo": {
                        "company": fulfilment.carrier,
                        "number": fulfilment.tracking_number,
                    },
                    "notifyCustomer": false,
                }}),
            )
            .await?;
        let payload = data.fulfillment_create.unwrap_or_default();
        refused(&format!("to fulfil order {order_id}"), &payload.user_errors)?;
        payload
            .fulfillment
            .map(|f| f.id)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Shopify returned no fulfilment for order {order_id}"),
                raw: String::new(),
            })
    }

    async fn fulfilment_progress(
        &self,
        fulfilment_id: &str,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            fulfillment_event_create: Option<wire::ErrorsOnly>,
        }
        let status = match progress {
            ShipmentProgress::InTransit => "IN_TRANSIT",
            ShipmentProgress::Delivered => "DELIVERED",
        };
        let data: Data = self
            .graphql(
                "FulfillmentEvent",
                FULFILLMENT_EVENT_MUTATION,
                json!({ "event": { "fulfillmentId": fulfilment_id, "status": status } }),
            )
            .await?;
        refused(
            &format!("the {status} event on fulfilment {fulfilment_id}"),
            &data
                .fulfillment_event_create
                .unwrap_or_default()
                .user_errors,
        )
    }

    async fn add_order_tags(&self, order_id: &str, tags: &[String]) -> ConnectorResult<()> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            tags_add: Option<wire::ErrorsOnly>,
        }
        let data: Data = self
            .graphql(
                "TagsAdd",
                TAGS_ADD_MUTATION,
                json!({ "id": order_id, "tags": tags }),
            )
            .await?;
        refused(
            &format!("tags on order {order_id}"),
            &data.tags_add.unwrap_or_default().user_errors,
        )
    }

    async fn register_webhooks(&self, address: &str) -> ConnectorResult<()> {
        for topic in WEBHOOK_TOPICS {
            let data: wire::WebhookCreateData = self
                .graphql(
                    "WebhookSubscribe",
                    WEBHOOK_CREATE_MUTATION,
                    json!({ "topic": topic, "uri": address }),
                )
                .await?;
            let errors = data
                .webhook_subscription_create
                .unwrap_or_default()
                .user_errors;
            let blocking: Vec<String> = errors
                .iter()
                .filter(|e| !is_already_taken(&e.message))
                .map(wire::UserError::line)
                .collect();
            if !blocking.is_empty() {
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "Shopify refused the {topic} webhook subscription: {}",
                        blocking.join("; ")
                    ),
                    raw: http::truncate(&blocking.join("\n")),
                });
            }
            tracing::info!(platform = "shopify", topic, "Webhook subscribed.");
        }
        Ok(())
    }

    async fn inventory_levels(
        &self,
        inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<super::ItemLevels>> {
        self.read_inventory_levels(inventory_item_ids).await
    }

    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>> {
        self.read_product(product_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::NewStoreOrderLine;

    #[test]
    fn webhook_hmac() {
        // base64(HMAC-SHA256("shpss_secret", "{\"id\":123}")), computed independently.
        let header = "IRr+J4J+ZQCOcHNTriPfO2gQI59Obfb5EgQwbiMmFYg=";
        assert!(verify_webhook("shpss_secret", br#"{"id":123}"#, header));
        assert!(verify_webhook(
            "shpss_secret",
            br#"{"id":123}"#,
            &format!(" {header}\n")
        ));
        assert!(!verify_webhook("shpss_secret", br#"{"id":124}"#, header));
        assert!(!verify_webhook("other", br#"{"id":123}"#, header));
        assert!(!verify_webhook("shpss_secret", br#"{"id":123}"#, ""));
        assert!(!verify_webhook(
            "shpss_secret",
            br#"{"id":123}"#,
            "!!notbase64"
        ));
    }

    fn outcome_kind(result: &Result<Outcome, Failure>) -> &'static str {
        match result {
            Ok(Outcome::Data(_)) => "data",
            Ok(Outcome::Throttled(..)) => "throttled",
            Err(Failure::MaxCost(_)) => "max_cost",
            Err(Failure::Connector(ConnectorError::Retryable { .. })) => "retryable",
            Err(Failure::Connector(ConnectorError::Throttled { .. })) => "throttled",
            Err(Failure::Connector(ConnectorError::Rejected { .. })) => "rejected",
            Err(Failure::Connector(ConnectorError::Unauthorized { .. })) => "unauthorized",
        }
    }

    fn run(status: u16, body: &str) -> Result<Outcome, Failure> {
        let parsed = serde_json::from_str::<GqlResponse>(body).ok();
        interpret(
            StatusCode::from_u16(status).unwrap(),
            None,
            body,
            parsed,
            &["shpat_secret"],
        )
    }

    const THROTTLED: &str = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],
        "extensions":{"cost":{"requestedQueryCost":752,"actualQueryCost":null,
        "throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":666,"restoreRate":50.0}}}}"#;

    #[test]
    fn error_classification_table() {
        let err = |code: &str| {
            format!(r#"{{"errors":[{{"message":"m","extensions":{{"code":"{code}"}}}}]}}"#)
        };
        let table: Vec<(u16, String, &str)> = vec![
            (
                200,
                r#"{"data":{"shop":{"name":"x","currencyCode":"USD"}}}"#.into(),
                "data",
            ),
            (200, THROTTLED.into(), "throttled"),
            (429, THROTTLED.into(), "throttled"),
            (429, "Too many".into(), "throttled"),
            (
                401,
                r#"{"errors":"[API] Invalid API key or access token"}"#.into(),
                "unauthorized",
            ),
            (403, String::new(), "unauthorized"),
            (200, err("ACCESS_DENIED"), "unauthorized"),
            (200, err("INTERNAL_SERVER_ERROR"), "retryable"),
            (200, err("MAX_COST_EXCEEDED"), "max_cost"),
            (200, err("undefinedField"), "rejected"),
            (
                200,
                r#"{"errors":[{"message":"syntax error"}]}"#.into(),
                "rejected",
            ),
            (500, String::new(), "retryable"),
            (502, "<html>".into(), "retryable"),
            (503, err("INTERNAL_SERVER_ERROR"), "retryable"),
            (400, r#"{"errors":{"query":"missing"}}"#.into(), "rejected"),
            (404, "Not Found".into(), "rejected"),
            (422, String::new(), "rejected"),
            (200, "<html>".into(), "retryable"),
            (200, r#"{"data":null}"#.into(), "rejected"),
        ];
        for (status, body, expected) in table {
            assert_eq!(
                outcome_kind(&run(status, &body)),
                expected,
                "HTTP {status} {body}"
            );
        }
    }

    #[test]
    fn throttle_wait_from_body() {
        // (752 - 666) / 50 = 1.72 s
        match run(200, THROTTLED) {
            Ok(Outcome::Throttled(wait, _)) => assert_eq!(wait, Duration::from_millis(1_720)),
            _ => panic!("expected throttled"),
        }
        let status = ThrottleStatus {
            maximum_available: 1000.0,
            currently_available: 990.0,
            restore_rate: 50.0,
        };
        assert_eq!(restore_wait(10.0, &status), Duration::ZERO);
        assert_eq!(restore_wait(2000.0, &status), Duration::from_millis(200));
    }

    #[test]
    fn unauthorized_text_has_no_token() {
        let body = r#"{"errors":"token shpat_secret is invalid"}"#;
        let Err(Failure::Connector(error)) = run(401, body) else {
            panic!("expected error")
        };
        assert!(!error.raw().contains("shpat_secret"));
        assert!(!error.to_string().contains("shpat_secret"));
    }

    #[tokio::test(start_paused = true)]
    async fn answers_set_the_bucket_and_the_expected_cost() {
        let client = ShopifyClient::new(
            ShopifySettings {
                api_base: "http://127.0.0.1:1/".into(),
                api_version: "2026-10".into(),
                access_token: Secret::new("shpat_x"),
            },
            reqwest::Client::new(),
        );
        assert_eq!(
            client.endpoint,
            "http://127.0.0.1:1/admin/api/2026-10/graphql.json"
        );
        assert_eq!(client.expected_cost("Products"), DEFAULT_EXPECTED_COST);
        let cost: wire::Cost = serde_json::from_str(
            r#"{"requestedQueryCost":300,"throttleStatus":{"maximumAvailable":2000,"currentlyAvailable":100,"restoreRate":100}}"#,
        )
        .unwrap();
        client.record_cost("Products", &cost);
        assert_eq!(client.expected_cost("Products"), 300.0);
        assert_eq!(client.budget.available(), 100.0);
        assert_eq!(
            client.budget.limits(),
            Limits {
                capacity: 2_000.0,
                restore_per_sec: 100.0
            }
        );
        // 300 points with 100 left at 100/s: two seconds.
        let start = Instant::now();
        client
            .budget
            .reserve(client.expected_cost("Products"), priority_of("Products"))
            .await
            .settle(300.0);
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        assert!(!format!("{client:?}").contains("shpat_x"));
    }

    #[test]
    fn orders_and_stock_go_before_polls_and_pages() {
        assert_eq!(priority_of("OrderCreate"), Priority::Urgent);
        assert_eq!(priority_of("InventoryLevels"), Priority::Urgent);
        assert_eq!(priority_of("OrdersUpdated"), Priority::Background);
        assert_eq!(priority_of("Products"), Priority::Background);
        assert_eq!(priority_of("OrderFulfillments"), Priority::Background);
    }

    fn sample_order() -> NewStoreOrder {
        NewStoreOrder {
            tiktok_order_id: "576123456789".into(),
            name: None,
            currency: "USD".into(),
            lines: vec![NewStoreOrderLine {
                variant_id: "gid://shopify/ProductVariant/4476".into(),
                quantity: 2,
                unit_price: Decimal::new(1999, 2),
            }],
            discount: Decimal::ZERO,
            shipping_fee: Decimal::new(599, 2),
            tax: Decimal::new(320, 2),
            total: Decimal::new(4917, 2),
            inventory: InventoryBehaviour::DecrementObeyingPolicy,
            email: Some("buyer@example.invalid".into()),
            address: Some(Address {
                first_name: "A".into(),
                last_name: "B".into(),
                address1: "1 Main St".into(),
                address2: String::new(),
                city: "Austin".into(),
                province: "Texas".into(),
                zip: "78701".into(),
                country_code: "US".into(),
                phone: "(+1)213*****21".into(),
            }),
            tags: vec!["TikTokShop".into()],
            note: "TikTok Shop order 576123456789".into(),
        }
    }

    #[test]
    fn order_create_matches_contract() {
        let variables = order_create_variables(&sample_order());
        let expected = json!({
            "order": {
                "lineItems": [{"variantId": "gid://shopify/ProductVariant/4476", "quantity": 2,
                               "priceSet": {"shopMoney": {"amount": "19.99", "currencyCode": "USD"}}}],
                "financialStatus": "PAID",
                "currency": "USD",
                "email": "buyer@example.invalid",
                "shippingAddress": {"firstName": "A", "lastName": "B", "address1": "1 Main St", "city": "Austin",
                                    "provinceCode": "TX", "countryCode": "US", "zip": "78701"},
                "transactions": [{"kind": "SALE", "status": "SUCCESS", "gateway": "TikTok Shop",
                                  "amountSet": {"shopMoney": {"amount": "49.17", "currencyCode": "USD"}}}],
                "shippingLines": [{"title": "TikTok Shop shipping",
                                   "priceSet": {"shopMoney": {"amount": "5.99", "currencyCode": "USD"}}}],
                "taxLines": [{"title": "Tax", "rate": "0.08",
                              "priceSet": {"shopMoney": {"amount": "3.20", "currencyCode": "USD"}}}],
                "taxesIncluded": false,
                "tags": ["TikTokShop", "tiktok-order-576123456789"],
                "note": "TikTok Shop order 576123456789",
                "sourceName": "tiktok_shop",
                "sourceIdentifier": "576123456789",
                "customAttributes": [{"key": "tiktok_order_id", "value": "576123456789"}]
            },
            "options": {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY", "sendReceipt": false,
                        "sendFulfillmentReceipt": false}
        });
        assert_eq!(variables, expected);
    }

    #[test]
    fn name_discount_and_inventory_behaviour() {
        let mut order = sample_order();
        order.name = Some("TT-576123456789".into());
        order.discount = Decimal::new(400, 2);
        order.inventory = InventoryBehaviour::Bypass;
        let variables = order_create_variables(&order);
        assert_eq!(variables["order"]["name"], "TT-576123456789");
        assert_eq!(
            variables["order"]["discountCode"],
            json!({"itemFixedDiscountCode": {"code": "TIKTOK-SHOP-DISCOUNT",
                   "amountSet": {"shopMoney": {"amount": "4.00", "currencyCode": "USD"}}}})
        );
        assert_eq!(variables["options"]["inventoryBehaviour"], "BYPASS");
        // The tax rate is on the goods after the discount: 3.20 / (39.98 - 4.00).
        assert_eq!(variables["order"]["taxLines"][0]["rate"], "0.0889");
    }

    #[test]
    fn no_tax_line_without_tax() {
        let mut order = sample_order();
        order.tax = Decimal::ZERO;
        order.address = None;
        order.email = None;
        let variables = order_create_variables(&order);
        assert!(variables["order"].get("taxLines").is_none());
        assert!(variables["order"].get("shippingAddress").is_none());
        assert!(variables["order"].get("email").is_none());
    }

    #[test]
    fn provinces_and_phones() {
        assert_eq!(province_code("US", "California").as_deref(), Some("CA"));
        assert_eq!(province_code("us", "new york").as_deref(), Some("NY"));
        assert_eq!(province_code("US", "tx").as_deref(), Some("TX"));
        assert_eq!(province_code("CA", "Ontario").as_deref(), Some("ON"));
        assert_eq!(province_code("GB", "England"), None);
        assert_eq!(province_code("US", ""), None);
        assert_eq!(usable_phone("+1 512-555-0100"), Some("+1 512-555-0100"));
        assert_eq!(usable_phone("(+1)213*****21"), None);
        assert_eq!(usable_phone(""), None);
    }

    #[test]
    fn page_sizes_fit_the_cost_limit() {
        let products = page_size_for(PRODUCT_NODE_COST);
        let orders = page_size_for(ORDER_NODE_COST);
        assert_eq!((products, orders), (10, 9));
        assert!(2 + products * (1 + PRODUCT_NODE_COST) <= MAX_QUERY_COST);
        assert!(2 + orders * (1 + ORDER_NODE_COST) <= MAX_QUERY_COST);
        assert_eq!(page_size_for(0), 50);
        assert_eq!(page_size_for(5_000), 1);
    }

    #[test]
    fn search_strings_are_quoted() {
        assert_eq!(search_quote("2026-11-01T00:00:00Z"), "2026-11-01T00:00:00Z");
        assert_eq!(search_quote("a'b\\c"), "a\\'b\\\\c");
        assert!(is_already_taken(
            "Address for this topic has already been taken"
        ));
        assert!(!is_already_taken("Address is invalid"));
    }
}
