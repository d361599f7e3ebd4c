//! The simulators' control API (`/_sandbox/...`): what a buyer, a reviewer and a warehouse
//! would do on the real platforms.

use anyhow::Context;
use feedbridge_sandbox::RunningSandbox;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder, OrderLine};
use feedbridge_sandbox::merchant::SimStore;
use serde::Deserialize;

/// The scenario's view of the sandbox's [`ControlClient`], acting on the demo's store.
#[derive(Clone)]
pub struct Control {
    client: ControlClient,
    /// The seeded TikTok shop's client first, then one per further shop of the sandbox.
    shops: Vec<ControlClient>,
    store: SimStore,
}

/// A product as the TikTok simulator holds it.
#[derive(Clone, Debug, Deserialize)]
pub struct TikTokProduct {
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// `PENDING`, `ACTIVATE`, `FAILED`, ...
    pub status: String,
    /// Which of the sandbox's TikTok shops holds it (0: the seeded shop).
    #[serde(skip)]
    pub shop: usize,
}

impl Control {
    pub fn new(sandbox: &RunningSandbox, store: SimStore) -> Self {
        let client = ControlClient::for_sandbox(sandbox);
        let shops = std::iter::once(client.clone())
            .chain(
                sandbox
                    .credentials()
                    .more_tiktok_shops
                    .iter()
                    .map(|shop| client.clone().with_tiktok(&shop.url)),
            )
            .collect();
        Self {
            client,
            shops,
            store,
        }
    }

    /// Every product on every TikTok shop of the simulator.
    pub async fn tiktok_products(&self) -> anyhow::Result<Vec<TikTokProduct>> {
        let mut all = Vec::new();
        for (shop, client) in self.shops.iter().enumerate() {
            for product in client.tiktok_products().await? {
                let product: TikTokProduct = serde_json::from_value(product)
                    .context("Unexpected TikTok product in the sandbox")?;
                all.push(TikTokProduct { shop, ..product });
            }
        }
        Ok(all)
    }

    /// Approve (or reject) a product that is under TikTok review.
    pub async fn review(&self, product: &TikTokProduct, approve: bool) -> anyhow::Result<()> {
        let client = self.shops.get(product.shop).unwrap_or(&self.client);
        client
            .tiktok_review_product(&product.id, approve, &[])
            .await?;
        Ok(())
    }

    /// Whether the store is another TikTok shop: orders take its stock and are shipped from
    /// Seller Center, so the demo's buyers order on the second (GB) shop.
    pub fn store_is_source_shop(&self) -> bool {
        !self.store.holds_orders()
    }

    /// The shop the demo's buyers order on: the seeded shop, or the second one when the store
    /// is a source TikTok shop (its listings there are the ones in another market).
    fn buyers_shop(&self) -> &ControlClient {
        if self.store_is_source_shop() {
            self.shops.get(1).unwrap_or(&self.client)
        } else {
            &self.client
        }
    }

    /// A buyer places a paid order on TikTok; returns the TikTok order id.
    pub async fn place_order(&self, lines: &[(String, u32)]) -> anyhow::Result<String> {
        let order = NewTikTokOrder {
            lines: lines
                .iter()
                .map(|(seller_sku, quantity)| OrderLine {
                    seller_sku: seller_sku.clone(),
                    quantity: *quantity,
                })
                .collect(),
            ..NewTikTokOrder::default()
        };
        let id = self.buyers_shop().tiktok_create_order(&order).await?;
        anyhow::ensure!(!id.is_empty(), "The sandbox placed an order without an id");
        Ok(id)
    }

    /// A SKU's stock in the store.
    pub async fn stock(&self, sku: &str) -> anyhow::Result<i64> {
        self.store.stock(&self.client, sku).await
    }

    /// Set a SKU's available stock in the store.
    pub async fn set_stock(&self, sku: &str, available: i64) -> anyhow::Result<()> {
        self.store.set_stock(&self.client, sku, available).await
    }

    /// SKUs whose TikTok orders the daemon blocks for Seller Center (Amazon's
    /// merchant-fulfilled SKUs); none for a web store.
    pub async fn seller_center_skus(&self) -> anyhow::Result<Vec<String>> {
        self.store.seller_center_skus(&self.client).await
    }

    /// Whether the demo's store models refunds (a credit memo on Magento, a full refund on
    /// Shopify, WooCommerce, BigCommerce and Wix).
    pub fn store_refunds(&self) -> bool {
        self.store.models_refunds()
    }

    /// The merchant refunds a whole store order (`legacy_id` as for [`Control::fulfil`]).
    pub async fn refund(&self, legacy_id: &str) -> anyhow::Result<()> {
        self.store.refund(&self.client, legacy_id).await
    }

    /// The warehouse ships a store order (`legacy_id` is the number in its id).
    pub async fn fulfil(
        &self,
        legacy_id: &str,
        tracking_number: &str,
        company: &str,
    ) -> anyhow::Result<()> {
        self.store
            .ship(&self.client, legacy_id, company, tracking_number)
            .await
    }
}

/// The numeric id at the end of a Shopify GID ("gid://shopify/Order/1001" → "1001"), or a
/// WooCommerce order id as it is, or a store's GUID order id (Wix) as it is.
pub fn legacy_id(gid: &str) -> Option<&str> {
    let id = gid.rsplit('/').next()?;
    let id = id.split('?').next()?;
    let guid = feedbridge_common::stores::wix::is_guid(id);
    (!id.is_empty() && (guid || id.bytes().all(|b| b.is_ascii_digit()))).then_some(id)
}

/// A 22-digit USPS-style tracking number, distinct per serial (0–99).
pub fn tracking_number(serial: u32) -> String {
    format!("94001118992238572684{:02}", serial % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_ids_come_from_gids() {
        assert_eq!(legacy_id("gid://shopify/Order/5001"), Some("5001"));
        assert_eq!(legacy_id("5001"), Some("5001"));
        assert_eq!(legacy_id("gid://shopify/Order/"), None);
        assert_eq!(legacy_id("gid://shopify/Order/abc"), None);
        let guid = "eb117c45-a6bd-4172-ae70-803530532d55";
        assert_eq!(legacy_id(guid), Some(guid));
    }

    #[test]
    fn tracking_numbers_look_like_usps() {
        assert_eq!(tracking_number(99), "9400111899223857268499");
        assert_eq!(tracking_number(1).len(), 22);
        assert_ne!(tracking_number(1), tracking_number(2));
    }
}
