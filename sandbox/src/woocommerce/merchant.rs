//! The WooCommerce simulator from the merchant's side (see [`crate::merchant`]).

use crate::control::ControlClient;
use crate::merchant::{MerchantStore, SimOrder, SimProduct, StoreCall, str_of, toml_string};
use crate::{CallRecord, Credentials, Fault, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::Value;

pub struct WooCommerceMerchant;

/// The secret the daemon signs its WooCommerce webhook subscriptions with (feedbridge chooses
/// it; WooCommerce signs deliveries with it).
const WEBHOOK_SECRET: &str = "feedbridge-demo-woocommerce-webhooks";

#[async_trait]
impl MerchantStore for WooCommerceMerchant {
    fn name(&self) -> &'static str {
        "WooCommerce"
    }

    fn platform(&self) -> &'static str {
        "woocommerce"
    }

    fn store_config(&self, url: &str, _: &Credentials) -> String {
        format!(
            "platform = \"woocommerce\"\nshop_domain = \"feedbridge-demo.example\"\napi_base = {}\n",
            toml_string(url)
        )
    }

    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        format!(
            "[woocommerce.{}]\nconsumer_key = {}\nconsumer_secret = {}\nwebhook_secret = {}\n",
            toml_string(org),
            toml_string(&credentials.woocommerce_consumer_key),
            toml_string(&credentials.woocommerce_consumer_secret),
            toml_string(WEBHOOK_SECRET),
        )
    }

    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            StoreCall::CreateOrder => "POST /wp-json/wc/v3/orders",
            StoreCall::ReadOrders => "/wp-json/wc/v3/orders",
            StoreCall::ReadProducts => "/wp-json/wc/v3/products",
        }
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        Ok(control
            .woocommerce_products()
            .await?
            .iter()
            .map(|p| SimProduct {
                id: p["id"].to_string(),
                title: str_of(&p["name"]),
                skus: variants(p).map(|v| str_of(&v["sku"])).collect(),
            })
            .collect())
    }

    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        control
            .woocommerce_products()
            .await?
            .iter()
            .flat_map(|p| variants(p).cloned().collect::<Vec<_>>())
            .find(|v| v["sku"] == sku)
            .and_then(|v| v["stock_quantity"].as_i64())
            .with_context(|| format!("WooCommerce stock of {sku}"))
    }

    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        control.woocommerce_set_stock(sku, qty).await?;
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        control.woocommerce_set_price(sku, price).await?;
        Ok(())
    }

    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        control
            .woocommerce_delete_product_permanently(product_id.parse::<u64>()?)
            .await?;
        Ok(())
    }

    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(control
            .woocommerce_orders()
            .await?
            .iter()
            .map(|o| SimOrder {
                id: o["id"].to_string(),
                tiktok_order_id: meta(o, "tiktok_order_id")
                    .and_then(|v| v.as_str().map(str::to_owned)),
                marked_as_tiktok: o["created_via"] == "tiktok_shop"
                    || o["payment_method"] == "tiktok_shop",
                cancelled: o["status"] == "cancelled",
                tracking: meta(o, "_wc_shipment_tracking_items")
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .map(|t| str_of(&t["tracking_number"]))
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
        let id = order_id
            .parse()
            .with_context(|| format!("\"{order_id}\" is not a WooCommerce order id"))?;
        control
            .woocommerce_ship(id, carrier, tracking_number)
            .await?;
        Ok(())
    }

    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.woocommerce_cancel_order(order_id.parse()?).await?;
        Ok(())
    }

    fn models_refunds(&self) -> bool {
        true
    }

    /// A refund of everything in wp-admin (status `refunded`).
    async fn refund(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.woocommerce_refund_order(order_id.parse()?).await?;
        Ok(())
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        Ok(control.woocommerce_fault(fault).await?)
    }

    async fn webhook_mode(&self, control: &ControlClient, mode: WebhookMode) -> anyhow::Result<()> {
        Ok(control.woocommerce_webhook_mode(mode).await?)
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.woocommerce_calls().await?)
    }
}

/// A product's sellable variants: its variations, or itself when simple.
fn variants(product: &Value) -> impl Iterator<Item = &Value> {
    let variations = product["variations_full"]
        .as_array()
        .filter(|v| !v.is_empty());
    variations
        .into_iter()
        .flatten()
        .chain(variations.is_none().then_some(product))
}

fn meta<'a>(order: &'a Value, key: &str) -> Option<&'a Value> {
    order["meta_data"]
        .as_array()?
        .iter()
        .find(|m| m["key"] == key)
        .map(|m| &m["value"])
}
