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
use feedbridge_common::attributes::ProductFacts;
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
        for attribute in product.custom_attributes.iter().filter(|a| is_fact(a)) {
            self.load_labels(&attribute.attribute_code, labels).await?;
        }
        let facts = facts(&product.custom_attributes, labels);
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
            facts,
        })
    }

    /// The option labels of an attribute (none for text attributes), read once per call.
    async fn load_labels(&self, code: &str, labels: &mut OptionLabels) -> ConnectorResult<()> {
        if labels.0.contains_key(code) {
            return Ok(());
        }
        // A 404 (the attribute was deleted since) leaves the values as Magento sent them.
        let options: Vec<AttributeOption> = self
            .get(
                &format!("/products/attributes/{}/options", path_segment(code)),
                Vec::new(),
            )
            .await?
            .unwrap_or_default();
        labels.0.insert(
            code.to_owned(),
            options
                .into_iter()
                .map(|o| (as_key(&o.value), o.label))
                .collect(),
        );
        Ok(())
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
            self.load_labels(&code, labels).await?;
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

/// Custom attributes about how Magento stores, prices or shows a product rather than what it
/// is: never facts for rules.
const NOT_FACTS: &[&str] = &[
    "description",
    "short_description",
    "meta_title",
    "meta_keyword",
    "meta_description",
    "url_key",
    "url_path",
    "image",
    "small_image",
    "thumbnail",
    "swatch_image",
    "image_label",
    "small_image_label",
    "thumbnail_label",
    "media_gallery",
    "gallery",
    "tax_class_id",
    "category_ids",
    "options_container",
    "required_options",
    "has_options",
    "quantity_and_stock_status",
    "status",
    "visibility",
    "weight",
    "product_has_weight",
    "price",
    "special_price",
    "special_from_date",
    "special_to_date",
    "cost",
    "msrp",
    "msrp_display_actual_price_type",
    "tier_price",
    "price_type",
    "price_view",
    "sku_type",
    "weight_type",
    "shipment_type",
    "news_from_date",
    "news_to_date",
    "page_layout",
    "custom_design",
    "custom_design_from",
    "custom_design_to",
    "custom_layout",
    "custom_layout_update",
    "custom_layout_update_file",
    "gift_message_available",
    "gift_wrapping_available",
    "gift_wrapping_price",
    "links_exist",
    "links_purchased_separately",
    "links_title",
    "samples_title",
];

/// Attributes whose value names the maker, read as the vendor, in order of preference.
const VENDOR_CODES: &[&str] = &["manufacturer", "brand"];

fn is_fact(attribute: &wire::CustomAttribute) -> bool {
    !attribute.attribute_code.is_empty() && !NOT_FACTS.contains(&attribute.attribute_code.as_str())
}

/// A product's custom attributes as facts: one field per value (key = attribute code), a
/// select's option id and each of a multiselect's comma-separated ids read as its label, text
/// as it is; `manufacturer` (else `brand`) is also the vendor. An id without a label (an
/// option deleted since) is kept as sent, so a rule shows it rather than losing it.
fn facts(attributes: &[wire::CustomAttribute], labels: &OptionLabels) -> ProductFacts {
    let mut fields: Vec<(String, String)> = Vec::new();
    for attribute in attributes.iter().filter(|a| is_fact(a)) {
        let code = &attribute.attribute_code;
        let options = labels.0.get(code).filter(|o| !o.is_empty());
        let raw: Vec<String> = match &attribute.value {
            Value::Array(items) => items.iter().map(as_key).collect(),
            Value::Null | Value::Object(_) => Vec::new(),
            other => vec![as_key(other)],
        };
        for text in raw {
            let values: Vec<String> = match options {
                Some(options) => text
                    .split(',')
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .map(|id| {
                        options.get(id).cloned().unwrap_or_else(|| {
                            tracing::warn!(platform = "magento", attribute = %code, option = id,
                                "Attribute option without a label; kept as its id.");
                            id.to_owned()
                        })
                    })
                    .collect(),
                None => vec![text],
            };
            for value in values {
                let value = value.trim();
                if !value.is_empty() {
                    fields.push((code.clone(), value.to_owned()));
                }
            }
        }
    }
    let vendor = VENDOR_CODES.iter().find_map(|code| {
        fields
            .iter()
            .find(|(key, _)| key == code)
            .map(|(_, value)| value.clone())
    });
    ProductFacts {
        tags: Vec::new(),
        vendor,
        fields,
    }
}

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
    fn custom_attributes_become_facts_with_option_labels() {
        let attributes: Vec<wire::CustomAttribute> = serde_json::from_value(json!([
            {"attribute_code": "description", "value": "<p>Soft</p>"},
            {"attribute_code": "url_key", "value": "tee"},
            {"attribute_code": "tax_class_id", "value": "2"},
            {"attribute_code": "category_ids", "value": ["3"]},
            {"attribute_code": "manufacturer", "value": "7001"},
            {"attribute_code": "material", "value": "7002,7003,7999"},
            {"attribute_code": "care", "value": "Hand wash, cold"},
            {"attribute_code": "eco_collection", "value": "1"},
            {"attribute_code": "season", "value": ""},
            {"attribute_code": "gone", "value": null},
        ]))
        .unwrap();
        let mut labels = OptionLabels::default();
        let options = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(id, label)| ((*id).to_owned(), (*label).to_owned()))
                .collect()
        };
        labels.0.insert(
            "manufacturer".into(),
            options(&[("", " "), ("7001", "Acme")]),
        );
        labels.0.insert(
            "material".into(),
            options(&[("7002", "Cotton"), ("7003", "Linen")]),
        );
        labels.0.insert("care".into(), HashMap::new());
        labels.0.insert(
            "eco_collection".into(),
            options(&[("0", "No"), ("1", "Yes")]),
        );
        let read = facts(&attributes, &labels);
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            read.fields,
            vec![
                pair("manufacturer", "Acme"),
                pair("material", "Cotton"),
                pair("material", "Linen"),
                pair("material", "7999"),
                pair("care", "Hand wash, cold"),
                pair("eco_collection", "Yes"),
            ]
        );
        assert_eq!(read.vendor.as_deref(), Some("Acme"));
        assert!(read.tags.is_empty());

        let brand: Vec<wire::CustomAttribute> =
            serde_json::from_value(json!([{"attribute_code": "brand", "value": "Zed"}])).unwrap();
        assert_eq!(
            facts(&brand, &OptionLabels::default()).vendor.as_deref(),
            Some("Zed")
        );
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
