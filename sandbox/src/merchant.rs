//! The simulated store platforms as the demo, the tests and the benches drive them: where each
//! listens, how a daemon is configured for it, and the merchant's side of it (read the catalog,
//! change stock and prices, ship, cancel, script faults and webhook delivery). A platform is
//! one [`MerchantStore`] (and `StoreSimulator`) implementation in its simulator's module and its
//! arms in [`SimStore::merchant`] and `SimStore::simulator`; [`crate::start`], the
//! [`ControlClient`] and [`Credentials`] take it from there.

use crate::common::Background;
use crate::control::ControlClient;
use crate::{CallRecord, Credentials, Fault, RunningSandbox, SandboxConfig, WebhookMode};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::ops::Deref;

/// A simulated store platform.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum SimStore {
    #[default]
    Shopify,
    Woocommerce,
    Bigcommerce,
    Magento,
    Prestashop,
    Wix,
    Sfcc,
    Amazon,
    /// Another TikTok shop as the store (shop → shop).
    Tiktok,
}

impl SimStore {
    /// Every simulated store platform.
    pub fn all() -> &'static [SimStore] {
        <Self as clap::ValueEnum>::value_variants()
    }

    /// The registry: each platform's merchant-side driver.
    pub fn merchant(self) -> &'static dyn MerchantStore {
        match self {
            Self::Shopify => &crate::shopify::merchant::ShopifyMerchant,
            Self::Woocommerce => &crate::woocommerce::merchant::WooCommerceMerchant,
            Self::Bigcommerce => &crate::bigcommerce::merchant::BigCommerceMerchant,
            Self::Magento => &crate::magento::merchant::MagentoMerchant,
            Self::Prestashop => &crate::prestashop::merchant::PrestaShopMerchant,
            Self::Wix => &crate::wix::merchant::WixMerchant,
            Self::Sfcc => &crate::sfcc::merchant::SfccMerchant,
            Self::Amazon => &crate::amazon::merchant::AmazonMerchant,
            Self::Tiktok => &crate::tiktok::merchant::TikTokShopMerchant,
        }
    }

    /// The registry: how [`crate::start`] serves each platform's simulator. `None` for Shopify,
    /// WooCommerce and Amazon, which `start` wires itself (Shopify's catalog feeds Amazon's FBA
    /// stock, WooCommerce also listens on https, Amazon the seller is the SP-API simulator MCF
    /// uses).
    pub(crate) fn simulator(self) -> Option<&'static dyn StoreSimulator> {
        match self {
            Self::Shopify | Self::Woocommerce | Self::Amazon => None,
            Self::Bigcommerce => Some(&crate::bigcommerce::merchant::BigCommerceMerchant),
            Self::Magento => Some(&crate::magento::merchant::MagentoMerchant),
            Self::Prestashop => Some(&crate::prestashop::merchant::PrestaShopMerchant),
            Self::Wix => Some(&crate::wix::merchant::WixMerchant),
            Self::Sfcc => Some(&crate::sfcc::merchant::SfccMerchant),
            Self::Tiktok => Some(&crate::tiktok::merchant::TikTokShopMerchant),
        }
    }

    /// The simulator's base URL in this sandbox.
    pub fn url(self, sandbox: &RunningSandbox) -> String {
        sandbox.store_url(self)
    }

    /// By the name the daemon's config uses (`platform = "..."`).
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Self::all().iter().copied().find(|s| s.platform() == name)
    }
}

/// A `SimStore` is driven through its platform's [`MerchantStore`].
impl Deref for SimStore {
    type Target = dyn MerchantStore;

    fn deref(&self) -> &Self::Target {
        self.merchant()
    }
}

/// A store product as the merchant sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimProduct {
    pub id: String,
    pub title: String,
    pub skus: Vec<String>,
}

/// A store order as the merchant sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimOrder {
    /// The id the store's control API takes.
    pub id: String,
    /// The TikTok order it was created for, as recorded on the order itself.
    pub tiktok_order_id: Option<String>,
    /// Marked as a TikTok Shop order the way the platform allows (tag, meta, payment method).
    pub marked_as_tiktok: bool,
    pub cancelled: bool,
    /// Tracking numbers of its shipments.
    pub tracking: Vec<String>,
}

/// Store calls a fault can be aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreCall {
    CreateOrder,
    ReadOrders,
    ReadProducts,
}

/// A store simulator [`crate::start`] serves on a listener of its own.
pub(crate) trait StoreSimulator: Sync {
    /// The simulator reachable at `base_url` (`http://{addr}`): its router and the credentials
    /// a client needs, which [`Credentials::store`] returns under the platform's name.
    fn serve(
        &self,
        config: &SandboxConfig,
        bg: Background,
        base_url: String,
    ) -> anyhow::Result<StoreServer>;
}

/// A store simulator ready to be served.
pub(crate) struct StoreServer {
    pub(crate) router: axum::Router,
    /// The platform's own credentials type (`BigCommerceAccount`, `MagentoKeys`) as JSON.
    pub(crate) credentials: serde_json::Value,
}

/// One simulated store platform, from the merchant's side.
#[async_trait]
pub trait MerchantStore: Send + Sync {
    /// The platform's own spelling ("WooCommerce").
    fn name(&self) -> &'static str;
    /// The name the daemon's config uses (`platform = "woocommerce"`).
    fn platform(&self) -> &'static str;
    /// The `[organization.store]` lines of a daemon config for this simulator at `url`.
    fn store_config(&self, url: &str, credentials: &Credentials) -> String;
    /// The `[<platform>.<org>]` section of the daemon's secrets file.
    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String;
    /// What a fault aimed at `call` matches in the simulator's call log.
    fn call_path(&self, call: StoreCall) -> &'static str;
    /// Whether the store answered this call "slow down" (the platform's throttle answer).
    /// HTTP 429 unless the platform throttles another way (Shopify's GraphQL `THROTTLED`).
    fn is_throttled(&self, call: &CallRecord) -> bool {
        call.status == 429
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>>;
    /// Sellable stock of a SKU, summed over the store's locations.
    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64>;
    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()>;
    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()>;
    /// Delete (for good) this product.
    async fn delete_product(&self, control: &ControlClient, product_id: &str)
    -> anyhow::Result<()>;
    /// Every order in the store.
    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>>;
    /// The merchant ships the whole order (`order_id` as [`SimOrder::id`]).
    async fn ship(
        &self,
        control: &ControlClient,
        order_id: &str,
        carrier: &str,
        tracking_number: &str,
    ) -> anyhow::Result<()>;
    /// The merchant cancels the order in the store's admin.
    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()>;
    /// Whether the TikTok orders become orders in this store. A source TikTok shop holds none:
    /// it only gives up their units (the orders ship from the target shop's Seller Center).
    fn holds_orders(&self) -> bool {
        true
    }
    /// Whether [`MerchantStore::refund`] is modelled.
    fn models_refunds(&self) -> bool {
        false
    }
    /// The merchant refunds the whole order (a credit memo on Magento), where the simulator
    /// models refunds.
    async fn refund(&self, _control: &ControlClient, _order_id: &str) -> anyhow::Result<()> {
        anyhow::bail!("the {} simulator does not model refunds", self.name())
    }
    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()>;
    /// SKUs the store sells but cannot ship for a TikTok order, so the daemon blocks their
    /// orders for TikTok Seller Center (Amazon: merchant-fulfilled SKUs). None for web stores.
    async fn seller_center_skus(&self, _control: &ControlClient) -> anyhow::Result<Vec<String>> {
        Ok(Vec::new())
    }
    /// How the simulator delivers webhooks (a store without webhooks ignores it).
    async fn webhook_mode(&self, control: &ControlClient, mode: WebhookMode) -> anyhow::Result<()>;
    /// Every call the store answered, oldest first.
    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>>;
}

impl dyn MerchantStore {
    /// Delete (for good) the product holding `sku`.
    pub async fn delete_product_of(
        &self,
        control: &ControlClient,
        sku: &str,
    ) -> anyhow::Result<()> {
        let product = self
            .products(control)
            .await?
            .into_iter()
            .find(|p| p.skus.iter().any(|s| s == sku))
            .ok_or_else(|| anyhow::anyhow!("no {} product holds {sku}", self.name()))?;
        self.delete_product(control, &product.id).await
    }

    /// The store orders created for a TikTok order (there must be at most one).
    pub async fn orders_for(
        &self,
        control: &ControlClient,
        tiktok_order_id: &str,
    ) -> anyhow::Result<Vec<SimOrder>> {
        Ok(self
            .all_orders(control)
            .await?
            .into_iter()
            .filter(|o| o.tiktok_order_id.as_deref() == Some(tiktok_order_id))
            .collect())
    }

    /// The next `count` calls of this kind fail as `kind`.
    pub async fn fault_on(
        &self,
        control: &ControlClient,
        call: StoreCall,
        kind: crate::FaultKind,
        count: u32,
    ) -> anyhow::Result<()> {
        let fault = Fault {
            path_contains: self.call_path(call).into(),
            kind,
            count,
        };
        self.fault(control, &fault).await
    }
}

/// A TOML string literal (for the config and secrets sections).
pub fn toml_string(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}

/// A JSON string value's text ("" when absent).
pub(crate) fn str_of(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}
