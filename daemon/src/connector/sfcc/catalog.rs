//! The site, its products (OCAPI product search, SCAPI getProduct) and its inventory list.

use super::{Api, ConnectorError, ConnectorResult, SfccClient, decode, enc};
use crate::connector::{
    ItemLevels, LocationLevel, Measures, Page, ProductFacts, StoreInfo, StoreProduct, StoreVariant,
};
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Products per search page (each is then read with its variants).
const SEARCH_PAGE: u64 = 50;

#[derive(Deserialize)]
struct Site {
    id: String,
    #[serde(default)]
    display_name: BTreeMap<String, String>,
    default_currency: String,
}

#[derive(Deserialize)]
struct SearchResult {
    #[serde(default)]
    hits: Vec<Hit>,
    start: u64,
    total: u64,
}

#[derive(Deserialize)]
struct Hit {
    id: String,
}

#[derive(Deserialize)]
struct Product {
    id: String,
    #[serde(default)]
    name: BTreeMap<String, String>,
    #[serde(default, rename = "longDescription")]
    long_description: BTreeMap<String, Value>,
    #[serde(default, rename = "lastModified")]
    last_modified: String,
    #[serde(default, rename = "type")]
    kind: BTreeMap<String, bool>,
    #[serde(default, deserialize_with = "super::de_price")]
    price: Option<Decimal>,
    #[serde(default)]
    ats: Option<f64>,
    #[serde(default)]
    variants: Vec<Variant>,
    #[serde(default, rename = "variationAttributes")]
    variation_attributes: Vec<VariationAttribute>,
    #[serde(default, rename = "variationValues")]
    variation_values: BTreeMap<String, String>,
    #[serde(default, rename = "imageGroups")]
    image_groups: Vec<ImageGroup>,
    #[serde(default)]
    brand: Option<String>,
    /// Everything else; custom attributes are the `c_` keys.
    #[serde(flatten)]
    other: BTreeMap<String, Value>,
}

/// `brand` is the vendor; each custom attribute (`c_material` → field `material`) with a
/// text, number or list-of-text value is a field. SFCC keeps no tags.
fn facts(brand: Option<String>, other: BTreeMap<String, Value>) -> ProductFacts {
    let mut fields = Vec::new();
    for (key, value) in other {
        let Some(name) = key.strip_prefix("c_") else {
            continue;
        };
        let values: Vec<Value> = match value {
            Value::Array(items) => items,
            single => vec![single],
        };
        fields.extend(values.into_iter().filter_map(|v| match v {
            Value::String(s) => Some((name.to_owned(), s)),
            Value::Number(n) => Some((name.to_owned(), n.to_string())),
            _ => None,
        }));
    }
    ProductFacts {
        tags: Vec::new(),
        vendor: brand.map(|b| b.trim().to_owned()).filter(|b| !b.is_empty()),
        fields,
    }
}

#[derive(Deserialize)]
struct ImageGroup {
    #[serde(default, rename = "viewType")]
    view_type: String,
    #[serde(default)]
    images: Vec<Image>,
}

#[derive(Deserialize)]
struct Image {
    #[serde(default, rename = "absUrl")]
    abs_url: String,
}

#[derive(Deserialize)]
struct Variant {
    #[serde(rename = "productId")]
    product_id: String,
    #[serde(default, deserialize_with = "super::de_price")]
    price: Option<Decimal>,
    #[serde(default)]
    ats: Option<f64>,
    #[serde(default, rename = "variationValues")]
    variation_values: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct VariationAttribute {
    id: String,
    #[serde(default)]
    name: BTreeMap<String, String>,
}

#[derive(Deserialize)]
pub(super) struct Record {
    #[serde(default)]
    pub(super) ats: f64,
    #[serde(default)]
    pub(super) last_modified: Option<String>,
}

/// The default-locale text of a localized map.
fn text(map: &BTreeMap<String, String>) -> String {
    map.get("default")
        .or_else(|| map.values().next())
        .cloned()
        .unwrap_or_default()
}

fn units(ats: Option<f64>) -> i64 {
    ats.map_or(0, |a| a.floor() as i64)
}

impl SfccClient {
    pub(super) async fn store_info(&self) -> ConnectorResult<StoreInfo> {
        let path = format!("/sites/{}", enc(&self.settings.site_id));
        let site: Site = match self.call(Api::Ocapi, Method::GET, &path, &[], None).await? {
            Some(body) => decode("the site", body)?,
            None => {
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "Salesforce B2C Commerce has no site \"{}\"; check site_id in [sfcc.<organization>] of the secrets file",
                        self.settings.site_id
                    ),
                    raw: String::new(),
                });
            }
        };
        let name = Some(text(&site.display_name))
            .filter(|n| !n.is_empty())
            .unwrap_or(site.id);
        Ok(StoreInfo {
            name,
            currency: site.default_currency,
            stock_locations: None,
        })
    }

    /// A page of masters and standard products, oldest modification first.
    pub(super) async fn product_page(&self, start: u64) -> ConnectorResult<Page<StoreProduct>> {
        let body = json!({
            "query": {"match_all_query": {}},
            "sorts": [{"field": "last_modified", "sort_order": "asc"}],
            "start": start,
            "count": SEARCH_PAGE,
        });
        let found: SearchResult = match self
            .call(
                Api::Ocapi,
                Method::POST,
                "/product_search",
                &[],
                Some(&body),
            )
            .await?
        {
            Some(body) => decode("the product search", body)?,
            None => SearchResult {
                hits: Vec::new(),
                start,
                total: 0,
            },
        };
        let mut items = Vec::with_capacity(found.hits.len());
        for hit in &found.hits {
            // A product deleted between the search and the read is simply not listed.
            if let Some(product) = self.product_by_id(&hit.id).await? {
                items.push(product);
            }
        }
        let next_start = found.start + found.hits.len() as u64;
        Ok(Page {
            items,
            next: (!found.hits.is_empty() && next_start < found.total)
                .then(|| next_start.to_string()),
        })
    }

    /// A master (with its variants) or standard product; `None` if it is gone. A variant's id
    /// reads as its master.
    pub(super) async fn product_by_id(&self, id: &str) -> ConnectorResult<Option<StoreProduct>> {
        let Some(product) = self.raw_product(id).await? else {
            return Ok(None);
        };
        if product.kind.get("variant") == Some(&true) {
            return Ok(None);
        }
        Ok(Some(store_product(product)))
    }

    /// SCAPI `getProduct` in the site's context (prices and ATS of its price books and list).
    async fn raw_product(&self, id: &str) -> ConnectorResult<Option<Product>> {
        let path = self.scapi_path("product/products", &format!("/products/{}", enc(id)));
        match self
            .call(Api::Scapi, Method::GET, &path, &[self.site()], None)
            .await?
        {
            Some(body) => decode("a product", body).map(Some),
            None => Ok(None),
        }
    }

    /// A SKU's price and ATS as `getProduct` answers them for it (variant or standard product).
    pub(super) async fn sku_state(
        &self,
        sku: &str,
    ) -> ConnectorResult<Option<(Option<Decimal>, i64)>> {
        Ok(self
            .raw_product(sku)
            .await?
            .map(|p| (p.price, units(p.ats))))
    }
}

/// The `large` view's images first, then the others, each URL once.
fn images(groups: &[ImageGroup]) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    let large = groups.iter().filter(|g| g.view_type == "large");
    let rest = groups.iter().filter(|g| g.view_type != "large");
    for image in large.chain(rest).flat_map(|g| &g.images) {
        if !image.abs_url.is_empty() && !urls.contains(&image.abs_url) {
            urls.push(image.abs_url.clone());
        }
    }
    urls
}

fn store_product(p: Product) -> StoreProduct {
    let title = text(&p.name);
    let description_html = p
        .long_description
        .get("default")
        .or_else(|| p.long_description.values().next())
        .and_then(|d| d.get("markup").or(Some(d)))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let labels: BTreeMap<&str, String> = p
        .variation_attributes
        .iter()
        .map(|a| {
            let label = Some(text(&a.name)).filter(|l| !l.is_empty());
            (a.id.as_str(), label.unwrap_or_else(|| a.id.clone()))
        })
        .collect();
    let options = |values: &BTreeMap<String, String>| -> Vec<(String, String)> {
        values
            .iter()
            .map(|(k, v)| {
                (
                    labels.get(k.as_str()).cloned().unwrap_or_else(|| k.clone()),
                    v.clone(),
                )
            })
            .collect()
    };
    // A SKU without a price in the site's price books cannot be sold: it is left out (and
    // said so) rather than listed at zero.
    let priced = |sku: &str, price: Option<Decimal>| {
        if price.is_none() {
            tracing::warn!(
                platform = "sfcc",
                sku,
                "Salesforce B2C Commerce has no price for this SKU in the site's price books; it is not offered on TikTok until one is assigned (Merchant Tools > Products and Catalogs > Price Books)."
            );
        }
        price
    };
    let variants = if p.kind.get("master") == Some(&true) {
        p.variants
            .iter()
            .filter_map(|v| {
                let price = priced(&v.product_id, v.price)?;
                let options = options(&v.variation_values);
                Some(StoreVariant {
                    id: v.product_id.clone(),
                    sku: v.product_id.clone(),
                    title: options
                        .iter()
                        .map(|(_, v)| v.as_str())
                        .collect::<Vec<_>>()
                        .join(" / "),
                    price,
                    available: units(v.ats),
                    inventory_item_id: Some(v.product_id.clone()),
                    options,
                    measures: Measures::default(),
                })
            })
            .collect()
    } else {
        priced(&p.id, p.price)
            .map(|price| StoreVariant {
                id: p.id.clone(),
                sku: p.id.clone(),
                title: title.clone(),
                price,
                available: units(p.ats),
                inventory_item_id: Some(p.id.clone()),
                options: options(&p.variation_values),
                // The Shop API's product document has no weight or size: defaults apply.
                measures: Measures::default(),
            })
            .into_iter()
            .collect()
    };
    StoreProduct {
        id: p.id,
        title,
        description_html,
        image_urls: images(&p.image_groups),
        updated_at: p.last_modified,
        variants,
        facts: facts(p.brand, p.other),
    }
}

impl SfccClient {
    /// ATS of each SKU in the site's inventory list (one level, at the list).
    pub(super) async fn levels(&self, skus: &[String]) -> ConnectorResult<Vec<ItemLevels>> {
        let now = feedbridge_common::timestamps::rfc3339_seconds(self.clock.now());
        let mut out = Vec::with_capacity(skus.len());
        for sku in skus {
            let levels = match self.record(sku).await? {
                Some(record) => vec![LocationLevel {
                    location_id: self.settings.inventory_list_id.clone(),
                    available: record.ats.floor() as i64,
                    updated_at: record.last_modified.unwrap_or_else(|| now.clone()),
                }],
                None => Vec::new(),
            };
            out.push(ItemLevels {
                inventory_item_id: sku.clone(),
                levels,
            });
        }
        Ok(out)
    }

    fn record_path(&self, sku: &str) -> String {
        format!(
            "/inventory_lists/{}/product_inventory_records/{}",
            enc(&self.settings.inventory_list_id),
            enc(sku)
        )
    }

    pub(super) async fn record(&self, sku: &str) -> ConnectorResult<Option<Record>> {
        match self
            .call(Api::Ocapi, Method::GET, &self.record_path(sku), &[], None)
            .await?
        {
            Some(body) => decode("an inventory record", body).map(Some),
            None => Ok(None),
        }
    }

    /// Moves a SKU's ATS by `delta` units: a new allocation of ATS + delta (not below zero).
    pub(super) async fn adjust_stock(&self, sku: &str, delta: i64) -> ConnectorResult<()> {
        let Some(record) = self.record(sku).await? else {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "SKU {sku} has no inventory record in the Salesforce B2C Commerce inventory list \"{}\"; add one (Merchant Tools > Products and Catalogs > Inventory) or check inventory_list_id in the secrets file",
                    self.settings.inventory_list_id
                ),
                raw: String::new(),
            });
        };
        let amount = (record.ats.floor() as i64 + delta).max(0);
        let body = json!({"allocation": {"amount": amount}});
        self.call(
            Api::Ocapi,
            Method::PATCH,
            &self.record_path(sku),
            &[],
            Some(&body),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masters_become_variants_and_unpriced_skus_are_left_out() {
        let product: Product = serde_json::from_value(json!({
            "id": "tee",
            "name": {"default": "Classic Cotton Tee"},
            "longDescription": {"default": {"markup": "<p>Soft</p>", "source": "Soft"}},
            "lastModified": "2026-01-01T00:00:00.000Z",
            "type": {"master": true},
            "brand": "Acme",
            "c_material": ["Cotton", "Linen"],
            "c_careCode": 3,
            "c_sizeChart": {"id": "x"},
            "imageGroups": [
                {"viewType": "small", "images": [{"absUrl": "https://x/s.png"}]},
                {"viewType": "large", "images": [{"absUrl": "https://x/l.png"}, {"absUrl": "https://x/s.png"}]}
            ],
            "variationAttributes": [{"id": "size", "name": {"default": "Size"}}],
            "variants": [
                {"productId": "TEE-S", "price": 19.99, "ats": 4.0, "variationValues": {"size": "S"}},
                {"productId": "TEE-M", "ats": 2, "variationValues": {"size": "M"}}
            ]
        }))
        .unwrap();
        let store = store_product(product);
        assert_eq!(store.title, "Classic Cotton Tee");
        assert_eq!(store.facts.vendor.as_deref(), Some("Acme"));
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            store.facts.fields,
            [
                pair("careCode", "3"),
                pair("material", "Cotton"),
                pair("material", "Linen")
            ]
        );
        assert_eq!(store.description_html, "<p>Soft</p>");
        assert_eq!(store.image_urls, vec!["https://x/l.png", "https://x/s.png"]);
        assert_eq!(store.variants.len(), 1);
        let v = &store.variants[0];
        assert_eq!((v.sku.as_str(), v.available), ("TEE-S", 4));
        assert_eq!(v.price.to_string(), "19.99");
        assert_eq!(v.options, vec![("Size".to_owned(), "S".to_owned())]);
    }
}
