//! Shopify: auth, GraphQL errors, cost and throttling, orders, fulfilment, inventory, webhooks.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{Shopify, receiver, sandbox, shopify_webhook_valid};
use feedbridge_sandbox::control::{ControlClient, FulfillLine};
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig};
use serde_json::{Value, json};

const ORDER_CREATE: &str =
    "mutation OrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id legacyResourceId name displayFinancialStatus displayFulfillmentStatus createdAt }
    userErrors { field message }
  }
}";

fn order_input(variant_id: &Value, tiktok_id: &str, qty: i64) -> Value {
    json!({
        "lineItems": [{"variantId": variant_id, "quantity": qty, "priceSet": {"shopMoney": {"amount": "19.99", "currencyCode": "USD"}}}],
        "financialStatus": "PAID",
        "currency": "USD",
        "email": "buyer@example.invalid",
        "shippingAddress": {"firstName": "A", "lastName": "B", "address1": "1 Main St", "city": "Austin", "provinceCode": "TX", "countryCode": "US", "zip": "78701"},
        "tags": ["TikTokShop", format!("tiktok-order-{tiktok_id}")],
        "note": format!("TikTok Shop order {tiktok_id}"),
        "sourceName": "tiktok_shop",
        "sourceIdentifier": tiktok_id,
        "customAttributes": [{"key": "tiktok_order_id", "value": tiktok_id}],
    })
}

async fn create_order(shop: &Shopify, tiktok_id: &str) -> Value {
    let variant = shop.first_variant().await;
    let d = shop.data(ORDER_CREATE, json!({"order": order_input(&variant["id"], tiktok_id, 1), "options": {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY", "sendReceipt": false}})).await;
    assert_eq!(d["orderCreate"]["userErrors"], json!([]), "{d}");
    d["orderCreate"]["order"].clone()
}

#[tokio::test]
async fn missing_or_wrong_token_is_401() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    for token in [None, Some("shpat_wrong")] {
        let (status, _, v) = shop.raw(token, json!({"query": "{ shop { name } }"})).await;
        assert_eq!(status, 401);
        assert_eq!(
            v,
            json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})
        );
    }
}

#[tokio::test]
async fn version_is_checked_and_echoed() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mut shop = Shopify::new(&sb);
    let (status, headers, v) = shop
        .raw(
            Some(&shop.creds.shopify_access_token.clone()),
            json!({"query": "{ shop { name currencyCode } }"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-shopify-api-version"], "2026-07");
    assert_eq!(
        v["data"]["shop"],
        json!({"name": "Feedbridge Demo", "currencyCode": "USD"})
    );
    shop.version = "2026-13".into();
    let (status, _, _) = shop
        .raw(
            Some(&shop.creds.shopify_access_token.clone()),
            json!({"query": "{ shop { name } }"}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn syntax_and_validation_errors() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let v = shop.gql("{ shop { name }", json!({})).await;
    assert!(v["data"].is_null());
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Parse error"),
        "{v}"
    );
    assert!(v["errors"][0]["locations"][0]["line"].is_u64());

    let v = shop
        .gql(
            "{ product(id: \"gid://shopify/Product/1\") { id titel } }",
            json!({}),
        )
        .await;
    let e = &v["errors"][0];
    assert_eq!(e["extensions"]["code"], "undefinedField", "{v}");
    assert_eq!(e["extensions"]["typeName"], "Product");
    assert_eq!(e["extensions"]["fieldName"], "titel");
    assert_eq!(
        e["message"],
        "Field 'titel' doesn't exist on type 'Product'"
    );
    assert!(v.get("data").is_none());

    let v = shop.gql("{ product { id } }", json!({})).await;
    assert_eq!(
        v["errors"][0]["extensions"]["code"],
        "missingRequiredArguments"
    );
    let v = shop
        .gql("{ products(frist: 5) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(v["errors"][0]["extensions"]["code"], "argumentNotAccepted");
    let v = shop.gql("{ products(first: 5) }", json!({})).await;
    assert_eq!(v["errors"][0]["extensions"]["code"], "selectionMismatch");
    let v = shop
        .gql("query($n: Int!) { shop { name } }", json!({"n": 1}))
        .await;
    assert_eq!(v["errors"][0]["extensions"]["code"], "variableNotUsed");
    let v = shop
        .gql(
            "{ products(first: 1) { nodes { ... on Order { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(v["errors"][0]["extensions"]["code"], "cannotSpreadFragment");

    // Input objects are validated against the schema.
    let v = shop.gql(ORDER_CREATE, json!({"order": {"lineItems": [{"variant": "gid://shopify/ProductVariant/1", "quantity": 1}]}})).await;
    let e = &v["errors"][0];
    assert_eq!(e["extensions"]["code"], "INVALID_VARIABLE", "{v}");
    assert_eq!(
        e["extensions"]["problems"][0]["path"],
        json!(["lineItems", 0, "variant"])
    );
    let v = shop
        .gql(ORDER_CREATE, json!({"order": {"currency": "usd"}}))
        .await;
    assert_eq!(v["errors"][0]["extensions"]["code"], "INVALID_VARIABLE");

    // Connections need first or last.
    let v = shop.gql("{ products { nodes { id } } }", json!({})).await;
    assert_eq!(
        v["errors"][0]["message"],
        "you must provide one of first or last"
    );
    assert_eq!(v["data"]["products"], Value::Null);
}

#[tokio::test]
async fn cost_extension_and_projection_of_aliases_fragments_and_edges() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let q = "query Catalog($after: String) {
      products(first: 2, after: $after, sortKey: ID) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { ...P } }
      }
    }
    fragment P on Product {
      gid: id
      title
      status
      media(first: 3) { nodes { __typename ... on MediaImage { image { url } } } }
      variants(first: 3) { nodes { sku price inventoryItem { tracked } } }
    }";
    let v = shop.gql(q, json!({})).await;
    let cost = &v["extensions"]["cost"];
    assert!(cost["requestedQueryCost"].as_u64().unwrap() > 0);
    assert!(
        cost["actualQueryCost"].as_u64().unwrap() <= cost["requestedQueryCost"].as_u64().unwrap()
    );
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 1000.0);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 100.0);
    let conn = &v["data"]["products"];
    let first = &conn["edges"][0]["node"];
    assert!(
        first["gid"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/Product/")
    );
    assert!(
        first.get("id").is_none(),
        "only what was asked for: {first}"
    );
    assert_eq!(first["media"]["nodes"][0]["__typename"], "MediaImage");
    let url = first["media"]["nodes"][0]["image"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);

    // The image URL is served by the sandbox.
    let img = reqwest::get(&url).await.unwrap();
    assert_eq!(img.headers()["content-type"], "image/png");
    assert!(img.bytes().await.unwrap().starts_with(b"\x89PNG"));

    // Cursor pagination walks all products exactly once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = shop.data(q, json!({"after": after})).await;
        for e in d["products"]["edges"].as_array().unwrap() {
            seen.push(e["node"]["gid"].as_str().unwrap().to_string());
        }
        if d["products"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = d["products"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 6);
    seen.dedup();
    assert_eq!(seen.len(), 6);
}

#[tokio::test]
async fn max_cost_and_throttling() {
    let sb = sandbox(SandboxConfig {
        shopify_bucket: 100.0,
        shopify_restore_rate: 1.0,
        ..SandboxConfig::default()
    })
    .await;
    let shop = Shopify::new(&sb);
    let huge = "{ products(first: 250) { nodes { variants(first: 100) { nodes { id } } } } }";
    let v = shop.gql(huge, json!({})).await;
    assert_eq!(
        v["errors"][0]["extensions"]["code"], "MAX_COST_EXCEEDED",
        "{v}"
    );

    // Requested 32, actual 2 + 6 products = 8: the difference is refunded each time.
    let q = "{ products(first: 30) { nodes { id title } } }";
    let v = shop.gql(q, json!({})).await;
    assert_eq!(v["extensions"]["cost"]["requestedQueryCost"], 32);
    assert_eq!(v["extensions"]["cost"]["actualQueryCost"], 8);
    let mut throttled = None;
    for _ in 0..20 {
        let v = shop.gql(q, json!({})).await;
        if v["errors"][0]["extensions"]["code"] == "THROTTLED" {
            throttled = Some(v);
            break;
        }
        assert!(v["data"]["products"]["nodes"].is_array());
    }
    let v = throttled.expect("bucket of 100 drains within a few 32-point queries");
    assert_eq!(v["errors"][0]["message"], "Throttled");
    assert!(v.get("data").is_none());
    let cost = &v["extensions"]["cost"];
    assert_eq!(cost["actualQueryCost"], Value::Null);
    assert_eq!(cost["requestedQueryCost"], 32);
    assert!(
        cost["throttleStatus"]["currentlyAvailable"]
            .as_i64()
            .unwrap()
            < 32
    );
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 100.0);
}

#[tokio::test]
async fn order_create_tag_search_and_details() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let before = shop.first_variant().await;
    let order = create_order(&shop, "576123456789").await;
    assert_eq!(order["name"], "#1001");
    assert_eq!(order["displayFinancialStatus"], "PAID");
    assert_eq!(order["displayFulfillmentStatus"], "UNFULFILLED");
    create_order(&shop, "576000000001").await;

    for q in [
        "tag:'tiktok-order-576123456789'",
        "tag:tiktok-order-576123456789",
    ] {
        let d = shop
            .data("query($q: String) { orders(first: 5, query: $q) { nodes { id name tags note sourceName sourceIdentifier customAttributes { key value } lineItems(first: 5) { nodes { id sku quantity variant { id } } } } } }", json!({"q": q}))
            .await;
        let nodes = d["orders"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 1, "{q}: {d}");
        let o = &nodes[0];
        assert_eq!(o["id"], order["id"]);
        assert_eq!(
            o["tags"],
            json!(["TikTokShop", "tiktok-order-576123456789"])
        );
        assert_eq!(o["sourceName"], "tiktok_shop");
        assert_eq!(o["sourceIdentifier"], "576123456789");
        assert_eq!(
            o["customAttributes"],
            json!([{"key": "tiktok_order_id", "value": "576123456789"}])
        );
        assert_eq!(o["lineItems"]["nodes"][0]["variant"]["id"], before["id"]);
    }
    // DECREMENT_OBEYING_POLICY claimed stock.
    let after = shop.first_variant().await;
    assert_eq!(
        after["inventoryQuantity"].as_i64().unwrap(),
        before["inventoryQuantity"].as_i64().unwrap() - 2
    );

    let d = shop.data("mutation($id: ID!) { tagsAdd(id: $id, tags: [\"synced\"]) { node { id ... on Order { tags } } userErrors { field message } } }", json!({"id": order["id"]})).await;
    assert_eq!(
        d["tagsAdd"]["node"]["tags"],
        json!(["TikTokShop", "tiktok-order-576123456789", "synced"])
    );

    // Updated-at search.
    let d = shop
        .data(
            "{ orders(first: 10, query: \"updated_at:>'2020-01-01T00:00:00Z'\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["orders"]["nodes"].as_array().unwrap().len(), 2);
    let d = shop
        .data(
            "{ orders(first: 10, query: \"updated_at:>'2999-01-01T00:00:00Z'\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["orders"]["nodes"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn order_create_user_errors() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let variant = shop.first_variant().await;
    let mut input = order_input(&json!("gid://shopify/ProductVariant/1"), "1", 1);
    let d = shop.data(ORDER_CREATE, json!({"order": input})).await;
    assert_eq!(d["orderCreate"]["order"], Value::Null);
    assert_eq!(
        d["orderCreate"]["userErrors"][0]["field"],
        json!(["order", "lineItems", "0", "variantId"])
    );

    input = order_input(&variant["id"], "2", 1);
    input["currency"] = json!("EUR");
    let d = shop.data(ORDER_CREATE, json!({"order": input})).await;
    assert_eq!(
        d["orderCreate"]["userErrors"][0]["field"],
        json!(["order", "currency"])
    );

    let too_many = variant["inventoryQuantity"].as_i64().unwrap() + 100;
    let input = order_input(&variant["id"], "3", too_many);
    let d = shop.data(ORDER_CREATE, json!({"order": input.clone(), "options": {"inventoryBehaviour": "DECREMENT_OBEYING_POLICY"}})).await;
    assert_eq!(
        d["orderCreate"]["order"],
        Value::Null,
        "DENY policy + insufficient stock: {d}"
    );
    assert!(
        d["orderCreate"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("inventory")
    );
    // BYPASS (the default) does not check stock.
    let d = shop.data(ORDER_CREATE, json!({"order": input})).await;
    assert_eq!(d["orderCreate"]["userErrors"], json!([]));
}

#[tokio::test]
async fn fulfil_via_control_shows_tracking_info_and_fires_webhook() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let rx = receiver(0).await;
    shop.subscribe("FULFILLMENTS_CREATE", &rx.url).await;
    let order = create_order(&shop, "777").await;
    let control = ControlClient::for_sandbox(&sb);
    let legacy = order["legacyResourceId"].as_str().unwrap();
    let sku = shop.first_variant().await["sku"]
        .as_str()
        .unwrap()
        .to_string();
    control
        .shopify_fulfill(
            legacy,
            "1Z001985YW99744790",
            "UPS",
            Some(&[FulfillLine { sku, quantity: 1 }]),
        )
        .await
        .unwrap();
    let d = shop
        .data(
            "query($id: ID!) { order(id: $id) { displayFulfillmentStatus fulfillments(first: 20) { id status createdAt updatedAt trackingInfo(first: 10) { company number url } fulfillmentLineItems(first: 50) { nodes { quantity lineItem { id sku } } } } } }",
            json!({"id": order["id"]}),
        )
        .await;
    let o = &d["order"];
    assert_eq!(o["displayFulfillmentStatus"], "FULFILLED");
    let f = &o["fulfillments"][0];
    assert_eq!(f["status"], "SUCCESS");
    assert_eq!(f["trackingInfo"][0]["company"], "UPS");
    assert_eq!(f["trackingInfo"][0]["number"], "1Z001985YW99744790");
    assert!(
        f["trackingInfo"][0]["url"]
            .as_str()
            .unwrap()
            .contains("1Z001985YW99744790")
    );
    assert_eq!(f["fulfillmentLineItems"]["nodes"][0]["quantity"], 1);

    let hit = rx
        .wait_for("fulfillments/create", |h| {
            h.header("x-shopify-topic") == "fulfillments/create"
        })
        .await;
    assert!(shopify_webhook_valid(&shop.creds, &hit));
    assert_eq!(hit.json()["tracking_number"], "1Z001985YW99744790");
    assert_eq!(hit.json()["order_id"].to_string(), legacy);
    assert_eq!(
        hit.header("x-shopify-shop-domain"),
        "feedbridge-demo.myshopify.com"
    );

    // A fulfilled order can't be cancelled.
    let d = shop
        .data("mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true) { job { id } orderCancelUserErrors { field message code } } }", json!({"id": order["id"]}))
        .await;
    assert_eq!(
        d["orderCancel"]["orderCancelUserErrors"][0]["code"],
        "INVALID"
    );
}

#[tokio::test]
async fn order_cancel_is_an_async_job_and_fires_orders_cancelled() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let rx = receiver(0).await;
    shop.subscribe("ORDERS_CANCELLED", &rx.url).await;
    let order = create_order(&shop, "888").await;
    let d = shop
        .data("mutation($id: ID!) { orderCancel(orderId: $id, reason: INVENTORY, restock: true, notifyCustomer: false, refundMethod: {originalPaymentMethodsRefund: true}) { job { id done } orderCancelUserErrors { field message code } userErrors { field message } } }", json!({"id": order["id"]}))
        .await;
    assert_eq!(d["orderCancel"]["job"]["done"], false);
    let job = d["orderCancel"]["job"]["id"].clone();
    common::eventually("cancel job", || {
        let shop = &shop;
        let job = job.clone();
        async move {
            let d = shop
                .data(
                    "query($id: ID!) { job(id: $id) { done } }",
                    json!({"id": job}),
                )
                .await;
            (d["job"]["done"] == true).then_some(())
        }
    })
    .await;
    let d = shop
        .data(
            "query($id: ID!) { order(id: $id) { cancelledAt } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert!(d["order"]["cancelledAt"].is_string());
    let hit = rx
        .wait_for("orders/cancelled", |h| {
            h.header("x-shopify-topic") == "orders/cancelled"
        })
        .await;
    assert!(shopify_webhook_valid(&shop.creds, &hit));
    assert_eq!(hit.json()["cancel_reason"], "inventory");
}

#[tokio::test]
async fn inventory_webhook_hmac_and_inventory_set_quantities() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mut shop = Shopify::new(&sb);
    let rx = receiver(0).await;
    shop.subscribe("INVENTORY_LEVELS_UPDATE", &rx.url).await;
    let variant = shop.first_variant().await;
    let sku = variant["sku"].as_str().unwrap();
    let control = ControlClient::for_sandbox(&sb);
    control.shopify_set_inventory(sku, 17).await.unwrap();
    let hit = rx
        .wait_for("inventory_levels/update", |h| h.json()["available"] == 17)
        .await;
    assert!(shopify_webhook_valid(&shop.creds, &hit), "HMAC must verify");
    assert_eq!(hit.header("x-shopify-topic"), "inventory_levels/update");
    assert!(!hit.header("x-shopify-webhook-id").is_empty());
    assert_eq!(hit.header("x-shopify-api-version"), "2026-07");
    let item_legacy = variant["inventoryItem"]["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(hit.json()["inventory_item_id"].to_string(), item_legacy);

    let locations = shop
        .data(
            "{ locations(first: 5) { nodes { id name fulfillsOnlineOrders } } }",
            json!({}),
        )
        .await;
    let main = locations["locations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["fulfillsOnlineOrders"] == true)
        .unwrap()["id"]
        .clone();
    let m = "mutation Set($input: InventorySetQuantitiesInput!, $key: String!) { inventorySetQuantities(input: $input) @idempotent(key: $key) { inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } } userErrors { code field message } } }";
    let input = |q: i64, from: Value| json!({"name": "available", "reason": "correction", "referenceDocumentUri": "gid://feedbridge/SyncJob/1", "quantities": [{"inventoryItemId": variant["inventoryItem"]["id"], "locationId": main, "quantity": q, "changeFromQuantity": from}]});

    // 2026-04+: stale changeFromQuantity is refused, the right one applies.
    shop.version = "2026-04".into();
    let d = shop
        .data(m, json!({"input": input(12, json!(5)), "key": "k1"}))
        .await;
    assert_eq!(
        d["inventorySetQuantities"]["userErrors"][0]["code"],
        "CHANGE_FROM_QUANTITY_STALE"
    );
    let d = shop
        .data(m, json!({"input": input(12, json!(17)), "key": "k2"}))
        .await;
    assert_eq!(d["inventorySetQuantities"]["userErrors"], json!([]), "{d}");
    assert_eq!(
        d["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"][0],
        json!({"name": "available", "delta": -5, "quantityAfterChange": 12})
    );
    // Same key + same input replays without applying twice; different input → mismatch.
    let again = shop
        .data(m, json!({"input": input(12, json!(17)), "key": "k2"}))
        .await;
    assert_eq!(again, d);
    let d = shop
        .data(m, json!({"input": input(11, json!(12)), "key": "k2"}))
        .await;
    assert_eq!(
        d["inventorySetQuantities"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    );
    // Without the directive on 2026-04+: error.
    let no_key = "mutation Set($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }";
    let v = shop
        .gql(no_key, json!({"input": input(12, Value::Null)}))
        .await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("@idempotent"),
        "{v}"
    );
    // changeFromQuantity must be present (null opts out).
    let mut missing = input(12, Value::Null);
    missing["quantities"][0]
        .as_object_mut()
        .unwrap()
        .remove("changeFromQuantity");
    let d = shop.data(m, json!({"input": missing, "key": "k3"})).await;
    assert_eq!(
        d["inventorySetQuantities"]["userErrors"][0]["code"],
        "CHANGE_FROM_QUANTITY_REQUIRED"
    );
    let d = shop
        .data(m, json!({"input": input(9, Value::Null), "key": "k4"}))
        .await;
    assert_eq!(d["inventorySetQuantities"]["userErrors"], json!([]));

    let levels = shop
        .data("query($id: ID!) { inventoryItem(id: $id) { inventoryLevels(first: 5) { nodes { location { id } quantities(names: [\"available\", \"on_hand\"]) { name quantity } } } } }", json!({"id": variant["inventoryItem"]["id"]}))
        .await;
    let level = levels["inventoryItem"]["inventoryLevels"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location"]["id"] == main)
        .unwrap()
        .clone();
    assert_eq!(
        level["quantities"],
        json!([{"name": "available", "quantity": 9}, {"name": "on_hand", "quantity": 9}])
    );
}

/// `InventoryItem.measurement.weight` as Shopify serves it: the merchant's unit and value,
/// or 0 in the shop's unit when no weight was entered.
#[tokio::test]
async fn variant_weights_are_served_as_measurement() {
    let sb = sandbox(SandboxConfig {
        products: 8,
        variants_per_product: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    let shop = Shopify::new(&sb);
    let weight = |sku: &'static str| {
        let shop = &shop;
        async move {
            let query = format!(
                "{{ productVariants(first: 1, query: \"sku:{sku}\") {{ nodes {{ inventoryItem {{ measurement {{ id weight {{ unit value }} }} }} }} }} }}"
            );
            shop.data(&query, json!({})).await["productVariants"]["nodes"][0]["inventoryItem"]
                ["measurement"]
                .clone()
        }
    };
    let tee = weight("TEE-L").await;
    assert!(
        tee["id"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/InventoryItemMeasurement/")
    );
    assert_eq!(tee["weight"], json!({"unit": "GRAMS", "value": 190.0}));
    assert_eq!(
        weight("BEANIE-CHARCOAL").await["weight"],
        json!({"unit": "POUNDS", "value": 0.0})
    );
}

#[tokio::test]
async fn product_queries_by_sku_status_and_updated_at() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let d = shop.data("{ productVariants(first: 5, query: \"sku:TEE-M\") { nodes { sku product { id title descriptionHtml productType vendor tags status updatedAt } selectedOptions { name value } inventoryPolicy compareAtPrice } } }", json!({})).await;
    let nodes = d["productVariants"]["nodes"].as_array().unwrap();
    assert!(nodes.len() <= 1);
    let d = shop.data("{ products(first: 10, query: \"status:active updated_at:>'2000-01-01T00:00:00Z'\") { nodes { id } } }", json!({})).await;
    assert_eq!(d["products"]["nodes"].as_array().unwrap().len(), 6);
    let d = shop.data("{ products(first: 10, query: \"sku:MUG\") { nodes { title variants(first: 3) { nodes { sku } } } } }", json!({})).await;
    for p in d["products"]["nodes"].as_array().unwrap() {
        assert!(
            p["variants"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["sku"] == "MUG")
        );
    }
}

#[tokio::test]
async fn a_lost_answer_is_a_504_for_work_that_was_done() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    control
        .shopify_fault(&Fault {
            path_contains: "orderCreate".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let variant = shop.first_variant().await;
    let (status, _, _) = shop
        .raw(
            Some(&shop.creds.shopify_access_token),
            json!({"query": ORDER_CREATE, "variables": {"order": order_input(&variant["id"], "77", 1)}}),
        )
        .await;
    assert_eq!(status, 504);
    let orders = control.shopify_orders().await.unwrap();
    assert_eq!(orders.len(), 1, "the order was created all the same");
    assert_eq!(orders[0]["source_identifier"], "77");
}

#[tokio::test]
async fn shopify_faults_use_the_throttle_shape_and_are_logged() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    control
        .shopify_fault(&Fault {
            path_contains: "orderCreate".into(),
            kind: FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    control
        .shopify_fault(&Fault {
            path_contains: "graphql.json".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await
        .unwrap();
    let (status, _, v) = shop
        .raw(
            Some(&shop.creds.shopify_access_token),
            json!({"query": "{ shop { name } }"}),
        )
        .await;
    assert_eq!(status, 500, "{v}");
    let variant = shop.first_variant().await;
    let v = shop
        .gql(
            ORDER_CREATE,
            json!({"order": order_input(&variant["id"], "1", 1)}),
        )
        .await;
    assert_eq!(v["errors"][0]["extensions"]["code"], "THROTTLED");
    let calls = control.shopify_calls().await.unwrap();
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![500, 200, 200]
    );
    assert_eq!(calls[2].operation.as_deref(), Some("OrderCreate"));
    assert_eq!(calls[2].code, Some(json!("THROTTLED")));
}

#[tokio::test]
async fn fulfillment_create_mutation_and_tracking_update_webhook() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let rx = receiver(0).await;
    shop.subscribe("FULFILLMENTS_UPDATE", &rx.url).await;
    let order = create_order(&shop, "999").await;
    let d = shop
        .data("query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 5) { nodes { id status lineItems(first: 10) { nodes { id remainingQuantity lineItem { sku } } } } } } }", json!({"id": order["id"]}))
        .await;
    let fo = &d["order"]["fulfillmentOrders"]["nodes"][0];
    assert_eq!(fo["status"], "OPEN");
    let line = &fo["lineItems"]["nodes"][0];
    let m = "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { id status trackingInfo { company number url } } userErrors { field message } } }";
    let bad = shop
        .data(m, json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 5}]}]}}))
        .await;
    assert_eq!(bad["fulfillmentCreate"]["fulfillment"], Value::Null);
    assert!(
        !bad["fulfillmentCreate"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let d = shop
        .data(m, json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}], "trackingInfo": {"company": "USPS", "number": "9400111899223"}, "notifyCustomer": false}}))
        .await;
    let f = &d["fulfillmentCreate"]["fulfillment"];
    assert_eq!(f["status"], "SUCCESS");
    assert!(
        f["trackingInfo"][0]["url"]
            .as_str()
            .unwrap()
            .contains("usps")
    );

    let legacy = f["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    ControlClient::for_sandbox(&sb)
        .shopify_update_tracking(&legacy, "9400111899224", "USPS")
        .await
        .unwrap();
    let hit = rx
        .wait_for("fulfillments/update", |h| {
            h.header("x-shopify-topic") == "fulfillments/update"
        })
        .await;
    assert!(shopify_webhook_valid(&shop.creds, &hit));
    assert_eq!(hit.json()["tracking_number"], "9400111899224");
    let orders = ControlClient::for_sandbox(&sb)
        .shopify_orders()
        .await
        .unwrap();
    assert_eq!(orders[0]["fulfillment_status"], "fulfilled");
    assert_eq!(
        orders[0]["fulfillments"][0]["tracking_number"],
        "9400111899224"
    );
    assert_eq!(orders[0]["source_name"], "tiktok_shop");
}

#[tokio::test]
async fn control_cancel_restocks_and_fires_orders_cancelled() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let rx = receiver(0).await;
    shop.subscribe("ORDERS_CANCELLED", &rx.url).await;
    let before = shop.first_variant().await["inventoryQuantity"]
        .as_i64()
        .unwrap();
    let order = create_order(&shop, "4242").await;
    ControlClient::for_sandbox(&sb)
        .shopify_cancel_order(order["legacyResourceId"].as_str().unwrap())
        .await
        .unwrap();
    let hit = rx
        .wait_for("orders/cancelled", |h| {
            h.header("x-shopify-topic") == "orders/cancelled"
        })
        .await;
    assert!(hit.json()["cancelled_at"].is_string());
    assert_eq!(
        shop.first_variant().await["inventoryQuantity"]
            .as_i64()
            .unwrap(),
        before
    );
    let again = ControlClient::for_sandbox(&sb)
        .shopify_cancel_order(order["legacyResourceId"].as_str().unwrap())
        .await;
    assert!(again.is_err(), "already cancelled");
}

/// `WebhookSubscription.endpoint` is deprecated but still in the schema: the subscription's
/// address as the union member of its kind, beside `uri` and `callbackUrl`.
#[tokio::test]
async fn webhook_subscription_keeps_the_deprecated_endpoint_union() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let endpoint = "endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } ... on WebhookEventBridgeEndpoint { arn } ... on WebhookPubSubEndpoint { pubSubProject pubSubTopic } }";
    let create = format!(
        "mutation Sub($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {{
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {{
    webhookSubscription {{ id uri callbackUrl {endpoint} }}
    userErrors {{ field message }}
  }}
}}"
    );
    let url = "https://hooks.example.com/shopify/acme";
    let d = shop
        .data(
            &create,
            json!({"topic": "ORDERS_CANCELLED", "sub": {"uri": url}}),
        )
        .await;
    assert_eq!(
        d["webhookSubscriptionCreate"]["userErrors"],
        json!([]),
        "{d}"
    );
    let sub = &d["webhookSubscriptionCreate"]["webhookSubscription"];
    assert_eq!(sub["uri"], url);
    assert_eq!(sub["callbackUrl"], url);
    assert_eq!(
        sub["endpoint"],
        json!({"__typename": "WebhookHttpEndpoint", "callbackUrl": url})
    );

    let listed = shop
        .data(
            &format!("{{ webhookSubscriptions(first: 10) {{ nodes {{ uri {endpoint} }} }} }}"),
            json!({}),
        )
        .await;
    let nodes = listed["webhookSubscriptions"]["nodes"].as_array().unwrap();
    assert!(
        nodes.iter().any(|n| n["endpoint"]["callbackUrl"] == url),
        "{listed}"
    );
}

/// Lists and stock levels are built for what a query asks: a location's levels only when
/// selected, connection pages from the cursor on, a tag search from the tag's orders. The
/// answers are the same as before those shortcuts.
#[tokio::test]
async fn pages_levels_and_tag_searches_answer_what_is_asked() {
    let sb = sandbox(SandboxConfig {
        products: 7,
        ..SandboxConfig::default()
    })
    .await;
    let shop = Shopify::new(&sb);

    // Every product once, in id order, two a page.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = shop
            .data(
                "query($after: String) { products(first: 2, after: $after) { pageInfo { hasNextPage endCursor startCursor } edges { cursor node { id } } } }",
                json!({"after": after}),
            )
            .await;
        let page = &d["products"];
        let edges = page["edges"].as_array().unwrap();
        assert_eq!(page["pageInfo"]["startCursor"], edges[0]["cursor"]);
        assert_eq!(
            page["pageInfo"]["endCursor"],
            edges.last().unwrap()["cursor"]
        );
        seen.extend(edges.iter().map(|e| e["node"]["id"].clone()));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let all = shop
        .data("{ products(first: 50) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(
        Value::Array(seen),
        all["products"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].clone())
            .collect::<Value>()
    );

    // A level's location is cheap to read; the location's own levels are still there.
    let variant = shop.first_variant().await;
    let d = shop
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on InventoryItem { inventoryLevels(first: 5) { nodes { location { id name } } } } } }",
            json!({"ids": [variant["inventoryItem"]["id"]]}),
        )
        .await;
    let location = d["nodes"][0]["inventoryLevels"]["nodes"][0]["location"]["id"].clone();
    assert!(
        location
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/Location/")
    );
    let d = shop
        .data(
            "query($id: ID!) { location(id: $id) { hasActiveInventory inventoryLevels(first: 3) { pageInfo { hasNextPage } nodes { item { id } quantities(names: [\"available\"]) { quantity } } } } }",
            json!({"id": location}),
        )
        .await;
    assert_eq!(d["location"]["hasActiveInventory"], true);
    let levels = d["location"]["inventoryLevels"]["nodes"]
        .as_array()
        .unwrap();
    assert_eq!(levels.len(), 3);
    assert_eq!(
        d["location"]["inventoryLevels"]["pageInfo"]["hasNextPage"],
        true
    );
    assert!(levels[0]["quantities"][0]["quantity"].is_i64());

    // Tag search through the tag index, in any case, following tag changes.
    let order = create_order(&shop, "771").await;
    let find = |q: &'static str| {
        let shop = &shop;
        async move {
            shop.data(
                "query($q: String!) { orders(first: 5, query: $q) { nodes { id } } }",
                json!({"q": q}),
            )
            .await["orders"]["nodes"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(find("tag:'TIKTOK-ORDER-771'").await, 1);
    assert_eq!(find("tag:'tiktok-order-772'").await, 0);
    let retag = "mutation($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { userErrors { message } } }";
    shop.data(
        retag,
        json!({"id": order["id"], "tags": ["tiktok-order-771"]}),
    )
    .await;
    assert_eq!(find("tag:'tiktok-order-771'").await, 0);
    assert_eq!(find("tag:TikTokShop").await, 1);
    let retag = "mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { message } } }";
    shop.data(retag, json!({"id": order["id"], "tags": ["Flash-Sale"]}))
        .await;
    assert_eq!(find("tag:flash-sale").await, 1);
}
