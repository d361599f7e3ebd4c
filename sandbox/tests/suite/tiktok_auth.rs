//! TikTok: signing, timestamps, access tokens, shop cipher, rate limit, envelope errors, OAuth.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{TikTok, now, sandbox};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::ControlClient;
use serde_json::json;

#[tokio::test]
async fn correct_signature_is_accepted_and_shops_are_listed() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let (status, v) = tt
        .send(tt.req("GET", "/authorization/202309/shops", &[], None, false))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["code"], 0);
    assert_eq!(v["message"], "Success");
    assert!(v["request_id"].as_str().is_some_and(|r| r.len() >= 20));
    let shop = &v["data"]["shops"][0];
    assert_eq!(shop["id"], json!(tt.creds.tiktok_shop_id));
    assert_eq!(shop["region"], "US");
    assert_eq!(shop["seller_type"], "LOCAL");
    assert_eq!(shop["cipher"], json!(tt.creds.tiktok_shop_cipher));

    // A signed POST body with business query params is accepted too.
    let (status, v) = tt
        .call(
            "POST",
            "/order/202309/orders/search",
            &[("page_size", "10"), ("sort_order", "ASC")],
            Some(json!({"order_status": "AWAITING_SHIPMENT"})),
        )
        .await;
    assert_eq!((status, v["code"].as_i64()), (200, Some(0)), "{v}");
}

#[tokio::test]
async fn wrong_signature_is_rejected_with_106001() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let mut r = tt.req("GET", "/logistics/202309/warehouses", &[], None, true);
    r.sign = Some("0".repeat(64));
    let (status, v) = tt.send(r).await;
    assert_eq!(status, 401);
    assert_eq!(v["code"], 106001);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid credentials. The 'sign' query parameter is invalid.")
    );
    assert_eq!(v["data"], json!(null));

    // Signing a different body than the one sent is also a bad signature.
    let mut r = tt.req(
        "POST",
        "/order/202309/orders/search",
        &[("page_size", "5")],
        Some(json!({})),
        true,
    );
    r.sign = Some(common::tiktok_sign(
        &tt.creds.tiktok_app_secret,
        &r.path,
        &r.query,
        "{ }",
    ));
    let (status, v) = tt.send(r).await;
    assert_eq!((status, v["code"].as_i64()), (401, Some(106001)));
}

#[tokio::test]
async fn stale_timestamp_is_rejected() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let mut r = tt.req("GET", "/logistics/202309/warehouses", &[], None, true);
    r.query[1].1 = (now() - 301).to_string();
    let (status, v) = tt.send(r).await;
    assert_eq!(status, 401, "{v}");
    assert_eq!(v["code"], 106003);
    assert!(v["message"].as_str().unwrap().contains("timestamp"));
}

#[tokio::test]
async fn missing_unknown_and_expired_tokens() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let mut r = tt.req("GET", "/logistics/202309/warehouses", &[], None, true);
    r.token = None;
    let (status, v) = tt.send(r).await;
    assert_eq!((status, v["code"].as_i64()), (401, Some(105001)), "{v}");

    let mut r = tt.req("GET", "/logistics/202309/warehouses", &[], None, true);
    r.token = Some("ROW_not-a-token".to_string());
    let (status, v) = tt.send(r).await;
    assert_eq!((status, v["code"].as_i64()), (401, Some(105001)), "{v}");

    ControlClient::for_sandbox(&sb)
        .tiktok_expire_token()
        .await
        .unwrap();
    let (status, v) = tt
        .call("GET", "/logistics/202309/warehouses", &[], None)
        .await;
    assert_eq!((status, v["code"].as_i64()), (401, Some(105002)), "{v}");
}

#[tokio::test]
async fn refresh_issues_a_new_pair_and_invalidates_the_old_token() {
    let sb = sandbox(SandboxConfig::default()).await;
    let mut tt = TikTok::new(&sb);
    let c = tt.creds.clone();
    let url = format!("{}/api/v2/token/refresh", tt.base);
    let v: serde_json::Value = tt
        .http
        .get(common::with_query(
            &url,
            &[
                ("app_key", c.tiktok_app_key.as_str()),
                ("app_secret", &c.tiktok_app_secret),
                ("refresh_token", &c.tiktok_refresh_token),
                ("grant_type", "refresh_token"),
            ],
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["code"], 0, "{v}");
    let data = &v["data"];
    let expires = data["access_token_expire_in"].as_i64().unwrap();
    assert!(
        (expires - now() - 7 * 86_400).abs() < 60,
        "absolute expiry ~7 days out: {expires}"
    );
    assert!(data["refresh_token_expire_in"].as_i64().unwrap() > expires);
    let new_token = data["access_token"].as_str().unwrap().to_string();
    assert_ne!(new_token, c.tiktok_access_token);

    let (status, v) = tt
        .call("GET", "/logistics/202309/warehouses", &[], None)
        .await;
    assert_eq!(
        (status, v["code"].as_i64()),
        (401, Some(105001)),
        "old token is invalid: {v}"
    );
    tt.token = new_token;
    tt.ok("GET", "/logistics/202309/warehouses", &[], None)
        .await;

    // The used refresh token is single-use; a wrong grant_type is rejected.
    let v: serde_json::Value = tt
        .http
        .get(common::with_query(
            &url,
            &[
                ("app_key", c.tiktok_app_key.as_str()),
                ("app_secret", &c.tiktok_app_secret),
                ("refresh_token", &c.tiktok_refresh_token),
                ("grant_type", "refresh_token"),
            ],
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["code"], 105004, "{v}");
}

#[tokio::test]
async fn auth_code_exchange_is_single_use() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let code = ControlClient::for_sandbox(&sb)
        .tiktok_auth_code()
        .await
        .unwrap();
    let c = &tt.creds;
    let get = |grant: &'static str, code: String| {
        let http = tt.http.clone();
        let url = format!("{}/api/v2/token/get", tt.base);
        let q = vec![
            ("app_key".to_string(), c.tiktok_app_key.clone()),
            ("app_secret".to_string(), c.tiktok_app_secret.clone()),
            ("auth_code".to_string(), code),
            ("grant_type".to_string(), grant.to_string()),
        ];
        async move {
            http.get(common::with_query(&url, &q))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        get("authorization_code", code.clone()).await["code"],
        105005,
        "TikTok spells it authorized_code"
    );
    let v = get("authorized_code", code.clone()).await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"]["seller_base_region"], "US");
    assert_eq!(get("authorized_code", code).await["code"], 105003);
}

#[tokio::test]
async fn shop_cipher_is_required_for_shop_scoped_apis() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let (status, v) = tt
        .send(tt.req("GET", "/logistics/202309/warehouses", &[], None, false))
        .await;
    assert_eq!((status, v["code"].as_i64()), (403, Some(106011)), "{v}");
    let (status, v) = tt
        .send(tt.req(
            "GET",
            "/logistics/202309/warehouses",
            &[("shop_cipher", "ROW_other")],
            None,
            false,
        ))
        .await;
    assert_eq!((status, v["code"].as_i64()), (403, Some(106011)), "{v}");
}

#[tokio::test]
async fn rate_limit_returns_429_after_the_bucket_is_drained() {
    let sb = sandbox(SandboxConfig {
        tiktok_qps: 5,
        ..SandboxConfig::default()
    })
    .await;
    let tt = TikTok::new(&sb);
    let mut codes = Vec::new();
    for _ in 0..12 {
        let (status, v) = tt
            .call("GET", "/logistics/202309/warehouses", &[], None)
            .await;
        codes.push((status, v["code"].as_i64().unwrap()));
    }
    assert!(codes[..5].iter().all(|c| *c == (200, 0)), "{codes:?}");
    assert!(codes.contains(&(429, 36009003)), "{codes:?}");
    // The bucket refills at qps.
    tokio::time::sleep(std::time::Duration::from_millis(450)).await;
    let (status, _) = tt
        .call("GET", "/logistics/202309/warehouses", &[], None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unknown_route_malformed_body_and_validation_errors() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let (status, v) = tt.call("GET", "/product/202309/nope", &[], None).await;
    assert_eq!(status, 404);
    assert_ne!(v["code"], 0);
    assert!(v["request_id"].is_string());

    let mut r = tt.req(
        "POST",
        "/order/202309/orders/search",
        &[("page_size", "10")],
        None,
        true,
    );
    r.body = Some("{not json".to_string());
    let (status, v) = tt.send(r).await;
    assert_eq!(status, 400);
    assert_eq!(v["code"], 40006);
    assert!(v["message"].as_str().unwrap().contains("not valid JSON"));

    // page_size is required, and enums are checked.
    let (status, v) = tt
        .call("POST", "/order/202309/orders/search", &[], Some(json!({})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["code"], 21011001);
    assert!(v["message"].as_str().unwrap().contains("page_size"));
    let (_, v) = tt
        .call(
            "POST",
            "/order/202309/orders/search",
            &[("page_size", "10")],
            Some(json!({"order_status": "SHIPPED"})),
        )
        .await;
    assert_eq!(v["code"], 21011001);
}

#[tokio::test]
async fn faults_and_call_log() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    control
        .tiktok_fault(&feedbridge_sandbox::Fault {
            path_contains: "/warehouses".into(),
            kind: feedbridge_sandbox::FaultKind::Http500,
            count: 1,
        })
        .await
        .unwrap();
    control
        .tiktok_fault(&feedbridge_sandbox::Fault {
            path_contains: "/warehouses".into(),
            kind: feedbridge_sandbox::FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    let (s1, _) = tt
        .call("GET", "/logistics/202309/warehouses", &[], None)
        .await;
    let (s2, v2) = tt
        .call("GET", "/logistics/202309/warehouses", &[], None)
        .await;
    let (s3, _) = tt
        .call("GET", "/logistics/202309/warehouses", &[], None)
        .await;
    assert_eq!((s1, s2, s3), (500, 429, 200));
    assert_eq!(v2["code"], 36009003);
    let calls = control.tiktok_calls().await.unwrap();
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert_eq!(statuses, vec![500, 429, 200]);
    assert_eq!(calls[2].code, Some(json!(0)));
    assert_eq!(calls[2].path, "/logistics/202309/warehouses");
}
