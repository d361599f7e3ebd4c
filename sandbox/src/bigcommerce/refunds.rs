//! V3 order refunds (Orders V3 "Payment Actions", docs/store-operations/orders/refunds):
//! `POST /v3/orders/{id}/payment_actions/refund_quotes`, `POST .../refunds` and
//! `GET .../refunds`.
//!
//! As the spec says: a quote prices the items (a product at its price per unit, an amount
//! item at its amount) and offers the refund methods; what is asked beyond what is left to
//! refund is cut off and shown as a negative `adjustment`. A refund must name the items again
//! and pay out exactly the quoted amount on one of the offered methods. Our orders are paid
//! outside BigCommerce (no gateway): the one method is `custom`, offline; a registered
//! customer may also get store credit, a guest may not. A product item needs a quantity the
//! line still has unrefunded, an `ORDER` item the order's id, a `SHIPPING`/`HANDLING` item an
//! order address id. A refund never touches stock (the FAQ: refunded items are not returned
//! to inventory); the order becomes Refunded (4) when nothing is left, else Partially
//! Refunded (14), firing `store/order/statusUpdated` and `store/order/refund/created`.

use std::str::FromStr;
use std::sync::Arc;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::hooks::Event;
use super::model::{Order, Refund, State, iso_offset, number};
use super::orders::{live, order_404, set_status};
use super::{ApiError, ApiResult, BigCommerce, Ctx, Reply, Shape, seg_id, state};
use crate::common::now_millis;

/// The provider of refunds recorded as paid back outside BigCommerce.
const CUSTOM: &str = "custom";
const STORE_CREDIT: &str = "storecredit";

fn refund_json(order_id: u64, r: &Refund) -> Value {
    json!({
        "id": r.id,
        "order_id": order_id,
        "user_id": 0,
        "created": iso_offset(r.created),
        "reason": r.reason,
        "total_amount": number(r.total),
        "total_tax": 0,
        "uses_merchant_override_values": false,
        "payments": r.payments.iter().enumerate().map(|(i, (provider, amount, offline))| json!({
            "id": r.id * 10 + i as u64, "provider_id": provider, "amount": number(*amount),
            "offline": offline, "is_declined": false, "declined_message": "",
        })).collect::<Vec<_>>(),
        "items": r.items.iter().map(|(kind, id, q)| json!({
            "item_type": kind, "item_id": id, "quantity": q, "reason": r.reason,
        })).collect::<Vec<_>>(),
    })
}

/// `(item_type, item_id, quantity)` of a refund.
type RefundLine = (String, u64, i64);

fn amount_of(v: Option<&Value>) -> Option<Decimal> {
    v.filter(|a| a.is_number())
        .and_then(|a| Decimal::from_str(&a.to_string()).ok())
}

/// What refunding these `items` asks for: `(total, lines)`.
fn refund_items(o: &Order, items: &[Value]) -> Result<(Decimal, Vec<RefundLine>), ApiError> {
    if items.is_empty() {
        return Err(ApiError::unprocessable("items", "items is required"));
    }
    let mut total = Decimal::ZERO;
    let mut out: Vec<RefundLine> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let kind = item
            .get("item_type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let id = item.get("item_id").and_then(Value::as_u64);
        let field = format!("items.{i}");
        match (kind, id) {
            ("PRODUCT", Some(opid)) => {
                let Some(line) = o.lines.iter().find(|l| l.id == opid) else {
                    return Err(ApiError::unprocessable(
                        &format!("{field}.item_id"),
                        format!("Order product {opid} is not a product of order {}.", o.id),
                    ));
                };
                let asked_before: i64 = out
                    .iter()
                    .filter(|(k, id, _)| k == "PRODUCT" && *id == opid)
                    .map(|(_, _, q)| q)
                    .sum();
                let q = item
                    .get("quantity")
                    .and_then(Value::as_i64)
                    .filter(|q| *q > 0);
                match q {
                    Some(q) if line.quantity_refunded + asked_before + q <= line.quantity => {
                        total += line.price_inc_tax * Decimal::from(q);
                        out.push(("PRODUCT".to_string(), opid, q));
                    }
                    _ => {
                        return Err(ApiError::unprocessable(
                            &format!("{field}.quantity"),
                            format!(
                                "The item cannot be refunded in that quantity ({} of {} left to refund).",
                                line.quantity - line.quantity_refunded - asked_before,
                                line.quantity
                            ),
                        ));
                    }
                }
            }
            ("ORDER" | "SHIPPING" | "HANDLING", Some(item_id)) => {
                let known = if kind == "ORDER" {
                    item_id == o.id
                } else {
                    o.addresses.iter().any(|a| a.id == item_id)
                };
                if !known {
                    let what = if kind == "ORDER" {
                        "the order id"
                    } else {
                        "an order address id"
                    };
                    return Err(ApiError::unprocessable(
                        &format!("{field}.item_id"),
                        format!("The item_id of a {kind} item must be {what}."),
                    ));
                }
                let amount = amount_of(item.get("amount"))
                    .filter(|a| *a > Decimal::ZERO)
                    .ok_or_else(|| {
                        ApiError::unprocessable(&format!("{field}.amount"), "amount is required")
                    })?;
                total += amount;
                out.push((kind.to_string(), item_id, 0));
            }
            _ => {
                return Err(ApiError::unprocessable(
                    &field,
                    "item_type (PRODUCT, ORDER, SHIPPING, HANDLING) and item_id are required",
                ));
            }
        }
    }
    Ok((total, out))
}

/// A priced refund: what is refunded (asked, cut to what is left) and how it may be paid.
struct Quote {
    total: Decimal,
    adjustment: Decimal,
    lines: Vec<RefundLine>,
    /// `(provider_id, description, offline)`, one payment option per method.
    methods: Vec<(&'static str, &'static str, bool)>,
}

fn quote(o: &Order, items: &[Value]) -> Result<Quote, ApiError> {
    let (asked, lines) = refund_items(o, items)?;
    let left = (o.total().1 - o.refunded_amount()).round_dp(2);
    if left <= Decimal::ZERO {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Refund amount is greater than remaining amount",
        ));
    }
    let total = asked.round_dp(2).min(left);
    let mut methods = Vec::new();
    if o.customer_id != 0 {
        methods.push((STORE_CREDIT, "Store Credit", false));
    }
    methods.push((CUSTOM, "Custom", true));
    Ok(Quote {
        total,
        adjustment: total - asked.round_dp(2),
        lines,
        methods,
    })
}

fn items_of(body: &Value) -> Result<Vec<Value>, ApiError> {
    body.get("items")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| ApiError::unprocessable("items", "items is required"))
}

/// A refund's 422 as the Create a Refund spec documents it: `{"data": [error]}`.
fn refused(title: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, title).shaped(Shape::RefundData)
}

/// Records a refund, marks the refunded units and moves the order to Refunded (everything
/// paid back) or Partially Refunded; stock is not touched.
pub(crate) fn refund(
    st: &mut State,
    order_id: u64,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    let o = st.orders.get(&order_id).ok_or_else(order_404)?;
    let items = items_of(body)?;
    let payments = body
        .get("payments")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::unprocessable("payments", "payments is required"))?;
    let quoted = quote(o, &items)?;
    let mut paid = Vec::new();
    for (i, p) in payments.iter().enumerate() {
        let provider = p
            .get("provider_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let amount = amount_of(p.get("amount")).filter(|a| *a >= Decimal::ZERO);
        let offline = p.get("offline").and_then(Value::as_bool).unwrap_or(false);
        let Some(amount) = amount.filter(|_| !provider.is_empty()) else {
            return Err(ApiError::unprocessable(
                &format!("payments.{i}"),
                "provider_id and amount are required",
            ));
        };
        match quoted.methods.iter().find(|(id, _, _)| *id == provider) {
            None if provider == STORE_CREDIT => {
                return Err(refused(
                    "Unable to provide store credit for a guest customer.",
                ));
            }
            None => {
                return Err(refused(format!(
                    "Payment provider '{provider}' is not a refund method of this order."
                )));
            }
            Some((_, _, true)) if !offline => {
                return Err(refused(format!(
                    "Payment provider '{provider}' only refunds offline; set offline to true."
                )));
            }
            Some(_) => paid.push((provider, amount, offline)),
        }
    }
    let paid_total: Decimal = paid.iter().map(|(_, a, _)| *a).sum();
    if paid_total != quoted.total {
        let mut errors = Map::new();
        errors.insert(
            "payments".into(),
            json!(format!(
                "The payments total {paid_total} does not match the refund total {}.",
                quoted.total
            )),
        );
        return Err(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Refund amount is invalid")
                .with_errors(errors),
        );
    }
    let reason = items
        .iter()
        .find_map(|i| i.get("reason").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    let refund = Refund {
        id: st.row_id(),
        reason,
        total: paid_total,
        items: quoted.lines,
        payments: paid,
        created: now_millis(),
    };
    let rid = refund.id;
    let o = st.orders.get_mut(&order_id).ok_or_else(order_404)?;
    for (kind, opid, q) in &refund.items {
        if kind == "PRODUCT"
            && let Some(l) = o.lines.iter_mut().find(|l| l.id == *opid)
        {
            l.quantity_refunded += q;
        }
    }
    o.refunds.push(refund);
    o.modified = now_millis();
    let fully = o.refunded_amount() >= o.total().1.round_dp(2);
    let json = o
        .refunds
        .last()
        .map(|r| refund_json(order_id, r))
        .unwrap_or(Value::Null);
    fx.push(Event::refund(order_id, rid));
    set_status(st, order_id, if fully { 4 } else { 14 }, false, fx);
    fx.push(Event::order("store/order/updated", order_id));
    Ok(json)
}

pub(crate) fn route(
    bc: &Arc<BigCommerce>,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    let [id, "payment_actions", action] = rest else {
        return None;
    };
    let id = seg_id(id)?;
    let mut st = state(bc);
    let o = match live(&st, id) {
        Ok(o) => o,
        Err(_) => return Some(Err(ApiError::not_found("Order not found."))),
    };
    Some(match (method, *action) {
        ("GET", "refunds") => {
            let all: Vec<Value> = o.refunds.iter().map(|r| refund_json(id, r)).collect();
            Ok(Reply::ok(json!({"data": all, "meta": {}})))
        }
        ("POST", "refunds") => refund(&mut st, id, &ctx.body, fx)
            .map(|r| Reply::created(json!({"data": r, "meta": {}}))),
        ("POST", "refund_quotes") => items_of(&ctx.body)
            .and_then(|items| quote(o, &items))
            .map(|q| {
                let methods: Vec<Value> = q
                    .methods
                    .iter()
                    .map(|(provider, description, offline)| {
                        json!([{"provider_id": provider, "provider_description": description,
                                "amount": number(q.total), "offline": offline,
                                "offline_provider": offline,
                                "offline_reason": if *offline { "This is an offline payment provider." } else { "" }}])
                    })
                    .collect();
                Reply::created(json!({"data": {
                    "order_id": id,
                    "total_refund_amount": number(q.total),
                    "total_refund_tax_amount": 0,
                    "order_level_refund_amount": 0,
                    "rounding": 0,
                    "adjustment": number(q.adjustment),
                    "tax_inclusive": true,
                    "refund_methods": methods,
                }, "meta": {}}))
            }),
        (_, "refunds" | "refund_quotes") => Err(super::catalog::method_not_allowed()),
        _ => return None,
    })
}
