//! PrestaShop as a store platform: connecting it from its webservice key. Core PrestaShop
//! sends no webhooks, so feedbridge sees store changes through its periodic polls alone.

use super::{PrestaShopClient, PrestaShopSettings};
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, NoWebhooks, OrderHandling, OrderNumber,
    RateLimitModel, StorePlatformConnector, StoreSetup, TrackingSource,
};
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use std::sync::Arc;

pub struct PrestaShopPlatform;

impl StorePlatformConnector for PrestaShopPlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Polling,
            // The "Refunded" state means the money went back: the order is off.
            refund_cancels: true,
            order_number: OrderNumber::StoreAssigns,
            tracking: TrackingSource::OrderLevel,
            rate_limit: RateLimitModel::Unlimited,
            orders: OrderHandling::CreateInStore,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Prestashop(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Prestashop));
        };
        let client = PrestaShopClient::new(
            PrestaShopSettings::new(setup.api_base(), secrets.api_key.clone()),
            setup.http.clone(),
        )
        .with_clock(Arc::clone(setup.clock));
        Ok(ConnectedStore {
            storefront: Arc::new(client),
            webhooks: Arc::new(NoWebhooks),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_only_order_level_tracking_and_a_refund_cancels() {
        let c = PrestaShopPlatform.capabilities();
        assert_eq!(c.changes, ChangeFeed::Polling);
        assert_eq!(c.tracking, TrackingSource::OrderLevel);
        assert!(c.refund_cancels);
    }
}
