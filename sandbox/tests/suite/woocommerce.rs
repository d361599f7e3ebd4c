//! WooCommerce: OAuth 1.0a, permissions, pagination, products, orders and stock, search,
//! Shipment Tracking, webhooks (signature, coalescing, ping, auto-disable), batch limits.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use base64::Engine;
use common::{eventually, hmac_sha256, now, receiver, sandbox};
use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig, WebhookMode};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

/// RFC 3986 percent-encoding (unreserved characters kept), written from the note.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Note §1.2: the one-legged OAuth signature over `params` (without `oauth_signature`).
fn oauth_signature(
    secret: &str,
    method: &str,
    url: &str,
    params: &[(String, String)],
    sha1: bool,
) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let joined: Vec<String> = sorted
        .iter()
        .map(|(k, v)| pct(&format!("{}={}", pct(k), pct(v))))
        .collect();
    let base = format!("{method}&{}&{}", pct(url), joined.join("%26"));
    let key = format!("{secret}&");
    let raw = if sha1 {
        let mut m = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
        m.update(base.as_bytes());
        m.finalize().into_bytes().to_vec()
    } else {
        hmac_sha256(key.as_bytes(), base.as_bytes())
    };
    base64::engine::general_purpose::STANDARD.encode(raw)
}

struct Woo {
    http: reqwest::Client,
    home: String,
    key: String,
    secret: String,
}

/// How to authenticate one request.
#[derive(Clone, Copy)]
enum Auth {
    Sha256,
    Sha1,
}

impl Woo {
    fn new(sb: &RunningSandbox) -> Self {
        let creds = sb.credentials();
        Self {
            http: reqwest::Client::new(),
            home: sb.woocommerce_url(),
            key: creds.woocommerce_consumer_key,
            secret: creds.woocommerce_consumer_secret,
        }
    }

    fn oauth_params(&self, nonce: &str, ts: i64, sha1: bool) -> Vec<(String, String)> {
        vec![
            ("oauth_consumer_key".into(), self.key.clone()),
            ("oauth_nonce".into(), nonce.into()),
            (
                "oauth_signature_method".into(),
                if sha1 { "HMAC-SHA1" } else { "HMAC-SHA256" }.into(),
            ),
            ("oauth_timestamp".into(), ts.to_string()),
        ]
    }

    /// `{home}/wp-json{path}?query&oauth...` signed over the query.
    fn signed(&self, method: &str, path: &str, query: &[(&str, &str)], auth: Auth) -> String {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let mut params: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        params.extend(self.oauth_params(&nonce, now(), matches!(auth, Auth::Sha1)));
        let url = format!("{}/wp-json{path}", self.home);
        let sig = oauth_signature(
            &self.secret,
            method,
            &url,
            &params,
            matches!(auth, Auth::Sha1),
        );
        params.push(("oauth_signature".into(), sig));
        common::with_query(&url, &params)
    }

    async fn raw(
        &self,
        method: &str,
        url: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self
            .http
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = self.signed(method, path, query, Auth::Sha256);
        let (s, _, v) = self.raw(method, &url, body).await;
        (s, v)
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method, path, &[], body).await;
        assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
        v
    }
}

fn auth_error(message: &str) -> Value {
    json!({"code": "woocommerce_rest_authentication_error", "message": message, "data": {"status": 401}})
}

fn cfg(variants: usize) -> SandboxConfig {
    SandboxConfig {
        products: 3,
        variants_per_product: Some(variants),
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn oauth_sha1_and_sha256_header_and_query_are_accepted() {
    let sb = sandbox(cfg(2)).await;
    let woo = Woo::new(&sb);
    for auth in [Auth::Sha256, Auth::Sha1] {
        let url = woo.signed(
            "GET",
            "/wc/v3/products",
            &[("per_page", "2"), ("q", "a b/c")],
            auth,
        );
        let (s, _, v) = woo.raw("GET", &url, None).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v.as_array().unwrap().len(), 2);
    }
    // Parameters in the Authorization header instead of the query string.
    let url = format!("{}/wp-json/wc/v3/orders", woo.home);
    let mut params = woo.oauth_params("hdr-nonce", now(), false);
    let sig = oauth_signature(&woo.secret, "GET", &url, &params, false);
    params.push(("oauth_signature".into(), sig));
    let header = format!(
        "OAuth {}",
        params
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", pct(v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let resp = woo
        .http
        .get(&url)
        .header("Authorization", header)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn auth_failures_have_exact_bodies() {
    let sb = sandbox(cfg(1)).await;
    let woo = Woo::new(&sb);
    let url = format!("{}/wp-json/wc/v3/products", woo.home);
    let signed_with = |nonce: &str, ts: i64, key: &str, secret: &str, tamper: bool| {
        let mut params = woo.oauth_params(nonce, ts, false);
        params[0].1 = key.to_string();
        let mut sig = oauth_signature(secret, "GET", &url, &params, false);
        if tamper {
            sig = format!("x{sig}");
        }
        params.push(("oauth_signature".into(), sig));
        common::with_query(&url, &params)
    };
    let cases = [
        (
            signed_with("n1", now(), &woo.key, "cs_wrong", false),
            auth_error("Invalid signature - provided signature does not match."),
        ),
        (
            signed_with("n2", now(), &woo.key, &woo.secret, true),
            auth_error("Invalid signature - provided signature does not match."),
        ),
        (
            signed_with("n3", now() - 16 * 60, &woo.key, &woo.secret, false),
            auth_error("Invalid timestamp."),
        ),
        (
            signed_with("n4", now(), "ck_unknown", &woo.secret, false),
            auth_error("Consumer key is invalid."),
        ),
        (
            format!("{url}?oauth_consumer_key={}&oauth_nonce=x", woo.key),
            json!({"code": "woocommerce_rest_authentication_missing_parameter",
                   "message": "Missing OAuth parameters oauth_timestamp, oauth_signature, oauth_signature_method",
                   "data": {"status": 401}}),
        ),
    ];
    for (u, expected) in cases {
        let (s, _, v) = woo.raw("GET", &u, None).await;
        assert_eq!((s, v), (401, expected), "{u}");
    }
    // A nonce is single-use for this key.
    let once = signed_with("reused", now(), &woo.key, &woo.secret, false);
    assert_eq!(woo.raw("GET", &once, None).await.0, 200);
    let (s, _, v) = woo.raw("GET", &once, None).await;
    assert_eq!(
        (s, v),
        (
            401,
            auth_error("Invalid nonce - nonce has already been used.")
        )
    );

    // Basic auth and query-string keys are ignored over http: the request is anonymous.
    let basic = woo
        .http
        .get(&url)
        .basic_auth(&woo.key, Some(&woo.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    assert_eq!(
        basic.json::<Value>().await.unwrap(),
        json!({"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.", "data": {"status": 401}})
    );
    let q = format!(
        "{url}?consumer_key={}&consumer_secret={}",
        woo.key, woo.secret
    );
    let (s, _, v) = woo.raw("POST", &q, Some(json!({"name": "x"}))).await;
    assert_eq!(
        (s, v["code"].clone()),
        (401, json!("woocommerce_rest_cannot_create"))
    );

    // A read-only key cannot write.
    let control = ControlClient::for_sandbox(&sb);
    let (rk, rs) = control.woocommerce_read_only_key().await.unwrap();
    let ro = Woo {
        key: rk,
        secret: rs,
        ..Woo::new(&sb)
    };
    assert_eq!(ro.call("GET", "/wc/v3/products", &[], None).await.0, 200);
    let (s, v) = ro
        .call(
            "PUT",
            "/wc/v3/products/10",
            &[],
            Some(json!({"regular_price": "1.00"})),
        )
        .await;
    assert_eq!(
        (s, v),
        (
            401,
            auth_error("The API key provided does not have write permissions.")
        )
    );

    // Keys only open wc/* and wc-* namespaces.
    let (s, v) = woo.call("GET", "/wp/v2/posts", &[], None).await;
    assert_eq!(
        (s, v),
        (
            401,
            auth_error("The provided API key cannot be used to access this endpoint.")
        )
    );
}

#[tokio::test]
async fn unknown_routes_and_faults() {
    let sb = sandbox(cfg(1)).await;
    let woo = Woo::new(&sb);
    let (s, v) = woo.call("GET", "/wc/v3/nothing", &[], None).await;
    assert_eq!(s, 404);
    assert_eq!(v["code"], "rest_no_route");
    let (s, v) = woo.call("GET", "/wc/v3/products/999999", &[], None).await;
    assert_eq!(
        (s, v["code"].clone()),
        (404, json!("woocommerce_rest_product_invalid_id"))
    );
    let control = ControlClient::for_sandbox(&sb);
    control
        .woocommerce_fault(&Fault {
            path_contains: "/products".into(),
            kind: FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    let url = woo.signed("GET", "/wc/v3/products", &[], Auth::Sha256);
    let (s, headers, _) = woo.raw("GET", &url, None).await;
    assert_eq!(s, 429);
    assert_eq!(headers["retry-after"], "1");
    control
        .woocommerce_fault(&Fault {
            path_contains: "/orders".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await
        .unwrap();
    let (s, v) = woo.call("GET", "/wc/v3/orders", &[], None).await;
    assert_eq!(s, 500);
    assert!(v.as_str().unwrap().contains("critical error"));
    let calls = control.woocommerce_calls().await.unwrap();
    assert!(
        calls
            .iter()
            .any(|c| c.status == 429 && c.path == "/wp-json/wc/v3/products")
    );
}

#[tokio::test]
async fn catalog_matches_shopify_and_pages() {
    let config = SandboxConfig {
        products: 12,
        variants_per_product: None,
        ..SandboxConfig::default()
    };
    let sb = sandbox(config).await;
    let woo = Woo::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    // Same SKUs as the Shopify simulator.
    let mut shopify_skus: Vec<String> = control
        .shopify_products()
        .await
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["sku"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut woo_skus: Vec<String> = control
        .woocommerce_products()
        .await
        .unwrap()
        .iter()
        .flat_map(|p| {
            let vars = p["variations_full"].as_array().unwrap();
            if vars.is_empty() {
                vec![p["sku"].as_str().unwrap().to_string()]
            } else {
                vars.iter()
                    .map(|v| v["sku"].as_str().unwrap().to_string())
                    .collect()
            }
        })
        .collect();
    shopify_skus.sort();
    woo_skus.sort();
    assert_eq!(shopify_skus, woo_skus);

    let url = woo.signed(
        "GET",
        "/wc/v3/products",
        &[("per_page", "5"), ("page", "2")],
        Auth::Sha256,
    );
    let (s, headers, v) = woo.raw("GET", &url, None).await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 5);
    assert_eq!(headers["x-wp-total"], "12");
    assert_eq!(headers["x-wp-totalpages"], "3");
    let link = headers["link"].to_str().unwrap();
    assert!(
        link.contains("page=1>; rel=\"prev\"") && link.contains("page=3>; rel=\"next\""),
        "{link}"
    );

    let (s, v) = woo
        .call("GET", "/wc/v3/products", &[("per_page", "101")], None)
        .await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "rest_invalid_param");
    assert_eq!(v["message"], "Invalid parameter(s): per_page");
    assert_eq!(
        v["data"]["params"]["per_page"],
        "per_page must be between 1 (inclusive) and 100 (inclusive)"
    );
}

/// Creates a webhook for `topic` and waits for its ping; returns its id.
async fn hook(woo: &Woo, rx: &common::Receiver, topic: &str, secret: &str) -> u64 {
    let w = woo
        .ok(
            "POST",
            "/wc/v3/webhooks",
            Some(json!({"name": topic, "topic": topic, "delivery_url": rx.url, "secret": secret})),
        )
        .await;
    assert_eq!(w["status"], "active");
    assert!(w.get("secret").is_none());
    let id = w["id"].as_u64().unwrap();
    let ping = rx
        .wait_for("ping", |h| h.body == format!("webhook_id={id}").as_bytes())
        .await;
    assert!(ping.header("x-wc-webhook-signature").is_empty());
    id
}

#[tokio::test]
async fn variation_update_fires_signed_product_updated_with_variation_id() {
    let sb = sandbox(cfg(2)).await;
    let woo = Woo::new(&sb);
    let rx = receiver(0).await;
    let hook_id = hook(&woo, &rx, "product.updated", "s3cret").await;
    let products = woo
        .call("GET", "/wc/v3/products", &[("per_page", "1")], None)
        .await
        .1;
    let parent = products[0]["id"].as_u64().unwrap();
    let vid = products[0]["variations"][0].as_u64().unwrap();
    let before = woo
        .ok(
            "GET",
            &format!("/wc/v3/products/{parent}/variations/{vid}"),
            None,
        )
        .await;
    let updated = woo
        .ok(
            "PUT",
            &format!("/wc/v3/products/{parent}/variations/{vid}"),
            Some(json!({"stock_quantity": 77, "regular_price": "30.00"})),
        )
        .await;
    assert_eq!(updated["stock_quantity"], 77);
    assert!(updated["date_modified_gmt"].as_str() >= before["date_modified_gmt"].as_str());
    let hit = rx
        .wait_for("product.updated", |h| {
            h.header("x-wc-webhook-topic") == "product.updated"
        })
        .await;
    assert_eq!(hit.json()["id"], vid);
    assert_eq!(hit.json()["stock_quantity"], 77);
    assert_eq!(hit.header("x-wc-webhook-id"), hook_id.to_string());
    assert_eq!(hit.header("x-wc-webhook-resource"), "product");
    assert_eq!(hit.header("x-wc-webhook-event"), "updated");
    assert_eq!(hit.header("x-wc-webhook-source"), format!("{}/", woo.home));
    let expected =
        base64::engine::general_purpose::STANDARD.encode(hmac_sha256(b"s3cret", &hit.body));
    assert_eq!(hit.header("x-wc-webhook-signature"), expected);
}

#[tokio::test]
async fn rapid_changes_coalesce_into_one_delivery_with_latest_state() {
    let sb = sandbox(cfg(1)).await;
    let woo = Woo::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(0).await;
    hook(&woo, &rx, "product.updated", "k").await;
    control
        .woocommerce_webhook_mode(WebhookMode::Delay { delay_ms: 400 })
        .await
        .unwrap();
    let products = woo
        .call("GET", "/wc/v3/products", &[("per_page", "1")], None)
        .await
        .1;
    let id = products[0]["id"].as_u64().unwrap();
    for qty in [1, 2, 3] {
        woo.ok(
            "PUT",
            &format!("/wc/v3/products/{id}"),
            Some(json!({"stock_quantity": qty})),
        )
        .await;
    }
    let hit = rx
        .wait_for("product.updated", |h| {
            h.header("x-wc-webhook-topic") == "product.updated"
        })
        .await;
    assert_eq!(hit.json()["stock_quantity"], 3);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let n = rx
        .hits
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h.header("x-wc-webhook-topic") == "product.updated")
        .count();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn webhook_is_disabled_on_the_seventh_consecutive_failure() {
    let sb = sandbox(cfg(1)).await;
    let woo = Woo::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(usize::MAX).await;
    let w = woo
        .ok(
            "POST",
            "/wc/v3/webhooks",
            Some(json!({"topic": "product.updated", "delivery_url": rx.url, "secret": "x"})),
        )
        .await;
    let wid = w["id"].as_u64().unwrap();
    let products = woo
        .call("GET", "/wc/v3/products", &[("per_page", "1")], None)
        .await
        .1;
    for n in 1..=7u64 {
        control
            .woocommerce_set_stock(products[0]["sku"].as_str().unwrap(), n as i64)
            .await
            .unwrap();
        let expect = n;
        eventually("a failed delivery", || async {
            let d = control.woocommerce_webhook_deliveries().await.unwrap();
            (d.iter()
                .filter(|d| d.topic == "product.updated" && d.attempts == 1)
                .count() as u64
                == expect)
                .then_some(())
        })
        .await;
        let hooks = control.woocommerce_webhooks().await.unwrap();
        let w = hooks.iter().find(|h| h["id"] == wid).unwrap();
        if n < 7 {
            assert_eq!(
                (w["status"].clone(), w["failure_count"].clone()),
                (json!("active"), json!(n)),
                "after {n}"
            );
        } else {
            assert_eq!(w["status"], "disabled");
        }
    }
}

async fn first_variation(woo: &Woo) -> (u64, u64, String, i64) {
    let products = woo
        .call("GET", "/wc/v3/products", &[("per_page", "1")], None)
        .await
        .1;
    let parent = products[0]["id"].as_u64().unwrap();
    let vid = products[0]["variations"][0].as_u64().unwrap();
    let v = woo
        .ok(
            "GET",
            &format!("/wc/v3/products/{parent}/variations/{vid}"),
            None,
        )
        .await;
    (
        parent,
        vid,
        v["sku"].as_str().unwrap().to_string(),
        v["stock_quantity"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn order_takes_stock_once_and_cancel_gives_it_back() {
    let sb = sandbox(cfg(2)).await;
    let woo = Woo::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let (parent, vid, _, stock) = first_variation(&woo).await;
    let order = woo
        .ok(
            "POST",
            "/wc/v3/orders",
            Some(json!({
                "status": "processing", "set_paid": true,
                "billing": {"first_name": "Ada", "email": "ada@example.invalid"},
                "line_items": [{"product_id": parent, "variation_id": vid, "quantity": 2, "total": "39.98", "subtotal": "39.98"}],
                "shipping_lines": [{"method_id": "flat_rate", "method_title": "TikTok Shop shipping (order 5761234)", "total": "4.50"}],
                "fee_lines": [{"name": "Handling", "total": "1.00"}],
                "meta_data": [{"key": "tiktok_order_id", "value": "5761234"}],
            })),
        )
        .await;
    assert_eq!(order["status"], "processing");
    assert_eq!(order["total"], "45.48");
    assert!(order["date_paid_gmt"].is_string());
    let stock_of = || async {
        woo.ok(
            "GET",
            &format!("/wc/v3/products/{parent}/variations/{vid}"),
            None,
        )
        .await["stock_quantity"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(stock_of().await, stock - 2);
    let oid = order["id"].as_u64().unwrap();
    woo.ok(
        "PUT",
        &format!("/wc/v3/orders/{oid}"),
        Some(json!({"status": "completed"})),
    )
    .await;
    assert_eq!(stock_of().await, stock - 2, "reduced once per order");
    let cancelled = control.woocommerce_cancel_order(oid).await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(stock_of().await, stock);

    // Unknown product ids are refused.
    let (s, v) = woo
        .call(
            "POST",
            "/wc/v3/orders",
            &[],
            Some(json!({"line_items": [{"product_id": 999999, "quantity": 1}]})),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (400, json!("woocommerce_rest_invalid_product_id"))
    );
}

#[tokio::test]
async fn search_finds_orders_by_shipping_line_title() {
    let sb = sandbox(cfg(1)).await;
    let woo = Woo::new(&sb);
    let products = woo
        .call("GET", "/wc/v3/products", &[("per_page", "1")], None)
        .await
        .1;
    let pid = products[0]["id"].as_u64().unwrap();
    for tt in ["5761111", "5762222"] {
        woo.ok(
            "POST",
            "/wc/v3/orders",
            Some(json!({"line_items": [{"product_id": pid, "quantity": 1}],
                        "shipping_lines": [{"method_id": "flat_rate", "method_title": format!("TikTok Shop shipping (order {tt})"), "total": "0.00"}]})),
        )
        .await;
    }
    let (s, v) = woo
        .call("GET", "/wc/v3/orders", &[("search", "5762222")], None)
        .await;
    assert_eq!(s, 200);
    let found = v.as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        found[0]["shipping_lines"][0]["method_title"]
            .as_str()
            .unwrap()
            .contains("5762222")
    );
    let (_, v) = woo
        .call("GET", "/wc/v3/orders", &[("search", "nobody")], None)
        .await;
    assert_eq!(v, json!([]));
}

#[tokio::test]
async fn tracking_route_mirrors_meta_and_fires_order_updated() {
    let sb = sandbox(cfg(1)).await;
    let woo = Woo::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(0).await;
    hook(&woo, &rx, "order.updated", "t").await;
    let products = woo
        .call("GET", "/wc/v3/products", &[("per_page", "1")], None)
        .await
        .1;
    let pid = products[0]["id"].as_u64().unwrap();
    let order = woo
        .ok(
            "POST",
            "/wc/v3/orders",
            Some(json!({"line_items": [{"product_id": pid, "quantity": 1}]})),
        )
        .await;
    let oid = order["id"].as_u64().unwrap();
    let path = format!("/wc-shipment-tracking/v3/orders/{oid}/shipment-trackings");
    let (s, item) = woo
        .call("POST", &path, &[], Some(json!({"tracking_provider": "USPS", "tracking_number": "9400111899560000000000", "date_shipped": "2026-07-10"})))
        .await;
    assert_eq!(s, 201, "{item}");
    assert_eq!(item["tracking_provider"], "USPS");
    assert_eq!(item["date_shipped"], "2026-07-10");
    assert!(
        item["tracking_link"]
            .as_str()
            .unwrap()
            .contains("9400111899560000000000")
    );
    let listed = woo.ok("GET", &path, None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let hit = rx
        .wait_for("order.updated", |h| {
            h.header("x-wc-webhook-topic") == "order.updated"
        })
        .await;
    let meta = hit.json()["meta_data"].as_array().unwrap().clone();
    let items = meta
        .iter()
        .find(|m| m["key"] == "_wc_shipment_tracking_items")
        .unwrap();
    assert_eq!(items["value"][0]["tracking_provider"], "usps");
    assert_eq!(items["value"][0]["date_shipped"], 1_783_641_600);
    let (s, v) = woo
        .call(
            "POST",
            &path,
            &[],
            Some(json!({"tracking_provider": "USPS"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (400, json!("rest_missing_callback_param"))
    );

    let shipped = control.woocommerce_ship(oid, "UPS", "1Z999").await.unwrap();
    assert_eq!(shipped["status"], "completed");
    assert_eq!(
        woo.ok("GET", &path, None).await.as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn batch_over_100_items_is_413() {
    let sb = sandbox(cfg(1)).await;
    let woo = Woo::new(&sb);
    let ids: Vec<u64> = (1..=101).collect();
    let (s, v) = woo
        .call(
            "POST",
            "/wc/v3/products/batch",
            &[],
            Some(json!({"delete": ids})),
        )
        .await;
    assert_eq!(s, 413);
    assert_eq!(
        v,
        json!({"code": "woocommerce_rest_request_entity_too_large", "message": "Unable to accept more than 100 items for this request.", "data": {"status": 413}})
    );
    let products = woo
        .call("GET", "/wc/v3/products", &[("per_page", "2")], None)
        .await
        .1;
    let a = products[0]["id"].as_u64().unwrap();
    let (s, v) = woo
        .call("POST", "/wc/v3/products/batch", &[], Some(json!({"update": [{"id": a, "stock_quantity": 5}, {"id": 999999, "stock_quantity": 1}]})))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["update"][0]["stock_quantity"], 5);
    assert_eq!(
        v["update"][1]["error"]["code"],
        "woocommerce_rest_product_invalid_id"
    );
}

/// A client that trusts only the simulator's self-signed certificate.
fn https_client(sb: &RunningSandbox) -> reqwest::Client {
    let pem = sb.credentials().woocommerce_tls_cert_pem;
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).unwrap();
    assert_eq!(certs.len(), 1, "one certificate in {pem}");
    reqwest::Client::builder()
        .tls_certs_only(certs)
        .build()
        .unwrap()
}

/// Note §1.1: over https (`is_ssl()`) the key is taken from the query string first, then from
/// HTTP Basic; OAuth 1.0a still works there, signed over the https URL.
#[tokio::test]
async fn https_takes_query_keys_then_basic_then_oauth() {
    let sb = sandbox(cfg(1)).await;
    let http = https_client(&sb);
    let woo = Woo {
        http: http.clone(),
        home: sb.woocommerce_https_url(),
        ..Woo::new(&sb)
    };
    assert!(woo.home.starts_with("https://127.0.0.1:"), "{}", woo.home);
    let url = format!("{}/wp-json/wc/v3/products", woo.home);
    let cannot_view = json!({"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.", "data": {"status": 401}});

    // HTTP Basic reads and writes (read_write key).
    let listed = http
        .get(&url)
        .basic_auth(&woo.key, Some(&woo.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let products: Value = listed.json().await.unwrap();
    let id = products[0]["id"].as_u64().unwrap();
    let updated = http
        .put(format!("{url}/{id}"))
        .basic_auth(&woo.key, Some(&woo.secret))
        .json(&json!({"regular_price": "12.34"}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    assert_eq!(
        updated.json::<Value>().await.unwrap()["regular_price"],
        "12.34"
    );
    // The same site: the change shows over plain http too.
    let plain = Woo::new(&sb);
    let (s, v) = plain
        .call("GET", &format!("/wc/v3/products/{id}"), &[], None)
        .await;
    assert_eq!((s, v["regular_price"].clone()), (200, json!("12.34")));

    // Keys in the query string, checked before the Authorization header.
    let query = |key: &str, secret: &str| {
        common::with_query(&url, &[("consumer_key", key), ("consumer_secret", secret)])
    };
    let (s, _, v) = woo.raw("GET", &query(&woo.key, &woo.secret), None).await;
    assert_eq!(s, 200, "{v}");
    let resp = http
        .get(query(&woo.key, &woo.secret))
        .basic_auth(&woo.key, Some("cs_wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // A wrong secret for a known key: the exact error, and no `WWW-Authenticate` (WooCommerce
    // goes on to OAuth, which resets its auth method before the header would be added).
    let bad_secret = [
        http.get(&url).basic_auth(&woo.key, Some("cs_wrong")),
        http.get(query(&woo.key, "cs_wrong"))
            .basic_auth(&woo.key, Some(&woo.secret)),
    ];
    for request in bad_secret {
        let resp = request.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        assert!(resp.headers().get("www-authenticate").is_none());
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            auth_error("Consumer secret is invalid.")
        );
    }

    // An unknown key is no error from authentication: the request is anonymous.
    let (s, _, v) = woo.raw("GET", &query("ck_unknown", "cs_x"), None).await;
    assert_eq!((s, v), (401, cannot_view.clone()));
    let resp = http
        .get(&url)
        .basic_auth("ck_unknown", Some(&woo.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.json::<Value>().await.unwrap(), cannot_view);

    // Key permissions and namespaces apply as with OAuth.
    let control = ControlClient::for_sandbox(&sb);
    let (rk, rs) = control.woocommerce_read_only_key().await.unwrap();
    let resp = http
        .put(format!("{url}/{id}"))
        .basic_auth(&rk, Some(&rs))
        .json(&json!({"regular_price": "1.00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        auth_error("The API key provided does not have write permissions.")
    );
    let resp = http
        .get(format!("{}/wp-json/wp/v2/posts", woo.home))
        .basic_auth(&woo.key, Some(&woo.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        auth_error("The provided API key cannot be used to access this endpoint.")
    );

    // No key at all: OAuth, whose signature covers the https URL.
    let (s, v) = woo.call("GET", "/wc/v3/products", &[], None).await;
    assert_eq!(s, 200, "{v}");
    let signed_for_http = plain.signed("GET", "/wc/v3/products", &[], Auth::Sha256);
    let over_https = signed_for_http.replacen(&plain.home, &woo.home, 1);
    let (s, _, v) = woo.raw("GET", &over_https, None).await;
    assert_eq!(
        (s, v),
        (
            401,
            auth_error("Invalid signature - provided signature does not match.")
        )
    );

    // Plain http still ignores Basic.
    let resp = plain
        .http
        .get(format!("{}/wp-json/wc/v3/products", plain.home))
        .basic_auth(&woo.key, Some(&woo.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.json::<Value>().await.unwrap(), cannot_view);
}
