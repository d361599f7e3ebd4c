//! `/wc/v3/orders[...]`: orders, their stock side effects and notes (note §5).

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::model::{FeeLine, Kind, LineItem, Note, Order, ShippingLine, State};
use super::products::{adjust_stock, apply_meta, parse_meta};
use super::webhooks::{Event, Resource};
use super::{
    ApiError, ApiResult, Ctx, Reply, WooCommerce, page_args, paginate_with, seg_id, state,
};
use crate::common::{now_millis, parse_iso8601};

pub(crate) const STATUSES: [&str; 8] = [
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
];

/// Statuses that take stock (`wc_maybe_reduce_stock_levels`) and give it back
/// (`wc_maybe_increase_stock_levels`).
const REDUCES_STOCK: [&str; 3] = ["processing", "completed", "on-hold"];
const RESTORES_STOCK: [&str; 2] = ["cancelled", "pending"];
/// `wc_get_is_paid_statuses`.
const PAID: [&str; 2] = ["processing", "completed"];
/// `woocommerce_valid_order_statuses_for_payment_complete`.
const PAYABLE: [&str; 4] = ["on-hold", "pending", "failed", "cancelled"];

pub(crate) fn order_404() -> ApiError {
    ApiError::not_found("woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
}

pub(crate) fn route(
    woo: &WooCommerce,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    let need = |code: &str, msg: &str| ctx.require(code, msg);
    Some(match (method, rest) {
        ("GET", []) => need(
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        )
        .and_then(|()| list(woo, ctx)),
        ("POST", []) => need(
            "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.",
        )
        .and_then(|()| {
            let mut st = state(woo);
            let order = create(&mut st, &ctx.body, fx)?;
            let location = format!("{}/wp-json/wc/v3/orders/{}", woo.home, order["id"]);
            Ok(Reply::created(order, location))
        }),
        (m, [id]) => {
            let id = seg_id(id)?;
            match m {
                "GET" => need(
                    "woocommerce_rest_cannot_view",
                    "Sorry, you cannot view this resource.",
                )
                .and_then(|()| {
                    let st = state(woo);
                    let o = st.orders.get(&id).ok_or_else(order_404)?;
                    Ok(Reply::ok(st.order_json(o)))
                }),
                "PUT" => need(
                    "woocommerce_rest_cannot_edit",
                    "Sorry, you are not allowed to edit this resource.",
                )
                .and_then(|()| update(&mut state(woo), id, &ctx.body, fx).map(Reply::ok)),
                "DELETE" => need(
                    "woocommerce_rest_cannot_delete",
                    "Sorry, you are not allowed to delete this resource.",
                )
                .and_then(|()| delete(&mut state(woo), id, ctx.force(), fx).map(Reply::ok)),
                _ => return None,
            }
        }
        (m, [id, "refunds"]) => return super::refunds::route(woo, ctx, m, seg_id(id)?, fx),
        (m, [id, "notes"]) => {
            let id = seg_id(id)?;
            match m {
                "GET" => need(
                    "woocommerce_rest_cannot_view",
                    "Sorry, you cannot list resources.",
                )
                .and_then(|()| {
                    let st = state(woo);
                    let o = st.orders.get(&id).ok_or_else(note_order_404)?;
                    let notes: Vec<Value> = o.notes.iter().rev().map(State::note_json).collect();
                    Ok(Reply::ok(Value::Array(notes)))
                }),
                "POST" => need(
                    "woocommerce_rest_cannot_create",
                    "Sorry, you are not allowed to create resources.",
                )
                .and_then(|()| {
                    let mut st = state(woo);
                    let note = add_note(&mut st, id, &ctx.body)?;
                    let location = format!(
                        "{}/wp-json/wc/v3/orders/{id}/notes/{}",
                        woo.home, note["id"]
                    );
                    Ok(Reply::created(note, location))
                }),
                _ => return None,
            }
        }
        ("GET", [id, "notes", note_id]) => {
            let (id, note_id) = (seg_id(id)?, seg_id(note_id)?);
            need(
                "woocommerce_rest_cannot_view",
                "Sorry, you cannot view this resource.",
            )
            .and_then(|()| {
                let st = state(woo);
                let o = st.orders.get(&id).ok_or_else(note_order_404)?;
                let n = o.notes.iter().find(|n| n.id == note_id).ok_or_else(|| {
                    ApiError::not_found("woocommerce_rest_invalid_id", "Invalid resource ID.")
                })?;
                Ok(Reply::ok(State::note_json(n)))
            })
        }
        _ => return None,
    })
}

fn note_order_404() -> ApiError {
    ApiError::not_found("woocommerce_rest_order_invalid_id", "Invalid order ID.")
}

fn add_note(st: &mut State, order_id: u64, body: &Value) -> Result<Value, ApiError> {
    if !st.orders.contains_key(&order_id) {
        return Err(note_order_404());
    }
    let text = body.get("note").and_then(Value::as_str).unwrap_or_default();
    if text.is_empty() {
        return Err(ApiError::bad_request(
            "woocommerce_rest_order_note_missing_note",
            "Order note is required.",
        ));
    }
    let note = Note {
        id: st.row_id(),
        note: text.to_string(),
        customer_note: body
            .get("customer_note")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        created: now_millis(),
    };
    let json = State::note_json(&note);
    if let Some(o) = st.orders.get_mut(&order_id) {
        o.notes.push(note);
    }
    Ok(json)
}

fn money_arg(v: Option<&Value>, name: &str) -> Result<Option<Decimal>, ApiError> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) => Decimal::from_str(s.trim())
            .map(Some)
            .map_err(|_| ApiError::invalid_param(name, format!("{name} is not a valid amount."))),
        Some(_) => Err(ApiError::invalid_param(
            name,
            format!("{name} is not of type string."),
        )),
    }
}

fn check_status(body: &Value) -> Result<Option<String>, ApiError> {
    match body.get("status") {
        None => Ok(None),
        Some(Value::String(s)) if STATUSES.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_param(
            "status",
            format!("status is not one of {}.", STATUSES.join(", ")),
        )),
    }
}

fn address(v: Option<&Value>, email: bool) -> Value {
    let mut keys = vec![
        "first_name",
        "last_name",
        "company",
        "address_1",
        "address_2",
        "city",
        "state",
        "postcode",
        "country",
        "phone",
    ];
    if email {
        keys.push("email");
    }
    let mut out = serde_json::Map::new();
    for k in keys {
        let value = v
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default();
        out.insert(k.to_string(), json!(value));
    }
    Value::Object(out)
}

fn merge_address(current: &mut Value, update: &Value) {
    if let (Some(cur), Some(upd)) = (current.as_object_mut(), update.as_object()) {
        for (k, v) in upd {
            if cur.contains_key(k)
                && let Some(s) = v.as_str()
            {
                cur.insert(k.clone(), json!(s));
            }
        }
    }
}

/// Builds one line item: the product by `sku`, `variation_id` or `product_id` (as
/// `get_product_id` picks), totals default to the current price × quantity.
fn line_item(st: &mut State, posted: &Value) -> Result<LineItem, ApiError> {
    let sku = posted
        .get("sku")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let product_id = posted
        .get("product_id")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let variation_id = posted
        .get("variation_id")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let wanted = if !sku.is_empty() {
        st.item_by_sku(sku).map_or(u64::MAX, |i| i.id)
    } else if variation_id != 0 {
        variation_id
    } else if product_id != 0 {
        product_id
    } else {
        return Err(ApiError::bad_request(
            "woocommerce_rest_required_product_reference",
            "Product ID or SKU is required.",
        ));
    };
    // Simulator choice: an unknown product or variation is refused (core may keep a line
    // without a product); the code is the one the REST controllers use for bad product ids.
    let invalid =
        || ApiError::bad_request("woocommerce_rest_invalid_product_id", "Invalid product ID.");
    let item = st
        .items
        .get(&wanted)
        .filter(|i| i.status != "trash")
        .ok_or_else(invalid)?;
    if variation_id != 0 && product_id != 0 && item.parent_id != product_id {
        return Err(invalid());
    }
    let quantity = match posted.get("quantity") {
        None => 1,
        Some(q) => q.as_i64().ok_or_else(|| {
            ApiError::invalid_param(
                "line_items",
                "line_items[0][quantity] is not of type integer.",
            )
        })?,
    };
    if quantity <= 0 {
        return Err(ApiError::bad_request(
            "woocommerce_rest_invalid_product_quantity",
            "Product quantity must be a positive float.",
        ));
    }
    let default_total = item.price().unwrap_or_default() * Decimal::from(quantity);
    let (pid, vid) = if item.kind == Kind::Variation {
        (item.parent_id, item.id)
    } else {
        (item.id, 0)
    };
    let name = item.name.clone();
    let item_sku = item.sku.clone();
    let total = money_arg(posted.get("total"), "total")?.unwrap_or(default_total);
    let subtotal = money_arg(posted.get("subtotal"), "subtotal")?.unwrap_or(default_total);
    let mut meta = Vec::new();
    if let Some(m) = posted.get("meta_data").and_then(parse_meta) {
        apply_meta(&mut meta, m, || st.row_id());
    }
    Ok(LineItem {
        id: st.row_id(),
        name: posted
            .get("name")
            .and_then(Value::as_str)
            .map_or(name, str::to_string),
        product_id: pid,
        variation_id: vid,
        quantity,
        subtotal,
        total,
        sku: item_sku,
        meta,
    })
}

fn create(st: &mut State, body: &Value, fx: &mut Vec<Event>) -> Result<Value, ApiError> {
    let status = check_status(body)?;
    let set_paid = match body.get("set_paid") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::invalid_param(
                "set_paid",
                "set_paid is not of type boolean.",
            ));
        }
    };
    let meta_updates = match body.get("meta_data") {
        None => Vec::new(),
        Some(m) => parse_meta(m).ok_or_else(|| {
            ApiError::invalid_param("meta_data", "meta_data[0][key] is not of type string.")
        })?,
    };
    let mut line_items = Vec::new();
    for posted in body
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        line_items.push(line_item(st, posted)?);
    }
    let mut shipping_lines = Vec::new();
    for s in body
        .get("shipping_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        shipping_lines.push(ShippingLine {
            id: st.row_id(),
            method_id: s
                .get("method_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            method_title: s
                .get("method_title")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            total: money_arg(s.get("total"), "total")?.unwrap_or_default(),
        });
    }
    let mut fee_lines = Vec::new();
    for f in body
        .get("fee_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        fee_lines.push(FeeLine {
            id: st.row_id(),
            name: f
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            total: money_arg(f.get("total"), "total")?.unwrap_or_default(),
        });
    }
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut meta = Vec::new();
    apply_meta(&mut meta, meta_updates, || st.row_id());
    let id = st.post_id();
    let now = now_millis();
    let key: u64 = id.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let order = Order {
        id,
        order_key: format!("wc_order_{:013x}", key & 0x1f_ffff_ffff_ffff),
        status: "pending".to_string(),
        currency: body
            .get("currency")
            .and_then(Value::as_str)
            .unwrap_or("USD")
            .to_string(),
        created: now,
        modified: now,
        paid: None,
        completed: None,
        billing: address(body.get("billing"), true),
        shipping: address(body.get("shipping"), false),
        payment_method: text("payment_method"),
        payment_method_title: text("payment_method_title"),
        transaction_id: text("transaction_id"),
        created_via: "rest-api".to_string(),
        customer_note: text("customer_note"),
        line_items,
        shipping_lines,
        fee_lines,
        meta,
        stock_reduced: false,
        notes: Vec::new(),
        refunds: Vec::new(),
    };
    st.orders.insert(id, order);
    fx.push(Event::new(Resource::Order, "created", id));
    if let Some(status) = status {
        set_status(st, id, &status, fx);
    }
    if set_paid {
        payment_complete(st, id, fx);
        fx.push(Event::new(Resource::Order, "updated", id));
    }
    let o = st.orders.get(&id).ok_or_else(order_404)?;
    Ok(st.order_json(o))
}

/// `WC_Order::payment_complete()`: only from a payable status; → processing, paid now.
fn payment_complete(st: &mut State, id: u64, fx: &mut Vec<Event>) {
    let payable = st
        .orders
        .get(&id)
        .is_some_and(|o| PAYABLE.contains(&o.status.as_str()));
    if payable {
        set_status(st, id, "processing", fx);
        reduce_stock(st, id, fx);
    }
}

/// Moves an order to `status` with core's stock hooks; statuses are not a state machine.
pub(crate) fn set_status(st: &mut State, id: u64, status: &str, fx: &mut Vec<Event>) {
    let Some(o) = st.orders.get_mut(&id) else {
        return;
    };
    if o.status == status {
        return;
    }
    o.status = status.to_string();
    o.modified = now_millis();
    if status == "completed" {
        o.completed = Some(o.modified);
    }
    // `maybe_set_date_paid`: reaching a paid status records the payment date once.
    if PAID.contains(&status) && o.paid.is_none() {
        o.paid = Some(o.modified);
    }
    if REDUCES_STOCK.contains(&status) {
        reduce_stock(st, id, fx);
    } else if RESTORES_STOCK.contains(&status) {
        restore_stock(st, id, fx);
    }
}

fn stock_lines(st: &State, id: u64) -> Vec<(u64, i64)> {
    st.orders.get(&id).map_or_else(Vec::new, |o| {
        o.line_items
            .iter()
            .map(|l| {
                let target = if l.variation_id != 0 {
                    l.variation_id
                } else {
                    l.product_id
                };
                (target, l.quantity)
            })
            .collect()
    })
}

/// Once per order (`_order_stock_reduced`).
fn reduce_stock(st: &mut State, id: u64, fx: &mut Vec<Event>) {
    if st.orders.get(&id).is_none_or(|o| o.stock_reduced) {
        return;
    }
    for (target, qty) in stock_lines(st, id) {
        adjust_stock(st, target, -qty, fx);
    }
    if let Some(o) = st.orders.get_mut(&id) {
        o.stock_reduced = true;
    }
}

fn restore_stock(st: &mut State, id: u64, fx: &mut Vec<Event>) {
    if st.orders.get(&id).is_none_or(|o| !o.stock_reduced) {
        return;
    }
    for (target, qty) in stock_lines(st, id) {
        adjust_stock(st, target, qty, fx);
    }
    if let Some(o) = st.orders.get_mut(&id) {
        o.stock_reduced = false;
    }
}

/// `PUT /orders/{id}`: status (any → any), addresses, note, transaction id, `set_paid`,
/// `meta_data`. Simulator limitation: existing lines cannot be edited (refused, not ignored).
pub(crate) fn update(
    st: &mut State,
    id: u64,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    if !st.orders.contains_key(&id) {
        return Err(order_404());
    }
    let status = check_status(body)?;
    let meta_updates = match body.get("meta_data") {
        None => None,
        Some(m) => Some(parse_meta(m).ok_or_else(|| {
            ApiError::invalid_param("meta_data", "meta_data[0][key] is not of type string.")
        })?),
    };
    if ["line_items", "shipping_lines", "fee_lines"]
        .iter()
        .any(|k| body.get(*k).is_some())
    {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "sandbox_not_simulated",
            "The sandbox does not simulate editing order lines.",
        ));
    }
    let mut meta = st
        .orders
        .get(&id)
        .map(|o| o.meta.clone())
        .unwrap_or_default();
    if let Some(updates) = meta_updates {
        apply_meta(&mut meta, updates, || st.row_id());
    }
    if let Some(o) = st.orders.get_mut(&id) {
        o.meta = meta;
        if let Some(b) = body.get("billing") {
            merge_address(&mut o.billing, b);
        }
        if let Some(s) = body.get("shipping") {
            merge_address(&mut o.shipping, s);
        }
        for (k, field) in [
            ("customer_note", &mut o.customer_note),
            ("transaction_id", &mut o.transaction_id),
            ("payment_method", &mut o.payment_method),
            ("payment_method_title", &mut o.payment_method_title),
        ] {
            if let Some(v) = body.get(k).and_then(Value::as_str) {
                *field = v.to_string();
            }
        }
        o.modified = now_millis();
    }
    if let Some(status) = status {
        set_status(st, id, &status, fx);
    }
    if body.get("set_paid") == Some(&Value::Bool(true)) {
        payment_complete(st, id, fx);
    }
    fx.push(Event::new(Resource::Order, "updated", id));
    let o = st.orders.get(&id).ok_or_else(order_404)?;
    Ok(st.order_json(o))
}

fn delete(st: &mut State, id: u64, force: bool, fx: &mut Vec<Event>) -> Result<Value, ApiError> {
    let o = st.orders.get(&id).ok_or_else(order_404)?;
    let before = st.order_json(o);
    if force {
        st.orders.remove(&id);
        return Ok(before);
    }
    if o.status == "trash" {
        return Err(ApiError::new(
            StatusCode::GONE,
            "woocommerce_rest_already_trashed",
            "The order has already been deleted.",
        ));
    }
    if let Some(o) = st.orders.get_mut(&id) {
        o.status = "trash".to_string();
        o.modified = now_millis();
    }
    fx.push(Event::new(Resource::Order, "deleted", id));
    let o = st.orders.get(&id).ok_or_else(order_404)?;
    Ok(st.order_json(o))
}

/// Whether `term` (lower case) is in the fields WooCommerce's order search looks at: billing
/// and shipping names, emails, phones and address fields, and the names of every order item
/// (line items, shipping lines, fee lines); a numeric term also matches the order id.
fn matches_search(o: &Order, term: &str) -> bool {
    let in_address = |a: &Value| {
        a.as_object().is_some_and(|m| {
            m.values()
                .filter_map(Value::as_str)
                .any(|v| v.to_lowercase().contains(term))
        })
    };
    o.id.to_string() == term
        || in_address(&o.billing)
        || in_address(&o.shipping)
        || o.line_items
            .iter()
            .any(|l| l.name.to_lowercase().contains(term))
        || o.shipping_lines
            .iter()
            .any(|s| s.method_title.to_lowercase().contains(term))
        || o.fee_lines
            .iter()
            .any(|f| f.name.to_lowercase().contains(term))
}

fn list(woo: &WooCommerce, ctx: &Ctx) -> ApiResult {
    let mut errors = BTreeMap::new();
    let page = page_args(ctx, &mut errors);
    let mut statuses: Vec<String> = Vec::new();
    if let Some(raw) = ctx.param("status") {
        for s in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if s == "any" || s == "trash" || STATUSES.contains(&s) {
                statuses.push(s.to_string());
            } else {
                errors.insert(
                    "status".into(),
                    format!(
                        "status[0] is not one of any, trash, {}.",
                        STATUSES.join(", ")
                    ),
                );
            }
        }
    }
    let mut date = |name: &str| {
        let raw = ctx.param(name)?;
        let parsed = parse_iso8601(raw);
        if parsed.is_none() {
            errors.insert(name.to_string(), "Invalid date.".to_string());
        }
        parsed
    };
    let after = date("after");
    let before = date("before");
    let modified_after = date("modified_after");
    let modified_before = date("modified_before");
    let orderby = ctx.param("orderby").unwrap_or("date");
    if !["date", "id", "include", "title", "slug", "modified"].contains(&orderby) {
        errors.insert(
            "orderby".into(),
            "orderby is not one of date, id, include, title, slug, modified.".into(),
        );
    }
    let order = ctx.param("order").unwrap_or("desc");
    if !["asc", "desc"].contains(&order) {
        errors.insert("order".into(), "order is not one of asc, desc.".into());
    }
    let include: Vec<u64> = ctx
        .param("include")
        .map(|s| s.split(',').filter_map(|p| p.trim().parse().ok()).collect())
        .unwrap_or_default();
    let product: Option<u64> = ctx.param("product").and_then(|p| p.parse().ok());
    if !errors.is_empty() {
        return Err(ApiError::invalid_params(errors));
    }
    let search = ctx
        .param("search")
        .map(str::to_lowercase)
        .filter(|s| !s.is_empty());
    let st = state(woo);
    let mut found: Vec<&Order> = st
        .orders
        .values()
        .filter(|o| {
            if statuses.is_empty() || statuses.iter().any(|s| s == "any") {
                // `any` leaves out trashed and checkout-draft orders.
                !["trash", "checkout-draft"].contains(&o.status.as_str())
                    || statuses.contains(&o.status)
            } else {
                statuses.contains(&o.status)
            }
        })
        .filter(|o| after.is_none_or(|t| o.created > t))
        .filter(|o| before.is_none_or(|t| o.created < t))
        .filter(|o| modified_after.is_none_or(|t| o.modified > t))
        .filter(|o| modified_before.is_none_or(|t| o.modified < t))
        .filter(|o| include.is_empty() || include.contains(&o.id))
        .filter(|o| {
            product.is_none_or(|p| {
                o.line_items
                    .iter()
                    .any(|l| l.product_id == p || l.variation_id == p)
            })
        })
        .filter(|o| search.as_deref().is_none_or(|t| matches_search(o, t)))
        .collect();
    found.sort_by(|a, b| {
        let primary = match orderby {
            "id" | "title" | "slug" => a.id.cmp(&b.id),
            "include" => {
                let pos = |o: &Order| include.iter().position(|x| *x == o.id);
                pos(a).cmp(&pos(b))
            }
            "modified" => a.modified.cmp(&b.modified),
            _ => a.created.cmp(&b.created),
        };
        primary.then(a.id.cmp(&b.id))
    });
    if order == "desc" && orderby != "include" {
        found.reverse();
    }
    Ok(paginate_with(woo, ctx, &page, found, |o| st.order_json(o)))
}
