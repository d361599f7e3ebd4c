//! What the simulators hold after a chaos run, read from their own state and call logs, and
//! what of it is lost or duplicated.

use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::merchant::{SimOrder, SimStore};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One placed TikTok order and where it should end up.
#[derive(Clone, Debug)]
pub struct Placed {
    pub tiktok_id: String,
    /// Its SKU is at FBA: Amazon fulfils it.
    pub fba: bool,
}

/// Work that never reached where it should.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Lost {
    /// Paid TikTok orders with no store order and no Amazon fulfilment order.
    pub orders: usize,
    /// Shipped orders (by the store, or by Amazon) whose tracking number is not on TikTok.
    pub tracking: usize,
    /// SKUs on TikTok whose stock differs from the store's.
    pub stock: usize,
    /// Store products listed through the daemon with no TikTok product.
    pub listings: usize,
}

/// Work done more than once.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Duplicated {
    /// Extra store orders beyond one per TikTok order.
    pub store_orders: usize,
    /// Extra TikTok products beyond one per store product.
    pub tiktok_products: usize,
    /// Extra tracking pushes beyond one per package: a second package with tracking, or a
    /// second accepted mark-shipped call, on one TikTok order.
    pub tracking_pushes: usize,
    /// Extra Amazon fulfilment orders beyond one per TikTok order.
    pub amazon_orders: usize,
}

impl Lost {
    pub fn total(&self) -> usize {
        self.orders + self.tracking + self.stock + self.listings
    }
}

impl Duplicated {
    pub fn total(&self) -> usize {
        self.store_orders + self.tiktok_products + self.tracking_pushes + self.amazon_orders
    }
}

/// The simulators' state at one moment.
pub struct Snapshot {
    pub store_orders: Vec<SimOrder>,
    /// TikTok order id → its Amazon fulfilment orders' tracking numbers (one list per order).
    pub amazon: HashMap<String, Vec<Vec<String>>>,
    /// TikTok order id → tracking numbers of its packages (empty strings for none yet).
    pub packages: HashMap<String, Vec<String>>,
    /// TikTok order id → accepted mark-shipped calls.
    pub marked: HashMap<String, usize>,
    /// Seller SKU → TikTok product ids holding it, and its total TikTok stock.
    pub tiktok_skus: HashMap<String, (Vec<String>, i64)>,
    /// Seller SKU → store stock.
    pub store_stock: HashMap<String, i64>,
}

/// The TikTok order an Amazon fulfilment order was sent for (`TTS-<id>`, see sync/mcf.rs).
fn tiktok_id_of_fulfilment(order: &Value) -> Option<String> {
    let id = order["fulfillmentOrder"]["sellerFulfillmentOrderId"].as_str()?;
    Some(id.strip_prefix("TTS-").unwrap_or(id).to_owned())
}

fn amazon_tracking(order: &Value) -> Vec<String> {
    order["fulfillmentShipments"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| {
            s["fulfillmentShipmentPackage"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p["trackingNumber"].as_str().map(str::to_owned))
        .filter(|t| !t.is_empty())
        .collect()
}

impl Snapshot {
    pub async fn read(store: SimStore, control: &ControlClient) -> anyhow::Result<Self> {
        let store_orders = store.all_orders(control).await?;
        let mut amazon: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        for order in control.amazon_orders().await? {
            if let Some(id) = tiktok_id_of_fulfilment(&order) {
                amazon.entry(id).or_default().push(amazon_tracking(&order));
            }
        }
        let packages = crate::tiktok_packages(control).await?;
        let marked = crate::tracking_pushes(control).await?;
        let mut tiktok_skus: HashMap<String, (Vec<String>, i64)> = HashMap::new();
        for product in control.tiktok_products().await? {
            let product_id = product["id"].as_str().unwrap_or_default().to_owned();
            for sku in product["skus"].as_array().into_iter().flatten() {
                let Some(seller_sku) = sku["seller_sku"].as_str() else {
                    continue;
                };
                let stock: i64 = sku["inventory"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["quantity"].as_i64())
                    .sum();
                let entry = tiktok_skus.entry(seller_sku.to_owned()).or_default();
                entry.0.push(product_id.clone());
                entry.1 += stock;
            }
        }
        let mut store_stock = HashMap::new();
        for product in store.products(control).await? {
            for sku in product.skus {
                let stock = store.stock(control, &sku).await?;
                store_stock.insert(sku, stock);
            }
        }
        Ok(Self {
            store_orders,
            amazon,
            packages,
            marked,
            tiktok_skus,
            store_stock,
        })
    }

    /// Store orders per TikTok order id.
    pub fn store_orders_by_tiktok_id(&self) -> BTreeMap<&str, Vec<&SimOrder>> {
        let mut by_id: BTreeMap<&str, Vec<&SimOrder>> = BTreeMap::new();
        for order in &self.store_orders {
            if let Some(id) = order.tiktok_order_id.as_deref() {
                by_id.entry(id).or_default().push(order);
            }
        }
        by_id
    }

    /// What is lost and what is duplicated, given what was placed, what the store shipped
    /// (TikTok id → tracking number), which SKUs must show store stock on TikTok, and which
    /// store products (by their SKUs) the daemon was asked to list.
    pub fn tally(
        &self,
        placed: &[Placed],
        shipped: &HashMap<String, String>,
        stocked: &[String],
        listed: &[Vec<String>],
    ) -> (Lost, Duplicated) {
        let by_id = self.store_orders_by_tiktok_id();
        let mut lost = Lost::default();
        let mut duplicated = Duplicated::default();
        for order in placed {
            let in_store = by_id.get(order.tiktok_id.as_str()).map_or(0, Vec::len);
            let at_amazon = self.amazon.get(&order.tiktok_id).map_or(0, Vec::len);
            if in_store + at_amazon == 0 {
                lost.orders += 1;
            }
            duplicated.store_orders += in_store.saturating_sub(1);
            duplicated.amazon_orders += at_amazon.saturating_sub(1);
            let on_tiktok: Vec<&String> = self
                .packages
                .get(&order.tiktok_id)
                .into_iter()
                .flatten()
                .filter(|t| !t.is_empty())
                .collect();
            let mut expected: Vec<&String> = shipped.get(&order.tiktok_id).into_iter().collect();
            for tracking in self.amazon.get(&order.tiktok_id).into_iter().flatten() {
                expected.extend(tracking.first());
            }
            if expected.iter().any(|t| !on_tiktok.contains(t)) {
                lost.tracking += 1;
            }
            let pushes = on_tiktok
                .len()
                .max(self.marked.get(&order.tiktok_id).copied().unwrap_or(0));
            duplicated.tracking_pushes += pushes.saturating_sub(1);
        }
        for sku in stocked {
            let on_tiktok = self.tiktok_skus.get(sku).map(|(_, stock)| *stock);
            if on_tiktok != self.store_stock.get(sku).copied() {
                lost.stock += 1;
            }
        }
        for skus in listed {
            let products: HashSet<&String> = skus
                .iter()
                .filter_map(|sku| self.tiktok_skus.get(sku))
                .flat_map(|(ids, _)| ids)
                .collect();
            if products.is_empty() {
                lost.listings += 1;
            }
            duplicated.tiktok_products += products.len().saturating_sub(1);
        }
        // Linked products were created by the seller, one per product; any second TikTok
        // product holding one of their SKUs is the daemon's.
        for sku in stocked {
            let products = self.tiktok_skus.get(sku).map_or(0, |(ids, _)| ids.len());
            if !listed.iter().flatten().any(|l| l == sku) {
                duplicated.tiktok_products += products.saturating_sub(1);
            }
        }
        (lost, duplicated)
    }
}
