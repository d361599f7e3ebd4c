//! What a store platform is to the daemon: how to connect it (its client, built from the
//! organization's config and its own secrets section), what it can do, and how its webhooks
//! are verified and read. Each platform implements [`StorePlatformConnector`] in its own
//! module; [`connector_for`] is the registry, one line per platform.

use super::{
    Storefront, amazon, bigcommerce, magento, prestashop, sfcc, shopify, tiktok_source, wix,
    woocommerce,
};
use crate::clock::Clock;
use axum::http::HeaderMap;
use feedbridge_common::config::{OrganizationConfig, StoreConfig, StorePlatform, StoreSecrets};
use std::sync::Arc;

/// The registry: the connector of each store platform.
pub fn connector_for(platform: StorePlatform) -> &'static dyn StorePlatformConnector {
    match platform {
        StorePlatform::Shopify => &shopify::ShopifyPlatform,
        StorePlatform::Woocommerce => &woocommerce::WooCommercePlatform,
        StorePlatform::Bigcommerce => &bigcommerce::BigCommercePlatform,
        StorePlatform::Magento => &magento::MagentoPlatform,
        StorePlatform::Prestashop => &prestashop::PrestaShopPlatform,
        StorePlatform::Wix => &wix::WixPlatform,
        StorePlatform::Sfcc => &sfcc::SfccPlatform,
        StorePlatform::Amazon => &amazon::platform::AmazonStorePlatform,
        StorePlatform::Tiktok => &tiktok_source::TikTokSourcePlatform,
    }
}

/// One store platform's connector.
pub trait StorePlatformConnector: Sync {
    fn capabilities(&self) -> Capabilities;

    /// The organization's store client and webhook reader. `secrets` is the organization's
    /// section of the secrets file; a platform refuses a section of another platform.
    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore>;

    /// The answer to a delivery whose signature does not verify, also given for an
    /// organization feedbridge does not serve, so a caller cannot tell the two apart.
    fn refusal(&self) -> &'static str {
        "bad signature"
    }
}

/// What connecting a store starts from.
pub struct StoreSetup<'a> {
    pub org: &'a OrganizationConfig,
    /// The organization's store (connected organizations only have one to connect).
    pub store: &'a StoreConfig,
    pub secrets: &'a StoreSecrets,
    /// The daemon's shared HTTP client (a platform may build its own, e.g. for a private CA).
    pub http: &'a reqwest::Client,
    pub clock: &'a Arc<dyn Clock>,
    /// The daemon's database, for a connector that keeps its own records (a TikTok source
    /// shop's stock ledger and refreshed tokens); `None` when the store is only being checked.
    pub data: Option<StoreData<'a>>,
}

/// The daemon's database and the row of the organization's store connection in it.
#[derive(Clone, Copy)]
pub struct StoreData<'a> {
    pub store: &'a crate::store::Store,
    pub connection: i64,
}

impl StoreSetup<'_> {
    /// `api_base` from the config, else `https://{shop_domain}`.
    pub fn api_base(&self) -> String {
        self.store
            .api_base
            .clone()
            .unwrap_or_else(|| format!("https://{}", self.store.shop_domain))
    }

    /// The error for a secrets section of another platform (the config and secrets files
    /// disagree about the organization's platform).
    pub fn wrong_secrets(&self, wanted: StorePlatform) -> anyhow::Error {
        anyhow::anyhow!(
            "Organization \"{}\" has a {} store, but its store secrets are in the [{}] section; \
             move them to [{}.{}]",
            self.org.name,
            wanted,
            self.secrets.platform().as_str(),
            wanted.as_str(),
            self.org.name
        )
    }
}

/// A connected store: its client and the reader of its webhooks.
pub struct ConnectedStore {
    pub storefront: Arc<dyn Storefront>,
    pub webhooks: Arc<dyn StoreWebhooks>,
}

pub use feedbridge_common::stores::capabilities::{
    Capabilities, ChangeFeed, OrderHandling, OrderNumber, RateLimitModel, TrackingSource,
};

/// What a verified webhook asks feedbridge to look at, in the store's own ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreSignal {
    /// One stock level, as the (signed) delivery states it: recorded and pushed at once.
    StockLevel {
        inventory_item_id: String,
        location_id: String,
        available: i64,
        /// When the store changed it (ISO-8601), to order it against other reads.
        updated_at: String,
    },
    /// Re-read this product (prices and stock).
    ProductChanged { product_id: String },
    /// Products were added or removed: re-read the catalog (once per burst).
    CatalogChanged,
    /// The store cancelled this order (a signed delivery says so).
    OrderCancelled { store_order_id: String },
    /// This order has new or changed shipments.
    OrderShipped { store_order_id: String },
    /// Something about this order changed: re-read it from the store and act on what the
    /// store says (for platforms whose deliveries are hints, not facts).
    OrderChanged { store_order_id: String },
}

/// A delivery that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookReading {
    /// A test delivery the platform sends when subscribing; answered, nothing to do.
    Ping,
    Signals {
        /// Recognises a redelivery of the same delivery (the platform's delivery id, or what
        /// identifies the change); `None` when the platform gives nothing stable.
        delivery: Option<String>,
        /// The topic, for logs.
        topic: String,
        /// Empty for a topic feedbridge does not act on.
        signals: Vec<StoreSignal>,
    },
}

/// Why a delivery was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookRefusal {
    /// The signature (or shared header secret) does not verify: nothing is read.
    BadSignature,
    /// Verified but unreadable.
    Malformed(String),
}

/// Verifies and reads one organization's store webhooks (it holds that organization's
/// webhook secret). Never does I/O: a platform whose deliveries cannot be trusted returns
/// signals that make feedbridge read the store again.
pub trait StoreWebhooks: Send + Sync {
    fn read(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookReading, WebhookRefusal>;
}

/// The webhook reader of a platform without webhooks: every delivery is refused.
pub struct NoWebhooks;

impl StoreWebhooks for NoWebhooks {
    fn read(&self, _: &HeaderMap, _: &[u8]) -> Result<WebhookReading, WebhookRefusal> {
        Err(WebhookRefusal::BadSignature)
    }
}

/// A header's value as text (absent or not text: `None`).
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An id field that a platform sends as a string or a number.
pub fn id_field(data: &serde_json::Value, name: &str) -> Option<String> {
    match data.get(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A delivery that names no id where its topic always carries one: malformed.
pub fn missing(topic: &str, field: &str) -> WebhookRefusal {
    WebhookRefusal::Malformed(format!("a {topic} delivery without \"{field}\""))
}
