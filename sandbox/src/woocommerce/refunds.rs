//! `/wc/v3/orders/{id}/refunds`: refunds of an order. `api_refund: false` records the refund
//! without asking the payment gateway (the sandbox has no gateway, so `true` is refused);
//! `restock_items` puts the quantities of the listed line items back in stock. A refund of
//! everything left moves the order to `refunded`, as `wc_create_refund` does.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::model::{Refund, State, money};
use super::orders::{order_404, set_status};
use super::products::adjust_stock;
use super::webhooks::{Event, Resource};
use super::{ApiError, ApiResult, Ctx, Reply, WooCommerce, state};
use crate::common::now_millis;

pub(crate) fn route(
    woo: &WooCommerce,
    ctx: &Ctx,
    method: &str,
    id: u64,
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    Some(match method {
        "GET" => ctx
            .require(
                "woocommerce_rest_cannot_view",
                "Sorry, you cannot list resources.",
            )
            .and_then(|()| {
                let st = state(woo);
                let o = st.orders.get(&id).ok_or_else(order_404)?;
                let all: Vec<Value> = o.refunds.iter().rev().map(refund_json).collect();
                Ok(Reply::ok(Value::Array(all)))
            }),
        "POST" => ctx
            .require(
                "woocommerce_rest_cannot_create",
                "Sorry, you are not allowed to create resources.",
            )
            .and_then(|()| {
                let mut st = state(woo);
                let refund = create(&mut st, id, &ctx.body, fx)?;
                let location = format!(
                    "{}/wp-json/wc/v3/orders/{id}/refunds/{}",
                    woo.home, refund["id"]
                );
                Ok(Reply::created(refund, location))
            }),
        _ => return None,
    })
}

fn refund_json(r: &Refund) -> Value {
    json!({
        "id": r.id,
        "reason": r.reason,
        "amount": money(r.amount),
        "refunded_by": 1,
        "refunded_payment": false,
        "line_items": r.line_items.iter().map(|(id, qty)| json!({"id": id, "quantity": -qty})).collect::<Vec<_>>(),
        "meta_data": [],
    })
}

fn create(st: &mut State, id: u64, body: &Value, fx: &mut Vec<Event>) -> Result<Value, ApiError> {
    let Some(order) = st.orders.get(&id) else {
        return Err(order_404());
    };
    if body
        .get("api_refund")
        .and_then(Value::as_bool)
        .unwrap_or(true)
    {
        return Err(ApiError::bad_request(
            "woocommerce_rest_cannot_create_order_refund",
            "The payment gateway for this order does not support automatic refunds.",
        ));
    }
    let amount = match body.get("amount") {
        Some(Value::String(s)) => Decimal::from_str(s.trim())
            .map_err(|_| ApiError::invalid_param("amount", "amount is not a valid amount."))?,
        None => Decimal::ZERO,
        Some(_) => {
            return Err(ApiError::invalid_param(
                "amount",
                "amount is not of type string.",
            ));
        }
    };
    let refunded: Decimal = order.refunds.iter().map(|r| r.amount).sum();
    let left = order.total() - refunded;
    if amount <= Decimal::ZERO || amount > left {
        return Err(ApiError::bad_request(
            "woocommerce_rest_cannot_create_order_refund",
            "Invalid refund amount.",
        ));
    }
    let mut lines = Vec::new();
    for line in body
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let line_id = line.get("id").and_then(Value::as_u64).unwrap_or(0);
        let qty = line.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        let Some(item) = order.line_items.iter().find(|l| l.id == line_id) else {
            return Err(ApiError::invalid_param(
                "line_items",
                format!("line item {line_id} is not in order {id}."),
            ));
        };
        if qty < 0 || qty > item.quantity {
            return Err(ApiError::invalid_param(
                "line_items",
                format!("quantity {qty} of line item {line_id} is out of range."),
            ));
        }
        let target = if item.variation_id != 0 {
            item.variation_id
        } else {
            item.product_id
        };
        lines.push((line_id, qty, target));
    }
    let restock = body
        .get("restock_items")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let everything = amount == left;
    let refund = Refund {
        id: st.post_id(),
        amount,
        reason,
        line_items: lines.iter().map(|(l, q, _)| (*l, *q)).collect(),
    };
    let answer = refund_json(&refund);
    if restock {
        for (_, qty, target) in &lines {
            adjust_stock(st, *target, *qty, fx);
        }
    }
    if let Some(o) = st.orders.get_mut(&id) {
        o.refunds.push(refund);
        o.modified = now_millis();
    }
    if everything {
        set_status(st, id, "refunded", fx);
    }
    fx.push(Event::new(Resource::Order, "updated", id));
    Ok(answer)
}
