//! Shopify as a store platform: connecting it and reading its webhooks (shopify.md §6, §10.3).

use super::{ShopifyClient, ShopifySettings, inventory_item_gid, verify_webhook};
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, OrderHandling, OrderNumber, RateLimitModel,
    StorePlatformConnector, StoreSetup, StoreSignal, StoreWebhooks, TrackingSource, WebhookReading,
    WebhookRefusal, header, id_field, missing,
};
use axum::http::HeaderMap;
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::secret::Secret;
use feedbridge_common::timestamps;
use std::sync::Arc;

pub struct ShopifyPlatform;

impl StorePlatformConnector for ShopifyPlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Webhooks,
            refund_cancels: true,
            order_number: OrderNumber::StoreAssigns,
            tracking: TrackingSource::Shipments,
            rate_limit: RateLimitModel::CostBucket,
            orders: OrderHandling::CreateInStore,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Shopify(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Shopify));
        };
        let client = ShopifyClient::new(
            ShopifySettings {
                api_base: setup.api_base(),
                api_version: setup.store.api_version.clone(),
                access_token: secrets.access_token.clone(),
            },
            setup.http.clone(),
        );
        Ok(ConnectedStore {
            storefront: Arc::new(client),
            webhooks: Arc::new(Webhooks {
                secret: secrets.webhook_secret.clone(),
            }),
        })
    }

    fn refusal(&self) -> &'static str {
        "bad hmac"
    }
}

/// Deliveries signed with the app's client secret (`X-Shopify-Hmac-Sha256`).
struct Webhooks {
    secret: Secret,
}

impl StoreWebhooks for Webhooks {
    fn read(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookReading, WebhookRefusal> {
        let signature = header(headers, "x-shopify-hmac-sha256").unwrap_or_default();
        if !verify_webhook(self.secret.expose(), body, signature) {
            return Err(WebhookRefusal::BadSignature);
        }
        let payload = serde_json::from_slice::<serde_json::Value>(body)
            .map_err(|e| WebhookRefusal::Malformed(format!("not JSON: {e}")))?;
        let topic = header(headers, "x-shopify-topic")
            .unwrap_or_default()
            .to_owned();
        Ok(WebhookReading::Signals {
            delivery: header(headers, "x-shopify-webhook-id").map(str::to_owned),
            signals: signals(&topic, &payload, header(headers, "x-shopify-triggered-at"))?,
            topic,
        })
    }
}

/// `triggered_at`: the delivery's `X-Shopify-Triggered-At`, stamped below the second, which
/// orders two changes of one level within a second (the payload's `updated_at` cannot).
fn signals(
    topic: &str,
    payload: &serde_json::Value,
    triggered_at: Option<&str>,
) -> Result<Vec<StoreSignal>, WebhookRefusal> {
    let order_gid = |id: String| {
        if id.starts_with("gid://") {
            id
        } else {
            format!("gid://shopify/Order/{id}")
        }
    };
    Ok(match topic {
        // §6.3: `{inventory_item_id, location_id, available}`.
        "inventory_levels/update" => {
            let item = id_field(payload, "inventory_item_id")
                .ok_or_else(|| missing(topic, "inventory_item_id"))?;
            let location =
                id_field(payload, "location_id").ok_or_else(|| missing(topic, "location_id"))?;
            let available = payload
                .get("available")
                .and_then(serde_json::Value::as_i64)
                .ok_or_else(|| missing(topic, "available"))?;
            vec![StoreSignal::StockLevel {
                inventory_item_id: inventory_item_gid(&item),
                location_id: location,
                available,
                updated_at: triggered_at
                    .filter(|at| timestamps::parse_rfc3339(at).is_some())
                    .map(str::to_owned)
                    .or_else(|| id_field(payload, "updated_at"))
                    .unwrap_or_default(),
            }]
        }
        "products/update" => {
            let product = id_field(payload, "admin_graphql_api_id")
                .or_else(|| id_field(payload, "id"))
                .ok_or_else(|| missing(topic, "id"))?;
            vec![StoreSignal::ProductChanged {
                product_id: product,
            }]
        }
        "products/create" | "products/delete" => vec![StoreSignal::CatalogChanged],
        "orders/cancelled" => {
            let order = id_field(payload, "admin_graphql_api_id")
                .or_else(|| id_field(payload, "id"))
                .ok_or_else(|| missing(topic, "id"))?;
            vec![StoreSignal::OrderCancelled {
                store_order_id: order_gid(order),
            }]
        }
        // A refund is a hint: re-read the order to see whether all of it was refunded.
        "refunds/create" => {
            let order = id_field(payload, "order_id").ok_or_else(|| missing(topic, "order_id"))?;
            vec![StoreSignal::OrderChanged {
                store_order_id: order_gid(order),
            }]
        }
        "fulfillments/create" | "fulfillments/update" => {
            let order = id_field(payload, "order_id").ok_or_else(|| missing(topic, "order_id"))?;
            vec![StoreSignal::OrderShipped {
                store_order_id: order_gid(order),
            }]
        }
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use hmac::{Hmac, Mac};

    fn signed(topic: &str, body: &str, secret: &str) -> HeaderMap {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let mut headers = HeaderMap::new();
        headers.insert("x-shopify-hmac-sha256", signature.parse().unwrap());
        headers.insert("x-shopify-topic", topic.parse().unwrap());
        headers.insert("x-shopify-webhook-id", "d-1".parse().unwrap());
        headers
    }

    fn reader() -> Webhooks {
        Webhooks {
            secret: Secret::new("whsec"),
        }
    }

    #[test]
    fn a_signed_stock_level_is_read_with_its_item_as_a_gid() {
        let body = r#"{"inventory_item_id":7,"location_id":9,"available":3,"updated_at":"2026-12-05T10:00:00Z"}"#;
        let reading = reader()
            .read(
                &signed("inventory_levels/update", body, "whsec"),
                body.as_bytes(),
            )
            .unwrap();
        assert_eq!(
            reading,
            WebhookReading::Signals {
                delivery: Some("d-1".into()),
                topic: "inventory_levels/update".into(),
                signals: vec![StoreSignal::StockLevel {
                    inventory_item_id: "gid://shopify/InventoryItem/7".into(),
                    location_id: "9".into(),
                    available: 3,
                    updated_at: "2026-12-05T10:00:00Z".into(),
                }],
            }
        );
    }

    #[test]
    fn a_stock_level_is_stamped_when_its_delivery_was_triggered() {
        let body = r#"{"inventory_item_id":7,"location_id":9,"available":3,"updated_at":"2026-12-05T05:00:00-05:00"}"#;
        let mut headers = signed("inventory_levels/update", body, "whsec");
        headers.insert(
            "x-shopify-triggered-at",
            "2026-12-05T10:00:00.877041743Z".parse().unwrap(),
        );
        let Ok(WebhookReading::Signals { signals, .. }) = reader().read(&headers, body.as_bytes())
        else {
            panic!("a signed level is read");
        };
        assert!(
            matches!(&signals[..], [StoreSignal::StockLevel { updated_at, .. }] if updated_at == "2026-12-05T10:00:00.877041743Z"),
            "{signals:?}"
        );
        // An unreadable header leaves the payload's stamp.
        headers.insert("x-shopify-triggered-at", "soon".parse().unwrap());
        let Ok(WebhookReading::Signals { signals, .. }) = reader().read(&headers, body.as_bytes())
        else {
            panic!("a signed level is read");
        };
        assert!(
            matches!(&signals[..], [StoreSignal::StockLevel { updated_at, .. }] if updated_at == "2026-12-05T05:00:00-05:00"),
            "{signals:?}"
        );
    }

    #[test]
    fn a_forged_or_incomplete_delivery_is_refused() {
        let body = r#"{"id":1001}"#;
        assert_eq!(
            reader().read(&signed("orders/cancelled", body, "other"), body.as_bytes()),
            Err(WebhookRefusal::BadSignature)
        );
        let body = r#"{"id":1}"#;
        assert!(matches!(
            reader().read(&signed("fulfillments/create", body, "whsec"), body.as_bytes()),
            Err(WebhookRefusal::Malformed(why)) if why.contains("order_id")
        ));
    }

    #[test]
    fn order_topics_name_the_order_by_its_gid() {
        let body = r#"{"id":1001}"#;
        let reading = reader()
            .read(&signed("orders/cancelled", body, "whsec"), body.as_bytes())
            .unwrap();
        let WebhookReading::Signals { signals, .. } = reading else {
            panic!("{reading:?}");
        };
        assert_eq!(
            signals,
            vec![StoreSignal::OrderCancelled {
                store_order_id: "gid://shopify/Order/1001".into()
            }]
        );
    }
}
