//! Magento 2 / Adobe Commerce REST client (`{base}/rest/{store_code}/V1`), per
//! `shared/api/magento2.md` and Adobe's REST reference.
//!
//! **Authentication.** An integration (System > Extensions > Integrations). With the consumer
//! key, consumer secret and access token secret configured, every call is signed with OAuth
//! 1.0a HMAC-SHA256 (Magento's default since 2.4.4); with only the access token, it is sent as
//! `Authorization: Bearer`, which Magento accepts only while Stores > Configuration > Services >
//! OAuth > Consumer Settings > "Allow OAuth Access Tokens to be used as standalone Bearer
//! tokens" is Yes. See [`auth`].
//!
//! **Ids.** A product is its `entity_id` (`"12"`); a variant is its SKU (Magento's key for
//! carts, stock and the product URL), and so is its `inventory_item_id`. A configurable product
//! lists its children (`/V1/configurable-products/{sku}/children`) as variants, named by the
//! labels of their configurable attribute options; simple products "Not Visible Individually"
//! are taken to be such children and are not listed on their own. A fulfilment is a shipment's
//! `entity_id`.
//!
//! **Stock (MSI).** Available = the salable quantity of the default stock (id 1,
//! `/V1/inventory/get-product-salable-quantity/{sku}/1`): source quantities less the
//! reservations of orders not yet shipped. [`Storefront::inventory_levels`] answers one level
//! per source (`/V1/inventory/source-items`), each an in-stock source's quantity, with the
//! stock's reservations taken off the `default` source first, then the largest; they add up to
//! the salable quantity. Magento keeps no time on source items: `updated_at` is when we read.
//!
//! **Paging.** `searchCriteria` with `pageSize` 100 and `currentPage`; the cursor is the next
//! page number, given only while `currentPage × pageSize < total_count`: Magento answers a page
//! past the last with the last page again, so the items alone never say "done".
//!
//! **Creating an order exactly once.** Core Magento takes external orders only through the
//! checkout: a guest cart (`POST /V1/guest-carts`), its items by SKU, the shipping information
//! (the buyer's address, the configured carrier and method, `flatrate` by default) and the
//! payment information (an offline method, `checkmo` by default), which places the order and
//! answers its id. The TikTok order id is written into the order twice: atomically with the
//! order, as the billing address `company` ("TikTok Shop order {id}"), and right after, as a
//! status-history comment with the same words. [`Storefront::find_order`] scans the orders
//! created in the last [`FIND_WINDOW_DAYS`] days, newest first, for either marker: no field a
//! guest checkout sets is searchable by `searchCriteria`, and the comment alone would miss an
//! order whose comment was never written (a crash or a lost answer between the two calls).
//! Prices, discounts, shipping and tax are Magento's own (catalog prices, the carrier's rate, the
//! store's tax rules): core REST cannot set them, so the store total can differ from TikTok's;
//! the comment records TikTok's amounts and the total Magento computed is returned.
//! `NewStoreOrder::name` cannot become the order number (Magento numbers its orders).
//!
//! **Stock on create.** Magento reserves stock on placement and refuses lines it cannot sell
//! (not salable and no backorders) whatever the `InventoryBehaviour`; so
//! `DecrementObeyingPolicy` and `DecrementIgnoringPolicy` both place the order as Magento
//! allows, and `Bypass` places it, then adds the ordered units to the `default` source
//! (read-then-write, so a sale in the same instant can be lost from the count).
//!
//! **Cancel, refund.** `POST /V1/orders/{id}/cancel` answers `true`, or `false` when Magento
//! will not (invoiced or shipped): a shipped order cannot be cancelled, an invoiced one needs a
//! credit memo. Cancelling gives the reservation back; with `restock` false the units are taken
//! off the `default` source again. [`Storefront::refund_order`] makes that credit memo (offline,
//! everything refundable, returned to stock per the setting; an order with nothing invoiced or
//! shipped is cancelled instead): see [`refund`]. A closed order (everything refunded by a
//! credit memo) reads as `cancelled` and `refunded`.
//!
//! **Tags, progress.** Magento orders have no tags: tags and shipment progress become
//! status-history comments (sent with the order's current status: a comment without one
//! clears the order's status, magento/magento2#34180).
//!
//! **Change detection.** Core Magento sends no webhooks: [`Storefront::register_webhooks`] does
//! nothing and changes are read by polling `updated_at`.
//!
//! **Errors.** 401 → `Unauthorized` naming the integration screen and the bearer setting (or,
//! for a reused OAuth nonce, `Retryable`); 400 and other 4xx → `Rejected` with Magento's
//! rendered message; 404 → `None` where the trait allows it; 429/5xx, non-JSON answers,
//! timeouts → `Retryable` with `Retry-After` when sent. Core Magento has no request rate limit
//! (order-placement backpressure in 2.4.7, hosts and WAFs answer 429), so the client adds none.

mod auth;
mod catalog;
mod orders;
mod platform;
mod refund;
mod wire;

use super::http::{self, Platform};

/// This platform, in error texts and log fields.
const PLATFORM: Platform = Platform::Store(feedbridge_common::config::StorePlatform::Magento);
use super::{
    ConnectorError, ConnectorResult, ItemLevels, NewStoreFulfilment, NewStoreOrder, Page,
    ShipmentProgress, StoreFulfilment, StoreInfo, StoreOrderRef, StoreOrderUpdate, StoreProduct,
    Storefront,
};
use crate::clock::{Clock, SystemClock};
use async_trait::async_trait;
use feedbridge_common::secret::Secret;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use wire::WireError;

pub use platform::MagentoPlatform;

/// Items per `searchCriteria` page (Magento's input limit allows 300).
const PAGE_SIZE: u64 = 100;
/// How far back [`Storefront::find_order`] looks for an order created for a TikTok order.
pub const FIND_WINDOW_DAYS: i64 = 30;
/// The words that mark an order as placed for a TikTok order, followed by its id.
pub const ORDER_MARKER: &str = "TikTok Shop order ";
/// Calls in flight at once while reading many SKUs' stock.
const PARALLEL_READS: usize = 4;

const INTEGRATION_HINT: &str = "check the integration under System > Extensions > Integrations in the Magento admin (it must be active, with access to the resources named), and for a bearer token that Stores > Configuration > Services > OAuth > Consumer Settings > \"Allow OAuth Access Tokens to be used as standalone Bearer tokens\" is Yes, or configure the integration's consumer key, consumer secret and access token secret so feedbridge signs its calls";

/// How to reach one Magento store.
#[derive(Clone, Debug)]
pub struct MagentoSettings {
    /// The store's base URL, e.g. `https://shop.acme.com` (REST lives under `/rest/`).
    pub api_base: String,
    /// The store view code in REST paths (`default`).
    pub store_code: String,
    /// The integration's access token (bearer token, or the OAuth token).
    pub access_token: Secret,
    /// With all three set, calls are OAuth 1.0a signed; otherwise the token is a bearer token.
    pub consumer_key: Option<Secret>,
    pub consumer_secret: Option<Secret>,
    pub access_token_secret: Option<Secret>,
    /// The offline payment method orders are placed with (`checkmo`).
    pub payment_method: String,
    /// `shipping_carrier_code` and `shipping_method_code` of orders (`flatrate`, `flatrate`).
    pub shipping_carrier: String,
    pub shipping_method: String,
}

impl MagentoSettings {
    /// Bearer-token settings with the defaults: store `default`, `checkmo`, flat rate.
    pub fn new(api_base: impl Into<String>, access_token: Secret) -> Self {
        Self {
            api_base: api_base.into(),
            store_code: "default".into(),
            access_token,
            consumer_key: None,
            consumer_secret: None,
            access_token_secret: None,
            payment_method: "checkmo".into(),
            shipping_carrier: "flatrate".into(),
            shipping_method: "flatrate".into(),
        }
    }

    /// Sign calls with OAuth 1.0a instead of sending the token as a bearer token.
    #[must_use]
    pub fn with_oauth(
        mut self,
        consumer_key: Secret,
        consumer_secret: Secret,
        token_secret: Secret,
    ) -> Self {
        self.consumer_key = Some(consumer_key);
        self.consumer_secret = Some(consumer_secret);
        self.access_token_secret = Some(token_secret);
        self
    }
}

/// Magento store client. Cheap to share behind an `Arc`.
pub struct MagentoClient {
    settings: MagentoSettings,
    /// `{base}/rest/{store_code}/V1`.
    rest: String,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for MagentoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MagentoClient")
            .field("rest", &self.rest)
            .finish_non_exhaustive()
    }
}

/// `searchCriteria` query parameters.
#[derive(Default)]
struct Criteria {
    params: Vec<(String, String)>,
    groups: usize,
    sorts: usize,
}

impl Criteria {
    /// A filter group of one or more filters on `field` (OR inside, AND across groups).
    #[must_use]
    fn any(mut self, field: &str, condition: &str, values: &[String]) -> Self {
        let g = self.groups;
        for (i, value) in values.iter().enumerate() {
            let prefix = format!("searchCriteria[filter_groups][{g}][filters][{i}]");
            self.params
                .push((format!("{prefix}[field]"), field.to_owned()));
            self.params
                .push((format!("{prefix}[value]"), value.clone()));
            self.params
                .push((format!("{prefix}[condition_type]"), condition.to_owned()));
        }
        self.groups += 1;
        self
    }

    #[must_use]
    fn filter(self, field: &str, condition: &str, value: impl Into<String>) -> Self {
        self.any(field, condition, &[value.into()])
    }

    #[must_use]
    fn sort(mut self, field: &str, ascending: bool) -> Self {
        let s = self.sorts;
        self.params.push((
            format!("searchCriteria[sortOrders][{s}][field]"),
            field.to_owned(),
        ));
        self.params.push((
            format!("searchCriteria[sortOrders][{s}][direction]"),
            if ascending { "ASC" } else { "DESC" }.to_owned(),
        ));
        self.sorts += 1;
        self
    }

    #[must_use]
    fn page(mut self, size: u64, current: u64) -> Self {
        self.params
            .push(("searchCriteria[pageSize]".into(), size.to_string()));
        self.params
            .push(("searchCriteria[currentPage]".into(), current.to_string()));
        self
    }

    fn into_params(self) -> Vec<(String, String)> {
        if self.params.is_empty() {
            vec![("searchCriteria".into(), String::new())]
        } else {
            self.params
        }
    }
}

/// The next page's cursor, from `total_count` (never from the items: see "Paging").
fn next_page(page: u64, total: u64) -> Option<String> {
    (page.saturating_mul(PAGE_SIZE) < total).then(|| (page + 1).to_string())
}

fn page_of(cursor: Option<String>) -> u64 {
    cursor
        .and_then(|c| c.trim().parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// Classify one answer; `Ok(None)` is a 404 for a missing entity.
fn interpret(
    status: StatusCode,
    retry_after: Option<Duration>,
    path: &str,
    text: &str,
    secrets: &[&str],
) -> ConnectorResult<Option<Value>> {
    let raw = http::redact_text(text, secrets);
    let error: Option<WireError> = serde_json::from_str(text).ok();
    let message = error
        .as_ref()
        .map(|e| http::truncate(&http::redact_text(&e.rendered(), secrets)))
        .filter(|m| !m.is_empty());
    let said = message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let code = status.as_u16();
    match code {
        200..=299 => serde_json::from_str(text).map(Some).map_err(|_| ConnectorError::Retryable {
            reason: "Magento answered with something that is not JSON (a maintenance page, a proxy error or a PHP notice); will retry".into(),
            raw,
            retry_after: None,
        }),
        404 if message.as_deref() == Some("Request does not match any route.") => Err(ConnectorError::Rejected {
            reason: format!("Magento has no REST route for {path} (HTTP 404{said}); check the store address and store code in the config, and that the module serving it (Inventory/MSI for stock) is enabled"),
            raw,
        }),
        404 => Ok(None),
        401 | 403 => {
            let lower = message.as_deref().unwrap_or_default().to_ascii_lowercase();
            if lower.contains("nonce") {
                return Err(ConnectorError::Retryable {
                    reason: format!("Magento refused a reused request signature{said}; will retry"),
                    raw,
                    retry_after: None,
                });
            }
            let reason = if lower.contains("timestamp") {
                format!("Magento refused the request's time (HTTP {code}{said}); set this computer's clock right")
            } else {
                format!("Magento refused the integration's credentials (HTTP {code}{said}); {INTEGRATION_HINT}")
            };
            Err(ConnectorError::Unauthorized { reason, raw })
        }
        400..=499 if code != 408 && code != 429 => Err(ConnectorError::Rejected {
            reason: format!("Magento refused the request (HTTP {code}){said}"),
            raw,
        }),
        _ => Err(match http::classify_status(PLATFORM, status, retry_after, &raw) {
            Some(ConnectorError::Retryable { reason, raw, retry_after }) => ConnectorError::Retryable {
                reason: format!("{reason}{said}"),
                raw,
                retry_after,
            },
            Some(other) => other,
            None => ConnectorError::Rejected {
                reason: format!("Magento answered HTTP {code}{said}"),
                raw,
            },
        }),
    }
}

/// Reads an answer into `T`; the error names what was read and, from serde, the field.
fn decode<T: DeserializeOwned>(what: &str, body: Value) -> ConnectorResult<T> {
    serde_json::from_value(body).map_err(|error| ConnectorError::Rejected {
        reason: format!(
            "Magento answered {what} in an unexpected shape ({error}); this needs a feedbridge update"
        ),
        raw: http::truncate(&error.to_string()),
    })
}

fn bad_id(what: &str, id: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!("{id} is not a Magento {what} id; this is a feedbridge bug"),
        raw: String::new(),
    }
}

fn parse_id(what: &str, id: &str) -> ConnectorResult<u64> {
    id.trim().parse().map_err(|_| bad_id(what, id))
}

impl MagentoClient {
    pub fn new(settings: MagentoSettings, http: reqwest::Client) -> Self {
        let base = settings.api_base.trim().trim_end_matches('/').to_owned();
        let store = settings.store_code.trim().trim_matches('/');
        let store = if store.is_empty() { "default" } else { store };
        Self {
            rest: format!("{base}/rest/{}/V1", auth::percent_encode(store)),
            settings,
            http,
            clock: Arc::new(SystemClock),
        }
    }

    /// Read wall time from `clock` (the daemon's), not the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn secrets(&self) -> Vec<&str> {
        let mut out = vec![self.settings.access_token.expose()];
        for s in [
            &self.settings.consumer_key,
            &self.settings.consumer_secret,
            &self.settings.access_token_secret,
        ]
        .into_iter()
        .flatten()
        {
            out.push(s.expose());
        }
        out
    }

    fn authorization(&self, method: &Method, url: &str, query: &[(String, String)]) -> String {
        let s = &self.settings;
        match (&s.consumer_key, &s.consumer_secret, &s.access_token_secret) {
            (Some(key), Some(secret), Some(token_secret)) => auth::oauth_header(
                &auth::OauthKeys {
                    consumer_key: key.expose(),
                    consumer_secret: secret.expose(),
                    token: s.access_token.expose(),
                    token_secret: token_secret.expose(),
                },
                method.as_str(),
                url,
                query,
                &uuid::Uuid::new_v4().simple().to_string(),
                self.clock.now_secs(),
            ),
            _ => format!("Bearer {}", s.access_token.expose()),
        }
    }

    /// One call to `{rest}{path}`; `Ok(None)` is a 404 for a missing entity.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<&Value>,
    ) -> ConnectorResult<Option<Value>> {
        let url = format!("{}{path}", self.rest);
        let full = if query.is_empty() {
            url.clone()
        } else {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", auth::percent_encode(k), auth::percent_encode(v)))
                .collect();
            format!("{url}?{}", q.join("&"))
        };
        let mut request = self
            .http
            .request(method.clone(), &full)
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, self.authorization(&method, &url, &query));
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let started = Instant::now();
        let response = http::send(PLATFORM, request)
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let text = response
            .text()
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let result = interpret(status, retry_after, path, &text, &self.secrets());
        match &result {
            Ok(_) => {
                tracing::debug!(platform = "magento", %method, path, status = status.as_u16(), elapsed_ms, "Magento call answered.")
            }
            Err(error) => {
                tracing::debug!(platform = "magento", %method, path, status = status.as_u16(), elapsed_ms, error = %error, raw = %error.raw(), "Magento call failed.")
            }
        }
        result
    }

    /// GET `path` into `T`; `None` on 404.
    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Vec<(String, String)>,
    ) -> ConnectorResult<Option<T>> {
        match self.call(Method::GET, path, query, None).await? {
            Some(body) => decode(path, body).map(Some),
            None => Ok(None),
        }
    }

    /// A `getList()` page.
    async fn search<T: DeserializeOwned>(
        &self,
        path: &str,
        criteria: Criteria,
    ) -> ConnectorResult<wire::SearchResult<T>> {
        self.get(path, criteria.into_params())
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Magento answered 404 for the list {path}"),
                raw: String::new(),
            })
    }

    /// POST a JSON body; a 404 is `Rejected` naming `what`.
    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
        what: &str,
    ) -> ConnectorResult<T> {
        match self
            .call(Method::POST, path, Vec::new(), Some(body))
            .await?
        {
            Some(answer) => decode(path, answer),
            None => Err(ConnectorError::Rejected {
                reason: format!("Magento has no {what}; it may have been deleted"),
                raw: String::new(),
            }),
        }
    }
}

#[async_trait]
impl Storefront for MagentoClient {
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        self.store_info().await
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        self.product_page(page_of(cursor)).await
    }

    async fn find_order(&self, tiktok_order_id: &str) -> ConnectorResult<Option<StoreOrderRef>> {
        self.find(tiktok_order_id).await
    }

    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        self.place(order).await
    }

    async fn orders_updated_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        self.updated_since(since, page_of(cursor)).await
    }

    async fn fulfilments(&self, order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        let id = parse_id("order", order_id)?;
        Ok(self
            .shipments_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default())
    }

    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        self.update_of(parse_id("order", order_id)?).await
    }

    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()> {
        self.cancel(parse_id("order", order_id)?, restock).await
    }

    async fn refund_order(&self, order_id: &str, restock: bool) -> ConnectorResult<bool> {
        self.refund_whole(parse_id("order", order_id)?, restock)
            .await
    }

    async fn fulfil_order(
        &self,
        order_id: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        self.ship(parse_id("order", order_id)?, fulfilment).await
    }

    async fn fulfilment_progress(
        &self,
        fulfilment_id: &str,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        self.progress(parse_id("shipment", fulfilment_id)?, progress)
            .await
    }

    async fn add_order_tags(&self, order_id: &str, tags: &[String]) -> ConnectorResult<()> {
        let id = parse_id("order", order_id)?;
        self.comment(id, &format!("TikTok Shop tags: {}.", tags.join(", ")))
            .await
    }

    /// Core Magento has no webhooks: changes are polled.
    async fn register_webhooks(&self, _address: &str) -> ConnectorResult<()> {
        Ok(())
    }

    async fn inventory_levels(
        &self,
        inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<ItemLevels>> {
        self.levels(inventory_item_ids).await
    }

    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>> {
        let Ok(id) = product_id.trim().parse::<u64>() else {
            return Ok(None);
        };
        self.product_by_id(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::answer_kind;

    #[test]
    fn answers_are_classified() {
        let run = |status: u16, body: &str| {
            interpret(
                StatusCode::from_u16(status).unwrap(),
                None,
                "/orders",
                body,
                &["tok123456"],
            )
        };
        let unauthorized = r#"{"message":"The consumer isn't authorized to access %resources.","parameters":{"resources":"Magento_Sales::actions_view"}}"#;
        let table = [
            (200, "5", "data"),
            (200, "<html>", "retryable"),
            (
                404,
                r#"{"message":"The entity that was requested doesn't exist. Verify the entity and try again."}"#,
                "not_found",
            ),
            (
                404,
                r#"{"message":"Request does not match any route."}"#,
                "rejected",
            ),
            (401, unauthorized, "unauthorized"),
            (
                401,
                r#"{"message":"The nonce is already being used by the consumer with ID %1","parameters":[1]}"#,
                "retryable",
            ),
            (
                400,
                r#"{"message":"The requested qty is not available"}"#,
                "rejected",
            ),
            (
                429,
                r#"{"message":"Too Many Requests","trace":null}"#,
                "throttled",
            ),
            (
                500,
                r#"{"message":"Internal Error. Details are available in Magento log file. Report ID: webapi-1"}"#,
                "retryable",
            ),
            (503, "<html>maintenance</html>", "retryable"),
        ];
        for (status, body, expected) in table {
            assert_eq!(answer_kind(&run(status, body)), expected, "{status} {body}");
        }
        let error = run(401, unauthorized).unwrap_err();
        assert!(
            error.to_string().contains("Magento_Sales::actions_view"),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("System > Extensions > Integrations"),
            "{error}"
        );
        let error = run(400, r#"{"message":"bad tok123456"}"#).unwrap_err();
        assert!(!error.to_string().contains("tok123456") && !error.raw().contains("tok123456"));
    }

    #[test]
    fn pages_end_by_total_count() {
        assert_eq!(next_page(1, 250), Some("2".into()));
        assert_eq!(next_page(3, 250), None);
        assert_eq!(next_page(1, 100), None);
        assert_eq!(page_of(Some("0".into())), 1);
    }

    #[test]
    fn criteria_render_as_php_brackets() {
        let params = Criteria::default()
            .filter("updated_at", "gteq", "2024-05-01 10:00:00")
            .sort("updated_at", true)
            .page(100, 2)
            .into_params();
        assert_eq!(
            params[0].0,
            "searchCriteria[filter_groups][0][filters][0][field]"
        );
        assert_eq!(
            params[3],
            (
                "searchCriteria[sortOrders][0][field]".into(),
                "updated_at".into()
            )
        );
        assert_eq!(
            Criteria::default().into_params(),
            vec![("searchCriteria".into(), String::new())]
        );
    }
}
