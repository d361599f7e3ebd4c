//! Wix: API key + `wix-site-id`, app OAuth tokens, Wix's error shapes, Catalog V1 queries
//! (filters as JSON strings, offset paging), inventory variants (tracked and untracked),
//! eCommerce orders (create for an external channel, search by the documented filters,
//! cancel with restock), fulfillments with tracking, the per-instance rate limit, and
//! webhooks as RS256 JWTs verified with the app's public key.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{receiver, sandbox};
use feedbridge_sandbox::control::{ControlClient, WixCredentials};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use std::time::Duration;

struct Wix {
    http: reqwest::Client,
    base: String,
    creds: WixCredentials,
}

impl Wix {
    fn new(sb: &RunningSandbox) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: sb.store_url(SimStore::Wix),
            creds: sb.credentials().store("wix"),
        }
    }

    async fn raw(
        &self,
        method: &str,
        auth: Option<&str>,
        site: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        if let Some(s) = site {
            req = req.header("wix-site-id", s);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.raw(
            method,
            Some(&self.creds.api_key),
            Some(&self.creds.site_id),
            path,
            body,
        )
        .await
    }

    async fn products(&self) -> Vec<Value> {
        let (s, v) = self
            .call(
                "POST",
                "/stores/v1/products/query",
                Some(json!({"query": {"paging": {"limit": 100}}, "includeVariants": true})),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["products"].as_array().cloned().unwrap()
    }
}

fn app_code(v: &Value) -> &str {
    v["details"]["applicationError"]["code"]
        .as_str()
        .unwrap_or_default()
}

fn violation(v: &Value) -> &str {
    v["details"]["validationError"]["fieldViolations"][0]["field"]
        .as_str()
        .unwrap_or_default()
}

fn order_body(product: &Value, external_id: &str, quantity: u32) -> Value {
    let variant = &product["variants"][0];
    json!({"order": {
        "channelInfo": {"type": "OTHER_PLATFORM", "externalOrderId": external_id},
        "lineItems": [{
            "catalogReference": {"catalogItemId": product["id"], "appId": "215238eb-22a5-4c36-9e7b-e7c08025e04e",
                "options": {"variantId": variant["id"]}},
            "productName": {"original": product["name"]}, "quantity": quantity,
            "price": {"amount": "20.00"}, "itemType": {"preset": "PHYSICAL"},
            "physicalProperties": {"sku": variant["variant"]["sku"], "shippable": true}}],
        "buyerInfo": {"email": "buyer@example.com"},
        "shippingInfo": {"title": format!("TikTok Shop order {external_id}"), "cost": {"price": {"amount": "0"}}},
        "priceSummary": {"subtotal": {"amount": "20.00"}, "shipping": {"amount": "0"}, "tax": {"amount": "0"},
            "discount": {"amount": "0"}, "total": {"amount": "20.00"}},
        "currency": "USD", "paymentStatus": "PAID"}})
}

#[tokio::test]
async fn the_api_key_needs_its_site_and_errors_have_wix_shape() {
    let sb = sandbox(SandboxConfig::default()).await;
    let wix = Wix::new(&sb);
    let (s, v) = wix
        .raw("GET", None, None, "/site-properties/v4/properties", None)
        .await;
    assert_eq!((s, app_code(&v)), (401, "UNAUTHENTICATED"), "{v}");
    assert!(v["message"].is_string());
    let (s, v) = wix
        .raw(
            "GET",
            Some("IST.wrong"),
            Some(&wix.creds.site_id),
            "/site-properties/v4/properties",
            None,
        )
        .await;
    assert_eq!((s, app_code(&v)), (401, "UNAUTHENTICATED"));
    let (s, v) = wix
        .raw(
            "GET",
            Some(&wix.creds.api_key),
            None,
            "/site-properties/v4/properties",
            None,
        )
        .await;
    assert_eq!((s, app_code(&v)), (403, "PERMISSION_DENIED"), "{v}");
    let (s, v) = wix
        .raw(
            "GET",
            Some(&wix.creds.api_key),
            Some("3c0c2a2e-5b3f-4c1e-9a43-6b0f6c0a8f21"),
            "/site-properties/v4/properties",
            None,
        )
        .await;
    assert_eq!((s, app_code(&v)), (403, "PERMISSION_DENIED"));
    let (s, v) = wix
        .call("GET", "/site-properties/v4/properties", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["properties"]["paymentCurrency"], "USD");
    let (s, v) = wix.call("GET", "/stores/v1/products/nope", None).await;
    assert_eq!((s, app_code(&v)), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn an_app_token_comes_from_client_credentials_and_expires() {
    let sb = sandbox(SandboxConfig::default()).await;
    let wix = Wix::new(&sb);
    let c = &wix.creds;
    let body = |secret: &str| {
        json!({"grant_type": "client_credentials", "client_id": c.app_id,
        "client_secret": secret, "instance_id": c.instance_id})
    };
    let (s, v) = wix
        .raw("POST", None, None, "/oauth2/token", Some(body("wrong")))
        .await;
    assert_eq!((s, app_code(&v)), (401, "UNAUTHENTICATED"));
    let (s, v) = wix
        .raw(
            "POST",
            None,
            None,
            "/oauth2/token",
            Some(body(&c.app_secret)),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["expires_in"], 14400);
    let token = v["access_token"].as_str().unwrap().to_owned();
    let (s, _) = wix
        .raw(
            "GET",
            Some(&token),
            None,
            "/site-properties/v4/properties",
            None,
        )
        .await;
    assert_eq!(s, 200);
    let control = ControlClient::for_sandbox(&sb);
    control.wix_expire_tokens().await.unwrap();
    let (s, v) = wix
        .raw(
            "GET",
            Some(&token),
            None,
            "/site-properties/v4/properties",
            None,
        )
        .await;
    assert_eq!((s, app_code(&v)), (401, "UNAUTHENTICATED"));
}

#[tokio::test]
async fn products_are_queried_with_v1_string_filters_and_offset_paging() {
    let sb = sandbox(SandboxConfig {
        products: 5,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let wix = Wix::new(&sb);
    let all = wix.products().await;
    assert_eq!(all.len(), 5);
    for p in &all {
        assert_eq!(p["variants"].as_array().unwrap().len(), 2);
        assert!(
            p["variants"][0]["variant"]["sku"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        assert_eq!(p["variants"][0]["stock"]["trackQuantity"], true);
    }
    // A filter object (V3 style) is refused: V1 wants a JSON string.
    let (s, v) = wix
        .call(
            "POST",
            "/stores/v1/products/query",
            Some(json!({"query": {"filter": {"id": "x"}}})),
        )
        .await;
    assert_eq!((s, violation(&v)), (400, "query.filter"), "{v}");
    let (s, v) = wix
        .call(
            "POST",
            "/stores/v1/products/query",
            Some(json!({"query": {"paging": {"limit": 101}}})),
        )
        .await;
    assert_eq!((s, violation(&v)), (400, "query.paging.limit"));
    let (s, v) = wix
        .call(
            "POST",
            "/stores/v1/products/query",
            Some(json!({"query": {
        "sort": "[{\"lastUpdated\":\"asc\"}]", "paging": {"limit": 2, "offset": 4}}})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["products"].as_array().unwrap().len(),
            v["totalResults"].as_u64()
        ),
        (1, Some(5))
    );
    // Changed since: only the product whose price changed.
    let since = all
        .iter()
        .map(|p| p["lastUpdated"].as_str().unwrap().to_owned())
        .max()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let control = ControlClient::for_sandbox(&sb);
    let sku = all[1]["variants"][1]["variant"]["sku"].as_str().unwrap();
    control.wix_set_price(sku, "12.34").await.unwrap();
    let filter = json!({"lastUpdated": {"$gt": since}}).to_string();
    let (_, v) = wix
        .call(
            "POST",
            "/stores/v1/products/query",
            Some(json!({"query": {"filter": filter}, "includeVariants": true})),
        )
        .await;
    let changed = v["products"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{v}");
    assert_eq!(
        changed[0]["variants"][1]["variant"]["priceData"]["price"],
        json!(12.34)
    );
}

#[tokio::test]
async fn inventory_is_tracked_by_quantity_or_by_the_in_stock_flag() {
    let sb = sandbox(SandboxConfig {
        products: 1,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let wix = Wix::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let p = &wix.products().await[0];
    let item = p["inventoryItemId"].as_str().unwrap();
    let sku = p["variants"][0]["variant"]["sku"].as_str().unwrap();
    control.wix_set_stock(sku, 4).await.unwrap();
    let (s, v) = wix
        .call(
            "POST",
            &format!("/stores/v2/inventoryItems/{item}/getVariants"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["inventoryItem"]["trackQuantity"], true);
    assert_eq!(v["inventoryItem"]["variants"][0]["quantity"], 4);
    control.wix_set_in_stock(sku, false).await.unwrap();
    let (_, v) = wix
        .call(
            "POST",
            &format!("/stores/v2/inventoryItems/{item}/getVariants"),
            None,
        )
        .await;
    assert_eq!(v["inventoryItem"]["trackQuantity"], false);
    assert!(v["inventoryItem"]["variants"][0]["quantity"].is_null());
    assert_eq!(v["inventoryItem"]["variants"][0]["inStock"], false);
    assert_eq!(SimStore::Wix.stock(&control, sku).await.unwrap(), 0);
    let (s, v) = wix
        .call("POST", "/stores/v2/inventoryItems/nope/getVariants", None)
        .await;
    assert_eq!((s, app_code(&v)), (404, "INVENTORY_ITEM_NOT_FOUND"));
}

#[tokio::test]
async fn an_external_order_takes_stock_is_found_by_its_shipping_title_fulfilled_and_cancelled() {
    let sb = sandbox(SandboxConfig {
        products: 1,
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let wix = Wix::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let p = wix.products().await.remove(0);
    let sku = p["variants"][0]["variant"]["sku"]
        .as_str()
        .unwrap()
        .to_owned();
    control.wix_set_stock(&sku, 5).await.unwrap();
    // Refusals: no lines, a line id that is not a GUID, another currency, unknown product.
    let (s, v) = wix
        .call(
            "POST",
            "/ecom/v1/orders",
            Some(json!({"order": {"lineItems": []}})),
        )
        .await;
    assert_eq!((s, violation(&v)), (400, "order.lineItems"));
    let mut bad = order_body(&p, "576", 1);
    bad["order"]["lineItems"][0]["id"] = json!("1");
    let (s, v) = wix.call("POST", "/ecom/v1/orders", Some(bad)).await;
    assert_eq!((s, violation(&v)), (400, "order.lineItems[0].id"));
    let mut eur = order_body(&p, "576", 1);
    eur["order"]["currency"] = json!("EUR");
    let (s, v) = wix.call("POST", "/ecom/v1/orders", Some(eur)).await;
    assert_eq!((s, violation(&v)), (400, "order.currency"));
    let mut gone = order_body(&p, "576", 1);
    gone["order"]["lineItems"][0]["catalogReference"]["catalogItemId"] = json!("nope");
    let (s, v) = wix.call("POST", "/ecom/v1/orders", Some(gone)).await;
    assert_eq!((s, app_code(&v)), (400, "CATALOG_ITEM_NOT_FOUND"));

    let (s, v) = wix
        .call("POST", "/ecom/v1/orders", Some(order_body(&p, "576", 2)))
        .await;
    assert_eq!(s, 200, "{v}");
    let order = &v["order"];
    assert_eq!(
        (
            order["status"].as_str(),
            order["channelInfo"]["externalOrderId"].as_str()
        ),
        (Some("APPROVED"), Some("576"))
    );
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(SimStore::Wix.stock(&control, &sku).await.unwrap(), 3);

    // channelInfo is not a documented filter of Search Orders; the shipping title is.
    let (s, v) = wix
        .call(
            "POST",
            "/ecom/v1/orders/search",
            Some(json!({"search": {"filter": {"channelInfo.externalOrderId": {"$eq": "576"}}}})),
        )
        .await;
    assert_eq!((s, violation(&v)), (400, "search.filter"), "{v}");
    let (s, v) = wix.call("POST", "/ecom/v1/orders/search", Some(json!({"search": {"filter": {"shippingInfo.title": {"$eq": "TikTok Shop order 576"}}}}))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["orders"][0]["id"], id.as_str());
    assert_eq!(v["metadata"]["hasNext"], false);

    // A fulfillment of more than is left is refused; one with tracking is read back.
    let line = order["lineItems"][0]["id"].as_str().unwrap();
    let path = format!("/ecom/v1/fulfillments/orders/{id}/create-fulfillment");
    let ship = |q: u32| {
        json!({"fulfillment": {"lineItems": [{"id": line, "quantity": q}],
        "trackingInfo": {"trackingNumber": "1Z999", "shippingProvider": "ups"}}})
    };
    let (s, v) = wix.call("POST", &path, Some(ship(3))).await;
    assert_eq!((s, app_code(&v)), (400, "INVALID_QUANTITY"));
    let (s, v) = wix.call("POST", &path, Some(ship(1))).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["fulfillmentId"].is_string());
    let (_, v) = wix
        .call("GET", &format!("/ecom/v1/fulfillments/orders/{id}"), None)
        .await;
    assert_eq!(
        v["orderWithFulfillments"]["fulfillments"][0]["trackingInfo"]["trackingNumber"],
        "1Z999"
    );
    let (_, v) = wix
        .call("GET", &format!("/ecom/v1/orders/{id}"), None)
        .await;
    assert_eq!(v["order"]["fulfillmentStatus"], "PARTIALLY_FULFILLED");

    let (s, v) = wix
        .call(
            "POST",
            &format!("/ecom/v1/orders/{id}/cancel"),
            Some(json!({"sendOrderCanceledEmail": false, "restockAllItems": true})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["order"]["status"], "CANCELED");
    assert_eq!(SimStore::Wix.stock(&control, &sku).await.unwrap(), 5);
    let (s, v) = wix
        .call(
            "POST",
            &format!("/ecom/v1/orders/{id}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_eq!((s, app_code(&v)), (400, "ORDER_ALREADY_CANCELED"));
}

/// Order Billing refunds: an order created paid has no payment record until one is added;
/// an offline payment is only refunded externally (428), never beyond what is left of it,
/// and a restock beyond the refunded quantity is refused. A full refund with restock reads
/// FULLY_REFUNDED, lists the refund and puts the units back; nothing is left to refund after.
#[tokio::test]
async fn order_billing_refunds_recorded_payments_externally_with_the_restock() {
    let sb = sandbox(SandboxConfig {
        products: 1,
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let wix = Wix::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let p = wix.products().await.remove(0);
    let sku = p["variants"][0]["variant"]["sku"]
        .as_str()
        .unwrap()
        .to_owned();
    control.wix_set_stock(&sku, 5).await.unwrap();
    let (s, v) = wix
        .call("POST", "/ecom/v1/orders", Some(order_body(&p, "577", 1)))
        .await;
    assert_eq!(s, 200, "{v}");
    let id = v["order"]["id"].as_str().unwrap().to_owned();
    let line = v["order"]["lineItems"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refundability = || async {
        let (s, v) = wix
            .call(
                "POST",
                "/ecom/v1/order-billing/get-order-refundability",
                Some(json!({"orderId": id})),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v
    };
    assert_eq!(refundability().await["payments"], json!([]));

    let (s, v) = wix
        .call(
            "POST",
            &format!("/ecom/v1/payments/orders/{id}/add-payment"),
            Some(json!({"payments": [{"amount": {"amount": "20.00"},
                "regularPaymentDetails": {"offlinePayment": true, "paymentMethod": "TikTok Shop"}}]})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let payment = v["paymentsIds"][0].as_str().unwrap().to_owned();
    let seen = refundability().await;
    assert_eq!(
        seen["payments"][0]["manuallyRefundable"]["reason"], "OFFLINE",
        "{seen}"
    );
    assert_eq!(seen["lineItems"][0]["availableRefundQuantity"], 1, "{seen}");

    let refund = |amount: &str, external: bool, restock: u32| {
        json!({"orderId": id,
            "paymentRefunds": [{"paymentId": payment, "amount": {"amount": amount}, "externalRefund": external}],
            "refundItems": {"lineItems": [{"lineItemId": line, "quantity": 1}]},
            "sideEffects": {"restock": {"lineItems": [{"lineItemId": line, "quantity": restock}]}}})
    };
    let path = "/ecom/v1/order-billing/refund-payments";
    let (s, v) = wix
        .call("POST", path, Some(refund("20.00", false, 1)))
        .await;
    assert_eq!((s, app_code(&v)), (428, "EXTERNAL_REFUND_EXPECTED"), "{v}");
    let (s, v) = wix.call("POST", path, Some(refund("25.00", true, 1))).await;
    assert_eq!(
        (s, app_code(&v)),
        (400, "INVALID_PAYMENT_REFUND_AMOUNT"),
        "{v}"
    );
    let (s, v) = wix.call("POST", path, Some(refund("20.00", true, 2))).await;
    assert_eq!(
        (s, app_code(&v)),
        (400, "INVALID_LINE_ITEM_RESTOCK_QUANTITY"),
        "{v}"
    );
    assert_eq!(SimStore::Wix.stock(&control, &sku).await.unwrap(), 4);

    let (s, v) = wix.call("POST", path, Some(refund("20.00", true, 1))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["refund"]["transactions"][0]["externalRefund"], true,
        "{v}"
    );
    assert_eq!(SimStore::Wix.stock(&control, &sku).await.unwrap(), 5);
    let (s, v) = wix
        .call("GET", &format!("/ecom/v1/orders/{id}"), None)
        .await;
    assert_eq!(
        (s, v["order"]["paymentStatus"].as_str()),
        (200, Some("FULLY_REFUNDED")),
        "{v}"
    );
    let (s, v) = wix
        .call("GET", &format!("/ecom/v1/payments/orders/{id}"), None)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["orderTransactions"]["refunds"].as_array().map(Vec::len),
        Some(1),
        "{v}"
    );
    let seen = refundability().await;
    assert_eq!(
        seen["payments"][0]["nonRefundable"]["reason"], "ALREADY_REFUNDED",
        "{seen}"
    );
    let (s, v) = wix.call("POST", path, Some(refund("1.00", true, 1))).await;
    assert_eq!((s, app_code(&v)), (428, "PAYMENT_NOT_REFUNDABLE"), "{v}");
}

#[tokio::test]
async fn search_pages_by_cursor_and_the_rate_limit_answers_429() {
    let sb = sandbox(SandboxConfig {
        products: 1,
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let wix = Wix::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let p = wix.products().await.remove(0);
    for n in 0..3 {
        let (s, _) = wix
            .call(
                "POST",
                "/ecom/v1/orders",
                Some(order_body(&p, &format!("9{n}"), 1)),
            )
            .await;
        assert_eq!(s, 200);
    }
    let (_, v) = wix
        .call(
            "POST",
            "/ecom/v1/orders/search",
            Some(json!({"search": {
        "filter": {"updatedDate": {"$gt": "2020-01-01T00:00:00Z"}},
        "sort": [{"fieldName": "updatedDate", "order": "ASC"}], "cursorPaging": {"limit": 2}}})),
        )
        .await;
    assert_eq!(v["orders"].as_array().unwrap().len(), 2);
    let cursor = v["metadata"]["cursors"]["next"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, v) = wix
        .call(
            "POST",
            "/ecom/v1/orders/search",
            Some(json!({"search": {"cursorPaging": {"limit": 2, "cursor": cursor}}})),
        )
        .await;
    assert_eq!(v["orders"].as_array().unwrap().len(), 1);
    assert_eq!(v["orders"][0]["channelInfo"]["externalOrderId"], "92");

    control
        .wix_rate_limit(2, Duration::from_secs(60))
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(
            wix.call("GET", "/site-properties/v4/properties", None)
                .await
                .0,
            200
        );
    }
    let (s, v) = wix
        .call("GET", "/site-properties/v4/properties", None)
        .await;
    assert_eq!((s, app_code(&v)), (429, "RESOURCE_EXHAUSTED"));
    control
        .wix_rate_limit(200, Duration::from_secs(60))
        .await
        .unwrap();
    control
        .wix_fault(&Fault {
            path_contains: "POST /ecom/v1/orders".into(),
            kind: FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    let (s, _) = wix
        .call("POST", "/ecom/v1/orders", Some(order_body(&p, "99", 1)))
        .await;
    assert_eq!(s, 429);
}

#[tokio::test]
async fn webhooks_are_jwts_the_app_public_key_verifies() {
    let sb = sandbox(SandboxConfig {
        products: 1,
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let wix = Wix::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let hooks = receiver(0).await;
    control
        .wix_subscribe_webhooks(Some(&hooks.url))
        .await
        .unwrap();
    let p = wix.products().await.remove(0);
    let (_, v) = wix
        .call("POST", "/ecom/v1/orders", Some(order_body(&p, "700", 1)))
        .await;
    let id = v["order"]["id"].as_str().unwrap().to_owned();
    control.wix_cancel_order(&id).await.unwrap();
    let key = DecodingKey::from_rsa_pem(wix.creds.webhook_public_key.as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.required_spec_claims.clear();
    let decode = |body: &[u8]| -> Option<Value> {
        let jwt = std::str::from_utf8(body).ok()?;
        let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
            .ok()?
            .claims;
        serde_json::from_str(claims["data"].as_str()?).ok()
    };
    let hit = hooks
        .wait_for("order_canceled", |h| {
            decode(&h.body).is_some_and(|e| e["eventType"] == "wix.ecom.v1.order_canceled")
        })
        .await;
    let envelope = decode(&hit.body).unwrap();
    assert_eq!(envelope["instanceId"], wix.creds.instance_id.as_str());
    let event: Value = serde_json::from_str(envelope["data"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            event["entityFqdn"].as_str(),
            event["slug"].as_str(),
            event["entityId"].as_str()
        ),
        (
            Some("wix.ecom.v1.order"),
            Some("canceled"),
            Some(id.as_str())
        )
    );
    let body: Value =
        serde_json::from_str(event["actionEvent"]["bodyAsJson"].as_str().unwrap()).unwrap();
    assert_eq!(body["order"]["status"], "CANCELED");
    // Stock went back: a V1 inventory event, legacy format.
    hooks
        .wait_for("InventoryVariantsChanged", |h| {
            decode(&h.body).is_some_and(|e| {
                e["eventType"] == "com.wix.ecommerce.inventory.api.v1.InventoryVariantsChanged"
            })
        })
        .await;
    // A forged one does not verify with the app's key.
    let forged = feedbridge_sandbox::control::wix_forged_webhook(
        "wix.ecom.v1.order_canceled",
        &wix.creds.instance_id,
        &json!({}),
    );
    assert!(decode(forged.as_bytes()).is_none());
    let unsigned = feedbridge_sandbox::control::wix_unsigned_webhook(
        "wix.ecom.v1.order_canceled",
        &wix.creds.instance_id,
        &json!({}),
    );
    assert!(decode(unsigned.as_bytes()).is_none());
}
