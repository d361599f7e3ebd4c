//! Return and refund requests (reverse orders, §4.5 "Search Returns" 202309, §7 type 12): the
//! buyer opens one on a shipped order (control API), Seller Center moves it through its
//! statuses (control API), and the Open API lists them with `returns/search`.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{self as e, ApiError};
use super::model::State;
use super::{Ctx, TikTok, decode_page_token, events, page};
use crate::common::{lock, now_secs};

/// `return_status` values of the 202309 Search Returns page.
pub(crate) const RETURN_STATUSES: &[&str] = &[
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "AWAITING_BUYER_RESPONSE",
];

const RETURN_TYPES: &[&str] = &["REFUND", "RETURN_AND_REFUND", "REPLACEMENT"];

const ARBITRATION_STATUSES: &[&str] = &["IN_PROGRESS", "SUPPORT_BUYER", "SUPPORT_SELLER", "CLOSED"];

/// Statuses a request never leaves.
const FINAL: &[&str] = &[
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
];

/// Order statuses a buyer can open a return or refund request in (before shipping, a buyer
/// cancels instead).
const RETURNABLE: &[&str] = &[
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
];

/// Reason codes and texts the simulator's buyers pick from.
const REASONS: &[(&str, &str)] = &[
    (
        "ecom_order_delivered_refund_and_return_reason_damaged",
        "Damaged item",
    ),
    (
        "ecom_order_delivered_refund_and_return_reason_not_as_described",
        "Item doesn't match description",
    ),
    (
        "ecom_order_delivered_refund_and_return_reason_no_longer_needed",
        "No longer needed",
    ),
];

/// One return or refund request.
#[derive(Clone)]
pub(crate) struct ReturnOrder {
    pub(crate) id: String,
    pub(crate) order_id: String,
    pub(crate) return_type: String,
    pub(crate) status: String,
    pub(crate) role: String,
    pub(crate) reason: String,
    pub(crate) reason_text: String,
    pub(crate) line_item_ids: Vec<String>,
    pub(crate) refund_total: Decimal,
    pub(crate) create_time: i64,
    pub(crate) update_time: i64,
}

/// Control routes (`/_sandbox/...`), merged into the TikTok control router.
pub(crate) fn control_routes() -> Router<Arc<TikTok>> {
    Router::new()
        .route("/_sandbox/orders/{id}/return_request", post(open_request))
        .route("/_sandbox/returns/{id}/status", post(set_status))
}

fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn return_json(st: &State, r: &ReturnOrder) -> Value {
    let currency = st.shop.currency.clone();
    let amount = |total: Decimal| {
        json!({"currency": currency, "refund_total": money(total), "refund_subtotal": money(total),
               "refund_shipping_fee": "0.00", "refund_tax": "0.00"})
    };
    let lines: Vec<Value> = st
        .orders
        .get(&r.order_id)
        .map(|o| {
            o.line_items
                .iter()
                .filter(|li| r.line_item_ids.contains(&li.id))
                .map(|li| {
                    json!({
                        "return_line_item_id": format!("{}{}", r.id, &li.id[li.id.len().saturating_sub(4)..]),
                        "order_line_item_id": li.id, "sku_id": li.sku_id, "seller_sku": li.seller_sku,
                        "product_name": li.product_name, "sku_name": li.sku_name,
                        "refund_amount": amount(li.sale_price()),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let next_action = if r.status == "RETURN_OR_REFUND_REQUEST_PENDING" {
        json!([{"action": "SELLER_RESPOND_RETURN", "deadline": r.create_time + 48 * 3600}])
    } else {
        json!([])
    };
    json!({
        "return_id": r.id,
        "order_id": r.order_id,
        "return_type": r.return_type,
        "return_status": r.status,
        "role": r.role,
        "return_reason": r.reason,
        "return_reason_text": r.reason_text,
        "refund_amount": amount(r.refund_total),
        "return_line_items": lines,
        "seller_next_action_response": next_action,
        "shipment_type": "PLATFORM",
        "handover_method": "DROP_OFF",
        "arbitration_status": "",
        "create_time": r.create_time,
        "update_time": r.update_time,
    })
}

#[derive(Deserialize, Default)]
struct SearchReq {
    return_ids: Option<Vec<String>>,
    order_ids: Option<Vec<String>>,
    buyer_user_ids: Option<Vec<String>>,
    return_types: Option<Vec<String>>,
    return_status: Option<Vec<String>>,
    arbitration_status: Option<Vec<String>>,
    seller_proposed_return_type: Option<Vec<String>>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    #[allow(dead_code)]
    locale: Option<String>,
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::biz(e::O_INVALID_PARAM, msg)
}

/// Every value of `values` must be one of `allowed`.
fn check_enum(field: &str, values: &[String], allowed: &[&str]) -> Result<(), ApiError> {
    match values.iter().find(|v| !allowed.contains(&v.as_str())) {
        Some(v) => Err(bad(format!(
            "Invalid parameter: '{field}' value '{v}'; expected one of {allowed:?}."
        ))),
        None => Ok(()),
    }
}

/// `page_size` is optional here (default 10, valid 10..=50); `sort_order` defaults to ASC.
fn paging(ctx: &Ctx<'_>) -> Result<(usize, usize, bool, bool), ApiError> {
    let size = match ctx.q("page_size") {
        None => 10,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (10..=50).contains(n))
            .ok_or_else(|| {
                bad(format!(
                    "Invalid parameter: 'page_size' must be an integer from 10 to 50, got '{raw}'."
                ))
            })?,
    };
    let offset = match ctx.q("page_token") {
        None | Some("") => 0,
        Some(tok) => decode_page_token(tok).ok_or_else(|| {
            bad(format!(
                "Invalid parameter: 'page_token' '{tok}' is not a token this API returned."
            ))
        })?,
    };
    let by_update = match ctx.q("sort_field").unwrap_or("create_time") {
        "create_time" => false,
        "update_time" => true,
        other => {
            return Err(bad(format!(
                "Invalid parameter: 'sort_field' '{other}'; expected create_time or update_time."
            )));
        }
    };
    let desc = match ctx.q("sort_order").unwrap_or("ASC") {
        "ASC" => false,
        "DESC" => true,
        other => {
            return Err(bad(format!(
                "Invalid parameter: 'sort_order' '{other}'; expected ASC or DESC."
            )));
        }
    };
    Ok((size, offset, by_update, desc))
}

/// `POST /return_refund/202309/returns/search`.
pub(crate) fn search(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let (size, offset, by_update, desc) = paging(ctx)?;
    let req: SearchReq = ctx.json(e::O_INVALID_PARAM)?;
    let types = req.return_types.unwrap_or_default();
    check_enum("return_types", &types, RETURN_TYPES)?;
    let statuses = req.return_status.unwrap_or_default();
    check_enum("return_status", &statuses, RETURN_STATUSES)?;
    let arbitration = req.arbitration_status.unwrap_or_default();
    check_enum("arbitration_status", &arbitration, ARBITRATION_STATUSES)?;
    let proposed = req.seller_proposed_return_type.unwrap_or_default();
    check_enum(
        "seller_proposed_return_type",
        &proposed,
        &["PARTIAL_REFUND"],
    )?;
    let ids = req.return_ids.unwrap_or_default();
    let order_ids = req.order_ids.unwrap_or_default();
    let buyers = req.buyer_user_ids.unwrap_or_default();
    let mut matches: Vec<&ReturnOrder> = st
        .returns
        .values()
        .filter(|r| ids.is_empty() || ids.contains(&r.id))
        .filter(|r| order_ids.is_empty() || order_ids.contains(&r.order_id))
        .filter(|r| {
            buyers.is_empty()
                || st
                    .orders
                    .get(&r.order_id)
                    .is_some_and(|o| buyers.contains(&o.user_id))
        })
        .filter(|r| types.is_empty() || types.contains(&r.return_type))
        .filter(|r| statuses.is_empty() || statuses.contains(&r.status))
        // No request here is in arbitration or has a seller proposal.
        .filter(|_| arbitration.is_empty() && proposed.is_empty())
        .filter(|r| req.create_time_ge.is_none_or(|t| r.create_time >= t))
        .filter(|r| req.create_time_lt.is_none_or(|t| r.create_time < t))
        .filter(|r| req.update_time_ge.is_none_or(|t| r.update_time >= t))
        .filter(|r| req.update_time_lt.is_none_or(|t| r.update_time < t))
        .collect();
    matches.sort_by_key(|r| {
        (
            if by_update {
                r.update_time
            } else {
                r.create_time
            },
            r.id.clone(),
        )
    });
    if desc {
        matches.reverse();
    }
    let total = matches.len();
    let (items, next) = page(matches, size, offset);
    let list: Vec<Value> = items.iter().map(|r| return_json(st, r)).collect();
    Ok(json!({"return_orders": list, "next_page_token": next, "total_count": total}))
}

fn emit(tt: &TikTok, st: &mut State, return_id: &str) {
    let Some(r) = st.returns.get(return_id) else {
        return;
    };
    let data = json!({
        "order_id": r.order_id, "return_role": r.role, "return_type": r.return_type,
        "return_status": r.status, "return_id": r.id,
        "create_time": r.create_time, "update_time": r.update_time,
    });
    events::emit(tt, st, "RETURN_STATUS_CHANGE", data);
}

/// The buyer opens a request on a shipped order: `return_type` (default RETURN_AND_REFUND) and
/// a reason text (default the first reason). Errors are (HTTP status, message).
pub(crate) fn open(
    tt: &TikTok,
    order_id: &str,
    return_type: Option<&str>,
    reason: Option<&str>,
) -> Result<Value, (u16, String)> {
    let mut st = lock(&tt.state);
    let Some(o) = st.orders.get(order_id) else {
        return Err((404, format!("order {order_id} not found")));
    };
    if !RETURNABLE.contains(&o.status.as_str()) {
        return Err((
            409,
            format!(
                "order {order_id} is {}; a buyer opens a return or refund request only once it has shipped (before that, a cancellation)",
                o.status
            ),
        ));
    }
    let return_type = return_type.unwrap_or("RETURN_AND_REFUND");
    if !RETURN_TYPES.contains(&return_type) {
        return Err((
            400,
            format!("return_type {return_type} is not one of {RETURN_TYPES:?}"),
        ));
    }
    let open_already = st
        .returns
        .values()
        .any(|r| r.order_id == order_id && !FINAL.contains(&r.status.as_str()));
    if open_already {
        return Err((
            409,
            format!("order {order_id} already has an open return or refund request"),
        ));
    }
    let lines: Vec<_> = o.line_items.iter().filter(|li| !li.cancelled).collect();
    let line_item_ids: Vec<String> = lines.iter().map(|li| li.id.clone()).collect();
    let refund_total: Decimal = lines.iter().map(|li| li.sale_price()).sum();
    let (code, text) = reason
        .filter(|r| !r.trim().is_empty())
        .and_then(|r| REASONS.iter().find(|(_, t)| t.eq_ignore_ascii_case(r)))
        .or(REASONS.first())
        .copied()
        .unwrap_or(("", ""));
    let reason_text = reason
        .filter(|r| !r.trim().is_empty())
        .unwrap_or(text)
        .to_string();
    let now = now_secs();
    let id = st.ids.next_id();
    st.returns.insert(
        id.clone(),
        ReturnOrder {
            id: id.clone(),
            order_id: order_id.to_string(),
            return_type: return_type.to_string(),
            status: "RETURN_OR_REFUND_REQUEST_PENDING".to_string(),
            role: "BUYER".to_string(),
            reason: code.to_string(),
            reason_text,
            line_item_ids,
            refund_total,
            create_time: now,
            update_time: now,
        },
    );
    emit(tt, &mut st, &id);
    Ok(return_json(&st, &st.returns[&id]))
}

/// Seller Center (or the buyer, or TikTok) moves a request to `status`. `later_version`
/// accepts a status this API version does not list, as a later version could send.
pub(crate) fn move_to(
    tt: &TikTok,
    return_id: &str,
    status: &str,
    later_version: bool,
) -> Result<Value, (u16, String)> {
    let mut st = lock(&tt.state);
    let Some(r) = st.returns.get(return_id) else {
        return Err((404, format!("return {return_id} not found")));
    };
    if !later_version && !RETURN_STATUSES.contains(&status) {
        return Err((
            400,
            format!("status {status} is not one of {RETURN_STATUSES:?}"),
        ));
    }
    if FINAL.contains(&r.status.as_str()) {
        return Err((
            409,
            format!(
                "return {return_id} is {} and can no longer change",
                r.status
            ),
        ));
    }
    let now = now_secs();
    if let Some(r) = st.returns.get_mut(return_id) {
        r.status = status.to_string();
        r.update_time = now;
    }
    emit(tt, &mut st, return_id);
    Ok(return_json(&st, &st.returns[return_id]))
}

fn reply(result: Result<Value, (u16, String)>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err((code, message)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
            Json(json!({"error": message})),
        )
            .into_response(),
    }
}

#[derive(Deserialize, Default)]
struct OpenReq {
    return_type: Option<String>,
    reason: Option<String>,
}

async fn open_request(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    body: Option<Json<OpenReq>>,
) -> Response {
    let req = body.map(|Json(r)| r).unwrap_or_default();
    reply(open(
        &tt,
        &id,
        req.return_type.as_deref(),
        req.reason.as_deref(),
    ))
}

#[derive(Deserialize)]
struct StatusReq {
    status: String,
    #[serde(default)]
    later_version: bool,
}

async fn set_status(
    AxState(tt): AxState<Arc<TikTok>>,
    Path(id): Path<String>,
    Json(req): Json<StatusReq>,
) -> Response {
    reply(move_to(&tt, &id, &req.status, req.later_version))
}
