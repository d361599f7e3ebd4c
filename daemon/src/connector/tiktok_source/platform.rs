//! A TikTok shop as a store platform: connecting the source shop with its own section of the
//! secrets file (`[tiktok_shop.<organization>]`: the app it authorized and its tokens).
//! Changes are polled (`sync.catalog_poll_secs`); TikTok's per-shop request limit is kept by
//! the client's token bucket.

use super::{KeptTokens, TikTokSourceStore};
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, NoWebhooks, OrderHandling, OrderNumber,
    RateLimitModel, StorePlatformConnector, StoreSetup, TrackingSource,
};
use crate::connector::tiktok::auth::{TokenKeeper, TokenPair, TokenSink};
use crate::connector::tiktok::{TikTokClient, TikTokSettings};
use async_trait::async_trait;
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::stores::tiktok::{DEFAULT_API_BASE, DEFAULT_AUTH_BASE};
use std::sync::Arc;
use tracing::warn;

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
        // A refresh is kept in the database (a refresh token works once), and the kept pair
        // is used at the next start unless the secrets file's pair changed since.
        let sink = setup.data.map(|data| {
            Arc::new(SourceTokenSink {
                store: data.store.clone(),
                connection: data.connection,
                org: setup.org.name.clone(),
            }) as Arc<dyn TokenSink>
        });
        let keeper = Arc::new(
            TokenKeeper::new(
                &settings,
                &format!("source shop of {}", setup.org.name),
                tokens.clone(),
                setup.http.clone(),
                sink,
            )
            .with_clock(Arc::clone(setup.clock))
            .with_reauthorize_fix(format!(
                "authorize the app for the source shop again, put the new tokens in the secrets file's [tiktok_shop.{}] section and reload (`systemctl reload feedbridge`)",
                setup.org.name
            )),
        );
        let client = TikTokClient::with_tokens(settings, setup.http.clone(), Arc::clone(&keeper));
        let kept = setup.data.map(|data| KeptTokens {
            store: data.store.clone(),
            connection: data.connection,
            from_secrets: tokens,
            keeper,
        });
        Ok(ConnectedStore {
            storefront: Arc::new(TikTokSourceStore::new(
                client,
                kept,
                &setup.org.name,
                &shop_id,
                Arc::clone(setup.clock),
            )),
            webhooks: Arc::new(NoWebhooks),
        })
    }
}

/// Keeps the source shop's refreshed tokens in the daemon's database (as a target shop's are).
struct SourceTokenSink {
    store: crate::store::Store,
    connection: i64,
    org: String,
}

#[async_trait]
impl TokenSink for SourceTokenSink {
    async fn refreshed(&self, tokens: &TokenPair) {
        let (connection, stored) = (self.connection, crate::sync::connections::to_stored(tokens));
        let saved = self
            .store
            .call(move |conn| {
                crate::store::save_tokens(
                    conn,
                    connection,
                    &stored,
                    crate::store::TokenSource::Refreshed,
                )
            })
            .await;
        if let Err(error) = saved {
            warn!(%error, org = %self.org, "Could not store the source shop's refreshed TikTok token; it is used from memory until the next start.");
        }
    }

    async fn reauthorization_needed(&self, reason: &str) {
        warn!(org = %self.org, reason, "The source TikTok shop must authorize feedbridge again: put its new tokens in the secrets file's [tiktok_shop] section and reload.");
    }
}
