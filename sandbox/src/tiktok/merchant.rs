//! The TikTok shop that is the store, from the merchant's side (see [`crate::merchant`]).
//! Orders of the target shops are not orders here: the daemon takes their units off this
//! shop's stock (its ledger is the record), so `all_orders` is empty and shipping or
//! cancelling a store order is refused with why.

use crate::common::Background;
use crate::control::{ControlClient, TikTokSourceCredentials};
use crate::merchant::{
    MerchantStore, SimOrder, SimProduct, StoreCall, StoreServer, StoreSimulator, str_of,
    toml_string,
};
use crate::{CallRecord, Credentials, Fault, SandboxConfig, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::Value;

pub struct TikTokShopMerchant;

impl StoreSimulator for TikTokShopMerchant {
    fn serve(
        &self,
        config: &SandboxConfig,
        bg: Background,
        base_url: String,
    ) -> anyhow::Result<StoreServer> {
        let (tt, credentials) =
            super::source::source_shop(config, bg, &base_url).map_err(anyhow::Error::msg)?;
        Ok(StoreServer {
            router: super::source::router(tt),
            credentials: serde_json::to_value(&credentials)?,
        })
    }
}

fn creds(credentials: &Credentials) -> TikTokSourceCredentials {
    credentials.store(TikTokShopMerchant.platform())
}

fn live(products: &[Value]) -> impl Iterator<Item = &Value> {
    products.iter().filter(|p| p["status"] != "DELETED")
}

fn skus(product: &Value) -> Vec<Value> {
    product["skus"].as_array().cloned().unwrap_or_default()
}

#[async_trait]
impl MerchantStore for TikTokShopMerchant {
    fn name(&self) -> &'static str {
        "TikTok Shop"
    }

    fn platform(&self) -> &'static str {
        "tiktok_shop"
    }

    /// `shop_domain` is the source shop's id; `api_base` replaces TikTok's Open API host.
    fn store_config(&self, url: &str, credentials: &Credentials) -> String {
        format!(
            "platform = \"tiktok_shop\"\nshop_domain = {}\napi_base = {}\n",
            toml_string(&creds(credentials).shop_id),
            toml_string(url)
        )
    }

    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        let c = creds(credentials);
        format!(
            "[tiktok_shop.{}]\napp_key = {}\napp_secret = {}\naccess_token = {}\nrefresh_token = {}\n",
            toml_string(org),
            toml_string(&c.app_key),
            toml_string(&c.app_secret),
            toml_string(&c.access_token),
            toml_string(&c.refresh_token),
        )
    }

    fn holds_orders(&self) -> bool {
        false
    }

    /// A target order's "store order" is the stock update; its look-up reads products.
    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            StoreCall::CreateOrder => "/inventory/update",
            StoreCall::ReadOrders => "GET /product/202309/products/",
            StoreCall::ReadProducts => "/product/202309/products/search",
        }
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        let products = control.tiktok_source_products().await?;
        Ok(live(&products)
            .map(|p| SimProduct {
                id: str_of(&p["id"]),
                title: str_of(&p["title"]),
                skus: skus(p).iter().map(|s| str_of(&s["seller_sku"])).collect(),
            })
            .collect())
    }

    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        let products = control.tiktok_source_products().await?;
        live(&products)
            .flat_map(skus)
            .find(|s| s["seller_sku"] == sku)
            .map(|s| {
                s["inventory"]
                    .as_array()
                    .map(|rows| rows.iter().filter_map(|r| r["quantity"].as_i64()).sum())
                    .unwrap_or(0)
            })
            .with_context(|| format!("no SKU {sku} in the source TikTok shop"))
    }

    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        control.tiktok_source_set_stock(sku, qty).await?;
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        control.tiktok_source_set_price(sku, price).await?;
        Ok(())
    }

    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        control.tiktok_source_delete_product(product_id).await?;
        Ok(())
    }

    /// None: the target shops' orders only take stock here.
    async fn all_orders(&self, _control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(Vec::new())
    }

    async fn ship(
        &self,
        _control: &ControlClient,
        order_id: &str,
        _carrier: &str,
        _tracking_number: &str,
    ) -> anyhow::Result<()> {
        anyhow::bail!(
            "order {order_id}: a source TikTok shop holds no orders of the target shops; they are shipped from the target shop's Seller Center"
        )
    }

    async fn cancel(&self, _control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        anyhow::bail!(
            "order {order_id}: a source TikTok shop holds no orders of the target shops; cancel the order on the target shop"
        )
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        control.tiktok_source_fault(fault).await?;
        Ok(())
    }

    /// The source shop is polled: no webhooks to deliver.
    async fn webhook_mode(
        &self,
        _control: &ControlClient,
        _mode: WebhookMode,
    ) -> anyhow::Result<()> {
        Ok(())
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.tiktok_source_calls().await?)
    }
}
