//! Magento 2 order side: guest checkout validation, the order lifecycle (comment, invoice,
//! ship, cancel, credit memo) with MSI reservations, rate-limit and error faults.
#![allow(clippy::unwrap_used)]

use crate::common::sandbox;
use crate::magento::{Mage, address, salable};
use feedbridge_sandbox::control::{ControlClient, MagentoConfig};
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn guest_checkout_validates_like_magento() {
    let sb = sandbox(SandboxConfig {
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let m = Mage::new(&sb);
    let (_, cart) = m.guest("/rest/default/V1/guest-carts", None).await;
    let cart = cart.as_str().unwrap().to_string();
    assert_eq!(cart.len(), 32);
    let items = format!("/rest/default/V1/guest-carts/{cart}/items");

    let cases = [
        (
            json!({}),
            400,
            json!({"message": "\"%fieldName\" is required. Enter and try again.", "parameters": {"fieldName": "cartItem"}}),
        ),
        (
            json!({"cartItem": {"sku": "TEE-S", "qty": 1, "colour": "red"}}),
            400,
            json!({"message": "\"%fieldName\" is not supported. Correct the field name and try again.", "parameters": {"fieldName": "Colour"}}),
        ),
        (
            json!({"cartItem": {"sku": "NOPE", "qty": 1}}),
            404,
            json!({"message": "The product that was requested doesn't exist. Verify the product and try again."}),
        ),
        (
            json!({"cartItem": {"sku": "TEE-S", "qty": 0}}),
            400,
            json!({"message": "Invalid value of \"%value\" provided for the %fieldName field.", "parameters": {"value": 0, "fieldName": "qty"}}),
        ),
        (
            json!({"cartItem": {"sku": "TEE-S", "qty": 9999}}),
            400,
            json!({"message": "The requested qty is not available"}),
        ),
        (
            json!({"cartItem": {"sku": "TEE", "qty": 1}}),
            400,
            json!({"message": "You need to choose options for your item."}),
        ),
    ];
    for (body, status, expected) in cases {
        let (s, v) = m.guest(&items, Some(body.clone())).await;
        assert_eq!((s, v), (status, expected), "{body}");
    }
    // A configurable parent with its option chosen becomes the child's line.
    let (_, tee) = m.get("/rest/default/V1/products/TEE", &[]).await;
    let option = &tee["extension_attributes"]["configurable_product_options"][0];
    let value = option["values"][1]["value_index"].clone();
    let (s, v) = m
        .guest(
            &items,
            Some(json!({"cart_item": {"sku": "TEE", "qty": 1, "product_option": {"extension_attributes": {"configurable_item_options": [{"option_id": option["attribute_id"], "option_value": value}]}}}})),
        )
        .await;
    assert_eq!((s, v["sku"].as_str()), (200, Some("TEE-M")), "{v}");

    let shipping = format!("/rest/default/V1/guest-carts/{cart}/shipping-information");
    let info = |carrier: &str, addr: Value| json!({"addressInformation": {"shipping_address": addr, "shipping_carrier_code": carrier, "shipping_method_code": carrier}});
    let (s, v) = m.guest(&shipping, Some(info("ups", address()))).await;
    assert_eq!(
        (s, v),
        (
            404,
            json!({"message": "Carrier with such method not found: %1, %2", "parameters": ["ups", "ups"]})
        )
    );
    let mut no_phone = address();
    no_phone.as_object_mut().unwrap().remove("telephone");
    let (s, v) = m.guest(&shipping, Some(info("flatrate", no_phone))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["totals"]["shipping_amount"], 5);
    let payment = format!("/rest/default/V1/guest-carts/{cart}/payment-information");
    let (s, v) = m
        .guest(
            &payment,
            Some(json!({"email": "a@b.c", "paymentMethod": {"method": "paypal_express"}})),
        )
        .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (400, Some("The requested Payment Method is not available."))
    );
    let (s, v) = m.guest(&payment, Some(json!({"email": "a@b.c", "paymentMethod": {"method": "checkmo"}, "billingAddress": address()}))).await;
    assert_eq!(s, 400);
    assert_eq!(
        v["message"],
        "Please check the shipping address information. \"telephone\" is required. Enter and try again."
    );
    // Fixed, the order is placed and the cart is gone.
    m.guest(&shipping, Some(info("flatrate", address()))).await;
    let (s, id) = m.guest(&payment, Some(json!({"email": "a@b.c", "paymentMethod": {"method": "checkmo"}, "billingAddress": address()}))).await;
    assert_eq!(s, 200, "{id}");
    let (s, v) = m
        .guest(
            &payment,
            Some(json!({"email": "a@b.c", "paymentMethod": {"method": "checkmo"}})),
        )
        .await;
    assert_eq!((s, &v["parameters"]["fieldName"]), (404, &json!("cartId")));
    let (_, order) = m.get(&format!("/rest/default/V1/orders/{id}"), &[]).await;
    assert_eq!(order["state"], "new");
    assert_eq!(order["status"], "pending");
    assert_eq!(
        order["items"].as_array().unwrap().len(),
        2,
        "configurable line and its child"
    );
    assert_eq!(
        order["items"][1]["parent_item_id"],
        order["items"][0]["item_id"]
    );
    assert_eq!(order["billing_address"]["region_id"], 12);
    assert!(order["created_at"].as_str().unwrap().contains(' '));
    sb.shutdown().await;
}

#[tokio::test]
async fn order_lifecycle_comment_invoice_ship_cancel_refund() {
    let sb = sandbox(SandboxConfig {
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let m = Mage::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let order = m.place(&[("TEE", 1), ("MUG", 2)]).await;
    let base = format!("/rest/default/V1/orders/{order}");

    let (s, v) = m
        .post(&format!("{base}/comments"), json!({"statusHistory": {"comment": "TikTok Shop order 5770001", "status": "pending", "is_customer_notified": 0, "is_visible_on_front": 0, "parent_id": order}}))
        .await;
    assert_eq!((s, v), (200, json!(true)));
    let listed = control.magento_orders().await.unwrap();
    assert_eq!(listed[0].tiktok_order_id.as_deref(), Some("5770001"));
    let (_, o) = m.get(&base, &[]).await;
    assert_eq!(
        o["status_histories"][0]["comment"],
        "TikTok Shop order 5770001"
    );
    assert_eq!(o["status"], "pending");

    // Invoice, then ship with a track: complete. Cancel is then refused with `false`.
    let (s, inv) = m
        .post(
            &format!("/rest/default/V1/order/{order}/invoice"),
            json!({"capture": true, "notify": false}),
        )
        .await;
    assert_eq!(s, 200, "{inv}");
    assert_eq!(m.get(&base, &[]).await.1["state"], "processing");
    let item_ids: Vec<Value> = o["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_id"].clone())
        .collect();
    let (s, v) = m
        .post(&format!("/rest/default/V1/order/{order}/ship"), json!({"items": [{"order_item_id": item_ids[0], "qty": 1}], "tracks": [{"track_number": "", "title": "UPS", "carrier_code": "ups"}]}))
        .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (
            400,
            Some("Shipment Document Validation Error(s):\nPlease enter a tracking number.")
        )
    );
    let (s, shipment) = m
        .post(&format!("/rest/default/V1/order/{order}/ship"), json!({"items": [], "notify": false, "tracks": [{"track_number": "1Z999", "title": "United Parcel Service", "carrier_code": "ups"}], "arguments": {"extension_attributes": {"source_code": "default"}}}))
        .await;
    assert_eq!(s, 200, "{shipment}");
    assert_eq!(m.get(&base, &[]).await.1["state"], "complete");
    let order_id = order.to_string();
    let (_, shipments) = m
        .get(
            "/rest/default/V1/shipments",
            &[
                (
                    "searchCriteria[filter_groups][0][filters][0][field]",
                    "order_id",
                ),
                (
                    "searchCriteria[filter_groups][0][filters][0][value]",
                    order_id.as_str(),
                ),
            ],
        )
        .await;
    assert_eq!(shipments["items"][0]["tracks"][0]["track_number"], "1Z999");
    assert_eq!(shipments["items"][0]["entity_id"], shipment);
    let (s, v) = m.post(&format!("{base}/cancel"), json!({})).await;
    assert_eq!((s, v), (200, json!(false)));

    // A new order cancels: stock is salable again.
    let second = m.place(&[("MUG", 1)]).await;
    let before = salable(&m, "MUG").await;
    let (s, v) = m
        .post(
            &format!("/rest/default/V1/orders/{second}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!((s, v), (200, json!(true)));
    assert_eq!(
        m.get(&format!("/rest/default/V1/orders/{second}"), &[])
            .await
            .1["state"],
        "canceled"
    );
    assert_eq!(
        salable(&m, "MUG").await.as_i64(),
        before.as_i64().map(|n| n + 1)
    );

    // A credit memo needs an invoice; a full refund closes the order.
    let third = m.place(&[("MUG", 1)]).await;
    let (s, v) = m
        .post(
            &format!("/rest/default/V1/order/{third}/refund"),
            json!({"items": [], "notify": false}),
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Creditmemo Document Validation Error(s):\n"),
        "{v}"
    );
    m.post(
        &format!("/rest/default/V1/order/{third}/invoice"),
        json!({}),
    )
    .await;
    let (s, memo) = m
        .post(
            &format!("/rest/default/V1/order/{third}/refund"),
            json!({"items": [], "arguments": {"shipping_amount": 5}}),
        )
        .await;
    assert_eq!(s, 200, "{memo}");
    let (_, o3) = m
        .get(&format!("/rest/default/V1/orders/{third}"), &[])
        .await;
    assert_eq!(
        (o3["state"].as_str(), o3["status"].as_str()),
        (Some("closed"), Some("closed"))
    );
    let third_id = third.to_string();
    let (_, memos) = m
        .get(
            "/rest/default/V1/creditmemos",
            &[
                (
                    "searchCriteria[filter_groups][0][filters][0][field]",
                    "order_id",
                ),
                (
                    "searchCriteria[filter_groups][0][filters][0][value]",
                    third_id.as_str(),
                ),
            ],
        )
        .await;
    assert_eq!(memos["total_count"], 1);

    // Orders poll by updated_at; errors on ids.
    let (_, polled) = m
        .get(
            "/rest/default/V1/orders",
            &[
                (
                    "searchCriteria[filter_groups][0][filters][0][field]",
                    "updated_at",
                ),
                (
                    "searchCriteria[filter_groups][0][filters][0][value]",
                    "2000-01-01 00:00:00",
                ),
                (
                    "searchCriteria[filter_groups][0][filters][0][condition_type]",
                    "gteq",
                ),
                ("searchCriteria[sortOrders][0][field]", "updated_at"),
                ("searchCriteria[sortOrders][0][direction]", "ASC"),
                ("searchCriteria[pageSize]", "100"),
            ],
        )
        .await;
    assert_eq!(polled["total_count"], 3);
    let (s, v) = m.get("/rest/default/V1/orders/999", &[]).await;
    assert_eq!(
        (s, v["message"].as_str()),
        (
            404,
            Some("The entity that was requested doesn't exist. Verify the entity and try again.")
        )
    );
    let (s, v) = m.get("/rest/default/V1/orders/abc", &[]).await;
    assert_eq!((s, &v["parameters"]["type"]), (400, &json!("int")));

    // A comment without a status leaves the order without one (magento/magento2#34180).
    m.post(
        &format!("/rest/default/V1/orders/{third}/comments"),
        json!({"statusHistory": {"comment": "x"}}),
    )
    .await;
    assert_eq!(
        m.get(&format!("/rest/default/V1/orders/{third}"), &[])
            .await
            .1["status"],
        Value::Null
    );
    // Merchant-side refund through control: invoiced first, then closed.
    let fourth = m.place(&[("MUG", 1)]).await;
    let refunded = control.magento_refund(fourth).await.unwrap();
    assert_eq!(refunded["sandbox"]["closed"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn faults_and_developer_mode() {
    let sb = sandbox(SandboxConfig::default()).await;
    let m = Mage::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    control
        .magento_fault(&Fault {
            path_contains: "/V1/orders".into(),
            kind: FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    let (s, v) = m
        .get("/rest/default/V1/orders", &[("searchCriteria", "")])
        .await;
    assert_eq!(
        (s, v),
        (429, json!({"message": "Too Many Requests", "trace": null}))
    );
    assert_eq!(
        m.get("/rest/default/V1/orders", &[("searchCriteria", "")])
            .await
            .0,
        200
    );
    control
        .magento_fault(&Fault {
            path_contains: "/V1/orders".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await
        .unwrap();
    let (s, v) = m
        .get("/rest/default/V1/orders", &[("searchCriteria", "")])
        .await;
    assert_eq!(s, 500);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Report ID: webapi-"),
        "{v}"
    );
    assert!(v.get("trace").is_none());
    control
        .magento_config(&MagentoConfig {
            developer_mode: Some(true),
            ..MagentoConfig::default()
        })
        .await
        .unwrap();
    let (s, v) = m.get("/rest/default/V1/orders/999", &[]).await;
    assert_eq!(s, 404);
    assert!(v["trace"].is_string(), "{v}");
    let calls = control.magento_calls().await.unwrap();
    assert!(calls.iter().any(|c| c.status == 429));
    sb.shutdown().await;
}

#[tokio::test]
async fn credit_memos_refuse_what_cannot_be_refunded() {
    let sb = sandbox(SandboxConfig {
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let m = Mage::new(&sb);
    let id = m.place(&[("MUG", 2)]).await;
    let (_, order) = m.get(&format!("/rest/default/V1/orders/{id}"), &[]).await;
    let item = order["items"][0]["item_id"].as_u64().unwrap();
    let refund = format!("/rest/default/V1/order/{id}/refund");
    // Invoice one of the two: only that one can be refunded.
    let (s, v) = m
        .post(
            &format!("/rest/default/V1/order/{id}/invoice"),
            json!({"items": [{"order_item_id": item, "qty": 1}]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let refused = |problem: &str| json!({"message": format!("Creditmemo Document Validation Error(s):\n{problem}")});
    let cases = [
        (
            json!({"items": [{"order_item_id": item, "qty": 2}]}),
            "The quantity to creditmemo must not be greater than the unrefunded quantity for product SKU \"MUG\".",
        ),
        (
            json!({"items": [{"order_item_id": 999, "qty": 1}]}),
            "The creditmemo contains product SKU \"\" that is not part of the original order.",
        ),
        (
            json!({"items": [{"order_item_id": item, "qty": 1}],
                   "arguments": {"extension_attributes": {"return_to_stock_items": [999]}}}),
            "The return to stock argument contains product item that is not part of the original order.",
        ),
    ];
    for (body, problem) in cases {
        let (s, v) = m.post(&refund, body.clone()).await;
        assert_eq!((s, v), (400, refused(problem)), "{body}");
    }
    let (s, v) = m
        .post(
            &refund,
            json!({"items": [{"order_item_id": item, "qty": 1}], "arguments": {"shipping_amount": 50}}),
        )
        .await;
    assert_eq!(
        (s, v),
        (
            400,
            json!({"message": "Maximum shipping amount allowed to refund is: %1", "parameters": ["$10.00"]})
        )
    );
    let before = m.get(&format!("/rest/default/V1/orders/{id}"), &[]).await.1;
    assert_eq!(
        before["total_refunded"], 0,
        "a refused memo changes nothing"
    );

    let (s, memo) = m
        .post(
            &refund,
            json!({"items": [{"order_item_id": item, "qty": 1}], "notify": false}),
        )
        .await;
    assert_eq!(s, 200, "{memo}");
    let (_, after) = m.get(&format!("/rest/default/V1/orders/{id}"), &[]).await;
    assert_eq!(after["items"][0]["qty_refunded"], 1);
    assert_eq!(
        after["shipping_refunded"], 10,
        "the shipping left goes back"
    );
    assert_ne!(after["updated_at"], Value::Null);
    // Nothing invoiced is left to refund.
    let (s, v) = m
        .post(
            &refund,
            json!({"items": [{"order_item_id": item, "qty": 1}]}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
}
