//! `/v3/hooks` and delivery of the callbacks (webhooks.v3.yml, https-webhook-overview).
//!
//! A callback is `{"created_at","store_id","producer","scope","hash","data"}` with a thin
//! `data` (the receiver re-reads the resource). It is POSTed with the hook's custom `headers`
//! and, as the overview documents, Standard Webhooks headers (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` keyed with the API
//! account's client secret). Non-2xx answers are retried (compressed schedule, see
//! `common::Webhooks`); a duplicate carries the same `hash`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Map, Value, json};
use sha1::Digest;

use super::model::{Hook, State, Tracking};
use super::{ApiError, ApiResult, BigCommerce, Ctx, Reply, Shape, seg_id, state, v3_page};
use crate::common::{hmac_sha256, now_millis, now_secs};

/// Scopes a hook may subscribe to (webhooks.v3.yml); `…/*` matches every scope under it.
const SCOPES: [&str; 57] = [
    "store/cart/*",
    "store/cart/created",
    "store/cart/updated",
    "store/cart/deleted",
    "store/cart/couponApplied",
    "store/cart/abandoned",
    "store/cart/converted",
    "store/cart/lineItem/*",
    "store/cart/lineItem/created",
    "store/cart/lineItem/updated",
    "store/cart/lineItem/deleted",
    "store/category/*",
    "store/category/created",
    "store/category/updated",
    "store/category/deleted",
    "store/channel/*",
    "store/channel/created",
    "store/channel/updated",
    "store/customer/*",
    "store/customer/created",
    "store/customer/updated",
    "store/customer/deleted",
    "store/customer/address/updated",
    "store/customer/address/created",
    "store/customer/address/deleted",
    "store/customer/payment/instrument/default/updated",
    "store/order/*",
    "store/order/created",
    "store/order/updated",
    "store/order/archived",
    "store/order/statusUpdated",
    "store/order/message/created",
    "store/order/refund/created",
    "store/product/*",
    "store/product/deleted",
    "store/product/created",
    "store/product/updated",
    "store/product/inventory/updated",
    "store/product/inventory/order/updated",
    "store/shipment/*",
    "store/shipment/created",
    "store/shipment/updated",
    "store/shipment/deleted",
    "store/sku/*",
    "store/sku/created",
    "store/sku/updated",
    "store/sku/deleted",
    "store/sku/inventory/updated",
    "store/sku/inventory/order/updated",
    "store/app/uninstalled",
    "store/information/updated",
    "store/subscriber/*",
    "store/subscriber/created",
    "store/subscriber/updated",
    "store/subscriber/deleted",
    "store/inventory/location/created",
    "store/inventory/location/updated",
];

/// Something that happened in the store: a scope and the callback's `data`.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub(crate) scope: String,
    pub(crate) data: Value,
}

impl Event {
    pub(crate) fn product(scope: &str, id: u64) -> Self {
        Self {
            scope: scope.to_string(),
            data: json!({"type": "product", "id": id}),
        }
    }

    pub(crate) fn order(scope: &str, id: u64) -> Self {
        Self {
            scope: scope.to_string(),
            data: json!({"type": "order", "id": id}),
        }
    }

    pub(crate) fn status(id: u64, previous: u8, new: u8) -> Self {
        Self {
            scope: "store/order/statusUpdated".to_string(),
            data: json!({"type": "order", "id": id,
                         "status": {"previous_status_id": previous, "new_status_id": new}}),
        }
    }

    pub(crate) fn shipment(scope: &str, id: u64, order_id: u64) -> Self {
        Self {
            scope: scope.to_string(),
            data: json!({"type": "shipment", "id": id, "orderId": order_id}),
        }
    }

    pub(crate) fn refund(order_id: u64, refund_id: u64) -> Self {
        Self {
            scope: "store/order/refund/created".to_string(),
            data: json!({"type": "order", "id": order_id, "refund": {"refund_id": refund_id}}),
        }
    }
}

/// The inventory callback for a change to a variant's stock: by product for a product
/// without options (or tracked by product), by SKU for a variant; `…/order/updated` when an
/// order moved it. `method`: `absolute` (API or control panel) or `relative` (an order).
pub(crate) fn stock_event(
    st: &State,
    variant_id: u64,
    method: &str,
    value: i64,
    by_order: bool,
) -> Option<Event> {
    let v = st.variants.get(&variant_id)?;
    let p = st.products.get(&v.product_id)?;
    let suffix = if by_order { "order/updated" } else { "updated" };
    match (p.tracking, v.sku_id) {
        (Tracking::None, _) => None,
        (Tracking::Variant, Some(sku_id)) => Some(Event {
            scope: format!("store/sku/inventory/{suffix}"),
            data: json!({"type": "sku", "id": sku_id, "inventory": {
                "product_id": p.id, "method": method, "value": value, "variant_id": v.id}}),
        }),
        _ => Some(Event {
            scope: format!("store/product/inventory/{suffix}"),
            data: json!({"type": "product", "id": p.id, "inventory": {
                "product_id": p.id, "method": method, "value": value}}),
        }),
    }
}

fn scope_matches(hook_scope: &str, scope: &str) -> bool {
    match hook_scope.strip_suffix('*') {
        Some(prefix) => scope.starts_with(prefix),
        None => hook_scope == scope,
    }
}

/// Sends the callbacks for `events` to every active hook subscribed to their scope.
pub(crate) fn dispatch(bc: &Arc<BigCommerce>, events: Vec<Event>) {
    if events.is_empty() {
        return;
    }
    let mut sends = Vec::new();
    {
        let st = state(bc);
        for event in events {
            let hash = hex::encode(sha1::Sha1::digest(event.data.to_string().as_bytes()));
            let body = json!({
                "created_at": now_secs(),
                "store_id": bc.store_id.to_string(),
                "producer": format!("stores/{}", bc.store_hash),
                "scope": event.scope,
                "hash": hash,
                "data": event.data,
            })
            .to_string();
            for hook in st
                .hooks
                .values()
                .filter(|h| h.is_active && scope_matches(&h.scope, &event.scope))
            {
                sends.push((hook.clone(), event.scope.clone(), body.clone()));
            }
        }
    }
    for (hook, scope, body) in sends {
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let timestamp = now_secs().to_string();
        let signed = format!("{id}.{timestamp}.{body}");
        let signature = base64::engine::general_purpose::STANDARD
            .encode(hmac_sha256(bc.client_secret.as_bytes(), signed.as_bytes()));
        let mut headers: Vec<(String, String)> = hook.headers.into_iter().collect();
        headers.push(("webhook-id".into(), id.clone()));
        headers.push(("webhook-timestamp".into(), timestamp));
        headers.push(("webhook-signature".into(), format!("v1,{signature}")));
        bc.webhooks
            .send(id, hook.destination, scope, headers, body.into_bytes());
    }
}

fn hook_json(bc: &BigCommerce, h: &Hook) -> Value {
    json!({
        "id": h.id,
        "client_id": h.client_id,
        "store_hash": bc.store_hash,
        "scope": h.scope,
        "destination": h.destination,
        "headers": h.headers,
        "is_active": h.is_active,
        "created_at": h.created / 1000,
        "updated_at": h.updated / 1000,
    })
}

fn invalid(errors: Map<String, Value>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "JSON data is missing or invalid",
    )
    .with_errors(errors)
    .shaped(Shape::Hooks)
}

fn not_found(id: u64) -> ApiError {
    ApiError::not_found(format!("Webhook with id [{id}] not found")).shaped(Shape::Hooks)
}

/// Loopback addresses may use plain http and any port (a sandbox deviation); everything else
/// must be https on port 443, as BigCommerce requires.
fn destination_ok(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if loopback {
        return matches!(parsed.scheme(), "http" | "https");
    }
    parsed.scheme() == "https" && parsed.port().is_none_or(|p| p == 443)
}

/// Checks the writable fields of a hook body; `create` requires scope and destination.
fn check(body: &Value, create: bool) -> Result<(), ApiError> {
    let mut errors = Map::new();
    let Some(obj) = body.as_object() else {
        errors.insert("body".into(), json!("error.expected.jsobject"));
        return Err(invalid(errors));
    };
    match obj.get("scope") {
        None if create => {
            errors.insert("scope".into(), json!("error.path.missing"));
        }
        None => {}
        Some(Value::String(s)) if SCOPES.contains(&s.as_str()) => {}
        Some(_) => {
            errors.insert("scope".into(), json!("error.scope.invalid"));
        }
    }
    match obj.get("destination") {
        None if create => {
            errors.insert("destination".into(), json!("error.path.missing"));
        }
        None => {}
        Some(Value::String(s)) if destination_ok(s) => {}
        Some(_) => {
            errors.insert(
                "destination".into(),
                json!("The destination must be an https URL on port 443."),
            );
        }
    }
    match obj.get("is_active") {
        None | Some(Value::Bool(_)) => {}
        Some(_) => {
            errors.insert("is_active".into(), json!("error.expected.jsboolean"));
        }
    }
    match obj.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) if m.values().all(Value::is_string) => {}
        Some(_) => {
            errors.insert("headers".into(), json!("error.expected.jsstring"));
        }
    }
    if !create && obj.is_empty() {
        errors.insert("body".into(), json!("At least one field is required."));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(errors))
    }
}

fn headers_of(body: &Value) -> Option<BTreeMap<String, String>> {
    match body.get("headers")? {
        Value::Object(m) => Some(
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
        ),
        _ => Some(BTreeMap::new()),
    }
}

pub(crate) fn route(
    bc: &Arc<BigCommerce>,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
) -> Option<ApiResult> {
    Some(match (method, rest) {
        ("GET", []) => list(bc, ctx),
        ("POST", []) => check(&ctx.body, true).map(|()| {
            let now = now_millis();
            let mut st = state(bc);
            let id = st.hook_id();
            let text = |k: &str| {
                ctx.body
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let hook = Hook {
                id,
                client_id: ctx.client_id.clone(),
                scope: text("scope"),
                destination: text("destination"),
                is_active: ctx
                    .body
                    .get("is_active")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                headers: headers_of(&ctx.body).unwrap_or_default(),
                created: now,
                updated: now,
            };
            let json = hook_json(bc, &hook);
            st.hooks.insert(id, hook);
            Reply::ok(json!({"data": json, "meta": {}}))
        }),
        (m, [id]) => {
            let id = seg_id(id)?;
            let mut st = state(bc);
            let owned = st
                .hooks
                .get(&id)
                .filter(|h| h.client_id == ctx.client_id)
                .cloned();
            match (m, owned) {
                (_, None) => Err(not_found(id)),
                ("GET", Some(h)) => Ok(Reply::ok(json!({"data": hook_json(bc, &h), "meta": {}}))),
                ("PUT", Some(mut h)) => check(&ctx.body, false).map(|()| {
                    let body = &ctx.body;
                    if let Some(s) = body.get("scope").and_then(Value::as_str) {
                        h.scope = s.to_string();
                    }
                    if let Some(d) = body.get("destination").and_then(Value::as_str) {
                        h.destination = d.to_string();
                    }
                    if let Some(a) = body.get("is_active").and_then(Value::as_bool) {
                        h.is_active = a;
                    }
                    if let Some(headers) = headers_of(body) {
                        h.headers = headers;
                    }
                    h.updated = now_millis();
                    let json = hook_json(bc, &h);
                    st.hooks.insert(id, h);
                    Reply::ok(json!({"data": json, "meta": {}}))
                }),
                ("DELETE", Some(h)) => {
                    st.hooks.remove(&id);
                    Ok(Reply::ok(json!({"data": hook_json(bc, &h), "meta": {}})))
                }
                _ => Err(super::catalog::method_not_allowed().shaped(Shape::Hooks)),
            }
        }
        _ => return None,
    })
}

fn list(bc: &BigCommerce, ctx: &Ctx) -> ApiResult {
    let (page, limit) = ctx.paging(50)?;
    let active = match ctx.param("is_active") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ctx.invalid_param("is_active")),
    };
    let st = state(bc);
    let all = st
        .hooks
        .values()
        .filter(|h| h.client_id == ctx.client_id)
        .filter(|h| active.is_none_or(|a| h.is_active == a))
        .filter(|h| ctx.param("scope").is_none_or(|s| h.scope == s))
        .filter(|h| ctx.param("destination").is_none_or(|d| h.destination == d))
        .map(|h| hook_json(bc, h))
        .collect();
    Ok(v3_page(ctx, all, page, limit))
}
