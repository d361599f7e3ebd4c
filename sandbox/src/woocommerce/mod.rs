//! WooCommerce REST API v3 simulator (woocommerce.md): `/wp-json/wc/v3/...` plus the Shipment
//! Tracking extension (`/wp-json/wc-shipment-tracking/v3/...`).
//!
//! The site is served over plain http and over https (`tls.rs`, a self-signed certificate).
//! Requests are authenticated as `WC_REST_Authentication` does (`auth.rs`): OAuth 1.0a
//! one-legged over plain http; over https the key in the query string or HTTP Basic first.
//! They are routed like the WP REST server (unknown route or method → `rest_no_route`), checked
//! for permission and validated with WP's error shapes. Webhooks follow `WC_Webhook` (async,
//! coalesced, payload built at send time, auto-disabled after failures; `webhooks.rs`). Control
//! routes live under `/_sandbox/` (`control.rs`).
//!
//! Deviations (documented): the two listeners have different ports, so every URL the site
//! names (links, `Location`, image `src`, the index) is the plain http home, also when asked
//! over https; webhooks may be delivered to loopback addresses (WordPress'
//! `wp_safe_remote_post` refuses them); site timezone is UTC.

mod auth;
mod control;
pub(crate) mod merchant;
mod model;
mod orders;
mod products;
mod refunds;
pub(crate) mod tls;
mod tracking;
mod webhooks;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use crate::SandboxConfig;
use crate::common::{
    Background, CallLog, CallRecord, FAULT_TIMEOUT_HOLD, FaultKind, Faults, lock, now_millis,
    now_secs,
};
pub(crate) use auth::Permission;
use auth::{ApiKey, AuthRequest, Authenticator};
use model::State;
pub(crate) use webhooks::Event;

/// The WooCommerce version the simulated site reports.
pub(crate) const WC_VERSION: &str = "10.3.0";

/// Most items a list (`per_page`) or a batch request may carry.
pub(crate) const MAX_PER_REQUEST: usize = 100;

pub(crate) struct SeededKeys {
    pub consumer_key: String,
    pub consumer_secret: String,
}

pub(crate) struct WooCommerce {
    pub(crate) state: Mutex<State>,
    auth: Authenticator,
    /// A `read`-only key, for permission tests (`GET /_sandbox/keys/read_only`).
    read_only_key: (String, String),
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
    pub(crate) hooks: webhooks::Deliveries,
    pub(crate) bg: Background,
    pub(crate) home: String,
}

impl WooCommerce {
    pub(crate) fn new(
        config: &SandboxConfig,
        bg: Background,
        base_url: String,
    ) -> (Arc<Self>, SeededKeys) {
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x00c0_ffee_0057_00e0);
        let mut key_pair = || {
            let k: [u8; 20] = rng.random();
            let s: [u8; 20] = rng.random();
            (
                format!("ck_{}", hex::encode(k)),
                format!("cs_{}", hex::encode(s)),
            )
        };
        let (consumer_key, consumer_secret) = key_pair();
        let read_only_key = key_pair();
        let keys = vec![
            ApiKey {
                consumer_key: consumer_key.clone(),
                consumer_secret: consumer_secret.clone(),
                permission: Permission::ReadWrite,
            },
            ApiKey {
                consumer_key: read_only_key.0.clone(),
                consumer_secret: read_only_key.1.clone(),
                permission: Permission::Read,
            },
        ];
        let state = State::seed(crate::shopify::seeded_catalog(config), base_url.clone());
        let woo = Arc::new(Self {
            state: Mutex::new(state),
            auth: Authenticator::new(base_url.clone(), keys),
            read_only_key,
            calls: CallLog::default(),
            faults: Faults::default(),
            hooks: webhooks::Deliveries::new(),
            bg,
            home: base_url,
        });
        (
            woo,
            SeededKeys {
                consumer_key,
                consumer_secret,
            },
        )
    }
}

pub(crate) fn router(woo: Arc<WooCommerce>) -> Router {
    Router::new()
        .route("/wp-content/uploads/{file}", axum::routing::get(upload))
        .merge(control::routes())
        .fallback(api)
        .with_state(woo)
}

/// Product images (public, as WordPress serves uploads).
async fn upload(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match file.strip_suffix(".png") {
        Some(name) if !name.is_empty() => (
            [(axum::http::header::CONTENT_TYPE, "image/png")],
            crate::png::solid_png(name, 800, 800),
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// A WP REST error: `{"code", "message", "data": {"status", ...}}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) data: Map<String, Value>,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            data: Map::new(),
        }
    }

    #[must_use]
    pub(crate) fn with(mut self, key: &str, value: Value) -> Self {
        self.data.insert(key.to_string(), value);
        self
    }

    pub(crate) fn not_found(code: &str, message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub(crate) fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// `rest_invalid_param` for one parameter (`detail` as WP words it).
    pub(crate) fn invalid_param(name: &str, detail: impl Into<String>) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(name.to_string(), detail.into());
        Self::invalid_params(errors)
    }

    /// `rest_invalid_param` listing every invalid parameter, as WP's argument validation does.
    pub(crate) fn invalid_params(errors: BTreeMap<String, String>) -> Self {
        let names: Vec<&str> = errors.keys().map(String::as_str).collect();
        let message = format!("Invalid parameter(s): {}", names.join(", "));
        let details: Map<String, Value> = errors
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    json!({"code": "rest_invalid_param", "message": v, "data": null}),
                )
            })
            .collect();
        let params: Map<String, Value> = errors
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Self::bad_request("rest_invalid_param", message)
            .with("params", Value::Object(params))
            .with("details", Value::Object(details))
    }

    /// What an unauthenticated request gets from an endpoint's permission callback.
    pub(crate) fn cannot(code: &str, message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    fn body(&self) -> Value {
        let mut data = self.data.clone();
        data.insert("status".to_string(), json!(self.status.as_u16()));
        json!({"code": self.code, "message": self.message, "data": data})
    }
}

/// A successful answer: status, JSON body and extra headers.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    pub(crate) headers: Vec<(String, String)>,
}

impl Reply {
    pub(crate) fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
            headers: Vec::new(),
        }
    }

    pub(crate) fn created(body: Value, location: String) -> Self {
        Self {
            status: StatusCode::CREATED,
            body,
            headers: vec![("Location".to_string(), location)],
        }
    }
}

pub(crate) type ApiResult = Result<Reply, ApiError>;

/// A request as the endpoint callbacks see it.
pub(crate) struct Ctx {
    /// The authenticated key's permission; `None` = anonymous.
    pub(crate) user: Option<Permission>,
    /// Decoded query parameters in request order.
    pub(crate) query: Vec<(String, String)>,
    /// The JSON body (an object), or `Null` when there is none.
    pub(crate) body: Value,
    /// Route inside `/wp-json` (`/wc/v3/products`).
    pub(crate) route: String,
}

impl Ctx {
    /// The last value of a query parameter (PHP keeps the last of repeated names).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A request argument: the JSON body field, else the query parameter (WP merges both).
    pub(crate) fn arg(&self, name: &str) -> Option<Value> {
        self.body
            .get(name)
            .cloned()
            .or_else(|| self.param(name).map(|v| Value::String(v.to_string())))
    }

    /// `force=true` (WP booleans accept `true`/`1`).
    pub(crate) fn force(&self) -> bool {
        matches!(self.arg("force"), Some(Value::Bool(true)))
            || matches!(self.param("force"), Some("true" | "1"))
    }

    pub(crate) fn require(&self, code: &str, message: &str) -> Result<(), ApiError> {
        if self.user.is_some() {
            Ok(())
        } else {
            Err(ApiError::cannot(code, message))
        }
    }
}

/// `page` / `per_page` / `offset` of a list request, validated as WP's collection params are.
pub(crate) struct Page {
    pub(crate) page: usize,
    pub(crate) per_page: usize,
    pub(crate) offset: Option<usize>,
}

pub(crate) fn page_args(ctx: &Ctx, errors: &mut BTreeMap<String, String>) -> Page {
    let int = |name: &str,
               min: i64,
               max: Option<i64>,
               default: i64,
               errors: &mut BTreeMap<String, String>| {
        let Some(raw) = ctx.param(name) else {
            return default;
        };
        let Ok(v) = raw.trim().parse::<i64>() else {
            errors.insert(name.to_string(), format!("{name} is not of type integer."));
            return default;
        };
        let out_of_bounds = v < min || max.is_some_and(|m| v > m);
        if out_of_bounds {
            let msg = match max {
                Some(m) => format!("{name} must be between {min} (inclusive) and {m} (inclusive)"),
                None => format!("{name} must be greater than or equal to {min}"),
            };
            errors.insert(name.to_string(), msg);
            return default;
        }
        v
    };
    let to_usize = |v: i64| usize::try_from(v).unwrap_or(0);
    let page = to_usize(int("page", 1, None, 1, errors));
    let per_page = to_usize(int("per_page", 1, Some(100), 10, errors));
    let offset = ctx
        .param("offset")
        .is_some()
        .then(|| to_usize(int("offset", 0, None, 0, errors)));
    Page {
        page,
        per_page,
        offset,
    }
}

/// Slices `all` into the requested page and adds `X-WP-Total`, `X-WP-TotalPages` and `Link`
/// (built from the request's own query, as WP's `add_query_arg` does).
pub(crate) fn paginate(woo: &WooCommerce, ctx: &Ctx, page: &Page, all: Vec<Value>) -> Reply {
    paginate_with(woo, ctx, page, all, |v| v)
}

/// [`paginate`] over anything: only the page's items are turned into JSON (`to_json`), so a
/// page costs the same whatever the list's length.
pub(crate) fn paginate_with<T>(
    woo: &WooCommerce,
    ctx: &Ctx,
    page: &Page,
    all: Vec<T>,
    to_json: impl Fn(T) -> Value,
) -> Reply {
    let total = all.len();
    let total_pages = total.div_ceil(page.per_page);
    let start = page
        .offset
        .unwrap_or((page.page - 1).saturating_mul(page.per_page));
    let items: Vec<Value> = all
        .into_iter()
        .skip(start)
        .take(page.per_page)
        .map(to_json)
        .collect();
    let link_to = |n: usize| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in ctx.query.iter().filter(|(k, _)| k != "page") {
            ser.append_pair(k, v);
        }
        ser.append_pair("page", &n.to_string());
        format!("<{}/wp-json{}?{}>", woo.home, ctx.route, ser.finish())
    };
    let mut links = Vec::new();
    if page.page > 1 {
        let prev = (page.page - 1).min(total_pages.max(1));
        links.push(format!("{}; rel=\"prev\"", link_to(prev)));
    }
    if page.page < total_pages {
        links.push(format!("{}; rel=\"next\"", link_to(page.page + 1)));
    }
    let mut reply = Reply::ok(Value::Array(items));
    reply
        .headers
        .push(("X-WP-Total".to_string(), total.to_string()));
    reply
        .headers
        .push(("X-WP-TotalPages".to_string(), total_pages.to_string()));
    if !links.is_empty() {
        reply.headers.push(("Link".to_string(), links.join(", ")));
    }
    reply
}

/// Every non-control request: faults, authentication, routing, permission, the endpoint.
async fn api(
    AxState(woo): AxState<Arc<WooCommerce>>,
    https: Option<axum::Extension<tls::Https>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = now_millis();
    let path = uri.path().to_string();
    // Faults match the path, or "METHOD path" to aim at one operation (e.g. "POST /wp-json/wc/v3/orders").
    let operation = format!("{method} {path}");
    let https_home = https.as_ref().map(|h| h.home.as_str());
    let fault = woo.faults.take(&[path.as_str(), operation.as_str()]);
    if fault == Some(FaultKind::LostAnswer) {
        let _carried_out = handle(&woo, https_home, &method, &uri, &headers, &body).await;
    }
    let (response, code) = match fault {
        Some(kind) => (fault_response(kind).await, None),
        None => match handle(&woo, https_home, &method, &uri, &headers, &body).await {
            Ok(reply) => {
                let mut resp = (reply.status, axum::Json(reply.body)).into_response();
                for (k, v) in reply.headers {
                    if let (Ok(name), Ok(value)) = (
                        axum::http::HeaderName::try_from(k),
                        HeaderValue::from_str(&v),
                    ) {
                        resp.headers_mut().append(name, value);
                    }
                }
                (resp, None)
            }
            Err(e) => {
                let code = Some(Value::String(e.code.clone()));
                ((e.status, axum::Json(e.body())).into_response(), code)
            }
        },
    };
    woo.calls.push(CallRecord {
        at_ms: started,
        method: method.to_string(),
        path,
        status: response.status().as_u16(),
        code,
        operation: None,
        cost: None,
    });
    response
}

/// Hosts and WAFs throttle (WooCommerce core has no limiter); PHP fatals answer HTML.
async fn fault_response(kind: FaultKind) -> Response {
    match kind {
        FaultKind::RateLimit => (
            StatusCode::TOO_MANY_REQUESTS,
            [("Retry-After", "1")],
            axum::Json(json!({
                "code": "rest_too_many_requests",
                "message": "Too many requests. Please slow down.",
                "data": {"status": 429},
            })),
        )
            .into_response(),
        FaultKind::Http500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("Content-Type", "text/html; charset=UTF-8")],
            "<!DOCTYPE html><html><head><title>WordPress &rsaquo; Error</title></head><body>\
             <p>There has been a critical error on this website.</p></body></html>",
        )
            .into_response(),
        FaultKind::Timeout | FaultKind::LostAnswer => {
            if kind == FaultKind::Timeout {
                tokio::time::sleep(FAULT_TIMEOUT_HOLD).await;
            }
            (
                StatusCode::GATEWAY_TIMEOUT,
                [("Content-Type", "text/html; charset=UTF-8")],
                "<html><body><h1>504 Gateway Time-out</h1></body></html>",
            )
                .into_response()
        }
    }
}

fn no_route() -> ApiError {
    ApiError::not_found(
        "rest_no_route",
        "No route was found matching the URL and request method.",
    )
}

/// `https_home`: the site's https home URL when the request came over TLS.
async fn handle(
    woo: &Arc<WooCommerce>,
    https_home: Option<&str>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult {
    let path = uri.path();
    let Some(route) = path
        .strip_prefix("/wp-json")
        .filter(|r| r.is_empty() || r.starts_with('/'))
    else {
        return Err(no_route());
    };
    let route = if route.is_empty() { "/" } else { route };
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form: Vec<(String, String)> =
        if content_type.starts_with("application/x-www-form-urlencoded") {
            form_urlencoded::parse(body).into_owned().collect()
        } else {
            Vec::new()
        };
    let user = woo.auth.authenticate(
        &AuthRequest {
            method: method.as_str(),
            path,
            route,
            query: &query,
            form: &form,
            authorization: headers.get("authorization").and_then(|v| v.to_str().ok()),
            https_home,
        },
        now_secs(),
    )?;
    let json_body = if content_type.starts_with("application/json") && !body.is_empty() {
        serde_json::from_slice::<Value>(body)
            .map_err(|_| ApiError::bad_request("rest_invalid_json", "Invalid JSON body passed."))?
    } else if form.is_empty() {
        Value::Null
    } else {
        Value::Object(
            form.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    };
    let ctx = Ctx {
        user,
        query,
        body: json_body,
        route: route.trim_end_matches('/').to_string(),
    };
    let segs: Vec<&str> = route.trim_matches('/').split('/').collect();
    let method = match method.as_str() {
        "PATCH" => "PUT",
        m => m,
    };
    let mut fx: Vec<Event> = Vec::new();
    let reply = match (method, segs.as_slice()) {
        ("GET", [""]) => Ok(index(woo)),
        ("GET", ["wc", "v3", "settings", "general", "woocommerce_currency"]) => currency(&ctx),
        (
            "GET",
            [
                "wc",
                "v3",
                "settings",
                "products",
                "woocommerce_weight_unit",
            ],
        ) => unit_setting(&ctx, "woocommerce_weight_unit", model::WEIGHT_UNIT),
        (
            "GET",
            [
                "wc",
                "v3",
                "settings",
                "products",
                "woocommerce_dimension_unit",
            ],
        ) => unit_setting(&ctx, "woocommerce_dimension_unit", model::DIMENSION_UNIT),
        (m, ["wc", "v3", "products", rest @ ..]) => {
            products::route(woo, &ctx, m, rest, &mut fx).unwrap_or_else(|| Err(no_route()))
        }
        (m, ["wc", "v3", "orders", rest @ ..]) => {
            orders::route(woo, &ctx, m, rest, &mut fx).unwrap_or_else(|| Err(no_route()))
        }
        (m, ["wc", "v3", "webhooks", rest @ ..]) => {
            match webhooks::route(woo, &ctx, m, rest).await {
                Some(r) => r,
                None => Err(no_route()),
            }
        }
        (m, ["wc-shipment-tracking", "v3", rest @ ..]) => {
            tracking::route(woo, &ctx, m, rest, &mut fx).unwrap_or_else(|| Err(no_route()))
        }
        _ => Err(no_route()),
    };
    webhooks::enqueue(woo, fx);
    reply
}

/// `GET /wp-json/`: the public site index.
fn index(woo: &WooCommerce) -> Reply {
    Reply::ok(json!({
        "name": "Feedbridge Demo",
        "description": "Just another WooCommerce store",
        "url": woo.home,
        "home": woo.home,
        "gmt_offset": "0",
        "timezone_string": "UTC",
        "namespaces": ["oembed/1.0", "wc/store/v1", "wc/v3", "wc-shipment-tracking/v3", "wp/v2"],
        "authentication": [],
        "routes": {},
    }))
}

fn currency(ctx: &Ctx) -> ApiResult {
    ctx.require(
        "woocommerce_rest_cannot_view",
        "Sorry, you cannot view this resource.",
    )?;
    Ok(Reply::ok(json!({
        "id": "woocommerce_currency",
        "label": "Currency",
        "description": "This controls what currency prices are listed at in the catalog and which currency gateways will take payments in.",
        "type": "select",
        "default": "USD",
        "tip": "This controls what currency prices are listed at in the catalog and which currency gateways will take payments in.",
        "value": "USD",
        "group_id": "general",
        "options": {"USD": "United States (US) dollar ($)", "GBP": "Pound sterling (&pound;)", "EUR": "Euro (&euro;)"},
    })))
}

/// `settings/products/woocommerce_weight_unit` and `..._dimension_unit`, as WooCommerce
/// answers them (a `select` setting of the products group).
fn unit_setting(ctx: &Ctx, id: &str, value: &str) -> ApiResult {
    ctx.require(
        "woocommerce_rest_cannot_view",
        "Sorry, you cannot view this resource.",
    )?;
    let (label, default, options) = if id == "woocommerce_weight_unit" {
        (
            "Weight unit",
            "kg",
            json!({"kg": "kg", "g": "g", "lbs": "lbs", "oz": "oz"}),
        )
    } else {
        (
            "Dimensions unit",
            "cm",
            json!({"m": "m", "cm": "cm", "mm": "mm", "in": "in", "yd": "yd"}),
        )
    };
    Ok(Reply::ok(json!({
        "id": id,
        "label": label,
        "description": format!("This controls what unit you will define {} in.", if default == "kg" { "weights" } else { "lengths" }),
        "type": "select",
        "default": default,
        "options": options,
        "tip": format!("This controls what unit you will define {} in.", if default == "kg" { "weights" } else { "lengths" }),
        "value": value,
        "group_id": "products",
    })))
}

/// Parses a path segment as a WP route id (`(?P<id>[\d]+)`).
pub(crate) fn seg_id(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Locks the state.
pub(crate) fn state(woo: &WooCommerce) -> std::sync::MutexGuard<'_, State> {
    lock(&woo.state)
}
