//! Webhook subscriptions (`/event/202309/webhooks`) and event delivery (§7).

use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{self as e, ApiError};
use super::model::{EVENT_TYPES, State, Subscription};
use super::{Ctx, TikTok};
use crate::common::{hmac_sha256, lock, now_secs};

pub(crate) fn list(st: &State) -> Result<Value, ApiError> {
    let hooks: Vec<Value> = st
        .webhooks
        .iter()
        .map(|(event_type, s)| {
            json!({"event_type": event_type, "address": s.address, "create_time": s.create_time, "update_time": s.update_time})
        })
        .collect();
    Ok(json!({ "webhooks": hooks }))
}

#[derive(Deserialize, Default)]
struct PutReq {
    address: Option<String>,
    event_type: Option<String>,
}

fn event_type(raw: Option<&str>) -> Result<String, ApiError> {
    let t = raw.unwrap_or("");
    if EVENT_TYPES.iter().any(|(name, _)| *name == t) {
        Ok(t.to_string())
    } else {
        let names: Vec<&str> = EVENT_TYPES.iter().map(|(n, _)| *n).collect();
        Err(ApiError::biz(
            e::E_EVENT_TYPE,
            format!("Invalid parameter: 'event_type' '{t}'; expected one of {names:?}."),
        ))
    }
}

pub(crate) fn put(tt: &TikTok, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let req: PutReq = ctx.json(e::E_ADDRESS)?;
    let event_type = event_type(req.event_type.as_deref())?;
    let address = req.address.unwrap_or_default();
    let valid = address.len() <= 255
        && reqwest::Url::parse(&address)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !valid {
        return Err(ApiError::biz(
            e::E_ADDRESS,
            format!(
                "Invalid parameter: 'address' must be an http(s) URL of at most 255 characters, got '{address}'."
            ),
        ));
    }
    let now = now_secs();
    let mut st = lock(&tt.state);
    let create_time = st.webhooks.get(&event_type).map_or(now, |s| s.create_time);
    st.webhooks.insert(
        event_type,
        Subscription {
            address,
            create_time,
            update_time: now,
        },
    );
    Ok(json!({}))
}

#[derive(Deserialize, Default)]
struct DeleteReq {
    event_type: Option<String>,
}

pub(crate) fn delete(tt: &TikTok, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let req: DeleteReq = ctx.json(e::E_EVENT_TYPE)?;
    let event_type = event_type(req.event_type.as_deref())?;
    let mut st = lock(&tt.state);
    if st.webhooks.remove(&event_type).is_none() {
        return Err(ApiError::biz(
            e::E_NOT_FOUND,
            format!("No webhook is subscribed for event_type '{event_type}'."),
        ));
    }
    Ok(json!({}))
}

/// Sends the §7 envelope for `event_type` to its subscribed address, if any.
/// `Authorization: hex(HMAC_SHA256(app_secret, app_key + raw_body))`.
pub(crate) fn emit(tt: &TikTok, st: &mut State, event_type: &str, data: Value) {
    let Some(sub) = st.webhooks.get(event_type) else {
        return;
    };
    let address = sub.address.clone();
    emit_to(tt, st, event_type, data, address);
}

/// Sends the §7 envelope for `event_type` to `address`.
pub(crate) fn emit_to(tt: &TikTok, st: &mut State, event_type: &str, data: Value, address: String) {
    let type_num = EVENT_TYPES
        .iter()
        .find(|(n, _)| *n == event_type)
        .map_or(0, |(_, t)| *t);
    let notification_id = st.ids.next_id();
    let body = json!({
        "type": type_num,
        "tts_notification_id": notification_id,
        "shop_id": st.shop.id,
        "timestamp": now_secs(),
        "data": data,
    });
    let raw = serde_json::to_vec(&body).unwrap_or_default();
    let mut msg = st.app_key.as_bytes().to_vec();
    msg.extend_from_slice(&raw);
    let signature = hex::encode(hmac_sha256(st.app_secret.as_bytes(), &msg));
    tt.hooks.send(
        notification_id,
        address,
        event_type.to_string(),
        vec![("Authorization".to_string(), signature)],
        raw,
    );
}

/// PACKAGE_UPDATE (type 4) for packages whose tracking or status changed. TikTok's payload
/// names each package with the orders in it; `sc_type`/`role_type` describe combine and split
/// operations, which this simulator does not perform, so they are left out.
pub(crate) fn emit_package_update(tt: &TikTok, st: &mut State, package_ids: &[String]) {
    let package_list: Vec<Value> = package_ids
        .iter()
        .filter_map(|id| st.packages.get(id))
        .map(|p| json!({"package_id": p.id, "order_id_list": [p.order_id]}))
        .collect();
    if package_list.is_empty() {
        return;
    }
    let data = json!({"package_list": package_list, "update_time": now_secs()});
    emit(tt, st, "PACKAGE_UPDATE", data);
}

/// SELLER_DEAUTHORIZATION (type 6): the seller removed the app. Every token of the grant is
/// dead before the notice leaves, as TikTok's are.
pub(crate) fn deauthorize(tt: &TikTok) -> usize {
    let mut st = lock(&tt.state);
    let revoked = st.refresh_tokens.len();
    st.access_tokens.clear();
    st.refresh_tokens.clear();
    let message = format!(
        "Shop_id {} is deauthorized from your APP by merchant.",
        st.shop.id
    );
    emit(
        tt,
        &mut st,
        "SELLER_DEAUTHORIZATION",
        json!({"message": message}),
    );
    revoked
}

/// UPCOMING_AUTHORIZATION_EXPIRATION (type 7): the authorization ends in `days` days. TikTok
/// sends it daily from 30 days before the end; here the control API sends one when asked, and
/// the grant's refresh tokens now end then.
pub(crate) fn authorization_expiring(tt: &TikTok, days: i64) -> i64 {
    let mut st = lock(&tt.state);
    let expiration_time = now_secs() + days * 86_400;
    for t in st.refresh_tokens.values_mut() {
        t.expires_at = t.expires_at.min(expiration_time);
    }
    let message = format!(
        "Authorization of shop_id {} is expirating in {days} days. Please direct the merchant to re-authorize.",
        st.shop.id
    );
    emit(
        tt,
        &mut st,
        "UPCOMING_AUTHORIZATION_EXPIRATION",
        json!({"message": message, "expiration_time": expiration_time}),
    );
    expiration_time
}
