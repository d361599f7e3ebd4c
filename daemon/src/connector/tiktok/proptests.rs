//! Properties of everything TikTok sends us: webhook signatures, the response envelope and its
//! error classification, and every `data` shape the client decodes.

use super::*;
use crate::connector::prop_json::{self, around, json, secret, tampered_body, tampered_signature};
use proptest::prelude::*;
use serde_json::json as j;

const HEX: &str = "0123456789abcdef";

fn signature(app_key: &str, app_secret: &str, body: &[u8]) -> String {
    let mut message = app_key.as_bytes().to_vec();
    message.extend_from_slice(body);
    hex::encode(hmac_sha256(app_secret.as_bytes(), &message))
}

/// Field names of every TikTok shape the client reads.
const KEYS: &[&str] = &[
    "code",
    "message",
    "request_id",
    "data",
    "shops",
    "id",
    "name",
    "region",
    "cipher",
    "seller_type",
    "categories",
    "parent_id",
    "local_name",
    "is_leaf",
    "permission_statuses",
    "attributes",
    "type",
    "is_requried",
    "is_customizable",
    "values",
    "uri",
    "url",
    "product_id",
    "skus",
    "seller_sku",
    "products",
    "next_page_token",
    "total_count",
    "status",
    "audit_failed_reasons",
    "position",
    "reasons",
    "suggestions",
    "errors",
    "detail",
    "extra_errors",
    "warehouses",
    "warehouse_id",
    "effect_status",
    "is_default",
    "shipping_providers",
    "package_id",
    "delivery_options",
    "cancellations",
    "cancel_id",
    "order_id",
    "cancel_status",
    "role",
    "orders",
    "create_time",
    "update_time",
    "paid_time",
    "is_buyer_request_cancel",
    "fulfillment_type",
    "shipping_type",
    "delivery_option_id",
    "buyer_email",
    "payment",
    "currency",
    "sub_total",
    "shipping_fee",
    "tax",
    "total_amount",
    "seller_discount",
    "platform_discount",
    "recipient_address",
    "first_name",
    "last_name",
    "phone_number",
    "address_line1",
    "address_line2",
    "postal_code",
    "region_code",
    "district_info",
    "address_level_name",
    "address_name",
    "address_level",
    "line_items",
    "sku_id",
    "original_price",
    "sale_price",
    "tracking_number",
    "shipping_provider_name",
    "package_status",
    "inventory",
    "quantity",
    "price",
    "amount",
    "sale_price",
    "tts_notification_id",
    "shop_id",
];

fn order_sample() -> Value {
    j!({"orders": [{
        "id": "576461413038785752", "status": "AWAITING_SHIPMENT",
        "fulfillment_type": "FULFILLMENT_BY_SELLER", "shipping_type": "SELLER",
        "delivery_option_id": "7091146663229048619", "is_buyer_request_cancel": false,
        "create_time": 1_700_000_000, "paid_time": 1_700_000_030, "update_time": 1_700_000_100,
        "buyer_email": "v2_xxx@scs.tiktokw.us",
        "payment": {"currency": "USD", "sub_total": "19.99", "shipping_fee": "0.00", "tax": "1.60",
                    "total_amount": "21.59", "seller_discount": "0", "platform_discount": "0"},
        "recipient_address": {"name": "J D", "first_name": "J", "last_name": "D",
            "phone_number": "(+1)21321", "address_line1": "1 Main St", "address_line2": "",
            "postal_code": "90001", "region_code": "US",
            "district_info": [{"address_level_name": "State", "address_name": "California", "address_level": "L1"},
                              {"address_level_name": "City", "address_name": "Los Angeles", "address_level": "L3"}]},
        "line_items": [{"id": "577087614418520412", "sku_id": "1729", "seller_sku": "TEE-RED-M",
            "original_price": "19.99", "sale_price": "19.99", "currency": "USD", "package_id": "",
            "package_status": "TO_FULFILL", "tracking_number": "", "shipping_provider_name": ""}]
    }], "next_page_token": "abc"})
}

fn product_sample() -> Value {
    j!({"id": "1729", "status": "FAILED", "skus": [{"id": "9", "seller_sku": "A"}],
        "audit_failed_reasons": [{"position": "main_images", "reasons": ["Blurry image"],
                                  "suggestions": ["Upload a sharper image"]}]})
}

fn attributes_sample() -> Value {
    j!({"attributes": [{"id": "100000", "name": "Color", "type": "SALES_PROPERTY",
        "is_requried": true, "values": [{"id": "1", "name": "Red"}]}]})
}

fn update_sample() -> Value {
    j!({"errors": [{"code": 12_052_001, "message": "bad sku", "detail": {"sku_id": "9"}}]})
}

/// Decode `value` as `T` the way the client does; a failure must be a `Rejected` that names
/// the path, never a panic.
fn decodes<T: DeserializeOwned>(value: &Value) -> Option<T> {
    match decode::<T>("/path/under/test", Some(value.clone())) {
        Ok(data) => Some(data),
        Err(ConnectorError::Rejected { reason, .. }) => {
            assert!(reason.contains("/path/under/test"), "{reason}");
            None
        }
        Err(other) => panic!("decode gave {other:?}"),
    }
}

/// Every shape the client decodes, and the conversions it applies after.
fn decode_everything(value: &Value) {
    if let Some(d) = decodes::<wire::OrdersData>(value) {
        let _: Vec<RemoteOrder> = d.orders.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::WireProduct>(value) {
        let _ = RemoteProduct::from(d);
    }
    if let Some(d) = decodes::<wire::SearchProductsData>(value) {
        let _: Vec<RemoteProduct> = d.products.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::ShopsData>(value) {
        let _: Vec<AuthorizedShop> = d.shops.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::CategoriesData>(value) {
        let _: Vec<Category> = d.categories.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::AttributesData>(value) {
        let _: Vec<CategoryAttribute> = d.attributes.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::UpdateData>(value) {
        let _ = check_update_errors("stock", "1", &d);
    }
    if let Some(d) = decodes::<wire::WarehousesData>(value) {
        let _: Vec<Warehouse> = d.warehouses.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::ShippingProvidersData>(value) {
        let _: Vec<ShippingProvider> = d.shipping_providers.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::CancellationsData>(value) {
        let _: Vec<crate::connector::RemoteCancellation> =
            d.cancellations.into_iter().map(Into::into).collect();
    }
    let _ = decodes::<wire::UploadData>(value);
    let _ = decodes::<wire::CreateProductData>(value);
    let _ = decodes::<wire::MarkShippedData>(value);
    let _ = decodes::<wire::DeliveryOptionsData>(value);
}

fn status() -> impl Strategy<Value = StatusCode> {
    (100u16..600).prop_map(|code| StatusCode::from_u16(code).expect("100..600 are valid"))
}

proptest! {
    #![proptest_config(prop_json::config())]

    #[test]
    fn signed_webhooks_verify(
        key in "[a-z0-9]{0,16}",
        app_secret in ".{0,24}",
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let signature = signature(&key, &app_secret, &body);
        prop_assert!(verify_webhook(&key, &app_secret, &body, &signature));
        // Hex is case-insensitive: the same MAC in capitals is still TikTok's MAC.
        prop_assert!(verify_webhook(&key, &app_secret, &body, &signature.to_uppercase()));
    }

    #[test]
    fn tampered_webhooks_fail(
        key in "[a-z0-9]{1,16}",
        app_secret in ".{1,24}",
        body in prop::collection::vec(any::<u8>(), 1..512),
        (how, at, pick, byte) in (any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()),
    ) {
        let signature = signature(&key, &app_secret, &body);
        let bad_signature = tampered_signature(&signature, HEX, how, at, pick);
        prop_assert!(!verify_webhook(&key, &app_secret, &body, &bad_signature));
        if let Some(bad_body) = tampered_body(&body, how, at, byte) {
            prop_assert!(!verify_webhook(&key, &app_secret, &bad_body, &signature));
        }
        let other_key = format!("{key}x");
        prop_assert!(!verify_webhook(&other_key, &app_secret, &body, &signature));
    }

    #[test]
    fn arbitrary_webhooks_never_panic(
        key in ".{0,16}",
        app_secret in ".{0,16}",
        body in prop::collection::vec(any::<u8>(), 0..256),
        header in ".{0,80}",
    ) {
        let _ = verify_webhook(&key, &app_secret, &body, &header);
    }

    #[test]
    fn envelopes_classify_without_panic_or_leak(
        status in status(),
        code in prop_oneof![Just(0i64), Just(105_001), Just(36_009_003), Just(106_001), any::<i64>()],
        data in around(order_sample(), KEYS),
        secret in secret(),
        noise in ".{0,40}",
        shape in 0..4u8,
        retry in prop::option::of(0u64..120),
    ) {
        let message = format!("{noise} token {secret}");
        let body = match shape {
            0 => j!({"code": code, "message": message, "request_id": secret, "data": data}).to_string(),
            1 => data.to_string(),
            2 => format!("<html>{message}</html>"),
            _ => j!({"code": code, "message": data, "request_id": data}).to_string(),
        };
        let retry_after = retry.map(Duration::from_secs);
        match interpret(status, retry_after, &body, &[secret.as_str()]) {
            Ok(_) => prop_assert!(status.is_success()),
            Err(error) => {
                prop_assert!(!error.to_string().contains(&secret), "{error:?}");
                prop_assert!(!error.raw().contains(&secret), "{error:?}");
                if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                    let retryable = error.is_transient();
                    let credentials = matches!(error, ConnectorError::Unauthorized { .. });
                    prop_assert!(retryable || credentials || code == codes::INVALID_SIGN, "{error:?}");
                }
            }
        }
        if shape == 0 && code == 0 && status.is_success() {
            prop_assert!(interpret(status, retry_after, &body, &[secret.as_str()]).is_ok());
        }
    }

    #[test]
    fn data_shapes_decode_or_say_why(
        value in prop_oneof![
            around(order_sample(), KEYS),
            around(product_sample(), KEYS),
            around(attributes_sample(), KEYS),
            around(update_sample(), KEYS),
            json(KEYS),
        ]
    ) {
        decode_everything(&value);
    }
}

#[test]
fn the_samples_decode() {
    let orders = decodes::<wire::OrdersData>(&order_sample()).expect("order sample");
    assert_eq!(orders.orders.len(), 1);
    assert!(decodes::<wire::WireProduct>(&product_sample()).is_some());
    assert!(decodes::<wire::AttributesData>(&attributes_sample()).is_some());
    assert!(decodes::<wire::UpdateData>(&update_sample()).is_some());
}
