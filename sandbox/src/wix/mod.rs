//! Wix REST simulator (wix.md, checked against dev.wix.com): Stores Catalog V1 products and
//! V2 inventory, eCommerce orders and fulfillments, Order Transactions and Order Billing
//! refunds (`billing.rs`), site properties, and app OAuth tokens, on the paths
//! `www.wixapis.com` serves.
//!
//! Every request is checked as Wix's gateway does: `Authorization` carries either an API key
//! of the account (then `wix-site-id` must name the account's site) or an app access token
//! from `POST /oauth2/token` (client credentials of the app's installation, 4 h); anything
//! else is 401 `UNAUTHENTICATED`, a site the key cannot reach 403 `PERMISSION_DENIED`. Then
//! the per-instance rate limit (200 requests a minute, the documented limit; 429
//! `RESOURCE_EXHAUSTED` past it). Errors have Wix's shape: `{"message", "details":
//! {"applicationError": {"code", "description", "data"}}}` or, for bad input,
//! `{"message", "details": {"validationError": {"fieldViolations": [...]}}}`.
//!
//! Webhooks (`hooks.rs`) are sent only to the callback URL a Wix app subscribed in its
//! dashboard (`/_sandbox/app/webhooks`; Wix has no REST call for it), as a JWT signed RS256
//! with the app's key ([`keys`]). Control routes: `control.rs`.
//!
//! Deviations (documented): one inventory location; a tracked quantity never goes below 0
//! (an order for more than is left empties it).

mod billing;
mod catalog;
mod control;
pub(crate) mod hooks;
pub(crate) mod keys;
pub(crate) mod merchant;
mod model;
mod orders;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::SandboxConfig;
use crate::common::{
    Background, CallLog, CallRecord, FAULT_TIMEOUT_HOLD, FaultKind, Faults, Webhooks, lock,
    now_millis,
};
use crate::control::WixCredentials;
use model::State;

/// The documented limit: 200 requests per minute per instance.
pub(crate) const DEFAULT_RATE: u32 = 200;
pub(crate) const DEFAULT_WINDOW: Duration = Duration::from_secs(60);
/// OAuth access tokens live 4 hours.
const TOKEN_TTL_MS: i64 = 4 * 3600 * 1000;

pub(crate) struct Window {
    pub(crate) limit: u32,
    pub(crate) window: Duration,
    started: Instant,
    used: u32,
}

impl Window {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            started: Instant::now(),
            used: 0,
        }
    }

    fn allow(&mut self) -> bool {
        let now = Instant::now();
        if now.duration_since(self.started) >= self.window {
            self.started = now;
            self.used = 0;
        }
        self.used += 1;
        self.used <= self.limit
    }
}

pub(crate) struct Wix {
    pub(crate) state: Mutex<State>,
    pub(crate) creds: WixCredentials,
    /// OAuth access token → expiry (Unix ms).
    tokens: Mutex<BTreeMap<String, i64>>,
    rng: Mutex<StdRng>,
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
    pub(crate) window: Mutex<Window>,
    pub(crate) webhooks: Webhooks,
    /// Where the app's dashboard sends webhooks (none until subscribed).
    pub(crate) callback_url: Mutex<Option<String>>,
}

impl Wix {
    pub(crate) fn new(config: &SandboxConfig, bg: Background, base_url: String) -> Arc<Self> {
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x0000_5717_0a91_0000);
        let mut guid = || {
            let h = format!("{:032x}", rng.random::<u128>());
            format!(
                "{}-{}-4{}-8{}-{}",
                &h[0..8],
                &h[8..12],
                &h[13..16],
                &h[17..20],
                &h[20..32]
            )
        };
        let creds = WixCredentials {
            site_id: guid(),
            api_key: format!("IST.{}", guid().replace('-', "")),
            app_id: guid(),
            app_secret: guid(),
            instance_id: guid(),
            webhook_public_key: keys::APP_PUBLIC_KEY_PEM.to_owned(),
        };
        let state = State::seed(
            crate::shopify::seeded_catalog(config),
            config.seed,
            base_url,
        );
        Arc::new(Self {
            state: Mutex::new(state),
            creds,
            tokens: Mutex::default(),
            rng: Mutex::new(StdRng::seed_from_u64(config.seed ^ 0x7070)),
            calls: CallLog::default(),
            faults: Faults::default(),
            window: Mutex::new(Window::new(DEFAULT_RATE, DEFAULT_WINDOW)),
            webhooks: Webhooks::new(bg),
            callback_url: Mutex::default(),
        })
    }
}

pub(crate) fn router(wix: Arc<Wix>) -> Router {
    Router::new()
        .route("/media/{file}", axum::routing::get(media))
        .merge(control::routes())
        .fallback(api)
        .with_state(wix)
}

async fn media(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match file.strip_suffix(".png") {
        Some(name) if !name.is_empty() => (
            [(axum::http::header::CONTENT_TYPE, "image/png")],
            crate::png::solid_png(name, 800, 800),
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// An error in Wix's shape.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    body: Value,
}

impl ApiError {
    /// `{"message", "details": {"applicationError": {...}}}`.
    pub(crate) fn app(status: StatusCode, code: &str, description: impl Into<String>) -> Self {
        let description = description.into();
        Self {
            status,
            body: json!({"message": description, "details": {"applicationError": {
                "code": code, "description": description, "data": {}}}}),
        }
    }

    /// 400 with one field violation.
    pub(crate) fn invalid(field: &str, description: impl Into<String>) -> Self {
        let description = description.into();
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({"message": format!("INVALID_ARGUMENT: {field} {description}"),
                "details": {"validationError": {"fieldViolations": [{
                    "field": field, "description": description, "violatedRule": "VALIDATION"}]}}}),
        }
    }

    pub(crate) fn not_found(code: &str, description: impl Into<String>) -> Self {
        Self::app(StatusCode::NOT_FOUND, code, description)
    }

    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

pub(crate) type ApiResult = Result<Value, ApiError>;

pub(crate) fn state(wix: &Wix) -> std::sync::MutexGuard<'_, State> {
    lock(&wix.state)
}

/// Every request that is not a control call.
async fn api(
    AxState(wix): AxState<Arc<Wix>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = now_millis();
    let path = uri.path().to_string();
    let operation = format!("{method} {path}");
    let fault = wix.faults.take(&[path.as_str(), operation.as_str()]);
    if fault == Some(FaultKind::LostAnswer) {
        let _carried_out = handle(&wix, &method, &path, &headers, &body);
    }
    let response = match fault {
        Some(kind) => fault_response(kind).await,
        None => handle(&wix, &method, &path, &headers, &body),
    };
    wix.calls.push(CallRecord {
        at_ms: started,
        method: method.to_string(),
        path,
        status: response.status().as_u16(),
        code: None,
        operation: None,
        cost: None,
    });
    response
}

fn throttled() -> ApiError {
    ApiError::app(
        StatusCode::TOO_MANY_REQUESTS,
        "RESOURCE_EXHAUSTED",
        "Too many requests: the rate limit of this app instance was exceeded",
    )
}

async fn fault_response(kind: FaultKind) -> Response {
    match kind {
        FaultKind::RateLimit => throttled().into_response(),
        FaultKind::Http500 => ApiError::app(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "Internal server error",
        )
        .into_response(),
        FaultKind::Timeout | FaultKind::LostAnswer => {
            if kind == FaultKind::Timeout {
                tokio::time::sleep(FAULT_TIMEOUT_HOLD).await;
            }
            (
                StatusCode::GATEWAY_TIMEOUT,
                [("Content-Type", "text/html")],
                "<html><body><h1>504 Gateway Time-out</h1></body></html>",
            )
                .into_response()
        }
    }
}

/// An API key with its site, or a live app access token.
fn authenticate(wix: &Wix, headers: &HeaderMap) -> Result<(), ApiError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    let auth = header("authorization");
    let unauthenticated = || {
        ApiError::app(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Unauthorized: the Authorization header is missing or holds no valid API key or access token",
        )
    };
    if auth.is_empty() {
        return Err(unauthenticated());
    }
    if auth == wix.creds.api_key {
        let site = header("wix-site-id");
        let account = header("wix-account-id");
        if !site.is_empty() && !account.is_empty() {
            return Err(ApiError::invalid(
                "wix-site-id",
                "send either wix-site-id or wix-account-id, not both",
            ));
        }
        if site != wix.creds.site_id {
            return Err(ApiError::app(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "Permission denied: this API call needs the wix-site-id header of a site the API key's account owns",
            ));
        }
        return Ok(());
    }
    let now = now_millis();
    match lock(&wix.tokens).get(&auth) {
        Some(expiry) if *expiry > now => Ok(()),
        Some(_) => Err(ApiError::app(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Unauthorized: the access token expired; request a new one",
        )),
        None => Err(unauthenticated()),
    }
}

fn handle(
    wix: &Arc<Wix>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let json_body = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => v,
            Err(_) => {
                return ApiError::app(
                    StatusCode::BAD_REQUEST,
                    "INVALID_ARGUMENT",
                    "Request body is not valid JSON",
                )
                .into_response();
            }
        }
    };
    if method == Method::POST && segs == ["oauth2", "token"] {
        return match token(wix, &json_body) {
            Ok(v) => axum::Json(v).into_response(),
            Err(e) => e.into_response(),
        };
    }
    if let Err(e) = authenticate(wix, headers) {
        return e.into_response();
    }
    if !lock(&wix.window).allow() {
        return throttled().into_response();
    }
    let m = method.as_str();
    let mut events = Vec::new();
    let result = match segs.as_slice() {
        ["site-properties", "v4", "properties"] if m == "GET" => Ok(catalog::site_properties(wix)),
        ["stores", "v1", "products", rest @ ..] => catalog::products(wix, m, rest, &json_body),
        ["stores", "v2", "inventoryItems", rest @ ..] => {
            catalog::inventory(wix, m, rest, &json_body)
        }
        ["ecom", "v1", "orders", rest @ ..] => orders::route(wix, m, rest, &json_body, &mut events),
        ["ecom", "v1", "payments", "orders", order_id, rest @ ..] => {
            billing::payments(wix, m, order_id, rest, &json_body)
        }
        ["ecom", "v1", "order-billing", action] => {
            billing::order_billing(wix, m, action, &json_body, &mut events)
        }
        ["ecom", "v1", "fulfillments", "orders", order_id, rest @ ..] => {
            orders::fulfillments(wix, m, order_id, rest, &json_body, &mut events)
        }
        _ => Err(ApiError::not_found(
            "NOT_FOUND",
            format!("No such API: {m} {path}"),
        )),
    };
    hooks::dispatch(wix, events);
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /oauth2/token` (client credentials of an app installation).
fn token(wix: &Wix, body: &Value) -> ApiResult {
    let field = |name: &str| body[name].as_str().unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return Err(ApiError::invalid(
            "grant_type",
            "must be client_credentials",
        ));
    }
    if field("client_id") != wix.creds.app_id || field("client_secret") != wix.creds.app_secret {
        return Err(ApiError::app(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Invalid client_id or client_secret",
        ));
    }
    if field("instance_id") != wix.creds.instance_id {
        return Err(ApiError::app(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "The app is not installed on this instance",
        ));
    }
    let token = {
        let mut rng = lock(&wix.rng);
        format!("OauthNG.JWS.{:032x}", rng.random::<u128>())
    };
    lock(&wix.tokens).insert(token.clone(), now_millis() + TOKEN_TTL_MS);
    Ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL_MS / 1000}))
}

impl Wix {
    /// Expires every access token (as if 4 hours had passed).
    pub(crate) fn expire_tokens(&self) {
        for expiry in lock(&self.tokens).values_mut() {
            *expiry = 0;
        }
    }
}
