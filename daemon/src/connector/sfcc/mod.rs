//! Salesforce B2C Commerce client: SCAPI Admin APIs (Products, Orders) and the OCAPI Data API
//! 23.2 (product search, inventory records, the site), per `shared/api/salesforce-commerce.md`
//! checked against the Orders (1.5.2), Products (1.2.0) and SLAS (1.50.0) OpenAPI specs in
//! SalesforceCommerceCloud/commerce-sdk.
//!
//! **Authentication.** An Account Manager API client: `POST {am}/dwsso/oauth2/access_token`
//! with `grant_type=client_credentials`, Basic `client_id:client_secret` and
//! `scope=SALESFORCE_COMMERCE_API:{tenant} sfcc.products sfcc.orders.rw` (`tenant` =
//! `{realm}_{instance}` of `f_ecom_{realm}_{instance}`); the token (1799 s) serves the SCAPI
//! Admin APIs and the OCAPI Data API (which also needs the client in Business Manager's OCAPI
//! settings). The Orders API's `createOrders` takes a `ShopperTokenTsob` instead: SLAS
//! `POST /shopper/auth/v1/organizations/{org}/oauth2/trusted-system/token` with a private SLAS
//! client, `hint=ts_ext_on_behalf_of`, `login_id=guest`, `idp_origin=ecom`,
//! `channel_id={site}` (900 s). Both are kept until a minute before they expire and fetched
//! again once on a 401 (an expired or revoked token). See [`auth`].
//!
//! **Ids.** A product is its id (a master's or a standard product's); a variant is its product
//! id, which is its SKU, and so is its `inventory_item_id`. An order is its `orderNo`; a
//! fulfilment is `{orderNo}:{shipmentId}` (a warehouse shipment) or `{orderNo}:tiktok:{n}`
//! (one recorded by feedbridge).
//!
//! **Catalog.** OCAPI `POST /product_search` (`match_all_query`, by `last_modified` ascending,
//! 50 a page, `start` as the cursor, `total` ends it) lists masters and standard products;
//! each is read with SCAPI `getProduct?siteId=` for its variants (`variationValues`), their
//! price (the site's price books, in the site's currency) and ATS.
//!
//! **Stock.** The site's inventory list (OCAPI `inventory_lists/{list}/product_inventory_records
//! /{sku}`): available = `ats`, one level per SKU at the list. Orders created through
//! `createOrders` do not touch inventory ("decoupled"), so feedbridge lowers the allocation by
//! the ordered units after creating the order (read-then-write, so a sale in the same instant
//! can be lost from the count; an order whose answer was lost is found again and not counted
//! twice, nor counted at all if the crash came between the two calls).
//!
//! **Creating an order exactly once.** The Orders API's `createOrders` is documented for
//! "orders from a third-party system, such as a social media platform": a fully calculated,
//! paid order (`channelType: tiktok`, `paymentStatus: paid`, a `TIKTOK_SHOP` payment
//! instrument), decoupled from promotions and price books, so TikTok's prices stand. The
//! TikTok order id is written atomically with the order as the custom attribute
//! `c_tiktokOrderId` (defined on Basket and Order in Business Manager), and the order number is
//! ours (the shop's prefix and the TikTok id, or the TikTok id alone): B2C Commerce refuses a second order
//! with the same number (409), which is then read back and accepted when its `c_tiktokOrderId`
//! matches. [`Storefront::find_order`] scans the orders created in the last
//! [`FIND_WINDOW_DAYS`] days (`getOrders` cannot filter on custom attributes) for the id.
//!
//! **Fulfilment.** Shipments' `trackingNumber` and `shippingStatus` are written by the
//! warehouse or OMS (the Orders API has no call for them); the carrier is the shipment's
//! `c_carrier`, else its shipping method. Tracking from TikTok is recorded in the order's
//! `c_tiktokShipments` (JSON text) with `shippingStatus: shipped`; progress becomes the
//! `externalOrderStatus` (`in_transit`, `delivered`), tags `c_tiktokTags`.
//!
//! **Cancel.** `PUT /orders/{no}/status {"status":"cancelled"}` (from `new`, `open` or
//! `completed`); with `restock` the units go back to the allocation.
//!
//! **Change detection.** No webhooks in B2C Commerce core: `getOrders` by
//! `lastModifiedDateFrom`, `sortBy=last_modified_date`, ascending, 200 a page (`offset` +
//! `limit` ≤ 10000, no total: a short page ends it).
//!
//! **Errors.** SCAPI answers RFC 7807 problems (`type`, `title`, `detail`), OCAPI fault
//! documents (`fault.type`, `fault.message`), the token endpoints `error`/`error_description`:
//! 401 → `Unauthorized` naming Account Manager (after one fresh token); 403 → `Unauthorized`
//! naming the scopes and OCAPI settings; 404 of a missing order or product → `None`, other
//! 404s (site, inventory list) → `Rejected` naming the secrets key; 400/409 → `Rejected` with
//! the detail; 429 and 5xx → `Throttled`/`Retryable` with `Retry-After`.

mod auth;
mod catalog;
mod orders;
mod platform;

use super::http::{self, Platform};
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
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

pub use platform::SfccPlatform;

/// This platform, in error texts and log fields.
const PLATFORM: Platform = Platform::Store(feedbridge_common::config::StorePlatform::Sfcc);
/// How far back [`Storefront::find_order`] looks for an order created for a TikTok order.
pub const FIND_WINDOW_DAYS: i64 = 30;
/// The custom attribute holding the TikTok order id.
pub const TIKTOK_ATTRIBUTE: &str = "c_tiktokOrderId";
const OCAPI_DATA: &str = "/s/-/dw/data/v23_2";
const ACCOUNT_MANAGER: &str = "https://account.demandware.com";

const CLIENT_HINT: &str = "check the API client in Account Manager (API Client: its id and password, the role \"Salesforce Commerce API\" scoped to this organization's tenant, and the allowed scopes sfcc.products and sfcc.orders.rw) and client_id, client_secret and organization_id in [sfcc.<organization>] of the secrets file";
const PERMISSION_HINT: &str = "give the API client the scopes sfcc.products and sfcc.orders.rw in Account Manager, and for OCAPI the resources /product_search, /sites/* and /inventory_lists/** in Business Manager > Administration > Site Development > Open Commerce API Settings (type Data, global); orders are created with the SLAS client (slas_client_id), which needs the scope sfcc.ts_ext_on_behalf_of";

/// How to reach one B2C Commerce organization.
#[derive(Clone, Debug)]
pub struct SfccSettings {
    /// `https://{shortCode}.api.commercecloud.salesforce.com`.
    pub scapi_base: String,
    /// `https://{instance host}` (OCAPI lives under `/s/-/dw/data/v23_2`).
    pub ocapi_base: String,
    /// `https://account.demandware.com`.
    pub account_manager: String,
    pub client_id: Secret,
    pub client_secret: Secret,
    pub organization_id: String,
    pub site_id: String,
    pub inventory_list_id: String,
    pub slas_client_id: Secret,
    pub slas_client_secret: Secret,
}

impl SfccSettings {
    /// `api_base` (the sandbox) answers for every host.
    #[must_use]
    pub fn all_at(mut self, base: &str) -> Self {
        let base = base.trim().trim_end_matches('/').to_owned();
        self.scapi_base.clone_from(&base);
        self.ocapi_base.clone_from(&base);
        self.account_manager = base;
        self
    }

    /// `{realm}_{instance}`.
    fn tenant(&self) -> &str {
        feedbridge_common::stores::sfcc::tenant_of(&self.organization_id).unwrap_or_default()
    }
}

/// Which API (and token) a call uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Api {
    /// SCAPI Admin with the Account Manager token.
    Scapi,
    /// SCAPI with the SLAS trusted-system token (`createOrders`).
    ScapiTsob,
    /// OCAPI Data with the Account Manager token.
    Ocapi,
}

/// An answer as it came: status, body, `Retry-After`.
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    text: String,
}

/// B2C Commerce client. Cheap to share behind an `Arc`.
pub struct SfccClient {
    settings: SfccSettings,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    tokens: auth::Tokens,
}

impl std::fmt::Debug for SfccClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SfccClient")
            .field("scapi_base", &self.settings.scapi_base)
            .field("organization_id", &self.settings.organization_id)
            .finish_non_exhaustive()
    }
}

/// Problem `type` (last path segment), OCAPI `fault.type` or OAuth `error`, and the words.
fn error_of(text: &str) -> (String, String) {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return (String::new(), String::new());
    };
    if let Some(fault) = v.get("fault") {
        let kind = fault["type"].as_str().unwrap_or_default().to_owned();
        return (
            kind,
            fault["message"].as_str().unwrap_or_default().to_owned(),
        );
    }
    if let Some(kind) = v.get("type").and_then(Value::as_str) {
        let short = kind.rsplit('/').next().unwrap_or(kind).to_owned();
        let title = v["title"].as_str().unwrap_or_default();
        let detail = v["detail"].as_str().unwrap_or_default();
        return (
            short,
            format!("{title}: {detail}")
                .trim_matches([' ', ':'])
                .to_owned(),
        );
    }
    if let Some(error) = v.get("error").and_then(Value::as_str) {
        return (
            error.to_owned(),
            v["error_description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    (String::new(), String::new())
}

/// A missing entity the caller asked about (→ `None`), not a misconfiguration.
const MISSING: &[&str] = &[
    "order-not-found",
    "product-not-found",
    "ProductInventoryRecordNotFoundException",
    "ProductNotFoundException",
];

/// Classify one answer; `Ok(None)` is a missing order, product or record.
fn interpret(answer: &Answer, path: &str, secrets: &[&str]) -> ConnectorResult<Option<Value>> {
    let raw = http::truncate(&http::redact_text(&answer.text, secrets));
    let (kind, words) = error_of(&answer.text);
    let words = http::redact_text(&words, secrets);
    let said = if words.is_empty() {
        String::new()
    } else {
        format!(": {words}")
    };
    let code = answer.status.as_u16();
    match code {
        200..=299 => {
            if answer.text.trim().is_empty() {
                return Ok(Some(Value::Null));
            }
            serde_json::from_str(&answer.text).map(Some).map_err(|_| ConnectorError::Retryable {
                reason: "Salesforce B2C Commerce answered with something that is not JSON (a maintenance page or a proxy error); will retry".into(),
                raw,
                retry_after: None,
            })
        }
        404 if MISSING.contains(&kind.as_str()) => Ok(None),
        404 => {
            let fix = match kind.as_str() {
                "site-not-found" | "SiteNotFoundException" => {
                    "check site_id in [sfcc.<organization>] of the secrets file (Business Manager > Administration > Sites > Manage Sites)"
                }
                "InventoryListNotFoundException" => {
                    "check inventory_list_id in [sfcc.<organization>] of the secrets file (Merchant Tools > Products and Catalogs > Inventory)"
                }
                _ => "check shop_domain (the SCAPI short code), organization_id and instance_host",
            };
            Err(ConnectorError::Rejected {
                reason: format!(
                    "Salesforce B2C Commerce has nothing at {path} (HTTP 404{said}); {fix}"
                ),
                raw,
            })
        }
        401 => Err(ConnectorError::Unauthorized {
            reason: format!(
                "Salesforce B2C Commerce refused the API client's token (HTTP 401{said}); {CLIENT_HINT}"
            ),
            raw,
        }),
        403 => Err(ConnectorError::Unauthorized {
            reason: format!(
                "Salesforce B2C Commerce denied the API client access to {path} (HTTP 403{said}); {PERMISSION_HINT}"
            ),
            raw,
        }),
        400..=499 if code != 408 && code != 429 => Err(ConnectorError::Rejected {
            reason: format!(
                "Salesforce B2C Commerce refused the request to {path} (HTTP {code}{said})"
            ),
            raw,
        }),
        _ => Err(
            match http::classify_status(PLATFORM, answer.status, answer.retry_after, &raw) {
                Some(ConnectorError::Retryable {
                    reason,
                    raw,
                    retry_after,
                }) => ConnectorError::Retryable {
                    reason: format!("{reason}{said}"),
                    raw,
                    retry_after,
                },
                Some(ConnectorError::Throttled {
                    reason,
                    raw,
                    retry_after,
                }) => ConnectorError::Throttled {
                    reason: format!("{reason}{said}"),
                    raw,
                    retry_after,
                },
                Some(other) => other,
                None => ConnectorError::Rejected {
                    reason: format!("Salesforce B2C Commerce answered HTTP {code}{said}"),
                    raw,
                },
            },
        ),
    }
}

/// Reads an answer into `T`; the error names what was read and, from serde, the field.
fn decode<T: serde::de::DeserializeOwned>(what: &str, body: Value) -> ConnectorResult<T> {
    serde_json::from_value(body).map_err(|error| ConnectorError::Rejected {
        reason: format!(
            "Salesforce B2C Commerce answered {what} in an unexpected shape ({error}); this needs a feedbridge update"
        ),
        raw: http::truncate(&error.to_string()),
    })
}

/// A JSON number (SCAPI writes prices as numbers) as a decimal, through its shortest text.
fn de_price<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<rust_decimal::Decimal>, D::Error> {
    use serde::Deserialize as _;
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(n) => n
            .to_string()
            .parse::<rust_decimal::Decimal>()
            .or_else(|_| rust_decimal::Decimal::from_scientific(&n.to_string()))
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// Percent-encodes a path segment or query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl SfccClient {
    pub fn new(settings: SfccSettings, http: reqwest::Client) -> Self {
        Self {
            settings,
            http,
            clock: Arc::new(SystemClock),
            tokens: auth::Tokens::default(),
        }
    }

    /// Read wall time from `clock` (the daemon's), not the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn secrets(&self) -> Vec<String> {
        let s = &self.settings;
        let mut out = vec![
            s.client_secret.expose().to_owned(),
            s.slas_client_secret.expose().to_owned(),
        ];
        out.extend(self.tokens.current());
        out
    }

    fn url(&self, api: Api, path: &str, query: &[(&str, String)]) -> String {
        let s = &self.settings;
        let base = match api {
            Api::Scapi | Api::ScapiTsob => s.scapi_base.trim_end_matches('/').to_owned(),
            Api::Ocapi => format!("{}{OCAPI_DATA}", s.ocapi_base.trim_end_matches('/')),
        };
        let mut url = format!("{base}{path}");
        if !query.is_empty() {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{k}={}", enc(v)))
                .collect();
            url = format!("{url}?{}", q.join("&"));
        }
        url
    }

    /// SCAPI path of an admin API: `/{family}/{api}/v1/organizations/{org}{rest}`.
    fn scapi_path(&self, api: &str, rest: &str) -> String {
        format!(
            "/{api}/v1/organizations/{}{rest}",
            enc(&self.settings.organization_id)
        )
    }

    /// One exchange, as it came back.
    async fn exchange(
        &self,
        api: Api,
        method: &Method,
        url: &str,
        body: Option<&Value>,
    ) -> ConnectorResult<Answer> {
        let token = match api {
            Api::Scapi | Api::Ocapi => self.admin_token().await?,
            Api::ScapiTsob => self.tsob_token().await?,
        };
        let mut request = self
            .http
            .request(method.clone(), url)
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, format!("Bearer {}", token.expose()));
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = http::send(PLATFORM, request)
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let text = response
            .text()
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        Ok(Answer {
            status,
            retry_after,
            text,
        })
    }

    /// One call, with a fresh token once on a 401 (the token expired early or was revoked).
    async fn answer(
        &self,
        api: Api,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> ConnectorResult<Answer> {
        let url = self.url(api, path, query);
        let mut answer = self.exchange(api, &method, &url, body).await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            self.tokens.forget(api == Api::ScapiTsob).await;
            answer = self.exchange(api, &method, &url, body).await?;
        }
        tracing::debug!(platform = "sfcc", %method, path, status = answer.status.as_u16(), "Salesforce B2C Commerce call answered.");
        Ok(answer)
    }

    /// One call, classified; `Ok(None)` is a missing order, product or record.
    async fn call(
        &self,
        api: Api,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> ConnectorResult<Option<Value>> {
        let answer = self.answer(api, method, path, query, body).await?;
        let secrets = self.secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let result = interpret(&answer, path, &secrets);
        if let Err(error) = &result {
            tracing::debug!(platform = "sfcc", path, error = %error, raw = %error.raw(), "Salesforce B2C Commerce call failed.");
        }
        result
    }

    fn site(&self) -> (&'static str, String) {
        ("siteId", self.settings.site_id.clone())
    }
}

#[async_trait]
impl Storefront for SfccClient {
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        self.store_info().await
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        let start = cursor.and_then(|c| c.trim().parse().ok()).unwrap_or(0);
        self.product_page(start).await
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
        let offset = cursor.and_then(|c| c.trim().parse().ok()).unwrap_or(0);
        self.updated_since(since, offset).await
    }

    async fn fulfilments(&self, order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        Ok(self
            .update_of(order_id)
            .await?
            .map(|u| u.fulfilments)
            .unwrap_or_default())
    }

    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        self.update_of(order_id).await
    }

    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()> {
        self.cancel(order_id, restock).await
    }

    async fn fulfil_order(
        &self,
        order_id: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        self.ship(order_id, fulfilment).await
    }

    async fn fulfilment_progress(
        &self,
        fulfilment_id: &str,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        self.progress(fulfilment_id, progress).await
    }

    async fn add_order_tags(&self, order_id: &str, tags: &[String]) -> ConnectorResult<()> {
        self.tag(order_id, tags).await
    }

    /// B2C Commerce core has no webhooks: changes are polled.
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
        self.product_by_id(product_id).await
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
                &Answer {
                    status: StatusCode::from_u16(status).unwrap(),
                    retry_after: None,
                    text: body.into(),
                },
                "/orders",
                &["s3cr3tvalue"],
            )
        };
        let problem = |kind: &str, title: &str| {
            format!(
                r#"{{"type":"https://api.commercecloud.salesforce.com/documentation/error/v1/errors/{kind}","title":"{title}","detail":"d"}}"#
            )
        };
        let table = [
            (200, r#"{"data":[]}"#.to_owned(), "data"),
            (201, String::new(), "data"),
            (200, "<html>".to_owned(), "retryable"),
            (404, problem("order-not-found", "Order Not Found"), "not_found"),
            (404, problem("site-not-found", "Site Not Found"), "rejected"),
            (
                404,
                r#"{"_v":"23.2","fault":{"type":"InventoryListNotFoundException","message":"m"}}"#.to_owned(),
                "rejected",
            ),
            (
                404,
                r#"{"_v":"23.2","fault":{"type":"ProductInventoryRecordNotFoundException","message":"m"}}"#.to_owned(),
                "not_found",
            ),
            (401, problem("unauthorized", "Unauthorized"), "unauthorized"),
            (403, problem("forbidden", "Forbidden"), "unauthorized"),
            (400, problem("invalid-order-total", "Invalid Order Total"), "rejected"),
            (409, problem("order-already-exists", "Order Already Exists"), "rejected"),
            (429, problem("too-many-requests", "Too Many Requests"), "throttled"),
            (503, "<html>busy</html>".to_owned(), "retryable"),
        ];
        for (status, body, expected) in table {
            assert_eq!(
                answer_kind(&run(status, &body)),
                expected,
                "{status} {body}"
            );
        }
        let error = run(404, &problem("site-not-found", "Site Not Found")).unwrap_err();
        assert!(error.to_string().contains("site_id"), "{error}");
        let error = run(401, &problem("unauthorized", "Unauthorized")).unwrap_err();
        assert!(error.to_string().contains("Account Manager"), "{error}");
        let error = run(
            400,
            r#"{"type":"x/bad-request","title":"Bad","detail":"s3cr3tvalue"}"#,
        )
        .unwrap_err();
        assert!(!error.to_string().contains("s3cr3tvalue") && !error.raw().contains("s3cr3tvalue"));
    }
}
