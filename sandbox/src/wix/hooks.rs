//! Webhooks of the simulated Wix app: each event is POSTed to the callback URL the app
//! subscribed, the whole body one JWT signed RS256 with the app's key ([`super::keys`]):
//! claims `{"data": "<envelope JSON>", "iat", "exp"}`, envelope `{"eventType", "instanceId",
//! "data": "<event JSON>", "identity": "<JSON>"}`. eCommerce events are in the standard
//! format (`{"id", "entityFqdn", "slug", "entityId", "eventTime", "actionEvent" |
//! "createdEvent" | "updatedEvent"}`); Stores Catalog V1 events in the legacy one (the event's
//! own payload, e.g. `{"productId", "changedFields"}`).

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::Wix;
use super::model::{State, iso_ms};
use crate::common::{lock, now_millis};

/// A webhook to send once the request that caused it is answered.
pub(crate) struct Event {
    pub(crate) event_type: String,
    /// The envelope's `data` (before it is turned into a string).
    data: Value,
}

/// A standard-format eCommerce event of `entity_fqdn`.
fn standard(fqdn: &str, slug: &str, entity_id: &str, body: (&str, Value)) -> Value {
    let mut data = json!({
        "id": "",
        "entityFqdn": fqdn,
        "slug": slug,
        "entityId": entity_id,
        "eventTime": iso_ms(now_millis()),
        "triggeredByAnonymizeRequest": false,
    });
    let (kind, payload) = body;
    let (key, inner) = match kind {
        "createdEvent" => ("entityAsJson", payload),
        "updatedEvent" => ("currentEntityAsJson", payload),
        _ => ("bodyAsJson", payload),
    };
    data[kind] = json!({key: inner.to_string()});
    data
}

impl Event {
    /// `wix.ecom.v1.order_<slug>`: created, approved, updated, canceled.
    pub(crate) fn order(slug: &str, order: &Value) -> Self {
        let id = order["id"].as_str().unwrap_or_default();
        let body = match slug {
            "created" => ("createdEvent", order.clone()),
            "updated" => ("updatedEvent", order.clone()),
            _ => ("actionEvent", json!({"order": order})),
        };
        Self {
            event_type: format!("wix.ecom.v1.order_{slug}"),
            data: standard("wix.ecom.v1.order", slug, id, body),
        }
    }

    /// "Order With Fulfillments Updated".
    pub(crate) fn fulfillments(with: &Value, order_id: &str) -> Self {
        Self {
            event_type: "wix.ecom.v1.fulfillments_updated".into(),
            data: standard(
                "wix.ecom.v1.order_with_fulfillments",
                "updated",
                order_id,
                ("updatedEvent", with.clone()),
            ),
        }
    }

    /// Catalog V1 `ProductChanged` (legacy format).
    pub(crate) fn product_changed(product_id: &str, fields: &[&str]) -> Self {
        Self {
            event_type: "com.wix.ecommerce.catalog.api.v1.ProductChanged".into(),
            data: json!({"productId": product_id, "changedFields": fields}),
        }
    }

    /// Catalog V1 `ProductDeleted` (legacy format).
    pub(crate) fn product_deleted(product_id: &str) -> Self {
        Self {
            event_type: "com.wix.ecommerce.catalog.api.v1.ProductDeleted".into(),
            data: json!({"productId": product_id}),
        }
    }

    /// Inventory V1 `InventoryVariantsChanged` with the product's current stock.
    pub(crate) fn inventory(st: &State, product_id: &str) -> Self {
        let item = st
            .products
            .get(product_id)
            .map(super::model::Product::inventory_json)
            .unwrap_or(Value::Null);
        Self {
            event_type: "com.wix.ecommerce.inventory.api.v1.InventoryVariantsChanged".into(),
            data: json!({
                "inventoryItemId": item["id"],
                "externalId": product_id,
                "productId": product_id,
                "variants": item["variants"].as_array().into_iter().flatten().map(|v| json!({
                    "id": v["variantId"], "newValue": {"inStock": v["inStock"], "quantity": v["quantity"]}
                })).collect::<Vec<_>>(),
            }),
        }
    }
}

/// Signs `claims` RS256 with `private_key_pem` (the app's, or a forger's in tests).
pub fn sign(claims: &Value, private_key_pem: &str) -> Option<String> {
    let key = EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).ok()?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("feedbridge-sandbox-app".into());
    jsonwebtoken::encode(&header, claims, &key).ok()
}

/// The JWT of one event for the app installation `instance_id`.
pub(crate) fn token(
    event_type: &str,
    instance_id: &str,
    data: &Value,
    key_pem: &str,
) -> Option<String> {
    let envelope = json!({
        "eventType": event_type,
        "instanceId": instance_id,
        "data": data.to_string(),
        "identity": json!({"identityType": "APP", "appId": instance_id}).to_string(),
    });
    let now = now_millis() / 1000;
    sign(
        &json!({"data": envelope.to_string(), "iat": now, "exp": now + 3600}),
        key_pem,
    )
}

/// Sends `events` to the subscribed callback (nothing when no app subscribed).
pub(crate) fn dispatch(wix: &Wix, events: Vec<Event>) {
    let Some(url) = lock(&wix.callback_url).clone() else {
        return;
    };
    for mut event in events {
        let id = {
            let mut st = lock(&wix.state);
            st.guid()
        };
        if event.data.get("entityFqdn").is_some() {
            event.data["id"] = json!(id);
        }
        let Some(jwt) = token(
            &event.event_type,
            &wix.creds.instance_id,
            &event.data,
            super::keys::APP_PRIVATE_KEY_PEM,
        ) else {
            tracing::warn!("The Wix simulator could not sign a webhook.");
            continue;
        };
        wix.webhooks.send(
            id,
            url.clone(),
            event.event_type,
            Vec::new(),
            jwt.into_bytes(),
        );
    }
}
