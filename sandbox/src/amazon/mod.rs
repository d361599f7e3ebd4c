//! Amazon SP-API simulator (amazon-mcf.md, amazon-seller-central.md): Login with Amazon
//! (`POST /auth/o2/token`), Fulfillment Outbound 2020-07-01, FBA Inventory v1, and the seller's
//! catalog (Listings Items 2021-08-01, Catalog Items 2022-04-01, Reports 2021-06-30 with
//! `GET_MERCHANT_LISTINGS_ALL_DATA`, see `seller.rs`) on one server, which plays the SP-API
//! region of the seller's marketplace (US → NA, UK → EU).
//!
//! Every SP-API call goes through [`entry`]: scripted faults, the `x-amz-access-token` check,
//! the per-operation token bucket (§3), then the operation. Responses carry `x-amzn-RequestId`
//! and, except on 429, `x-amzn-RateLimit-Limit`. Control routes live under `/_sandbox/`.
//!
//! Simulator choices where the note is unconfirmed (each also marked where it is made):
//! - an identical resubmission of a create is 200, a different body under the same id 400;
//! - a new order is `Received` and its units are held in FBA stock (`reservedQuantity`) until
//!   shipped or released; `FillOrKill` without enough fulfillable stock → `Unfulfillable`;
//!   `FillAll`/`FillAllAvailable` hold what there is and mark the rest unfulfillable;
//! - `addressLine1` `INVALID` (any case) → the order is created but `Invalid`;
//! - cancel is allowed in Received/Planning (repeating it on a Cancelled order is 200), else
//!   400 `InvalidInput`;
//! - a `+` in a path id turns into a space, even as `%2B` (live bug, gotcha 1);
//! - auto-ship (`SandboxConfig::mcf_auto_ship`) spends a third of the delay in each of
//!   Received → Planning → Processing → Complete; `Hold` orders are not auto-shipped;
//! - carriers: `UPS` (US) with 1Z tracking numbers, `ROYAL_MAIL` (UK) with S10 numbers;
//! - money (`perUnitDeclaredValue`, ...) in another currency than the marketplace's is 400
//!   `InvalidInput`.
//!
//! One listener per SP-API region (NA, EU, FE) serves the same seller: a call to a region
//! other than the seller's marketplace's is 403 `Unauthorized` "Access to requested resource
//! is denied." with empty details, as SP-API answers a refresh token used outside the region
//! it was authorized for (amzn/selling-partner-api-models#831, #4825).

mod catalog;
mod control;
mod inventory;
mod listings;
mod lwa;
pub(crate) mod merchant;
mod model;
mod outbound;
mod reports;
mod seller;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::SandboxConfig;
use crate::common::{
    Background, CallLog, CallRecord, FAULT_TIMEOUT_HOLD, FaultKind, Faults, TokenBucket, lock,
    now_millis, now_secs,
};
pub(crate) use model::Region;
use model::{Marketplace, State};

pub(crate) struct SeededCredentials {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    /// The seller's merchant token and marketplace id (the Amazon store's config).
    pub seller_id: String,
    pub marketplace_id: String,
}

pub(crate) struct AmazonSim {
    pub(crate) state: Mutex<State>,
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
    pub(crate) bg: Background,
    pub(crate) auto_ship: Option<Duration>,
}

pub(crate) type Amazon = Arc<AmazonSim>;

/// The seller SKUs (with product titles) of the first `products` seeded store products, in
/// seed order: the SKUs the seller also stocks at FBA.
pub(crate) fn fba_catalog(
    shop: &crate::shopify::Shopify,
    products: usize,
) -> Vec<(String, String)> {
    let st = lock(&shop.state);
    st.products
        .values()
        .take(products)
        .flat_map(|p| {
            p.variant_ids.iter().filter_map(|vid| {
                let sku = st.variants.get(vid)?.sku.clone()?;
                Some((sku, p.title.clone()))
            })
        })
        .collect()
}

/// The SP-API region of the seller's marketplace (`SandboxConfig::amazon_marketplace`).
pub(crate) fn home_region(config: &SandboxConfig) -> Region {
    Marketplace::from_config(&config.amazon_marketplace).region()
}

/// The simulator, serving at `base_url` (its home region's listener): FBA stock for the SKUs
/// of `fba_catalog`, and the seller's listings of `seller_catalog` (the shared catalog).
pub(crate) fn new(
    config: &SandboxConfig,
    bg: Background,
    fba_catalog: Vec<(String, String)>,
    seller_catalog: Vec<crate::catalog_seed::SeedProduct>,
    base_url: String,
) -> (Amazon, SeededCredentials) {
    let marketplace = Marketplace::from_config(&config.amazon_marketplace);
    let mut state = State::seed(config.seed, marketplace, fba_catalog, now_millis());
    let fba_asins = state
        .stock
        .values()
        .map(|item| (item.sku.clone(), item.asin.clone()))
        .collect();
    state.seller = seller::Seller::seed(config.seed, base_url, seller_catalog, &fba_asins);
    let creds = SeededCredentials {
        client_id: state.client_id.clone(),
        client_secret: state.client_secret.clone(),
        refresh_token: state.refresh_token.clone(),
        seller_id: state.seller.seller_id.clone(),
        marketplace_id: marketplace.id().to_string(),
    };
    let sim = Arc::new(AmazonSim {
        state: Mutex::new(state),
        calls: CallLog::default(),
        faults: Faults::default(),
        bg,
        auto_ship: config.mcf_auto_ship,
    });
    (sim, creds)
}

/// The simulator as the endpoint of SP-API `region` (Login with Amazon and the control
/// routes answer on every one).
pub(crate) fn router(amazon: Amazon, region: Region) -> Router {
    control::routes()
        .route("/images/I/{file}", axum::routing::get(image))
        .route(
            "/report-documents/{id}",
            axum::routing::get(reports::download),
        )
        .fallback(entry)
        .layer(axum::Extension(region))
        .with_state(amazon)
}

/// The seller's product images (`{name}.png`), as Amazon's image host serves them.
async fn image(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match file.strip_suffix(".png") {
        Some(name) if !name.is_empty() => (
            [(axum::http::header::CONTENT_TYPE, "image/png")],
            crate::png::solid_png(name, 1000, 1000),
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// An SP-API error answer: `{"errors":[{code, message, details}]}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) details: String,
}

impl ApiError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidInput",
            message: message.into(),
            details: String::new(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "NotFound",
            message: message.into(),
            details: String::new(),
        }
    }

    pub(crate) fn denied(details: &str) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            code: "Unauthorized",
            message: "Access to requested resource is denied.".to_string(),
            details: details.to_string(),
        }
    }

    fn quota() -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "QuotaExceeded",
            message: "You exceeded your quota for the requested resource.".to_string(),
            details: String::new(),
        }
    }

    fn body(&self) -> Value {
        json!({"errors": [{"code": self.code, "message": self.message, "details": self.details}]})
    }
}

/// The SP-API operations served, with their §3 token bucket (rate per second, burst).
#[derive(Debug)]
pub(crate) enum Op {
    InventorySummaries,
    CreateOrder,
    ListOrders,
    GetOrder(String),
    CancelOrder(String),
    Tracking,
    /// (sellerId, sku)
    GetListingsItem(String, String),
    SearchListingsItems(String),
    GetCatalogItem(String),
    CreateReport,
    GetReport(String),
    GetReportDocument(String),
}

impl Op {
    fn resolve(method: &Method, path: &str) -> Option<Self> {
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        Some(match (method.as_str(), segs.as_slice()) {
            ("GET", ["fba", "inventory", "v1", "summaries"]) => Op::InventorySummaries,
            ("POST", ["fba", "outbound", "2020-07-01", "fulfillmentOrders"]) => Op::CreateOrder,
            ("GET", ["fba", "outbound", "2020-07-01", "fulfillmentOrders"]) => Op::ListOrders,
            ("GET", ["fba", "outbound", "2020-07-01", "tracking"]) => Op::Tracking,
            ("GET", ["fba", "outbound", "2020-07-01", "fulfillmentOrders", id]) => {
                Op::GetOrder(path_id(id))
            }
            (
                "PUT",
                [
                    "fba",
                    "outbound",
                    "2020-07-01",
                    "fulfillmentOrders",
                    id,
                    "cancel",
                ],
            ) => Op::CancelOrder(path_id(id)),
            ("GET", ["listings", "2021-08-01", "items", seller]) => {
                Op::SearchListingsItems(decoded(seller))
            }
            ("GET", ["listings", "2021-08-01", "items", seller, sku]) => {
                Op::GetListingsItem(decoded(seller), decoded(sku))
            }
            ("GET", ["catalog", "2022-04-01", "items", asin]) => Op::GetCatalogItem(decoded(asin)),
            ("POST", ["reports", "2021-06-30", "reports"]) => Op::CreateReport,
            ("GET", ["reports", "2021-06-30", "reports", id]) => Op::GetReport(decoded(id)),
            ("GET", ["reports", "2021-06-30", "documents", id]) => {
                Op::GetReportDocument(decoded(id))
            }
            _ => return None,
        })
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::InventorySummaries => "getInventorySummaries",
            Op::CreateOrder => "createFulfillmentOrder",
            Op::ListOrders => "listAllFulfillmentOrders",
            Op::GetOrder(_) => "getFulfillmentOrder",
            Op::CancelOrder(_) => "cancelFulfillmentOrder",
            Op::Tracking => "getPackageTrackingDetails",
            Op::GetListingsItem(..) => "getListingsItem",
            Op::SearchListingsItems(_) => "searchListingsItems",
            Op::GetCatalogItem(_) => "getCatalogItem",
            Op::CreateReport => "createReport",
            Op::GetReport(_) => "getReport",
            Op::GetReportDocument(_) => "getReportDocument",
        }
    }

    /// Rate per second and burst of each operation's usage plan (the models' defaults).
    fn limits(&self) -> (f64, f64) {
        match self {
            Op::InventorySummaries | Op::GetCatalogItem(_) => (2.0, 2.0),
            Op::GetListingsItem(..) => (5.0, 10.0),
            Op::SearchListingsItems(_) => (5.0, 5.0),
            Op::CreateReport | Op::GetReportDocument(_) => (0.0167, 15.0),
            Op::GetReport(_) => (2.0, 15.0),
            _ => (2.0, 30.0),
        }
    }

    /// `createReport` answers 202 Accepted; every other operation 200.
    fn success(&self) -> StatusCode {
        match self {
            Op::CreateReport => StatusCode::ACCEPTED,
            _ => StatusCode::OK,
        }
    }
}

/// A path id, percent-decoded. Simulator choice reproducing the live bug (gotcha 1): a `+`,
/// even sent as `%2B`, becomes a space.
fn path_id(raw: &str) -> String {
    let decoded: Vec<u8> = percent_decode(raw.as_bytes());
    String::from_utf8_lossy(&decoded).replace('+', " ")
}

/// A path segment, percent-decoded (a `+` stays a `+`).
fn decoded(raw: &str) -> String {
    String::from_utf8_lossy(&percent_decode(raw.as_bytes())).into_owned()
}

fn percent_decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if raw[i] == b'%'
            && let (Some(h), Some(l)) = (
                raw.get(i + 1).copied().and_then(hex),
                raw.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// What an operation handler gets.
pub(crate) struct Ctx<'a> {
    pub(crate) query: &'a [(String, String)],
    pub(crate) body: &'a [u8],
    pub(crate) content_type: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, comma-separated lists split (SP-API arrays are CSV in the query).
    pub(crate) fn list(&self, key: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Every SP-API and LWA call lands here.
async fn entry(
    AxState(amazon): AxState<Amazon>,
    axum::Extension(region): axum::Extension<Region>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let started = now_millis();
    let query: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let ctx = Ctx {
        query: &query,
        body: &body,
        content_type: &content_type,
    };

    if path == "/auth/o2/token" {
        let (status, body) = match amazon.faults.take(&[path.as_str()]) {
            Some(kind) => lwa::fault(kind).await,
            None if method == Method::POST => lwa::token(&mut lock(&amazon.state), &ctx),
            None => lwa::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "The token endpoint only accepts POST.",
            ),
        };
        amazon.calls.push(CallRecord {
            at_ms: started,
            method: method.to_string(),
            path,
            status: status.as_u16(),
            code: body.get("error").cloned(),
            operation: Some("token".to_string()),
            cost: None,
        });
        return (status, axum::Json(body)).into_response();
    }

    let op = Op::resolve(&method, &path);
    let operation = op.as_ref().map(|o| o.name().to_string());
    let mut targets = vec![path.as_str()];
    if let Some(name) = &operation {
        targets.push(name.as_str());
    }
    let mut success = StatusCode::OK;
    let (result, limit) = match amazon.faults.take(&targets) {
        Some(kind) => {
            if kind == FaultKind::LostAnswer
                && let Some(op) = op
            {
                let _carried_out = handle(&amazon, region, op, &headers, &ctx);
            }
            (Err(fault_error(kind).await), None)
        }
        None => match op {
            None => (
                Err(ApiError::not_found(format!(
                    "Resource {method} {path} is not found."
                ))),
                None,
            ),
            Some(op) => {
                let limit = op.limits().0;
                success = op.success();
                (handle(&amazon, region, op, &headers, &ctx), Some(limit))
            }
        },
    };

    let (status, body, code) = match result {
        Ok(payload) => (success, payload, None),
        Err(e) => (e.status, e.body(), Some(json!(e.code))),
    };
    amazon.calls.push(CallRecord {
        at_ms: started,
        method: method.to_string(),
        path,
        status: status.as_u16(),
        code,
        operation,
        cost: None,
    });
    let mut response = (status, axum::Json(body)).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("x-amzn-RequestId", v);
    }
    // "When available" on 2xx/400 (§2); not sent with a 429.
    if let Some(limit) = limit
        && status != StatusCode::TOO_MANY_REQUESTS
        && let Ok(v) = HeaderValue::from_str(&format!("{limit:.1}"))
    {
        h.insert("x-amzn-RateLimit-Limit", v);
    }
    response
}

async fn fault_error(kind: FaultKind) -> ApiError {
    match kind {
        FaultKind::RateLimit => ApiError::quota(),
        FaultKind::Http500 => ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalFailure",
            message: "We encountered an internal error. Please try again.".to_string(),
            details: String::new(),
        },
        FaultKind::Timeout | FaultKind::LostAnswer => {
            if kind == FaultKind::Timeout {
                tokio::time::sleep(FAULT_TIMEOUT_HOLD).await;
            }
            ApiError {
                status: StatusCode::GATEWAY_TIMEOUT,
                code: "ServiceUnavailable",
                message: "The service timed out.".to_string(),
                details: String::new(),
            }
        }
    }
}

fn handle(
    amazon: &Amazon,
    region: Region,
    op: Op,
    headers: &HeaderMap,
    ctx: &Ctx<'_>,
) -> Result<Value, ApiError> {
    {
        let mut st = lock(&amazon.state);
        authenticate(&st, headers)?;
        if region != st.marketplace.region() {
            // The seller's authorization is for its marketplace's region only.
            return Err(ApiError::denied(""));
        }
        let (rate, burst) = op.limits();
        let bucket = st
            .buckets
            .entry(op.name())
            .or_insert_with(|| TokenBucket::new(rate, burst));
        if !bucket.try_take() {
            return Err(ApiError::quota());
        }
    }
    match op {
        Op::InventorySummaries => inventory::summaries(&lock(&amazon.state), ctx),
        Op::CreateOrder => outbound::create(amazon, ctx),
        Op::ListOrders => outbound::list(&lock(&amazon.state), ctx),
        Op::GetOrder(id) => outbound::get(&lock(&amazon.state), &id),
        Op::CancelOrder(id) => outbound::cancel(&mut lock(&amazon.state), &id),
        Op::Tracking => outbound::tracking(&lock(&amazon.state), ctx),
        Op::GetListingsItem(seller, sku) => listings::get(&lock(&amazon.state), &seller, &sku, ctx),
        Op::SearchListingsItems(seller) => listings::search(&lock(&amazon.state), &seller, ctx),
        Op::GetCatalogItem(asin) => catalog::get_item(&lock(&amazon.state), &asin, ctx),
        Op::CreateReport => reports::create(&mut lock(&amazon.state), ctx),
        Op::GetReport(id) => reports::get(&mut lock(&amazon.state), &id),
        Op::GetReportDocument(id) => reports::get_document(&mut lock(&amazon.state), &id),
    }
}

fn authenticate(st: &State, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if token.is_empty() {
        return Err(ApiError::denied(""));
    }
    let known = st
        .access_tokens
        .iter()
        .find(|(t, _)| bool::from(t.as_bytes().ct_eq(token.as_bytes())));
    match known {
        None => Err(ApiError::denied(
            "The access token you provided is revoked, malformed or invalid.",
        )),
        Some((_, expires)) if *expires <= now_secs() => Err(ApiError::denied(
            "The access token you provided has expired.",
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_are_decoded_and_plus_becomes_space() {
        assert_eq!(path_id("TTS-1%2F2"), "TTS-1/2");
        assert_eq!(path_id("A%2BB"), "A B");
        assert_eq!(path_id("A+B"), "A B");
        assert_eq!(path_id("A%20B"), "A B");
        assert_eq!(path_id("bad%zz"), "bad%zz");
    }
}
