//! One way for tests to act as the merchant on any simulated store platform: read the catalog,
//! change stock and prices, ship, cancel, delete, script faults and webhook delivery. The
//! connector conformance suite (`tests/tests/suite/conformance.rs`) is written against this, so a
//! new store platform needs its arm here and one line there.

use anyhow::Context;
use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::{CallRecord, Fault, FaultKind, WebhookMode};
use feedbridge_tui::demo::setup::DemoStore;
use serde_json::Value;

/// A store product as the merchant sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimProduct {
    pub id: String,
    pub title: String,
    pub skus: Vec<String>,
}

/// A store order as the merchant sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimOrder {
    /// The id the store's control API takes.
    pub id: String,
    /// The TikTok order it was created for, as recorded on the order itself.
    pub tiktok_order_id: Option<String>,
    /// Marked as a TikTok Shop order the way the platform allows (tag, meta, payment method).
    pub marked_as_tiktok: bool,
    pub cancelled: bool,
    /// Tracking numbers of its shipments.
    pub tracking: Vec<String>,
}

/// Store operations a fault can be aimed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreCall {
    CreateOrder,
}

/// The simulated store platform a test drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreSim(pub DemoStore);

impl StoreSim {
    pub fn name(self) -> &'static str {
        match self.0 {
            DemoStore::Shopify => "Shopify",
            DemoStore::Woocommerce => "WooCommerce",
        }
    }

    pub async fn products(self, control: &ControlClient) -> anyhow::Result<Vec<SimProduct>> {
        match self.0 {
            DemoStore::Shopify => Ok(control
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
                .collect()),
            DemoStore::Woocommerce => Ok(control
                .woocommerce_products()
                .await?
                .iter()
                .map(|p| SimProduct {
                    id: p["id"].to_string(),
                    title: str_of(&p["name"]),
                    skus: woocommerce_variants(p).map(|v| str_of(&v["sku"])).collect(),
                })
                .collect()),
        }
    }

    /// Sellable stock of a SKU, summed over the store's locations.
    pub async fn stock(self, control: &ControlClient, sku: &str) -> anyhow::Result<i64> {
        match self.0 {
            DemoStore::Shopify => control
                .shopify_products()
                .await?
                .iter()
                .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
                .find(|v| v["sku"] == sku)
                .and_then(|v| v["inventory_quantity"].as_i64())
                .with_context(|| format!("Shopify stock of {sku}")),
            DemoStore::Woocommerce => control
                .woocommerce_products()
                .await?
                .iter()
                .flat_map(|p| woocommerce_variants(p).cloned().collect::<Vec<_>>())
                .find(|v| v["sku"] == sku)
                .and_then(|v| v["stock_quantity"].as_i64())
                .with_context(|| format!("WooCommerce stock of {sku}")),
        }
    }

    pub async fn set_stock(
        self,
        control: &ControlClient,
        sku: &str,
        qty: i64,
    ) -> anyhow::Result<()> {
        match self.0 {
            DemoStore::Shopify => {
                control.shopify_set_inventory(sku, qty).await?;
            }
            DemoStore::Woocommerce => {
                control.woocommerce_set_stock(sku, qty).await?;
            }
        }
        Ok(())
    }

    pub async fn set_price(
        self,
        control: &ControlClient,
        sku: &str,
        price: &str,
    ) -> anyhow::Result<()> {
        match self.0 {
            DemoStore::Shopify => {
                control.shopify_set_price(sku, price).await?;
            }
            DemoStore::Woocommerce => {
                control.woocommerce_set_price(sku, price).await?;
            }
        }
        Ok(())
    }

    /// Delete (for good) the product holding `sku`.
    pub async fn delete_product_of(self, control: &ControlClient, sku: &str) -> anyhow::Result<()> {
        let product = self
            .products(control)
            .await?
            .into_iter()
            .find(|p| p.skus.iter().any(|s| s == sku))
            .with_context(|| format!("the product of {sku}"))?;
        match self.0 {
            DemoStore::Shopify => {
                control
                    .shopify_delete_product(product.id.parse::<u64>()?)
                    .await?;
            }
            DemoStore::Woocommerce => {
                control
                    .woocommerce_delete_product_permanently(product.id.parse::<u64>()?)
                    .await?;
            }
        }
        Ok(())
    }

    /// The store orders created for a TikTok order (there must be at most one).
    pub async fn orders_for(
        self,
        control: &ControlClient,
        tiktok_order_id: &str,
    ) -> anyhow::Result<Vec<SimOrder>> {
        Ok(self
            .all_orders(control)
            .await?
            .into_iter()
            .filter(|o| o.tiktok_order_id.as_deref() == Some(tiktok_order_id))
            .collect())
    }

    /// Every order in the store.
    pub async fn all_orders(self, control: &ControlClient) -> anyhow::Result<Vec<SimOrder>> {
        Ok(match self.0 {
            DemoStore::Shopify => control
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
                .collect::<Vec<_>>(),
            DemoStore::Woocommerce => control
                .woocommerce_orders()
                .await?
                .iter()
                .map(|o| SimOrder {
                    id: o["id"].to_string(),
                    tiktok_order_id: woocommerce_meta(o, "tiktok_order_id"),
                    marked_as_tiktok: o["created_via"] == "tiktok_shop"
                        || o["payment_method"] == "tiktok_shop",
                    cancelled: o["status"] == "cancelled",
                    tracking: woocommerce_meta_value(o, "_wc_shipment_tracking_items")
                        .and_then(|v| v.as_array().cloned())
                        .unwrap_or_default()
                        .iter()
                        .map(|t| str_of(&t["tracking_number"]))
                        .collect(),
                })
                .collect(),
        })
    }

    /// The merchant ships the whole order with this tracking number.
    pub async fn ship(
        self,
        control: &ControlClient,
        order: &SimOrder,
        carrier: &str,
        tracking_number: &str,
    ) -> anyhow::Result<()> {
        match self.0 {
            DemoStore::Shopify => {
                control
                    .shopify_fulfill(&order.id, tracking_number, carrier, None)
                    .await?;
            }
            DemoStore::Woocommerce => {
                control
                    .woocommerce_ship(order.id.parse()?, carrier, tracking_number)
                    .await?;
            }
        }
        Ok(())
    }

    /// The merchant cancels the order in the store's admin.
    pub async fn cancel(self, control: &ControlClient, order: &SimOrder) -> anyhow::Result<()> {
        match self.0 {
            DemoStore::Shopify => {
                control.shopify_cancel_order(&order.id).await?;
            }
            DemoStore::Woocommerce => {
                control.woocommerce_cancel_order(order.id.parse()?).await?;
            }
        }
        Ok(())
    }

    /// The next `count` calls of this kind fail as `kind`.
    pub async fn fault(
        self,
        control: &ControlClient,
        call: StoreCall,
        kind: FaultKind,
        count: u32,
    ) -> anyhow::Result<()> {
        let path_contains = match (self.0, call) {
            (DemoStore::Shopify, StoreCall::CreateOrder) => "orderCreate",
            (DemoStore::Woocommerce, StoreCall::CreateOrder) => "POST /wp-json/wc/v3/orders",
        };
        let fault = Fault {
            path_contains: path_contains.into(),
            kind,
            count,
        };
        match self.0 {
            DemoStore::Shopify => control.shopify_fault(&fault).await?,
            DemoStore::Woocommerce => control.woocommerce_fault(&fault).await?,
        }
        Ok(())
    }

    pub async fn webhook_mode(
        self,
        control: &ControlClient,
        mode: WebhookMode,
    ) -> anyhow::Result<()> {
        match self.0 {
            DemoStore::Shopify => control.shopify_webhook_mode(mode).await?,
            DemoStore::Woocommerce => control.woocommerce_webhook_mode(mode).await?,
        }
        Ok(())
    }

    /// Every call the store answered, oldest first.
    pub async fn calls(self, control: &ControlClient) -> anyhow::Result<Vec<CallRecord>> {
        Ok(match self.0 {
            DemoStore::Shopify => control.shopify_calls().await?,
            DemoStore::Woocommerce => control.woocommerce_calls().await?,
        })
    }

    /// Whether the store answered this call "slow down" (the platform's throttle answer).
    pub fn is_throttled(self, call: &CallRecord) -> bool {
        match self.0 {
            DemoStore::Shopify => call.code.as_ref().and_then(Value::as_str) == Some("THROTTLED"),
            DemoStore::Woocommerce => call.status == 429,
        }
    }
}

fn str_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// A WooCommerce product's sellable variants: its variations, or itself when simple.
fn woocommerce_variants(product: &Value) -> impl Iterator<Item = &Value> {
    let variations = product["variations_full"]
        .as_array()
        .filter(|v| !v.is_empty());
    variations
        .into_iter()
        .flatten()
        .chain(variations.is_none().then_some(product))
}

fn woocommerce_meta_value<'a>(order: &'a Value, key: &str) -> Option<&'a Value> {
    order["meta_data"]
        .as_array()?
        .iter()
        .find(|m| m["key"] == key)
        .map(|m| &m["value"])
}

fn woocommerce_meta(order: &Value, key: &str) -> Option<String> {
    woocommerce_meta_value(order, key).and_then(|v| v.as_str().map(str::to_owned))
}
