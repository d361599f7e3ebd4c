//! Properties of everything Shopify sends us: webhook HMACs, GraphQL answers and their
//! classification, and every `data` shape the client decodes.

use super::*;
use crate::connector::prop_json::{self, around, json, secret, tampered_body, tampered_signature};
use proptest::prelude::*;
use serde_json::json as j;

const BASE64_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

fn hmac_base64(secret: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    BASE64.encode(mac.finalize().into_bytes())
}

/// Field names of every Shopify shape the client reads.
const KEYS: &[&str] = &[
    "data",
    "errors",
    "extensions",
    "cost",
    "requestedQueryCost",
    "actualQueryCost",
    "throttleStatus",
    "maximumAvailable",
    "currentlyAvailable",
    "restoreRate",
    "message",
    "code",
    "shop",
    "name",
    "currencyCode",
    "products",
    "pageInfo",
    "hasNextPage",
    "endCursor",
    "nodes",
    "id",
    "title",
    "descriptionHtml",
    "updatedAt",
    "media",
    "image",
    "url",
    "variants",
    "sku",
    "price",
    "inventoryQuantity",
    "selectedOptions",
    "value",
    "inventoryItem",
    "orders",
    "totalPriceSet",
    "shopMoney",
    "amount",
    "orderCreate",
    "order",
    "userErrors",
    "field",
    "cancelledAt",
    "sourceIdentifier",
    "customAttributes",
    "key",
    "fulfillments",
    "trackingInfo",
    "company",
    "number",
    "fulfillmentLineItems",
    "quantity",
    "lineItem",
    "fulfillmentOrders",
    "status",
    "lineItems",
    "remainingQuantity",
    "webhookSubscriptionCreate",
];

fn products_sample() -> Value {
    j!({"products": {"pageInfo": {"hasNextPage": true, "endCursor": "abc"}, "nodes": [{
        "id": "gid://shopify/Product/1", "title": "Tee", "descriptionHtml": "<p>x</p>",
        "updatedAt": "2026-11-01T00:00:00Z",
        "media": {"nodes": [{"image": {"url": "https://cdn/x.jpg"}}, {}]},
        "variants": {"pageInfo": {"hasNextPage": false}, "nodes": [
            {"id": "gid://shopify/ProductVariant/2", "sku": "TEE-RED-M", "title": "Red / M",
             "price": "19.99", "inventoryQuantity": 7,
             "selectedOptions": [{"name": "Color", "value": "Red"}],
             "inventoryItem": {"id": "gid://shopify/InventoryItem/3"}}]}}]}})
}

fn orders_sample() -> Value {
    j!({"orders": {"pageInfo": {"hasNextPage": false, "endCursor": "c"}, "nodes": [{
        "id": "gid://shopify/Order/9", "updatedAt": "2026-11-02T00:00:00Z", "cancelledAt": null,
        "sourceIdentifier": "576",
        "customAttributes": [{"key": "tiktok_order_id", "value": "576461413038785752"}],
        "fulfillments": [{"id": "gid://shopify/Fulfillment/5",
            "trackingInfo": [{"company": "UPS", "number": "1Z999"}],
            "fulfillmentLineItems": {"nodes": [{"quantity": 2, "lineItem": {"sku": "TEE-RED-M"}}]}}]}]}})
}

fn order_create_sample() -> Value {
    j!({"orderCreate": {"order": {"id": "gid://shopify/Order/9", "name": "#1001",
        "totalPriceSet": {"shopMoney": {"amount": "21.59"}}}, "userErrors": []}})
}

fn fulfillment_orders_sample() -> Value {
    j!({"order": {"fulfillmentOrders": {"nodes": [{"id": "gid://shopify/FulfillmentOrder/1",
        "status": "OPEN", "lineItems": {"nodes": [{"id": "gid://shopify/FulfillmentOrderLineItem/1",
        "remainingQuantity": 2, "lineItem": {"sku": "TEE-RED-M"}}]}}]}}})
}

fn throttled_sample() -> Value {
    j!({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {"requestedQueryCost": 752, "actualQueryCost": null,
        "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 666, "restoreRate": 50.0}}}})
}

fn decodes<T: DeserializeOwned>(value: &Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

/// Every shape the client decodes, and the conversions it applies after.
fn decode_everything(value: &Value) {
    if let Some(d) = decodes::<wire::ProductsData>(value) {
        let _ = d.products.page_info.next();
        for product in d.products.nodes {
            let _ = product.has_more_variants();
            let _ = StoreProduct::from(product);
        }
    }
    if let Some(d) = decodes::<wire::OrdersData>(value) {
        let _: Vec<StoreOrderUpdate> = d.orders.nodes.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::OrderData>(value) {
        let _ = d.order.map(StoreOrderUpdate::from);
    }
    if let Some(d) = decodes::<wire::FindOrderData>(value) {
        let _: Vec<StoreOrderRef> = d.orders.nodes.into_iter().map(Into::into).collect();
    }
    if let Some(d) = decodes::<wire::OrderCreateData>(value)
        && let Some(payload) = d.order_create
    {
        let _ = refused("the order", &payload.user_errors);
        let _ = payload.order.map(StoreOrderRef::from);
    }
    if let Some(d) = decodes::<wire::FulfillmentOrdersData>(value)
        && let Some(order) = d.order
    {
        let _ = fulfilment_selection(&order.fulfillment_orders.nodes, &[]);
        let _ = fulfilment_selection(&order.fulfillment_orders.nodes, &[("TEE-RED-M".into(), 1)]);
    }
    if let Some(d) = decodes::<wire::ShopData>(value) {
        let _ = StoreInfo::from(d);
    }
    if let Some(d) = decodes::<wire::WebhookCreateData>(value)
        && let Some(payload) = d.webhook_subscription_create
    {
        let _ = refused("the webhook", &payload.user_errors);
    }
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
        prop_assert!(verify_webhook(&secret, &body, &hmac_base64(&secret, &body)));
    }

    #[test]
    fn tampered_webhooks_fail(
        secret in ".{1,32}",
        body in prop::collection::vec(any::<u8>(), 1..512),
        (how, at, pick, byte) in (any::<u8>(), any::<usize>(), any::<usize>(), any::<u8>()),
    ) {
        let signature = hmac_base64(&secret, &body);
        let bad = tampered_signature(&signature, BASE64_ALPHABET, how, at, pick);
        prop_assert!(!verify_webhook(&secret, &body, &bad), "{signature} -> {bad}");
        // Base64 is case-sensitive: the same letters in other case are other bytes.
        let swapped: String = signature
            .chars()
            .map(|c| if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
            .collect();
        if swapped != signature {
            prop_assert!(!verify_webhook(&secret, &body, &swapped));
        }
        if let Some(bad_body) = tampered_body(&body, how, at, byte) {
            prop_assert!(!verify_webhook(&secret, &bad_body, &signature));
        }
        let other_secret = format!("{secret}x");
        prop_assert!(!verify_webhook(&other_secret, &body, &signature));
    }

    #[test]
    fn arbitrary_webhooks_never_panic(
        secret in ".{0,16}",
        body in prop::collection::vec(any::<u8>(), 0..256),
        header in ".{0,80}",
    ) {
        let _ = verify_webhook(&secret, &body, &header);
    }

    #[test]
    fn answers_classify_without_panic_or_leak(
        status in status(),
        value in prop_oneof![around(throttled_sample(), KEYS), around(orders_sample(), KEYS)],
        code in prop::sample::select(vec!["THROTTLED", "ACCESS_DENIED", "INTERNAL_SERVER_ERROR", "MAX_COST_EXCEEDED", "undefinedField"]),
        secret in secret(),
        noise in ".{0,40}",
        shape in 0..4u8,
        retry in prop::option::of(0u64..120),
    ) {
        let message = format!("{noise} token {secret}");
        let text = match shape {
            0 => value.to_string(),
            1 => j!({"errors": [{"message": message, "extensions": {"code": code}}],
                     "extensions": value}).to_string(),
            2 => j!({"errors": message}).to_string(),
            _ => format!("<html>{message}</html>"),
        };
        let parsed = serde_json::from_str::<GqlResponse>(&text).ok();
        match interpret(status, retry.map(Duration::from_secs), &text, parsed, &[secret.as_str()]) {
            Ok(Outcome::Data(data)) => {
                prop_assert!(status.is_success());
                prop_assert!(!data.is_null());
            }
            Ok(Outcome::Throttled(wait, raw)) => {
                prop_assert!(wait >= MIN_THROTTLE_WAIT);
                prop_assert!(!raw.contains(&secret));
            }
            Err(failure) => {
                let error = ConnectorError::from(failure);
                prop_assert!(!error.to_string().contains(&secret), "{error:?}");
                prop_assert!(!error.raw().contains(&secret), "{error:?}");
                if status.is_server_error() {
                    prop_assert!(matches!(error, ConnectorError::Retryable { .. }), "{error:?}");
                }
            }
        }
    }

    #[test]
    fn throttle_waits_are_bounded(
        needed in any::<f64>(),
        maximum_available in any::<f64>(),
        currently_available in any::<f64>(),
        restore_rate in any::<f64>(),
    ) {
        let status = ThrottleStatus { maximum_available, currently_available, restore_rate };
        prop_assert!(restore_wait(needed, &status) <= MAX_THROTTLE_WAIT);
    }

    #[test]
    fn data_shapes_decode_or_say_why(
        value in prop_oneof![
            around(products_sample(), KEYS),
            around(orders_sample(), KEYS),
            around(order_create_sample(), KEYS),
            around(fulfillment_orders_sample(), KEYS),
            json(KEYS),
        ]
    ) {
        decode_everything(&value);
    }

    /// Never more fulfilled than wanted, nor than a line still holds.
    #[test]
    fn fulfilment_selection_never_overfulfils(
        lines in prop::collection::vec((0..3usize, -2i64..5), 0..8),
        wanted in prop::collection::vec((0..3usize, 0u32..6), 0..4),
    ) {
        let skus = ["A", "B", "C"];
        let order = wire::WireFulfillmentOrder {
            id: "fo".into(),
            status: "OPEN".into(),
            line_items: wire::Connection {
                page_info: wire::PageInfo::default(),
                nodes: lines
                    .iter()
                    .enumerate()
                    .map(|(i, (sku, remaining))| wire::WireFulfillmentOrderLine {
                        id: format!("line{i}"),
                        remaining_quantity: *remaining,
                        line_item: Some(wire::WireLineItem { sku: Some(skus[*sku].into()) }),
                    })
                    .collect(),
            },
        };
        let wanted: Vec<(String, u32)> =
            wanted.iter().map(|(sku, n)| (skus[*sku].to_owned(), *n)).collect();
        let selection = fulfilment_selection(std::slice::from_ref(&order), &wanted);
        let mut taken = HashMap::<String, i64>::new();
        for group in &selection {
            for line in group["fulfillmentOrderLineItems"].as_array().expect("lines") {
                let id = line["id"].as_str().expect("id");
                let quantity = line["quantity"].as_i64().expect("quantity");
                let index: usize = id.trim_start_matches("line").parse().expect("index");
                prop_assert!(quantity > 0 && quantity <= lines[index].1);
                *taken.entry(skus[lines[index].0].to_owned()).or_default() += quantity;
            }
        }
        if !wanted.is_empty() {
            for (sku, quantity) in &taken {
                let asked: i64 = wanted.iter().filter(|(s, _)| s == sku).map(|(_, n)| i64::from(*n)).sum();
                prop_assert!(*quantity <= asked, "{sku}: {quantity} > {asked}");
            }
        }
    }
}

#[test]
fn the_samples_decode() {
    assert!(decodes::<wire::ProductsData>(&products_sample()).is_some());
    assert!(decodes::<wire::OrdersData>(&orders_sample()).is_some());
    assert!(decodes::<wire::OrderCreateData>(&order_create_sample()).is_some());
    assert!(decodes::<wire::FulfillmentOrdersData>(&fulfillment_orders_sample()).is_some());
    assert!(decodes::<GqlResponse>(&throttled_sample()).is_some());
}
