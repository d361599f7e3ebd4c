//! Amazon SP-API simulator over real HTTP: LWA, access tokens, rate limits, FBA inventory,
//! Fulfillment Outbound create/get/cancel/list/tracking and the order lifecycle.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use std::time::Duration;

use common::sandbox;
use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use serde_json::{Value, json};

const US: &str = "ATVPDKIKX0DER";
const ORDERS: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";

pub(crate) struct Sp {
    http: reqwest::Client,
    base: String,
    token: String,
    pub(crate) ctl: ControlClient,
}

impl Sp {
    pub(crate) async fn new(sb: &RunningSandbox) -> Self {
        let http = reqwest::Client::new();
        let base = sb.amazon_url();
        let creds = sb.credentials();
        let (status, v) = lwa(
            &http,
            &base,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &creds.amazon_refresh_token),
                ("client_id", &creds.amazon_client_id),
                ("client_secret", &creds.amazon_client_secret),
            ],
        )
        .await;
        assert_eq!(status, 200, "{v}");
        Self {
            http,
            base,
            token: v["access_token"].as_str().unwrap().to_string(),
            ctl: ControlClient::for_sandbox(sb),
        }
    }

    pub(crate) async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (status, _, v) = self.call_h(method, path, body).await;
        (status, v)
    }

    pub(crate) async fn call_h(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let url = format!("{}{path}", self.base);
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .header("x-amz-access-token", &self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self, body: &Value) -> (u16, Value) {
        self.call("POST", ORDERS, Some(body.clone())).await
    }

    async fn get(&self, id: &str) -> (u16, Value) {
        self.call("GET", &format!("{ORDERS}/{id}"), None).await
    }
}

async fn lwa(http: &reqwest::Client, base: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let resp = http
        .post(format!("{base}/auth/o2/token"))
        .header(
            "content-type",
            "application/x-www-form-urlencoded;charset=UTF-8",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn fba(products: usize) -> SandboxConfig {
    SandboxConfig {
        products,
        variants_per_product: Some(1),
        fba_products: products,
        ..SandboxConfig::default()
    }
}

async fn first_sku(sp: &Sp) -> String {
    let stock = sp.ctl.amazon_fba_stock().await.unwrap();
    stock[0]["sellerSku"].as_str().unwrap().to_string()
}

fn order(id: &str, sku: &str, quantity: i64) -> Value {
    json!({
        "marketplaceId": US, "sellerFulfillmentOrderId": id, "displayableOrderId": id,
        "displayableOrderDate": "2026-01-09T19:46:45Z",
        "displayableOrderComment": "Thank you for your order",
        "shippingSpeedCategory": "Standard", "fulfillmentAction": "Ship",
        "fulfillmentPolicy": "FillOrKill",
        "destinationAddress": {"name": "Jane Doe", "addressLine1": "1 Main St", "city": "Troy",
            "stateOrRegion": "MI", "postalCode": "48084", "countryCode": "US", "phone": "5555550100"},
        "items": [{"sellerSku": sku, "sellerFulfillmentOrderItemId": "line-1", "quantity": quantity}],
    })
}

fn error_code(v: &Value) -> &str {
    v["errors"][0]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn lwa_token_exchange_and_errors() {
    let sb = sandbox(SandboxConfig::default()).await;
    let http = reqwest::Client::new();
    let base = sb.amazon_url();
    let c = sb.credentials();
    assert!(c.amazon_refresh_token.starts_with("Atzr|"));
    let good = [
        ("grant_type", "refresh_token"),
        ("refresh_token", c.amazon_refresh_token.as_str()),
        ("client_id", c.amazon_client_id.as_str()),
        ("client_secret", c.amazon_client_secret.as_str()),
    ];
    let (status, v) = lwa(&http, &base, &good).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["access_token"].as_str().unwrap().starts_with("Atza|"));
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["refresh_token"], json!(c.amazon_refresh_token));

    let mut wrong_secret = good;
    wrong_secret[3].1 = "nope";
    let (status, v) = lwa(&http, &base, &wrong_secret).await;
    assert_eq!((status, v["error"].as_str()), (401, Some("invalid_client")));

    let mut wrong_grant = good;
    wrong_grant[0].1 = "client_credentials";
    let (status, v) = lwa(&http, &base, &wrong_grant).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );

    let (status, v) = lwa(&http, &base, &good[..3]).await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // JSON is not accepted by the token endpoint.
    let resp = http
        .post(format!("{base}/auth/o2/token"))
        .json(&json!({"grant_type": "refresh_token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);

    let ctl = ControlClient::for_sandbox(&sb);
    ctl.amazon_revoke_refresh_token().await.unwrap();
    let (status, v) = lwa(&http, &base, &good).await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_grant")));
    assert!(!v["error_description"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn access_token_missing_invalid_and_expired() {
    let sb = sandbox(fba(1)).await;
    let sp = Sp::new(&sb).await;
    let url = format!("{}{ORDERS}/x", sp.base);
    let resp = sp.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.headers().contains_key("x-amzn-RequestId"));
    let v: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&v), "Unauthorized");
    assert_eq!(
        v["errors"][0]["message"],
        "Access to requested resource is denied."
    );

    let resp = sp
        .http
        .get(&url)
        .header("x-amz-access-token", "Atza|forged")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);

    let (status, v) = sp.get("x").await;
    assert_eq!((status, error_code(&v)), (404, "NotFound"), "{v}");
    sp.ctl.amazon_expire_tokens().await.unwrap();
    let (status, v) = sp.get("x").await;
    assert_eq!(status, 403);
    assert_eq!(
        v["errors"][0]["details"],
        "The access token you provided has expired."
    );
}

#[tokio::test]
async fn rate_limit_after_the_burst() {
    let sb = sandbox(fba(1)).await;
    let sp = Sp::new(&sb).await;
    let path = format!(
        "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId={US}&marketplaceIds={US}"
    );
    // Burst 2, rate 2/s: the third immediate call is throttled.
    let (s1, h1, _) = sp.call_h("GET", &path, None).await;
    let (s2, _, _) = sp.call_h("GET", &path, None).await;
    let (s3, h3, v3) = sp.call_h("GET", &path, None).await;
    assert_eq!((s1, s2, s3), (200, 200, 429), "{v3}");
    assert_eq!(error_code(&v3), "QuotaExceeded");
    assert_eq!(h1["x-amzn-RateLimit-Limit"], "2.0");
    assert!(!h3.contains_key("x-amzn-RateLimit-Limit"));
    // Buckets are per operation: outbound calls are not affected.
    let (status, _) = sp.get("unknown").await;
    assert_eq!(status, 404);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, _) = sp.call("GET", &path, None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn inventory_params_details_and_pagination() {
    let sb = sandbox(fba(60)).await;
    let sp = Sp::new(&sb).await;
    let base = format!(
        "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId={US}&marketplaceIds={US}"
    );
    let (status, v) = sp.call("GET", &format!("{base}&details=true"), None).await;
    assert_eq!(status, 200, "{v}");
    let page = v["payload"]["inventorySummaries"].as_array().unwrap();
    assert_eq!(page.len(), 50);
    assert_eq!(v["payload"]["granularity"]["granularityId"], US);
    assert!(
        page[0]["inventoryDetails"]["fulfillableQuantity"]
            .as_i64()
            .unwrap()
            >= 10
    );
    let token = v["pagination"]["nextToken"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, v) = sp
        .call("GET", &format!("{base}&nextToken={token}"), None)
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["payload"]["inventorySummaries"].as_array().unwrap().len(),
        10
    );
    assert!(v.get("pagination").is_none());
    assert!(
        v["payload"]["inventorySummaries"][0]
            .get("inventoryDetails")
            .is_none()
    );

    tokio::time::sleep(Duration::from_millis(600)).await;
    let sku = first_sku(&sp).await;
    let (status, v) = sp
        .call("GET", &format!("{base}&sellerSkus={sku}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        v["payload"]["inventorySummaries"][0]["sellerSku"],
        json!(sku)
    );
    assert_eq!(
        v["payload"]["inventorySummaries"].as_array().unwrap().len(),
        1
    );

    for bad in [
        format!("/fba/inventory/v1/summaries?granularityId={US}&marketplaceIds={US}"),
        format!("/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId={US}"),
        format!("{base},A2EUQ1WTGCTBG2"),
        "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=A1F83G8C2ARO7P&marketplaceIds=A1F83G8C2ARO7P"
            .to_string(),
        format!("{base}&nextToken=garbage"),
    ] {
        tokio::time::sleep(Duration::from_millis(550)).await;
        let (status, v) = sp.call("GET", &bad, None).await;
        assert_eq!(
            (status, error_code(&v)),
            (400, "InvalidInput"),
            "{bad}: {v}"
        );
    }
}

#[tokio::test]
async fn create_get_duplicate_and_cancel() {
    let sb = sandbox(fba(2)).await;
    let sp = Sp::new(&sb).await;
    let sku = first_sku(&sp).await;
    let before =
        sp.ctl.amazon_fba_stock().await.unwrap()[0]["inventoryDetails"]["fulfillableQuantity"]
            .as_i64()
            .unwrap();
    let body = order("TTS-1001", &sku, 2);
    let (status, v) = sp.create(&body).await;
    assert_eq!((status, v.clone()), (200, json!({})));
    let (status, v) = sp.get("TTS-1001").await;
    assert_eq!(status, 200, "{v}");
    let p = &v["payload"];
    assert_eq!(p["fulfillmentOrder"]["fulfillmentOrderStatus"], "Received");
    assert_eq!(
        p["fulfillmentOrder"]["displayableOrderComment"],
        "Thank you for your order"
    );
    assert_eq!(p["fulfillmentOrderItems"][0]["quantity"], 2);
    assert_eq!(p["returnItems"], json!([]));
    assert_eq!(p["returnAuthorizations"], json!([]));
    assert!(p.get("fulfillmentShipments").is_none());
    let held = sp.ctl.amazon_fba_stock().await.unwrap()[0]["inventoryDetails"].clone();
    assert_eq!(held["fulfillableQuantity"], before - 2);
    assert_eq!(held["reservedQuantity"]["pendingCustomerOrderQuantity"], 2);

    // Identical resubmission: 200. Same id, other body: 400.
    assert_eq!(sp.create(&body).await.0, 200);
    let (status, v) = sp.create(&order("TTS-1001", &sku, 3)).await;
    assert_eq!((status, error_code(&v)), (400, "InvalidInput"));

    let (status, v) = sp
        .call("PUT", &format!("{ORDERS}/TTS-1001/cancel"), None)
        .await;
    assert_eq!((status, v), (200, json!({})));
    let (_, v) = sp.get("TTS-1001").await;
    assert_eq!(
        v["payload"]["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "Cancelled"
    );
    assert_eq!(
        v["payload"]["fulfillmentOrderItems"][0]["cancelledQuantity"],
        2
    );
    let after =
        sp.ctl.amazon_fba_stock().await.unwrap()[0]["inventoryDetails"]["fulfillableQuantity"]
            .as_i64()
            .unwrap();
    assert_eq!(after, before);

    // Processing orders cannot be cancelled.
    sp.create(&order("TTS-1002", &sku, 1)).await;
    sp.ctl
        .amazon_set_order_status("TTS-1002", "Processing")
        .await
        .unwrap();
    let (status, v) = sp
        .call("PUT", &format!("{ORDERS}/TTS-1002/cancel"), None)
        .await;
    assert_eq!((status, error_code(&v)), (400, "InvalidInput"), "{v}");
    let (status, _) = sp.call("PUT", &format!("{ORDERS}/nope/cancel"), None).await;
    assert_eq!(status, 404);

    // listAllFulfillmentOrders sees both.
    let (status, v) = sp
        .call(
            "GET",
            &format!("{ORDERS}?queryStartDate=2020-01-01T00:00:00Z"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        v["payload"]["fulfillmentOrders"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn create_validation() {
    let sb = sandbox(fba(1)).await;
    let sp = Sp::new(&sb).await;
    let sku = first_sku(&sp).await;
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let base = order("V-1", &sku, 1);
    let with = |path: &[&str], value: Value| {
        let mut b = base.clone();
        let mut slot = &mut b;
        for key in path {
            slot = match key.parse::<usize>() {
                Ok(i) => &mut slot[i],
                Err(_) => &mut slot[*key],
            };
        }
        *slot = value;
        b
    };
    cases.push((
        with(&["sellerFulfillmentOrderId"], json!("X".repeat(41))),
        "40",
    ));
    cases.push((
        with(&["displayableOrderComment"], Value::Null),
        "displayableOrderComment",
    ));
    cases.push((
        with(&["displayableOrderDate"], json!("yesterday")),
        "displayableOrderDate",
    ));
    cases.push((
        with(&["shippingSpeedCategory"], json!("Fast")),
        "shippingSpeedCategory",
    ));
    cases.push((
        with(&["fulfillmentPolicy"], json!("Whatever")),
        "fulfillmentPolicy",
    ));
    cases.push((
        with(&["destinationAddress", "postalCode"], json!("")),
        "postalCode",
    ));
    cases.push((
        with(&["destinationAddress", "countryCode"], json!("USA")),
        "countryCode",
    ));
    cases.push((
        with(&["displayableOrderId"], json!("A  B")),
        "double spaces",
    ));
    cases.push((with(&["marketplaceId"], json!("A1F83G8C2ARO7P")), "region"));
    cases.push((
        with(&["destinationAddress", "stateOrRegion"], json!("")),
        "stateOrRegion",
    ));
    cases.push((
        with(
            &["items", "0", "perUnitDeclaredValue"],
            json!({"currencyCode": "GBP", "value": "9.99"}),
        ),
        "not the currency of the marketplace (USD)",
    ));
    cases.push((with(&["items"], json!([])), "at least one"));
    cases.push((
        with(&["items", "0", "sellerSku"], json!("NOT-AT-FBA")),
        "the SellerSKU for Item Id: line-1 is invalid.",
    ));
    cases.push((with(&["items", "0", "quantity"], json!(251)), "250"));
    cases.push((with(&["items", "0", "quantity"], json!(0)), "at least 1"));
    let dup_items = json!([
        {"sellerSku": sku, "sellerFulfillmentOrderItemId": "a", "quantity": 1},
        {"sellerSku": sku, "sellerFulfillmentOrderItemId": "a", "quantity": 1},
    ]);
    cases.push((with(&["items"], dup_items), "more than one item"));
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"sellerSku": sku, "sellerFulfillmentOrderItemId": format!("l{i}"), "quantity": 1}))
        .collect();
    cases.push((with(&["items"], json!(many)), "at most 100"));
    for (body, expect) in cases {
        let (status, v) = sp.create(&body).await;
        assert_eq!(
            (status, error_code(&v)),
            (400, "InvalidInput"),
            "{expect}: {v}"
        );
        let message = v["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(expect), "{expect}: {message}");
    }
    assert!(sp.ctl.amazon_orders().await.unwrap().is_empty());
}

#[tokio::test]
async fn lifecycle_unfulfillable_invalid_and_ship() {
    let sb = sandbox(fba(1)).await;
    let sp = Sp::new(&sb).await;
    let sku = first_sku(&sp).await;
    sp.ctl.amazon_set_fba_stock(&sku, 3).await.unwrap();

    sp.create(&order("L-short", &sku, 5)).await;
    let (_, v) = sp.get("L-short").await;
    assert_eq!(
        v["payload"]["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "Unfulfillable"
    );
    assert_eq!(
        v["payload"]["fulfillmentOrderItems"][0]["unfulfillableQuantity"],
        5
    );

    let mut bad = order("L-invalid", &sku, 1);
    bad["destinationAddress"]["addressLine1"] = json!("INVALID");
    assert_eq!(sp.create(&bad).await.0, 200);
    let (_, v) = sp.get("L-invalid").await;
    assert_eq!(
        v["payload"]["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "Invalid"
    );

    sp.create(&order("L+ok", &sku, 2)).await;
    // A '+' in the path (even encoded) turns into a space: the order cannot be fetched.
    assert_eq!(sp.get("L%2Bok").await.0, 404);
    let v = sp
        .ctl
        .amazon_set_order_status("L+ok", "Planning")
        .await
        .unwrap();
    assert_eq!(
        v["fulfillmentShipments"][0]["fulfillmentShipmentStatus"],
        "PENDING"
    );
    let v = sp
        .ctl
        .amazon_ship("L+ok", "USPS", "9400100000000000000000")
        .await
        .unwrap();
    assert_eq!(v["fulfillmentOrder"]["fulfillmentOrderStatus"], "Complete");
    let shipment = &v["fulfillmentShipments"][0];
    assert_eq!(shipment["fulfillmentShipmentStatus"], "SHIPPED");
    let package = &shipment["fulfillmentShipmentPackage"][0];
    assert_eq!(package["carrierCode"], "USPS");
    assert_eq!(package["trackingNumber"], "9400100000000000000000");
    assert_eq!(shipment["fulfillmentShipmentItem"][0]["quantity"], 2);
    let stock = sp.ctl.amazon_fba_stock().await.unwrap();
    assert_eq!(stock[0]["inventoryDetails"]["fulfillableQuantity"], 1);
    assert_eq!(stock[0]["totalQuantity"], 1);

    let number = package["packageNumber"].as_i64().unwrap();
    let (status, v) = sp
        .call(
            "GET",
            &format!("/fba/outbound/2020-07-01/tracking?packageNumber={number}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["payload"]["trackingNumber"], "9400100000000000000000");
    assert!(sp.ctl.amazon_ship("L+ok", "UPS", "1Z").await.is_err());
}

#[tokio::test]
async fn auto_ship_completes_with_ups_tracking() {
    let sb = sandbox(SandboxConfig {
        mcf_auto_ship: Some(Duration::from_millis(300)),
        ..fba(1)
    })
    .await;
    let sp = Sp::new(&sb).await;
    let sku = first_sku(&sp).await;
    sp.create(&order("AUTO-1", &sku, 1)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let v = loop {
        let v = sp.ctl.amazon_order("AUTO-1").await.unwrap();
        if v["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Complete" {
            break v;
        }
        assert!(tokio::time::Instant::now() < deadline, "never shipped: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let package = &v["fulfillmentShipments"][0]["fulfillmentShipmentPackage"][0];
    assert_eq!(package["carrierCode"], "UPS");
    let tracking = package["trackingNumber"].as_str().unwrap();
    assert!(
        tracking.starts_with("1Z") && tracking.len() == 18,
        "{tracking}"
    );
}

#[tokio::test]
async fn faults_and_call_log() {
    let sb = sandbox(fba(1)).await;
    let sp = Sp::new(&sb).await;
    for (kind, status, code) in [
        (FaultKind::RateLimit, 429, "QuotaExceeded"),
        (FaultKind::Http500, 500, "InternalFailure"),
    ] {
        sp.ctl
            .amazon_fault(&Fault {
                path_contains: "getFulfillmentOrder".to_string(),
                kind,
                count: 1,
            })
            .await
            .unwrap();
        let (s, v) = sp.get("any").await;
        assert_eq!((s, error_code(&v)), (status, code));
    }
    let calls = sp.ctl.amazon_calls().await.unwrap();
    assert_eq!(calls[0].operation.as_deref(), Some("token"));
    assert_eq!(calls[1].operation.as_deref(), Some("getFulfillmentOrder"));
    assert_eq!(calls[1].status, 429);
}

/// A seller in the UK marketplace is served by the EU endpoint only: the NA one refuses its
/// calls with SP-API's 403, a US marketplace id is refused on the EU endpoint, money must be
/// in pounds, and Royal Mail ships it.
#[tokio::test]
async fn a_uk_seller_is_served_in_the_eu_region_only_and_in_pounds() {
    let sb = sandbox(SandboxConfig {
        amazon_marketplace: "UK".into(),
        ..fba(1)
    })
    .await;
    assert_eq!(sb.amazon_region_url("eu"), Some(sb.amazon_url()));
    let mut sp = Sp::new(&sb).await;
    let sku = first_sku(&sp).await;
    let uk_order = |id: &str, currency: &str| {
        let mut body = order(id, &sku, 1);
        body["marketplaceId"] = json!("A1F83G8C2ARO7P");
        body["destinationAddress"] = json!({"name": "Jane Doe", "addressLine1": "10 High Street",
            "city": "London", "stateOrRegion": "Greater London", "postalCode": "SW1A 1AA",
            "countryCode": "GB", "phone": "+447700900123"});
        body["items"][0]["perUnitDeclaredValue"] =
            json!({"currencyCode": currency, "value": "12.50"});
        body
    };

    let eu = sp.base.clone();
    sp.base = sb.amazon_region_url("NA").unwrap();
    let (status, v) = sp.create(&uk_order("UK-1", "GBP")).await;
    assert_eq!((status, error_code(&v)), (403, "Unauthorized"), "{v}");
    assert_eq!(
        v["errors"][0]["message"],
        "Access to requested resource is denied."
    );
    let (status, _) = sp.call("GET", "/fba/inventory/v1/summaries", None).await;
    assert_eq!(
        status, 403,
        "every operation is refused outside the seller's region"
    );
    sp.base = eu;

    let (status, v) = sp.create(&order("US-1", &sku, 1)).await;
    assert_eq!((status, error_code(&v)), (400, "InvalidInput"), "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("region"),
        "{v}"
    );
    let (status, v) = sp.create(&uk_order("UK-1", "USD")).await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("(GBP)"),
        "{v}"
    );
    assert!(sp.ctl.amazon_orders().await.unwrap().is_empty());

    let (status, v) = sp.create(&uk_order("UK-1", "GBP")).await;
    assert_eq!(status, 200, "{v}");
    let (_, got) = sp.get("UK-1").await;
    assert_eq!(
        got["payload"]["fulfillmentOrder"]["marketplaceId"],
        "A1F83G8C2ARO7P"
    );
    assert_eq!(
        got["payload"]["fulfillmentOrderItems"][0]["perUnitDeclaredValue"]["currencyCode"],
        "GBP"
    );
}
