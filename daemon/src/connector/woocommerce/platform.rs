//! WooCommerce as a store platform: connecting it and reading its webhooks (woocommerce.md §7).

use super::{
    WooCommerceClient, WooCommerceSettings, http_client_trusting, is_ping, order_notice,
    verify_webhook,
};
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, OrderHandling, OrderNumber, RateLimitModel,
    StorePlatformConnector, StoreSetup, StoreSignal, StoreWebhooks, TrackingSource, WebhookReading,
    WebhookRefusal, header, id_field,
};
use anyhow::Context as _;
use axum::http::HeaderMap;
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::secret::Secret;
use std::sync::Arc;

pub struct WooCommercePlatform;

impl StorePlatformConnector for WooCommercePlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Webhooks,
            refund_cancels: true,
            order_number: OrderNumber::StoreAssigns,
            tracking: TrackingSource::OrderLevel,
            rate_limit: RateLimitModel::Unlimited,
            orders: OrderHandling::CreateInStore,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Woocommerce(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Woocommerce));
        };
        // A site with a private CA or a self-signed certificate gets its own client.
        let http = match &setup.store.ca_file {
            Some(ca_file) => {
                let cannot_use = || {
                    format!(
                        "Cannot use {} as the store certificate (ca_file in \
                         [organization.store] of organization \"{}\"): fix the file or \
                         remove the setting",
                        ca_file.display(),
                        setup.org.name
                    )
                };
                let pem = std::fs::read(ca_file).with_context(cannot_use)?;
                http_client_trusting(&pem).with_context(cannot_use)?
            }
            None => setup.http.clone(),
        };
        let client = WooCommerceClient::new(
            WooCommerceSettings {
                api_base: setup.api_base(),
                consumer_key: secrets.consumer_key.clone(),
                consumer_secret: secrets.consumer_secret.clone(),
                webhook_secret: secrets.webhook_secret.clone(),
            },
            http,
        )
        .with_clock(Arc::clone(setup.clock));
        Ok(ConnectedStore {
            storefront: Arc::new(client),
            webhooks: Arc::new(Webhooks {
                secret: secrets.webhook_secret.clone(),
            }),
        })
    }
}

/// Deliveries signed with the secret feedbridge set on the webhook (`X-WC-Webhook-Signature`).
/// Delivery ids repeat, so a delivery is known by (topic, resource id, `date_modified_gmt`);
/// the payload is the resource as it is when sent, so rapid changes may arrive as one delivery
/// showing the latest state.
struct Webhooks {
    secret: Secret,
}

impl StoreWebhooks for Webhooks {
    fn read(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookReading, WebhookRefusal> {
        // Sent unsigned when the webhook is saved.
        if is_ping(body) {
            return Ok(WebhookReading::Ping);
        }
        let signature = header(headers, "x-wc-webhook-signature").unwrap_or_default();
        if !verify_webhook(self.secret.expose(), body, signature) {
            return Err(WebhookRefusal::BadSignature);
        }
        let payload = serde_json::from_slice::<serde_json::Value>(body)
            .map_err(|e| WebhookRefusal::Malformed(format!("not JSON: {e}")))?;
        let topic = header(headers, "x-wc-webhook-topic")
            .unwrap_or_default()
            .to_owned();
        let Some(id) = id_field(&payload, "id") else {
            return Ok(WebhookReading::Signals {
                delivery: None,
                topic,
                signals: Vec::new(),
            });
        };
        let modified = id_field(&payload, "date_modified_gmt").unwrap_or_default();
        Ok(WebhookReading::Signals {
            delivery: Some(format!("{topic}:{id}:{modified}")),
            signals: signals(&topic, id, &payload),
            topic,
        })
    }
}

fn signals(topic: &str, id: String, payload: &serde_json::Value) -> Vec<StoreSignal> {
    match topic {
        "order.created" | "order.updated" => match order_notice(payload) {
            Some(notice) if notice.cancelled => vec![StoreSignal::OrderCancelled {
                store_order_id: notice.id,
            }],
            // Re-read it: whether it had shipped decides what the refund means on TikTok.
            Some(notice) if notice.refunded => vec![StoreSignal::OrderChanged {
                store_order_id: notice.id,
            }],
            Some(notice) if notice.shipped => vec![StoreSignal::OrderShipped {
                store_order_id: notice.id,
            }],
            _ => Vec::new(),
        },
        // A variation's change arrives with the variation's id and its parent's.
        "product.updated" => {
            let product = id_field(payload, "parent_id")
                .filter(|parent| parent != "0")
                .unwrap_or(id);
            vec![StoreSignal::ProductChanged {
                product_id: product,
            }]
        }
        // New and deleted products (and variations, whose parent a deletion does not name)
        // change the catalog's shape.
        "product.created" | "product.deleted" => vec![StoreSignal::CatalogChanged],
        _ => Vec::new(),
    }
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
        headers.insert("x-wc-webhook-signature", signature.parse().unwrap());
        headers.insert("x-wc-webhook-topic", topic.parse().unwrap());
        headers
    }

    fn reader() -> Webhooks {
        Webhooks {
            secret: Secret::new("wcsec"),
        }
    }

    #[test]
    fn a_variation_change_names_its_parent_and_the_change_is_the_delivery_key() {
        let body = r#"{"id":12,"parent_id":10,"date_modified_gmt":"2026-12-05T10:00:00"}"#;
        let reading = reader()
            .read(&signed("product.updated", body, "wcsec"), body.as_bytes())
            .unwrap();
        assert_eq!(
            reading,
            WebhookReading::Signals {
                delivery: Some("product.updated:12:2026-12-05T10:00:00".into()),
                topic: "product.updated".into(),
                signals: vec![StoreSignal::ProductChanged {
                    product_id: "10".into()
                }],
            }
        );
    }

    #[test]
    fn a_ping_is_answered_unverified_and_a_forgery_is_refused() {
        assert_eq!(
            reader().read(&HeaderMap::new(), b"webhook_id=5"),
            Ok(WebhookReading::Ping)
        );
        let body = r#"{"id":12}"#;
        assert_eq!(
            reader().read(&signed("product.updated", body, "guess"), body.as_bytes()),
            Err(WebhookRefusal::BadSignature)
        );
    }
}
