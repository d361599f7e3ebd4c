//! Wix answers read field by field, so one in an unexpected shape fails naming the field
//! (`product 5376f9ec-… → variants[0].variant.priceData.price`).

use super::{LOCATION, UNTRACKED_IN_STOCK};
use crate::connector::{
    ConnectorError, ConnectorResult, LocationLevel, Measures, ProductFacts, StoreFulfilment,
    StoreProduct, StoreVariant, WeightUnit,
};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// `a.b[0].c` inside `v`.
pub(super) fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    (!cur.is_null()).then_some(cur)
}

pub(super) fn unexpected(what: &str, field: &str, expected: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!(
            "Wix answered {what} in an unexpected shape: `{field}` should be {expected}; check that api_base points at Wix's API (https://www.wixapis.com)"
        ),
        raw: String::new(),
    }
}

pub(super) fn text(v: &Value, path: &str, what: &str) -> ConnectorResult<String> {
    at(v, path)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| unexpected(what, path, "text"))
}

pub(super) fn opt_text(v: &Value, path: &str) -> String {
    at(v, path)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

pub(super) fn array<'a>(v: &'a Value, path: &str, what: &str) -> ConnectorResult<&'a Vec<Value>> {
    match at(v, path) {
        None => Err(unexpected(what, path, "a list")),
        Some(a) => a.as_array().ok_or_else(|| unexpected(what, path, "a list")),
    }
}

/// A price: a JSON number (Catalog V1) or a decimal string (eCommerce `amount`).
pub(super) fn decimal(v: &Value, path: &str, what: &str) -> ConnectorResult<Decimal> {
    let bad = || unexpected(what, path, "a price");
    match at(v, path).ok_or_else(bad)? {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .map_err(|_| bad()),
        Value::String(s) => Decimal::from_str(s.trim()).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// A V1 weight (a number; 0 or missing when unset), in kg: Catalog V1 carries no unit, and
/// the site's weight unit is the one orders are created with (`weightUnit: KG`).
fn weight(v: &Value, path: &str) -> Option<Decimal> {
    match at(v, path)? {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        _ => None,
    }
    .filter(|w| *w > Decimal::ZERO)
}

/// Sellable units of a variant's `stock` (or an inventory variant row).
pub(super) fn available(
    stock: &Value,
    tracked: bool,
    what: &str,
    path: &str,
) -> ConnectorResult<i64> {
    if tracked {
        Ok(at(stock, "quantity")
            .and_then(Value::as_i64)
            .ok_or_else(|| {
                unexpected(
                    what,
                    &format!("{path}.quantity"),
                    "a whole number (the inventory tracks quantity)",
                )
            })?
            .max(0))
    } else {
        match at(stock, "inStock").and_then(Value::as_bool) {
            Some(true) => Ok(UNTRACKED_IN_STOCK),
            Some(false) => Ok(0),
            None => Err(unexpected(
                what,
                &format!("{path}.inStock"),
                "true or false",
            )),
        }
    }
}

/// A Catalog V1 product read with `includeVariants`.
pub(super) fn product(p: &Value) -> ConnectorResult<StoreProduct> {
    let id = text(p, "id", "a product")?;
    let what = format!("product {id}");
    let inventory_item = opt_text(p, "inventoryItemId");
    let mut images: Vec<String> = Vec::new();
    for item in at(p, "media.items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(url) = at(item, "image.url").and_then(Value::as_str) {
            images.push(url.to_owned());
        }
    }
    if images.is_empty()
        && let Some(url) = at(p, "media.mainMedia.image.url").and_then(Value::as_str)
    {
        images.push(url.to_owned());
    }
    let name = text(p, "name", &what)?;
    let product_weight = weight(p, "weight");
    let variants = array(p, "variants", &what)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let path = format!("variants[{i}]");
            let variant_id = text(v, "id", &what)
                .map_err(|_| unexpected(&what, &format!("{path}.id"), "text"))?;
            let tracked = at(v, "stock.trackQuantity")
                .and_then(Value::as_bool)
                .ok_or_else(|| {
                    unexpected(
                        &what,
                        &format!("{path}.stock.trackQuantity"),
                        "true or false",
                    )
                })?;
            let stock = at(v, "stock").unwrap_or(&Value::Null);
            let options: Vec<(String, String)> = at(v, "choices")
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .map(|(k, c)| (k.clone(), c.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            let title = if options.is_empty() {
                name.clone()
            } else {
                options
                    .iter()
                    .map(|(_, c)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ")
            };
            Ok(StoreVariant {
                id: format!("{id}/{variant_id}"),
                sku: opt_text(v, "variant.sku").trim().to_owned(),
                title,
                price: decimal(v, "variant.priceData.price", &what).map_err(|_| {
                    unexpected(&what, &format!("{path}.variant.priceData.price"), "a price")
                })?,
                available: available(stock, tracked, &what, &format!("{path}.stock"))?,
                inventory_item_id: (!inventory_item.is_empty())
                    .then(|| format!("{inventory_item}/{variant_id}")),
                options,
                measures: Measures::weight(
                    weight(v, "variant.weight").or(product_weight),
                    WeightUnit::Kilogram,
                ),
            })
        })
        .collect::<ConnectorResult<Vec<_>>>()?;
    Ok(StoreProduct {
        id,
        title: name,
        description_html: opt_text(p, "description"),
        image_urls: images,
        updated_at: text(p, "lastUpdated", &what)?,
        variants,
        facts: facts(p),
    })
}

/// The text of a rich-text description: tags dropped, entities decoded, spaces collapsed.
fn plain_text(html: &str) -> String {
    let fragment = scraper::Html::parse_fragment(html);
    let pieces: Vec<&str> = fragment.root_element().text().collect();
    pieces
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Wix keeps no tags; `brand` is the vendor and each `additionalInfoSections` entry a field
/// (its title, its description as text).
fn facts(p: &Value) -> ProductFacts {
    let fields = at(p, "additionalInfoSections")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|section| {
            let title = opt_text(section, "title");
            let text = plain_text(&opt_text(section, "description"));
            (!title.trim().is_empty() && !text.trim().is_empty())
                .then(|| (title.trim().to_owned(), text.trim().to_owned()))
        })
        .collect();
    ProductFacts {
        tags: Vec::new(),
        vendor: Some(opt_text(p, "brand").trim().to_owned()).filter(|b| !b.is_empty()),
        fields,
    }
}

/// The levels of Get Inventory Variants' `inventoryItem`, by variant id.
pub(super) fn inventory_levels(
    item: &Value,
    what: &str,
) -> ConnectorResult<Vec<(String, LocationLevel)>> {
    let tracked = at(item, "trackQuantity")
        .and_then(Value::as_bool)
        .ok_or_else(|| unexpected(what, "inventoryItem.trackQuantity", "true or false"))?;
    let updated = opt_text(item, "lastUpdated");
    array(item, "variants", what)?
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let path = format!("inventoryItem.variants[{i}]");
            let variant = text(row, "variantId", what)
                .map_err(|_| unexpected(what, &format!("{path}.variantId"), "text"))?;
            Ok((
                variant,
                LocationLevel {
                    location_id: LOCATION.into(),
                    available: available(row, tracked, what, &path)?,
                    updated_at: updated.clone(),
                },
            ))
        })
        .collect()
}

/// The fulfillments of `orderWithFulfillments`, with line item ids turned into SKUs.
pub(super) fn fulfilments(order: &Value, with: &Value) -> ConnectorResult<Vec<StoreFulfilment>> {
    let order_id = text(order, "id", "an order")?;
    let what = format!("the fulfillments of order {order_id}");
    let sku_of = |line_id: &str| {
        order["lineItems"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["id"] == line_id)
            .map(|l| opt_text(l, "physicalProperties.sku"))
            .unwrap_or_default()
    };
    let list = match at(with, "fulfillments") {
        None => return Ok(Vec::new()),
        Some(_) => array(with, "fulfillments", &what)?,
    };
    list.iter()
        .map(|f| {
            let id = text(f, "id", &what)?;
            let number = opt_text(f, "trackingInfo.trackingNumber");
            let provider = opt_text(f, "trackingInfo.shippingProvider");
            let lines = f["lineItems"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| {
                    let q = l["quantity"]
                        .as_u64()
                        .and_then(|q| u32::try_from(q).ok())
                        .unwrap_or(0);
                    (sku_of(l["id"].as_str().unwrap_or_default()), q)
                })
                .collect();
            Ok(StoreFulfilment {
                id: format!("{order_id}/{id}"),
                tracking_number: (!number.is_empty()).then_some(number),
                carrier: (!provider.is_empty()).then_some(provider),
                lines,
            })
        })
        .collect()
}

/// Wix's code for a predefined carrier (its tracking link is then built by Wix), else the
/// carrier's own name as a custom provider.
pub(super) fn shipping_provider(carrier: &str) -> String {
    let compact: String = carrier
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match compact.as_str() {
        "ups" => "ups".into(),
        "usps" => "usps".into(),
        "fedex" => "fedex".into(),
        "dhl" | "dhlexpress" => "dhl".into(),
        "canadapost" => "canadaPost".into(),
        _ => carrier.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_product_reads_tracked_and_untracked_variants() {
        let p = json!({"id": "p1", "name": "Tee", "description": "<p>x</p>", "lastUpdated": "2026-01-01T00:00:00.000Z",
            "inventoryItemId": "inv1", "media": {"items": [{"image": {"url": "https://x/1.png"}}]},
            "variants": [
                {"id": "v1", "choices": {"Size": "S"}, "variant": {"sku": "TEE-S", "priceData": {"price": 20.5}},
                 "stock": {"trackQuantity": true, "quantity": 4, "inStock": true}},
                {"id": "v2", "choices": {"Size": "M"}, "variant": {"sku": "TEE-M", "priceData": {"price": 21}},
                 "stock": {"trackQuantity": false, "inStock": true}}]});
        let read = product(&p).unwrap();
        assert_eq!(read.variants[0].id, "p1/v1");
        assert_eq!(
            read.variants[0].inventory_item_id.as_deref(),
            Some("inv1/v1")
        );
        assert_eq!(
            (read.variants[0].available, read.variants[1].available),
            (4, UNTRACKED_IN_STOCK)
        );
        assert_eq!(read.variants[0].price, Decimal::new(205, 1));
        assert_eq!(read.variants[1].title, "M");
        assert_eq!(read.image_urls, vec!["https://x/1.png".to_owned()]);
        assert_eq!(read.facts, ProductFacts::default());
    }

    #[test]
    fn brand_and_info_sections_are_the_vendor_and_fields() {
        let p = json!({"brand": " Acme ", "additionalInfoSections": [
            {"title": "Material", "description": "<p>Cotton &amp; <b>Linen</b></p>"},
            {"title": "Empty", "description": "<p> </p>"}]});
        let read = facts(&p);
        assert_eq!(read.vendor.as_deref(), Some("Acme"));
        assert_eq!(
            read.fields,
            [("Material".to_owned(), "Cotton & Linen".to_owned())]
        );
        assert_eq!(facts(&json!({"brand": ""})).vendor, None);
    }

    #[test]
    fn an_unexpected_shape_names_the_field() {
        let p = json!({"id": "p1", "name": "Tee", "lastUpdated": "x",
            "variants": [{"id": "v1", "variant": {"sku": "S", "priceData": {"price": "abc"}}, "stock": {"trackQuantity": true, "quantity": 1}}]});
        let err = product(&p).unwrap_err().to_string();
        assert!(err.contains("variants[0].variant.priceData.price"), "{err}");
        let p = json!({"id": "p1", "name": "Tee", "lastUpdated": "x",
            "variants": [{"id": "v1", "variant": {"sku": "S", "priceData": {"price": 1}}, "stock": {"trackQuantity": true}}]});
        assert!(
            product(&p)
                .unwrap_err()
                .to_string()
                .contains("variants[0].stock.quantity")
        );
    }

    #[test]
    fn carriers_become_wix_provider_codes() {
        assert_eq!(shipping_provider("UPS"), "ups");
        assert_eq!(shipping_provider("Canada Post"), "canadaPost");
        assert_eq!(shipping_provider("FedEx"), "fedex");
        assert_eq!(shipping_provider("Royal Mail"), "Royal Mail");
    }
}
