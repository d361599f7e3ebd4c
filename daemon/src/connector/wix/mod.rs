//! Wix REST client (`https://www.wixapis.com`): Stores Catalog V1 and Inventory, eCommerce
//! Orders and Order Fulfillments, Site Properties; per `shared/api/wix.md` as corrected by
//! Wix's published docs (dev.wix.com).
//!
//! **Authentication.** Either an API key of the site owner's account (`Authorization: <key>`
//! plus `wix-site-id: <site id>` on every call), or a Wix app installed on the site: a client
//! credentials token from `POST /oauth2/token` (`client_id`, `client_secret`, `instance_id`;
//! 4 h), sent as `Authorization: <token>` and fetched again before it expires (by the
//! daemon's clock) or after a 401. 401/403 are `Unauthorized`, naming what to create where.
//!
//! **Ids.** A product is its GUID. A variant is `"{product id}/{variant id}"` (a product
//! without managed variants has the one variant `00000000-0000-0000-0000-000000000000`): an
//! order line names both. `inventory_item_id` is `"{inventory item id}/{variant id}"` (V1
//! keeps one inventory item per product), read through Get Inventory Variants; Wix Stores V1
//! has one stock location, reported as [`LOCATION`]. An order is its GUID, shown as
//! `#{number}`; a fulfilment is `"{order id}/{fulfillment id}"`.
//!
//! **Stock.** A product whose inventory tracks quantity reports its quantity; one that does
//! not (`trackQuantity: false`) only says in stock or not: in stock counts as
//! [`UNTRACKED_IN_STOCK`], out of stock as 0.
//!
//! **Creating an order exactly once.** Create Order with `channelInfo` `{type:
//! OTHER_PLATFORM, externalOrderId: <TikTok id>}` (Wix: "set channelInfo.type to match the
//! source; if none matches use OTHER_PLATFORM"; TikTok is not among the documented types) and
//! the shipping title `TikTok Shop order <TikTok id>`. Search Orders cannot filter on
//! `channelInfo` (not in its documented filter table), but can on `shippingInfo.title`
//! (`$eq`): [`Storefront::find_order`] searches by the title and accepts only an order whose
//! `channelInfo.externalOrderId` is the TikTok id. The order is created approved and paid;
//! Wix Stores lines (`catalogReference` with the Stores app id) take their units from
//! tracked inventory. `DecrementObeyingPolicy` checks stock first and refuses naming the
//! SKU; `Bypass` sends the lines as custom items (no `catalogReference`), which Wix does not
//! take stock for. A tracked quantity never goes below 0 on Wix, so
//! `DecrementIgnoringPolicy` empties it at most.
//!
//! **Fulfillments.** Create Fulfillment with the order's line item ids and `trackingInfo`
//! (`trackingNumber`, `shippingProvider`: Wix's code for `fedex`, `ups`, `usps`, `dhl`,
//! `canadaPost`, else the carrier's name as a custom provider). Wix fulfillments have no
//! in-transit or delivered state the API sets: [`Storefront::fulfilment_progress`] changes
//! nothing. Wix orders have no tags: the TikTok id lives in `channelInfo`.
//!
//! **Refunds.** [`Storefront::refund_order`] records the refund of every payment as an
//! external refund (TikTok paid the buyer back) through Order Billing, restocking in the same
//! call when asked, once (`refund.rs`).
//!
//! **Webhooks.** Only a Wix app receives them, at the callback URL set in the app's
//! dashboard (Wix has no API for it): [`Storefront::register_webhooks`] logs the address to
//! enter there. Each delivery is a JWT signed RS256, verified with the app's public key
//! (`platform.rs`); the periodic polls (products by `lastUpdated`, orders by `updatedDate`)
//! carry every change without them.
//!
//! **Rate limits and errors.** Wix allows 200 requests a minute per instance: the client
//! keeps to it (a sliding minute of the last [`REQUESTS_PER_WINDOW`] calls), and a 429 is
//! `Throttled` (waited [`THROTTLE_WAIT`] unless `Retry-After` says otherwise). Errors are
//! read from Wix's shape `{"message", "details": {"applicationError": {"code",
//! "description"}} | {"validationError": {"fieldViolations": [...]}}}`; 400/409/428 →
//! `Rejected` with Wix's words; 404 → `None` where the trait allows it; 5xx, timeouts and
//! non-JSON answers → `Retryable`. An answer in an unexpected shape is `Rejected` naming the
//! field.

mod platform;
mod refund;
mod storefront;
mod wire;

pub use platform::WixPlatform;

use super::http::{self, Platform};
use super::{ConnectorError, ConnectorResult};
use crate::clock::{Clock, SystemClock};
use feedbridge_common::secret::Secret;
use feedbridge_common::stores::wix::WixAuth;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

const PLATFORM: Platform = Platform::Store(feedbridge_common::config::StorePlatform::Wix);

/// Wix's API host.
pub const DEFAULT_API_BASE: &str = "https://www.wixapis.com";
/// The one stock location of Wix Stores V1.
pub const LOCATION: &str = "wix";
/// What a variant that does not track quantity and is in stock counts as.
pub const UNTRACKED_IN_STOCK: i64 = 100;
/// How long to wait after a 429 that names no wait (the limit is per minute).
pub const THROTTLE_WAIT: Duration = Duration::from_secs(2);
/// Calls in flight at once to one site.
const MAX_CONCURRENT_REQUESTS: usize = 4;
/// Wix's documented limit: 200 requests a minute per instance.
pub const REQUESTS_PER_WINDOW: usize = 200;
const WINDOW: Duration = Duration::from_secs(60);
/// Fetch a new app token this long before the old one expires.
const TOKEN_MARGIN_SECS: i64 = 300;

const FIX_KEY: &str = "create an API key in the Wix account (Account Settings → API Keys) with the Wix Stores and Wix eCommerce permissions (Manage Products, Manage Orders) and set api_key and the site's id as site_id in [wix.<organization>] of the secrets file";
const FIX_APP: &str = "check app_id, app_secret (the app dashboard's OAuth page) and instance_id (the app's installation on the site) in [wix.<organization>] of the secrets file, and that the app asks for the Wix Stores and eCommerce permissions";

/// An app access token and when it expires (Unix seconds by the daemon's clock).
struct AppToken {
    token: Secret,
    expires_at: i64,
}

/// Wix site client. Cheap to share behind an `Arc`.
pub struct WixClient {
    base: String,
    auth: WixAuth,
    http: reqwest::Client,
    in_flight: Semaphore,
    token: Mutex<Option<AppToken>>,
    /// When the last calls (at most [`REQUESTS_PER_WINDOW`]) were sent.
    sent: Mutex<VecDeque<Instant>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WixClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WixClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// Wix's own words from an error body: message, application error code or the fields.
pub(crate) fn error_message(text: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return String::new();
    };
    let details = &v["details"];
    let app = &details["applicationError"];
    let mut said = app["description"]
        .as_str()
        .or_else(|| v["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    if let Some(code) = app["code"].as_str() {
        said = format!("{code}: {said}");
    }
    let fields: Vec<String> = details["validationError"]["fieldViolations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{} {}",
                f["field"].as_str().unwrap_or_default(),
                f["description"].as_str().unwrap_or_default()
            )
        })
        .collect();
    if !fields.is_empty() {
        said = format!("{said} ({})", fields.join("; "));
    }
    said
}

impl WixClient {
    pub fn new(base: &str, auth: WixAuth, http: reqwest::Client) -> Self {
        Self {
            base: base.trim().trim_end_matches('/').to_owned(),
            auth,
            http,
            in_flight: Semaphore::new(MAX_CONCURRENT_REQUESTS),
            token: Mutex::new(None),
            sent: Mutex::new(VecDeque::new()),
            clock: Arc::new(SystemClock),
        }
    }

    /// Read wall time from `clock` (the daemon's), not the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn secrets(&self) -> Vec<String> {
        match &self.auth {
            WixAuth::ApiKey { api_key, .. } => vec![api_key.expose().to_owned()],
            WixAuth::App { app_secret, .. } => vec![app_secret.expose().to_owned()],
        }
    }

    fn fix(&self) -> &'static str {
        match self.auth {
            WixAuth::ApiKey { .. } => FIX_KEY,
            WixAuth::App { .. } => FIX_APP,
        }
    }

    /// Classify one answer (Wix's words kept, secrets removed).
    fn interpret(
        &self,
        status: StatusCode,
        text: &str,
        extra_secret: Option<&str>,
    ) -> ConnectorResult<Option<Value>> {
        let mut secrets = self.secrets();
        secrets.extend(extra_secret.map(str::to_owned));
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let raw = http::redact_text(text, &secrets);
        let message = http::truncate(&http::redact_text(&error_message(text), &secrets));
        let said = if message.is_empty() {
            String::new()
        } else {
            format!(": {message}")
        };
        let code = status.as_u16();
        match code {
            200..=299 => {
                if text.trim().is_empty() {
                    return Ok(Some(json!({})));
                }
                serde_json::from_str(text)
                    .map(Some)
                    .map_err(|_| ConnectorError::Retryable {
                        reason: "Wix answered with something that is not JSON; will retry".into(),
                        raw,
                        retry_after: None,
                    })
            }
            404 => Ok(None),
            401 => Err(ConnectorError::Unauthorized {
                reason: format!(
                    "Wix refused the credentials (HTTP 401{said}); {}",
                    self.fix()
                ),
                raw,
            }),
            403 => Err(ConnectorError::Unauthorized {
                reason: format!(
                    "Wix denied access (HTTP 403{said}): the site is not one the credentials reach, or a permission is missing; {}",
                    self.fix()
                ),
                raw,
            }),
            400 | 409 | 412 | 428 => Err(ConnectorError::Rejected {
                reason: format!("Wix refused the request (HTTP {code}){said}"),
                raw,
            }),
            429 => Err(ConnectorError::Throttled {
                reason:
                    "Wix rate limit reached (HTTP 429, 200 requests a minute per site); will retry"
                        .into(),
                raw,
                retry_after: Some(THROTTLE_WAIT),
            }),
            _ => Err(match http::classify_status(PLATFORM, status, None, &raw) {
                Some(ConnectorError::Rejected { .. }) | None => ConnectorError::Rejected {
                    reason: format!("Wix refused the request (HTTP {code}){said}"),
                    raw,
                },
                Some(other) => other,
            }),
        }
    }

    /// The app's access token, fetched again when it is (nearly) expired or `renew`.
    async fn app_token(&self, renew: bool) -> ConnectorResult<Secret> {
        let WixAuth::App {
            app_id,
            app_secret,
            instance_id,
        } = &self.auth
        else {
            return Err(ConnectorError::Rejected {
                reason: "Wix app token asked for in API key mode; this is a feedbridge bug".into(),
                raw: String::new(),
            });
        };
        let now = self.clock.now_secs();
        let mut held = self.token.lock().await;
        if !renew
            && let Some(t) = held.as_ref()
            && t.expires_at - TOKEN_MARGIN_SECS > now
        {
            return Ok(t.token.clone());
        }
        let body = json!({"grant_type": "client_credentials", "client_id": app_id,
            "client_secret": app_secret.expose(), "instance_id": instance_id});
        let request = self
            .http
            .post(format!("{}/oauth2/token", self.base))
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body.to_string());
        let response = http::send(PLATFORM, request)
            .await
            .map_err(|e| http::classify_transport(PLATFORM, e))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| http::classify_transport(PLATFORM, e))?;
        let answer = self.interpret(status, &text, None)?.unwrap_or(Value::Null);
        let token = answer["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ConnectorError::Rejected {
                reason: "Wix's token answer has no access_token; check api_base".into(),
                raw: String::new(),
            })?;
        let expires_in = answer["expires_in"].as_i64().unwrap_or(14_400);
        let token = Secret::new(token);
        *held = Some(AppToken {
            token: token.clone(),
            expires_at: now + expires_in,
        });
        Ok(token)
    }

    /// Waits until one more call keeps within [`REQUESTS_PER_WINDOW`] a minute.
    async fn pace(&self) {
        let mut sent = self.sent.lock().await;
        let now = Instant::now();
        while sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            sent.pop_front();
        }
        if sent.len() >= REQUESTS_PER_WINDOW
            && let Some(oldest) = sent.pop_front()
        {
            let until = oldest + WINDOW;
            tracing::info!(
                platform = "wix",
                wait_ms = u64::try_from(until.saturating_duration_since(now).as_millis())
                    .unwrap_or(u64::MAX),
                "Keeping to Wix's 200 requests a minute."
            );
            tokio::time::sleep_until(until).await;
        }
        sent.push_back(Instant::now());
    }

    /// One call: a free slot, the credentials, send, classify. In app mode a 401 fetches a
    /// new token and sends once more.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> ConnectorResult<Option<Value>> {
        let url = format!("{}{path}", self.base);
        let mut renewed = false;
        loop {
            self.pace().await;
            let slot = self.in_flight.acquire().await;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header(ACCEPT, "application/json");
            let token = match &self.auth {
                WixAuth::ApiKey { api_key, site_id } => {
                    request = request
                        .header("Authorization", api_key.expose())
                        .header("wix-site-id", site_id);
                    None
                }
                WixAuth::App { .. } => {
                    let token = self.app_token(renewed).await?;
                    request = request.header("Authorization", token.expose());
                    Some(token)
                }
            };
            if let Some(body) = body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.to_string());
            }
            let response = match http::send(PLATFORM, request).await {
                Ok(response) => response,
                Err(error) => {
                    let error = http::classify_transport(PLATFORM, error);
                    tracing::debug!(platform = "wix", %method, path, error = %error, "Wix call failed.");
                    return Err(error);
                }
            };
            let status = response.status();
            let retry_after = http::retry_after(response.headers());
            let text = response
                .text()
                .await
                .map_err(|e| http::classify_transport(PLATFORM, e))?;
            drop(slot);
            if status == StatusCode::UNAUTHORIZED && token.is_some() && !renewed {
                renewed = true;
                continue;
            }
            let mut result = self.interpret(status, &text, token.as_ref().map(Secret::expose));
            if let Err(ConnectorError::Throttled {
                retry_after: wait, ..
            }) = &mut result
                && retry_after.is_some()
            {
                *wait = retry_after;
            }
            match &result {
                Ok(_) => {
                    tracing::debug!(platform = "wix", %method, path, status = status.as_u16(), "Wix call answered.")
                }
                Err(error) => {
                    tracing::debug!(platform = "wix", %method, path, status = status.as_u16(), error = %error, raw = %error.raw(), "Wix call failed.")
                }
            }
            return result;
        }
    }

    async fn get(&self, path: &str) -> ConnectorResult<Option<Value>> {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> ConnectorResult<Option<Value>> {
        self.call(Method::POST, path, Some(body)).await
    }
}

/// `"{product}/{variant}"` → (product, variant).
pub fn parse_variant_id(id: &str) -> Option<(&str, &str)> {
    let (p, v) = id.trim().split_once('/')?;
    (!p.is_empty() && !v.is_empty()).then_some((p, v))
}

fn bug(what: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!("{what} is not a Wix id; this is a feedbridge bug"),
        raw: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> WixClient {
        WixClient::new(
            "https://www.wixapis.com/",
            WixAuth::ApiKey {
                api_key: Secret::new("IST.secret_key_123"),
                site_id: "3c0c2a2e-5b3f-4c1e-9a43-6b0f6c0a8f21".into(),
            },
            reqwest::Client::new(),
        )
    }

    fn kind(result: &ConnectorResult<Option<Value>>) -> &'static str {
        match result {
            Ok(Some(_)) => "body",
            Ok(None) => "not_found",
            Err(ConnectorError::Retryable { .. }) => "retryable",
            Err(ConnectorError::Throttled { .. }) => "throttled",
            Err(ConnectorError::Rejected { .. }) => "rejected",
            Err(ConnectorError::Unauthorized { .. }) => "unauthorized",
        }
    }

    #[test]
    fn error_mapping_table() {
        let app = |code: &str| {
            format!(
                r#"{{"message":"m","details":{{"applicationError":{{"code":"{code}","description":"d","data":{{}}}}}}}}"#
            )
        };
        let c = client();
        for (status, body, expected) in [
            (200, "{}".to_owned(), "body"),
            (200, "<html>".to_owned(), "retryable"),
            (404, app("ORDER_NOT_FOUND"), "not_found"),
            (401, app("UNAUTHENTICATED"), "unauthorized"),
            (403, app("PERMISSION_DENIED"), "unauthorized"),
            (400, app("CATALOG_ITEM_NOT_FOUND"), "rejected"),
            (428, app("FAILED_PRECONDITION"), "rejected"),
            (429, app("RESOURCE_EXHAUSTED"), "throttled"),
            (500, app("INTERNAL"), "retryable"),
            (503, String::new(), "retryable"),
        ] {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
            assert_eq!(
                kind(&c.interpret(status, &body, None)),
                expected,
                "{status} {body}"
            );
        }
    }

    #[test]
    fn errors_name_the_fix_and_the_field_and_keep_no_secret() {
        let c = client();
        let Err(error) = c.interpret(
            StatusCode::UNAUTHORIZED,
            r#"{"message":"bad key IST.secret_key_123","details":{"applicationError":{"code":"UNAUTHENTICATED","description":"bad key IST.secret_key_123"}}}"#,
            None,
        ) else {
            panic!("expected an error")
        };
        assert!(
            error.to_string().contains("Account Settings → API Keys"),
            "{error}"
        );
        assert!(!error.to_string().contains("secret_key") && !error.raw().contains("secret_key"));
        let Err(error) = c.interpret(
            StatusCode::BAD_REQUEST,
            r#"{"message":"INVALID_ARGUMENT","details":{"validationError":{"fieldViolations":[{"field":"order.currency","description":"is not the site's currency","violatedRule":"VALIDATION"}]}}}"#,
            None,
        ) else {
            panic!("expected an error")
        };
        assert!(
            error
                .to_string()
                .contains("order.currency is not the site's currency"),
            "{error}"
        );
        assert!(!format!("{c:?}").contains("secret_key"));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_keep_to_200_a_minute() {
        let c = client();
        let start = Instant::now();
        for _ in 0..REQUESTS_PER_WINDOW {
            c.pace().await;
        }
        assert!(start.elapsed() < Duration::from_secs(1));
        c.pace().await;
        assert!(start.elapsed() >= WINDOW);
    }

    #[test]
    fn variant_ids_name_the_product() {
        assert_eq!(parse_variant_id("p1/v1"), Some(("p1", "v1")));
        assert_eq!(parse_variant_id("p1"), None);
        assert_eq!(parse_variant_id("/v1"), None);
    }
}
