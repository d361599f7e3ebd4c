//! Salesforce B2C Commerce: Account Manager and SLAS tokens, SCAPI problem details and OCAPI
//! faults, OCAPI product search paging, inventory records, and the Orders API's
//! `createOrders` (trusted-system token, totals checked, order numbers unique).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common::sandbox;

use base64::Engine;
use feedbridge_sandbox::control::{ControlClient, SfccCredentials};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{RunningSandbox, SandboxConfig};
use serde_json::{Value, json};

struct Client {
    http: reqwest::Client,
    base: String,
    creds: SfccCredentials,
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

impl Client {
    fn new(sb: &RunningSandbox) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: sb.store_url(SimStore::Sfcc),
            creds: sb.credentials().store("sfcc"),
        }
    }

    async fn am_token(&self, secret: &str, scope: &str) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/dwsso/oauth2/access_token", self.base))
            .header("authorization", basic(&self.creds.client_id, secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&scope={}",
                scope.replace(' ', "+").replace(':', "%3A")
            ))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn admin(&self) -> String {
        let scope = "SALESFORCE_COMMERCE_API:zzxy_prd sfcc.products sfcc.orders.rw";
        let (status, body) = self.am_token(&self.creds.client_secret, scope).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn tsob(&self) -> String {
        let c = &self.creds;
        let r = self
            .http
            .post(format!(
                "{}/shopper/auth/v1/organizations/{}/oauth2/trusted-system/token",
                self.base, c.organization_id
            ))
            .header("authorization", basic(&c.slas_client_id, &c.slas_client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&hint=ts_ext_on_behalf_of&login_id=guest&idp_origin=ecom&client_id={}&channel_id={}",
                c.slas_client_id, c.site_id
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["expires_in"], 900);
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut r = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            r = r.json(&body);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn orders(&self) -> String {
        format!(
            "/checkout/orders/v1/organizations/{}/orders",
            self.creds.organization_id
        )
    }
}

fn order(no: &str, sku: &str, total: f64) -> Value {
    json!({
        "orderNo": no,
        "channelType": "tiktok",
        "currency": "USD",
        "paymentStatus": "paid",
        "c_tiktokOrderId": "576000000000000001",
        "billingAddress": {"firstName": "Ada", "lastName": "Lovelace", "address1": "1 Main St", "city": "Austin", "countryCode": "US"},
        "paymentInstruments": [{"paymentMethodId": "TIKTOK_SHOP", "paymentTransaction": {"amount": total, "transactionId": "576000000000000001"}}],
        "productItems": [{"productId": sku, "productName": "Tee", "quantity": 1, "basePrice": 19.99, "netPrice": 19.99, "grossPrice": 19.99, "tax": 0, "shipmentId": "me"}],
        "shipments": [{"shipmentId": "me", "shippingMethod": "TIKTOK", "shippingAddress": {"firstName": "Ada", "lastName": "Lovelace", "address1": "1 Main St", "city": "Austin", "countryCode": "US"}, "shippingTotal": 5, "taxTotal": 0}],
        "orderTotal": total,
        "taxTotal": 0,
    })
}

#[tokio::test]
async fn account_manager_checks_the_client_and_the_tenant_scope() {
    let sb = sandbox(SandboxConfig::default()).await;
    let c = Client::new(&sb);
    let (status, body) = c
        .am_token("wrong", "SALESFORCE_COMMERCE_API:zzxy_prd")
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = c
        .am_token(&c.creds.client_secret, "SALESFORCE_COMMERCE_API:other_prd")
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, body) = c
        .am_token(
            &c.creds.client_secret,
            "SALESFORCE_COMMERCE_API:zzxy_prd sfcc.orders",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["expires_in"], 1799);
    assert_eq!(body["token_type"], "Bearer");

    // No token: SCAPI answers a problem, OCAPI a fault.
    let (status, body) = c
        .call(
            "GET",
            &format!("{}?siteId=RefArch", c.orders()),
            "nope",
            None,
        )
        .await;
    assert_eq!(status, 401);
    assert!(
        body["type"].as_str().unwrap().ends_with("/unauthorized"),
        "{body}"
    );
    let (status, body) = c
        .call(
            "POST",
            "/s/-/dw/data/v23_2/product_search",
            "nope",
            Some(json!({"query": {"match_all_query": {}}})),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["fault"]["type"], "InvalidAccessTokenException");
    assert_eq!(body["_v"], "23.2");

    // Expired tokens stop working.
    let token = c.admin().await;
    let path = format!("{}?siteId=RefArch", c.orders());
    assert_eq!(c.call("GET", &path, &token, None).await.0, 200);
    ControlClient::for_sandbox(&sb)
        .sfcc_expire_tokens()
        .await
        .unwrap();
    assert_eq!(c.call("GET", &path, &token, None).await.0, 401);
}

#[tokio::test]
async fn products_are_searched_in_pages_and_read_with_variants_prices_and_ats() {
    let sb = sandbox(SandboxConfig {
        products: 5,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let c = Client::new(&sb);
    let token = c.admin().await;
    let search = |start: u64, count: u64| json!({"query": {"match_all_query": {}}, "sorts": [{"field": "last_modified", "sort_order": "asc"}], "start": start, "count": count});
    let path = "/s/-/dw/data/v23_2/product_search";
    let (status, page) = c.call("POST", path, &token, Some(search(0, 2))).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["total"].as_u64(), page["count"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(page["next"]["start"], 2);
    let (_, last) = c.call("POST", path, &token, Some(search(4, 2))).await;
    assert_eq!(last["count"], 1);
    assert!(last.get("next").is_none());
    let (status, body) = c.call("POST", path, &token, Some(search(0, 201))).await;
    assert_eq!(status, 400);
    assert_eq!(body["fault"]["type"], "InvalidSearchQueryException");

    let id = page["hits"][0]["id"].as_str().unwrap();
    let org = &c.creds.organization_id;
    let (status, product) = c
        .call(
            "GET",
            &format!("/product/products/v1/organizations/{org}/products/{id}?siteId=RefArch"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{product}");
    assert_eq!(product["type"]["master"], true);
    let variant = &product["variants"][0];
    assert!(
        variant["price"].is_number() && variant["ats"].is_number(),
        "{variant}"
    );
    assert_eq!(variant["priceCurrency"], "USD");
    assert_eq!(variant["variationValues"].as_object().unwrap().len(), 1);

    let (status, body) = c
        .call(
            "GET",
            &format!("/product/products/v1/organizations/{org}/products/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 400, "siteId is required: {body}");
    let (status, body) = c
        .call(
            "GET",
            &format!("/product/products/v1/organizations/{org}/products/nope?siteId=RefArch"),
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["title"].as_str()),
        (404, Some("Product Not Found"))
    );
}

#[tokio::test]
async fn inventory_records_are_read_and_allocated() {
    let sb = sandbox(SandboxConfig {
        products: 1,
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let c = Client::new(&sb);
    let token = c.admin().await;
    let control = ControlClient::for_sandbox(&sb);
    let sku = control.sfcc_products().await.unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path =
        format!("/s/-/dw/data/v23_2/inventory_lists/inventory_m/product_inventory_records/{sku}");
    let (status, record) = c
        .call(
            "PATCH",
            &path,
            &token,
            Some(json!({"allocation": {"amount": 12}})),
        )
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(
        (record["ats"].as_i64(), record["_type"].as_str()),
        (Some(12), Some("product_inventory_record"))
    );
    let (status, body) = c
        .call("PATCH", &path, &token, Some(json!({"ats": 3})))
        .await;
    assert_eq!(
        (status, body["fault"]["type"].as_str()),
        (400, Some("ReadOnlyPropertyException"))
    );
    let (status, body) = c
        .call(
            "GET",
            "/s/-/dw/data/v23_2/inventory_lists/other/product_inventory_records/x",
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["fault"]["type"].as_str()),
        (404, Some("InventoryListNotFoundException"))
    );
    let (status, body) = c
        .call(
            "GET",
            "/s/-/dw/data/v23_2/inventory_lists/inventory_m/product_inventory_records/none",
            &token,
            None,
        )
        .await;
    assert_eq!(
        (status, body["fault"]["type"].as_str()),
        (404, Some("ProductInventoryRecordNotFoundException"))
    );
    assert_eq!(control.sfcc_set_stock(&sku, 4).await.unwrap()["ats"], 4);
}

#[tokio::test]
async fn orders_are_created_with_a_trusted_system_token_once_per_number() {
    let sb = sandbox(SandboxConfig::default()).await;
    let c = Client::new(&sb);
    let admin = c.admin().await;
    let tsob = c.tsob().await;
    let create = format!("{}?siteId=RefArch", c.orders());

    // An Account Manager token is not accepted by createOrders.
    let (status, _) = c
        .call("POST", &create, &admin, Some(order("TT1", "TEE-1", 24.99)))
        .await;
    assert_eq!(status, 403);
    // Totals are summed and compared.
    let (status, body) = c
        .call("POST", &create, &tsob, Some(order("TT1", "TEE-1", 20.0)))
        .await;
    assert_eq!(
        (status, body["title"].as_str()),
        (400, Some("Invalid Order Total")),
        "{body}"
    );
    // Unknown properties must be custom attributes.
    let mut bad = order("TT1", "TEE-1", 24.99);
    bad["tiktokOrderId"] = json!("x");
    let (status, body) = c.call("POST", &create, &tsob, Some(bad)).await;
    assert_eq!(status, 400, "{body}");
    // Another currency than the site's.
    let mut eur = order("TT1", "TEE-1", 24.99);
    eur["currency"] = json!("EUR");
    assert_eq!(c.call("POST", &create, &tsob, Some(eur)).await.0, 400);

    let (status, _) = c
        .call("POST", &create, &tsob, Some(order("TT1", "TEE-1", 24.99)))
        .await;
    assert_eq!(status, 201);
    let (status, body) = c
        .call("POST", &create, &tsob, Some(order("TT1", "TEE-1", 24.99)))
        .await;
    assert_eq!(
        (status, body["title"].as_str()),
        (409, Some("Order Already Exists")),
        "{body}"
    );

    let one = format!("{}/TT1?siteId=RefArch", c.orders());
    let (status, got) = c.call("GET", &one, &admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (got["status"].as_str(), got["channelType"].as_str()),
        (Some("new"), Some("tiktok"))
    );
    assert_eq!(got["c_tiktokOrderId"], "576000000000000001");
    assert_eq!(got["shipments"][0]["shippingStatus"], "not_shipped");
    let (status, body) = c
        .call(
            "GET",
            &format!("{}/TT9?siteId=RefArch", c.orders()),
            &admin,
            None,
        )
        .await;
    assert_eq!(
        (status, body["title"].as_str()),
        (404, Some("Order Not Found"))
    );

    // The merchant ships; the order reads back with the tracking number.
    let control = ControlClient::for_sandbox(&sb);
    control
        .sfcc_ship("TT1", "UPS", "1Z999AA10123456784")
        .await
        .unwrap();
    let (_, got) = c.call("GET", &one, &admin, None).await;
    assert_eq!(got["shipments"][0]["trackingNumber"], "1Z999AA10123456784");
    assert_eq!(got["shippingStatus"], "shipped");

    // Status changes; only custom attributes may be patched.
    let status_path = format!("{}/TT1/status?siteId=RefArch", c.orders());
    assert_eq!(
        c.call(
            "PUT",
            &status_path,
            &admin,
            Some(json!({"status": "cancelled"}))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        c.call(
            "PUT",
            &status_path,
            &admin,
            Some(json!({"status": "failed"}))
        )
        .await
        .0,
        409
    );
    assert_eq!(
        c.call("PATCH", &one, &admin, Some(json!({"c_tags": "a"})))
            .await
            .0,
        204
    );
    assert_eq!(
        c.call("PATCH", &one, &admin, Some(json!({"status": "new"})))
            .await
            .0,
        400
    );

    // Listing: by last modification, ascending, limit 1–200.
    let list = format!(
        "{}?siteId=RefArch&sortBy=last_modified_date&sortOrder=asc&lastModifiedDateFrom=2020-01-01T00:00:00.000Z&limit=200",
        c.orders()
    );
    let (status, page) = c.call("GET", &list, &admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(page["data"][0]["status"], "cancelled");
    assert!(page.get("total").is_none());
    let (status, _) = c
        .call(
            "GET",
            &format!("{}?siteId=RefArch&limit=201", c.orders()),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 400);
}
