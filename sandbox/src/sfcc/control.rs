//! B2C Commerce control API under `/_sandbox/` (plain JSON, no auth; not part of the
//! platform): what a merchant does in Business Manager (inventory, price book, products,
//! shipping and cancelling orders) and test switches (site currency, token expiry).

use std::sync::Arc;

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sfcc;
use super::api::{order_json, product_json};
use crate::common::{Fault, lock, now_millis};

pub(crate) fn routes() -> Router<Arc<Sfcc>> {
    Router::new()
        .route("/_sandbox/products", get(all_products))
        .route("/_sandbox/products/{id}", delete(delete_product))
        .route("/_sandbox/stock", post(set_stock))
        .route("/_sandbox/price", post(set_price))
        .route("/_sandbox/orders", get(all_orders))
        .route("/_sandbox/orders/{no}/ship", post(ship))
        .route("/_sandbox/orders/{no}/cancel", post(cancel))
        .route("/_sandbox/config", post(config))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", post(add_fault))
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

/// Every master and standard product in SCAPI's shape (variants with `price` and `ats`).
async fn all_products(AxState(sfcc): AxState<Arc<Sfcc>>) -> Response {
    let st = lock(&sfcc.state);
    let products: Vec<Value> = st
        .products
        .values()
        .map(|p| product_json(&st, p, &sfcc.base_url))
        .collect();
    Json(json!({ "products": products })).into_response()
}

async fn delete_product(AxState(sfcc): AxState<Arc<Sfcc>>, Path(id): Path<String>) -> Response {
    let mut st = lock(&sfcc.state);
    let Some(product) = st.products.remove(&id) else {
        return err(StatusCode::NOT_FOUND, format!("no product {id}"));
    };
    let skus: Vec<String> = if product.variants.is_empty() {
        vec![product.id.clone()]
    } else {
        product
            .variants
            .iter()
            .map(|(sku, _)| sku.clone())
            .collect()
    };
    for sku in &skus {
        st.inventory.remove(sku);
        st.prices.remove(sku);
    }
    Json(json!({ "deleted": id })).into_response()
}

#[derive(Deserialize)]
struct StockBody {
    sku: String,
    quantity: i64,
}

/// Business Manager's inventory record form: a new allocation (ATS starts from it again).
async fn set_stock(AxState(sfcc): AxState<Arc<Sfcc>>, Json(b): Json<StockBody>) -> Response {
    let mut st = lock(&sfcc.state);
    let Some(record) = st.inventory.get_mut(&b.sku) else {
        return err(
            StatusCode::NOT_FOUND,
            format!("no inventory record for {}", b.sku),
        );
    };
    record.allocation = b.quantity.max(0);
    record.turnover = 0;
    record.modified_ms = now_millis();
    Json(json!({"sku": b.sku, "ats": record.ats()})).into_response()
}

#[derive(Deserialize)]
struct PriceBody {
    sku: String,
    price: String,
}

/// The site's price book entry for a SKU.
async fn set_price(AxState(sfcc): AxState<Arc<Sfcc>>, Json(b): Json<PriceBody>) -> Response {
    let Ok(price) = b.price.parse::<Decimal>() else {
        return err(StatusCode::BAD_REQUEST, format!("bad price {}", b.price));
    };
    let mut st = lock(&sfcc.state);
    if !st.prices.contains_key(&b.sku) {
        return err(
            StatusCode::NOT_FOUND,
            format!("no price book entry for {}", b.sku),
        );
    }
    st.prices.insert(b.sku.clone(), price);
    let now = now_millis();
    let owner = st.product_of_sku(&b.sku).map(|p| p.id.clone());
    if let Some(product) = owner.and_then(|id| st.products.get_mut(&id)) {
        product.modified_ms = now;
    }
    Json(json!({"sku": b.sku, "price": b.price})).into_response()
}

/// Every order (SCAPI shape) with the sandbox's reading of it: the TikTok order id from
/// `c_tiktokOrderId`, whether it is cancelled, and its shipments' tracking numbers.
async fn all_orders(AxState(sfcc): AxState<Arc<Sfcc>>) -> Response {
    let st = lock(&sfcc.state);
    let orders: Vec<Value> = st
        .orders
        .iter()
        .map(|o| {
            json!({
                "order_no": o.order_no,
                "tiktok_order_id": o.custom.get("c_tiktokOrderId").and_then(Value::as_str),
                "channel_type": o.channel_type,
                "cancelled": o.status == "cancelled",
                "tracking_numbers": o.shipments.iter().filter_map(|s| s.tracking_number.clone()).collect::<Vec<_>>(),
                "order": order_json(o, &st.site_id),
            })
        })
        .collect();
    Json(json!({ "orders": orders })).into_response()
}

#[derive(Deserialize)]
struct ShipBody {
    carrier: String,
    tracking_number: String,
}

/// The warehouse ships every shipment with this tracking number (what an OMS or Business
/// Manager writes; the Orders API has no call for it).
async fn ship(
    AxState(sfcc): AxState<Arc<Sfcc>>,
    Path(no): Path<String>,
    Json(b): Json<ShipBody>,
) -> Response {
    let mut st = lock(&sfcc.state);
    let Some(order) = st.order_mut(&no) else {
        return err(StatusCode::NOT_FOUND, format!("no order {no}"));
    };
    if order.status == "cancelled" {
        return err(StatusCode::CONFLICT, format!("order {no} is cancelled"));
    }
    for shipment in &mut order.shipments {
        shipment.shipping_status = "shipped".into();
        shipment.tracking_number = Some(b.tracking_number.clone());
        shipment.carrier = Some(b.carrier.clone());
    }
    order.shipping_status = "shipped".into();
    order.modified_ms = now_millis();
    Json(order_json(order, "RefArch")).into_response()
}

async fn cancel(AxState(sfcc): AxState<Arc<Sfcc>>, Path(no): Path<String>) -> Response {
    let mut st = lock(&sfcc.state);
    let Some(order) = st.order_mut(&no) else {
        return err(StatusCode::NOT_FOUND, format!("no order {no}"));
    };
    if !matches!(order.status.as_str(), "new" | "open" | "completed") {
        return err(
            StatusCode::CONFLICT,
            format!("order {no} is {} and cannot be cancelled", order.status),
        );
    }
    order.status = "cancelled".into();
    order.modified_ms = now_millis();
    Json(order_json(order, "RefArch")).into_response()
}

#[derive(Deserialize)]
struct ConfigBody {
    /// The site's currency (its price books and allowed order currency).
    currency: Option<String>,
    /// Every issued token stops working now.
    #[serde(default)]
    expire_tokens: bool,
}

async fn config(AxState(sfcc): AxState<Arc<Sfcc>>, Json(b): Json<ConfigBody>) -> Response {
    if let Some(currency) = b.currency {
        lock(&sfcc.state).currency = currency;
    }
    if b.expire_tokens {
        sfcc.expire_tokens();
    }
    Json(json!({"ok": true})).into_response()
}

async fn calls(AxState(sfcc): AxState<Arc<Sfcc>>) -> Response {
    Json(sfcc.calls.all()).into_response()
}

async fn add_fault(AxState(sfcc): AxState<Arc<Sfcc>>, Json(fault): Json<Fault>) -> Response {
    sfcc.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}
