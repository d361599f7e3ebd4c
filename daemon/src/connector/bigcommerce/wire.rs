//! BigCommerce answers read field by field, so an answer in an unexpected shape fails naming
//! the field (`product 111 → variants[0].calculated_price`), and the error bodies (V2 array,
//! V3 object) read into one message.

use crate::connector::http;
use crate::connector::{ConnectorError, ConnectorResult, Measures, StoreUnits};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::SystemTime;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// One JSON object of an answer and where it came from, for errors.
pub(super) struct Fields<'a> {
    value: &'a Value,
    what: String,
}

impl<'a> Fields<'a> {
    pub(super) fn of(value: &'a Value, what: impl Into<String>) -> ConnectorResult<Self> {
        let what = what.into();
        if value.is_object() {
            Ok(Self { value, what })
        } else {
            Err(unexpected(&what, "", "an object", value))
        }
    }

    pub(super) fn get(&self, field: &str) -> Option<&'a Value> {
        self.value.get(field).filter(|v| !v.is_null())
    }

    fn bad(&self, field: &str, expected: &str) -> ConnectorError {
        unexpected(
            &self.what,
            field,
            expected,
            self.value.get(field).unwrap_or(&Value::Null),
        )
    }

    pub(super) fn u64(&self, field: &str) -> ConnectorResult<u64> {
        self.get(field)
            .and_then(Value::as_u64)
            .ok_or_else(|| self.bad(field, "a whole number"))
    }

    pub(super) fn opt_u64(&self, field: &str) -> ConnectorResult<Option<u64>> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.bad(field, "a whole number")),
        }
    }

    pub(super) fn i64(&self, field: &str) -> ConnectorResult<i64> {
        self.get(field)
            .and_then(Value::as_i64)
            .ok_or_else(|| self.bad(field, "a whole number"))
    }

    /// A text field; missing or `null` reads as empty.
    pub(super) fn text(&self, field: &str) -> ConnectorResult<String> {
        match self.get(field) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(self.bad(field, "text")),
        }
    }

    /// A text field that must be there.
    pub(super) fn str(&self, field: &str) -> ConnectorResult<String> {
        match self.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(self.bad(field, "text")),
        }
    }

    pub(super) fn opt_text(&self, field: &str) -> ConnectorResult<Option<String>> {
        let text = self.text(field)?;
        Ok(Some(text).filter(|t| !t.trim().is_empty()))
    }

    /// Money: a JSON number (V3) or a decimal string (V2, `"20.0000"`).
    pub(super) fn money(&self, field: &str) -> ConnectorResult<Decimal> {
        let parsed = match self.get(field) {
            Some(Value::Number(n)) => Decimal::from_str(&n.to_string())
                .or_else(|_| Decimal::from_scientific(&n.to_string()))
                .ok(),
            Some(Value::String(s)) => Decimal::from_str(s.trim()).ok(),
            _ => None,
        };
        parsed.ok_or_else(|| self.bad(field, "an amount"))
    }

    /// A weight or size: a JSON number, or `None` when null or missing.
    pub(super) fn opt_figure(&self, field: &str) -> ConnectorResult<Option<Decimal>> {
        match self.get(field) {
            None => Ok(None),
            Some(_) => self.money(field).map(Some),
        }
    }

    pub(super) fn bool(&self, field: &str) -> ConnectorResult<bool> {
        self.get(field)
            .and_then(Value::as_bool)
            .ok_or_else(|| self.bad(field, "true or false"))
    }

    /// An array field; missing or `null` reads as empty.
    pub(super) fn array(&self, field: &str) -> ConnectorResult<&'a [Value]> {
        match self.get(field) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(self.bad(field, "a list")),
        }
    }

    /// Each element of an array field, named `field[i]`.
    pub(super) fn each(&self, field: &str) -> ConnectorResult<Vec<Fields<'a>>> {
        self.array(field)?
            .iter()
            .enumerate()
            .map(|(i, v)| Fields::of(v, format!("{} → {field}[{i}]", self.what)))
            .collect()
    }

    pub(super) fn what(&self) -> &str {
        &self.what
    }
}

fn unexpected(what: &str, field: &str, expected: &str, found: &Value) -> ConnectorError {
    let place = if field.is_empty() {
        what.to_owned()
    } else {
        format!("{what} → {field}")
    };
    ConnectorError::Rejected {
        reason: format!(
            "BigCommerce answered {place} in an unexpected shape (expected {expected}); this needs a feedbridge update"
        ),
        raw: http::truncate(&found.to_string()),
    }
}

/// The message of an error body: V2 `[{"status","message","details"}]`, V3
/// `{"status","title","errors"}` (field errors appended), or the text itself.
pub(super) fn error_message(text: &str) -> String {
    let Ok(body) = serde_json::from_str::<Value>(text) else {
        return String::new();
    };
    let one = |v: &Value| -> String {
        let mut message = v
            .get("message")
            .or_else(|| v.get("title"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(errors) = v.get("errors").and_then(Value::as_object) {
            let fields: Vec<String> = errors
                .iter()
                .map(|(k, v)| match v.as_str() {
                    Some(s) => format!("{k}: {s}"),
                    None => format!("{k}: {v}"),
                })
                .collect();
            if !fields.is_empty() {
                message = format!("{message} ({})", fields.join("; "));
            }
        }
        message
    };
    match &body {
        Value::Array(items) => items.iter().map(one).collect::<Vec<_>>().join("; "),
        // Create a Refund answers its 422s as `{"data": [error]}`.
        Value::Object(o)
            if o.get("title").is_none() && o.get("data").is_some_and(Value::is_array) =>
        {
            o.get("data")
                .and_then(Value::as_array)
                .map(|items| items.iter().map(one).collect::<Vec<_>>().join("; "))
                .unwrap_or_default()
        }
        Value::Object(_) => one(&body),
        _ => String::new(),
    }
}

/// The products a V2 `409 OutOfStock` names: `(product id, name, inventory level)`.
pub(super) fn out_of_stock(text: &str) -> Vec<(u64, String, i64)> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|e| e.pointer("/details/errors")?.as_array().cloned())
        .flatten()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("OutOfStock"))
        .filter_map(|e| {
            let p = e.get("product")?;
            Some((
                p.get("id")?.as_u64()?,
                p.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                p.get("inventory_level")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
            ))
        })
        .collect()
}

/// `Tue, 05 Mar 2019 21:40:11 +0000` (V2 dates) as a time.
pub(super) fn parse_rfc2822(text: &str) -> Option<SystemTime> {
    OffsetDateTime::parse(text.trim(), &Rfc2822)
        .ok()
        .map(SystemTime::from)
}

/// A V2 date as ISO-8601 UTC (`2019-03-05T21:40:11Z`); unreadable text is kept as it is.
pub(super) fn iso_of_rfc2822(text: &str) -> String {
    parse_rfc2822(text).map_or_else(
        || text.to_owned(),
        feedbridge_common::timestamps::rfc3339_seconds,
    )
}

/// A product variant as feedbridge needs it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct WireVariant {
    pub id: u64,
    pub product_id: u64,
    pub sku: String,
    pub price: Decimal,
    pub inventory_level: i64,
    /// `(option_display_name, label)`; empty for a product's base variant.
    pub options: Vec<(String, String)>,
    /// Its own figures in the store's units; `None` (null) = the product's.
    pub size: WireSize,
}

/// `weight`, `width`, `depth`, `height` in the store's units (`GET /v2/store`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct WireSize {
    pub weight: Option<Decimal>,
    pub width: Option<Decimal>,
    pub depth: Option<Decimal>,
    pub height: Option<Decimal>,
}

impl WireSize {
    fn read(f: &Fields<'_>) -> ConnectorResult<Self> {
        Ok(Self {
            weight: f.opt_figure("weight")?,
            width: f.opt_figure("width")?,
            depth: f.opt_figure("depth")?,
            height: f.opt_figure("height")?,
        })
    }

    /// In kg / cm; BigCommerce's depth is the package's length.
    pub(super) fn measures(&self, units: StoreUnits) -> Measures {
        units.measures(self.weight, (self.depth, self.width, self.height))
    }
}

impl WireVariant {
    pub(super) fn read(v: &Fields<'_>) -> ConnectorResult<Self> {
        let mut options = Vec::new();
        for o in v.each("option_values")? {
            options.push((o.text("option_display_name")?, o.text("label")?));
        }
        Ok(Self {
            id: v.u64("id")?,
            product_id: v.u64("product_id")?,
            sku: v.text("sku")?,
            price: v.money("calculated_price")?,
            inventory_level: v.i64("inventory_level")?,
            options,
            size: WireSize::read(v)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct WireProduct {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub date_modified: String,
    /// `none`, `product` or `variant`.
    pub inventory_tracking: String,
    pub images: Vec<String>,
    pub variants: Vec<WireVariant>,
    pub size: WireSize,
    /// `include=custom_fields`: (name, value) per field.
    pub custom_fields: Vec<(String, String)>,
}

impl WireProduct {
    pub(super) fn read(value: &Value) -> ConnectorResult<Self> {
        let at = Fields::of(value, "a product")?;
        let p = Fields::of(value, format!("product {}", at.u64("id")?))?;
        let mut images = Vec::new();
        for image in p.each("images")? {
            let url = image.text("url_zoom")?;
            images.push(if url.is_empty() {
                image.text("url_standard")?
            } else {
                url
            });
        }
        let variants = p
            .each("variants")?
            .iter()
            .map(WireVariant::read)
            .collect::<ConnectorResult<Vec<_>>>()?;
        Ok(Self {
            id: p.u64("id")?,
            name: p.text("name")?,
            description: p.text("description")?,
            date_modified: p.str("date_modified")?,
            inventory_tracking: p.str("inventory_tracking")?,
            images,
            variants,
            size: WireSize::read(&p)?,
            custom_fields: p
                .each("custom_fields")?
                .iter()
                .map(|f| Ok((f.text("name")?, f.text("value")?)))
                .collect::<ConnectorResult<Vec<_>>>()?,
        })
    }
}

/// A V2 order as feedbridge needs it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct WireOrder {
    pub id: u64,
    pub status_id: u64,
    pub date_modified: String,
    pub external_source: Option<String>,
    pub external_order_id: Option<String>,
    pub staff_notes: String,
    pub total_inc_tax: Decimal,
    pub items_shipped: i64,
}

impl WireOrder {
    pub(super) fn read(value: &Value) -> ConnectorResult<Self> {
        let at = Fields::of(value, "an order")?;
        let o = Fields::of(value, format!("order {}", at.u64("id")?))?;
        Ok(Self {
            id: o.u64("id")?,
            status_id: o.u64("status_id")?,
            date_modified: o.str("date_modified")?,
            external_source: o.opt_text("external_source")?,
            external_order_id: o.opt_text("external_order_id")?,
            staff_notes: o.text("staff_notes")?,
            total_inc_tax: o.money("total_inc_tax")?,
            items_shipped: o.i64("items_shipped")?,
        })
    }
}

/// An order product (`GET /v2/orders/{id}/products`).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct WireLine {
    pub id: u64,
    pub product_id: u64,
    pub variant_id: u64,
    pub sku: String,
    pub quantity: i64,
    pub quantity_shipped: i64,
}

impl WireLine {
    pub(super) fn read(value: &Value, order_id: u64) -> ConnectorResult<Self> {
        let l = Fields::of(value, format!("order {order_id} product"))?;
        Ok(Self {
            id: l.u64("id")?,
            product_id: l.u64("product_id")?,
            variant_id: l.opt_u64("variant_id")?.unwrap_or(0),
            sku: l.text("sku")?,
            quantity: l.i64("quantity")?,
            quantity_shipped: l.i64("quantity_shipped")?,
        })
    }
}

/// A shipment (`GET /v2/orders/{id}/shipments`).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct WireShipment {
    pub id: u64,
    pub tracking_number: String,
    pub tracking_carrier: String,
    pub shipping_provider_display_name: String,
    pub shipping_method: String,
    /// `(order_product_id, quantity)`.
    pub items: Vec<(u64, i64)>,
}

impl WireShipment {
    pub(super) fn read(value: &Value, order_id: u64) -> ConnectorResult<Self> {
        let s = Fields::of(value, format!("order {order_id} shipment"))?;
        let mut items = Vec::new();
        for item in s.each("items")? {
            items.push((item.u64("order_product_id")?, item.i64("quantity")?));
        }
        Ok(Self {
            id: s.u64("id")?,
            tracking_number: s.text("tracking_number")?,
            tracking_carrier: s.text("tracking_carrier")?,
            shipping_provider_display_name: s.text("shipping_provider_display_name")?,
            shipping_method: s.text("shipping_method")?,
            items,
        })
    }

    /// The carrier as the merchant sees it: the tracking carrier, else the shipping
    /// provider's name, else the free-text shipping method (bigcommerce.md §5).
    pub(super) fn carrier(&self) -> Option<String> {
        [
            &self.tracking_carrier,
            &self.shipping_provider_display_name,
            &self.shipping_method,
        ]
        .into_iter()
        .map(|c| c.trim())
        .find(|c| !c.is_empty() && !c.eq_ignore_ascii_case("none"))
        .map(str::to_owned)
    }
}

/// A webhook (`/v3/hooks`).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct WireHook {
    pub id: u64,
    pub scope: String,
    pub destination: String,
    pub is_active: bool,
    pub headers: BTreeMap<String, String>,
}

impl WireHook {
    pub(super) fn read(value: &Value) -> ConnectorResult<Self> {
        let h = Fields::of(value, "a webhook")?;
        let headers = match h.get("headers") {
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_ascii_lowercase(),
                        v.as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        Ok(Self {
            id: h.u64("id")?,
            scope: h.str("scope")?,
            destination: h.str("destination")?,
            is_active: h.bool("is_active")?,
            headers,
        })
    }
}

/// A V2 list: the array, or nothing for a 204 (`Null`).
pub(super) fn list(value: Value, what: &str) -> ConnectorResult<Vec<Value>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items),
        other => Err(unexpected(what, "", "a list", &other)),
    }
}

/// Whether a V3 list says a page follows (`meta.pagination`).
pub(super) fn has_next_page(body: &Value) -> bool {
    let pagination = body.pointer("/meta/pagination");
    let by_link = pagination
        .and_then(|p| p.pointer("/links/next"))
        .and_then(Value::as_str)
        .is_some_and(|next| !next.is_empty());
    let by_count = pagination.is_some_and(|p| {
        let page = p.get("current_page").and_then(Value::as_u64).unwrap_or(0);
        let pages = p.get("total_pages").and_then(Value::as_u64).unwrap_or(0);
        page < pages
    });
    by_link || by_count
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc2822_dates_read_as_utc() {
        assert_eq!(
            iso_of_rfc2822("Tue, 05 Mar 2019 21:40:11 +0000"),
            "2019-03-05T21:40:11Z"
        );
        assert_eq!(
            iso_of_rfc2822("Thu, 20 Apr 2017 11:32:00 -0400"),
            "2017-04-20T15:32:00Z"
        );
        assert_eq!(
            iso_of_rfc2822("Sat, 29 Feb 2020 00:00:00 +0100"),
            "2020-02-28T23:00:00Z"
        );
        assert_eq!(iso_of_rfc2822("not a date"), "not a date");
        assert_eq!(parse_rfc2822(""), None);
    }

    #[test]
    fn error_bodies_of_both_versions() {
        assert_eq!(
            error_message(r#"[{"status":400,"message":"The field 'zip' is invalid."}]"#),
            "The field 'zip' is invalid."
        );
        assert_eq!(
            error_message(
                r#"{"status":422,"title":"JSON data is missing or invalid","type":"x","errors":{"price":"must be a number"}}"#
            ),
            "JSON data is missing or invalid (price: must be a number)"
        );
        assert_eq!(error_message("<html>"), "");
        let conflict = r#"[{"status":409,"message":"Quantities of one or more products are out of stock or did not meet quantity requirements.","details":{"errors":[{"type":"OutOfStock","product":{"id":32,"name":"Scarf","inventory_level":0}}]}}]"#;
        assert_eq!(out_of_stock(conflict), vec![(32, "Scarf".to_owned(), 0)]);
    }

    #[test]
    fn shapes_name_the_field() {
        let product = json!({"id": 111, "name": "Tee", "date_modified": "2024-01-01T00:00:00+00:00",
            "inventory_tracking": "variant",
            "variants": [{"id": 501, "product_id": 111, "sku": "TEE-S", "calculated_price": "oops",
                          "inventory_level": 5, "option_values": []}]});
        let error = WireProduct::read(&product).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("product 111 → variants[0] → calculated_price"),
            "{text}"
        );
        assert_eq!(error.raw(), "\"oops\"");
        let order =
            json!({"id": 100, "status_id": 11, "date_modified": "x", "total_inc_tax": "20.0000"});
        let text = WireOrder::read(&order).unwrap_err().to_string();
        assert!(text.contains("order 100 → items_shipped"), "{text}");
    }

    #[test]
    fn shipment_carrier_preference() {
        let read = |carrier: &str, provider: &str, method: &str| {
            WireShipment::read(
                &json!({"id": 1, "tracking_number": "1Z", "tracking_carrier": carrier,
                        "shipping_provider_display_name": provider, "shipping_method": method,
                        "items": []}),
                9,
            )
            .unwrap()
            .carrier()
        };
        assert_eq!(read("ups", "UPS", "Ground"), Some("ups".into()));
        assert_eq!(read("", "USPS", "None"), Some("USPS".into()));
        assert_eq!(
            read("", "", "Royal Mail Tracked 48"),
            Some("Royal Mail Tracked 48".into())
        );
        assert_eq!(read("", "", "None"), None);
    }

    #[test]
    fn next_page_from_meta() {
        let body = |links: Value, current: u64, total: u64| json!({"meta": {"pagination": {"current_page": current, "total_pages": total, "links": links}}});
        assert!(has_next_page(&body(
            json!({"next": "?page=2&limit=2"}),
            1,
            2
        )));
        assert!(!has_next_page(&body(json!({"current": "?page=2"}), 2, 2)));
        assert!(!has_next_page(&body(json!({"next": null}), 1, 1)));
        assert!(has_next_page(&body(json!({}), 1, 3)));
        assert!(!has_next_page(&json!({"data": []})));
    }
}
