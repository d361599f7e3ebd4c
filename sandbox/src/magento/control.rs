//! Magento control API under `/_sandbox/` (plain JSON, no auth; not part of the platform).
//! Changes made here are what a merchant does in the Magento admin: edit a product (which
//! saves it and moves its `updated_at`), ship, cancel, invoice and refund orders. Magento core
//! sends no webhooks, so nothing is delivered anywhere.

use std::sync::Arc;

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::catalog::product_json;
use super::documents::{Kind, order_documents};
use super::model::{Order, TypeId};
use super::orders::{self, order_json};
use super::{ApiError, Ctx, Magento, state};
use crate::common::{Fault, now_millis};

/// How an order says it was placed for a TikTok order: a status-history comment or the
/// billing company starting with this, followed by the TikTok order id.
pub(crate) const TIKTOK_MARKER: &str = "TikTok Shop order ";

pub(crate) fn routes() -> Router<Arc<Magento>> {
    Router::new()
        .route("/_sandbox/products", get(all_products))
        .route("/_sandbox/products/{sku}", delete(delete_product))
        .route("/_sandbox/stock", post(set_stock))
        .route("/_sandbox/price", post(set_price))
        .route("/_sandbox/orders", get(all_orders))
        .route("/_sandbox/orders/{id}", get(one_order))
        .route("/_sandbox/orders/{id}/ship", post(ship))
        .route("/_sandbox/orders/{id}/cancel", post(cancel))
        .route("/_sandbox/orders/{id}/invoice", post(invoice))
        .route("/_sandbox/orders/{id}/refund", post(refund))
        .route("/_sandbox/integrations/{name}", get(integration))
        .route("/_sandbox/config", post(config))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", post(add_fault))
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

fn api_err(e: &ApiError) -> Response {
    let mut message = e.message.clone();
    if let Some(Value::Array(params)) = &e.parameters {
        for (i, p) in params.iter().enumerate() {
            let shown = p.as_str().map_or_else(|| p.to_string(), str::to_string);
            message = message.replace(&format!("%{}", i + 1), &shown);
        }
    }
    err(e.status, message)
}

/// Every product with its stock: simple products carry `source_items` and
/// `salable_quantity`; configurable parents their children (same shape) under
/// `children_full`.
async fn all_products(AxState(magento): AxState<Arc<Magento>>) -> Response {
    let st = state(&magento);
    let with_stock = |p: &super::model::Product| {
        let mut v = product_json(&st, p, true);
        if p.type_id == TypeId::Simple {
            let sources: Vec<Value> = st
                .source_items
                .iter()
                .filter(|((sku, _), _)| *sku == p.sku)
                .map(|((_, source), item)| {
                    json!({"source_code": source, "quantity": super::model::num(item.quantity), "status": item.status})
                })
                .collect();
            v["source_items"] = Value::Array(sources);
            v["salable_quantity"] = super::model::num(st.salable(&p.sku));
            v["final_price"] = super::model::num(p.final_price());
        }
        v
    };
    let all: Vec<Value> = st
        .products
        .values()
        .filter(|p| p.option.is_none())
        .map(|p| {
            let mut v = with_stock(p);
            if let Some((_, children)) = &p.configurable {
                v["children_full"] = Value::Array(
                    children
                        .iter()
                        .filter_map(|id| st.products.get(id))
                        .map(&with_stock)
                        .collect(),
                );
            }
            v
        })
        .collect();
    Json(json!({"products": all})).into_response()
}

/// Deletes a product as the admin grid's "Delete" does (a configurable parent takes its
/// children's links with it; the children stay as products).
async fn delete_product(
    AxState(magento): AxState<Arc<Magento>>,
    Path(sku): Path<String>,
) -> Response {
    let mut st = state(&magento);
    let Some(id) = st.product_id_by_sku(&sku) else {
        return err(StatusCode::NOT_FOUND, format!("no product with SKU {sku}"));
    };
    st.products.remove(&id);
    for p in st.products.values_mut() {
        if let Some((_, children)) = p.configurable.as_mut() {
            children.retain(|c| *c != id);
        }
    }
    st.source_items.retain(|(s, _), _| *s != sku);
    Json(json!({"deleted": sku})).into_response()
}

#[derive(Deserialize)]
struct StockReq {
    sku: String,
    quantity: i64,
    #[serde(default)]
    source_code: Option<String>,
}

/// Sets a source item's quantity (default source unless named) from the product form; the
/// product is saved, so its `updated_at` moves.
async fn set_stock(AxState(magento): AxState<Arc<Magento>>, Json(req): Json<StockReq>) -> Response {
    let mut st = state(&magento);
    let source = req.source_code.unwrap_or_else(|| "default".to_string());
    if !st.sources.iter().any(|s| s.code == source) {
        return err(StatusCode::NOT_FOUND, format!("no source {source}"));
    }
    let Some(id) = st.product_id_by_sku(&req.sku) else {
        return err(
            StatusCode::NOT_FOUND,
            format!("no product with SKU {}", req.sku),
        );
    };
    st.set_stock(&req.sku, &source, Decimal::from(req.quantity));
    if let Some(p) = st.products.get_mut(&id) {
        p.updated = now_millis();
    }
    let p = st.products.get(&id).cloned();
    match p {
        Some(p) => Json(json!({"sku": req.sku, "source_code": source, "quantity": req.quantity, "salable_quantity": super::model::num(st.salable(&p.sku))})).into_response(),
        None => err(StatusCode::NOT_FOUND, "gone"),
    }
}

#[derive(Deserialize)]
struct PriceReq {
    sku: String,
    price: String,
}

/// Sets a product's price (decimal string) and clears its special price; saves the product.
async fn set_price(AxState(magento): AxState<Arc<Magento>>, Json(req): Json<PriceReq>) -> Response {
    let Ok(price) = req.price.trim().parse::<Decimal>() else {
        return err(
            StatusCode::BAD_REQUEST,
            format!("'{}' is not a price", req.price),
        );
    };
    let mut st = state(&magento);
    let Some(id) = st.product_id_by_sku(&req.sku) else {
        return err(
            StatusCode::NOT_FOUND,
            format!("no product with SKU {}", req.sku),
        );
    };
    if let Some(p) = st.products.get_mut(&id) {
        p.price = price;
        p.special_price = None;
        p.updated = now_millis();
    }
    match st.products.get(&id) {
        Some(p) => Json(product_json(&st, p, true)).into_response(),
        None => err(StatusCode::NOT_FOUND, "gone"),
    }
}

/// What the sandbox reads off an order for tests: the TikTok order id it carries (from a
/// status-history comment or the billing company), and what became of it.
fn sandbox_view(st: &super::model::State, order: &Order) -> Value {
    let marker_id = |text: &str| {
        text.find(TIKTOK_MARKER).map(|at| {
            text[at + TIKTOK_MARKER.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
    };
    let from_comment = order.histories.iter().find_map(|h| marker_id(&h.comment));
    let from_billing = marker_id(&order.billing.company);
    let shipments = order_documents(st, Kind::Shipment, order.id);
    let tracking: Vec<Value> = shipments
        .iter()
        .flat_map(|s| s["tracks"].as_array().cloned().unwrap_or_default())
        .map(|t| t["track_number"].clone())
        .collect();
    let lines: Vec<Value> = order
        .top_items()
        .map(|i| json!({"sku": i.sku, "qty": super::model::num(i.qty_ordered), "price": super::model::num(i.price), "configurable": orders::is_parent_line(i)}))
        .collect();
    json!({
        "id": order.id,
        "increment_id": order.increment_id,
        "state": order.state,
        "status": order.status,
        "tiktok_order_id": from_comment.clone().or(from_billing.clone()),
        "tiktok_in_comment": from_comment.is_some(),
        "tiktok_in_billing": from_billing.is_some(),
        "is_tiktok": from_comment.is_some() || from_billing.is_some(),
        "cancelled": order.state == "canceled",
        "refunded": !order.total_refunded.is_zero(),
        "closed": order.state == "closed",
        "comments": order.histories.iter().map(|h| h.comment.clone()).collect::<Vec<_>>(),
        "tracking_numbers": tracking,
        "lines": lines,
        "grand_total": super::model::num(order.grand_total()),
        "customer_email": order.customer_email,
        "payment_method": order.payment_method,
    })
}

async fn all_orders(AxState(magento): AxState<Arc<Magento>>) -> Response {
    let st = state(&magento);
    let all: Vec<Value> = st
        .orders
        .values()
        .map(|o| {
            let mut v = order_json(o);
            v["sandbox"] = sandbox_view(&st, o);
            v
        })
        .collect();
    Json(json!({"orders": all})).into_response()
}

fn order_response(magento: &Magento, id: u64) -> Response {
    let st = state(magento);
    match st.orders.get(&id) {
        Some(o) => {
            let mut v = order_json(o);
            v["sandbox"] = sandbox_view(&st, o);
            v["shipments"] = Value::Array(order_documents(&st, Kind::Shipment, id));
            v["creditmemos"] = Value::Array(order_documents(&st, Kind::Creditmemo, id));
            Json(v).into_response()
        }
        None => err(StatusCode::NOT_FOUND, format!("no order {id}")),
    }
}

async fn one_order(AxState(magento): AxState<Arc<Magento>>, Path(id): Path<u64>) -> Response {
    order_response(&magento, id)
}

fn ctx_with(magento: &Magento, body: Value) -> Ctx {
    Ctx {
        query: Map::new(),
        body: body.as_object().cloned().unwrap_or_default(),
        input_limits: magento.settings().input_limits,
    }
}

#[derive(Deserialize)]
struct ShipReq {
    track_number: String,
    #[serde(default)]
    carrier_code: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

/// Ships everything left, with one track, as the admin "Ship" button does.
async fn ship(
    AxState(magento): AxState<Arc<Magento>>,
    Path(id): Path<u64>,
    Json(req): Json<ShipReq>,
) -> Response {
    let ctx = ctx_with(
        &magento,
        json!({"tracks": [{
            "track_number": req.track_number,
            "carrier_code": req.carrier_code.unwrap_or_else(|| "custom".into()),
            "title": req.title.unwrap_or_else(|| "Carrier".into()),
        }]}),
    );
    match orders::ship(&magento, &ctx, &id.to_string()) {
        Ok(_) => order_response(&magento, id),
        Err(e) => api_err(&e),
    }
}

/// Cancels the order as the admin "Cancel" button does (409 when Magento would not).
async fn cancel(AxState(magento): AxState<Arc<Magento>>, Path(id): Path<u64>) -> Response {
    match orders::cancel(&magento, &id.to_string()) {
        Ok(Value::Bool(true)) => order_response(&magento, id),
        Ok(_) => err(
            StatusCode::CONFLICT,
            "Magento cannot cancel this order (canCancel() is false)",
        ),
        Err(e) => api_err(&e),
    }
}

/// Invoices everything left (offline capture).
async fn invoice(AxState(magento): AxState<Arc<Magento>>, Path(id): Path<u64>) -> Response {
    let ctx = ctx_with(&magento, json!({"capture": true}));
    match orders::invoice(&magento, &ctx, &id.to_string()) {
        Ok(_) => order_response(&magento, id),
        Err(e) => api_err(&e),
    }
}

/// Refunds the whole order offline (credit memo), invoicing it first when nothing was
/// invoiced yet, as a merchant must; unshipped items go back to salable stock.
async fn refund(AxState(magento): AxState<Arc<Magento>>, Path(id): Path<u64>) -> Response {
    let invoiced = state(&magento)
        .orders
        .get(&id)
        .is_some_and(|o| o.top_items().any(|i| !i.qty_invoiced.is_zero()));
    if !invoiced {
        let ctx = ctx_with(&magento, json!({"capture": true}));
        if let Err(e) = orders::invoice(&magento, &ctx, &id.to_string()) {
            return api_err(&e);
        }
    }
    let ctx = ctx_with(&magento, json!({"notify": false}));
    match orders::refund(&magento, &ctx, &id.to_string()) {
        Ok(_) => order_response(&magento, id),
        Err(e) => api_err(&e),
    }
}

/// Credentials of a seeded integration: `feedbridge` (all resources) or `catalog-reader`
/// (`Magento_Catalog::products` only).
async fn integration(
    AxState(magento): AxState<Arc<Magento>>,
    Path(name): Path<String>,
) -> Response {
    match magento.auth.integration(&name) {
        Some(i) => Json(json!({
            "name": i.name,
            "consumer_key": i.consumer_key,
            "consumer_secret": i.consumer_secret,
            "access_token": i.access_token,
            "access_token_secret": i.access_token_secret,
        }))
        .into_response(),
        None => err(StatusCode::NOT_FOUND, format!("no integration {name}")),
    }
}

#[derive(Deserialize)]
struct ConfigReq {
    #[serde(default)]
    integration_as_bearer: Option<bool>,
    #[serde(default)]
    developer_mode: Option<bool>,
    #[serde(default)]
    input_limits: Option<bool>,
}

/// Changes store configuration (`bin/magento config:set` / deploy mode).
async fn config(AxState(magento): AxState<Arc<Magento>>, Json(req): Json<ConfigReq>) -> Response {
    let mut settings = crate::common::lock(&magento.settings);
    if let Some(v) = req.integration_as_bearer {
        settings.integration_as_bearer = v;
    }
    if let Some(v) = req.developer_mode {
        settings.developer_mode = v;
    }
    if let Some(v) = req.input_limits {
        settings.input_limits = v;
    }
    Json(json!({
        "integration_as_bearer": settings.integration_as_bearer,
        "developer_mode": settings.developer_mode,
        "input_limits": settings.input_limits,
    }))
    .into_response()
}

async fn calls(AxState(magento): AxState<Arc<Magento>>) -> Response {
    Json(magento.calls.all()).into_response()
}

async fn add_fault(AxState(magento): AxState<Arc<Magento>>, Json(fault): Json<Fault>) -> Response {
    magento.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}
