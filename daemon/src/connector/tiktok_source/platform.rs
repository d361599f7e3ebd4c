//! A TikTok shop as a store platform: connecting the source shop with its own section of the
//! secrets file (`[tiktok_shop.<organization>]`: the app it authorized and its tokens).
//! Changes are polled (`sync.catalog_poll_secs`); TikTok's per-shop request limit is kept by
//! the client's token bucket.

use super::TikTokSourceStore;
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, NoWebhooks, OrderHandling, OrderNumber,
    RateLimitModel, StorePlatformConnector, StoreSetup, TrackingSource,
};
use crate::connector::tiktok::auth::{TokenKeeper, TokenPair};
use crate::connector::tiktok::{TikTokClient, TikTokSettings};
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::stores::tiktok::{DEFAULT_API_BASE, DEFAULT_AUTH_BASE};
use std::sync::Arc;

/// Requests per second to the source shop (tiktok-shop.md §10: 10 per shop by default).
const SOURCE_REQUESTS_PER_SECOND: u32 = 10;

pub struct TikTokSourcePlatform;

impl StorePlatformConnector for TikTokSourcePlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Polling,
            refund_cancels: false,
            order_number: OrderNumber::FeedbridgeChooses,
            tracking: TrackingSource::OrderLevel,
            rate_limit: RateLimitModel::RequestsPerSecond,
            orders: OrderHandling::SourceShop,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Tiktok(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Tiktok));
        };
        if secrets.app_key.trim().is_empty() || secrets.access_token.expose().trim().is_empty() {
            anyhow::bail!(
                "The [tiktok_shop.{}] section of the secrets file needs app_key, app_secret and the source shop's access_token (from authorizing the app for that shop)",
                setup.org.name
            );
        }
        // A sandbox serves the token endpoints on its Open API base.
        let (api_base, auth_base) = match &setup.store.api_base {
            Some(base) => (base.clone(), base.clone()),
            None => (DEFAULT_API_BASE.to_owned(), DEFAULT_AUTH_BASE.to_owned()),
        };
        let shop_id = setup.store.shop_domain.trim().to_owned();
        let settings = TikTokSettings {
            api_base,
            auth_base,
            app_key: secrets.app_key.trim().to_owned(),
            app_secret: secrets.app_secret.clone(),
            access_token: secrets.access_token.clone(),
            shop_id: shop_id.clone(),
            requests_per_second: SOURCE_REQUESTS_PER_SECOND,
        };
        let tokens = TokenPair {
            access_token: secrets.access_token.clone(),
            access_expires_at: None,
            refresh_token: secrets.refresh_token.clone(),
            refresh_expires_at: None,
        };
        // Refreshed tokens live in memory; the secrets file's pair is used again at restart.
        let keeper = TokenKeeper::new(
            &settings,
            &format!("source shop of {}", setup.org.name),
            tokens,
            setup.http.clone(),
            None,
        )
        .with_clock(Arc::clone(setup.clock));
        let client = TikTokClient::with_tokens(settings, setup.http.clone(), Arc::new(keeper));
        Ok(ConnectedStore {
            storefront: Arc::new(TikTokSourceStore::new(
                client,
                setup.data.cloned(),
                &setup.org.name,
                &shop_id,
                Arc::clone(setup.clock),
            )),
            webhooks: Arc::new(NoWebhooks),
        })
    }
}
