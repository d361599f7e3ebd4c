//! `/v2/orders[...]` and `/v2/order_statuses` (orders.v2.oas2.yml): create, read, list
//! (filters, `sort`, `page`/`limit`, 204 past the end), update (status changes move stock and
//! fire `statusUpdated`), archive, order products and shipping addresses.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::hooks::{Event, stock_event};
use super::model::{
    Order, OrderLine, ShippingAddress, State, holds_stock, parse_date, status_json,
};
use super::{ApiError, ApiResult, BigCommerce, Ctx, Reply, seg_id, state, v2_page, v2_page_with};
use crate::common::now_millis;

const ADDRESS_FIELDS: [&str; 12] = [
    "first_name",
    "last_name",
    "company",
    "street_1",
    "street_2",
    "city",
    "state",
    "zip",
    "country",
    "country_iso2",
    "phone",
    "email",
];

/// Fields of an order a POST or PUT may not carry.
const READ_ONLY: [&str; 17] = [
    "id",
    "date_modified",
    "date_shipped",
    "status",
    "external_id",
    "cart_id",
    "payment_status",
    "coupon_discount",
    "order_source",
    "total_tax",
    "subtotal_tax",
    "shipping_address_count",
    "currency_id",
    "currency_code",
    "is_email_opt_in",
    "store_credit_amount",
    "gift_certificate_amount",
];

const SORTS: [&str; 7] = [
    "id",
    "customer_id",
    "date_created",
    "date_modified",
    "status_id",
    "channel_id",
    "external_id",
];

pub(crate) fn order_404() -> ApiError {
    ApiError::not_found("The requested resource was not found.")
}

fn required(field: &str) -> ApiError {
    ApiError::bad_request(format!("The required field '{field}' was not supplied."))
}

pub(crate) fn statuses(method: &str, rest: &[&str]) -> Option<ApiResult> {
    if method != "GET" {
        return Some(Err(super::catalog::method_not_allowed()));
    }
    Some(match rest {
        [] => Ok(Reply::ok(Value::Array((0..=14).map(status_json).collect()))),
        [id] => {
            let id = seg_id(id)?;
            match u8::try_from(id).ok().filter(|i| *i <= 14) {
                Some(id) => Ok(Reply::ok(status_json(id))),
                None => Err(order_404()),
            }
        }
        _ => return None,
    })
}

pub(crate) fn route(
    bc: &Arc<BigCommerce>,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    let not_allowed = || Err(super::catalog::method_not_allowed());
    Some(match rest {
        [] => match method {
            "GET" => list(bc, ctx),
            "POST" => {
                let mut st = state(bc);
                create(&mut st, &ctx.body, fx).map(Reply::created)
            }
            _ => not_allowed(),
        },
        [id, sub @ ..] => {
            let id = seg_id(id)?;
            match (method, sub) {
                ("GET", []) => {
                    let st = state(bc);
                    live(&st, id).map(|o| Reply::ok(st.order_json(o)))
                }
                ("PUT", []) => {
                    let mut st = state(bc);
                    update(&mut st, id, &ctx.body, fx).map(Reply::ok)
                }
                ("DELETE", []) => {
                    let mut st = state(bc);
                    archive(&mut st, id, fx).map(|()| Reply::no_content())
                }
                ("GET", ["products"]) => ctx.paging(50).and_then(|(page, limit)| {
                    let st = state(bc);
                    let o = live(&st, id)?;
                    let all = o.lines.iter().map(|l| st.line_json(o, l)).collect();
                    Ok(v2_page(all, page, limit))
                }),
                ("GET", ["products", pid]) => {
                    let pid = seg_id(pid)?;
                    let st = state(bc);
                    live(&st, id).and_then(|o| {
                        let l = o.lines.iter().find(|l| l.id == pid).ok_or_else(order_404)?;
                        Ok(Reply::ok(st.line_json(o, l)))
                    })
                }
                ("GET", ["shipping_addresses"]) => ctx.paging(50).and_then(|(page, limit)| {
                    let st = state(bc);
                    let o = live(&st, id)?;
                    let all = o.addresses.iter().map(|a| st.address_json(o, a)).collect();
                    Ok(v2_page(all, page, limit))
                }),
                ("GET", ["shipping_addresses", aid]) => {
                    let aid = seg_id(aid)?;
                    let st = state(bc);
                    live(&st, id).and_then(|o| {
                        let a = o
                            .addresses
                            .iter()
                            .find(|a| a.id == aid)
                            .ok_or_else(order_404)?;
                        Ok(Reply::ok(st.address_json(o, a)))
                    })
                }
                (m, ["shipments", rest @ ..]) => {
                    return super::shipments::route(bc, ctx, m, id, rest, fx);
                }
                (_, [] | ["products"] | ["shipping_addresses"]) => not_allowed(),
                _ => return None,
            }
        }
    })
}

/// An order that exists and is not archived.
pub(crate) fn live(st: &State, id: u64) -> Result<&Order, ApiError> {
    st.orders
        .get(&id)
        .filter(|o| !o.archived)
        .ok_or_else(order_404)
}

fn list(bc: &BigCommerce, ctx: &Ctx) -> ApiResult {
    let (page, limit) = ctx.paging(50)?;
    let date = |name: &str| -> Result<Option<i64>, ApiError> {
        ctx.param(name)
            .map(|raw| parse_date(raw).ok_or_else(|| ApiError::invalid_field(name)))
            .transpose()
    };
    let int = |name: &str| -> Result<Option<u64>, ApiError> {
        ctx.param(name)
            .map(|raw| {
                raw.trim()
                    .parse::<u64>()
                    .map_err(|_| ApiError::invalid_field(name))
            })
            .transpose()
    };
    let (min_modified, max_modified) = (date("min_date_modified")?, date("max_date_modified")?);
    let (min_created, max_created) = (date("min_date_created")?, date("max_date_created")?);
    let (min_id, max_id) = (int("min_id")?, int("max_id")?);
    let status = int("status_id")?;
    let customer = int("customer_id")?;
    let (sort, descending) = match ctx.param("sort") {
        None => ("id", false),
        Some(raw) => {
            let (field, dir) = raw.split_once(':').unwrap_or((raw, "asc"));
            if !SORTS.contains(&field) || !matches!(dir, "asc" | "desc") {
                return Err(ApiError::invalid_field("sort"));
            }
            (field, dir == "desc")
        }
    };
    let st = state(bc);
    let mut found: Vec<&Order> = st
        .orders
        .values()
        .filter(|o| !o.archived)
        .filter(|o| min_modified.is_none_or(|m| o.modified >= m))
        .filter(|o| max_modified.is_none_or(|m| o.modified <= m))
        .filter(|o| min_created.is_none_or(|m| o.created >= m))
        .filter(|o| max_created.is_none_or(|m| o.created <= m))
        .filter(|o| min_id.is_none_or(|m| o.id >= m))
        .filter(|o| max_id.is_none_or(|m| o.id <= m))
        .filter(|o| status.is_none_or(|s| u64::from(o.status_id) == s))
        .filter(|o| customer.is_none_or(|c| o.customer_id == c))
        .filter(|o| {
            ctx.param("external_order_id")
                .is_none_or(|e| o.external_order_id.as_deref() == Some(e))
        })
        .filter(|o| {
            ctx.param("email")
                .is_none_or(|e| o.billing.get("email").and_then(Value::as_str) == Some(e))
        })
        .collect();
    match sort {
        "date_created" => found.sort_by_key(|o| (o.created, o.id)),
        "date_modified" => found.sort_by_key(|o| (o.modified, o.id)),
        "status_id" => found.sort_by_key(|o| (o.status_id, o.id)),
        "customer_id" => found.sort_by_key(|o| (o.customer_id, o.id)),
        _ => {}
    }
    if descending {
        found.reverse();
    }
    Ok(v2_page_with(found, page, limit, |o| st.order_json(o)))
}

/// A money field: number or numeric string, not negative.
fn money_field(body: &Value, field: &str) -> Result<Option<Decimal>, ApiError> {
    let parsed = match body.get(field) {
        None => return Ok(None),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string()).ok(),
        Some(Value::String(s)) => Decimal::from_str(s.trim()).ok(),
        Some(_) => None,
    };
    parsed
        .filter(|d| !d.is_sign_negative())
        .map(Some)
        .ok_or_else(|| ApiError::invalid_field(field))
}

/// `x_ex_tax` and `x_inc_tax` given together (or neither).
fn money_pair(body: &Value, ex: &str, inc: &str) -> Result<Option<(Decimal, Decimal)>, ApiError> {
    match (money_field(body, ex)?, money_field(body, inc)?) {
        (None, None) => Ok(None),
        (Some(e), Some(i)) => Ok(Some((e, i))),
        (Some(_), None) => Err(required(inc)),
        (None, Some(_)) => Err(required(ex)),
    }
}

fn text_field(body: &Value, field: &str, max: usize) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_field(field)),
    }
}

/// An address object: string fields only; `null` is refused as BigCommerce does.
fn address(v: &Value, what: &str, billing: bool) -> Result<Map<String, Value>, ApiError> {
    let obj = v.as_object().ok_or_else(|| ApiError::invalid_field(what))?;
    let mut out = Map::new();
    for key in ADDRESS_FIELDS {
        match obj.get(key) {
            None => {
                out.insert(key.into(), json!(""));
            }
            Some(Value::Null) => {
                return Err(ApiError::bad_request(format!(
                    "The field '{key}' does not allow null values."
                )));
            }
            Some(Value::String(s)) => {
                out.insert(key.into(), json!(s));
            }
            Some(Value::Number(n)) if key == "zip" || key == "phone" => {
                out.insert(key.into(), json!(n.to_string()));
            }
            Some(_) => return Err(ApiError::invalid_field(what)),
        }
    }
    let zip_ok = out
        .get("zip")
        .and_then(Value::as_str)
        .is_some_and(|z| z.trim().chars().count() >= 2);
    if billing && !zip_ok {
        return Err(ApiError::invalid_field(what).with_details(json!({
            "invalid_reason": "The billing address must include the ZIP code. The ZIP code must be two or more characters."
        })));
    }
    Ok(out)
}

fn options_invalid(product_id: u64, name: &str) -> ApiError {
    ApiError::bad_request("The options of one or more products are invalid.").with_details(json!({
        "errors": [{"type": "MandatoryProductOptions", "product": {
            "id": product_id, "name": name,
            "resource": format!("/products/{product_id}")}}]
    }))
}

/// One `products[]` entry: a catalog product (by `variant_id` or `product_options`) or a
/// custom product (`name` and both prices).
fn line(st: &mut State, posted: &Value, address_id: u64) -> Result<OrderLine, ApiError> {
    let quantity = match posted.get("quantity") {
        None if posted.get("product_id").is_some() => 1,
        None => return Err(required("quantity")),
        Some(q) => q
            .as_i64()
            .filter(|q| *q > 0)
            .ok_or_else(|| ApiError::invalid_field("quantity"))?,
    };
    let prices = match (
        money_field(posted, "price_ex_tax")?,
        money_field(posted, "price_inc_tax")?,
    ) {
        (Some(e), Some(i)) => Some((e, i)),
        (Some(p), None) | (None, Some(p)) => Some((p, p)),
        (None, None) => None,
    };
    let Some(product_id) = posted.get("product_id") else {
        let name = text_field(posted, "name", 250)?
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| required("name"))?;
        let (ex, inc) = prices.ok_or_else(|| required("price_inc_tax"))?;
        return Ok(OrderLine {
            id: st.row_id(),
            product_id: 0,
            variant_id: None,
            order_address_id: address_id,
            name,
            sku: text_field(posted, "sku", 255)?.unwrap_or_default(),
            quantity,
            price_ex_tax: ex,
            price_inc_tax: inc,
            quantity_shipped: 0,
            quantity_refunded: 0,
            option: None,
        });
    };
    let product_id = product_id
        .as_u64()
        .ok_or_else(|| ApiError::invalid_field("product_id"))?;
    let product = st
        .products
        .get(&product_id)
        .cloned()
        .ok_or_else(|| ApiError::invalid_field("product_id"))?;
    let variant_id = match (posted.get("variant_id"), posted.get("product_options")) {
        (Some(v), _) => {
            let vid = v
                .as_u64()
                .ok_or_else(|| ApiError::invalid_field("variant_id"))?;
            product
                .variants
                .contains(&vid)
                .then_some(vid)
                .ok_or_else(|| options_invalid(product_id, &product.name))?
        }
        (None, Some(options)) => {
            let chosen: Vec<(u64, String)> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|o| {
                            let id = o.get("id")?.as_u64()?;
                            let value = match o.get("value")? {
                                Value::String(s) => s.clone(),
                                Value::Number(n) => n.to_string(),
                                _ => return None,
                            };
                            Some((id, value))
                        })
                        .collect()
                })
                .unwrap_or_default();
            product
                .variants
                .iter()
                .copied()
                .find(|vid| {
                    st.variants
                        .get(vid)
                        .and_then(|v| v.option.as_ref())
                        .is_some_and(|o| {
                            chosen
                                .iter()
                                .any(|(id, value)| *id == o.option_id && *value == o.id.to_string())
                        })
                })
                .ok_or_else(|| options_invalid(product_id, &product.name))?
        }
        (None, None) => product
            .base_variant()
            .ok_or_else(|| options_invalid(product_id, &product.name))?,
    };
    let variant = st
        .variants
        .get(&variant_id)
        .cloned()
        .ok_or_else(|| options_invalid(product_id, &product.name))?;
    let price = st.variant_price(&variant);
    let (ex, inc) = prices.unwrap_or((price, price));
    let name = text_field(posted, "name", 250)?.unwrap_or_else(|| product.name.clone());
    Ok(OrderLine {
        id: st.row_id(),
        product_id,
        variant_id: Some(variant_id),
        order_address_id: address_id,
        name,
        sku: variant.sku.clone(),
        quantity,
        price_ex_tax: ex,
        price_inc_tax: inc,
        quantity_shipped: 0,
        quantity_refunded: 0,
        option: variant.option.clone(),
    })
}

fn refuse_read_only(body: &Value) -> Result<(), ApiError> {
    match READ_ONLY.iter().find(|f| body.get(**f).is_some()) {
        Some(f) => Err(ApiError::bad_request(format!(
            "The field '{f}' cannot be written to. Please remove it from your request before trying again."
        ))),
        None => Ok(()),
    }
}

fn status_field(body: &Value) -> Result<Option<u8>, ApiError> {
    match body.get("status_id") {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|s| u8::try_from(s).ok())
            .filter(|s| *s <= 14)
            .map(Some)
            .ok_or_else(|| ApiError::invalid_field("status_id")),
    }
}

/// Refuses an order whose tracked lines need more than the store holds (409, as BigCommerce).
fn check_stock(st: &State, lines: &[OrderLine]) -> Result<(), ApiError> {
    let mut wanted: BTreeMap<u64, i64> = BTreeMap::new();
    for l in lines {
        if let Some(v) = l.variant_id {
            *wanted.entry(v).or_insert(0) += l.quantity;
        }
    }
    let short: Vec<Value> = wanted
        .iter()
        .filter_map(|(vid, qty)| {
            let v = st.variants.get(vid)?;
            (st.tracked(v) && v.inventory_level() < *qty).then(|| {
                let name = st
                    .products
                    .get(&v.product_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                json!({"type": "OutOfStock", "product": {"id": v.product_id, "name": name,
                       "inventory_level": v.inventory_level(),
                       "resource": format!("/products/{}", v.product_id)}})
            })
        })
        .collect();
    if short.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "Quantities of one or more products are out of stock or did not meet quantity requirements.",
        )
        .with_details(json!({"errors": short})))
    }
}

/// Takes (`take`) or gives back the stock of an order's catalog lines, with the callbacks.
pub(crate) fn move_order_stock(st: &mut State, order_id: u64, take: bool, fx: &mut Vec<Event>) {
    let Some(o) = st.orders.get(&order_id) else {
        return;
    };
    let lines: Vec<(u64, i64)> = o
        .lines
        .iter()
        .filter_map(|l| l.variant_id.map(|v| (v, l.quantity)))
        .collect();
    let now = now_millis();
    for (vid, qty) in lines {
        let tracked = st.variants.get(&vid).is_some_and(|v| st.tracked(v));
        if !tracked {
            continue;
        }
        let delta = if take { qty } else { -qty };
        st.move_stock(vid, delta, now);
        fx.extend(stock_event(st, vid, "relative", -delta, true));
    }
    if let Some(o) = st.orders.get_mut(&order_id) {
        o.stock_taken = take;
    }
}

fn create(st: &mut State, body: &Value, fx: &mut Vec<Event>) -> Result<Value, ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "The request body must be an order object.",
        ));
    }
    refuse_read_only(body)?;
    if body.get("consignments").is_some() {
        if body.get("products").is_some() || body.get("shipping_addresses").is_some() {
            return Err(ApiError::bad_request(
                "The field 'consignments' cannot be used together with 'products' or 'shipping_addresses'.",
            ));
        }
        return Err(ApiError::invalid_field("consignments"));
    }
    let billing = address(
        body.get("billing_address")
            .ok_or_else(|| required("billing_address"))?,
        "billing_address",
        true,
    )?;
    let posted_lines = body.get("products").ok_or_else(|| required("products"))?;
    let posted_lines = posted_lines
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::invalid_field("products"))?;
    let status_id = status_field(body)?.unwrap_or(1);
    let customer_id = match body.get("customer_id") {
        None => 0,
        Some(v) if v.as_u64() == Some(0) => 0,
        Some(_) => return Err(ApiError::invalid_field("customer_id")),
    };
    match body.get("channel_id") {
        None => {}
        Some(v) if v.as_u64() == Some(1) => {}
        Some(_) => return Err(ApiError::invalid_field("channel_id")),
    }
    let external_source = match body.get("external_source") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::invalid_field("external_source")),
    };
    let mut addresses = Vec::new();
    match body.get("shipping_addresses") {
        None => {}
        Some(Value::Array(list)) => {
            for a in list {
                let fields = address(a, "shipping_addresses", false)?;
                addresses.push(ShippingAddress {
                    id: st.row_id(),
                    fields,
                    shipping_method: a
                        .get("shipping_method")
                        .and_then(Value::as_str)
                        .unwrap_or("None")
                        .to_string(),
                });
            }
        }
        Some(_) => return Err(ApiError::invalid_field("shipping_addresses")),
    }
    if addresses.is_empty() {
        // Physical products ship to the billing address when no shipping address is given.
        addresses.push(ShippingAddress {
            id: st.row_id(),
            fields: billing.clone(),
            shipping_method: "None".to_string(),
        });
    }
    let first_address = addresses.first().map_or(0, |a| a.id);
    let mut lines = Vec::new();
    for posted in posted_lines {
        lines.push(line(st, posted, first_address)?);
    }
    let shipping = money_pair(body, "shipping_cost_ex_tax", "shipping_cost_inc_tax")?;
    let handling = money_pair(body, "handling_cost_ex_tax", "handling_cost_inc_tax")?;
    let subtotal = money_pair(body, "subtotal_ex_tax", "subtotal_inc_tax")?;
    let total = money_pair(body, "total_ex_tax", "total_inc_tax")?;
    let created = match body.get("date_created") {
        None => now_millis(),
        Some(v) => v
            .as_str()
            .and_then(parse_date)
            .ok_or_else(|| ApiError::invalid_field("date_created"))?,
    };
    let takes_stock = holds_stock(status_id);
    if takes_stock {
        check_stock(st, &lines)?;
    }
    let id = st.order_id();
    let order = Order {
        id,
        customer_id,
        status_id,
        created,
        modified: now_millis(),
        shipped: None,
        billing,
        addresses,
        lines,
        shipments: Vec::new(),
        refunds: Vec::new(),
        staff_notes: text_field(body, "staff_notes", 65_535)?.unwrap_or_default(),
        customer_message: text_field(body, "customer_message", 65_535)?.unwrap_or_default(),
        external_source,
        external_order_id: text_field(body, "external_order_id", 255)?,
        payment_method: text_field(body, "payment_method", 100)?.unwrap_or_else(|| "Manual".into()),
        shipping_ex: shipping.map_or(Decimal::ZERO, |s| s.0),
        shipping_inc: shipping.map_or(Decimal::ZERO, |s| s.1),
        handling_ex: handling.map_or(Decimal::ZERO, |s| s.0),
        handling_inc: handling.map_or(Decimal::ZERO, |s| s.1),
        discount: money_field(body, "discount_amount")?.unwrap_or_default(),
        subtotal_override: subtotal,
        total_override: total,
        stock_taken: false,
        archived: false,
        customer_locale: text_field(body, "customer_locale", 10)?.unwrap_or_else(|| "en".into()),
    };
    st.orders.insert(id, order);
    fx.push(Event::order("store/order/created", id));
    if takes_stock {
        move_order_stock(st, id, true, fx);
    }
    let o = st.orders.get(&id).ok_or_else(order_404)?;
    Ok(st.order_json(o))
}

/// Moves an order to `new` and fires the callbacks; with `adjust_stock` (a status change,
/// not a refund) stock leaves or comes back with it, as the store's inventory settings say.
pub(crate) fn set_status(
    st: &mut State,
    id: u64,
    new: u8,
    adjust_stock: bool,
    fx: &mut Vec<Event>,
) {
    let Some(o) = st.orders.get_mut(&id) else {
        return;
    };
    let previous = o.status_id;
    if previous == new {
        return;
    }
    o.status_id = new;
    o.modified = now_millis();
    let taken = o.stock_taken;
    fx.push(Event::status(id, previous, new));
    if !adjust_stock {
        return;
    }
    if taken && !holds_stock(new) {
        move_order_stock(st, id, false, fx);
    } else if !taken && holds_stock(new) && previous == 0 {
        move_order_stock(st, id, true, fx);
    }
}

fn update(st: &mut State, id: u64, body: &Value, fx: &mut Vec<Event>) -> Result<Value, ApiError> {
    live(st, id)?;
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "The request body must be an order object.",
        ));
    }
    refuse_read_only(body)?;
    let status = status_field(body)?;
    let staff_notes = text_field(body, "staff_notes", 65_535)?;
    let customer_message = text_field(body, "customer_message", 65_535)?;
    let external_order_id = text_field(body, "external_order_id", 255)?;
    let billing = body
        .get("billing_address")
        .map(|b| address(b, "billing_address", true))
        .transpose()?;
    if body.get("external_merchant_id").is_some() {
        return Err(ApiError::bad_request(
            "The field 'external_merchant_id' cannot be written to. Please remove it from your request before trying again.",
        ));
    }
    let o = st.orders.get_mut(&id).ok_or_else(order_404)?;
    if let Some(notes) = staff_notes {
        o.staff_notes = notes;
    }
    if let Some(message) = customer_message {
        o.customer_message = message;
    }
    if let Some(external) = external_order_id {
        o.external_order_id = Some(external);
    }
    if let Some(billing) = billing {
        o.billing = billing;
    }
    o.modified = now_millis();
    if let Some(status) = status {
        set_status(st, id, status, true, fx);
    }
    fx.push(Event::order("store/order/updated", id));
    let o = st.orders.get(&id).ok_or_else(order_404)?;
    Ok(st.order_json(o))
}

fn archive(st: &mut State, id: u64, fx: &mut Vec<Event>) -> Result<(), ApiError> {
    live(st, id)?;
    if let Some(o) = st.orders.get_mut(&id) {
        o.archived = true;
        o.modified = now_millis();
    }
    fx.push(Event::order("store/order/archived", id));
    Ok(())
}
