//! BigCommerce control API under `/_sandbox/` (plain JSON, no auth; not part of the platform).
//! Changes made here are what a merchant does in the control panel: they save the resource
//! and fire the same webhooks.

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

use super::hooks::{self, Event, stock_event};
use super::model::{DEFAULT_LOCATION, Order, State};
use super::{ApiError, BigCommerce, catalog, orders, refunds, shipments, state};
use crate::common::{Fault, WebhookMode, now_millis};

/// What `external_source` says of an order feedbridge created.
pub(crate) const TIKTOK_SOURCE: &str = "TikTok Shop";

pub(crate) fn routes() -> Router<Arc<BigCommerce>> {
    Router::new()
        .route("/_sandbox/products", get(all_products))
        .route("/_sandbox/products/{id}", delete(delete_product))
        .route("/_sandbox/stock", post(set_stock))
        .route("/_sandbox/price", post(set_price))
        .route("/_sandbox/orders", get(all_orders))
        .route("/_sandbox/orders/{id}", get(one_order))
        .route("/_sandbox/orders/{id}/ship", post(ship))
        .route("/_sandbox/orders/{id}/cancel", post(cancel))
        .route("/_sandbox/orders/{id}/refund", post(refund))
        .route("/_sandbox/tokens/read_only", get(read_only_token))
        .route("/_sandbox/rate_limit", post(rate_limit))
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
    err(e.status, e.message.clone())
}

/// Every product with its variants (`include=variants` shape) and each variant's stock per
/// location under `stock_by_location` (`{"1": 12, "2": 3}`).
async fn all_products(AxState(bc): AxState<Arc<BigCommerce>>) -> Response {
    let st = state(&bc);
    let all: Vec<Value> = st
        .products
        .values()
        .map(|p| {
            let mut v = st.product_json(p, &["variants".to_string()]);
            if let Some(variants) = v["variants"].as_array_mut() {
                for var in variants {
                    let id = var["id"].as_u64().unwrap_or_default();
                    if let Some(found) = st.variants.get(&id) {
                        var["stock_by_location"] = json!(
                            found
                                .stock
                                .iter()
                                .map(|(loc, q)| (loc.to_string(), json!(q)))
                                .collect::<serde_json::Map<_, _>>()
                        );
                    }
                }
            }
            v
        })
        .collect();
    Json(json!({"products": all})).into_response()
}

/// Deletes a product as the control panel does; fires `store/product/deleted`.
async fn delete_product(AxState(bc): AxState<Arc<BigCommerce>>, Path(id): Path<u64>) -> Response {
    let mut fx = Vec::new();
    let result = catalog::delete_product(&mut state(&bc), id, &mut fx);
    hooks::dispatch(&bc, fx);
    match result {
        Ok(()) => Json(json!({"deleted": id})).into_response(),
        Err(e) => api_err(&e),
    }
}

#[derive(Deserialize)]
struct StockReq {
    sku: String,
    quantity: i64,
    /// Default: the default location (1).
    #[serde(default)]
    location_id: Option<u64>,
}

/// Sets a SKU's stock at one location, as a merchant editing inventory does; fires the
/// SKU's (or the product's) `inventory/updated` and `store/product/updated`.
async fn set_stock(AxState(bc): AxState<Arc<BigCommerce>>, Json(req): Json<StockReq>) -> Response {
    let location = req.location_id.unwrap_or(DEFAULT_LOCATION);
    let mut fx = Vec::new();
    let result = {
        let mut st = state(&bc);
        if !st.locations.iter().any(|l| l.id == location) {
            return err(StatusCode::NOT_FOUND, format!("no location {location}"));
        }
        let Some(vid) = st.variant_by_sku(&req.sku).map(|v| v.id) else {
            return err(
                StatusCode::NOT_FOUND,
                format!("no variant with SKU {}", req.sku),
            );
        };
        let now = now_millis();
        let Some(v) = st.variants.get_mut(&vid) else {
            return err(StatusCode::NOT_FOUND, format!("no variant {vid}"));
        };
        v.stock.insert(location, req.quantity);
        v.modified = now;
        let (product_id, total) = (v.product_id, v.inventory_level());
        st.touch_product(product_id, now);
        fx.extend(stock_event(&st, vid, "absolute", total, false));
        fx.push(Event::product("store/product/updated", product_id));
        st.variants.get(&vid).map(|v| st.variant_json(v))
    };
    hooks::dispatch(&bc, fx);
    Json(result).into_response()
}

#[derive(Deserialize)]
struct PriceReq {
    sku: String,
    /// Decimal string.
    price: String,
}

/// Sets a SKU's price (the product's price for a product without options); fires
/// `store/product/updated`.
async fn set_price(AxState(bc): AxState<Arc<BigCommerce>>, Json(req): Json<PriceReq>) -> Response {
    let Some(price) = Decimal::from_str(req.price.trim())
        .ok()
        .filter(|p| !p.is_sign_negative())
    else {
        return err(
            StatusCode::BAD_REQUEST,
            format!("price '{}' is not a price", req.price),
        );
    };
    let mut fx = Vec::new();
    let result = {
        let mut st = state(&bc);
        let Some(v) = st.variant_by_sku(&req.sku).cloned() else {
            return err(
                StatusCode::NOT_FOUND,
                format!("no variant with SKU {}", req.sku),
            );
        };
        let now = now_millis();
        if v.sku_id.is_none() {
            if let Some(p) = st.products.get_mut(&v.product_id) {
                p.price = price;
                p.sale_price = None;
            }
        } else if let Some(var) = st.variants.get_mut(&v.id) {
            var.price = Some(price);
            var.sale_price = None;
        }
        st.touch_product(v.product_id, now);
        fx.push(Event::product("store/product/updated", v.product_id));
        st.variants.get(&v.id).map(|v| st.variant_json(v))
    };
    hooks::dispatch(&bc, fx);
    Json(result).into_response()
}

/// An order with its lines, addresses, shipments and refunds, and what feedbridge looks at:
/// `tiktok_order_id` (as stored, `external_order_id`), `is_tiktok` (`external_source`),
/// `cancelled`, `tracking_numbers`.
fn full_order(st: &State, o: &Order) -> Value {
    let mut v = st.order_json(o);
    v["products"] = json!(
        o.lines
            .iter()
            .map(|l| st.line_json(o, l))
            .collect::<Vec<_>>()
    );
    v["shipping_addresses"] = json!(
        o.addresses
            .iter()
            .map(|a| st.address_json(o, a))
            .collect::<Vec<_>>()
    );
    v["shipments"] = json!(
        o.shipments
            .iter()
            .map(|s| st.shipment_json(o, s))
            .collect::<Vec<_>>()
    );
    v["refunds"] = json!(o.refunds.len());
    v["tiktok_order_id"] = json!(o.external_order_id);
    v["is_tiktok"] = json!(o.external_source.as_deref() == Some(TIKTOK_SOURCE));
    v["cancelled"] = json!(o.status_id == 5);
    v["tracking_numbers"] = json!(
        o.shipments
            .iter()
            .map(|s| s.tracking_number.clone())
            .collect::<Vec<_>>()
    );
    v
}

async fn all_orders(AxState(bc): AxState<Arc<BigCommerce>>) -> Response {
    let st = state(&bc);
    let all: Vec<Value> = st.orders.values().map(|o| full_order(&st, o)).collect();
    Json(json!({"orders": all})).into_response()
}

async fn one_order(AxState(bc): AxState<Arc<BigCommerce>>, Path(id): Path<u64>) -> Response {
    let st = state(&bc);
    match st.orders.get(&id) {
        Some(o) => Json(full_order(&st, o)).into_response(),
        None => err(StatusCode::NOT_FOUND, format!("no order {id}")),
    }
}

#[derive(Deserialize)]
struct ShipReq {
    tracking_number: String,
    /// An AfterShip slug (`ups`) or `""`.
    #[serde(default)]
    tracking_carrier: String,
    /// `usps`, `ups`, ... or `""`.
    #[serde(default)]
    shipping_provider: String,
}

/// Ships everything still unshipped in one shipment, as "Ship items" in the control panel;
/// fires `store/shipment/created`, `statusUpdated` and `store/order/updated`.
async fn ship(
    AxState(bc): AxState<Arc<BigCommerce>>,
    Path(id): Path<u64>,
    Json(req): Json<ShipReq>,
) -> Response {
    let mut fx = Vec::new();
    let result = {
        let mut st = state(&bc);
        let Some(o) = st.orders.get(&id) else {
            return err(StatusCode::NOT_FOUND, format!("no order {id}"));
        };
        let items: Vec<Value> = o
            .lines
            .iter()
            .filter(|l| l.quantity > l.quantity_shipped)
            .map(|l| json!({"order_product_id": l.id, "quantity": l.quantity - l.quantity_shipped}))
            .collect();
        let address = o.addresses.first().map_or(0, |a| a.id);
        let body = json!({
            "order_address_id": address,
            "items": items,
            "tracking_number": req.tracking_number,
            "tracking_carrier": req.tracking_carrier,
            "shipping_provider": req.shipping_provider,
        });
        shipments::create(&mut st, id, &body, &mut fx)
    };
    hooks::dispatch(&bc, fx);
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => api_err(&e),
    }
}

/// Sets the order Cancelled as the merchant would (stock goes back).
async fn cancel(AxState(bc): AxState<Arc<BigCommerce>>, Path(id): Path<u64>) -> Response {
    change(&bc, id, |st, fx| {
        orders::set_status(st, id, 5, true, fx);
        fx.push(Event::order("store/order/updated", id));
        Ok(())
    })
}

/// Refunds everything not yet refunded (offline, custom provider), as "Refund" in the
/// control panel; the order becomes Refunded.
async fn refund(AxState(bc): AxState<Arc<BigCommerce>>, Path(id): Path<u64>) -> Response {
    change(&bc, id, |st, fx| {
        let o = st.orders.get(&id).ok_or_else(orders::order_404)?;
        let reason = "Refunded by the merchant";
        let mut items: Vec<Value> = o
            .lines
            .iter()
            .filter(|l| l.quantity > l.quantity_refunded)
            .map(|l| json!({"item_type": "PRODUCT", "item_id": l.id, "quantity": l.quantity - l.quantity_refunded, "reason": reason}))
            .collect();
        let lines: Decimal = o
            .lines
            .iter()
            .map(|l| l.price_inc_tax * Decimal::from(l.quantity - l.quantity_refunded))
            .sum();
        let left = (o.total().1 - o.refunded_amount()).round_dp(2);
        let rest = left - lines;
        if rest > Decimal::ZERO {
            items.push(json!({"item_type": "ORDER", "item_id": id, "amount": rest.to_string().parse::<f64>().unwrap_or(0.0), "reason": reason}));
        }
        let body = json!({
            "items": items,
            "payments": [{"provider_id": "custom", "amount": left.to_string().parse::<f64>().unwrap_or(0.0), "offline": true}],
        });
        refunds::refund(st, id, &body, fx).map(|_| ())
    })
}

fn change(
    bc: &Arc<BigCommerce>,
    id: u64,
    edit: impl FnOnce(&mut State, &mut Vec<Event>) -> Result<(), ApiError>,
) -> Response {
    let mut fx = Vec::new();
    let result = {
        let mut st = state(bc);
        if !st.orders.contains_key(&id) {
            return err(StatusCode::NOT_FOUND, format!("no order {id}"));
        }
        edit(&mut st, &mut fx).map(|()| st.orders.get(&id).map(|o| full_order(&st, o)))
    };
    hooks::dispatch(bc, fx);
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => api_err(&e),
    }
}

async fn read_only_token(AxState(bc): AxState<Arc<BigCommerce>>) -> Response {
    Json(json!({"access_token": bc.read_only_token})).into_response()
}

#[derive(Deserialize)]
struct RateLimitReq {
    quota: u32,
    window_ms: u64,
}

/// Sets the store's request quota and window (a fresh window starts now).
async fn rate_limit(
    AxState(bc): AxState<Arc<BigCommerce>>,
    Json(req): Json<RateLimitReq>,
) -> Response {
    if req.window_ms == 0 {
        return err(StatusCode::BAD_REQUEST, "window_ms must be positive");
    }
    bc.set_quota(req.quota, Duration::from_millis(req.window_ms));
    Json(json!({"ok": true})).into_response()
}

async fn calls(AxState(bc): AxState<Arc<BigCommerce>>) -> Response {
    Json(bc.calls.all()).into_response()
}

async fn add_fault(AxState(bc): AxState<Arc<BigCommerce>>, Json(fault): Json<Fault>) -> Response {
    bc.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}

async fn all_webhooks(AxState(bc): AxState<Arc<BigCommerce>>) -> Response {
    let st = state(&bc);
    let all: Vec<Value> = st
        .hooks
        .values()
        .map(|h| {
            json!({"id": h.id, "client_id": h.client_id, "scope": h.scope,
                   "destination": h.destination, "is_active": h.is_active, "headers": h.headers})
        })
        .collect();
    Json(json!({"webhooks": all})).into_response()
}

async fn deliveries(AxState(bc): AxState<Arc<BigCommerce>>) -> Response {
    Json(bc.webhooks.deliveries()).into_response()
}

async fn webhook_mode(
    AxState(bc): AxState<Arc<BigCommerce>>,
    Json(mode): Json<WebhookMode>,
) -> Response {
    bc.webhooks.set_mode(mode);
    Json(json!({"ok": true, "mode": mode})).into_response()
}

async fn webhook_flush(AxState(bc): AxState<Arc<BigCommerce>>) -> Response {
    Json(json!({"flushed": bc.webhooks.flush()})).into_response()
}
