//! feedbridge-sandbox: strict local simulators of the **TikTok Shop Open API (202309)**, the
//! **Shopify Admin GraphQL API**, the **WooCommerce REST API v3**, the **BigCommerce REST API**
//! (V2/V3), the **Magento 2 REST API**, **Wix** (Stores Catalog V1 + eCommerce) and **Amazon
//! SP-API** (Multi-Channel Fulfillment, FBA inventory), for testing feedbridge's HTTP clients
//! on loopback.
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
//! // Every other store by its `SimStore`, its credentials as its platform's own type.
//! let magento = sandbox.store_url(feedbridge_sandbox::merchant::SimStore::Magento);
//! let keys: feedbridge_sandbox::control::MagentoKeys = creds.store("magento");
//! println!("{magento} {}", keys.consumer_key);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Each server also has a control API under `/_sandbox/` (see [`control::ControlClient`]).

#![recursion_limit = "256"]

mod amazon;
mod bigcommerce;
mod catalog_seed;
mod common;
pub mod control;
mod magento;
pub mod merchant;
mod png;
mod prestashop;
mod sfcc;
mod shopify;
mod tiktok;
mod wix;
mod woocommerce;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use merchant::SimStore;

pub use common::{CallRecord, Delivery, Fault, FaultKind, WebhookMode};
/// `path_contains` of a [`Fault`] (sent with `shopify_fault`) that fails the running Shopify bulk
/// operation: `timeout` as `TIMEOUT`, any other kind as `INTERNAL_SERVER_ERROR`.
pub use shopify::bulk::FAULT_TARGET as SHOPIFY_BULK_OPERATION_FAULT;

/// The selling currency of a TikTok region code the simulator serves (`"JP"` → `"JPY"`).
pub fn tiktok_region_currency(region: &str) -> Option<String> {
    tiktok::region_currency(region)
}

/// How the sandbox is seeded and limited.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Number of seeded Shopify products (each with 1–3 variants).
    pub products: usize,
    /// Variants of every seeded product (1–3); `None` = 1–3 drawn per product.
    pub variants_per_product: Option<usize>,
    /// TikTok per-(app, shop) token bucket: requests per second; burst = qps.
    pub tiktok_qps: u32,
    /// Region of the seeded TikTok shop (`"US"`, `"GB"`, `"DE"`, `"JP"`, ... any code of
    /// `common/data/tiktok-regions.toml`); its currency, carriers and rules follow it.
    pub tiktok_region: String,
    /// Currency of the simulated Shopify store (`"USD"` unless set).
    pub store_currency: String,
    /// Shopify GraphQL leaky bucket size (points).
    pub shopify_bucket: f64,
    /// Shopify restore rate (points per second).
    pub shopify_restore_rate: f64,
    /// Objects (products, variants, …) a Shopify bulk query reads per second: sets how long
    /// a bulk operation runs (Shopify documents no rate).
    pub shopify_bulk_objects_per_sec: f64,
    /// If set, PENDING TikTok products are approved after this delay.
    pub auto_review: Option<Duration>,
    /// Seed for deterministic data (ids, SKUs, credentials).
    pub seed: u64,
    /// The SKUs of this many seeded products (in seed order) are also stocked at Amazon FBA.
    pub fba_products: usize,
    /// Marketplace of the simulated Amazon seller: `"US"` or `"UK"`.
    pub amazon_marketplace: String,
    /// If set, each new Amazon fulfilment order goes Planning → Processing → Complete (shipped
    /// with tracking) over this delay; `None` = only control calls move orders.
    pub mcf_auto_ship: Option<Duration>,
    /// Regions of more TikTok shops of the same app and seller (one shop each, with its own
    /// id, cipher, tokens, catalog and orders), served on the same host as the seeded shop.
    pub more_tiktok_shops: Vec<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            products: 6,
            variants_per_product: None,
            tiktok_qps: 50,
            tiktok_region: "US".to_string(),
            store_currency: "USD".to_string(),
            shopify_bucket: 1000.0,
            shopify_restore_rate: 100.0,
            shopify_bulk_objects_per_sec: 5_000.0,
            auto_review: None,
            seed: 42,
            fba_products: 0,
            amazon_marketplace: "US".to_string(),
            mcf_auto_ship: None,
            more_tiktok_shops: Vec::new(),
        }
    }
}

/// One more simulated TikTok shop (same app key and secret as the seeded shop).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TikTokShopCredentials {
    pub shop_id: String,
    pub shop_cipher: String,
    pub region: String,
    pub access_token: String,
    pub refresh_token: String,
    /// This shop's own listener (its `/_sandbox/` control routes and the same Open API).
    pub url: String,
}

/// Credentials for the simulated platforms.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Credentials {
    pub tiktok_app_key: String,
    pub tiktok_app_secret: String,
    pub tiktok_access_token: String,
    pub tiktok_refresh_token: String,
    pub tiktok_shop_id: String,
    /// `shop_cipher` of the seeded shop (also returned by `/authorization/202309/shops`).
    #[serde(default)]
    pub tiktok_shop_cipher: String,
    /// The shops of `SandboxConfig::more_tiktok_shops`, in that order.
    #[serde(default)]
    pub more_tiktok_shops: Vec<TikTokShopCredentials>,
    /// `SandboxConfig::tiktok_region` (`"US"` unless set).
    pub tiktok_shop_region: String,
    /// `"feedbridge-demo.myshopify.com"`.
    pub shopify_shop_domain: String,
    /// `"shpat_..."`.
    pub shopify_access_token: String,
    /// App client secret used to sign Shopify webhooks.
    pub shopify_webhook_secret: String,
    /// The store's currency (`SandboxConfig::store_currency`, `"USD"` unless set).
    pub currency: String,
    /// WooCommerce REST API key (`ck_...`, read/write).
    #[serde(default)]
    pub woocommerce_consumer_key: String,
    /// Its secret (`cs_...`).
    #[serde(default)]
    pub woocommerce_consumer_secret: String,
    /// PEM of the self-signed certificate `woocommerce_https_url` presents (for `127.0.0.1`
    /// and `localhost`); clients add it as a trusted root.
    #[serde(default)]
    pub woocommerce_tls_cert_pem: String,
    /// Login with Amazon client id of the SP-API app.
    #[serde(default)]
    pub amazon_client_id: String,
    #[serde(default)]
    pub amazon_client_secret: String,
    /// The seller's authorization (`Atzr|...`).
    #[serde(default)]
    pub amazon_refresh_token: String,
    /// The credentials of each store simulator `start` serves generically, under its
    /// platform's name (`"bigcommerce"`, `"magento"`): read them with [`Credentials::store`].
    #[serde(default)]
    pub stores: BTreeMap<String, serde_json::Value>,
}

impl Credentials {
    /// A store simulator's credentials as its platform's own type
    /// (`control::BigCommerceAccount` for `"bigcommerce"`, `control::MagentoKeys` for
    /// `"magento"`); the type's default (empty) when the sandbox has none for `platform`.
    pub fn store<T: DeserializeOwned + Default>(&self, platform: &str) -> T {
        let Some(value) = self.stores.get(platform) else {
            return T::default();
        };
        serde_json::from_value(value.clone()).unwrap_or_else(|_| {
            // Not the error itself: it may quote a credential.
            tracing::warn!(
                platform,
                "Unreadable store credentials in the sandbox's credentials."
            );
            T::default()
        })
    }
}

/// A started sandbox. Dropping it (or [`RunningSandbox::shutdown`]) stops both servers and all
/// background work (webhook retries, review timers, cancel jobs).
pub struct RunningSandbox {
    tiktok_addr: SocketAddr,
    woocommerce_https_addr: SocketAddr,
    amazon_addr: SocketAddr,
    /// The Amazon simulator's listener of each SP-API region ("NA", "EU", "FE").
    amazon_region_addrs: BTreeMap<&'static str, SocketAddr>,
    /// Every store simulator's (plain http) listener.
    store_addrs: BTreeMap<SimStore, SocketAddr>,
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
        self.store_url(SimStore::Shopify)
    }

    /// Home URL of the WooCommerce site (`/wp-json/wc/v3/...`); plain http, so clients sign
    /// with OAuth 1.0a as WooCommerce requires there.
    pub fn woocommerce_url(&self) -> String {
        self.store_url(SimStore::Woocommerce)
    }

    /// The same WooCommerce site over https (self-signed certificate: trust
    /// `Credentials::woocommerce_tls_cert_pem`), where it takes the key in the query string or
    /// as HTTP Basic, as WooCommerce does when `is_ssl()`.
    pub fn woocommerce_https_url(&self) -> String {
        format!("https://{}", self.woocommerce_https_addr)
    }

    /// Base URL of the SP-API endpoint (`/fba/...`) of the seller's region (its marketplace's:
    /// NA for the US, EU for the UK) and of Login with Amazon (`/auth/o2/token`).
    pub fn amazon_url(&self) -> String {
        format!("http://{}", self.amazon_addr)
    }

    /// Base URL of the SP-API endpoint of `region` ("NA", "EU" or "FE"): the same seller, but
    /// outside its marketplace's region every call is refused with 403 as SP-API does.
    pub fn amazon_region_url(&self, region: &str) -> Option<String> {
        self.amazon_region_addrs
            .get(region.to_ascii_uppercase().as_str())
            .map(|addr| format!("http://{addr}"))
    }

    /// Base URL of a store simulator (`start` serves every [`SimStore`]): BigCommerce's API
    /// is under `{url}/stores/{store_hash}/v2|v3/...`, Magento's under `/rest/default/V1/...`.
    pub fn store_url(&self, store: SimStore) -> String {
        self.store_addrs
            .get(&store)
            .map(|addr| format!("http://{addr}"))
            .unwrap_or_default()
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

/// Starts every simulator on `bind` (ephemeral ports).
pub async fn start(config: SandboxConfig, bind: IpAddr) -> anyhow::Result<RunningSandbox> {
    let token = CancellationToken::new();
    let bg = common::Background::new(token.clone());

    let bind_one = |name: &'static str| async move {
        let listener = tokio::net::TcpListener::bind((bind, 0))
            .await
            .with_context(|| format!("Failed to bind the {name} simulator on {bind}"))?;
        let addr = listener
            .local_addr()
            .with_context(|| format!("Failed to read the {name} listener address"))?;
        anyhow::Ok((listener, addr))
    };
    let (tiktok_listener, tiktok_addr) = bind_one("TikTok").await?;
    let (shopify_listener, shopify_addr) = bind_one("Shopify").await?;
    let (woocommerce_listener, woocommerce_addr) = bind_one("WooCommerce").await?;
    let (woocommerce_https_listener, woocommerce_https_addr) =
        bind_one("WooCommerce https").await?;
    let woocommerce_cert = woocommerce::tls::SelfSigned::generate()?;
    let home_region = amazon::home_region(&config);
    let mut amazon_listeners = Vec::new();
    let mut amazon_region_addrs = BTreeMap::new();
    for region in amazon::Region::ALL {
        let (listener, addr) = bind_one("Amazon").await?;
        amazon_region_addrs.insert(region.code(), addr);
        amazon_listeners.push((region, listener));
    }
    let amazon_addr = *amazon_region_addrs
        .get(home_region.code())
        .context("The Amazon simulator has no listener for its home region")?;
    let mut store_addrs = BTreeMap::from([
        (SimStore::Shopify, shopify_addr),
        (SimStore::Woocommerce, woocommerce_addr),
    ]);

    let (tt, seeded) = tiktok::TikTok::new(
        config.seed,
        config.tiktok_qps,
        config.auto_review,
        bg.clone(),
    );
    tiktok::set_region(&tt, &config.tiktok_region).map_err(anyhow::Error::msg)?;
    let mut more_shops = Vec::new();
    let mut more_shop_credentials = Vec::new();
    for (index, region) in config.more_tiktok_shops.iter().enumerate() {
        let seed = config.seed.wrapping_add(1_000 * (index as u64 + 1));
        let (sibling, seeded) =
            tiktok::sibling_shop(&tt, seed, region, bg.clone()).map_err(anyhow::Error::msg)?;
        let (listener, addr) = bind_one("TikTok shop").await?;
        more_shop_credentials.push(TikTokShopCredentials {
            shop_id: seeded.shop_id,
            shop_cipher: seeded.shop_cipher,
            region: region.to_ascii_uppercase(),
            access_token: seeded.access_token,
            refresh_token: seeded.refresh_token,
            url: format!("http://{addr}"),
        });
        more_shops.push((sibling, listener));
    }
    let (shop, shop_creds) =
        shopify::Shopify::new(&config, bg.clone(), format!("http://{shopify_addr}"));
    let (woo, woo_keys) =
        woocommerce::WooCommerce::new(&config, bg.clone(), format!("http://{woocommerce_addr}"));
    let fba_catalog = amazon::fba_catalog(&shop, config.fba_products);
    let (amazon, amazon_creds) = amazon::new(
        &config,
        bg.clone(),
        fba_catalog,
        shopify::seeded_catalog(&config),
        format!("http://{amazon_addr}"),
    );
    // Amazon as the store is the same seller account MCF ships for (one state, one grant).
    store_addrs.insert(SimStore::Amazon, amazon_addr);

    let tiktok_router = if more_shops.is_empty() {
        tiktok::router(tt)
    } else {
        let shops = std::iter::once(tt)
            .chain(more_shops.iter().map(|(sibling, _)| Arc::clone(sibling)))
            .collect();
        tiktok::shops::router(shops)
    };
    let mut routers = vec![("tiktok", tiktok_listener, tiktok_router)];
    for (sibling, listener) in more_shops {
        routers.push(("tiktok shop", listener, tiktok::router(sibling)));
    }
    routers.extend([
        ("shopify", shopify_listener, shopify::router(shop)),
        (
            "woocommerce",
            woocommerce_listener,
            woocommerce::router(woo.clone()),
        ),
    ]);
    for (region, listener) in amazon_listeners {
        routers.push(("amazon", listener, amazon::router(amazon.clone(), region)));
    }
    let mut store_credentials = BTreeMap::from([(
        SimStore::Amazon.platform().to_string(),
        serde_json::to_value(control::AmazonSeller {
            seller_id: amazon_creds.seller_id.clone(),
            marketplace_id: amazon_creds.marketplace_id.clone(),
        })?,
    )]);
    for &store in SimStore::all() {
        let Some(simulator) = store.simulator() else {
            continue;
        };
        let (listener, addr) = bind_one(store.name()).await?;
        let server = simulator
            .serve(&config, bg.clone(), format!("http://{addr}"))
            .with_context(|| format!("Failed to build the {} simulator", store.name()))?;
        store_addrs.insert(store, addr);
        store_credentials.insert(store.platform().to_string(), server.credentials);
        routers.push((store.platform(), listener, server.router));
    }
    if let Some(store) = SimStore::all()
        .iter()
        .find(|s| !store_addrs.contains_key(s))
    {
        anyhow::bail!(
            "The {} simulator has no server: give it a StoreSimulator in SimStore::simulator",
            store.name()
        );
    }

    let credentials = Credentials {
        tiktok_app_key: seeded.app_key,
        tiktok_app_secret: seeded.app_secret,
        tiktok_access_token: seeded.access_token,
        tiktok_refresh_token: seeded.refresh_token,
        tiktok_shop_id: seeded.shop_id,
        tiktok_shop_cipher: seeded.shop_cipher,
        tiktok_shop_region: config.tiktok_region.to_ascii_uppercase(),
        more_tiktok_shops: more_shop_credentials,
        shopify_shop_domain: shop_creds.domain,
        shopify_access_token: shop_creds.access_token,
        shopify_webhook_secret: shop_creds.webhook_secret,
        currency: config.store_currency.clone(),
        woocommerce_consumer_key: woo_keys.consumer_key,
        woocommerce_consumer_secret: woo_keys.consumer_secret,
        woocommerce_tls_cert_pem: woocommerce_cert.cert_pem,
        amazon_client_id: amazon_creds.client_id,
        amazon_client_secret: amazon_creds.client_secret,
        amazon_refresh_token: amazon_creds.refresh_token,
        stores: store_credentials,
    };

    let mut servers = Vec::new();
    servers.push(tokio::spawn(woocommerce::tls::serve(
        woocommerce_https_listener,
        woocommerce_cert.acceptor,
        woocommerce::tls::router(woo, format!("https://{woocommerce_https_addr}")),
        token.clone(),
    )));
    for (name, listener, router) in routers {
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
    let stores: BTreeMap<&str, SocketAddr> = store_addrs
        .iter()
        .map(|(store, addr)| (store.platform(), *addr))
        .collect();
    tracing::info!(
        tiktok = %tiktok_addr,
        woocommerce_https = %woocommerce_https_addr,
        amazon = %amazon_addr,
        stores = ?stores,
        "Sandbox simulators listening."
    );
    Ok(RunningSandbox {
        tiktok_addr,
        woocommerce_https_addr,
        amazon_addr,
        amazon_region_addrs,
        store_addrs,
        credentials,
        token,
        servers,
    })
}
