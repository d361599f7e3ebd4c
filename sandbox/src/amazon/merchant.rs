//! Amazon Seller Central as the store, from the merchant's side (see [`crate::merchant`]).
//!
//! The seller's products are its listings (a variation family is one product, its child SKUs
//! the variants); stock is FBA's fulfillable units for FBA SKUs and the MFN quantity for
//! merchant-fulfilled ones. The "store orders" of an Amazon seller are its Multi-Channel
//! Fulfillment orders: TikTok orders of FBA SKUs go there (`TTS-<TikTok order id>`).

use crate::control::{AmazonListing, AmazonSeller, ControlClient};
use crate::merchant::{MerchantStore, SimOrder, SimProduct, StoreCall, toml_string};
use crate::{CallRecord, Credentials, Fault, WebhookMode};
use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::Value;

pub struct AmazonMerchant;

impl AmazonMerchant {
    async fn listing(control: &ControlClient, sku: &str) -> anyhow::Result<AmazonListing> {
        control
            .amazon_listings()
            .await?
            .into_iter()
            .find(|l| l.sku == sku)
            .with_context(|| format!("the Amazon seller has no listing {sku}"))
    }
}

/// The TikTok order id of a fulfilment order id `TTS-<id>` or `TTS-<id>-R<n>`.
fn tiktok_order_of(fulfilment_id: &str) -> Option<String> {
    let rest = fulfilment_id.strip_prefix("TTS-")?;
    Some(rest.split("-R").next().unwrap_or(rest).to_string())
}

fn str_at(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_string()
}

#[async_trait]
impl MerchantStore for AmazonMerchant {
    fn name(&self) -> &'static str {
        "Amazon Seller Central"
    }

    fn platform(&self) -> &'static str {
        "amazon"
    }

    fn store_config(&self, url: &str, credentials: &Credentials) -> String {
        let seller: AmazonSeller = credentials.store(self.platform());
        format!(
            "platform = \"amazon\"\nshop_domain = \"sellercentral.amazon.com\"\nmarketplace_id = {}\nseller_id = {}\napi_base = {}\ntoken_url = {}\n",
            toml_string(&seller.marketplace_id),
            toml_string(&seller.seller_id),
            toml_string(url),
            toml_string(&format!("{}/auth/o2/token", url.trim_end_matches('/'))),
        )
    }

    /// The LWA grant, in the one `[amazon.<org>]` section MCF uses too.
    fn store_secrets(&self, org: &str, credentials: &Credentials) -> String {
        format!(
            "[amazon.{}]\nclient_id = {}\nclient_secret = {}\nrefresh_token = {}\n",
            toml_string(org),
            toml_string(&credentials.amazon_client_id),
            toml_string(&credentials.amazon_client_secret),
            toml_string(&credentials.amazon_refresh_token),
        )
    }

    fn call_path(&self, call: StoreCall) -> &'static str {
        match call {
            StoreCall::CreateOrder => "createFulfillmentOrder",
            StoreCall::ReadOrders => "getFulfillmentOrder",
            StoreCall::ReadProducts => "searchListingsItems",
        }
    }

    async fn products(&self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        let listings = control.amazon_listings().await?;
        Ok(listings
            .iter()
            .filter(|l| l.parent_sku.is_none())
            .map(|l| SimProduct {
                id: l.asin.clone(),
                title: l.item_name.clone(),
                skus: if l.child_skus.is_empty() {
                    vec![l.sku.clone()]
                } else {
                    l.child_skus.clone()
                },
            })
            .collect())
    }

    async fn stock(&self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        Ok(Self::listing(control, sku).await?.quantity)
    }

    /// FBA SKUs: the fulfillable units at FBA; merchant-fulfilled SKUs: the MFN quantity.
    async fn set_stock(&self, control: &ControlClient, sku: &str, qty: i64) -> anyhow::Result<()> {
        if Self::listing(control, sku).await?.fba {
            control.amazon_set_fba_stock(sku, qty).await?;
        } else {
            control.amazon_set_mfn_quantity(sku, qty).await?;
        }
        Ok(())
    }

    async fn set_price(
        &self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        Ok(control.amazon_set_price(sku, price).await?)
    }

    async fn delete_product(
        &self,
        control: &ControlClient,
        product_id: &str,
    ) -> anyhow::Result<()> {
        Ok(control.amazon_delete_family(product_id).await?)
    }

    /// The seller's MCF fulfilment orders.
    async fn all_orders(&self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(control
            .amazon_orders()
            .await?
            .iter()
            .map(|o| {
                let id = str_at(&o["fulfillmentOrder"], "sellerFulfillmentOrderId");
                let tracking = o["fulfillmentShipments"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|s| s["fulfillmentShipmentPackage"].as_array().cloned())
                    .flatten()
                    .map(|p| str_at(&p, "trackingNumber"))
                    .filter(|t| !t.is_empty())
                    .collect();
                SimOrder {
                    tiktok_order_id: tiktok_order_of(&id),
                    marked_as_tiktok: id.starts_with("TTS-"),
                    cancelled: o["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Cancelled",
                    tracking,
                    id,
                }
            })
            .collect())
    }

    /// Amazon ships the fulfilment order.
    async fn ship(
        &self,
        control: &ControlClient,
        order_id: &str,
        carrier: &str,
        tracking_number: &str,
    ) -> anyhow::Result<()> {
        control
            .amazon_ship(order_id, carrier, tracking_number)
            .await?;
        Ok(())
    }

    async fn cancel(&self, control: &ControlClient, order_id: &str) -> anyhow::Result<()> {
        control
            .amazon_set_order_status(order_id, "Cancelled")
            .await?;
        Ok(())
    }

    /// Merchant-fulfilled offers: their TikTok orders are fulfilled in Seller Center.
    async fn seller_center_skus(&self, control: &ControlClient) -> anyhow::Result<Vec<String>> {
        Ok(control
            .amazon_listings()
            .await?
            .into_iter()
            .filter(|l| !l.fba && l.child_skus.is_empty())
            .map(|l| l.sku)
            .collect())
    }

    async fn fault(&self, control: &ControlClient, fault: &Fault) -> anyhow::Result<()> {
        Ok(control.amazon_fault(fault).await?)
    }

    /// SP-API notifications need an AWS destination; the daemon polls.
    async fn webhook_mode(&self, _: &ControlClient, _: WebhookMode) -> anyhow::Result<()> {
        Ok(())
    }

    async fn calls(&self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(control.amazon_calls().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fulfilment_ids_name_their_tiktok_order() {
        assert_eq!(tiktok_order_of("TTS-577001"), Some("577001".into()));
        assert_eq!(tiktok_order_of("TTS-577001-R2"), Some("577001".into()));
        assert_eq!(tiktok_order_of("other"), None);
    }
}
