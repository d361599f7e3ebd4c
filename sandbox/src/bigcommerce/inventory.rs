//! `/v3/inventory/...` (inventory.v3.yml, locations.v3.yml): locations, stock per location
//! of every tracked item, and absolute / relative adjustments. Adjustments apply at once
//! (BigCommerce processes them asynchronously, usually within moments).

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::hooks::{Event, stock_event};
use super::model::{Location, State, Tracking, Variant};
use super::{ApiError, ApiResult, BigCommerce, Ctx, Reply, seg_id, state, v3_page};
use crate::common::now_millis;

/// Items per adjustment request.
const MAX_ADJUSTMENT_ITEMS: usize = 2000;
/// Items per page of an items listing.
const MAX_ITEMS_PAGE: usize = 1000;

fn location_json(l: &Location, created: &str) -> Value {
    json!({
        "id": l.id,
        "code": l.code,
        "label": l.label,
        "description": "",
        "managed_by_external_source": false,
        "type_id": "PHYSICAL",
        "enabled": true,
        "operating_hours": {},
        "time_zone": "Etc/UTC",
        "created_at": created,
        "updated_at": created,
        "address": {
            "address1": "500 Harbor Blvd", "address2": "", "city": "Los Angeles",
            "state": "CA", "zip": "90012", "email": "", "phone": "",
            "geo_coordinates": {"latitude": 34.05, "longitude": -118.24},
            "country_code": "US",
        },
        "storefront_visibility": true,
        "special_hours": [],
    })
}

fn settings() -> Value {
    json!({"safety_stock": 0, "is_in_stock": true, "warning_level": 0, "bin_picking_number": ""})
}

fn identity(v: &Variant) -> Value {
    json!({"sku": v.sku, "variant_id": v.id, "product_id": v.product_id, "sku_id": v.sku_id})
}

impl State {
    fn item_json(&self, v: &Variant, locations: Option<&[u64]>) -> Value {
        let levels: Vec<Value> = self
            .locations
            .iter()
            .filter(|l| locations.is_none_or(|ids| ids.contains(&l.id)))
            .map(|l| {
                let onhand = v.stock.get(&l.id).copied().unwrap_or(0);
                json!({
                    "location_id": l.id,
                    "location_code": l.code,
                    "location_name": l.label,
                    "available_to_sell": onhand,
                    "total_inventory_onhand": onhand,
                    "location_enabled": true,
                    "settings": settings(),
                })
            })
            .collect();
        json!({"identity": identity(v), "locations": levels})
    }

    fn tracked_items(&self) -> impl Iterator<Item = &Variant> {
        self.variants.values().filter(|v| self.tracked(v))
    }
}

pub(crate) fn route(
    bc: &Arc<BigCommerce>,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    Some(match (method, rest) {
        ("GET", ["locations"]) => locations(bc, ctx),
        ("GET", ["items"]) => items(bc, ctx),
        ("GET", ["locations", id, "items"]) => {
            let id = seg_id(id)?;
            location_items(bc, ctx, id)
        }
        ("PUT", ["adjustments", "absolute"]) => adjust(bc, ctx, true, fx),
        ("POST", ["adjustments", "relative"]) => adjust(bc, ctx, false, fx),
        (
            _,
            ["locations" | "items"]
            | ["locations", _, "items"]
            | ["adjustments", "absolute" | "relative"],
        ) => Err(super::catalog::method_not_allowed()),
        _ => return None,
    })
}

/// `page` and `limit` of an items listing (pages of up to 1000 items).
fn paging(ctx: &Ctx) -> Result<(usize, usize), ApiError> {
    ctx.paging_up_to(50, MAX_ITEMS_PAGE)
}

fn locations(bc: &BigCommerce, ctx: &Ctx) -> ApiResult {
    let (page, limit) = ctx.paging(50)?;
    let ids = ctx.id_list("location_id:in")?;
    let codes: Option<Vec<&str>> = ctx
        .param("location_code:in")
        .map(|s| s.split(',').collect());
    let st = state(bc);
    let created = super::model::iso_offset(0).replace("+00:00", "Z");
    let all = st
        .locations
        .iter()
        .filter(|l| ids.as_ref().is_none_or(|i| i.contains(&l.id)))
        .filter(|l| codes.as_ref().is_none_or(|c| c.contains(&l.code.as_str())))
        .map(|l| location_json(l, &created))
        .collect();
    Ok(v3_page(ctx, all, page, limit))
}

fn items(bc: &BigCommerce, ctx: &Ctx) -> ApiResult {
    let (page, limit) = paging(ctx)?;
    let variant_ids = ctx.id_list("variant_id:in")?;
    let product_ids = ctx.id_list("product_id:in")?;
    let location_ids = ctx.id_list("location_id:in")?;
    let skus: Option<Vec<&str>> = ctx.param("sku:in").map(|s| s.split(',').collect());
    let st = state(bc);
    let mut locations: Option<Vec<u64>> = location_ids;
    if let Some(codes) = ctx.param("location_code:in") {
        let codes: Vec<&str> = codes.split(',').collect();
        let by_code: Vec<u64> = st
            .locations
            .iter()
            .filter(|l| codes.contains(&l.code.as_str()))
            .map(|l| l.id)
            .collect();
        locations = Some(match locations {
            Some(ids) => ids.into_iter().filter(|i| by_code.contains(i)).collect(),
            None => by_code,
        });
    }
    let all = st
        .tracked_items()
        .filter(|v| variant_ids.as_ref().is_none_or(|l| l.contains(&v.id)))
        .filter(|v| {
            product_ids
                .as_ref()
                .is_none_or(|l| l.contains(&v.product_id))
        })
        .filter(|v| skus.as_ref().is_none_or(|l| l.contains(&v.sku.as_str())))
        .map(|v| st.item_json(v, locations.as_deref()))
        .collect();
    Ok(v3_page(ctx, all, page, limit))
}

fn location_items(bc: &BigCommerce, ctx: &Ctx, location_id: u64) -> ApiResult {
    let (page, limit) = paging(ctx)?;
    let variant_ids = ctx.id_list("variant_id:in")?;
    let product_ids = ctx.id_list("product_id:in")?;
    let skus: Option<Vec<&str>> = ctx.param("sku:in").map(|s| s.split(',').collect());
    let st = state(bc);
    if !st.locations.iter().any(|l| l.id == location_id) {
        return Err(ApiError::not_found(format!(
            "Location with id {location_id} not found"
        )));
    }
    let all = st
        .tracked_items()
        .filter(|v| variant_ids.as_ref().is_none_or(|l| l.contains(&v.id)))
        .filter(|v| {
            product_ids
                .as_ref()
                .is_none_or(|l| l.contains(&v.product_id))
        })
        .filter(|v| skus.as_ref().is_none_or(|l| l.contains(&v.sku.as_str())))
        .map(|v| {
            let onhand = v.stock.get(&location_id).copied().unwrap_or(0);
            json!({"identity": {"sku": v.sku, "variant_id": v.id, "product_id": v.product_id},
                   "available_to_sell": onhand, "total_inventory_onhand": onhand,
                   "settings": settings()})
        })
        .collect();
    Ok(v3_page(ctx, all, page, limit))
}

fn unprocessable(title: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, title).with_errors(Map::new())
}

/// Finds the item an adjustment names by `sku`, `variant_id` or `product_id` (exactly one).
fn item_of(st: &State, item: &Value, index: usize) -> Result<u64, ApiError> {
    let sku = item.get("sku").and_then(Value::as_str);
    let variant = item.get("variant_id").and_then(Value::as_u64);
    let product = item.get("product_id").and_then(Value::as_u64);
    let named = [sku.is_some(), variant.is_some(), product.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if named != 1 {
        let mut errors = Map::new();
        errors.insert(
            format!("items.{index}"),
            json!("One of sku, variant_id or product_id is required to identify the item."),
        );
        return Err(ApiError::unprocessable("items", "invalid").with_errors(errors));
    }
    let found = if let Some(sku) = sku {
        st.variant_by_sku(sku).map(|v| v.id)
    } else if let Some(vid) = variant {
        let v = st.variants.get(&vid);
        if let Some(v) = v {
            let by_product = st
                .products
                .get(&v.product_id)
                .is_some_and(|p| p.tracking == Tracking::Product && p.option.is_some());
            if by_product {
                return Err(unprocessable(format!(
                    "[Item with variant_id {vid} is tracked by product, please update stock by product id]"
                )));
            }
        }
        v.map(|v| v.id)
    } else {
        let pid = product.unwrap_or_default();
        match st.products.get(&pid) {
            Some(p) if p.tracking == Tracking::Variant => {
                return Err(unprocessable(format!(
                    "[Item with product_id {pid} is tracked by variant, please update stock by variant id]"
                )));
            }
            Some(p) => p.variants.first().copied(),
            None => None,
        }
    };
    let found = found.filter(|id| st.variants.get(id).is_some_and(|v| st.tracked(v)));
    found.ok_or_else(|| {
        unprocessable(format!(
            "Item at index {index} was not found or does not track inventory"
        ))
    })
}

/// `PUT /adjustments/absolute` (`absolute`) or `POST /adjustments/relative`.
fn adjust(bc: &BigCommerce, ctx: &Ctx, absolute: bool, fx: &mut Vec<Event>) -> ApiResult {
    let items = ctx
        .body
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::unprocessable("items", "items is required"))?;
    if items.len() > MAX_ADJUSTMENT_ITEMS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Payload may contain at most {MAX_ADJUSTMENT_ITEMS} items."),
        ));
    }
    let mut st = state(bc);
    let mut changes = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let location = item
            .get("location_id")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                ApiError::unprocessable(
                    &format!("items.{index}.location_id"),
                    "location_id is required",
                )
            })?;
        if !st.locations.iter().any(|l| l.id == location) {
            return Err(unprocessable(format!(
                "Location with id {location} not found"
            )));
        }
        let quantity = item
            .get("quantity")
            .and_then(Value::as_i64)
            .filter(|q| !absolute || *q >= 0)
            .ok_or_else(|| {
                ApiError::unprocessable(
                    &format!("items.{index}.quantity"),
                    "quantity must be an integer (not negative for absolute adjustments)",
                )
            })?;
        changes.push((item_of(&st, item, index)?, location, quantity));
    }
    let now = now_millis();
    for (variant_id, location, quantity) in changes {
        let Some(v) = st.variants.get_mut(&variant_id) else {
            continue;
        };
        let level = v.stock.entry(location).or_insert(0);
        *level = if absolute {
            quantity
        } else {
            *level + quantity
        };
        v.modified = now;
        let (product_id, total) = (v.product_id, v.inventory_level());
        st.touch_product(product_id, now);
        fx.extend(stock_event(&st, variant_id, "absolute", total, false));
    }
    Ok(Reply::ok(
        json!({"transaction_id": uuid::Uuid::new_v4().to_string()}),
    ))
}
