//! The `POST /orders` body for a TikTok order (woocommerce.md §5.1) and the notes and meta
//! that stand in for Shopify's tags. Money mapping is in the module docs of `woocommerce`.

use super::{ORDER_META_KEY, TAGS_META_KEY, parse_variant_id};
use crate::connector::{Address, ConnectorError, ConnectorResult, NewStoreOrder};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// `payment_method` and `created_via` of every order we create.
pub(super) const PAYMENT_METHOD: &str = "tiktok_shop";
/// Order meta naming the orders whose stock reduction feedbridge undid (`Bypass`).
pub(super) const BYPASS_META_KEY: &str = "tiktok_stock_bypassed";

/// The shipping line's title: it carries the TikTok order id so WooCommerce's order search
/// (which looks at order item names, not meta) finds the order by it.
pub(super) fn shipping_title(tiktok_order_id: &str) -> String {
    format!("TikTok Shop shipping (order {tiktok_order_id})")
}

fn amount(value: Decimal) -> String {
    value.round_dp(2).to_string()
}

/// Billing/shipping address fields; TikTok's masked values (`(+1)213*****21`) are kept as
/// they are: WooCommerce stores address text without validating it.
fn address_fields(address: &Address, email: Option<&str>) -> Value {
    let mut fields = Map::new();
    let mut put = |key: &str, value: &str| {
        if !value.trim().is_empty() {
            fields.insert(key.to_owned(), Value::String(value.trim().to_owned()));
        }
    };
    put("first_name", &address.first_name);
    put("last_name", &address.last_name);
    put("address_1", &address.address1);
    put("address_2", &address.address2);
    put("city", &address.city);
    put("state", &address.province);
    put("postcode", &address.zip);
    put("country", &address.country_code.to_ascii_uppercase());
    put("phone", &address.phone);
    if let Some(email) = email {
        put("email", email);
    }
    Value::Object(fields)
}

/// The create body. Fails only on a variant id that is not ours (a feedbridge bug).
pub(super) fn create_body(order: &NewStoreOrder) -> ConnectorResult<Value> {
    let mut line_items = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        let (product_id, variation_id) =
            parse_variant_id(&line.variant_id).ok_or_else(|| ConnectorError::Rejected {
                reason: format!(
                    "Store variant {} is not a WooCommerce product id; this is a feedbridge bug",
                    line.variant_id
                ),
                raw: String::new(),
            })?;
        let line_total = amount(line.unit_price * Decimal::from(line.quantity));
        let mut item = json!({
            "product_id": product_id,
            "quantity": line.quantity,
            "subtotal": line_total,
            "total": line_total,
        });
        if let Some(variation_id) = variation_id {
            item["variation_id"] = json!(variation_id);
        }
        line_items.push(item);
    }
    let mut fee_lines = Vec::new();
    if order.discount > Decimal::ZERO {
        fee_lines.push(json!({
            "name": "TikTok Shop discount",
            "total": amount(-order.discount),
            "tax_status": "none",
        }));
    }
    if order.tax > Decimal::ZERO {
        fee_lines.push(json!({
            "name": "TikTok Shop tax",
            "total": amount(order.tax),
            "tax_status": "none",
        }));
    }
    let mut meta = vec![json!({ "key": ORDER_META_KEY, "value": order.tiktok_order_id })];
    if !order.tags.is_empty() {
        meta.push(json!({ "key": TAGS_META_KEY, "value": order.tags.join(", ") }));
    }
    if let Some(name) = order.name.as_deref().filter(|n| !n.trim().is_empty()) {
        meta.push(json!({ "key": "tiktok_order_name", "value": name.trim() }));
    }
    let email = order.email.as_deref().filter(|e| !e.trim().is_empty());
    let mut body = json!({
        "status": "processing",
        "set_paid": true,
        "currency": order.currency,
        "payment_method": PAYMENT_METHOD,
        "payment_method_title": "TikTok Shop",
        "transaction_id": order.tiktok_order_id,
        "created_via": PAYMENT_METHOD,
        "customer_note": "",
        "line_items": line_items,
        "shipping_lines": [{
            "method_id": PAYMENT_METHOD,
            "method_title": shipping_title(&order.tiktok_order_id),
            "total": amount(order.shipping_fee),
        }],
        "fee_lines": fee_lines,
        "meta_data": meta,
    });
    match &order.address {
        Some(address) => {
            body["billing"] = address_fields(address, email);
            body["shipping"] = address_fields(address, None);
        }
        None => {
            if let Some(email) = email {
                body["billing"] = json!({ "email": email });
            }
        }
    }
    Ok(body)
}

/// Tags already on the order (meta `tiktok_tags`) merged with `more`, order kept, no repeats.
pub(super) fn merge_tags(existing: Option<&str>, more: &[String]) -> String {
    let mut tags: Vec<String> = existing
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
    tags.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{InventoryBehaviour, NewStoreOrderLine};

    fn sample() -> NewStoreOrder {
        NewStoreOrder {
            tiktok_order_id: "576123456789".into(),
            name: None,
            currency: "USD".into(),
            lines: vec![
                NewStoreOrderLine {
                    variant_id: "794/795".into(),
                    quantity: 2,
                    unit_price: Decimal::new(1999, 2),
                },
                NewStoreOrderLine {
                    variant_id: "800".into(),
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
            tags: vec!["TikTokShop".into(), "tiktok-order-576123456789".into()],
            note: "TikTok Shop order 576123456789".into(),
        }
    }

    #[test]
    fn create_body_matches_contract() {
        let body = create_body(&sample()).unwrap();
        let expected = json!({
            "status": "processing",
            "set_paid": true,
            "currency": "USD",
            "payment_method": "tiktok_shop",
            "payment_method_title": "TikTok Shop",
            "transaction_id": "576123456789",
            "created_via": "tiktok_shop",
            "customer_note": "",
            "line_items": [
                {"product_id": 794, "variation_id": 795, "quantity": 2, "subtotal": "39.98", "total": "39.98"},
                {"product_id": 800, "quantity": 1, "subtotal": "9.50", "total": "9.50"}
            ],
            "shipping_lines": [{"method_id": "tiktok_shop",
                                "method_title": "TikTok Shop shipping (order 576123456789)",
                                "total": "5.99"}],
            "fee_lines": [
                {"name": "TikTok Shop discount", "total": "-4.00", "tax_status": "none"},
                {"name": "TikTok Shop tax", "total": "3.20", "tax_status": "none"}
            ],
            "meta_data": [
                {"key": "tiktok_order_id", "value": "576123456789"},
                {"key": "tiktok_tags", "value": "TikTokShop, tiktok-order-576123456789"}
            ],
            "billing": {"first_name": "A", "last_name": "B", "address_1": "1 Main St", "city": "Austin",
                        "state": "TX", "postcode": "78701", "country": "US", "phone": "(+1)213*****21",
                        "email": "buyer@example.invalid"},
            "shipping": {"first_name": "A", "last_name": "B", "address_1": "1 Main St", "city": "Austin",
                         "state": "TX", "postcode": "78701", "country": "US", "phone": "(+1)213*****21"}
        });
        assert_eq!(body, expected);
        // The store's total is TikTok's: 39.98 + 9.50 - 4.00 + 5.99 + 3.20.
        assert_eq!(sample().total, Decimal::new(5547, 2));
    }

    #[test]
    fn no_fee_lines_without_discount_or_tax_and_bad_ids_refused() {
        let mut order = sample();
        order.discount = Decimal::ZERO;
        order.tax = Decimal::ZERO;
        order.address = None;
        order.name = Some("TT-576123456789".into());
        let body = create_body(&order).unwrap();
        assert_eq!(body["fee_lines"], json!([]));
        assert_eq!(body["billing"], json!({"email": "buyer@example.invalid"}));
        assert!(body.get("shipping").is_none());
        assert_eq!(body["meta_data"][2]["value"], "TT-576123456789");
        order.lines[0].variant_id = "gid://shopify/ProductVariant/1".into();
        assert!(create_body(&order).is_err());
    }

    #[test]
    fn tags_merge() {
        assert_eq!(merge_tags(None, &["A".into()]), "A");
        assert_eq!(
            merge_tags(Some("A, B"), &["B".into(), "C".into(), " ".into()]),
            "A, B, C"
        );
    }
}
