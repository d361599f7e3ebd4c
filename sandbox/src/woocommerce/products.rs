//! `/wc/v3/products[...]`: products, variations and their batch endpoints (note §4).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::model::{Item, Kind, Meta, State, parse_price};
use super::webhooks::{Event, Resource};
use super::{
    ApiError, ApiResult, Ctx, MAX_PER_REQUEST, Reply, WooCommerce, page_args, paginate_with,
    seg_id, state,
};
use crate::common::{now_millis, parse_iso8601};

const CANNOT_LIST: (&str, &str) = (
    "woocommerce_rest_cannot_view",
    "Sorry, you cannot list resources.",
);
const CANNOT_VIEW: (&str, &str) = (
    "woocommerce_rest_cannot_view",
    "Sorry, you cannot view this resource.",
);
const CANNOT_CREATE: (&str, &str) = (
    "woocommerce_rest_cannot_create",
    "Sorry, you are not allowed to create resources.",
);
const CANNOT_EDIT: (&str, &str) = (
    "woocommerce_rest_cannot_edit",
    "Sorry, you are not allowed to edit this resource.",
);
const CANNOT_DELETE: (&str, &str) = (
    "woocommerce_rest_cannot_delete",
    "Sorry, you are not allowed to delete this resource.",
);
pub(crate) const CANNOT_BATCH: (&str, &str) = (
    "woocommerce_rest_cannot_batch",
    "Sorry, you are not allowed to batch manipulate this resource.",
);

fn product_404() -> ApiError {
    ApiError::not_found("woocommerce_rest_product_invalid_id", "Invalid ID.")
}

fn variation_404() -> ApiError {
    ApiError::not_found(
        "woocommerce_rest_product_variation_invalid_id",
        "Invalid ID.",
    )
}

/// `None` when no route matches (`rest_no_route`).
pub(crate) fn route(
    woo: &WooCommerce,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    let need = |(code, msg): (&str, &str)| ctx.require(code, msg);
    Some(match (method, rest) {
        ("GET", []) => need(CANNOT_LIST).and_then(|()| list(woo, ctx)),
        ("POST", []) => need(CANNOT_CREATE).and_then(|()| {
            let mut st = state(woo);
            let body = create(&mut st, None, &ctx.body, fx)?;
            let location = format!("{}/wp-json/wc/v3/products/{}", woo.home, body["id"]);
            Ok(Reply::created(body, location))
        }),
        ("POST", ["batch"]) => {
            need(CANNOT_BATCH).and_then(|()| batch(&mut state(woo), None, &ctx.body, fx))
        }
        (m, [id]) => {
            let id = seg_id(id)?;
            match m {
                "GET" => need(CANNOT_VIEW).and_then(|()| {
                    let st = state(woo);
                    let item = st.items.get(&id).ok_or_else(product_404)?;
                    Ok(Reply::ok(st.item_json(item)))
                }),
                "PUT" => need(CANNOT_EDIT)
                    .and_then(|()| update(&mut state(woo), id, None, &ctx.body, fx).map(Reply::ok)),
                "DELETE" => need(CANNOT_DELETE).and_then(|()| {
                    delete(&mut state(woo), id, None, ctx.force(), fx).map(Reply::ok)
                }),
                _ => return None,
            }
        }
        ("GET", [pid, "variations"]) => {
            let pid = seg_id(pid)?;
            need(CANNOT_LIST).and_then(|()| list_variations(woo, ctx, pid))
        }
        ("POST", [pid, "variations"]) => {
            let pid = seg_id(pid)?;
            need(CANNOT_CREATE).and_then(|()| {
                let mut st = state(woo);
                let body = create(&mut st, Some(pid), &ctx.body, fx)?;
                let location = format!(
                    "{}/wp-json/wc/v3/products/{pid}/variations/{}",
                    woo.home, body["id"]
                );
                Ok(Reply::created(body, location))
            })
        }
        ("POST", [pid, "variations", "batch"]) => {
            let pid = seg_id(pid)?;
            need(CANNOT_BATCH).and_then(|()| batch(&mut state(woo), Some(pid), &ctx.body, fx))
        }
        (m, [pid, "variations", vid]) => {
            let (pid, vid) = (seg_id(pid)?, seg_id(vid)?);
            match m {
                "GET" => need(CANNOT_VIEW).and_then(|()| {
                    let st = state(woo);
                    let v = variation_of(&st, pid, vid)?;
                    Ok(Reply::ok(st.variation_json(v)))
                }),
                "PUT" => need(CANNOT_EDIT).and_then(|()| {
                    update(&mut state(woo), vid, Some(pid), &ctx.body, fx).map(Reply::ok)
                }),
                "DELETE" => need(CANNOT_DELETE).and_then(|()| {
                    delete(&mut state(woo), vid, Some(pid), ctx.force(), fx).map(Reply::ok)
                }),
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn variation_of(st: &State, pid: u64, vid: u64) -> Result<&Item, ApiError> {
    st.items
        .get(&vid)
        .filter(|v| v.kind == Kind::Variation && v.parent_id == pid)
        .ok_or_else(variation_404)
}

fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A `date-time` list filter, validated as WP does (`rest_parse_date`).
fn date_arg(ctx: &Ctx, name: &str, errors: &mut BTreeMap<String, String>) -> Option<i64> {
    let raw = ctx.param(name)?;
    let parsed = parse_iso8601(raw);
    if parsed.is_none() {
        errors.insert(name.to_string(), "Invalid date.".to_string());
    }
    parsed
}

fn enum_arg<'a>(
    ctx: &'a Ctx,
    name: &str,
    allowed: &[&str],
    default: &'a str,
    errors: &mut BTreeMap<String, String>,
) -> &'a str {
    match ctx.param(name) {
        None => default,
        Some(v) if allowed.contains(&v) => v,
        Some(_) => {
            errors.insert(
                name.to_string(),
                format!("{name} is not one of {}.", allowed.join(", ")),
            );
            default
        }
    }
}

const PRODUCT_STATUSES: [&str; 7] = [
    "any", "future", "trash", "draft", "pending", "private", "publish",
];

fn list(woo: &WooCommerce, ctx: &Ctx) -> ApiResult {
    let mut errors = BTreeMap::new();
    let page = page_args(ctx, &mut errors);
    let status = enum_arg(ctx, "status", &PRODUCT_STATUSES, "any", &mut errors);
    let orderby = enum_arg(
        ctx,
        "orderby",
        &[
            "date", "id", "include", "title", "slug", "modified", "price",
        ],
        "date",
        &mut errors,
    );
    let order = enum_arg(ctx, "order", &["asc", "desc"], "desc", &mut errors);
    let kind = enum_arg(
        ctx,
        "type",
        &["simple", "grouped", "external", "variable"],
        "",
        &mut errors,
    );
    let modified_after = date_arg(ctx, "modified_after", &mut errors);
    let modified_before = date_arg(ctx, "modified_before", &mut errors);
    let after = date_arg(ctx, "after", &mut errors);
    let before = date_arg(ctx, "before", &mut errors);
    let mut include = Vec::new();
    if let Some(raw) = ctx.param("include") {
        for part in comma_list(raw) {
            match part.parse::<u64>() {
                Ok(id) => include.push(id),
                Err(_) => {
                    errors.insert(
                        "include".into(),
                        "include[0] is not of type integer.".into(),
                    );
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_params(errors));
    }
    let skus = ctx.param("sku").map(comma_list);
    let search = ctx.param("search").map(str::to_lowercase);
    let st = state(woo);
    let mut found: Vec<&Item> = st
        .items
        .values()
        // A `sku` filter also finds variations (WC queries both post types then).
        .filter(|i| i.kind != Kind::Variation || skus.is_some())
        .filter(|i| match status {
            "any" => i.status != "trash",
            s => i.status == s,
        })
        .filter(|i| kind.is_empty() || i.kind.as_str() == kind)
        .filter(|i| skus.as_ref().is_none_or(|s| s.contains(&i.sku)))
        .filter(|i| include.is_empty() || include.contains(&i.id))
        .filter(|i| modified_after.is_none_or(|t| i.modified > t))
        .filter(|i| modified_before.is_none_or(|t| i.modified < t))
        .filter(|i| after.is_none_or(|t| i.created > t))
        .filter(|i| before.is_none_or(|t| i.created < t))
        .filter(|i| {
            search
                .as_ref()
                .is_none_or(|s| i.name.to_lowercase().contains(s.as_str()))
        })
        .collect();
    found.sort_by(|a, b| {
        let primary = match orderby {
            "id" => a.id.cmp(&b.id),
            "include" => {
                let pos = |i: &Item| include.iter().position(|x| *x == i.id);
                pos(a).cmp(&pos(b))
            }
            "title" => a.name.cmp(&b.name),
            "slug" => a.slug.cmp(&b.slug),
            "modified" => a.modified.cmp(&b.modified),
            "price" => a.price().cmp(&b.price()),
            _ => a.created.cmp(&b.created),
        };
        primary.then(a.id.cmp(&b.id))
    });
    if order == "desc" && orderby != "include" {
        found.reverse();
    }
    Ok(paginate_with(woo, ctx, &page, found, |i| st.item_json(i)))
}

fn list_variations(woo: &WooCommerce, ctx: &Ctx, pid: u64) -> ApiResult {
    let mut errors = BTreeMap::new();
    let page = page_args(ctx, &mut errors);
    let order = enum_arg(ctx, "order", &["asc", "desc"], "desc", &mut errors);
    let modified_after = date_arg(ctx, "modified_after", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_params(errors));
    }
    let st = state(woo);
    let parent = st
        .items
        .get(&pid)
        .filter(|p| p.kind != Kind::Variation)
        .ok_or_else(|| ApiError::not_found("woocommerce_rest_product_invalid_id", "Invalid ID."))?;
    let mut found: Vec<&Item> = parent
        .variations
        .iter()
        .filter_map(|v| st.items.get(v))
        .filter(|v| modified_after.is_none_or(|t| v.modified > t))
        .collect();
    // Variations default to `menu_order` (their position), which is creation order here.
    if order == "desc" {
        found.reverse();
    }
    Ok(paginate_with(woo, ctx, &page, found, |v| {
        st.variation_json(v)
    }))
}

/// The writable fields of a product or variation, type-checked as WP's schema does.
#[derive(Default)]
struct Fields {
    name: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    sku: Option<String>,
    description: Option<String>,
    regular_price: Option<String>,
    sale_price: Option<String>,
    manage_stock: Option<bool>,
    stock_quantity: Option<i64>,
    backorders: Option<String>,
    meta: Option<Vec<(Option<u64>, String, Value)>>,
    /// Variation attributes: `[{name, option}]`.
    option: Option<(String, String)>,
}

fn fields(body: &Value) -> Result<Fields, ApiError> {
    let mut errors = BTreeMap::new();
    let mut f = Fields::default();
    let Some(obj) = body.as_object() else {
        return Ok(f);
    };
    let string = |name: &str, errors: &mut BTreeMap<String, String>| match obj.get(name) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.insert(name.to_string(), format!("{name} is not of type string."));
            None
        }
    };
    f.name = string("name", &mut errors);
    f.sku = string("sku", &mut errors);
    f.description = string("description", &mut errors);
    f.regular_price = string("regular_price", &mut errors);
    f.sale_price = string("sale_price", &mut errors);
    let one_of = |name: &str, allowed: &[&str], errors: &mut BTreeMap<String, String>| {
        let v = string(name, errors)?;
        if allowed.contains(&v.as_str()) {
            Some(v)
        } else {
            errors.insert(
                name.to_string(),
                format!("{name} is not one of {}.", allowed.join(", ")),
            );
            None
        }
    };
    f.kind = one_of(
        "type",
        &["simple", "grouped", "external", "variable"],
        &mut errors,
    );
    f.status = one_of(
        "status",
        &["draft", "pending", "private", "publish"],
        &mut errors,
    );
    f.backorders = one_of("backorders", &["no", "notify", "yes"], &mut errors);
    match obj.get("manage_stock") {
        None => {}
        Some(Value::Bool(b)) => f.manage_stock = Some(*b),
        Some(_) => {
            errors.insert(
                "manage_stock".into(),
                "manage_stock is not of type boolean.".into(),
            );
        }
    }
    match obj.get("stock_quantity") {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_i64() {
            Some(q) => f.stock_quantity = Some(q),
            None => {
                errors.insert(
                    "stock_quantity".into(),
                    "stock_quantity is not of type integer.".into(),
                );
            }
        },
    }
    for (name, price) in [
        ("regular_price", &f.regular_price),
        ("sale_price", &f.sale_price),
    ] {
        if price.as_deref().is_some_and(|p| parse_price(p).is_none()) {
            // Simulator choice: `wc_format_decimal` would store junk as-is; refuse it instead.
            errors.insert(name.to_string(), format!("{name} is not a valid price."));
        }
    }
    if let Some(meta) = obj.get("meta_data") {
        match parse_meta(meta) {
            Some(m) => f.meta = Some(m),
            None => {
                errors.insert(
                    "meta_data".into(),
                    "meta_data[0][key] is not of type string.".into(),
                );
            }
        }
    }
    if let Some(attrs) = obj.get("attributes").and_then(Value::as_array) {
        f.option = attrs.first().and_then(|a| {
            Some((
                a.get("name")?.as_str()?.to_string(),
                a.get("option")?.as_str()?.to_string(),
            ))
        });
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(ApiError::invalid_params(errors))
    }
}

/// `meta_data: [{id?, key, value}]`; `None` if malformed.
pub(crate) fn parse_meta(v: &Value) -> Option<Vec<(Option<u64>, String, Value)>> {
    v.as_array()?
        .iter()
        .map(|m| {
            let key = m.get("key")?.as_str()?.to_string();
            Some((
                m.get("id").and_then(Value::as_u64),
                key,
                m.get("value").cloned().unwrap_or(Value::Null),
            ))
        })
        .collect()
}

/// `update_meta_data` semantics: by id when given, else the first row with the key, else new.
pub(crate) fn apply_meta(
    meta: &mut Vec<Meta>,
    updates: Vec<(Option<u64>, String, Value)>,
    mut row_id: impl FnMut() -> u64,
) {
    for (id, key, value) in updates {
        let existing = match id {
            Some(id) => meta.iter_mut().find(|m| m.id == id),
            None => meta.iter_mut().find(|m| m.key == key),
        };
        match existing {
            Some(m) => {
                m.key = key;
                m.value = value;
            }
            None => meta.push(Meta {
                id: row_id(),
                key,
                value,
            }),
        }
    }
}

fn apply(st: &mut State, id: u64, f: Fields) -> Result<(), ApiError> {
    if let Some(sku) = &f.sku
        && !st.sku_free(sku, id)
    {
        return Err(
            ApiError::bad_request("product_invalid_sku", "Invalid or duplicated SKU.")
                .with("resource_id", json!(id))
                .with("unique_sku", json!(sku)),
        );
    }
    let mut new_meta = Vec::new();
    if let Some(updates) = f.meta {
        let Some(item) = st.items.get(&id) else {
            return Err(product_404());
        };
        let mut meta = item.meta.clone();
        apply_meta(&mut meta, updates, || st.row_id());
        new_meta = meta;
    }
    let Some(item) = st.items.get_mut(&id) else {
        return Err(product_404());
    };
    if let Some(v) = f.name {
        item.name = v;
    }
    if let Some(v) = f.status {
        item.status = v;
    }
    if let Some(v) = f.sku {
        item.sku = v;
    }
    if let Some(v) = f.description {
        item.description = v;
    }
    if let Some(v) = f.regular_price {
        item.regular_price = parse_price(&v).flatten();
    }
    if let Some(v) = f.sale_price {
        item.sale_price = parse_price(&v).flatten();
    }
    if let Some(v) = f.manage_stock {
        item.manage_stock = v;
    }
    if let Some(v) = f.stock_quantity {
        item.stock_quantity = Some(v);
    }
    if let Some(v) = f.backorders {
        item.backorders = v;
    }
    if !new_meta.is_empty() {
        item.meta = new_meta;
    }
    item.modified = now_millis();
    Ok(())
}

/// `PUT /products/{id}` or `/products/{pid}/variations/{id}`: saves and fires
/// `product.updated` with the saved item's own id (a variation's id for a variation).
fn update(
    st: &mut State,
    id: u64,
    parent: Option<u64>,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    match parent {
        Some(pid) => {
            variation_of(st, pid, id)?;
        }
        None => {
            st.items.get(&id).ok_or_else(product_404)?;
        }
    }
    let f = fields(body)?;
    apply(st, id, f)?;
    fx.push(Event::new(Resource::Product, "updated", id));
    let item = st.items.get(&id).ok_or_else(product_404)?;
    Ok(st.item_json(item))
}

fn create(
    st: &mut State,
    parent: Option<u64>,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    let f = fields(body)?;
    let now = now_millis();
    let kind = match (parent, f.kind.as_deref()) {
        (Some(pid), _) => {
            st.items
                .get(&pid)
                .filter(|p| p.kind == Kind::Variable)
                .ok_or_else(product_404)?;
            Kind::Variation
        }
        (None, None | Some("simple")) => Kind::Simple,
        (None, Some("variable")) => Kind::Variable,
        (None, Some(other)) => {
            return Err(ApiError::bad_request(
                "woocommerce_rest_invalid_product_type",
                format!("The sandbox does not simulate {other} products; use simple or variable."),
            ));
        }
    };
    if let Some(sku) = &f.sku
        && !st.sku_free(sku, 0)
    {
        return Err(
            ApiError::bad_request("product_invalid_sku", "Invalid or duplicated SKU.")
                .with("unique_sku", json!(sku)),
        );
    }
    let id = st.post_id();
    let parent_item = parent.and_then(|p| st.items.get(&p)).cloned();
    let name = match (&parent_item, &f.option) {
        (Some(p), Some((_, option))) => format!("{} - {option}", p.name),
        (Some(p), None) => p.name.clone(),
        (None, _) => f.name.clone().unwrap_or_else(|| "Product".to_string()),
    };
    let item = Item {
        id,
        parent_id: parent.unwrap_or(0),
        kind,
        slug: crate::catalog_seed::slug(&name),
        name,
        status: "publish".to_string(),
        description: String::new(),
        sku: String::new(),
        regular_price: None,
        sale_price: None,
        manage_stock: false,
        stock_quantity: None,
        backorders: "no".to_string(),
        category: None,
        tags: Vec::new(),
        attribute: f.option.clone().map(|(n, o)| (n, vec![o])),
        variations: Vec::new(),
        meta: Vec::new(),
        weight: String::new(),
        dimensions: Default::default(),
        created: now,
        modified: now,
    };
    st.items.insert(id, item);
    if let Some(pid) = parent
        && let Some(p) = st.items.get_mut(&pid)
    {
        p.variations.push(id);
    }
    apply(st, id, Fields { name: None, ..f })?;
    fx.push(Event::new(Resource::Product, "created", id));
    let item = st.items.get(&id).ok_or_else(product_404)?;
    Ok(st.item_json(item))
}

/// Trash (products, without `force`) or delete for good. Fires `product.deleted`.
pub(crate) fn delete(
    st: &mut State,
    id: u64,
    parent: Option<u64>,
    force: bool,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    let item = match parent {
        Some(pid) => variation_of(st, pid, id)?,
        None => st.items.get(&id).ok_or_else(product_404)?,
    };
    let before = st.item_json(item);
    if !force {
        if item.kind == Kind::Variation {
            // Simulator choice (note §4, unconfirmed): variations cannot be trashed.
            return Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "woocommerce_rest_trash_not_supported",
                "The product_variation does not support trashing.",
            ));
        }
        if item.status == "trash" {
            return Err(ApiError::new(
                StatusCode::GONE,
                "woocommerce_rest_already_trashed",
                "The product has already been deleted.",
            ));
        }
        if let Some(i) = st.items.get_mut(&id) {
            i.status = "trash".to_string();
            i.modified = now_millis();
        }
        fx.push(Event::new(Resource::Product, "deleted", id));
        let item = st.items.get(&id).ok_or_else(product_404)?;
        return Ok(st.item_json(item));
    }
    let removed = st.items.remove(&id);
    if let Some(removed) = removed {
        for v in removed.variations {
            st.items.remove(&v);
        }
        if removed.parent_id != 0
            && let Some(p) = st.items.get_mut(&removed.parent_id)
        {
            p.variations.retain(|v| *v != id);
        }
    }
    // Simulator choice: a permanent delete fires `product.deleted` like a trash does.
    fx.push(Event::new(Resource::Product, "deleted", id));
    Ok(before)
}

/// Per-item failure inside a batch answer (the batch itself is still 200).
fn batch_error(id: Option<u64>, e: &ApiError) -> Value {
    json!({
        "id": id.unwrap_or(0),
        "error": {"code": e.code, "message": e.message, "data": {"status": e.status.as_u16()}},
    })
}

/// Rejects batches over the item limit, as `WC_REST_Controller::check_batch_limit` does.
pub(crate) fn check_batch_limit(body: &Value) -> Result<(), ApiError> {
    let count: usize = ["create", "update", "delete"]
        .iter()
        .filter_map(|k| body.get(*k).and_then(Value::as_array))
        .map(Vec::len)
        .sum();
    if count > MAX_PER_REQUEST {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "woocommerce_rest_request_entity_too_large",
            format!("Unable to accept more than {MAX_PER_REQUEST} items for this request."),
        ));
    }
    Ok(())
}

fn batch(st: &mut State, parent: Option<u64>, body: &Value, fx: &mut Vec<Event>) -> ApiResult {
    check_batch_limit(body)?;
    if let Some(pid) = parent {
        st.items
            .get(&pid)
            .filter(|p| p.kind == Kind::Variable)
            .ok_or_else(product_404)?;
    }
    let list = |k: &str| {
        body.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut out = serde_json::Map::new();
    let created: Vec<Value> = list("create")
        .iter()
        .map(|item| create(st, parent, item, fx).unwrap_or_else(|e| batch_error(None, &e)))
        .collect();
    let updated: Vec<Value> = list("update")
        .iter()
        .map(|item| {
            let id = item.get("id").and_then(Value::as_u64);
            match id {
                Some(id) => update(st, id, parent, item, fx),
                None => Err(if parent.is_some() {
                    variation_404()
                } else {
                    product_404()
                }),
            }
            .unwrap_or_else(|e| batch_error(id, &e))
        })
        .collect();
    // Batch deletes are forced (`WC_REST_Controller::batch_items`).
    let deleted: Vec<Value> = list("delete")
        .iter()
        .map(|v| {
            let id = v.as_u64().or_else(|| v.get("id").and_then(Value::as_u64));
            match id {
                Some(id) => delete(st, id, parent, true, fx),
                None => Err(product_404()),
            }
            .unwrap_or_else(|e| batch_error(id, &e))
        })
        .collect();
    for (k, v) in [
        ("create", created),
        ("update", updated),
        ("delete", deleted),
    ] {
        if body.get(k).is_some() {
            out.insert(k.to_string(), Value::Array(v));
        }
    }
    Ok(Reply::ok(Value::Object(out)))
}

/// Changes an item's stock by `delta` as `wc_update_product_stock` does: the product is saved,
/// so its modified date moves and `product.updated` fires (with a variation's own id).
pub(crate) fn adjust_stock(st: &mut State, id: u64, delta: i64, fx: &mut Vec<Event>) {
    if let Some(item) = st.items.get_mut(&id)
        && item.manage_stock
    {
        item.stock_quantity = Some(item.stock_quantity.unwrap_or(0) + delta);
        item.modified = now_millis();
        fx.push(Event::new(Resource::Product, "updated", id));
    }
}
