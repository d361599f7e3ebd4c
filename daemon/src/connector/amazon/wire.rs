//! SP-API and Login with Amazon wire shapes (amazon-mcf.md §1, §2, §5, §7), read leniently:
//! every field the daemon does not strictly need has a default.

use serde::Deserialize;

/// LWA token answer.
#[derive(Deserialize)]
pub(super) struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// LWA (OAuth 2.0) error answer.
#[derive(Deserialize, Default)]
pub(super) struct OAuthError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: String,
}

/// `{"errors": [...]}` of every SP-API error answer.
#[derive(Deserialize, Default)]
pub(super) struct ErrorList {
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

#[derive(Deserialize, Default)]
pub(super) struct ApiError {
    #[serde(default, deserialize_with = "text_or_null")]
    pub message: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub details: String,
}

/// A text field of an error answer; `null` (sent for absent details) reads as empty, so one
/// odd field never loses the whole error's message.
fn text_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
pub(super) struct InventoryResponse {
    #[serde(default)]
    pub payload: Option<InventoryPayload>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct InventoryPayload {
    #[serde(default)]
    pub inventory_summaries: Vec<InventorySummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Pagination {
    #[serde(default)]
    pub next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InventorySummary {
    #[serde(default)]
    pub seller_sku: Option<String>,
    #[serde(default)]
    pub inventory_details: Option<InventoryDetails>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InventoryDetails {
    #[serde(default)]
    pub fulfillable_quantity: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct OrderResponse {
    pub payload: OrderPayload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderPayload {
    pub fulfillment_order: OrderHeader,
    #[serde(default)]
    pub fulfillment_order_items: Vec<OrderItem>,
    #[serde(default)]
    pub fulfillment_shipments: Vec<Shipment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderHeader {
    pub seller_fulfillment_order_id: String,
    pub fulfillment_order_status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderItem {
    pub seller_sku: String,
    pub seller_fulfillment_order_item_id: String,
    pub quantity: u32,
    #[serde(default)]
    pub cancelled_quantity: u32,
    #[serde(default)]
    pub unfulfillable_quantity: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Shipment {
    pub amazon_shipment_id: String,
    pub fulfillment_shipment_status: String,
    #[serde(default)]
    pub fulfillment_shipment_item: Vec<ShipmentItem>,
    #[serde(default)]
    pub fulfillment_shipment_package: Vec<Package>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ShipmentItem {
    pub seller_fulfillment_order_item_id: String,
    pub quantity: u32,
    #[serde(default)]
    pub package_number: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Package {
    pub package_number: u32,
    pub carrier_code: String,
    #[serde(default)]
    pub tracking_number: Option<String>,
}
