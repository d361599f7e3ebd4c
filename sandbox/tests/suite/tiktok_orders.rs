//! TikTok: orders placed via control, search/detail shape, mark-shipped, packages, cancellations.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{TikTok, receiver, sandbox, tiktok_webhook_valid};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder, OrderLine};
use serde_json::{Value, json};

/// A sandbox with one ACTIVATE product (SKUs `TEE-S`, `TEE-M`).
async fn setup() -> (feedbridge_sandbox::RunningSandbox, TikTok, ControlClient) {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let id = tt.create_product(&["TEE-S", "TEE-M"]).await["product_id"]
        .as_str()
        .unwrap()
        .to_string();
    control.tiktok_review_product(&id, true, &[]).await.unwrap();
    (sb, tt, control)
}

async fn providers_for(tt: &TikTok, order: &Value) -> Vec<Value> {
    let option = order["delivery_option_id"].as_str().unwrap();
    let data = tt
        .ok(
            "GET",
            &format!("/logistics/202309/delivery_options/{option}/shipping_providers"),
            &[],
            None,
        )
        .await;
    data["shipping_providers"].as_array().unwrap().clone()
}

#[tokio::test]
async fn control_order_appears_in_search_and_detail_with_one_line_item_per_unit() {
    let (_sb, tt, control) = setup().await;
    let rx = receiver(0).await;
    tt.ok(
        "PUT",
        "/event/202309/webhooks",
        &[],
        Some(json!({"address": rx.url, "event_type": "ORDER_STATUS_CHANGE"})),
    )
    .await;

    let order_id = control
        .tiktok_create_order(&NewTikTokOrder {
            lines: vec![
                OrderLine {
                    seller_sku: "TEE-S".into(),
                    quantity: 2,
                },
                OrderLine {
                    seller_sku: "TEE-M".into(),
                    quantity: 1,
                },
            ],
            ..NewTikTokOrder::default()
        })
        .await
        .unwrap();

    let found = tt
        .ok(
            "POST",
            "/order/202309/orders/search",
            &[("page_size", "20")],
            Some(json!({"order_status": "AWAITING_SHIPMENT"})),
        )
        .await;
    assert_eq!(found["total_count"], 1);
    assert_eq!(found["orders"][0]["id"], json!(order_id));

    let detail = tt
        .ok("GET", "/order/202309/orders", &[("ids", &order_id)], None)
        .await;
    let order = &detail["orders"][0];
    assert_eq!(order["status"], "AWAITING_SHIPMENT");
    assert_eq!(order["shipping_type"], "SELLER");
    assert_eq!(order["fulfillment_type"], "FULFILLMENT_BY_SELLER");
    let items = order["line_items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "one line item per unit");
    assert!(items.iter().all(|li| li.get("quantity").is_none()));
    assert_eq!(
        items
            .iter()
            .filter(|li| li["seller_sku"] == "TEE-S")
            .count(),
        2
    );
    assert!(
        items
            .iter()
            .all(|li| li["id"].is_string() && li["sale_price"] == "19.99")
    );
    assert_eq!(order["payment"]["sub_total"], "59.97");
    assert!(
        order["buyer_email"]
            .as_str()
            .unwrap()
            .ends_with("@scs.tiktokw.us")
    );
    assert!(order["id"].is_string() && order["create_time"].is_i64());

    let hit = rx
        .wait_for("ORDER_STATUS_CHANGE", |h| h.json()["type"] == 1)
        .await;
    assert!(tiktok_webhook_valid(&tt.creds, &hit));
    assert_eq!(hit.json()["data"]["order_id"], json!(order_id));
    assert_eq!(hit.json()["data"]["order_status"], "AWAITING_SHIPMENT");

    // TikTok stock was reserved for the order.
    let products = control.tiktok_products().await.unwrap();
    let inv = &products[0]["skus"][0]["inventory"][0]["quantity"];
    assert_eq!(inv, 23);

    let (_, v) = tt
        .call("GET", "/order/202309/orders", &[("ids", "1")], None)
        .await;
    assert_eq!(v["code"], 21011003);
}

#[tokio::test]
async fn unpaid_and_on_hold_orders_mask_the_address() {
    let (_sb, tt, control) = setup().await;
    let order_id = control
        .tiktok_create_order(&NewTikTokOrder {
            status: Some("ON_HOLD".into()),
            ..NewTikTokOrder::single("TEE-S", 1)
        })
        .await
        .unwrap();
    let o = &tt
        .ok("GET", "/order/202309/orders", &[("ids", &order_id)], None)
        .await["orders"][0];
    assert_eq!(o["status"], "ON_HOLD");
    assert_eq!(o["is_on_hold_order"], true);
    assert!(
        o["recipient_address"]["name"]
            .as_str()
            .unwrap()
            .contains('*')
    );
    assert_eq!(o["recipient_address"]["address_line1"], "");
    assert_eq!(o["recipient_address"]["district_info"], json!([]));
    control
        .tiktok_set_order_status(&order_id, "AWAITING_SHIPMENT")
        .await
        .unwrap();
    let o = &tt
        .ok("GET", "/order/202309/orders", &[("ids", &order_id)], None)
        .await["orders"][0];
    assert!(
        !o["recipient_address"]["name"]
            .as_str()
            .unwrap()
            .contains('*')
    );
    assert_ne!(o["recipient_address"]["address_line1"], "");
}

#[tokio::test]
async fn mark_shipped_validates_tracking_and_provider_and_moves_status() {
    let (_sb, tt, control) = setup().await;
    let order_id = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 2))
        .await
        .unwrap();
    let order = tt
        .ok("GET", "/order/202309/orders", &[("ids", &order_id)], None)
        .await["orders"][0]
        .clone();
    let providers = providers_for(&tt, &order).await;
    let usps = providers.iter().find(|p| p["name"] == "USPS").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let items: Vec<String> = order["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|li| li["id"].as_str().unwrap().to_string())
        .collect();
    let path = format!("/fulfillment/202309/orders/{order_id}/packages");

    let (_, v) = tt.call("POST", &path, &[], Some(json!({"order_line_item_ids": [items[0]], "tracking_number": "9 40", "shipping_provider_id": usps}))).await;
    assert_eq!(v["code"], 24000003, "bad tracking number: {v}");
    let (_, v) = tt.call("POST", &path, &[], Some(json!({"order_line_item_ids": [items[0]], "tracking_number": "9400111", "shipping_provider_id": "42"}))).await;
    assert_eq!(v["code"], 24000004, "unknown provider: {v}");

    let shipped = tt.ok("POST", &path, &[], Some(json!({"order_line_item_ids": [items[0]], "tracking_number": "9400111899223", "shipping_provider_id": usps}))).await;
    let package_id = shipped["package_id"].as_str().unwrap().to_string();
    let o = tt
        .ok("GET", "/order/202309/orders", &[("ids", &order_id)], None)
        .await["orders"][0]
        .clone();
    assert_eq!(o["status"], "PARTIALLY_SHIPPING");
    let li = o["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|li| li["id"] == json!(items[0]))
        .unwrap()
        .clone();
    assert_eq!(li["package_id"], json!(package_id));
    assert_eq!(li["tracking_number"], "9400111899223");
    assert_eq!(li["shipping_provider_name"], "USPS");

    let (_, v) = tt.call("POST", &path, &[], Some(json!({"order_line_item_ids": [items[0]], "tracking_number": "9400111899224", "shipping_provider_id": usps}))).await;
    assert_eq!(v["code"], 24000007, "already shipped: {v}");

    tt.ok("POST", &path, &[], Some(json!({"order_line_item_ids": [items[1]], "tracking_number": "1Z999AA10123456784", "shipping_provider_id": usps}))).await;
    let o = tt
        .ok("GET", "/order/202309/orders", &[("ids", &order_id)], None)
        .await["orders"][0]
        .clone();
    assert_eq!(o["status"], "AWAITING_COLLECTION");
    let (_, v) = tt
        .call(
            "POST",
            &path,
            &[],
            Some(json!({"tracking_number": "9400111899225", "shipping_provider_id": usps})),
        )
        .await;
    assert_eq!(v["code"], 24000005, "nothing left / wrong status: {v}");

    let pkg = tt
        .ok(
            "GET",
            &format!("/fulfillment/202309/packages/{package_id}"),
            &[],
            None,
        )
        .await;
    assert_eq!(pkg["tracking_number"], "9400111899223");
    assert_eq!(pkg["order_line_item_ids"], json!([items[0]]));
    let search = tt
        .ok(
            "POST",
            "/fulfillment/202309/packages/search",
            &[("page_size", "10")],
            Some(json!({"package_status": "PROCESSING"})),
        )
        .await;
    assert_eq!(search["total_count"], 2);

    let full = control
        .tiktok_set_order_status(&order_id, "IN_TRANSIT")
        .await
        .unwrap();
    assert_eq!(full["packages"][0]["status"], "FULFILLING");
}

#[tokio::test]
async fn tiktok_shipped_and_fbt_orders_cannot_be_marked_shipped() {
    let (_sb, tt, control) = setup().await;
    let fbt = control
        .tiktok_create_order(&NewTikTokOrder {
            fulfillment_type: Some("FULFILLMENT_BY_TIKTOK".into()),
            ..NewTikTokOrder::single("TEE-M", 1)
        })
        .await
        .unwrap();
    let (_, v) = tt
        .call(
            "POST",
            &format!("/fulfillment/202309/orders/{fbt}/packages"),
            &[],
            Some(json!({"tracking_number": "9400111899223", "shipping_provider_id": "1"})),
        )
        .await;
    assert_eq!(v["code"], 24000006, "{v}");
    let unpaid = control
        .tiktok_create_order(&NewTikTokOrder {
            status: Some("UNPAID".into()),
            ..NewTikTokOrder::single("TEE-M", 1)
        })
        .await
        .unwrap();
    let (_, v) = tt
        .call(
            "POST",
            &format!("/fulfillment/202309/orders/{unpaid}/packages"),
            &[],
            Some(json!({"tracking_number": "9400111899223", "shipping_provider_id": "1"})),
        )
        .await;
    assert_eq!(v["code"], 24000005, "{v}");
}

#[tokio::test]
async fn seller_cancel_before_shipping() {
    let (_sb, tt, control) = setup().await;
    let rx = receiver(0).await;
    tt.ok(
        "PUT",
        "/event/202309/webhooks",
        &[],
        Some(json!({"address": rx.url, "event_type": "CANCELLATION_STATUS_CHANGE"})),
    )
    .await;
    tt.ok(
        "PUT",
        "/event/202309/webhooks",
        &[],
        Some(json!({"address": rx.url, "event_type": "ORDER_STATUS_CHANGE"})),
    )
    .await;
    let order_id = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1))
        .await
        .unwrap();

    let (_, v) = tt
        .call(
            "POST",
            "/return_refund/202309/cancellations",
            &[],
            Some(json!({"order_id": order_id, "cancel_reason": "because"})),
        )
        .await;
    assert_eq!(v["code"], 21011011, "{v}");
    let c = tt
        .ok(
            "POST",
            "/return_refund/202309/cancellations",
            &[],
            Some(
                json!({"order_id": order_id, "cancel_reason": "seller_cancel_reason_out_of_stock"}),
            ),
        )
        .await;
    assert_eq!(c["cancel_status"], "CANCELLATION_REQUEST_COMPLETE");
    let o = tt
        .ok("GET", "/order/202309/orders", &[("ids", &order_id)], None)
        .await["orders"][0]
        .clone();
    assert_eq!(o["status"], "CANCELLED");
    assert_eq!(o["cancellation_initiator"], "SELLER");
    let found = tt
        .ok(
            "POST",
            "/return_refund/202309/cancellations/search",
            &[("page_size", "10")],
            Some(json!({"order_ids": [order_id]})),
        )
        .await;
    assert_eq!(found["cancellations"][0]["cancel_id"], c["cancel_id"]);
    assert_eq!(found["cancellations"][0]["role"], "SELLER");

    let hit = rx
        .wait_for("cancel webhook", |h| {
            h.json()["type"] == 1 && h.json()["data"]["order_status"] == "CANCEL"
        })
        .await;
    assert!(tiktok_webhook_valid(&tt.creds, &hit));
    rx.wait_for("cancellation status webhook", |h| h.json()["type"] == 11)
        .await;

    // Shipped orders can no longer be cancelled by the seller.
    let shipped = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1))
        .await
        .unwrap();
    control
        .tiktok_set_order_status(&shipped, "IN_TRANSIT")
        .await
        .unwrap();
    let (_, v) = tt
        .call(
            "POST",
            "/return_refund/202309/cancellations",
            &[],
            Some(
                json!({"order_id": shipped, "cancel_reason": "seller_cancel_reason_out_of_stock"}),
            ),
        )
        .await;
    assert_eq!(v["code"], 21011010, "{v}");
}

#[tokio::test]
async fn orders_for_inactive_products_or_missing_stock_are_refused() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    tt.create_product(&["PENDING-1"]).await;
    let err = control
        .tiktok_create_order(&NewTikTokOrder::single("PENDING-1", 1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ACTIVATE"), "{err}");
    let err = control
        .tiktok_create_order(&NewTikTokOrder::single("NOPE", 1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NOPE"), "{err}");
}

#[tokio::test]
async fn buyer_cancel_via_control_restocks_and_records_a_cancellation() {
    let (_sb, tt, control) = setup().await;
    let order_id = control
        .tiktok_create_order(&NewTikTokOrder {
            status: Some("ON_HOLD".into()),
            ..NewTikTokOrder::single("TEE-M", 3)
        })
        .await
        .unwrap();
    let full = control
        .tiktok_set_order_status(&order_id, "CANCELLED")
        .await
        .unwrap();
    assert_eq!(full["status"], "CANCELLED");
    assert_eq!(full["cancellation_initiator"], "BUYER");
    let found = tt
        .ok(
            "POST",
            "/return_refund/202309/cancellations/search",
            &[("page_size", "10")],
            Some(json!({"cancel_status": ["CANCELLATION_REQUEST_COMPLETE"]})),
        )
        .await;
    assert_eq!(found["cancellations"][0]["order_id"], json!(order_id));
    assert_eq!(
        found["cancellations"][0]["cancel_line_items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let products = control.tiktok_products().await.unwrap();
    let m = products[0]["skus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["seller_sku"] == "TEE-M")
        .unwrap()
        .clone();
    assert_eq!(m["inventory"][0]["quantity"], 25, "stock returned");
    assert!(
        control
            .tiktok_set_order_status(&order_id, "AWAITING_SHIPMENT")
            .await
            .is_err(),
        "CANCELLED is final"
    );
}
