//! Magento as a store platform: connecting it from its integration's secrets. Core Magento
//! sends no webhooks, so feedbridge sees store changes through its periodic polls alone.

use super::{MagentoClient, MagentoSettings};
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, NoWebhooks, OrderHandling, OrderNumber,
    RateLimitModel, StorePlatformConnector, StoreSetup, TrackingSource,
};
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::stores::magento::Secrets;
use std::sync::Arc;

pub struct MagentoPlatform;

impl StorePlatformConnector for MagentoPlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Polling,
            // A credit memo for everything closes the order, which reads as cancelled.
            refund_cancels: true,
            order_number: OrderNumber::StoreAssigns,
            tracking: TrackingSource::Shipments,
            rate_limit: RateLimitModel::Unlimited,
            orders: OrderHandling::CreateInStore,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Magento(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Magento));
        };
        let client = MagentoClient::new(settings(setup.api_base(), secrets), setup.http.clone())
            .with_clock(Arc::clone(setup.clock));
        Ok(ConnectedStore {
            storefront: Arc::new(client),
            webhooks: Arc::new(NoWebhooks),
        })
    }
}

/// Bearer token alone, or OAuth 1.0a signing with all four values.
fn settings(api_base: String, secrets: &Secrets) -> MagentoSettings {
    match secrets {
        Secrets::Bearer { access_token } => MagentoSettings::new(api_base, access_token.clone()),
        Secrets::OAuth {
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        } => MagentoSettings::new(api_base, access_token.clone()).with_oauth(
            consumer_key.clone(),
            consumer_secret.clone(),
            access_token_secret.clone(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::store_platform::{StoreWebhooks, WebhookRefusal};
    use axum::http::HeaderMap;
    use feedbridge_common::secret::Secret;

    #[test]
    fn the_secrets_choose_bearer_or_oauth_signing() {
        let bearer = settings(
            "https://shop.example".into(),
            &Secrets::Bearer {
                access_token: Secret::new("tok"),
            },
        );
        assert_eq!(bearer.access_token.expose(), "tok");
        assert!(bearer.consumer_key.is_none() && bearer.access_token_secret.is_none());
        let oauth = settings(
            "https://shop.example".into(),
            &Secrets::OAuth {
                consumer_key: Secret::new("ck"),
                consumer_secret: Secret::new("cs"),
                access_token: Secret::new("tok"),
                access_token_secret: Secret::new("ts"),
            },
        );
        assert_eq!(oauth.access_token.expose(), "tok");
        assert_eq!(oauth.consumer_key.as_ref().map(Secret::expose), Some("ck"));
        assert_eq!(
            oauth.access_token_secret.as_ref().map(Secret::expose),
            Some("ts")
        );
    }

    #[test]
    fn polling_only_and_a_refund_cancels() {
        let capabilities = MagentoPlatform.capabilities();
        assert_eq!(capabilities.changes, ChangeFeed::Polling);
        assert!(capabilities.refund_cancels);
    }

    #[test]
    fn any_delivery_is_refused_since_magento_sends_none() {
        let mut headers = HeaderMap::new();
        headers.insert("x-magento-topic", "order.updated".parse().unwrap());
        assert_eq!(
            NoWebhooks.read(&headers, br#"{"entity_id":5,"state":"canceled"}"#),
            Err(WebhookRefusal::BadSignature)
        );
    }
}
