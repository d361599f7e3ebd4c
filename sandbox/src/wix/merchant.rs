//! The Wix simulator from the merchant's side (see [`crate::merchant`]).

use crate::common::Background;
use crate::control::{ControlClient, WixCredentials};
use crate::merchant::{
    MerchantStore, SimOrder, SimProduct, StoreCall, StoreServer, StoreSimulator, str_of,
    toml_string,
};
use crate::{CallRecord, Credentials, Fault, SandboxConfig, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::Value;

pub struct WixMerchant;

impl StoreSimulator for WixMerchant {
    fn serve(
        &self,
        config: &SandboxConfig,
        bg: Background,
        base_url: String,
    ) -> anyhow::Result<StoreServer> {
        let wix = super::Wix::new(config, bg, base_url);
        let credentials = serde_json::to_value(&wix.creds)?;
        Ok(StoreServer {
            router: super::router(wix),
            credentials,
        })
    }
}

fn creds(credentials: &Credentials) -> WixCredentials {
    credentials.store(WixMerchant.platform())
}

#[async_trait]
impl MerchantStore for WixMerchant {
    fn name(&self) -> &'static str {
        "Wix"
    }

    fn platform(&self) -> &'static str {
        "wix"
    }

    /// `api_base` replaces www.wixapis.com.
    fn store_config(&self, url: &str, _credentials: &Credentials) -> String {
        format!(
            "platform = \"wix\"\nshop_domain = \"feedbridge-demo.wixsite.com\"\napi_base = {}\n",
            toml_string(url)
        )
    }

    /// The API key mode with the app's public key for webhooks.
    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        let c = creds(credentials);
        format!(
            "[wix.{}]\napi_key = {}\nsite_id = {}\nwebhook_public_key = {}\n",
            toml_string(org),
            toml_string(&c.api_key),
            toml_string(&c.site_id),
            toml_string(&c.webhook_public_key),
        )
    }

    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            StoreCall::CreateOrder => "POST /ecom/v1/orders",
            StoreCall::ReadOrders => "/ecom/v1/orders",
            StoreCall::ReadProducts => "/stores/v1/products",
        }
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        Ok(control
            .wix_products()
            .await?
            .iter()
            .map(|p| SimProduct {
                id: str_of(&p["id"]),
                title: str_of(&p["name"]),
                skus: variants(p).map(|v| str_of(&v["variant"]["sku"])).collect(),
            })
            .collect())
    }

    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        let products = control.wix_products().await?;
        products
            .iter()
            .flat_map(variants)
            .find(|v| v["variant"]["sku"] == sku)
            .and_then(|v| v["available"].as_i64())
            .with_context(|| format!("no Wix variant has SKU {sku}"))
    }

    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        control.wix_set_stock(sku, qty).await?;
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        control.wix_set_price(sku, price).await?;
        Ok(())
    }

    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        control.wix_delete_product(product_id).await?;
        Ok(())
    }

    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(control
            .wix_orders()
            .await?
            .iter()
            .map(|o| SimOrder {
                id: str_of(&o["id"]),
                tiktok_order_id: o["tiktok_order_id"].as_str().map(str::to_owned),
                marked_as_tiktok: o["is_tiktok"] == true,
                cancelled: o["cancelled"] == true,
                tracking: o["tracking_numbers"]
                    .as_array()
                    .map(|numbers| numbers.iter().map(str_of).collect())
                    .unwrap_or_default(),
            })
            .collect())
    }

    /// `carrier` as Wix's provider code for the predefined carriers ("UPS" → "ups").
    async fn ship(
        &self,
        control: &ControlClient,
        order_id: &str,
        carrier: &str,
        tracking_number: &str,
    ) -> anyhow::Result<()> {
        let provider = match carrier.trim().to_ascii_lowercase().as_str() {
            p @ ("ups" | "usps" | "fedex" | "dhl") => p.to_owned(),
            "canada post" => "canadaPost".to_owned(),
            _ => carrier.trim().to_owned(),
        };
        control
            .wix_ship(order_id, &provider, tracking_number)
            .await?;
        Ok(())
    }

    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.wix_cancel_order(order_id).await?;
        Ok(())
    }

    fn models_refunds(&self) -> bool {
        true
    }

    /// A refund of everything in the dashboard (payment status FULLY_REFUNDED).
    async fn refund(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.wix_refund_order(order_id).await?;
        Ok(())
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        Ok(control.wix_fault(fault).await?)
    }

    async fn webhook_mode(&self, control: &ControlClient, mode: WebhookMode) -> anyhow::Result<()> {
        Ok(control.wix_webhook_mode(mode).await?)
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.wix_calls().await?)
    }
}

/// A product's variants (a product without managed variants has its one default variant).
fn variants(product: &Value) -> impl Iterator<Item = &Value> {
    product["variants"].as_array().into_iter().flatten()
}
