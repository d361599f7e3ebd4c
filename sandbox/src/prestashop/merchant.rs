//! The PrestaShop simulator from the merchant's side (see [`crate::merchant`]).

use crate::common::Background;
use crate::control::{ControlClient, PrestaShopKey};
use crate::merchant::{
    MerchantStore, SimOrder, SimProduct, StoreCall, StoreServer, StoreSimulator, str_of,
    toml_string,
};
use crate::{CallRecord, Credentials, Fault, SandboxConfig, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;

pub struct PrestaShopMerchant;

/// No background work: PrestaShop sends no webhooks.
impl StoreSimulator for PrestaShopMerchant {
    fn serve(
        &self,
        config: &SandboxConfig,
        _: Background,
        base_url: String,
    ) -> anyhow::Result<StoreServer> {
        let (shop, key) = super::PrestaShop::new(config, base_url);
        Ok(StoreServer {
            router: super::router(shop),
            credentials: serde_json::to_value(key)?,
        })
    }
}

fn id_of(id: &str) -> anyhow::Result<u64> {
    id.parse()
        .with_context(|| format!("\"{id}\" is not a PrestaShop id"))
}

#[async_trait]
impl MerchantStore for PrestaShopMerchant {
    fn name(&self) -> &'static str {
        "PrestaShop"
    }

    fn platform(&self) -> &'static str {
        "prestashop"
    }

    fn store_config(&self, url: &str, _: &Credentials) -> String {
        format!(
            "platform = \"prestashop\"\nshop_domain = \"feedbridge-demo.example\"\napi_base = {}\n",
            toml_string(url)
        )
    }

    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        let key: PrestaShopKey = credentials.store(self.platform());
        format!(
            "[prestashop.{}]\napi_key = {}\n",
            toml_string(org),
            toml_string(&key.api_key)
        )
    }

    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            StoreCall::CreateOrder => "POST /api/orders",
            StoreCall::ReadOrders => "GET /api/orders",
            StoreCall::ReadProducts => "GET /api/products",
        }
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        Ok(control
            .prestashop_products()
            .await?
            .iter()
            .map(|p| SimProduct {
                id: p["id"].to_string(),
                title: str_of(&p["name"]),
                skus: p["skus"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| str_of(&s["sku"]))
                    .collect(),
            })
            .collect())
    }

    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        control
            .prestashop_products()
            .await?
            .iter()
            .flat_map(|p| p["skus"].as_array().cloned().unwrap_or_default())
            .find(|s| s["sku"] == sku)
            .and_then(|s| s["quantity"].as_i64())
            .with_context(|| format!("PrestaShop stock of {sku}"))
    }

    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        control.prestashop_set_stock(sku, qty).await?;
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        control.prestashop_set_price(sku, price).await?;
        Ok(())
    }

    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        control
            .prestashop_delete_product(id_of(product_id)?)
            .await?;
        Ok(())
    }

    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(control
            .prestashop_orders()
            .await?
            .into_iter()
            .map(|o| SimOrder {
                id: o.id.to_string(),
                tiktok_order_id: o.tiktok_order_id,
                marked_as_tiktok: o.is_tiktok,
                cancelled: o.cancelled,
                tracking: o.tracking_numbers,
            })
            .collect())
    }

    async fn ship(
        &self,
        control: &ControlClient,
        order_id: &str,
        carrier: &str,
        tracking_number: &str,
    ) -> anyhow::Result<()> {
        control
            .prestashop_ship(id_of(order_id)?, carrier, tracking_number)
            .await?;
        Ok(())
    }

    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.prestashop_cancel(id_of(order_id)?).await?;
        Ok(())
    }

    fn models_refunds(&self) -> bool {
        true
    }

    /// The "Refunded" state (the order's whole amount back to the buyer).
    async fn refund(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.prestashop_refund(id_of(order_id)?).await?;
        Ok(())
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        Ok(control.prestashop_fault(fault).await?)
    }

    /// PrestaShop sends no webhooks: nothing to deliver, drop or duplicate.
    async fn webhook_mode(&self, _: &ControlClient, _: WebhookMode) -> anyhow::Result<()> {
        Ok(())
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.prestashop_calls().await?)
    }
}
