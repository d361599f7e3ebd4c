//! TikTok: categories, attributes, product create/review, duplicates, idempotency, stock/price.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use std::time::Duration;

use common::{TikTok, receiver, sandbox, tiktok_webhook_valid};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::ControlClient;
use serde_json::{Value, json};

#[tokio::test]
async fn category_tree_attributes_and_rules() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let (_, v) = tt
        .call("GET", "/product/202309/categories", &[], None)
        .await;
    assert_eq!(v["code"], 12052018, "US must ask for v2: {v}");
    let data = tt
        .ok(
            "GET",
            "/product/202309/categories",
            &[("category_version", "v2")],
            None,
        )
        .await;
    let cats = data["categories"].as_array().unwrap();
    let leaves: Vec<&Value> = cats.iter().filter(|c| c["is_leaf"] == true).collect();
    assert!(leaves.len() >= 5);
    // Walk a leaf up to the root: at least three levels.
    let find = |id: &str| cats.iter().find(|c| c["id"] == id).unwrap();
    let mut depth = 1;
    let mut cur = find("601226");
    while cur["parent_id"] != "0" {
        cur = find(cur["parent_id"].as_str().unwrap());
        depth += 1;
    }
    assert!(depth >= 3);
    assert!(cats.iter().all(|c| c["permission_statuses"].is_array()));

    let attrs = tt
        .ok(
            "GET",
            "/product/202309/categories/601226/attributes",
            &[("category_version", "v2")],
            None,
        )
        .await;
    let material = attrs["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "100392")
        .unwrap();
    assert_eq!(material["type"], "PRODUCT_PROPERTY");
    assert_eq!(material["is_requried"], true, "misspelt like the real API");
    let rules = tt
        .ok(
            "GET",
            "/product/202309/categories/601226/rules",
            &[("category_version", "v2")],
            None,
        )
        .await;
    assert!(rules["package_dimension"]["is_required"].is_boolean());
    let (_, v) = tt
        .call(
            "GET",
            "/product/202309/categories/600001/attributes",
            &[("category_version", "v2")],
            None,
        )
        .await;
    assert_eq!(v["code"], 12052002, "not a leaf: {v}");
}

#[tokio::test]
async fn create_pending_approve_activates_and_signs_webhooks() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let rx = receiver(1).await; // first delivery fails: the sandbox must retry
    for event in ["PRODUCT_STATUS_CHANGE", "PRODUCT_AUDIT_STATUS_CHANGE"] {
        tt.ok(
            "PUT",
            "/event/202309/webhooks",
            &[],
            Some(json!({"address": rx.url, "event_type": event})),
        )
        .await;
    }
    let hooks = tt.ok("GET", "/event/202309/webhooks", &[], None).await;
    assert_eq!(hooks["webhooks"].as_array().unwrap().len(), 2);

    let created = tt.create_product(&["TEE-RED-S", "TEE-RED-M"]).await;
    let id = created["product_id"].as_str().unwrap().to_string();
    assert_eq!(created["skus"].as_array().unwrap().len(), 2);
    let p = tt
        .ok("GET", &format!("/product/202309/products/{id}"), &[], None)
        .await;
    assert_eq!(p["status"], "PENDING");
    assert_eq!(p["skus"][0]["price"]["currency"], "USD");
    assert_eq!(p["category_chains"].as_array().unwrap().len(), 3);

    let (_, v) = tt.call("POST", &format!("/product/202309/products/{id}/prices/update"), &[], Some(json!({"skus": [{"id": p["skus"][0]["id"], "price": {"amount": "21.00", "currency": "USD"}}]}))).await;
    assert_eq!(v["code"], 12052012, "price update needs ACTIVATE: {v}");

    let control = ControlClient::for_sandbox(&sb);
    let reviewed = control.tiktok_review_product(&id, true, &[]).await.unwrap();
    assert_eq!(reviewed["status"], "ACTIVATE");
    let p = tt
        .ok("GET", &format!("/product/202309/products/{id}"), &[], None)
        .await;
    assert_eq!(p["status"], "ACTIVATE");

    let status_hit = rx
        .wait_for("PRODUCT_STATUS_CHANGE", |h| h.json()["type"] == 5)
        .await;
    assert!(
        tiktok_webhook_valid(&tt.creds, &status_hit),
        "Authorization must verify"
    );
    let body = status_hit.json();
    assert_eq!(body["shop_id"], json!(tt.creds.tiktok_shop_id));
    assert_eq!(
        body["data"]["product_id"].to_string(),
        id,
        "type 5 carries product_id as a number"
    );
    let audit_hit = rx
        .wait_for("PRODUCT_AUDIT_STATUS_CHANGE", |h| h.json()["type"] == 37)
        .await;
    assert!(tiktok_webhook_valid(&tt.creds, &audit_hit));
    assert_eq!(audit_hit.json()["data"]["audit"]["status"], "APPROVED");
    assert_ne!(
        status_hit.json()["tts_notification_id"],
        audit_hit.json()["tts_notification_id"]
    );

    // Now prices can change.
    tt.ok("POST", &format!("/product/202309/products/{id}/prices/update"), &[], Some(json!({"skus": [{"id": p["skus"][0]["id"], "price": {"amount": "21.00", "currency": "USD"}}]}))).await;
    let deliveries = control.tiktok_webhook_deliveries().await.unwrap();
    assert!(
        deliveries.iter().any(|d| d.attempts >= 2 && d.delivered),
        "a retry happened: {deliveries:?}"
    );
}

#[tokio::test]
async fn reject_sets_failed_with_reasons() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let id = tt.create_product(&["HOODIE-1"]).await["product_id"]
        .as_str()
        .unwrap()
        .to_string();
    ControlClient::for_sandbox(&sb)
        .tiktok_review_product(&id, false, &["Prohibited claim in title".to_string()])
        .await
        .unwrap();
    let p = tt
        .ok("GET", &format!("/product/202309/products/{id}"), &[], None)
        .await;
    assert_eq!(p["status"], "FAILED");
    let reason = &p["audit_failed_reasons"][0];
    assert_eq!(reason["reasons"], json!(["Prohibited claim in title"]));
    assert!(reason["position"].is_string() && reason["suggestions"].is_array());
}

#[tokio::test]
async fn auto_review_approves_after_the_delay() {
    let sb = sandbox(SandboxConfig {
        auto_review: Some(Duration::from_millis(100)),
        ..SandboxConfig::default()
    })
    .await;
    let tt = TikTok::new(&sb);
    let id = tt.create_product(&["AUTO-1"]).await["product_id"]
        .as_str()
        .unwrap()
        .to_string();
    common::eventually("auto review", || {
        let tt = &tt;
        let id = id.clone();
        async move {
            let p = tt
                .ok("GET", &format!("/product/202309/products/{id}"), &[], None)
                .await;
            (p["status"] == "ACTIVATE").then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn duplicate_seller_sku_is_rejected_and_idempotency_key_returns_the_original() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let mut body = tt.product_body(&["MUG-WHITE"]).await;
    body["idempotency_key"] = json!("create-shop-product-1-v1");
    let first = tt
        .ok("POST", "/product/202309/products", &[], Some(body.clone()))
        .await;
    let again = tt
        .ok("POST", "/product/202309/products", &[], Some(body.clone()))
        .await;
    assert_eq!(first, again, "same idempotency_key → same product");
    let all = tt
        .ok(
            "POST",
            "/product/202309/products/search",
            &[("page_size", "50")],
            Some(json!({"status": "ALL"})),
        )
        .await;
    assert_eq!(all["total_count"], 1);

    body["idempotency_key"] = json!("another-key");
    let (status, v) = tt
        .call("POST", "/product/202309/products", &[], Some(body))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["code"], 12052006, "{v}");
    assert!(v["message"].as_str().unwrap().contains("MUG-WHITE"));
}

#[tokio::test]
async fn create_product_validation() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let base = tt.product_body(&["VAL-1"]).await;
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Mutation, i64)> = vec![
        (
            "non-leaf category",
            Box::new(|b| b["category_id"] = json!("600101")),
            12052002,
        ),
        (
            "invite-only category",
            Box::new(|b| b["category_id"] = json!("601601")),
            12052002,
        ),
        (
            "empty title",
            Box::new(|b| b["title"] = json!("")),
            12052003,
        ),
        (
            "long title",
            Box::new(|b| b["title"] = json!("x".repeat(256))),
            12052003,
        ),
        (
            "unknown image",
            Box::new(|b| b["main_images"] = json!([{"uri": "tos-maliva-i-o3syd03w52-us/nope"}])),
            12052004,
        ),
        (
            "no images",
            Box::new(|b| b["main_images"] = json!([])),
            12052004,
        ),
        (
            "seller_sku too long",
            Box::new(|b| b["skus"][0]["seller_sku"] = json!("S".repeat(51))),
            12052005,
        ),
        (
            "currency",
            Box::new(|b| b["skus"][0]["price"]["currency"] = json!("EUR")),
            12052007,
        ),
        (
            "warehouse",
            Box::new(|b| b["skus"][0]["inventory"][0]["warehouse_id"] = json!("123")),
            12052008,
        ),
        (
            "required attribute",
            Box::new(|b| b["product_attributes"] = json!([])),
            12052009,
        ),
        (
            "value id not in the list of a non-customizable attribute",
            Box::new(|b| {
                b["product_attributes"] = json!([{"id": "100392", "values": [{"id": "9999"}]}])
            }),
            12052009,
        ),
        (
            "custom value for a non-customizable attribute",
            Box::new(|b| {
                b["product_attributes"] = json!([{"id": "100392", "values": [{"name": "Silk"}]}])
            }),
            12052009,
        ),
        (
            "several values for a single-selection attribute",
            Box::new(|b| {
                b["product_attributes"] = json!([
                    {"id": "100392", "values": [{"id": "1001"}]},
                    {"id": "100395", "values": [{"id": "1101"}, {"id": "1102"}]}
                ])
            }),
            12052009,
        ),
        (
            "category_version",
            Box::new(|b| b["category_version"] = json!("v1")),
            12052018,
        ),
        (
            "price as number",
            Box::new(|b| b["skus"][0]["price"]["amount"] = json!(19.99)),
            12052001,
        ),
        (
            "package weight",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("package_weight");
            }),
            12052020,
        ),
    ];
    for (what, mutate, code) in cases {
        let mut body = base.clone();
        mutate(&mut body);
        let (status, v) = tt
            .call("POST", "/product/202309/products", &[], Some(body))
            .await;
        assert_eq!(
            (status, v["code"].as_i64()),
            (200, Some(code)),
            "{what}: {v}"
        );
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    // Nothing was created by the rejected requests.
    let all = tt
        .ok(
            "POST",
            "/product/202309/products/search",
            &[("page_size", "50")],
            Some(json!({})),
        )
        .await;
    assert_eq!(all["total_count"], 0);
}

#[tokio::test]
async fn inventory_update_rules() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let a = tt.create_product(&["INV-A"]).await;
    let b = tt.create_product(&["INV-B"]).await;
    let a_id = a["product_id"].as_str().unwrap();
    let warehouses = tt.warehouse_ids().await;
    let sku_a = a["skus"][0]["id"].clone();
    let sku_b = b["skus"][0]["id"].clone();
    let path = format!("/product/202309/products/{a_id}/inventory/update");

    let (_, v) = tt.call("POST", &path, &[], Some(json!({"skus": [{"id": sku_b, "inventory": [{"warehouse_id": warehouses[0], "quantity": 3}]}]}))).await;
    assert_eq!(v["code"], 12052011, "SKU of another product: {v}");
    let (_, v) = tt.call("POST", &path, &[], Some(json!({"skus": [{"id": sku_a, "inventory": [{"warehouse_id": warehouses[1], "quantity": 3}]}]}))).await;
    assert_eq!(
        v["code"], 12052008,
        "must list the SKU's existing warehouse: {v}"
    );
    tt.ok("POST", &path, &[], Some(json!({"skus": [{"id": sku_a, "inventory": [{"warehouse_id": warehouses[0], "quantity": 0}, {"warehouse_id": warehouses[1], "quantity": 7}]}]}))).await;
    let p = tt
        .ok(
            "GET",
            &format!("/product/202309/products/{a_id}"),
            &[],
            None,
        )
        .await;
    assert_eq!(
        p["skus"][0]["inventory"],
        json!([{"warehouse_id": warehouses[0], "quantity": 0}, {"warehouse_id": warehouses[1], "quantity": 7}])
    );
    let (_, v) = tt.call("POST", &path, &[], Some(json!({"skus": [{"id": sku_a, "inventory": [{"warehouse_id": warehouses[0], "quantity": 100000}, {"warehouse_id": warehouses[1], "quantity": 1}]}]}))).await;
    assert_eq!(v["code"], 12052017);
}

#[tokio::test]
async fn product_search_filters_and_pages() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    for sku in ["P-1", "P-2", "P-3"] {
        tt.create_product(&[sku]).await;
    }
    let page1 = tt
        .ok(
            "POST",
            "/product/202309/products/search",
            &[("page_size", "2")],
            Some(json!({"status": "PENDING"})),
        )
        .await;
    assert_eq!(page1["total_count"], 3);
    assert_eq!(page1["products"].as_array().unwrap().len(), 2);
    let token = page1["next_page_token"].as_str().unwrap().to_string();
    let page2 = tt
        .ok(
            "POST",
            "/product/202309/products/search",
            &[("page_size", "2"), ("page_token", &token)],
            Some(json!({"status": "PENDING"})),
        )
        .await;
    assert_eq!(page2["products"].as_array().unwrap().len(), 1);
    assert_eq!(page2["next_page_token"], "");
    let by_sku = tt
        .ok(
            "POST",
            "/product/202309/products/search",
            &[("page_size", "10")],
            Some(json!({"seller_skus": ["P-2"]})),
        )
        .await;
    assert_eq!(by_sku["products"][0]["skus"][0]["seller_sku"], "P-2");
    let (_, v) = tt
        .call(
            "POST",
            "/product/202309/products/search",
            &[("page_size", "101")],
            Some(json!({})),
        )
        .await;
    assert_eq!(v["code"], 12052001);
}

/// The compact stock read benches watch: total stock per seller SKU, following edits.
#[tokio::test]
async fn stock_per_seller_sku_follows_seller_edits() {
    use feedbridge_sandbox::control::SellerSku;
    let sb = sandbox(SandboxConfig::default()).await;
    let control = ControlClient::for_sandbox(&sb);
    let skus = [
        SellerSku {
            quantity: 7,
            ..SellerSku::new("WATCH-A")
        },
        SellerSku::new("WATCH-B"),
    ];
    control
        .tiktok_seller_create_product("Watched", &skus)
        .await
        .unwrap();
    let stock = control.tiktok_stock().await.unwrap();
    assert_eq!(stock.get("WATCH-A"), Some(&7));
    assert_eq!(stock.get("WATCH-B"), Some(&1));
    control.tiktok_set_stock("WATCH-B", 40, None).await.unwrap();
    assert_eq!(
        control.tiktok_stock().await.unwrap().get("WATCH-B"),
        Some(&40)
    );
}
