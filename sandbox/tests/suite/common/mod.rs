//! Test helpers: an independent TikTok request signer, a Shopify GraphQL caller, a local webhook
//! receiver and bounded waits. Deliberately does not reuse the sandbox's own signing code.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::HeaderMap;
use base64::Engine;
use feedbridge_sandbox::{Credentials, RunningSandbox, SandboxConfig};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub async fn sandbox(config: SandboxConfig) -> RunningSandbox {
    feedbridge_sandbox::start(config, "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `url?k=v&...` with form encoding (reqwest's `query` needs a feature the workspace lacks).
pub fn with_query<K: AsRef<str>, V: AsRef<str>>(url: &str, query: &[(K, V)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        ser.append_pair(k.as_ref(), v.as_ref());
    }
    format!("{url}?{}", ser.finish())
}

pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// TikTok §2: hex(HMAC(secret, secret + path + sorted(k+v) + body + secret)).
pub fn tiktok_sign(secret: &str, path: &str, query: &[(String, String)], body: &str) -> String {
    let mut pairs: Vec<&(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "sign" && k != "access_token")
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut s = String::from(path);
    for (k, v) in pairs {
        s.push_str(k);
        s.push_str(v);
    }
    s.push_str(body);
    let wrapped = format!("{secret}{s}{secret}");
    hex::encode(hmac_sha256(secret.as_bytes(), wrapped.as_bytes()))
}

/// A raw TikTok request, before signing.
pub struct TtReq {
    pub method: reqwest::Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<String>,
    pub token: Option<String>,
    pub sign: Option<String>,
}

pub struct TikTok {
    pub http: reqwest::Client,
    pub base: String,
    pub creds: Credentials,
    pub token: String,
}

impl TikTok {
    pub fn new(sb: &RunningSandbox) -> Self {
        let creds = sb.credentials();
        Self {
            http: reqwest::Client::new(),
            base: sb.tiktok_url(),
            token: creds.tiktok_access_token.clone(),
            creds,
        }
    }

    /// A signed request with common parameters (shop_cipher if `shop`).
    pub fn req(
        &self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<Value>,
        shop: bool,
    ) -> TtReq {
        let mut query = vec![
            ("app_key".to_string(), self.creds.tiktok_app_key.clone()),
            ("timestamp".to_string(), now().to_string()),
        ];
        if shop {
            query.push((
                "shop_cipher".to_string(),
                self.creds.tiktok_shop_cipher.clone(),
            ));
        }
        for (k, v) in extra {
            query.push(((*k).to_string(), (*v).to_string()));
        }
        TtReq {
            method: method.parse().unwrap(),
            path: path.to_string(),
            query,
            body: body.map(|b| b.to_string()),
            token: Some(self.token.clone()),
            sign: None,
        }
    }

    pub async fn send(&self, mut r: TtReq) -> (u16, Value) {
        let sign = r.sign.take().unwrap_or_else(|| {
            tiktok_sign(
                &self.creds.tiktok_app_secret,
                &r.path,
                &r.query,
                r.body.as_deref().unwrap_or(""),
            )
        });
        r.query.push(("sign".to_string(), sign));
        let mut b = self.http.request(
            r.method,
            with_query(&format!("{}{}", self.base, r.path), &r.query),
        );
        if let Some(t) = &r.token {
            b = b.header("x-tts-access-token", t);
        }
        if let Some(body) = r.body {
            b = b.header("content-type", "application/json").body(body);
        }
        let resp = b.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        self.send(self.req(method, path, extra, body, true)).await
    }

    /// Calls and asserts success; returns `data`.
    pub async fn ok(
        &self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<Value>,
    ) -> Value {
        let (status, v) = self.call(method, path, extra, body).await;
        assert_eq!(
            (status, v["code"].as_i64()),
            (200, Some(0)),
            "{method} {path}: {v}"
        );
        v["data"].clone()
    }

    /// Uploads a fake 600×600 PNG; returns its uri.
    pub async fn upload_image(&self) -> String {
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend_from_slice(&600u32.to_be_bytes());
        png.extend_from_slice(&600u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let form = reqwest::multipart::Form::new()
            .part(
                "data",
                reqwest::multipart::Part::bytes(png)
                    .file_name("main.png")
                    .mime_str("image/png")
                    .unwrap(),
            )
            .text("use_case", "MAIN_IMAGE");
        let path = "/product/202309/images/upload";
        let mut query = vec![
            ("app_key".to_string(), self.creds.tiktok_app_key.clone()),
            ("timestamp".to_string(), now().to_string()),
        ];
        let sign = tiktok_sign(&self.creds.tiktok_app_secret, path, &query, "");
        query.push(("sign".to_string(), sign));
        let resp = self
            .http
            .post(with_query(&format!("{}{path}", self.base), &query))
            .header("x-tts-access-token", &self.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["code"], 0, "{v}");
        v["data"]["uri"].as_str().unwrap().to_string()
    }

    pub async fn warehouse_ids(&self) -> Vec<String> {
        let data = self
            .ok("GET", "/logistics/202309/warehouses", &[], None)
            .await;
        data["warehouses"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["type"] == "SALES_WAREHOUSE")
            .map(|w| w["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// A valid create-product body for leaf category 601226 (T-shirts, needs Material).
    pub async fn product_body(&self, skus: &[&str]) -> Value {
        let uri = self.upload_image().await;
        let warehouse = self.warehouse_ids().await[0].clone();
        let sizes = ["S", "M", "L", "XL"];
        json!({
            "title": "Cotton T-Shirt",
            "description": "<p>Soft cotton tee</p>",
            "category_id": "601226",
            "category_version": "v2",
            "main_images": [{"uri": uri}],
            "package_weight": {"value": "0.5", "unit": "POUND"},
            "product_attributes": [{"id": "100392", "values": [{"id": "1001", "name": "Cotton"}]}],
            "skus": skus.iter().enumerate().map(|(i, s)| json!({
                "seller_sku": s,
                "sales_attributes": [{"id": "100007", "value_name": sizes[i % 4]}],
                "price": {"amount": "19.99", "currency": "USD"},
                "inventory": [{"warehouse_id": warehouse, "quantity": 25}],
            })).collect::<Vec<_>>(),
        })
    }

    /// Registers an EU responsible person and manufacturer; returns their ids.
    pub async fn eu_operators(&self) -> (String, String) {
        let phone = json!({"country_code": "+49", "local_number": "301234567"});
        let person = self
            .ok(
                "POST",
                "/product/202409/compliance/responsible_persons",
                &[],
                Some(json!({
                    "name": "EU Rep GmbH", "email": "rep@example.eu", "locale": "de-DE",
                    "phone_number": phone,
                    "address": {"street_address_line1": "Hauptstr. 1", "city": "Berlin",
                                "postal_code": "10115", "country": "DE"},
                })),
            )
            .await;
        let maker = self
            .ok(
                "POST",
                "/product/202409/compliance/manufacturers",
                &[],
                Some(json!({
                    "name": "Feedbridge Textiles", "email": "make@example.eu", "locale": "de-DE",
                    "phone_number": phone, "address": "Werkstr. 2, 10115 Berlin, DE",
                })),
            )
            .await;
        (
            person["responsible_person_id"].as_str().unwrap().to_owned(),
            maker["manufacturer_id"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn create_product(&self, skus: &[&str]) -> Value {
        let body = self.product_body(skus).await;
        self.ok("POST", "/product/202309/products", &[], Some(body))
            .await
    }
}

pub struct Shopify {
    pub http: reqwest::Client,
    pub base: String,
    pub creds: Credentials,
    pub version: String,
}

impl Shopify {
    pub fn new(sb: &RunningSandbox) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: sb.shopify_url(),
            creds: sb.credentials(),
            version: "2026-07".to_string(),
        }
    }

    pub async fn raw(&self, token: Option<&str>, body: Value) -> (u16, HeaderMap, Value) {
        let mut b = self
            .http
            .post(format!(
                "{}/admin/api/{}/graphql.json",
                self.base, self.version
            ))
            .json(&body);
        if let Some(t) = token {
            b = b.header("X-Shopify-Access-Token", t);
        }
        let resp = b.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.json().await.unwrap())
    }

    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let (status, _, v) = self
            .raw(
                Some(&self.creds.shopify_access_token),
                json!({"query": query, "variables": variables}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v
    }

    /// Runs a query that must succeed without errors; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let v = self.gql(query, variables).await;
        assert!(v.get("errors").is_none(), "unexpected errors: {v}");
        v["data"].clone()
    }

    pub async fn subscribe(&self, topic: &str, uri: &str) {
        let d = self
            .data(
                "mutation($t: WebhookSubscriptionTopic!, $s: WebhookSubscriptionInput!) { webhookSubscriptionCreate(topic: $t, webhookSubscription: $s) { webhookSubscription { id topic uri } userErrors { field message } } }",
                json!({"t": topic, "s": {"uri": uri, "format": "JSON"}}),
            )
            .await;
        assert_eq!(
            d["webhookSubscriptionCreate"]["userErrors"],
            json!([]),
            "{d}"
        );
    }

    pub async fn first_variant(&self) -> Value {
        let d = self
            .data(
                "{ productVariants(first: 1) { nodes { id sku inventoryQuantity inventoryItem { id } } } }",
                json!({}),
            )
            .await;
        d["productVariants"]["nodes"][0].clone()
    }
}

/// A captured webhook delivery.
#[derive(Clone, Debug)]
pub struct Hit {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Hit {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A local axum webhook receiver; the first `fail_first` requests get HTTP 500.
pub struct Receiver {
    pub url: String,
    pub hits: Arc<Mutex<Vec<Hit>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn receiver(fail_first: usize) -> Receiver {
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let seen = Arc::new(Mutex::new(0usize));
    let h = Arc::clone(&hits);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let h = Arc::clone(&h);
            let seen = Arc::clone(&seen);
            async move {
                let n = {
                    let mut s = seen.lock().unwrap();
                    *s += 1;
                    *s
                };
                if n <= fail_first {
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                }
                h.lock().unwrap().push(Hit {
                    headers,
                    body: body.to_vec(),
                });
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Receiver { url, hits, task }
}

impl Receiver {
    /// Waits (bounded) until a hit satisfies `pred`; returns it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Hit) -> bool) -> Hit {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(hit) = self.hits.lock().unwrap().iter().find(|h| pred(h)).cloned() {
                return hit;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; got {:?}",
                self.hits
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|h| String::from_utf8_lossy(&h.body).to_string())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// TikTok webhook check: Authorization = hex(HMAC(app_secret, app_key + body)).
pub fn tiktok_webhook_valid(creds: &Credentials, hit: &Hit) -> bool {
    let mut msg = creds.tiktok_app_key.as_bytes().to_vec();
    msg.extend_from_slice(&hit.body);
    hex::encode(hmac_sha256(creds.tiktok_app_secret.as_bytes(), &msg))
        == hit.header("authorization")
}

/// Shopify webhook check: X-Shopify-Hmac-Sha256 = base64(HMAC(secret, body)).
pub fn shopify_webhook_valid(creds: &Credentials, hit: &Hit) -> bool {
    let expected = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(
        creds.shopify_webhook_secret.as_bytes(),
        &hit.body,
    ));
    expected == hit.header("x-shopify-hmac-sha256")
}

/// Polls `f` until it returns Some (bounded).
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
