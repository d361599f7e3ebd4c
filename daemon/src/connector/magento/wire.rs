//! Magento REST response shapes (magento2.md §3–§9). Fields the connector cannot work without
//! (`sku`, `id`, `entity_id`, `increment_id`, `total_count`) are required, so an answer without
//! them fails naming the field; the rest default, as modules add and hide fields.

use feedbridge_common::timestamps;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use std::str::FromStr;
use std::time::SystemTime;

/// `{"message": "...%1...", "parameters": [...] | {...}}` (§12).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireError {
    pub message: String,
    pub parameters: Value,
    pub errors: Vec<WireError>,
}

impl WireError {
    /// The message with its `%1` / `%name` placeholders filled, as Magento's `Phrase` renders it.
    pub fn rendered(&self) -> String {
        let mut text = self.message.clone();
        let shown = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        match &self.parameters {
            Value::Array(values) => {
                for (i, v) in values.iter().enumerate().rev() {
                    text = text.replace(&format!("%{}", i + 1), &shown(v));
                }
            }
            Value::Object(map) => {
                let mut names: Vec<&String> = map.keys().collect();
                // Longest first, so `%field` does not eat the start of `%fieldName`.
                names.sort_by_key(|n| std::cmp::Reverse(n.len()));
                for name in names {
                    text = text.replace(&format!("%{name}"), &shown(&map[name]));
                }
            }
            _ => {}
        }
        let details: Vec<String> = self.errors.iter().map(WireError::rendered).collect();
        if details.is_empty() {
            text
        } else {
            format!("{text} {}", details.join(" "))
        }
    }
}

/// `{items, search_criteria, total_count}` of every `getList()`.
#[derive(Debug, Deserialize)]
pub(super) struct SearchResult<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    pub total_count: u64,
}

/// A JSON number or numeric string as a decimal (Magento renders PHP floats, and some modules
/// strings).
pub(super) fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CustomAttribute {
    pub attribute_code: String,
    pub value: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct MediaEntry {
    pub file: String,
    pub disabled: bool,
    pub media_type: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct OptionValue {
    pub value_index: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ConfigurableOption {
    pub attribute_id: Value,
    pub label: String,
    pub values: Vec<OptionValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ProductExtension {
    pub configurable_product_options: Vec<ConfigurableOption>,
    pub configurable_product_links: Vec<Value>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireProduct {
    pub id: u64,
    pub sku: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub type_id: String,
    #[serde(default)]
    pub price: Value,
    /// 1 enabled, 2 disabled.
    #[serde(default)]
    pub status: Value,
    #[serde(default)]
    pub updated_at: String,
    #[serde(default)]
    pub extension_attributes: ProductExtension,
    #[serde(default)]
    pub custom_attributes: Vec<CustomAttribute>,
    #[serde(default)]
    pub media_gallery_entries: Vec<MediaEntry>,
    /// In the store view's `weight_unit`; absent when the product has none.
    #[serde(default)]
    pub weight: Value,
}

impl WireProduct {
    pub fn attribute(&self, code: &str) -> Option<&Value> {
        self.custom_attributes
            .iter()
            .find(|a| a.attribute_code == code)
            .map(|a| &a.value)
            .filter(|v| !v.is_null())
    }

    pub fn attribute_text(&self, code: &str) -> Option<String> {
        match self.attribute(code)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// What a shopper pays: `special_price` while it is lower than `price`. (Special price
    /// dates, tier and catalog rule prices are not read.)
    /// The price a buyer pays, in cents: Magento keeps EAV decimals with six places
    /// (`"34.000000"`), which TikTok refuses.
    pub fn selling_price(&self) -> Decimal {
        let price = decimal(&self.price).unwrap_or_default();
        let selling = match self.attribute("special_price").and_then(decimal) {
            Some(special) if special < price => special,
            _ => price,
        };
        selling.round_dp(2)
    }

    pub fn enabled(&self) -> bool {
        decimal(&self.status).is_none_or(|s| s == Decimal::ONE)
    }

    pub fn is_configurable(&self) -> bool {
        self.type_id == "configurable"
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct AttributeOption {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub value: Value,
}

#[derive(Debug, Deserialize)]
pub(super) struct SourceItem {
    pub sku: String,
    pub source_code: String,
    #[serde(default)]
    pub quantity: Value,
    #[serde(default)]
    pub status: Value,
}

#[derive(Debug, Deserialize)]
pub(super) struct StoreConfig {
    pub id: u64,
    pub code: String,
    pub base_currency_code: String,
    #[serde(default)]
    pub base_media_url: String,
    /// `general/locale/weight_unit`: `lbs` or `kgs`.
    #[serde(default)]
    pub weight_unit: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct StoreGroup {
    #[serde(default)]
    pub default_store_id: u64,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireAddress {
    pub company: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireHistory {
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireOrderItem {
    pub item_id: u64,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub parent_item_id: Option<u64>,
    #[serde(default)]
    pub qty_ordered: Value,
    #[serde(default)]
    pub qty_invoiced: Value,
    #[serde(default)]
    pub qty_shipped: Value,
    #[serde(default)]
    pub qty_canceled: Value,
    #[serde(default)]
    pub qty_refunded: Value,
}

impl WireOrderItem {
    pub fn qty(v: &Value) -> Decimal {
        decimal(v).unwrap_or_default()
    }

    /// Units still to ship: ordered less shipped, refunded and cancelled.
    pub fn to_ship(&self) -> Decimal {
        (Self::qty(&self.qty_ordered)
            - Self::qty(&self.qty_shipped)
            - Self::qty(&self.qty_refunded)
            - Self::qty(&self.qty_canceled))
        .max(Decimal::ZERO)
    }

    /// Units Magento can still refund: invoiced less refunded.
    pub fn to_refund(&self) -> Decimal {
        (Self::qty(&self.qty_invoiced) - Self::qty(&self.qty_refunded)).max(Decimal::ZERO)
    }

    pub fn to_invoice(&self) -> Decimal {
        (Self::qty(&self.qty_ordered)
            - Self::qty(&self.qty_invoiced)
            - Self::qty(&self.qty_canceled))
        .max(Decimal::ZERO)
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct WireOrder {
    pub entity_id: u64,
    pub increment_id: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub updated_at: String,
    #[serde(default)]
    pub grand_total: Value,
    #[serde(default)]
    pub items: Vec<WireOrderItem>,
    #[serde(default)]
    pub billing_address: Option<WireAddress>,
    #[serde(default)]
    pub status_histories: Vec<WireHistory>,
}

impl WireOrder {
    /// Lines that carry their own quantities (not the children of configurable lines).
    pub fn top_items(&self) -> impl Iterator<Item = &WireOrderItem> {
        self.items.iter().filter(|i| i.parent_item_id.is_none())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireTrack {
    pub track_number: String,
    pub title: String,
    pub carrier_code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireShipmentItem {
    pub order_item_id: u64,
    pub sku: Option<String>,
    pub qty: Value,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireShipment {
    pub entity_id: u64,
    pub order_id: u64,
    #[serde(default)]
    pub items: Vec<WireShipmentItem>,
    #[serde(default)]
    pub tracks: Vec<WireTrack>,
}

/// `2024-05-01 10:00:00` (UTC) → `2024-05-01T10:00:00Z`.
pub(super) fn iso(magento_date: &str) -> String {
    let t = magento_date.trim();
    if t.is_empty() || t.ends_with('Z') || t.contains('+') {
        return t.to_owned();
    }
    format!("{}Z", t.replacen(' ', "T", 1))
}

/// ISO-8601 in UTC (`2024-05-01T10:00:00Z`) → Magento's `2024-05-01 10:00:00`.
pub(super) fn magento_date(iso: &str) -> Option<String> {
    let time = timestamps::parse_rfc3339(iso)?;
    Some(magento_text(time))
}

/// A time as Magento writes it: `2024-05-01 10:00:00`, UTC.
pub(super) fn magento_text(time: SystemTime) -> String {
    let text = timestamps::rfc3339_seconds(time);
    text.trim_end_matches('Z').replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_render_like_phrase() {
        let e: WireError = serde_json::from_value(json!({
            "message": "The consumer isn't authorized to access %resources.",
            "parameters": {"resources": "Magento_Sales::actions_view"}
        }))
        .unwrap();
        assert_eq!(
            e.rendered(),
            "The consumer isn't authorized to access Magento_Sales::actions_view."
        );
        let e: WireError = serde_json::from_value(json!({
            "message": "Carrier with such method not found: %1, %2", "parameters": ["ups", "x"]
        }))
        .unwrap();
        assert_eq!(e.rendered(), "Carrier with such method not found: ups, x");
        let e: WireError = serde_json::from_value(json!({
            "message": "One or more input exceptions have occurred.",
            "errors": [{"message": "\"%fieldName\" is required. Enter and try again.", "parameters": {"fieldName": "oauth_nonce"}}]
        }))
        .unwrap();
        assert_eq!(
            e.rendered(),
            "One or more input exceptions have occurred. \"oauth_nonce\" is required. Enter and try again."
        );
    }

    #[test]
    fn a_special_price_with_six_places_sells_in_cents() {
        let product: WireProduct = serde_json::from_value(json!({
            "id": 1, "sku": "P", "price": 40,
            "custom_attributes": [{"attribute_code": "special_price", "value": "34.000000"}]
        }))
        .unwrap();
        assert_eq!(product.selling_price().to_string(), "34.00");
    }

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(iso("2024-05-01 10:00:00"), "2024-05-01T10:00:00Z");
        assert_eq!(
            magento_date("2024-05-01T10:00:00Z").as_deref(),
            Some("2024-05-01 10:00:00")
        );
        assert_eq!(magento_date("yesterday"), None);
    }
}
