//! TikTok Shop Open API client (202309 endpoints), per /work/shared/api/tiktok-shop.md.
//!
//! Every call carries `app_key`, `timestamp` and `sign` (§2) in the query and the access token
//! in the `x-tts-access-token` header; shop-scoped calls add the `shop_cipher`, resolved once
//! from `GET /authorization/202309/shops`. Responses are checked on both the HTTP status and
//! the envelope `code` (§1, §8) and classified here into [`ConnectorError`].

pub mod auth;
mod compliance;
mod inventory;
mod listing;
#[cfg(test)]
mod proptests;
mod source_read;
pub mod status;
pub use source_read::{SourceProduct, SourceSku};
mod wire;

use super::budget::{Budget, Priority};
use super::http::{self, Platform};
use super::{
    AuthorizedShop, Category, CategoryAttribute, ConnectorError, ConnectorResult, CreatedProduct,
    NewProduct, Page, RemoteOrder, RemoteProduct, ShippedPackage, ShippingProvider, SkuPrice,
    SkuStock, TikTokShop, UploadedFile, Warehouse, WarehouseKind, WarehouseSetup,
};
use async_trait::async_trait;
use feedbridge_common::compliance::{BrandView, NewOperator, OperatorRole, SizeChartTemplate};
use feedbridge_common::regions::{self, Region};
use feedbridge_common::secret::Secret;
use hmac::{Hmac, Mac};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;
use wire::Envelope;

type HmacSha256 = Hmac<Sha256>;

/// Webhook events the daemon subscribes to.
pub const WEBHOOK_EVENTS: [&str; 7] = [
    "ORDER_STATUS_CHANGE",
    "PRODUCT_STATUS_CHANGE",
    "CANCELLATION_STATUS_CHANGE",
    "RETURN_STATUS_CHANGE",
    "PACKAGE_UPDATE",
    "SELLER_DEAUTHORIZATION",
    "UPCOMING_AUTHORIZATION_EXPIRATION",
];

/// Page size of order searches.
const ORDER_PAGE_SIZE: &str = "50";

/// Page size of return searches (TikTok takes 10 to 50).
const RETURNS_PAGE_SIZE: &str = "50";
/// Page size of product searches.
const PRODUCT_PAGE_SIZE: &str = "100";
/// `orders?ids=` takes at most this many ids.
const ORDER_IDS_PER_CALL: usize = 50;
/// Reason code sent when the store cancelled an order: the merchant cannot fulfil it, which
/// TikTok's seller reason list calls out of stock (§4.5; codes come from the reasons API).
const SELLER_CANCEL_REASON: &str = "seller_cancel_reason_out_of_stock";
/// Which calls wait for which under the shop's rate limit: orders, fulfilment and stock
/// before product pages, categories and the rest.
fn priority_of(path: &str) -> Priority {
    if ["/order/", "/fulfillment/", "/return_refund/", "/inventory"]
        .iter()
        .any(|part| path.contains(part))
    {
        Priority::Urgent
    } else {
        Priority::Background
    }
}

/// Wait after a rate-limit answer that came without `Retry-After`.
const DEFAULT_RATE_LIMIT_PAUSE: Duration = Duration::from_secs(1);
/// Pages followed by [`TikTokClient::find_products_by_seller_sku`] before giving up.
const MAX_SEARCH_PAGES: usize = 100;

/// Envelope codes with a fixed meaning (§8).
mod codes {
    pub const ACCESS_TOKEN_INVALID: i64 = 105_001;
    pub const ACCESS_TOKEN_EXPIRED: i64 = 105_002;
    pub const INVALID_SIGN: i64 = 106_001;
    pub const APP_NOT_AUTHORIZED: i64 = 106_011;
    pub const SCOPE_NOT_AUTHORIZED: i64 = 106_012;
    pub const RATE_LIMITED: i64 = 36_009_003;
    pub const RATE_LIMITED_ALT: i64 = 36_009_004;
}

/// How to reach one TikTok shop.
#[derive(Clone, Debug)]
pub struct TikTokSettings {
    /// Open API base, e.g. `https://open-api.tiktokglobalshop.com` or a sandbox URL.
    pub api_base: String,
    /// Auth (token) base, e.g. `https://auth.tiktok-shops.com`; kept for token refresh.
    pub auth_base: String,
    pub app_key: String,
    pub app_secret: Secret,
    /// The token [`TikTokClient::new`] starts with; shops whose tokens are refreshed get a
    /// shared [`auth::TokenKeeper`] through [`TikTokClient::with_tokens`] instead.
    pub access_token: Secret,
    /// The shop this client is scoped to (its `shop_cipher` is looked up from it).
    pub shop_id: String,
    /// Client-side token bucket rate (§10); clamped to at least 1.
    pub requests_per_second: u32,
}

/// TikTok Shop client for one shop. Cheap to share behind an `Arc`.
pub struct TikTokClient {
    settings: TikTokSettings,
    http: reqwest::Client,
    limiter: Budget,
    shop: OnceCell<AuthorizedShop>,
    /// Where every call reads the current access token; refreshed in place.
    tokens: Arc<auth::TokenKeeper>,
    /// Category attributes by category id, to resolve attribute value names to value ids.
    attributes: tokio::sync::Mutex<HashMap<String, Vec<CategoryAttribute>>>,
}

impl std::fmt::Debug for TikTokClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TikTokClient")
            .field("api_base", &self.settings.api_base)
            .field("app_key", &self.settings.app_key)
            .field("shop_id", &self.settings.shop_id)
            .finish_non_exhaustive()
    }
}

/// Whether a call needs the `shop_cipher`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    App,
    Shop,
}

/// The request signature of §2: HMAC-SHA256 (key `app_secret`) over
/// `app_secret + path + sorted(key+value, excluding sign/access_token) + body + app_secret`,
/// lower-case hex. Pass `body: None` for multipart uploads and bodiless requests.
pub fn sign(
    app_secret: &str,
    path: &str,
    query: &[(String, String)],
    body: Option<&[u8]>,
) -> String {
    let mut params: Vec<&(String, String)> = query
        .iter()
        .filter(|(key, _)| key != "sign" && key != "access_token")
        .collect();
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut message = Vec::with_capacity(256);
    message.extend_from_slice(app_secret.as_bytes());
    message.extend_from_slice(path.as_bytes());
    for (key, value) in params {
        message.extend_from_slice(key.as_bytes());
        message.extend_from_slice(value.as_bytes());
    }
    if let Some(body) = body {
        message.extend_from_slice(body);
    }
    message.extend_from_slice(app_secret.as_bytes());
    hex::encode(hmac_sha256(app_secret.as_bytes(), &message))
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Verify a webhook delivery (§7): the `Authorization` header must be the lower-case hex of
/// HMAC-SHA256(key = app_secret, msg = app_key + raw body). Constant-time.
pub fn verify_webhook(
    app_key: &str,
    app_secret: &str,
    raw_body: &[u8],
    authorization_header: &str,
) -> bool {
    let Ok(given) = hex::decode(authorization_header.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(app_key.as_bytes());
    mac.update(raw_body);
    mac.verify_slice(&given).is_ok()
}

/// The selling currency of a TikTok Shop region code (the regions table).
pub fn currency_for_region(region: &str) -> Option<&'static str> {
    regions::currency(region)
}

/// The `category_version` a region must use (§4.1: US uses the 7-level v2 tree).
fn category_version(region: &str) -> &'static str {
    regions::region(region).map_or("v1", |r| r.category_version.as_str())
}

/// The market of the shop's region; a region feedbridge does not serve is refused (the
/// connection check stops such shops first).
fn market(region: &str) -> ConnectorResult<&'static Region> {
    regions::region(region).ok_or_else(|| ConnectorError::Rejected {
        reason: format!("feedbridge does not serve TikTok Shop region {region:?}"),
        raw: String::new(),
    })
}

/// An id placed in a URL path: refuse anything that would change the path.
fn path_segment<'a>(what: &str, id: &'a str) -> ConnectorResult<&'a str> {
    if id.is_empty() || id.contains(['/', '?', '#', '%', ' ']) {
        return Err(ConnectorError::Rejected {
            reason: format!("Invalid TikTok {what} id {id:?}"),
            raw: String::new(),
        });
    }
    Ok(id)
}

fn money(amount: rust_decimal::Decimal, currency: &str) -> String {
    regions::money(amount, currency)
}

fn measure(value: rust_decimal::Decimal) -> String {
    value.normalize().to_string()
}

/// Classify a TikTok answer: HTTP status plus envelope. `Ok` carries `data` (possibly null).
fn interpret(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &str,
    secrets: &[&str],
) -> Result<(Option<Value>, String), ConnectorError> {
    let redacted = http::redact_text(body, secrets);
    let envelope = serde_json::from_str::<Envelope>(body).ok();
    let Some(Envelope {
        code: Some(code),
        message,
        request_id,
        data,
    }) = envelope
    else {
        // No envelope: a proxy page, an HTML error, an empty body.
        if let Some(error) = http::classify_status(Platform::TikTok, status, retry_after, &redacted)
        {
            return Err(error);
        }
        return Err(ConnectorError::Retryable {
            reason: "TikTok Shop sent a response without the usual envelope; will retry".into(),
            raw: redacted,
            retry_after: None,
        });
    };
    let raw = http::redact_text(
        &format!("code {code}: {message} (request_id {request_id})"),
        secrets,
    );
    if code == 0 {
        if let Some(error) = http::classify_status(Platform::TikTok, status, retry_after, &raw) {
            return Err(error);
        }
        return Ok((data, request_id));
    }
    let message = http::redact_text(&message, secrets);
    Err(match code {
        codes::ACCESS_TOKEN_INVALID | codes::ACCESS_TOKEN_EXPIRED => ConnectorError::Unauthorized {
            reason: "TikTok access token expired or invalid; reauthorize the shop".into(),
            raw,
        },
        codes::APP_NOT_AUTHORIZED | codes::SCOPE_NOT_AUTHORIZED => ConnectorError::Unauthorized {
            reason: format!("TikTok Shop refused access: {message}; reauthorize the shop"),
            raw,
        },
        codes::INVALID_SIGN => ConnectorError::Rejected {
            reason:
                "TikTok Shop rejected the request signature (code 106001); check the app secret, \
                     otherwise this is a feedbridge bug"
                    .into(),
            raw,
        },
        codes::RATE_LIMITED | codes::RATE_LIMITED_ALT => ConnectorError::Throttled {
            reason: "TikTok Shop rate limit reached; will retry".into(),
            raw,
            retry_after: retry_after.or(Some(DEFAULT_RATE_LIMIT_PAUSE)),
        },
        _ if status == StatusCode::TOO_MANY_REQUESTS => ConnectorError::Throttled {
            reason: "TikTok Shop rate limit reached (HTTP 429); will retry".into(),
            raw,
            retry_after: retry_after.or(Some(DEFAULT_RATE_LIMIT_PAUSE)),
        },
        _ if status.is_server_error() => ConnectorError::Retryable {
            reason: format!(
                "TikTok Shop server error (HTTP {}): {message}; will retry",
                status.as_u16()
            ),
            raw,
            retry_after,
        },
        _ if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN => {
            ConnectorError::Unauthorized {
                reason: format!(
                    "TikTok Shop refused the credentials: {message}; reauthorize the shop"
                ),
                raw,
            }
        }
        _ => ConnectorError::Rejected {
            reason: format!("TikTok Shop refused the request: {message} (code {code})"),
            raw,
        },
    })
}

/// Whether TikTok refused a request for what it asked about (a business error about its
/// content, such as an order id the shop does not have) rather than for how it was sent
/// (signature, credentials, limits) or because the shop may not call now.
pub fn refused_content(error: &ConnectorError) -> bool {
    let ConnectorError::Rejected { raw, .. } = error else {
        return false;
    };
    raw.strip_prefix("code ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| code != codes::INVALID_SIGN)
}

/// Whether a classified error's raw text carries one of the rate-limit codes.
fn is_rate_limit_code(raw: &str) -> bool {
    [codes::RATE_LIMITED, codes::RATE_LIMITED_ALT]
        .iter()
        .any(|code| raw.starts_with(&format!("code {code}:")))
}

fn decode<T: DeserializeOwned>(path: &str, data: Option<Value>) -> ConnectorResult<T> {
    let value = match data {
        None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
        Some(value) => value,
    };
    serde_json::from_value(value).map_err(|error| ConnectorError::Rejected {
        reason: format!(
            "TikTok Shop answered {path} in an unexpected shape; this needs a feedbridge update"
        ),
        raw: http::truncate(&error.to_string()),
    })
}

impl TikTokClient {
    /// A client on the fixed token `settings.access_token` (never refreshed).
    pub fn new(settings: TikTokSettings, http: reqwest::Client) -> Self {
        let tokens = auth::TokenPair {
            access_token: settings.access_token.clone(),
            access_expires_at: None,
            refresh_token: Secret::default(),
            refresh_expires_at: None,
        };
        let keeper = Arc::new(auth::TokenKeeper::fixed(&settings, tokens, http.clone()));
        Self::with_tokens(settings, http, keeper)
    }

    /// A client reading its access token from `tokens`, shared with whoever refreshes it.
    pub fn with_tokens(
        settings: TikTokSettings,
        http: reqwest::Client,
        tokens: Arc<auth::TokenKeeper>,
    ) -> Self {
        let per_second = f64::from(settings.requests_per_second.max(1));
        let limiter = Budget::per_call(per_second, per_second);
        Self {
            settings,
            http,
            limiter,
            shop: OnceCell::new(),
            tokens,
            attributes: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.tokens.redaction_values()
    }

    /// The authorized shop this client is scoped to (cipher and region), looked up once.
    pub async fn shop(&self) -> ConnectorResult<&AuthorizedShop> {
        self.shop
            .get_or_try_init(|| async {
                let shops = self.authorized_shops().await?;
                let ids: Vec<&str> = shops.iter().map(|s| s.id.as_str()).collect();
                let raw = format!("authorized shops: {}", ids.join(", "));
                shops
                    .iter()
                    .find(|s| s.id == self.settings.shop_id)
                    .cloned()
                    .ok_or_else(|| ConnectorError::Unauthorized {
                        reason: format!(
                            "TikTok shop {} is not covered by this authorization; reauthorize the shop",
                            self.settings.shop_id
                        ),
                        raw,
                    })
            })
            .await
    }

    /// The full query (business params + cipher + app_key + timestamp) before signing.
    async fn base_query(
        &self,
        scope: Scope,
        mut query: Vec<(String, String)>,
    ) -> ConnectorResult<Vec<(String, String)>> {
        if scope == Scope::Shop {
            let cipher = self.shop().await?.cipher.clone();
            query.push(("shop_cipher".into(), cipher));
        }
        query.push(("app_key".into(), self.settings.app_key.clone()));
        query.push(("timestamp".into(), self.tokens.now_secs().to_string()));
        Ok(query)
    }

    fn url(
        &self,
        path: &str,
        query: &[(String, String)],
        signature: &str,
    ) -> ConnectorResult<reqwest::Url> {
        let base = self.settings.api_base.trim_end_matches('/');
        let mut url = reqwest::Url::parse(&format!("{base}{path}")).map_err(|error| {
            ConnectorError::Rejected {
                reason: format!(
                    "TikTok API base URL {base:?} is not a valid URL; fix the connection settings"
                ),
                raw: error.to_string(),
            }
        })?;
        {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
            pairs.append_pair("sign", signature);
        }
        Ok(url)
    }

    /// A signed JSON call; `data` decoded into `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<&Value>,
        scope: Scope,
    ) -> ConnectorResult<T> {
        let query = self.base_query(scope, query).await?;
        let body =
            body.map(serde_json::to_vec)
                .transpose()
                .map_err(|error| ConnectorError::Rejected {
                    reason: "Could not encode a TikTok Shop request; this is a feedbridge bug"
                        .into(),
                    raw: error.to_string(),
                })?;
        let signature = sign(
            self.settings.app_secret.expose(),
            path,
            &query,
            body.as_deref(),
        );
        let url = self.url(path, &query, &signature)?;
        let data = self
            .send_authorized(&method, path, |token| {
                let mut request = self
                    .http
                    .request(method.clone(), url.clone())
                    .header("x-tts-access-token", token.expose());
                if let Some(body) = &body {
                    request = request
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone());
                }
                Ok(request)
            })
            .await?;
        decode(path, data)
    }

    /// Send, read, classify. Logs one line per call with no query string (it carries `sign`).
    async fn execute(
        &self,
        method: &Method,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> ConnectorResult<Option<Value>> {
        self.limiter.acquire(priority_of(path)).await;
        let started = tokio::time::Instant::now();
        let response = match http::send(Platform::TikTok, request).await {
            Ok(response) => response,
            Err(error) => {
                let error = http::classify_transport(Platform::TikTok, error);
                tracing::debug!(platform = "tiktok", %method, path, error = %error, "TikTok call failed.");
                return Err(error);
            }
        };
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let body = match response.text().await {
            Ok(body) => body,
            Err(error) => return Err(http::classify_transport(Platform::TikTok, error)),
        };
        let secrets = self.secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let result = interpret(status, retry_after, &body, &secrets);
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok((_, request_id)) => tracing::debug!(
                platform = "tiktok",
                %method,
                path,
                status = status.as_u16(),
                request_id = %request_id,
                elapsed_ms,
                "TikTok call succeeded."
            ),
            Err(error) => {
                tracing::debug!(
                    platform = "tiktok",
                    %method,
                    path,
                    status = status.as_u16(),
                    elapsed_ms,
                    error = %error,
                    raw = %error.raw(),
                    "TikTok call failed."
                );
                // A 429 was counted when it arrived; this is a rate-limit code in its body.
                if status != StatusCode::TOO_MANY_REQUESTS && is_rate_limit_code(error.raw()) {
                    crate::metrics::live().platform_throttled(Platform::TikTok);
                }
                if let ConnectorError::Throttled {
                    retry_after: Some(wait),
                    ..
                } = error
                    && (status == StatusCode::TOO_MANY_REQUESTS || is_rate_limit_code(error.raw()))
                {
                    self.limiter.pause_for(*wait);
                }
            }
        }
        result.map(|(data, _)| data)
    }

    /// The category's attributes, fetched once per category.
    async fn cached_attributes(
        &self,
        category_id: &str,
    ) -> ConnectorResult<Vec<CategoryAttribute>> {
        if let Some(known) = self.attributes.lock().await.get(category_id) {
            return Ok(known.clone());
        }
        let fetched = self.category_attributes(category_id).await?;
        self.attributes
            .lock()
            .await
            .insert(category_id.to_owned(), fetched.clone());
        Ok(fetched)
    }

    async fn region(&self) -> ConnectorResult<String> {
        Ok(self.shop().await?.region.clone())
    }
}

fn check_update_errors(
    what: &str,
    product_id: &str,
    data: &wire::UpdateData,
) -> ConnectorResult<()> {
    if data.errors.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = data
        .errors
        .iter()
        .map(wire::WireUpdateError::line)
        .collect();
    Err(ConnectorError::Rejected {
        reason: format!(
            "TikTok Shop refused part of the {what} update of product {product_id}: {}",
            lines.join("; ")
        ),
        raw: http::truncate(&lines.join("\n")),
    })
}

/// Group `(key, item)` pairs by key, keeping first-seen order.
fn group_by_key<K: PartialEq + Clone, V>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Vec<(K, Vec<V>)> {
    let mut groups: Vec<(K, Vec<V>)> = Vec::new();
    for (key, value) in pairs {
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => groups.push((key, vec![value])),
        }
    }
    groups
}

/// One product attribute value: with TikTok's value id when the name is one of the category's
/// listed values (non-customizable attributes require it), else a custom `{name}`.
fn attribute_value(known: &[CategoryAttribute], attribute_id: &str, name: &str) -> Value {
    let listed = known.iter().find(|a| a.id == attribute_id).and_then(|a| {
        a.values
            .iter()
            .find(|(_, value)| value.trim().eq_ignore_ascii_case(name.trim()))
    });
    match listed {
        Some((id, value)) => json!({ "id": id, "name": value }),
        None => json!({ "name": name }),
    }
}

/// The §5.1 create body for a shop in `market` (its category tree and package units).
/// `known` are the category's attributes (may be empty).
fn create_product_body(
    product: &NewProduct,
    market: &Region,
    known: &[CategoryAttribute],
) -> Value {
    let (length, width, height) = product.package_dimensions_cm;
    let (weight_unit, dimension_unit) = (market.weight_unit, market.dimension_unit);
    let length_in_unit = |cm| measure(dimension_unit.from_cm(cm));
    let attributes: Vec<Value> = group_by_key(
        product
            .attributes
            .iter()
            .map(|(id, value)| (id.clone(), value)),
    )
    .into_iter()
    .map(|(id, values)| {
        let values: Vec<Value> = values
            .into_iter()
            .map(|name| attribute_value(known, &id, name))
            .collect();
        json!({ "id": id, "values": values })
    })
    .collect();
    let skus: Vec<Value> = product
        .skus
        .iter()
        .map(|sku| {
            json!({
                "seller_sku": sku.seller_sku,
                "sales_attributes": sku
                    .sales_attributes
                    .iter()
                    .map(|(name, value)| json!({ "name": name, "value_name": value }))
                    .collect::<Vec<_>>(),
                "price": { "amount": money(sku.price, &sku.currency), "currency": sku.currency },
                "inventory": [{ "warehouse_id": sku.warehouse_id, "quantity": sku.quantity }],
                "external_sku_id": sku.external_sku_id,
            })
        })
        .collect();
    let mut body = json!({
        "save_mode": "LISTING",
        "title": product.title,
        "description": product.description_html,
        "category_id": product.category_id,
        "category_version": market.category_version,
        "main_images": product.image_uris.iter().map(|uri| json!({ "uri": uri })).collect::<Vec<_>>(),
        "package_weight": {
            "value": measure(weight_unit.from_kg(product.package_weight_kg)),
            "unit": weight_unit.api_name(),
        },
        "package_dimensions": {
            "length": length_in_unit(length),
            "width": length_in_unit(width),
            "height": length_in_unit(height),
            "unit": dimension_unit.api_name(),
        },
        "product_attributes": attributes,
        "skus": skus,
        "external_product_id": product.external_product_id,
        "idempotency_key": product.idempotency_key,
    });
    compliance::add_to_body(&product.compliance, &mut body);
    body
}

fn image_mime(file_name: &str) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    let extension = lower.rsplit('.').next().unwrap_or_default();
    match extension {
        "png" => "image/png",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "bmp" => "image/bmp",
        _ => "image/jpeg",
    }
}

#[async_trait]
impl TikTokShop for TikTokClient {
    async fn authorized_shops(&self) -> ConnectorResult<Vec<AuthorizedShop>> {
        let data: wire::ShopsData = self
            .call(
                Method::GET,
                "/authorization/202309/shops",
                Vec::new(),
                None,
                Scope::App,
            )
            .await?;
        Ok(data.shops.into_iter().map(Into::into).collect())
    }

    async fn categories(&self) -> ConnectorResult<Vec<Category>> {
        let version = category_version(&self.region().await?);
        let data: wire::CategoriesData = self
            .call(
                Method::GET,
                "/product/202309/categories",
                vec![("category_version".into(), version.into())],
                None,
                Scope::Shop,
            )
            .await?;
        Ok(data.categories.into_iter().map(Into::into).collect())
    }

    async fn category_attributes(
        &self,
        category_id: &str,
    ) -> ConnectorResult<Vec<CategoryAttribute>> {
        let version = category_version(&self.region().await?);
        let path = format!(
            "/product/202309/categories/{}/attributes",
            path_segment("category", category_id)?
        );
        let data: wire::AttributesData = self
            .call(
                Method::GET,
                &path,
                vec![("category_version".into(), version.into())],
                None,
                Scope::Shop,
            )
            .await?;
        Ok(data.attributes.into_iter().map(Into::into).collect())
    }

    async fn upload_image(&self, bytes: Vec<u8>, file_name: &str) -> ConnectorResult<String> {
        const PATH: &str = "/product/202309/images/upload";
        let query = self.base_query(Scope::App, Vec::new()).await?;
        // Multipart: the body is not part of the signature (§2 step 5).
        let signature = sign(self.settings.app_secret.expose(), PATH, &query, None);
        let url = self.url(PATH, &query, &signature)?;
        let data = self
            .send_authorized(&Method::POST, PATH, |token| {
                let part = reqwest::multipart::Part::bytes(bytes.clone())
                    .file_name(file_name.to_owned())
                    .mime_str(image_mime(file_name))
                    .map_err(|error| ConnectorError::Rejected {
                        reason: "Could not build the image upload; this is a feedbridge bug".into(),
                        raw: error.to_string(),
                    })?;
                let form = reqwest::multipart::Form::new()
                    .part("data", part)
                    .text("use_case", "MAIN_IMAGE");
                Ok(self
                    .http
                    .post(url.clone())
                    .header("x-tts-access-token", token.expose())
                    .multipart(form))
            })
            .await?;
        let data: wire::UploadData = decode(PATH, data)?;
        if data.uri.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!("TikTok Shop accepted the image {file_name} but returned no URI"),
                raw: String::new(),
            });
        }
        Ok(data.uri)
    }

    async fn create_product(&self, product: &NewProduct) -> ConnectorResult<CreatedProduct> {
        let market = market(&self.region().await?)?;
        let known = if product.attributes.is_empty() {
            Vec::new()
        } else {
            self.cached_attributes(&product.category_id).await?
        };
        let body = create_product_body(product, market, &known);
        let data: wire::CreateProductData = self
            .call(
                Method::POST,
                "/product/202309/products",
                Vec::new(),
                Some(&body),
                Scope::Shop,
            )
            .await?;
        if data.product_id.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "TikTok Shop accepted product {:?} but returned no product id",
                    product.title
                ),
                raw: String::new(),
            });
        }
        Ok(CreatedProduct {
            product_id: data.product_id,
            skus: data
                .skus
                .into_iter()
                .map(|s| (s.seller_sku, s.id))
                .collect(),
        })
    }

    async fn find_products_by_seller_sku(
        &self,
        seller_skus: &[String],
    ) -> ConnectorResult<Vec<RemoteProduct>> {
        if seller_skus.is_empty() {
            // An empty filter would match the whole catalogue.
            return Ok(Vec::new());
        }
        let body = json!({ "seller_skus": seller_skus });
        let mut products = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let mut query = vec![("page_size".to_owned(), PRODUCT_PAGE_SIZE.to_owned())];
            if let Some(token) = page_token.take() {
                query.push(("page_token".into(), token));
            }
            let data: wire::SearchProductsData = self
                .call(
                    Method::POST,
                    "/product/202309/products/search",
                    query,
                    Some(&body),
                    Scope::Shop,
                )
                .await?;
            products.extend(data.products.into_iter().map(RemoteProduct::from));
            if data.next_page_token.is_empty() {
                return Ok(products);
            }
            page_token = Some(data.next_page_token);
        }
        Err(ConnectorError::Retryable {
            reason: format!(
                "TikTok Shop product search did not finish within {MAX_SEARCH_PAGES} pages"
            ),
            raw: String::new(),
            retry_after: None,
        })
    }

    async fn product(&self, product_id: &str) -> ConnectorResult<RemoteProduct> {
        let path = format!(
            "/product/202309/products/{}",
            path_segment("product", product_id)?
        );
        let data: wire::WireProduct = self
            .call(Method::GET, &path, Vec::new(), None, Scope::Shop)
            .await?;
        let mut product = RemoteProduct::from(data);
        if product.id.is_empty() {
            product.id = product_id.to_owned();
        }
        Ok(product)
    }

    async fn update_inventory(&self, product_id: &str, stock: &[SkuStock]) -> ConnectorResult<()> {
        if stock.is_empty() {
            return Ok(());
        }
        let path = format!(
            "/product/202309/products/{}/inventory/update",
            path_segment("product", product_id)?
        );
        let skus: Vec<Value> = group_by_key(stock.iter().map(|s| (s.sku_id.clone(), s)))
            .into_iter()
            .map(|(id, rows)| {
                json!({
                    "id": id,
                    "inventory": rows
                        .into_iter()
                        .map(|s| json!({ "warehouse_id": s.warehouse_id, "quantity": s.quantity }))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        let body = json!({ "skus": skus });
        let data: wire::UpdateData = self
            .call(Method::POST, &path, Vec::new(), Some(&body), Scope::Shop)
            .await?;
        check_update_errors("stock", product_id, &data)
    }

    async fn update_prices(&self, product_id: &str, prices: &[SkuPrice]) -> ConnectorResult<()> {
        if prices.is_empty() {
            return Ok(());
        }
        let path = format!(
            "/product/202309/products/{}/prices/update",
            path_segment("product", product_id)?
        );
        let skus: Vec<Value> = prices
            .iter()
            .map(|p| json!({ "id": p.sku_id, "price": { "amount": money(p.amount, &p.currency), "currency": p.currency } }))
            .collect();
        let body = json!({ "skus": skus });
        let data: wire::UpdateData = self
            .call(Method::POST, &path, Vec::new(), Some(&body), Scope::Shop)
            .await?;
        check_update_errors("price", product_id, &data)
    }

    async fn warehouses(&self) -> ConnectorResult<Vec<Warehouse>> {
        let data: wire::WarehousesData = self
            .call(
                Method::GET,
                "/logistics/202309/warehouses",
                Vec::new(),
                None,
                Scope::Shop,
            )
            .await?;
        // Return warehouses cannot hold sellable stock.
        Ok(data
            .warehouses
            .into_iter()
            .filter(|w| w.kind != "RETURN_WAREHOUSE")
            .map(Into::into)
            .collect())
    }

    async fn orders_updated_since(
        &self,
        since: i64,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<RemoteOrder>> {
        let mut query = vec![
            ("page_size".to_owned(), ORDER_PAGE_SIZE.to_owned()),
            ("sort_field".to_owned(), "update_time".to_owned()),
            ("sort_order".to_owned(), "ASC".to_owned()),
        ];
        if let Some(token) = cursor.filter(|c| !c.is_empty()) {
            query.push(("page_token".into(), token));
        }
        let body = json!({ "update_time_ge": since });
        let data: wire::OrdersData = self
            .call(
                Method::POST,
                "/order/202309/orders/search",
                query,
                Some(&body),
                Scope::Shop,
            )
            .await?;
        Ok(Page {
            items: data.orders.into_iter().map(Into::into).collect(),
            next: Some(data.next_page_token).filter(|t| !t.is_empty()),
        })
    }

    async fn orders(&self, ids: &[String]) -> ConnectorResult<Vec<RemoteOrder>> {
        let mut orders = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ORDER_IDS_PER_CALL) {
            let data: wire::OrdersData = self
                .call(
                    Method::GET,
                    "/order/202309/orders",
                    vec![("ids".into(), chunk.join(","))],
                    None,
                    Scope::Shop,
                )
                .await?;
            orders.extend(data.orders.into_iter().map(RemoteOrder::from));
        }
        Ok(orders)
    }

    async fn shipping_providers(
        &self,
        delivery_option_id: &str,
    ) -> ConnectorResult<Vec<ShippingProvider>> {
        let path = format!(
            "/logistics/202309/delivery_options/{}/shipping_providers",
            path_segment("delivery option", delivery_option_id)?
        );
        let data: wire::ShippingProvidersData = self
            .call(Method::GET, &path, Vec::new(), None, Scope::Shop)
            .await?;
        Ok(data
            .shipping_providers
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn mark_shipped(
        &self,
        order_id: &str,
        line_item_ids: &[String],
        tracking_number: &str,
        shipping_provider_id: &str,
    ) -> ConnectorResult<ShippedPackage> {
        let path = format!(
            "/fulfillment/202309/orders/{}/packages",
            path_segment("order", order_id)?
        );
        let body = json!({
            "order_line_item_ids": line_item_ids,
            "tracking_number": tracking_number,
            "shipping_provider_id": shipping_provider_id,
        });
        let data: wire::MarkShippedData = self
            .call(Method::POST, &path, Vec::new(), Some(&body), Scope::Shop)
            .await?;
        if data.package_id.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "TikTok Shop accepted the shipment of order {order_id} but returned no package id"
                ),
                raw: String::new(),
            });
        }
        Ok(ShippedPackage {
            package_id: data.package_id,
        })
    }

    async fn all_shipping_providers(&self) -> ConnectorResult<Vec<ShippingProvider>> {
        let mut providers: Vec<ShippingProvider> = Vec::new();
        for warehouse in self.warehouses().await? {
            let path = format!(
                "/logistics/202309/warehouses/{}/delivery_options",
                path_segment("warehouse", &warehouse.id)?
            );
            let data: wire::DeliveryOptionsData = self
                .call(Method::GET, &path, Vec::new(), None, Scope::Shop)
                .await?;
            for option in data.delivery_options {
                for provider in self.shipping_providers(&option.id).await? {
                    if !providers.iter().any(|p| p.id == provider.id) {
                        providers.push(provider);
                    }
                }
            }
        }
        Ok(providers)
    }

    async fn logistics_setup(&self) -> ConnectorResult<Vec<WarehouseSetup>> {
        let data: wire::WarehousesData = self
            .call(
                Method::GET,
                "/logistics/202309/warehouses",
                Vec::new(),
                None,
                Scope::Shop,
            )
            .await?;
        let mut setup = Vec::with_capacity(data.warehouses.len());
        for warehouse in data.warehouses {
            let kind = warehouse.warehouse_kind();
            let mut found = WarehouseSetup {
                id: warehouse.id,
                name: warehouse.name,
                kind,
                effect_status: warehouse.effect_status,
                is_default: warehouse.is_default,
                delivery_options: Vec::new(),
            };
            if kind == WarehouseKind::Sales && found.enabled() {
                let path = format!(
                    "/logistics/202309/warehouses/{}/delivery_options",
                    path_segment("warehouse", &found.id)?
                );
                let options: wire::DeliveryOptionsData = self
                    .call(Method::GET, &path, Vec::new(), None, Scope::Shop)
                    .await?;
                found.delivery_options = options
                    .delivery_options
                    .into_iter()
                    .map(|o| o.name)
                    .collect();
            }
            setup.push(found);
        }
        Ok(setup)
    }

    async fn cancel_order(&self, order_id: &str) -> ConnectorResult<()> {
        let body = json!({
            "order_id": order_id,
            "cancel_reason": SELLER_CANCEL_REASON,
        });
        let _: Value = self
            .call(
                Method::POST,
                "/return_refund/202309/cancellations",
                Vec::new(),
                Some(&body),
                Scope::Shop,
            )
            .await?;
        Ok(())
    }

    async fn cancellations(
        &self,
        order_id: &str,
    ) -> ConnectorResult<Vec<super::RemoteCancellation>> {
        let query = vec![("page_size".to_owned(), "50".to_owned())];
        let body = json!({ "order_ids": [order_id] });
        let data: wire::CancellationsData = self
            .call(
                Method::POST,
                "/return_refund/202309/cancellations/search",
                query,
                Some(&body),
                Scope::Shop,
            )
            .await?;
        Ok(data.cancellations.into_iter().map(Into::into).collect())
    }

    async fn returns(
        &self,
        query: super::ReturnsQuery<'_>,
    ) -> ConnectorResult<Vec<super::RemoteReturn>> {
        let body = match query {
            super::ReturnsQuery::Order(order_id) => json!({ "order_ids": [order_id] }),
            super::ReturnsQuery::UpdatedSince(since) => json!({ "update_time_ge": since }),
        };
        let mut found = Vec::new();
        let mut token = String::new();
        loop {
            let mut query = vec![
                ("page_size".to_owned(), RETURNS_PAGE_SIZE.to_owned()),
                ("sort_field".to_owned(), "update_time".to_owned()),
            ];
            if !token.is_empty() {
                query.push(("page_token".to_owned(), token.clone()));
            }
            let data: wire::ReturnsData = self
                .call(
                    Method::POST,
                    "/return_refund/202309/returns/search",
                    query,
                    Some(&body),
                    Scope::Shop,
                )
                .await?;
            found.extend(data.return_orders.into_iter().map(Into::into));
            if data.next_page_token.is_empty() || data.next_page_token == token {
                return Ok(found);
            }
            token = data.next_page_token;
        }
    }

    async fn approve_cancellation(&self, cancel_id: &str) -> ConnectorResult<()> {
        let path = format!(
            "/return_refund/202309/cancellations/{}/approve",
            path_segment("cancellation", cancel_id)?
        );
        let _: Value = self
            .call(
                Method::POST,
                &path,
                Vec::new(),
                Some(&json!({})),
                Scope::Shop,
            )
            .await?;
        Ok(())
    }

    async fn register_webhooks(&self, address: &str) -> ConnectorResult<()> {
        for event_type in WEBHOOK_EVENTS {
            let body = json!({ "address": address, "event_type": event_type });
            let _: Value = self
                .call(
                    Method::PUT,
                    "/event/202309/webhooks",
                    Vec::new(),
                    Some(&body),
                    Scope::Shop,
                )
                .await?;
            tracing::info!(platform = "tiktok", event_type, "Webhook subscribed.");
        }
        Ok(())
    }

    async fn inventory(
        &self,
        product_ids: &[String],
    ) -> ConnectorResult<Vec<super::RemoteSkuStock>> {
        self.search_inventory(product_ids).await
    }

    async fn active_sku_prices(&self) -> ConnectorResult<Vec<super::RemoteSkuPrice>> {
        self.search_active_prices().await
    }

    async fn edit_product(
        &self,
        product_id: &str,
        product: &NewProduct,
    ) -> ConnectorResult<CreatedProduct> {
        self.put_product(product_id, product).await
    }

    async fn category_rules(&self, category_id: &str) -> ConnectorResult<super::CategoryRules> {
        self.fetch_category_rules(category_id).await
    }

    async fn shop_products(
        &self,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<super::ShopProduct>> {
        self.all_products_page(cursor, None).await
    }

    async fn upload_description_image(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
    ) -> ConnectorResult<String> {
        self.upload_image_for(bytes, file_name, "DESCRIPTION_IMAGE")
            .await
            .map(|(_, url)| url)
    }

    async fn brands(
        &self,
        category_id: Option<&str>,
        name: &str,
    ) -> ConnectorResult<Vec<BrandView>> {
        self.fetch_brands(category_id, name).await
    }

    async fn size_chart_templates(&self, keyword: &str) -> ConnectorResult<Vec<SizeChartTemplate>> {
        self.fetch_size_chart_templates(keyword).await
    }

    async fn upload_compliance_image(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        use_case: &str,
    ) -> ConnectorResult<String> {
        self.upload_use_case_image(bytes, file_name, use_case).await
    }

    async fn upload_file(&self, bytes: Vec<u8>, file_name: &str) -> ConnectorResult<UploadedFile> {
        self.upload_product_file(bytes, file_name).await
    }

    async fn recommend_category(&self, title: &str) -> ConnectorResult<String> {
        self.fetch_recommendation(title).await
    }

    async fn create_operator(
        &self,
        role: OperatorRole,
        operator: &NewOperator,
    ) -> ConnectorResult<String> {
        self.register_operator(role, operator).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::NewSku;
    use rust_decimal::Decimal;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Worked example, computed independently from the §2 rules:
    /// string = "/order/202309/orders/search" + "app_keyabc123" + "page_size50" +
    /// "shop_cipherROW_cipher" + "sort_fieldupdate_time" + "sort_orderASC" +
    /// "timestamp1700000000" + `{"update_time_ge":1700000000}`, wrapped in "s3cr3t".
    #[test]
    fn sign_worked_example() {
        let query = pairs(&[
            ("timestamp", "1700000000"),
            ("sort_order", "ASC"),
            ("app_key", "abc123"),
            ("shop_cipher", "ROW_cipher"),
            ("sort_field", "update_time"),
            ("page_size", "50"),
        ]);
        let body = br#"{"update_time_ge":1700000000}"#;
        assert_eq!(
            sign("s3cr3t", "/order/202309/orders/search", &query, Some(body)),
            "f6863065515ffe51a8ea87d764b3ed318238406051f035e97cf1352c62867363"
        );
    }

    #[test]
    fn sign_excludes_sign_and_access_token() {
        let base = pairs(&[("app_key", "abc123"), ("timestamp", "1700000000")]);
        let mut with_extras = base.clone();
        with_extras.push(("sign".into(), "ignored".into()));
        with_extras.push(("access_token".into(), "tok".into()));
        let expected = "0d2876717010f43495c6da1083412b1037c2e95f9e2d27095c0978a4bdc62c67";
        assert_eq!(
            sign("s3cr3t", "/authorization/202309/shops", &base, None),
            expected
        );
        assert_eq!(
            sign("s3cr3t", "/authorization/202309/shops", &with_extras, None),
            expected
        );
    }

    #[test]
    fn sign_sorts_keys_and_covers_body() {
        let a = pairs(&[("b", "2"), ("a", "1")]);
        let b = pairs(&[("a", "1"), ("b", "2")]);
        assert_eq!(sign("k", "/p", &a, None), sign("k", "/p", &b, None));
        assert_ne!(sign("k", "/p", &a, None), sign("k", "/p", &a, Some(b"{}")));
        assert_ne!(sign("k", "/p", &a, None), sign("k", "/q", &a, None));
        let hex = sign("k", "/p", &a, None);
        assert_eq!(hex.len(), 64);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
    }

    const WEBHOOK_BODY: &[u8] = br#"{"type":1,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621","timestamp":1700000100,"data":{"order_id":"576461413038785752","order_status":"AWAITING_SHIPMENT","update_time":1700000100}}"#;
    const WEBHOOK_SIGNATURE: &str =
        "262d43d9865cdf84c21914a59b1ee1a48a71c25b654d0fea2bc97f1fc93a6930";

    #[test]
    fn webhook_good_signature() {
        assert!(verify_webhook(
            "abc123",
            "s3cr3t",
            WEBHOOK_BODY,
            WEBHOOK_SIGNATURE
        ));
        assert!(verify_webhook(
            "abc123",
            "s3cr3t",
            WEBHOOK_BODY,
            &format!(" {} ", WEBHOOK_SIGNATURE.to_uppercase())
        ));
    }

    #[test]
    fn webhook_bad_signature() {
        assert!(!verify_webhook(
            "abc123",
            "wrong",
            WEBHOOK_BODY,
            WEBHOOK_SIGNATURE
        ));
        assert!(!verify_webhook(
            "other",
            "s3cr3t",
            WEBHOOK_BODY,
            WEBHOOK_SIGNATURE
        ));
        let mut tampered = WEBHOOK_BODY.to_vec();
        tampered[10] ^= 1;
        assert!(!verify_webhook(
            "abc123",
            "s3cr3t",
            &tampered,
            WEBHOOK_SIGNATURE
        ));
        assert!(!verify_webhook("abc123", "s3cr3t", WEBHOOK_BODY, ""));
        assert!(!verify_webhook("abc123", "s3cr3t", WEBHOOK_BODY, "not hex"));
        assert!(!verify_webhook(
            "abc123",
            "s3cr3t",
            WEBHOOK_BODY,
            &WEBHOOK_SIGNATURE[..62]
        ));
    }

    #[test]
    fn region_currencies() {
        let table = [
            ("US", Some("USD")),
            ("GB", Some("GBP")),
            ("UK", Some("GBP")),
            ("SG", Some("SGD")),
            ("VN", Some("VND")),
            ("TH", Some("THB")),
            ("MY", Some("MYR")),
            ("ID", Some("IDR")),
            ("PH", Some("PHP")),
            ("CN", Some("CNY")),
            ("HK", Some("HKD")),
            ("DE", Some("EUR")),
            ("FR", Some("EUR")),
            ("MX", Some("MXN")),
            ("JP", Some("JPY")),
            ("us", Some("USD")),
            ("BR", None),
            ("", None),
        ];
        for (region, currency) in table {
            assert_eq!(currency_for_region(region), currency, "{region}");
        }
        assert_eq!(category_version("US"), "v2");
        assert_eq!(category_version("GB"), "v1");
        assert!(market("JP").is_ok());
        assert!(market("BR").is_err());
    }

    fn kind(result: &Result<(Option<Value>, String), ConnectorError>) -> &'static str {
        match result {
            Ok(_) => "ok",
            Err(ConnectorError::Retryable { .. }) => "retryable",
            Err(ConnectorError::Throttled { .. }) => "throttled",
            Err(ConnectorError::Rejected { .. }) => "rejected",
            Err(ConnectorError::Unauthorized { .. }) => "unauthorized",
        }
    }

    #[test]
    fn error_classification_table() {
        let envelope =
            |code: i64| format!(r#"{{"code":{code},"message":"m","request_id":"r","data":null}}"#);
        let table: Vec<(u16, String, &str)> = vec![
            (200, envelope(0), "ok"),
            (
                200,
                r#"{"code":0,"message":"Success","request_id":"r"}"#.into(),
                "ok",
            ),
            (401, envelope(105_001), "unauthorized"),
            (401, envelope(105_002), "unauthorized"),
            (200, envelope(105_002), "unauthorized"),
            (401, envelope(106_001), "rejected"),
            (403, envelope(106_011), "unauthorized"),
            (200, envelope(36_009_003), "throttled"),
            (429, envelope(36_009_003), "throttled"),
            (429, envelope(12_345), "throttled"),
            (429, String::new(), "throttled"),
            (500, envelope(1), "retryable"),
            (502, "<html>bad gateway</html>".into(), "retryable"),
            (503, String::new(), "retryable"),
            (200, envelope(12_052_001), "rejected"),
            (200, envelope(21_011_001), "rejected"),
            (400, envelope(40_000), "rejected"),
            (401, envelope(99), "unauthorized"),
            (404, "not found".into(), "rejected"),
            (200, "<html>".into(), "retryable"),
        ];
        for (status, body, expected) in table {
            let status = StatusCode::from_u16(status).unwrap();
            let got = interpret(status, None, &body, &[]);
            assert_eq!(kind(&got), expected, "HTTP {status} {body}");
        }
    }

    #[test]
    fn expired_token_message_and_rate_limit_wait() {
        let body = r#"{"code":105002,"message":"Access token is expired","request_id":"r1"}"#;
        match interpret(StatusCode::UNAUTHORIZED, None, body, &[]) {
            Err(ConnectorError::Unauthorized { reason, raw }) => {
                assert_eq!(
                    reason,
                    "TikTok access token expired or invalid; reauthorize the shop"
                );
                assert!(raw.contains("105002") && raw.contains("r1"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let body = r#"{"code":36009003,"message":"Too many requests","request_id":"r2"}"#;
        match interpret(StatusCode::OK, Some(Duration::from_secs(3)), body, &[]) {
            Err(ConnectorError::Throttled { retry_after, .. }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(3)));
            }
            other => panic!("unexpected {other:?}"),
        }
        let body = r#"{"code":12052001,"message":"Title too long","request_id":"r3"}"#;
        match interpret(StatusCode::OK, None, body, &[]) {
            Err(ConnectorError::Rejected { reason, .. }) => {
                assert!(reason.contains("Title too long"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn secrets_never_reach_errors() {
        let body =
            r#"{"code":105001,"message":"token tok-SECRET-123 is invalid","request_id":"r"}"#;
        let error =
            interpret(StatusCode::UNAUTHORIZED, None, body, &["tok-SECRET-123"]).unwrap_err();
        assert!(!error.raw().contains("tok-SECRET-123"));
        assert!(!error.to_string().contains("tok-SECRET-123"));
        let body = r#"{"code":1,"message":"bad app_secret=abcdef","request_id":"r"}"#;
        let error = interpret(StatusCode::OK, None, body, &[]).unwrap_err();
        assert!(!error.to_string().contains("abcdef"), "{error}");
    }

    #[test]
    fn create_body_matches_contract() {
        let product = NewProduct {
            title: "Cotton T-Shirt".into(),
            description_html: "<p>Soft cotton tee</p>".into(),
            category_id: "601226".into(),
            image_uris: vec!["tos-maliva-i-o3syd03w52-us/abc123".into()],
            package_weight_kg: Decimal::new(500, 3),
            package_dimensions_cm: (Decimal::from(10), Decimal::from(8), Decimal::new(25, 1)),
            attributes: vec![
                ("100392".into(), "Cotton".into()),
                ("100393".into(), "Machine wash".into()),
                ("100392".into(), "Polyester".into()),
            ],
            skus: vec![NewSku {
                seller_sku: "TEE-RED-M".into(),
                external_sku_id: "gid://shopify/ProductVariant/123".into(),
                price: Decimal::new(1999, 2),
                currency: "USD".into(),
                warehouse_id: "7068517275539719942".into(),
                quantity: 25,
                sales_attributes: vec![("Color".into(), "Red".into()), ("Size".into(), "M".into())],
            }],
            external_product_id: "gid://shopify/Product/1".into(),
            idempotency_key: "create-gid://shopify/Product/1-v1".into(),
            compliance: Default::default(),
        };
        let known = vec![CategoryAttribute {
            id: "100392".into(),
            name: "Material".into(),
            required: true,
            is_sales_property: false,
            customizable: false,
            multiple: true,
            values: vec![
                ("1001".into(), "Cotton".into()),
                ("1002".into(), "Polyester".into()),
            ],
        }];
        let us = regions::region("US").expect("US");
        let body = create_product_body(&product, us, &known);
        let expected = json!({
            "save_mode": "LISTING",
            "title": "Cotton T-Shirt",
            "description": "<p>Soft cotton tee</p>",
            "category_id": "601226",
            "category_version": "v2",
            "main_images": [{"uri": "tos-maliva-i-o3syd03w52-us/abc123"}],
            // US shops get pounds and inches (0.5 kg, 10 x 8 x 2.5 cm), rounded up.
            "package_weight": {"value": "1.11", "unit": "POUND"},
            "package_dimensions": {"length": "3.94", "width": "3.15", "height": "0.99", "unit": "INCH"},
            "product_attributes": [
                {"id": "100392", "values": [{"id": "1001", "name": "Cotton"}, {"id": "1002", "name": "Polyester"}]},
                {"id": "100393", "values": [{"name": "Machine wash"}]}
            ],
            "skus": [{
                "seller_sku": "TEE-RED-M",
                "sales_attributes": [{"name": "Color", "value_name": "Red"}, {"name": "Size", "value_name": "M"}],
                "price": {"amount": "19.99", "currency": "USD"},
                "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 25}],
                "external_sku_id": "gid://shopify/ProductVariant/123"
            }],
            "external_product_id": "gid://shopify/Product/1",
            "idempotency_key": "create-gid://shopify/Product/1-v1"
        });
        assert_eq!(body, expected);

        // Elsewhere kilograms and centimetres as given, the v1 tree, whole yen in Japan.
        let jp = regions::region("JP").expect("JP");
        let mut in_yen = product.clone();
        in_yen.skus[0].price = Decimal::new(150_000, 2);
        in_yen.skus[0].currency = "JPY".into();
        let body = create_product_body(&in_yen, jp, &known);
        assert_eq!(
            body["package_weight"],
            json!({"value": "0.5", "unit": "KILOGRAM"})
        );
        assert_eq!(
            body["package_dimensions"],
            json!({"length": "10", "width": "8", "height": "2.5", "unit": "CENTIMETER"})
        );
        assert_eq!(body["category_version"], "v1");
        assert_eq!(
            body["skus"][0]["price"],
            json!({"amount": "1500", "currency": "JPY"})
        );
    }

    #[test]
    fn path_segments_are_checked() {
        assert!(path_segment("order", "576461413038785752").is_ok());
        assert!(path_segment("order", "").is_err());
        assert!(path_segment("order", "1/../2").is_err());
        assert!(path_segment("order", "1?x=1").is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let client = TikTokClient::new(
            TikTokSettings {
                api_base: "http://127.0.0.1:1".into(),
                auth_base: "http://127.0.0.1:1".into(),
                app_key: "key".into(),
                app_secret: Secret::new("app-secret-value"),
                access_token: Secret::new("token-value"),
                shop_id: "1".into(),
                requests_per_second: 10,
            },
            reqwest::Client::new(),
        );
        let debug = format!("{client:?}");
        assert!(!debug.contains("app-secret-value") && !debug.contains("token-value"));
    }
}
