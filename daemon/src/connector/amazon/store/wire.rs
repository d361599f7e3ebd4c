//! Wire shapes of the seller's catalog (Listings Items 2021-08-01, Catalog Items 2022-04-01,
//! Reports 2021-06-30), read leniently: what the daemon does not strictly need has a default.

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
pub(super) struct SearchResults {
    #[serde(default)]
    pub items: Vec<ListingItem>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct Pagination {
    #[serde(default)]
    pub next_token: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListingItem {
    pub sku: String,
    #[serde(default)]
    pub summaries: Vec<ListingSummary>,
    #[serde(default)]
    pub attributes: Map<String, Value>,
    #[serde(default)]
    pub offers: Vec<Offer>,
    #[serde(default)]
    pub fulfillment_availability: Vec<Availability>,
    #[serde(default)]
    pub relationships: Vec<RelationshipsByMarketplace>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListingSummary {
    pub marketplace_id: String,
    #[serde(default)]
    pub asin: Option<String>,
    #[serde(default)]
    pub item_name: Option<String>,
    #[serde(default)]
    pub last_updated_date: String,
    #[serde(default)]
    pub main_image: Option<Image>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Image {
    pub link: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Offer {
    pub marketplace_id: String,
    #[serde(default)]
    pub offer_type: String,
    pub price: Money,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Money {
    /// A decimal, sent as a string (the model's `Decimal`) or a number.
    pub amount: Value,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Availability {
    pub fulfillment_channel_code: String,
    #[serde(default)]
    pub quantity: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RelationshipsByMarketplace {
    #[serde(default)]
    pub relationships: Vec<Relationship>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Relationship {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub parent_skus: Vec<String>,
    #[serde(default)]
    pub child_skus: Vec<String>,
    #[serde(default)]
    pub variation_theme: Option<VariationTheme>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct VariationTheme {
    #[serde(default)]
    pub attributes: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct CatalogItem {
    #[serde(default)]
    pub summaries: Vec<CatalogSummary>,
    #[serde(default)]
    pub attributes: Map<String, Value>,
    #[serde(default)]
    pub images: Vec<ImagesByMarketplace>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CatalogSummary {
    pub marketplace_id: String,
    #[serde(default)]
    pub item_name: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImagesByMarketplace {
    pub marketplace_id: String,
    #[serde(default)]
    pub images: Vec<CatalogImage>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct CatalogImage {
    pub variant: String,
    pub link: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateReportResponse {
    pub report_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Report {
    pub processing_status: String,
    #[serde(default)]
    pub report_document_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ReportDocument {
    pub url: String,
    #[serde(default)]
    pub compression_algorithm: Option<String>,
}
