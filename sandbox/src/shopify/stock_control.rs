//! Control API for multi-location stock: list the store's locations and set one SKU's stock
//! at one location (fires `inventory_levels/update`, as a merchant's edit in the admin does).

use std::sync::Arc;

use axum::Json;
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::Shopify;
use super::model::Level;
use crate::common::{lock, now_millis};

pub(crate) async fn locations(AxState(shop): AxState<Arc<Shopify>>) -> Response {
    let st = lock(&shop.state);
    let all: Vec<_> = st
        .locations
        .iter()
        .map(|l| json!({"id": format!("gid://shopify/Location/{}", l.id), "legacy_id": l.id, "name": l.name}))
        .collect();
    Json(json!({"locations": all})).into_response()
}

#[derive(Deserialize)]
pub(crate) struct LevelReq {
    sku: String,
    /// `gid://shopify/Location/N` or `N`.
    location_id: String,
    available: i64,
}

pub(crate) async fn set_level(
    AxState(shop): AxState<Arc<Shopify>>,
    Json(req): Json<LevelReq>,
) -> Response {
    let not_found =
        |message: String| (StatusCode::NOT_FOUND, Json(json!({"error": message}))).into_response();
    let Ok(location) = req
        .location_id
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .parse::<u64>()
    else {
        return not_found(format!("location {} is not a location id", req.location_id));
    };
    let mut st = lock(&shop.state);
    if !st.locations.iter().any(|l| l.id == location) {
        return not_found(format!("no location {}", req.location_id));
    }
    let Some(item_id) = st.variant_by_sku(&req.sku).map(|v| v.inventory_item_id) else {
        return not_found(format!("no variant with sku {}", req.sku));
    };
    let now = now_millis();
    let Some(item) = st.items.get_mut(&item_id) else {
        return not_found(format!("no inventory item for sku {}", req.sku));
    };
    let level = item.levels.entry(location).or_insert_with(|| Level {
        created: now,
        ..Level::default()
    });
    level.available = req.available;
    level.updated = now;
    item.updated = now;
    let payload = st.rest_inventory_level(item_id, location);
    shop.emit(
        &st,
        vec![("inventory_levels/update".to_string(), payload.clone())],
    );
    Json(payload).into_response()
}
