//! The Shopify simulator from the merchant's side (see [`crate::merchant`]).

use crate::control::ControlClient;
use crate::merchant::{MerchantStore, SimOrder, SimProduct, StoreCall, str_of, toml_string};
use crate::{CallRecord, Credentials, Fault, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::Value;

pub struct ShopifyMerchant;

#[async_trait]
impl MerchantStore for ShopifyMerchant {
    fn name(&self) -> &'static str {
        "Shopify"
    }

    fn platform(&self) -> &'static str {
        "shopify"
    }

    fn store_config(&self, url: &str, credentials: &Credentials) -> String {
        format!(
            "platform = \"shopify\"\nshop_domain = {}\napi_base = {}\n",
            toml_string(&credentials.shopify_shop_domain),
            toml_string(url)
        )
    }

    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        format!(
            "[shopify.{}]\naccess_token = {}\nwebhook_secret = {}\n",
            toml_string(org),
            toml_string(&credentials.shopify_access_token),
            toml_string(&credentials.shopify_webhook_secret),
        )
    }

    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            StoreCall::CreateOrder => "orderCreate",
            StoreCall::ReadOrders => "orders",
            StoreCall::ReadProducts => "products",
        }
    }

    fn is_throttled(&self, call: &CallRecord) -> bool {
        call.code.as_ref().and_then(Value::as_str) == Some("THROTTLED")
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        Ok(control
            .shopify_products()
            .await?
            .iter()
            .map(|p| SimProduct {
                id: p["id"].to_string(),
                title: str_of(&p["title"]),
                skus: p["variants"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| str_of(&v["sku"]))
                    .collect(),
            })
            .collect())
    }

    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        control
            .shopify_products()
            .await?
            .iter()
            .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
            .find(|v| v["sku"] == sku)
            .and_then(|v| v["inventory_quantity"].as_i64())
            .with_context(|| format!("Shopify stock of {sku}"))
    }

    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        control.shopify_set_inventory(sku, qty).await?;
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        control.shopify_set_price(sku, price).await?;
        Ok(())
    }

    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        control
            .shopify_delete_product(product_id.parse::<u64>()?)
            .await?;
        Ok(())
    }

    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(control
            .shopify_store_orders()
            .await?
            .into_iter()
            .map(|o| SimOrder {
                id: o.legacy_id.to_string(),
                tiktok_order_id: o
                    .custom_attributes
                    .iter()
                    .find(|(k, _)| k == "tiktok_order_id")
                    .map(|(_, v)| v.clone()),
                marked_as_tiktok: o.tags.iter().any(|t| t == "TikTokShop"),
                cancelled: o.cancelled,
                tracking: o
                    .fulfillments
                    .iter()
                    .filter_map(|f| f.tracking_number.clone())
                    .collect(),
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
            .shopify_fulfill(order_id, tracking_number, carrier, None)
            .await?;
        Ok(())
    }

    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.shopify_cancel_order(order_id).await?;
        Ok(())
    }

    fn models_refunds(&self) -> bool {
        true
    }

    /// A refund of everything in the admin (financial status REFUNDED; the order stays open).
    async fn refund(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.shopify_refund_order(order_id).await?;
        Ok(())
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        Ok(control.shopify_fault(fault).await?)
    }

    async fn webhook_mode(&self, control: &ControlClient, mode: WebhookMode) -> anyhow::Result<()> {
        Ok(control.shopify_webhook_mode(mode).await?)
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.shopify_calls().await?)
    }
}
