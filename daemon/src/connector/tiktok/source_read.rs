//! Reading a whole product (§5.3: title, description, images, attributes, and per SKU its
//! price, sales attributes and stock per warehouse), for a TikTok shop that is the source of
//! another shop's listings (`connector::tiktok_source`).

use super::wire::{de_decimal, de_i64, de_string};
use super::{Scope, TikTokClient, path_segment};
use crate::connector::{ConnectorError, ConnectorResult, Measures, Page, ShopProduct};
use feedbridge_common::measure::{LengthUnit, WeightUnit, parse_figure};
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Deserialize;

/// The answer to a product id the shop does not have. The code is the simulator's (TikTok's
/// product error family 12052xxx, §8; the exact number is unconfirmed).
const PRODUCT_NOT_FOUND: i64 = 12_052_010;

/// A product of the source shop, in feedbridge's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceProduct {
    pub id: String,
    pub title: String,
    pub description_html: String,
    /// TikTok's status (`ACTIVATE` is live).
    pub status: String,
    /// Unix seconds.
    pub update_time: i64,
    pub image_urls: Vec<String>,
    /// Product attributes: (attribute name, its values joined by ", ").
    pub attributes: Vec<(String, String)>,
    pub measures: Measures,
    pub skus: Vec<SourceSku>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SourceSku {
    pub id: String,
    pub seller_sku: String,
    pub price: Decimal,
    pub currency: String,
    /// (attribute name, value name), e.g. ("Color", "Red").
    pub sales_attributes: Vec<(String, String)>,
    /// (warehouse id, quantity)
    pub inventory: Vec<(String, i64)>,
}

impl SourceSku {
    pub fn available(&self) -> i64 {
        self.inventory.iter().map(|(_, q)| *q).sum()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Named {
    #[serde(deserialize_with = "de_string")]
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Attribute {
    #[serde(deserialize_with = "de_string")]
    name: String,
    values: Vec<Named>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SalesAttribute {
    #[serde(deserialize_with = "de_string")]
    name: String,
    #[serde(deserialize_with = "de_string")]
    value_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Price {
    #[serde(deserialize_with = "de_string")]
    currency: String,
    #[serde(deserialize_with = "de_decimal")]
    sale_price: Decimal,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Stock {
    #[serde(deserialize_with = "de_string")]
    warehouse_id: String,
    #[serde(deserialize_with = "de_i64")]
    quantity: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Sku {
    #[serde(deserialize_with = "de_string")]
    id: String,
    #[serde(deserialize_with = "de_string")]
    seller_sku: String,
    price: Price,
    sales_attributes: Vec<SalesAttribute>,
    inventory: Vec<Stock>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Image {
    urls: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Weight {
    #[serde(deserialize_with = "de_string")]
    value: String,
    #[serde(deserialize_with = "de_string")]
    unit: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Dimensions {
    #[serde(deserialize_with = "de_string")]
    length: String,
    #[serde(deserialize_with = "de_string")]
    width: String,
    #[serde(deserialize_with = "de_string")]
    height: String,
    #[serde(deserialize_with = "de_string")]
    unit: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Product {
    #[serde(deserialize_with = "de_string")]
    id: String,
    #[serde(deserialize_with = "de_string")]
    title: String,
    #[serde(deserialize_with = "de_string")]
    description: String,
    #[serde(deserialize_with = "de_string")]
    status: String,
    #[serde(deserialize_with = "de_i64")]
    update_time: i64,
    main_images: Vec<Image>,
    product_attributes: Vec<Attribute>,
    package_weight: Option<Weight>,
    package_dimensions: Option<Dimensions>,
    skus: Vec<Sku>,
}

/// TikTok's units (`KILOGRAM`, `POUND`; `CENTIMETER`, `INCH`) to kg and cm.
fn measures(weight: Option<&Weight>, dimensions: Option<&Dimensions>) -> Measures {
    let mut measures = Measures::default();
    if let Some(weight) = weight
        && let Some(unit) = WeightUnit::parse(&weight.unit)
    {
        measures = Measures::weight(parse_figure(&weight.value), unit);
    }
    if let Some(d) = dimensions
        && let Some(unit) = LengthUnit::parse(&d.unit)
    {
        measures = measures.with_dimensions(
            (
                parse_figure(&d.length),
                parse_figure(&d.width),
                parse_figure(&d.height),
            ),
            unit,
        );
    }
    measures
}

impl From<Product> for SourceProduct {
    fn from(p: Product) -> Self {
        let attributes = p
            .product_attributes
            .into_iter()
            .filter(|a| !a.name.is_empty())
            .map(|a| {
                let values: Vec<String> = a.values.into_iter().map(|v| v.name).collect();
                (a.name, values.join(", "))
            })
            .filter(|(_, values)| !values.is_empty())
            .collect();
        Self {
            measures: measures(p.package_weight.as_ref(), p.package_dimensions.as_ref()),
            id: p.id,
            title: p.title,
            description_html: p.description,
            status: p.status,
            update_time: p.update_time,
            image_urls: p
                .main_images
                .into_iter()
                .filter_map(|i| i.urls.into_iter().next())
                .collect(),
            attributes,
            skus: p
                .skus
                .into_iter()
                .map(|s| SourceSku {
                    id: s.id,
                    seller_sku: s.seller_sku,
                    price: s.price.sale_price,
                    currency: s.price.currency,
                    sales_attributes: s
                        .sales_attributes
                        .into_iter()
                        .map(|a| (a.name, a.value_name))
                        .collect(),
                    inventory: s
                        .inventory
                        .into_iter()
                        .map(|i| (i.warehouse_id, i.quantity))
                        .collect(),
                })
                .collect(),
        }
    }
}

fn is_not_found(error: &ConnectorError) -> bool {
    matches!(error, ConnectorError::Rejected { raw, .. }
        if raw.starts_with(&format!("code {PRODUCT_NOT_FOUND}:")))
}

impl TikTokClient {
    /// One product of the shop, whole (§4.1 Get Product); `None` when the shop has no such
    /// product.
    pub async fn source_product(&self, product_id: &str) -> ConnectorResult<Option<SourceProduct>> {
        let path = format!(
            "/product/202309/products/{}",
            path_segment("product", product_id)?
        );
        match self
            .call::<Product>(Method::GET, &path, Vec::new(), None, Scope::Shop)
            .await
        {
            Ok(product) => {
                let mut product = SourceProduct::from(product);
                if product.id.is_empty() {
                    product.id = product_id.to_owned();
                }
                Ok(Some(product))
            }
            Err(error) if is_not_found(&error) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// One page of the shop's products (any status) TikTok updated at or after `since` (Unix
    /// seconds; a price or stock change moves a product's `update_time`).
    pub async fn products_updated_since(
        &self,
        since: i64,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<ShopProduct>> {
        self.all_products_page(cursor, Some(since)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_product_answer_becomes_a_source_product() {
        let data = serde_json::json!({
            "id": "17", "title": "Tee", "description": "<p>Soft</p>", "status": "ACTIVATE",
            "update_time": 1_700_000_000,
            "main_images": [{"uri": "u", "urls": ["https://img/1.png"], "width": 800, "height": 800}],
            "product_attributes": [{"id": "100392", "name": "Material", "values": [{"id": "1", "name": "Cotton"}, {"name": "Linen"}]}],
            "package_weight": {"value": "1", "unit": "POUND"},
            "package_dimensions": {"length": "10", "width": "8", "height": "2", "unit": "INCH"},
            "skus": [{"id": "s1", "seller_sku": "TEE-M",
                      "price": {"currency": "USD", "sale_price": "19.99"},
                      "sales_attributes": [{"id": "100000", "name": "Size", "value_name": "M"}],
                      "inventory": [{"warehouse_id": "w1", "quantity": 5}, {"warehouse_id": "w2", "quantity": "2"}]}]
        });
        let product = SourceProduct::from(serde_json::from_value::<Product>(data).unwrap());
        assert_eq!(product.image_urls, ["https://img/1.png"]);
        assert_eq!(
            product.attributes,
            [("Material".to_owned(), "Cotton, Linen".to_owned())]
        );
        assert_eq!(
            product.measures.weight_kg,
            Some(Decimal::new(45_359_237, 8))
        );
        assert_eq!(product.measures.length_cm, Some(Decimal::new(254, 1)));
        let sku = &product.skus[0];
        assert_eq!(
            (sku.price, sku.currency.as_str()),
            (Decimal::new(1999, 2), "USD")
        );
        assert_eq!(sku.sales_attributes, [("Size".to_owned(), "M".to_owned())]);
        assert_eq!(sku.available(), 7);
    }
}
