//! Shopify `refundCreate` and product metafields as the Admin API serves them.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{Shopify, sandbox};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::ControlClient;
use serde_json::{Value, json};

const ORDER_CREATE: &str = "mutation($order: OrderCreateOrderInput!) {
  orderCreate(order: $order) { order { id legacyResourceId } userErrors { field message } }
}";

const ORDER: &str = "query($id: ID!) { order(id: $id) {
  displayFinancialStatus
  totalRefundedSet { shopMoney { amount } }
  refunds { id totalRefundedSet { shopMoney { amount } } }
  transactions { id kind status amountSet { shopMoney { amount } } }
  lineItems(first: 5) { nodes { id refundableQuantity unfulfilledQuantity currentQuantity variant { id inventoryQuantity } } }
  fulfillmentOrders(first: 5, includeClosed: true) { nodes { assignedLocation { location { id } } } }
} }";

const REFUND: &str = "mutation($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id totalRefundedSet { shopMoney { amount } } }
    order { id displayFinancialStatus }
    userErrors { field message }
  }
}";

/// A paid order of two units of the first variant; returns (order id, legacy id).
async fn paid_order(shop: &Shopify) -> (Value, String) {
    let variant = shop.first_variant().await["id"].clone();
    let d = shop
        .data(
            ORDER_CREATE,
            json!({"order": {
                "currency": "USD", "financialStatus": "PAID",
                "lineItems": [{"variantId": variant, "quantity": 2,
                               "priceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}}}],
                "transactions": [{"kind": "SALE", "status": "SUCCESS", "gateway": "TikTok Shop",
                                  "amountSet": {"shopMoney": {"amount": "20.00", "currencyCode": "USD"}}}],
            }}),
        )
        .await;
    let order = &d["orderCreate"]["order"];
    (
        order["id"].clone(),
        order["legacyResourceId"].as_str().unwrap().to_owned(),
    )
}

async fn refund(shop: &Shopify, input: Value, key: &str) -> Value {
    shop.data(REFUND, json!({"input": input, "key": key})).await["refundCreate"].clone()
}

fn first_error(payload: &Value) -> String {
    payload["userErrors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn refund_create_checks_lines_and_money_then_restocks_and_reports_refunded() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mut shop = Shopify::new(&sb);
    shop.version = "2026-10".into();
    let control = ControlClient::for_sandbox(&sb);
    let (order_id, legacy) = paid_order(&shop).await;
    let order = shop.data(ORDER, json!({"id": order_id})).await["order"].clone();
    let line = order["lineItems"]["nodes"][0].clone();
    let (line_id, variant) = (line["id"].clone(), line["variant"]["id"].clone());
    let stock_before = line["variant"]["inventoryQuantity"].as_i64().unwrap();
    let sale = order["transactions"][0]["id"].clone();
    let location =
        order["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"].clone();
    let lines = |quantity: i64, restock: &str| json!([{"lineItemId": line_id, "quantity": quantity, "restockType": restock, "locationId": location}]);
    let money = |amount: &str| json!([{"orderId": order_id, "parentId": sale, "kind": "REFUND", "gateway": "TikTok Shop", "amount": amount}]);

    // From 2026-04 the directive is required.
    let bare = shop
        .gql(
            "mutation($input: RefundInput!) { refundCreate(input: $input) { userErrors { message } } }",
            json!({"input": {"orderId": order_id, "transactions": money("1.00")}}),
        )
        .await;
    assert_eq!(
        bare["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{bare}"
    );

    // Refused as Shopify refuses them, changing nothing.
    let refusals = [
        (
            json!({"orderId": order_id, "refundLineItems": lines(3, "CANCEL")}),
            "Quantity cannot refund more",
        ),
        (
            json!({"orderId": order_id, "refundLineItems": lines(1, "RETURN")}),
            "RETURN can only be used for fulfilled",
        ),
        (
            json!({"orderId": order_id, "refundLineItems": [{"lineItemId": line_id, "quantity": 1, "restockType": "CANCEL"}]}),
            "location is required",
        ),
        (
            json!({"orderId": order_id, "transactions": money("20.01")}),
            "more than the 20.00 available",
        ),
        (
            json!({"orderId": order_id, "transactions": [{"orderId": order_id, "kind": "REFUND", "gateway": "TikTok Shop", "amount": "1.00"}]}),
            "Parent transaction",
        ),
        (
            json!({"orderId": order_id, "transactions": [{"orderId": order_id, "parentId": sale, "kind": "REFUND", "gateway": "manual", "amount": "1.00"}]}),
            "Gateway must be",
        ),
    ];
    for (i, (input, said)) in refusals.into_iter().enumerate() {
        let payload = refund(&shop, input, &format!("refused-{i}")).await;
        assert!(first_error(&payload).contains(said), "{said}: {payload}");
        assert!(payload["refund"].is_null());
    }

    // One unit back to stock and part of the money: partially refunded.
    let input = json!({"orderId": order_id, "refundLineItems": lines(1, "CANCEL"), "transactions": money("10.00")});
    let first = refund(&shop, input.clone(), "refund-1").await;
    assert!(
        first["userErrors"].as_array().unwrap().is_empty(),
        "{first}"
    );
    assert_eq!(
        first["order"]["displayFinancialStatus"],
        "PARTIALLY_REFUNDED"
    );
    // The same key and input replays the refund rather than making a second.
    let replay = refund(&shop, input, "refund-1").await;
    assert_eq!(replay["refund"]["id"], first["refund"]["id"]);
    let after = shop.data(ORDER, json!({"id": order_id})).await["order"].clone();
    assert_eq!(after["refunds"].as_array().unwrap().len(), 1, "{after}");
    assert_eq!(after["lineItems"]["nodes"][0]["refundableQuantity"], 1);
    assert_eq!(after["lineItems"]["nodes"][0]["variant"]["id"], variant);
    assert_eq!(
        after["lineItems"]["nodes"][0]["variant"]["inventoryQuantity"]
            .as_i64()
            .unwrap(),
        stock_before + 1
    );

    // The other unit, shipped, comes back as a return with the rest of the money.
    control
        .shopify_fulfill(&legacy, "1Z999AA10123456784", "UPS", None)
        .await
        .unwrap();
    let rest = json!({"orderId": order_id, "refundLineItems": lines(1, "RETURN"), "transactions": money("10.00")});
    let second = refund(&shop, rest, "refund-2").await;
    assert!(
        second["userErrors"].as_array().unwrap().is_empty(),
        "{second}"
    );
    let done = shop.data(ORDER, json!({"id": order_id})).await["order"].clone();
    assert_eq!(done["displayFinancialStatus"], "REFUNDED");
    assert_eq!(
        done["totalRefundedSet"]["shopMoney"]["amount"], "20.0",
        "{done}"
    );
    assert_eq!(done["lineItems"]["nodes"][0]["refundableQuantity"], 0);
    assert_eq!(
        done["lineItems"]["nodes"][0]["variant"]["inventoryQuantity"]
            .as_i64()
            .unwrap(),
        stock_before + 2
    );
    let more = refund(
        &shop,
        json!({"orderId": order_id, "transactions": money("0.01")}),
        "refund-3",
    )
    .await;
    assert!(first_error(&more).contains("available"), "{more}");
}

#[tokio::test]
async fn product_metafields_are_served_by_namespace_and_key() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let d = shop
        .data(
            r#"{ products(first: 1) { nodes {
                tags vendor
                all: metafields(first: 5) { nodes { namespace key type value jsonValue } }
                other: metafields(first: 5, namespace: "seo") { nodes { key } }
                keyed: metafields(first: 5, keys: ["custom.material"]) { nodes { key } }
                one: metafield(namespace: "custom", key: "material") { value }
                none: metafield(key: "material") { value }
            } } }"#,
            json!({}),
        )
        .await;
    let tee = &d["products"]["nodes"][0];
    assert_eq!(tee["tags"], json!(["cotton", "summer", "pattern:Striped"]));
    assert_eq!(tee["vendor"], "Feedbridge Basics");
    assert_eq!(
        tee["all"]["nodes"],
        json!([{"namespace": "custom", "key": "material", "type": "list.single_line_text_field",
                "value": "[\"Cotton\"]", "jsonValue": ["Cotton"]}])
    );
    assert_eq!(tee["other"]["nodes"], json!([]));
    assert_eq!(tee["keyed"]["nodes"][0]["key"], "material");
    assert_eq!(tee["one"]["value"], "[\"Cotton\"]");
    assert!(tee["none"].is_null(), "{tee}");
}
