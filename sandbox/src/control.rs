//! Client for the sandbox control API (`/_sandbox/...` on each simulator): place TikTok orders,
//! review products, change Shopify stock, fulfil and cancel orders, inspect call logs and webhook
//! deliveries, and script faults. Not part of either platform.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::merchant::SimStore;
use crate::{CallRecord, Delivery, Fault, RunningSandbox};

mod amazon;
mod auth;
mod bigcommerce;
mod listing;
mod magento;
mod orders;
mod prestashop;
mod sfcc;
mod stock;
mod tiktok_source;
mod wix;
mod woocommerce;
pub use crate::common::WebhookMode;
pub use amazon::{AmazonListing, AmazonSeller};
pub use bigcommerce::BigCommerceAccount;
pub use listing::SellerSku;
pub use magento::{MagentoConfig, MagentoIntegration, MagentoKeys, MagentoLine, MagentoOrder};
pub use orders::{StoreFulfillment, StoreLineItem, StoreOrder};
pub use prestashop::{PrestaShopKey, PrestaShopOrder};
pub use sfcc::{SfccCredentials, SfccOrder};
pub use stock::StoreLocation;
pub use tiktok_source::TikTokSourceCredentials;
pub use wix::{
    WIX_APP_PUBLIC_KEY_PEM, WixCredentials, wix_app_webhook, wix_forged_webhook,
    wix_unsigned_webhook,
};

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("Sandbox control request {url} failed: {source}. Is the sandbox running?")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("Sandbox control request {url} returned HTTP {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
}

/// One line of a TikTok buyer order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderLine {
    pub seller_sku: String,
    pub quantity: u32,
}

/// A TikTok buyer order to place (`POST /_sandbox/orders`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewTikTokOrder {
    pub lines: Vec<OrderLine>,
    /// `AWAITING_SHIPMENT` (default), `UNPAID` or `ON_HOLD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `SELLER` (default) or `TIKTOK`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_type: Option<String>,
    /// `FULFILLMENT_BY_SELLER` (default) or `FULFILLMENT_BY_TIKTOK`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fulfillment_type: Option<String>,
    /// `STANDARD` (default) or `EXPRESS` (sandbox extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_option: Option<String>,
    /// Order-level seller discount (decimal string); spread over the units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_discount: Option<String>,
    /// Order-level platform discount (decimal string); spread over the units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_discount: Option<String>,
    /// What the buyer pays for shipping (default `0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_fee: Option<String>,
    /// Order tax (default: 8% of the sub total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<String>,
    /// Buyer name, phone and email returned masked (privacy-protected order).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub masked_buyer: bool,
}

impl NewTikTokOrder {
    /// An AWAITING_SHIPMENT, seller-shipped order of `quantity` × `seller_sku`.
    pub fn single(seller_sku: impl Into<String>, quantity: u32) -> Self {
        Self {
            lines: vec![OrderLine {
                seller_sku: seller_sku.into(),
                quantity,
            }],
            ..Self::default()
        }
    }

    /// Seller and platform discounts (decimal strings, order level).
    #[must_use]
    pub fn with_discounts(
        mut self,
        seller: impl Into<String>,
        platform: impl Into<String>,
    ) -> Self {
        self.seller_discount = Some(seller.into());
        self.platform_discount = Some(platform.into());
        self
    }

    /// What the buyer pays for shipping (decimal string).
    #[must_use]
    pub fn with_shipping_fee(mut self, fee: impl Into<String>) -> Self {
        self.shipping_fee = Some(fee.into());
        self
    }

    /// The order's tax (decimal string).
    #[must_use]
    pub fn with_tax(mut self, tax: impl Into<String>) -> Self {
        self.tax = Some(tax.into());
        self
    }

    /// Starts in `status` (`AWAITING_SHIPMENT`, `UNPAID` or `ON_HOLD`).
    #[must_use]
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// A privacy-masked buyer (name `J***`, phone `(+1)213*****21`, no email).
    #[must_use]
    pub fn masked(mut self) -> Self {
        self.masked_buyer = true;
        self
    }

    /// Fulfilled by TikTok (FBT; shipped by TikTok).
    #[must_use]
    pub fn fbt(mut self) -> Self {
        self.fulfillment_type = Some("FULFILLMENT_BY_TIKTOK".to_string());
        self.shipping_type = Some("TIKTOK".to_string());
        self
    }

    /// Seller-fulfilled but shipped with a TikTok label (`shipping_type` `TIKTOK`).
    #[must_use]
    pub fn tiktok_shipping(mut self) -> Self {
        self.shipping_type = Some("TIKTOK".to_string());
        self
    }
}

/// A SKU quantity to fulfil on Shopify.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FulfillLine {
    pub sku: String,
    pub quantity: i64,
}

#[derive(Clone, Debug)]
pub struct ControlClient {
    http: reqwest::Client,
    tiktok: String,
    shopify: String,
    woocommerce: String,
    amazon: String,
    /// The store simulators `start` serves generically, by store.
    stores: BTreeMap<SimStore, String>,
}

impl ControlClient {
    /// `tiktok_url` / `shopify_url` as returned by [`RunningSandbox`] (or the binary's ready line).
    pub fn new(tiktok_url: impl Into<String>, shopify_url: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            tiktok: tiktok_url.into().trim_end_matches('/').to_string(),
            shopify: shopify_url.into().trim_end_matches('/').to_string(),
            woocommerce: String::new(),
            amazon: String::new(),
            stores: BTreeMap::new(),
        }
    }

    /// Also control the WooCommerce and Amazon simulators at these URLs.
    pub fn with_more(mut self, woocommerce_url: &str, amazon_url: &str) -> Self {
        self.woocommerce = woocommerce_url.trim_end_matches('/').to_string();
        self.amazon = amazon_url.trim_end_matches('/').to_string();
        self
    }

    /// Also control this store's simulator at `url` (a store other than Shopify and
    /// WooCommerce, whose URLs [`ControlClient::new`] and [`ControlClient::with_more`] take).
    #[must_use]
    pub fn with_store(mut self, store: SimStore, url: &str) -> Self {
        self.stores
            .insert(store, url.trim_end_matches('/').to_string());
        self
    }

    /// The same client controlling another TikTok shop: `url` is its own listener
    /// (`TikTokShopCredentials::url`).
    #[must_use]
    pub fn with_tiktok(mut self, url: &str) -> Self {
        self.tiktok = url.trim_end_matches('/').to_string();
        self
    }

    pub fn for_sandbox(sandbox: &RunningSandbox) -> Self {
        let mut client = Self::new(sandbox.tiktok_url(), sandbox.shopify_url())
            .with_more(&sandbox.woocommerce_url(), &sandbox.amazon_url());
        for &store in SimStore::all() {
            if store.simulator().is_some() {
                client = client.with_store(store, &sandbox.store_url(store));
            }
        }
        client
    }

    /// Base URL of a store simulator set by [`ControlClient::with_store`] ("" when not set, so
    /// its control calls fail as requests).
    fn store_url(&self, store: SimStore) -> &str {
        self.stores
            .get(&store)
            .map(String::as_str)
            .unwrap_or_default()
    }

    async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        url: String,
    ) -> Result<T, ControlError> {
        let resp = req.send().await.map_err(|source| ControlError::Http {
            url: url.clone(),
            source,
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|source| ControlError::Http {
            url: url.clone(),
            source,
        })?;
        if !status.is_success() {
            return Err(ControlError::Status {
                url,
                status: status.as_u16(),
                body: text,
            });
        }
        serde_json::from_str(&text).map_err(|e| ControlError::Status {
            url,
            status: status.as_u16(),
            body: format!("unexpected response ({e}): {text}"),
        })
    }

    async fn get<T: DeserializeOwned>(&self, url: String) -> Result<T, ControlError> {
        self.send(self.http.get(&url), url).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        url: String,
        body: &Value,
    ) -> Result<T, ControlError> {
        self.send(self.http.post(&url).json(body), url).await
    }

    // ---- TikTok -----------------------------------------------------------------------------

    /// Places a buyer order; returns its id. Fires ORDER_STATUS_CHANGE.
    pub async fn tiktok_create_order(
        &self,
        order: &NewTikTokOrder,
    ) -> Result<String, ControlError> {
        let body = serde_json::to_value(order).unwrap_or(Value::Null);
        let v: Value = self
            .post(format!("{}/_sandbox/orders", self.tiktok), &body)
            .await?;
        Ok(v["order_id"].as_str().unwrap_or_default().to_string())
    }

    /// Moves an order to `status` (e.g. `IN_TRANSIT`, `DELIVERED`, `CANCELLED`); returns the order.
    pub async fn tiktok_set_order_status(
        &self,
        order_id: &str,
        status: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/status", self.tiktok),
            &json!({"status": status}),
        )
        .await
    }

    /// Move an order to a status TikTok may add in a later API version (forward
    /// compatibility: what a client written today does with it).
    pub async fn tiktok_set_later_version_status(
        &self,
        order_id: &str,
        status: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!(
                "{}/_sandbox/orders/{order_id}/later_version_status",
                self.tiktok
            ),
            &json!({"status": status}),
        )
        .await
    }

    /// The full order (API shape, with packages and cancellations expanded).
    pub async fn tiktok_order(&self, order_id: &str) -> Result<Value, ControlError> {
        self.get(format!("{}/_sandbox/orders/{order_id}", self.tiktok))
            .await
    }

    pub async fn tiktok_orders(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self.get(format!("{}/_sandbox/orders", self.tiktok)).await?;
        Ok(v["orders"].as_array().cloned().unwrap_or_default())
    }

    /// Approves (→ ACTIVATE) or rejects (→ FAILED) a PENDING product; returns the product.
    pub async fn tiktok_review_product(
        &self,
        product_id: &str,
        approve: bool,
        reasons: &[String],
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/products/{product_id}/review", self.tiktok),
            &json!({"approve": approve, "reasons": reasons}),
        )
        .await
    }

    /// All TikTok products (status, SKUs, inventory, price).
    pub async fn tiktok_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.tiktok))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    /// Expires every current access token (next call gets 105002).
    pub async fn tiktok_expire_token(&self) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/tokens/expire", self.tiktok),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    /// A single-use auth code for `/api/v2/token/get`.
    pub async fn tiktok_auth_code(&self) -> Result<String, ControlError> {
        let v: Value = self
            .post(format!("{}/_sandbox/auth_code", self.tiktok), &json!({}))
            .await?;
        Ok(v["code"].as_str().unwrap_or_default().to_string())
    }

    pub async fn tiktok_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.tiktok)).await
    }

    pub async fn tiktok_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.tiktok), &body)
            .await?;
        Ok(())
    }

    pub async fn tiktok_webhook_deliveries(&self) -> Result<Vec<Delivery>, ControlError> {
        self.get(format!("{}/_sandbox/webhooks/deliveries", self.tiktok))
            .await
    }

    /// The TikTok event types subscribed so far.
    pub async fn tiktok_webhook_subscriptions(&self) -> Result<Vec<String>, ControlError> {
        self.get(format!("{}/_sandbox/webhooks/subscriptions", self.tiktok))
            .await
    }

    // ---- Shopify ----------------------------------------------------------------------------

    /// Sets `available` at the default location; fires inventory_levels/update.
    pub async fn shopify_set_inventory(
        &self,
        sku: &str,
        available: i64,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/inventory", self.shopify),
            &json!({"sku": sku, "available": available}),
        )
        .await
    }

    /// Sets a variant's price (decimal string); fires products/update.
    pub async fn shopify_set_price(&self, sku: &str, price: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/price", self.shopify),
            &json!({"sku": sku, "price": price}),
        )
        .await
    }

    /// Fulfils an order (all remaining items, or `line_items`) with tracking; fires
    /// fulfillments/create. Returns `{"fulfillment": <REST fulfillment>}`.
    pub async fn shopify_fulfill(
        &self,
        order_legacy_id: impl Display,
        tracking_number: &str,
        company: &str,
        line_items: Option<&[FulfillLine]>,
    ) -> Result<Value, ControlError> {
        let mut body = json!({"tracking_number": tracking_number, "company": company});
        if let Some(lines) = line_items {
            body["line_items"] = serde_json::to_value(lines).unwrap_or(Value::Null);
        }
        self.post(
            format!("{}/_sandbox/orders/{order_legacy_id}/fulfill", self.shopify),
            &body,
        )
        .await
    }

    /// Replaces a fulfilment's tracking; fires fulfillments/update.
    pub async fn shopify_update_tracking(
        &self,
        fulfillment_legacy_id: impl Display,
        tracking_number: &str,
        company: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!(
                "{}/_sandbox/fulfillments/{fulfillment_legacy_id}/tracking",
                self.shopify
            ),
            &json!({"tracking_number": tracking_number, "company": company}),
        )
        .await
    }

    /// All orders in REST shape (tags, note, source, line items, fulfillments).
    pub async fn shopify_orders(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/orders", self.shopify))
            .await?;
        Ok(v["orders"].as_array().cloned().unwrap_or_default())
    }

    /// All products in REST shape.
    pub async fn shopify_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.shopify))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    /// Cancels an order as the merchant would in the admin (restocks); fires orders/cancelled.
    pub async fn shopify_cancel_order(
        &self,
        order_legacy_id: impl Display,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_legacy_id}/cancel", self.shopify),
            &json!({}),
        )
        .await
    }

    pub async fn shopify_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.shopify)).await
    }

    pub async fn shopify_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.shopify), &body)
            .await?;
        Ok(())
    }

    pub async fn shopify_webhook_deliveries(&self) -> Result<Vec<Delivery>, ControlError> {
        self.get(format!("{}/_sandbox/webhooks/deliveries", self.shopify))
            .await
    }
}
