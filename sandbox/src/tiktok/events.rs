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
