//! The BigCommerce simulator from the merchant's side (see [`crate::merchant`]).

use crate::common::Background;
use crate::control::{BigCommerceAccount, ControlClient};
use crate::merchant::{
    MerchantStore, SimOrder, SimProduct, StoreCall, StoreServer, StoreSimulator, str_of,
    toml_string,
};
use crate::{CallRecord, Credentials, Fault, SandboxConfig, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::Value;

pub struct BigCommerceMerchant;

impl StoreSimulator for BigCommerceMerchant {
    fn serve(
        &self,
        config: &SandboxConfig,
        bg: Background,
        base_url: String,
    ) -> anyhow::Result<StoreServer> {
        let (bc, account) = super::BigCommerce::new(config, bg, base_url);
        Ok(StoreServer {
            router: super::router(bc),
            credentials: serde_json::to_value(account)?,
        })
    }
}

fn account(credentials: &Credentials) -> BigCommerceAccount {
    credentials.store(BigCommerceMerchant.platform())
}

/// The value the daemon's BigCommerce webhooks carry in `X-Feedbridge-Token` (feedbridge
/// chooses it; BigCommerce sends it back on every delivery).
const WEBHOOK_SECRET: &str = "feedbridge-demo-bigcommerce-webhooks";

#[async_trait]
impl MerchantStore for BigCommerceMerchant {
    fn name(&self) -> &'static str {
        "BigCommerce"
    }

    fn platform(&self) -> &'static str {
        "bigcommerce"
    }

    /// The store hash rides in the permanent domain; `api_base` replaces api.bigcommerce.com.
    fn store_config(&self, url: &str, credentials: &Credentials) -> String {
        let account = account(credentials);
        format!(
            "platform = \"bigcommerce\"\nshop_domain = {}\napi_base = {}\n",
            toml_string(&format!("store-{}.mybigcommerce.com", account.store_hash)),
            toml_string(url)
        )
    }

    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        format!(
            "[bigcommerce.{}]\naccess_token = {}\nwebhook_secret = {}\n",
            toml_string(org),
            toml_string(&account(credentials).access_token),
            toml_string(WEBHOOK_SECRET),
        )
    }

    /// Faults also match the path without `/stores/{hash}`.
    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            StoreCall::CreateOrder => "POST /v2/orders",
            StoreCall::ReadOrders => "/v2/orders",
            StoreCall::ReadProducts => "/v3/catalog/products",
        }
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        Ok(control
            .bigcommerce_products()
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
        let products = control.bigcommerce_products().await?;
        let variant = products
            .iter()
            .flat_map(variants)
            .find(|v| v["sku"] == sku)
            .with_context(|| format!("no BigCommerce variant has SKU {sku}"))?;
        variant["stock_by_location"]
            .as_object()
            .map(|by_location| by_location.values().filter_map(Value::as_i64).sum())
            .with_context(|| format!("BigCommerce stock of {sku}"))
    }

    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        control.bigcommerce_set_stock(sku, qty).await?;
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        control.bigcommerce_set_price(sku, price).await?;
        Ok(())
    }

    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        control
            .bigcommerce_delete_product(product_id.parse::<u64>()?)
            .await?;
        Ok(())
    }

    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(control
            .bigcommerce_orders()
            .await?
            .iter()
            .map(|o| SimOrder {
                id: o["id"].to_string(),
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

    /// `carrier` as a tracking-carrier slug ("UPS" → "ups").
    async fn ship(
        &self,
        control: &ControlClient,
        order_id: &str,
        carrier: &str,
        tracking_number: &str,
    ) -> anyhow::Result<()> {
        let slug = carrier.trim().to_ascii_lowercase().replace(' ', "-");
        control
            .bigcommerce_ship(order_id_of(order_id)?, &slug, tracking_number)
            .await?;
        Ok(())
    }

    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control
            .bigcommerce_cancel_order(order_id_of(order_id)?)
            .await?;
        Ok(())
    }

    fn models_refunds(&self) -> bool {
        true
    }

    async fn refund(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control
            .bigcommerce_refund_order(order_id_of(order_id)?)
            .await?;
        Ok(())
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        Ok(control.bigcommerce_fault(fault).await?)
    }

    async fn webhook_mode(&self, control: &ControlClient, mode: WebhookMode) -> anyhow::Result<()> {
        Ok(control.bigcommerce_webhook_mode(mode).await?)
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.bigcommerce_calls().await?)
    }
}

fn order_id_of(order_id: &str) -> anyhow::Result<u64> {
    order_id
        .parse()
        .with_context(|| format!("\"{order_id}\" is not a BigCommerce order id"))
}

/// A product's variants (a product without options has its one base variant).
fn variants(product: &Value) -> impl Iterator<Item = &Value> {
    product["variants"].as_array().into_iter().flatten()
}
