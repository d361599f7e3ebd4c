//! feedbridge-sandbox: strict local simulators of the **TikTok Shop Open API (202309)** and the
//! **Shopify Admin GraphQL API**, for testing feedbridge's HTTP clients on loopback.
//!
//! A simulator that accepts what the real platform would reject is a bug: every request is
//! checked the way the contract notes in `shared/api/` describe (signing, tokens, envelopes,
//! validation, rate limits), and webhooks are signed the way the platforms sign them.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sandbox = feedbridge_sandbox::start(Default::default(), "127.0.0.1".parse()?).await?;
//! let creds = sandbox.credentials();
//! println!("{} {} {}", sandbox.tiktok_url(), sandbox.shopify_url(), creds.tiktok_app_key);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Each server also has a control API under `/_sandbox/` (see [`control::ControlClient`]).

#![recursion_limit = "256"]

mod common;
pub mod control;
mod shopify;
mod tiktok;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use common::{CallRecord, Delivery, Fault, FaultKind, WebhookMode};

/// How the sandbox is seeded and limited.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Number of seeded Shopify products (each with 1–3 variants).
    pub products: usize,
    /// Variants of every seeded product (1–3); `None` = 1–3 drawn per product.
    pub variants_per_product: Option<usize>,
    /// TikTok per-(app, shop) token bucket: requests per second; burst = qps.
    pub tiktok_qps: u32,
    /// Region of the seeded TikTok shop (`"US"`, `"GB"`, ...); its currency follows it.
    pub tiktok_region: String,
    /// Shopify GraphQL leaky bucket size (points).
    pub shopify_bucket: f64,
    /// Shopify restore rate (points per second).
    pub shopify_restore_rate: f64,
    /// If set, PENDING TikTok products are approved after this delay.
    pub auto_review: Option<Duration>,
    /// Seed for deterministic data (ids, SKUs, credentials).
    pub seed: u64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            products: 6,
            variants_per_product: None,
            tiktok_qps: 50,
            tiktok_region: "US".to_string(),
            shopify_bucket: 1000.0,
            shopify_restore_rate: 100.0,
            auto_review: None,
            seed: 42,
        }
    }
}

/// Credentials for both simulated platforms.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Credentials {
    pub tiktok_app_key: String,
    pub tiktok_app_secret: String,
    pub tiktok_access_token: String,
    pub tiktok_refresh_token: String,
    pub tiktok_shop_id: String,
    /// `shop_cipher` of the seeded shop (also returned by `/authorization/202309/shops`).
    #[serde(default)]
    pub tiktok_shop_cipher: String,
    /// `SandboxConfig::tiktok_region` (`"US"` unless set).
    pub tiktok_shop_region: String,
    /// `"feedbridge-demo.myshopify.com"`.
    pub shopify_shop_domain: String,
    /// `"shpat_..."`.
    pub shopify_access_token: String,
    /// App client secret used to sign Shopify webhooks.
    pub shopify_webhook_secret: String,
    /// `"USD"` for both platforms.
    pub currency: String,
}

/// A started sandbox. Dropping it (or [`RunningSandbox::shutdown`]) stops both servers and all
/// background work (webhook retries, review timers, cancel jobs).
pub struct RunningSandbox {
    tiktok_addr: SocketAddr,
    shopify_addr: SocketAddr,
    credentials: Credentials,
    token: CancellationToken,
    servers: Vec<JoinHandle<()>>,
}

impl RunningSandbox {
    /// Base URL of the TikTok Open API and auth endpoints (`/api/v2/token/*`).
    pub fn tiktok_url(&self) -> String {
        format!("http://{}", self.tiktok_addr)
    }

    /// Base URL of the Shopify shop (`/admin/api/{version}/graphql.json`).
    pub fn shopify_url(&self) -> String {
        format!("http://{}", self.shopify_addr)
    }

    pub fn credentials(&self) -> Credentials {
        self.credentials.clone()
    }

    /// Stops both servers, waiting briefly for in-flight requests.
    pub async fn shutdown(mut self) {
        self.token.cancel();
        for handle in std::mem::take(&mut self.servers) {
            let abort = handle.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), handle)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.token.cancel();
        for handle in &self.servers {
            handle.abort();
        }
    }
}

/// Starts both simulators on `bind` (ephemeral ports).
pub async fn start(config: SandboxConfig, bind: IpAddr) -> anyhow::Result<RunningSandbox> {
    let token = CancellationToken::new();
    let bg = common::Background::new(token.clone());

    let tiktok_listener = tokio::net::TcpListener::bind((bind, 0))
        .await
        .with_context(|| format!("Failed to bind the TikTok simulator on {bind}"))?;
    let shopify_listener = tokio::net::TcpListener::bind((bind, 0))
        .await
        .with_context(|| format!("Failed to bind the Shopify simulator on {bind}"))?;
    let tiktok_addr = tiktok_listener
        .local_addr()
        .context("Failed to read the TikTok listener address")?;
    let shopify_addr = shopify_listener
        .local_addr()
        .context("Failed to read the Shopify listener address")?;

    let (tt, seeded) = tiktok::TikTok::new(
        config.seed,
        config.tiktok_qps,
        config.auto_review,
        bg.clone(),
    );
    tiktok::set_region(&tt, &config.tiktok_region);
    let (shop, shop_creds) =
        shopify::Shopify::new(&config, bg.clone(), format!("http://{shopify_addr}"));

    let credentials = Credentials {
        tiktok_app_key: seeded.app_key,
        tiktok_app_secret: seeded.app_secret,
        tiktok_access_token: seeded.access_token,
        tiktok_refresh_token: seeded.refresh_token,
        tiktok_shop_id: seeded.shop_id,
        tiktok_shop_cipher: seeded.shop_cipher,
        tiktok_shop_region: config.tiktok_region.to_ascii_uppercase(),
        shopify_shop_domain: shop_creds.domain,
        shopify_access_token: shop_creds.access_token,
        shopify_webhook_secret: shop_creds.webhook_secret,
        currency: "USD".to_string(),
    };

    let mut servers = Vec::new();
    for (name, listener, router) in [
        ("tiktok", tiktok_listener, tiktok::router(tt)),
        ("shopify", shopify_listener, shopify::router(shop)),
    ] {
        let shutdown = token.clone();
        servers.push(tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await;
            if let Err(error) = served {
                tracing::error!(server = name, %error, "Simulator server stopped with an error.");
            }
        }));
    }
    tracing::info!(
        tiktok = %tiktok_addr,
        shopify = %shopify_addr,
        "Sandbox simulators listening."
    );
    Ok(RunningSandbox {
        tiktok_addr,
        shopify_addr,
        credentials,
        token,
        servers,
    })
}
