//! BigCommerce REST Management API simulator (bigcommerce.md, checked against the published
//! OpenAPI specs): `/stores/{store_hash}/v3/...` (Catalog, Inventory, Webhooks, refunds) and
//! `/stores/{store_hash}/v2/...` (Orders, shipments, order statuses, store information).
//!
//! Every request is checked as the API gateway does: `X-Auth-Token` of a store-level API
//! account (missing or unknown → 401; a token of another store or without the scope → 403),
//! then the store's request quota (`X-Rate-Limit-*` headers on every answer, 429 past it).
//! Errors have the shapes BigCommerce sends: V2 a JSON array `[{"status","message"}]`, V3 an
//! object `{"status","title","type","errors"}`; gateway errors (401/403/429) the V3 object on
//! both. Webhooks (`hooks.rs`) are delivered with the hook's custom headers and signed as
//! Standard Webhooks with the API account's client secret. Control routes: `control.rs`.
//!
//! Deviations (documented): webhook destinations on loopback may be plain http on any port
//! (BigCommerce requires https on 443); a new hook fires at once (BigCommerce: up to a minute);
//! a hook is not deactivated after its retries run out.

mod catalog;
mod control;
mod hooks;
mod inventory;
pub(crate) mod merchant;
mod model;
mod order_json;
mod orders;
mod refunds;
mod shipments;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::SandboxConfig;
use crate::common::{
    Background, CallLog, CallRecord, FAULT_TIMEOUT_HOLD, FaultKind, Faults, Webhooks, lock,
    now_millis,
};
use crate::control::BigCommerceAccount;
use hooks::Event;
use model::State;

/// The `type` every V3 error names.
pub(crate) const ERROR_TYPE: &str =
    "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes";
/// Largest `limit` of a list (`413` past it, as the status-code docs say).
pub(crate) const MAX_LIMIT: usize = 250;
/// Standard and Plus plans: 150 requests per 30 s window (api-rate-limits).
pub(crate) const DEFAULT_QUOTA: u32 = 150;
pub(crate) const DEFAULT_WINDOW: Duration = Duration::from_secs(30);
/// How long a scripted `rate_limit` fault says to wait.
const FAULT_RESET: Duration = Duration::from_millis(300);

/// A store-level API account's token.
struct Token {
    token: String,
    read_only: bool,
}

/// The store's request quota: a fixed window shared by every client of the store.
pub(crate) struct Quota {
    pub(crate) quota: u32,
    pub(crate) window: Duration,
    started: Instant,
    used: u32,
}

/// What the gateway says about the quota after counting one request.
struct QuotaState {
    allowed: bool,
    left: u32,
    quota: u32,
    window_ms: u128,
    reset_ms: u128,
}

impl Quota {
    fn new(quota: u32, window: Duration) -> Self {
        Self {
            quota,
            window,
            started: Instant::now(),
            used: 0,
        }
    }

    fn count(&mut self) -> QuotaState {
        let now = Instant::now();
        if now.duration_since(self.started) >= self.window {
            self.started = now;
            self.used = 0;
        }
        let reset = self.window.saturating_sub(now.duration_since(self.started));
        let allowed = self.used < self.quota;
        if allowed {
            self.used += 1;
        }
        QuotaState {
            allowed,
            left: self.quota.saturating_sub(self.used),
            quota: self.quota,
            window_ms: self.window.as_millis(),
            // Rounded up: waiting this long always reaches the next window.
            reset_ms: reset.as_micros().div_ceil(1000).max(1),
        }
    }
}

pub(crate) struct BigCommerce {
    pub(crate) state: Mutex<State>,
    pub(crate) store_hash: String,
    /// The numeric store id webhooks carry as `store_id`.
    pub(crate) store_id: u64,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    tokens: Vec<Token>,
    pub(crate) read_only_token: String,
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
    pub(crate) quota: Mutex<Quota>,
    pub(crate) webhooks: Webhooks,
}

impl BigCommerce {
    pub(crate) fn new(
        config: &SandboxConfig,
        bg: Background,
        base_url: String,
    ) -> (Arc<Self>, BigCommerceAccount) {
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x0b16_c0ff_ee00_0bc0);
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut word = |n: usize| -> String {
            (0..n)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect()
        };
        let account = BigCommerceAccount {
            store_hash: word(10),
            access_token: word(31),
            client_id: word(31),
            client_secret: word(64),
        };
        let read_only_token = word(31);
        let mut state = State::seed(crate::shopify::seeded_catalog(config), base_url.clone());
        state.api_base = format!("{base_url}/stores/{}", account.store_hash);
        let bc = Arc::new(Self {
            state: Mutex::new(state),
            store_hash: account.store_hash.clone(),
            store_id: 1_025_646,
            client_id: account.client_id.clone(),
            client_secret: account.client_secret.clone(),
            tokens: vec![
                Token {
                    token: account.access_token.clone(),
                    read_only: false,
                },
                Token {
                    token: read_only_token.clone(),
                    read_only: true,
                },
            ],
            read_only_token,
            calls: CallLog::default(),
            faults: Faults::default(),
            quota: Mutex::new(Quota::new(DEFAULT_QUOTA, DEFAULT_WINDOW)),
            webhooks: Webhooks::new(bg),
        });
        (bc, account)
    }

    pub(crate) fn set_quota(&self, quota: u32, window: Duration) {
        *lock(&self.quota) = Quota::new(quota, window);
    }
}

pub(crate) fn router(bc: Arc<BigCommerce>) -> Router {
    Router::new()
        .route(
            "/product_images/{file}",
            axum::routing::get(catalog::image_file),
        )
        .merge(control::routes())
        .fallback(api)
        .with_state(bc)
}

/// Which API family a request went to; decides the error shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    V2,
    V3,
}

/// How an error body is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// V2 array or V3 object, by the request's version.
    ByVersion,
    /// The API gateway's object, whatever the version (auth, scope, quota).
    Gateway,
    /// The Webhooks spec's object (its `type` is the relative docs path).
    Hooks,
    /// A 415 as the Catalog spec documents it: an HTML page.
    Html,
    /// Create a Refund's 422: the V3 object inside `{"data": [...]}`.
    RefundData,
}

#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    /// V2 `message` / V3 `title`.
    pub(crate) message: String,
    /// V2 `details`.
    pub(crate) details: Option<Value>,
    /// V3 `errors` (field → message).
    pub(crate) errors: Option<Map<String, Value>>,
    pub(crate) shape: Shape,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: None,
            errors: None,
            shape: Shape::ByVersion,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// V2 `The field 'x' is invalid.`
    pub(crate) fn invalid_field(field: &str) -> Self {
        Self::bad_request(format!("The field '{field}' is invalid."))
    }

    /// V3 422 with one field error.
    pub(crate) fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Map::new();
        errors.insert(field.to_string(), Value::String(message.into()));
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "JSON data is missing or invalid",
        )
        .with_errors(errors)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    #[must_use]
    pub(crate) fn with_errors(mut self, errors: Map<String, Value>) -> Self {
        self.errors = Some(errors);
        self
    }

    #[must_use]
    pub(crate) fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    #[must_use]
    pub(crate) fn shaped(mut self, shape: Shape) -> Self {
        self.shape = shape;
        self
    }

    fn gateway(status: StatusCode, title: &str) -> Self {
        Self::new(status, title)
            .with_errors(Map::new())
            .shaped(Shape::Gateway)
    }

    fn into_response(self, version: Version) -> Response {
        let object = |type_: &str| {
            let mut body =
                json!({"status": self.status.as_u16(), "title": self.message, "type": type_});
            if let Some(errors) = &self.errors {
                body["errors"] = Value::Object(errors.clone());
            }
            body
        };
        match (self.shape, version) {
            (Shape::Html, _) => (
                self.status,
                [("Content-Type", "text/html; charset=UTF-8")],
                format!("<html><body><h1>{}</h1></body></html>", self.message),
            )
                .into_response(),
            (Shape::Hooks, _) => (
                self.status,
                axum::Json(object("/api-docs/getting-started/api-status-codes")),
            )
                .into_response(),
            (Shape::RefundData, _) => (
                self.status,
                axum::Json(json!({"data": [object(ERROR_TYPE)]})),
            )
                .into_response(),
            (Shape::Gateway, _) | (Shape::ByVersion, Version::V3) => {
                (self.status, axum::Json(object(ERROR_TYPE))).into_response()
            }
            (Shape::ByVersion, Version::V2) => {
                let mut entry = json!({"status": self.status.as_u16(), "message": self.message});
                if let Some(details) = &self.details {
                    entry["details"] = details.clone();
                }
                (self.status, axum::Json(json!([entry]))).into_response()
            }
        }
    }
}

/// A successful answer; `body: None` is an empty body (204).
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<Value>,
}

impl Reply {
    pub(crate) fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
        }
    }

    pub(crate) fn created(body: Value) -> Self {
        Self {
            status: StatusCode::CREATED,
            body: Some(body),
        }
    }

    pub(crate) fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
        }
    }
}

pub(crate) type ApiResult = Result<Reply, ApiError>;

/// A request as the endpoint handlers see it.
pub(crate) struct Ctx {
    pub(crate) version: Version,
    /// Decoded query parameters in request order.
    pub(crate) query: Vec<(String, String)>,
    /// The JSON body, `Null` when there is none.
    pub(crate) body: Value,
    /// The API account the token belongs to (owner of its webhooks).
    pub(crate) client_id: String,
}

impl Ctx {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A comma-separated id list (`id:in=1,2`); `Err` names the parameter.
    pub(crate) fn id_list(&self, name: &str) -> Result<Option<Vec<u64>>, ApiError> {
        let Some(raw) = self.param(name) else {
            return Ok(None);
        };
        raw.split(',')
            .map(|s| s.trim().parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
            .map_err(|_| self.invalid_param(name))
    }

    pub(crate) fn invalid_param(&self, name: &str) -> ApiError {
        match self.version {
            Version::V2 => ApiError::invalid_field(name),
            Version::V3 => {
                ApiError::unprocessable(name, format!("The value of '{name}' is invalid."))
            }
        }
    }

    /// `page` and `limit` (default `default_limit`); `limit` over 250 is 413.
    pub(crate) fn paging(&self, default_limit: usize) -> Result<(usize, usize), ApiError> {
        self.paging_up_to(default_limit, MAX_LIMIT)
    }

    /// `page` and `limit`; `limit` over `max` is 413.
    pub(crate) fn paging_up_to(
        &self,
        default_limit: usize,
        max: usize,
    ) -> Result<(usize, usize), ApiError> {
        let int = |name: &str, default: usize| match self.param(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|v| *v >= 1)
                .ok_or_else(|| self.invalid_param(name)),
        };
        let page = int("page", 1)?;
        let limit = int("limit", default_limit)?;
        if limit > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The limit parameter may not exceed {max}."),
            ));
        }
        Ok((page, limit))
    }
}

/// A V3 collection page: `{"data": [...], "meta": {"pagination": {...}}}` with links built
/// from the request's own query (`?include=variants&page=2&limit=50`).
pub(crate) fn v3_page(ctx: &Ctx, all: Vec<Value>, page: usize, limit: usize) -> Reply {
    v3_page_with(ctx, all, page, limit, |v| v)
}

/// [`v3_page`] over anything: only the page's items are turned into JSON (`to_json`).
pub(crate) fn v3_page_with<T>(
    ctx: &Ctx,
    all: Vec<T>,
    page: usize,
    limit: usize,
    to_json: impl Fn(T) -> Value,
) -> Reply {
    let total = all.len();
    let total_pages = total.div_ceil(limit);
    let items: Vec<Value> = all
        .into_iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .map(to_json)
        .collect();
    let link = |n: usize| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in ctx
            .query
            .iter()
            .filter(|(k, _)| k != "page" && k != "limit")
        {
            ser.append_pair(k, v);
        }
        ser.append_pair("page", &n.to_string());
        ser.append_pair("limit", &limit.to_string());
        Value::String(format!("?{}", ser.finish()))
    };
    let mut links = Map::new();
    if page > 1 {
        links.insert("previous".into(), link(page - 1));
    }
    links.insert("current".into(), link(page));
    if page < total_pages {
        links.insert("next".into(), link(page + 1));
    }
    Reply::ok(json!({
        "data": items,
        "meta": {"pagination": {
            "total": total,
            "count": items.len(),
            "per_page": limit,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }},
    }))
}

/// V2 collections: the page as an array, or 204 with no body when it is empty.
pub(crate) fn v2_page(all: Vec<Value>, page: usize, limit: usize) -> Reply {
    v2_page_with(all, page, limit, |v| v)
}

/// [`v2_page`] over anything: only the page's items are turned into JSON (`to_json`).
pub(crate) fn v2_page_with<T>(
    all: Vec<T>,
    page: usize,
    limit: usize,
    to_json: impl Fn(T) -> Value,
) -> Reply {
    let items: Vec<Value> = all
        .into_iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .map(to_json)
        .collect();
    if items.is_empty() {
        Reply::no_content()
    } else {
        Reply::ok(Value::Array(items))
    }
}

/// Parses a path segment as a numeric id.
pub(crate) fn seg_id(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

pub(crate) fn state(bc: &BigCommerce) -> std::sync::MutexGuard<'_, State> {
    lock(&bc.state)
}

/// Every non-control request: faults, the gateway (auth, quota), routing, the endpoint.
async fn api(
    AxState(bc): AxState<Arc<BigCommerce>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = now_millis();
    let path = uri.path().to_string();
    let operation = format!("{method} {path}");
    // Also without `/stores/{hash}`, so a fault can be aimed without knowing the hash.
    let in_store = path
        .strip_prefix(&format!("/stores/{}", bc.store_hash))
        .map(|rest| format!("{method} {rest}"))
        .unwrap_or_default();
    let fault = bc
        .faults
        .take(&[path.as_str(), operation.as_str(), in_store.as_str()]);
    if fault == Some(FaultKind::LostAnswer) {
        let _carried_out = handle(&bc, &method, &uri, &headers, &body);
    }
    let response = match fault {
        Some(kind) => fault_response(kind, version_of(&path)).await,
        None => handle(&bc, &method, &uri, &headers, &body),
    };
    bc.calls.push(CallRecord {
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

fn version_of(path: &str) -> Version {
    if path.split('/').nth(3) == Some("v2") {
        Version::V2
    } else {
        Version::V3
    }
}

async fn fault_response(kind: FaultKind, version: Version) -> Response {
    match kind {
        FaultKind::RateLimit => {
            let mut resp = ApiError::gateway(
                StatusCode::TOO_MANY_REQUESTS,
                "You have exceeded your request quota for this time window.",
            )
            .into_response(version);
            add_quota_headers(
                &mut resp,
                &QuotaState {
                    allowed: false,
                    left: 0,
                    quota: DEFAULT_QUOTA,
                    window_ms: DEFAULT_WINDOW.as_millis(),
                    reset_ms: FAULT_RESET.as_millis(),
                },
            );
            resp
        }
        FaultKind::Http500 => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                .into_response(version)
        }
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

fn add_quota_headers(resp: &mut Response, q: &QuotaState) {
    for (name, value) in [
        ("X-Rate-Limit-Time-Window-Ms", q.window_ms.to_string()),
        ("X-Rate-Limit-Time-Reset-Ms", q.reset_ms.to_string()),
        ("X-Rate-Limit-Requests-Quota", q.quota.to_string()),
        ("X-Rate-Limit-Requests-Left", q.left.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(name, v);
        }
    }
}

fn handle(
    bc: &Arc<BigCommerce>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let path = uri.path();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (hash, version, rest) = match segs.as_slice() {
        ["stores", hash, "v2", rest @ ..] => (*hash, Version::V2, rest),
        ["stores", hash, "v3", rest @ ..] => (*hash, Version::V3, rest),
        _ => {
            return ApiError::gateway(StatusCode::NOT_FOUND, "Not Found")
                .into_response(Version::V3);
        }
    };
    let token = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    let Some(account) = bc
        .tokens
        .iter()
        .find(|t| !token.is_empty() && t.token == token)
    else {
        return ApiError::gateway(
            StatusCode::UNAUTHORIZED,
            "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this store.",
        )
        .into_response(version);
    };
    if hash != bc.store_hash {
        return ApiError::gateway(
            StatusCode::FORBIDDEN,
            "You don't have a required scope to access the endpoint",
        )
        .into_response(version);
    }
    let quota = lock(&bc.quota).count();
    let mut resp = if quota.allowed {
        respond(bc, method, uri, headers, body, version, rest, account)
    } else {
        ApiError::gateway(
            StatusCode::TOO_MANY_REQUESTS,
            "You have exceeded your request quota for this time window.",
        )
        .into_response(version)
    };
    add_quota_headers(&mut resp, &quota);
    resp
}

#[allow(clippy::too_many_arguments)]
fn respond(
    bc: &Arc<BigCommerce>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    version: Version,
    rest: &[&str],
    account: &Token,
) -> Response {
    let writes = matches!(method.as_str(), "POST" | "PUT" | "DELETE");
    if writes && account.read_only {
        return ApiError::gateway(
            StatusCode::FORBIDDEN,
            "You don't have a required scope to access the endpoint",
        )
        .into_response(version);
    }
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let json_body = if matches!(method.as_str(), "POST" | "PUT") && !body.is_empty() {
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !content_type.starts_with("application/json") {
            let err = ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type");
            let err = if version == Version::V3 {
                err.shaped(Shape::Html)
            } else {
                err
            };
            return err.into_response(version);
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => v,
            Err(_) => {
                let err = match version {
                    Version::V2 => ApiError::bad_request("The request body is not valid JSON."),
                    Version::V3 => ApiError::bad_request("Input is invalid."),
                };
                return err.into_response(version);
            }
        }
    } else {
        Value::Null
    };
    let ctx = Ctx {
        version,
        query,
        body: json_body,
        client_id: bc.client_id.clone(),
    };
    let mut fx: Vec<Event> = Vec::new();
    let m = method.as_str();
    let routed = match (version, rest) {
        (Version::V3, ["catalog", rest @ ..]) => catalog::route(bc, &ctx, m, rest, &mut fx),
        (Version::V3, ["inventory", rest @ ..]) => inventory::route(bc, &ctx, m, rest, &mut fx),
        (Version::V3, ["hooks", rest @ ..]) => hooks::route(bc, &ctx, m, rest),
        (Version::V3, ["orders", rest @ ..]) => refunds::route(bc, &ctx, m, rest, &mut fx),
        (Version::V2, ["orders", rest @ ..]) => orders::route(bc, &ctx, m, rest, &mut fx),
        (Version::V2, ["order_statuses", rest @ ..]) => orders::statuses(m, rest),
        (Version::V2, ["store"]) => (m == "GET").then(|| Ok(Reply::ok(store_info(bc)))),
        (Version::V2, ["time"]) => {
            (m == "GET").then(|| Ok(Reply::ok(json!({"time": now_millis() / 1000}))))
        }
        _ => None,
    };
    hooks::dispatch(bc, fx);
    let result = routed.unwrap_or_else(|| {
        Err(match version {
            Version::V2 => ApiError::not_found("The requested resource was not found."),
            Version::V3 => ApiError::not_found("The route is not found, check the URL"),
        })
    });
    match result {
        Ok(reply) => match reply.body {
            Some(body) => (reply.status, axum::Json(body)).into_response(),
            None => reply.status.into_response(),
        },
        Err(e) => e.into_response(version),
    }
}

/// `GET /v2/store`.
fn store_info(bc: &BigCommerce) -> Value {
    json!({
        "id": bc.store_hash,
        "domain": "feedbridge-demo.mybigcommerce.com",
        "secure_url": "https://feedbridge-demo.mybigcommerce.com",
        "control_panel_base_url": format!("https://store-{}.mybigcommerce.com", bc.store_hash),
        "status": "live",
        "name": "Feedbridge Demo",
        "first_name": "Jane",
        "last_name": "Doe",
        "address": "500 Harbor Blvd, Los Angeles, CA 90012",
        "country": "United States",
        "country_code": "US",
        "phone": "555-123-4567",
        "admin_email": "owner@feedbridge-demo.example",
        "order_email": "orders@feedbridge-demo.example",
        "timezone": {"name": "Etc/UTC", "raw_offset": 0, "dst_offset": 0, "dst_correction": false,
            "date_format": {"display": "M jS Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"}},
        "language": "en",
        "currency": "USD",
        "currency_symbol": "$",
        "decimal_separator": ".",
        "thousands_separator": ",",
        "decimal_places": 2,
        "currency_symbol_location": "left",
        "weight_units": model::WEIGHT_UNITS,
        "dimension_units": model::DIMENSION_UNITS,
        "plan_name": "Standard",
        "plan_level": "Standard",
        "plan_is_trial": false,
        "is_price_entered_with_tax": false,
        "store_id": bc.store_id,
        "default_channel_id": 1,
        "default_site_id": 1000,
    })
}
