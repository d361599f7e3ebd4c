//! TikTok control API under `/_sandbox/` (plain JSON, no auth; not part of the platform).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::model::AUTH_CODE_TTL;
use super::orders::{self, NewOrder};
use super::{TikTok, cancellations, products};
use crate::common::{Fault, lock, now_secs};

pub(crate) fn routes() -> Router<Arc<TikTok>> {
    Router::new()
        .route("/_sandbox/orders", post(create_order).get(list_orders))
        .route("/_sandbox/orders/{id}", get(get_order))
        .route("/_sandbox/orders/{id}/status", post(set_status))
        .route(
            "/_sandbox/orders/{id}/later_version_status",
            post(set_later_version_status),
        )
        .route("/_sandbox/orders/{id}/cancel_request", post(cancel_request))
        .route("/_sandbox/cancellations/{id}/approve", post(approve_cancel))
        .route("/_sandbox/cancellations/{id}/reject", post(reject_cancel))
        .route("/_sandbox/products", get(list_products))
        .route("/_sandbox/products/{id}/review", post(review))
        .route("/_sandbox/products/{id}/delete", post(delete_product))
        .route("/_sandbox/price", post(set_price))
        .route(
            "/_sandbox/stock",
            post(super::inventory::set_stock).get(stock_by_seller_sku),
        )
        .route("/_sandbox/tokens/expire", post(expire_tokens))
        .route("/_sandbox/region", post(set_region))
        .route("/_sandbox/auth_code", post(auth_code))
        .route("/_sandbox/grant/revoke", post(revoke_grant))
        .route("/_sandbox/grant/deauthorize", post(deauthorize))
        .route("/_sandbox/grant/expiring", post(authorization_expiring))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", post(add_fault))
        .route("/_sandbox/webhooks/deliveries", get(deliveries))
        .route("/_sandbox/webhooks/mode", post(webhook_mode))
        .route("/_sandbox/webhooks/flush", post(webhook_flush))
        .route("/_sandbox/webhooks/emit", post(webhook_emit))
        .route("/_sandbox/webhooks/subscriptions", get(subscriptions))
        .merge(super::returns::control_routes())
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

fn status_of(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

async fn create_order(AxState(tt): AxState<Arc<TikTok>>, Json(req): Json<NewOrder>) -> Response {
    match orders::place_order(&tt, req) {
        Ok(order_id) => Json(json!({"order_id": order_id})).into_response(),
        Err(message) => err(StatusCode::BAD_REQUEST, message),
    }
}

async fn list_orders(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let st = lock(&tt.state);
    let all: Vec<Value> = st
        .orders
        .keys()
        .filter_map(|id| orders::order_full(&st, id))
        .collect();
    Json(json!({"orders": all})).into_response()
}

async fn get_order(AxState(tt): AxState<Arc<TikTok>>, Path(id): Path<String>) -> Response {
    let st = lock(&tt.state);
    match orders::order_full(&st, &id) {
        Some(order) => Json(order).into_response(),
        None => err(StatusCode::NOT_FOUND, format!("order {id} not found")),
    }
}

#[derive(Deserialize)]
struct StatusReq {
    status: String,
}

async fn set_status(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    Json(req): Json<StatusReq>,
) -> Response {
    match orders::set_status(&tt, &id, &req.status) {
        Ok(order) => Json(order).into_response(),
        Err((code, message)) => err(status_of(code), message),
    }
}

async fn set_later_version_status(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    Json(req): Json<StatusReq>,
) -> Response {
    match orders::set_later_version_status(&tt, &id, &req.status) {
        Ok(order) => Json(order).into_response(),
        Err((code, message)) => err(status_of(code), message),
    }
}

async fn list_products(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let st = lock(&tt.state);
    let all: Vec<Value> = st
        .products
        .values()
        .map(|p| products::product_json(&st, p))
        .collect();
    Json(json!({"products": all})).into_response()
}

/// Total stock per seller SKU of the live products: what a bench watching stock needs, without
/// building every product.
async fn stock_by_seller_sku(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let st = lock(&tt.state);
    let stock: serde_json::Map<String, Value> = st
        .products
        .values()
        .filter(|p| p.status != "DELETED")
        .flat_map(|p| &p.skus)
        .map(|s| (s.seller_sku.clone(), json!(s.available())))
        .collect();
    Json(json!({ "stock": stock })).into_response()
}

#[derive(Deserialize)]
struct ReviewReq {
    approve: bool,
    #[serde(default)]
    reasons: Vec<String>,
}

async fn review(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    Json(req): Json<ReviewReq>,
) -> Response {
    let exists = lock(&tt.state).products.contains_key(&id);
    if !exists {
        return err(StatusCode::NOT_FOUND, format!("product {id} not found"));
    }
    match products::review(&tt, &id, req.approve, req.reasons) {
        Ok(product) => Json(product).into_response(),
        Err(message) => err(StatusCode::CONFLICT, message),
    }
}

#[derive(Deserialize)]
struct PriceReq {
    seller_sku: String,
    /// Decimal string in the shop's currency.
    price: String,
}

/// A seller changes a SKU's price in Seller Center (not through the API).
async fn set_price(AxState(tt): AxState<Arc<TikTok>>, Json(req): Json<PriceReq>) -> Response {
    let Ok(price) = req.price.trim().parse::<rust_decimal::Decimal>() else {
        return err(
            StatusCode::BAD_REQUEST,
            format!("{:?} is not a price", req.price),
        );
    };
    if price <= rust_decimal::Decimal::ZERO {
        return err(StatusCode::BAD_REQUEST, "a price must be above zero");
    }
    let mut st = lock(&tt.state);
    let Some(product) = st
        .products
        .values_mut()
        .find(|p| p.status != "DELETED" && p.skus.iter().any(|s| s.seller_sku == req.seller_sku))
    else {
        return err(
            StatusCode::NOT_FOUND,
            format!("no SKU {} on TikTok", req.seller_sku),
        );
    };
    for sku in product
        .skus
        .iter_mut()
        .filter(|s| s.seller_sku == req.seller_sku)
    {
        sku.price = price;
    }
    product.update_time = now_secs();
    Json(json!({"product_id": product.id, "seller_sku": req.seller_sku, "price": req.price}))
        .into_response()
}

/// A seller deletes a product in Seller Center.
async fn delete_product(AxState(tt): AxState<Arc<TikTok>>, Path(id): Path<String>) -> Response {
    let mut st = lock(&tt.state);
    let Some(product) = st.products.get_mut(&id) else {
        return err(StatusCode::NOT_FOUND, format!("product {id} not found"));
    };
    product.status = "DELETED".into();
    product.update_time = now_secs();
    Json(json!({"product_id": id, "status": "DELETED"})).into_response()
}

#[derive(serde::Deserialize)]
struct RegionReq {
    region: String,
}

/// Moves the seeded shop to another market (currency, carriers, addresses, listing rules).
async fn set_region(AxState(tt): AxState<Arc<TikTok>>, Json(req): Json<RegionReq>) -> Response {
    match super::set_region(&tt, &req.region) {
        Ok(()) => {
            let st = lock(&tt.state);
            Json(json!({"region": st.shop.region, "currency": st.shop.currency})).into_response()
        }
        Err(message) => err(StatusCode::BAD_REQUEST, message),
    }
}

async fn expire_tokens(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let mut st = lock(&tt.state);
    let past = now_secs() - 1;
    let mut n = 0;
    for t in st.access_tokens.values_mut() {
        if t.expires_at > past {
            t.expires_at = past;
            n += 1;
        }
    }
    Json(json!({"expired": n})).into_response()
}

async fn auth_code(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let mut st = lock(&tt.state);
    let code = st.ids.token("TTP_", 32);
    let expires = now_secs() + AUTH_CODE_TTL;
    st.auth_codes.insert(code.clone(), expires);
    Json(json!({"code": code})).into_response()
}

/// The seller removes the app: every access and refresh token stops working at once (the
/// next call gets 105001, a refresh gets "invalid refresh token"); a new auth code works.
async fn revoke_grant(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let mut st = lock(&tt.state);
    let revoked = st.refresh_tokens.len();
    st.access_tokens.clear();
    st.refresh_tokens.clear();
    Json(json!({"revoked": revoked})).into_response()
}

/// The seller deauthorizes the app in Seller Center: tokens die as with a revoke, and a
/// SELLER_DEAUTHORIZATION notice is sent.
async fn deauthorize(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let revoked = super::events::deauthorize(&tt);
    Json(json!({"revoked": revoked})).into_response()
}

#[derive(Deserialize, Default)]
struct ExpiringReq {
    /// Days until the authorization ends (TikTok starts warning 30 days ahead).
    days: Option<i64>,
}

/// The authorization nears its end: an UPCOMING_AUTHORIZATION_EXPIRATION notice is sent.
async fn authorization_expiring(
    AxState(tt): AxState<Arc<TikTok>>,
    body: Option<Json<ExpiringReq>>,
) -> Response {
    let days = body.and_then(|Json(r)| r.days).unwrap_or(30);
    if !(1..=30).contains(&days) {
        return err(
            StatusCode::BAD_REQUEST,
            format!("days must be 1 to 30 (TikTok warns from 30 days ahead), got {days}"),
        );
    }
    let expiration_time = super::events::authorization_expiring(&tt, days);
    Json(json!({"expiration_time": expiration_time})).into_response()
}

async fn calls(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    Json(tt.calls.all()).into_response()
}

async fn add_fault(AxState(tt): AxState<Arc<TikTok>>, Json(fault): Json<Fault>) -> Response {
    tt.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}

async fn deliveries(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    Json(tt.hooks.deliveries()).into_response()
}

/// The event types the shop has a webhook address for.
async fn subscriptions(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let types: Vec<String> = lock(&tt.state).webhooks.keys().cloned().collect();
    Json(types).into_response()
}

async fn webhook_mode(
    AxState(tt): AxState<Arc<TikTok>>,
    Json(mode): Json<crate::common::WebhookMode>,
) -> Response {
    tt.hooks.set_mode(mode);
    Json(json!({"ok": true, "mode": mode})).into_response()
}

async fn webhook_flush(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let flushed = tt.hooks.flush();
    Json(json!({"flushed": flushed})).into_response()
}

#[derive(Deserialize)]
struct EmitReq {
    event_type: String,
    data: Value,
}

/// Sends a notification of `event_type` with the given `data`, signed like every other, to
/// that type's subscription or else to where the shop's other notices go (a test instrument:
/// e.g. an order id this shop does not have, or a type the receiver did not subscribe to).
async fn webhook_emit(AxState(tt): AxState<Arc<TikTok>>, Json(req): Json<EmitReq>) -> Response {
    let mut st = lock(&tt.state);
    if !super::model::EVENT_TYPES
        .iter()
        .any(|(name, _)| *name == req.event_type)
    {
        return err(
            StatusCode::BAD_REQUEST,
            format!("unknown event type {}", req.event_type),
        );
    }
    let address = st
        .webhooks
        .get(&req.event_type)
        .or_else(|| st.webhooks.values().next())
        .map(|s| s.address.clone());
    let Some(address) = address else {
        return err(StatusCode::CONFLICT, "no webhook is subscribed at all");
    };
    super::events::emit_to(&tt, &mut st, &req.event_type, req.data, address);
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize, Default)]
struct CancelRequestReq {
    reason: Option<String>,
}

/// The buyer asks to cancel an order already awaiting shipment; returns the cancellation.
async fn cancel_request(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    body: Option<Json<CancelRequestReq>>,
) -> Response {
    let req = body.map(|Json(r)| r).unwrap_or_default();
    match cancellations::buyer_request(&tt, &id, req.reason.as_deref()) {
        Ok(c) => Json(c).into_response(),
        Err((code, message)) => err(status_of(code), message),
    }
}

fn cancellation_reply(tt: &TikTok, id: &str, result: Result<(), super::ApiError>) -> Response {
    match result {
        Ok(()) => {
            let st = lock(&tt.state);
            let c = st
                .cancellations
                .get(id)
                .map(|c| orders::cancellation_json(&st, c))
                .unwrap_or(Value::Null);
            Json(c).into_response()
        }
        Err(e) if e.code == super::errors::O_NOT_FOUND => err(StatusCode::NOT_FOUND, e.message),
        Err(e) => err(StatusCode::CONFLICT, e.message),
    }
}

/// The merchant approves a buyer cancellation request in Seller Center.
async fn approve_cancel(AxState(tt): AxState<Arc<TikTok>>, Path(id): Path<String>) -> Response {
    let result = cancellations::approve(&tt, &id);
    cancellation_reply(&tt, &id, result)
}

#[derive(Deserialize, Default)]
struct RejectReq {
    reject_reason: Option<String>,
}

/// The merchant rejects a buyer cancellation request in Seller Center (reason defaults to the
/// first reject reason).
async fn reject_cancel(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    body: Option<Json<RejectReq>>,
) -> Response {
    let req = body.map(|Json(r)| r).unwrap_or_default();
    let reason = req
        .reject_reason
        .unwrap_or_else(|| super::model::CANCEL_REJECT_REASONS[0].0.to_string());
    let result = cancellations::reject(&tt, &id, Some(&reason));
    let result = match result {
        Err(e) if e.code == super::errors::C_REJECT_REASON => {
            return err(StatusCode::BAD_REQUEST, e.message);
        }
        other => other,
    };
    cancellation_reply(&tt, &id, result)
}
