//! The B2C Commerce simulator from the merchant's side (see [`crate::merchant`]).

use crate::common::Background;
use crate::control::{ControlClient, SfccCredentials};
use crate::merchant::{
    MerchantStore, SimOrder, SimProduct, StoreCall, StoreServer, StoreSimulator, str_of,
    toml_string,
};
use crate::{CallRecord, Credentials, Fault, SandboxConfig, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::Value;

pub struct SfccMerchant;

/// No background work: B2C Commerce sends no webhooks.
impl StoreSimulator for SfccMerchant {
    fn serve(
        &self,
        config: &SandboxConfig,
        _: Background,
        base_url: String,
    ) -> anyhow::Result<StoreServer> {
        let sfcc = super::Sfcc::new(config, base_url);
        let credentials = serde_json::to_value(&sfcc.creds)?;
        Ok(StoreServer {
            router: super::router(sfcc),
            credentials,
        })
    }
}

#[async_trait]
impl MerchantStore for SfccMerchant {
    fn name(&self) -> &'static str {
        "Salesforce B2C Commerce"
    }

    fn platform(&self) -> &'static str {
        "sfcc"
    }

    fn store_config(&self, url: &str, credentials: &Credentials) -> String {
        let c: SfccCredentials = credentials.store(self.platform());
        format!(
            "platform = \"sfcc\"\nshop_domain = \"{}.api.commercecloud.salesforce.com\"\napi_base = {}\n",
            c.short_code,
            toml_string(url)
        )
    }

    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        let c: SfccCredentials = credentials.store(self.platform());
        format!(
            "[sfcc.{}]\nclient_id = {}\nclient_secret = {}\norganization_id = {}\nsite_id = {}\ninstance_host = \"zzxy-prd.dx.commercecloud.salesforce.com\"\ninventory_list_id = {}\nslas_client_id = {}\nslas_client_secret = {}\n",
            toml_string(org),
            toml_string(&c.client_id),
            toml_string(&c.client_secret),
            toml_string(&c.organization_id),
            toml_string(&c.site_id),
            toml_string(&c.inventory_list_id),
            toml_string(&c.slas_client_id),
            toml_string(&c.slas_client_secret),
        )
    }

    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            StoreCall::CreateOrder => "POST /checkout/orders/v1/",
            StoreCall::ReadOrders => "GET /checkout/orders/v1/",
            StoreCall::ReadProducts => "/product_search",
        }
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        Ok(control
            .sfcc_products()
            .await?
            .iter()
            .map(|p| SimProduct {
                id: str_of(&p["id"]),
                title: str_of(&p["name"]["default"]),
                skus: skus(p),
            })
            .collect())
    }

    /// ATS of the SKU's record in the site's inventory list.
    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        control
            .sfcc_products()
            .await?
            .iter()
            .find_map(|p| {
                if p["id"] == sku && p["variants"].is_null() {
                    return p["ats"].as_i64();
                }
                p["variants"]
                    .as_array()?
                    .iter()
                    .find(|v| v["productId"] == sku)
                    .and_then(|v| v["ats"].as_i64())
            })
            .with_context(|| format!("B2C Commerce ATS of {sku}"))
    }

    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        control.sfcc_set_stock(sku, qty).await?;
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        control.sfcc_set_price(sku, price).await?;
        Ok(())
    }

    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        control.sfcc_delete_product(product_id).await?;
        Ok(())
    }

    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(control
            .sfcc_orders()
            .await?
            .into_iter()
            .map(|o| SimOrder {
                id: o.order_no,
                marked_as_tiktok: o.channel_type == "tiktok",
                tiktok_order_id: o.tiktok_order_id,
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
            .sfcc_ship(order_id, carrier, tracking_number)
            .await?;
        Ok(())
    }

    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control.sfcc_cancel_order(order_id).await?;
        Ok(())
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        Ok(control.sfcc_fault(fault).await?)
    }

    /// B2C Commerce core sends no webhooks.
    async fn webhook_mode(&self, _: &ControlClient, _: WebhookMode) -> anyhow::Result<()> {
        Ok(())
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.sfcc_calls().await?)
    }
}

/// A master's variant SKUs, or a standard product's own id.
fn skus(product: &Value) -> Vec<String> {
    match product["variants"].as_array() {
        Some(variants) => variants.iter().map(|v| str_of(&v["productId"])).collect(),
        None => vec![str_of(&product["id"])],
    }
}
