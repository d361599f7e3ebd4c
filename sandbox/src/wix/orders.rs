//! eCommerce Orders (`/ecom/v1/orders`) and Order Fulfillments
//! (`/ecom/v1/fulfillments/orders/{orderId}`).

use std::str::FromStr;

use axum::http::StatusCode;
use base64::Engine as _;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::hooks::Event;
use super::model::{Fulfillment, LineItem, Order, STORES_APP_ID, State};
use super::{ApiError, ApiResult, Wix, state};
use crate::common::{now_millis, parse_iso8601};

/// `channelInfo.type` values the order object documents.
const CHANNEL_TYPES: [&str; 16] = [
    "UNSPECIFIED",
    "WEB",
    "POS",
    "EBAY",
    "AMAZON",
    "OTHER_PLATFORM",
    "WIX_APP_STORE",
    "WIX_INVOICES",
    "BACKOFFICE_MERCHANT",
    "WISH",
    "CLASS_PASS",
    "GLOBAL_E",
    "FACEBOOK",
    "ETSY",
    "TIKTOK",
    "FAIRE",
];
const PAYMENT_STATUSES: [&str; 6] = [
    "NOT_PAID",
    "PAID",
    "PARTIALLY_PAID",
    "PENDING",
    "PENDING_MERCHANT",
    "UNSPECIFIED",
];
const MAX_SEARCH_LIMIT: u64 = 100;

fn order_404(id: &str) -> ApiError {
    ApiError::not_found("ORDER_NOT_FOUND", format!("Order {id} not found"))
}

pub(crate) fn route(
    wix: &Wix,
    m: &str,
    rest: &[&str],
    body: &Value,
    fx: &mut Vec<Event>,
) -> ApiResult {
    match (m, rest) {
        ("POST", []) => create(wix, body, fx),
        ("POST", ["search"]) => search(wix, body),
        ("GET", [id]) => {
            let st = state(wix);
            Ok(json!({"order": st.order(id).ok_or_else(|| order_404(id))?.json()}))
        }
        ("POST", [id, "cancel"]) => cancel(wix, id, body, fx),
        _ => Err(ApiError::not_found("NOT_FOUND", "No such API")),
    }
}

fn money(v: &Value, field: &str) -> Result<Decimal, ApiError> {
    let s = v["amount"].as_str().ok_or_else(|| {
        ApiError::invalid(
            &format!("{field}.amount"),
            "must be a decimal string, e.g. \"20.00\"",
        )
    })?;
    Decimal::from_str(s.trim())
        .ok()
        .filter(|d| !d.is_sign_negative())
        .ok_or_else(|| {
            ApiError::invalid(
                &format!("{field}.amount"),
                format!("\"{s}\" is not a valid amount"),
            )
        })
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `POST /ecom/v1/orders`: the request's order, checked as Wix does, approved at once (a
/// paid external order): Stores items take their units from tracked inventory.
fn create(wix: &Wix, body: &Value, fx: &mut Vec<Event>) -> ApiResult {
    let o = &body["order"];
    if !o.is_object() {
        return Err(ApiError::invalid("order", "must not be empty"));
    }
    let items = o["lineItems"]
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::invalid("order.lineItems", "must contain at least 1 element"))?;
    let currency = o["currency"].as_str().unwrap_or_default().to_owned();
    let channel_type = o["channelInfo"]["type"]
        .as_str()
        .unwrap_or("UNSPECIFIED")
        .to_owned();
    if !CHANNEL_TYPES.contains(&channel_type.as_str()) {
        return Err(ApiError::invalid(
            "order.channelInfo.type",
            format!("\"{channel_type}\" is not a valid ChannelType"),
        ));
    }
    let payment_status = o["paymentStatus"].as_str().unwrap_or("NOT_PAID").to_owned();
    if !PAYMENT_STATUSES.contains(&payment_status.as_str()) {
        return Err(ApiError::invalid(
            "order.paymentStatus",
            format!("\"{payment_status}\" is not a valid PaymentStatus"),
        ));
    }
    if !o["priceSummary"].is_object() {
        return Err(ApiError::invalid("order.priceSummary", "must not be empty"));
    }
    money(&o["priceSummary"]["total"], "order.priceSummary.total")?;
    let email = o["buyerInfo"]["email"].as_str().unwrap_or_default();
    let contact = o["buyerInfo"]["contactId"].as_str().unwrap_or_default();
    if email.is_empty() && contact.is_empty() {
        return Err(ApiError::invalid(
            "order.buyerInfo",
            "needs email or contactId",
        ));
    }
    let now = now_millis();
    let mut st = state(wix);
    if currency != st.currency {
        return Err(ApiError::invalid(
            "order.currency",
            format!("\"{currency}\" is not the site's currency {}", st.currency),
        ));
    }
    let mut lines = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("order.lineItems[{i}].{f}");
        let name = item["productName"]["original"].as_str().unwrap_or_default();
        if name.trim().is_empty() {
            return Err(ApiError::invalid(
                &at("productName.original"),
                "must not be empty",
            ));
        }
        let quantity = item["quantity"]
            .as_u64()
            .filter(|q| (1..=100_000).contains(q))
            .ok_or_else(|| ApiError::invalid(&at("quantity"), "must be between 1 and 100000"))?;
        let price = money(&item["price"], &at("price"))?;
        match item["itemType"]["preset"].as_str() {
            Some("PHYSICAL" | "DIGITAL" | "GIFT_CARD" | "SERVICE") => {}
            _ if item["itemType"]["custom"].is_string() => {}
            _ => {
                return Err(ApiError::invalid(
                    &at("itemType"),
                    "must have preset or custom",
                ));
            }
        }
        if let Some(id) = item["id"].as_str()
            && !is_guid(id)
        {
            return Err(ApiError::invalid(&at("id"), "must be a GUID"));
        }
        let reference = &item["catalogReference"];
        let (product_id, variant_id) = if reference.is_null() {
            (None, None)
        } else {
            let pid = reference["catalogItemId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if reference["appId"].as_str() != Some(STORES_APP_ID) {
                return Err(ApiError::invalid(
                    &at("catalogReference.appId"),
                    "is not an installed catalog's app id",
                ));
            }
            let vid = reference["options"]["variantId"]
                .as_str()
                .unwrap_or(super::model::DEFAULT_VARIANT)
                .to_owned();
            let product = st.products.get(&pid).ok_or_else(|| {
                ApiError::app(
                    StatusCode::BAD_REQUEST,
                    "CATALOG_ITEM_NOT_FOUND",
                    format!("Catalog item {pid} of app {STORES_APP_ID} was not found"),
                )
            })?;
            if product.variant(&vid).is_none() {
                return Err(ApiError::app(
                    StatusCode::BAD_REQUEST,
                    "CATALOG_ITEM_NOT_FOUND",
                    format!("Variant {vid} of product {pid} was not found"),
                ));
            }
            (Some(pid), Some(vid))
        };
        let sku = item["physicalProperties"]["sku"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let id = match item["id"].as_str() {
            Some(id) => id.to_owned(),
            None => st.guid(),
        };
        lines.push(LineItem {
            id,
            product_id,
            variant_id,
            name: name.to_owned(),
            sku,
            quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
            price,
            taken: 0,
        });
    }
    // Approval takes the units from tracked inventory (never below 0).
    let mut touched = Vec::new();
    for line in &mut lines {
        let (Some(pid), Some(vid)) = (&line.product_id, &line.variant_id) else {
            continue;
        };
        if let Some(p) = st.products.get_mut(pid) {
            let tracked = p.track_quantity;
            if let Some(v) = p.variants.iter_mut().find(|v| &v.id == vid)
                && tracked
            {
                let take = i64::from(line.quantity).min(v.quantity.max(0));
                v.quantity -= take;
                line.taken = take;
                p.updated_ms = now;
                p.inventory_updated_ms = now;
                touched.push(pid.clone());
            }
        }
    }
    let id = st.guid();
    let number = st.next_number;
    st.next_number += 1;
    let order = Order {
        id: id.clone(),
        number,
        created_ms: now,
        updated_ms: now,
        status: "APPROVED",
        payment_status,
        currency,
        lines,
        channel_type,
        external_order_id: o["channelInfo"]["externalOrderId"]
            .as_str()
            .map(str::to_owned),
        external_order_url: o["channelInfo"]["externalOrderUrl"]
            .as_str()
            .map(str::to_owned),
        buyer_info: o["buyerInfo"].clone(),
        billing_info: o["billingInfo"].clone(),
        shipping_info: o["shippingInfo"].clone(),
        price_summary: o["priceSummary"].clone(),
        fulfillments: Vec::new(),
        payments: Vec::new(),
        refunds: Vec::new(),
    };
    let json = order.json();
    st.orders.push(order);
    fx.push(Event::order("created", &json));
    fx.push(Event::order("approved", &json));
    for pid in touched {
        fx.push(Event::inventory(&st, &pid));
    }
    Ok(json!({"order": json}))
}

/// A filter field of Search Orders and its operators (the documented table, abridged).
fn supported(field: &str, op: &str) -> bool {
    match field {
        "id" | "status" | "paymentStatus" | "fulfillmentStatus" | "shippingInfo.title" => {
            matches!(op, "$eq" | "$ne" | "$in" | "$nin")
        }
        "updatedDate" | "createdDate" | "number" => {
            matches!(op, "$eq" | "$ne" | "$gt" | "$lt" | "$gte" | "$lte")
        }
        "archived" => matches!(op, "$eq" | "$ne"),
        _ => false,
    }
}

fn field_value(o: &Order, field: &str) -> Value {
    match field {
        "id" => json!(o.id),
        "status" => json!(o.status),
        "paymentStatus" => json!(o.payment_status),
        "fulfillmentStatus" => json!(o.fulfillment_status()),
        "shippingInfo.title" => json!(o.shipping_title()),
        "updatedDate" => json!(o.updated_ms),
        "createdDate" => json!(o.created_ms),
        "number" => json!(o.number),
        "archived" => json!(false),
        _ => Value::Null,
    }
}

fn filter_matches(o: &Order, filter: &serde_json::Map<String, Value>) -> Result<bool, ApiError> {
    for (field, cond) in filter {
        if field == "$and" {
            for part in cond.as_array().into_iter().flatten() {
                let Some(part) = part.as_object() else {
                    return Err(ApiError::invalid(
                        "search.filter",
                        "$and takes a list of filters",
                    ));
                };
                if !filter_matches(o, part)? {
                    return Ok(false);
                }
            }
            continue;
        }
        let ops: Vec<(String, Value)> = match cond {
            Value::Object(m) if m.keys().all(|k| k.starts_with('$')) => {
                m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
            }
            other => vec![("$eq".into(), other.clone())],
        };
        for (op, arg) in ops {
            if !supported(field, &op) {
                return Err(ApiError::invalid(
                    "search.filter",
                    format!("filtering by {field} with {op} is not supported"),
                ));
            }
            let have = field_value(o, field);
            let arg = if matches!(field.as_str(), "updatedDate" | "createdDate") {
                json!(
                    arg.as_str()
                        .and_then(parse_iso8601)
                        .ok_or_else(|| ApiError::invalid(
                            "search.filter",
                            format!("{field} needs an ISO-8601 date")
                        ))?
                )
            } else if field == "number" {
                json!(
                    arg.as_str()
                        .and_then(|s| s.parse::<u64>().ok())
                        .or_else(|| arg.as_u64())
                )
            } else {
                arg
            };
            let cmp = |a: &Value, b: &Value| a.as_i64().zip(b.as_i64()).map(|(a, b)| a.cmp(&b));
            let ok = match op.as_str() {
                "$eq" => have == arg,
                "$ne" => have != arg,
                "$in" => arg.as_array().is_some_and(|l| l.contains(&have)),
                "$nin" => !arg.as_array().is_some_and(|l| l.contains(&have)),
                "$gt" => cmp(&have, &arg) == Some(std::cmp::Ordering::Greater),
                "$gte" => cmp(&have, &arg).is_some_and(|c| c != std::cmp::Ordering::Less),
                "$lt" => cmp(&have, &arg) == Some(std::cmp::Ordering::Less),
                "$lte" => cmp(&have, &arg).is_some_and(|c| c != std::cmp::Ordering::Greater),
                _ => false,
            };
            if !ok {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// `POST /ecom/v1/orders/search`: cursor paging; a cursor carries the query it continues.
fn search(wix: &Wix, body: &Value) -> ApiResult {
    let s = &body["search"];
    let paging = &s["cursorPaging"];
    let limit = match &paging["limit"] {
        Value::Null => 50,
        v => v
            .as_u64()
            .filter(|l| (1..=MAX_SEARCH_LIMIT).contains(l))
            .ok_or_else(|| {
                ApiError::invalid("search.cursorPaging.limit", "must be between 1 and 100")
            })?,
    };
    let (filter, sort, offset) = match paging["cursor"].as_str().filter(|c| !c.is_empty()) {
        Some(cursor) => {
            if !s["filter"].is_null() || !s["sort"].is_null() {
                return Err(ApiError::invalid(
                    "search.cursorPaging.cursor",
                    "a cursor cannot be sent with filter or sort",
                ));
            }
            let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cursor)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .ok_or_else(|| {
                    ApiError::invalid("search.cursorPaging.cursor", "is not a valid cursor")
                })?;
            (
                decoded["filter"].clone(),
                decoded["sort"].clone(),
                decoded["offset"].as_u64().unwrap_or(0),
            )
        }
        None => (s["filter"].clone(), s["sort"].clone(), 0),
    };
    let filter_map = match &filter {
        Value::Null => serde_json::Map::new(),
        Value::Object(m) => m.clone(),
        _ => return Err(ApiError::invalid("search.filter", "must be an object")),
    };
    let st = state(wix);
    let mut found: Vec<&Order> = Vec::new();
    for o in &st.orders {
        if filter_matches(o, &filter_map)? {
            found.push(o);
        }
    }
    // Newest first unless sorted.
    let (key, asc) = match sort.as_array().and_then(|a| a.first()) {
        None => ("createdDate".to_owned(), false),
        Some(spec) => {
            let field = spec["fieldName"].as_str().unwrap_or_default().to_owned();
            if !matches!(field.as_str(), "updatedDate" | "createdDate" | "number") {
                return Err(ApiError::invalid(
                    "search.sort.fieldName",
                    format!("sorting by {field} is not supported"),
                ));
            }
            (field, spec["order"].as_str() != Some("DESC"))
        }
    };
    found.sort_by(|a, b| {
        let ord = match key.as_str() {
            "updatedDate" => a.updated_ms.cmp(&b.updated_ms),
            "number" => a.number.cmp(&b.number),
            _ => a.created_ms.cmp(&b.created_ms),
        }
        .then(a.number.cmp(&b.number));
        if asc { ord } else { ord.reverse() }
    });
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let lim = usize::try_from(limit).unwrap_or(100);
    let page: Vec<Value> = found
        .iter()
        .skip(start)
        .take(lim)
        .map(|o| o.json())
        .collect();
    let has_next = found.len() > start + page.len();
    let mut cursors = json!({});
    if has_next {
        let next = json!({"filter": filter, "sort": sort, "offset": start + page.len()});
        cursors["next"] =
            json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(next.to_string()));
    }
    Ok(
        json!({"orders": page, "metadata": {"count": page.len(), "cursors": cursors, "hasNext": has_next}}),
    )
}

/// Cancels an order (the API's or the dashboard's); `restock` gives back what it took.
pub(crate) fn cancel_order(
    st: &mut State,
    id: &str,
    restock: bool,
    fx: &mut Vec<Event>,
) -> ApiResult {
    let now = now_millis();
    let idx = st
        .orders
        .iter()
        .position(|o| o.id == id)
        .ok_or_else(|| order_404(id))?;
    if st.orders[idx].status == "CANCELED" {
        return Err(ApiError::app(
            StatusCode::BAD_REQUEST,
            "ORDER_ALREADY_CANCELED",
            format!("Order {id} is already canceled"),
        ));
    }
    if st.orders[idx].fulfillment_status() == "FULFILLED" {
        return Err(ApiError::app(
            StatusCode::BAD_REQUEST,
            "ORDER_IS_FULFILLED",
            format!("Order {id} is fulfilled and cannot be canceled"),
        ));
    }
    st.orders[idx].status = "CANCELED";
    st.orders[idx].updated_ms = now;
    let touched = if restock {
        st.restock(idx, now)
    } else {
        Vec::new()
    };
    let json = st.orders[idx].json();
    fx.push(Event::order("canceled", &json));
    fx.push(Event::order("updated", &json));
    for pid in touched {
        fx.push(Event::inventory(st, &pid));
    }
    Ok(json!({"order": json}))
}

fn cancel(wix: &Wix, id: &str, body: &Value, fx: &mut Vec<Event>) -> ApiResult {
    for field in ["sendOrderCanceledEmail", "restockAllItems"] {
        if !body[field].is_null() && !body[field].is_boolean() {
            return Err(ApiError::invalid(field, "must be a boolean"));
        }
    }
    let mut st = state(wix);
    cancel_order(
        &mut st,
        id,
        body["restockAllItems"].as_bool().unwrap_or(false),
        fx,
    )
}

/// Records a fulfillment; `lines` empty = everything still unfulfilled.
pub(crate) fn fulfil(
    st: &mut State,
    order_id: &str,
    lines: Vec<(String, u32)>,
    number: &str,
    provider: &str,
    link: &str,
    fx: &mut Vec<Event>,
) -> ApiResult {
    let now = now_millis();
    let id = st.guid();
    let order = st.order_mut(order_id).ok_or_else(|| order_404(order_id))?;
    if order.status == "CANCELED" {
        return Err(ApiError::app(
            StatusCode::BAD_REQUEST,
            "ORDER_IS_CANCELED",
            format!("Order {order_id} is canceled"),
        ));
    }
    let lines = if lines.is_empty() {
        order
            .lines
            .iter()
            .map(|l| (l.id.clone(), l.quantity - order.shipped(&l.id)))
            .filter(|(_, q)| *q > 0)
            .collect()
    } else {
        lines
    };
    for (line_id, quantity) in &lines {
        let line = order
            .lines
            .iter()
            .find(|l| &l.id == line_id)
            .ok_or_else(|| {
                ApiError::app(
                    StatusCode::BAD_REQUEST,
                    "LINE_ITEM_NOT_FOUND",
                    format!("Line item {line_id} is not in order {order_id}"),
                )
            })?;
        if *quantity == 0 || order.shipped(line_id) + quantity > line.quantity {
            return Err(ApiError::app(
                StatusCode::BAD_REQUEST,
                "INVALID_QUANTITY",
                format!("Line item {line_id}: quantity {quantity} is more than is left to fulfill"),
            ));
        }
    }
    if lines.is_empty() {
        return Err(ApiError::app(
            StatusCode::BAD_REQUEST,
            "ORDER_IS_FULFILLED",
            format!("Order {order_id} has nothing left to fulfill"),
        ));
    }
    order.fulfillments.push(Fulfillment {
        id: id.clone(),
        created_ms: now,
        lines,
        tracking_number: number.to_owned(),
        provider: provider.to_owned(),
        link: link.to_owned(),
    });
    order.updated_ms = now;
    let with = order.fulfillments_json();
    let json = order.json();
    fx.push(Event::fulfillments(&with, order_id));
    fx.push(Event::order("updated", &json));
    Ok(json!({"fulfillmentId": id, "orderWithFulfillments": with}))
}

pub(crate) fn fulfillments(
    wix: &Wix,
    m: &str,
    order_id: &str,
    rest: &[&str],
    body: &Value,
    fx: &mut Vec<Event>,
) -> ApiResult {
    match (m, rest) {
        ("GET", []) => {
            let st = state(wix);
            let o = st.order(order_id).ok_or_else(|| order_404(order_id))?;
            Ok(json!({"orderWithFulfillments": o.fulfillments_json()}))
        }
        ("POST", ["create-fulfillment"]) => {
            let f = &body["fulfillment"];
            let items = f["lineItems"]
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid("fulfillment.lineItems", "must contain at least 1 element")
                })?;
            let mut lines = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let id = item["id"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        ApiError::invalid(
                            &format!("fulfillment.lineItems[{i}].id"),
                            "must not be empty",
                        )
                    })?;
                let q = item["quantity"]
                    .as_u64()
                    .and_then(|q| u32::try_from(q).ok())
                    .ok_or_else(|| {
                        ApiError::invalid(
                            &format!("fulfillment.lineItems[{i}].quantity"),
                            "must be a positive number",
                        )
                    })?;
                lines.push((id.to_owned(), q));
            }
            let t = &f["trackingInfo"];
            let number = t["trackingNumber"].as_str().unwrap_or_default();
            let provider = t["shippingProvider"].as_str().unwrap_or_default();
            if !t.is_null() && (number.is_empty() || provider.is_empty()) {
                return Err(ApiError::invalid(
                    "fulfillment.trackingInfo",
                    "needs trackingNumber and shippingProvider",
                ));
            }
            let mut st = state(wix);
            fulfil(
                &mut st,
                order_id,
                lines,
                number,
                provider,
                t["trackingLink"].as_str().unwrap_or_default(),
                fx,
            )
        }
        _ => Err(ApiError::not_found("NOT_FOUND", "No such API")),
    }
}
