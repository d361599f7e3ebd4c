//! Shopify control API under `/_sandbox/` (plain JSON, no auth; not part of the platform).

use std::str::FromStr;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shopify;
use super::resolvers::{self, Effects};
use crate::common::{Fault, lock};

pub(crate) fn routes() -> Router<Arc<Shopify>> {
    Router::new()
        .route("/_sandbox/inventory", post(set_inventory))
        .route(
            "/_sandbox/inventory/level",
            post(super::stock_control::set_level),
        )
        .route("/_sandbox/locations", get(super::stock_control::locations))
        .route("/_sandbox/price", post(set_price))
        .route("/_sandbox/products", get(products))
        .route("/_sandbox/products/{id}", delete(delete_product))
        .route("/_sandbox/orders", get(orders))
        .route("/_sandbox/orders/{id}/fulfill", post(fulfill))
        .route("/_sandbox/orders/{id}/cancel", post(cancel))
        .route("/_sandbox/orders/{id}/refund", post(refund))
        .route("/_sandbox/fulfillments/{id}/tracking", post(tracking))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", post(add_fault))
        .route("/_sandbox/webhooks/deliveries", get(deliveries))
        .route("/_sandbox/webhooks/mode", post(webhook_mode))
        .route("/_sandbox/webhooks/flush", post(webhook_flush))
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

/// Applies a state change, then delivers the webhooks it produced.
fn apply<T>(
    shop: &Shopify,
    f: impl FnOnce(&mut super::model::State, &mut Effects) -> Result<T, String>,
) -> Result<T, String> {
    let mut st = lock(&shop.state);
    let mut fx = Effects::default();
    let out = f(&mut st, &mut fx)?;
    shop.emit(&st, fx.webhooks);
    Ok(out)
}

#[derive(Deserialize)]
struct InventoryReq {
    sku: String,
    available: i64,
}

async fn set_inventory(
    AxState(shop): AxState<Arc<Shopify>>,
    Json(req): Json<InventoryReq>,
) -> Response {
    match apply(&shop, |st, fx| {
        resolvers::set_available(st, &req.sku, req.available, fx)
    }) {
        Ok(level) => Json(level).into_response(),
        Err(message) => err(StatusCode::NOT_FOUND, message),
    }
}

#[derive(Deserialize)]
struct PriceReq {
    sku: String,
    price: String,
    compare_at_price: Option<String>,
}

async fn set_price(AxState(shop): AxState<Arc<Shopify>>, Json(req): Json<PriceReq>) -> Response {
    let Ok(price) = Decimal::from_str(&req.price) else {
        return err(
            StatusCode::BAD_REQUEST,
            format!("price '{}' is not a decimal", req.price),
        );
    };
    let compare_at = match req.compare_at_price.as_deref().map(Decimal::from_str) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => return err(StatusCode::BAD_REQUEST, "compare_at_price is not a decimal"),
    };
    match apply(&shop, |st, fx| {
        resolvers::set_price(st, &req.sku, price, compare_at, fx)
    }) {
        Ok(product) => Json(product).into_response(),
        Err(message) => err(StatusCode::NOT_FOUND, message),
    }
}

async fn products(AxState(shop): AxState<Arc<Shopify>>) -> Response {
    let st = lock(&shop.state);
    let all: Vec<Value> = st.products.values().map(|p| st.rest_product(p)).collect();
    Json(json!({"products": all})).into_response()
}

async fn delete_product(AxState(shop): AxState<Arc<Shopify>>, Path(id): Path<u64>) -> Response {
    match apply(&shop, |st, fx| resolvers::delete_product(st, id, fx)) {
        Ok(()) => Json(json!({"deleted": id})).into_response(),
        Err(message) => err(StatusCode::NOT_FOUND, message),
    }
}

/// Orders in REST shape, each with a `sandbox` object: the typed view
/// (`control::StoreOrder`) tests assert on.
async fn orders(AxState(shop): AxState<Arc<Shopify>>) -> Response {
    let st = lock(&shop.state);
    let all: Vec<Value> = st
        .orders
        .values()
        .map(|o| {
            let mut v = st.rest_order(o);
            v["sandbox"] = sandbox_view(&st, o);
            v
        })
        .collect();
    Json(json!({"orders": all})).into_response()
}

fn sandbox_view(st: &super::model::State, o: &super::model::Order) -> Value {
    use super::model::{gid, money};
    let fulfillments: Vec<Value> = o
        .fulfillment_ids
        .iter()
        .filter_map(|f| st.fulfillments.get(f))
        .map(|f| {
            let (company, number, _) = f.tracking.first().cloned().unwrap_or((None, None, None));
            json!({
                "id": gid("Fulfillment", f.id),
                "legacy_id": f.id,
                "status": f.status,
                "display_status": f.display_status(),
                "tracking_company": company,
                "tracking_number": number,
                "events": f.events_by_happened().iter().map(|e| e.status.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "id": gid("Order", o.id),
        "legacy_id": o.id,
        "name": o.name,
        "tags": o.tags,
        "note": o.note,
        "source_name": o.source_name,
        "source_identifier": o.source_identifier,
        "custom_attributes": o.custom_attributes,
        "cancelled": o.cancelled_at.is_some(),
        "cancelled_at": o.cancelled_at.map(crate::common::iso8601),
        "cancel_reason": o.cancel_reason,
        "financial_status": o.financial_status,
        "fulfillment_status": o.fulfillment_status(),
        "refunds": o.refunds.iter().map(|r| json!({
            "id": gid("Refund", r.id),
            "amount": money(r.amount),
            "lines": r.lines.iter().map(|(line, quantity, restock)| json!({
                "line_item_id": gid("LineItem", *line), "quantity": quantity, "restock_type": restock,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "line_items": o.line_items.iter().map(|li| json!({
            "variant_id": li.variant_id.map(|v| gid("ProductVariant", v)),
            "sku": li.sku,
            "quantity": li.quantity,
            "current_quantity": li.current(),
            "fulfilled_quantity": li.fulfilled,
            "price": money(li.price),
        })).collect::<Vec<_>>(),
        "subtotal": money(o.subtotal()),
        "shipping_total": money(o.shipping_total),
        "tax_total": money(o.tax_total),
        "discount_total": money(o.total_discounts()),
        "total": money(o.total()),
        "discount_code": o.discount_code,
        "inventory_behaviour": o.inventory_behaviour,
        "fulfillments": fulfillments,
    })
}

#[derive(Deserialize)]
struct FulfillLine {
    sku: String,
    quantity: i64,
}

#[derive(Deserialize)]
struct FulfillReq {
    tracking_number: String,
    company: String,
    url: Option<String>,
    line_items: Option<Vec<FulfillLine>>,
}

fn tracking_of(
    number: &str,
    company: &str,
    url: Option<String>,
) -> Vec<(Option<String>, Option<String>, Option<String>)> {
    let url = url.or_else(|| resolvers::tracking_url(Some(company), number));
    vec![(Some(company.to_string()), Some(number.to_string()), url)]
}

async fn fulfill(
    AxState(shop): AxState<Arc<Shopify>>,
    Path(id): Path<u64>,
    Json(req): Json<FulfillReq>,
) -> Response {
    let exists = lock(&shop.state).orders.contains_key(&id);
    if !exists {
        return err(StatusCode::NOT_FOUND, format!("order {id} not found"));
    }
    let lines = req
        .line_items
        .map(|l| l.into_iter().map(|x| (x.sku, x.quantity)).collect());
    let tracking = tracking_of(&req.tracking_number, &req.company, req.url);
    let result = apply(&shop, |st, fx| {
        let fid = resolvers::fulfil_by_sku(st, id, lines, tracking, fx)?;
        Ok(st
            .fulfillments
            .get(&fid)
            .map(|f| st.rest_fulfillment(f))
            .unwrap_or(Value::Null))
    });
    match result {
        Ok(f) => Json(json!({"fulfillment": f})).into_response(),
        Err(message) => err(StatusCode::CONFLICT, message),
    }
}

#[derive(Deserialize, Default)]
struct CancelReq {
    reason: Option<String>,
    restock: Option<bool>,
}

async fn cancel(
    AxState(shop): AxState<Arc<Shopify>>,
    Path(id): Path<u64>,
    body: Option<Json<CancelReq>>,
) -> Response {
    let req = body.map(|Json(r)| r).unwrap_or_default();
    let reason = req.reason.unwrap_or_else(|| "CUSTOMER".to_string());
    if ![
        "CUSTOMER",
        "DECLINED",
        "FRAUD",
        "INVENTORY",
        "OTHER",
        "STAFF",
    ]
    .contains(&reason.as_str())
    {
        return err(
            StatusCode::BAD_REQUEST,
            format!("reason {reason} is not an OrderCancelReason"),
        );
    }
    let exists = lock(&shop.state).orders.contains_key(&id);
    if !exists {
        return err(StatusCode::NOT_FOUND, format!("order {id} not found"));
    }
    let result = apply(&shop, |st, fx| {
        resolvers::cancel_order_now(st, id, &reason, req.restock.unwrap_or(true), fx)?;
        Ok(st
            .orders
            .get(&id)
            .map(|o| st.rest_order(o))
            .unwrap_or(Value::Null))
    });
    match result {
        Ok(order) => Json(json!({"order": order})).into_response(),
        Err(message) => err(StatusCode::CONFLICT, message),
    }
}

/// The merchant refunds the whole order in the admin (no restock): its financial status
/// becomes REFUNDED, the order stays open, and `refunds/create` fires.
async fn refund(AxState(shop): AxState<Arc<Shopify>>, Path(id): Path<u64>) -> Response {
    let result = apply(&shop, |st, fx| {
        let refund_id = st.id();
        let now = crate::common::now_millis();
        let Some(o) = st.orders.get_mut(&id) else {
            return Err(format!("order {id} not found"));
        };
        if o.financial_status == "REFUNDED" {
            return Err(format!("order {id} is already refunded"));
        }
        o.financial_status = "REFUNDED".to_string();
        o.updated = now;
        let payload = json!({
            "id": refund_id, "order_id": id, "created_at": crate::common::iso8601(now),
            "processed_at": crate::common::iso8601(now), "restock": false, "note": null,
            "admin_graphql_api_id": format!("gid://shopify/Refund/{refund_id}"),
            "refund_line_items": [], "transactions": [],
        });
        fx.webhooks.push(("refunds/create".to_string(), payload));
        Ok(st
            .orders
            .get(&id)
            .map(|o| st.rest_order(o))
            .unwrap_or(Value::Null))
    });
    match result {
        Ok(order) => Json(json!({"order": order})).into_response(),
        Err(message) if message.contains("not found") => err(StatusCode::NOT_FOUND, message),
        Err(message) => err(StatusCode::CONFLICT, message),
    }
}

#[derive(Deserialize)]
struct TrackingReq {
    tracking_number: String,
    company: String,
    url: Option<String>,
}

async fn tracking(
    AxState(shop): AxState<Arc<Shopify>>,
    Path(id): Path<u64>,
    Json(req): Json<TrackingReq>,
) -> Response {
    let tracking = tracking_of(&req.tracking_number, &req.company, req.url);
    let result = apply(&shop, |st, fx| {
        resolvers::update_tracking(st, id, tracking, fx)?;
        Ok(st
            .fulfillments
            .get(&id)
            .map(|f| st.rest_fulfillment(f))
            .unwrap_or(Value::Null))
    });
    match result {
        Ok(f) => Json(json!({"fulfillment": f})).into_response(),
        Err(message) => err(StatusCode::NOT_FOUND, message),
    }
}

async fn calls(AxState(shop): AxState<Arc<Shopify>>) -> Response {
    Json(shop.calls.all()).into_response()
}

async fn add_fault(AxState(shop): AxState<Arc<Shopify>>, Json(fault): Json<Fault>) -> Response {
    shop.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}

async fn deliveries(AxState(shop): AxState<Arc<Shopify>>) -> Response {
    Json(shop.hooks.deliveries()).into_response()
}

async fn webhook_mode(
    AxState(shop): AxState<Arc<Shopify>>,
    Json(mode): Json<crate::common::WebhookMode>,
) -> Response {
    shop.hooks.set_mode(mode);
    Json(json!({"ok": true, "mode": mode})).into_response()
}

async fn webhook_flush(AxState(shop): AxState<Arc<Shopify>>) -> Response {
    let flushed = shop.hooks.flush();
    Json(json!({"flushed": flushed})).into_response()
}
