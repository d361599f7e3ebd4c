//! eCommerce Order Transactions and Order Billing refunds (Wix's `@wix/auto_sdk_ecom_order-
//! transactions` and `@wix/auto_sdk_ecom_order-billing` typings, which mirror the REST API):
//!
//! - `GET /ecom/v1/payments/orders/{orderId}` (List Transactions For Single Order),
//! - `POST /ecom/v1/payments/orders/{orderId}/add-payment` (Add Payments: records only),
//! - `POST /ecom/v1/order-billing/get-order-refundability`,
//! - `POST /ecom/v1/order-billing/refund-payments`.
//!
//! A refund names the payments to pay back (each at most what is left of it) and, as
//! refund items, the line quantities and the shipping it covers; an offline payment (one
//! recorded with Add Payments, or paid by cash) can only be refunded as an external refund
//! (428 `EXTERNAL_REFUND_EXPECTED`). `sideEffects.restock` puts units back in stock, at most
//! the quantities refunded. The order's `paymentStatus` becomes `FULLY_REFUNDED` once every
//! payment is paid back, else `PARTIALLY_REFUNDED`. An order created through the API as
//! already paid carries no payment record here (unconfirmed for Wix itself).

use std::str::FromStr;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::hooks::Event;
use super::model::{Order, Payment, RefundRecord, State, iso_ms};
use super::{ApiError, ApiResult, Wix, state};
use crate::common::now_millis;

fn order_404(id: &str) -> ApiError {
    ApiError::not_found("ORDER_NOT_FOUND", format!("Order {id} not found"))
}

fn price(d: Decimal) -> Value {
    json!({"amount": d.normalize().to_string(), "formattedAmount": format!("${:.2}", d)})
}

/// A `{"amount": "12.50"}` price: `None` when missing, `Err` when not a decimal string.
fn amount_in(v: &Value, field: &str) -> Result<Option<Decimal>, ApiError> {
    if v.is_null() {
        return Ok(None);
    }
    v["amount"]
        .as_str()
        .and_then(|s| Decimal::from_str(s.trim()).ok())
        .filter(|d| !d.is_sign_negative())
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                &format!("{field}.amount"),
                "must be a decimal string, e.g. \"20.00\"",
            )
        })
}

fn shipping_total(o: &Order) -> Decimal {
    o.price_summary["shipping"]["amount"]
        .as_str()
        .and_then(|s| Decimal::from_str(s).ok())
        .unwrap_or_default()
}

impl Order {
    fn refunded_of(&self, payment_id: &str) -> Decimal {
        self.refunds
            .iter()
            .flat_map(|r| &r.transactions)
            .filter(|(id, _, _)| id == payment_id)
            .map(|(_, a, _)| *a)
            .sum()
    }

    fn refunded_quantity(&self, line_id: &str) -> u32 {
        self.refunds
            .iter()
            .flat_map(|r| &r.lines)
            .filter(|(id, _)| id == line_id)
            .map(|(_, q)| q)
            .sum()
    }

    fn refunded_shipping(&self) -> Decimal {
        self.refunds.iter().map(|r| r.shipping).sum()
    }

    fn payment_json(p: &Payment) -> Value {
        json!({
            "id": p.id,
            "createdDate": iso_ms(p.created_ms),
            "updatedDate": iso_ms(p.created_ms),
            "amount": price(p.amount),
            "refundDisabled": false,
            "supportReceiptGeneration": false,
            "status": "APPROVED",
            "regularPaymentDetails": {
                "offlinePayment": p.offline,
                "status": "APPROVED",
                "savedPaymentMethod": false,
                "paymentMethod": p.method,
            },
        })
    }

    fn refund_json(r: &RefundRecord) -> Value {
        json!({
            "id": r.id,
            "createdDate": iso_ms(r.created_ms),
            "transactions": r.transactions.iter().map(|(payment, amount, external)| json!({
                "paymentId": payment, "amount": price(*amount), "refundStatus": "SUCCEEDED",
                "externalRefund": external,
            })).collect::<Vec<_>>(),
            "details": {
                "items": r.lines.iter().map(|(id, q)| json!({"lineItemId": id, "quantity": q})).collect::<Vec<_>>(),
                "lineItems": r.lines.iter().map(|(id, q)| json!({"lineItemId": id, "quantity": q})).collect::<Vec<_>>(),
                "shippingIncluded": r.shipping > Decimal::ZERO,
                "shipping": {"amount": price(r.shipping)},
                "reason": r.reason,
            },
            "summary": {"pending": false},
        })
    }

    pub(crate) fn transactions_json(&self) -> Value {
        json!({
            "orderId": self.id,
            "payments": self.payments.iter().map(Self::payment_json).collect::<Vec<_>>(),
            "refunds": self.refunds.iter().map(Self::refund_json).collect::<Vec<_>>(),
        })
    }

    fn refundability_json(&self) -> Value {
        let mut paid = Decimal::ZERO;
        let mut refunded = Decimal::ZERO;
        let payments: Vec<Value> = self
            .payments
            .iter()
            .map(|p| {
                let back = self.refunded_of(&p.id);
                paid += p.amount;
                refunded += back;
                let left = (p.amount - back).max(Decimal::ZERO);
                let mut row = json!({"payment": {
                    "paymentId": p.id,
                    "paymentMethod": p.method,
                    "offlinePayment": p.offline,
                    "monetary": {"paid": price(p.amount), "refunded": price(back),
                                 "refundPending": price(Decimal::ZERO), "maxRefund": price(left)},
                }});
                if left <= Decimal::ZERO {
                    row["nonRefundable"] = json!({"reason": "ALREADY_REFUNDED"});
                } else if p.offline {
                    row["manuallyRefundable"] = json!({"reason": "OFFLINE"});
                } else {
                    row["refundable"] = json!(true);
                }
                row
            })
            .collect();
        let mut out = json!({
            "payments": payments,
            "paymentsSummary": {"monetary": {"paid": price(paid), "refunded": price(refunded),
                "refundPending": price(Decimal::ZERO), "maxRefund": price((paid - refunded).max(Decimal::ZERO))}},
            "lineItems": self.lines.iter().map(|l| {
                let back = self.refunded_quantity(&l.id);
                json!({"lineItemId": l.id, "originalQuantity": l.quantity,
                       "refundedQuantity": back, "availableRefundQuantity": l.quantity.saturating_sub(back)})
            }).collect::<Vec<_>>(),
            "additionalFees": [],
        });
        let shipping = shipping_total(self);
        if shipping > Decimal::ZERO {
            let back = self.refunded_shipping();
            out["shipping"] = json!({"amount": price(shipping), "refundedAmount": price(back),
                "availableRefundAmount": price((shipping - back).max(Decimal::ZERO))});
        }
        out
    }
}

fn order_idx(st: &State, id: &str) -> Result<usize, ApiError> {
    st.orders
        .iter()
        .position(|o| o.id == id)
        .ok_or_else(|| order_404(id))
}

/// `/ecom/v1/payments/orders/{orderId}[/add-payment]`.
pub(crate) fn payments(
    wix: &Wix,
    m: &str,
    order_id: &str,
    rest: &[&str],
    body: &Value,
) -> ApiResult {
    let mut st = state(wix);
    let idx = order_idx(&st, order_id)?;
    match (m, rest) {
        ("GET", []) => Ok(json!({"orderTransactions": st.orders[idx].transactions_json()})),
        ("POST", ["add-payment"]) => {
            let list = body["payments"]
                .as_array()
                .filter(|p| (1..=50).contains(&p.len()))
                .ok_or_else(|| ApiError::invalid("payments", "must contain 1 to 50 payments"))?;
            let mut added = Vec::new();
            for (i, p) in list.iter().enumerate() {
                let field = format!("payments[{i}]");
                let amount =
                    amount_in(&p["amount"], &format!("{field}.amount"))?.ok_or_else(|| {
                        ApiError::invalid(&format!("{field}.amount"), "must not be empty")
                    })?;
                let regular = &p["regularPaymentDetails"];
                if !regular.is_object() {
                    return Err(ApiError::invalid(
                        &format!("{field}.regularPaymentDetails"),
                        "must not be empty (gift card and membership payments are not simulated)",
                    ));
                }
                added.push(Payment {
                    id: st.guid(),
                    amount,
                    offline: regular["offlinePayment"].as_bool().unwrap_or(false),
                    method: regular["paymentMethod"]
                        .as_str()
                        .unwrap_or("Offline")
                        .to_owned(),
                    created_ms: now_millis(),
                });
            }
            let ids: Vec<String> = added.iter().map(|p| p.id.clone()).collect();
            let o = &mut st.orders[idx];
            o.payments.extend(added);
            o.updated_ms = now_millis();
            Ok(json!({"orderTransactions": o.transactions_json(), "paymentsIds": ids}))
        }
        _ => Err(ApiError::not_found("NOT_FOUND", "No such API")),
    }
}

/// `/ecom/v1/order-billing/{action}`.
pub(crate) fn order_billing(
    wix: &Wix,
    m: &str,
    action: &str,
    body: &Value,
    fx: &mut Vec<Event>,
) -> ApiResult {
    let order_id = body["orderId"].as_str().unwrap_or_default().to_owned();
    if order_id.is_empty() {
        return Err(ApiError::invalid("orderId", "must not be empty"));
    }
    let mut st = state(wix);
    let idx = order_idx(&st, &order_id)?;
    match (m, action) {
        ("POST", "get-order-refundability") => Ok(st.orders[idx].refundability_json()),
        ("POST", "refund-payments") => refund_payments(&mut st, idx, body, fx),
        _ => Err(ApiError::not_found("NOT_FOUND", "No such API")),
    }
}

/// The merchant refunds the whole order in the dashboard, marked as refunded outside Wix and
/// without restock: a paid order with no payment record first gets its payment recorded
/// (offline, the order's total), as the dashboard's "Mark as Paid" would have.
pub(crate) fn refund_everything(st: &mut State, order_id: &str, fx: &mut Vec<Event>) -> ApiResult {
    let idx = order_idx(st, order_id)?;
    if st.orders[idx].payments.is_empty() {
        let total = st.orders[idx].price_summary["total"]["amount"]
            .as_str()
            .and_then(|s| Decimal::from_str(s).ok())
            .unwrap_or_default();
        let id = st.guid();
        st.orders[idx].payments.push(Payment {
            id,
            amount: total,
            offline: true,
            method: "Offline".to_owned(),
            created_ms: now_millis(),
        });
    }
    let o = &st.orders[idx];
    let payment_refunds: Vec<Value> = o
        .payments
        .iter()
        .filter_map(|p| {
            let left = p.amount - o.refunded_of(&p.id);
            (left > Decimal::ZERO).then(|| {
                json!({"paymentId": p.id, "amount": {"amount": left.to_string()}, "externalRefund": true})
            })
        })
        .collect();
    let lines: Vec<Value> = o
        .lines
        .iter()
        .filter_map(|l| {
            let left = l.quantity.saturating_sub(o.refunded_quantity(&l.id));
            (left > 0).then(|| json!({"lineItemId": l.id, "quantity": left}))
        })
        .collect();
    let body = json!({
        "orderId": order_id,
        "paymentRefunds": payment_refunds,
        "refundItems": {"lineItems": lines},
    });
    refund_payments(st, idx, &body, fx)
}

fn refund_payments(st: &mut State, idx: usize, body: &Value, fx: &mut Vec<Event>) -> ApiResult {
    let o = &st.orders[idx];
    let asked = body["paymentRefunds"]
        .as_array()
        .filter(|p| (1..=50).contains(&p.len()))
        .ok_or_else(|| {
            ApiError::invalid("paymentRefunds", "must contain 1 to 50 payment refunds")
        })?;
    let mut transactions = Vec::new();
    for (i, r) in asked.iter().enumerate() {
        let field = format!("paymentRefunds[{i}]");
        let pid = r["paymentId"].as_str().unwrap_or_default();
        let Some(payment) = o.payments.iter().find(|p| p.id == pid) else {
            return Err(ApiError::not_found(
                "PAYMENT_NOT_FOUND",
                format!("Payment {pid} not found on order {}", o.id),
            ));
        };
        let left = payment.amount - o.refunded_of(pid);
        if left <= Decimal::ZERO {
            return Err(ApiError::app(
                StatusCode::PRECONDITION_REQUIRED,
                "PAYMENT_NOT_REFUNDABLE",
                format!("Payment {pid} is not refundable: ALREADY_REFUNDED"),
            ));
        }
        let external = r["externalRefund"].as_bool().unwrap_or(false);
        if payment.offline && !external {
            return Err(ApiError::app(
                StatusCode::PRECONDITION_REQUIRED,
                "EXTERNAL_REFUND_EXPECTED",
                format!(
                    "Payment {pid} was made offline; only an external refund can be recorded for it"
                ),
            ));
        }
        let amount = amount_in(&r["amount"], &field)?.unwrap_or(left);
        if amount <= Decimal::ZERO || amount > left {
            return Err(ApiError::app(
                StatusCode::BAD_REQUEST,
                "INVALID_PAYMENT_REFUND_AMOUNT",
                format!(
                    "Refund amount {amount} of payment {pid} must be above 0 and at most {left}"
                ),
            ));
        }
        transactions.push((pid.to_owned(), amount, external));
    }
    let items = &body["refundItems"];
    let mut lines: Vec<(String, u32)> = Vec::new();
    for (i, item) in items["lineItems"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let lid = item["lineItemId"].as_str().unwrap_or_default();
        let Some(line) = o.lines.iter().find(|l| l.id == lid) else {
            return Err(ApiError::not_found(
                "LINE_ITEM_NOT_FOUND",
                format!("Line item {lid} not found on order {}", o.id),
            ));
        };
        let before: u32 = lines
            .iter()
            .filter(|(id, _)| id == lid)
            .map(|(_, q)| q)
            .sum();
        let available = line
            .quantity
            .saturating_sub(o.refunded_quantity(lid) + before);
        let q = item["quantity"]
            .as_u64()
            .and_then(|q| u32::try_from(q).ok())
            .unwrap_or(0);
        if q == 0 || q > available {
            return Err(ApiError::app(
                StatusCode::BAD_REQUEST,
                "INVALID_LINE_ITEM_REFUND_QUANTITY",
                format!(
                    "refundItems.lineItems[{i}]: quantity {q} of line item {lid} is not between 1 and {available}"
                ),
            ));
        }
        lines.push((lid.to_owned(), q));
    }
    let mut shipping = Decimal::ZERO;
    if items["shipping"].is_object() {
        let available = (shipping_total(o) - o.refunded_shipping()).max(Decimal::ZERO);
        if available <= Decimal::ZERO {
            return Err(ApiError::not_found(
                "SHIPPING_NOT_FOUND",
                "The order has no shipping left to refund",
            ));
        }
        shipping =
            amount_in(&items["shipping"]["amount"], "refundItems.shipping")?.unwrap_or(available);
        if shipping > available {
            return Err(ApiError::app(
                StatusCode::BAD_REQUEST,
                "INVALID_SHIPPING_REFUND_AMOUNT",
                format!("Shipping refund {shipping} is more than the {available} left"),
            ));
        }
    }
    let mut restock: Vec<(String, u32)> = Vec::new();
    for item in body["sideEffects"]["restock"]["lineItems"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let lid = item["lineItemId"].as_str().unwrap_or_default();
        let q = item["quantity"]
            .as_u64()
            .and_then(|q| u32::try_from(q).ok())
            .unwrap_or(0);
        let refunded: u32 = lines
            .iter()
            .filter(|(id, _)| id == lid)
            .map(|(_, q)| q)
            .sum();
        if q == 0 || q > refunded {
            return Err(ApiError::app(
                StatusCode::BAD_REQUEST,
                "INVALID_LINE_ITEM_RESTOCK_QUANTITY",
                format!(
                    "Restock quantity {q} of line item {lid} is more than the {refunded} refunded"
                ),
            ));
        }
        restock.push((lid.to_owned(), q));
    }
    let reason = body["customerReason"].as_str().map(str::to_owned);
    if reason.as_ref().is_some_and(|r| r.chars().count() > 200) {
        return Err(ApiError::invalid(
            "customerReason",
            "must be at most 200 characters",
        ));
    }
    let now = now_millis();
    let record = RefundRecord {
        id: st.guid(),
        created_ms: now,
        transactions,
        lines,
        shipping,
        reason,
    };
    let touched = st.put_back(idx, &restock, now);
    let o = &mut st.orders[idx];
    o.refunds.push(record);
    let paid: Decimal = o.payments.iter().map(|p| p.amount).sum();
    let back: Decimal = o.payments.iter().map(|p| o.refunded_of(&p.id)).sum();
    o.payment_status = if back >= paid {
        "FULLY_REFUNDED"
    } else {
        "PARTIALLY_REFUNDED"
    }
    .to_owned();
    o.updated_ms = now;
    let json = o.json();
    let refund = o.refunds.last().map(Order::refund_json).unwrap_or_default();
    let transactions = o.transactions_json();
    fx.push(Event::order("payment_status_updated", &json));
    fx.push(Event::order("updated", &json));
    for pid in touched {
        fx.push(Event::inventory(st, &pid));
    }
    Ok(json!({"refund": refund, "orderTransactions": transactions}))
}
