//! WooCommerce control API under `/_sandbox/` (plain JSON, no auth; not part of the platform).
//! Changes made here are what a merchant does in wp-admin: they save the resource and fire
//! the same webhooks.

use std::sync::Arc;

use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::model::{Kind, parse_price};
use super::webhooks::{self, Event, Resource};
use super::{ApiError, WooCommerce, orders, products, state, tracking};
use crate::common::{Fault, WebhookMode, now_millis};

pub(crate) fn routes() -> Router<Arc<WooCommerce>> {
    Router::new()
        .route("/_sandbox/products", get(all_products))
        .route("/_sandbox/products/{id}", delete(trash_product))
        .route("/_sandbox/stock", post(set_stock))
        .route("/_sandbox/price", post(set_price))
        .route("/_sandbox/orders", get(all_orders))
        .route("/_sandbox/orders/{id}", get(one_order))
        .route("/_sandbox/orders/{id}/ship", post(ship))
        .route("/_sandbox/orders/{id}/cancel", post(cancel))
        .route("/_sandbox/orders/{id}/refund", post(refund))
        .route("/_sandbox/keys/read_only", get(read_only_key))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", post(add_fault))
        .route("/_sandbox/webhooks", get(all_webhooks))
        .route("/_sandbox/webhooks/deliveries", get(deliveries))
        .route("/_sandbox/webhooks/mode", post(webhook_mode))
        .route("/_sandbox/webhooks/flush", post(webhook_flush))
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

fn api_err(e: &ApiError) -> Response {
    err(e.status, format!("{}: {}", e.code, e.message))
}

/// Every product (trashed ones too) with its variations under `variations_full`.
async fn all_products(AxState(woo): AxState<Arc<WooCommerce>>) -> Response {
    let st = state(&woo);
    let all: Vec<Value> = st
        .items
        .values()
        .filter(|i| i.kind != Kind::Variation)
        .map(|p| {
            let mut v = st.item_json(p);
            v["variations_full"] = Value::Array(
                p.variations
                    .iter()
                    .filter_map(|id| st.items.get(id))
                    .map(|v| st.variation_json(v))
                    .collect(),
            );
            v
        })
        .collect();
    Json(json!({"products": all})).into_response()
}

#[derive(Deserialize)]
struct DeleteQuery {
    #[serde(default)]
    force: bool,
}

/// Moves a product to the trash, as wp-admin's "Move to Trash" does, or with `?force=true`
/// deletes it for good ("Delete Permanently").
async fn trash_product(
    AxState(woo): AxState<Arc<WooCommerce>>,
    Path(id): Path<u64>,
    Query(query): Query<DeleteQuery>,
) -> Response {
    let mut fx = Vec::new();
    let result = products::delete(&mut state(&woo), id, None, query.force, &mut fx);
    webhooks::enqueue(&woo, fx);
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => api_err(&e),
    }
}

#[derive(Deserialize)]
struct StockReq {
    sku: String,
    quantity: i64,
}

/// Sets a SKU's stock (and turns on stock management); fires `product.updated`.
async fn set_stock(AxState(woo): AxState<Arc<WooCommerce>>, Json(req): Json<StockReq>) -> Response {
    edit_sku(&woo, &req.sku, |item| {
        item.manage_stock = true;
        item.stock_quantity = Some(req.quantity);
    })
}

#[derive(Deserialize)]
struct PriceReq {
    sku: String,
    regular_price: String,
}

/// Sets a SKU's regular price (decimal string); fires `product.updated`.
async fn set_price(AxState(woo): AxState<Arc<WooCommerce>>, Json(req): Json<PriceReq>) -> Response {
    let Some(Some(price)) = parse_price(&req.regular_price) else {
        return err(
            StatusCode::BAD_REQUEST,
            format!("regular_price '{}' is not a price", req.regular_price),
        );
    };
    edit_sku(&woo, &req.sku, |item| {
        item.regular_price = Some(price);
    })
}

fn edit_sku(
    woo: &Arc<WooCommerce>,
    sku: &str,
    edit: impl FnOnce(&mut super::model::Item),
) -> Response {
    let result = {
        let mut st = state(woo);
        let Some(id) = st.item_by_sku(sku).map(|i| i.id) else {
            return err(
                StatusCode::NOT_FOUND,
                format!("no product or variation with SKU {sku}"),
            );
        };
        let Some(item) = st.items.get_mut(&id) else {
            return err(StatusCode::NOT_FOUND, format!("no product with id {id}"));
        };
        edit(item);
        item.modified = now_millis();
        let item = item.clone();
        (st.item_json(&item), id)
    };
    webhooks::enqueue(
        woo,
        vec![Event::new(Resource::Product, "updated", result.1)],
    );
    Json(result.0).into_response()
}

async fn all_orders(AxState(woo): AxState<Arc<WooCommerce>>) -> Response {
    let st = state(&woo);
    let all: Vec<Value> = st.orders.values().map(|o| st.order_json(o)).collect();
    Json(json!({"orders": all})).into_response()
}

async fn one_order(AxState(woo): AxState<Arc<WooCommerce>>, Path(id): Path<u64>) -> Response {
    let st = state(&woo);
    match st.orders.get(&id) {
        Some(o) => Json(st.order_json(o)).into_response(),
        None => err(StatusCode::NOT_FOUND, format!("no order {id}")),
    }
}

#[derive(Deserialize)]
struct ShipReq {
    provider: String,
    tracking_number: String,
}

/// Adds a Shipment Tracking item and completes the order, as a merchant shipping it does.
async fn ship(
    AxState(woo): AxState<Arc<WooCommerce>>,
    Path(id): Path<u64>,
    Json(req): Json<ShipReq>,
) -> Response {
    let mut fx = Vec::new();
    let result = {
        let mut st = state(&woo);
        tracking::add(
            &mut st,
            id,
            &json!({"tracking_provider": req.provider, "tracking_number": req.tracking_number}),
            &mut fx,
        )
        .and_then(|_| orders::update(&mut st, id, &json!({"status": "completed"}), &mut fx))
    };
    webhooks::enqueue(&woo, fx);
    match result {
        Ok(order) => Json(order).into_response(),
        Err(e) => api_err(&e),
    }
}

/// Cancels an order as the merchant would in wp-admin (stock goes back).
async fn cancel(AxState(woo): AxState<Arc<WooCommerce>>, Path(id): Path<u64>) -> Response {
    let mut fx = Vec::new();
    let result = orders::update(
        &mut state(&woo),
        id,
        &json!({"status": "cancelled"}),
        &mut fx,
    );
    webhooks::enqueue(&woo, fx);
    match result {
        Ok(order) => Json(order).into_response(),
        Err(e) => api_err(&e),
    }
}

/// The merchant refunds the whole order in wp-admin: WooCommerce sets it `refunded` (stock is
/// not put back unless the merchant ticks "restock", which this control does not do).
async fn refund(AxState(woo): AxState<Arc<WooCommerce>>, Path(id): Path<u64>) -> Response {
    let mut fx = Vec::new();
    let result = orders::update(
        &mut state(&woo),
        id,
        &json!({"status": "refunded"}),
        &mut fx,
    );
    webhooks::enqueue(&woo, fx);
    match result {
        Ok(order) => Json(order).into_response(),
        Err(e) => api_err(&e),
    }
}

async fn read_only_key(AxState(woo): AxState<Arc<WooCommerce>>) -> Response {
    let (key, secret) = &woo.read_only_key;
    Json(json!({"consumer_key": key, "consumer_secret": secret})).into_response()
}

async fn calls(AxState(woo): AxState<Arc<WooCommerce>>) -> Response {
    Json(woo.calls.all()).into_response()
}

async fn add_fault(AxState(woo): AxState<Arc<WooCommerce>>, Json(fault): Json<Fault>) -> Response {
    woo.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}

async fn all_webhooks(AxState(woo): AxState<Arc<WooCommerce>>) -> Response {
    let st = state(&woo);
    Json(json!({"webhooks": webhooks::with_failures(&st)})).into_response()
}

async fn deliveries(AxState(woo): AxState<Arc<WooCommerce>>) -> Response {
    Json(woo.hooks.all()).into_response()
}

async fn webhook_mode(
    AxState(woo): AxState<Arc<WooCommerce>>,
    Json(mode): Json<WebhookMode>,
) -> Response {
    woo.hooks.set_mode(mode);
    Json(json!({"ok": true, "mode": mode})).into_response()
}

async fn webhook_flush(AxState(woo): AxState<Arc<WooCommerce>>) -> Response {
    Json(json!({"flushed": webhooks::flush(&woo)})).into_response()
}
