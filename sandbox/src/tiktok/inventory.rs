//! Stock read-back: `POST /product/202309/inventory/search` (tiktok-shop.md §4.1), and a control
//! route that changes a SKU's stock the way a seller editing in Seller Center would.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{self as e, ApiError};
use super::model::State;
use super::{Ctx, TikTok};
use crate::common::{lock, now_secs};

/// Ids per search. The contract documents no cap; this mirrors the 100-item pages used
/// elsewhere in the product API (**unconfirmed**), so clients batch.
const MAX_IDS: usize = 100;

#[derive(Deserialize, Default)]
struct SearchReq {
    product_ids: Option<Vec<String>>,
    sku_ids: Option<Vec<String>>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::biz(e::P_INVALID_PARAM, message)
}

/// Stock by product ids or by SKU ids (exactly one of the two). Unknown ids are skipped, as
/// TikTok returns only what it finds.
pub(crate) fn search_inventory(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let req: SearchReq = ctx.json(e::P_INVALID_PARAM)?;
    let products = req.product_ids.unwrap_or_default();
    let skus = req.sku_ids.unwrap_or_default();
    if products.is_empty() == skus.is_empty() {
        return Err(bad(
            "Invalid parameter: give either 'product_ids' or 'sku_ids' (one of them, not empty).",
        ));
    }
    if products.len() > MAX_IDS || skus.len() > MAX_IDS {
        return Err(bad(format!(
            "Invalid parameter: at most {MAX_IDS} ids per request."
        )));
    }
    // By product id: those products only (in id order, as a scan would list them).
    let by_id: BTreeSet<&String> = products.iter().collect();
    let wanted_skus: HashSet<&String> = skus.iter().collect();
    let candidates: Box<dyn Iterator<Item = &super::model::Product>> = if by_id.is_empty() {
        Box::new(st.products.values())
    } else {
        Box::new(by_id.into_iter().filter_map(|id| st.products.get(id)))
    };
    let mut inventory = Vec::new();
    for p in candidates {
        if p.status == "DELETED" {
            continue;
        }
        let by_product = !products.is_empty();
        let matched: Vec<Value> = p
            .skus
            .iter()
            .filter(|s| by_product || wanted_skus.contains(&s.id))
            .map(|s| {
                json!({
                    "id": s.id,
                    "seller_sku": s.seller_sku,
                    "total_available_quantity": s.available(),
                    "total_committed_quantity": 0,
                    "warehouse_inventory": s.inventory.iter().map(|(w, q)| json!({
                        "warehouse_id": w,
                        "available_quantity": q,
                        "committed_quantity": 0,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        if !matched.is_empty() {
            inventory.push(json!({"product_id": p.id, "skus": matched}));
        }
    }
    Ok(json!({ "inventory": inventory }))
}

#[derive(Deserialize)]
pub(crate) struct SetStockReq {
    seller_sku: String,
    quantity: i64,
    /// Default: the SKU's first warehouse.
    warehouse_id: Option<String>,
}

/// Control API: a seller changes a SKU's stock in Seller Center (not through the API).
pub(crate) async fn set_stock(
    AxState(tt): AxState<Arc<TikTok>>,
    Json(req): Json<SetStockReq>,
) -> Response {
    let mut st = lock(&tt.state);
    let found = st.products.values_mut().find_map(|p| {
        let idx = p.skus.iter().position(|s| s.seller_sku == req.seller_sku)?;
        Some((p, idx))
    });
    let Some((product, idx)) = found else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no SKU {} on TikTok", req.seller_sku)})),
        )
            .into_response();
    };
    let sku = &mut product.skus[idx];
    let warehouse = req
        .warehouse_id
        .or_else(|| sku.inventory.first().map(|(w, _)| w.clone()))
        .unwrap_or_default();
    match sku.inventory.iter_mut().find(|(w, _)| *w == warehouse) {
        Some(entry) => entry.1 = req.quantity,
        None => sku.inventory.push((warehouse, req.quantity)),
    }
    let inventory: Vec<Value> = sku
        .inventory
        .iter()
        .map(|(w, q)| json!({"warehouse_id": w, "quantity": q}))
        .collect();
    let sku_id = sku.id.clone();
    product.update_time = now_secs();
    Json(json!({"product_id": product.id, "sku_id": sku_id, "inventory": inventory}))
        .into_response()
}
