//! TikTok: shapes as the platform sends them — absent optional product fields, the newer
//! search/detail versions, package/authorization webhooks, unknown order ids.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{TikTok, receiver, sandbox, tiktok_webhook_valid};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder, OrderLine};
use serde_json::{Value, json};

async fn subscribe(tt: &TikTok, address: &str, events: &[&str]) {
    for event in events {
        tt.ok(
            "PUT",
            "/event/202309/webhooks",
            &[],
            Some(json!({"address": address, "event_type": event})),
        )
        .await;
    }
}

async fn order_of(control: &ControlClient, sku: &str, shipping_type: Option<&str>) -> String {
    control
        .tiktok_create_order(&NewTikTokOrder {
            lines: vec![OrderLine {
                seller_sku: sku.into(),
                quantity: 1,
            }],
            status: Some("AWAITING_SHIPMENT".into()),
            shipping_type: shipping_type.map(str::to_owned),
            ..NewTikTokOrder::default()
        })
        .await
        .unwrap()
}

/// A draft without brand or package details: TikTok leaves the keys out, never `null`.
#[tokio::test]
async fn product_detail_omits_what_the_product_does_not_have() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let mut body = tt.product_body(&["DRAFT-1"]).await;
    body["save_mode"] = json!("AS_DRAFT");
    for key in ["brand_id", "package_weight", "package_dimensions"] {
        body.as_object_mut().unwrap().remove(key);
    }
    let id = tt
        .ok("POST", "/product/202309/products", &[], Some(body))
        .await["product_id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = tt
        .ok("GET", &format!("/product/202309/products/{id}"), &[], None)
        .await;
    for key in ["brand", "package_weight", "package_dimensions"] {
        assert!(p.get(key).is_none(), "{key} must be left out: {p}");
    }
    assert!(
        p.as_object().unwrap().values().all(|v| !v.is_null()),
        "no null values: {p}"
    );

    let listed = tt.create_product(&["FULL-1"]).await["product_id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = tt
        .ok(
            "GET",
            &format!("/product/202309/products/{listed}"),
            &[],
            None,
        )
        .await;
    assert_eq!(
        p["package_weight"],
        json!({"value": "0.5", "unit": "POUND"})
    );
    assert!(
        p.get("package_dimensions").is_none(),
        "not sent, not shown: {p}"
    );
}

/// Search Products 202502 adds `audit`, SKU `status_info` and the audit/SKU-id filters;
/// 202309 carries no `audit` and refuses those filters. Both are signed and authorized alike.
#[tokio::test]
async fn product_search_202502_beside_202309() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let approved = tt.create_product(&["NEW-A"]).await;
    let approved_id = approved["product_id"].as_str().unwrap().to_string();
    control
        .tiktok_review_product(&approved_id, true, &[])
        .await
        .unwrap();
    let pending = tt.create_product(&["NEW-P"]).await;
    let pending_sku = pending["skus"][0]["id"].as_str().unwrap().to_string();

    let old = tt
        .ok(
            "POST",
            "/product/202309/products/search",
            &[("page_size", "20")],
            Some(json!({})),
        )
        .await;
    assert_eq!(old["total_count"], 2);
    assert!(old["products"][0].get("audit").is_none(), "{old}");
    let (_, refused) = tt
        .call(
            "POST",
            "/product/202309/products/search",
            &[("page_size", "20")],
            Some(json!({"audit_status": ["APPROVED"]})),
        )
        .await;
    assert_ne!(refused["code"], 0, "{refused}");

    let by_audit = tt
        .ok(
            "POST",
            "/product/202502/products/search",
            &[("page_size", "20")],
            Some(json!({"audit_status": ["APPROVED"]})),
        )
        .await;
    assert_eq!(by_audit["total_count"], 1, "{by_audit}");
    let product = &by_audit["products"][0];
    assert_eq!(product["id"], json!(approved_id));
    assert_eq!(
        product["audit"],
        json!({"status": "APPROVED", "pre_approved_reasons": []})
    );
    assert_eq!(product["skus"][0]["status_info"]["status"], "NORMAL");

    let by_sku = tt
        .ok(
            "POST",
            "/product/202502/products/search",
            &[("page_size", "20")],
            Some(json!({"sku_ids": [pending_sku]})),
        )
        .await;
    assert_eq!(by_sku["total_count"], 1);
    assert_eq!(by_sku["products"][0]["audit"]["status"], "AUDITING");

    let eleven: Vec<String> = (0..11).map(|i| i.to_string()).collect();
    let (_, too_many) = tt
        .call(
            "POST",
            "/product/202502/products/search",
            &[("page_size", "20")],
            Some(json!({"sku_ids": eleven})),
        )
        .await;
    assert_ne!(too_many["code"], 0, "{too_many}");

    let mut unsigned = tt.req(
        "POST",
        "/product/202502/products/search",
        &[("page_size", "20")],
        Some(json!({})),
        true,
    );
    unsigned.sign = Some("0".repeat(64));
    let (status, v) = tt.send(unsigned).await;
    assert_eq!((status, v["code"].as_i64()), (401, Some(106_001)), "{v}");
}

/// Get Order Detail 202507 answers like 202309 (its differences are SEA-only fields), with
/// the same checks; an id the shop does not have fails the whole request in both versions.
#[tokio::test]
async fn order_detail_202507_and_unknown_ids() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let id = tt.create_product(&["ORD-1"]).await["product_id"]
        .as_str()
        .unwrap()
        .to_string();
    control.tiktok_review_product(&id, true, &[]).await.unwrap();
    let order = order_of(&control, "ORD-1", None).await;

    let old = tt
        .ok("GET", "/order/202309/orders", &[("ids", &order)], None)
        .await;
    let new = tt
        .ok("GET", "/order/202507/orders", &[("ids", &order)], None)
        .await;
    assert_eq!(new["orders"][0]["id"], json!(order));
    let keys = |v: &Value| {
        let mut k: Vec<String> = v["orders"][0]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    assert_eq!(keys(&old), keys(&new));

    for path in ["/order/202309/orders", "/order/202507/orders"] {
        let ids = format!("{order},576461413038785752");
        let (status, v) = tt.call("GET", path, &[("ids", &ids)], None).await;
        assert_eq!(status, 200, "a business error: {v}");
        assert_eq!(v["code"], 21_011_003, "{v}");
        assert!(
            v["data"].is_null(),
            "nothing of the known order either: {v}"
        );
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("576461413038785752"),
            "{v}"
        );
    }
}

/// PACKAGE_UPDATE when a package is created, its tracking changes or its status moves;
/// signed like every webhook.
#[tokio::test]
async fn package_changes_send_package_update() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(0).await;
    subscribe(&tt, &rx.url, &["PACKAGE_UPDATE"]).await;
    let id = tt.create_product(&["PKG-1"]).await["product_id"]
        .as_str()
        .unwrap()
        .to_string();
    control.tiktok_review_product(&id, true, &[]).await.unwrap();
    let order = order_of(&control, "PKG-1", Some("TIKTOK")).await;

    let shipped = control
        .tiktok_set_order_status(&order, "AWAITING_COLLECTION")
        .await
        .unwrap();
    let package = shipped["packages"][0]["id"].as_str().unwrap().to_string();
    let hit = rx
        .wait_for("PACKAGE_UPDATE", |h| h.json()["type"] == 4)
        .await;
    assert!(tiktok_webhook_valid(&tt.creds, &hit));
    let body = hit.json();
    assert_eq!(
        body["data"]["package_list"],
        json!([{"package_id": package, "order_id_list": [order]}])
    );
    assert!(body["data"]["update_time"].as_i64().unwrap() > 0);

    control
        .tiktok_set_order_status(&order, "IN_TRANSIT")
        .await
        .unwrap();
    rx.wait_for("a second PACKAGE_UPDATE", |h| {
        h.json()["type"] == 4 && h.json()["tts_notification_id"] != body["tts_notification_id"]
    })
    .await;
}

/// Deauthorizing kills the tokens and sends SELLER_DEAUTHORIZATION; a nearing end of the
/// authorization sends UPCOMING_AUTHORIZATION_EXPIRATION with its time.
#[tokio::test]
async fn authorization_notices() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let rx = receiver(0).await;
    subscribe(
        &tt,
        &rx.url,
        &[
            "SELLER_DEAUTHORIZATION",
            "UPCOMING_AUTHORIZATION_EXPIRATION",
        ],
    )
    .await;

    let expires = control.tiktok_authorization_expiring(12).await.unwrap();
    let hit = rx
        .wait_for("UPCOMING_AUTHORIZATION_EXPIRATION", |h| {
            h.json()["type"] == 7
        })
        .await;
    assert!(tiktok_webhook_valid(&tt.creds, &hit));
    let data = hit.json()["data"].clone();
    assert_eq!(data["expiration_time"], json!(expires));
    assert!(
        data["message"].as_str().unwrap().contains("12 days"),
        "{data}"
    );

    control.tiktok_deauthorize().await.unwrap();
    let hit = rx
        .wait_for("SELLER_DEAUTHORIZATION", |h| h.json()["type"] == 6)
        .await;
    assert!(tiktok_webhook_valid(&tt.creds, &hit));
    assert_eq!(hit.json()["shop_id"], json!(tt.creds.tiktok_shop_id));
    let (status, v) = tt
        .call("GET", "/authorization/202309/shops", &[], None)
        .await;
    assert_eq!((status, v["code"].as_i64()), (401, Some(105_001)), "{v}");
}
