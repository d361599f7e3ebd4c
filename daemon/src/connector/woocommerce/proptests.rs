//! Properties of everything WooCommerce sends us: webhook signatures and pings, `order.*`
//! payloads, REST answers and their classification, and every shape the client decodes.

use super::*;
use crate::connector::prop_json::{self, around, json, secret, tampered_body, tampered_signature};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use serde_json::json as j;
use sha2::Sha256;

const BASE64_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    BASE64.encode(mac.finalize().into_bytes())
}

/// Field names of every WooCommerce shape the client reads.
const KEYS: &[&str] = &[
    "id",
    "parent_id",
    "name",
    "type",
    "status",
    "description",
    "sku",
    "price",
    "regular_price",
    "manage_stock",
    "stock_quantity",
    "stock_status",
    "backorders",
    "date_modified_gmt",
    "images",
    "src",
    "image",
    "attributes",
    "option",
    "variations",
    "number",
    "total",
    "line_items",
    "product_id",
    "variation_id",
    "quantity",
    "meta_data",
    "key",
    "value",
    "tracking_id",
    "tracking_provider",
    "custom_tracking_provider",
    "tracking_number",
    "slug",
    "topic",
    "delivery_url",
    "code",
    "message",
    "data",
    "tiktok_order_id",
    "_wc_shipment_tracking_items",
    "_aftership_tracking_items",
];

fn order_sample() -> Value {
    j!({"id": 51, "number": "51", "status": "processing", "total": "21.59",
        "date_modified_gmt": "2026-11-21T18:00:00",
        "line_items": [{"id": 9, "product_id": 794, "variation_id": 795, "sku": "TEE-RED-M", "quantity": 2}],
        "meta_data": [
            {"id": 1, "key": "tiktok_order_id", "value": "576461413038785752"},
            {"id": 2, "key": "_wc_shipment_tracking_items", "value": [
                {"tracking_provider": "", "custom_tracking_provider": "Speedy", "tracking_number": "SP1",
                 "tracking_id": "abc"}]},
            {"id": 3, "key": "_aftership_tracking_items", "value": [
                {"slug": "usps", "tracking_number": "9400", "tracking_id": "def",
                 "line_items": [{"id": 9, "quantity": 1}]}]}]})
}

fn product_sample() -> Value {
    j!({"id": 794, "parent_id": 0, "name": "Tee", "type": "variable", "status": "publish",
        "description": "<p>x</p>", "sku": "TEE", "price": "19.99", "regular_price": "19.99",
        "manage_stock": "parent", "stock_quantity": 3, "stock_status": "instock", "backorders": "no",
        "date_modified_gmt": "2026-11-21T18:00:00", "images": [{"src": "https://x/a.png"}],
        "image": {"src": "https://x/b.png"}, "attributes": [{"name": "Color", "option": "Red"}],
        "variations": [795]})
}

/// Every shape the client decodes, and the readings it applies after.
fn decode_everything(value: &Value) {
    if let Ok(order) = decode::<WireOrder>("an order", value.clone()) {
        let _ = order.meta(ORDER_META_KEY);
        let _ = order.total();
        let _ = order.display_name();
        let _ = wire::tracking_from_meta(&order);
    }
    if let Ok(product) = decode::<WireProduct>("a product", value.clone()) {
        let variation = decode::<WireProduct>("a product", value.clone()).unwrap_or_default();
        let _ = product.available(Some(&variation));
        let _ = product.allows_backorders();
        let _ = product.into_store_product(
            std::slice::from_ref(&variation),
            crate::connector::StoreUnits::named("kg", "cm"),
        );
    }
    if let Err(error) = decode::<Vec<WireProduct>>("the products", value.clone()) {
        assert!(error.to_string().contains("the products"), "{error}");
    }
    let _ = decode::<Vec<WireOrder>>("the orders", value.clone());
    let _ = decode::<Vec<WireTracking>>("the tracking", value.clone());
    let _ = decode::<Vec<WireWebhook>>("the webhooks", value.clone());
}

fn status() -> impl Strategy<Value = StatusCode> {
    (100u16..600).prop_map(|code| StatusCode::from_u16(code).expect("100..600 are valid"))
}

proptest! {
    #![proptest_config(prop_json::config())]

    #[test]
    fn signed_webhooks_verify(
        secret in ".{0,32}",
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        prop_assert!(verify_webhook(&secret, &body, &signature(&secret, &body)));
    }

    #[test]
    fn tampered_webhooks_fail(
        secret in ".{1,32}",
        body in prop::collection::vec(any::<u8>(), 1..512),
        (how, at, pick, byte) in (any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()),
    ) {
        let good = signature(&secret, &body);
        let bad = tampered_signature(&good, BASE64_ALPHABET, how, at, pick);
        prop_assert!(!verify_webhook(&secret, &body, &bad), "{good} -> {bad}");
        prop_assert!(!verify_webhook(&secret, &body, &good.to_lowercase()) || good == good.to_lowercase());
        if let Some(bad_body) = tampered_body(&body, how, at, byte) {
            prop_assert!(!verify_webhook(&secret, &bad_body, &good));
        }
        let other_secret = format!("{secret}x");
        prop_assert!(!verify_webhook(&other_secret, &body, &good));
    }

    #[test]
    fn arbitrary_deliveries_never_panic(
        secret in ".{0,16}",
        body in prop::collection::vec(any::<u8>(), 0..256),
        header in ".{0,80}",
    ) {
        let _ = verify_webhook(&secret, &body, &header);
        let _ = is_ping(&body);
    }

    /// A ping is a form body; no JSON delivery (every signed one) is ever taken for a ping.
    #[test]
    fn json_is_never_a_ping(value in json(KEYS), id in any::<u64>()) {
        prop_assert!(!is_ping(value.to_string().as_bytes()));
        let ping = format!("webhook_id={id}");
        prop_assert!(is_ping(ping.as_bytes()));
    }

    #[test]
    fn order_notices_read_or_ignore(value in around(order_sample(), KEYS)) {
        if let Some(notice) = order_notice(&value) {
            let sent_id = value.get("id").map(Value::to_string);
            prop_assert_eq!(Some(notice.id), sent_id);
            prop_assert_eq!(notice.cancelled, value["status"] == "cancelled");
        }
    }

    #[test]
    fn answers_classify_without_panic_or_leak(
        status in status(),
        body in around(j!({"code": "woocommerce_rest_cannot_view", "message": "no", "data": {"status": 401}}), KEYS),
        secret in secret(),
        noise in ".{0,40}",
        shape in 0..3u8,
        retry in prop::option::of(0u64..120),
    ) {
        let text = match shape {
            0 => body.to_string(),
            1 => j!({"code": "x", "message": format!("{noise} key {secret}"), "data": body}).to_string(),
            _ => format!("<html>{noise} {secret}</html>"),
        };
        match interpret(status, retry.map(Duration::from_secs), &text, &[secret.as_str()]) {
            Ok(Some(_)) => prop_assert!(status.is_success()),
            Ok(None) => prop_assert_eq!(status, StatusCode::NOT_FOUND),
            Err(error) => {
                prop_assert!(!error.to_string().contains(&secret), "{error:?}");
                prop_assert!(!error.raw().contains(&secret), "{error:?}");
                if status.is_server_error() {
                    prop_assert!(matches!(error, ConnectorError::Retryable { .. }), "{error:?}");
                }
                if status == StatusCode::TOO_MANY_REQUESTS {
                    prop_assert!(matches!(error, ConnectorError::Throttled { .. }), "{error:?}");
                }
            }
        }
    }

    #[test]
    fn shapes_decode_or_say_why(
        value in prop_oneof![around(order_sample(), KEYS), around(product_sample(), KEYS), json(KEYS)]
    ) {
        decode_everything(&value);
    }

    #[test]
    fn ids_parse_or_refuse(text in ".{0,24}", product in any::<u64>(), variation in prop::option::of(any::<u64>())) {
        let _ = parse_variant_id(&text);
        let _ = parse_fulfilment_id(&text);
        let _ = parse_order_id(&text);
        prop_assert_eq!(parse_variant_id(&variant_id(product, variation)), Some((product, variation)));
    }
}

#[test]
fn the_samples_decode() {
    let notice = order_notice(&order_sample()).expect("our order");
    assert!(notice.shipped);
    assert!(decode::<WireProduct>("a product", product_sample()).is_ok());
}
