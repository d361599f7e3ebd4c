//! Control routes for what a seller does by hand in TikTok Seller Center (not part of the API):
//! create a product directly (the catalog that linking finds), deactivate a product, what
//! TikTok itself does to a product (deactivate, freeze, delete), and the shop's logistics
//! setup (a warehouse disabled, delivery options turned off, the return warehouse removed).

use std::str::FromStr;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use super::model::{Product, Sku, State};
use super::{TikTok, events, orders, products};
use crate::common::{lock, now_secs};

pub(crate) fn routes() -> Router<Arc<TikTok>> {
    Router::new()
        .route("/_sandbox/seller/products", post(create))
        .route("/_sandbox/products/{id}/deactivate", post(deactivate))
        .route("/_sandbox/products/{id}/status", post(set_product_status))
        .route(
            "/_sandbox/warehouses/{id}/effect_status",
            post(set_warehouse_status),
        )
        .route(
            "/_sandbox/warehouses/{id}/delivery_options/clear",
            post(clear_delivery_options),
        )
        .route("/_sandbox/warehouses", get(list_warehouses))
        .route("/_sandbox/warehouses/{id}/remove", post(remove_warehouse))
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

#[derive(Deserialize)]
struct SellerSku {
    seller_sku: String,
    #[serde(default = "default_price")]
    price: String,
    #[serde(default)]
    quantity: i64,
}

fn default_price() -> String {
    "10.00".into()
}

#[derive(Deserialize)]
struct SellerProduct {
    title: String,
    /// Leaf category; defaults to the first available leaf.
    #[serde(default)]
    category_id: Option<String>,
    /// ACTIVATE unless told otherwise (e.g. PENDING, SELLER_DEACTIVATED).
    #[serde(default)]
    status: Option<String>,
    skus: Vec<SellerSku>,
}

/// A product created in Seller Center: same seller-SKU uniqueness as the API (§5.1).
async fn create(AxState(tt): AxState<Arc<TikTok>>, Json(req): Json<SellerProduct>) -> Response {
    let mut st = lock(&tt.state);
    if req.skus.is_empty() {
        return err(StatusCode::BAD_REQUEST, "a product needs at least one SKU");
    }
    for (i, sku) in req.skus.iter().enumerate() {
        if sku.seller_sku.is_empty() || sku.seller_sku.chars().count() > 50 {
            return err(
                StatusCode::BAD_REQUEST,
                format!("skus[{i}].seller_sku must be 1-50 characters"),
            );
        }
        if req.skus[..i].iter().any(|s| s.seller_sku == sku.seller_sku)
            || st.find_seller_sku(&sku.seller_sku).is_some()
        {
            return err(
                StatusCode::CONFLICT,
                format!(
                    "seller SKU {} already exists in this shop; seller SKUs must be unique",
                    sku.seller_sku
                ),
            );
        }
    }
    let category_id = match req.category_id {
        Some(id) => id,
        None => st
            .categories
            .iter()
            .find(|c| c.is_leaf && c.permission == "AVAILABLE")
            .map(|c| c.id.clone())
            .unwrap_or_default(),
    };
    let Some(warehouse) = st
        .warehouses
        .iter()
        .find(|w| w.is_default)
        .map(|w| w.id.clone())
    else {
        return err(StatusCode::CONFLICT, "the shop has no default warehouse");
    };
    let mut skus = Vec::new();
    for sku in &req.skus {
        let Ok(price) = Decimal::from_str(&sku.price) else {
            return err(
                StatusCode::BAD_REQUEST,
                format!("price {:?} is not a decimal", sku.price),
            );
        };
        let id = st.ids.next_id();
        skus.push(Sku {
            id,
            seller_sku: sku.seller_sku.clone(),
            external_sku_id: None,
            sales_attributes: Vec::new(),
            price,
            list_price: None,
            inventory: vec![(warehouse.clone(), sku.quantity.max(0))],
        });
    }
    let now = now_secs();
    let product_id = st.ids.next_id();
    let product = Product {
        id: product_id.clone(),
        title: req.title,
        description: String::new(),
        category_id,
        brand_id: None,
        main_images: Vec::new(),
        package_weight: None,
        package_dimensions: None,
        product_attributes: Vec::new(),
        skus,
        status: req.status.unwrap_or_else(|| "ACTIVATE".into()),
        audit_failed_reasons: Vec::new(),
        create_time: now,
        update_time: now,
        external_product_id: None,
        compliance: Default::default(),
    };
    let out = products::product_json(&st, &product);
    st.insert_product(product);
    Json(out).into_response()
}

/// The seller deactivates a product (→ SELLER_DEACTIVATED); fires PRODUCT_STATUS_CHANGE (§7).
async fn deactivate(AxState(tt): AxState<Arc<TikTok>>, Path(id): Path<String>) -> Response {
    let mut st = lock(&tt.state);
    let now = now_secs();
    let Some(product) = st.products.get_mut(&id) else {
        return err(StatusCode::NOT_FOUND, format!("product {id} not found"));
    };
    if !["ACTIVATE", "PENDING", "FAILED"].contains(&product.status.as_str()) {
        return err(
            StatusCode::CONFLICT,
            format!(
                "product {id} is {} and cannot be deactivated",
                product.status
            ),
        );
    }
    product.status = "SELLER_DEACTIVATED".into();
    product.update_time = now;
    status_changed(&tt, &mut st, &id, now)
}

#[derive(Deserialize)]
struct NewProductStatus {
    status: String,
}

/// A status change made by the seller or by TikTok (e.g. PLATFORM_DEACTIVATED, FREEZE,
/// DELETED, DRAFT); fires PRODUCT_STATUS_CHANGE (§7).
async fn set_product_status(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    Json(req): Json<NewProductStatus>,
) -> Response {
    if !products::PRODUCT_STATUSES.contains(&req.status.as_str()) {
        return err(
            StatusCode::BAD_REQUEST,
            format!(
                "status {} is not a TikTok product status ({})",
                req.status,
                products::PRODUCT_STATUSES.join(", ")
            ),
        );
    }
    let mut st = lock(&tt.state);
    let now = now_secs();
    let Some(product) = st.products.get_mut(&id) else {
        return err(StatusCode::NOT_FOUND, format!("product {id} not found"));
    };
    product.status = req.status;
    product.update_time = now;
    status_changed(&tt, &mut st, &id, now)
}

/// Announce a product's new status (PRODUCT_STATUS_CHANGE, §7) and answer with the product.
fn status_changed(tt: &TikTok, st: &mut State, id: &str, now: i64) -> Response {
    let numeric_id: u64 = id.parse().unwrap_or_default();
    let out = products::product_json(st, &st.products[id]);
    events::emit(
        tt,
        st,
        "PRODUCT_STATUS_CHANGE",
        json!({"product_id": numeric_id, "status": "PRODUCT_STATUS_CHANGED", "suspended_reason": "", "update_time": now}),
    );
    Json(out).into_response()
}

#[derive(Deserialize)]
struct WarehouseStatus {
    effect_status: String,
}

/// The seller (or TikTok) enables, disables or restricts a warehouse (§4.2 effect_status).
async fn set_warehouse_status(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    Json(req): Json<WarehouseStatus>,
) -> Response {
    let status = match req.effect_status.as_str() {
        "ENABLED" => "ENABLED",
        "DISABLED" => "DISABLED",
        "RESTRICTED" => "RESTRICTED",
        other => {
            return err(
                StatusCode::BAD_REQUEST,
                format!("effect_status {other} is not ENABLED, DISABLED or RESTRICTED"),
            );
        }
    };
    let mut st = lock(&tt.state);
    let Some(warehouse) = st.warehouses.iter_mut().find(|w| w.id == id) else {
        return err(StatusCode::NOT_FOUND, format!("warehouse {id} not found"));
    };
    warehouse.effect_status = status;
    Json(json!({"id": id, "effect_status": status})).into_response()
}

/// The seller turns off every delivery option of a warehouse in Seller Center.
async fn clear_delivery_options(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
) -> Response {
    let mut st = lock(&tt.state);
    if !st.warehouses.iter().any(|w| w.id == id) {
        return err(StatusCode::NOT_FOUND, format!("warehouse {id} not found"));
    }
    let before = st.delivery_options.len();
    st.delivery_options.retain(|d| d.warehouse_id != id);
    Json(json!({"id": id, "removed": before - st.delivery_options.len()})).into_response()
}

/// The warehouses as the API lists them, for tests to pick one.
async fn list_warehouses(AxState(tt): AxState<Arc<TikTok>>) -> Response {
    let st = lock(&tt.state);
    Json(orders::warehouses(&st).ok().unwrap_or_default()).into_response()
}

/// The seller removes a return warehouse; sales warehouses hold stock and stay.
async fn remove_warehouse(AxState(tt): AxState<Arc<TikTok>>, Path(id): Path<String>) -> Response {
    let mut st = lock(&tt.state);
    let Some(warehouse) = st.warehouses.iter().find(|w| w.id == id) else {
        return err(StatusCode::NOT_FOUND, format!("warehouse {id} not found"));
    };
    if warehouse.is_sales() {
        return err(
            StatusCode::CONFLICT,
            format!("warehouse {id} is a sales warehouse; disable it instead"),
        );
    }
    st.warehouses.retain(|w| w.id != id);
    Json(json!({"id": id, "removed": true})).into_response()
}
