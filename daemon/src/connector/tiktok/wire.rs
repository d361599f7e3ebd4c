//! TikTok Shop wire shapes (contract notes §3–§6) and their conversion to connector types.
//! Every field has a serde default: TikTok omits empty fields freely, and ids sometimes arrive
//! as JSON numbers, so ids and amounts go through tolerant deserializers.

use super::status::{CancellationStatus, FulfillmentType, OrderStatus, ShippingType};
use crate::connector::{
    AuthorizedShop, Category, CategoryAttribute, RemoteAddress, RemoteLineItem, RemoteOrder,
    RemoteProduct, ShippingProvider, Warehouse, WarehouseKind,
};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use std::str::FromStr;

/// Response envelope of every Open API call (§1).
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    pub code: Option<i64>,
    #[serde(default, deserialize_with = "de_string")]
    pub message: String,
    #[serde(default, deserialize_with = "de_string")]
    pub request_id: String,
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Str(String),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
}

/// A string that may arrive as a number or null (ids, names).
pub(super) fn de_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Option::<Scalar>::deserialize(d)? {
        None => String::new(),
        Some(Scalar::Str(s)) => s,
        Some(Scalar::Int(i)) => i.to_string(),
        Some(Scalar::UInt(u)) => u.to_string(),
        Some(Scalar::Float(f)) => f.to_string(),
        Some(Scalar::Bool(b)) => b.to_string(),
    })
}

/// A decimal amount sent as a string (`"12.99"`); empty or null is zero.
pub(super) fn de_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    Ok(match Option::<Scalar>::deserialize(d)? {
        None => Decimal::ZERO,
        Some(Scalar::Str(s)) if s.trim().is_empty() => Decimal::ZERO,
        Some(Scalar::Str(s)) => Decimal::from_str(s.trim())
            .or_else(|_| Decimal::from_scientific(s.trim()))
            .map_err(|e| D::Error::custom(format!("invalid amount {s:?}: {e}")))?,
        Some(Scalar::Int(i)) => Decimal::from(i),
        Some(Scalar::UInt(u)) => Decimal::from(u),
        Some(Scalar::Float(f)) => Decimal::try_from(f).map_err(D::Error::custom)?,
        Some(Scalar::Bool(_)) => return Err(D::Error::custom("amount is a boolean")),
    })
}

/// A Unix timestamp that may arrive as a number, a numeric string or null.
pub(super) fn de_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(match Option::<Scalar>::deserialize(d)? {
        None => 0,
        Some(Scalar::Str(s)) if s.trim().is_empty() => 0,
        Some(Scalar::Str(s)) => s.trim().parse().map_err(D::Error::custom)?,
        Some(Scalar::Int(i)) => i,
        Some(Scalar::UInt(u)) => i64::try_from(u).map_err(D::Error::custom)?,
        #[allow(clippy::cast_possible_truncation)]
        Some(Scalar::Float(f)) => f as i64,
        Some(Scalar::Bool(_)) => return Err(D::Error::custom("timestamp is a boolean")),
    })
}

/// A boolean that tolerates null.
fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

/// A list that tolerates null.
fn de_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Authorization
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ShopsData {
    #[serde(deserialize_with = "de_vec")]
    pub shops: Vec<WireShop>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireShop {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub name: String,
    #[serde(deserialize_with = "de_string")]
    pub region: String,
    #[serde(deserialize_with = "de_string")]
    pub cipher: String,
}

impl From<WireShop> for AuthorizedShop {
    fn from(shop: WireShop) -> Self {
        Self {
            id: shop.id,
            name: shop.name,
            region: shop.region,
            cipher: shop.cipher,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CategoriesData {
    #[serde(deserialize_with = "de_vec")]
    pub categories: Vec<WireCategory>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireCategory {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub parent_id: String,
    #[serde(deserialize_with = "de_string")]
    pub local_name: String,
    #[serde(deserialize_with = "de_bool")]
    pub is_leaf: bool,
    pub permission_statuses: Vec<String>,
}

impl From<WireCategory> for Category {
    fn from(c: WireCategory) -> Self {
        Self {
            id: c.id,
            parent_id: c.parent_id,
            name: c.local_name,
            is_leaf: c.is_leaf,
            // Absent statuses mean no restriction was reported.
            available: c.permission_statuses.is_empty()
                || c.permission_statuses.iter().any(|s| s == "AVAILABLE"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AttributesData {
    #[serde(deserialize_with = "de_vec")]
    pub attributes: Vec<WireAttribute>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireAttribute {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub name: String,
    #[serde(rename = "type", deserialize_with = "de_string")]
    pub kind: String,
    /// Misspelt in the real API (§12.9); `is_required` accepted too in case it gets fixed.
    #[serde(alias = "is_required", deserialize_with = "de_bool")]
    pub is_requried: bool,
    #[serde(deserialize_with = "de_bool")]
    pub is_customizable: bool,
    #[serde(deserialize_with = "de_bool")]
    pub is_multiple_selection: bool,
    #[serde(deserialize_with = "de_vec")]
    pub values: Vec<WireIdName>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireIdName {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub name: String,
}

impl From<WireAttribute> for CategoryAttribute {
    fn from(a: WireAttribute) -> Self {
        Self {
            id: a.id,
            name: a.name,
            required: a.is_requried,
            is_sales_property: a.kind == "SALES_PROPERTY",
            customizable: a.is_customizable,
            multiple: a.is_multiple_selection,
            values: a.values.into_iter().map(|v| (v.id, v.name)).collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct UploadData {
    #[serde(deserialize_with = "de_string")]
    pub uri: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CreateProductData {
    #[serde(deserialize_with = "de_string")]
    pub product_id: String,
    #[serde(deserialize_with = "de_vec")]
    pub skus: Vec<WireSku>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireSku {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub seller_sku: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SearchProductsData {
    #[serde(deserialize_with = "de_vec")]
    pub products: Vec<WireProduct>,
    #[serde(deserialize_with = "de_string")]
    pub next_page_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireProduct {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub status: String,
    #[serde(deserialize_with = "de_vec")]
    pub skus: Vec<WireSku>,
    #[serde(deserialize_with = "de_vec")]
    pub audit_failed_reasons: Vec<WireAuditReason>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireAuditReason {
    #[serde(deserialize_with = "de_string")]
    pub position: String,
    #[serde(deserialize_with = "de_vec")]
    pub reasons: Vec<String>,
    #[serde(deserialize_with = "de_vec")]
    pub suggestions: Vec<String>,
}

impl WireAuditReason {
    /// "position: reason; reason (suggestion: ...)" — one readable line per entry.
    fn line(&self) -> String {
        let mut line = String::new();
        if !self.position.is_empty() {
            line.push_str(&self.position);
            line.push_str(": ");
        }
        line.push_str(&self.reasons.join("; "));
        if !self.suggestions.is_empty() {
            line.push_str(" (suggestion: ");
            line.push_str(&self.suggestions.join("; "));
            line.push(')');
        }
        line
    }
}

impl From<WireProduct> for RemoteProduct {
    fn from(p: WireProduct) -> Self {
        Self {
            id: p.id,
            status: p.status,
            audit_failed_reasons: p
                .audit_failed_reasons
                .iter()
                .map(WireAuditReason::line)
                .collect(),
            skus: p.skus.into_iter().map(|s| (s.seller_sku, s.id)).collect(),
        }
    }
}

/// Partial failures of inventory/price updates (newer spec: `data.errors[]`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct UpdateData {
    #[serde(deserialize_with = "de_vec")]
    pub errors: Vec<WireUpdateError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireUpdateError {
    #[serde(deserialize_with = "de_i64")]
    pub code: i64,
    #[serde(deserialize_with = "de_string")]
    pub message: String,
    pub detail: Option<serde_json::Value>,
}

impl WireUpdateError {
    pub fn line(&self) -> String {
        let sku = self
            .detail
            .as_ref()
            .and_then(|d| d.get("sku_id"))
            .and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_u64().map(|u| u.to_string()))
            });
        match sku {
            Some(sku) => format!("SKU {sku}: {} (code {})", self.message, self.code),
            None => format!("{} (code {})", self.message, self.code),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Logistics
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WarehousesData {
    #[serde(deserialize_with = "de_vec")]
    pub warehouses: Vec<WireWarehouse>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireWarehouse {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub name: String,
    #[serde(deserialize_with = "de_bool")]
    pub is_default: bool,
    #[serde(rename = "type", deserialize_with = "de_string")]
    pub kind: String,
    #[serde(deserialize_with = "de_string")]
    pub effect_status: String,
}

impl WireWarehouse {
    pub fn warehouse_kind(&self) -> WarehouseKind {
        match self.kind.as_str() {
            "SALES_WAREHOUSE" => WarehouseKind::Sales,
            "RETURN_WAREHOUSE" => WarehouseKind::Return,
            _ => WarehouseKind::Other,
        }
    }
}

impl From<WireWarehouse> for Warehouse {
    fn from(w: WireWarehouse) -> Self {
        Self {
            kind: w.warehouse_kind(),
            id: w.id,
            name: w.name,
            effect_status: w.effect_status,
            is_default: w.is_default,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ShippingProvidersData {
    #[serde(deserialize_with = "de_vec")]
    pub shipping_providers: Vec<WireIdName>,
}

impl From<WireIdName> for ShippingProvider {
    fn from(p: WireIdName) -> Self {
        Self {
            id: p.id,
            name: p.name,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct MarkShippedData {
    #[serde(deserialize_with = "de_string")]
    pub package_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DeliveryOptionsData {
    #[serde(deserialize_with = "de_vec")]
    pub delivery_options: Vec<WireIdName>,
}

// Cancellations (§4.5)

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CancellationsData {
    #[serde(deserialize_with = "de_vec")]
    pub cancellations: Vec<WireCancellation>,
    #[serde(deserialize_with = "de_string")]
    pub next_page_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireCancellation {
    #[serde(deserialize_with = "de_string")]
    pub cancel_id: String,
    #[serde(deserialize_with = "de_string")]
    pub order_id: String,
    #[serde(deserialize_with = "de_string")]
    pub cancel_status: String,
    #[serde(deserialize_with = "de_string")]
    pub role: String,
}

impl From<WireCancellation> for crate::connector::RemoteCancellation {
    fn from(c: WireCancellation) -> Self {
        Self {
            id: c.cancel_id,
            order_id: c.order_id,
            status: CancellationStatus::parse(&c.cancel_status),
            role: c.role,
        }
    }
}

// Returns and refunds (§4.5 Search Returns)

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ReturnsData {
    #[serde(deserialize_with = "de_vec")]
    pub return_orders: Vec<WireReturn>,
    #[serde(deserialize_with = "de_string")]
    pub next_page_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireReturn {
    #[serde(deserialize_with = "de_string")]
    pub return_id: String,
    #[serde(deserialize_with = "de_string")]
    pub order_id: String,
    #[serde(deserialize_with = "de_string")]
    pub return_type: String,
    #[serde(deserialize_with = "de_string")]
    pub return_status: String,
    #[serde(deserialize_with = "de_string")]
    pub return_reason: String,
    #[serde(deserialize_with = "de_string")]
    pub return_reason_text: String,
    #[serde(deserialize_with = "de_opt")]
    pub refund_amount: WireRefundAmount,
    #[serde(deserialize_with = "de_vec")]
    pub return_line_items: Vec<WireReturnLine>,
    #[serde(deserialize_with = "de_i64")]
    pub create_time: i64,
    #[serde(deserialize_with = "de_i64")]
    pub update_time: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireRefundAmount {
    #[serde(deserialize_with = "de_string")]
    pub currency: String,
    #[serde(deserialize_with = "de_decimal")]
    pub refund_total: Decimal,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireReturnLine {
    #[serde(deserialize_with = "de_string")]
    pub seller_sku: String,
    #[serde(deserialize_with = "de_string")]
    pub product_name: String,
}

impl From<WireReturn> for crate::connector::RemoteReturn {
    fn from(r: WireReturn) -> Self {
        use feedbridge_common::returns::{ReturnKind, ReturnLine, ReturnStatus};
        // The reason text is what a merchant reads; the code stands in when TikTok sends none.
        let reason = if r.return_reason_text.trim().is_empty() {
            r.return_reason
        } else {
            r.return_reason_text
        };
        let request = feedbridge_common::returns::ReturnRequest {
            id: r.return_id,
            kind: ReturnKind::parse(&r.return_type),
            status: ReturnStatus::parse(&r.return_status),
            reason,
            refund: r.refund_amount.refund_total,
            currency: r.refund_amount.currency,
            lines: r
                .return_line_items
                .into_iter()
                .map(|l| ReturnLine {
                    seller_sku: l.seller_sku,
                    product_name: l.product_name,
                })
                .collect(),
            created: r.create_time,
            updated: r.update_time,
        };
        Self {
            order_id: r.order_id,
            request,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Orders (§6.1)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct OrdersData {
    #[serde(deserialize_with = "de_vec")]
    pub orders: Vec<WireOrder>,
    #[serde(deserialize_with = "de_string")]
    pub next_page_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireOrder {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub status: String,
    #[serde(deserialize_with = "de_i64")]
    pub create_time: i64,
    #[serde(deserialize_with = "de_i64")]
    pub update_time: i64,
    #[serde(deserialize_with = "de_i64")]
    pub paid_time: i64,
    pub is_buyer_request_cancel: bool,
    #[serde(deserialize_with = "de_string")]
    pub fulfillment_type: String,
    #[serde(deserialize_with = "de_string")]
    pub shipping_type: String,
    #[serde(deserialize_with = "de_string")]
    pub delivery_option_id: String,
    #[serde(deserialize_with = "de_string")]
    pub buyer_email: String,
    #[serde(deserialize_with = "de_opt")]
    pub payment: WirePayment,
    #[serde(deserialize_with = "de_opt")]
    pub recipient_address: WireAddress,
    #[serde(deserialize_with = "de_vec")]
    pub line_items: Vec<WireLineItem>,
}

/// An object that tolerates null.
fn de_opt<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WirePayment {
    #[serde(deserialize_with = "de_string")]
    pub currency: String,
    #[serde(deserialize_with = "de_decimal")]
    pub sub_total: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub seller_discount: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub platform_discount: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub shipping_fee: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub tax: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub total_amount: Decimal,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireAddress {
    #[serde(deserialize_with = "de_string")]
    pub name: String,
    #[serde(deserialize_with = "de_string")]
    pub first_name: String,
    #[serde(deserialize_with = "de_string")]
    pub last_name: String,
    #[serde(deserialize_with = "de_string")]
    pub phone_number: String,
    #[serde(deserialize_with = "de_string")]
    pub address_line1: String,
    #[serde(deserialize_with = "de_string")]
    pub address_line2: String,
    #[serde(deserialize_with = "de_string")]
    pub postal_code: String,
    #[serde(deserialize_with = "de_string")]
    pub region_code: String,
    #[serde(deserialize_with = "de_vec")]
    pub district_info: Vec<WireDistrict>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireDistrict {
    #[serde(deserialize_with = "de_string")]
    pub address_level_name: String,
    #[serde(deserialize_with = "de_string")]
    pub address_name: String,
    #[serde(deserialize_with = "de_string")]
    pub address_level: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireLineItem {
    #[serde(deserialize_with = "de_string")]
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub sku_id: String,
    #[serde(deserialize_with = "de_string")]
    pub seller_sku: String,
    #[serde(deserialize_with = "de_decimal")]
    pub original_price: Decimal,
    #[serde(deserialize_with = "de_decimal")]
    pub sale_price: Decimal,
    #[serde(deserialize_with = "de_string")]
    pub currency: String,
    #[serde(deserialize_with = "de_string")]
    pub package_id: String,
    #[serde(deserialize_with = "de_string")]
    pub package_status: String,
    #[serde(deserialize_with = "de_string")]
    pub tracking_number: String,
    #[serde(deserialize_with = "de_string")]
    pub shipping_provider_name: String,
}

impl WireAddress {
    fn district(&self, level: &str, names: &[&str]) -> Option<&str> {
        self.district_info
            .iter()
            .find(|d| d.address_level.eq_ignore_ascii_case(level))
            .or_else(|| {
                self.district_info.iter().find(|d| {
                    names
                        .iter()
                        .any(|n| d.address_level_name.eq_ignore_ascii_case(n))
                })
            })
            .map(|d| d.address_name.as_str())
            .filter(|name| !name.is_empty())
    }
}

impl From<WireAddress> for RemoteAddress {
    fn from(a: WireAddress) -> Self {
        let state = a
            .district("L1", &["State", "Province", "Region"])
            .unwrap_or_default()
            .to_owned();
        let city = a
            .district("L3", &["City", "Town"])
            .or_else(|| a.district("L2", &["County", "District"]))
            .unwrap_or_default()
            .to_owned();
        let (first_name, last_name) = if a.first_name.is_empty() && a.last_name.is_empty() {
            match a.name.trim().split_once(char::is_whitespace) {
                Some((first, last)) => (first.to_owned(), last.trim().to_owned()),
                None => (a.name.trim().to_owned(), String::new()),
            }
        } else {
            (a.first_name, a.last_name)
        };
        Self {
            first_name,
            last_name,
            address_line1: a.address_line1,
            address_line2: a.address_line2,
            city,
            state,
            postal_code: a.postal_code,
            region_code: a.region_code,
            phone: a.phone_number,
        }
    }
}

impl From<WireOrder> for RemoteOrder {
    fn from(o: WireOrder) -> Self {
        let currency = if o.payment.currency.is_empty() {
            o.line_items
                .iter()
                .map(|l| l.currency.clone())
                .find(|c| !c.is_empty())
                .unwrap_or_default()
        } else {
            o.payment.currency.clone()
        };
        Self {
            id: o.id,
            status: OrderStatus::parse(&o.status),
            update_time: o.update_time,
            create_time: o.create_time,
            paid_time: o.paid_time,
            fulfillment_type: FulfillmentType::parse(&o.fulfillment_type),
            shipping_type: ShippingType::parse(&o.shipping_type),
            delivery_option_id: o.delivery_option_id,
            currency,
            sub_total: o.payment.sub_total,
            seller_discount: o.payment.seller_discount,
            platform_discount: o.payment.platform_discount,
            shipping_fee: o.payment.shipping_fee,
            tax: o.payment.tax,
            total: o.payment.total_amount,
            is_buyer_request_cancel: o.is_buyer_request_cancel,
            buyer_email: o.buyer_email,
            recipient: o.recipient_address.into(),
            line_items: o
                .line_items
                .into_iter()
                .map(|l| RemoteLineItem {
                    id: l.id,
                    sku_id: l.sku_id,
                    seller_sku: l.seller_sku,
                    original_price: l.original_price,
                    sale_price: l.sale_price,
                    package_id: l.package_id,
                    tracking_number: l.tracking_number,
                    shipping_provider_name: l.shipping_provider_name,
                    package_status: l.package_status,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    /// The §6.1 sample, verbatim.
    const ORDER_JSON: &str = r#"{
      "id": "576461413038785752",
      "status": "AWAITING_SHIPMENT",
      "fulfillment_type": "FULFILLMENT_BY_SELLER",
      "shipping_type": "SELLER",
      "delivery_option_id": "7091146663229048619",
      "delivery_option_name": "Standard shipping",
      "warehouse_id": "7068517275539719942",
      "is_on_hold_order": false,
      "is_buyer_request_cancel": false,
      "is_cod": false, "is_sample_order": false, "is_replacement_order": false,
      "create_time": 1700000000, "paid_time": 1700000030, "update_time": 1700000100,
      "rts_sla_time": 1700259200, "tts_sla_time": 1700345600, "shipping_due_time": 1700345600,
      "cancel_order_sla_time": 1700003600,
      "buyer_email": "v2_xxx@scs.tiktokw.us", "buyer_message": "", "user_id": "7494...",
      "payment": {"currency": "USD", "sub_total": "19.99", "shipping_fee": "0.00", "tax": "1.60",
                  "total_amount": "21.59", "seller_discount": "0", "platform_discount": "0",
                  "original_total_product_price": "19.99", "original_shipping_fee": "5.99"},
      "recipient_address": {"name": "J*** D**", "first_name": "J***", "last_name": "D**",
          "phone_number": "(+1)213*****21", "full_address": "...", "address_line1": "...",
          "address_line2": "", "postal_code": "90001", "region_code": "US",
          "district_info": [{"address_level_name": "State", "address_name": "California", "address_level": "L1"},
                            {"address_level_name": "City", "address_name": "Los Angeles", "address_level": "L3"}]},
      "line_items": [{"id": "577087614418520412", "product_id": "1729...", "sku_id": "1729...",
          "seller_sku": "TEE-RED-M", "product_name": "Cotton T-Shirt", "sku_name": "Red, M",
          "original_price": "19.99", "sale_price": "19.99", "currency": "USD",
          "display_status": "AWAITING_SHIPMENT", "package_id": "", "package_status": "TO_FULFILL",
          "tracking_number": "", "shipping_provider_id": "", "cancel_user": "", "is_gift": false}],
      "packages": [{"id": "1152921504..."}],
      "tracking_number": "", "shipping_provider": "", "shipping_provider_id": "",
      "cancel_reason": "", "cancellation_initiator": "", "seller_note": ""
    }"#;

    #[test]
    fn sample_order_parses() {
        let wire: WireOrder = serde_json::from_str(ORDER_JSON).unwrap();
        let order = RemoteOrder::from(wire);
        let expected = RemoteOrder {
            id: "576461413038785752".into(),
            status: crate::connector::tiktok::status::OrderStatus::AwaitingShipment,
            update_time: 1_700_000_100,
            create_time: 1_700_000_000,
            paid_time: 1_700_000_030,
            fulfillment_type: crate::connector::tiktok::status::FulfillmentType::Seller,
            shipping_type: crate::connector::tiktok::status::ShippingType::Seller,
            delivery_option_id: "7091146663229048619".into(),
            currency: "USD".into(),
            sub_total: dec("19.99"),
            seller_discount: dec("0"),
            platform_discount: dec("0"),
            shipping_fee: dec("0.00"),
            tax: dec("1.60"),
            total: dec("21.59"),
            is_buyer_request_cancel: false,
            buyer_email: "v2_xxx@scs.tiktokw.us".into(),
            recipient: RemoteAddress {
                first_name: "J***".into(),
                last_name: "D**".into(),
                address_line1: "...".into(),
                address_line2: String::new(),
                city: "Los Angeles".into(),
                state: "California".into(),
                postal_code: "90001".into(),
                region_code: "US".into(),
                phone: "(+1)213*****21".into(),
            },
            line_items: vec![RemoteLineItem {
                id: "577087614418520412".into(),
                sku_id: "1729...".into(),
                seller_sku: "TEE-RED-M".into(),
                original_price: dec("19.99"),
                sale_price: dec("19.99"),
                package_id: String::new(),
                tracking_number: String::new(),
                shipping_provider_name: String::new(),
                package_status: "TO_FULFILL".into(),
            }],
        };
        assert_eq!(order, expected);
    }

    #[test]
    fn sparse_order_uses_defaults() {
        let json = r#"{"id": 576461413038785752, "status": "ON_HOLD", "payment": null,
            "recipient_address": {"name": "Jane Q Doe"}, "line_items": [{"id": "1", "sale_price": ""}],
            "update_time": "1700000100"}"#;
        let order = RemoteOrder::from(serde_json::from_str::<WireOrder>(json).unwrap());
        assert_eq!(order.id, "576461413038785752");
        assert_eq!(order.update_time, 1_700_000_100);
        assert_eq!(order.total, Decimal::ZERO);
        assert_eq!(order.recipient.first_name, "Jane");
        assert_eq!(order.recipient.last_name, "Q Doe");
        assert_eq!(order.line_items[0].sale_price, Decimal::ZERO);
        assert!(order.currency.is_empty());
    }

    #[test]
    fn bad_amount_is_an_error() {
        let json = r#"{"id": "1", "payment": {"total_amount": "twelve"}}"#;
        assert!(serde_json::from_str::<WireOrder>(json).is_err());
    }

    #[test]
    fn attribute_misspelling_and_sales_property() {
        let json = r#"{"attributes":[{"id":"100000","name":"Color","type":"SALES_PROPERTY","is_requried":true,
            "is_customizable":true,"values":[{"id":"1","name":"Red"}]},
            {"id":"100392","name":"Material","type":"PRODUCT_PROPERTY","is_multiple_selection":true}]}"#;
        let data: AttributesData = serde_json::from_str(json).unwrap();
        let attrs: Vec<CategoryAttribute> = data.attributes.into_iter().map(Into::into).collect();
        assert!(attrs[0].required && attrs[0].is_sales_property);
        assert_eq!(attrs[0].values, vec![("1".to_owned(), "Red".to_owned())]);
        assert!(!attrs[1].required && !attrs[1].is_sales_property);
        assert!(attrs[0].customizable && !attrs[0].multiple);
        assert!(!attrs[1].customizable && attrs[1].multiple);
    }

    #[test]
    fn product_detail_without_brand_or_package_decodes() {
        // TikTok leaves out brand, package_weight and package_dimensions a product lacks.
        let absent = r#"{"id":"7","status":"DRAFT","title":"Tee","skus":[{"id":"9","seller_sku":"A"}],
            "main_images":[{"uri":"u"}],"audit":{"status":"NONE"}}"#;
        let product = RemoteProduct::from(serde_json::from_str::<WireProduct>(absent).unwrap());
        assert_eq!(
            (product.id.as_str(), product.status.as_str()),
            ("7", "DRAFT")
        );
        assert_eq!(product.skus, vec![("A".to_owned(), "9".to_owned())]);
        // Objects, when present, are read past.
        let present = r#"{"id":"7","status":"ACTIVATE","brand":{"id":"1","name":"B"},
            "package_weight":{"value":"0.5","unit":"POUND"},
            "package_dimensions":{"length":"1","width":"1","height":"1","unit":"INCH"}}"#;
        assert_eq!(
            RemoteProduct::from(serde_json::from_str::<WireProduct>(present).unwrap()).status,
            "ACTIVATE"
        );
    }

    #[test]
    fn audit_reasons_flatten() {
        let json = r#"{"id":"1","status":"FAILED","skus":[{"id":"9","seller_sku":"A"}],
            "audit_failed_reasons":[{"position":"main_images","reasons":["Blurry image"],"suggestions":["Upload a sharper image"]}]}"#;
        let product = RemoteProduct::from(serde_json::from_str::<WireProduct>(json).unwrap());
        assert_eq!(
            product.audit_failed_reasons,
            vec!["main_images: Blurry image (suggestion: Upload a sharper image)".to_owned()]
        );
        assert_eq!(product.skus, vec![("A".to_owned(), "9".to_owned())]);
    }
}
