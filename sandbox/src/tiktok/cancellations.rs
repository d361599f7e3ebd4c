//! Buyer cancellation requests (§4.5, §9): a buyer asks to cancel an order that is already
//! AWAITING_SHIPMENT (or partially shipped); the seller approves or rejects the request through
//! the API (or in Seller Center, i.e. the control twins).

use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{self as e, ApiError};
use super::model::{CANCEL_REJECT_REASONS, Cancellation, State};
use super::orders::{cancel_lines, cancellation_json, emit_cancellation, emit_order_status};
use super::{Ctx, TikTok};
use crate::common::{lock, now_secs};

/// How long the seller has to respond to a buyer cancellation request.
const RESPOND_WINDOW_SECS: i64 = 48 * 3600;

const PENDING: &str = "CANCELLATION_REQUEST_PENDING";

/// Control: the buyer requests cancellation of an AWAITING_SHIPMENT order (or of the unshipped
/// items of a PARTIALLY_SHIPPING one). Errors are (HTTP status, message) for the control reply.
pub(crate) fn buyer_request(
    tt: &TikTok,
    order_id: &str,
    reason: Option<&str>,
) -> Result<Value, (u16, String)> {
    let mut st = lock(&tt.state);
    let Some(o) = st.orders.get(order_id) else {
        return Err((404, format!("order {order_id} not found")));
    };
    match o.status.as_str() {
        "AWAITING_SHIPMENT" | "PARTIALLY_SHIPPING" => {}
        "UNPAID" | "ON_HOLD" => {
            return Err((
                409,
                format!(
                    "order {order_id} is {}: a buyer cancels it at once, without a request (POST /_sandbox/orders/{order_id}/status {{\"status\":\"CANCELLED\"}})",
                    o.status
                ),
            ));
        }
        other => {
            return Err((
                409,
                format!(
                    "order {order_id} is {other}; buyers can request cancellation only before it ships"
                ),
            ));
        }
    }
    if pending_for(&st, order_id).is_some() {
        return Err((
            409,
            format!("order {order_id} already has a pending cancellation request"),
        ));
    }
    let ids: Vec<String> = o
        .line_items
        .iter()
        .filter(|li| !li.cancelled && li.package_id.is_none())
        .map(|li| li.id.clone())
        .collect();
    if ids.is_empty() {
        return Err((409, format!("order {order_id} has no unshipped items left")));
    }
    let refund = o
        .line_items
        .iter()
        .filter(|li| ids.contains(&li.id))
        .map(super::model::LineItem::sale_price)
        .sum();
    let now = now_secs();
    let cancel_id = st.ids.next_id();
    let reason_text = reason
        .filter(|r| !r.trim().is_empty())
        .unwrap_or("No longer needed")
        .to_string();
    st.cancellations.insert(
        cancel_id.clone(),
        Cancellation {
            id: cancel_id.clone(),
            order_id: order_id.to_string(),
            cancel_type: "BUYER_CANCEL".to_string(),
            status: PENDING.to_string(),
            role: "BUYER".to_string(),
            reason: "buyer_cancel_reason_no_longer_needed".to_string(),
            reason_text,
            line_item_ids: ids,
            refund_amount: refund,
            create_time: now,
            update_time: now,
            respond_deadline: Some(now + RESPOND_WINDOW_SECS),
        },
    );
    if let Some(o) = st.orders.get_mut(order_id) {
        o.is_buyer_request_cancel = true;
        o.update_time = now;
    }
    emit_cancellation(tt, &mut st, &cancel_id, PENDING);
    Ok(cancellation_json(&st, &st.cancellations[&cancel_id]))
}

fn pending_for<'a>(st: &'a State, order_id: &str) -> Option<&'a Cancellation> {
    st.cancellations
        .values()
        .find(|c| c.order_id == order_id && c.status == PENDING)
}

/// The pending request `cancel_id`, or the business error for an unknown / decided one.
fn pending(st: &State, cancel_id: &str) -> Result<(), ApiError> {
    let Some(c) = st.cancellations.get(cancel_id) else {
        return Err(ApiError::biz(
            e::O_NOT_FOUND,
            format!("Cancellation '{cancel_id}' does not exist in this shop."),
        ));
    };
    if c.status != PENDING {
        return Err(ApiError::biz(
            e::C_NOT_PENDING,
            format!(
                "Cancellation '{cancel_id}' is {}; only a {PENDING} buyer request can be approved or rejected.",
                c.status
            ),
        ));
    }
    Ok(())
}

/// Approves a pending buyer request: its line items are cancelled (the order becomes CANCELLED
/// when nothing is left), then type 11 `_COMPLETE` and, if the order changed, type 1 fire.
pub(crate) fn approve(tt: &TikTok, cancel_id: &str) -> Result<(), ApiError> {
    let mut st = lock(&tt.state);
    pending(&st, cancel_id)?;
    let c = &st.cancellations[cancel_id];
    let (order_id, ids, reason_text) = (
        c.order_id.clone(),
        c.line_item_ids.clone(),
        c.reason_text.clone(),
    );
    let (refund, status_changed) = cancel_lines(&mut st, &order_id, &ids, "BUYER", &reason_text);
    let now = now_secs();
    if let Some(c) = st.cancellations.get_mut(cancel_id) {
        c.status = "CANCELLATION_REQUEST_COMPLETE".to_string();
        c.refund_amount = refund;
        c.update_time = now;
    }
    emit_cancellation(tt, &mut st, cancel_id, "CANCELLATION_REQUEST_COMPLETE");
    if status_changed {
        emit_order_status(tt, &mut st, &order_id);
    }
    Ok(())
}

/// Rejects a pending buyer request with a reason code; the order stays as it was.
pub(crate) fn reject(
    tt: &TikTok,
    cancel_id: &str,
    reject_reason: Option<&str>,
) -> Result<(), ApiError> {
    let mut st = lock(&tt.state);
    pending(&st, cancel_id)?;
    let reason = reject_reason.unwrap_or("");
    if !CANCEL_REJECT_REASONS.iter().any(|(c, _)| *c == reason) {
        let codes: Vec<&str> = CANCEL_REJECT_REASONS.iter().map(|(c, _)| *c).collect();
        return Err(ApiError::biz(
            e::C_REJECT_REASON,
            format!(
                "Invalid parameter: 'reject_reason' '{reason}' is not a reject reason code; get them from /return_refund/202309/reject_reasons (one of {codes:?})."
            ),
        ));
    }
    let now = now_secs();
    let order_id = st.cancellations[cancel_id].order_id.clone();
    if let Some(c) = st.cancellations.get_mut(cancel_id) {
        c.status = "CANCELLATION_REQUEST_CANCEL".to_string();
        c.update_time = now;
    }
    if let Some(o) = st.orders.get_mut(&order_id) {
        o.is_buyer_request_cancel = false;
        o.update_time = now;
    }
    // The webhook spells this state `_CANCELLED` (the API: `_CANCEL`).
    emit_cancellation(tt, &mut st, cancel_id, "CANCELLATION_REQUEST_CANCELLED");
    Ok(())
}

/// `POST /return_refund/202309/cancellations/{cancel_id}/approve` (body `{}` or empty).
pub(crate) fn api_approve(tt: &TikTok, ctx: &Ctx<'_>, cancel_id: &str) -> Result<Value, ApiError> {
    let _: Value = ctx
        .json::<Option<Value>>(e::O_INVALID_PARAM)?
        .unwrap_or_default();
    approve(tt, cancel_id)?;
    Ok(json!({}))
}

#[derive(Deserialize, Default)]
struct RejectReq {
    reject_reason: Option<String>,
    comment: Option<String>,
    images: Option<Vec<Value>>,
}

/// `POST /return_refund/202309/cancellations/{cancel_id}/reject`.
pub(crate) fn api_reject(tt: &TikTok, ctx: &Ctx<'_>, cancel_id: &str) -> Result<Value, ApiError> {
    let req: RejectReq = ctx.json(e::O_INVALID_PARAM)?;
    if req
        .comment
        .as_deref()
        .is_some_and(|c| c.chars().count() > 500)
    {
        return Err(ApiError::biz(
            e::O_INVALID_PARAM,
            "Invalid parameter: 'comment' must be at most 500 characters.",
        ));
    }
    let _ = req.images;
    reject(tt, cancel_id, req.reject_reason.as_deref())?;
    Ok(json!({}))
}

/// `GET /return_refund/202309/reject_reasons`.
pub(crate) fn reject_reasons() -> Result<Value, ApiError> {
    let reasons: Vec<Value> = CANCEL_REJECT_REASONS
        .iter()
        .map(|(name, text)| json!({"name": name, "text": text}))
        .collect();
    Ok(json!({ "reasons": reasons }))
}
