//! The `POST /v2/orders` body for a TikTok order (bigcommerce.md §4, orders.v2 spec), the
//! staff-notes lines that stand in for tags, and carrier names as BigCommerce takes them.

use super::parse_variant_id;
use crate::connector::{Address, ConnectorError, ConnectorResult, NewStoreOrder};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// `external_source` of every order feedbridge creates (and how its orders are told apart).
pub const EXTERNAL_SOURCE: &str = "TikTok Shop";
/// The staff-notes line holding the order's tags (BigCommerce orders have no tags).
const TAGS_PREFIX: &str = "TikTok tags: ";
/// The staff-notes line of an order whose stock feedbridge gave back (`Bypass`).
pub(super) const BYPASS_LINE: &str = "feedbridge: store stock left alone for this order";
/// Stands in for a missing ZIP: BigCommerce refuses a billing address without two characters.
const NO_ZIP: &str = "n/a";

fn amount(value: Decimal) -> Value {
    let rounded = value.round_dp(2);
    Value::String(rounded.to_string())
}

fn address_fields(address: Option<&Address>, email: Option<&str>) -> Value {
    let mut fields = Map::new();
    let mut put = |key: &str, value: &str| {
        if !value.trim().is_empty() {
            fields.insert(key.to_owned(), Value::String(value.trim().to_owned()));
        }
    };
    match address {
        Some(a) => {
            put("first_name", &a.first_name);
            put("last_name", &a.last_name);
            put("street_1", &a.address1);
            put("street_2", &a.address2);
            put("city", &a.city);
            put("state", &a.province);
            put("zip", &a.zip);
            put("country_iso2", &a.country_code.to_ascii_uppercase());
            put("phone", &a.phone);
        }
        None => {
            put("first_name", "TikTok Shop");
            put("last_name", "buyer");
        }
    }
    if let Some(email) = email {
        put("email", email);
    }
    let zip_ok = fields
        .get("zip")
        .and_then(Value::as_str)
        .is_some_and(|z| z.chars().count() >= 2);
    if !zip_ok {
        fields.insert("zip".into(), Value::String(NO_ZIP.into()));
    }
    Value::Object(fields)
}

/// The staff notes of a new order: the note, the order's name if it has one, its tags.
pub(super) fn staff_notes(order: &NewStoreOrder) -> String {
    let mut lines = vec![order.note.trim().to_owned()];
    if let Some(name) = order.name.as_deref().filter(|n| !n.trim().is_empty()) {
        lines.push(format!("TikTok order name: {}", name.trim()));
    }
    let notes = lines.join("\n");
    merge_tags(&notes, &order.tags)
}

/// `notes` with its tags line holding the tags already there plus `more` (order kept, no
/// repeats); other lines untouched.
pub(super) fn merge_tags(notes: &str, more: &[String]) -> String {
    let mut tags: Vec<String> = notes
        .lines()
        .find_map(|l| l.strip_prefix(TAGS_PREFIX))
        .unwrap_or_default()
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    for tag in more {
        let tag = tag.trim();
        if !tag.is_empty() && !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    let mut lines: Vec<String> = notes
        .lines()
        .filter(|l| !l.starts_with(TAGS_PREFIX) && !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if !tags.is_empty() {
        lines.push(format!("{TAGS_PREFIX}{}", tags.join(", ")));
    }
    lines.join("\n")
}

/// The create body. Money: each line at its unit price (ex and inc tax alike), shipping as
/// the shipping cost, the discount as `discount_amount`, and the total overridden with
/// TikTok's (ex tax = total − tax), so the order's tax is TikTok's tax. Fails only on a
/// variant id that is not ours (a feedbridge bug).
pub(super) fn create_body(order: &NewStoreOrder) -> ConnectorResult<Value> {
    let mut products = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        let (product_id, variant_id) =
            parse_variant_id(&line.variant_id).ok_or_else(|| ConnectorError::Rejected {
                reason: format!(
                    "Store variant {} is not a BigCommerce variant id; this is a feedbridge bug",
                    line.variant_id
                ),
                raw: String::new(),
            })?;
        products.push(json!({
            "product_id": product_id,
            "variant_id": variant_id,
            "quantity": line.quantity,
            "price_ex_tax": amount(line.unit_price),
            "price_inc_tax": amount(line.unit_price),
        }));
    }
    let email = order.email.as_deref().filter(|e| !e.trim().is_empty());
    let billing = address_fields(order.address.as_ref(), email);
    let mut body = json!({
        "status_id": 11,
        "customer_id": 0,
        "external_source": EXTERNAL_SOURCE,
        "external_order_id": order.tiktok_order_id,
        "staff_notes": staff_notes(order),
        "payment_method": EXTERNAL_SOURCE,
        "billing_address": billing,
        "shipping_addresses": [address_fields(order.address.as_ref(), email)],
        "products": products,
        "shipping_cost_ex_tax": amount(order.shipping_fee),
        "shipping_cost_inc_tax": amount(order.shipping_fee),
        "total_ex_tax": amount(order.total - order.tax),
        "total_inc_tax": amount(order.total),
    });
    if order.discount > Decimal::ZERO {
        body["discount_amount"] = amount(order.discount);
    }
    Ok(body)
}

/// Carrier names feedbridge knows: `(names, tracking_carrier slug, shipping_provider)`.
const CARRIERS: [(&[&str], &str, &str); 15] = [
    (
        &[
            "usps",
            "united states postal service",
            "u.s. postal service",
        ],
        "usps",
        "usps",
    ),
    (&["ups", "united parcel service"], "ups", "ups"),
    (&["fedex", "federal express"], "fedex", "fedex"),
    (&["dhl", "dhl express"], "dhl", ""),
    (
        &[
            "dhl ecommerce",
            "dhl ecommerce solutions",
            "dhl global mail",
        ],
        "dhl-global-mail",
        "",
    ),
    (&["royal mail", "royalmail"], "royal-mail", "royalmail"),
    (
        &["parcelforce", "parcelforce worldwide"],
        "parcel-force",
        "",
    ),
    (&["canada post", "canadapost"], "canada-post", "canadapost"),
    (&["australia post", "auspost"], "australia-post", "auspost"),
    (&["ontrac"], "ontrac", ""),
    (&["lasership"], "lasership", ""),
    (
        &["amazon", "amazon logistics", "amazon shipping"],
        "amazon",
        "",
    ),
    (&["yodel"], "yodel", ""),
    (&["dpd"], "dpd", ""),
    (&["gls"], "gls", ""),
];

/// `(tracking_carrier, shipping_provider)` for a carrier name; unknown carriers get neither
/// (the name goes in `shipping_method`, which BigCommerce keeps as free text).
pub(super) fn carrier_fields(carrier: &str) -> (&'static str, &'static str) {
    let name = carrier.trim().to_ascii_lowercase();
    CARRIERS
        .iter()
        .find(|(names, slug, _)| names.contains(&name.as_str()) || *slug == name)
        .map_or(("", ""), |(_, slug, provider)| (*slug, *provider))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{InventoryBehaviour, NewStoreOrderLine};

    fn sample() -> NewStoreOrder {
        NewStoreOrder {
            tiktok_order_id: "576123456789".into(),
            name: Some("TT-576123456789".into()),
            currency: "USD".into(),
            lines: vec![
                NewStoreOrderLine {
                    variant_id: "111/501".into(),
                    quantity: 2,
                    unit_price: Decimal::new(1999, 2),
                },
                NewStoreOrderLine {
                    variant_id: "112/504".into(),
                    quantity: 1,
                    unit_price: Decimal::new(950, 2),
                },
            ],
            discount: Decimal::new(400, 2),
            shipping_fee: Decimal::new(599, 2),
            tax: Decimal::new(320, 2),
            total: Decimal::new(5547, 2),
            inventory: InventoryBehaviour::DecrementObeyingPolicy,
            email: Some("buyer@example.invalid".into()),
            address: Some(Address {
                first_name: "A".into(),
                last_name: "B".into(),
                address1: "1 Main St".into(),
                address2: String::new(),
                city: "Austin".into(),
                province: "TX".into(),
                zip: "78701".into(),
                country_code: "us".into(),
                phone: "(+1)213*****21".into(),
            }),
            tags: vec!["TikTokShop".into()],
            note: "TikTok Shop order 576123456789".into(),
        }
    }

    #[test]
    fn create_body_matches_contract() {
        let body = create_body(&sample()).unwrap();
        let address = json!({"first_name": "A", "last_name": "B", "street_1": "1 Main St",
            "city": "Austin", "state": "TX", "zip": "78701", "country_iso2": "US",
            "phone": "(+1)213*****21", "email": "buyer@example.invalid"});
        let expected = json!({
            "status_id": 11,
            "customer_id": 0,
            "external_source": "TikTok Shop",
            "external_order_id": "576123456789",
            "staff_notes": "TikTok Shop order 576123456789\nTikTok order name: TT-576123456789\nTikTok tags: TikTokShop",
            "payment_method": "TikTok Shop",
            "billing_address": address,
            "shipping_addresses": [address],
            "products": [
                {"product_id": 111, "variant_id": 501, "quantity": 2, "price_ex_tax": "19.99", "price_inc_tax": "19.99"},
                {"product_id": 112, "variant_id": 504, "quantity": 1, "price_ex_tax": "9.50", "price_inc_tax": "9.50"}
            ],
            "shipping_cost_ex_tax": "5.99",
            "shipping_cost_inc_tax": "5.99",
            "total_ex_tax": "52.27",
            "total_inc_tax": "55.47",
            "discount_amount": "4.00",
        });
        assert_eq!(body, expected);
    }

    #[test]
    fn missing_address_and_bad_ids() {
        let mut order = sample();
        order.address = None;
        order.discount = Decimal::ZERO;
        let body = create_body(&order).unwrap();
        assert_eq!(
            body["billing_address"],
            json!({"first_name": "TikTok Shop", "last_name": "buyer",
                   "email": "buyer@example.invalid", "zip": "n/a"})
        );
        assert!(body.get("discount_amount").is_none());
        order.lines[0].variant_id = "gid://shopify/ProductVariant/1".into();
        assert!(create_body(&order).is_err());
    }

    #[test]
    fn tags_merge_into_the_notes() {
        assert_eq!(merge_tags("note", &["A".into()]), "note\nTikTok tags: A");
        assert_eq!(
            merge_tags(
                "note\nTikTok tags: A, B\nother",
                &["B".into(), "C".into(), " ".into()]
            ),
            "note\nother\nTikTok tags: A, B, C"
        );
        assert_eq!(merge_tags("note", &[]), "note");
    }

    #[test]
    fn carriers() {
        assert_eq!(carrier_fields("USPS"), ("usps", "usps"));
        assert_eq!(carrier_fields(" Royal Mail "), ("royal-mail", "royalmail"));
        assert_eq!(carrier_fields("dhl-global-mail"), ("dhl-global-mail", ""));
        assert_eq!(carrier_fields("TikTok Shipping"), ("", ""));
    }
}
