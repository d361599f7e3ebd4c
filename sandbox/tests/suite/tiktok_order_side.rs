//! TikTok order side: buyer cancellation requests, order money, masked buyers, webhook modes.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{TikTok, receiver, sandbox};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder, WebhookMode};
use serde_json::{Value, json};

/// A sandbox with one ACTIVATE product (SKUs `TEE-S`, `TEE-M`, price 19.99).
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

async fn subscribe(tt: &TikTok, url: &str, event: &str) {
    tt.ok(
        "PUT",
        "/event/202309/webhooks",
        &[],
        Some(json!({"address": url, "event_type": event})),
    )
    .await;
}

async fn order(tt: &TikTok, id: &str) -> Value {
    tt.ok("GET", "/order/202309/orders", &[("ids", id)], None)
        .await["orders"][0]
        .clone()
}

async fn cancellations(tt: &TikTok, body: Value) -> Vec<Value> {
    tt.ok(
        "POST",
        "/return_refund/202309/cancellations/search",
        &[("page_size", "50")],
        Some(body),
    )
    .await["cancellations"]
        .as_array()
        .unwrap()
        .clone()
}

fn body(hit: &common::Hit) -> Value {
    hit.json()
}

#[tokio::test]
async fn buyer_cancel_request_approved_through_the_api_cancels_the_order() {
    let (_sb, tt, control) = setup().await;
    let rx = receiver(0).await;
    subscribe(&tt, &rx.url, "CANCELLATION_STATUS_CHANGE").await;
    subscribe(&tt, &rx.url, "ORDER_STATUS_CHANGE").await;
    let id = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 2))
        .await
        .unwrap();
    let before = order(&tt, &id).await;

    let cancel_id = control
        .tiktok_cancel_request(&id, Some("Ordered by mistake"))
        .await
        .unwrap();
    assert!(!cancel_id.is_empty());
    let o = order(&tt, &id).await;
    assert_eq!(o["status"], "AWAITING_SHIPMENT");
    assert_eq!(o["is_buyer_request_cancel"], true);
    assert!(o["update_time"].as_i64() >= before["update_time"].as_i64());
    let pending = rx
        .wait_for("pending webhook", |h| {
            body(h)["type"] == 11
                && body(h)["data"]["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
        })
        .await;
    assert_eq!(body(&pending)["data"]["cancel_id"], cancel_id.as_str());
    assert_eq!(body(&pending)["data"]["cancellations_role"], "BUYER");

    // Search: by type and status, with the seller's deadline.
    let found = cancellations(
        &tt,
        json!({"cancel_types": ["BUYER_CANCEL"], "cancel_status": ["CANCELLATION_REQUEST_PENDING"]}),
    )
    .await;
    assert_eq!(found.len(), 1);
    let c = &found[0];
    assert_eq!(c["cancel_id"], cancel_id.as_str());
    assert_eq!(c["role"], "BUYER");
    assert_eq!(c["cancel_line_items"].as_array().unwrap().len(), 2);
    let action = &c["seller_next_action_response"][0];
    assert_eq!(action["action"], "SELLER_RESPOND_CANCEL");
    let deadline = action["deadline"].as_i64().unwrap();
    let created = c["create_time"].as_i64().unwrap();
    assert_eq!(deadline - created, 48 * 3600);
    assert!(
        cancellations(&tt, json!({"cancel_types": ["CANCEL"]}))
            .await
            .is_empty()
    );
    assert!(
        cancellations(&tt, json!({"order_ids": ["1"]}))
            .await
            .is_empty()
    );

    // The seller cannot cancel it themselves while the request is pending.
    let (_, v) = tt
        .call(
            "POST",
            "/return_refund/202309/cancellations",
            &[],
            Some(json!({"order_id": id, "cancel_reason": "seller_cancel_reason_out_of_stock"})),
        )
        .await;
    assert_ne!(v["code"], 0, "{v}");

    let path = format!("/return_refund/202309/cancellations/{cancel_id}/approve");
    let data = tt.ok("POST", &path, &[], Some(json!({}))).await;
    assert_eq!(data, json!({}));
    let o = order(&tt, &id).await;
    assert_eq!(o["status"], "CANCELLED");
    assert_eq!(o["is_buyer_request_cancel"], false);
    assert_eq!(o["cancellation_initiator"], "BUYER");
    let done = cancellations(&tt, json!({"cancel_ids": [cancel_id]})).await;
    assert_eq!(done[0]["cancel_status"], "CANCELLATION_REQUEST_COMPLETE");
    assert_eq!(done[0]["seller_next_action_response"], json!([]));
    rx.wait_for("complete webhook", |h| {
        body(h)["type"] == 11 && body(h)["data"]["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    })
    .await;
    rx.wait_for("order CANCEL webhook", |h| {
        body(h)["type"] == 1 && body(h)["data"]["order_status"] == "CANCEL"
    })
    .await;

    // Approving twice is a business error (HTTP 200, non-zero code).
    let (status, v) = tt.call("POST", &path, &[], Some(json!({}))).await;
    assert_eq!((status, v["code"].as_i64()), (200, Some(21_011_012)), "{v}");
    assert!(v["message"].as_str().unwrap().contains("PENDING"), "{v}");
    // Unknown id: not found.
    let (status, v) = tt
        .call(
            "POST",
            "/return_refund/202309/cancellations/123/approve",
            &[],
            Some(json!({})),
        )
        .await;
    assert_eq!((status, v["code"].as_i64()), (200, Some(21_011_003)), "{v}");
}

#[tokio::test]
async fn buyer_cancel_request_rejected_keeps_the_order() {
    let (_sb, tt, control) = setup().await;
    let rx = receiver(0).await;
    subscribe(&tt, &rx.url, "CANCELLATION_STATUS_CHANGE").await;
    let id = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-M", 1))
        .await
        .unwrap();
    let cancel_id = control.tiktok_cancel_request(&id, None).await.unwrap();
    // A second request while one is pending is refused.
    assert!(control.tiktok_cancel_request(&id, None).await.is_err());

    let reasons = tt
        .ok("GET", "/return_refund/202309/reject_reasons", &[], None)
        .await;
    let first = reasons["reasons"][0]["name"].as_str().unwrap().to_string();
    assert!(reasons["reasons"][0]["text"].as_str().is_some());

    let path = format!("/return_refund/202309/cancellations/{cancel_id}/reject");
    // A missing or unknown reason is refused and changes nothing.
    for bad in [json!({}), json!({"reject_reason": "because"})] {
        let (status, v) = tt.call("POST", &path, &[], Some(bad)).await;
        assert_eq!((status, v["code"].as_i64()), (200, Some(21_011_013)), "{v}");
    }
    assert_eq!(order(&tt, &id).await["is_buyer_request_cancel"], true);

    tt.ok(
        "POST",
        &path,
        &[],
        Some(json!({"reject_reason": first, "comment": "Already packed", "images": []})),
    )
    .await;
    let o = order(&tt, &id).await;
    assert_eq!(o["status"], "AWAITING_SHIPMENT");
    assert_eq!(o["is_buyer_request_cancel"], false);
    let c = cancellations(&tt, json!({"cancel_ids": [cancel_id]})).await;
    assert_eq!(c[0]["cancel_status"], "CANCELLATION_REQUEST_CANCEL");
    let hit = rx
        .wait_for("rejected webhook", |h| {
            body(h)["data"]["cancel_status"] == "CANCELLATION_REQUEST_CANCELLED"
        })
        .await;
    assert_eq!(body(&hit)["data"]["cancel_id"], cancel_id.as_str());
    // Rejecting again: not pending any more.
    let (_, v) = tt
        .call("POST", &path, &[], Some(json!({"reject_reason": first})))
        .await;
    assert_eq!(v["code"], 21_011_012, "{v}");
}

#[tokio::test]
async fn control_twins_and_request_preconditions() {
    let (_sb, tt, control) = setup().await;
    // UNPAID / ON_HOLD orders are cancelled at once, not through a request.
    let on_hold = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1).with_status("ON_HOLD"))
        .await
        .unwrap();
    assert!(control.tiktok_cancel_request(&on_hold, None).await.is_err());

    let a = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1))
        .await
        .unwrap();
    let ca = control.tiktok_cancel_request(&a, None).await.unwrap();
    let c = control.tiktok_cancellation_approve(&ca).await.unwrap();
    assert_eq!(c["cancel_status"], "CANCELLATION_REQUEST_COMPLETE");
    assert_eq!(order(&tt, &a).await["status"], "CANCELLED");
    assert!(control.tiktok_cancellation_approve(&ca).await.is_err());
    assert!(control.tiktok_cancellation_reject(&ca).await.is_err());
    assert!(control.tiktok_cancellation_approve("42").await.is_err());

    let b = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-M", 1))
        .await
        .unwrap();
    let cb = control.tiktok_cancel_request(&b, None).await.unwrap();
    let c = control.tiktok_cancellation_reject(&cb).await.unwrap();
    assert_eq!(c["cancel_status"], "CANCELLATION_REQUEST_CANCEL");
    assert_eq!(order(&tt, &b).await["status"], "AWAITING_SHIPMENT");
    // A cancelled order cannot get a request.
    assert!(control.tiktok_cancel_request(&a, None).await.is_err());
}

#[tokio::test]
async fn order_money_spreads_discounts_over_units() {
    let (_sb, tt, control) = setup().await;
    // Defaults keep today's numbers: 3 × 19.99, tax 8%, free shipping paid by the platform.
    let plain = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 3))
        .await
        .unwrap();
    let p = order(&tt, &plain).await["payment"].clone();
    assert_eq!(p["original_total_product_price"], "59.97");
    assert_eq!(p["sub_total"], "59.97");
    assert_eq!(p["tax"], "4.80");
    assert_eq!(p["shipping_fee"], "0.00");
    assert_eq!(p["total_amount"], "64.77");
    assert_eq!(p["seller_discount"], "0.00");

    let id = control
        .tiktok_create_order(
            &NewTikTokOrder::single("TEE-S", 3)
                .with_discounts("10.00", "5.00")
                .with_shipping_fee("4.99")
                .with_tax("3.50"),
        )
        .await
        .unwrap();
    let o = order(&tt, &id).await;
    let p = &o["payment"];
    assert_eq!(p["original_total_product_price"], "59.97");
    assert_eq!(p["seller_discount"], "10.00");
    assert_eq!(p["platform_discount"], "5.00");
    assert_eq!(p["sub_total"], "44.97");
    assert_eq!(p["shipping_fee"], "4.99");
    assert_eq!(p["tax"], "3.50");
    assert_eq!(p["total_amount"], "53.46");
    let items = o["line_items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    // 10.00 / 3 = 3.33, 3.33, 3.34 (remainder on the last unit); 5.00 / 3 = 1.67, 1.67, 1.66.
    let seller: Vec<&str> = items
        .iter()
        .map(|li| li["seller_discount"].as_str().unwrap())
        .collect();
    let platform: Vec<&str> = items
        .iter()
        .map(|li| li["platform_discount"].as_str().unwrap())
        .collect();
    let sale: Vec<&str> = items
        .iter()
        .map(|li| li["sale_price"].as_str().unwrap())
        .collect();
    assert_eq!(seller, ["3.33", "3.33", "3.34"]);
    assert_eq!(platform, ["1.67", "1.67", "1.66"]);
    assert_eq!(sale, ["14.99", "14.99", "14.99"]);
    assert!(items.iter().all(|li| li["original_price"] == "19.99"));

    // Discounts above the product total are refused.
    let too_much = NewTikTokOrder::single("TEE-S", 1).with_discounts("15.00", "5.00");
    assert!(control.tiktok_create_order(&too_much).await.is_err());
    let bad = NewTikTokOrder::single("TEE-S", 1).with_tax("-1");
    assert!(control.tiktok_create_order(&bad).await.is_err());
}

#[tokio::test]
async fn masked_buyer_is_returned_as_tiktok_masks_it() {
    let (_sb, tt, control) = setup().await;
    let plain = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1))
        .await
        .unwrap();
    let o = order(&tt, &plain).await;
    assert!(
        !o["recipient_address"]["first_name"]
            .as_str()
            .unwrap()
            .contains('*')
    );
    assert!(!o["buyer_email"].as_str().unwrap().is_empty());

    let id = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1).masked())
        .await
        .unwrap();
    let o = order(&tt, &id).await;
    let a = &o["recipient_address"];
    let first = a["first_name"].as_str().unwrap();
    assert!(first.ends_with("***") && first.chars().count() == 4, "{a}");
    assert!(a["last_name"].as_str().unwrap().ends_with("***"), "{a}");
    assert!(a["name"].as_str().unwrap().starts_with(first), "{a}");
    let phone = a["phone_number"].as_str().unwrap();
    assert!(
        phone.starts_with("(+1)213*****") && phone.len() == 14,
        "{phone}"
    );
    assert_eq!(a["address_line2"], "");
    assert_eq!(o["buyer_email"], "");

    // FBT and TikTok-shipping builders.
    let fbt = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-M", 1).fbt())
        .await
        .unwrap();
    let o = order(&tt, &fbt).await;
    assert_eq!(o["fulfillment_type"], "FULFILLMENT_BY_TIKTOK");
    assert_eq!(o["shipping_type"], "TIKTOK");
    let tts = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-M", 1).tiktok_shipping())
        .await
        .unwrap();
    let o = order(&tt, &tts).await;
    assert_eq!(o["fulfillment_type"], "FULFILLMENT_BY_SELLER");
    assert!(
        o["recipient_address"]["first_name"]
            .as_str()
            .unwrap()
            .ends_with("***")
    );
}

#[tokio::test]
async fn webhook_modes_duplicate_drop_delay_and_reverse() {
    let (_sb, tt, control) = setup().await;
    let rx = receiver(0).await;
    subscribe(&tt, &rx.url, "ORDER_STATUS_CHANGE").await;
    let order_ids = |hits: &[common::Hit]| -> Vec<(String, String)> {
        hits.iter()
            .map(|h| {
                let b = h.json();
                (
                    b["tts_notification_id"].as_str().unwrap().to_string(),
                    b["data"]["order_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };

    // Duplicate: delivered twice with the same notification id and bytes.
    control
        .tiktok_webhook_mode(WebhookMode::Duplicate)
        .await
        .unwrap();
    let a = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1))
        .await
        .unwrap();
    common::eventually("two deliveries", || async {
        (rx.hits.lock().unwrap().len() == 2).then_some(())
    })
    .await;
    let hits = rx.hits.lock().unwrap().clone();
    assert_eq!(hits[0].body, hits[1].body);
    let ids = order_ids(&hits);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0].1, a);

    // Drop: recorded as dropped, never sent.
    control
        .tiktok_webhook_mode(WebhookMode::Drop)
        .await
        .unwrap();
    let b = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1))
        .await
        .unwrap();
    let deliveries = control.tiktok_webhook_deliveries().await.unwrap();
    let dropped: Vec<_> = deliveries
        .iter()
        .filter(|d| d.body["data"]["order_id"] == b.as_str())
        .collect();
    assert_eq!(dropped.len(), 1);
    assert!(dropped[0].dropped && !dropped[0].delivered && dropped[0].attempts == 0);

    // Delay: held, then delivered.
    control
        .tiktok_webhook_mode(WebhookMode::Delay { delay_ms: 300 })
        .await
        .unwrap();
    let c = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(rx.hits.lock().unwrap().len(), 2, "held back for now");
    rx.wait_for("delayed delivery", |h| {
        h.json()["data"]["order_id"] == c.as_str()
    })
    .await;

    // Reverse: buffered, then delivered newest-first on flush.
    control
        .tiktok_webhook_mode(WebhookMode::Reverse)
        .await
        .unwrap();
    let d = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-M", 1))
        .await
        .unwrap();
    control
        .tiktok_set_order_status(&d, "IN_TRANSIT")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(rx.hits.lock().unwrap().len(), 3, "buffered until flush");
    assert_eq!(control.tiktok_webhooks_flush().await.unwrap(), 2);
    common::eventually("flushed deliveries", || async {
        (rx.hits.lock().unwrap().len() == 5).then_some(())
    })
    .await;
    let hits = rx.hits.lock().unwrap().clone();
    let statuses: Vec<Value> = hits[3..]
        .iter()
        .map(|h| h.json()["data"]["order_status"].clone())
        .collect();
    assert_eq!(statuses, [json!("IN_TRANSIT"), json!("AWAITING_SHIPMENT")]);
    assert_eq!(control.tiktok_webhooks_flush().await.unwrap(), 0);

    control
        .tiktok_webhook_mode(WebhookMode::Normal)
        .await
        .unwrap();
    let e = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-M", 1))
        .await
        .unwrap();
    rx.wait_for("normal delivery", |h| {
        h.json()["data"]["order_id"] == e.as_str()
    })
    .await;
}
