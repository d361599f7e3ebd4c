//! TikTok Shop Open API (202309) simulator.
//!
//! One axum fallback handler serves every Open API path so the common checks (app key, signature,
//! timestamp, access token, shop cipher, rate limit) run once, in the platform's order, before the
//! route is dispatched. Control routes live under `/_sandbox/` (see `control.rs`).
//!
//! Error codes the contract marks **unconfirmed** are chosen here (and listed in `errors.rs`).

mod auth;
mod cancellations;
mod compliance;
mod control;
mod errors;
mod events;
mod inventory;
pub mod merchant;
mod model;
mod orders;
mod products;
mod regions;
mod returns;
mod seller;
pub(crate) mod shops;
pub(crate) mod source;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::common::{
    Background, CallLog, CallRecord, FAULT_TIMEOUT_HOLD, FaultKind, Faults, TokenBucket, Webhooks,
    hmac_sha256, lock, now_millis, now_secs,
};
pub(crate) use errors::ApiError;
pub(crate) use model::Seeded;
use model::State;

/// Signed requests may be at most this far from server time.
const TIMESTAMP_WINDOW_SECS: i64 = 300;

pub(crate) struct TikTok {
    pub(crate) state: Mutex<State>,
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
    pub(crate) hooks: Webhooks,
    pub(crate) bg: Background,
    qps: u32,
    pub(crate) auto_review: Option<Duration>,
}

impl TikTok {
    pub(crate) fn new(
        seed: u64,
        qps: u32,
        auto_review: Option<Duration>,
        bg: Background,
    ) -> (Arc<Self>, Seeded) {
        let (state, seeded) = State::seed(seed, now_secs());
        let tt = Arc::new(Self {
            state: Mutex::new(state),
            calls: CallLog::default(),
            faults: Faults::default(),
            hooks: Webhooks::new(bg.clone()),
            bg,
            qps: qps.max(1),
            auto_review,
        });
        (tt, seeded)
    }
}

/// Another shop of the same app as `first` (the same app key and secret; its own id, cipher,
/// tokens, catalog and orders) in `region`, seeded from `seed`.
pub(crate) fn sibling_shop(
    first: &TikTok,
    seed: u64,
    region: &str,
    bg: Background,
) -> Result<(Arc<TikTok>, Seeded), String> {
    let (tt, mut seeded) = TikTok::new(seed, first.qps, first.auto_review, bg);
    {
        let app = lock(&first.state);
        let mut st = lock(&tt.state);
        st.app_key.clone_from(&app.app_key);
        st.app_secret.clone_from(&app.app_secret);
        st.shop.name = format!("{} {}", st.shop.name, region.to_ascii_uppercase());
        seeded.app_key.clone_from(&app.app_key);
        seeded.app_secret.clone_from(&app.app_secret);
    }
    set_region(&tt, region)?;
    Ok((tt, seeded))
}

/// Make the seeded shop one of `region`: currency, addresses, carriers and the rules of the
/// market follow (the shared regions table, see `regions.rs`). An unknown region is refused.
pub(crate) fn set_region(tt: &TikTok, region: &str) -> Result<(), String> {
    let market = regions::market(region).ok_or_else(|| {
        format!(
            "unknown TikTok Shop region {region:?}; the simulator serves {}",
            regions::codes().join(", ")
        )
    })?;
    lock(&tt.state).set_market(market);
    Ok(())
}

/// The selling currency of a region the simulator serves.
pub(crate) fn region_currency(region: &str) -> Option<String> {
    regions::market(region).map(|m| m.currency.clone())
}

pub(crate) fn router(tt: Arc<TikTok>) -> Router {
    control::routes()
        .merge(seller::routes())
        .fallback(entry)
        .with_state(tt)
}

/// What a route handler needs from the request.
pub(crate) struct Ctx<'a> {
    pub(crate) query: &'a [(String, String)],
    pub(crate) body: &'a [u8],
    pub(crate) content_type: &'a str,
    pub(crate) shop_id: String,
}

impl Ctx<'_> {
    pub(crate) fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Parses the JSON body into `T`; an empty body is `T::default()`. Malformed JSON is
    /// rejected with [`errors::MALFORMED_BODY`]; JSON of the wrong shape with `family`.
    pub(crate) fn json<T: DeserializeOwned + Default>(&self, family: i64) -> Result<T, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(T::default());
        }
        if !self.content_type.starts_with("application/json") {
            return Err(ApiError::http(
                StatusCode::BAD_REQUEST,
                errors::MALFORMED_BODY,
                format!(
                    "Invalid request: Content-Type must be application/json, got '{}'.",
                    self.content_type
                ),
            ));
        }
        let value: Value = serde_json::from_slice(self.body).map_err(|e| {
            ApiError::http(
                StatusCode::BAD_REQUEST,
                errors::MALFORMED_BODY,
                format!("Invalid request body: not valid JSON ({e})."),
            )
        })?;
        serde_json::from_value(value)
            .map_err(|e| ApiError::biz(family, format!("Invalid request body: {e}.")))
    }

    /// `page_size` (required, `1..=max`) and `page_token` (offset) query parameters.
    pub(crate) fn paging(&self, family: i64, max: usize) -> Result<(usize, usize), ApiError> {
        let raw = self.q("page_size").ok_or_else(|| {
            ApiError::biz(
                family,
                "Invalid parameter: 'page_size' is required (query parameter).",
            )
        })?;
        let size: usize = raw
            .parse()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::biz(
                    family,
                    format!("Invalid parameter: 'page_size' must be an integer from 1 to {max}, got '{raw}'."),
                )
            })?;
        let offset = match self.q("page_token") {
            None | Some("") => 0,
            Some(tok) => decode_page_token(tok).ok_or_else(|| {
                ApiError::biz(
                    family,
                    format!(
                        "Invalid parameter: 'page_token' '{tok}' is not a token this API returned."
                    ),
                )
            })?,
        };
        Ok((size, offset))
    }
}

pub(crate) fn encode_page_token(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sbx-offset:{offset}"))
}

pub(crate) fn decode_page_token(tok: &str) -> Option<usize> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(tok)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("sbx-offset:")?
        .parse()
        .ok()
}

/// Slices `items` into one page; returns the page and `next_page_token` ("" on the last page).
pub(crate) fn page<T>(items: Vec<T>, size: usize, offset: usize) -> (Vec<T>, String) {
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(size).collect();
    let next = if offset + size < total {
        encode_page_token(offset + size)
    } else {
        String::new()
    };
    (page, next)
}

/// A TikTok-looking request id: 14 timestamp digits + 20 upper-case hex characters.
fn request_id() -> String {
    let secs = now_secs();
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let rand_part: u128 = rand::random();
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        &format!("{rand_part:032X}")[..20]
    )
}

/// Routes of the Open API. `cipher` = the route is shop-scoped.
#[derive(Debug)]
enum Route {
    TokenGet,
    TokenRefresh,
    Shops,
    Categories,
    CategoryRules(String),
    CategoryAttributes(String),
    Brands,
    ImageUpload,
    FileUpload,
    RecommendCategory,
    SearchSizeCharts,
    CreateParty(compliance::Operator),
    SearchParties(compliance::Operator),
    CreateProduct,
    EditProduct(String),
    GetProduct(String),
    SearchProducts(products::SearchVersion),
    UpdateInventory(String),
    UpdatePrices(String),
    SearchInventory,
    Warehouses,
    DeliveryOptions(String),
    ShippingProviders(String),
    SearchOrders,
    GetOrders,
    MarkShipped(String),
    GetPackage(String),
    SearchPackages,
    PackageShippingInfo(String),
    OrderShippingInfo(String),
    SearchCancellations,
    CreateCancellation,
    ApproveCancellation(String),
    RejectCancellation(String),
    RejectReasons,
    SearchReturns,
    GetWebhooks,
    PutWebhook,
    DeleteWebhook,
}

impl Route {
    fn resolve(method: &Method, path: &str) -> Option<Self> {
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        let m = method.as_str();
        let id = |s: &str| s.to_string();
        Some(match (m, segs.as_slice()) {
            ("GET", ["api", "v2", "token", "get"]) => Route::TokenGet,
            ("GET", ["api", "v2", "token", "refresh"]) => Route::TokenRefresh,
            ("GET", ["authorization", "202309", "shops"]) => Route::Shops,
            ("GET", ["product", "202309", "categories"]) => Route::Categories,
            ("GET", ["product", "202309", "categories", c, "rules"]) => Route::CategoryRules(id(c)),
            ("GET", ["product", "202309", "categories", c, "attributes"]) => {
                Route::CategoryAttributes(id(c))
            }
            ("GET", ["product", "202309", "brands"]) => Route::Brands,
            ("POST", ["product", "202309", "images", "upload"]) => Route::ImageUpload,
            ("POST", ["product", "202309", "files", "upload"]) => Route::FileUpload,
            ("POST", ["product", "202309", "categories", "recommend"]) => Route::RecommendCategory,
            ("POST", ["product", "202407", "sizecharts", "search"]) => Route::SearchSizeCharts,
            ("POST", ["product", "202409", "compliance", "manufacturers"]) => {
                Route::CreateParty(compliance::Operator::Manufacturer)
            }
            ("POST", ["product", "202409", "compliance", "responsible_persons"]) => {
                Route::CreateParty(compliance::Operator::ResponsiblePerson)
            }
            // Search is documented at 202409 and at 202501 (same shape).
            (
                "POST",
                [
                    "product",
                    "202409" | "202501",
                    "compliance",
                    "manufacturers",
                    "search",
                ],
            ) => Route::SearchParties(compliance::Operator::Manufacturer),
            (
                "POST",
                [
                    "product",
                    "202409" | "202501",
                    "compliance",
                    "responsible_persons",
                    "search",
                ],
            ) => Route::SearchParties(compliance::Operator::ResponsiblePerson),
            ("POST", ["product", "202309", "products"]) => Route::CreateProduct,
            ("POST", ["product", "202309", "products", "search"]) => {
                Route::SearchProducts(products::SearchVersion::V202309)
            }
            ("POST", ["product", "202502", "products", "search"]) => {
                Route::SearchProducts(products::SearchVersion::V202502)
            }
            ("POST", ["product", "202309", "inventory", "search"]) => Route::SearchInventory,
            ("GET", ["product", "202309", "products", p]) => Route::GetProduct(id(p)),
            ("PUT", ["product", "202309", "products", p]) => Route::EditProduct(id(p)),
            ("POST", ["product", "202309", "products", p, "inventory", "update"]) => {
                Route::UpdateInventory(id(p))
            }
            ("POST", ["product", "202309", "products", p, "prices", "update"]) => {
                Route::UpdatePrices(id(p))
            }
            ("GET", ["logistics", "202309", "warehouses"]) => Route::Warehouses,
            ("GET", ["logistics", "202309", "warehouses", w, "delivery_options"]) => {
                Route::DeliveryOptions(id(w))
            }
            (
                "GET",
                [
                    "logistics",
                    "202309",
                    "delivery_options",
                    d,
                    "shipping_providers",
                ],
            ) => Route::ShippingProviders(id(d)),
            ("POST", ["order", "202309", "orders", "search"]) => Route::SearchOrders,
            // 202507 answers in the 202309 shape less two SEA-only fields this shop never has.
            ("GET", ["order", "202309" | "202507", "orders"]) => Route::GetOrders,
            ("POST", ["fulfillment", "202309", "orders", o, "packages"]) => {
                Route::MarkShipped(id(o))
            }
            (
                "POST",
                [
                    "fulfillment",
                    "202309",
                    "orders",
                    o,
                    "shipping_info",
                    "update",
                ],
            ) => Route::OrderShippingInfo(id(o)),
            ("POST", ["fulfillment", "202309", "packages", "search"]) => Route::SearchPackages,
            ("GET", ["fulfillment", "202309", "packages", p]) => Route::GetPackage(id(p)),
            (
                "POST",
                [
                    "fulfillment",
                    "202309",
                    "packages",
                    p,
                    "shipping_info",
                    "update",
                ],
            ) => Route::PackageShippingInfo(id(p)),
            ("POST", ["return_refund", "202309", "cancellations", "search"]) => {
                Route::SearchCancellations
            }
            ("POST", ["return_refund", "202309", "cancellations"]) => Route::CreateCancellation,
            ("POST", ["return_refund", "202309", "cancellations", c, "approve"]) => {
                Route::ApproveCancellation(id(c))
            }
            ("POST", ["return_refund", "202309", "cancellations", c, "reject"]) => {
                Route::RejectCancellation(id(c))
            }
            ("GET", ["return_refund", "202309", "reject_reasons"]) => Route::RejectReasons,
            ("POST", ["return_refund", "202309", "returns", "search"]) => Route::SearchReturns,
            ("GET", ["event", "202309", "webhooks"]) => Route::GetWebhooks,
            ("PUT", ["event", "202309", "webhooks"]) => Route::PutWebhook,
            ("DELETE", ["event", "202309", "webhooks"]) => Route::DeleteWebhook,
            _ => return None,
        })
    }

    fn is_token(&self) -> bool {
        matches!(self, Route::TokenGet | Route::TokenRefresh)
    }

    fn needs_cipher(&self) -> bool {
        !matches!(
            self,
            Route::TokenGet
                | Route::TokenRefresh
                | Route::Shops
                | Route::ImageUpload
                | Route::FileUpload
        )
    }
}

/// Every Open API and token call lands here.
async fn entry(
    AxState(tt): AxState<Arc<TikTok>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let request_id = request_id();
    let started = now_millis();

    let fault = tt.faults.take(&[path.as_str()]);
    if fault == Some(FaultKind::LostAnswer) {
        let query = uri.query().unwrap_or("");
        let _carried_out = handle(&tt, &method, &path, query, &headers, &body).await;
    }
    let (status, code, envelope) = if let Some(kind) = fault {
        fault_response(kind, &request_id).await
    } else {
        let result = handle(
            &tt,
            &method,
            &path,
            uri.query().unwrap_or(""),
            &headers,
            &body,
        )
        .await;
        match result {
            Ok(data) => (
                StatusCode::OK,
                0,
                json!({"code": 0, "message": "Success", "request_id": request_id, "data": data}),
            ),
            Err(e) => (
                e.status,
                e.code,
                json!({"code": e.code, "message": e.message, "request_id": request_id, "data": null}),
            ),
        }
    };
    tt.calls.push(CallRecord {
        at_ms: started,
        method: method.to_string(),
        path,
        status: status.as_u16(),
        code: Some(json!(code)),
        operation: None,
        cost: None,
    });
    (status, axum::Json(envelope)).into_response()
}

async fn fault_response(kind: FaultKind, request_id: &str) -> (StatusCode, i64, Value) {
    let (status, err) = match kind {
        FaultKind::Http500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::http(
                StatusCode::INTERNAL_SERVER_ERROR,
                errors::INTERNAL,
                "Internal system error, please try again later.",
            ),
        ),
        FaultKind::RateLimit => (StatusCode::TOO_MANY_REQUESTS, errors::rate_limited()),
        FaultKind::Timeout | FaultKind::LostAnswer => {
            if kind == FaultKind::Timeout {
                tokio::time::sleep(FAULT_TIMEOUT_HOLD).await;
            }
            (
                StatusCode::GATEWAY_TIMEOUT,
                ApiError::http(
                    StatusCode::GATEWAY_TIMEOUT,
                    errors::INTERNAL,
                    "Gateway timeout.",
                ),
            )
        }
    };
    let body =
        json!({"code": err.code, "message": err.message, "request_id": request_id, "data": null});
    (status, err.code, body)
}

async fn handle(
    tt: &Arc<TikTok>,
    method: &Method,
    path: &str,
    raw_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, ApiError> {
    let route = Route::resolve(method, path).ok_or_else(|| {
        ApiError::http(
            StatusCode::NOT_FOUND,
            errors::NOT_FOUND,
            format!(
                "Not found: no Open API at {method} {path}. Check the path and its version segment."
            ),
        )
    })?;
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut ctx = Ctx {
        query: &query,
        body,
        content_type: &content_type,
        shop_id: String::new(),
    };

    if route.is_token() {
        let st = &mut *lock(&tt.state);
        return match route {
            Route::TokenGet => auth::token_get(st, &ctx),
            _ => auth::token_refresh(st, &ctx),
        };
    }

    authenticate(tt, &route, path, headers, &mut ctx)?;

    match route {
        Route::ImageUpload => products::upload_image(tt, &ctx).await,
        Route::FileUpload => compliance::upload_file(tt, &ctx).await,
        Route::CreateProduct => products::create_product(tt, &ctx),
        Route::EditProduct(p) => products::save_product(tt, &ctx, Some(&p)),
        route => dispatch(tt, route, &ctx),
    }
}

fn dispatch(tt: &Arc<TikTok>, route: Route, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    match route {
        Route::Shops => {
            let st = lock(&tt.state);
            Ok(json!({"shops": [{
                "id": st.shop.id, "name": st.shop.name, "region": st.shop.region,
                "seller_type": "LOCAL", "cipher": st.shop.cipher, "code": st.shop.code,
            }]}))
        }
        Route::Categories => products::categories(&lock(&tt.state), ctx),
        Route::CategoryRules(c) => products::category_rules(&lock(&tt.state), ctx, &c),
        Route::CategoryAttributes(c) => products::category_attributes(&lock(&tt.state), ctx, &c),
        Route::Brands => products::brands(&lock(&tt.state), ctx),
        Route::RecommendCategory => compliance::recommend(&lock(&tt.state), ctx),
        Route::SearchSizeCharts => compliance::search_size_charts(ctx),
        Route::CreateParty(kind) => compliance::create_party(tt, ctx, kind),
        Route::SearchParties(kind) => compliance::search_parties(&lock(&tt.state), ctx, kind),
        Route::GetProduct(p) => products::get_product(&lock(&tt.state), &p),
        Route::SearchProducts(version) => products::search_products(&lock(&tt.state), ctx, version),
        Route::UpdateInventory(p) => products::update_inventory(tt, ctx, &p),
        Route::UpdatePrices(p) => products::update_prices(tt, ctx, &p),
        Route::SearchInventory => inventory::search_inventory(&lock(&tt.state), ctx),
        Route::Warehouses => orders::warehouses(&lock(&tt.state)),
        Route::DeliveryOptions(w) => orders::delivery_options(&lock(&tt.state), &w),
        Route::ShippingProviders(d) => orders::shipping_providers(&lock(&tt.state), &d),
        Route::SearchOrders => orders::search_orders(&lock(&tt.state), ctx),
        Route::GetOrders => orders::get_orders(&lock(&tt.state), ctx),
        Route::MarkShipped(o) => orders::mark_shipped(tt, ctx, &o),
        Route::GetPackage(p) => orders::get_package(&lock(&tt.state), &p),
        Route::SearchPackages => orders::search_packages(&lock(&tt.state), ctx),
        Route::PackageShippingInfo(p) => orders::update_package_shipping_info(tt, ctx, &p),
        Route::OrderShippingInfo(o) => orders::update_order_shipping_info(tt, ctx, &o),
        Route::SearchCancellations => orders::search_cancellations(&lock(&tt.state), ctx),
        Route::CreateCancellation => orders::seller_cancel(tt, ctx),
        Route::ApproveCancellation(c) => cancellations::api_approve(tt, ctx, &c),
        Route::RejectCancellation(c) => cancellations::api_reject(tt, ctx, &c),
        Route::RejectReasons => cancellations::reject_reasons(),
        Route::SearchReturns => returns::search(&lock(&tt.state), ctx),
        Route::GetWebhooks => events::list(&lock(&tt.state)),
        Route::PutWebhook => events::put(tt, ctx),
        Route::DeleteWebhook => events::delete(tt, ctx),
        Route::TokenGet
        | Route::TokenRefresh
        | Route::ImageUpload
        | Route::FileUpload
        | Route::CreateProduct
        | Route::EditProduct(_) => Err(ApiError::http(
            StatusCode::INTERNAL_SERVER_ERROR,
            errors::INTERNAL,
            "sandbox routing error",
        )),
    }
}

/// The §2 signature: hex(HMAC-SHA256(secret, secret + path + sorted k+v + body + secret)).
pub(crate) fn sign(
    secret: &str,
    path: &str,
    query: &[(String, String)],
    body: Option<&[u8]>,
) -> String {
    let mut params: Vec<&(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "sign" && k != "access_token")
        .collect();
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut msg = Vec::with_capacity(256);
    msg.extend_from_slice(secret.as_bytes());
    msg.extend_from_slice(path.as_bytes());
    for (k, v) in params {
        msg.extend_from_slice(k.as_bytes());
        msg.extend_from_slice(v.as_bytes());
    }
    if let Some(body) = body {
        msg.extend_from_slice(body);
    }
    msg.extend_from_slice(secret.as_bytes());
    hex::encode(hmac_sha256(secret.as_bytes(), &msg))
}

fn authenticate(
    tt: &TikTok,
    route: &Route,
    path: &str,
    headers: &HeaderMap,
    ctx: &mut Ctx<'_>,
) -> Result<(), ApiError> {
    let mut st = lock(&tt.state);
    let now = now_secs();

    let app_key = ctx.q("app_key").unwrap_or("").to_string();
    if app_key.is_empty() || app_key != st.app_key {
        return Err(ApiError::http(
            StatusCode::UNAUTHORIZED,
            errors::INVALID_APP_KEY,
            "Invalid credentials. The 'app_key' query parameter is missing or is not a registered app key.",
        ));
    }
    let Some(given_sign) = ctx.q("sign").filter(|s| !s.is_empty()) else {
        return Err(ApiError::http(
            StatusCode::UNAUTHORIZED,
            errors::INVALID_SIGN,
            "Invalid credentials. The 'sign' query parameter is missing. Sign every request as described in 'Sign your API request'.",
        ));
    };
    let ts_raw = ctx.q("timestamp").unwrap_or("");
    let Ok(ts) = ts_raw.parse::<i64>() else {
        return Err(ApiError::http(
            StatusCode::UNAUTHORIZED,
            errors::INVALID_TIMESTAMP,
            format!(
                "Invalid timestamp. The 'timestamp' query parameter must be Unix seconds, got '{ts_raw}'."
            ),
        ));
    };
    let multipart = ctx.content_type.starts_with("multipart/form-data");
    let signed_body = (!multipart && !ctx.body.is_empty()).then_some(ctx.body);
    let expected = sign(&st.app_secret, path, ctx.query, signed_body);
    if !bool::from(expected.as_bytes().ct_eq(given_sign.as_bytes())) {
        return Err(ApiError::http(
            StatusCode::UNAUTHORIZED,
            errors::INVALID_SIGN,
            "Invalid credentials. The 'sign' query parameter is invalid. Recompute it over the path, the sorted query parameters (except sign and access_token) and the exact body bytes sent.",
        ));
    }
    if (now - ts).abs() > TIMESTAMP_WINDOW_SECS {
        return Err(ApiError::http(
            StatusCode::UNAUTHORIZED,
            errors::INVALID_TIMESTAMP,
            format!(
                "Invalid timestamp. The request timestamp {ts} is more than {TIMESTAMP_WINDOW_SECS} seconds away from server time {now}; re-sign the request with the current time."
            ),
        ));
    }

    let token = headers
        .get("x-tts-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if token.is_empty() {
        let hint = if ctx.q("access_token").is_some() {
            " The access token must be sent in the 'x-tts-access-token' header, not the query."
        } else {
            ""
        };
        return Err(ApiError::http(
            StatusCode::UNAUTHORIZED,
            errors::INVALID_TOKEN,
            format!("Invalid access token. The 'x-tts-access-token' header is missing.{hint}"),
        ));
    }
    match st.access_tokens.get(token) {
        None => {
            return Err(ApiError::http(
                StatusCode::UNAUTHORIZED,
                errors::INVALID_TOKEN,
                "Invalid access token. The token is unknown or was replaced by a refresh; obtain a new one.",
            ));
        }
        Some(t) if t.expires_at <= now => {
            return Err(ApiError::http(
                StatusCode::UNAUTHORIZED,
                errors::EXPIRED_TOKEN,
                "Access token expired. Refresh it with /api/v2/token/refresh and retry.",
            ));
        }
        Some(_) => {}
    }

    if route.needs_cipher() {
        let cipher = ctx.q("shop_cipher").unwrap_or("");
        if cipher.is_empty() || cipher != st.shop.cipher {
            let msg = if cipher.is_empty() {
                "Shop not authorized. The 'shop_cipher' query parameter is required for this API; get it from /authorization/202309/shops.".to_string()
            } else {
                format!(
                    "Shop not authorized. 'shop_cipher' '{cipher}' does not belong to a shop this access token is authorized for."
                )
            };
            return Err(ApiError::http(
                StatusCode::FORBIDDEN,
                errors::SHOP_NOT_AUTHORIZED,
                msg,
            ));
        }
        ctx.shop_id = st.shop.id.clone();
    }

    let qps = f64::from(tt.qps);
    let bucket = st
        .buckets
        .entry((app_key, ctx.shop_id.clone()))
        .or_insert_with(|| TokenBucket::new(qps, qps));
    if !bucket.try_take() {
        return Err(errors::rate_limited());
    }
    Ok(())
}
