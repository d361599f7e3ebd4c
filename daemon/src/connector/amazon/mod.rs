//! Amazon Multi-Channel Fulfillment client (SP-API Fulfillment Outbound 2020-07-01 and FBA
//! Inventory v1, per /work/shared/api/amazon-mcf.md), implementing [`Fulfiller`]. The same
//! client reads the seller's catalog when Amazon is the store (`store/`, Listings Items,
//! Catalog Items and Reports), with the same grant.
//!
//! Auth is Login with Amazon: the seller's refresh token is exchanged for an access token,
//! cached until five minutes before it expires and sent as `x-amz-access-token` (no SigV4).
//! An answer saying the token expired refreshes it once. Each operation has its own local
//! token bucket seeded from the published rate and burst (§3), so the client never hammers.

pub mod platform;
#[cfg(test)]
mod proptests;
pub mod store;
mod wire;

use std::time::Duration;
use tokio::time::Instant;

use async_trait::async_trait;
use feedbridge_common::secret::Secret;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use super::budget::{Budget, Priority};
use super::http::{self, Platform};
use super::{
    ConnectorError, ConnectorResult, FbaStock, Fulfiller, FulfilmentOrder, FulfilmentOrderItem,
    FulfilmentPackage, FulfilmentShipment, FulfilmentStatus, NewFulfilmentOrder, Page,
};

/// Refresh the access token this long before Amazon says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Lifetime assumed when LWA does not say (its documented value).
const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(3_600);
/// Wait suggested after a 429 (Amazon sends no `Retry-After`; the buckets refill at 2/s).
const QUOTA_BACKOFF: Duration = Duration::from_secs(1);

const OUTBOUND: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";
const INVENTORY: &str = "/fba/inventory/v1/summaries";

/// What the client needs to reach one seller account.
#[derive(Clone, Debug)]
pub struct AmazonSettings {
    /// SP-API endpoint of the marketplace's region (or the sandbox).
    pub api_base: String,
    /// Login with Amazon token endpoint.
    pub token_url: String,
    /// Amazon's marketplace id, e.g. `ATVPDKIKX0DER`.
    pub marketplace_id: String,
    pub client_id: Secret,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    /// The organization's name, to tell the merchant which secret to replace.
    pub org: String,
}

/// The SP-API operations the client calls, each with its own bucket.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    Inventory,
    Create,
    Get,
    Cancel,
    SearchListings,
    GetCatalogItem,
    CreateReport,
    GetReport,
    GetReportDocument,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Self::Inventory => "getInventorySummaries",
            Self::Create => "createFulfillmentOrder",
            Self::Get => "getFulfillmentOrder",
            Self::Cancel => "cancelFulfillmentOrder",
            Self::SearchListings => "searchListingsItems",
            Self::GetCatalogItem => "getCatalogItem",
            Self::CreateReport => "createReport",
            Self::GetReport => "getReport",
            Self::GetReportDocument => "getReportDocument",
        }
    }
}

struct CachedToken {
    value: Secret,
    refresh_at: Instant,
}

struct Limiters {
    inventory: Budget,
    create: Budget,
    get: Budget,
    cancel: Budget,
    search_listings: Budget,
    catalog_item: Budget,
    create_report: Budget,
    get_report: Budget,
    report_document: Budget,
}

impl Limiters {
    /// Rate and burst per operation from amazon-mcf.md §3 and the models' usage plans
    /// (amazon-seller-central.md §2; Reports 2021-06-30).
    fn new() -> Self {
        Self {
            inventory: Budget::per_call(2.0, 2.0),
            create: Budget::per_call(2.0, 30.0),
            get: Budget::per_call(2.0, 30.0),
            cancel: Budget::per_call(2.0, 30.0),
            search_listings: Budget::per_call(5.0, 5.0),
            catalog_item: Budget::per_call(2.0, 2.0),
            create_report: Budget::per_call(0.0167, 15.0),
            get_report: Budget::per_call(2.0, 15.0),
            report_document: Budget::per_call(0.0167, 15.0),
        }
    }

    fn of(&self, op: Op) -> &Budget {
        match op {
            Op::Inventory => &self.inventory,
            Op::Create => &self.create,
            Op::Get => &self.get,
            Op::Cancel => &self.cancel,
            Op::SearchListings => &self.search_listings,
            Op::GetCatalogItem => &self.catalog_item,
            Op::CreateReport => &self.create_report,
            Op::GetReport => &self.get_report,
            Op::GetReportDocument => &self.report_document,
        }
    }
}

/// An SP-API answer the client understood: the body, or "no such resource".
pub(crate) enum Reply {
    Body(Value),
    NotFound(String),
}

pub struct AmazonClient {
    settings: AmazonSettings,
    http: reqwest::Client,
    token: Mutex<Option<CachedToken>>,
    limiters: Limiters,
}

impl AmazonClient {
    pub fn new(settings: AmazonSettings, http: reqwest::Client) -> Self {
        Self {
            settings: AmazonSettings {
                api_base: settings.api_base.trim_end_matches('/').to_string(),
                ..settings
            },
            http,
            token: Mutex::new(None),
            limiters: Limiters::new(),
        }
    }

    fn secrets(&self) -> [&str; 3] {
        [
            self.settings.client_secret.expose(),
            self.settings.refresh_token.expose(),
            self.settings.client_id.expose(),
        ]
    }

    fn redact(&self, text: &str, access_token: Option<&Secret>) -> String {
        let mut secrets = self.secrets().to_vec();
        if let Some(token) = access_token {
            secrets.push(token.expose());
        }
        http::redact_text(text, &secrets)
    }

    /// The cached access token, or a fresh one from LWA.
    async fn access_token(&self) -> ConnectorResult<Secret> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.value.clone());
        }
        let fresh = self.exchange_refresh_token().await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    /// Drops the cached token if it is still `stale` (another call may have refreshed it).
    async fn forget_token(&self, stale: &Secret) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| t.value == *stale) {
            *cached = None;
        }
    }

    async fn exchange_refresh_token(&self) -> ConnectorResult<CachedToken> {
        let s = &self.settings;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", s.refresh_token.expose()),
            ("client_id", s.client_id.expose()),
            ("client_secret", s.client_secret.expose()),
        ];
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_segment(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .http
            .post(&s.token_url)
            .header(
                CONTENT_TYPE,
                "application/x-www-form-urlencoded;charset=UTF-8",
            )
            .body(body);
        let response = http::send(Platform::Amazon, request)
            .await
            .map_err(|e| http::classify_transport(Platform::Amazon, e))?;
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let text = response
            .text()
            .await
            .map_err(|e| http::classify_transport(Platform::Amazon, e))?;
        if status.is_success() {
            let parsed: wire::TokenResponse =
                serde_json::from_str(&text).map_err(|e| ConnectorError::Retryable {
                    reason:
                        "Login with Amazon answered with an unexpected token response; will retry"
                            .to_string(),
                    raw: format!("{e}"),
                    retry_after: None,
                })?;
            let ttl = parsed
                .expires_in
                .map_or(DEFAULT_TOKEN_TTL, Duration::from_secs);
            return Ok(CachedToken {
                value: Secret::new(parsed.access_token),
                refresh_at: Instant::now() + ttl.saturating_sub(TOKEN_MARGIN),
            });
        }
        let raw = self.redact(&text, None);
        let error: wire::OAuthError = serde_json::from_str(&text).unwrap_or_default();
        let raw = if error.error.is_empty() {
            raw
        } else {
            self.redact(
                &format!(
                    "HTTP {status}: {} ({})",
                    error.error, error.error_description
                ),
                None,
            )
        };
        let org = &s.org;
        match error.error.as_str() {
            "invalid_grant" => Err(ConnectorError::Unauthorized {
                reason: format!(
                    "Amazon no longer accepts feedbridge's authorization; authorize the app again in Seller Central and update amazon.{org}.refresh_token"
                ),
                raw,
            }),
            "invalid_client" | "unauthorized_client" => Err(ConnectorError::Unauthorized {
                reason: format!(
                    "Amazon does not accept feedbridge's app credentials; check amazon.{org}.client_id and amazon.{org}.client_secret"
                ),
                raw,
            }),
            _ => Err(
                http::classify_status(Platform::Amazon, status, retry_after, &raw).unwrap_or(
                    ConnectorError::Retryable {
                        reason: "Login with Amazon failed; will retry".to_string(),
                        raw,
                        retry_after: None,
                    },
                ),
            ),
        }
    }

    /// One SP-API call: local bucket, access token (refreshed once if Amazon says it expired),
    /// and the answer classified.
    pub(crate) async fn call(
        &self,
        op: Op,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> ConnectorResult<Reply> {
        let mut refreshed = false;
        loop {
            // Each operation has its own bucket, so there is no one to go before.
            self.limiters.of(op).acquire(Priority::Urgent).await;
            let token = self.access_token().await?;
            let url = format!("{}{path_and_query}", self.settings.api_base);
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header("x-amz-access-token", token.expose());
            if let Some(body) = body {
                request = request.header(CONTENT_TYPE, "application/json").json(body);
            }
            let response = http::send(Platform::Amazon, request)
                .await
                .map_err(|e| http::classify_transport(Platform::Amazon, e))?;
            let status = response.status();
            // The operation's rate for this seller, where Amazon says it (usage plans differ).
            if let Some(rate) = response
                .headers()
                .get("x-amzn-RateLimit-Limit")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|rate| rate.is_finite() && *rate > 0.0)
            {
                self.limiters.of(op).set_restore_rate(rate);
            }
            let text = response
                .text()
                .await
                .map_err(|e| http::classify_transport(Platform::Amazon, e))?;
            tracing::debug!(
                platform = "amazon",
                operation = op.name(),
                status = status.as_u16(),
                "SP-API call."
            );
            if status.is_success() {
                let value = if text.trim().is_empty() {
                    json!({})
                } else {
                    serde_json::from_str(&text).map_err(|e| ConnectorError::Retryable {
                        reason: format!(
                            "Amazon answered {} with a body feedbridge cannot read; will retry",
                            op.name()
                        ),
                        raw: self.redact(&format!("{e}: {text}"), Some(&token)),
                        retry_after: None,
                    })?
                };
                return Ok(Reply::Body(value));
            }
            let raw = self.redact(&text, Some(&token));
            let errors: wire::ErrorList = serde_json::from_str(&text).unwrap_or_default();
            let first = errors.errors.into_iter().next().unwrap_or_default();
            if status == StatusCode::FORBIDDEN && first.details.contains("expired") && !refreshed {
                self.forget_token(&token).await;
                refreshed = true;
                continue;
            }
            return self.classify(op, status, first, raw).await;
        }
    }

    async fn classify(
        &self,
        op: Op,
        status: StatusCode,
        error: wire::ApiError,
        raw: String,
    ) -> ConnectorResult<Reply> {
        let message = if error.message.is_empty() {
            format!("HTTP {status}")
        } else {
            error.message.clone()
        };
        match status.as_u16() {
            404 => Ok(Reply::NotFound(raw)),
            429 => {
                self.limiters.of(op).pause_for(QUOTA_BACKOFF);
                Err(ConnectorError::Throttled {
                    reason: format!(
                        "Amazon rate limit reached for {} (QuotaExceeded); will retry",
                        op.name()
                    ),
                    raw,
                    retry_after: Some(QUOTA_BACKOFF),
                })
            }
            400 => Err(ConnectorError::Rejected {
                reason: format!("Amazon refused {}: {message}", op.name()),
                raw,
            }),
            401 | 403 => Err(ConnectorError::Unauthorized {
                reason: format!(
                    "Amazon denied access to the Selling Partner API ({message}); authorize the app again in Seller Central and update amazon.{}.refresh_token (an authorization works only at the SP-API endpoint of its region: check the marketplace and api_base of [organization.amazon], or of [organization.store] for an Amazon store)",
                    self.settings.org
                ),
                raw,
            }),
            _ => Err(
                http::classify_status(Platform::Amazon, status, None, &raw).unwrap_or(
                    ConnectorError::Retryable {
                        reason: format!("Amazon answered HTTP {status}; will retry"),
                        raw,
                        retry_after: None,
                    },
                ),
            ),
        }
    }

    fn create_body(&self, order: &NewFulfilmentOrder) -> Value {
        let a = &order.address;
        let mut address = Map::new();
        address.insert("name".into(), json!(order.recipient_name));
        address.insert("addressLine1".into(), json!(a.address1));
        if !a.address2.is_empty() {
            address.insert("addressLine2".into(), json!(a.address2));
        }
        address.insert("city".into(), json!(a.city));
        address.insert("stateOrRegion".into(), json!(state_or_region(a)));
        address.insert("postalCode".into(), json!(a.zip));
        address.insert("countryCode".into(), json!(a.country_code));
        if !a.phone.is_empty() {
            address.insert("phone".into(), json!(a.phone));
        }
        let items: Vec<Value> = order
            .items
            .iter()
            .map(|i| {
                json!({
                    "sellerSku": i.seller_sku,
                    "sellerFulfillmentOrderItemId": i.item_id,
                    "quantity": i.quantity,
                    "perUnitDeclaredValue": {
                        "currencyCode": order.currency,
                        "value": i.per_unit_value.to_string(),
                    },
                })
            })
            .collect();
        json!({
            "marketplaceId": self.settings.marketplace_id,
            "sellerFulfillmentOrderId": order.id,
            "displayableOrderId": order.displayable_id,
            "displayableOrderDate": order.displayable_date,
            "displayableOrderComment": order.comment,
            "shippingSpeedCategory": order.shipping_speed,
            "fulfillmentAction": "Ship",
            "fulfillmentPolicy": order.fill_policy,
            "destinationAddress": address,
            "items": items,
        })
    }
}

/// `stateOrRegion`, which the model requires: the state or county, else (a UK address
/// without a county, the usual case since postcodes replaced them) the post town.
fn state_or_region(address: &super::Address) -> &str {
    let state = address.province.trim();
    if state.is_empty() {
        address.city.trim()
    } else {
        state
    }
}

/// Percent-encodes a path segment, query or form value (everything but RFC 3986 unreserved
/// characters).
pub(crate) fn encode_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `FulfillmentOrderStatus`, case-insensitively and with `_` removed (the model's enum is
/// PascalCase, its examples and older docs upper snake case; §5).
pub fn parse_status(raw: &str) -> Option<FulfilmentStatus> {
    let key: String = raw
        .chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some(match key.as_str() {
        "new" => FulfilmentStatus::New,
        "received" => FulfilmentStatus::Received,
        "planning" => FulfilmentStatus::Planning,
        "processing" => FulfilmentStatus::Processing,
        "complete" => FulfilmentStatus::Complete,
        "completepartialled" => FulfilmentStatus::CompletePartialled,
        "cancelled" => FulfilmentStatus::Cancelled,
        "unfulfillable" => FulfilmentStatus::Unfulfillable,
        "invalid" => FulfilmentStatus::Invalid,
        _ => return None,
    })
}

/// Turns Amazon's "the SellerSKU for Item Id: X is invalid." into words about the SKU.
fn explain_rejection(order: &NewFulfilmentOrder, error: ConnectorError) -> ConnectorError {
    let ConnectorError::Rejected { reason, raw } = error else {
        return error;
    };
    let item_id = raw
        .split("the SellerSKU for Item Id: ")
        .nth(1)
        .and_then(|rest| rest.split(" is invalid").next());
    let sku = item_id.and_then(|id| order.items.iter().find(|i| i.item_id == id));
    match sku {
        Some(item) => ConnectorError::Rejected {
            reason: format!(
                "Amazon does not know SKU {} as FBA stock in this marketplace; send stock of it to FBA or fulfil order {} another way",
                item.seller_sku, order.displayable_id
            ),
            raw,
        },
        None => ConnectorError::Rejected { reason, raw },
    }
}

pub(crate) fn unexpected(what: &str, error: &serde_json::Error, body: &Value) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!("Amazon answered {what} in a shape feedbridge does not understand"),
        raw: http::truncate(&format!("{error}: {body}")),
    }
}

/// One page of `GET /fba/inventory/v1/summaries` (amazon-mcf.md §5).
fn read_inventory(body: &Value) -> ConnectorResult<Page<FbaStock>> {
    let parsed: wire::InventoryResponse = serde_json::from_value(body.clone())
        .map_err(|e| unexpected("the FBA inventory", &e, body))?;
    let items = parsed
        .payload
        .unwrap_or_default()
        .inventory_summaries
        .into_iter()
        .filter_map(|s| {
            Some(FbaStock {
                seller_sku: s.seller_sku.filter(|k| !k.is_empty())?,
                fulfillable: s
                    .inventory_details
                    .and_then(|d| d.fulfillable_quantity)
                    .unwrap_or(0),
            })
        })
        .collect();
    let next = parsed
        .pagination
        .and_then(|p| p.next_token)
        .filter(|t| !t.is_empty());
    Ok(Page { items, next })
}

/// `GET .../fulfillmentOrders/{id}` (amazon-mcf.md §7) as a [`FulfilmentOrder`].
fn read_fulfilment_order(id: &str, body: &Value) -> ConnectorResult<FulfilmentOrder> {
    let parsed: wire::OrderResponse = serde_json::from_value(body.clone())
        .map_err(|e| unexpected("a fulfilment order", &e, body))?;
    let payload = parsed.payload;
    let raw_status = &payload.fulfillment_order.fulfillment_order_status;
    let status = parse_status(raw_status).ok_or_else(|| ConnectorError::Rejected {
        reason: format!(
            "Amazon reports fulfilment order {id} in status {raw_status}, which feedbridge does not know"
        ),
        raw: http::truncate(&body.to_string()),
    })?;
    Ok(FulfilmentOrder {
        id: payload.fulfillment_order.seller_fulfillment_order_id,
        status,
        items: payload
            .fulfillment_order_items
            .into_iter()
            .map(|i| FulfilmentOrderItem {
                seller_sku: i.seller_sku,
                item_id: i.seller_fulfillment_order_item_id,
                quantity: i.quantity,
                cancelled: i.cancelled_quantity,
                unfulfillable: i.unfulfillable_quantity,
            })
            .collect(),
        shipments: payload
            .fulfillment_shipments
            .into_iter()
            .map(|s| FulfilmentShipment {
                amazon_shipment_id: s.amazon_shipment_id,
                status: s.fulfillment_shipment_status.to_ascii_uppercase(),
                packages: s
                    .fulfillment_shipment_package
                    .into_iter()
                    .map(|p| FulfilmentPackage {
                        package_number: p.package_number,
                        carrier_code: p.carrier_code,
                        tracking_number: p.tracking_number.filter(|t| !t.is_empty()),
                    })
                    .collect(),
                items: s
                    .fulfillment_shipment_item
                    .into_iter()
                    .map(|i| {
                        (
                            i.seller_fulfillment_order_item_id,
                            i.quantity,
                            i.package_number.unwrap_or(0),
                        )
                    })
                    .collect(),
            })
            .collect(),
    })
}

impl AmazonClient {
    /// The marketplace the client works in.
    pub(crate) fn marketplace_id(&self) -> &str {
        &self.settings.marketplace_id
    }

    /// The organization, for messages naming its secrets.
    pub(crate) fn org(&self) -> &str {
        &self.settings.org
    }

    /// The shared HTTP client (report documents are fetched without the SP-API token).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// FBA summaries changed at or after `since` (ISO-8601), a page at a time; `since` goes
    /// with every page, as Amazon requires (amazon-mcf.md §7).
    pub(crate) async fn inventory_changed_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<FbaStock>> {
        let m = encode_segment(&self.settings.marketplace_id);
        let mut path = format!(
            "{INVENTORY}?details=true&granularityType=Marketplace&granularityId={m}&marketplaceIds={m}&startDateTime={}",
            encode_segment(since)
        );
        if let Some(token) = &cursor {
            path.push_str("&nextToken=");
            path.push_str(&encode_segment(token));
        }
        match self.call(Op::Inventory, Method::GET, &path, None).await? {
            Reply::Body(body) => read_inventory(&body),
            Reply::NotFound(raw) => Err(ConnectorError::Rejected {
                reason:
                    "Amazon has no FBA inventory endpoint at the configured address; check api_base"
                        .to_string(),
                raw,
            }),
        }
    }
}

#[async_trait]
impl Fulfiller for AmazonClient {
    async fn inventory(&self, cursor: Option<String>) -> ConnectorResult<Page<FbaStock>> {
        let m = encode_segment(&self.settings.marketplace_id);
        let mut path = format!(
            "{INVENTORY}?details=true&granularityType=Marketplace&granularityId={m}&marketplaceIds={m}"
        );
        if let Some(token) = &cursor {
            path.push_str("&nextToken=");
            path.push_str(&encode_segment(token));
        }
        let body = match self.call(Op::Inventory, Method::GET, &path, None).await? {
            Reply::Body(body) => body,
            Reply::NotFound(raw) => {
                return Err(ConnectorError::Rejected {
                    reason: "Amazon has no FBA inventory endpoint at the configured address; check amazon.api_base".to_string(),
                    raw,
                });
            }
        };
        read_inventory(&body)
    }

    async fn create_order(&self, order: &NewFulfilmentOrder) -> ConnectorResult<()> {
        // Amazon cannot look such an order up again (gotcha 1: '+' turns into a space; double
        // spaces are refused), so it must never be created.
        if order.id.contains('+') || order.id.contains("  ") {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "Fulfilment order id {} contains '+' or a double space, which Amazon cannot look up again; this is a feedbridge bug",
                    order.id
                ),
                raw: String::new(),
            });
        }
        let body = self.create_body(order);
        match self.call(Op::Create, Method::POST, OUTBOUND, Some(&body)).await {
            Ok(Reply::Body(_)) => Ok(()),
            Ok(Reply::NotFound(raw)) => Err(ConnectorError::Rejected {
                reason: "Amazon has no fulfilment endpoint at the configured address; check amazon.api_base".to_string(),
                raw,
            }),
            Err(error) => Err(explain_rejection(order, error)),
        }
    }

    async fn fulfilment_order(&self, id: &str) -> ConnectorResult<Option<FulfilmentOrder>> {
        let path = format!("{OUTBOUND}/{}", encode_segment(id));
        let body = match self.call(Op::Get, Method::GET, &path, None).await? {
            Reply::Body(body) => body,
            Reply::NotFound(_) => return Ok(None),
        };
        read_fulfilment_order(id, &body).map(Some)
    }

    async fn cancel_order(&self, id: &str) -> ConnectorResult<()> {
        let path = format!("{OUTBOUND}/{}/cancel", encode_segment(id));
        match self.call(Op::Cancel, Method::PUT, &path, None).await {
            Ok(Reply::Body(_)) => Ok(()),
            Ok(Reply::NotFound(raw)) => Err(ConnectorError::Rejected {
                reason: format!("Amazon has no fulfilment order {id} to cancel"),
                raw,
            }),
            Err(ConnectorError::Rejected { reason, raw }) => Err(ConnectorError::Rejected {
                reason: format!(
                    "Amazon would not cancel fulfilment order {id} (it may already be picked or shipped): {reason}"
                ),
                raw,
            }),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_parsing_ignores_case_and_underscores() {
        assert_eq!(parse_status("Complete"), Some(FulfilmentStatus::Complete));
        assert_eq!(
            parse_status("PROCESSING"),
            Some(FulfilmentStatus::Processing)
        );
        assert_eq!(
            parse_status("COMPLETE_PARTIALLED"),
            Some(FulfilmentStatus::CompletePartialled)
        );
        assert_eq!(
            parse_status("completePartialled"),
            Some(FulfilmentStatus::CompletePartialled)
        );
        assert_eq!(parse_status("Shipped"), None);
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode_segment("TTS-123_a.b~"), "TTS-123_a.b~");
        assert_eq!(encode_segment("a/b c+d"), "a%2Fb%20c%2Bd");
    }
}
