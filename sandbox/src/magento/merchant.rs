//! The Magento simulator from the merchant's side (see [`crate::merchant`]).

use crate::common::Background;
use crate::control::{ControlClient, MagentoKeys};
use crate::merchant::{
    MerchantStore, SimOrder, SimProduct, StoreCall, StoreServer, StoreSimulator, str_of,
    toml_string,
};
use crate::{CallRecord, Credentials, Fault, SandboxConfig, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::Value;

pub struct MagentoMerchant;

/// The simulator takes no background work: Magento sends no webhooks.
impl StoreSimulator for MagentoMerchant {
    fn serve(
        &self,
        config: &SandboxConfig,
        _: Background,
        base_url: String,
    ) -> anyhow::Result<StoreServer> {
        let (magento, keys) = super::Magento::new(config, base_url);
        Ok(StoreServer {
            router: super::router(magento),
            credentials: serde_json::to_value(keys)?,
        })
    }
}

#[async_trait]
impl MerchantStore for MagentoMerchant {
    fn name(&self) -> &'static str {
        "Magento"
    }

    fn platform(&self) -> &'static str {
        "magento"
    }

    fn store_config(&self, url: &str, _: &Credentials) -> String {
        format!(
            "platform = \"magento\"\nshop_domain = \"feedbridge-demo.example\"\napi_base = {}\n",
            toml_string(url)
        )
    }

    /// The integration's four OAuth 1.0a values, so the daemon signs its calls.
    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        let keys: MagentoKeys = credentials.store(self.platform());
        format!(
            "[magento.{}]\nconsumer_key = {}\nconsumer_secret = {}\naccess_token = {}\naccess_token_secret = {}\n",
            toml_string(org),
            toml_string(&keys.consumer_key),
            toml_string(&keys.consumer_secret),
            toml_string(&keys.access_token),
            toml_string(&keys.access_token_secret),
        )
    }

    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            // The guest checkout's last step places the order.
            StoreCall::CreateOrder => "/payment-information",
            StoreCall::ReadOrders => "GET /rest/default/V1/orders",
            StoreCall::ReadProducts => "GET /rest/default/V1/products",
        }
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        Ok(control
            .magento_products()
            .await?
            .iter()
            .map(|p| SimProduct {
                id: p["id"].to_string(),
                title: str_of(&p["name"]),
                skus: sellable(p).map(|v| str_of(&v["sku"])).collect(),
            })
            .collect())
    }

    /// The salable quantity of the default stock (both sources, less reservations).
    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        control
            .magento_products()
            .await?
            .iter()
            .flat_map(|p| sellable(p).cloned().collect::<Vec<_>>())
            .find(|v| v["sku"] == sku)
            .and_then(|v| quantity(&v["salable_quantity"]))
            .with_context(|| format!("Magento salable quantity of {sku}"))
    }

    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        control.magento_set_stock(sku, qty).await?;
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        control.magento_set_price(sku, price).await?;
        Ok(())
    }

    /// The admin deletes by SKU. A configurable product's children outlive it in Magento
    /// (and stay orderable by SKU), so the merchant deletes them with it, as deleting the
    /// product "for good" means.
    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        let id: u64 = product_id
            .parse()
            .with_context(|| format!("\"{product_id}\" is not a Magento product id"))?;
        let products = control.magento_products().await?;
        let product = products
            .iter()
            .find(|p| p["id"] == id)
            .with_context(|| format!("no Magento product {product_id}"))?;
        let children = product["children_full"].as_array().into_iter().flatten();
        for sku in std::iter::once(product)
            .chain(children)
            .map(|p| str_of(&p["sku"]))
        {
            control.magento_delete_product(&sku).await?;
        }
        Ok(())
    }

    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(control
            .magento_orders()
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
        let code = match carrier.to_ascii_lowercase().as_str() {
            known @ ("ups" | "usps" | "fedex" | "dhl") => known.to_owned(),
            _ => "custom".to_owned(),
        };
        control
            .magento_ship(order_id_of(order_id)?, &code, carrier, tracking_number)
            .await?;
        Ok(())
    }

    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.magento_cancel_order(order_id_of(order_id)?).await?;
        Ok(())
    }

    fn models_refunds(&self) -> bool {
        true
    }

    /// An offline credit memo for everything (invoiced first if need be): the order closes.
    async fn refund(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.magento_refund(order_id_of(order_id)?).await?;
        Ok(())
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        Ok(control.magento_fault(fault).await?)
    }

    /// Core Magento sends no webhooks: nothing to deliver, drop or duplicate.
    async fn webhook_mode(&self, _: &ControlClient, _: WebhookMode) -> anyhow::Result<()> {
        Ok(())
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.magento_calls().await?)
    }
}

fn order_id_of(order_id: &str) -> anyhow::Result<u64> {
    order_id
        .parse()
        .with_context(|| format!("\"{order_id}\" is not a Magento order id"))
}

/// A product's sellable SKUs: a configurable parent's children, or itself when simple.
fn sellable(product: &Value) -> impl Iterator<Item = &Value> {
    let children = product["children_full"]
        .as_array()
        .filter(|c| !c.is_empty());
    children
        .into_iter()
        .flatten()
        .chain(children.is_none().then_some(product))
}

/// Magento quantities are decimals (`5` or `5.0`).
fn quantity(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|q| q.round() as i64))
}
