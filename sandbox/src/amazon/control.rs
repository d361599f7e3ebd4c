//! Amazon control API under `/_sandbox/` (plain JSON, no auth; not part of the platform).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Amazon;
use super::model::Status;
use crate::common::{Fault, lock, now_millis};

pub(super) fn routes() -> Router<Amazon> {
    Router::new()
        .route("/_sandbox/fba/stock", get(stock).post(set_stock))
        .route("/_sandbox/mcf/orders", get(orders))
        .route("/_sandbox/mcf/orders/{id}", get(order))
        .route("/_sandbox/mcf/orders/{id}/status", post(set_status))
        .route("/_sandbox/mcf/orders/{id}/ship", post(ship))
        .route("/_sandbox/tokens/expire", post(expire_tokens))
        .route("/_sandbox/refresh_token/revoke", post(revoke))
        .route("/_sandbox/calls", get(calls))
        .route("/_sandbox/faults", post(add_fault))
        .route("/_sandbox/seller", get(seller))
        .route("/_sandbox/seller/listings/{sku}", post(change_listing))
        .route(
            "/_sandbox/seller/families/{asin}",
            axum::routing::delete(delete_family),
        )
}

/// The seller's id and every listing as the merchant sees it in Seller Central.
async fn seller(AxState(amazon): AxState<Amazon>) -> Response {
    let st = lock(&amazon.state);
    let listings: Vec<Value> = st
        .seller
        .listings
        .values()
        .map(|l| {
            json!({
                "sku": l.sku,
                "asin": l.asin,
                "item_name": l.item_name,
                "parent_sku": l.parent_sku,
                "child_skus": l.child_skus,
                "price": l.price.map(|p| p.to_string()),
                "fba": l.fba,
                "quantity": super::seller::quantity(&st, l),
            })
        })
        .collect();
    Json(json!({
        "seller_id": st.seller.seller_id,
        "marketplace_id": st.marketplace.id(),
        "listings": listings,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct ChangeListing {
    /// The offer's price, e.g. "21.50".
    price: Option<String>,
    /// The merchant-fulfilled quantity (FBM SKUs; FBA stock is `/_sandbox/fba/stock`).
    mfn_quantity: Option<i64>,
}

/// The merchant edits an offer in Seller Central: its price or MFN quantity.
async fn change_listing(
    AxState(amazon): AxState<Amazon>,
    Path(sku): Path<String>,
    Json(req): Json<ChangeListing>,
) -> Response {
    let price = match req
        .price
        .as_deref()
        .map(str::parse::<rust_decimal::Decimal>)
    {
        None => None,
        Some(Ok(p)) if p > rust_decimal::Decimal::ZERO => Some(p),
        Some(_) => return err(StatusCode::BAD_REQUEST, "price must be a positive decimal"),
    };
    let mut st = lock(&amazon.state);
    let Some(listing) = st.seller.listings.get_mut(&sku) else {
        return err(StatusCode::NOT_FOUND, format!("no listing {sku}"));
    };
    if listing.is_parent() {
        return err(
            StatusCode::BAD_REQUEST,
            format!("{sku} is a parent SKU: it has no offer"),
        );
    }
    if let Some(qty) = req.mfn_quantity {
        if listing.fba || qty < 0 {
            return err(
                StatusCode::BAD_REQUEST,
                format!(
                    "{sku}: mfn_quantity needs a merchant-fulfilled SKU and a quantity of 0 or more"
                ),
            );
        }
        listing.mfn_quantity = qty;
    }
    if let Some(price) = price {
        listing.price = Some(price);
    }
    listing.updated_ms = now_millis();
    Json(json!({"sku": sku})).into_response()
}

/// The merchant deletes a product (its parent and every child listing) in Seller Central.
async fn delete_family(AxState(amazon): AxState<Amazon>, Path(asin): Path<String>) -> Response {
    let mut st = lock(&amazon.state);
    let Some(listing) = st.seller.by_asin(&asin) else {
        return err(
            StatusCode::NOT_FOUND,
            format!("no listing with ASIN {asin}"),
        );
    };
    let mut skus = listing.child_skus.clone();
    skus.push(listing.sku.clone());
    for sku in &skus {
        st.seller.listings.remove(sku);
    }
    Json(json!({"deleted": skus})).into_response()
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

#[derive(Deserialize)]
struct SetStock {
    sku: String,
    fulfillable: i64,
}

async fn set_stock(AxState(amazon): AxState<Amazon>, Json(req): Json<SetStock>) -> Response {
    if req.fulfillable < 0 {
        return err(StatusCode::BAD_REQUEST, "fulfillable must not be negative");
    }
    let mut st = lock(&amazon.state);
    st.set_stock(&req.sku, req.fulfillable, now_millis());
    match st.stock.get(&req.sku) {
        Some(item) => Json(item.summary(true)).into_response(),
        None => err(StatusCode::INTERNAL_SERVER_ERROR, "stock was not recorded"),
    }
}

async fn stock(AxState(amazon): AxState<Amazon>) -> Response {
    let st = lock(&amazon.state);
    let all: Vec<Value> = st.stock.values().map(|i| i.summary(true)).collect();
    Json(json!({"inventorySummaries": all})).into_response()
}

async fn orders(AxState(amazon): AxState<Amazon>) -> Response {
    let st = lock(&amazon.state);
    let fc = st.marketplace.fulfillment_center();
    let all: Vec<Value> = st.orders.values().map(|o| o.payload(fc)).collect();
    Json(json!({"orders": all})).into_response()
}

async fn order(AxState(amazon): AxState<Amazon>, Path(id): Path<String>) -> Response {
    let st = lock(&amazon.state);
    match st.orders.get(&id) {
        Some(o) => Json(o.payload(st.marketplace.fulfillment_center())).into_response(),
        None => err(
            StatusCode::NOT_FOUND,
            format!("fulfilment order {id} not found"),
        ),
    }
}

#[derive(Deserialize)]
struct SetStatus {
    status: String,
}

/// Moves an open order to Planning, Processing, Unfulfillable, Invalid or Cancelled.
async fn set_status(
    AxState(amazon): AxState<Amazon>,
    Path(id): Path<String>,
    Json(req): Json<SetStatus>,
) -> Response {
    let target = match Status::parse(&req.status) {
        Some(
            s @ (Status::Planning
            | Status::Processing
            | Status::Unfulfillable
            | Status::Invalid
            | Status::Cancelled),
        ) => s,
        _ => {
            return err(
                StatusCode::BAD_REQUEST,
                format!(
                    "status must be Planning, Processing, Unfulfillable, Invalid or Cancelled (use /ship for Complete), got {}",
                    req.status
                ),
            );
        }
    };
    let mut st = lock(&amazon.state);
    let now = now_millis();
    let Some(current) = st.orders.get(&id).map(|o| o.status) else {
        return err(
            StatusCode::NOT_FOUND,
            format!("fulfilment order {id} not found"),
        );
    };
    if current.is_final() {
        return err(
            StatusCode::CONFLICT,
            format!("fulfilment order {id} is already {}", current.as_str()),
        );
    }
    match target {
        Status::Planning => st.plan(&id, now),
        Status::Processing => {
            st.plan(&id, now);
            if let Some(o) = st.orders.get_mut(&id) {
                o.status = Status::Processing;
            }
        }
        other => {
            st.release(&id, other == Status::Cancelled, now);
            if let Some(o) = st.orders.get_mut(&id) {
                o.status = other;
                o.updated_ms = now;
            }
        }
    }
    let fc = st.marketplace.fulfillment_center();
    match st.orders.get(&id) {
        Some(o) => Json(o.payload(fc)).into_response(),
        None => err(
            StatusCode::NOT_FOUND,
            format!("fulfilment order {id} not found"),
        ),
    }
}

#[derive(Deserialize)]
struct Ship {
    carrier_code: String,
    tracking_number: String,
}

/// Ships an open order in one package: Complete (or CompletePartialled) with a SHIPPED shipment.
async fn ship(
    AxState(amazon): AxState<Amazon>,
    Path(id): Path<String>,
    Json(req): Json<Ship>,
) -> Response {
    let mut st = lock(&amazon.state);
    let Some(current) = st.orders.get(&id).map(|o| o.status) else {
        return err(
            StatusCode::NOT_FOUND,
            format!("fulfilment order {id} not found"),
        );
    };
    if current.is_final() {
        return err(
            StatusCode::CONFLICT,
            format!("fulfilment order {id} is already {}", current.as_str()),
        );
    }
    st.ship(&id, &req.carrier_code, &req.tracking_number, now_millis());
    let fc = st.marketplace.fulfillment_center();
    match st.orders.get(&id) {
        Some(o) => Json(o.payload(fc)).into_response(),
        None => err(
            StatusCode::NOT_FOUND,
            format!("fulfilment order {id} not found"),
        ),
    }
}

/// Every access token issued so far expires now.
async fn expire_tokens(AxState(amazon): AxState<Amazon>) -> Response {
    let mut st = lock(&amazon.state);
    let past = crate::common::now_secs() - 1;
    for expiry in st.access_tokens.values_mut() {
        *expiry = past;
    }
    Json(json!({"expired": st.access_tokens.len()})).into_response()
}

/// The seller withdraws the authorization: the refresh token stops working (`invalid_grant`).
/// Access tokens already issued keep working until they expire.
async fn revoke(AxState(amazon): AxState<Amazon>) -> Response {
    lock(&amazon.state).refresh_revoked = true;
    Json(json!({"revoked": true})).into_response()
}

async fn calls(AxState(amazon): AxState<Amazon>) -> Response {
    Json(amazon.calls.all()).into_response()
}

async fn add_fault(AxState(amazon): AxState<Amazon>, Json(fault): Json<Fault>) -> Response {
    amazon.faults.add(fault);
    Json(json!({"ok": true})).into_response()
}
