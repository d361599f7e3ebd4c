//! PrestaShop control API under `/_sandbox/` (plain JSON, no auth; not part of the platform):
//! what a merchant does in the back office. Editing a product saves it (its `date_upd`
//! moves); stock edits do not (PrestaShop keeps no date on `stock_available`); shipping sets
//! the order carrier's tracking number, then the "Shipped" state; cancel and refund are state
//! changes. PrestaShop sends no webhooks, so nothing is delivered anywhere.

use std::sync::Arc;

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::PrestaShop;
use super::model::{CANCELED, REFUNDED, SHIPPED, State, dec, num, push_assoc, rows, s, text};
use crate::common::{Fault, lock};

/// How our orders carry the TikTok order id: the delivery address alias starts with it.
pub(crate) const ALIAS_MARKER: &str = "TikTok ";
/// ... and the private message on the order starts with this.
pub(crate) const MESSAGE_MARKER: &str = "TikTok Shop order ";

pub(crate) fn routes() -> Router<Arc<PrestaShop>> {
    Router::new()
        .route("/_sandbox/products", get(all_products))
        .route("/_sandbox/products/{id}", delete(delete_product))
        .route("/_sandbox/products/{id}/features", post(add_feature))
        .route("/_sandbox/stock", post(set_stock))
        .route("/_sandbox/price", post(set_price))
        .route("/_sandbox/orders", get(all_orders))
        .route("/_sandbox/orders/{id}/ship", post(ship))
        .route("/_sandbox/orders/{id}/cancel", post(cancel))
        .route("/_sandbox/orders/{id}/refund", post(refund))
        .route("/_sandbox/keys/{name}", get(key))
        .route("/_sandbox/config", post(config))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", post(add_fault))
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

fn quantity(st: &State, product: u64, attribute: u64) -> i64 {
    st.stock_id(product, attribute)
        .and_then(|id| st.get("stock_availables", id))
        .map_or(0, |r| text(r, "quantity").parse().unwrap_or(0))
}

/// `(product id, combination id or 0)` of a SKU (a combination's reference, or the reference
/// of a product without combinations).
fn locate(st: &State, sku: &str) -> Option<(u64, u64)> {
    if let Some(c) = st.all("combinations").find(|c| text(c, "reference") == sku) {
        return Some((num(c, "id_product"), num(c, "id")));
    }
    st.all("products")
        .find(|p| text(p, "reference") == sku && rows(p, "combinations").is_empty())
        .map(|p| (num(p, "id"), 0))
}

/// Every product with its SKUs: `{id, name, skus: [{sku, id_product_attribute, price,
/// quantity}]}` (price = product price + combination impact).
async fn all_products(AxState(shop): AxState<Arc<PrestaShop>>) -> Response {
    let st = lock(&shop.state);
    let products: Vec<Value> = st
        .all("products")
        .map(|p| {
            let id = num(p, "id");
            let combinations = rows(p, "combinations");
            let skus: Vec<Value> = if combinations.is_empty() {
                vec![json!({"sku": text(p, "reference"), "id_product_attribute": 0, "price": dec(p, "price").normalize().to_string(), "quantity": quantity(&st, id, 0)})]
            } else {
                combinations
                    .iter()
                    .filter_map(|r| r.get("id").and_then(Value::as_str)?.parse::<u64>().ok())
                    .filter_map(|cid| st.get("combinations", cid))
                    .map(|c| {
                        let cid = num(c, "id");
                        json!({"sku": text(c, "reference"), "id_product_attribute": cid, "price": (dec(p, "price") + dec(c, "price")).normalize().to_string(), "quantity": quantity(&st, id, cid)})
                    })
                    .collect()
            };
            json!({"id": id, "name": text(p, "name"), "reference": text(p, "reference"), "skus": skus})
        })
        .collect();
    Json(json!({"products": products})).into_response()
}

#[derive(Deserialize)]
struct StockBody {
    sku: String,
    quantity: i64,
}

/// Catalog > Stock: the quantity of one SKU (the product total follows).
async fn set_stock(
    AxState(shop): AxState<Arc<PrestaShop>>,
    Json(body): Json<StockBody>,
) -> Response {
    let mut st = lock(&shop.state);
    let Some((product, attribute)) = locate(&st, &body.sku) else {
        return err(StatusCode::NOT_FOUND, format!("no SKU {}", body.sku));
    };
    let Some(id) = st.stock_id(product, attribute) else {
        return err(StatusCode::NOT_FOUND, "no stock row");
    };
    if let Some(r) = st.get_mut("stock_availables", id) {
        r.insert("quantity".into(), s(body.quantity));
    }
    st.sync_product_stock(product);
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
struct PriceBody {
    sku: String,
    price: String,
}

/// The SKU's price (tax excluded): a combination's impact, or the product's price.
async fn set_price(
    AxState(shop): AxState<Arc<PrestaShop>>,
    Json(body): Json<PriceBody>,
) -> Response {
    let Ok(price) = body.price.parse::<Decimal>() else {
        return err(StatusCode::BAD_REQUEST, "price is not a decimal");
    };
    let mut st = lock(&shop.state);
    let Some((product, attribute)) = locate(&st, &body.sku) else {
        return err(StatusCode::NOT_FOUND, format!("no SKU {}", body.sku));
    };
    let base = st
        .get("products", product)
        .map(|p| dec(p, "price"))
        .unwrap_or_default();
    let now = st.tick();
    if attribute == 0 {
        if let Some(p) = st.get_mut("products", product) {
            p.insert("price".into(), s(format!("{price:.6}")));
        }
    } else if let Some(c) = st.get_mut("combinations", attribute) {
        c.insert("price".into(), s(format!("{:.6}", price - base)));
    }
    if let Some(p) = st.get_mut("products", product) {
        p.insert("date_upd".into(), s(now));
    }
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
struct FeatureBody {
    feature: String,
    value: String,
}

/// The product's features gain a value (the feature and value made if missing); it is saved.
async fn add_feature(
    AxState(shop): AxState<Arc<PrestaShop>>,
    Path(id): Path<u64>,
    Json(body): Json<FeatureBody>,
) -> Response {
    let mut st = lock(&shop.state);
    if st.get("products", id).is_none() {
        return err(StatusCode::NOT_FOUND, format!("no product {id}"));
    }
    let (feature, value) = st.feature_value(&body.feature, &body.value);
    let now = st.tick();
    if let Some(p) = st.get_mut("products", id) {
        push_assoc(
            p,
            "product_features",
            json!({"id": feature.to_string(), "id_feature_value": value.to_string()}),
        );
        p.insert("date_upd".into(), s(now));
    }
    Json(json!({"ok": true, "id_feature": feature, "id_feature_value": value})).into_response()
}

/// Deletes a product with its combinations and stock rows.
async fn delete_product(AxState(shop): AxState<Arc<PrestaShop>>, Path(id): Path<u64>) -> Response {
    let mut st = lock(&shop.state);
    if st.get("products", id).is_none() {
        return err(StatusCode::NOT_FOUND, format!("no product {id}"));
    }
    for (table, field) in [
        ("products", "id"),
        ("combinations", "id_product"),
        ("stock_availables", "id_product"),
    ] {
        if let Some(t) = st.tables.get_mut(table) {
            t.retain(|_, e| num(e, field) != id);
        }
    }
    Json(json!({"ok": true})).into_response()
}

/// The TikTok id an order carries (delivery alias, else its private message).
fn tiktok_id(st: &State, order: &super::xml::Entity) -> Option<String> {
    let alias = st
        .get("addresses", num(order, "id_address_delivery"))
        .map(|a| text(a, "alias"))
        .unwrap_or_default();
    if let Some(id) = alias.strip_prefix(ALIAS_MARKER).filter(|i| !i.is_empty()) {
        return Some(id.trim().to_owned());
    }
    let oid = num(order, "id");
    st.all("messages")
        .filter(|m| num(m, "id_order") == oid)
        .find_map(|m| {
            let t = text(m, "message");
            let rest = t.strip_prefix(MESSAGE_MARKER)?;
            Some(
                rest.split_whitespace()
                    .next()?
                    .trim_end_matches('.')
                    .to_owned(),
            )
        })
}

pub(crate) fn order_view(st: &State, o: &super::xml::Entity) -> Value {
    let id = num(o, "id");
    let state = st.get("order_states", num(o, "current_state"));
    let template = state.map(|s| text(s, "template")).unwrap_or_default();
    let tracking: Vec<String> = st
        .all("order_carriers")
        .filter(|c| num(c, "id_order") == id)
        .map(|c| text(c, "tracking_number"))
        .filter(|t| !t.is_empty())
        .collect();
    let messages: Vec<String> = st
        .all("messages")
        .filter(|m| num(m, "id_order") == id)
        .map(|m| text(m, "message"))
        .collect();
    let lines: Vec<Value> = rows(o, "order_rows")
        .iter()
        .map(|r| json!({"sku": r.get("product_reference"), "quantity": r.get("product_quantity"), "price": r.get("unit_price_tax_excl")}))
        .collect();
    json!({
        "id": id,
        "reference": text(o, "reference"),
        "state": state.map(|s| text(s, "name")).unwrap_or_default(),
        "tiktok_order_id": tiktok_id(st, o),
        "is_tiktok": text(o, "module") == "ps_wirepayment" && text(o, "payment") == "TikTok Shop",
        "cancelled": template == CANCELED || template == REFUNDED,
        "refunded": template == REFUNDED,
        "tracking_numbers": tracking,
        "messages": messages,
        "lines": lines,
        "delivery_state": st
            .get("addresses", num(o, "id_address_delivery"))
            .and_then(|a| st.get("states", num(a, "id_state")))
            .map(|s| text(s, "iso_code")),
        "total_paid": text(o, "total_paid"),
        "total_paid_real": text(o, "total_paid_real"),
        "module": text(o, "module"),
        "payment": text(o, "payment"),
    })
}

async fn all_orders(AxState(shop): AxState<Arc<PrestaShop>>) -> Response {
    let st = lock(&shop.state);
    let orders: Vec<Value> = st.all("orders").map(|o| order_view(&st, o)).collect();
    Json(json!({"orders": orders})).into_response()
}

#[derive(Deserialize)]
struct ShipBody {
    carrier: String,
    tracking_number: String,
}

/// Orders > order > Shipping: the carrier and tracking number, then "Shipped".
async fn ship(
    AxState(shop): AxState<Arc<PrestaShop>>,
    Path(id): Path<u64>,
    Json(body): Json<ShipBody>,
) -> Response {
    let mut st = lock(&shop.state);
    if st.get("orders", id).is_none() {
        return err(StatusCode::NOT_FOUND, format!("no order {id}"));
    }
    let known = st
        .all("carriers")
        .find(|c| text(c, "name").eq_ignore_ascii_case(&body.carrier))
        .map(|c| num(c, "id"));
    let carrier = match known {
        Some(c) => c,
        None => st.insert(
            "carriers",
            [
                ("deleted", "0"),
                ("is_module", "0"),
                ("id_reference", "0"),
                ("name", body.carrier.as_str()),
                ("active", "1"),
                ("is_free", "0"),
                ("url", ""),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), s(v)))
            .collect(),
        ),
    };
    let oc = st
        .all("order_carriers")
        .find(|c| num(c, "id_order") == id)
        .map(|c| num(c, "id"));
    if let Some(oc) = oc.and_then(|oc| st.get_mut("order_carriers", oc)) {
        oc.insert("id_carrier".into(), s(carrier));
        oc.insert("tracking_number".into(), s(&body.tracking_number));
    }
    let shipped = st.state_by_template(SHIPPED);
    st.change_state(id, shipped, 1);
    let view = st.get("orders", id).map(|o| order_view(&st, o));
    Json(view).into_response()
}

async fn cancel(AxState(shop): AxState<Arc<PrestaShop>>, Path(id): Path<u64>) -> Response {
    let mut st = lock(&shop.state);
    match super::rules::merchant_state(&mut st, id, CANCELED) {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => err(StatusCode::CONFLICT, e),
    }
}

async fn refund(AxState(shop): AxState<Arc<PrestaShop>>, Path(id): Path<u64>) -> Response {
    let mut st = lock(&shop.state);
    match super::rules::merchant_state(&mut st, id, REFUNDED) {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => err(StatusCode::CONFLICT, e),
    }
}

/// A seeded key: `feedbridge` (every resource used, GET/HEAD/POST/PUT), `catalog-reader`
/// (GET on products, combinations, stock_availables) or `disabled`.
async fn key(AxState(shop): AxState<Arc<PrestaShop>>, Path(name): Path<String>) -> Response {
    let keys = lock(&shop.keys);
    match keys.iter().find(|k| k.name == name) {
        Some(k) => Json(json!({"api_key": k.key})).into_response(),
        None => err(StatusCode::NOT_FOUND, format!("no key {name}")),
    }
}

#[derive(Deserialize)]
struct ConfigBody {
    #[serde(default)]
    webservice: Option<bool>,
    #[serde(default)]
    currency: Option<String>,
}

/// Shop settings: the webservice on or off (`PS_WEBSERVICE`), the default currency's ISO code.
async fn config(AxState(shop): AxState<Arc<PrestaShop>>, Json(body): Json<ConfigBody>) -> Response {
    let mut st = lock(&shop.state);
    let ids: Vec<u64> = st.all("configurations").map(|c| num(c, "id")).collect();
    for id in ids {
        if let Some(c) = st.get_mut("configurations", id)
            && text(c, "name") == "PS_WEBSERVICE"
            && let Some(on) = body.webservice
        {
            c.insert("value".into(), s(if on { "1" } else { "0" }));
        }
    }
    if let Some(iso) = body.currency
        && let Some(c) = st.get_mut("currencies", 1)
    {
        c.insert("iso_code".into(), s(iso));
    }
    Json(json!({"ok": true})).into_response()
}

async fn calls(AxState(shop): AxState<Arc<PrestaShop>>) -> Response {
    Json(shop.calls.all()).into_response()
}

async fn add_fault(AxState(shop): AxState<Arc<PrestaShop>>, Json(fault): Json<Fault>) -> Response {
    shop.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}
