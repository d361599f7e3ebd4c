//! Store info, the catalog (simple and configurable products with their children) and MSI
//! stock (salable quantity, per-source levels).

use super::wire::{
    self, AttributeOption, SourceItem, StoreConfig, StoreGroup, WireProduct, decimal,
};
use super::{Criteria, MagentoClient, PAGE_SIZE, PARALLEL_READS, next_page};
use crate::connector::{
    ConnectorError, ConnectorResult, ItemLevels, LocationLevel, Measures, Page, StoreInfo,
    StoreProduct, StoreVariant, WeightUnit,
};
use futures::StreamExt;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The MSI stock every source of a single-website store belongs to.
const DEFAULT_STOCK_ID: u64 = 1;
/// The source MSI creates; reservations are taken off it first.
const DEFAULT_SOURCE: &str = "default";
/// SKUs per source-items search (each is one filter in the query string).
const SKUS_PER_SEARCH: usize = 50;

fn path_segment(sku: &str) -> String {
    super::auth::percent_encode(sku)
}

fn as_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl MagentoClient {
    async fn store_config(&self) -> ConnectorResult<StoreConfig> {
        let configs: Vec<StoreConfig> = self
            .get("/store/storeConfigs", Vec::new())
            .await?
            .unwrap_or_default();
        let wanted = self.settings.store_code.as_str();
        configs
            .into_iter()
            .find(|c| c.code == wanted)
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!(
                    "Magento has no store view with code \"{wanted}\"; set store_code in the config to one under Stores > All Stores"
                ),
                raw: String::new(),
            })
    }

    pub(super) async fn store_info(&self) -> ConnectorResult<StoreInfo> {
        let config = self.store_config().await?;
        let groups: Vec<StoreGroup> = self
            .get("/store/storeGroups", Vec::new())
            .await?
            .unwrap_or_default();
        let name = groups
            .into_iter()
            .find(|g| g.default_store_id == config.id)
            .map_or_else(|| config.code.clone(), |g| g.name);
        Ok(StoreInfo {
            name,
            currency: config.base_currency_code,
            stock_locations: None,
        })
    }

    /// Products a page at a time, oldest update first; configurable children are read with
    /// their parent.
    pub(super) async fn product_page(&self, page: u64) -> ConnectorResult<Page<StoreProduct>> {
        let criteria = Criteria::default()
            .filter("visibility", "neq", "1")
            .any("type_id", "in", &["simple,configurable".to_owned()])
            .sort("updated_at", true)
            .sort("entity_id", true)
            .page(PAGE_SIZE, page);
        let found: wire::SearchResult<WireProduct> = self.search("/products", criteria).await?;
        let config = self.store_config().await?;
        let view = StoreView::of(&config);
        let mut labels = OptionLabels::default();
        let mut items = Vec::with_capacity(found.items.len());
        for product in found.items {
            items.push(self.store_product(product, &view, &mut labels).await?);
        }
        Ok(Page {
            items,
            next: next_page(page, found.total_count),
        })
    }

    pub(super) async fn product_by_id(&self, id: u64) -> ConnectorResult<Option<StoreProduct>> {
        let found: wire::SearchResult<WireProduct> = self
            .search(
                "/products",
                Criteria::default()
                    .filter("entity_id", "eq", id.to_string())
                    .page(1, 1),
            )
            .await?;
        let Some(product) = found.items.into_iter().find(|p| p.id == id) else {
            return Ok(None);
        };
        let config = self.store_config().await?;
        let mut labels = OptionLabels::default();
        self.store_product(product, &StoreView::of(&config), &mut labels)
            .await
            .map(Some)
    }

    async fn store_product(
        &self,
        product: WireProduct,
        view: &StoreView<'_>,
        labels: &mut OptionLabels,
    ) -> ConnectorResult<StoreProduct> {
        let media = view.media;
        let images: Vec<String> = product
            .media_gallery_entries
            .iter()
            .filter(|m| !m.disabled && !m.file.is_empty() && m.media_type != "external-video")
            .map(|m| format!("{}catalog/product{}", media_base(media), m.file))
            .collect();
        let description = product.attribute_text("description").unwrap_or_default();
        let mut enabled_children = Vec::new();
        let variants = if product.is_configurable() {
            let children: Vec<WireProduct> = self
                .get(
                    &format!(
                        "/configurable-products/{}/children",
                        path_segment(&product.sku)
                    ),
                    Vec::new(),
                )
                .await?
                .unwrap_or_default();
            let mut variants = Vec::with_capacity(children.len());
            for child in &children {
                if child.enabled() {
                    enabled_children.push(child.sku.clone());
                }
                let options = self.child_options(&product, child, labels).await?;
                let title = options
                    .iter()
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ");
                variants.push(variant(child, title, options, view.weight_unit));
            }
            variants
        } else {
            vec![variant(
                &product,
                "Default Title".into(),
                Vec::new(),
                view.weight_unit,
            )]
        };
        let skus: Vec<String> = variants.iter().map(|v| v.sku.clone()).collect();
        let salable = self.salable_many(&skus).await?;
        let variants = variants
            .into_iter()
            .map(|mut v| {
                // A disabled product (or child) cannot be bought, whatever its stock.
                let sellable = product.enabled()
                    && (!product.is_configurable() || enabled_children.contains(&v.sku));
                v.available = if sellable {
                    salable.get(&v.sku).copied().unwrap_or(0).max(0)
                } else {
                    0
                };
                v
            })
            .collect();
        Ok(StoreProduct {
            id: product.id.to_string(),
            title: product.name.clone(),
            description_html: description,
            image_urls: images,
            updated_at: wire::iso(&product.updated_at),
            variants,
            facts: Default::default(),
        })
    }

    /// `(attribute label, option label)` of a child, for each configurable attribute of its
    /// parent: the child's custom attribute holding one of the option's value ids names the
    /// attribute code, whose option labels are read once per call.
    async fn child_options(
        &self,
        parent: &WireProduct,
        child: &WireProduct,
        labels: &mut OptionLabels,
    ) -> ConnectorResult<Vec<(String, String)>> {
        let mut out = Vec::new();
        for option in &parent.extension_attributes.configurable_product_options {
            let values: Vec<String> = option
                .values
                .iter()
                .map(|v| as_key(&v.value_index))
                .collect();
            let Some((code, value)) = child.custom_attributes.iter().find_map(|a| {
                let v = as_key(&a.value);
                values.contains(&v).then(|| (a.attribute_code.clone(), v))
            }) else {
                continue;
            };
            if !labels.0.contains_key(&code) {
                let options: Vec<AttributeOption> = self
                    .get(
                        &format!("/products/attributes/{}/options", path_segment(&code)),
                        Vec::new(),
                    )
                    .await?
                    .unwrap_or_default();
                labels.0.insert(
                    code.clone(),
                    options
                        .into_iter()
                        .map(|o| (as_key(&o.value), o.label))
                        .collect(),
                );
            }
            let label = labels
                .0
                .get(&code)
                .and_then(|m| m.get(&value))
                .cloned()
                .unwrap_or(value);
            let name = if option.label.is_empty() {
                code
            } else {
                option.label.clone()
            };
            out.push((name, label));
        }
        Ok(out)
    }

    /// The default stock's salable quantity of one SKU; `None` when Magento cannot tell (no
    /// such product, or a type without source items).
    async fn salable(&self, sku: &str) -> ConnectorResult<Option<i64>> {
        let path = format!(
            "/inventory/get-product-salable-quantity/{}/{DEFAULT_STOCK_ID}",
            path_segment(sku)
        );
        match self
            .call(reqwest::Method::GET, &path, Vec::new(), None)
            .await
        {
            Ok(Some(v)) => Ok(decimal(&v).and_then(|d| d.floor().to_i64())),
            // 400: no such SKU, or a product type without source items.
            Err(ConnectorError::Rejected { reason, .. }) if reason.contains("(HTTP 400)") => {
                Ok(None)
            }
            Ok(None) => Ok(None),
            Err(other) => Err(other),
        }
    }

    async fn salable_many(&self, skus: &[String]) -> ConnectorResult<HashMap<String, i64>> {
        let answers: Vec<(String, ConnectorResult<Option<i64>>)> =
            futures::stream::iter(skus.iter().cloned())
                .map(|sku| async move {
                    let got = self.salable(&sku).await;
                    (sku, got)
                })
                .buffered(PARALLEL_READS)
                .collect()
                .await;
        let mut out = HashMap::new();
        for (sku, got) in answers {
            if let Some(n) = got? {
                out.insert(sku, n);
            }
        }
        Ok(out)
    }

    async fn source_items(&self, skus: &[String]) -> ConnectorResult<Vec<SourceItem>> {
        let mut all = Vec::new();
        for chunk in skus.chunks(SKUS_PER_SEARCH) {
            let mut page = 1;
            loop {
                let found: wire::SearchResult<SourceItem> = self
                    .search(
                        "/inventory/source-items",
                        Criteria::default()
                            .any("sku", "eq", chunk)
                            .page(PAGE_SIZE, page),
                    )
                    .await?;
                all.extend(found.items);
                match next_page(page, found.total_count) {
                    Some(_) => page += 1,
                    None => break,
                }
            }
        }
        Ok(all)
    }

    pub(super) async fn levels(&self, skus: &[String]) -> ConnectorResult<Vec<ItemLevels>> {
        let items = self.source_items(skus).await?;
        let salable = self.salable_many(skus).await?;
        let now = feedbridge_common::timestamps::rfc3339_seconds(self.clock.now());
        Ok(skus
            .iter()
            .map(|sku| {
                let mine: Vec<&SourceItem> = items.iter().filter(|i| i.sku == *sku).collect();
                let levels = match salable.get(sku) {
                    Some(salable) => split_levels(&mine, *salable)
                        .into_iter()
                        .map(|(source, available)| LocationLevel {
                            location_id: source,
                            available,
                            updated_at: now.clone(),
                        })
                        .collect(),
                    None => Vec::new(),
                };
                ItemLevels {
                    inventory_item_id: sku.clone(),
                    levels,
                }
            })
            .collect())
    }
}

/// Attribute code → option id → label, read once per call.
#[derive(Default)]
struct OptionLabels(HashMap<String, HashMap<String, String>>);

fn media_base(media: &str) -> String {
    if media.ends_with('/') {
        media.to_owned()
    } else {
        format!("{media}/")
    }
}

/// What a catalog read needs of the store view: where media lives, the weight unit.
struct StoreView<'a> {
    media: &'a str,
    /// `None` for a unit feedbridge does not know (weights are then left to the defaults).
    weight_unit: Option<WeightUnit>,
}

impl<'a> StoreView<'a> {
    fn of(config: &'a StoreConfig) -> Self {
        let weight_unit = WeightUnit::parse(&config.weight_unit);
        if weight_unit.is_none() {
            tracing::warn!(platform = "magento", weight_unit = %config.weight_unit,
                "Unknown store weight unit; weights are left to the shop's package defaults.");
        }
        Self {
            media: &config.base_media_url,
            weight_unit,
        }
    }
}

/// A simple product (or configurable child) as a variant. Magento keeps a weight, no size.
fn variant(
    p: &WireProduct,
    title: String,
    options: Vec<(String, String)>,
    weight_unit: Option<WeightUnit>,
) -> StoreVariant {
    StoreVariant {
        measures: weight_unit
            .map(|unit| Measures::weight(decimal(&p.weight), unit))
            .unwrap_or_default(),
        id: p.sku.clone(),
        sku: p.sku.clone(),
        title,
        price: p.selling_price(),
        available: 0,
        inventory_item_id: Some(p.sku.clone()),
        options,
    }
}

/// Per-source availability adding up to the stock's salable quantity: each in-stock source's
/// quantity, less the reservations (quantity − salable), taken off `default` first, then off
/// the largest.
fn split_levels(items: &[&SourceItem], salable: i64) -> Vec<(String, i64)> {
    let mut levels: BTreeMap<String, i64> = BTreeMap::new();
    for item in items {
        let in_stock = decimal(&item.status).is_some_and(|s| s == Decimal::ONE);
        let qty = if in_stock {
            decimal(&item.quantity)
                .and_then(|d| d.floor().to_i64())
                .unwrap_or(0)
                .max(0)
        } else {
            0
        };
        levels.insert(item.source_code.clone(), qty);
    }
    let mut reserved = (levels.values().sum::<i64>() - salable.max(0)).max(0);
    let mut order: Vec<String> = levels.keys().cloned().collect();
    order.sort_by_key(|s| (s != DEFAULT_SOURCE, std::cmp::Reverse(levels[s])));
    for source in order {
        if reserved == 0 {
            break;
        }
        if let Some(qty) = levels.get_mut(&source) {
            let take = reserved.min(*qty);
            *qty -= take;
            reserved -= take;
        }
    }
    levels.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(source: &str, qty: i64, status: i64) -> SourceItem {
        serde_json::from_value(
            json!({"sku": "A", "source_code": source, "quantity": qty, "status": status}),
        )
        .unwrap()
    }

    #[test]
    fn reservations_come_off_default_first() {
        let (d, e) = (item("default", 3, 1), item("east", 10, 1));
        assert_eq!(
            split_levels(&[&d, &e], 8),
            vec![("default".into(), 0), ("east".into(), 8)]
        );
        let out = item("west", 4, 0);
        assert_eq!(split_levels(&[&out], 0), vec![("west".into(), 0)]);
        assert_eq!(split_levels(&[&d], 3), vec![("default".into(), 3)]);
    }
}
