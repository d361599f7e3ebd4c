//! Magento 2: integration bearer tokens and OAuth 1.0a, ACL answers, searchCriteria paging
//! (the last page again past the end), error shapes, catalog and MSI stock. The checkout and
//! order side is in `magento_orders`, with the helpers here.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use base64::Engine;
use common::{hmac_sha256, now, sandbox};
use feedbridge_sandbox::control::{ControlClient, MagentoConfig, MagentoKeys};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{RunningSandbox, SandboxConfig};
use serde_json::{Value, json};

/// RFC 3986 percent-encoding, written from RFC 5849 §3.6.
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

pub(crate) enum Auth {
    None,
    Bearer(String),
    Signed { sha1: bool },
}

pub(crate) struct Mage {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    consumer_key: String,
    consumer_secret: String,
    token: String,
    token_secret: String,
}

impl Mage {
    pub(crate) fn new(sb: &RunningSandbox) -> Self {
        let keys: MagentoKeys = sb.credentials().store("magento");
        Self {
            http: reqwest::Client::new(),
            base: sb.store_url(SimStore::Magento),
            consumer_key: keys.consumer_key,
            consumer_secret: keys.consumer_secret,
            token: keys.access_token,
            token_secret: keys.access_token_secret,
        }
    }

    /// RFC 5849 §3.4.1: `OAuth ...` header for `method url?query`.
    fn oauth_header(
        &self,
        method: &str,
        url: &str,
        query: &[(String, String)],
        nonce: &str,
        sha1: bool,
    ) -> String {
        let mut oauth = vec![
            ("oauth_consumer_key".to_string(), self.consumer_key.clone()),
            ("oauth_nonce".to_string(), nonce.to_string()),
            (
                "oauth_signature_method".to_string(),
                if sha1 { "HMAC-SHA1" } else { "HMAC-SHA256" }.to_string(),
            ),
            ("oauth_timestamp".to_string(), now().to_string()),
            ("oauth_token".to_string(), self.token.clone()),
            ("oauth_version".to_string(), "1.0".to_string()),
        ];
        let mut params: Vec<(String, String)> = query
            .iter()
            .chain(oauth.iter())
            .map(|(k, v)| (pct(k), pct(v)))
            .collect();
        params.sort();
        let normalized: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let base = format!("{method}&{}&{}", pct(url), pct(&normalized.join("&")));
        let key = format!("{}&{}", pct(&self.consumer_secret), pct(&self.token_secret));
        let raw = if sha1 {
            use hmac::{Hmac, Mac};
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
            m.update(base.as_bytes());
            m.finalize().into_bytes().to_vec()
        } else {
            hmac_sha256(key.as_bytes(), base.as_bytes())
        };
        oauth.push((
            "oauth_signature".to_string(),
            base64::engine::general_purpose::STANDARD.encode(raw),
        ));
        let parts: Vec<String> = oauth
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", pct(v)))
            .collect();
        format!("OAuth {}", parts.join(","))
    }

    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
        auth: Auth,
    ) -> (u16, Value) {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let url = format!("{}{path}", self.base);
        let full = if query.is_empty() {
            url.clone()
        } else {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
                .collect();
            format!("{url}?{}", q.join("&"))
        };
        let mut req = self.http.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            full,
        );
        match auth {
            Auth::None => {}
            Auth::Bearer(token) => req = req.header("Authorization", format!("Bearer {token}")),
            Auth::Signed { sha1 } => {
                let nonce = uuid::Uuid::new_v4().simple().to_string();
                req = req.header(
                    "Authorization",
                    self.oauth_header(method, &url, &query, &nonce, sha1),
                );
            }
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub(crate) async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        self.call("GET", path, query, None, Auth::Bearer(self.token.clone()))
            .await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(
            "POST",
            path,
            &[],
            Some(body),
            Auth::Bearer(self.token.clone()),
        )
        .await
    }

    pub(crate) async fn guest(&self, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call("POST", path, &[], body, Auth::None).await
    }

    /// Places a guest order for `lines` and returns its id.
    pub(crate) async fn place(&self, lines: &[(&str, u32)]) -> u64 {
        let (s, cart) = self.guest("/rest/default/V1/guest-carts", None).await;
        assert_eq!(s, 200, "{cart}");
        let cart = cart.as_str().unwrap().to_string();
        for (sku, qty) in lines {
            let (s, v) = self
                .guest(
                    &format!("/rest/default/V1/guest-carts/{cart}/items"),
                    Some(json!({"cartItem": {"sku": sku, "qty": qty, "quote_id": cart}})),
                )
                .await;
            assert_eq!(s, 200, "{v}");
        }
        let (s, v) = self
            .guest(
                &format!("/rest/default/V1/guest-carts/{cart}/shipping-information"),
                Some(json!({"addressInformation": {
                    "shipping_address": address(),
                    "billing_address": address(),
                    "shipping_carrier_code": "flatrate",
                    "shipping_method_code": "flatrate",
                }})),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = self
            .guest(
                &format!("/rest/default/V1/guest-carts/{cart}/payment-information"),
                Some(json!({"email": "buyer@example.com", "paymentMethod": {"method": "checkmo"}, "billingAddress": address()})),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v.as_u64().unwrap()
    }
}

pub(crate) fn address() -> Value {
    json!({
        "firstname": "Jane", "lastname": "Doe", "street": ["1 Main St"], "city": "Los Angeles",
        "region_code": "CA", "postcode": "90001", "country_id": "US", "telephone": "5551234567",
        "email": "buyer@example.com",
    })
}

pub(crate) async fn salable(m: &Mage, sku: &str) -> Value {
    m.get(
        &format!("/rest/default/V1/inventory/get-product-salable-quantity/{sku}/1"),
        &[],
    )
    .await
    .1
}

fn sc(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    pairs.to_vec()
}

#[tokio::test]
async fn bearer_and_oauth_are_checked_like_magento() {
    let sb = sandbox(SandboxConfig::default()).await;
    let m = Mage::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let path = "/rest/default/V1/store/storeConfigs";

    let (s, v) = m.get(path, &[]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v[0]["base_currency_code"], "USD");
    assert!(
        v[0]["base_media_url"]
            .as_str()
            .unwrap()
            .ends_with("/media/")
    );
    // /rest/V1 is the default store too.
    assert_eq!(m.get("/rest/V1/store/storeConfigs", &[]).await.0, 200);

    for auth in [Auth::None, Auth::Bearer("0".repeat(32))] {
        let (s, v) = m.call("GET", path, &[], None, auth).await;
        assert_eq!(s, 401);
        assert_eq!(
            v,
            json!({"message": "The consumer isn't authorized to access %resources.", "parameters": {"resources": "Magento_Backend::store"}})
        );
    }

    // OAuth 1.0a over a query with PHP brackets and a space, both signature methods.
    let query = [
        (
            "searchCriteria[filter_groups][0][filters][0][field]",
            "created_at",
        ),
        (
            "searchCriteria[filter_groups][0][filters][0][value]",
            "2000-01-01 00:00:00",
        ),
        (
            "searchCriteria[filter_groups][0][filters][0][condition_type]",
            "gt",
        ),
        ("searchCriteria[pageSize]", "2"),
    ];
    for sha1 in [false, true] {
        let (s, v) = m
            .call(
                "GET",
                "/rest/default/V1/products",
                &query,
                None,
                Auth::Signed { sha1 },
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
    }
    // A wrong token secret breaks the signature.
    let mut bad = Mage::new(&sb);
    bad.token_secret = "x".repeat(32);
    let (s, v) = bad
        .call("GET", path, &[], None, Auth::Signed { sha1: false })
        .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (401, Some("The signature is invalid. Verify and try again."))
    );
    // A nonce is good once.
    let url = format!("{}{path}", m.base);
    let header = m.oauth_header("GET", &url, &[], "fixednonce", false);
    for expected in [200, 401] {
        let resp = m
            .http
            .get(&url)
            .header("Authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), expected);
        if expected == 401 {
            let v: Value = resp.json().await.unwrap();
            assert_eq!(
                v["message"],
                "The nonce is already being used by the consumer with ID %1"
            );
        }
    }
    // Missing protocol parameters: an input exception listing each.
    let resp = m
        .http
        .get(&url)
        .header(
            "Authorization",
            format!("OAuth oauth_consumer_key=\"{}\"", m.consumer_key),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["message"], "One or more input exceptions have occurred.");
    assert_eq!(v["errors"][0]["parameters"]["fieldName"], "oauth_signature");

    // Integration tokens as bearer tokens can be switched off; OAuth still works.
    control
        .magento_config(&MagentoConfig {
            integration_as_bearer: Some(false),
            ..MagentoConfig::default()
        })
        .await
        .unwrap();
    assert_eq!(m.get(path, &[]).await.0, 401);
    assert_eq!(
        m.call("GET", path, &[], None, Auth::Signed { sha1: false })
            .await
            .0,
        200
    );

    // ACL: an integration granted only Magento_Catalog::products.
    let reader = control.magento_integration("catalog-reader").await.unwrap();
    control
        .magento_config(&MagentoConfig {
            integration_as_bearer: Some(true),
            ..MagentoConfig::default()
        })
        .await
        .unwrap();
    let as_reader = |p: &'static str| {
        m.call(
            "GET",
            p,
            &[("searchCriteria", "")],
            None,
            Auth::Bearer(reader.access_token.clone()),
        )
    };
    assert_eq!(as_reader("/rest/default/V1/products").await.0, 200);
    let (s, v) = as_reader("/rest/default/V1/orders").await;
    assert_eq!(
        (s, &v["parameters"]["resources"]),
        (401, &json!("Magento_Sales::actions_view"))
    );

    // Routing.
    let (s, v) = m.get("/rest/default/V1/nothing", &[]).await;
    assert_eq!(
        (s, v),
        (404, json!({"message": "Request does not match any route."}))
    );
    let (s, v) = m
        .get("/rest/all/V1/products", &[("searchCriteria", "")])
        .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (
            400,
            Some("Cannot perform GET operation with store code 'all'")
        )
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn search_criteria_pages_filters_and_repeats_the_last_page() {
    let sb = sandbox(SandboxConfig {
        products: 8,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let m = Mage::new(&sb);
    let path = "/rest/default/V1/products";

    let (s, v) = m.get(path, &[]).await;
    assert_eq!(
        (s, v),
        (
            400,
            json!({"message": "\"%fieldName\" is required. Enter and try again.", "parameters": {"fieldName": "searchCriteria"}})
        )
    );

    // 8 configurable parents + 16 children.
    let page = |n: &'static str| {
        sc(&[
            ("searchCriteria[sortOrders][0][field]", "entity_id"),
            ("searchCriteria[sortOrders][0][direction]", "ASC"),
            ("searchCriteria[pageSize]", "10"),
            ("searchCriteria[currentPage]", n),
        ])
    };
    let mut seen = Vec::new();
    for n in ["1", "2", "3"] {
        let (s, v) = m.get(path, &page(n)).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["total_count"], 24);
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_u64().unwrap()),
        );
    }
    assert_eq!(seen.len(), 24);
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "ascending ids: {seen:?}"
    );
    // Past the last page: the last page again (4 items), not an empty page.
    let (_, last) = m.get(path, &page("3")).await;
    let (_, past) = m.get(path, &page("9")).await;
    assert_eq!(past["items"], last["items"]);
    assert_eq!(past["items"].as_array().unwrap().len(), 4);
    assert_eq!(past["search_criteria"]["current_page"], 9);

    // camelCase keys work as snake_case ones; OR inside a group, AND across groups.
    let (s, v) = m
        .get(
            path,
            &[
                (
                    "searchCriteria[filterGroups][0][filters][0][field]",
                    "type_id",
                ),
                (
                    "searchCriteria[filterGroups][0][filters][0][value]",
                    "configurable",
                ),
                ("searchCriteria[filterGroups][1][filters][0][field]", "sku"),
                ("searchCriteria[filterGroups][1][filters][0][value]", "tee%"),
                (
                    "searchCriteria[filterGroups][1][filters][0][conditionType]",
                    "like",
                ),
                ("searchCriteria[filterGroups][1][filters][1][field]", "sku"),
                ("searchCriteria[filterGroups][1][filters][1][value]", "MUG"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let skus: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, vec!["TEE", "MUG"]);
    assert_eq!(
        v["search_criteria"]["filter_groups"][1]["filters"][0]["condition_type"],
        "like"
    );

    // Validation.
    let (s, v) = m.get(path, &[("searchCriteria[pageSize]", "abc")]).await;
    assert_eq!(s, 400);
    assert_eq!(v["parameters"], json!({"value": "abc", "type": "int"}));
    let (s, v) = m.get(path, &[("searchCriteria[pageSize]", "301")]).await;
    assert_eq!(
        (s, v["message"].as_str()),
        (400, Some("Maximum SearchCriteria pageSize is %max"))
    );
    let (s, v) = m.get(path, &[("searchCriteria[page_sise]", "3")]).await;
    assert_eq!(
        (s, &v["parameters"]["fieldName"]),
        (400, &json!("PageSise"))
    );
    // No page size: 20 (input limits on).
    let (_, v) = m.get(path, &[("searchCriteria", "")]).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 20);
    // An unknown column on a flat table is an SQL error, masked.
    let (s, v) = m
        .get(
            "/rest/default/V1/inventory/source-items",
            &[(
                "searchCriteria[filter_groups][0][filters][0][field]",
                "nope",
            )],
        )
        .await;
    assert_eq!(s, 500);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Internal Error. Details are available in Magento log file.")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn catalog_children_and_msi_stock() {
    let sb = sandbox(SandboxConfig {
        variants_per_product: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    let m = Mage::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let (s, tee) = m.get("/rest/default/V1/products/TEE", &[]).await;
    assert_eq!(s, 200, "{tee}");
    assert_eq!(tee["type_id"], "configurable");
    assert_eq!(tee["price"], 0);
    let ext = &tee["extension_attributes"];
    assert_eq!(
        ext["configurable_product_links"].as_array().unwrap().len(),
        3
    );
    let option = &ext["configurable_product_options"][0];
    assert_eq!(option["label"], "Size");

    let (_, children) = m
        .get("/rest/default/V1/configurable-products/TEE/children", &[])
        .await;
    let children = children.as_array().unwrap();
    assert_eq!(children.len(), 3);
    assert!(
        children
            .iter()
            .all(|c| c.get("extension_attributes").is_none()),
        "children carry no stock_item"
    );
    let size_of = |c: &Value| {
        c["custom_attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["attribute_code"] == "size")
            .map(|a| a["value"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (_, options) = m
        .get("/rest/default/V1/products/attributes/size/options", &[])
        .await;
    let label_of = |id: &str| {
        options
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["value"] == id)
            .map(|o| o["label"].clone())
            .unwrap()
    };
    assert_eq!(label_of(&size_of(&children[0])), "S");
    let (s, v) = m
        .get("/rest/default/V1/products/attributes/nope/options", &[])
        .await;
    assert_eq!((s, &v["parameters"]), (404, &json!(["nope"])));

    // Stock: source items and salable quantity agree until an order reserves some.
    control.magento_set_stock("TEE-S", 7).await.unwrap();
    control
        .magento_set_source_stock("TEE-S", "east", 3)
        .await
        .unwrap();
    let (_, items) = m
        .get(
            "/rest/default/V1/inventory/source-items",
            &[
                ("searchCriteria[filter_groups][0][filters][0][field]", "sku"),
                (
                    "searchCriteria[filter_groups][0][filters][0][value]",
                    "TEE-S",
                ),
            ],
        )
        .await;
    assert_eq!(items["total_count"], 2);
    assert_eq!(salable(&m, "TEE-S").await, json!(10));
    let (s, v) = m
        .get(
            "/rest/default/V1/inventory/get-product-salable-quantity/TEE/1",
            &[],
        )
        .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (
            400,
            Some("Can't check requested quantity for products without Source Items support.")
        )
    );
    let order = m.place(&[("TEE-S", 2)]).await;
    assert_eq!(salable(&m, "TEE-S").await, json!(8));
    let (_, stock_item) = m.get("/rest/default/V1/stockItems/TEE-S", &[]).await;
    assert_eq!(
        stock_item["qty"], 7,
        "the legacy stock item mirrors the default source, not reservations"
    );
    // Shipping deducts from the source and compensates the reservation.
    let (s, v) = m
        .post(
            &format!("/rest/default/V1/order/{order}/ship"),
            json!({"items": []}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(salable(&m, "TEE-S").await, json!(8));
    let (_, stock_item) = m.get("/rest/default/V1/stockItems/TEE-S", &[]).await;
    assert_eq!(stock_item["qty"], 5);
    // Source items are written as MSI validates them; the answer is `[]` (void).
    let (s, v) = m
        .post(
            "/rest/default/V1/inventory/source-items",
            json!({"sourceItems": [{"sku": "TEE-S", "source_code": "default", "quantity": 9, "status": 1}]}),
        )
        .await;
    assert_eq!((s, v), (200, json!([])));
    assert_eq!(salable(&m, "TEE-S").await, json!(12));
    let (s, v) = m
        .post(
            "/rest/default/V1/inventory/source-items",
            json!({"sourceItems": []}),
        )
        .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (400, Some("Input data is empty"))
    );
    let (s, v) = m
        .post(
            "/rest/default/V1/inventory/source-items",
            json!({"sourceItems": [{"sku": "", "source_code": "west", "quantity": 1}]}),
        )
        .await;
    assert_eq!((s, v["message"].as_str()), (400, Some("Validation Failed")));
    assert_eq!(v["errors"].as_array().unwrap().len(), 2, "{v}");
    let many: Vec<serde_json::Value> = (0..21)
        .map(|_| json!({"sku": "TEE-S", "source_code": "default", "quantity": 1}))
        .collect();
    let (s, v) = m
        .post(
            "/rest/default/V1/inventory/source-items",
            json!({"sourceItems": many}),
        )
        .await;
    assert_eq!((s, &v["parameters"]["max"]), (400, &json!(20)));
    sb.shutdown().await;
}

#[tokio::test]
async fn descriptive_attributes_are_served_with_their_options() {
    let sb = sandbox(SandboxConfig {
        products: 1,
        variants_per_product: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    let m = Mage::new(&sb);
    let (_, tee) = m.get("/rest/default/V1/products/TEE", &[]).await;
    let value_of = |code: &str| {
        tee["custom_attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["attribute_code"] == code)
            .map(|a| a["value"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(value_of("pattern"), "Striped", "text as it is");
    let label_of = |options: &Value, id: &str| {
        options
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["value"] == id)
            .map(|o| o["label"].clone())
            .unwrap_or(Value::Null)
    };
    let (s, options) = m
        .get(
            "/rest/default/V1/products/attributes/manufacturer/options",
            &[],
        )
        .await;
    assert_eq!(s, 200, "{options}");
    assert_eq!(options[0], json!({"label": " ", "value": ""}));
    let manufacturer = value_of("manufacturer");
    assert_eq!(
        label_of(&options, manufacturer.as_str().unwrap()),
        "Feedbridge Basics"
    );
    // A multiselect keeps comma-separated option ids.
    let (_, options) = m
        .get("/rest/default/V1/products/attributes/material/options", &[])
        .await;
    let material = value_of("material");
    let labels: Vec<Value> = material
        .as_str()
        .unwrap()
        .split(',')
        .map(|id| label_of(&options, id))
        .collect();
    assert_eq!(labels, vec![json!("Cotton")]);
    // Attributes without a source (text) have no options.
    for code in ["pattern", "description"] {
        let (s, v) = m
            .get(
                &format!("/rest/default/V1/products/attributes/{code}/options"),
                &[],
            )
            .await;
        assert_eq!((s, v), (200, json!([])), "{code}");
    }
    // The options need the attributes ACL resource.
    let reader = ControlClient::for_sandbox(&sb)
        .magento_integration("catalog-reader")
        .await
        .unwrap();
    let (s, v) = m
        .call(
            "GET",
            "/rest/default/V1/products/attributes/material/options",
            &[],
            None,
            Auth::Bearer(reader.access_token),
        )
        .await;
    assert_eq!(s, 401, "{v}");
    assert_eq!(
        v["parameters"]["resources"],
        "Magento_Catalog::attributes_attributes"
    );
}
