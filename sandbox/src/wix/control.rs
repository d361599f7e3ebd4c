//! Wix control API under `/_sandbox/` (plain JSON, no auth; not part of the platform).
//! Changes made here are what the site owner does in the dashboard, or the app's developer in
//! the app dashboard (the webhook subscription): they fire the same webhooks.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::hooks::{self, Event};
use super::{ApiError, Window, Wix, billing, orders, state};
use crate::common::{Fault, WebhookMode, lock, now_millis};

/// The shipping title feedbridge gives the orders it creates starts so.
pub(crate) const TIKTOK_TITLE: &str = "TikTok Shop";

pub(crate) fn routes() -> Router<Arc<Wix>> {
    Router::new()
        .route("/_sandbox/products", get(all_products))
        .route("/_sandbox/products/{id}", delete(delete_product))
        .route("/_sandbox/stock", post(set_stock))
        .route("/_sandbox/price", post(set_price))
        .route("/_sandbox/currency", post(set_currency))
        .route("/_sandbox/orders", get(all_orders))
        .route("/_sandbox/orders/{id}/ship", post(ship))
        .route("/_sandbox/orders/{id}/cancel", post(cancel))
        .route("/_sandbox/orders/{id}/refund", post(refund))
        .route("/_sandbox/rate_limit", post(rate_limit))
        .route("/_sandbox/tokens/expire", post(expire_tokens))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", post(add_fault))
        .route("/_sandbox/app/webhooks", post(subscribe).get(subscription))
        .route("/_sandbox/webhooks/deliveries", get(deliveries))
        .route("/_sandbox/webhooks/mode", post(webhook_mode))
        .route("/_sandbox/webhooks/flush", post(webhook_flush))
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

fn api_err(e: &ApiError) -> Response {
    err(e.status, e.body.to_string())
}

/// Every product with its variants; each variant also carries `available` (sellable units:
/// the quantity when tracked, else 100 in stock / 0 out of stock).
async fn all_products(AxState(wix): AxState<Arc<Wix>>) -> Response {
    let st = state(&wix);
    let all: Vec<Value> = st
        .products
        .values()
        .map(|p| {
            let mut v = p.json(&st.base_url, &st.currency, true);
            if let Some(vars) = v["variants"].as_array_mut() {
                for (json, var) in vars.iter_mut().zip(&p.variants) {
                    json["available"] = json!(p.available(var));
                }
            }
            v
        })
        .collect();
    Json(json!({"products": all})).into_response()
}

async fn delete_product(AxState(wix): AxState<Arc<Wix>>, Path(id): Path<String>) -> Response {
    let removed = state(&wix).products.remove(&id);
    if removed.is_none() {
        return err(StatusCode::NOT_FOUND, format!("no product {id}"));
    }
    hooks::dispatch(&wix, vec![Event::product_deleted(&id)]);
    Json(json!({"deleted": id})).into_response()
}

#[derive(Deserialize)]
struct StockBody {
    sku: String,
    /// Tracked: the quantity (tracking turns on).
    #[serde(default)]
    quantity: Option<i64>,
    /// Untracked: tracking turns off for the whole product and this variant is in (or out of)
    /// stock.
    #[serde(default)]
    in_stock: Option<bool>,
}

async fn set_stock(AxState(wix): AxState<Arc<Wix>>, Json(body): Json<StockBody>) -> Response {
    let now = now_millis();
    let mut st = state(&wix);
    let Some((p, i)) = st.product_of_sku(&body.sku) else {
        return err(
            StatusCode::NOT_FOUND,
            format!("no variant has SKU {}", body.sku),
        );
    };
    match (body.quantity, body.in_stock) {
        (Some(q), None) => {
            p.track_quantity = true;
            p.variants[i].quantity = q.max(0);
        }
        (None, Some(in_stock)) => {
            if p.track_quantity {
                for v in &mut p.variants {
                    v.in_stock = v.quantity > 0;
                }
            }
            p.track_quantity = false;
            p.variants[i].in_stock = in_stock;
        }
        _ => return err(StatusCode::BAD_REQUEST, "give quantity or in_stock"),
    }
    p.updated_ms = now;
    p.inventory_updated_ms = now;
    let id = p.id.clone();
    let json = st.products[&id].json(&st.base_url, &st.currency, true);
    let event = Event::inventory(&st, &id);
    drop(st);
    hooks::dispatch(&wix, vec![event]);
    Json(json).into_response()
}

#[derive(Deserialize)]
struct PriceBody {
    sku: String,
    price: String,
}

async fn set_price(AxState(wix): AxState<Arc<Wix>>, Json(body): Json<PriceBody>) -> Response {
    let Ok(price) = Decimal::from_str(body.price.trim()) else {
        return err(StatusCode::BAD_REQUEST, "price is not a decimal");
    };
    let now = now_millis();
    let mut st = state(&wix);
    let Some((p, i)) = st.product_of_sku(&body.sku) else {
        return err(
            StatusCode::NOT_FOUND,
            format!("no variant has SKU {}", body.sku),
        );
    };
    p.variants[i].price = price;
    p.updated_ms = now;
    let id = p.id.clone();
    let json = st.products[&id].json(&st.base_url, &st.currency, true);
    drop(st);
    hooks::dispatch(&wix, vec![Event::product_changed(&id, &["price"])]);
    Json(json).into_response()
}

async fn set_currency(AxState(wix): AxState<Arc<Wix>>, Json(body): Json<Value>) -> Response {
    let Some(currency) = body["currency"].as_str() else {
        return err(StatusCode::BAD_REQUEST, "give currency");
    };
    state(&wix).currency = currency.to_owned();
    Json(json!({"currency": currency})).into_response()
}

/// Every order with `tiktok_order_id` (its `channelInfo.externalOrderId`), `is_tiktok`
/// (channel OTHER_PLATFORM with the TikTok shipping title), `cancelled`,
/// `tracking_numbers` and `transactions` (payments and refunds).
async fn all_orders(AxState(wix): AxState<Arc<Wix>>) -> Response {
    let st = state(&wix);
    let all: Vec<Value> = st
        .orders
        .iter()
        .map(|o| {
            let mut v = o.json();
            v["tiktok_order_id"] = json!(o.external_order_id);
            v["is_tiktok"] = json!(
                o.external_order_id.is_some()
                    && o.channel_type == "OTHER_PLATFORM"
                    && o.shipping_title().starts_with(TIKTOK_TITLE)
            );
            v["cancelled"] = json!(o.status == "CANCELED");
            v["tracking_numbers"] = json!(
                o.fulfillments
                    .iter()
                    .map(|f| f.tracking_number.clone())
                    .collect::<Vec<_>>()
            );
            v["fulfillments"] = o.fulfillments_json()["fulfillments"].clone();
            v["transactions"] = o.transactions_json();
            v
        })
        .collect();
    Json(json!({"orders": all})).into_response()
}

#[derive(Deserialize)]
struct ShipBody {
    shipping_provider: String,
    tracking_number: String,
}

/// Fulfils everything unfulfilled in one fulfillment.
async fn ship(
    AxState(wix): AxState<Arc<Wix>>,
    Path(id): Path<String>,
    Json(body): Json<ShipBody>,
) -> Response {
    let mut fx = Vec::new();
    let result = orders::fulfil(
        &mut state(&wix),
        &id,
        Vec::new(),
        &body.tracking_number,
        &body.shipping_provider,
        "",
        &mut fx,
    );
    hooks::dispatch(&wix, fx);
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => api_err(&e),
    }
}

/// Cancels as the dashboard does (stock goes back).
async fn cancel(AxState(wix): AxState<Arc<Wix>>, Path(id): Path<String>) -> Response {
    let mut fx = Vec::new();
    let result = orders::cancel_order(&mut state(&wix), &id, true, &mut fx);
    hooks::dispatch(&wix, fx);
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => api_err(&e),
    }
}

/// Refunds everything as the dashboard does for an order paid outside Wix (marked as
/// refunded, no restock); fires `payment_status_updated` and `order_updated`.
async fn refund(AxState(wix): AxState<Arc<Wix>>, Path(id): Path<String>) -> Response {
    let mut fx = Vec::new();
    let result = billing::refund_everything(&mut state(&wix), &id, &mut fx);
    hooks::dispatch(&wix, fx);
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => api_err(&e),
    }
}

async fn rate_limit(AxState(wix): AxState<Arc<Wix>>, Json(body): Json<Value>) -> Response {
    let limit = body["limit"]
        .as_u64()
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(super::DEFAULT_RATE);
    let window = body["window_ms"]
        .as_u64()
        .map_or(super::DEFAULT_WINDOW, Duration::from_millis);
    *lock(&wix.window) = Window::new(limit, window);
    Json(json!({"ok": true})).into_response()
}

async fn expire_tokens(AxState(wix): AxState<Arc<Wix>>) -> Response {
    wix.expire_tokens();
    Json(json!({"ok": true})).into_response()
}

async fn calls(AxState(wix): AxState<Arc<Wix>>) -> Response {
    Json(wix.calls.all()).into_response()
}

async fn add_fault(AxState(wix): AxState<Arc<Wix>>, Json(fault): Json<Fault>) -> Response {
    wix.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}

/// The app dashboard's webhook subscription: `{"callback_url": "..."}` (null unsubscribes).
async fn subscribe(AxState(wix): AxState<Arc<Wix>>, Json(body): Json<Value>) -> Response {
    let url = body["callback_url"].as_str().map(str::to_owned);
    *lock(&wix.callback_url) = url.clone();
    Json(json!({"callback_url": url})).into_response()
}

async fn subscription(AxState(wix): AxState<Arc<Wix>>) -> Response {
    Json(json!({"callback_url": *lock(&wix.callback_url)})).into_response()
}

async fn deliveries(AxState(wix): AxState<Arc<Wix>>) -> Response {
    Json(wix.webhooks.deliveries()).into_response()
}

async fn webhook_mode(AxState(wix): AxState<Arc<Wix>>, Json(mode): Json<WebhookMode>) -> Response {
    wix.webhooks.set_mode(mode);
    Json(json!({"ok": true, "mode": mode})).into_response()
}

async fn webhook_flush(AxState(wix): AxState<Arc<Wix>>) -> Response {
    Json(json!({"flushed": wix.webhooks.flush()})).into_response()
}
