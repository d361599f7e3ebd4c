//! WooCommerce REST v3 response shapes (woocommerce.md §4–§8) and their reading into connector
//! types. Every field is defaulted: plugins add and hide fields, and a missing one must not
//! fail a whole page.

use crate::connector::{
    Measures, ProductFacts, StoreFulfilment, StoreProduct, StoreUnits, StoreVariant,
};
use feedbridge_common::measure::parse_figure;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use std::str::FromStr;

/// Units reported for a product that does not track stock but is for sale: WooCommerce says
/// only "in stock", TikTok needs a number. Merchants who want exact numbers turn on
/// "Manage stock?" for the product.
pub(super) const UNMANAGED_IN_STOCK: i64 = 100;

/// `{code, message, data: {status}}` (§8).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WpError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireImage {
    pub src: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireAttribute {
    pub name: String,
    /// Set on a variation's attributes.
    pub option: String,
    /// A product's values of the attribute.
    pub options: Vec<String>,
    /// Whether the product's variations differ by it (else it describes the product).
    pub variation: bool,
}

/// A tag or brand: `{id, name, slug}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireTerm {
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireMeta {
    pub key: String,
    pub value: Value,
}

/// A product or a variation (the same fields matter for both).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireProduct {
    pub id: u64,
    pub parent_id: u64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub description: String,
    pub sku: String,
    pub price: String,
    pub regular_price: String,
    /// `true`, `false`, or `"parent"` on a variation that uses its parent's stock.
    pub manage_stock: Value,
    pub stock_quantity: Option<i64>,
    pub stock_status: String,
    pub backorders: String,
    pub date_modified_gmt: String,
    pub images: Vec<WireImage>,
    /// A variation's single image.
    pub image: Option<WireImage>,
    pub attributes: Vec<WireAttribute>,
    pub variations: Vec<u64>,
    /// In the store's weight unit; "" when unset (a variation then ships at its parent's).
    pub weight: String,
    pub dimensions: WireDimensions,
    pub tags: Vec<WireTerm>,
    /// WooCommerce 9.6+ product brands; absent before.
    pub brands: Vec<WireTerm>,
    pub meta_data: Vec<WireMeta>,
}

/// `dimensions`: strings in the store's dimension unit, "" when unset.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireDimensions {
    pub length: String,
    pub width: String,
    pub height: String,
}

/// `*_gmt` timestamps carry no zone (§10.11); feedbridge keeps ISO-8601 with `Z`.
pub(super) fn gmt(value: &str) -> String {
    if value.is_empty() || value.ends_with('Z') || value.contains('+') {
        value.to_owned()
    } else {
        format!("{value}Z")
    }
}

fn money(value: &str) -> Decimal {
    Decimal::from_str(value.trim()).unwrap_or_default()
}

impl WireProduct {
    fn manages_own_stock(&self) -> bool {
        self.manage_stock == Value::Bool(true)
    }

    /// Sellable units (module docs, "Stock"); `parent` answers for a variation whose stock is
    /// kept on the parent product.
    pub fn available(&self, parent: Option<&WireProduct>) -> i64 {
        if self.manages_own_stock() {
            return self.stock_quantity.unwrap_or(0).max(0);
        }
        if self.manage_stock == Value::String("parent".into())
            && let Some(parent) = parent.filter(|p| p.manages_own_stock())
        {
            return parent.stock_quantity.unwrap_or(0).max(0);
        }
        match self.stock_status.as_str() {
            "outofstock" => 0,
            _ => UNMANAGED_IN_STOCK,
        }
    }

    /// Whether WooCommerce tracks a count for it that an order reduces.
    pub fn tracks_stock(&self) -> bool {
        self.manages_own_stock()
    }

    /// May it be sold below zero (§4 `backorders`)?
    pub fn allows_backorders(&self) -> bool {
        matches!(self.backorders.as_str(), "yes" | "notify")
    }

    fn price(&self) -> Decimal {
        if self.price.trim().is_empty() {
            money(&self.regular_price)
        } else {
            money(&self.price)
        }
    }

    /// Its own weight and size, in kg / cm.
    fn measures(&self, units: StoreUnits) -> Measures {
        let d = &self.dimensions;
        units.measures(
            parse_figure(&self.weight),
            (
                parse_figure(&d.length),
                parse_figure(&d.width),
                parse_figure(&d.height),
            ),
        )
    }

    /// The variant of a simple product: the product itself.
    pub fn as_simple_variant(&self, units: StoreUnits) -> StoreVariant {
        let id = self.id.to_string();
        StoreVariant {
            id: id.clone(),
            sku: self.sku.trim().to_owned(),
            title: "Default Title".into(),
            price: self.price(),
            available: self.available(None),
            inventory_item_id: Some(id),
            options: Vec::new(),
            measures: self.measures(units),
        }
    }

    /// One variation of `parent` as a variant; figures it leaves empty are the parent's.
    pub fn as_variation_variant(&self, parent: &WireProduct, units: StoreUnits) -> StoreVariant {
        let id = super::variant_id(parent.id, Some(self.id));
        let options: Vec<(String, String)> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.option.clone()))
            .collect();
        let title = if options.is_empty() {
            self.name.clone()
        } else {
            options
                .iter()
                .map(|(_, value)| value.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        StoreVariant {
            id: id.clone(),
            sku: self.sku.trim().to_owned(),
            title,
            price: self.price(),
            available: self.available(Some(parent)),
            inventory_item_id: Some(id),
            options,
            measures: self.measures(units).or(parent.measures(units)),
        }
    }

    /// The product with its variants: itself for a simple product, `variations` otherwise.
    pub fn into_store_product(self, variations: &[WireProduct], units: StoreUnits) -> StoreProduct {
        let variants = if self.kind == "variable" {
            variations
                .iter()
                .map(|v| v.as_variation_variant(&self, units))
                .collect()
        } else {
            vec![self.as_simple_variant(units)]
        };
        StoreProduct {
            id: self.id.to_string(),
            title: self.name,
            description_html: self.description,
            image_urls: self
                .images
                .into_iter()
                .map(|i| i.src)
                .filter(|s| !s.is_empty())
                .collect(),
            updated_at: gmt(&self.date_modified_gmt),
            variants,
            facts: ProductFacts {
                tags: self.tags.into_iter().map(|t| t.name).collect(),
                vendor: self
                    .brands
                    .into_iter()
                    .map(|b| b.name)
                    .find(|n| !n.trim().is_empty()),
                fields: product_fields(self.attributes, self.meta_data),
            },
        }
    }
}

/// Attributes that describe the product (not the variations), each value a field named as
/// the attribute, then public meta (keys without a leading `_`) with text, number or list
/// values, each list item a field of the key.
fn product_fields(attributes: Vec<WireAttribute>, meta: Vec<WireMeta>) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = attributes
        .into_iter()
        .filter(|a| !a.variation)
        .flat_map(|a| {
            let name = a.name;
            a.options.into_iter().map(move |o| (name.clone(), o))
        })
        .collect();
    let text = |value: &Value| match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    for m in meta.into_iter().filter(|m| !m.key.starts_with('_')) {
        match &m.value {
            Value::Array(items) => {
                fields.extend(items.iter().filter_map(text).map(|v| (m.key.clone(), v)));
            }
            value => fields.extend(text(value).map(|v| (m.key.clone(), v))),
        }
    }
    fields
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireLineItem {
    pub id: u64,
    pub product_id: u64,
    pub variation_id: u64,
    pub sku: String,
    pub quantity: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireOrder {
    pub id: u64,
    pub number: String,
    pub status: String,
    pub total: String,
    pub date_modified_gmt: String,
    pub line_items: Vec<WireLineItem>,
    pub meta_data: Vec<WireMeta>,
    pub refunds: Vec<WireOrderRefund>,
}

/// A refund as an order lists it (`total` is negative, e.g. "-10.00").
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireOrderRefund {
    pub total: String,
}

impl WireOrder {
    /// What the order's refunds add up to.
    pub fn refunded(&self) -> Decimal {
        self.refunds
            .iter()
            .filter_map(|r| r.total.trim().parse::<Decimal>().ok())
            .map(|d| d.abs())
            .sum()
    }

    /// The string value of the first meta entry named `key`.
    pub fn meta(&self, key: &str) -> Option<String> {
        self.meta_data
            .iter()
            .find(|m| m.key == key)
            .and_then(|m| match &m.value {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    }

    pub fn meta_value(&self, key: &str) -> Option<&Value> {
        self.meta_data
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }

    pub fn total(&self) -> Option<Decimal> {
        Decimal::from_str(self.total.trim()).ok()
    }

    pub fn display_name(&self) -> String {
        let number = if self.number.is_empty() {
            self.id.to_string()
        } else {
            self.number.clone()
        };
        format!("#{number}")
    }
}

/// One item of `_wc_shipment_tracking_items` or of the Shipment Tracking route (§6.1).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireTracking {
    pub tracking_id: String,
    pub tracking_provider: String,
    pub custom_tracking_provider: String,
    pub tracking_number: String,
}

/// One item of `_aftership_tracking_items` (§6.2).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireAfterShipTracking {
    pub slug: String,
    pub tracking_number: String,
    pub tracking_id: String,
    pub line_items: Vec<WireAfterShipLine>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireAfterShipLine {
    /// The order line item id.
    pub id: Value,
    pub quantity: i64,
}

fn non_empty(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

impl WireTracking {
    pub fn into_fulfilment(self, order_id: u64) -> StoreFulfilment {
        let key = non_empty(&self.tracking_id).unwrap_or_else(|| self.tracking_number.clone());
        StoreFulfilment {
            id: super::fulfilment_id(order_id, &key),
            tracking_number: non_empty(&self.tracking_number),
            carrier: non_empty(&self.tracking_provider)
                .or_else(|| non_empty(&self.custom_tracking_provider)),
            lines: Vec::new(),
        }
    }
}

impl WireAfterShipTracking {
    pub fn into_fulfilment(self, order: &WireOrder) -> StoreFulfilment {
        let key = non_empty(&self.tracking_id)
            .unwrap_or_else(|| format!("{}-{}", self.slug, self.tracking_number));
        let lines = self
            .line_items
            .iter()
            .filter_map(|line| {
                let id = match &line.id {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                }?;
                let item = order.line_items.iter().find(|item| item.id == id)?;
                let quantity = u32::try_from(line.quantity).ok().filter(|q| *q > 0)?;
                Some((item.sku.clone(), quantity))
            })
            .collect();
        StoreFulfilment {
            id: super::fulfilment_id(order.id, &key),
            tracking_number: non_empty(&self.tracking_number),
            carrier: non_empty(&self.slug),
            lines,
        }
    }
}

/// Shipments recorded in the order's meta by a tracking plugin; `None` when no known plugin
/// left any (the caller may then ask the Shipment Tracking route).
pub(super) fn tracking_from_meta(order: &WireOrder) -> Option<Vec<StoreFulfilment>> {
    let mut found = None;
    if let Some(items) = order.meta_value("_wc_shipment_tracking_items") {
        let items: Vec<WireTracking> = list(items);
        found
            .get_or_insert_with(Vec::new)
            .extend(items.into_iter().map(|t| t.into_fulfilment(order.id)));
    }
    if let Some(items) = order.meta_value("_aftership_tracking_items") {
        let items: Vec<WireAfterShipTracking> = list(items);
        found
            .get_or_insert_with(Vec::new)
            .extend(items.into_iter().map(|t| t.into_fulfilment(order)));
    }
    found
}

/// A meta value holding a list: a JSON array, or (from plugins storing it keyed by index) an
/// object whose values are the items. Unreadable items are skipped.
fn list<T: serde::de::DeserializeOwned>(value: &Value) -> Vec<T> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| serde_json::from_value(item.clone()).ok())
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireWebhook {
    pub id: u64,
    pub topic: String,
    pub delivery_url: String,
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn product(value: Value) -> WireProduct {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn stock_rules() {
        let managed = product(json!({"manage_stock": true, "stock_quantity": 7}));
        assert_eq!(managed.available(None), 7);
        let oversold = product(json!({"manage_stock": true, "stock_quantity": -3}));
        assert_eq!(oversold.available(None), 0);
        let unmanaged = product(json!({"manage_stock": false, "stock_status": "instock"}));
        assert_eq!(unmanaged.available(None), UNMANAGED_IN_STOCK);
        let backorder = product(json!({"manage_stock": false, "stock_status": "onbackorder"}));
        assert_eq!(backorder.available(None), UNMANAGED_IN_STOCK);
        let out = product(json!({"manage_stock": false, "stock_status": "outofstock"}));
        assert_eq!(out.available(None), 0);
        let parent = product(json!({"manage_stock": true, "stock_quantity": 12}));
        let uses_parent = product(json!({"manage_stock": "parent", "stock_status": "instock"}));
        assert_eq!(uses_parent.available(Some(&parent)), 12);
        assert!(product(json!({"backorders": "notify"})).allows_backorders());
        assert!(!product(json!({"backorders": "no"})).allows_backorders());
    }

    #[test]
    fn tags_brand_descriptive_attributes_and_public_meta_become_facts() {
        let simple = product(json!({
            "id": 7, "type": "simple", "sku": "MUG",
            "tags": [{"id": 1, "name": "kitchen", "slug": "kitchen"}, {"id": 2, "name": "material:Ceramic"}],
            "brands": [{"id": 3, "name": "Acme", "slug": "acme"}],
            "attributes": [
                {"id": 0, "name": "Material", "variation": false, "options": ["Ceramic", "Glaze"]},
                {"id": 1, "name": "Color", "variation": true, "options": ["White", "Black"]}
            ],
            "meta_data": [
                {"id": 1, "key": "_edit_lock", "value": "1:1"},
                {"id": 2, "key": "care", "value": "Hand wash"},
                {"id": 3, "key": "materials", "value": ["Ceramic", 2]},
                {"id": 4, "key": "acf_group", "value": {"a": 1}}
            ]
        }));
        let facts = simple
            .into_store_product(&[], StoreUnits::named("kg", "cm"))
            .facts;
        assert_eq!(facts.tags, ["kitchen", "material:Ceramic"]);
        assert_eq!(facts.vendor.as_deref(), Some("Acme"));
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            facts.fields,
            [
                pair("Material", "Ceramic"),
                pair("Material", "Glaze"),
                pair("care", "Hand wash"),
                pair("materials", "Ceramic"),
                pair("materials", "2"),
            ]
        );
    }

    #[test]
    fn variable_product_reads_its_variations() {
        let parent = product(json!({
            "id": 794, "name": "Tee", "type": "variable", "description": "<p>Soft</p>",
            "images": [{"src": "http://img/1.jpg"}], "date_modified_gmt": "2026-11-21T18:00:00",
            "variations": [795], "weight": "0.5",
            "dimensions": {"length": "10", "width": "", "height": "2"}
        }));
        let variation = product(json!({
            "id": 795, "sku": " TEE-RED-M ", "price": "19.99", "manage_stock": true,
            "stock_quantity": 7, "attributes": [{"id": 1, "name": "Color", "option": "Red"},
                                                {"id": 2, "name": "Size", "option": "M"}]
        }));
        let store = parent.into_store_product(&[variation], StoreUnits::named("lbs", "in"));
        assert_eq!(store.id, "794");
        assert_eq!(store.updated_at, "2026-11-21T18:00:00Z");
        assert_eq!(store.image_urls, vec!["http://img/1.jpg".to_owned()]);
        let variant = &store.variants[0];
        assert_eq!(variant.id, "794/795");
        assert_eq!(variant.inventory_item_id.as_deref(), Some("794/795"));
        assert_eq!(variant.sku, "TEE-RED-M");
        assert_eq!(variant.title, "Red / M");
        assert_eq!(variant.price, Decimal::new(1999, 2));
        assert_eq!(variant.available, 7);
        assert_eq!(
            variant.options,
            vec![("Color".into(), "Red".into()), ("Size".into(), "M".into())]
        );
        // The variation sets none: the parent's 0.5 lb and 10 × ? × 2 in, in kg and cm.
        assert_eq!(
            variant.measures.weight_kg,
            Some(Decimal::new(226_796_185, 9))
        );
        assert_eq!(variant.measures.length_cm, Some(Decimal::new(254, 1)));
        assert_eq!(variant.measures.width_cm, None);
        assert_eq!(variant.measures.height_cm, Some(Decimal::new(508, 2)));
    }

    #[test]
    fn simple_product_is_its_own_variant() {
        let store = product(json!({
            "id": 800, "name": "Mug", "type": "simple", "sku": "MUG", "price": "",
            "regular_price": "9.50", "manage_stock": true, "stock_quantity": 3,
            "weight": "350", "dimensions": {"length": "0", "width": "", "height": ""}
        }))
        .into_store_product(&[], StoreUnits::named("g", "cm"));
        assert_eq!(store.variants.len(), 1);
        assert_eq!(store.variants[0].id, "800");
        assert_eq!(store.variants[0].price, Decimal::new(950, 2));
        assert_eq!(store.variants[0].available, 3);
        assert_eq!(
            store.variants[0].measures.weight_kg,
            Some(Decimal::new(35, 2))
        );
        assert_eq!(
            store.variants[0].measures.length_cm, None,
            "zero is no figure"
        );
    }

    #[test]
    fn tracking_from_both_plugins() {
        let order: WireOrder = serde_json::from_value(json!({
            "id": 51, "line_items": [{"id": 9, "sku": "TEE-RED-M", "quantity": 2}],
            "meta_data": [
                {"id": 1, "key": "_wc_shipment_tracking_items", "value": [
                    {"tracking_provider": "", "custom_tracking_provider": "Speedy",
                     "custom_tracking_link": "", "tracking_number": "SP1", "date_shipped": 1752105600,
                     "tracking_id": "abc"}]},
                {"id": 2, "key": "_aftership_tracking_items", "value": [
                    {"slug": "usps", "tracking_number": "9400", "tracking_id": "def",
                     "line_items": [{"id": 9, "quantity": 1}]}]}
            ]
        }))
        .unwrap();
        let found = tracking_from_meta(&order).unwrap();
        assert_eq!(
            found,
            vec![
                StoreFulfilment {
                    id: "51:abc".into(),
                    tracking_number: Some("SP1".into()),
                    carrier: Some("Speedy".into()),
                    lines: vec![],
                },
                StoreFulfilment {
                    id: "51:def".into(),
                    tracking_number: Some("9400".into()),
                    carrier: Some("usps".into()),
                    lines: vec![("TEE-RED-M".into(), 1)],
                },
            ]
        );
        let bare: WireOrder = serde_json::from_value(json!({"id": 52})).unwrap();
        assert!(tracking_from_meta(&bare).is_none());
    }
}
