//! Turning the seller's listings into store products (pure): a variation family (parent SKU)
//! is one product and its child SKUs the variants; a SKU without a family is a product of its
//! own. Title, images and bullet points come from the family's catalog item; prices from the
//! B2C offer; stock from FBA (FBA SKUs) or the merchant-fulfilled quantity (FBM SKUs).

use std::collections::HashMap;

use feedbridge_common::attributes::ProductFacts;
use feedbridge_common::measure::{LengthUnit, Measures, WeightUnit, parse_figure};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::wire::{CatalogItem, ListingItem};
use crate::connector::{StoreProduct, StoreVariant};

/// The merchant-fulfilled channel of `fulfillmentAvailability`.
const MERCHANT_CHANNEL: &str = "DEFAULT";

/// One offer row of `GET_MERCHANT_LISTINGS_ALL_DATA`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReportRow {
    pub sku: String,
    pub asin: String,
    /// `fulfillment-channel` is not `DEFAULT`.
    pub fba: bool,
}

/// The rows of the tab-separated merchant listings report; the header names the columns.
pub(crate) fn parse_listings_report(text: &str) -> Result<Vec<ReportRow>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or("the report is empty")?
        .split('\t')
        .map(str::trim)
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("the report has no {name} column"))
    };
    let (sku, asin, channel) = (
        column("seller-sku")?,
        column("asin1")?,
        column("fulfillment-channel")?,
    );
    Ok(lines
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
            let row_sku = cell(sku);
            (!row_sku.is_empty()).then(|| ReportRow {
                sku: row_sku.to_string(),
                asin: cell(asin).to_string(),
                fba: !cell(channel).eq_ignore_ascii_case(MERCHANT_CHANNEL)
                    && !cell(channel).is_empty(),
            })
        })
        .collect())
}

/// The listing's summary in the marketplace.
fn summary<'a>(
    item: &'a ListingItem,
    marketplace: &str,
) -> Option<&'a super::wire::ListingSummary> {
    item.summaries
        .iter()
        .find(|s| s.marketplace_id == marketplace)
        .or(item.summaries.first())
}

pub(crate) fn asin_of(item: &ListingItem, marketplace: &str) -> Option<String> {
    summary(item, marketplace).and_then(|s| s.asin.clone())
}

/// The family's parent SKU of a child listing.
pub(crate) fn parent_sku(item: &ListingItem) -> Option<String> {
    item.relationships
        .iter()
        .flat_map(|r| &r.relationships)
        .filter(|r| r.kind == "VARIATION")
        .find_map(|r| r.parent_skus.first().cloned())
}

/// A parent listing names its children.
pub(crate) fn child_skus(item: &ListingItem) -> Vec<String> {
    item.relationships
        .iter()
        .flat_map(|r| &r.relationships)
        .filter(|r| r.kind == "VARIATION")
        .flat_map(|r| r.child_skus.iter().cloned())
        .collect()
}

pub(crate) fn is_parent(item: &ListingItem) -> bool {
    !child_skus(item).is_empty()
        || text_values(&item.attributes, "parentage_level")
            .first()
            .is_some_and(|v| v == "parent")
}

/// Fulfilled by Amazon: its availability is reported on an Amazon channel, not `DEFAULT`.
pub(crate) fn is_fba(item: &ListingItem) -> bool {
    item.fulfillment_availability
        .iter()
        .any(|a| a.fulfillment_channel_code != MERCHANT_CHANNEL)
}

/// The `value`s of a listing or catalog attribute (`bullet_point`, `size_name`, ...).
fn text_values(attributes: &Map<String, Value>, name: &str) -> Vec<String> {
    attributes
        .get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| match &v["value"] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

/// Attributes that are the product itself (text, offer, family, measures), not facts a
/// rule would map to a TikTok attribute.
const NOT_FACTS: &[&str] = &[
    "item_name",
    "brand",
    "bullet_point",
    "product_description",
    "condition_type",
    "parentage_level",
    "child_parent_sku_relationship",
    "purchasable_offer",
    "fulfillment_availability",
    "item_package_weight",
    "item_package_dimensions",
    "main_product_image_locator",
    "externally_assigned_product_identifier",
    "merchant_suggested_asin",
];

/// What attribute rules read of a family: its brand as the vendor (the catalog summary's,
/// else the listing's `brand` attribute), and each other attribute's text values as fields
/// named by the attribute (`field:material` reads `material`).
fn facts_of(catalog_brand: Option<&str>, attributes: &Map<String, Value>) -> ProductFacts {
    let vendor = catalog_brand
        .map(str::to_owned)
        .or_else(|| text_values(attributes, "brand").into_iter().next())
        .filter(|b| !b.trim().is_empty());
    let fields = attributes
        .keys()
        .filter(|name| !NOT_FACTS.contains(&name.as_str()))
        .flat_map(|name| {
            text_values(attributes, name)
                .into_iter()
                .map(move |value| (name.clone(), value))
        })
        .collect();
    ProductFacts {
        vendor,
        fields,
        ..ProductFacts::default()
    }
}

fn figure(value: &Value) -> Option<Decimal> {
    match value {
        Value::String(s) => parse_figure(s),
        Value::Number(n) => parse_figure(&n.to_string()),
        _ => None,
    }
}

/// `item_package_weight` and `item_package_dimensions`, in their own units, as kg and cm.
pub(crate) fn measures_of(attributes: &Map<String, Value>) -> Measures {
    let first = |name: &str| {
        attributes
            .get(name)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let weight = first("item_package_weight");
    let mut measures = match WeightUnit::parse(weight["unit"].as_str().unwrap_or("")) {
        Some(unit) => Measures::weight(figure(&weight["value"]), unit),
        None => Measures::default(),
    };
    let size = first("item_package_dimensions");
    let side = |name: &str| (figure(&size[name]["value"]), size[name]["unit"].as_str());
    let (length, width, height) = (side("length"), side("width"), side("height"));
    if let Some(unit) = length
        .1
        .or(width.1)
        .or(height.1)
        .and_then(LengthUnit::parse)
    {
        measures = measures.with_dimensions((length.0, width.0, height.0), unit);
    }
    measures
}

/// The B2C offer's price in the marketplace.
pub(crate) fn price_of(item: &ListingItem, marketplace: &str) -> Option<Decimal> {
    let offer = item
        .offers
        .iter()
        .filter(|o| o.marketplace_id == marketplace)
        .find(|o| o.offer_type.is_empty() || o.offer_type == "B2C")?;
    figure(&offer.price.amount)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Bullet points as an HTML list, then the product description as a paragraph.
pub(crate) fn description_html(bullets: &[String], description: Option<&str>) -> String {
    let mut html = String::new();
    if !bullets.is_empty() {
        html.push_str("<ul>");
        for bullet in bullets {
            html.push_str(&format!("<li>{}</li>", escape(bullet.trim())));
        }
        html.push_str("</ul>");
    }
    if let Some(text) = description.map(str::trim).filter(|t| !t.is_empty()) {
        html.push_str(&format!("<p>{}</p>", escape(text)));
    }
    html
}

/// "size_name" → "Size".
fn option_label(attribute: &str) -> String {
    let base = attribute.trim_end_matches("_name").replace('_', " ");
    let mut chars = base.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// The attributes a family varies by (the parent's theme, else the child's).
fn theme(parent: Option<&ListingItem>, child: &ListingItem) -> Vec<String> {
    parent
        .into_iter()
        .chain(std::iter::once(child))
        .flat_map(|i| &i.relationships)
        .flat_map(|r| &r.relationships)
        .find_map(|r| r.variation_theme.as_ref().map(|t| t.attributes.clone()))
        .unwrap_or_default()
}

/// What a family read gives: the parent (none for a standalone SKU), the offers, and the
/// family's catalog item.
pub(crate) struct Family<'a> {
    pub parent: Option<&'a ListingItem>,
    pub offers: Vec<&'a ListingItem>,
    pub catalog: Option<&'a CatalogItem>,
}

/// The product a family is, or `None` when none of its offers can be sold (no price).
/// `skipped` collects the SKUs left out and why.
pub(crate) fn product_of(
    family: &Family<'_>,
    fba_stock: &HashMap<String, i64>,
    marketplace: &str,
    skipped: &mut Vec<String>,
) -> Option<StoreProduct> {
    let head = family.parent.or(family.offers.first().copied())?;
    let id = asin_of(head, marketplace).unwrap_or_else(|| head.sku.clone());
    let catalog_summary = family.catalog.and_then(|c| {
        c.summaries
            .iter()
            .find(|s| s.marketplace_id == marketplace)
            .or(c.summaries.first())
    });
    let title = catalog_summary
        .and_then(|s| s.item_name.clone())
        .or_else(|| summary(head, marketplace).and_then(|s| s.item_name.clone()))
        .unwrap_or_else(|| head.sku.clone());
    let mut image_urls: Vec<String> = family
        .catalog
        .and_then(|c| {
            c.images
                .iter()
                .find(|i| i.marketplace_id == marketplace)
                .or(c.images.first())
        })
        .map(|set| {
            let mut images: Vec<_> = set.images.iter().collect();
            // MAIN first, then PT01, PT02, ... (SWCH swatches are not product photos).
            images.retain(|i| i.variant != "SWCH");
            images.sort_by_key(|i| (i.variant != "MAIN", i.variant.clone()));
            images.iter().map(|i| i.link.clone()).collect()
        })
        .unwrap_or_default();
    if image_urls.is_empty() {
        image_urls = std::iter::once(head)
            .chain(family.offers.iter().copied())
            .filter_map(|i| summary(i, marketplace)?.main_image.as_ref())
            .map(|img| img.link.clone())
            .collect();
        image_urls.dedup();
    }
    let text_source = family
        .catalog
        .map(|c| &c.attributes)
        .filter(|a| a.contains_key("bullet_point"))
        .unwrap_or(&head.attributes);
    let bullets = text_values(text_source, "bullet_point");
    let description = text_values(text_source, "product_description");
    let updated_at = std::iter::once(head)
        .chain(family.offers.iter().copied())
        .filter_map(|i| summary(i, marketplace).map(|s| s.last_updated_date.clone()))
        .max()
        .unwrap_or_default();
    let mut variants = Vec::new();
    for offer in &family.offers {
        let Some(price) = price_of(offer, marketplace) else {
            skipped.push(format!(
                "{} has no offer price in the marketplace",
                offer.sku
            ));
            continue;
        };
        let available = if is_fba(offer) {
            fba_stock.get(&offer.sku).copied().unwrap_or(0)
        } else {
            offer
                .fulfillment_availability
                .iter()
                .find(|a| a.fulfillment_channel_code == MERCHANT_CHANNEL)
                .and_then(|a| a.quantity)
                .unwrap_or(0)
        };
        let options: Vec<(String, String)> = theme(family.parent, offer)
            .iter()
            .filter_map(|attribute| {
                let value = text_values(&offer.attributes, attribute)
                    .into_iter()
                    .next()?;
                Some((option_label(attribute), value))
            })
            .collect();
        let variant_title = if options.is_empty() {
            summary(offer, marketplace)
                .and_then(|s| s.item_name.clone())
                .unwrap_or_else(|| offer.sku.clone())
        } else {
            options
                .iter()
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        variants.push(StoreVariant {
            id: offer.sku.clone(),
            sku: offer.sku.clone(),
            title: variant_title,
            price,
            available: available.max(0),
            inventory_item_id: Some(offer.sku.clone()),
            options,
            measures: measures_of(&offer.attributes),
        });
    }
    if variants.is_empty() {
        return None;
    }
    let facts = facts_of(
        catalog_summary.and_then(|s| s.brand.as_deref()),
        family.catalog.map_or(&head.attributes, |c| &c.attributes),
    );
    Some(StoreProduct {
        id,
        title,
        description_html: description_html(&bullets, description.first().map(String::as_str)),
        image_urls,
        updated_at,
        variants,
        facts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(value: Value) -> ListingItem {
        serde_json::from_value(value).unwrap()
    }

    const US: &str = "ATVPDKIKX0DER";

    fn child(sku: &str, size: &str, fba: bool) -> ListingItem {
        let channel = if fba { "AMAZON_NA" } else { "DEFAULT" };
        item(json!({
            "sku": sku,
            "summaries": [{"marketplaceId": US, "asin": format!("B0{sku}"), "itemName": format!("Tee, {size}"), "lastUpdatedDate": "2026-12-01T00:00:00Z"}],
            "attributes": {
                "size_name": [{"value": size, "marketplace_id": US}],
                "item_package_weight": [{"value": 0.33, "unit": "pounds"}],
                "item_package_dimensions": [{"length": {"value": 10, "unit": "inches"}, "width": {"value": 8, "unit": "inches"}, "height": {"value": 1, "unit": "inches"}}],
            },
            "offers": [{"marketplaceId": US, "offerType": "B2C", "price": {"currencyCode": "USD", "amount": "19.99"}}],
            "fulfillmentAvailability": [{"fulfillmentChannelCode": channel, "quantity": 7}],
            "relationships": [{"marketplaceId": US, "relationships": [{"type": "VARIATION", "parentSkus": ["TEE-P"], "variationTheme": {"attributes": ["size_name"], "theme": "SIZE_NAME"}}]}],
        }))
    }

    #[test]
    fn a_family_is_one_product_with_bullets_as_a_list_and_stock_per_channel() {
        let parent = item(json!({
            "sku": "TEE-P",
            "summaries": [{"marketplaceId": US, "asin": "B0PARENT", "itemName": "Tee", "lastUpdatedDate": "2026-12-02T00:00:00Z"}],
            "relationships": [{"marketplaceId": US, "relationships": [{"type": "VARIATION", "childSkus": ["TEE-S", "TEE-M"]}]}],
        }));
        let catalog: CatalogItem = serde_json::from_value(json!({
            "asin": "B0PARENT",
            "summaries": [{"marketplaceId": US, "itemName": "Classic Tee", "brand": "Acme"}],
            "attributes": {
                "bullet_point": [{"value": "Soft <cotton>"}, {"value": "Machine wash"}],
                "product_description": [{"value": "A tee."}],
                "material": [{"value": "Cotton", "language_tag": "en_US"}],
            },
            "images": [{"marketplaceId": US, "images": [
                {"variant": "PT01", "link": "https://img/2.png", "height": 1, "width": 1},
                {"variant": "MAIN", "link": "https://img/1.png", "height": 1, "width": 1},
            ]}],
        }))
        .unwrap();
        let (small, medium) = (child("TEE-S", "S", true), child("TEE-M", "M", false));
        let family = Family {
            parent: Some(&parent),
            offers: vec![&small, &medium],
            catalog: Some(&catalog),
        };
        let fba = HashMap::from([("TEE-S".to_string(), 40)]);
        let mut skipped = Vec::new();
        let product = product_of(&family, &fba, US, &mut skipped).unwrap();
        assert_eq!(product.id, "B0PARENT");
        assert_eq!(product.title, "Classic Tee");
        assert_eq!(
            product.description_html,
            "<ul><li>Soft &lt;cotton&gt;</li><li>Machine wash</li></ul><p>A tee.</p>"
        );
        assert_eq!(
            product.image_urls,
            ["https://img/1.png", "https://img/2.png"]
        );
        assert_eq!(product.variants.len(), 2);
        let s = &product.variants[0];
        assert_eq!((s.sku.as_str(), s.available), ("TEE-S", 40), "FBA stock");
        assert_eq!(product.variants[1].available, 7, "MFN quantity");
        assert_eq!(s.options, [("Size".to_string(), "S".to_string())]);
        assert_eq!(
            product.facts.vendor.as_deref(),
            Some("Acme"),
            "the catalog's brand"
        );
        assert_eq!(
            product.facts.fields,
            [("material".to_string(), "Cotton".to_string())],
            "text attributes other than the product's own text"
        );
        assert_eq!(s.title, "S");
        assert_eq!(s.price, Decimal::new(1999, 2));
        assert_eq!(s.measures.length_cm, Some(Decimal::new(254, 1)));
        assert!(s.measures.weight_kg.is_some());
        assert!(skipped.is_empty());
    }

    #[test]
    fn an_offer_without_a_price_is_named_not_listed() {
        let mut lone = child("MUG-1", "One", false);
        lone.offers.clear();
        lone.relationships.clear();
        let family = Family {
            parent: None,
            offers: vec![&lone],
            catalog: None,
        };
        let mut skipped = Vec::new();
        assert!(product_of(&family, &HashMap::new(), US, &mut skipped).is_none());
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].contains("MUG-1"));
    }

    #[test]
    fn the_report_is_read_by_its_header() {
        let report = "item-name\tseller-sku\tprice\tquantity\tasin1\tfulfillment-channel\n\
                      Tee, S\tTEE-S\t19.99\t\tB0A\tAMAZON_NA\n\
                      Mug\tMUG-1\t9.00\t5\tB0B\tDEFAULT\n";
        let rows = parse_listings_report(report).unwrap();
        assert_eq!(
            rows,
            [
                ReportRow {
                    sku: "TEE-S".into(),
                    asin: "B0A".into(),
                    fba: true
                },
                ReportRow {
                    sku: "MUG-1".into(),
                    asin: "B0B".into(),
                    fba: false
                },
            ]
        );
        assert!(parse_listings_report("sku\tprice\n").is_err());
    }
}
