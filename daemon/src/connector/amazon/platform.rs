//! Amazon Seller Central as a store platform: connected from the organization's one LWA grant
//! (`[amazon.<org>]`, shared with Multi-Channel Fulfillment) and its `[organization.store]`
//! marketplace and seller id. SP-API notifications need an AWS destination, so feedbridge
//! polls; Amazon takes no store orders (orders of FBA SKUs go to MCF).

use super::store::AmazonStore;
use super::{AmazonClient, AmazonSettings};
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, NoWebhooks, OrderHandling, OrderNumber,
    RateLimitModel, StorePlatformConnector, StoreSetup, TrackingSource,
};
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::stores::amazon;
use std::sync::Arc;

pub struct AmazonStorePlatform;

impl StorePlatformConnector for AmazonStorePlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Polling,
            // Amazon holds no store order of ours to refund.
            refund_cancels: false,
            order_number: OrderNumber::FeedbridgeChooses,
            // Tracking comes from MCF's shipments.
            tracking: TrackingSource::Shipments,
            rate_limit: RateLimitModel::PerOperation,
            // FBA orders go to MCF; FBM ones are blocked for Seller Center.
            orders: OrderHandling::AmazonMcf,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Amazon(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Amazon));
        };
        let account = amazon::mcf_account(setup.store).ok_or_else(|| {
            anyhow::anyhow!(
                "Organization \"{}\": the Amazon store needs marketplace_id = \"ATVPDKIKX0DER\" (US) or \"A1F83G8C2ARO7P\" (UK) in [organization.store]",
                setup.org.name
            )
        })?;
        let seller_id = setup
            .store
            .seller_id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "Organization \"{}\": the Amazon store needs seller_id = \"<merchant token>\" in [organization.store] (Seller Central → Settings → Account Info → Merchant Token)",
                    setup.org.name
                )
            })?;
        let settings = AmazonSettings {
            api_base: account.api_base(),
            token_url: account.token_url(),
            marketplace_id: account.marketplace.id().to_string(),
            client_id: secrets.client_id.clone(),
            client_secret: secrets.client_secret.clone(),
            refresh_token: secrets.refresh_token.clone(),
            org: setup.org.name.clone(),
        };
        let client = AmazonClient::new(settings, setup.http.clone());
        Ok(ConnectedStore {
            storefront: Arc::new(AmazonStore::new(
                client,
                seller_id,
                account.marketplace.currency().to_string(),
                Arc::clone(setup.clock),
            )),
            webhooks: Arc::new(NoWebhooks),
        })
    }
}
