//! Shopify order side: orderCreate money and names, inventory behaviours, product deletion,
//! fulfilment orders and events, orderCancel, typed store orders, webhook modes.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{Shopify, receiver, sandbox};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, WebhookMode};
use serde_json::{Value, json};

const ORDER_CREATE: &str =
    "mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id legacyResourceId name }
    userErrors { field message code }
  }
}";

fn usd(amount: &str) -> Value {
    json!({"shopMoney": {"amount": amount, "currencyCode": "USD"}})
}

fn line(variant: &Value, qty: i64) -> Value {
    json!({"variantId": variant, "quantity": qty, "priceSet": usd("19.99")})
}

/// `orderCreate` with `extra` merged into a minimal order; returns the payload.
async fn create(shop: &Shopify, lines: Vec<Value>, extra: Value, behaviour: &str) -> Value {
    let mut order = json!({"lineItems": lines, "financialStatus": "PAID", "currency": "USD"});
    if let (Some(o), Some(e)) = (order.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    let d = shop
        .data(
            ORDER_CREATE,
            json!({"order": order, "options": {"inventoryBehaviour": behaviour}}),
        )
        .await;
    d["orderCreate"].clone()
}

/// (variant gid, sku, available at all locations)
async fn variant(shop: &Shopify, n: usize) -> (Value, String, i64) {
    let d = shop
        .data(
            "{ productVariants(first: 10) { nodes { id sku inventoryQuantity } } }",
            json!({}),
        )
        .await;
    let v = &d["productVariants"]["nodes"][n];
    (
        v["id"].clone(),
        v["sku"].as_str().unwrap().to_string(),
        v["inventoryQuantity"].as_i64().unwrap(),
    )
}

async fn available(shop: &Shopify, id: &Value) -> i64 {
    shop.data(
        "query($id: ID!) { productVariant(id: $id) { inventoryQuantity } }",
        json!({"id": id}),
    )
    .await["productVariant"]["inventoryQuantity"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn order_create_money_lines_discounts_and_custom_name() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let (v, sku, _) = variant(&shop, 0).await;
    let extra = json!({
        "name": "TT-576123",
        "shippingLines": [{"title": "Standard", "code": "STANDARD", "source": "tiktok", "priceSet": usd("5.00")}],
        "taxLines": [{"title": "State tax", "rate": "0.08", "priceSet": usd("3.20")}],
        "discountCode": {"itemFixedDiscountCode": {"code": "TIKTOK-SELLER", "amountSet": usd("4.00")}},
        "transactions": [{"kind": "SALE", "status": "SUCCESS", "gateway": "TikTok Shop", "amountSet": usd("44.18")}],
        "tags": ["TikTokShop"],
        "note": "TikTok Shop order 576123",
        "sourceName": "tiktok_shop",
        "sourceIdentifier": "576123",
        "customAttributes": [{"key": "tiktok_order_id", "value": "576123"}],
    });
    let p = create(
        &shop,
        vec![line(&v, 2)],
        extra.clone(),
        "DECREMENT_OBEYING_POLICY",
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["order"]["name"], "TT-576123");
    let d = shop
        .data(
            "query($id: ID!) { order(id: $id) { name discountCode discountCodes displayFinancialStatus
               subtotalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount } }
               totalShippingPriceSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } }
               totalDiscountsSet { shopMoney { amount } } totalPriceSet { shopMoney { amount } }
               shippingLines(first: 5) { nodes { title code source originalPriceSet { shopMoney { amount } } } }
               taxLines { title rate ratePercentage priceSet { shopMoney { amount } } } } }",
            json!({"id": p["order"]["id"]}),
        )
        .await;
    let o = &d["order"];
    assert_eq!(
        o["subtotalPriceSet"]["shopMoney"],
        json!({"amount": "35.98", "currencyCode": "USD"})
    );
    assert_eq!(o["subtotalPriceSet"]["presentmentMoney"]["amount"], "35.98");
    assert_eq!(o["totalShippingPriceSet"]["shopMoney"]["amount"], "5.0");
    assert_eq!(o["totalTaxSet"]["shopMoney"]["amount"], "3.2");
    assert_eq!(o["totalDiscountsSet"]["shopMoney"]["amount"], "4.0");
    assert_eq!(o["totalPriceSet"]["shopMoney"]["amount"], "44.18");
    assert_eq!(o["discountCode"], "TIKTOK-SELLER");
    assert_eq!(o["discountCodes"], json!(["TIKTOK-SELLER"]));
    assert_eq!(o["displayFinancialStatus"], "PAID");
    assert_eq!(o["shippingLines"]["nodes"][0]["title"], "Standard");
    assert_eq!(
        o["shippingLines"]["nodes"][0]["originalPriceSet"]["shopMoney"]["amount"],
        "5.0"
    );
    assert_eq!(o["taxLines"][0]["rate"], 0.08);
    assert_eq!(o["taxLines"][0]["priceSet"]["shopMoney"]["amount"], "3.2");

    // The typed control view.
    let orders = control.shopify_store_orders().await.unwrap();
    let s = orders.iter().find(|o| o.name == "TT-576123").unwrap();
    assert_eq!(s.id, p["order"]["id"].as_str().unwrap());
    assert_eq!(
        s.legacy_id.to_string(),
        p["order"]["legacyResourceId"].as_str().unwrap()
    );
    assert_eq!(s.tags, ["TikTokShop"]);
    assert_eq!(s.note.as_deref(), Some("TikTok Shop order 576123"));
    assert_eq!(s.source_name.as_deref(), Some("tiktok_shop"));
    assert_eq!(s.source_identifier.as_deref(), Some("576123"));
    assert_eq!(
        s.custom_attributes,
        [("tiktok_order_id".to_string(), "576123".to_string())]
    );
    assert_eq!(
        (
            s.subtotal.as_str(),
            s.shipping_total.as_str(),
            s.tax_total.as_str()
        ),
        ("35.98", "5.00", "3.20")
    );
    assert_eq!(
        (s.discount_total.as_str(), s.total.as_str()),
        ("4.00", "44.18")
    );
    assert_eq!(s.inventory_behaviour, "DECREMENT_OBEYING_POLICY");
    assert_eq!(s.line_items[0].sku.as_deref(), Some(sku.as_str()));
    assert_eq!(
        s.line_items[0].variant_id.as_ref(),
        v.as_str().map(str::to_string).as_ref()
    );
    assert_eq!(
        (s.line_items[0].quantity, s.line_items[0].price.as_str()),
        (2, "19.99")
    );
    assert!(!s.cancelled && s.fulfillments.is_empty());
    // Existing REST keys are still there for untyped callers.
    let raw = control.shopify_orders().await.unwrap();
    assert!(
        raw.iter()
            .any(|o| o["name"] == "TT-576123" && o["total_discounts"] == "4.00")
    );

    // The custom name must be unique.
    let p = create(
        &shop,
        vec![line(&v, 1)],
        json!({"name": "TT-576123"}),
        "BYPASS",
    )
    .await;
    assert_eq!(p["order"], Value::Null);
    assert_eq!(p["userErrors"][0]["field"], json!(["order", "name"]), "{p}");

    // Percentage and free-shipping codes.
    let p = create(
        &shop,
        vec![line(&v, 1)],
        json!({"discountCode": {"itemPercentageDiscountCode": {"code": "TEN", "percentage": 10.0}},
               "shippingLines": [{"title": "Std", "priceSet": usd("2.50")}]}),
        "BYPASS",
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let p2 = create(
        &shop,
        vec![line(&v, 1)],
        json!({"discountCode": {"freeShippingDiscountCode": {"code": "SHIPFREE"}},
               "shippingLines": [{"title": "Std", "priceSet": usd("2.50")}]}),
        "BYPASS",
    )
    .await;
    assert_eq!(p2["userErrors"], json!([]), "{p2}");
    let orders = control.shopify_store_orders().await.unwrap();
    let ten = orders
        .iter()
        .find(|o| o.name == p["order"]["name"])
        .unwrap();
    assert_eq!(
        (ten.discount_total.as_str(), ten.total.as_str()),
        ("2.00", "20.49")
    );
    let free = orders
        .iter()
        .find(|o| o.name == p2["order"]["name"])
        .unwrap();
    assert_eq!(
        (free.discount_total.as_str(), free.total.as_str()),
        ("2.50", "19.99")
    );
    assert_eq!(free.shipping_total, "2.50");
}

#[tokio::test]
async fn order_create_rejects_bad_money_lines_and_discount_codes() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let (v, _, _) = variant(&shop, 0).await;
    let eur = json!({"shopMoney": {"amount": "5.00", "currencyCode": "EUR"}});
    let cases = [
        (
            json!({"shippingLines": [{"title": "Std", "priceSet": eur}]}),
            json!(["order", "shippingLines", "0", "priceSet"]),
        ),
        (
            json!({"shippingLines": [{"title": " ", "priceSet": usd("1.00")}]}),
            json!(["order", "shippingLines", "0", "title"]),
        ),
        (
            json!({"taxLines": [{"title": "VAT", "rate": "0.2", "priceSet": eur}]}),
            json!(["order", "taxLines", "0", "priceSet"]),
        ),
        (
            json!({"taxLines": [{"title": "VAT", "rate": "20"}]}),
            json!(["order", "taxLines", "0", "rate"]),
        ),
        (
            json!({"discountCode": {"itemFixedDiscountCode": {"code": "A", "amountSet": usd("1.00")},
                                    "freeShippingDiscountCode": {"code": "B"}}}),
            json!(["order", "discountCode"]),
        ),
        (
            json!({"discountCode": {}}),
            json!(["order", "discountCode"]),
        ),
        (
            json!({"discountCode": {"itemFixedDiscountCode": {"code": "A", "amountSet": eur}}}),
            json!([
                "order",
                "discountCode",
                "itemFixedDiscountCode",
                "amountSet"
            ]),
        ),
        (
            json!({"discountCode": {"itemPercentageDiscountCode": {"code": "A", "percentage": 120.0}}}),
            json!([
                "order",
                "discountCode",
                "itemPercentageDiscountCode",
                "percentage"
            ]),
        ),
    ];
    for (extra, field) in cases {
        let p = create(&shop, vec![line(&v, 1)], extra.clone(), "BYPASS").await;
        assert_eq!(p["order"], Value::Null, "{extra}: {p}");
        assert_eq!(p["userErrors"][0]["field"], field, "{extra}: {p}");
    }
    // A shipping line without its required title is a GraphQL validation error.
    let v2 = shop
        .gql(
            ORDER_CREATE,
            json!({"order": {"lineItems": [line(&v, 1)], "shippingLines": [{"priceSet": usd("1.00")}]}}),
        )
        .await;
    assert!(v2["errors"].is_array(), "{v2}");
}

#[tokio::test]
async fn inventory_behaviours_deny_policy_and_deleted_variants() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(0).await;
    shop.subscribe("PRODUCTS_DELETE", &rx.url).await;
    // Variant 1 (DENY policy): one left at the location that fulfils online orders.
    let (v, sku, _) = variant(&shop, 1).await;
    control.shopify_set_inventory(&sku, 1).await.unwrap();
    let base = available(&shop, &v).await;

    let p = create(&shop, vec![line(&v, 2)], json!({}), "BYPASS").await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(available(&shop, &v).await, base, "BYPASS leaves stock");

    let p = create(
        &shop,
        vec![line(&v, 2)],
        json!({}),
        "DECREMENT_OBEYING_POLICY",
    )
    .await;
    assert_eq!(p["order"], Value::Null);
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["order", "lineItems", "0"]),
        "{p}"
    );
    assert_eq!(p["userErrors"][0]["code"], "INSUFFICIENT_INVENTORY");
    assert_eq!(
        available(&shop, &v).await,
        base,
        "refused orders claim nothing"
    );

    let p = create(
        &shop,
        vec![line(&v, 2)],
        json!({}),
        "DECREMENT_IGNORING_POLICY",
    )
    .await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(available(&shop, &v).await, base - 2, "deducted below zero");
    let orders = control.shopify_store_orders().await.unwrap();
    assert_eq!(orders[0].inventory_behaviour, "BYPASS");
    assert_eq!(orders[1].inventory_behaviour, "DECREMENT_IGNORING_POLICY");

    // Delete the product: products/delete fires and its variants are gone.
    let products = control.shopify_products().await.unwrap();
    let product = products
        .iter()
        .find(|p| {
            p["variants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["sku"] == sku.as_str())
        })
        .unwrap();
    let legacy = product["id"].as_u64().unwrap();
    control.shopify_delete_product(legacy).await.unwrap();
    let hit = rx
        .wait_for("products/delete", |h| {
            h.header("x-shopify-topic") == "products/delete"
        })
        .await;
    assert_eq!(hit.json(), json!({"id": legacy}));
    assert!(control.shopify_delete_product(legacy).await.is_err());
    let d = shop
        .data(
            "query($id: ID!) { productVariant(id: $id) { id } }",
            json!({"id": v}),
        )
        .await;
    assert_eq!(d["productVariant"], Value::Null);
    let (other, _, _) = variant(&shop, 0).await;
    let p = create(
        &shop,
        vec![line(&other, 1), line(&v, 1)],
        json!({}),
        "BYPASS",
    )
    .await;
    assert_eq!(p["order"], Value::Null);
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["order", "lineItems", "1", "variantId"])
    );
    assert_eq!(p["userErrors"][0]["code"], "PRODUCT_VARIANT_NOT_FOUND");
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
}

const FULFILLMENT_ORDERS: &str = "query($id: ID!, $closed: Boolean) { order(id: $id) {
  fulfillmentOrders(first: 5, includeClosed: $closed) { nodes { id status
    lineItems(first: 10) { nodes { id remainingQuantity lineItem { id sku variant { id } } } } } } } }";

#[tokio::test]
async fn fulfilment_orders_fulfilment_and_events() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(0).await;
    shop.subscribe("FULFILLMENTS_UPDATE", &rx.url).await;
    let (v, sku, _) = variant(&shop, 0).await;
    let p = create(
        &shop,
        vec![line(&v, 3)],
        json!({}),
        "DECREMENT_OBEYING_POLICY",
    )
    .await;
    let order_id = p["order"]["id"].clone();

    let d = shop.data(FULFILLMENT_ORDERS, json!({"id": order_id})).await;
    let fo = d["order"]["fulfillmentOrders"]["nodes"][0].clone();
    assert_eq!(fo["status"], "OPEN");
    let foli = &fo["lineItems"]["nodes"][0];
    assert_eq!(foli["remainingQuantity"], 3);
    assert_eq!(foli["lineItem"]["sku"], sku.as_str());
    assert_eq!(foli["lineItem"]["variant"]["id"], v);

    let create_f = "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
        fulfillment { id status displayStatus trackingInfo { company number } } userErrors { field message } } }";
    let f1 = shop
        .data(create_f, json!({"f": {
            "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": foli["id"], "quantity": 2}]}],
            "trackingInfo": {"company": "UPS", "number": "1Z999AA10123456784"}, "notifyCustomer": false}}))
        .await;
    assert_eq!(f1["fulfillmentCreate"]["userErrors"], json!([]), "{f1}");
    let fulfillment = f1["fulfillmentCreate"]["fulfillment"].clone();
    assert_eq!(fulfillment["displayStatus"], "FULFILLED");
    let d = shop.data(FULFILLMENT_ORDERS, json!({"id": order_id})).await;
    let fo_now = &d["order"]["fulfillmentOrders"]["nodes"][0];
    assert_eq!(fo_now["status"], "IN_PROGRESS");
    assert_eq!(fo_now["lineItems"]["nodes"][0]["remainingQuantity"], 1);

    // The rest (no line items = all remaining); the fulfilment order closes.
    let f2 = shop
        .data(
            create_f,
            json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}],
            "trackingInfo": {"company": "UPS", "number": "1Z999AA10123456785"}}}),
        )
        .await;
    assert_eq!(f2["fulfillmentCreate"]["userErrors"], json!([]), "{f2}");
    let d = shop.data(FULFILLMENT_ORDERS, json!({"id": order_id})).await;
    assert_eq!(
        d["order"]["fulfillmentOrders"]["nodes"],
        json!([]),
        "closed ones are hidden"
    );
    let d = shop
        .data(FULFILLMENT_ORDERS, json!({"id": order_id, "closed": true}))
        .await;
    assert_eq!(
        d["order"]["fulfillmentOrders"]["nodes"][0]["status"],
        "CLOSED"
    );
    let again = shop
        .data(
            create_f,
            json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}),
        )
        .await;
    assert_eq!(again["fulfillmentCreate"]["fulfillment"], Value::Null);
    assert_ne!(again["fulfillmentCreate"]["userErrors"], json!([]));

    // Events: displayStatus follows the latest one; fulfillments/update fires.
    let event =
        "mutation($e: FulfillmentEventInput!) { fulfillmentEventCreate(fulfillmentEvent: $e) {
        fulfillmentEvent { id status happenedAt } userErrors { field message } } }";
    let e1 = shop
        .data(
            event,
            json!({"e": {"fulfillmentId": fulfillment["id"], "status": "IN_TRANSIT",
            "message": "Picked up", "happenedAt": "2026-01-02T10:00:00Z"}}),
        )
        .await;
    assert_eq!(
        e1["fulfillmentEventCreate"]["userErrors"],
        json!([]),
        "{e1}"
    );
    assert_eq!(
        e1["fulfillmentEventCreate"]["fulfillmentEvent"]["status"],
        "IN_TRANSIT"
    );
    assert_eq!(
        e1["fulfillmentEventCreate"]["fulfillmentEvent"]["happenedAt"],
        "2026-01-02T10:00:00Z"
    );
    let hit = rx
        .wait_for("fulfillments/update", |h| {
            h.json()["shipment_status"] == "in_transit"
        })
        .await;
    assert_eq!(hit.json()["tracking_number"], "1Z999AA10123456784");
    shop.data(
        event,
        json!({"e": {"fulfillmentId": fulfillment["id"], "status": "DELIVERED",
        "happenedAt": "2026-01-04T10:00:00Z"}}),
    )
    .await;
    // An older event arriving late does not move the display status back.
    shop.data(
        event,
        json!({"e": {"fulfillmentId": fulfillment["id"], "status": "OUT_FOR_DELIVERY",
        "happenedAt": "2026-01-03T10:00:00Z"}}),
    )
    .await;
    let d = shop
        .data(
            "query($id: ID!) { fulfillment(id: $id) { displayStatus deliveredAt events(first: 10) { nodes { status message } } } }",
            json!({"id": fulfillment["id"]}),
        )
        .await;
    let f = &d["fulfillment"];
    assert_eq!(f["displayStatus"], "DELIVERED");
    assert_eq!(f["deliveredAt"], "2026-01-04T10:00:00Z");
    let statuses: Vec<&Value> = f["events"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["status"])
        .collect();
    assert_eq!(
        statuses,
        [
            &json!("IN_TRANSIT"),
            &json!("OUT_FOR_DELIVERY"),
            &json!("DELIVERED")
        ]
    );

    let bad = shop
        .data(
            event,
            json!({"e": {"fulfillmentId": "gid://shopify/Fulfillment/1", "status": "DELIVERED"}}),
        )
        .await;
    assert_eq!(
        bad["fulfillmentEventCreate"]["fulfillmentEvent"],
        Value::Null
    );
    assert_eq!(
        bad["fulfillmentEventCreate"]["userErrors"][0]["field"],
        json!(["fulfillmentEvent", "fulfillmentId"])
    );
    let v2 = shop
        .gql(
            event,
            json!({"e": {"fulfillmentId": fulfillment["id"], "status": "LOST"}}),
        )
        .await;
    assert!(v2["errors"].is_array(), "unknown status is invalid: {v2}");

    let orders = control.shopify_store_orders().await.unwrap();
    let s = &orders[0];
    assert_eq!(s.fulfillment_status, "FULFILLED");
    assert_eq!(s.fulfillments.len(), 2);
    assert_eq!(s.fulfillments[0].display_status, "DELIVERED");
    assert_eq!(s.fulfillments[0].tracking_company.as_deref(), Some("UPS"));
    assert_eq!(
        s.fulfillments[0].tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(s.fulfillments[1].display_status, "FULFILLED");
    assert_eq!(s.line_items[0].fulfilled_quantity, 3);
}

async fn cancel(shop: &Shopify, id: &Value, restock: bool) -> Value {
    shop.data(
        "mutation($id: ID!, $restock: Boolean!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: $restock, refundMethod: {originalPaymentMethodsRefund: true}) { job { id done } orderCancelUserErrors { field message code } userErrors { field message } } }",
        json!({"id": id, "restock": restock}),
    )
    .await["orderCancel"]
        .clone()
}

#[tokio::test]
async fn order_cancel_restock_and_fulfilled_orders() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(0).await;
    shop.subscribe("ORDERS_CANCELLED", &rx.url).await;
    let (v, _, start) = variant(&shop, 0).await;

    let a = create(
        &shop,
        vec![line(&v, 2)],
        json!({}),
        "DECREMENT_OBEYING_POLICY",
    )
    .await;
    let b = create(
        &shop,
        vec![line(&v, 1)],
        json!({}),
        "DECREMENT_OBEYING_POLICY",
    )
    .await;
    assert_eq!(available(&shop, &v).await, start - 3);
    let ca = cancel(&shop, &a["order"]["id"], true).await;
    assert_eq!(ca["orderCancelUserErrors"], json!([]), "{ca}");
    let cb = cancel(&shop, &b["order"]["id"], false).await;
    assert_eq!(cb["orderCancelUserErrors"], json!([]), "{cb}");
    for o in [&a, &b] {
        let id = o["order"]["id"].as_str().unwrap().to_string();
        rx.wait_for("orders/cancelled", |h| {
            h.header("x-shopify-topic") == "orders/cancelled"
                && h.json()["admin_graphql_api_id"] == id.as_str()
        })
        .await;
    }
    // Restocked: 2 back; not restocked: the unit stays gone.
    assert_eq!(available(&shop, &v).await, start - 1);
    let d = shop
        .data(
            "query($id: ID!) { order(id: $id) { cancelledAt cancelReason displayFulfillmentStatus } }",
            json!({"id": a["order"]["id"]}),
        )
        .await;
    assert!(d["order"]["cancelledAt"].is_string());
    assert_eq!(d["order"]["cancelReason"], "CUSTOMER");
    let orders = control.shopify_store_orders().await.unwrap();
    assert!(orders[0].cancelled && orders[1].cancelled);
    assert_eq!(orders[0].cancel_reason.as_deref(), Some("CUSTOMER"));
    assert!(orders[0].cancelled_at.is_some());

    // Cancelling twice, and cancelling a fulfilled order, are orderCancelUserErrors.
    let again = cancel(&shop, &a["order"]["id"], true).await;
    assert_eq!(again["job"], Value::Null);
    assert_eq!(again["orderCancelUserErrors"][0]["code"], "INVALID");
    let c = create(&shop, vec![line(&v, 1)], json!({}), "BYPASS").await;
    let legacy = c["order"]["legacyResourceId"].as_str().unwrap();
    control
        .shopify_fulfill(legacy, "9400111899224", "USPS", None)
        .await
        .unwrap();
    let cc = cancel(&shop, &c["order"]["id"], true).await;
    assert_eq!(cc["job"], Value::Null);
    assert_eq!(cc["orderCancelUserErrors"][0]["field"], json!(["orderId"]));
    assert_eq!(cc["orderCancelUserErrors"][0]["code"], "INVALID");
    assert!(
        cc["orderCancelUserErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fulfillments")
    );
    assert_eq!(cc["userErrors"][0]["field"], json!(["orderId"]));
}

#[tokio::test]
async fn shopify_webhook_modes_keep_the_webhook_id() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(0).await;
    shop.subscribe("ORDERS_CREATE", &rx.url).await;
    let (v, _, _) = variant(&shop, 0).await;

    control
        .shopify_webhook_mode(WebhookMode::Duplicate)
        .await
        .unwrap();
    create(&shop, vec![line(&v, 1)], json!({"name": "A"}), "BYPASS").await;
    common::eventually("two deliveries", || async {
        (rx.hits.lock().unwrap().len() == 2).then_some(())
    })
    .await;
    let hits = rx.hits.lock().unwrap().clone();
    assert_eq!(
        hits[0].header("x-shopify-webhook-id"),
        hits[1].header("x-shopify-webhook-id")
    );
    assert_eq!(hits[0].body, hits[1].body);
    assert!(common::shopify_webhook_valid(&shop.creds, &hits[1]));

    control
        .shopify_webhook_mode(WebhookMode::Drop)
        .await
        .unwrap();
    create(&shop, vec![line(&v, 1)], json!({"name": "B"}), "BYPASS").await;
    let deliveries = control.shopify_webhook_deliveries().await.unwrap();
    assert!(
        deliveries
            .iter()
            .any(|d| d.dropped && d.body["name"] == "B")
    );

    control
        .shopify_webhook_mode(WebhookMode::Reverse)
        .await
        .unwrap();
    create(&shop, vec![line(&v, 1)], json!({"name": "C"}), "BYPASS").await;
    create(&shop, vec![line(&v, 1)], json!({"name": "D"}), "BYPASS").await;
    assert_eq!(control.shopify_webhooks_flush().await.unwrap(), 2);
    common::eventually("flushed", || async {
        (rx.hits.lock().unwrap().len() == 4).then_some(())
    })
    .await;
    let names: Vec<Value> = rx.hits.lock().unwrap()[2..]
        .iter()
        .map(|h| h.json()["name"].clone())
        .collect();
    assert_eq!(names, [json!("D"), json!("C")]);
    control
        .shopify_webhook_mode(WebhookMode::Normal)
        .await
        .unwrap();
}

/// Paging orders by update time while one already read is updated (shipped) neither skips the
/// rest nor ends early: Shopify's cursors resume after the last sort value, not a position.
#[tokio::test]
async fn orders_paged_by_update_time_survive_updates_between_pages() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let (v, _, _) = variant(&shop, 0).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let created = create(&shop, vec![line(&v, 1)], json!({}), "BYPASS").await;
        ids.push(created["order"]["id"].as_str().unwrap().to_string());
    }
    const PAGE: &str = "query($after: String) {
  orders(first: 2, after: $after, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id }
  }
}";
    let first = shop.data(PAGE, json!({"after": null})).await;
    let read: Vec<String> = first["orders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(read, ids[..2]);
    // The last order of the page is shipped (updated) before the next page is asked for.
    let legacy = ids[1].rsplit('/').next().unwrap().to_string();
    control
        .shopify_fulfill(&legacy, "1Z999AA10123456784", "UPS", None)
        .await
        .unwrap();
    let cursor = first["orders"]["pageInfo"]["endCursor"].clone();
    let second = shop.data(PAGE, json!({"after": cursor})).await;
    let rest: Vec<String> = second["orders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rest, ids[2..], "{second}");
    assert_eq!(
        second["orders"]["pageInfo"]["hasNextPage"], true,
        "{second}"
    );
}
