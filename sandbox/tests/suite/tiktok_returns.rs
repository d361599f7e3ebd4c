//! TikTok return and refund requests: opened on shipped orders, moved through their statuses,
//! listed by `returns/search` with its filters, paging and errors, announced by type 12.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{TikTok, receiver, sandbox};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use serde_json::{Value, json};

const SEARCH: &str = "/return_refund/202309/returns/search";

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

async fn shipped_order(control: &ControlClient, qty: u32) -> String {
    let id = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", qty))
        .await
        .unwrap();
    control
        .tiktok_set_order_status(&id, "DELIVERED")
        .await
        .unwrap();
    id
}

async fn search(tt: &TikTok, query: &[(&str, &str)], body: Value) -> Value {
    tt.ok("POST", SEARCH, query, Some(body)).await
}

#[tokio::test]
async fn a_return_request_is_searchable_and_its_status_changes_are_announced() {
    let (_sb, tt, control) = setup().await;
    let rx = receiver(0).await;
    tt.ok(
        "PUT",
        "/event/202309/webhooks",
        &[],
        Some(json!({"address": rx.url, "event_type": "RETURN_STATUS_CHANGE"})),
    )
    .await;
    let unshipped = control
        .tiktok_create_order(&NewTikTokOrder::single("TEE-S", 1))
        .await
        .unwrap();
    let refused = control.tiktok_return_request(&unshipped, None, None).await;
    assert!(
        refused.is_err(),
        "a return before shipping is a cancellation"
    );

    let id = shipped_order(&control, 2).await;
    let opened = control
        .tiktok_return_request(&id, Some("REFUND"), Some("Damaged item"))
        .await
        .unwrap();
    let return_id = opened["return_id"].as_str().unwrap().to_string();
    assert_eq!(opened["return_status"], "RETURN_OR_REFUND_REQUEST_PENDING");
    let hit = rx
        .wait_for("pending return webhook", |h| h.json()["type"] == 12)
        .await;
    let data = &hit.json()["data"];
    assert_eq!(data["return_id"], return_id.as_str());
    assert_eq!(data["order_id"], id.as_str());
    assert_eq!(data["return_type"], "REFUND");
    assert_eq!(data["return_status"], "RETURN_OR_REFUND_REQUEST_PENDING");
    assert!(
        control
            .tiktok_return_request(&id, None, None)
            .await
            .is_err(),
        "one open request per order"
    );

    let found = search(&tt, &[], json!({"order_ids": [id]})).await;
    assert_eq!(found["total_count"], 1);
    let r = &found["return_orders"][0];
    assert_eq!(r["return_id"], return_id.as_str());
    assert_eq!(r["return_reason_text"], "Damaged item");
    assert_eq!(r["return_line_items"].as_array().unwrap().len(), 2);
    assert_eq!(r["return_line_items"][0]["seller_sku"], "TEE-S");
    assert_eq!(r["refund_amount"]["currency"], "USD");
    assert!(r["refund_amount"]["refund_total"].as_str().is_some());
    assert_eq!(
        r["seller_next_action_response"][0]["action"],
        "SELLER_RESPOND_RETURN"
    );

    let moved = control
        .tiktok_return_status(&return_id, "RETURN_OR_REFUND_REQUEST_COMPLETE", false)
        .await
        .unwrap();
    assert_eq!(moved["return_status"], "RETURN_OR_REFUND_REQUEST_COMPLETE");
    rx.wait_for("complete return webhook", |h| {
        h.json()["data"]["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    })
    .await;
    assert!(
        control
            .tiktok_return_status(&return_id, "AWAITING_BUYER_SHIP", false)
            .await
            .is_err(),
        "a completed request is final"
    );
    let by_status = search(
        &tt,
        &[],
        json!({"return_status": ["RETURN_OR_REFUND_REQUEST_PENDING"]}),
    )
    .await;
    assert_eq!(by_status["total_count"], 0);
    let by_type = search(&tt, &[], json!({"return_types": ["RETURN_AND_REFUND"]})).await;
    assert_eq!(by_type["total_count"], 0);
}

#[tokio::test]
async fn returns_search_pages_sorts_and_refuses_bad_filters() {
    let (_sb, tt, control) = setup().await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        let order = shipped_order(&control, 1).await;
        let r = control
            .tiktok_return_request(&order, None, None)
            .await
            .unwrap();
        ids.push(r["return_id"].as_str().unwrap().to_string());
    }
    // Default page size 10, ascending by create_time.
    let first = search(&tt, &[], json!({})).await;
    assert_eq!(first["total_count"], 12);
    assert_eq!(first["return_orders"].as_array().unwrap().len(), 10);
    let token = first["next_page_token"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let second = search(&tt, &[("page_token", token.as_str())], json!({})).await;
    assert_eq!(second["return_orders"].as_array().unwrap().len(), 2);
    assert_eq!(second["next_page_token"], "");
    let mut seen: Vec<String> = first["return_orders"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["return_orders"].as_array().unwrap())
        .map(|r| r["return_id"].as_str().unwrap().to_string())
        .collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);
    let by_ids = search(&tt, &[], json!({"return_ids": [ids[0]]})).await;
    assert_eq!(by_ids["total_count"], 1);

    for (query, body) in [
        (vec![("page_size", "5")], json!({})),
        (vec![("page_size", "51")], json!({})),
        (vec![("page_token", "nonsense")], json!({})),
        (vec![("sort_field", "return_id")], json!({})),
        (vec![("sort_order", "UP")], json!({})),
        (vec![], json!({"return_status": ["REFUNDED"]})),
        (vec![], json!({"return_types": ["EXCHANGE"]})),
        (vec![], json!({"order_ids": "not a list"})),
    ] {
        let (status, v) = tt.call("POST", SEARCH, &query, Some(body.clone())).await;
        assert_eq!(status, 200, "{v}");
        assert_ne!(v["code"], 0, "{query:?} {body} should be refused: {v}");
        assert!(v["message"].as_str().unwrap().contains("Invalid"), "{v}");
    }
}
