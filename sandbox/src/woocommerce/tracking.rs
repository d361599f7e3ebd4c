//! Shipment Tracking extension, `wc-shipment-tracking/v3` (note §6.1). Items live in the order
//! meta `_wc_shipment_tracking_items`; adding or removing one saves the order (`order.updated`).

use serde_json::{Value, json};

use super::model::State;
use super::orders::order_404;
use super::products::apply_meta;
use super::webhooks::{Event, Resource};
use super::{ApiError, ApiResult, Ctx, Reply, WooCommerce, seg_id, state};
use crate::common::{hmac_sha256, now_millis, now_secs, parse_iso8601};

pub(crate) const META_KEY: &str = "_wc_shipment_tracking_items";

/// The extension's provider list: (country, name, tracking URL template).
const PROVIDERS: [(&str, &str, &str); 5] = [
    (
        "United States",
        "USPS",
        "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=%1$s",
    ),
    (
        "United States",
        "UPS",
        "https://www.ups.com/track?loc=en_US&tracknum=%1$s",
    ),
    (
        "United States",
        "Fedex",
        "https://www.fedex.com/apps/fedextrack/?action=track&action=track&tracknumbers=%1$s",
    ),
    (
        "United States",
        "DHL US",
        "https://www.logistics.dhl/us-en/home/tracking/tracking-ecommerce.html?tracking-id=%1$s",
    ),
    (
        "United Kingdom",
        "Royal Mail",
        "https://www.royalmail.com/track-your-item#/tracking-results/%1$s",
    ),
];

pub(crate) fn route(
    woo: &WooCommerce,
    ctx: &Ctx,
    method: &str,
    rest: &[&str],
    fx: &mut Vec<Event>,
) -> Option<ApiResult> {
    Some(match (method, rest) {
        ("GET", ["shipment-trackings", "providers"]) => Ok(Reply::ok(providers())),
        (m, ["orders", id, "shipment-trackings"]) => {
            let id = seg_id(id)?;
            match m {
                "GET" => ctx
                    .require(
                        "woocommerce_rest_cannot_view",
                        "Sorry, you cannot list resources.",
                    )
                    .and_then(|()| {
                        let st = state(woo);
                        let items = items_of(&st, id)?;
                        Ok(Reply::ok(Value::Array(
                            items.iter().map(response_item).collect(),
                        )))
                    }),
                "POST" => ctx
                    .require(
                        "woocommerce_rest_cannot_create",
                        "Sorry, you are not allowed to create resources.",
                    )
                    .and_then(|()| {
                        let mut st = state(woo);
                        let item = add(&mut st, id, &ctx.body, fx)?;
                        let location = format!(
                            "{}/wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings/{}",
                            woo.home,
                            item["tracking_id"].as_str().unwrap_or_default()
                        );
                        Ok(Reply::created(item, location))
                    }),
                _ => return None,
            }
        }
        (m, ["orders", id, "shipment-trackings", tracking_id]) => {
            let id = seg_id(id)?;
            match m {
                "GET" => ctx
                    .require(
                        "woocommerce_rest_cannot_view",
                        "Sorry, you cannot view this resource.",
                    )
                    .and_then(|()| {
                        let st = state(woo);
                        let items = items_of(&st, id)?;
                        let item = items
                            .iter()
                            .find(|i| i["tracking_id"] == *tracking_id)
                            .ok_or_else(tracking_404)?;
                        Ok(Reply::ok(response_item(item)))
                    }),
                "DELETE" => ctx
                    .require(
                        "woocommerce_rest_cannot_delete",
                        "Sorry, you are not allowed to delete this resource.",
                    )
                    .and_then(|()| {
                        let mut st = state(woo);
                        remove(&mut st, id, tracking_id, fx).map(Reply::ok)
                    }),
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn tracking_404() -> ApiError {
    ApiError::not_found(
        "woocommerce_rest_shipment_tracking_invalid_id",
        "Invalid tracking ID.",
    )
}

fn providers() -> Value {
    let mut out = serde_json::Map::new();
    for (country, name, url) in PROVIDERS {
        let entry = out.entry(country.to_string()).or_insert_with(|| json!({}));
        entry[name] = json!(url);
    }
    Value::Object(out)
}

/// The stored items of an order (meta value, an array).
fn items_of(st: &State, order_id: u64) -> Result<Vec<Value>, ApiError> {
    let o = st.orders.get(&order_id).ok_or_else(order_404)?;
    Ok(o.meta
        .iter()
        .find(|m| m.key == META_KEY)
        .and_then(|m| m.value.as_array().cloned())
        .unwrap_or_default())
}

/// A stored item as the REST route shows it: provider name, link, `YYYY-MM-DD`.
fn response_item(stored: &Value) -> Value {
    let text = |k: &str| stored[k].as_str().unwrap_or_default().to_string();
    let number = text("tracking_number");
    let (provider, link) = if text("custom_tracking_provider").is_empty() {
        let slug = text("tracking_provider");
        let known = PROVIDERS
            .iter()
            .find(|(_, name, _)| crate::catalog_seed::slug(name) == slug);
        match known {
            Some((_, name, url)) => ((*name).to_string(), url.replace("%1$s", &number)),
            None => (slug, String::new()),
        }
    } else {
        (
            text("custom_tracking_provider"),
            text("custom_tracking_link"),
        )
    };
    let date = stored["date_shipped"]
        .as_i64()
        .map(|t| crate::common::iso8601(t * 1000)[..10].to_string())
        .unwrap_or_default();
    json!({
        "tracking_id": text("tracking_id"),
        "tracking_provider": provider,
        "tracking_link": link,
        "tracking_number": number,
        "date_shipped": date,
    })
}

/// Adds a tracking item (POST body of the extension); returns it in response shape.
pub(crate) fn add(
    st: &mut State,
    order_id: u64,
    body: &Value,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    let mut items = items_of(st, order_id)?;
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let number = text("tracking_number");
    if number.is_empty() {
        return Err(ApiError::bad_request(
            "rest_missing_callback_param",
            "Missing parameter(s): tracking_number",
        )
        .with("params", json!(["tracking_number"])));
    }
    let custom = text("custom_tracking_provider");
    let provider = if custom.is_empty() {
        crate::catalog_seed::slug(&text("tracking_provider"))
    } else {
        String::new()
    };
    let shipped = parse_iso8601(&text("date_shipped")).map_or_else(now_secs, |ms| ms / 1000);
    let tracking_id = hex::encode(
        &hmac_sha256(
            b"tracking",
            format!("{order_id}{number}{}", now_millis()).as_bytes(),
        )[..16],
    );
    let stored = json!({
        "tracking_provider": provider,
        "custom_tracking_provider": custom,
        "custom_tracking_link": text("custom_tracking_link"),
        "tracking_number": number,
        "date_shipped": shipped,
        "tracking_id": tracking_id,
    });
    items.push(stored.clone());
    save(st, order_id, items, fx);
    Ok(response_item(&stored))
}

fn remove(
    st: &mut State,
    order_id: u64,
    tracking_id: &str,
    fx: &mut Vec<Event>,
) -> Result<Value, ApiError> {
    let mut items = items_of(st, order_id)?;
    let pos = items
        .iter()
        .position(|i| i["tracking_id"] == *tracking_id)
        .ok_or_else(tracking_404)?;
    let removed = items.remove(pos);
    save(st, order_id, items, fx);
    Ok(json!({"message": "Deleted tracking.", "tracking": response_item(&removed)}))
}

fn save(st: &mut State, order_id: u64, items: Vec<Value>, fx: &mut Vec<Event>) {
    let Some(mut meta) = st.orders.get(&order_id).map(|o| o.meta.clone()) else {
        return;
    };
    apply_meta(
        &mut meta,
        vec![(None, META_KEY.to_string(), Value::Array(items))],
        || st.row_id(),
    );
    if let Some(o) = st.orders.get_mut(&order_id) {
        o.meta = meta;
        o.modified = now_millis();
    }
    fx.push(Event::new(Resource::Order, "updated", order_id));
}
