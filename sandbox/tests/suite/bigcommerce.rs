//! BigCommerce: X-Auth-Token and store hash, error shapes (V2 array, V3 object), V3 paging
//! and V2 204, the seeded catalog against the other stores, inventory per location, the V2
//! order lifecycle (stock, shipments, cancel, refund), the request quota, webhooks with
//! custom headers and Standard Webhooks signatures.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use base64::Engine;
use common::{hmac_sha256, receiver, sandbox};
use feedbridge_sandbox::control::{BigCommerceAccount, ControlClient};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::time::Duration;

const TYPE: &str = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes";

struct Bc {
    http: reqwest::Client,
    base: String,
    hash: String,
    token: String,
}

impl Bc {
    fn new(sb: &RunningSandbox) -> Self {
        let account: BigCommerceAccount = sb.credentials().store("bigcommerce");
        Self {
            http: reqwest::Client::new(),
            base: sb.store_url(SimStore::Bigcommerce),
            hash: account.store_hash,
            token: account.access_token,
        }
    }

    /// `path` after the store root, e.g. `/v3/catalog/products?limit=2`.
    async fn raw(
        &self,
        method: &str,
        hash: &str,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (u16, HeaderMap, Value) {
        let url = format!("{}/stores/{hash}{path}", self.base);
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .header("Accept", "application/json");
        if let Some(t) = token {
            req = req.header("X-Auth-Token", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, headers, v)
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (s, _, v) = self
            .raw(method, &self.hash, Some(&self.token), path, body)
            .await;
        (s, v)
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method, path, body).await;
        assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
        v
    }
}

fn v2_error(status: u16, message: &str) -> Value {
    json!([{"status": status, "message": message}])
}

#[tokio::test]
async fn token_and_store_hash_are_checked_with_bigcommerce_shapes() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bc = Bc::new(&sb);
    let unauthorized = json!({
        "status": 401,
        "title": "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this store.",
        "type": TYPE,
        "errors": {},
    });
    for path in ["/v3/catalog/products", "/v2/orders"] {
        let (s, h, v) = bc.raw("GET", &bc.hash, None, path, None).await;
        assert_eq!((s, &v), (401, &unauthorized), "{path}");
        assert!(h.get("x-rate-limit-requests-left").is_none());
        let (s, _, v) = bc.raw("GET", &bc.hash, Some("nope"), path, None).await;
        assert_eq!((s, &v), (401, &unauthorized), "{path}");
    }
    // A good token on another store's hash: the gateway's 403.
    let (s, _, v) = bc
        .raw(
            "GET",
            "abc123",
            Some(&bc.token),
            "/v3/catalog/products",
            None,
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(
        v["title"],
        "You don't have a required scope to access the endpoint"
    );
    // A read-only account reads, but may not write.
    let control = ControlClient::for_sandbox(&sb);
    let read_only = control.bigcommerce_read_only_token().await.unwrap();
    let (s, h, _) = bc
        .raw("GET", &bc.hash, Some(&read_only), "/v2/store", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(h["x-rate-limit-requests-quota"], "150");
    assert_eq!(h["x-rate-limit-time-window-ms"], "30000");
    let (s, _, v) = bc
        .raw(
            "POST",
            &bc.hash,
            Some(&read_only),
            "/v2/orders",
            Some(json!({})),
        )
        .await;
    assert_eq!((s, v["status"].as_u64()), (403, Some(403)));

    // Resource errors: V2 an array, V3 an object.
    let (s, v) = bc.call("GET", "/v2/orders/999", None).await;
    assert_eq!(
        (s, v),
        (404, v2_error(404, "The requested resource was not found."))
    );
    let (s, v) = bc.call("GET", "/v3/catalog/products/999", None).await;
    assert_eq!(s, 404);
    assert_eq!(v["status"], 404);
    assert_eq!(v["type"], TYPE);
    let (s, v) = bc.call("GET", "/v3/nothing/here", None).await;
    assert_eq!((s, v["status"].as_u64()), (404, Some(404)));

    let info = bc.ok("GET", "/v2/store", None).await;
    assert_eq!(
        (info["currency"].as_str(), info["id"].as_str()),
        (Some("USD"), Some(bc.hash.as_str()))
    );
}

#[tokio::test]
async fn catalog_matches_the_other_stores_pages_and_stock_per_location() {
    let sb = sandbox(SandboxConfig {
        products: 5,
        ..SandboxConfig::default()
    })
    .await;
    let bc = Bc::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    // Walk every page by links.next, two products a page.
    let mut products = Vec::new();
    let mut next = Some("?include=variants&limit=2".to_string());
    let mut pages = 0;
    while let Some(query) = next {
        let v = bc
            .ok("GET", &format!("/v3/catalog/products{query}"), None)
            .await;
        let pagination = &v["meta"]["pagination"];
        assert_eq!(pagination["total"], 5);
        assert_eq!(pagination["total_pages"], 3);
        products.extend(v["data"].as_array().unwrap().clone());
        next = pagination["links"]["next"].as_str().map(str::to_string);
        pages += 1;
    }
    assert_eq!((pages, products.len()), (3, 5));
    assert!(
        products[0]["date_modified"]
            .as_str()
            .unwrap()
            .ends_with("+00:00")
    );

    // Same SKUs, selling prices and stock as the WooCommerce store.
    let mut ours: Vec<(String, f64, i64)> = products
        .iter()
        .flat_map(|p| {
            p["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    (
                        v["sku"].as_str().unwrap().to_string(),
                        v["calculated_price"].as_f64().unwrap(),
                        v["inventory_level"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut woo: Vec<(String, f64, i64)> = control
        .woocommerce_products()
        .await
        .unwrap()
        .iter()
        .flat_map(|p| {
            let vars = p["variations_full"].as_array().unwrap().clone();
            let items = if vars.is_empty() {
                vec![p.clone()]
            } else {
                vars
            };
            items
                .iter()
                .map(|v| {
                    (
                        v["sku"].as_str().unwrap().to_string(),
                        v["price"].as_str().unwrap().parse().unwrap(),
                        v["stock_quantity"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    ours.sort_by(|a, b| a.0.cmp(&b.0));
    woo.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(ours, woo);

    // Stock per location sums to the variant's inventory_level.
    let first = &products[0]["variants"][0];
    let vid = first["id"].as_u64().unwrap();
    let items = bc
        .ok(
            "GET",
            &format!("/v3/inventory/items?variant_id:in={vid}"),
            None,
        )
        .await;
    let locations = items["data"][0]["locations"].as_array().unwrap();
    let sum: i64 = locations
        .iter()
        .map(|l| l["available_to_sell"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, first["inventory_level"].as_i64().unwrap());
    assert_eq!(locations.len(), 2);
    assert_eq!(locations[1]["available_to_sell"], 3);

    // Absolute adjustment at the pop-up location; the catalog follows.
    let sku = first["sku"].as_str().unwrap();
    let v = bc
        .ok(
            "PUT",
            "/v3/inventory/adjustments/absolute",
            Some(json!({"reason": "count", "items": [{"location_id": 2, "sku": sku, "quantity": 10}]})),
        )
        .await;
    assert!(v["transaction_id"].is_string());
    let p = bc
        .ok(
            "GET",
            &format!("/v3/catalog/products/{}/variants/{vid}", products[0]["id"]),
            None,
        )
        .await;
    assert_eq!(p["data"]["inventory_level"], sum - 3 + 10);

    // Validation: limit past 250 is 413, an unknown include 422, a bad location 422.
    let (s, _) = bc.call("GET", "/v3/catalog/products?limit=251", None).await;
    assert_eq!(s, 413);
    let (s, v) = bc
        .call("GET", "/v3/catalog/products?include=nope", None)
        .await;
    assert_eq!(
        (s, v["title"].as_str()),
        (422, Some("JSON data is missing or invalid"))
    );
    let (s, _) = bc
        .call(
            "PUT",
            "/v3/inventory/adjustments/absolute",
            Some(json!({"items": [{"location_id": 9, "sku": sku, "quantity": 1}]})),
        )
        .await;
    assert_eq!(s, 422);
    // A deleted product is gone.
    let id = products[1]["id"].as_u64().unwrap();
    control.bigcommerce_delete_product(id).await.unwrap();
    let (s, _) = bc
        .call("GET", &format!("/v3/catalog/products/{id}"), None)
        .await;
    assert_eq!(s, 404);
}

/// A TikTok order of `quantity` × the first variant of the first product with options.
async fn tiktok_order(bc: &Bc, tiktok_id: &str, quantity: i64) -> (Value, Value) {
    let v = bc
        .ok("GET", "/v3/catalog/products?include=variants", None)
        .await;
    let product = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["inventory_tracking"] == "variant")
        .unwrap()
        .clone();
    let variant = product["variants"][0].clone();
    let body = json!({
        "status_id": 11,
        "customer_id": 0,
        "external_source": "TikTok Shop",
        "external_order_id": tiktok_id,
        "staff_notes": format!("TikTok Shop order {tiktok_id}"),
        "billing_address": {"first_name": "Jane", "last_name": "Doe", "street_1": "1 Main St",
            "city": "Austin", "state": "Texas", "zip": "78751", "country": "United States",
            "country_iso2": "US", "email": "buyer@example.com"},
        "products": [{"product_id": product["id"], "variant_id": variant["id"], "quantity": quantity,
            "price_inc_tax": 20.0, "price_ex_tax": 20.0}],
        "shipping_cost_inc_tax": 5, "shipping_cost_ex_tax": 5,
        "payment_method": "TikTok Shop",
    });
    let (s, order) = bc.call("POST", "/v2/orders", Some(body)).await;
    assert_eq!(s, 201, "{order}");
    (order, variant)
}

async fn level(bc: &Bc, variant: &Value) -> i64 {
    let v = bc
        .ok(
            "GET",
            &format!(
                "/v3/catalog/products/{}/variants/{}",
                variant["product_id"], variant["id"]
            ),
            None,
        )
        .await;
    v["data"]["inventory_level"].as_i64().unwrap()
}

#[tokio::test]
async fn order_lifecycle_takes_stock_ships_and_cancels() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bc = Bc::new(&sb);
    let control = ControlClient::for_sandbox(&sb);

    let (order, variant) = tiktok_order(&bc, "5770000000001", 2).await;
    let before = variant["inventory_level"].as_i64().unwrap();
    assert_eq!(level(&bc, &variant).await, before - 2);
    assert_eq!(order["status"], "Awaiting Fulfillment");
    assert_eq!(order["external_source"], "TikTok Shop");
    assert_eq!(order["external_order_id"], "5770000000001");
    assert_eq!(order["external_id"], Value::Null);
    assert_eq!(order["total_inc_tax"], "45.0000");
    assert!(order["date_created"].as_str().unwrap().ends_with("+0000"));
    let id = order["id"].as_u64().unwrap();

    // Found again by its TikTok id; V2 pages end in 204.
    let found = bc
        .ok("GET", "/v2/orders?external_order_id=5770000000001", None)
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (s, _, body) = bc
        .raw(
            "GET",
            &bc.hash,
            Some(&bc.token),
            "/v2/orders?external_order_id=other",
            None,
        )
        .await;
    assert_eq!((s, body), (204, Value::Null));
    let (second, _) = tiktok_order(&bc, "5770000000002", 1).await;
    let page2 = bc
        .ok("GET", "/v2/orders?min_date_modified=2020-01-01T00:00:00Z&sort=date_modified:asc&limit=1&page=2", None)
        .await;
    assert_eq!(page2[0]["id"], second["id"]);
    let (s, _) = bc.call("GET", "/v2/orders?limit=1&page=3", None).await;
    assert_eq!(s, 204);

    // Refusals in V2's shape.
    let (s, v) = bc
        .call(
            "POST",
            "/v2/orders",
            Some(json!({"external_id": "x", "products": []})),
        )
        .await;
    assert_eq!(
        (s, v),
        (
            400,
            v2_error(
                400,
                "The field 'external_id' cannot be written to. Please remove it from your request before trying again."
            )
        )
    );
    let (s, v) = bc
        .call("POST", "/v2/orders", Some(json!({"products": []})))
        .await;
    assert_eq!(
        (s, v),
        (
            400,
            v2_error(
                400,
                "The required field 'billing_address' was not supplied."
            )
        )
    );
    let (s, v) = bc
        .call(
            "POST",
            "/v2/orders",
            Some(json!({"billing_address": {"zip": "78751"},
                        "products": [{"product_id": variant["product_id"], "variant_id": variant["id"], "quantity": 100000}]})),
        )
        .await;
    assert_eq!(s, 409);
    assert_eq!(v[0]["details"]["errors"][0]["type"], "OutOfStock");

    // Ship with tracking: the order becomes Shipped.
    let lines = bc
        .ok("GET", &format!("/v2/orders/{id}/products"), None)
        .await;
    let addresses = bc
        .ok("GET", &format!("/v2/orders/{id}/shipping_addresses"), None)
        .await;
    let (s, _, none) = bc
        .raw(
            "GET",
            &bc.hash,
            Some(&bc.token),
            &format!("/v2/orders/{id}/shipments"),
            None,
        )
        .await;
    assert_eq!((s, none), (204, Value::Null));
    let shipment = json!({"order_address_id": addresses[0]["id"], "tracking_number": "1Z999AA10123456784",
        "shipping_provider": "ups", "tracking_carrier": "ups",
        "items": [{"order_product_id": lines[0]["id"], "quantity": 2}]});
    let mut bad = shipment.clone();
    bad["tracking_carrier"] = json!("UPS Ground");
    let (s, v) = bc
        .call("POST", &format!("/v2/orders/{id}/shipments"), Some(bad))
        .await;
    assert_eq!(
        (s, v),
        (
            400,
            v2_error(400, "The field 'tracking_carrier' is invalid.")
        )
    );
    let mut bad = shipment.clone();
    bad["tracking_number"] = json!("1".repeat(51));
    let (s, _) = bc
        .call("POST", &format!("/v2/orders/{id}/shipments"), Some(bad))
        .await;
    assert_eq!(s, 400);
    let (s, created) = bc
        .call(
            "POST",
            &format!("/v2/orders/{id}/shipments"),
            Some(shipment),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["shipping_provider_display_name"], "UPS");
    let shipped = bc.ok("GET", &format!("/v2/orders/{id}"), None).await;
    assert_eq!(
        (
            shipped["status_id"].as_u64(),
            shipped["items_shipped"].as_i64()
        ),
        (Some(2), Some(2))
    );

    // Cancelling the second order gives its stock back.
    let second_id = second["id"].as_u64().unwrap();
    let at = level(&bc, &variant).await;
    let v = bc
        .ok(
            "PUT",
            &format!("/v2/orders/{second_id}"),
            Some(json!({"status_id": 5})),
        )
        .await;
    assert_eq!(v["status"], "Cancelled");
    assert_eq!(level(&bc, &variant).await, at + 1);

    // A full refund (control panel) makes the first order Refunded; V3 lists it.
    let refunded = control.bigcommerce_refund_order(id).await.unwrap();
    assert_eq!(refunded["status_id"], 4);
    let refunds = bc
        .ok(
            "GET",
            &format!("/v3/orders/{id}/payment_actions/refunds"),
            None,
        )
        .await;
    assert_eq!(refunds["data"][0]["total_amount"], 45.0);
    let seen = control.bigcommerce_order(id).await.unwrap();
    assert_eq!(seen["tiktok_order_id"], "5770000000001");
    assert_eq!(seen["is_tiktok"], true);
    assert_eq!(seen["tracking_numbers"], json!(["1Z999AA10123456784"]));
}

/// Refunds as Orders V3 payment actions take them: a quote prices the items and offers the
/// offline `custom` method (a guest gets no store credit); a refund must pay exactly the
/// quoted amount; more than is left, an unknown item or a wrong amount is a 422 naming it.
/// Refunds never touch stock; the order goes Partially Refunded (14), then Refunded (4).
#[tokio::test]
async fn refunds_are_quoted_and_made_strictly_without_touching_stock() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bc = Bc::new(&sb);
    let (order, variant) = tiktok_order(&bc, "5770000000009", 2).await;
    let id = order["id"].as_u64().unwrap();
    let lines = bc
        .ok("GET", &format!("/v2/orders/{id}/products"), None)
        .await;
    let line = lines[0]["id"].as_u64().unwrap();
    let taken = level(&bc, &variant).await;
    let quotes = format!("/v3/orders/{id}/payment_actions/refund_quotes");
    let refunds = format!("/v3/orders/{id}/payment_actions/refunds");
    let product =
        |quantity: i64| json!({"item_type": "PRODUCT", "item_id": line, "quantity": quantity});

    let (s, v) = bc
        .call("POST", &quotes, Some(json!({"items": [product(3)]})))
        .await;
    assert_eq!(s, 422, "{v}");
    assert!(v["errors"]["items.0.quantity"].is_string(), "{v}");
    let unknown = json!({"item_type": "PRODUCT", "item_id": line + 999, "quantity": 1});
    let (s, v) = bc
        .call("POST", &quotes, Some(json!({"items": [unknown]})))
        .await;
    assert_eq!(s, 422, "{v}");
    assert!(v["errors"]["items.0.item_id"].is_string(), "{v}");

    let (s, quote) = bc
        .call("POST", &quotes, Some(json!({"items": [product(1)]})))
        .await;
    assert_eq!(s, 201, "{quote}");
    assert_eq!(quote["data"]["total_refund_amount"], 20.0);
    assert_eq!(
        quote["data"]["refund_methods"],
        json!([[{"provider_id": "custom", "provider_description": "Custom", "amount": 20.0,
                 "offline": true, "offline_provider": true,
                 "offline_reason": "This is an offline payment provider."}]])
    );

    let pay = |provider: &str, amount: f64| {
        json!({"items": [product(1)],
               "payments": [{"provider_id": provider, "amount": amount, "offline": true}]})
    };
    let (s, v) = bc.call("POST", &refunds, Some(pay("custom", 19.0))).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["errors"]["payments"].is_string(), "{v}");
    let (s, v) = bc
        .call("POST", &refunds, Some(pay("storecredit", 20.0)))
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["data"][0]["status"], 422, "{v}");
    assert_eq!(
        bc.ok("GET", &refunds, None).await["data"],
        json!([]),
        "a refused refund leaves nothing"
    );

    let (s, made) = bc.call("POST", &refunds, Some(pay("custom", 20.0))).await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["data"]["total_amount"], 20.0);
    let seen = bc.ok("GET", &format!("/v2/orders/{id}"), None).await;
    assert_eq!(seen["status_id"], 14, "{seen}");

    // The rest: the last unit and the shipping as an order amount.
    let rest = json!({"items": [product(1), {"item_type": "ORDER", "item_id": id, "amount": 5}],
                      "payments": [{"provider_id": "custom", "amount": 25, "offline": true}]});
    let (s, made) = bc.call("POST", &refunds, Some(rest)).await;
    assert_eq!(s, 201, "{made}");
    let seen = bc.ok("GET", &format!("/v2/orders/{id}"), None).await;
    assert_eq!(seen["status_id"], 4, "{seen}");
    let listed = bc.ok("GET", &refunds, None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2, "{listed}");
    let (s, v) = bc
        .call(
            "POST",
            &quotes,
            Some(json!({"items": [{"item_type": "ORDER", "item_id": id, "amount": 1}]})),
        )
        .await;
    assert_eq!(s, 422, "nothing left to refund: {v}");
    assert_eq!(level(&bc, &variant).await, taken, "refunds never restock");
}

#[tokio::test]
async fn quota_is_counted_and_refused_with_the_reset_time() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bc = Bc::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    control
        .bigcommerce_rate_limit(2, Duration::from_secs(30))
        .await
        .unwrap();
    let mut left = Vec::new();
    for _ in 0..3 {
        let (s, h, v) = bc
            .raw("GET", &bc.hash, Some(&bc.token), "/v2/time", None)
            .await;
        left.push((
            s,
            h["x-rate-limit-requests-left"]
                .to_str()
                .unwrap()
                .to_string(),
        ));
        if s == 429 {
            let reset: u64 = h["x-rate-limit-time-reset-ms"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(reset > 0 && reset <= 30_000, "{reset}");
            assert_eq!(h["x-rate-limit-requests-quota"], "2");
            assert_eq!(v["status"], 429);
        }
    }
    assert_eq!(
        left,
        vec![(200, "1".into()), (200, "0".into()), (429, "0".into())]
    );
    // A scripted throttle answers as the gateway does, with a short reset.
    control
        .bigcommerce_rate_limit(100, Duration::from_secs(30))
        .await
        .unwrap();
    control
        .bigcommerce_fault(&Fault {
            path_contains: "/v2/orders".into(),
            kind: FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    let (s, h, _) = bc
        .raw("GET", &bc.hash, Some(&bc.token), "/v2/orders", None)
        .await;
    assert_eq!(
        (s, h["x-rate-limit-time-reset-ms"].to_str().unwrap()),
        (429, "300")
    );
    control
        .bigcommerce_fault(&Fault {
            path_contains: "/v2/orders".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await
        .unwrap();
    let (s, v) = bc.call("GET", "/v2/orders", None).await;
    assert_eq!((s, v), (500, v2_error(500, "Internal Server Error")));
    let calls = control.bigcommerce_calls().await.unwrap();
    assert!(calls.iter().any(|c| c.status == 429));
}

/// Standard Webhooks: base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the
/// client secret (written from the https-webhook-overview).
fn signature(secret: &str, hit: &common::Hit) -> String {
    let signed = format!(
        "{}.{}.{}",
        hit.header("webhook-id"),
        hit.header("webhook-timestamp"),
        String::from_utf8(hit.body.clone()).unwrap()
    );
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD
            .encode(hmac_sha256(secret.as_bytes(), signed.as_bytes()))
    )
}

#[tokio::test]
async fn hooks_deliver_thin_payloads_with_custom_headers_and_signature() {
    let sb = sandbox(SandboxConfig::default()).await;
    let bc = Bc::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(1).await;

    // Validation in the Webhooks spec's shape.
    let (s, v) = bc
        .call(
            "POST",
            "/v3/hooks",
            Some(json!({"scope": "store/nothing", "destination": rx.url})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["type"], "/api-docs/getting-started/api-status-codes");
    assert!(v["errors"]["scope"].is_string());
    let (s, v) = bc
        .call(
            "POST",
            "/v3/hooks",
            Some(json!({"scope": "store/order/*", "destination": "http://example.com:8080/x"})),
        )
        .await;
    assert!(s == 422 && v["errors"]["destination"].is_string(), "{v}");

    for scope in ["store/sku/inventory/updated", "store/order/*"] {
        let v = bc
            .ok(
                "POST",
                "/v3/hooks",
                Some(json!({"scope": scope, "destination": rx.url,
                "is_active": true, "headers": {"X-Feedbridge-Token": "s3cret"}})),
            )
            .await;
        assert_eq!(v["data"]["headers"]["X-Feedbridge-Token"], "s3cret");
    }
    let listed = bc.ok("GET", "/v3/hooks?scope=store/order/*", None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);

    // A merchant stock change: the SKU's inventory hook (first attempt fails, is retried).
    let products = control.bigcommerce_products().await.unwrap();
    let tracked = products
        .iter()
        .find(|p| p["inventory_tracking"] == "variant")
        .unwrap();
    let sku = tracked["variants"][0]["sku"].as_str().unwrap();
    control.bigcommerce_set_stock(sku, 7).await.unwrap();
    let hit = rx
        .wait_for("sku inventory", |h| {
            h.json()["scope"] == "store/sku/inventory/updated"
        })
        .await;
    let body = hit.json();
    assert_eq!(hit.header("x-feedbridge-token"), "s3cret");
    assert_eq!(hit.header("content-type"), "application/json");
    assert_eq!(body["data"]["type"], "sku");
    assert_eq!(
        body["data"]["inventory"]["variant_id"],
        tracked["variants"][0]["id"]
    );
    assert_eq!(body["data"]["inventory"]["method"], "absolute");
    assert_eq!(body["producer"], format!("stores/{}", bc.hash));
    assert_eq!(body["hash"].as_str().unwrap().len(), 40);
    let secret = sb
        .credentials()
        .store::<BigCommerceAccount>("bigcommerce")
        .client_secret;
    assert_eq!(hit.header("webhook-signature"), signature(&secret, &hit));

    // An order made through the API fires the order scopes.
    let (order, _) = tiktok_order(&bc, "5770000000009", 1).await;
    let hit = rx
        .wait_for("order created", |h| {
            h.json()["scope"] == "store/order/created"
        })
        .await;
    assert_eq!(
        hit.json()["data"],
        json!({"type": "order", "id": order["id"]})
    );
    control
        .bigcommerce_cancel_order(order["id"].as_u64().unwrap())
        .await
        .unwrap();
    let hit = rx
        .wait_for("status", |h| {
            h.json()["scope"] == "store/order/statusUpdated"
        })
        .await;
    assert_eq!(
        hit.json()["data"]["status"],
        json!({"previous_status_id": 11, "new_status_id": 5})
    );
    let deliveries = control.bigcommerce_webhook_deliveries().await.unwrap();
    assert!(deliveries.iter().any(|d| d.attempts >= 2 && d.delivered));
}
