//! Shopify GraphQL response shapes (contract notes §2, §5, §7, §9, §10) and their conversion to
//! connector types. Nullable fields are `Option` or defaulted; money arrives as decimal strings.

use crate::connector::{
    Measures, ProductFacts, StoreFulfilment, StoreInfo, StoreOrderRef, StoreOrderUpdate,
    StoreProduct, StoreVariant, WeightUnit,
};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::str::FromStr;

/// A GraphQL response: `data`, top-level `errors`, and the cost extension.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct GqlResponse {
    pub data: Option<Value>,
    /// Usually an array of `{message, extensions{code}}`; a plain string on HTTP 401.
    pub errors: Option<Value>,
    pub extensions: Option<Extensions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Extensions {
    pub cost: Option<Cost>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Cost {
    pub requested_query_cost: Option<f64>,
    pub actual_query_cost: Option<f64>,
    pub throttle_status: Option<ThrottleStatus>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

/// One entry of the top-level `errors` array.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct GqlError {
    pub message: String,
    pub extensions: Option<GqlErrorExtensions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct GqlErrorExtensions {
    pub code: Option<String>,
}

impl GqlError {
    pub fn code(&self) -> &str {
        self.extensions
            .as_ref()
            .and_then(|e| e.code.as_deref())
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct UserError {
    pub field: Option<Vec<String>>,
    pub message: String,
}

impl UserError {
    pub fn line(&self) -> String {
        match self.field.as_deref() {
            Some(field) if !field.is_empty() => format!("{}: {}", field.join("."), self.message),
            _ => self.message.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

impl PageInfo {
    pub fn next(&self) -> Option<String> {
        if self.has_next_page {
            self.end_cursor.clone().filter(|c| !c.is_empty())
        } else {
            None
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub(super) struct Connection<T> {
    #[serde(default, rename = "pageInfo")]
    pub page_info: PageInfo,
    #[serde(default = "Vec::new", deserialize_with = "de_vec")]
    pub nodes: Vec<T>,
}

impl<T> Default for Connection<T> {
    fn default() -> Self {
        Self {
            page_info: PageInfo::default(),
            nodes: Vec::new(),
        }
    }
}

fn de_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn de_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Amount {
    Str(String),
    Num(f64),
}

/// `Money`/`Decimal` scalars: a decimal string (numbers tolerated); null is zero.
fn de_money<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    Ok(match Option::<Amount>::deserialize(d)? {
        None => Decimal::ZERO,
        Some(Amount::Str(s)) if s.trim().is_empty() => Decimal::ZERO,
        Some(Amount::Str(s)) => Decimal::from_str(s.trim())
            .or_else(|_| Decimal::from_scientific(s.trim()))
            .map_err(|e| D::Error::custom(format!("invalid amount {s:?}: {e}")))?,
        Some(Amount::Num(n)) => Decimal::try_from(n).map_err(D::Error::custom)?,
    })
}

// ---------------------------------------------------------------------------------------------
// Shop and products
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ShopData {
    pub shop: WireShop,
    pub locations_count: Option<WireCount>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireCount {
    pub count: u32,
    /// EXACT, or AT_LEAST when the count reached its limit.
    #[serde(default)]
    pub precision: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireShop {
    #[serde(default, deserialize_with = "de_string")]
    pub name: String,
    #[serde(default, deserialize_with = "de_string")]
    pub currency_code: String,
}

impl From<ShopData> for StoreInfo {
    fn from(data: ShopData) -> Self {
        Self {
            name: data.shop.name,
            currency: data.shop.currency_code,
            stock_locations: data
                .locations_count
                .filter(|c| c.precision == "EXACT")
                .map(|c| c.count),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ProductsData {
    pub products: Connection<WireProduct>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WireProduct {
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub title: String,
    #[serde(deserialize_with = "de_string")]
    pub description_html: String,
    #[serde(deserialize_with = "de_string")]
    pub updated_at: String,
    pub media: Option<Connection<WireMedia>>,
    pub variants: Option<Connection<WireVariant>>,
    #[serde(deserialize_with = "de_vec")]
    pub tags: Vec<String>,
    pub vendor: Option<String>,
    pub metafields: Option<Connection<WireMetafield>>,
}

/// A product metafield; `value` is a string whatever the `type` (a list holds a JSON array).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireMetafield {
    #[serde(deserialize_with = "de_string")]
    pub namespace: String,
    #[serde(deserialize_with = "de_string")]
    pub key: String,
    #[serde(rename = "type", deserialize_with = "de_string")]
    pub kind: String,
    #[serde(deserialize_with = "de_string")]
    pub value: String,
}

impl WireMetafield {
    /// (`namespace.key`, value) per value: a `list.*` type gives one pair per element.
    fn pairs(self) -> Vec<(String, String)> {
        let key = format!("{}.{}", self.namespace, self.key);
        if self.kind.starts_with("list.")
            && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&self.value)
        {
            return items
                .into_iter()
                .map(|item| match item {
                    Value::String(text) => text,
                    other => other.to_string(),
                })
                .map(|value| (key.clone(), value))
                .collect();
        }
        vec![(key, self.value)]
    }
}

/// A media node; only `MediaImage` nodes carry `image` (others arrive as `{}`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireMedia {
    pub image: Option<WireImage>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireImage {
    #[serde(deserialize_with = "de_string")]
    pub url: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WireVariant {
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub sku: String,
    #[serde(deserialize_with = "de_string")]
    pub title: String,
    #[serde(deserialize_with = "de_money")]
    pub price: Decimal,
    pub inventory_quantity: Option<i64>,
    #[serde(deserialize_with = "de_vec")]
    pub selected_options: Vec<WireOption>,
    pub inventory_item: Option<WireInventoryItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireInventoryItem {
    pub id: String,
    pub measurement: Option<WireMeasurement>,
}

/// `InventoryItemMeasurement`: Shopify keeps a weight per variant, no dimensions.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireMeasurement {
    pub weight: Option<WireWeight>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireWeight {
    /// `WeightUnit`: GRAMS, KILOGRAMS, OUNCES or POUNDS.
    #[serde(deserialize_with = "de_string")]
    pub unit: String,
    #[serde(deserialize_with = "de_money")]
    pub value: Decimal,
}

impl WireInventoryItem {
    /// The variant's weight in kg; an unset weight (Shopify answers 0) is none.
    pub fn measures(&self) -> Measures {
        let Some(weight) = self.measurement.as_ref().and_then(|m| m.weight.as_ref()) else {
            return Measures::default();
        };
        match WeightUnit::parse(&weight.unit) {
            Some(unit) => Measures::weight(Some(weight.value), unit),
            None => {
                tracing::warn!(unit = %weight.unit, item = %self.id, "Unknown Shopify weight unit; the shop's default package weight applies.");
                Measures::default()
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireOption {
    #[serde(deserialize_with = "de_string")]
    pub name: String,
    #[serde(deserialize_with = "de_string")]
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireId {
    pub id: String,
}

impl WireProduct {
    /// Whether Shopify holds more variants than one query returns.
    pub fn has_more_variants(&self) -> bool {
        self.variants
            .as_ref()
            .is_some_and(|v| v.page_info.has_next_page)
    }
}

impl From<WireProduct> for StoreProduct {
    fn from(p: WireProduct) -> Self {
        let facts = ProductFacts {
            tags: p.tags,
            vendor: p.vendor.filter(|v| !v.trim().is_empty()),
            fields: p
                .metafields
                .map(|m| m.nodes)
                .unwrap_or_default()
                .into_iter()
                .flat_map(WireMetafield::pairs)
                .collect(),
        };
        Self {
            facts,
            id: p.id,
            title: p.title,
            description_html: p.description_html,
            image_urls: p
                .media
                .map(|m| m.nodes)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.image.map(|i| i.url))
                .filter(|url| !url.is_empty())
                .collect(),
            updated_at: p.updated_at,
            variants: p
                .variants
                .map(|v| v.nodes)
                .unwrap_or_default()
                .into_iter()
                .map(|v| StoreVariant {
                    id: v.id,
                    sku: v.sku,
                    title: v.title,
                    price: v.price,
                    available: v.inventory_quantity.unwrap_or(0),
                    measures: v
                        .inventory_item
                        .as_ref()
                        .map(WireInventoryItem::measures)
                        .unwrap_or_default(),
                    inventory_item_id: v.inventory_item.map(|i| i.id).filter(|id| !id.is_empty()),
                    options: v
                        .selected_options
                        .into_iter()
                        .map(|o| (o.name, o.value))
                        .collect(),
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(super) struct FindOrderData {
    pub orders: Connection<WireOrderRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireOrderRef {
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub name: String,
    #[serde(rename = "totalPriceSet")]
    pub total_price_set: Option<MoneyBag>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct MoneyBag {
    pub shop_money: MoneyV2,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct MoneyV2 {
    #[serde(deserialize_with = "de_money")]
    pub amount: Decimal,
}

impl From<WireOrderRef> for StoreOrderRef {
    fn from(o: WireOrderRef) -> Self {
        Self {
            id: o.id,
            name: o.name,
            total: o.total_price_set.map(|bag| bag.shop_money.amount),
        }
    }
}

/// `{ userErrors }` of a mutation whose other output we do not need.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct ErrorsOnly {
    #[serde(deserialize_with = "de_vec")]
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct OrderCancelPayload {
    #[serde(deserialize_with = "de_vec")]
    pub order_cancel_user_errors: Vec<UserError>,
    #[serde(deserialize_with = "de_vec")]
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct FulfillmentCreatePayload {
    pub fulfillment: Option<WireId>,
    #[serde(deserialize_with = "de_vec")]
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct FulfillmentOrdersData {
    pub order: Option<FulfillmentOrdersOrder>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct FulfillmentOrdersOrder {
    pub fulfillment_orders: Connection<WireFulfillmentOrder>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WireFulfillmentOrder {
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub status: String,
    pub line_items: Connection<WireFulfillmentOrderLine>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WireFulfillmentOrderLine {
    pub id: String,
    pub remaining_quantity: i64,
    pub line_item: Option<WireLineItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderCreateData {
    pub order_create: Option<OrderCreatePayload>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct OrderCreatePayload {
    pub order: Option<WireOrderRef>,
    #[serde(deserialize_with = "de_vec")]
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Deserialize)]
pub(super) struct OrdersData {
    pub orders: Connection<WireOrder>,
}

#[derive(Debug, Deserialize)]
pub(super) struct OrderData {
    pub order: Option<WireOrder>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WireOrder {
    pub id: String,
    #[serde(deserialize_with = "de_string")]
    pub name: String,
    #[serde(deserialize_with = "de_string")]
    pub updated_at: String,
    pub cancelled_at: Option<String>,
    #[serde(deserialize_with = "de_string")]
    pub display_financial_status: String,
    pub source_identifier: Option<String>,
    #[serde(deserialize_with = "de_vec")]
    pub custom_attributes: Vec<WireAttribute>,
    #[serde(deserialize_with = "de_vec")]
    pub fulfillments: Vec<WireFulfillment>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireAttribute {
    #[serde(deserialize_with = "de_string")]
    pub key: String,
    pub value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WireFulfillment {
    pub id: String,
    #[serde(deserialize_with = "de_vec")]
    pub tracking_info: Vec<WireTracking>,
    pub fulfillment_line_items: Option<Connection<WireFulfillmentLine>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireTracking {
    pub company: Option<String>,
    pub number: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WireFulfillmentLine {
    pub quantity: i64,
    pub line_item: Option<WireLineItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WireLineItem {
    pub sku: Option<String>,
}

impl From<WireFulfillment> for StoreFulfilment {
    fn from(f: WireFulfillment) -> Self {
        let tracking_number = f
            .tracking_info
            .iter()
            .find_map(|t| t.number.clone().filter(|n| !n.trim().is_empty()));
        let carrier = f
            .tracking_info
            .iter()
            .find_map(|t| t.company.clone().filter(|c| !c.trim().is_empty()));
        Self {
            id: f.id,
            tracking_number,
            carrier,
            lines: f
                .fulfillment_line_items
                .map(|c| c.nodes)
                .unwrap_or_default()
                .into_iter()
                .map(|l| {
                    let sku = l.line_item.and_then(|i| i.sku).unwrap_or_default();
                    (sku, u32::try_from(l.quantity.max(0)).unwrap_or(u32::MAX))
                })
                .collect(),
        }
    }
}

impl From<WireOrder> for StoreOrderUpdate {
    fn from(o: WireOrder) -> Self {
        let tiktok_order_id = o
            .custom_attributes
            .iter()
            .find(|a| a.key == "tiktok_order_id")
            .and_then(|a| a.value.clone())
            .or(o.source_identifier)
            .filter(|id| !id.trim().is_empty());
        Self {
            id: o.id,
            name: o.name,
            updated_at: o.updated_at,
            tiktok_order_id,
            cancelled: o.cancelled_at.is_some_and(|at| !at.is_empty()),
            refunded: o.display_financial_status == "REFUNDED",
            fulfilments: o.fulfillments.into_iter().map(Into::into).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WebhookCreateData {
    pub webhook_subscription_create: Option<WebhookCreatePayload>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WebhookCreatePayload {
    #[serde(deserialize_with = "de_vec")]
    pub user_errors: Vec<UserError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_page_parses() {
        let json = r#"{"products":{"pageInfo":{"hasNextPage":true,"endCursor":"abc"},"nodes":[{
            "id":"gid://shopify/Product/1","title":"Tee","descriptionHtml":"<p>x</p>","updatedAt":"2026-11-01T00:00:00Z",
            "media":{"nodes":[{"image":{"url":"https://cdn/x.jpg"}},{}]},
            "variants":{"pageInfo":{"hasNextPage":false},"nodes":[
              {"id":"gid://shopify/ProductVariant/2","sku":"TEE-RED-M","title":"Red / M","price":"19.99",
               "inventoryQuantity":7,"selectedOptions":[{"name":"Color","value":"Red"},{"name":"Size","value":"M"}],
               "inventoryItem":{"id":"gid://shopify/InventoryItem/3"}},
              {"id":"gid://shopify/ProductVariant/4","sku":null,"title":"Default Title","price":"5",
               "inventoryQuantity":null,"selectedOptions":[],"inventoryItem":null}]}}]}}"#;
        let data: ProductsData = serde_json::from_str(json).unwrap();
        assert_eq!(data.products.page_info.next().as_deref(), Some("abc"));
        let product = StoreProduct::from(data.products.nodes.into_iter().next().unwrap());
        assert_eq!(product.image_urls, vec!["https://cdn/x.jpg".to_owned()]);
        assert_eq!(product.variants[0].price, Decimal::new(1999, 2));
        assert_eq!(product.variants[0].available, 7);
        assert_eq!(
            product.variants[0].inventory_item_id.as_deref(),
            Some("gid://shopify/InventoryItem/3")
        );
        assert_eq!(
            product.variants[0].options[1],
            ("Size".to_owned(), "M".to_owned())
        );
        assert_eq!(product.variants[1].sku, "");
        assert_eq!(product.variants[1].available, 0);
        assert_eq!(product.variants[1].inventory_item_id, None);
    }

    #[test]
    fn order_update_parses() {
        let json = r##"{"orders":{"pageInfo":{"hasNextPage":false,"endCursor":"c"},"nodes":[{
            "id":"gid://shopify/Order/9","name":"#1009","updatedAt":"2026-11-02T00:00:00Z","cancelledAt":null,
            "sourceIdentifier":"576","customAttributes":[{"key":"tiktok_order_id","value":"576461413038785752"}],
            "fulfillments":[{"id":"gid://shopify/Fulfillment/5","trackingInfo":[{"company":"UPS","number":"1Z999"}],
              "fulfillmentLineItems":{"nodes":[{"quantity":2,"lineItem":{"sku":"TEE-RED-M"}}]}}]},
            {"id":"gid://shopify/Order/10","updatedAt":"2026-11-03T00:00:00Z","cancelledAt":"2026-11-03T00:00:00Z",
             "sourceIdentifier":"777","customAttributes":[],"fulfillments":[]}]}}"##;
        let data: OrdersData = serde_json::from_str(json).unwrap();
        assert_eq!(data.orders.page_info.next(), None);
        let updates: Vec<StoreOrderUpdate> =
            data.orders.nodes.into_iter().map(Into::into).collect();
        assert_eq!(
            updates[0],
            StoreOrderUpdate {
                id: "gid://shopify/Order/9".into(),
                name: "#1009".into(),
                updated_at: "2026-11-02T00:00:00Z".into(),
                tiktok_order_id: Some("576461413038785752".into()),
                cancelled: false,
                refunded: false,
                fulfilments: vec![StoreFulfilment {
                    id: "gid://shopify/Fulfillment/5".into(),
                    tracking_number: Some("1Z999".into()),
                    carrier: Some("UPS".into()),
                    lines: vec![("TEE-RED-M".into(), 2)],
                }],
            }
        );
        assert_eq!(updates[1].tiktok_order_id.as_deref(), Some("777"));
        assert!(updates[1].cancelled);
    }

    #[test]
    fn throttled_body_parses() {
        let json = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}],
            "extensions":{"cost":{"requestedQueryCost":752,"actualQueryCost":null,
            "throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":666,"restoreRate":50.0}}}}"#;
        let response: GqlResponse = serde_json::from_str(json).unwrap();
        let cost = response.extensions.unwrap().cost.unwrap();
        assert_eq!(cost.requested_query_cost, Some(752.0));
        assert_eq!(cost.throttle_status.unwrap().currently_available, 666.0);
        let errors: Vec<GqlError> = serde_json::from_value(response.errors.unwrap()).unwrap();
        assert_eq!(errors[0].code(), "THROTTLED");
    }
}
