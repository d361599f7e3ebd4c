//! `/v3/catalog/...`: products (with `include=variants,images`), their variants, all
//! variants, and the images the simulator serves itself.

use std::str::FromStr;
use std::sync::Arc;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::hooks::{Event, stock_event};
use super::model::{
    DEFAULT_LOCATION, Product, State, Tracking, Variant, calculated, iso_offset, number,
};
use super::{ApiError, ApiResult, BigCommerce, Ctx, Reply, seg_id, state, v3_page, v3_page_with};
use crate::common::now_millis;

/// `include` values the Catalog accepts (`IncludeParamBase`).
const INCLUDES: [&str; 11] = [
    "bulk_pricing_rules",
    "channels",
    "custom_fields",
    "images",
    "modifiers",
    "options",
    "parent_relations",
    "primary_image",
    "reviews",
    "variants",
    "videos",
];
const SORTS: [&str; 10] = [
    "id",
    "name",
    "sku",
    "price",
    "date_modified",
    "date_last_imported",
    "inventory_level",
    "is_visible",
    "total_sold",
    "calculated_price",
];
/// Products per batch update.
const MAX_BATCH: usize = 10;

/// Product images, served as the store's CDN would.
pub(crate) async fn image_file(Path(file): Path<String>) -> Response {
    match file.strip_suffix(".png") {
        Some(name) if !name.is_empty() => (
            [(axum::http::header::CONTENT_TYPE, "image/png")],
            crate::png::solid_png(name, 800, 800),
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

fn product_404() -> ApiError {
    ApiError::not_found("The requested product was not found.")
}

fn variant_404() -> ApiError {
    ApiError::not_found("The requested variant was not found.")
}

pub(crate) fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

impl State {
    pub(crate) fn variant_json(&self, v: &Variant) -> Value {
        let product = self.products.get(&v.product_id);
        let option_values: Vec<Value> = v
            .option
            .iter()
            .map(|o| {
                json!({"id": o.id, "label": o.label, "option_id": o.option_id,
                       "option_display_name": o.option_name})
            })
            .collect();
        json!({
            "id": v.id,
            "product_id": v.product_id,
            "sku": v.sku,
            "sku_id": v.sku_id,
            "price": v.price.map(number),
            "calculated_price": number(self.variant_price(v)),
            "sale_price": v.sale_price.map(number),
            "retail_price": null,
            "map_price": null,
            "weight": v.weight.map(number),
            "calculated_weight": number(v.weight.or(product.map(|p| p.weight)).unwrap_or_default()),
            "width": null,
            "height": null,
            "depth": null,
            "is_free_shipping": false,
            "fixed_cost_shipping_price": null,
            "purchasing_disabled": false,
            "purchasing_disabled_message": "",
            "image_url": "",
            "cost_price": 0,
            "upc": "",
            "mpn": "",
            "gtin": "",
            "inventory_level": v.inventory_level(),
            "inventory_warning_level": 0,
            "bin_picking_number": "",
            "option_values": option_values,
            "product_name": product.map(|p| p.name.clone()),
        })
    }

    fn image_json(&self, p: &Product, image_id: u64) -> Value {
        let url = format!("{}/product_images/product-{}.png", self.base_url, p.id);
        json!({
            "id": image_id,
            "product_id": p.id,
            "is_thumbnail": true,
            "sort_order": 0,
            "description": p.name,
            "image_file": format!("product-{}.png", p.id),
            "url_zoom": url,
            "url_standard": url,
            "url_thumbnail": url,
            "url_tiny": url,
            "date_modified": iso_offset(p.modified),
        })
    }

    pub(crate) fn product_inventory(&self, p: &Product) -> i64 {
        p.variants
            .iter()
            .filter_map(|id| self.variants.get(id))
            .map(Variant::inventory_level)
            .sum()
    }

    pub(crate) fn product_json(&self, p: &Product, includes: &[String]) -> Value {
        let has = |what: &str| includes.iter().any(|i| i == what);
        let mut v = json!({
            "id": p.id,
            "name": p.name,
            "type": "physical",
            "sku": p.sku,
            "description": p.description,
            "weight": number(p.weight),
            "width": number(p.size[0]),
            "depth": number(p.size[1]),
            "height": number(p.size[2]),
            "price": number(p.price),
            "cost_price": 0,
            "retail_price": 0,
            "sale_price": number(p.sale_price.unwrap_or_default()),
            "map_price": 0,
            "tax_class_id": 0,
            "product_tax_code": "",
            "calculated_price": number(calculated(p.price, p.sale_price)),
            "categories": p.categories,
            "brand_id": 0,
            "option_set_id": null,
            "option_set_display": "right",
            "inventory_level": self.product_inventory(p),
            "inventory_warning_level": 0,
            "inventory_tracking": p.tracking.as_str(),
            "reviews_rating_sum": 0,
            "reviews_count": 0,
            "total_sold": 0,
            "fixed_cost_shipping_price": 0,
            "is_free_shipping": false,
            "is_visible": true,
            "is_featured": false,
            "related_products": [-1],
            "warranty": "",
            "bin_picking_number": "",
            "layout_file": "product.html",
            "upc": "",
            "mpn": "",
            "gtin": "",
            "search_keywords": "",
            "availability": "available",
            "availability_description": "",
            "gift_wrapping_options_type": "any",
            "gift_wrapping_options_list": [],
            "sort_order": 0,
            "condition": "New",
            "is_condition_shown": false,
            "order_quantity_minimum": 0,
            "order_quantity_maximum": 0,
            "page_title": "",
            "meta_keywords": [],
            "meta_description": "",
            "date_created": iso_offset(p.created),
            "date_modified": iso_offset(p.modified),
            "view_count": 0,
            "preorder_release_date": null,
            "preorder_message": "",
            "is_preorder_only": false,
            "is_price_hidden": false,
            "price_hidden_label": "",
            "custom_url": {"url": p.url, "is_customized": false},
            "base_variant_id": p.base_variant(),
            "open_graph_type": "product",
            "open_graph_title": "",
            "open_graph_description": "",
            "open_graph_use_meta_description": true,
            "open_graph_use_product_name": true,
            "open_graph_use_image": true,
        });
        if has("variants") {
            v["variants"] = Value::Array(
                p.variants
                    .iter()
                    .filter_map(|id| self.variants.get(id))
                    .map(|var| self.variant_json(var))
                    .collect(),
            );
        }
        if has("images") {
            v["images"] = Value::Array(p.images.iter().map(|id| self.image_json(p, *id)).collect());
        }
        if has("custom_fields") {
            v["custom_fields"] = Value::Array(
                p.custom_fields
                    .iter()
                    .map(|(id, name, value)| json!({"id": id, "name": name, "value": value}))
                    .collect(),
            );
        }
        if has("primary_image") {
            v["primary_image"] = p
                .images
                .first()
                .map_or(Value::Null, |id| self.image_json(p, *id));
        }
        v
    }
}

/// `include=` as a list, refusing values the Catalog does not know.
fn includes(ctx: &Ctx) -> Result<Vec<String>, ApiError> {
    let Some(raw) = ctx.param("include") else {
        return Ok(Vec::new());
    };
    let list: Vec<String> = raw
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    match list.iter().find(|i| !INCLUDES.contains(&i.as_str())) {
        Some(bad) => Err(ApiError::unprocessable(
            "include",
            format!("The include value '{bad}' is not supported."),
        )),
        None => Ok(list),
    }
}

/// `date_modified:min` / `:max`; a bare date gets the request's time of day (as documented).
fn date_filter(ctx: &Ctx, name: &str) -> Result<Option<i64>, ApiError> {
    let Some(raw) = ctx.param(name) else {
        return Ok(None);
    };
    let raw = raw.trim();
    let ms = if raw.len() == 10 {
        let day = crate::common::parse_iso8601(raw);
        day.map(|d| d + now_millis().rem_euclid(86_400_000))
    } else {
        crate::common::parse_iso8601(raw)
    };
    ms.map(Some).ok_or_else(|| ctx.invalid_param(name))
}

pub(crate) fn route(
    bc: &Arc<BigCommerce>,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    Some(match rest {
        ["products"] => match method {
            "GET" => list_products(bc, ctx),
            "PUT" => batch_update(bc, ctx, fx),
            _ => Err(method_not_allowed()),
        },
        ["products", id] => {
            let id = seg_id(id)?;
            match method {
                "GET" => includes(ctx).and_then(|inc| {
                    let st = state(bc);
                    let p = st.products.get(&id).ok_or_else(product_404)?;
                    Ok(Reply::ok(
                        json!({"data": st.product_json(p, &inc), "meta": {}}),
                    ))
                }),
                "PUT" => {
                    let mut st = state(bc);
                    update_product(&mut st, id, &ctx.body, fx).map(|()| {
                        let p = st.products.get(&id).cloned();
                        Reply::ok(json!({"data": p.map(|p| st.product_json(&p, &[])), "meta": {}}))
                    })
                }
                "DELETE" => {
                    let mut st = state(bc);
                    delete_product(&mut st, id, fx).map(|()| Reply::no_content())
                }
                _ => Err(method_not_allowed()),
            }
        }
        ["products", id, "variants"] => {
            let id = seg_id(id)?;
            match method {
                "GET" => ctx.paging(50).and_then(|(page, limit)| {
                    let st = state(bc);
                    let p = st.products.get(&id).ok_or_else(product_404)?;
                    let all = p
                        .variants
                        .iter()
                        .filter_map(|v| st.variants.get(v))
                        .map(|v| st.variant_json(v))
                        .collect();
                    Ok(v3_page(ctx, all, page, limit))
                }),
                _ => Err(method_not_allowed()),
            }
        }
        ["products", id, "variants", vid] => {
            let (id, vid) = (seg_id(id)?, seg_id(vid)?);
            let mut st = state(bc);
            let belongs = st.products.get(&id).ok_or_else(product_404).and_then(|p| {
                p.variants
                    .contains(&vid)
                    .then_some(())
                    .ok_or_else(variant_404)
            });
            match (method, belongs) {
                (_, Err(e)) => Err(e),
                ("GET", Ok(())) => st
                    .variants
                    .get(&vid)
                    .ok_or_else(variant_404)
                    .map(|v| Reply::ok(json!({"data": st.variant_json(v), "meta": {}}))),
                ("PUT", Ok(())) => update_variant(&mut st, vid, &ctx.body, fx).map(|()| {
                    let v = st.variants.get(&vid).map(|v| st.variant_json(v));
                    Reply::ok(json!({"data": v, "meta": {}}))
                }),
                _ => Err(method_not_allowed()),
            }
        }
        ["products", id, "images"] => {
            let id = seg_id(id)?;
            match method {
                "GET" => {
                    let st = state(bc);
                    st.products.get(&id).ok_or_else(product_404).map(|p| {
                        let all: Vec<Value> =
                            p.images.iter().map(|i| st.image_json(p, *i)).collect();
                        let n = all.len().max(1);
                        v3_page(ctx, all, 1, n)
                    })
                }
                _ => Err(method_not_allowed()),
            }
        }
        ["variants"] => match method {
            "GET" => list_variants(bc, ctx),
            "PUT" => batch_update_variants(bc, ctx, fx),
            _ => Err(method_not_allowed()),
        },
        _ => return None,
    })
}

fn list_products(bc: &BigCommerce, ctx: &Ctx) -> ApiResult {
    let inc = includes(ctx)?;
    let (page, limit) = ctx.paging(50)?;
    let ids = ctx.id_list("id:in")?;
    let id = ctx.param("id").map(|s| s.parse::<u64>()).transpose();
    let id = id.map_err(|_| ctx.invalid_param("id"))?;
    let min = date_filter(ctx, "date_modified:min")?;
    let max = date_filter(ctx, "date_modified:max")?;
    let sort = ctx.param("sort").unwrap_or("id");
    if !SORTS.contains(&sort) {
        return Err(ctx.invalid_param("sort"));
    }
    let descending = match ctx.param("direction") {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(ctx.invalid_param("direction")),
    };
    let skus: Option<Vec<&str>> = ctx.param("sku:in").map(|s| s.split(',').collect());
    let st = state(bc);
    let mut found: Vec<&Product> = st
        .products
        .values()
        .filter(|p| id.is_none_or(|i| p.id == i))
        .filter(|p| ids.as_ref().is_none_or(|l| l.contains(&p.id)))
        .filter(|p| ctx.param("sku").is_none_or(|s| p.sku == s))
        .filter(|p| skus.as_ref().is_none_or(|l| l.contains(&p.sku.as_str())))
        .filter(|p| ctx.param("name").is_none_or(|n| p.name == n))
        .filter(|p| min.is_none_or(|m| p.modified >= m))
        .filter(|p| max.is_none_or(|m| p.modified <= m))
        .collect();
    match sort {
        "name" => found.sort_by(|a, b| a.name.cmp(&b.name)),
        "sku" => found.sort_by(|a, b| a.sku.cmp(&b.sku)),
        "price" => found.sort_by_key(|p| p.price),
        "calculated_price" => found.sort_by_key(|p| calculated(p.price, p.sale_price)),
        "date_modified" | "date_last_imported" => found.sort_by_key(|p| (p.modified, p.id)),
        "inventory_level" => found.sort_by_key(|p| st.product_inventory(p)),
        _ => {}
    }
    if descending {
        found.reverse();
    }
    Ok(v3_page_with(ctx, found, page, limit, |p| {
        st.product_json(p, &inc)
    }))
}

fn list_variants(bc: &BigCommerce, ctx: &Ctx) -> ApiResult {
    let (page, limit) = ctx.paging(50)?;
    let ids = ctx.id_list("id:in")?;
    let products = ctx.id_list("product_id:in")?;
    let skus: Option<Vec<&str>> = ctx.param("sku:in").map(|s| s.split(',').collect());
    let st = state(bc);
    let all = st
        .variants
        .values()
        .filter(|v| ids.as_ref().is_none_or(|l| l.contains(&v.id)))
        .filter(|v| products.as_ref().is_none_or(|l| l.contains(&v.product_id)))
        .filter(|v| ctx.param("sku").is_none_or(|s| v.sku == s))
        .filter(|v| skus.as_ref().is_none_or(|l| l.contains(&v.sku.as_str())))
        .map(|v| st.variant_json(v))
        .collect();
    Ok(v3_page(ctx, all, page, limit))
}

/// A price field: a non-negative number (or a numeric string), or `null` where allowed.
fn price_field(
    body: &Value,
    field: &str,
    nullable: bool,
) -> Result<Option<Option<Decimal>>, ApiError> {
    let invalid = || {
        ApiError::unprocessable(
            field,
            format!("{field} must be a number greater than or equal to 0"),
        )
    };
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) if nullable => Ok(Some(None)),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string())
            .ok()
            .filter(|d| !d.is_sign_negative())
            .map(|d| Some(Some(d)))
            .ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}

fn level_field(body: &Value, field: &str) -> Result<Option<i64>, ApiError> {
    match body.get(field) {
        None => Ok(None),
        Some(v) => v.as_i64().filter(|n| *n >= 0).map(Some).ok_or_else(|| {
            ApiError::unprocessable(
                field,
                format!("{field} must be an integer greater than or equal to 0"),
            )
        }),
    }
}

/// Sets a variant's total to `level` by moving the difference at the default location (as a
/// Catalog write does, through the Inventory service).
pub(crate) fn set_level(st: &mut State, variant_id: u64, level: i64, now: i64) {
    if let Some(v) = st.variants.get_mut(&variant_id) {
        let others: i64 = v
            .stock
            .iter()
            .filter(|(loc, _)| **loc != DEFAULT_LOCATION)
            .map(|(_, q)| *q)
            .sum();
        v.stock.insert(DEFAULT_LOCATION, level - others);
        v.modified = now;
        let product_id = v.product_id;
        st.touch_product(product_id, now);
    }
}

fn update_product(
    st: &mut State,
    id: u64,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<(), ApiError> {
    if !body.is_object() {
        return Err(ApiError::unprocessable(
            "body",
            "The request body must be a product object.",
        ));
    }
    let p = st.products.get(&id).ok_or_else(product_404)?.clone();
    let price = price_field(body, "price", false)?;
    let sale = price_field(body, "sale_price", false)?;
    let level = level_field(body, "inventory_level")?;
    let name = match body.get("name") {
        None => None,
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 250 => Some(s.clone()),
        Some(_) => {
            return Err(ApiError::unprocessable(
                "name",
                "name must be 1 to 250 characters",
            ));
        }
    };
    if level.is_some() && p.tracking == Tracking::Variant {
        return Err(ApiError::unprocessable(
            "inventory_level",
            "This product tracks inventory by variant; set the variants' inventory_level instead.",
        ));
    }
    let now = now_millis();
    let product = st.products.get_mut(&id).ok_or_else(product_404)?;
    if let Some(Some(price)) = price {
        product.price = price;
    }
    if let Some(sale) = sale {
        product.sale_price = sale.filter(|s| *s > Decimal::ZERO);
    }
    if let Some(name) = name {
        product.name = name;
    }
    product.modified = now;
    if let (Some(level), Some(base)) = (level, p.variants.first()) {
        set_level(st, *base, level, now);
        fx.extend(stock_event(st, *base, "absolute", level, false));
    }
    fx.push(Event::product("store/product/updated", id));
    Ok(())
}

fn update_variant(
    st: &mut State,
    vid: u64,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<(), ApiError> {
    if !body.is_object() {
        return Err(ApiError::unprocessable(
            "body",
            "The request body must be a variant object.",
        ));
    }
    let price = price_field(body, "price", true)?;
    let sale = price_field(body, "sale_price", true)?;
    let level = level_field(body, "inventory_level")?;
    let sku = match body.get("sku") {
        None => None,
        Some(Value::String(s)) if s.len() <= 255 => Some(s.clone()),
        Some(_) => {
            return Err(ApiError::unprocessable(
                "sku",
                "sku must be a string of at most 255 characters",
            ));
        }
    };
    if let Some(sku) = &sku {
        let taken = st
            .variants
            .values()
            .any(|v| v.id != vid && !sku.is_empty() && v.sku == *sku);
        if taken {
            let mut errors = Map::new();
            errors.insert(
                "sku".into(),
                Value::String(format!("Sku {sku} is not unique")),
            );
            return Err(
                ApiError::new(StatusCode::CONFLICT, "Sku is not unique").with_errors(errors)
            );
        }
    }
    let now = now_millis();
    let v = st.variants.get_mut(&vid).ok_or_else(variant_404)?;
    if let Some(price) = price {
        v.price = price;
    }
    if let Some(sale) = sale {
        v.sale_price = sale;
    }
    if let Some(sku) = sku {
        v.sku = sku;
    }
    v.modified = now;
    let product_id = v.product_id;
    st.touch_product(product_id, now);
    if let Some(level) = level {
        set_level(st, vid, level, now);
        fx.extend(stock_event(st, vid, "absolute", level, false));
    }
    fx.push(Event::product("store/product/updated", product_id));
    Ok(())
}

fn batch_update(bc: &BigCommerce, ctx: &Ctx, fx: &mut Vec<Event>) -> ApiResult {
    let items = ctx.body.as_array().ok_or_else(|| {
        ApiError::unprocessable("body", "The request body must be an array of products.")
    })?;
    if items.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Batches are limited to {MAX_BATCH} products."),
        ));
    }
    let mut st = state(bc);
    let mut ids = Vec::new();
    for item in items {
        let id = item
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| ApiError::unprocessable("id", "id is required for batch updates"))?;
        if !st.products.contains_key(&id) {
            return Err(product_404());
        }
        ids.push(id);
    }
    for (item, id) in items.iter().zip(&ids) {
        update_product(&mut st, *id, item, fx)?;
    }
    let all: Vec<Value> = ids
        .iter()
        .filter_map(|id| st.products.get(id))
        .map(|p| st.product_json(p, &[]))
        .collect();
    Ok(Reply::ok(json!({"data": all, "meta": {}})))
}

fn batch_update_variants(bc: &BigCommerce, ctx: &Ctx, fx: &mut Vec<Event>) -> ApiResult {
    let items = ctx.body.as_array().ok_or_else(|| {
        ApiError::unprocessable("body", "The request body must be an array of variants.")
    })?;
    let mut st = state(bc);
    let mut ids = Vec::new();
    for item in items {
        let id = item
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| ApiError::unprocessable("id", "id is required for batch updates"))?;
        if !st.variants.contains_key(&id) {
            return Err(variant_404());
        }
        ids.push(id);
    }
    for (item, id) in items.iter().zip(&ids) {
        update_variant(&mut st, *id, item, fx)?;
    }
    let all: Vec<Value> = ids
        .iter()
        .filter_map(|id| st.variants.get(id))
        .map(|v| st.variant_json(v))
        .collect();
    Ok(Reply::ok(json!({"data": all, "meta": {}})))
}

pub(crate) fn delete_product(st: &mut State, id: u64, fx: &mut Vec<Event>) -> Result<(), ApiError> {
    let p = st.products.remove(&id).ok_or_else(product_404)?;
    for v in p.variants {
        st.variants.remove(&v);
    }
    fx.push(Event::product("store/product/deleted", id));
    Ok(())
}
