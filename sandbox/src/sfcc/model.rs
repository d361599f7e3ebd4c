//! What the B2C Commerce instance holds: the site's products (masters with variants, standard
//! products), the site's inventory list, and orders.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::catalog_seed::SeedProduct;
use crate::common::iso8601;

/// `2024-05-01T10:00:00.000Z`, as SCAPI and OCAPI write times.
pub(crate) fn time(ms: i64) -> String {
    let base = iso8601(ms);
    let millis = ms.rem_euclid(1000);
    format!("{}.{millis:03}Z", base.trim_end_matches('Z'))
}

pub(crate) struct Product {
    /// The product id: the SKU of a standard product or variant; a master's own id.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    /// `Some(attribute id)` for a master (`size`, `color`): its variants vary by it.
    pub(crate) variation_attribute: Option<String>,
    /// A master's variants (SKU and attribute value); empty for a standard product.
    pub(crate) variants: Vec<(String, String)>,
    pub(crate) brand: String,
    /// What it is made of: the custom attribute `c_material` (a set of strings).
    pub(crate) materials: Vec<String>,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
}

pub(crate) struct InventoryRecord {
    /// The allocation the merchant set.
    pub(crate) allocation: i64,
    /// Units sold since the allocation was set (orders placed against it).
    pub(crate) turnover: i64,
    pub(crate) modified_ms: i64,
}

impl InventoryRecord {
    /// Available to sell: allocation less turnover (no pre-orders, backorders or on-order).
    pub(crate) fn ats(&self) -> i64 {
        (self.allocation - self.turnover).max(0)
    }
}

pub(crate) struct Shipment {
    pub(crate) shipment_id: String,
    pub(crate) shipment_no: String,
    pub(crate) shipping_method: String,
    pub(crate) shipping_status: String,
    pub(crate) tracking_number: Option<String>,
    /// `c_carrier`: the carrier the warehouse names (B2C Commerce has no carrier field).
    pub(crate) carrier: Option<String>,
    pub(crate) address: Value,
    pub(crate) shipping_total: Decimal,
    pub(crate) tax_total: Decimal,
}

pub(crate) struct Order {
    pub(crate) order_no: String,
    pub(crate) channel_type: String,
    pub(crate) status: String,
    pub(crate) payment_status: String,
    pub(crate) shipping_status: String,
    pub(crate) export_status: String,
    pub(crate) external_status: Option<String>,
    pub(crate) currency: String,
    pub(crate) order_total: Decimal,
    pub(crate) tax_total: Decimal,
    pub(crate) billing_address: Value,
    pub(crate) product_items: Vec<Value>,
    pub(crate) payment_instruments: Vec<Value>,
    pub(crate) shipments: Vec<Shipment>,
    /// `c_` attributes.
    pub(crate) custom: Map<String, Value>,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
}

pub(crate) struct State {
    pub(crate) site_id: String,
    pub(crate) currency: String,
    pub(crate) inventory_list_id: String,
    /// Master and standard products by id (variants are products too, reached by SKU).
    pub(crate) products: BTreeMap<String, Product>,
    /// Price book entries of the site's currency, by SKU.
    pub(crate) prices: BTreeMap<String, Decimal>,
    pub(crate) inventory: BTreeMap<String, InventoryRecord>,
    pub(crate) orders: Vec<Order>,
    pub(crate) next_shipment_no: u64,
}

impl State {
    pub(crate) fn seed(catalog: Vec<SeedProduct>, now: i64) -> Self {
        let mut products = BTreeMap::new();
        let mut prices = BTreeMap::new();
        let mut inventory = BTreeMap::new();
        for seed in catalog {
            let single = seed.variants.len() == 1 && seed.option_name.is_none();
            for v in &seed.variants {
                prices.insert(v.sku.clone(), v.price);
                inventory.insert(
                    v.sku.clone(),
                    InventoryRecord {
                        allocation: v.stock,
                        turnover: 0,
                        modified_ms: seed.updated_ms,
                    },
                );
            }
            let (id, attribute, variants) = if single {
                (seed.variants[0].sku.clone(), None, Vec::new())
            } else {
                let attribute = seed
                    .option_name
                    .clone()
                    .unwrap_or_else(|| "Style".into())
                    .to_ascii_lowercase();
                let variants = seed
                    .variants
                    .iter()
                    .map(|v| (v.sku.clone(), v.option_value.clone()))
                    .collect();
                (seed.handle.clone(), Some(attribute), variants)
            };
            products.insert(
                id.clone(),
                Product {
                    id,
                    name: seed.title,
                    description: seed.description_html,
                    variation_attribute: attribute,
                    variants,
                    brand: seed.vendor,
                    materials: seed.materials,
                    created_ms: seed.created_ms.min(now),
                    modified_ms: seed.updated_ms.min(now),
                },
            );
        }
        Self {
            site_id: "RefArch".into(),
            currency: "USD".into(),
            inventory_list_id: "inventory_m".into(),
            products,
            prices,
            inventory,
            orders: Vec::new(),
            next_shipment_no: 1,
        }
    }

    /// The master or standard product holding `sku` (a variant's master, or itself).
    pub(crate) fn product_of_sku(&self, sku: &str) -> Option<&Product> {
        self.products.values().find(|p| {
            (p.variants.is_empty() && p.id == sku) || p.variants.iter().any(|(v, _)| v == sku)
        })
    }

    pub(crate) fn order(&self, order_no: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.order_no == order_no)
    }

    pub(crate) fn order_mut(&mut self, order_no: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.order_no == order_no)
    }
}

/// A decimal as a JSON number (SCAPI and OCAPI write prices as numbers).
pub(crate) fn num(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}
