//! `/v2/orders/{id}/shipments[...]` (Create Order Shipment and friends).

use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::hooks::Event;
use super::model::{Order, Shipment, State, money4, rfc2822};
use super::orders::{live, order_404, set_status};
use super::{ApiError, ApiResult, BigCommerce, Ctx, Reply, seg_id, state, v2_page};
use crate::common::now_millis;

/// `shipping_provider` values the docs list (plus `carrier_{id}`), with display names.
const PROVIDERS: [(&str, &str); 11] = [
    ("", ""),
    ("auspost", "Australia Post"),
    ("canadapost", "Canada Post"),
    ("endicia", "Endicia"),
    ("usps", "USPS"),
    ("fedex", "FedEx"),
    ("royalmail", "Royal Mail"),
    ("ups", "UPS"),
    ("upsready", "UPS"),
    ("upsonline", "UPS"),
    ("shipperhq", "ShipperHQ"),
];
const MAX_TRACKING_NUMBER: usize = 50;
const MAX_TRACKING_LINK: usize = 500;

fn provider_ok(p: &str) -> bool {
    PROVIDERS.iter().any(|(k, _)| *k == p)
        || p.strip_prefix("carrier_")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// A tracking-carrier value: `""` or an AfterShip courier slug (lowercase, digits, hyphens).
fn carrier_ok(c: &str) -> bool {
    c.is_empty()
        || (c
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !c.starts_with('-'))
}

fn generated_link(s: &Shipment) -> String {
    if s.tracking_number.is_empty() || !s.tracking_link.is_empty() {
        return String::new();
    }
    let n = &s.tracking_number;
    match (s.shipping_provider.as_str(), s.tracking_carrier.as_str()) {
        ("usps", _) => format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={n}"),
        ("ups" | "upsready" | "upsonline", _) => format!("https://www.ups.com/track?tracknum={n}"),
        ("fedex", _) => format!("https://www.fedex.com/fedextrack/?trknbr={n}"),
        (_, "") => String::new(),
        (_, carrier) => format!("https://track.aftership.com/{carrier}/{n}"),
    }
}

impl State {
    pub(crate) fn shipment_json(&self, o: &Order, s: &Shipment) -> Value {
        let shipping = o
            .addresses
            .iter()
            .find(|a| a.id == s.order_address_id)
            .map_or(Value::Null, |a| Value::Object(a.fields.clone()));
        let items: Vec<Value> = s
            .items
            .iter()
            .map(|(opid, q)| {
                let pid = o
                    .lines
                    .iter()
                    .find(|l| l.id == *opid)
                    .map_or(0, |l| l.product_id);
                json!({"order_product_id": opid, "product_id": pid, "quantity": q})
            })
            .collect();
        let display = PROVIDERS
            .iter()
            .find(|(k, _)| *k == s.shipping_provider)
            .map_or(s.shipping_provider.as_str(), |(_, name)| *name);
        json!({
            "id": s.id,
            "order_id": o.id,
            "customer_id": o.customer_id,
            "order_address_id": s.order_address_id,
            "date_created": rfc2822(s.created),
            "tracking_number": s.tracking_number,
            "merchant_shipping_cost": money4(s.merchant_shipping_cost),
            "shipping_method": s.shipping_method,
            "comments": s.comments,
            "shipping_provider": s.shipping_provider,
            "tracking_carrier": s.tracking_carrier,
            "tracking_link": s.tracking_link,
            "billing_address": Value::Object(o.billing.clone()),
            "shipping_address": shipping,
            "items": items,
            "shipping_provider_display_name": display,
            "generated_tracking_link": generated_link(s),
        })
    }
}

fn shipment_404() -> ApiError {
    ApiError::not_found("The requested resource was not found.")
}

pub(crate) fn route(
    bc: &Arc<BigCommerce>,
    ctx: &Ctx,
    method: &str,
    order_id: u64,
    rest: &[&str],
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    let mut st = state(bc);
    if let Err(e) = live(&st, order_id) {
        return Some(Err(e));
    }
    Some(match (method, rest) {
        ("GET", []) => ctx.paging(50).and_then(|(page, limit)| {
            let o = live(&st, order_id)?;
            let all = o.shipments.iter().map(|s| st.shipment_json(o, s)).collect();
            Ok(v2_page(all, page, limit))
        }),
        ("POST", []) => create(&mut st, order_id, &ctx.body, fx).map(Reply::created),
        ("DELETE", []) => {
            if let Some(o) = st.orders.get_mut(&order_id) {
                for l in &mut o.lines {
                    l.quantity_shipped = 0;
                }
                o.shipments.clear();
            }
            Ok(Reply::no_content())
        }
        ("GET", ["count"]) => {
            let n = live(&st, order_id).map(|o| o.shipments.len()).unwrap_or(0);
            Ok(Reply::ok(json!({"count": n})))
        }
        (m, [sid]) => {
            let sid = seg_id(sid)?;
            let exists = live(&st, order_id).is_ok_and(|o| o.shipments.iter().any(|s| s.id == sid));
            if !exists {
                return Some(Err(shipment_404()));
            }
            match m {
                "GET" => {
                    let o = live(&st, order_id).ok()?;
                    let s = o.shipments.iter().find(|s| s.id == sid)?;
                    Ok(Reply::ok(st.shipment_json(o, s)))
                }
                "PUT" => update(&mut st, order_id, sid, &ctx.body, fx).map(Reply::ok),
                "DELETE" => {
                    // Deleting a shipment does not move the order out of its shipped status.
                    if let Some(o) = st.orders.get_mut(&order_id)
                        && let Some(pos) = o.shipments.iter().position(|s| s.id == sid)
                    {
                        let s = o.shipments.remove(pos);
                        for (opid, q) in s.items {
                            if let Some(l) = o.lines.iter_mut().find(|l| l.id == opid) {
                                l.quantity_shipped -= q;
                            }
                        }
                    }
                    fx.push(Event::shipment("store/shipment/deleted", sid, order_id));
                    Ok(Reply::no_content())
                }
                _ => Err(super::catalog::method_not_allowed()),
            }
        }
        _ => Err(super::catalog::method_not_allowed()),
    })
}

fn text(body: &Value, field: &str, max: usize) -> Result<String, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(s.clone()),
        Some(_) => Err(ApiError::invalid_field(field)),
    }
}

/// Checks the tracking fields a POST or PUT may carry.
fn tracking_fields(body: &Value) -> Result<(String, String, String, String), ApiError> {
    let number = text(body, "tracking_number", MAX_TRACKING_NUMBER)?;
    let provider = text(body, "shipping_provider", 100)?;
    if !provider_ok(&provider) {
        return Err(ApiError::invalid_field("shipping_provider"));
    }
    let carrier = text(body, "tracking_carrier", 100)?;
    if !carrier_ok(&carrier) {
        return Err(ApiError::invalid_field("tracking_carrier"));
    }
    let link = text(body, "tracking_link", MAX_TRACKING_LINK)?;
    Ok((number, provider, carrier, link))
}

/// An id that may come as a number or a numeric string (the docs' examples use both).
fn id_field(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn create(
    st: &mut State,
    order_id: u64,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "The request body must be a shipment object.",
        ));
    }
    let o = st.orders.get(&order_id).ok_or_else(order_404)?;
    let address_id = match body.get("order_address_id") {
        None => {
            return Err(ApiError::bad_request(
                "The required field 'order_address_id' was not supplied.",
            ));
        }
        v => id_field(v)
            .filter(|id| o.addresses.iter().any(|a| a.id == *id))
            .ok_or_else(|| ApiError::invalid_field("order_address_id"))?,
    };
    let posted = body
        .get("items")
        .ok_or_else(|| ApiError::bad_request("The required field 'items' was not supplied."))?
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::invalid_field("items"))?;
    let mut items: Vec<(u64, i64)> = Vec::new();
    for item in posted {
        let opid = id_field(item.get("order_product_id"))
            .ok_or_else(|| ApiError::invalid_field("order_product_id"))?;
        let quantity = item
            .get("quantity")
            .and_then(Value::as_i64)
            .filter(|q| *q > 0)
            .ok_or_else(|| ApiError::invalid_field("quantity"))?;
        let line = o
            .lines
            .iter()
            .find(|l| l.id == opid)
            .ok_or_else(|| ApiError::invalid_field("order_product_id"))?;
        let already: i64 = items
            .iter()
            .filter(|(id, _)| *id == opid)
            .map(|(_, q)| q)
            .sum();
        if line.quantity_shipped + already + quantity > line.quantity {
            return Err(ApiError::bad_request(format!(
                "The quantity specified for order product {opid} is greater than the quantity that can be shipped."
            )));
        }
        items.push((opid, quantity));
    }
    let (tracking_number, shipping_provider, tracking_carrier, tracking_link) =
        tracking_fields(body)?;
    let merchant_cost = match body.get("merchant_shipping_cost") {
        None => Decimal::ZERO,
        Some(v) => v
            .as_str()
            .map(str::to_string)
            .or_else(|| v.as_number().map(ToString::to_string))
            .and_then(|s| Decimal::from_str(&s).ok())
            .ok_or_else(|| ApiError::invalid_field("merchant_shipping_cost"))?,
    };
    let shipment = Shipment {
        id: st.row_id(),
        order_address_id: address_id,
        tracking_number,
        shipping_provider,
        tracking_carrier,
        shipping_method: text(body, "shipping_method", 250)?,
        tracking_link,
        comments: text(body, "comments", 65_535)?,
        merchant_shipping_cost: merchant_cost,
        items,
        created: now_millis(),
    };
    let now = shipment.created;
    let sid = shipment.id;
    let o = st.orders.get_mut(&order_id).ok_or_else(order_404)?;
    for (opid, q) in &shipment.items {
        if let Some(l) = o.lines.iter_mut().find(|l| l.id == *opid) {
            l.quantity_shipped += q;
        }
    }
    o.shipments.push(shipment);
    o.modified = now;
    let all_shipped = o.lines.iter().all(|l| l.quantity_shipped >= l.quantity);
    if all_shipped {
        o.shipped = Some(now);
    }
    fx.push(Event::shipment("store/shipment/created", sid, order_id));
    set_status(st, order_id, if all_shipped { 2 } else { 3 }, true, fx);
    fx.push(Event::order("store/order/updated", order_id));
    let o = st.orders.get(&order_id).ok_or_else(order_404)?;
    let s = o
        .shipments
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(shipment_404)?;
    Ok(st.shipment_json(o, s))
}

fn update(
    st: &mut State,
    order_id: u64,
    sid: u64,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "The request body must be a shipment object.",
        ));
    }
    let (number, provider, carrier, link) = tracking_fields(body)?;
    let o = st.orders.get_mut(&order_id).ok_or_else(order_404)?;
    let s = o
        .shipments
        .iter_mut()
        .find(|s| s.id == sid)
        .ok_or_else(shipment_404)?;
    if body.get("tracking_number").is_some() {
        s.tracking_number = number;
    }
    if body.get("shipping_provider").is_some() {
        s.shipping_provider = provider;
    }
    if body.get("tracking_carrier").is_some() {
        s.tracking_carrier = carrier;
    }
    if body.get("tracking_link").is_some() {
        s.tracking_link = link;
    }
    if let Some(Value::String(m)) = body.get("shipping_method") {
        s.shipping_method.clone_from(m);
    }
    if let Some(Value::String(c)) = body.get("comments") {
        s.comments.clone_from(c);
    }
    o.modified = now_millis();
    fx.push(Event::shipment("store/shipment/updated", sid, order_id));
    let o = st.orders.get(&order_id).ok_or_else(order_404)?;
    let s = o
        .shipments
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(shipment_404)?;
    Ok(st.shipment_json(o, s))
}
