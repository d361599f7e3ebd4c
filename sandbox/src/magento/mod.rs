//! Magento 2 / Adobe Commerce REST simulator (magento2.md): `/rest/{store_code}/V1/...`.
//!
//! Requests are routed like `Magento\Webapi\Controller\Rest` (no route → 404 "Request does not
//! match any route."), authorized per route ACL resource (`auth.rs`: integration bearer token or
//! OAuth 1.0a; guest-cart routes are `anonymous`), then read by the service input rules
//! (`input.rs`: snake_case or camelCase keys, unknown keys refused, `searchCriteria` required on
//! lists, a page past the last answering the last page again). Errors have Magento's shape:
//! `{"message": "...%1...", "parameters": [...]}` (or named parameters, or `errors`), with a
//! `trace` only in developer mode. Core Magento has no webhooks and no request rate limit; a
//! `rate_limit` fault answers what order-placement backpressure (2.4.7) answers: 429
//! `{"message":"Too Many Requests","trace":null}`. Control routes live under `/_sandbox/`.
//!
//! Deviations (documented): one website, store group and store view (`default`); one stock
//! (id 1) holding both sources (`default`, `east`); flat rate ($5 per item) is the only enabled
//! carrier; `checkmo`, `banktransfer`, `cashondelivery` and `purchaseorder` are the enabled
//! offline payment methods; no taxes, no catalog price rules; input limiting is on (page size
//! ≤ 300, 20 when not asked), as many installs run it.

mod auth;
mod cart;
mod catalog;
mod control;
mod documents;
mod input;
pub(crate) mod merchant;
mod model;
mod orders;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use crate::SandboxConfig;
use crate::common::{
    CallLog, CallRecord, FAULT_TIMEOUT_HOLD, FaultKind, Faults, lock, now_millis, now_secs,
};
use crate::control::MagentoKeys;
use auth::{AuthRequest, Authenticator, Integration};
use model::State;

/// Store configuration the control API can change.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// `oauth/consumer/enable_integration_as_bearer`.
    pub(crate) integration_as_bearer: bool,
    /// `MAGE_MODE=developer`: errors carry a `trace`.
    pub(crate) developer_mode: bool,
    /// `webapi/validation/input_limit_enabled`.
    pub(crate) input_limits: bool,
}

pub(crate) struct Magento {
    pub(crate) state: Mutex<State>,
    auth: Authenticator,
    pub(crate) settings: Mutex<Settings>,
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
    rng: Mutex<StdRng>,
}

impl Magento {
    pub(crate) fn new(config: &SandboxConfig, base_url: String) -> (Arc<Self>, MagentoKeys) {
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x0006_a6e0_2024_0002);
        let mut integration =
            |id: u64, name: &str, resources: Option<Vec<&'static str>>| Integration {
                id,
                name: name.to_string(),
                consumer_key: auth::random_token(&mut rng),
                consumer_secret: auth::random_token(&mut rng),
                access_token: auth::random_token(&mut rng),
                access_token_secret: auth::random_token(&mut rng),
                resources,
            };
        let full = integration(1, "feedbridge", None);
        let catalog_only =
            integration(2, "catalog-reader", Some(vec!["Magento_Catalog::products"]));
        let seeded = MagentoKeys {
            consumer_key: full.consumer_key.clone(),
            consumer_secret: full.consumer_secret.clone(),
            access_token: full.access_token.clone(),
            access_token_secret: full.access_token_secret.clone(),
        };
        let state = State::seed(crate::shopify::seeded_catalog(config), base_url);
        let magento = Arc::new(Self {
            state: Mutex::new(state),
            auth: Authenticator::new(vec![full, catalog_only]),
            settings: Mutex::new(Settings {
                integration_as_bearer: true,
                developer_mode: false,
                input_limits: true,
            }),
            calls: CallLog::default(),
            faults: Faults::default(),
            rng: Mutex::new(rng),
        });
        (magento, seeded)
    }

    /// A 32-character masked cart id.
    pub(crate) fn masked_id(&self) -> String {
        let mut rng = lock(&self.rng);
        (0..32)
            .map(|_| {
                let n: u8 = rng.random_range(0..62);
                char::from(match n {
                    0..=25 => b'a' + n,
                    26..=51 => b'A' + n - 26,
                    _ => b'0' + n - 52,
                })
            })
            .collect()
    }

    pub(crate) fn settings(&self) -> Settings {
        *lock(&self.settings)
    }
}

pub(crate) fn router(magento: Arc<Magento>) -> Router {
    Router::new()
        .route(
            "/media/catalog/product/{a}/{b}/{file}",
            axum::routing::get(media),
        )
        .merge(control::routes())
        .fallback(api)
        .with_state(magento)
}

async fn media(
    axum::extract::Path((_, _, file)): axum::extract::Path<(String, String, String)>,
) -> Response {
    match file.strip_suffix(".png") {
        Some(name) if !name.is_empty() => (
            [(axum::http::header::CONTENT_TYPE, "image/png")],
            crate::png::solid_png(name, 800, 800),
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// A Magento web API error: `{"message", "parameters"?, "errors"?}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    pub(crate) parameters: Option<Value>,
    pub(crate) errors: Vec<(String, Value)>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            parameters: None,
            errors: Vec::new(),
        }
    }

    #[must_use]
    pub(crate) fn with_params(mut self, parameters: Value) -> Self {
        self.parameters = Some(parameters);
        self
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn bad_request_with(message: &str, parameters: Value) -> Self {
        Self::bad_request(message).with_params(parameters)
    }

    /// `InputException` aggregating several errors.
    pub(crate) fn input_errors(errors: Vec<(String, Value)>) -> Self {
        Self {
            errors,
            ..Self::bad_request("One or more input exceptions have occurred.")
        }
    }

    pub(crate) fn required(field: &str) -> Self {
        Self::bad_request_with(
            "\"%fieldName\" is required. Enter and try again.",
            json!({"fieldName": field}),
        )
    }

    pub(crate) fn unsupported_field(field: &str) -> Self {
        Self::bad_request_with(
            "\"%fieldName\" is not supported. Correct the field name and try again.",
            json!({"fieldName": field}),
        )
    }

    pub(crate) fn invalid_type(value: &Value, ty: &str) -> Self {
        let shown = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Self::bad_request_with(
            "The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again.",
            json!({"value": shown, "type": ty}),
        )
    }

    /// `NoSuchEntityException::singleField()`.
    pub(crate) fn no_such_entity(field: &str, value: Value) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "No such entity with %fieldName = %fieldValue",
        )
        .with_params(json!({"fieldName": field, "fieldValue": value}))
    }

    /// `NoSuchEntityException` with its default message.
    pub(crate) fn entity_missing() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "The entity that was requested doesn't exist. Verify the entity and try again.",
        )
    }

    pub(crate) fn product_missing() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "The product that was requested doesn't exist. Verify the product and try again.",
        )
    }

    pub(crate) fn not_authorized(resource: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "The consumer isn't authorized to access %resources.",
        )
        .with_params(json!({"resources": resource}))
    }

    /// An exception Magento masks outside developer mode (SQL errors and the like).
    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        let report = format!("webapi-{:x}", now_millis());
        Self {
            // Kept for developer mode; production answers the masked text.
            errors: vec![(detail.into(), Value::Null)],
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "Internal Error. Details are available in Magento log file. Report ID: {report}"
                ),
            )
        }
    }

    fn body(&self, developer_mode: bool) -> Value {
        let internal = self.status == StatusCode::INTERNAL_SERVER_ERROR;
        let mut out = Map::new();
        let message = match (internal, developer_mode, self.errors.first()) {
            (true, true, Some((detail, _))) => detail.clone(),
            _ => self.message.clone(),
        };
        out.insert("message".into(), json!(message));
        if !internal && !self.errors.is_empty() {
            let errors: Vec<Value> = self
                .errors
                .iter()
                .map(|(m, p)| json!({"message": m, "parameters": p}))
                .collect();
            out.insert("errors".into(), Value::Array(errors));
        }
        if let Some(p) = &self.parameters {
            out.insert("parameters".into(), p.clone());
        }
        if developer_mode {
            out.insert(
                "trace".into(),
                json!("#0 vendor/magento/framework/Webapi/ServiceInputProcessor.php(192): ...\n#1 {main}"),
            );
        }
        Value::Object(out)
    }
}

pub(crate) type ApiResult = Result<Value, ApiError>;

/// A routed, authenticated request as the endpoints see it.
pub(crate) struct Ctx {
    pub(crate) query: Map<String, Value>,
    pub(crate) body: Map<String, Value>,
    pub(crate) input_limits: bool,
}

/// The endpoints the simulator implements, with their path parameters.
enum Endpoint {
    StoreConfigs,
    StoreGroups,
    Products,
    Product(String),
    Children(String),
    AttributeOptions(String),
    StockItem(String),
    Sources,
    SourceItems,
    SourceItemsSave,
    Salable(String, String),
    CartCreate,
    Cart(String),
    CartItemAdd(String),
    CartItems(String),
    ShippingInformation(String),
    PaymentInformation(String),
    Orders,
    Order(String),
    OrderComment(String),
    OrderComments(String),
    OrderCancel(String),
    Invoice(String),
    Ship(String),
    Refund(String),
    Invoices,
    Shipments,
    Shipment(String),
    Creditmemos,
}

/// webapi.xml: the route and its ACL resource (`anonymous` needs no credentials).
fn route(method: &str, segs: &[String]) -> Option<(Endpoint, &'static str)> {
    use Endpoint as E;
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let p = |i: usize| segs.get(i).cloned().unwrap_or_default();
    const SALES_VIEW: &str = "Magento_Sales::actions_view";
    Some(match (method, s.as_slice()) {
        ("GET", ["store", "storeConfigs"]) => (E::StoreConfigs, "Magento_Backend::store"),
        ("GET", ["store", "storeGroups"]) => (E::StoreGroups, "Magento_Backend::store"),
        ("GET", ["products"]) => (E::Products, "Magento_Catalog::products"),
        ("GET", ["products", "attributes", _, "options"]) => (
            E::AttributeOptions(p(2)),
            "Magento_Catalog::attributes_attributes",
        ),
        ("GET", ["products", _]) => (E::Product(p(1)), "Magento_Catalog::products"),
        ("GET", ["configurable-products", _, "children"]) => {
            (E::Children(p(1)), "Magento_Catalog::products")
        }
        ("GET", ["stockItems", _]) => (
            E::StockItem(p(1)),
            "Magento_CatalogInventory::cataloginventory",
        ),
        ("GET", ["inventory", "sources"]) => (E::Sources, "Magento_InventoryApi::source"),
        ("GET", ["inventory", "source-items"]) => (E::SourceItems, "Magento_InventoryApi::source"),
        ("POST", ["inventory", "source-items"]) => {
            (E::SourceItemsSave, "Magento_InventoryApi::source")
        }
        ("GET", ["inventory", "get-product-salable-quantity", _, _]) => {
            (E::Salable(p(2), p(3)), "Magento_InventoryApi::stock")
        }
        ("POST", ["guest-carts"]) => (E::CartCreate, "anonymous"),
        ("GET", ["guest-carts", _]) => (E::Cart(p(1)), "anonymous"),
        ("POST", ["guest-carts", _, "items"]) => (E::CartItemAdd(p(1)), "anonymous"),
        ("GET", ["guest-carts", _, "items"]) => (E::CartItems(p(1)), "anonymous"),
        ("POST", ["guest-carts", _, "shipping-information"]) => {
            (E::ShippingInformation(p(1)), "anonymous")
        }
        ("POST", ["guest-carts", _, "payment-information"]) => {
            (E::PaymentInformation(p(1)), "anonymous")
        }
        ("GET", ["orders"]) => (E::Orders, SALES_VIEW),
        ("GET", ["orders", _]) => (E::Order(p(1)), SALES_VIEW),
        ("GET", ["orders", _, "comments"]) => (E::OrderComments(p(1)), SALES_VIEW),
        ("POST", ["orders", _, "comments"]) => (E::OrderComment(p(1)), "Magento_Sales::comment"),
        ("POST", ["orders", _, "cancel"]) => (E::OrderCancel(p(1)), "Magento_Sales::cancel"),
        ("POST", ["order", _, "invoice"]) => (E::Invoice(p(1)), "Magento_Sales::sales_invoice"),
        ("POST", ["order", _, "ship"]) => (E::Ship(p(1)), "Magento_Sales::ship"),
        ("POST", ["order", _, "refund"]) => (E::Refund(p(1)), "Magento_Sales::creditmemo"),
        ("GET", ["invoices"]) => (E::Invoices, "Magento_Sales::sales_invoice"),
        ("GET", ["shipments"]) => (E::Shipments, "Magento_Sales::shipment"),
        ("GET", ["shipment", _]) => (E::Shipment(p(1)), "Magento_Sales::shipment"),
        ("GET", ["creditmemos"]) => (E::Creditmemos, "Magento_Sales::sales_creditmemo"),
        _ => return None,
    })
}

fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Request does not match any route.")
}

/// Every non-control request: faults, routing, authorization, the endpoint.
async fn api(
    AxState(magento): AxState<Arc<Magento>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = now_millis();
    let path = uri.path().to_string();
    let operation = format!("{method} {path}");
    let fault = magento.faults.take(&[path.as_str(), operation.as_str()]);
    if fault == Some(FaultKind::LostAnswer) {
        let _carried_out = handle(&magento, &method, &uri, &headers, &body);
    }
    let developer_mode = magento.settings().developer_mode;
    let response = match fault {
        Some(kind) => fault_response(kind, developer_mode).await,
        None => match handle(&magento, &method, &uri, &headers, &body) {
            Ok(value) => (StatusCode::OK, axum::Json(value)).into_response(),
            Err(e) => (e.status, axum::Json(e.body(developer_mode))).into_response(),
        },
    };
    magento.calls.push(CallRecord {
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

/// Core Magento throttles nothing; hosts and order-placement backpressure answer 429.
async fn fault_response(kind: FaultKind, developer_mode: bool) -> Response {
    match kind {
        FaultKind::RateLimit => (
            StatusCode::TOO_MANY_REQUESTS,
            [("Cache-Control", "no-store"), ("Pragma", "no-cache")],
            axum::Json(json!({"message": "Too Many Requests", "trace": null})),
        )
            .into_response(),
        FaultKind::Http500 => {
            let e = ApiError::internal("SQLSTATE[HY000] [2002] Connection refused");
            (e.status, axum::Json(e.body(developer_mode))).into_response()
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

/// Splits `/[index.php/]rest/[store_code/]V1/...` into the store code and the route segments.
fn split_path(path: &str) -> Option<(String, Vec<String>)> {
    let path = path.strip_prefix("/index.php").unwrap_or(path);
    let rest = path.strip_prefix("/rest/")?;
    let segs: Vec<String> = rest
        .split('/')
        .map(|s| auth::urldecode(&s.replace('+', "%2B")))
        .collect();
    match segs.first().map(String::as_str) {
        Some("V1") => Some(("default".to_string(), segs[1..].to_vec())),
        Some(store @ ("default" | "all")) if segs.get(1).map(String::as_str) == Some("V1") => {
            Some((store.to_string(), segs[2..].to_vec()))
        }
        _ => None,
    }
}

fn handle(
    magento: &Magento,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult {
    let (store, segs) = split_path(uri.path()).ok_or_else(no_route)?;
    let segs: Vec<String> = segs.into_iter().filter(|s| !s.is_empty()).collect();
    let (endpoint, resource) = route(method.as_str(), &segs).ok_or_else(no_route)?;
    let settings = magento.settings();
    if resource != "anonymous" {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let url = format!("http://{host}{}", uri.path());
        let user = magento.auth.authenticate(
            &AuthRequest {
                method: method.as_str(),
                url: &url,
                raw_query: uri.query().unwrap_or_default(),
                authorization: headers.get("authorization").and_then(|v| v.to_str().ok()),
            },
            settings.integration_as_bearer,
            now_secs(),
        )?;
        if !user.is_some_and(|u| u.allows(resource)) {
            return Err(ApiError::not_authorized(resource));
        }
    }
    if store == "all" && method == Method::GET {
        return Err(ApiError::bad_request(
            "Cannot perform GET operation with store code 'all'",
        ));
    }
    let ctx = Ctx {
        query: input::parse_query(uri.query().unwrap_or_default()),
        body: parse_body(headers, body)?,
        input_limits: settings.input_limits,
    };
    dispatch(magento, &ctx, endpoint)
}

/// `Rest\Request::getBodyParams()`: an empty body is no parameters; otherwise the
/// Content-Type picks the deserializer.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.trim().is_empty() {
        return Err(ApiError::bad_request("Content-Type header is empty."));
    }
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::bad_request_with(
            "Server cannot understand Content-Type HTTP header media type %1",
            json!([mime]),
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) | Err(_) => Err(ApiError::bad_request("Decoding error.")),
    }
}

fn dispatch(magento: &Magento, ctx: &Ctx, endpoint: Endpoint) -> ApiResult {
    use Endpoint as E;
    match endpoint {
        E::StoreConfigs => Ok(catalog::store_configs(magento)),
        E::StoreGroups => Ok(catalog::store_groups()),
        E::Products => catalog::list(magento, ctx),
        E::Product(sku) => catalog::get(magento, &sku),
        E::Children(sku) => catalog::children(magento, &sku),
        E::AttributeOptions(code) => catalog::attribute_options(magento, &code),
        E::StockItem(sku) => catalog::stock_item(magento, &sku),
        E::Sources => catalog::sources(magento, ctx),
        E::SourceItems => catalog::source_items(magento, ctx),
        E::SourceItemsSave => catalog::save_source_items(magento, ctx),
        E::Salable(sku, stock) => catalog::salable(magento, &sku, &stock),
        E::CartCreate => Ok(cart::create(magento)),
        E::Cart(id) => cart::get(magento, &id),
        E::CartItemAdd(id) => cart::add_item(magento, ctx, &id),
        E::CartItems(id) => cart::items(magento, &id),
        E::ShippingInformation(id) => cart::shipping_information(magento, ctx, &id),
        E::PaymentInformation(id) => cart::payment_information(magento, ctx, &id),
        E::Orders => orders::list(magento, ctx),
        E::Order(id) => orders::get(magento, &id),
        E::OrderComments(id) => orders::comments(magento, &id),
        E::OrderComment(id) => orders::add_comment(magento, ctx, &id),
        E::OrderCancel(id) => orders::cancel(magento, &id),
        E::Invoice(id) => orders::invoice(magento, ctx, &id),
        E::Ship(id) => orders::ship(magento, ctx, &id),
        E::Refund(id) => orders::refund(magento, ctx, &id),
        E::Invoices => documents::list(magento, ctx, documents::Kind::Invoice),
        E::Shipments => documents::list(magento, ctx, documents::Kind::Shipment),
        E::Shipment(id) => documents::shipment(magento, &id),
        E::Creditmemos => documents::list(magento, ctx, documents::Kind::Creditmemo),
    }
}

/// An `int` path parameter (`/V1/orders/:id`).
pub(crate) fn path_id(raw: &str) -> Result<u64, ApiError> {
    let n = input::to_int(&Value::String(raw.to_string()))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Locks the state.
pub(crate) fn state(magento: &Magento) -> std::sync::MutexGuard<'_, State> {
    lock(&magento.state)
}
